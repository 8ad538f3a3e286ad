"""The sync protocol's values and their JSON: envelopes, batches, results and the feed.

Every value here is what travels between a device and the server, as JSON objects
described by ``protocol.schema.json`` (beside this module, and in the how-to). A
command travels as its value's JSON under its type name (``"RecordNeed"``), without
the fields the envelope carries itself: the actor, the idempotency key (the envelope
id) and the expected version (the envelope's ``base_version``).
"""

from __future__ import annotations

import base64
import enum
import json
import typing
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from typing import Any

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from slrt_core.access import Actor
from slrt_core.application import commands as cmd
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError, Problem, SlrtError
from slrt_core.serialization import canonical_json, converter, structure

__all__ = [
    "COMMAND_TYPES",
    "SCHEMA",
    "Batch",
    "BatchResult",
    "CaseOutline",
    "ConflictInfo",
    "Envelope",
    "EnvelopeResult",
    "FeedChange",
    "FeedPage",
    "FeedRequest",
    "Refusal",
    "Status",
    "command_from_json",
    "command_to_json",
    "from_json",
    "sign",
    "to_json",
    "verify_signature",
]

#: The wire version of the protocol, sent in every batch and page.
PROTOCOL_VERSION = 1

#: The protocol's JSON Schema (draft 2020-12): one definition per value under ``$defs``.
SCHEMA: Mapping[str, Any] = json.loads(
    resources.files("slrt_core.sync").joinpath("protocol.schema.json").read_text("utf-8")
)

#: The commands a device may send, by their type name. The SLA sweep (the system's) and
#: erasure (a manager's, at the office) are not sent from devices.
COMMAND_TYPES: Mapping[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        cmd.RegisterCase,
        cmd.RecordNeed,
        cmd.Assess,
        cmd.Submit,
        cmd.ReturnForCorrection,
        cmd.Approve,
        cmd.Review,
        cmd.ResolveLocally,
        cmd.DeliverDirectService,
        cmd.Reassess,
        cmd.Close,
        cmd.Refer,
        cmd.UpdateReferral,
        cmd.ConfirmReceipt,
        cmd.RecordConsent,
        cmd.RecordHouseholdConsent,
        cmd.RecordLawfulBasis,
        cmd.WithdrawConsent,
    )
}

#: Fields the envelope carries for the command (or that never travel: a routing policy
#: is the server's).
_ENVELOPE_FIELDS = frozenset({"actor", "idempotency_key", "expected_version", "policy"})


class Status(enum.StrEnum):
    """What the server did with one envelope.

    .. versionadded:: 0.1.0
    """

    #: Applied now, through the pipeline.
    APPLIED = "applied"
    #: Applied before (a retried, duplicated or reordered upload): nothing done again.
    ALREADY_APPLIED = "already_applied"
    #: Not applied: the case moved in a way the conflict rules do not merge; a supervisor
    #: resolves it (``conflict.status`` says whether that happened).
    CONFLICT = "conflict"
    #: Refused by the pipeline or the trust checks, with the bilingual error.
    REFUSED = "refused"
    #: Not looked at yet: it names a case made by an envelope the server has not
    #: received. Send that one first; nothing was recorded.
    DEFERRED = "deferred"


@attrs.frozen(kw_only=True)
class Envelope:
    """One command recorded on a device, as uploaded.

    Attributes:
        device_id: the registered device that recorded it.
        envelope_id: unique per device; the server's idempotency key is made from it,
            so the same envelope is never applied twice.
        command_type: the command's type name (:data:`COMMAND_TYPES`).
        command: the command's fields as JSON, without actor, key and version. A
            ``case_id`` of ``"envelope:<id>"`` names the case the device's envelope
            ``<id>`` registered.
        base_version: the case version the device saw (``None`` for a registration
            and for a case named by an envelope).
        claimed_at: when the device says the command was recorded (its clock).
        actor: who recorded it (must be the device's registered actor).
        signature: base64 Ed25519 signature of :meth:`signed_bytes` by the device key.

    .. versionadded:: 0.1.0
    """

    device_id: str
    envelope_id: str
    command_type: str
    command: Mapping[str, Any]
    base_version: int | None
    claimed_at: datetime
    actor: Actor
    signature: str = ""

    def signed_bytes(self) -> bytes:
        """The canonical JSON of the envelope without its signature: what is signed."""
        data = converter.unstructure(self)
        del data["signature"]
        return canonical_json(data)


@attrs.frozen(kw_only=True)
class Batch:
    """Envelopes uploaded together, applied in order.

    .. versionadded:: 0.1.0
    """

    device_id: str
    envelopes: tuple[Envelope, ...]
    protocol: int = PROTOCOL_VERSION


@attrs.frozen(kw_only=True)
class CaseOutline:
    """What a device is told of a case in a conflict: no personal data.

    .. versionadded:: 0.1.0
    """

    case_id: str
    version: int
    state: str
    updated_at: datetime
    needs: tuple[tuple[str, str, str], ...] = ()
    referrals: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, case: Case) -> CaseOutline:
        """The summary of *case*: needs as (id, sector, status), referrals as (id, status)."""
        return cls(
            case_id=case.case_id,
            version=case.version,
            state=case.state.value,
            updated_at=case.updated_at,
            needs=tuple((n.need_id, n.sector.value, n.status.value) for n in case.needs),
            referrals=tuple((r.referral_id, r.status.value) for r in case.referrals),
        )


