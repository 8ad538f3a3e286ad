"""A notifier that sends each notification as an e-mail over SMTP (stdlib ``smtplib``).

Notifications name recipients by role (``provider:bpjs-semarang``,
``role:back_office@33.74``); an address book maps them to e-mail addresses. The
``Message-ID`` header is derived from the notification's idempotency id, so a message
the outbox delivers twice (at least once) carries the same ``Message-ID`` and mail
clients show it once; ``X-SLRT-Message-Id`` carries the id itself.

A refused connection, a timeout, an SMTP error, every recipient refused, or a recipient
missing from the address book raises :class:`~slrt_core.DeliveryError`, and the outbox
relay retries it with backoff until it is delivered or dead-lettered.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from typing import Literal

from slrt_core.errors import DeliveryError, InvalidInputError
from slrt_core.notify import Notification

__all__ = ["SmtpNotifier"]

Language = Literal["id", "en", "both"]
AddressBook = Mapping[str, Sequence[str]] | Callable[[Notification], Sequence[str]]


class SmtpNotifier:
    """Sends notifications by e-mail.

    Args:
        host: the SMTP server.
        port: its port (25, 587 for STARTTLS, 465 for TLS).
        sender: the From address.
        addresses: the address book: a mapping from recipient (``provider:<id>``,
            ``role:<role>@<region>``; ``role:<role>`` and ``*`` serve as fallbacks) to
            e-mail addresses, or a function of the notification that returns them.
        language: ``"id"`` (default), ``"en"``, or ``"both"`` (Bahasa Indonesia first).
        starttls: upgrade the connection with STARTTLS.
        use_tls: connect with TLS from the start (port 465).
        username: log in with this user, when given.
        password: the password for *username*.
        timeout: seconds to wait for the server.

    Raises:
        InvalidInputError: a sender without ``@``, a bad language, or both TLS modes.

    Examples:
        >>> n = SmtpNotifier("localhost", sender="slrt@dinsos.example",
        ...                  addresses={"*": ["bo@dinsos.example"]})
        >>> n.message_id_header("case-1:3:case_submitted:role:supervisor@33.74")
        '<09444193ac0ed8a5ca7f2ac880c108ac.slrt@dinsos.example>'
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        addresses: AddressBook,
        language: Language = "id",
        starttls: bool = False,
        use_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if "@" not in sender:
            raise InvalidInputError.single(
                "sender",
                f"The sender {sender!r} is not an e-mail address.",
                f"Pengirim {sender!r} bukan alamat e-mail.",
            )
        if language not in ("id", "en", "both"):
            raise InvalidInputError.single(
                "language",
                f"language must be 'id', 'en' or 'both', not {language!r}.",
                f"language harus 'id', 'en' atau 'both', bukan {language!r}.",
            )
        if starttls and use_tls:
            raise InvalidInputError.single(
                "starttls",
                "Choose STARTTLS or TLS from the start, not both.",
                "Pilih STARTTLS atau TLS sejak awal, bukan keduanya.",
            )
        self.host = host
        self.port = port
        self.sender = sender
        self._addresses = addresses
        self._language = language
        self._starttls = starttls
        self._use_tls = use_tls
        self._username = username
        self._password = password
        self._timeout = timeout
        self._domain = sender.rpartition("@")[2]

    def __repr__(self) -> str:
        return f"SmtpNotifier({self.host!r}, {self.port}, sender={self.sender!r})"

    def message_id_header(self, message_id: str) -> str:
        """The ``Message-ID`` of the e-mail for the notification *message_id*."""
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
        return f"<{digest}.slrt@{self._domain}>"

    def recipients(self, notification: Notification) -> list[str]:
        """The e-mail addresses of *notification*'s recipient (empty when unknown)."""
        if callable(self._addresses):
            return list(self._addresses(notification))
        key = notification.recipient
        for candidate in (key, key.partition("@")[0], "*"):
            if candidate in self._addresses:
                return list(self._addresses[candidate])
        return []

    def message(self, notification: Notification) -> EmailMessage:
        """The e-mail for *notification* (without recipients' check)."""
        msg = EmailMessage()
        if self._language == "both":
            subject = f"{notification.subject['id']} / {notification.subject['en']}"
            body = f"{notification.body['id']}\n\n---\n\n{notification.body['en']}\n"
        else:
            subject = notification.subject[self._language]
            body = notification.body[self._language] + "\n"
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients(notification))
        msg["Message-ID"] = self.message_id_header(notification.message_id)
        msg["X-SLRT-Message-Id"] = notification.message_id
        msg.set_content(body)
        return msg

    def send(self, notification: Notification, /) -> None:
        """Send *notification*; raise :class:`~slrt_core.DeliveryError` on any failure."""
        to = self.recipients(notification)
        if not to:
            raise _failed(
                notification,
                f"no e-mail address for {notification.recipient!r}; add it to the address book",
                f"tidak ada alamat e-mail untuk {notification.recipient!r}; tambahkan ke buku "
                "alamat",
            )
        msg = self.message(notification)
        try:
            smtp = (
                smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self._timeout,
                    context=ssl.create_default_context(),
                )
                if self._use_tls
                else smtplib.SMTP(self.host, self.port, timeout=self._timeout)
            )
            with smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(msg, from_addr=self.sender, to_addrs=to)
        except (smtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors too
            raise _failed(
                notification, f"the SMTP server said: {exc}", f"server SMTP menjawab: {exc}"
            ) from exc


def _failed(notification: Notification, what: str, what_id: str) -> DeliveryError:
    return DeliveryError(
        f"E-mail delivery of {notification.message_id!r} failed: {what}. The outbox retries it.",
        message_id=(
            f"Pengiriman e-mail {notification.message_id!r} gagal: {what_id}. Outbox akan "
            "mengulanginya."
        ),
    )
