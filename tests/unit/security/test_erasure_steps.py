"""Erasure in recoverable steps, and notifications that hold no personal data (issue 12).

Notifications carry references and codes only: the free-text notes of a return for
correction and of a referral's status change stay sealed in the case. Erasure commits
its event with a pending mark, destroys the key, deletes the case's outbox rows
(pending and delivered) and clears the mark; a crash between the steps leaves the mark,
and building a service (or ``complete_pending_erasures``) finishes the erasure.

Runs on the in-memory, SQLite and PostgreSQL stores, all sealing with per-case keys.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.postgres_fixture import fresh_schema, postgres_server
from tests.unit.security.test_service_privacy import (
    BACK,
    CITY,
    FACILITATOR,
    MANAGER,
    NIK_HEAD,
    SUPERVISOR,
    World,
    directory,
    world,
)

from slrt_core.access import Actor, Role
from slrt_core.adapters import RecordingNotifier
from slrt_core.adapters._outbox import outbox_message
from slrt_core.adapters.basics import PlainCodec, SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.application.privacy import complete_pending_erasures
from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault
from slrt_core.errors import CaseErasedError, StorageError
from slrt_core.notify import Notification, template_of
from slrt_core.ports import Store
from slrt_core.referral import LawfulBasisKind, Purpose, ReferralReason, ReferralStatus
from slrt_core.service import Slrt
from slrt_core.testing._doubles import FrozenClock
from slrt_core.vocabulary import ClosingReason

__all__ = ["postgres_server", "world"]  # fixtures, imported for pytest

NAME = "Budi Santoso"
SECRETS = (NAME, NIK_HEAD.reveal(), "081234567890")
PROVIDER = Actor(
    actor_id="dinsos-1", role=Role.PROVIDER_STAFF, jurisdiction=CITY, provider_id="dinsos"
)
FRONT = Actor(actor_id="fo", role=Role.FRONT_OFFICE, jurisdiction=CITY)


def noted_flow(world: World) -> str:
    """A case returned for correction and referred, every note naming the head; closed."""
    s = world.slrt
    case_id = world.register()
    s.assess(FACILITATOR, case_id, findings="Poor")
    s.submit(FACILITATOR, case_id)
    s.return_for_correction(
        SUPERVISOR, case_id, note=f"Ask {NAME} (NIK {NIK_HEAD.reveal()}) for the KK"
    )
    s.assess(FACILITATOR, case_id, findings="KK seen")
    s.submit(FACILITATOR, case_id)
    s.approve(SUPERVISOR, case_id)
    s.review(FRONT, case_id)
    s.record_lawful_basis(
        BACK,
        case_id,
        kind=LawfulBasisKind.PUBLIC_SERVICE_DUTY,
        legal_reference="UU 27/2022 Pasal 20",
        purposes=[Purpose.REFERRAL],
    )
    referral = s.refer(BACK, case_id, "n1", service_id="pbi-desk")
    s.update_referral(
        PROVIDER, referral.referral_id, status=ReferralStatus.RECEIVED, note=f"Called {NAME}"
    )
    s.update_referral(
        PROVIDER,
        referral.referral_id,
        status=ReferralStatus.REJECTED,
        reason=ReferralReason.OTHER,
        note=f"{NAME} on 081234567890 moved away",
    )
    s.close(SUPERVISOR, case_id, reason=ClosingReason.MOVED, note=f"{NAME} moved")
    return case_id


def outbox(store: Store) -> list[tuple[Notification, str]]:
    """Every outbox row, delivered or not: its notification, and its stored and shown text."""
    if isinstance(store, MemoryStore):
        notes = [p.message.notification for p in store._outbox.values()]
        return [(n, repr(n) + repr(template_of(n.body)) + _rendered(n)) for n in notes]
    rows: list[Any] = store._read(  # type: ignore[attr-defined]
        lambda c: c.execute("SELECT body FROM outbox ORDER BY position").fetchall()
    )
    found = []
    for (body,) in rows:
        notification = outbox_message(body, 0, "", dead=False).notification
        found.append((notification, body + _rendered(notification)))
    return found


def cases_in_outbox(store: Store) -> list[str]:
    """The case of each outbox row."""
    return [n.case_id for n, _ in outbox(store)]


def _rendered(notification: Notification) -> str:
    return notification.text("en") + notification.text("id")


def _rebuilt(world: World) -> Slrt:
    """A new service on the world's store: what a restarted process builds."""
    return Slrt(
        store=world.store,
        clock=world.clock,
        ids=SequentialIds(),
        directory=directory(),
        nik_index=world.slrt.nik_index,
    )