@attrs.frozen(kw_only=True)
class Refusal:
    """The bilingual error of a refused envelope.

    Attributes:
        error: the error's class name (``"TransitionNotAllowed"``).
        message: in English.
        message_id: in Bahasa Indonesia.
        problems: for invalid input, each problem as (path, English, Indonesian).

    .. versionadded:: 0.1.0
    """

    error: str
    message: str
    message_id: str
    problems: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def of(cls, error: SlrtError) -> Refusal:
        """The refusal that reports *error*."""
        problems = getattr(error, "problems", ())
        return cls(
            error=type(error).__name__,
            message=error.message("en"),
            message_id=error.message("id"),
            problems=tuple((p.path, p.message, p.message_id) for p in problems),
        )


@attrs.frozen(kw_only=True)
class ConflictInfo:
    """A conflict held for a supervisor.

    Attributes:
        conflict_id: its id, for :meth:`~slrt_core.sync.SyncEndpoint.resolve`.
        reason: why it was not applied, in English.
        reason_id: the same in Bahasa Indonesia.
        current: the case as the server had it.
        status: ``"open"``, or how it was resolved (``"applied"``, ``"discarded"``,
            ``"amended"``).

    .. versionadded:: 0.1.0
    """

    conflict_id: str
    reason: str
    reason_id: str
    current: CaseOutline
    status: str = "open"


@attrs.frozen(kw_only=True)
class EnvelopeResult:
    """The server's answer for one envelope.

    Attributes:
        envelope_id: the envelope answered.
        status: what was done.
        case_id: the case concerned (the new case of a registration).
        version: the case version the command left (applied) or found (conflict).
        result_id: what the command returns (a new referral's id; else the case id).
        conflict: the conflict, when held.
        refusal: the error, when refused.
        time_flags: ``"claimed_in_future"`` or ``"claimed_long_ago"`` when the device's
            claimed time is implausible next to the server's receipt time.
        received_at: the server's receipt time.

    .. versionadded:: 0.1.0
    """

    envelope_id: str
    status: Status
    case_id: str | None = None
    version: int | None = None
    result_id: str | None = None
    conflict: ConflictInfo | None = None
    refusal: Refusal | None = None
    time_flags: tuple[str, ...] = ()
    received_at: datetime | None = None


@attrs.frozen(kw_only=True)
class BatchResult:
    """The answers to a batch, one per envelope, in the batch's order.

    .. versionadded:: 0.1.0
    """

    device_id: str
    results: tuple[EnvelopeResult, ...]
    protocol: int = PROTOCOL_VERSION


@attrs.frozen(kw_only=True)
class FeedRequest:
    """A device's request for the changes after *cursor*, signed like an envelope.

    .. versionadded:: 0.1.0
    """

    device_id: str
    cursor: int = 0
    limit: int = 100
    signature: str = ""

    def signed_bytes(self) -> bytes:
        """The canonical JSON of the request without its signature."""
        data = converter.unstructure(self)
        del data["signature"]
        return canonical_json(data)


@attrs.frozen(kw_only=True)
class FeedChange:
    """One changed case, as the actor's role may see it.

    Attributes:
        case_id: the case.
        version: its version now (0 for an erased case).
        summary: the summary without personal data (``None`` for an erased case).
        case: the whole case as JSON, for roles that work on cases (facilitators,
            operators, office staff, supervisors, managers); ``None`` for the others
            (auditors, provider staff), whose personal data stays sealed.
        erased: the case's personal data was erased: drop the local copy.

    .. versionadded:: 0.1.0
    """

    case_id: str
    version: int
    summary: CaseOutline | None = None
    case: Mapping[str, Any] | None = None
    erased: bool = False


@attrs.frozen(kw_only=True)
class FeedPage:
    """One page of the feed.

    Attributes:
        cursor: where the page starts (exclusive).
        next_cursor: where the next page starts: send it with the next request.
        more: whether changes may follow.
        changes: the changed cases, each once.

    .. versionadded:: 0.1.0
    """

    cursor: int
    next_cursor: int
    more: bool
    changes: tuple[FeedChange, ...]
    protocol: int = PROTOCOL_VERSION


# ---------------------------------------------------------------- JSON


def to_canonical(value: Any) -> bytes:
    """The canonical JSON bytes of *value* (as :func:`to_json`, encoded once)."""
    return canonical_json(converter.unstructure(value))


def to_json(value: Any) -> dict[str, Any]:
    """*value* (any value of this module) as a JSON-ready dict.

    Examples:
        >>> to_json(FeedRequest(device_id="tab-1", cursor=5))
        {'device_id': 'tab-1', 'cursor': 5, 'limit': 100, 'signature': ''}
    """
    data: dict[str, Any] = json.loads(json.dumps(converter.unstructure(value)))
    return data


