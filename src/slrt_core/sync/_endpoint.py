"""The server side of sync: batches applied through the ordinary pipeline, and the feed.

The explanation "Offline sync: the rules" in the docs writes down what this module
implements: idempotency by envelope id, the conflict rules, time, trust and the feed.
"""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Generator, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from slrt_core.access import PURPOSES, AccessPurpose, Actor, Command
from slrt_core.application import commands as cmd
from slrt_core.audit import AuditRecord
from slrt_core.case._events import (
    ConsentRecorded,
    LawfulBasisRecorded,
    NeedRecorded,
    ReceiptConfirmed,
    ReferralEscalated,
    ReferralStatusChanged,
    replay,
)
from slrt_core.case._model import Case, CaseState
from slrt_core.errors import (
    AccessDenied,
    CaseErasedError,
    CaseNotFoundError,
    CaseNotVisibleError,
    ConcurrencyError,
    InvalidInputError,
    OutsideJurisdictionError,
    ReferralNotVisibleError,
    SlrtError,
    TransitionNotAllowed,
)
from slrt_core.identity import RegionCode
from slrt_core.privacy import AccessRecord
from slrt_core.serialization import canonical_json, converter
from slrt_core.service import Slrt
from slrt_core.sync._ledger import Answer, Device, SyncLedger
from slrt_core.sync._protocol import (
    Batch,
    BatchResult,
    CaseOutline,
    ConflictInfo,
    Envelope,
    EnvelopeResult,
    FeedChange,
    FeedPage,
    FeedRequest,
    Refusal,
    Status,
    command_from_json,
    from_json,
    to_json,
    verify_signature,
)
from slrt_core.vocabulary import Role

__all__ = ["COMMUTING", "Resolution", "SyncEndpoint"]

#: Commands that commute with whatever happened meanwhile: they apply on a newer
#: version of the case (recording a need, a consent or a lawful basis adds a fact).
COMMUTING: frozenset[type[Any]] = frozenset(
    {cmd.RecordNeed, cmd.RecordConsent, cmd.RecordHouseholdConsent, cmd.RecordLawfulBasis}
)

#: Events that change no input of a state change: facts added beside it.
_ADDED_FACTS = (NeedRecorded, ConsentRecorded, LawfulBasisRecorded, ReferralEscalated)

#: Roles that resolve conflicts and manage devices.
_SUPERVISING = frozenset({Role.SUPERVISOR, Role.MANAGER})

#: The prefix of a case id that names the case an earlier envelope registered.
ENVELOPE_REF = "envelope:"


class Resolution(enum.StrEnum):
    """A supervisor's decision on a conflict.

    .. versionadded:: 0.1.0
    """

    #: Apply the command as the device sent it, on the case as it is now.
    APPLY = "apply"
    #: Drop it: nothing is applied; the journal keeps why.
    DISCARD = "discard"
    #: Apply a corrected command in its place.
    AMEND = "amend"