class TestNotificationsHoldNoPersonalData:
    def test_notes_never_reach_the_outbox(self, world: World):
        """Return and status-change notes naming a person stay out of every outbox row."""
        case_id = noted_flow(world)
        rows = outbox(world.store)
        assert {"case_returned", "referral_status_changed"} <= {n.topic for n, _ in rows}
        assert cases_in_outbox(world.store).count(case_id) >= 6
        for _, text in rows:
            for secret in SECRETS:
                assert secret not in text, secret

    def test_a_status_change_names_its_reason_by_label(self, world: World):
        """A rejection says the reason's label, the note does not come along."""
        noted_flow(world)
        notifier = RecordingNotifier()
        world.slrt.deliver_notifications(notifier)
        (rejected,) = [
            n
            for n in notifier.sent
            if n.topic == "referral_status_changed" and "reason" in n.body["en"]
        ]
        assert "(alasan: " in rejected.body["id"]
        assert "moved away" not in rejected.text("en")


class TestErasureSteps:
    def test_erasure_deletes_the_cases_pending_and_delivered_notifications(self, world: World):
        """After erase no outbox row of the case is left; other cases keep theirs."""
        erased = noted_flow(world)
        world.slrt.deliver_notifications(RecordingNotifier())  # all delivered
        kept = world.register()
        world.slrt.assess(FACILITATOR, kept, findings="Poor")
        world.slrt.submit(FACILITATOR, kept)  # one pending notification of another case
        world.slrt.close(SUPERVISOR, world.register(), reason=ClosingReason.DECLINED)
        world.slrt.deliver_notifications(RecordingNotifier())  # and delivered ones
        kept_rows = [c for c in cases_in_outbox(world.store) if c != erased]
        world.slrt.erase(MANAGER, erased, request_ref="PDP-2026-0042")
        assert erased not in cases_in_outbox(world.store)
        assert cases_in_outbox(world.store) == kept_rows != []
        assert world.store.pending_erasures() == []  # type: ignore[attr-defined]
        assert world.vault.keys.get(erased) is None

    def test_a_crash_after_the_commit_is_finished_when_a_service_is_built(self, world: World):
        """Killed between commit and key destruction: marked pending, finished on restart."""
        case_id = world.closed()
        assert world.slrt.nik_index is not None
        real_destroy = world.vault.destroy

        def crash(key_id: str) -> bool:
            raise SystemExit(137)  # the process dies here

        world.vault.destroy = crash  # type: ignore[method-assign]
        with pytest.raises(SystemExit):
            world.slrt.erase(MANAGER, case_id, request_ref="PDP-1")
        world.vault.destroy = real_destroy  # type: ignore[method-assign]
        store: Any = world.store
        with pytest.raises(CaseErasedError):
            store.load(case_id)
        assert store.pending_erasures() == [case_id]
        assert world.vault.keys.get(case_id) is not None  # half done, and known to be
        assert world.slrt.nik_index.find(NIK_HEAD) == [case_id]
        assert case_id in cases_in_outbox(store)

        restarted = _rebuilt(world)
        assert store.pending_erasures() == []
        assert world.vault.keys.get(case_id) is None
        assert case_id not in cases_in_outbox(store)
        assert world.slrt.nik_index.find(NIK_HEAD) == []
        assert restarted.complete_pending_erasures() == []

    def test_a_key_that_cannot_be_destroyed_keeps_the_erasure_pending(
        self, world: World, caplog: pytest.LogCaptureFixture
    ):
        """A failing key store: erase raises, the mark stays, a later call finishes it."""
        case_id = world.closed()
        real_destroy = world.vault.destroy

        def busy(key_id: str) -> bool:
            msg = "the key store is busy"
            raise StorageError(msg)

        world.vault.destroy = busy  # type: ignore[method-assign]
        with pytest.raises(StorageError, match="busy"):
            world.slrt.erase(MANAGER, case_id, request_ref="PDP-2")
        with caplog.at_level(logging.WARNING, logger="slrt_core.erasure"):
            assert world.slrt.complete_pending_erasures() == []
        assert "not finished" in caplog.text
        assert world.store.pending_erasures() == [case_id]  # type: ignore[attr-defined]
        world.vault.destroy = real_destroy  # type: ignore[method-assign]
        assert world.slrt.complete_pending_erasures() == [case_id]
        assert world.vault.keys.get(case_id) is None

    def test_a_pending_mark_without_an_erasure_event_destroys_nothing(
        self, world: World, caplog: pytest.LogCaptureFixture
    ):
        """A mark written behind the library's back (an insider) does not shred an open case."""
        case_id = world.register()
        store: Any = world.store
        list(store.audit_records())  # the memory store seals (makes the key) when read
        forge = "INSERT INTO pending_erasures VALUES ({0}, '2026-01-05T08:00:00+00:00')"
        if isinstance(store, MemoryStore):
            store._pending_erasures.add(case_id)
        elif isinstance(store, SqliteStore):
            store._write(lambda c: c.execute(forge.format("?"), (case_id,)))
        else:
            store._write(
                lambda c: c.execute(forge.format("%s"), (case_id,)), case_id=case_id, expected=0
            )
        with caplog.at_level(logging.WARNING, logger="slrt_core.erasure"):
            _rebuilt(world)
        assert "its events hold no erasure" in caplog.text
        assert store.pending_erasures() == [case_id]
        assert world.vault.keys.get(case_id) is not None
        assert store.load(case_id).case_id == case_id


