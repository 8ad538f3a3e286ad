"""Webhook and SMTP notifiers against real servers on 127.0.0.1, and through the outbox relay."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller

from slrt_core import (
    Actor,
    Channel,
    ComplaintKind,
    DeliveryError,
    Household,
    Need,
    Person,
    RegionCode,
    Relationship,
    Role,
    Sector,
    Sex,
    Slrt,
)
from slrt_core.adapters import MemoryStore, SequentialIds, SmtpNotifier, WebhookNotifier
from slrt_core.adapters.webhook import SIGNATURE_HEADER, sign, verify_signature
from slrt_core.notify import Notification
from slrt_core.outbox import OutboxRelay
from slrt_core.testing import FrozenClock

SECRET = "test-secret-1"


def notification(message_id: str = "case-1:1:case_submitted:role:supervisor@33.74") -> Notification:
    return Notification(
        message_id=message_id,
        topic="case_submitted",
        recipient="role:supervisor@33.74",
        case_id="case-1",
        subject={"en": "Case case-1 awaits approval", "id": "Kasus case-1 menunggu persetujuan"},
        body={"en": "Please approve case-1.", "id": "Mohon setujui kasus case-1."},
        created_at=datetime(2026, 8, 3, 2, 0, tzinfo=UTC),
    )


# --------------------------------------------------------------------------- HTTP


@attrs.define
class Receiver:
    """What the test webhook does and what it got."""

    mode: str = "ok"
    delay: float = 0.0
    fail_first: int = 0
    requests: list[tuple[Message, bytes]] = attrs.Factory(list)
    processed: set[str] = attrs.Factory(set)
    bad_signatures: int = 0


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.requests.append((self.headers, body))
            if receiver.delay:
                time.sleep(receiver.delay)
            if not verify_signature(body, self.headers.get(SIGNATURE_HEADER), SECRET):
                receiver.bad_signatures += 1
                self._answer(401)
                return
            if receiver.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if receiver.mode == "fail" or receiver.fail_first > 0:
                receiver.fail_first -= 1
                self._answer(500)
                return
            # An idempotent receiver: a second delivery of the same id is acknowledged only.
            receiver.processed.add(self.headers["X-SLRT-Message-Id"])
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def webhook() -> Iterator[tuple[str, Receiver]]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestWebhook:
    def test_delivers_signed_json(self, webhook: tuple[str, Receiver]) -> None:
        """The body is the notification as JSON, signed with HMAC-SHA256, with its id."""
        url, receiver = webhook
        notifier = WebhookNotifier(url, secret=SECRET, use_env_proxy=False, headers={"X-Key": "k"})
        notifier.send(notification())
        ((headers, body),) = receiver.requests
        assert receiver.bad_signatures == 0
        assert headers[SIGNATURE_HEADER] == sign(body, SECRET)
        assert headers["X-SLRT-Message-Id"] == notification().message_id
        assert headers["Content-Type"].startswith("application/json")
        assert headers["X-Key"] == "k"
        data = json.loads(body)
        assert data["topic"] == "case_submitted"
        assert data["subject"]["id"] == "Kasus case-1 menunggu persetujuan"
        assert body == notifier.body(notification())

    def test_a_wrong_secret_is_caught_by_the_receiver(self, webhook: tuple[str, Receiver]) -> None:
        """A request signed with another secret is refused (401) and raises DeliveryError."""
        url, receiver = webhook
        with pytest.raises(DeliveryError, match="HTTP 401"):
            WebhookNotifier(url, secret="wrong", use_env_proxy=False).send(notification())
        assert receiver.bad_signatures == 1

    def test_server_error_raises(self, webhook: tuple[str, Receiver]) -> None:
        """A 500 answer raises DeliveryError in both languages."""
        url, receiver = webhook
        receiver.mode = "fail"
        with pytest.raises(DeliveryError) as info:
            WebhookNotifier(url, secret=SECRET, use_env_proxy=False).send(notification())
        assert "HTTP 500" in str(info.value)
        assert "Outbox akan mengulanginya" in info.value.message("id")

    def test_redirects_are_not_followed(self, webhook: tuple[str, Receiver]) -> None:
        """A redirect is a failure, not a second POST elsewhere."""
        url, receiver = webhook
        receiver.mode = "redirect"
        with pytest.raises(DeliveryError, match="HTTP 302"):
            WebhookNotifier(url, secret=SECRET, use_env_proxy=False).send(notification())
        assert len(receiver.requests) == 1

    def test_timeout_raises(self, webhook: tuple[str, Receiver]) -> None:
        """A receiver slower than the timeout raises DeliveryError."""
        url, receiver = webhook
        receiver.delay = 1.0
        with pytest.raises(DeliveryError, match="request failed"):
            WebhookNotifier(url, secret=SECRET, timeout=0.2, use_env_proxy=False).send(
                notification()
            )

    def test_refused_connection_raises(self) -> None:
        """Nobody listening raises DeliveryError."""
        url = f"http://127.0.0.1:{_closed_port()}/hook"
        with pytest.raises(DeliveryError, match="request failed"):
            WebhookNotifier(url, secret=SECRET, use_env_proxy=False).send(notification())

    @pytest.mark.parametrize(
        ("url", "kwargs", "field"),
        [
            ("file:///etc/passwd", {}, "url"),
            ("http://", {}, "url"),
            ("http://127.0.0.1/h", {"secret": b""}, "secret"),
            ("http://127.0.0.1/h", {"timeout": 0}, "timeout"),
        ],
    )
    def test_bad_configuration(self, url: str, kwargs: dict[str, Any], field: str) -> None:
        """A non-http URL, an empty secret or a zero timeout is refused at construction."""
        from slrt_core import InvalidInputError

        with pytest.raises(InvalidInputError) as info:
            WebhookNotifier(url, **{"secret": SECRET, **kwargs})
        assert info.value.problems[0].path == field
        assert "WebhookNotifier" in repr(WebhookNotifier("https://x.example/h", secret="s"))


def _slrt_with_outbox(clock: FrozenClock) -> tuple[Slrt, MemoryStore]:
    """A service whose emergency registrations leave notifications in the outbox."""
    store = MemoryStore()
    slrt = Slrt(store=store, clock=clock, ids=SequentialIds())
    actor = Actor(actor_id="bo-1", role=Role.BACK_OFFICE, jurisdiction=RegionCode("33.74"))
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=datetime(1980, 1, 1, tzinfo=UTC).date(),
        sex=Sex.MALE,
    )
    for _ in range(2):
        slrt.register(
            actor,
            Household(region=RegionCode("33.74.01.1001"), members=[head]),
            channel=Channel.SECRETARIAT_DESK,
            kind=ComplaintKind.GRIEVANCE,
            needs=[Need(sector=Sector.FOOD, description="House burnt down")],
            emergency=True,
        )
    return slrt, store


class TestRelayToWebhook:
    def test_retries_with_backoff_then_dead_letters(self, webhook: tuple[str, Receiver]) -> None:
        """A failing endpoint is retried at 30 s, then 60 s, then dead-lettered."""
        url, receiver = webhook
        receiver.mode = "fail"
        clock = FrozenClock(datetime(2026, 8, 3, 3, 0, tzinfo=UTC))
        _, store = _slrt_with_outbox(clock)
        notifier = WebhookNotifier(url, secret=SECRET, use_env_proxy=False)
        relay = OutboxRelay(
            store, notifier, clock, max_attempts=3, base_delay=timedelta(seconds=30)
        )
        first = relay.run_once()
        assert (first.delivered, first.retried, first.dead) == (0, 2, 0)
        assert relay.run_once().retried == 0  # not due yet: backing off
        clock.advance(seconds=29)
        assert relay.run_once().retried == 0
        clock.advance(seconds=1)
        assert relay.run_once().retried == 2
        clock.advance(seconds=59)
        assert relay.run_once().dead == 0
        clock.advance(seconds=1)
        assert relay.run_once().dead == 2
        dead = store.dead_letters()
        assert len(dead) == 2
        assert all(m.attempts == 3 and "HTTP 500" in m.last_error for m in dead)
        assert len(receiver.requests) == 6
        clock.advance(hours=5)
        receiver.mode = "ok"
        assert relay.drain().delivered == 0  # dead letters stay dead

    def test_at_least_once_with_the_same_id(self, webhook: tuple[str, Receiver]) -> None:
        """A message that failed once is delivered on retry, with the same id and signature."""
        url, receiver = webhook
        receiver.fail_first = 1
        clock = FrozenClock(datetime(2026, 8, 3, 3, 0, tzinfo=UTC))
        _, store = _slrt_with_outbox(clock)
        relay = OutboxRelay(store, WebhookNotifier(url, secret=SECRET, use_env_proxy=False), clock)
        assert relay.run_once().delivered == 1
        clock.advance(minutes=1)
        assert relay.drain().delivered == 1
        assert len(receiver.processed) == 2
        ids = [h["X-SLRT-Message-Id"] for h, _ in receiver.requests]
        assert ids[0] == ids[-1]
        assert receiver.requests[0][1] == receiver.requests[-1][1]
        assert store.dead_letters() == []


# --------------------------------------------------------------------------- SMTP


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    port = _closed_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


ADDRESSES = {
    "role:supervisor@33.74": ["supervisor@dinsos.example"],
    "role:back_office": ["bo@dinsos.example", "bo2@dinsos.example"],
}


class TestSmtp:
    def test_sends_in_bahasa_indonesia_with_a_stable_message_id(
        self, smtp_server: tuple[int, _Inbox]
    ) -> None:
        """The e-mail goes to the address book's addresses, in Bahasa Indonesia."""
        port, inbox = smtp_server
        notifier = SmtpNotifier(
            "127.0.0.1", port, sender="slrt@dinsos.example", addresses=ADDRESSES
        )
        notifier.send(notification())
        notifier.send(notification())
        (to, first), (_, second) = inbox.messages
        assert to == ["supervisor@dinsos.example"]
        assert first["Subject"] == "Kasus case-1 menunggu persetujuan"
        assert first.get_content().strip() == "Mohon setujui kasus case-1."
        assert first["X-SLRT-Message-Id"] == notification().message_id
        assert first["Message-ID"] == second["Message-ID"]
        assert first["Message-ID"].endswith("@dinsos.example>")

    def test_both_languages_and_role_fallback(self, smtp_server: tuple[int, _Inbox]) -> None:
        """'both' sends Indonesian then English; a role without region falls back."""
        port, inbox = smtp_server
        notifier = SmtpNotifier(
            "127.0.0.1", port, sender="slrt@dinsos.example", addresses=ADDRESSES, language="both"
        )
        n = attrs.evolve(notification("m2"), recipient="role:back_office@33.74")
        notifier.send(n)
        ((to, msg),) = inbox.messages
        assert to == ["bo@dinsos.example", "bo2@dinsos.example"]
        assert msg["Subject"] == "Kasus case-1 menunggu persetujuan / Case case-1 awaits approval"
        body = msg.get_content()
        assert body.index("Mohon setujui") < body.index("Please approve")

    def test_english_and_a_function_address_book(self, smtp_server: tuple[int, _Inbox]) -> None:
        """An address book may be a function of the notification; English is an option."""
        port, inbox = smtp_server
        notifier = SmtpNotifier(
            "127.0.0.1",
            port,
            sender="slrt@dinsos.example",
            addresses=lambda n: [f"{n.case_id}@cases.example"],
            language="en",
        )
        notifier.send(notification())
        ((to, msg),) = inbox.messages
        assert to == ["case-1@cases.example"]
        assert msg["Subject"] == "Case case-1 awaits approval"

    def test_unknown_recipient_raises(self, smtp_server: tuple[int, _Inbox]) -> None:
        """A recipient missing from the address book raises DeliveryError; nothing is sent."""
        port, inbox = smtp_server
        notifier = SmtpNotifier("127.0.0.1", port, sender="slrt@dinsos.example", addresses={})
        with pytest.raises(DeliveryError, match="no e-mail address"):
            notifier.send(notification())
        assert inbox.messages == []

    def test_refused_connection_raises(self) -> None:
        """No SMTP server listening raises DeliveryError."""
        notifier = SmtpNotifier(
            "127.0.0.1", _closed_port(), sender="slrt@dinsos.example", addresses={"*": ["a@b.c"]}
        )
        with pytest.raises(DeliveryError, match="SMTP server said"):
            notifier.send(notification())
        assert "SmtpNotifier" in repr(notifier)

    def test_tls_modes_and_login_fail_cleanly_on_a_plain_server(
        self, smtp_server: tuple[int, _Inbox]
    ) -> None:
        """STARTTLS or a login the server does not offer raise DeliveryError."""
        port, _ = smtp_server
        for options in ({"starttls": True}, {"username": "u", "password": "p"}, {"use_tls": True}):
            notifier = SmtpNotifier(
                "127.0.0.1",
                port,
                sender="slrt@dinsos.example",
                addresses={"*": ["a@b.c"]},
                timeout=2,
                **options,  # type: ignore[arg-type]
            )
            with pytest.raises(DeliveryError):
                notifier.send(notification())

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"sender": "nobody"},
            {"language": "fr"},
            {"starttls": True, "use_tls": True},
        ],
    )
    def test_bad_configuration(self, kwargs: dict[str, Any]) -> None:
        """A sender without @, an unknown language or two TLS modes are refused."""
        from slrt_core import InvalidInputError

        with pytest.raises(InvalidInputError):
            SmtpNotifier("localhost", **{"sender": "a@b.c", "addresses": {}, **kwargs})

    def test_relay_delivers_the_outbox_by_mail(self, smtp_server: tuple[int, _Inbox]) -> None:
        """The outbox relay delivers committed notifications by e-mail."""
        port, inbox = smtp_server
        clock = FrozenClock(datetime(2026, 8, 3, 3, 0, tzinfo=UTC))
        slrt, store = _slrt_with_outbox(clock)
        notifier = SmtpNotifier(
            "127.0.0.1", port, sender="slrt@dinsos.example", addresses=ADDRESSES
        )
        report = slrt.deliver_notifications(notifier)
        assert report.delivered == 2
        assert [to for to, _ in inbox.messages] == [["bo@dinsos.example", "bo2@dinsos.example"]] * 2
        assert store.dead_letters() == []
