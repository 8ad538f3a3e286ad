"""The one cattrs converter: events, store rows, exports and the wire format.

Datetimes are ISO 8601 in UTC, dates ISO, region codes dotted strings, sets sorted
lists, event payloads tagged with their ``type``. :func:`canonical_json` is the
encoding the audit chain hashes: sorted keys, no whitespace, UTF-8.

Examples:
    >>> from slrt_core.identity import RegionCode
    >>> converter.unstructure(RegionCode("33.74"))
    '33.74'
    >>> canonical_json({"b": 1, "a": [True, None]})
    b'{"a":[true,null],"b":1}'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import cattrs
from cattrs.gen import make_dict_unstructure_fn

from slrt_core.case._events import EVENT_TYPES, DomainEvent, Event
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import KkNumber, Nik, RegionCode

__all__ = ["canonical_json", "converter", "event_from_json", "event_to_json", "structure"]

T = TypeVar("T")

# Sets become sorted lists, so equal values always encode to equal bytes.
converter = cattrs.Converter(unstruct_collection_overrides={AbstractSet: sorted})


def _datetime_out(value: datetime) -> str:
    if value.tzinfo is None:
        msg = "Naive datetimes are ambiguous; use an aware datetime (UTC)."
        raise ValueError(msg)
    return value.astimezone(UTC).isoformat()


converter.register_unstructure_hook(datetime, _datetime_out)
converter.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
converter.register_unstructure_hook(RegionCode, lambda v: v.code)
converter.register_structure_hook(RegionCode, lambda v, _: RegionCode(v))
converter.register_unstructure_hook(Nik, lambda v: v.reveal())
converter.register_structure_hook(Nik, lambda v, _: Nik(v))
converter.register_unstructure_hook(KkNumber, lambda v: v.reveal())
converter.register_structure_hook(KkNumber, lambda v, _: KkNumber(v))


_PAYLOAD_OUT: dict[type, Callable[[Any], dict[str, Any]]] = {
    cls: make_dict_unstructure_fn(cls, converter) for cls in EVENT_TYPES.values()
}


def _payload_out(payload: DomainEvent) -> dict[str, Any]:
    data = _PAYLOAD_OUT[type(payload)](payload)
    data["type"] = payload.type
    return data


def _payload_in(data: dict[str, Any], _: object) -> DomainEvent:
    cls = EVENT_TYPES[data["type"]]
    return converter.structure(data, cls)


for _cls in EVENT_TYPES.values():
    converter.register_unstructure_hook(_cls, _payload_out)
converter.register_structure_hook(DomainEvent, _payload_in)


def _event_out(event: Event) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "version": event.version,
        "at": _datetime_out(event.at),
        "actor_id": event.actor_id,
        "role": event.role.value,
        "reason": event.reason,
        "schema": event.schema,
        "payload": _payload_out(event.payload),
    }


converter.register_unstructure_hook(Event, _event_out)


# One encoder for every call: json.dumps builds a new one per call when given options.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes of an unstructured value: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode()


def event_to_json(event: Event) -> bytes:
    """The canonical JSON of *event*, as stored and hashed by the audit chain."""
    return canonical_json(_event_out(event))


def event_from_json(data: bytes | str) -> Event:
    """The event encoded by :func:`event_to_json`."""
    return converter.structure(json.loads(data), Event)


def structure(data: Any, cls: type[T], *, subject: str = "the input") -> T:
    """Structure *data* into *cls*, turning cattrs' errors into :class:`InvalidInputError`.

    Every problem is listed with its path.

    Examples:
        >>> from slrt_core.household import Housing
        >>> structure({"electricity_va": "lots"}, Housing)
        Traceback (most recent call last):
        ...
        slrt_core.errors.InvalidInputError: 1 problem in the input:
          - electricity_va: invalid value for type, expected int | None ...
    """
    try:
        return converter.structure(data, cls)
    except InvalidInputError:
        raise
    except cattrs.BaseValidationError as exc:
        # A value's own check (Household, Nik, ...) raised InvalidInputError inside
        # cattrs: keep its bilingual problems, under the path where cattrs met it.
        inner: list[InvalidInputError] = []

        def describe(error: BaseException, type_: Any) -> str:
            if isinstance(error, InvalidInputError):
                inner.append(error)
                return f"{_INNER}{len(inner) - 1}"
            return _format(error, type_)

        problems = []
        for line in cattrs.transform_error(exc, format_exception=describe):
            message, _, path = line.rpartition(" @ ")
            where = path.removeprefix("$").lstrip(".")
            if message.startswith(_INNER):
                for p in inner[int(message.removeprefix(_INNER))].problems:
                    at = ".".join(part for part in (where, p.path) if part)
                    problems.append(Problem(at, p.message, p.message_id))
                continue
            problems.append(
                Problem(where, f"{message}. Correct this value.", f"{message}. Perbaiki nilai ini.")
            )
        raise InvalidInputError(problems, subject=subject) from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInputError(
            [
                Problem(
                    "",
                    f"{exc}. Check the value's type and format.",
                    f"{exc}. Periksa jenis dan format nilai.",
                )
            ],
            subject=subject,
        ) from exc


_INNER = "\x00inner:"  # marks a line of transform_error that stands for an InvalidInputError


def _format(exc: BaseException, type_: Any) -> str:
    name = getattr(type_, "__name__", None) or str(type_)
    return f"invalid value for type, expected {name} ({exc})"
