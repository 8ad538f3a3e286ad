"""Notification texts: each role told what to do, in real Bahasa Indonesia, rendered lazily."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from tests.unit.referral.test_slrt import BACK, DUE, World, staff_of
from tests.unit.test_texts import english_in

from slrt_core import Slrt
from slrt_core.adapters import MemoryStore
from slrt_core.adapters._outbox import outbox_body, outbox_message
from slrt_core.notify import Notification, _Texts
from slrt_core.outbox import OutboxRelay, RelayReport
from slrt_core.referral import ReferralStatus
from slrt_core.referral._sla import Hop
from slrt_core.serialization import converter
from slrt_core.vocabulary import ClosingReason

FIELDS = {"case_id": "case-1", "reason": ClosingReason.INDEPENDENT, "region": "33.74"}


def test_texts_render_each_language_on_access() -> None:
    """Subject and body read as a mapping of language -> text; members read as labels."""
    body = _Texts("notify.case_closed.body", FIELDS)
    assert len(body) == 2
    assert sorted(body) == ["en", "id"]
    assert body["en"] == "Case case-1 closed: Independent."
    assert body["id"] == "Kasus case-1 ditutup: Mandiri."
    assert body["en"] is body["en"]  # rendered once, then kept


def test_texts_equal_the_plain_dict_and_survive_pickle_and_json() -> None:
    """A stored or sent notification carries the same texts as a plain dict would."""
    subject = _Texts("notify.case_closed.subject", FIELDS)
    plain = {"en": "Case case-1 closed", "id": "Kasus case-1 ditutup"}
    assert subject == plain
    assert repr(subject) == repr(plain)
    assert pickle.loads(pickle.dumps(subject)) == plain
    assert converter.unstructure(subject, dict[str, str]) == plain


def test_an_unknown_language_is_a_key_error() -> None:
    """Only the template languages exist, as with a dict."""
    with pytest.raises(KeyError):
        _Texts("notify.case_closed.subject", FIELDS)["fr"]


def _sent(world: World, topic: str) -> dict[str, Notification]:
    return {n.recipient: n for n in world.notifier.sent if n.topic == topic}


def _referred(world: World) -> tuple[str, str]:
    cid = world.reviewed()
    world.consent(cid)
    referral = world.slrt.refer(BACK, cid, "n1")
    assert referral.due_at == DUE
    return cid, referral.referral_id


@pytest.fixture
def world() -> World:
    return World(MemoryStore())


class TestWhatEachRoleIsTold:
    def test_overdue_tells_the_provider_to_answer_and_the_back_office_to_follow_up(
        self, world: World
    ) -> None:
        """The provider answers; the back office follows the provider up."""
        _referred(world)
        world.clock.set(datetime(2026, 8, 7, 17, 0, tzinfo=UTC))
        world.slrt.sweep()
        sent = _sent(world, "referral_overdue")
        provider, office = sent["provider:puskesos"], sent["role:back_office@33.74"]
        assert "Answer it in your application now" in provider.body["en"]
        assert "Follow it up" not in provider.body["en"]
        assert "Segera tanggapi" in provider.body["id"]
        assert "Follow it up with provider puskesos" in office.body["en"]
        assert "Tindak lanjuti dengan penyedia puskesos" in office.body["id"]
        # Deadlines in the region's local time, Indonesian month names, no UTC.
        assert "akhir hari 5 Agustus 2026 (WIB)" in provider.body["id"]
        assert "UTC" not in provider.body["en"]

    def test_unanswered_only_when_unanswered(self, world: World) -> None:
        """An escalation says what the referral is stuck at."""
        _, rid = _referred(world)
        world.clock.set(datetime(2026, 8, 7, 17, 0, tzinfo=UTC))
        world.slrt.sweep()
        stuck = _sent(world, "referral_escalated")["role:supervisor@33.74"]
        assert "still unanswered" in stuck.body["en"]
        assert "belum ditanggapi" in stuck.body["id"]

        other = World(MemoryStore())
        _, rid = _referred(other)
        other.clock.set(DUE)
        other.slrt.update_referral(staff_of("puskesos"), rid, status=ReferralStatus.RECEIVED)
        other.clock.set(datetime(2026, 8, 20, 17, 0, tzinfo=UTC))
        other.slrt.sweep()
        waiting = _sent(other, "referral_escalated")["role:supervisor@33.74"]
        assert "still unanswered" not in waiting.body["en"]
        assert "acknowledged but neither accepted nor rejected" in waiting.body["en"]
        assert "belum disetujui atau ditolak" in waiting.body["id"]

    def test_a_status_change_reads_as_a_label(self, world: World) -> None:
        """A status change reads "Diterima penyedia", not the enum value."""
        _, rid = _referred(world)
        world.slrt.update_referral(staff_of("puskesos"), rid, status=ReferralStatus.RECEIVED)
        changed = [n for n in world.notifier.sent if n.topic == "referral_status_changed"][-1]
        assert "“Diterima penyedia”" in changed.body["id"]
        assert "received" not in changed.body["id"]

    def test_the_hop_follows_the_status(self) -> None:
        """Received waits for the decision; accepted and later wait for completion."""
        from slrt_core.notify import _STUCK_AT, Hop

        assert _STUCK_AT[ReferralStatus.RECEIVED] is Hop.ACCEPT
        assert ReferralStatus.IN_PROGRESS not in _STUCK_AT  # waits for completion

    def test_the_level_reached_is_kept_after_expiry(self, world: World) -> None:
        """An expired referral still shows how far it was escalated."""
        cid, rid = _referred(world)
        world.clock.set(datetime(2026, 8, 10, 17, 0, tzinfo=UTC))
        world.slrt.sweep()
        expired = world.case(cid).referral(rid)
        assert expired is not None
        assert expired.status is ReferralStatus.CANCELLED
        assert expired.escalation_level == 4

    def test_every_indonesian_notification_is_free_of_english(self, world: World) -> None:
        """No notification sent in a full sweep holds a listed English word in Indonesian."""
        _referred(world)
        world.clock.set(datetime(2026, 8, 20, 17, 0, tzinfo=UTC))
        world.slrt.sweep()
        assert len(world.notifier.sent) >= 8
        found = {
            (n.topic, n.recipient): hits
            for n in world.notifier.sent
            # No free text reaches a notification: every word is the catalogue's.
            if (hits := english_in(_without_ids(n.text("id"))))
        }
        assert not found, found


def _without_ids(message: str) -> str:
    """*message* without ids and codes (``referral-000001``, ``village-health``)."""
    import re

    return re.sub(r"\b[\w.]+-[\w.-]+\b|\b\d[\d.]*\b", " ", message)


class _Flaky:
    """A notifier that fails the first *failures* sends."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        if self.failures > 0:
            self.failures -= 1
            msg = "channel down"
            raise ConnectionError(msg)
        self.sent.append(notification)


