"""SyncEndpoint: batches through the pipeline, idempotency, conflict rules, time and trust."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.sync_support import (
    BACK_OFFICE,
    FACILITATOR,
    FACILITATOR_2,
    OTHER_VILLAGE,
    PROVIDER,
    SUPERVISOR,
    World,
    register,
)

from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.application import commands as cmd
from slrt_core.audit import verify
from slrt_core.case import CaseState, Need
from slrt_core.errors import (
    AccessDenied,
    ConcurrencyError,
    InvalidInputError,
    OutsideJurisdictionError,
    TransitionNotAllowed,
)
from slrt_core.ports import Commit
from slrt_core.referral import ReferralStatus
from slrt_core.sync import Batch, BatchResult, Resolution, Status, SyncLedger, sign
from slrt_core.vocabulary import ClosingReason, Sector


def _need(text: str = "No food") -> Need:
    return Need(sector=Sector.FOOD, description=text)


# ---------------------------------------------------------------- applying and replays


def test_offline_registration_and_follow_ups_apply_in_order() -> None:
    world = World()
    tablet, device_clock = world.device(skew=-timedelta(hours=2))
    first = tablet.record(register())
    device_clock.advance(minutes=10)
    tablet.record(
        cmd.Assess(actor=FACILITATOR, case_id=f"envelope:{first.envelope_id}", findings="Poor")
    )
    device_clock.advance(minutes=10)
    tablet.record(cmd.Submit(actor=FACILITATOR, case_id=f"envelope:{first.envelope_id}"))
    world.clock.advance(hours=1)
    report = world.sync(tablet)
    assert report.answered == {"applied": 3}
    assert report.pending == 0
    [case_id] = tablet.case_ids()
    assert tablet.version(case_id) == 3
    case = world.slrt.get_case(SUPERVISOR, case_id)
    assert case.state is CaseState.SUBMITTED
    events = world.store.events(case_id)
    # Receipt time (the server's) on `at`, the device's time beside it.
    assert {e.at for e in events} == {world.clock.now()}
    assert [e.claimed_at for e in events] == [
        world.clock.now() - timedelta(hours=3) + timedelta(minutes=m) for m in (0, 10, 20)
    ]
    assert verify(world.store.audit_records()).ok


def test_a_retried_duplicated_or_reordered_upload_applies_nothing_twice() -> None:
    world = World()
    case_id = world.case_in("registered")
    tablet, device_clock = world.device()
    world.sync(tablet)
    for text in ("one", "two", "three"):
        tablet.record(cmd.RecordNeed(actor=FACILITATOR, case_id=case_id, need=_need(text)))
        device_clock.advance(minutes=1)
    batch = tablet.batch()
    # A partial upload whose answers were lost: nothing reaches the device.
    partial = world.endpoint.upload(attrs.evolve(batch, envelopes=batch.envelopes[1:2]))
    assert [r.status for r in partial.results] == [Status.APPLIED]
    # The whole batch again, reversed, and one envelope twice.
    again = world.endpoint.upload(
        attrs.evolve(batch, envelopes=(*reversed(batch.envelopes), batch.envelopes[0]))
    )
    assert [r.status for r in again.results] == [
        Status.APPLIED,
        Status.ALREADY_APPLIED,
        Status.APPLIED,
        Status.ALREADY_APPLIED,
    ]
    tablet.accept(again)
    assert tablet.pending() == []
    case = world.slrt.get_case(SUPERVISOR, case_id)
    assert sorted(n.description for n in case.needs) == [
        "No health insurance",
        "one",
        "three",
        "two",
    ]


def test_an_answer_lost_after_the_commit_is_already_applied_on_retry() -> None:
    world = World(ledger=SyncLedger())
    case_id = world.case_in("registered")
    tablet, _ = world.device()
    world.sync(tablet)
    tablet.record(cmd.RecordNeed(actor=FACILITATOR, case_id=case_id, need=_need()))
    batch = tablet.batch()
    # The server committed but crashed before its ledger kept the answer.
    world.endpoint.ledger.record_answer = lambda *a, **k: None  # type: ignore[method-assign]
    assert world.endpoint.upload(batch).results[0].status is Status.APPLIED
    del world.endpoint.ledger.record_answer
    retried = world.endpoint.upload(batch).results[0]
    assert retried.status is Status.ALREADY_APPLIED
    assert retried.version == 2
    assert len(world.store.events(case_id)) == 2


def test_a_command_on_a_case_not_received_yet_is_deferred_then_applied() -> None:
    world = World()
    tablet, _ = world.device()
    first = tablet.record(register())
    tablet.record(
        cmd.Assess(actor=FACILITATOR, case_id=f"envelope:{first.envelope_id}", findings="x")
    )
    batch = tablet.batch()
    early = world.endpoint.upload(attrs.evolve(batch, envelopes=batch.envelopes[1:]))
    assert [r.status for r in early.results] == [Status.DEFERRED]
    tablet.accept(early)
    assert len(tablet.pending()) == 2  # a deferred envelope is sent again
    assert world.endpoint.ledger.answer(tablet.device_id, batch.envelopes[1].envelope_id) is None
    report = world.sync(tablet)
    assert report.answered == {"applied": 2}


def test_only_deferred_answers_end_the_upload_round() -> None:
    world = World()
    tablet, _ = world.device()
    tablet.record(cmd.Assess(actor=FACILITATOR, case_id="envelope:never-sent", findings="x"))
    report = world.sync(tablet)
    assert report.answered == {"deferred": 1}
    assert report.pending == 1


def test_applies_on_sqlite_with_the_ledger_in_a_file(tmp_path: Any) -> None:
    store = SqliteStore(str(tmp_path / "cases.db"))
    world = World(store=store, ledger=SyncLedger(str(tmp_path / "sync.db")))
    tablet, _ = world.device(path=str(tmp_path / "tablet.db"))
    tablet.record(register())
    assert world.sync(tablet).answered == {"applied": 1}
    reopened = SyncLedger(str(tmp_path / "sync.db"))
    envelope_id = tablet.answers().popitem()[0]
    answer = reopened.answer(tablet.device_id, envelope_id)
    assert answer is not None
    assert answer.status is Status.APPLIED
    assert reopened.verify().ok
    reopened.close()
    store.close()


def test_an_envelope_refused_is_refused_again_with_the_same_error() -> None:
    world = World()
    case_id = world.case_in("registered")
    tablet, _ = world.device()
    world.sync(tablet)
    tablet.record(cmd.Submit(actor=FACILITATOR, case_id=case_id))  # not assessed yet
    batch = tablet.batch()
    first = world.endpoint.upload(batch).results[0]
    assert first.status is Status.REFUSED
    assert first.refusal is not None
    assert first.refusal.error == "TransitionNotAllowed"
    assert "Diajukan" not in first.refusal.message
    assert first.refusal.message_id != first.refusal.message
    world.slrt.assess(FACILITATOR, case_id, findings="now assessed")
    assert world.endpoint.upload(batch).results[0] == first


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"case_id": "c", "bogus": 1}, "bogus"),
        ({}, "case_id"),
        ({"case_id": "c", "need": {"sector": "space"}}, "need"),
    ],
)
def test_a_malformed_command_is_refused_with_its_paths(fields: dict[str, Any], path: str) -> None:
    world = World()
    tablet, _ = world.device()
    envelope = tablet.record(cmd.Submit(actor=FACILITATOR, case_id="c"), base_version=1)
    bad = sign(attrs.evolve(envelope, command_type="RecordNeed", command=fields), tablet._key)
    result = world.endpoint.upload(Batch(device_id=tablet.device_id, envelopes=(bad,))).results[0]
    assert result.status is Status.REFUSED
    assert result.refusal is not None
    assert any(p[0].startswith(path) for p in result.refusal.problems)


def test_unknown_command_type_missing_or_future_base_version_are_refused() -> None:
    world = World()
    case_id = world.case_in("registered")
    tablet, _ = world.device()
    unknown = tablet.record(cmd.Submit(actor=FACILITATOR, case_id=case_id), base_version=1)
    unknown = sign(attrs.evolve(unknown, command_type="Erase"), tablet._key)
    missing = tablet.record(cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="x"))
    future = tablet.record(
        cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="x"), base_version=9
    )
    results = world.endpoint.upload(
        Batch(device_id=tablet.device_id, envelopes=(unknown, missing, future))
    ).results
    assert [r.status for r in results] == [Status.REFUSED] * 3
    assert [r.refusal.problems[0][0] for r in results if r.refusal] == [
        "command_type",
        "base_version",
        "base_version",
    ]


def test_a_case_that_is_not_there_is_refused_like_online() -> None:
    world = World()
    tablet, _ = world.device()
    tablet.record(cmd.Assess(actor=FACILITATOR, case_id="case-404", findings="x"), base_version=1)
    result = world.endpoint.upload(tablet.batch()).results[0]
    assert result.status is Status.REFUSED
    assert result.refusal is not None
    assert result.refusal.error == "CaseNotVisibleError"


def test_registration_outside_the_jurisdiction_is_refused() -> None:
    world = World()
    tablet, _ = world.device()
    tablet.record(register(region=OTHER_VILLAGE))
    result = world.endpoint.upload(tablet.batch()).results[0]
    assert result.status is Status.REFUSED
    assert result.refusal is not None
    assert result.refusal.error == "OutsideJurisdictionError"


# ---------------------------------------------------------------- conflict rules


def test_a_commuting_command_applies_on_a_newer_version() -> None:
    world = World()
    case_id = world.case_in("registered")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.assess(FACILITATOR_2, case_id, findings="assessed at the office")
    tablet.record(cmd.RecordNeed(actor=FACILITATOR, case_id=case_id, need=_need()))
    result = world.endpoint.upload(tablet.batch()).results[0]
    assert result.status is Status.APPLIED
    assert result.version == 3


def test_a_state_change_applies_when_only_facts_were_added_meanwhile() -> None:
    world = World()
    case_id = world.case_in("assessed")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.record_need(FACILITATOR_2, case_id, _need())
    tablet.record(cmd.Submit(actor=FACILITATOR, case_id=case_id))
    result = world.endpoint.upload(tablet.batch()).results[0]
    assert result.status is Status.APPLIED
    assert world.slrt.get_case(SUPERVISOR, case_id).state is CaseState.SUBMITTED


def test_a_state_change_against_a_moved_case_is_held_for_a_supervisor() -> None:
    world = World()
    case_id = world.case_in("submitted")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.return_for_correction(SUPERVISOR, case_id, note="add the income")
    world.slrt.assess(FACILITATOR_2, case_id, findings="income added")
    tablet.record(cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="my own reading"))
    batch = tablet.batch()
    result = world.endpoint.upload(batch).results[0]
    assert result.status is Status.CONFLICT
    assert result.conflict is not None
    assert result.conflict.status == "open"
    assert "case_returned (v4, sup-1)" in result.conflict.reason
    assert "Kasus berubah sejak versi 3" in result.conflict.reason_id
    assert result.conflict.current.state == "assessed"
    assert result.conflict.current.version == 5
    assert world.store.load(case_id).version == 5  # nothing overwritten
    assert world.endpoint.upload(batch).results[0] == result
    [waiting] = world.endpoint.open_conflicts(SUPERVISOR)
    assert waiting == result
    assert world.endpoint.open_conflicts(SUPERVISOR, case_id="other") == []


def test_a_commuting_command_the_moved_case_no_longer_allows_is_a_conflict() -> None:
    world = World()
    case_id = world.case_in("submitted")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.approve(SUPERVISOR, case_id)
    tablet.record(cmd.RecordNeed(actor=FACILITATOR, case_id=case_id, need=_need()))
    result = world.endpoint.upload(tablet.batch()).results[0]
    assert result.status is Status.CONFLICT
    assert result.conflict is not None
    assert "no longer allowed" in result.conflict.reason


def test_a_closure_after_a_new_need_is_a_conflict() -> None:
    world = World()
    case_id = world.case_in("registered")
    closer, _ = world.device(BACK_OFFICE)
    world.sync(closer)
    world.slrt.record_need(FACILITATOR, case_id, _need())
    closer.record(cmd.Close(actor=BACK_OFFICE, case_id=case_id, reason=ClosingReason.NEEDS_MET))
    result = world.endpoint.upload(closer.batch()).results[0]
    assert result.status is Status.CONFLICT
    assert result.conflict is not None
    assert "need_recorded" in result.conflict.reason


def test_a_referral_update_depends_only_on_that_referral() -> None:
    world = World()
    case_id = world.case_in("in_service")
    provider, _ = world.device(PROVIDER)
    world.sync(provider)
    [referral_id] = [r[0] for r in provider.case(case_id)["summary"]["referrals"]]
    assert provider.case(case_id)["case"] is None  # provider staff: no personal data
    world.slrt.record_need(FACILITATOR, case_id, _need())  # beside the referral
    provider.record(
        cmd.UpdateReferral(actor=PROVIDER, referral_id=referral_id, status=ReferralStatus.RECEIVED)
    )
    applied = world.endpoint.upload(provider.batch()).results[0]
    assert applied.status is Status.APPLIED
    provider.accept(BatchResult(device_id=provider.device_id, results=(applied,)))
    base = applied.version
    world.slrt.update_referral(PROVIDER, referral_id, status=ReferralStatus.ACCEPTED)
    provider.record(
        cmd.UpdateReferral(actor=PROVIDER, referral_id=referral_id, status=ReferralStatus.REJECTED),
        base_version=base,
    )
    held = world.endpoint.upload(provider.batch()).results[0]
    assert held.status is Status.CONFLICT
    assert held.conflict is not None
    assert "referral_status_changed" in held.conflict.reason


def test_a_conflict_is_not_shown_to_an_actor_outside_the_case() -> None:
    world = World()
    case_id = world.case_in("submitted")
    world.slrt.approve(SUPERVISOR, case_id)
    outsider_actor = attrs.evolve(FACILITATOR, actor_id="fac-9", jurisdiction=OTHER_VILLAGE.parent)
    outsider, _ = world.device(outsider_actor)
    outsider.record(cmd.Assess(actor=outsider_actor, case_id=case_id, findings="x"), base_version=3)
    result = world.endpoint.upload(outsider.batch()).results[0]
    assert result.status is Status.REFUSED
    assert result.refusal is not None
    assert result.refusal.error == "CaseNotVisibleError"


def test_a_race_with_another_writer_is_looked_at_again() -> None:
    class Racing(MemoryStore):
        """Another writer commits a need just before each of the first *races* sync commits."""

        def __init__(self, world: list[World], races: int) -> None:
            super().__init__()
            self.world = world
            self.races = races

        def commit(self, commit: Commit, /) -> None:
            key = commit.idempotency.key if commit.idempotency else ""
            if key.startswith("sync:") and self.races:
                self.races -= 1
                self.world[0].slrt.record_need(FACILITATOR_2, commit.case.case_id, _need("race"))
            super().commit(commit)

    for races, status in ((1, Status.APPLIED), (5, Status.REFUSED)):
        holder: list[World] = []
        store = Racing(holder, 0)
        world = World(store=store)
        holder.append(world)
        case_id = world.case_in("assessed")
        tablet, _ = world.device()
        world.sync(tablet)
        tablet.record(cmd.Submit(actor=FACILITATOR, case_id=case_id))
        store.races = races
        result = world.endpoint.upload(tablet.batch()).results[0]
        assert result.status is status
        if status is Status.REFUSED:
            assert result.refusal is not None
            assert result.refusal.error == ConcurrencyError.__name__


# ---------------------------------------------------------------- resolving conflicts


def _held(world: World) -> tuple[Any, str, Any]:
    case_id = world.case_in("submitted")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.return_for_correction(SUPERVISOR, case_id, note="add the income")
    tablet.record(cmd.Assess(actor=FACILITATOR, case_id=case_id, findings="device reading"))
    batch = tablet.batch()
    result = world.endpoint.upload(batch).results[0]
    assert result.status is Status.CONFLICT
    return batch, case_id, result.conflict.conflict_id


def test_a_supervisor_applies_a_held_command_and_a_retry_says_applied() -> None:
    world = World()
    batch, case_id, conflict_id = _held(world)
    resolved = world.endpoint.resolve(SUPERVISOR, conflict_id, Resolution.APPLY, note="still right")
    assert resolved.status is Status.APPLIED
    assert resolved.conflict is not None
    assert resolved.conflict.status == "applied"
    case = world.slrt.get_case(SUPERVISOR, case_id)
    assert case.assessments[-1].findings == "device reading"
    assert world.endpoint.open_conflicts(SUPERVISOR) == []
    retried = world.endpoint.upload(batch).results[0]
    assert retried.status is Status.ALREADY_APPLIED
    kinds = [r.body for r in world.endpoint.ledger.journal()]
    assert b'"kind":"conflict_held"' in kinds[-2]
    assert b'"kind":"conflict_resolved"' in kinds[-1]
    assert b'"by":"sup-1"' in kinds[-1]
    assert world.endpoint.ledger.verify().ok


def test_a_supervisor_discards_or_amends_a_held_command() -> None:
    world = World()
    batch, case_id, conflict_id = _held(world)
    discarded = world.endpoint.resolve(SUPERVISOR, conflict_id, "discard", note="superseded")
    assert discarded.status is Status.CONFLICT
    assert discarded.conflict is not None
    assert discarded.conflict.status == "discarded"
    assert world.endpoint.upload(batch).results[0] == discarded
    with pytest.raises(InvalidInputError, match="not an open conflict"):
        world.endpoint.resolve(SUPERVISOR, conflict_id, "apply", note="again")

    second = World()
    _, case_id, conflict_id = _held(second)
    amended = second.endpoint.resolve(
        SUPERVISOR,
        conflict_id,
        Resolution.AMEND,
        note="merged with the correction",
        amended={
            "command_type": "Assess",
            "command": {"case_id": case_id, "findings": "device reading, income added"},
        },
    )
    assert amended.status is Status.APPLIED
    assert amended.conflict is not None
    assert amended.conflict.status == "amended"
    case = second.slrt.get_case(SUPERVISOR, case_id)
    assert case.assessments[-1].findings == "device reading, income added"
    assert case.assessments[-1].by == FACILITATOR.actor_id


def test_resolving_is_refused_without_a_note_an_amendment_or_the_right_role() -> None:
    world = World()
    _, case_id, conflict_id = _held(world)
    with pytest.raises(InvalidInputError, match="note"):
        world.endpoint.resolve(SUPERVISOR, conflict_id, "apply", note=" ")
    with pytest.raises(InvalidInputError, match="amended command"):
        world.endpoint.resolve(SUPERVISOR, conflict_id, "amend", note="fix")
    with pytest.raises(AccessDenied, match="supervisor or manager"):
        world.endpoint.resolve(FACILITATOR, conflict_id, "apply", note="mine")
    elsewhere = attrs.evolve(SUPERVISOR, actor_id="sup-9", jurisdiction=OTHER_VILLAGE.parent)
    with pytest.raises(OutsideJurisdictionError):
        world.endpoint.resolve(elsewhere, conflict_id, "apply", note="not mine")
    assert world.endpoint.open_conflicts(elsewhere) == []
    with pytest.raises(AccessDenied):
        world.endpoint.open_conflicts(FACILITATOR)
    with pytest.raises(InvalidInputError, match="not an open conflict"):
        world.endpoint.resolve(SUPERVISOR, "conflict:nope", "apply", note="x")
    world.slrt.assess(FACILITATOR, case_id, findings="corrected")
    world.slrt.submit(FACILITATOR, case_id)
    world.slrt.approve(SUPERVISOR, case_id)
    with pytest.raises(TransitionNotAllowed):  # applying it now is refused: it stays open
        world.endpoint.resolve(SUPERVISOR, conflict_id, "apply", note="late")
    assert len(world.endpoint.open_conflicts(SUPERVISOR)) == 1


# ---------------------------------------------------------------- time


def test_claimed_times_in_the_future_or_long_ago_are_flagged_and_journalled() -> None:
    world = World()
    case_id = world.case_in("registered")
    ahead, _ = world.device(skew=timedelta(hours=3))
    behind, _ = world.device(FACILITATOR_2, skew=-timedelta(days=45))
    for replica, actor in ((ahead, FACILITATOR), (behind, FACILITATOR_2)):
        replica.record(cmd.RecordNeed(actor=actor, case_id=case_id, need=_need()), base_version=1)
    [future] = world.endpoint.upload(ahead.batch()).results
    [past] = world.endpoint.upload(behind.batch()).results
    assert future.status is past.status is Status.APPLIED
    assert future.time_flags == ("claimed_in_future",)
    assert past.time_flags == ("claimed_long_ago",)
    journal = [r.body for r in world.endpoint.ledger.journal()]
    assert sum(b'"kind":"time_flagged"' in b for b in journal) == 2


def test_sla_deadlines_run_on_the_server_s_receipt_time() -> None:
    world = World()
    case_id = world.case_in("reviewed")
    world.slrt.record_household_consent(
        FACILITATOR,
        case_id,
        purposes=["referral"],
        recipients=["*"],
        evidence="form",
        guardian="m1",
    )
    office, _ = world.device(BACK_OFFICE, skew=-timedelta(days=10))
    world.sync(office)
    office.record(cmd.Refer(actor=BACK_OFFICE, case_id=case_id, need_id="n1"))
    result = world.endpoint.upload(office.batch()).results[0]
    assert result.status is Status.APPLIED
    online = World()
    online_case = online.case_in("in_service")
    received = world.slrt.get_case(SUPERVISOR, case_id).referrals[0].due_at
    assert received == online.slrt.get_case(SUPERVISOR, online_case).referrals[0].due_at


# ---------------------------------------------------------------- trust


def test_devices_are_registered_by_supervisors_and_revocable() -> None:
    world = World()
    key = Ed25519PrivateKey.generate()
    with pytest.raises(AccessDenied):
        world.endpoint.register_device(FACILITATOR, "tab-x", FACILITATOR, key.public_key())
    elsewhere = attrs.evolve(SUPERVISOR, jurisdiction=OTHER_VILLAGE.parent)
    with pytest.raises(OutsideJurisdictionError):
        world.endpoint.register_device(elsewhere, "tab-x", FACILITATOR, key.public_key())
    with pytest.raises(InvalidInputError, match="32 raw bytes"):
        world.endpoint.register_device(SUPERVISOR, "tab-x", FACILITATOR, b"short")
    raw = key.public_key().public_bytes_raw()
    device = world.endpoint.register_device(SUPERVISOR, "tab-x", FACILITATOR, raw)
    assert device.revoked_at is None
    with pytest.raises(InvalidInputError, match="registered already"):
        world.endpoint.register_device(SUPERVISOR, "tab-x", FACILITATOR, raw)
    with pytest.raises(InvalidInputError, match="not registered"):
        world.endpoint.revoke_device(SUPERVISOR, "tab-none", note="lost")
    world.endpoint.revoke_device(SUPERVISOR, "tab-x", note="lost on a visit")
    with pytest.raises(InvalidInputError, match="revoked already"):
        world.endpoint.revoke_device(SUPERVISOR, "tab-x", note="again")
    revoked = world.endpoint.ledger.device("tab-x")
    assert revoked is not None
    assert revoked.revoked_at == world.clock.now()
    journal = [r.body for r in world.endpoint.ledger.journal()]
    assert b'"kind":"device_revoked"' in journal[-1]


def test_untrusted_envelopes_are_refused_and_nothing_is_recorded() -> None:
    world = World()
    tablet, _ = world.device()
    good = tablet.record(register())
    stranger_key = Ed25519PrivateKey.generate()
    forged = sign(attrs.evolve(good, base_version=7), stranger_key)
    tampered = attrs.evolve(good, command={**good.command, "kind": "question"})
    impostor = sign(attrs.evolve(good, actor=FACILITATOR_2), tablet._key)
    elsewhere = attrs.evolve(good, device_id="tab-other")
    results = world.endpoint.upload(
        Batch(device_id=tablet.device_id, envelopes=(forged, tampered, impostor, elsewhere))
    ).results
    assert [r.status for r in results] == [Status.REFUSED] * 4
    assert [r.refusal.error for r in results if r.refusal] == ["AccessDenied"] * 4
    assert "tidak cocok" in results[0].refusal.message_id  # type: ignore[union-attr]
    assert world.endpoint.ledger.answer(tablet.device_id, good.envelope_id) is None
    assert world.endpoint.upload(tablet.batch()).results[0].status is Status.APPLIED
    unknown = attrs.evolve(good, device_id="tab-ghost")
    assert (
        world.endpoint.upload(Batch(device_id="tab-ghost", envelopes=(unknown,))).results[0].refusal
    ).message.startswith("Device 'tab-ghost' is not registered")
    world.endpoint.revoke_device(SUPERVISOR, tablet.device_id, note="stolen")
    tablet.record(register())
    refused = world.endpoint.upload(tablet.batch()).results
    assert "revoked" in refused[-1].refusal.message  # type: ignore[union-attr]


def test_upload_json_refuses_what_is_not_a_batch() -> None:
    world = World()
    with pytest.raises(InvalidInputError) as caught:
        world.endpoint.upload_json({"device_id": "tab", "envelopes": [{"device_id": 3}]})
    assert "the batch" in str(caught.value)


def test_a_registration_whose_new_id_is_taken_is_refused() -> None:
    class SameId:
        def new_id(self, kind: str, /) -> str:
            return f"{kind}-1"

    world = World()
    world.slrt.ids = SameId()
    world.slrt._pipeline = None  # the ids are read when the pipeline is built
    tablet, _ = world.device()
    tablet.record(register())
    tablet.record(register())
    results = world.endpoint.upload(tablet.batch()).results
    assert [r.status for r in results] == [Status.APPLIED, Status.REFUSED]
    assert results[1].refusal is not None
    assert results[1].refusal.error == "ConcurrencyError"


def test_a_command_the_role_may_not_send_is_refused_even_on_a_moved_case() -> None:
    world = World()
    case_id = world.case_in("submitted")
    tablet, _ = world.device()
    world.sync(tablet)
    world.slrt.return_for_correction(SUPERVISOR, case_id, note="again")
    tablet.record(cmd.Approve(actor=FACILITATOR, case_id=case_id))
    result = world.endpoint.upload(tablet.batch()).results[0]
    assert result.status is Status.REFUSED
    assert result.refusal is not None
    assert result.refusal.error == "AccessDenied"


def test_a_conflict_on_a_case_erased_since_is_no_longer_listed(tmp_path: Any) -> None:
    from slrt_core import Actor, RegionCode, Role
    from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault

    vault = SubjectVault(StaticKeyring({1: b"k" * 32}), MemoryKeyStore())
    world = World(store=SqliteStore(tmp_path / "cases.sqlite", codec=SealingCodec(vault)))
    _, case_id, _ = _held(world)
    assert len(world.endpoint.open_conflicts(SUPERVISOR)) == 1
    world.slrt.close(SUPERVISOR, case_id, reason=ClosingReason.DUPLICATE)
    manager = Actor(actor_id="mgr-1", role=Role.MANAGER, jurisdiction=RegionCode("33.74"))
    world.slrt.erase(manager, case_id, request_ref="PDP-9")
    assert world.endpoint.open_conflicts(SUPERVISOR) == []
    world.store.close()


def test_a_command_on_a_registration_that_was_refused_is_refused_too() -> None:
    world = World()
    tablet, _ = world.device()
    made = tablet.record(register(region=OTHER_VILLAGE))
    tablet.record(
        cmd.Assess(actor=FACILITATOR, case_id=f"envelope:{made.envelope_id}", findings="x")
    )
    results = world.endpoint.upload(tablet.batch()).results
    assert [r.status for r in results] == [Status.REFUSED, Status.REFUSED]
    assert results[1].refusal is not None
    assert results[1].refusal.problems[0][0] == "case_id"
    assert "was not applied" in results[1].refusal.message
