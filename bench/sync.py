"""Offline sync: a batch of offline commands beside the same commands online, and the feed.

- ``sync.batch``: 1,000 commands a facilitator recorded offline on 250 cases (per case:
  record two needs, assess, submit; every envelope carries the version the
  device saw before it went offline, so three of each four pass the conflict rules over
  the device's own earlier commands) uploaded in batches of 100 as JSON through
  :meth:`SyncEndpoint.upload_json` (structure, Ed25519 verification, the ledger's
  look-up and answer, the pipeline), beside the same 1,000 commands run online through
  :meth:`Slrt.pipeline.run` with an idempotency key each. Both on SQLite files (WAL,
  ``synchronous`` NORMAL; the ledger in a file of its own for sync). Set-up (the cases,
  and the device recording and signing the envelopes) is not timed. Target: offline
  costs at most 1.5 times online.
- ``sync.feed``: the feed of 10,000 changed cases downloaded in pages of 100 (every
  page signed, checked, read from the audit trail on SQLite and encoded as JSON), in
  cases per second; its peak memory beside the baseline of the same changes in one
  response (every case read and encoded at once, as an unpaged feed would), and the
  peak of one page alone, which bounds it.

Run: ``python bench/sync.py [--quick] [--json] [--repeat N] [--dir DIR] [--only batch|feed]``.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from _common import Options, compare, finish, parse_args, peak_alloc, report
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from slrt_core import Actor, RegionCode, Role, Slrt
from slrt_core.adapters import SequentialIds, SqliteStore
from slrt_core.application import commands as cmd
from slrt_core.case import Need
from slrt_core.sync import Replica, SyncEndpoint, SyncLedger, to_json
from slrt_core.testing import sample_directory, sample_household
from slrt_core.vocabulary import Channel, ComplaintKind, Sector

FACILITATOR = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=RegionCode("33"))
SUPERVISOR = Actor(actor_id="sup-1", role=Role.SUPERVISOR, jurisdiction=RegionCode("33"))
BATCH = 100


class Ticking:
    """A clock that steps one second per read."""

    def __init__(self) -> None:
        self._now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


class World:
    """A service on a SQLite file with *cases* registered cases, and its sync endpoint."""

    counter = itertools.count()

    def __init__(self, directory: str, cases: int) -> None:
        n = next(self.counter)
        self.store = SqliteStore(Path(directory) / f"cases-{n}.sqlite", synchronous="normal")
        self.ledger = SyncLedger(str(Path(directory) / f"sync-{n}.sqlite"), synchronous="normal")
        self.slrt = Slrt(
            store=self.store, clock=Ticking(), ids=SequentialIds(), directory=sample_directory()
        )
        self.endpoint = SyncEndpoint(self.slrt, self.ledger)
        household = sample_household()
        self.case_ids = [
            self.slrt.register(
                FACILITATOR,
                household,
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
            ).case_id
            for _ in range(cases)
        ]

    def close(self) -> None:
        self.store.close()
        self.ledger.close()


def offline_commands(case_ids: list[str]) -> list[Any]:
    """Four commands per case, in the order a facilitator records them on visits."""
    found = []
    for case_id in case_ids:
        found += [
            cmd.RecordNeed(
                actor=FACILITATOR,
                case_id=case_id,
                need=Need(sector=Sector.FOOD, description="Food"),
            ),
            cmd.RecordNeed(
                actor=FACILITATOR,
                case_id=case_id,
                need=Need(sector=Sector.EDUCATION, description="School fees"),
            ),
            cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="Day labourer, four children"),
            cmd.Submit(actor=FACILITATOR, case_id=case_id),
        ]
    return found


def bench_batch(options: Options, repeat: int, directory: str) -> None:
    cases = 50 if options.quick else 250

    def setup_offline() -> tuple[World, list[dict[str, Any]]]:
        world = World(directory, cases)
        key = Ed25519PrivateKey.generate()
        world.endpoint.register_device(SUPERVISOR, "tab-1", FACILITATOR, key.public_key())
        ids = itertools.count()
        tablet = Replica(
            ":memory:",
            device_id="tab-1",
            actor=FACILITATOR,
            key=key,
            clock=Ticking(),
            new_id=lambda: f"e{next(ids)}",
        )
        for command in offline_commands(world.case_ids):
            tablet.record(command, base_version=1)  # the version seen before going out
        envelopes = [to_json(e) for e in tablet.pending()]
        batches = [
            {"device_id": "tab-1", "envelopes": envelopes[i : i + BATCH]}
            for i in range(0, len(envelopes), BATCH)
        ]
        tablet.close()
        return world, batches

    def run_offline(state: tuple[World, list[dict[str, Any]]]) -> None:
        world, batches = state
        for batch in batches:
            results = world.endpoint.upload_json(batch)["results"]
            bad = [r for r in results if r["status"] != "applied" or r["time_flags"]]
            assert not bad, bad[0]
        world.close()

    def setup_online() -> tuple[World, list[Any]]:
        world = World(directory, cases)
        commands = [
            attrs_key(c, f"online-{i}") for i, c in enumerate(offline_commands(world.case_ids))
        ]
        return world, commands

    def run_online(state: tuple[World, list[Any]]) -> None:
        world, commands = state
        run = world.slrt.pipeline.run
        for command in commands:
            run(command)
        world.close()

    offline, online = compare((setup_offline, run_offline), (setup_online, run_online), repeat)
    n = cases * 4
    report(
        options,
        f"sync.batch.{n}_commands",
        n / offline,
        "commands/s",
        n / online,
        target=">= 0.667 x online (offline <= 1.5 x online time)",
    )
    report(options, "sync.batch.offline_over_online_time", offline / online, "x", None)


def attrs_key(command: Any, key: str) -> Any:
    return attrs.evolve(command, idempotency_key=key)


def bench_feed(options: Options, repeat: int, directory: str) -> None:
    cases = 1_000 if options.quick else 10_000
    page = 100
    world = World(directory, cases)
    key = Ed25519PrivateKey.generate()
    world.endpoint.register_device(SUPERVISOR, "tab-1", FACILITATOR, key.public_key())

    def fresh() -> Replica:
        return Replica(":memory:", device_id="tab-1", actor=FACILITATOR, key=key)

    def download(tablet: Replica) -> int:
        """Every page, as JSON, kept only as long as it is read; the cases it held."""
        got = 0
        while True:
            data = world.endpoint.feed_json(to_json(tablet.feed_request(page)))
            got += len(data["changes"])
            # The device keeps only the cursor here: the copy's own cost is the device's.
            tablet._conn.execute(  # noqa: SLF001 - the bench skips the local copy
                "INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", (str(data["next_cursor"]),)
            )
            if not data["more"]:
                return got

    def read_all(_: object) -> int:
        """The baseline: the same changes in one response, as an unpaged feed sends them."""
        changes = [
            to_json(world.endpoint._change(FACILITATOR, case_id))  # noqa: SLF001
            for case_id in world.case_ids
        ]
        return len(changes)

    ours, baseline = compare((fresh, download), (lambda: None, read_all), repeat)
    report(
        options,
        f"sync.feed.{cases}_cases_pages_of_{page}",
        cases / ours,
        "cases/s",
        cases / baseline,
    )
    peak = peak_alloc(fresh, download)
    whole = peak_alloc(lambda: None, read_all)
    report(
        options, f"sync.feed.{cases}_cases.peak", peak, "MiB", whole, target="bounded by one page"
    )

    def one_page() -> Replica:
        return fresh()

    single = peak_alloc(one_page, lambda t: world.endpoint.feed_json(to_json(t.feed_request(page))))
    report(options, f"sync.feed.one_page_of_{page}.peak", single, "MiB", None)
    world.close()


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("batch", "feed"))
    repeat = options.repeat or (3 if options.quick else 5)
    with tempfile.TemporaryDirectory(dir=options.dir, prefix="slrt-bench-sync-") as directory:
        if options.wants("batch"):
            bench_batch(options, repeat, directory)
        if options.wants("feed"):
            bench_feed(options, repeat, directory)
    finish(options, "sync")


if __name__ == "__main__":
    main()
