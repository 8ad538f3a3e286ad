"""A notifier that POSTs each notification as signed JSON to a webhook (stdlib only).

The body is the notification as canonical JSON (sorted keys, no spaces, UTF-8). Headers:

- ``X-SLRT-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the
  shared secret; the receiver recomputes it (:func:`verify_signature`) and drops a
  request that does not match;
- ``X-SLRT-Message-Id``: the notification's idempotency id; delivery is at least once,
  so the receiver drops a second request with an id it has already processed.

Any answer other than 2xx (redirects included: they are not followed), a timeout or a
network error raises :class:`~slrt_core.DeliveryError`, and the outbox relay retries
with backoff until the message is delivered or dead-lettered.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from slrt_core._version import __version__
from slrt_core.errors import DeliveryError, InvalidInputError
from slrt_core.notify import Notification
from slrt_core.serialization import canonical_json, converter

__all__ = ["SIGNATURE_HEADER", "WebhookNotifier", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-SLRT-Signature"
MESSAGE_ID_HEADER = "X-SLRT-Message-Id"


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def sign(body: bytes, secret: str | bytes) -> str:
    """The signature header value of *body*: ``sha256=<hex HMAC-SHA256>``.

    Examples:
        >>> sign(b'{"a":1}', "s3cret")
        'sha256=5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d'
    """
    return "sha256=" + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str | bytes) -> bool:
    """Whether *header* is the signature of *body* with *secret* (constant time).

    Examples:
        >>> body = b'{"a":1}'
        >>> verify_signature(body, sign(body, "s3cret"), "s3cret")
        True
        >>> verify_signature(body, sign(body, "other"), "s3cret")
        False
    """
    if not header:
        return False
    return hmac.compare_digest(header.strip(), sign(body, secret))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: a webhook answers where it was configured, or fails."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class WebhookNotifier:
    """POSTs notifications as signed JSON to one URL.

    Args:
        url: the receiver's ``http://`` or ``https://`` URL.
        secret: the shared HMAC secret.
        timeout: seconds to wait for the connection and the answer.
        headers: extra headers (an API key, say).
        use_env_proxy: honour ``http_proxy``/``https_proxy`` from the environment
            (default); ``False`` connects directly.

    Raises:
        InvalidInputError: a URL that is not http(s), an empty secret or a bad timeout.

    Examples:
        >>> WebhookNotifier("ftp://example.org/hook", secret="x")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        slrt_core.errors.InvalidInputError: 1 problem in the input:
          - url: The webhook URL must start with http:// or https://; got 'ftp://example.org/hook'.
    """

    def __init__(
        self,
        url: str,
        *,
        secret: str | bytes,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        use_env_proxy: bool = True,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInputError.single(
                "url",
                f"The webhook URL must start with http:// or https://; got {url!r}.",
                f"URL webhook harus diawali http:// atau https://; diterima {url!r}.",
            )
        if not _key(secret):
            raise InvalidInputError.single(
                "secret",
                "The webhook secret is empty; share a random secret with the receiver.",
                "Rahasia webhook kosong; bagikan rahasia acak dengan penerima.",
            )
        if not timeout > 0:
            raise InvalidInputError.single(
                "timeout",
                f"The timeout must be more than 0 seconds; got {timeout}.",
                f"Batas waktu harus lebih dari 0 detik; diterima {timeout}.",
            )
        self.url = url
        self._secret = _key(secret)
        self._timeout = timeout
        self._headers = dict(headers or {})
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if not use_env_proxy:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"WebhookNotifier({self.url!r}, timeout={self._timeout})"

    def body(self, notification: Notification) -> bytes:
        """The exact bytes POSTed for *notification*."""
        return canonical_json(converter.unstructure(notification))

    def send(self, notification: Notification, /) -> None:
        """POST *notification*; raise :class:`~slrt_core.DeliveryError` unless 2xx."""
        body = self.body(notification)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                **self._headers,
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"slrt-core/{__version__}",
                SIGNATURE_HEADER: sign(body, self._secret),
                MESSAGE_ID_HEADER: notification.message_id,
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status = int(response.status)
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise _failed(notification, f"the receiver answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:  # timeouts are OSErrors too
            reason = getattr(exc, "reason", exc)
            raise _failed(notification, f"the request failed: {reason}") from exc
        if not 200 <= status < 300:  # noqa: PLR2004  # pragma: no cover - urllib raises outside 2xx
            raise _failed(notification, f"the receiver answered HTTP {status}")


def _failed(notification: Notification, what: str) -> DeliveryError:
    return DeliveryError(
        f"Webhook delivery of {notification.message_id!r} failed: {what}. The outbox retries "
        "it; check the receiver if it keeps failing.",
        message_id=(
            f"Pengiriman webhook {notification.message_id!r} gagal: {what}. Outbox akan "
            "mengulanginya; periksa penerima bila terus gagal."
        ),
    )
