"""Stateful property: offline devices on a flaky network lose nothing and overwrite nothing.

Three facilitators' devices work offline on overlapping cases over simulated days, each
with its own clock skew; the network drops requests and answers, duplicates, reorders and
cuts uploads; office staff edit the same cases online meanwhile, and a supervisor resolves
some conflicts. At the end every device syncs over a good network, and then:

* every envelope has one final answer, the same at the device and on the server;
* every applied envelope wrote the events of exactly one commit (found by its actor and
  claimed time), and no other envelope wrote any;
* every applied envelope whose case had moved since the version its device saw was
  applied by the rules (only facts beside it moved, or a commuting command) or by a
  supervisor's resolution: nothing was overwritten silently;
* replaying the accepted commands one by one, in the order of the audit trail, on a
  fresh service gives exactly the stored cases (the outcome is a serial order);
* the audit chain and the sync ledger's journal verify.
"""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

import attrs
from hypothesis import event as note_event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.sync_support import (
    BACK_OFFICE,
    FACILITATOR,
    FACILITATOR_2,
    FACILITATOR_3,
    SUPERVISOR,
    World,
    register,
)

from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.application import commands as cmd
from slrt_core.audit import verify
from slrt_core.case import Need
from slrt_core.case._events import (
    ConsentRecorded,
    LawfulBasisRecorded,
    NeedRecorded,
    ReferralEscalated,
    replay,
)
from slrt_core.errors import SlrtError
from slrt_core.service import Slrt
from slrt_core.sync import COMMUTING, Envelope, Replica, Resolution, Status, command_from_json
from slrt_core.testing import FrozenClock, sample_directory
from slrt_core.vocabulary import ClosingReason, Sector

ACTORS = (FACILITATOR, FACILITATOR_2, FACILITATOR_3)
OFFLINE = ("record_need", "assess", "submit", "reassess", "register", "follow_up")
ONLINE = ("record_need", "assess", "submit", "approve", "return", "close")