class TestDeliveryReports:
    def _slrt(self, notifier: _Flaky, reports: list[RelayReport], **relay: int) -> Slrt:
        slrt = sample_slrt_with(notifier, reports.append)
        slrt._relay = OutboxRelay(
            slrt.store, notifier, slrt.clock, on_report=reports.append, **relay
        )
        return slrt

    def test_the_host_hears_of_retries_and_dead_letters(self) -> None:
        """The report of each delivery after a commit names what failed and what comes next."""
        from slrt_core.testing import sample_staff, walk_case

        reports: list[RelayReport] = []
        notifier = _Flaky(failures=2)
        slrt = self._slrt(notifier, reports, max_attempts=1)
        next(iter(walk_case(slrt, sample_staff(), route="emergency")))
        (report,) = reports
        assert (report.delivered, report.retried, report.dead) == (0, 0, 1)
        (failure,) = report.failures
        assert failure.dead
        assert failure.topic == "case_registered_emergency"
        assert "channel down" in failure.error
        assert failure.attempts == 1

    def test_a_retry_carries_its_time(self) -> None:
        """A failure with attempts left is retried later; the report says when."""
        from slrt_core.testing import sample_staff, walk_case

        reports: list[RelayReport] = []
        slrt = self._slrt(_Flaky(failures=1), reports)
        next(iter(walk_case(slrt, sample_staff(), route="emergency")))
        (failure,) = reports[0].failures
        assert not failure.dead
        assert failure.retry_at is not None
        assert failure.retry_at > slrt.clock.now()
        assert (reports[0] + RelayReport(delivered=1)).failures == (failure,)

    def test_a_failing_hook_does_not_undo_the_command(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The commit is done when the hook runs: its error is logged, not raised."""
        from slrt_core.testing import sample_staff, walk_case

        def broken(report: RelayReport) -> None:
            raise RuntimeError

        notifier = _Flaky(failures=0)
        slrt = sample_slrt_with(notifier, broken)
        steps = list(walk_case(slrt, sample_staff(), route="emergency"))
        assert len(steps) == 4
        assert notifier.sent
        assert "on_report hook" in caplog.text

    def test_the_service_passes_the_hook_to_its_relay(self) -> None:
        """Slrt(on_delivery=...) hands the hook to the relay that runs after each commit."""
        reports: list[RelayReport] = []
        slrt = Slrt(store=MemoryStore(), notifier=_Flaky(failures=0), on_delivery=reports.append)
        assert slrt._relay is not None
        assert slrt._relay._on_report == reports.append


def sample_slrt_with(notifier: _Flaky, hook: Callable[[RelayReport], object]) -> Slrt:
    """The sample service, with *hook* as its on_delivery."""
    from slrt_core.testing import sample_slrt

    slrt = sample_slrt(MemoryStore(), notifier=notifier)
    slrt._relay = OutboxRelay(slrt.store, notifier, slrt.clock, on_report=hook)
    return slrt


def test_outbox_rows_store_templates_and_read_back_equal() -> None:
    """A database outbox row keeps the template and fields; old rendered rows still read."""
    fields = {**FIELDS, "due": datetime(2026, 8, 5, 17, 0, tzinfo=UTC), "hop": Hop.ACCEPT}
    n = Notification(
        message_id="case-1:9:case_closed:x",
        topic="case_closed",
        recipient="x",
        case_id="case-1",
        subject=_Texts("notify.case_closed.subject", fields),
        body=_Texts("notify.case_closed.body", fields),
        created_at=datetime(2026, 8, 1, tzinfo=UTC),
    )
    body = outbox_body(n)
    stored = json.loads(body)
    assert "subject" not in stored
    assert stored["template"]["fields"]["reason"] == {
        "enum": "ClosingReason",
        "value": "independent",
    }
    back = outbox_message(body, 0, "", dead=False).notification
    assert back == n
    assert back.text("en") == n.text("en")
    assert back.text("id") == n.text("id")
    rendered = json.dumps(converter.unstructure(n))  # the form rows had before 0.1.0
    assert outbox_message(rendered, 0, "", dead=False).notification == n
    plain = Notification(
        message_id="m",
        topic="t",
        recipient="r",
        case_id="c",
        subject={"en": "s", "id": "s"},
        body={"en": "b", "id": "b"},
        created_at=datetime(2026, 8, 1, tzinfo=UTC),
    )
    assert "template" not in json.loads(outbox_body(plain))
    assert outbox_message(outbox_body(plain), 0, "", dead=False).notification == plain
