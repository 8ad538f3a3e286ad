"""Reading stored events back, shared by the database adapters.

A stored event that does not decode, that names another case or version than its
row, or that does not fold into the case raises
:class:`~slrt_core.errors.CorruptRecordError` naming the case and the version: never a
bare ``ValueError`` or a converter's error from deep inside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from slrt_core.case._events import Event, apply, replay
from slrt_core.case._model import Case
from slrt_core.errors import CorruptRecordError, SlrtError

__all__ = ["decode_events", "fold_events"]


def decode_events(
    case_id: str, rows: Iterable[tuple[int, bytes]], decode: Callable[[bytes], Event]
) -> list[Event]:
    """The events of *case_id* from its ``(version, body)`` rows, oldest first.

    Raises:
        CorruptRecordError: a body does not decode, or belongs to another case or version.
        CaseErasedError: the codec can no longer open the case's sealed parts.
    """
    events = []
    for version, body in rows:
        try:
            event = decode(bytes(body))
        except SlrtError:
            raise
        except Exception as exc:
            reason = f"the body does not decode ({type(exc).__name__})"
            raise CorruptRecordError(case_id, version, reason) from exc
        if event.case_id != case_id or event.version != version:
            reason = (
                f"its body belongs to case {event.case_id!r} version {event.version}, "
                "not to this row"
            )
            raise CorruptRecordError(case_id, version, reason)
        events.append(event)
    return events


def fold_events(events: list[Event], cached: Case | None = None) -> Case:
    """The case after *events*: on top of *cached* when they follow it, else from scratch.

    Raises:
        CorruptRecordError: the events do not fold (not consecutive, or a transition
            the lifecycle forbids).
    """
    if cached is not None and (not events or events[0].version == cached.version + 1):
        case = cached
        for event in events:
            case = apply(case, event)
        return case
    return replay(events)
