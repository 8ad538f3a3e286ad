"""The outbox relay: delivers committed notifications, at least once.

Notifications are written in the same transaction as the events, so a crash between
commit and delivery loses nothing: the relay picks them up on the next run. A failed
delivery is retried with exponential backoff; after ``max_attempts`` the message goes
to the dead-letter list (:meth:`~slrt_core.ports.Outbox.dead_letters`). Receivers drop
duplicates by ``message_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from slrt_core.ports import Clock, Notifier, Outbox

__all__ = ["DeliveryFailure", "OutboxRelay", "RelayReport"]

_log = logging.getLogger("slrt_core.outbox")


@attrs.frozen(kw_only=True)
class DeliveryFailure:
    """One failed delivery: retried at :attr:`retry_at`, or dead-lettered (``None``).

    .. versionadded:: 0.1.0
    """

    message_id: str
    topic: str
    recipient: str
    attempts: int
    error: str
    retry_at: datetime | None

    @property
    def dead(self) -> bool:
        """Whether the message went to the dead-letter list (no more attempts)."""
        return self.retry_at is None


@attrs.frozen
class RelayReport:
    """What one relay run did: counts, and each failure with its message and error.

    .. versionadded:: 0.1.0
    """

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    # Left out of repr and ==: a report reads and compares by its counts.
    failures: tuple[DeliveryFailure, ...] = attrs.field(default=(), repr=False, eq=False)

    def __add__(self, other: RelayReport) -> RelayReport:
        return RelayReport(
            self.delivered + other.delivered,
            self.retried + other.retried,
            self.dead + other.dead,
            self.failures + other.failures,
        )


class OutboxRelay:
    """Moves due outbox messages to a notifier.

    Args:
        outbox: the store's outbox.
        notifier: where messages go.
        clock: the time source for due dates and backoff.
        max_attempts: attempts before a message is dead-lettered.
        base_delay: the wait after the first failure; doubled after each further one.
        max_delay: the longest wait between attempts.
        batch: messages leased per round.
        lease: how long a leased message is hidden from other workers.
        on_report: called with the report of each run that moved a message (delivered,
            retried or dead-lettered), so the host sees failures without polling; its
            own exceptions are logged, never raised into the command that committed.
    """

    def __init__(
        self,
        outbox: Outbox,
        notifier: Notifier,
        clock: Clock,
        *,
        max_attempts: int = 8,
        base_delay: timedelta = timedelta(seconds=30),
        max_delay: timedelta = timedelta(hours=1),
        batch: int = 100,
        lease: timedelta = timedelta(minutes=2),
        on_report: Callable[[RelayReport], object] | None = None,
    ) -> None:
        self._outbox = outbox
        self._notifier = notifier
        self._clock = clock
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._batch = batch
        self._lease = lease.total_seconds()
        self._on_report = on_report

    def run_once(self) -> RelayReport:
        """Deliver one batch of due messages."""
        now = self._clock.now()
        delivered = retried = dead = 0
        failures: list[DeliveryFailure] = []
        for message in self._outbox.claim_due(now, limit=self._batch, lease_seconds=self._lease):
            n = message.notification
            try:
                self._notifier.send(n)
            except Exception as exc:  # noqa: BLE001 - any notifier failure is retried, never raised
                attempts = message.attempts + 1
                retry_at: datetime | None = None
                if attempts >= self._max_attempts:
                    self._outbox.record_failure(n.message_id, error=repr(exc), retry_at=None)
                    _log.error(
                        "dead-lettered %s after %d attempts: %r", n.message_id, attempts, exc
                    )
                    dead += 1
                else:
                    delay = min(self._base_delay * 2 ** (attempts - 1), self._max_delay)
                    retry_at = now + delay
                    self._outbox.record_failure(n.message_id, error=repr(exc), retry_at=retry_at)
                    retried += 1
                failures.append(
                    DeliveryFailure(
                        message_id=n.message_id,
                        topic=n.topic,
                        recipient=n.recipient,
                        attempts=attempts,
                        error=repr(exc),
                        retry_at=retry_at,
                    )
                )
            else:
                self._outbox.record_delivery(n.message_id)
                delivered += 1
        report = RelayReport(delivered, retried, dead, tuple(failures))
        if self._on_report is not None and report != RelayReport():
            try:
                self._on_report(report)
            except Exception:  # noqa: BLE001 - the commit is done; a hook must not undo it
                _log.exception("the on_report hook of the outbox relay failed")
        return report

    def drain(self, *, max_rounds: int = 1000) -> RelayReport:
        """Run until no message is due now (or *max_rounds* rounds)."""
        total = RelayReport()
        for _ in range(max_rounds):
            report = self.run_once()
            total += report
            if report == RelayReport():
                break
        return total