def from_json(data: Any, cls: Any, *, subject: str = "the input") -> Any:
    """The value of *cls* that *data* (parsed JSON) encodes.

    Raises:
        InvalidInputError: every problem of *data*, with its path.

    Examples:
        >>> from_json({"device_id": "tab-1", "cursor": 5}, FeedRequest)
        FeedRequest(device_id='tab-1', cursor=5, limit=100, signature='')
    """
    return structure(data, cls, subject=subject)


def command_to_json(command: Any) -> tuple[str, dict[str, Any]]:
    """The type name and JSON fields of *command*, as an envelope carries them.

    Raises:
        InvalidInputError: the command is not one a device sends, or names a routing
            policy (the server routes).
    """
    name = type(command).__name__
    if name not in COMMAND_TYPES:
        raise _unknown_command(name)
    if getattr(command, "policy", None) is not None:
        raise InvalidInputError.single(
            "policy",
            "A command sent from a device cannot name a routing policy: the server routes. "
            "Leave the policy out.",
            "Perintah dari perangkat tidak boleh menyebut kebijakan perujukan: server yang "
            "menentukan. Hapus kebijakan itu.",
        )
    data = to_json(command)
    return name, {k: v for k, v in data.items() if k not in _ENVELOPE_FIELDS}


def command_from_json(
    name: str,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    idempotency_key: str | None,
    expected_version: int | None,
) -> Any:
    """The command *name* with *data* as its fields, for *actor*.

    Raises:
        InvalidInputError: an unknown command, an unknown or missing field, or a field
            value of the wrong shape (every problem, with its path).
    """
    cls = COMMAND_TYPES.get(name)
    if cls is None:
        raise _unknown_command(name)
    if not isinstance(data, Mapping):
        raise InvalidInputError.single(
            "command",
            "The command must be a JSON object of its fields.",
            "Perintah harus berupa objek JSON berisi kolom-kolomnya.",
        )
    hints = _hints(cls)
    fields = {f.name: f for f in attrs.fields(cls)}
    problems = [
        Problem(
            key,
            f"{name} has no field {key!r} a device may send; remove it.",
            f"{name} tidak punya kolom {key!r} yang boleh dikirim perangkat; hapus.",
        )
        for key in data
        if key not in fields or key in _ENVELOPE_FIELDS
    ]
    values: dict[str, Any] = {}
    for field in fields.values():
        if field.name in _ENVELOPE_FIELDS:
            continue
        if field.name not in data:
            if field.default is attrs.NOTHING:
                problems.append(
                    Problem(
                        field.name,
                        f"{name} needs the field {field.name!r}.",
                        f"{name} memerlukan kolom {field.name!r}.",
                    )
                )
            continue
        try:
            values[field.name] = _field_in(data[field.name], hints[field.name], field.name)
        except InvalidInputError as exc:
            problems.extend(
                Problem(".".join(p for p in (field.name, q.path) if p), q.message, q.message_id)
                for q in exc.problems
            )
    if problems:
        raise InvalidInputError(problems, subject="the command")
    return cls(
        actor=actor,
        idempotency_key=idempotency_key,
        **({"expected_version": expected_version} if "expected_version" in fields else {}),
        **values,
    )


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    """The resolved annotations of a command class (resolved once: it costs)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _field_in(value: Any, hint: Any, name: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is Iterable:  # purposes, recipients, categories: the handler checks each
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInputError.single(
                "",
                f"{name} must be a list of texts.",
                f"{name} harus berupa daftar teks.",
            )
        return tuple(value)
    return structure(value, hint, subject="the command")


def _unknown_command(name: str) -> InvalidInputError:
    known = ", ".join(sorted(COMMAND_TYPES))
    return InvalidInputError.single(
        "command_type",
        f"{name!r} is not a command a device may send; use one of: {known}.",
        f"{name!r} bukan perintah yang boleh dikirim perangkat; gunakan salah satu: {known}.",
    )


# ---------------------------------------------------------------- signatures


_Signed = typing.TypeVar("_Signed", Envelope, FeedRequest)


def sign(value: _Signed, key: Ed25519PrivateKey) -> _Signed:
    """*value* with its signature by the device's *key*.

    Examples:
        >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        >>> key = Ed25519PrivateKey.generate()
        >>> request = sign(FeedRequest(device_id="tab-1"), key)
        >>> verify_signature(request, key.public_key())
        True
        >>> verify_signature(attrs.evolve(request, cursor=9), key.public_key())
        False
    """
    signature = base64.b64encode(key.sign(value.signed_bytes())).decode()
    return attrs.evolve(value, signature=signature)


def verify_signature(
    value: Envelope | FeedRequest, public_key: Ed25519PublicKey, signed: bytes | None = None
) -> bool:
    """Whether *value* carries a valid signature of *public_key*'s device.

    *signed* is the bytes the signature covers, when they are at hand (the canonical
    JSON the device sent); :meth:`Envelope.signed_bytes` by default.
    """
    try:
        signature = base64.b64decode(value.signature, validate=True)
        public_key.verify(signature, value.signed_bytes() if signed is None else signed)
    except (InvalidSignature, ValueError):
        return False
    return True