class SyncEndpoint:
    """Applies devices' batches through *service*'s pipeline and serves their feed.

    Args:
        service: the service whose pipeline, store, access policy, clock and access log
            sync uses.
        ledger: devices, answers and conflicts; an in-memory ledger by default.
        future_tolerance: a claimed time later than receipt by more than this is
            flagged ``claimed_in_future``.
        past_limit: a claimed time earlier than receipt by more than this is flagged
            ``claimed_long_ago``.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        service: Slrt,
        ledger: SyncLedger | None = None,
        *,
        future_tolerance: timedelta = timedelta(minutes=5),
        past_limit: timedelta = timedelta(days=30),
    ) -> None:
        self.service = service
        self.ledger = ledger if ledger is not None else SyncLedger()
        self.future_tolerance = future_tolerance
        self.past_limit = past_limit

    # ------------------------------------------------------------ devices

    def register_device(
        self, by: Actor, device_id: str, actor: Actor, public_key: Ed25519PublicKey | bytes
    ) -> Device:
        """Register *actor*'s device with its Ed25519 public key (raw 32 bytes or a key).

        Raises:
            AccessDenied: *by* is not a supervisor or manager whose jurisdiction covers
                the actor's.
            InvalidInputError: the id is taken, or the key is not an Ed25519 public key.
        """
        self._supervising(by, actor.jurisdiction.code)
        if isinstance(public_key, bytes):
            try:
                public_key = Ed25519PublicKey.from_public_bytes(public_key)
            except ValueError:
                raise InvalidInputError.single(
                    "public_key",
                    "The public key must be the 32 raw bytes of an Ed25519 key.",
                    "Kunci publik harus berupa 32 bita mentah kunci Ed25519.",
                ) from None
        device = Device(
            device_id=device_id,
            actor=actor,
            public_key=public_key,
            registered_at=self.service.clock.now(),
        )
        self.ledger.add_device(device)
        return device

    def revoke_device(self, by: Actor, device_id: str, *, note: str) -> None:
        """Revoke a device: its envelopes and feed requests are refused from now on.

        Raises:
            AccessDenied: *by* may not manage the device's actor.
            InvalidInputError: no such device, or it is revoked already.
        """
        device = self.ledger.device(device_id)
        if device is None:
            raise _no_device(device_id)
        self._supervising(by, device.actor.jurisdiction.code)
        if not self.ledger.revoke_device(
            device_id, at=self.service.clock.now(), by=by.actor_id, note=note
        ):
            raise InvalidInputError.single(
                "device_id",
                f"Device {device_id!r} is revoked already.",
                f"Perangkat {device_id!r} sudah dicabut.",
            )

    # ------------------------------------------------------------ upload

    def upload(self, batch: Batch) -> BatchResult:
        """Apply *batch*'s envelopes in order; one answer per envelope.

        An envelope answered before gets the same answer (``already_applied`` for one
        applied), so a batch may be sent again, in part, or out of order.
        """
        return self._upload(batch, [e.signed_bytes() for e in batch.envelopes])

    def _upload(self, batch: Batch, signed: list[bytes]) -> BatchResult:
        upload = _Upload()
        try:
            results = tuple(
                self._envelope(batch.device_id, e, upload, b)
                for e, b in zip(batch.envelopes, signed, strict=True)
            )
        finally:  # the answers in one transaction, even those before a failure
            self.ledger.record_answers(batch.device_id, upload.kept.values())
        return BatchResult(device_id=batch.device_id, results=results)

    def upload_json(self, data: Any) -> dict[str, Any]:
        """:meth:`upload` of a batch as parsed JSON; the results as JSON.

        Raises:
            InvalidInputError: *data* is not a batch (every problem, with its path).
        """
        batch = from_json(data, Batch, subject="the batch")
        # The signature is checked on the bytes the device sent (its JSON object without
        # the signature, canonical), whatever the spelling of its times or defaults.
        signed = [
            canonical_json({k: v for k, v in e.items() if k != "signature"})
            for e in data["envelopes"]
        ]
        return to_json(self._upload(batch, signed))

    def _envelope(
        self, device_id: str, envelope: Envelope, upload: _Upload, signed: bytes
    ) -> EnvelopeResult:
        now = self.service.clock.now()
        try:
            device = self._trusted(device_id, envelope, upload, signed)
        except SlrtError as exc:  # untrusted: nothing is recorded under its id
            return EnvelopeResult(
                envelope_id=envelope.envelope_id,
                status=Status.REFUSED,
                refusal=Refusal.of(exc),
                received_at=now,
            )
        known = upload.answer(envelope.envelope_id) or self.ledger.answer(
            device_id, envelope.envelope_id
        )
        if known is not None:
            if known.status is Status.APPLIED:
                return attrs.evolve(known, status=Status.ALREADY_APPLIED)
            return known
        flags = self._time_flags(envelope.claimed_at, now)
        base = envelope.base_version
        fields = dict(envelope.command)
        key = f"sync:{device_id}:{envelope.envelope_id}"
        try:
            resolved = self._resolve_refs(device_id, fields, base, upload)
            if resolved is None:  # not received yet: answer nothing, keep nothing
                return EnvelopeResult(
                    envelope_id=envelope.envelope_id, status=Status.DEFERRED, received_at=now
                )
            fields, base = resolved
            command = command_from_json(
                envelope.command_type,
                fields,
                actor=device.actor,
                idempotency_key=key,
                expected_version=None,
            )
            if base is None and not isinstance(command, cmd.RegisterCase):
                raise InvalidInputError.single(
                    "base_version",
                    "base_version is missing: send the case version the device saw.",
                    "base_version tidak ada: kirim versi kasus yang dilihat perangkat.",
                )
        except SlrtError as exc:
            result = EnvelopeResult(
                envelope_id=envelope.envelope_id,
                status=Status.REFUSED,
                refusal=Refusal.of(exc),
                time_flags=flags,
                received_at=now,
            )
        else:
            result = self._apply(device_id, envelope, command, base, flags, now, upload)
        self._record(device_id, envelope, result, upload)
        return result

    def _resolve_refs(
        self, device_id: str, fields: dict[str, Any], base: int | None, upload: _Upload
    ) -> tuple[dict[str, Any], int | None] | None:
        """*fields* with ``"envelope:<id>"`` targets replaced by what those envelopes made.

        ``None`` when such an envelope has not been received yet.

        Raises:
            InvalidInputError: the envelope named was not applied.
        """
        for name in ("case_id", "referral_id"):
            target = fields.get(name)
            if not (isinstance(target, str) and target.startswith(ENVELOPE_REF)):
                continue
            source = target.removeprefix(ENVELOPE_REF)
            made = upload.answer(source) or self.ledger.answer(device_id, source)
            if made is None:
                return None
            if made.status is not Status.APPLIED or made.result_id is None:
                raise InvalidInputError.single(
                    name,
                    f"Envelope {source!r}, which this one builds on, was not applied "
                    f"({made.status}); this one cannot apply either.",
                    f"Amplop {source!r}, dasar amplop ini, tidak diterapkan; amplop ini "
                    "juga tidak dapat diterapkan.",
                )
            fields[name] = made.case_id if name == "case_id" else made.result_id
            base = made.version if base is None else base
        return fields, base

    def _record(
        self, device_id: str, envelope: Envelope, result: EnvelopeResult, upload: _Upload
    ) -> None:
        journal: dict[str, Any] | None = None
        held = None
        if result.conflict is not None and result.case_id is not None:
            held = (result.case_id, to_json(envelope))
            journal = {
                "kind": "conflict_held",
                "conflict_id": result.conflict.conflict_id,
                "device_id": device_id,
                "envelope_id": envelope.envelope_id,
                "case_id": result.case_id,
                "reason": result.conflict.reason,
                "at": _iso(result.received_at),
            }
        elif result.time_flags:
            journal = {
                "kind": "time_flagged",
                "device_id": device_id,
                "envelope_id": envelope.envelope_id,
                "flags": list(result.time_flags),
                "claimed_at": _iso(envelope.claimed_at),
                "at": _iso(result.received_at),
            }
        upload.kept[result.envelope_id] = (result, journal, held)

    def _trusted(
        self, device_id: str, envelope: Envelope, upload: _Upload, signed: bytes
    ) -> Device:
        if envelope.device_id != device_id:
            raise _untrusted(
                f"Envelope {envelope.envelope_id!r} names device {envelope.device_id!r}, "
                f"not the batch's {device_id!r}.",
                f"Amplop {envelope.envelope_id!r} menyebut perangkat {envelope.device_id!r}, "
                f"bukan perangkat kiriman {device_id!r}.",
            )
        if upload.device is None:  # looked up once per upload
            upload.device = self._device(device_id)
        device = upload.device
        if not verify_signature(envelope, device.public_key, signed):
            raise _untrusted(
                f"The signature of envelope {envelope.envelope_id!r} does not verify with the "
                f"key of device {device_id!r}: it was changed or signed by another key.",
                f"Tanda tangan amplop {envelope.envelope_id!r} tidak cocok dengan kunci "
                f"perangkat {device_id!r}: isinya diubah atau ditandatangani kunci lain.",
            )
        if envelope.actor != device.actor:
            raise _untrusted(
                f"Envelope {envelope.envelope_id!r} names actor {envelope.actor.actor_id!r}, "
                f"but device {device_id!r} is registered to {device.actor.actor_id!r}.",
                f"Amplop {envelope.envelope_id!r} menyebut pelaku "
                f"{envelope.actor.actor_id!r}, padahal perangkat {device_id!r} terdaftar "
                f"atas nama {device.actor.actor_id!r}.",
            )
        return device

    def _device(self, device_id: str) -> Device:
        device = self.ledger.device(device_id)
        if device is None:
            raise _untrusted(
                f"Device {device_id!r} is not registered; ask a supervisor to register it.",
                f"Perangkat {device_id!r} belum terdaftar; minta supervisor mendaftarkannya.",
            )
        if device.revoked_at is not None:
            raise _untrusted(
                f"Device {device_id!r} was revoked; ask a supervisor for a new registration.",
                f"Perangkat {device_id!r} sudah dicabut; minta supervisor mendaftarkan ulang.",
            )
        return device

    def _time_flags(self, claimed: datetime, received: datetime) -> tuple[str, ...]:
        if claimed - received > self.future_tolerance:
            return ("claimed_in_future",)
        if received - claimed > self.past_limit:
            return ("claimed_long_ago",)
        return ()

    # ------------------------------------------------------------ the rules

    def _apply(  # noqa: PLR0911 - one answer per rule, in the order of the rules
        self,
        device_id: str,
        envelope: Envelope,
        command: Any,
        base: int | None,
        flags: tuple[str, ...],
        now: datetime,
        upload: _Upload,
    ) -> EnvelopeResult:
        answer = attrs.evolve(
            EnvelopeResult(envelope_id=envelope.envelope_id, status=Status.APPLIED),
            time_flags=flags,
            received_at=now,
        )
        claimed = envelope.claimed_at
        if isinstance(command, cmd.RegisterCase) or base is None:
            return self._run(answer, command, claimed, upload)
        last: ConcurrencyError | None = None
        for _ in range(3):  # another writer committed between our read and our commit
            try:
                case = self._case_of(command)
            except SlrtError:  # no such case, or not visible: the pipeline says which
                return self._run(
                    answer, attrs.evolve(command, expected_version=base), claimed, upload
                )
            if base > case.version:
                return _refused(
                    answer,
                    InvalidInputError.single(
                        "base_version",
                        f"Case {case.case_id!r} has no version {base} yet; send the version "
                        "the device saw.",
                        f"Kasus {case.case_id!r} belum punya versi {base}; kirim versi yang "
                        "dilihat perangkat.",
                    ),
                )
            try:
                if base == case.version:  # nothing moved: the pipeline's own answer
                    return self._run(
                        answer, attrs.evolve(command, expected_version=base), claimed, upload
                    )
                if upload.own(case.case_id, base, case.version, envelope.claimed_at):
                    # Only this device's earlier envelopes of this upload moved it.
                    pinned = attrs.evolve(command, expected_version=case.version)
                    return self._run(answer, pinned, claimed, upload)
                foreign, blocking, seen = self._moved(envelope, command, case, base)
                if blocking is not None:
                    return self._conflict(answer, command, case, *blocking, device_id)
                pinned = attrs.evolve(command, expected_version=case.version)
                # A lifecycle refusal is a conflict only when others moved the case out of
                # the state the device saw; in that same state it is the device's mistake.
                conflicts = foreign and seen is not case.state
                return self._run(answer, pinned, claimed, upload, lifecycle_conflicts=conflicts)
            except TransitionNotAllowed as exc:  # allowed where the device stood, not now
                return self._conflict(
                    answer,
                    command,
                    case,
                    f"The case moved from version {base} to {case.version} and the command "
                    f"is no longer allowed: {exc}",
                    f"Kasus berubah dari versi {base} ke {case.version} dan perintah ini tidak "
                    f"lagi diperbolehkan: {exc.message('id')}",
                    device_id,
                )
            except ConcurrencyError as exc:
                last = exc
        assert last is not None  # noqa: S101 - the loop ran and every round raced
        return _refused(answer, last)

    def _moved(
        self, envelope: Envelope, command: Any, case: Case, base: int
    ) -> tuple[bool, tuple[str, str] | None, CaseState]:
        """Whether others moved *case* since *base*, and why *command* may not apply.

        The actor's own offline commands recorded before this one (events with their
        actor id and a claimed time up to the envelope's) were known to the device: they
        are not changes. Of the others, facts added beside the command (a need, a
        consent, a lawful basis, an escalation step) change none of its inputs, except
        a new need for a closure; a referral's update depends only on that referral.
        """
        referral_id = getattr(command, "referral_id", None)
        foreign = []
        events = self.service.store.events(case.case_id)
        seen = replay(events[:base]).state
        for event in events[base:]:
            own = (
                event.actor_id == envelope.actor.actor_id
                and event.claimed_at is not None
                and event.claimed_at <= envelope.claimed_at
            )
            if not own:
                foreign.append(event)
        if type(command) in COMMUTING:
            return bool(foreign), None, seen
        changed = []
        for event in foreign:
            payload = event.payload
            if referral_id is not None:
                if (
                    isinstance(payload, ReferralStatusChanged | ReceiptConfirmed)
                    and payload.referral_id == referral_id
                ):
                    changed.append(event)
                continue
            if isinstance(payload, _ADDED_FACTS) and not (
                isinstance(command, cmd.Close) and isinstance(payload, NeedRecorded)
            ):
                continue
            changed.append(event)
        if not changed:
            return bool(foreign), None, seen
        what = ", ".join(f"{e.type} (v{e.version}, {e.actor_id})" for e in changed)
        en = (
            f"The case changed since version {base}, which the device saw: {what}. A "
            "supervisor decides whether the command still applies."
        )
        id_ = (
            f"Kasus berubah sejak versi {base} yang dilihat perangkat: {what}. Supervisor "
            "memutuskan apakah perintah ini tetap berlaku."
        )
        return True, (en, id_), seen

    def _case_of(self, command: Any) -> Case:
        store = self.service.store
        if isinstance(command, cmd.UpdateReferral | cmd.ConfirmReceipt):
            return store.load(store.case_id_of_referral(command.referral_id))
        return store.load(command.case_id)

    def _run(
        self,
        answer: EnvelopeResult,
        command: Any,
        claimed: datetime,
        upload: _Upload,
        *,
        lifecycle_conflicts: bool = False,
    ) -> EnvelopeResult:
        """Run *command* through the pipeline; its answer.

        A concurrency error is raised for the caller to look again, and so is a
        lifecycle refusal with *lifecycle_conflicts* (a conflict, not the device's mistake).
        """
        try:
            outcome = self.service.pipeline.run(command, claimed_at=claimed)
        except ConcurrencyError as exc:
            if command.expected_version is not None:  # the case moved: the caller looks again
                raise
            return _refused(answer, exc)
        except TransitionNotAllowed as exc:
            if lifecycle_conflicts:
                raise
            return _refused(answer, exc)
        except SlrtError as exc:
            return _refused(answer, exc)
        case = outcome.case
        assert case is not None  # noqa: S101 - only an erasure leaves no case
        if outcome.decision is not None:
            written = len(outcome.decision.steps)
            upload.applied(
                case.case_id, range(case.version - written + 1, case.version + 1), claimed
            )
        return attrs.evolve(
            answer,
            status=Status.APPLIED if outcome.decision is not None else Status.ALREADY_APPLIED,
            case_id=case.case_id,
            version=case.version,
            result_id=outcome.result_id,
        )

    def _conflict(
        self,
        answer: EnvelopeResult,
        command: Any,
        case: Case,
        reason: str,
        reason_id: str,
        device_id: str,
    ) -> EnvelopeResult:
        # Only an actor who may act on the case learns how it stands now.
        provider_id = None
        if isinstance(command, cmd.UpdateReferral | cmd.ConfirmReceipt):
            found = case.referral(command.referral_id)
            provider_id = found.provider_id if found is not None else None
        try:
            self.service.authorizer.authorize(
                command.actor, command.permission, region=case.region, provider_id=provider_id
            )
        except OutsideJurisdictionError:  # the same answer as for a case that is not there
            hidden = (
                ReferralNotVisibleError(command.referral_id)
                if provider_id is not None
                else CaseNotVisibleError(case.case_id)
            )
            return _refused(answer, hidden)
        except SlrtError as exc:
            return _refused(answer, exc)
        return attrs.evolve(
            answer,
            status=Status.CONFLICT,
            case_id=case.case_id,
            version=case.version,
            conflict=ConflictInfo(
                conflict_id=f"conflict:{device_id}:{answer.envelope_id}",
                reason=reason,
                reason_id=reason_id,
                current=CaseOutline.of(case),
            ),
        )

    # ------------------------------------------------------------ conflicts

    def open_conflicts(self, by: Actor, case_id: str | None = None) -> list[EnvelopeResult]:
        """The conflicts waiting in *by*'s jurisdiction, as their devices were answered.

        Raises:
            AccessDenied: *by* is not a supervisor or manager.
        """
        self._supervising(by, None)
        found = []
        for conflict_id in self.ledger.open_conflicts(case_id):
            held = self.ledger.conflict(conflict_id)
            assert held is not None  # noqa: S101 - listed a moment ago
            answer = self.ledger.answer(held[0], held[1])
            assert answer is not None  # noqa: S101 - written with the conflict
            try:
                case = self.service.store.load(held[2])
            except CaseNotFoundError:  # erased since: nothing left to resolve
                continue
            if by.covers(case.region):
                found.append(answer)
        return found

    def resolve(
        self,
        by: Actor,
        conflict_id: str,
        resolution: Resolution | str,
        *,
        note: str,
        amended: Mapping[str, Any] | None = None,
    ) -> EnvelopeResult:
        """Resolve a conflict: apply the command, discard it, or apply *amended* instead.

        *amended* is ``{"command_type": ..., "command": {...}}`` like an envelope's,
        run for the device's actor. Every resolution is journalled with *note*; the
        device's next upload of the envelope gets the new answer.

        Raises:
            AccessDenied: *by* is not a supervisor or manager of the case's region.
            InvalidInputError: no such open conflict, no note, or a bad amended command.
            SlrtError: the pipeline refused the command (the conflict stays open).
        """
        resolution = Resolution(resolution)
        held = self.ledger.conflict(conflict_id)
        if held is None or held[4] != "open":
            raise InvalidInputError.single(
                "conflict_id",
                f"{conflict_id!r} is not an open conflict; list them with open_conflicts().",
                f"{conflict_id!r} bukan konflik yang terbuka; lihat daftarnya dengan "
                "open_conflicts().",
            )
        if not note.strip():
            raise InvalidInputError.single(
                "note",
                "Say why in the note: the resolution is kept in the journal.",
                "Tuliskan alasannya pada catatan: keputusan ini disimpan dalam jurnal.",
            )
        device_id, envelope_id, case_id, envelope_json, _ = held
        case = self.service.store.load(case_id)
        self._supervising(by, case.region.code)
        envelope = from_json(envelope_json, Envelope)
        answer = self.ledger.answer(device_id, envelope_id)
        assert answer is not None  # noqa: S101 - written with the conflict
        assert answer.conflict is not None  # noqa: S101 - a conflict's answer holds it
        key = f"sync:{device_id}:{envelope_id}"
        status = {"apply": "applied", "discard": "discarded", "amend": "amended"}[resolution]
        if resolution is Resolution.DISCARD:
            result = answer
        else:
            source = amended if resolution is Resolution.AMEND else to_json(envelope)
            if source is None:
                raise InvalidInputError.single(
                    "amended",
                    "Give the amended command to apply it as amended.",
                    "Berikan perintah yang diperbaiki untuk menerapkannya.",
                )
            command = command_from_json(
                str(source.get("command_type")),
                dict(source.get("command") or {}),
                actor=envelope.actor,
                idempotency_key=key if resolution is Resolution.APPLY else f"{key}:amended",
                expected_version=None,
            )
            outcome = self.service.pipeline.run(command, claimed_at=envelope.claimed_at)
            assert outcome.case is not None  # noqa: S101 - only an erasure leaves no case
            result = attrs.evolve(
                answer,
                status=Status.APPLIED,
                case_id=outcome.case.case_id,
                version=outcome.case.version,
                result_id=outcome.result_id,
            )
        result = attrs.evolve(
            result,
            conflict=attrs.evolve(answer.conflict, status=status),
        )
        self.ledger.record_answer(
            device_id,
            result,
            journal={
                "kind": "conflict_resolved",
                "conflict_id": conflict_id,
                "resolution": str(resolution),
                "by": by.actor_id,
                "note": note,
                "case_id": case_id,
                "version": result.version,
                "at": _iso(self.service.clock.now()),
            },
        )
        self.ledger.set_conflict_status(conflict_id, status)
        return result

    def _supervising(self, by: Actor, region_code: str | None) -> None:
        if by.role not in _SUPERVISING:
            raise AccessDenied(
                f"Role {by.role.value.replace('_', ' ')} may not manage devices or resolve "
                "sync conflicts. Ask a supervisor or manager.",
                message_id="Peran ini tidak boleh mengelola perangkat atau menyelesaikan "
                "konflik sinkronisasi. Minta kepada supervisor atau manajer.",
            )
        if region_code is not None and not by.covers(RegionCode(region_code)):
            raise OutsideJurisdictionError(
                f"{region_code or 'Indonesia'} is outside the jurisdiction of {by.actor_id!r}.",
                message_id=f"{region_code or 'Indonesia'} di luar wilayah kerja {by.actor_id!r}.",
            )

    # ------------------------------------------------------------ feed

    def feed(self, request: FeedRequest, *, scan_limit: int | None = None) -> FeedPage:
        """The changes after ``request.cursor`` that the device's actor may see.

        Each page reads the audit trail from the cursor on (streamed), keeps each changed
        case once and stops after ``request.limit`` cases (at most 1,000) or after
        *scan_limit* records (``50 * limit`` by default), so memory stays bounded by
        the page.

        Raises:
            AccessDenied: the device is unknown, revoked, or the signature is bad.
            InvalidInputError: a negative cursor, or a limit outside 1..1,000.
        """
        device = self._device(request.device_id)
        if not verify_signature(request, device.public_key):
            raise _untrusted(
                f"The feed request of device {request.device_id!r} is not signed by its key.",
                f"Permintaan umpan perangkat {request.device_id!r} tidak ditandatangani "
                "dengan kuncinya.",
            )
        if request.cursor < 0 or not 1 <= request.limit <= 1_000:  # noqa: PLR2004
            raise InvalidInputError.single(
                "limit",
                "The cursor must be 0 or more and the limit between 1 and 1000.",
                "Kursor harus 0 atau lebih dan batas antara 1 dan 1000.",
            )
        actor = device.actor
        scan = scan_limit if scan_limit is not None else 50 * request.limit
        seen: set[str] = set()
        changes: list[FeedChange] = []
        cursor = request.cursor
        more = False
        records = self.service.store.audit_records(start=request.cursor + 1)
        with contextlib.closing(_generator(records)) as stream:
            for scanned, record in enumerate(stream, start=1):
                case_id = record.case_id or json.loads(record.body)["case_id"]
                full = len(changes) >= request.limit
                if scanned > scan or (full and case_id not in seen):
                    more = True
                    break
                cursor = record.seq
                if case_id in seen:  # sent in this page already, at its latest version
                    continue
                seen.add(case_id)
                change = self._change(actor, case_id)
                if change is not None:
                    changes.append(change)
        return FeedPage(
            cursor=request.cursor, next_cursor=cursor, more=more, changes=tuple(changes)
        )

    def feed_json(self, data: Any) -> dict[str, Any]:
        """:meth:`feed` of a request as parsed JSON; the page as JSON."""
        return to_json(self.feed(from_json(data, FeedRequest, subject="the feed request")))

    def _change(  # noqa: PLR0911 - one answer per kind of reader
        self, actor: Actor, case_id: str
    ) -> FeedChange | None:
        service = self.service
        try:
            case = service.store.load(case_id)
        except CaseErasedError:
            return FeedChange(case_id=case_id, version=0, erased=True)
        except CaseNotFoundError:  # pragma: no cover - the trail names stored cases
            return None
        summary = CaseOutline.of(case)
        if actor.role is Role.PROVIDER_STAFF:
            own = [r for r in case.referrals if r.provider_id == actor.provider_id]
            if not own:
                return None
            summary = attrs.evolve(
                summary, referrals=tuple((r.referral_id, r.status.value) for r in own)
            )
            return FeedChange(case_id=case_id, version=case.version, summary=summary)
        try:
            service.authorizer.authorize(actor, Command.READ_CASE, region=case.region)
        except AccessDenied:
            return None
        if AccessPurpose.CASE_WORK not in PURPOSES[actor.role]:
            return FeedChange(case_id=case_id, version=case.version, summary=summary)
        service.access_log.record(
            AccessRecord(
                at=service.clock.now(),
                actor_id=actor.actor_id,
                role=actor.role,
                action="sync_feed",
                target=case_id,
                purpose=AccessPurpose.CASE_WORK,
            )
        )
        return FeedChange(
            case_id=case_id,
            version=case.version,
            summary=summary,
            case=converter.unstructure(case),
        )


class _Upload:
    """What one upload has learnt so far: the device, and the versions it wrote."""

    def __init__(self) -> None:
        self.device: Device | None = None
        self._claimed: dict[str, dict[int, datetime]] = {}
        #: The answers to keep, by envelope id, written together at the end.
        self.kept: dict[str, Answer] = {}

    def answer(self, envelope_id: str) -> EnvelopeResult | None:
        """The answer given to *envelope_id* earlier in this upload, if any."""
        kept = self.kept.get(envelope_id)
        return None if kept is None else kept[0]

    def applied(self, case_id: str, versions: range, claimed: datetime) -> None:
        """An envelope claimed at *claimed* wrote *versions* of *case_id*."""
        written = self._claimed.setdefault(case_id, {})
        for v in versions:
            written[v] = claimed

    def own(self, case_id: str, base: int, current: int, claimed: datetime) -> bool:
        """Whether this upload wrote the versions after *base* up to *current*.

        Each of them by an envelope claimed no later than *claimed*.
        """
        versions = self._claimed.get(case_id, {})
        return all(v in versions and versions[v] <= claimed for v in range(base + 1, current + 1))


def _generator(records: Iterable[AuditRecord]) -> Generator[AuditRecord, None, None]:
    """*records* as a generator, whose close() ends a store's streamed read."""
    yield from records


def _refused(answer: EnvelopeResult, error: SlrtError) -> EnvelopeResult:
    return attrs.evolve(answer, status=Status.REFUSED, refusal=Refusal.of(error))


def _untrusted(en: str, id_: str) -> AccessDenied:
    return AccessDenied(en, message_id=id_)


def _no_device(device_id: str) -> InvalidInputError:
    return InvalidInputError.single(
        "device_id",
        f"Device {device_id!r} is not registered.",
        f"Perangkat {device_id!r} belum terdaftar.",
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
