"""Cost of encryption at rest and NIK pseudonymisation per command; checkpoint verification.

Each figure runs our code and its baseline in the same process:

- ``security.sqlite.commands``: commands/s through :class:`slrt_core.Slrt` on a
  :class:`~slrt_core.adapters.SqliteStore` file sealing personal data
  (:class:`~slrt_core.crypto.SealingCodec`, per-case AES-256-GCM keys in a
  :class:`~slrt_core.crypto.SqliteKeyStore`) and indexing NIK tokens
  (:class:`~slrt_core.privacy.NikIndex`), beside the same commands on the store in clear.
  Target: under 30% slower (ratio >= 0.77).
- ``security.memory.commands``: the same on :class:`~slrt_core.adapters.MemoryStore`,
  the trail read once at the end of both runs (the memory store seals lazily).
- ``security.sqlite.cold_load``: cases/s loaded and replayed from SQLite with an empty
  cache (every event decrypted), beside the store in clear.
- ``security.codec.encode`` / ``decode``: events/s through the sealing codec beside the
  plain codec.
- ``security.tokens``: NIK tokens/s (HMAC-SHA256 under a pepper) beside a bare, unkeyed
  SHA-256 of the same digits (which would be reversible by enumeration).
- ``security.checkpoints.verify``: records/s checked by
  :func:`~slrt_core.checkpoints.verify_with_checkpoints` with a checkpoint every 1,000
  records, beside :func:`~slrt_core.audit.verify` alone.

Run: ``python bench/security.py [--quick] [--json] [--dir DIR]
[--only commands|load|codec|tokens|checkpoints]``.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from _common import Options, compare, finish, parse_args, report

from slrt_core import Actor, Household, Need, Person, RegionCode, Relationship, Role, Sex
from slrt_core.adapters import MemoryStore, SequentialIds, SqliteStore
from slrt_core.adapters.basics import PlainCodec
from slrt_core.audit import GENESIS, chain, verify
from slrt_core.checkpoints import CheckpointSigner, verify_with_checkpoints
from slrt_core.crypto import (
    MemoryKeyStore,
    SealingCodec,
    SqliteKeyStore,
    StaticKeyring,
    SubjectVault,
)
from slrt_core.identity import Nik
from slrt_core.privacy import MemoryAccessLog, NikIndex, NikTokenizer
from slrt_core.service import Slrt
from slrt_core.testing import FrozenClock
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector

CITY = RegionCode("33.74")
FAC = Actor(actor_id="fac", role=Role.FACILITATOR, jurisdiction=CITY)
SUP = Actor(actor_id="sup", role=Role.SUPERVISOR, jurisdiction=CITY)
FO = Actor(actor_id="fo", role=Role.FRONT_OFFICE, jurisdiction=CITY)
COMMANDS_PER_CASE = 6
# Cases per run (--quick, full); records in the checkpoint chain.
CASES = (300, 2_000)
RECORDS = (100_000, 500_000)
MASTER = b"\x07" * 32
PEPPER = b"\x09" * 32


def household(n: int) -> Household:
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=date(1980, 5, 1),
        sex=Sex.FEMALE,
        nik=Nik(f"337401410580{n % 10_000:04d}"),
        name=f"Ibu Siti {n}",
    )
    child = Person(
        member_id="m2",
        relationship=Relationship.CHILD,
        birth_date=date(2015, 1, 9),
        sex=Sex.MALE,
        nik=Nik(f"337401090115{n % 10_000:04d}"),
        name=f"Adi {n}",
    )
    return Household(region=RegionCode("33.74.01.1001"), members=(head, child))


def run_cases(slrt: Slrt, count: int) -> None:
    """Register, assess, submit, approve, review and close *count* cases."""
    for n in range(count):
        cid = slrt.register(
            FAC,
            household(n),
            channel=Channel.HOME_VISIT,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.HEALTH, description=f"Needs insurance, note {n}")],
        ).case_id
        slrt.assess(FAC, cid, findings="Day labourer, two children, decile 2.")
        slrt.submit(FAC, cid)
        slrt.approve(SUP, cid)
        slrt.review(FO, cid)
        slrt.close(SUP, cid, reason=ClosingReason.NEEDS_MET)


def service(store: Any, *, sealed: bool) -> Slrt:
    return Slrt(
        store=store,
        clock=FrozenClock(),
        ids=SequentialIds(),
        access_log=MemoryAccessLog(),
        nik_index=NikIndex(NikTokenizer({1: PEPPER})) if sealed else None,
    )


def bench_commands(options: Options, cases: int, repeat: int, folder: Path) -> None:
    counter = iter(range(10**9))

    def sqlite_setup(sealed: bool) -> Callable[[], Slrt]:
        def setup() -> Slrt:
            n = next(counter)
            codec = (
                SealingCodec(
                    SubjectVault(
                        StaticKeyring({1: MASTER}),
                        SqliteKeyStore(folder / f"k{n}.db", synchronous="normal"),
                    )
                )
                if sealed
                else PlainCodec()  # a file store is sealed by default: opt out explicitly
            )
            store = SqliteStore(folder / f"s{n}.db", synchronous="normal", codec=codec)
            return service(store, sealed=sealed)

        return setup

    ours, base = compare(
        (sqlite_setup(True), lambda s: run_cases(s, cases)),
        (sqlite_setup(False), lambda s: run_cases(s, cases)),
        repeat,
    )
    total = cases * COMMANDS_PER_CASE
    report(
        options,
        "security.sqlite.commands",
        total / ours,
        "commands/s",
        total / base,
        target=">= 0.77 x in clear",
    )

    def memory_setup(sealed: bool) -> Callable[[], Slrt]:
        def setup() -> Slrt:
            vault = SubjectVault(StaticKeyring({1: MASTER}), MemoryKeyStore())
            store = MemoryStore(codec=SealingCodec(vault) if sealed else None)
            return service(store, sealed=sealed)

        return setup

    def memory_run(slrt: Slrt) -> None:
        run_cases(slrt, cases)
        for _ in slrt.store.audit_records():
            pass

    ours, base = compare(
        (memory_setup(True), memory_run), (memory_setup(False), memory_run), repeat
    )
    report(
        options,
        "security.memory.commands",
        total / ours,
        "commands/s",
        total / base,
        target=">= 0.77 x in clear",
    )


def bench_load(options: Options, cases: int, repeat: int, folder: Path) -> None:
    stores: dict[bool, SqliteStore] = {}
    for sealed in (True, False):
        codec = (
            SealingCodec(
                SubjectVault(
                    StaticKeyring({1: MASTER}),
                    SqliteKeyStore(folder / "load-keys.db", synchronous="normal"),
                )
            )
            if sealed
            else PlainCodec()  # a file store is sealed by default: opt out explicitly
        )
        store = SqliteStore(folder / f"load-{sealed}.db", synchronous="normal", codec=codec)
        run_cases(service(store, sealed=sealed), cases)
        stores[sealed] = store
    ids = [f"case-{n:06d}" for n in range(1, cases + 1)]

    def setup(sealed: bool) -> Callable[[], SqliteStore]:
        def make() -> SqliteStore:
            store = stores[sealed]
            store._cache.clear()  # noqa: SLF001 - a cold load is the point
            return store

        return make

    def load_all(store: SqliteStore) -> None:
        for cid in ids:
            store.load(cid)

    ours, base = compare((setup(True), load_all), (setup(False), load_all), repeat)
    report(options, "security.sqlite.cold_load", cases / ours, "cases/s", cases / base)
    for store in stores.values():
        store.close()


def bench_codec(options: Options, repeat: int) -> None:
    store = MemoryStore()
    run_cases(service(store, sealed=False), 200)
    events = [e for cid in (f"case-{n:06d}" for n in range(1, 201)) for e in store.events(cid)]
    sealing = SealingCodec(SubjectVault(StaticKeyring({1: MASTER}), MemoryKeyStore()))
    plain = PlainCodec()

    def encode(codec: Any) -> list[bytes]:
        return [codec.encode(e) for e in events]

    ours, base = compare((lambda: sealing, encode), (lambda: plain, encode), repeat)
    report(options, "security.codec.encode", len(events) / ours, "events/s", len(events) / base)
    sealed, clear = encode(sealing), encode(plain)

    def decode(pair: tuple[Any, list[bytes]]) -> None:
        codec, bodies = pair
        for body in bodies:
            codec.decode(body)

    ours, base = compare(
        (lambda: (sealing, sealed), decode), (lambda: (plain, clear), decode), repeat
    )
    report(options, "security.codec.decode", len(events) / ours, "events/s", len(events) / base)


def bench_tokens(options: Options, repeat: int) -> None:
    niks = [Nik(f"3374014105{n:06d}") for n in range(100_000)]
    tokens = NikTokenizer({1: PEPPER})

    def ours_run(items: list[Nik]) -> None:
        for nik in items:
            tokens.token(nik)

    def base_run(items: list[Nik]) -> None:
        for nik in items:
            hashlib.sha256(b"nik:" + nik.reveal().encode()).hexdigest()

    ours, base = compare((lambda: niks, ours_run), (lambda: niks, base_run), repeat)
    report(options, "security.tokens", len(niks) / ours, "tokens/s", len(niks) / base)


def bench_checkpoints(options: Options, size: int, repeat: int) -> None:
    bodies = [
        b'{"case_id":"case-%06d","payload":{"sealed":"%s","type":"case_assessed"},"version":2}'
        % (n, b"A" * 120)
        for n in range(size)
    ]
    records = chain(bodies, after_seq=0, prev=GENESIS)
    signer = CheckpointSigner.generate()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    points = [signer.sign(seq=r.seq, head=r.digest, at=at) for r in records[999::1000]]
    keys = {signer.key_id: signer.public_key()}

    def ours_run(_: object) -> None:
        assert verify_with_checkpoints(records, points, keys).ok

    def base_run(_: object) -> None:
        assert verify(records).ok

    ours, base = compare((lambda: None, ours_run), (lambda: None, base_run), repeat)
    report(
        options,
        "security.checkpoints.verify",
        size / ours,
        "records/s",
        size / base,
    )
    report(options, "security.checkpoints.count", len(points), "checkpoints", None)


def main() -> None:
    options = parse_args(
        __doc__.splitlines()[0], parts=("commands", "load", "codec", "tokens", "checkpoints")
    )
    cases = CASES[0 if options.quick else 1]
    repeat = options.repeat or (3 if options.quick else 5)
    with tempfile.TemporaryDirectory(dir=options.dir, prefix="slrt-bench-") as directory:
        folder = Path(directory)
        if options.wants("commands"):
            bench_commands(options, cases, repeat, folder)
        if options.wants("load"):
            bench_load(options, cases, repeat, folder)
    if options.wants("codec"):
        bench_codec(options, repeat)
    if options.wants("tokens"):
        bench_tokens(options, repeat)
    if options.wants("checkpoints"):
        bench_checkpoints(options, RECORDS[0 if options.quick else 1], repeat)
    finish(options, "security")


if __name__ == "__main__":
    main()