def test_a_store_that_cannot_erase_has_nothing_pending():
    """A plaintext store (or one without the port) is skipped, never asked."""
    assert complete_pending_erasures(MemoryStore()) == []


def test_a_store_unreachable_when_the_service_is_built(caplog: pytest.LogCaptureFixture):
    """Listing pending erasures fails: the service is built anyway, and says so."""

    class Unreachable(MemoryStore):
        def pending_erasures(self) -> list[str]:
            msg = "the database is down"
            raise StorageError(msg)

    vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
    store = Unreachable(codec=SealingCodec(vault))
    with caplog.at_level(logging.WARNING, logger="slrt_core.erasure"):
        slrt = Slrt(store=store, clock=FrozenClock())
    assert "pending erasures not checked" in caplog.text
    with pytest.raises(StorageError, match="down"):
        slrt.complete_pending_erasures()


def test_without_a_nik_index_pending_erasures_finish_too():
    """A service without a NIK index finishes a pending erasure all the same."""
    vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
    store = MemoryStore(codec=SealingCodec(vault))
    world = World(store, vault)
    case_id = world.closed()
    real_destroy = vault.destroy
    vault.destroy = lambda key_id: (_ for _ in ()).throw(SystemExit(137))  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        world.slrt.erase(MANAGER, case_id, request_ref="PDP-3")
    vault.destroy = real_destroy  # type: ignore[method-assign]
    plain = Slrt(store=store, clock=FrozenClock(), nik_index=None)
    assert store.pending_erasures() == []
    assert vault.keys.get(case_id) is None
    assert plain.complete_pending_erasures() == []


_OLD_ROW = {
    "message_id": "case-1:4:case_returned:actor:fac-siti",
    "topic": "case_returned",
    "recipient": "actor:fac-siti",
    "case_id": "case-1",
    "referral_id": None,
    "created_at": "2026-01-05T08:00:00+00:00",
    "template": {
        "subject": "notify.case_returned.subject",
        "body": "notify.case_returned.body",
        "fields": {"case_id": "case-1", "region": "33.74.01.1001", "note": f"Ask {NAME}"},
    },
}


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_upgrade_removes_notes_from_notifications_written_before(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
):
    """A schema 2 outbox row that quotes a note loses the note when the store migrates."""
    body = json.dumps(_OLD_ROW)
    store: Any
    if kind == "sqlite":
        from slrt_core.adapters.sqlite import MIGRATIONS

        path = tmp_path / "old.sqlite"
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.executescript(MIGRATIONS[0] + MIGRATIONS[1] + "PRAGMA user_version = 2;")
            conn.execute(
                "INSERT INTO outbox (message_id, body, due_at) VALUES (?, ?, ?)",
                (_OLD_ROW["message_id"], body, _OLD_ROW["created_at"]),
            )
            conn.commit()
        store = SqliteStore(path, codec=PlainCodec())
    else:
        import psycopg

        from slrt_core.adapters.postgres import MIGRATIONS as PG_MIGRATIONS
        from slrt_core.adapters.postgres import PostgresStore

        url = fresh_schema(request.getfixturevalue("postgres_server"))
        with psycopg.connect(url, autocommit=True) as conn:
            for number in (0, 1):
                conn.execute(PG_MIGRATIONS[number].encode())
                conn.execute("INSERT INTO schema_migrations VALUES (%s)", (number + 1,))
            conn.execute(
                "INSERT INTO outbox (message_id, body, due_at) VALUES (%s, %s, %s)",
                (_OLD_ROW["message_id"], body, _OLD_ROW["created_at"]),
            )
        store = PostgresStore(url, min_size=0, max_size=2)
    try:
        assert store.migrations_applied == store.schema_version() - 2
        (row,) = outbox(store)
        assert NAME not in row[1]
        assert row[0].case_id == "case-1"
        assert "open the case" in row[0].body["en"]
    finally:
        store.close()


def test_a_message_erased_while_the_relay_sends_it_is_not_retried():
    """The relay claimed a message, erasure deleted it: recording the outcome is a no-op."""
    vault = SubjectVault(StaticKeyring({1: b"m" * 32}), MemoryKeyStore())
    store = MemoryStore(codec=SealingCodec(vault))
    world = World(store, vault)
    case_id = world.closed()
    (claimed, *_) = store.claim_due(FrozenClock().now(), limit=10, lease_seconds=60)
    assert claimed.notification.case_id == case_id
    world.slrt.erase(MANAGER, case_id, request_ref="PDP-4")
    store.record_delivery(claimed.notification.message_id)
    store.record_failure(claimed.notification.message_id, error="down", retry_at=None)
    assert store.dead_letters() == []
    assert case_id not in cases_in_outbox(store)