class OfflineDevices(RuleBasedStateMachine):
    """Three devices, a server, and a network that fails in every way it can."""

    @initialize(skews=st.lists(st.integers(-180, 180), min_size=3, max_size=3))
    def start(self, skews: list[int]) -> None:
        self.world = World()
        self.cases = [self.world.case_in(s) for s in ("registered", "assessed", "submitted")]
        self.devices: list[tuple[Replica, FrozenClock]] = [
            self.world.device(actor, skew=timedelta(minutes=m))
            for actor, m in zip(ACTORS, skews, strict=True)
        ]
        self.envelopes: dict[tuple[str, str], Envelope] = {}
        self.registrations: dict[str, list[str]] = {r.device_id: [] for r, _ in self.devices}
        for replica, _ in self.devices:
            self.world.sync(replica)

    # ------------------------------------------------------------ offline work

    @rule(device=st.integers(0, 2), case=st.integers(0, 2), kind=st.sampled_from(OFFLINE))
    def work_offline(self, device: int, case: int, kind: str) -> None:
        replica, clock = self.devices[device]
        actor = replica.actor
        clock.advance(minutes=7)  # every envelope of a device has its own claimed time
        case_id = self.cases[case]
        made = self.registrations[replica.device_id]
        if kind == "register":
            envelope = replica.record(register(actor))
            made.append(envelope.envelope_id)
        elif kind == "follow_up" and made:
            envelope = replica.record(
                cmd.RecordNeed(actor=actor, case_id=f"envelope:{made[-1]}", need=_need("follow-up"))
            )
        elif kind in {"record_need", "follow_up"}:
            envelope = replica.record(cmd.RecordNeed(actor=actor, case_id=case_id, need=_need()))
        elif kind == "assess":
            envelope = replica.record(cmd.Assess(actor=actor, case_id=case_id, findings="visit"))
        elif kind == "submit":
            envelope = replica.record(cmd.Submit(actor=actor, case_id=case_id))
        else:
            envelope = replica.record(cmd.Reassess(actor=actor, case_id=case_id, findings="again"))
        self.envelopes[replica.device_id, envelope.envelope_id] = envelope

    # ------------------------------------------------------------ the office

    @rule(case=st.integers(0, 2), kind=st.sampled_from(ONLINE))
    def edit_online(self, case: int, kind: str) -> None:
        slrt, case_id = self.world.slrt, self.cases[case]
        steps = {
            "record_need": lambda: slrt.record_need(BACK_OFFICE, case_id, _need("office")),
            "assess": lambda: slrt.assess(BACK_OFFICE, case_id, findings="office"),
            "submit": lambda: slrt.submit(BACK_OFFICE, case_id),
            "approve": lambda: slrt.approve(SUPERVISOR, case_id),
            "return": lambda: slrt.return_for_correction(SUPERVISOR, case_id, note="redo"),
            "close": lambda: slrt.close(SUPERVISOR, case_id, reason=ClosingReason.DUPLICATE),
        }
        with contextlib.suppress(SlrtError):  # refused online: nothing written
            steps[kind]()

    @rule(hours=st.integers(1, 30))
    def days_pass(self, hours: int) -> None:
        self.world.clock.advance(hours=hours)
        for _, clock in self.devices:
            clock.advance(hours=hours)

    @rule(pick=st.integers(0, 10), apply=st.booleans())
    def supervisor_resolves(self, pick: int, apply: bool) -> None:
        waiting = self.world.endpoint.open_conflicts(SUPERVISOR)
        if not waiting:
            return
        conflict = waiting[pick % len(waiting)].conflict
        assert conflict is not None
        how = Resolution.APPLY if apply else Resolution.DISCARD
        with contextlib.suppress(SlrtError):  # applying it now refused: it stays open
            self.world.endpoint.resolve(SUPERVISOR, conflict.conflict_id, how, note="checked")

    # ------------------------------------------------------------ the network

    @rule(
        device=st.integers(0, 2),
        data=st.data(),
        lose_request=st.booleans(),
        lose_answer=st.booleans(),
    )
    def flaky_upload(
        self, device: int, data: st.DataObject, lose_request: bool, lose_answer: bool
    ) -> None:
        replica, _ = self.devices[device]
        batch = replica.batch()
        if not batch.envelopes or lose_request:
            return
        sent = data.draw(
            st.lists(st.sampled_from(batch.envelopes), max_size=len(batch.envelopes) + 2),
            label="what arrives (a part, reordered, duplicated)",
        )
        results = self.world.endpoint.upload(attrs.evolve(batch, envelopes=tuple(sent)))
        if not lose_answer:
            replica.accept(results)

    @rule(device=st.integers(0, 2), limit=st.integers(1, 4), lose=st.booleans())
    def flaky_download(self, device: int, limit: int, lose: bool) -> None:
        replica, _ = self.devices[device]
        page = self.world.endpoint.feed(replica.feed_request(limit))
        if not lose:
            replica.apply_page(page)

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert verify(self.world.store.audit_records()).ok
        assert self.world.endpoint.ledger.verify().ok

    # ------------------------------------------------------------ the end

    def teardown(self) -> None:
        if not hasattr(self, "world"):
            return
        for _ in range(3):  # a good network at last; a deferred envelope may need a round
            for replica, _ in self.devices:
                self.world.sync(replica)
        ledger = self.world.endpoint.ledger
        answers = {}
        for device_id, envelope_id in self.envelopes:
            replica = next(r for r, _ in self.devices if r.device_id == device_id)
            local = replica.answers().get(envelope_id)
            server = ledger.answer(device_id, envelope_id)
            assert server is not None, "an envelope was lost"
            assert local is not None, "an answer never reached its device"
            if server.status is not Status.APPLIED:  # a later resolution moves it on
                # The same answer; a conflict's status may have moved on since (the
                # device sees the outcome in its feed).
                assert attrs.evolve(local, conflict=None) == attrs.evolve(server, conflict=None)
                assert (local.conflict is None) == (server.conflict is None)
            answers[device_id, envelope_id] = server
        for status in {a.status for a in answers.values()}:
            note_event(f"some envelope {status}")
        if any(a.conflict is not None and a.conflict.status != "open" for a in answers.values()):
            note_event("a conflict resolved")
        self._check_events(answers)
        self._check_serial(answers)

    def _check_events(self, answers: dict[tuple[str, str], Any]) -> None:
        store = self.world.store
        written: dict[tuple[str, Any], list[Any]] = {}
        for case_id in _case_ids(store):
            for event in store.events(case_id):
                if event.claimed_at is not None:
                    written.setdefault((event.actor_id, event.claimed_at), []).append(event)
        resolved = {
            json.loads(r.body)["conflict_id"]
            for r in self.world.endpoint.ledger.journal()
            if b'"kind":"conflict_resolved"' in r.body
        }
        for key, envelope in self.envelopes.items():
            events = written.pop((envelope.actor.actor_id, envelope.claimed_at), [])
            answer = answers[key]
            if answer.status is not Status.APPLIED:
                assert events == [], "an envelope not applied wrote events"
                continue
            assert events, "an applied envelope wrote nothing"
            assert len({e.case_id for e in events}) == 1
            versions = [e.version for e in events]
            assert versions == list(range(versions[0], versions[0] + len(versions)))
            assert versions[-1] == answer.version
            if answer.conflict is not None:
                assert answer.conflict.conflict_id in resolved
                continue
            self._check_rules(envelope, events[0])
        assert written == {}, "events claimed by no envelope"

    def _check_rules(self, envelope: Envelope, first: Any) -> None:
        """Nothing moved since the device's version but what the rules let through."""
        base = envelope.base_version
        if base is None:
            return  # a registration, or a case named by the device's own envelope
        command_type = {c.__name__: c for c in COMMUTING}
        if envelope.command_type in command_type:
            return
        between = self.world.store.events(first.case_id)[base : first.version - 1]
        for event in between:
            own = event.actor_id == envelope.actor.actor_id and (
                event.claimed_at is not None and event.claimed_at <= envelope.claimed_at
            )
            fact = isinstance(
                event.payload,
                NeedRecorded | ConsentRecorded | LawfulBasisRecorded | ReferralEscalated,
            )
            assert own or fact, f"{envelope.command_type} overwrote {event.type} silently"

    def _check_serial(self, answers: dict[tuple[str, str], Any]) -> None:
        """Re-running the accepted commands in audit order gives the same cases."""
        store = self.world.store
        by_claim = {}
        for key, envelope in self.envelopes.items():
            if answers[key].status is Status.APPLIED:
                by_claim[envelope.actor.actor_id, envelope.claimed_at] = envelope
        made = {
            envelope_id: answers[device_id, envelope_id]
            for device_id, envelope_id in self.envelopes
        }
        fresh_clock = FrozenClock()
        fresh_store = MemoryStore()
        fresh = Slrt(
            store=fresh_store,
            clock=fresh_clock,
            ids=SequentialIds(),
            directory=sample_directory(),
        )
        for record in store.audit_records():
            event = record.event()
            envelope = by_claim.get((event.actor_id, event.claimed_at))
            if envelope is None:
                if event.claimed_at is None:
                    _rerun_online(fresh, fresh_clock, event, store)
                continue
            if event.version != _first_version(store, event, envelope):
                continue
            fields = dict(envelope.command)
            target = fields.get("case_id")
            if isinstance(target, str) and target.startswith("envelope:"):
                fields["case_id"] = made[target.removeprefix("envelope:")].case_id
            command = command_from_json(
                envelope.command_type,
                fields,
                actor=envelope.actor,
                idempotency_key=None,
                expected_version=None,
            )
            fresh_clock.set(event.at)
            fresh.pipeline.run(command, claimed_at=envelope.claimed_at)
        for case_id in _case_ids(store):
            assert fresh_store.load(case_id) == store.load(case_id)
            assert replay(store.events(case_id)) == store.load(case_id)


