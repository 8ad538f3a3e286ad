"""Replica: the device's SQLite queue and feed copy, surviving restarts and lost networks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.sync_support import FACILITATOR, PROVIDER, World, register

from slrt_core.application import commands as cmd
from slrt_core.errors import StorageError
from slrt_core.referral import ReferralStatus
from slrt_core.sync import FeedChange, FeedPage, Replica, Status, SyncLedger


def test_the_queue_and_the_copy_survive_a_restart(tmp_path: Path) -> None:
    world = World()
    case_id = world.case_in("assessed")
    path = str(tmp_path / "tablet.sqlite")
    tablet, _ = world.device(path=path)
    world.sync(tablet)
    envelope = tablet.record(cmd.Submit(actor=FACILITATOR, case_id=case_id))
    assert envelope.base_version == 2  # the local copy's version
    tablet.close()
    again = Replica(path, device_id=tablet.device_id, actor=FACILITATOR, key=tablet._key)
    assert [e.envelope_id for e in again.pending()] == [envelope.envelope_id]
    assert again.version(case_id) == 2
    assert again.cursor > 0
    report = world.sync(again)
    assert report.answered == {"applied": 1}
    assert again.answers()[envelope.envelope_id].status is Status.APPLIED
    assert again.version(case_id) == 3


def test_a_lost_network_keeps_what_was_not_answered() -> None:
    world = World()
    tablet, _ = world.device()
    for _ in range(3):
        tablet.record(register())
    calls = []

    def flaky(batch: dict[str, Any]) -> dict[str, Any]:
        calls.append(len(batch["envelopes"]))
        if len(calls) == 2:
            raise ConnectionError
        return world.endpoint.upload_json(batch)

    with pytest.raises(ConnectionError):
        tablet.sync(flaky, world.endpoint.feed_json, batch_size=2)
    assert calls == [2, 1]
    assert len(tablet.pending()) == 1
    report = tablet.sync(world.endpoint.upload_json, world.endpoint.feed_json, page_size=1)
    assert report.answered == {"applied": 1}
    assert report.pages == 3  # one case a page; the last one ends the trail
    assert len(tablet.case_ids()) == 3


def test_a_referral_command_takes_its_case_s_version_from_the_copy() -> None:
    world = World()
    case_id = world.case_in("in_service")
    provider, _ = world.device(PROVIDER)
    world.sync(provider)
    [[referral_id, _]] = provider.case(case_id)["summary"]["referrals"]
    update = cmd.UpdateReferral(
        actor=PROVIDER, referral_id=referral_id, status=ReferralStatus.RECEIVED
    )
    assert provider.record(update).base_version == provider.version(case_id)
    unknown = attrs.evolve(update, referral_id="ref-unknown")
    assert provider.record(unknown).base_version is None


def test_an_older_version_never_replaces_a_newer_copy() -> None:
    world = World()
    tablet, _ = world.device()
    newer = FeedChange(case_id="c1", version=5)
    tablet.apply_page(FeedPage(cursor=0, next_cursor=9, more=False, changes=(newer,)))
    older = FeedChange(case_id="c1", version=3)
    tablet.apply_page(FeedPage(cursor=9, next_cursor=10, more=False, changes=(older,)))
    assert tablet.version("c1") == 5
    assert tablet.cursor == 10
    assert tablet.case("c2") is None


def test_databases_that_do_not_open_are_storage_errors(tmp_path: Path) -> None:
    missing = str(tmp_path / "no" / "such" / "dir.sqlite")
    with pytest.raises(StorageError, match="does not open"):
        SyncLedger(missing)
    with pytest.raises(StorageError, match="does not open"):
        Replica(missing, device_id="d", actor=FACILITATOR, key=World().device()[0]._key)


def test_the_ledger_s_durability_is_full_or_normal(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SyncLedger(str(tmp_path / "l.sqlite"), synchronous="off")  # type: ignore[arg-type]
    SyncLedger(str(tmp_path / "l.sqlite"), synchronous="normal").close()
