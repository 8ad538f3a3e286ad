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
import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import cattrs
from cattrs.gen import make_dict_unstructure_fn

from slrt_core.case._events import EVENT_TYPES, DomainEvent, Event
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import KkNumber, Nik, RegionCode, split_of

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


def _not_a_number(value: object, kind_en: str, kind_id: str) -> InvalidInputError:
    return InvalidInputError.single(
        "",
        f"{value!r} is not {kind_en}: a yes/no, NaN or infinity is not a number. Give the "
        "value as a number.",
        f"{value!r} bukan {kind_id}: nilai ya/tidak, NaN atau tak hingga bukan bilangan. "
        "Berikan nilai sebagai bilangan.",
    )


def _int_in(value: Any, _: object) -> int:
    # A bool is an int to Python and NaN a float to JSON: neither is a count or an amount.
    if isinstance(value, bool) or (
        isinstance(value, float) and not (math.isfinite(value) and value.is_integer())
    ):
        raise _not_a_number(value, "a whole number", "bilangan bulat")
    return int(value)


def _float_in(value: Any, _: object) -> float:
    number = float(value)
    if isinstance(value, bool) or not math.isfinite(number):
        raise _not_a_number(value, "a finite number", "bilangan terhingga")
    return number


converter.register_structure_hook(int, _int_in)
converter.register_structure_hook(float, _float_in)
# bool is a subclass of int: without its own hook it would take the int hook above.
converter.register_structure_hook(bool, lambda v, _: bool(v))
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
    data = {
        "case_id": event.case_id,
        "version": event.version,
        "at": _datetime_out(event.at),
        "actor_id": event.actor_id,
        "role": event.role.value,
        "reason": event.reason,
        "schema": event.schema,
        "payload": _payload_out(event.payload),
    }
    if event.claimed_at is not None:  # only when set: older events keep their bytes
        data["claimed_at"] = _datetime_out(event.claimed_at)
    return data


converter.register_unstructure_hook(Event, _event_out)


# One encoder for every call: json.dumps builds a new one per call when given options.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _known_region(value: Any, _: object) -> RegionCode:
    region = RegionCode(value)
    if not region.is_known() and split_of(region) is None:
        raise InvalidInputError.single(
            "",
            f"Region code {region} is not in the Kemendagri 2025 list (Kepmendagri "
            "300.2.2-2138/2025), nor under a regency re-coded in 2022. Check the code on the "
            "KK card.",
            f"Kode wilayah {region} tidak ada dalam daftar Kemendagri 2025 (Kepmendagri "
            "300.2.2-2138/2025), dan bukan di bawah kabupaten yang berganti kode pada 2022. "
            "Periksa kode pada kartu KK.",
        )
    return region


# What enters from outside (structure) is checked further than what the store reads back:
# every region code must be in the Kemendagri list, or a pre-split code (history).
_boundary = converter.copy()
_boundary.register_structure_hook(RegionCode, _known_region)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes of an unstructured value: sorted keys, no spaces, UTF-8.

    Raises:
        InvalidInputError: *value* is nested too deeply to encode, holds a number that is
            not finite (strict JSON has no NaN), or text that is not valid Unicode.
    """
    try:
        return _CANONICAL.encode(value).encode()
    except RecursionError as exc:
        raise _too_deep("the value") from exc
    except UnicodeEncodeError as exc:
        raise InvalidInputError.single(
            "",
            "The value holds text with a lone UTF-16 surrogate, which is not a character. "
            "Copy the text again from its source.",
            "Nilai memuat teks dengan separuh pasangan pengganti UTF-16, yang bukan karakter. "
            "Salin ulang teks dari sumbernya.",
        ) from exc
    except ValueError as exc:  # NaN or infinity: strict JSON parsers reject them
        raise InvalidInputError.single(
            "",
            f"The value holds a number JSON cannot carry ({exc}). Give finite numbers only.",
            f"Nilai memuat bilangan yang tidak dapat dibawa JSON ({exc}). Berikan hanya "
            "bilangan terhingga.",
        ) from exc


def _too_deep(subject: str) -> InvalidInputError:
    return InvalidInputError(
        [
            Problem(
                "",
                "The value is nested too deeply to read. Send a flatter value.",
                "Nilai bersarang terlalu dalam untuk dibaca. Kirim nilai yang lebih datar.",
            )
        ],
        subject=subject,
    )


def event_to_json(event: Event) -> bytes:
    """The canonical JSON of *event*, as stored and hashed by the audit chain."""
    return canonical_json(_event_out(event))


def event_from_json(data: bytes | str) -> Event:
    """The event encoded by :func:`event_to_json`."""
    return converter.structure(json.loads(data), Event)


def structure(data: Any, cls: type[T], *, subject: str = "the input") -> T:
    """Structure *data* into *cls*, turning cattrs' errors into :class:`InvalidInputError`.

    Every problem is listed with its path. This is the boundary: beyond the shape, every
    region code must be in the Kemendagri 2025 list (or a code from before a 2022 split),
    a whole number cannot be a bool, a fraction, NaN or infinity, and a value nested too
    deep to read is refused like any other bad value. Whether a pre-split code may open
    a new case is decided by the command, on its date
    (:meth:`~slrt_core.household.Household.problems_on`).

    Examples:
        >>> from slrt_core.household import Housing
        >>> structure({"electricity_va": "lots"}, Housing)
        Traceback (most recent call last):
        ...
        slrt_core.errors.InvalidInputError: 1 problem in the input:
          - electricity_va: invalid value for type, expected int | None ...
    """
    try:
        return _boundary.structure(data, cls)
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