def _need(text: str = "No food") -> Need:
    return Need(sector=Sector.FOOD, description=text)


def _case_ids(store: Any) -> list[str]:
    return sorted({r.case_id for r in store.audit_records()})


def _first_version(store: Any, event: Any, envelope: Envelope) -> int:
    return min(
        e.version
        for e in store.events(event.case_id)
        if e.actor_id == envelope.actor.actor_id and e.claimed_at == envelope.claimed_at
    )


def _rerun_online(fresh: Slrt, clock: FrozenClock, event: Any, store: Any) -> None:
    """Record an online event again on the fresh service: the office's command."""
    fresh_case = event.case_id
    clock.set(event.at)
    payload = event.payload
    actor = next(
        a
        for a in (FACILITATOR, FACILITATOR_2, FACILITATOR_3, BACK_OFFICE, SUPERVISOR)
        if a.actor_id == event.actor_id
    )
    name = type(payload).__name__
    if name == "CaseRegistered":
        original = store.events(event.case_id)[0].payload
        fresh.pipeline.run(
            cmd.RegisterCase(
                actor=actor,
                household=original.household,
                channel=original.channel,
                kind=original.kind,
                needs=[attrs.evolve(n, need_id="") for n in original.needs],
            )
        )
        return
    commands = {
        "NeedRecorded": lambda: cmd.RecordNeed(
            actor=actor, case_id=fresh_case, need=attrs.evolve(payload.need, need_id="")
        ),
        "CaseAssessed": lambda: cmd.Assess(
            actor=actor, case_id=fresh_case, findings=payload.findings
        ),
        "CaseSubmitted": lambda: cmd.Submit(actor=actor, case_id=fresh_case),
        "CaseApproved": lambda: cmd.Approve(actor=actor, case_id=fresh_case),
        "CaseReturned": lambda: cmd.ReturnForCorrection(
            actor=actor, case_id=fresh_case, note=payload.note
        ),
        "CaseClosed": lambda: cmd.Close(actor=actor, case_id=fresh_case, reason=payload.reason),
    }
    fresh.pipeline.run(commands[name]())


OfflineDevices.TestCase.settings = settings(max_examples=20, stateful_step_count=40, deadline=None)
test_offline_devices = OfflineDevices.TestCase
