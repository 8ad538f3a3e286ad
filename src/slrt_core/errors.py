"""The one exception tree of slrt_core.

Every error the library raises on purpose is a :class:`SlrtError`. Each carries a
message in English (``str(error)``) and in Bahasa Indonesia (``error.message("id")``)
that says what is wrong and how to fix it, so a host app can show it to staff as is.

::

    SlrtError
    ├── InvalidInputError (ValueError)     every problem of one input, with field paths
    │   └── IdempotencyKeyReusedError      the key was used for another request
    ├── DefinitionError                    a bad rulebook, program pack or directory at load time
    ├── NotFoundError (LookupError)
    │   ├── CaseNotFoundError
    │   │   ├── CaseErasedError            the case's personal data was erased (UU PDP)
    │   │   └── CaseNotVisibleError (AccessDenied)  no such case, or outside the jurisdiction
    │   └── ReferralNotFoundError
    │       └── ReferralNotVisibleError (AccessDenied)
    ├── TransitionNotAllowed               a command the case or referral state forbids
    ├── AccessDenied (PermissionError)     the actor's role or jurisdiction forbids it
    │   └── OutsideJurisdictionError       the region concerned is outside the actor's
    ├── ConcurrencyError                   the case changed since it was read
    ├── DuplicateCaseError                 the household already has an open case
    ├── ConsentError                       personal data would leave without consent
    ├── StorageError                       the database failed; raised ``from`` the cause
    │   └── CorruptRecordError (ValueError)  a stored event does not decode or fold
    ├── AuditIntegrityError                the hash chain is broken at a sequence number
    └── DeliveryError                      a notifier could not deliver a message

A refused command (any of these raised by a :class:`slrt_core.Slrt` command) has
changed nothing: no state, no event, no audit record, no notification.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from slrt_core.texts import TEXTS, text
from slrt_core.texts import LanguageCode as LanguageCode  # noqa: PLC0414 - re-exported

__all__ = [
    "AccessDenied",
    "AuditIntegrityError",
    "CaseErasedError",
    "CaseNotFoundError",
    "CaseNotVisibleError",
    "ConcurrencyError",
    "ConsentError",
    "CorruptRecordError",
    "DefinitionError",
    "DeliveryError",
    "DuplicateCaseError",
    "IdempotencyKeyReusedError",
    "InvalidInputError",
    "NotFoundError",
    "OutsideJurisdictionError",
    "Problem",
    "ReferralNotFoundError",
    "ReferralNotVisibleError",
    "SlrtError",
    "StorageError",
    "TransitionNotAllowed",
]


class SlrtError(Exception):
    """Root of every error slrt_core raises on purpose.

    Args:
        message: the English message, a full sentence that says how to fix it.
        message_id: the same in Bahasa Indonesia; defaults to the English text.

    Examples:
        >>> err = SlrtError("Something is wrong.", message_id="Ada yang salah.")
        >>> str(err), err.message("id")
        ('Something is wrong.', 'Ada yang salah.')

    .. versionadded:: 0.1.0
    """

    def __init__(self, message: str, *, message_id: str | None = None) -> None:
        super().__init__(message)
        self._messages = {"en": message, "id": message_id or message}

    def message(self, language: LanguageCode = "en") -> str:
        """The message in *language* (``"en"`` or ``"id"``)."""
        return self._messages[language]


@attrs.frozen
class Problem:
    """One thing wrong with an input, at a field path such as ``members[2].age``.

    .. versionadded:: 0.1.0
    """

    path: str
    message: str
    message_id: str

    def render(self, language: LanguageCode = "en") -> str:
        """``path: message`` in *language*."""
        text = self.message if language == "en" else self.message_id
        return f"{self.path}: {text}" if self.path else text


class InvalidInputError(SlrtError, ValueError):
    """An input is malformed; :attr:`problems` lists every problem, not only the first.

    Examples:
        >>> err = InvalidInputError([Problem("age", "Must be 0 or more.", "Harus 0 atau lebih.")])
        >>> print(err)
        1 problem in the input:
          - age: Must be 0 or more.

    .. versionadded:: 0.1.0
    """

    def __init__(self, problems: Iterable[Problem], *, subject: str = "the input") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            msg = "InvalidInputError needs at least one problem."
            raise ValueError(msg)
        count = len(self.problems)
        en = f"{count} problem{'s' if count > 1 else ''} in {subject}:" + "".join(
            f"\n  - {p.render('en')}" for p in self.problems
        )
        id_ = f"{count} masalah pada {_SUBJECT_ID.get(subject, subject)}:" + "".join(
            f"\n  - {p.render('id')}" for p in self.problems
        )
        super().__init__(en, message_id=id_)

    @classmethod
    def single(cls, path: str, message: str, message_id: str) -> InvalidInputError:
        """An error with one problem."""
        return cls([Problem(path, message, message_id)])


_SUBJECT_ID = {
    "the input": "masukan",
    "the household": "data rumah tangga",
    "the NIK": "NIK",
    "the region code": "kode wilayah",
    "the KK number": "nomor KK",
    "the rulebook": "buku aturan",
    "the directory": "direktori layanan",
    "the consent": "persetujuan",
    "the lawful basis": "dasar hukum",
    "the scenario": "skenario",
    "the population": "data populasi",
    "the text": "teks",
    "the peppers": "kunci rahasia token NIK",
    "the master keys": "kunci induk",
}


class IdempotencyKeyReusedError(InvalidInputError):
    """An idempotency key was already used for another request (as HTTP 422 in payment APIs).

    A retry must repeat the request it retries: the same command, on the same case or
    referral, with the same arguments. Nothing was written. The message never says on
    which case the key was used.

    Examples:
        >>> print(IdempotencyKeyReusedError("k-1"))  # doctest: +ELLIPSIS
        1 problem in the input:
          - idempotency_key: Idempotency key 'k-1' was already used for another request...

    .. versionadded:: 0.1.0
    """

    def __init__(self, key: str, *, used_for: str = "") -> None:
        self.key = key
        what = f" ({used_for})" if used_for else ""
        super().__init__(
            [
                Problem(
                    "idempotency_key",
                    f"Idempotency key {key!r} was already used for another request{what}; "
                    "a retry must repeat the same request. Use a new key for a new request.",
                    f"Kunci idempotensi {key!r} sudah dipakai untuk permintaan lain{what}; "
                    "pengulangan harus sama dengan permintaan semula. Gunakan kunci baru "
                    "untuk permintaan baru.",
                )
            ]
        )


class DefinitionError(SlrtError):
    """A rulebook, program pack, directory or machine definition is inconsistent.

    .. versionadded:: 0.1.0
    """


class NotFoundError(SlrtError, LookupError):
    """Something asked for by id does not exist.

    .. versionadded:: 0.1.0
    """


class CaseNotFoundError(NotFoundError):
    """No case has this id.

    .. versionadded:: 0.1.0
    """

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(
            text("error.case_not_found", "en", case_id=repr(case_id)),
            message_id=text("error.case_not_found", "id", case_id=repr(case_id)),
        )


class CaseErasedError(CaseNotFoundError):
    """The case's personal data was erased: its key is destroyed, only the audit remains.

    .. versionadded:: 0.1.0
    """

    def __init__(self, case_id: str) -> None:
        NotFoundError.__init__(
            self,
            text("error.case_erased", "en", case_id=repr(case_id)),
            message_id=text("error.case_erased", "id", case_id=repr(case_id)),
        )
        self.case_id = case_id


class ReferralNotFoundError(NotFoundError):
    """No referral has this id.

    .. versionadded:: 0.1.0
    """

    def __init__(self, referral_id: str) -> None:
        self.referral_id = referral_id
        super().__init__(
            text("error.referral_not_found", "en", referral_id=repr(referral_id)),
            message_id=text("error.referral_not_found", "id", referral_id=repr(referral_id)),
        )


class TransitionNotAllowed(SlrtError):  # noqa: N818 - the name python-statemachine users know
    """A command is not allowed in the current state of a case or referral.

    Attributes:
        subject_id: the case or referral id.
        state: its current state.
        command: the refused command.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        subject_id: str,
        state: str,
        command: str,
        *,
        why: str = "",
        why_id: str = "",
        kind: str = "case",
    ) -> None:
        self.subject_id = subject_id
        self.state = state
        self.command = command
        # Both languages name the state and the command in words; English adds the codes
        # developers search for ('in_service', 'approve').
        which = "case" if kind == "case" else "referral"
        states = "CaseState" if kind == "case" else "ReferralStatus"
        shown = {lang: _command_words(command, states, lang) for lang in ("en", "id")}
        en = text(
            f"error.transition_not_allowed.{which}",
            "en",
            subject_id=repr(subject_id),
            state=_words(f"label.{states}.{state}", "en", state),
            state_code=f" ({state})",
            command=shown["en"],
            command_code=f" ({command!r})",
        )
        id_ = text(
            f"error.transition_not_allowed.{which}",
            "id",
            subject_id=repr(subject_id),
            state=_words(f"label.{states}.{state}", "id", repr(state)),
            state_code="",
            command=shown["id"][:1].upper() + shown["id"][1:],
            command_code="",
        )
        if why:
            en += f" {why}"
            id_ += f" {why_id or why}"
        super().__init__(en, message_id=id_)


_TO_STATUS = re.compile(r"(\w+)\(status=(\w+)\)")


def _words(key: str, language: LanguageCode, default: str) -> str:
    """The catalogue text *key*, or *default* for a value outside the vocabulary."""
    return TEXTS.get(key, {}).get(language, default)


def _command_words(command: str, states: str, language: LanguageCode) -> str:
    """A refused command in words: ``approve a case``, ``update a referral to “Completed”``."""
    move = _TO_STATUS.fullmatch(command)
    if move is None:
        return _words(f"label.Command.{command}", language, repr(command))
    name, status = move.groups()
    return text(
        "error.transition_not_allowed.to_status",
        language,
        command=_words(f"label.Command.{name}", language, repr(name)),
        status=_words(f"label.{states}.{status}", language, status),
    )


class AccessDenied(SlrtError, PermissionError):  # noqa: N818 - the name the issue fixes
    """The actor may not do this: wrong role, outside the jurisdiction, or not the provider.

    .. versionadded:: 0.1.0
    """


class OutsideJurisdictionError(AccessDenied):
    """The case or region concerned lies outside the actor's jurisdiction.

    The message names the actor's own jurisdiction, never the case's village.

    .. versionadded:: 0.1.0
    """


class CaseNotVisibleError(CaseNotFoundError, AccessDenied):
    """No case with this id is visible to the actor: it does not exist, or is not theirs.

    The same answer, word for word, for a case that does not exist and for one outside
    the actor's jurisdiction, so an outsider learns neither whether nor where a case
    exists. It is a :class:`CaseNotFoundError` and an :class:`AccessDenied`.

    .. versionadded:: 0.1.0
    """

    def __init__(self, case_id: str) -> None:
        NotFoundError.__init__(
            self,
            f"Case {case_id!r} does not exist. Check the id, or list cases with "
            "list_cases(); a case outside your jurisdiction is not shown either.",
            message_id=f"Kasus {case_id!r} tidak ada. Periksa id-nya, atau lihat daftar "
            "kasus; kasus di luar wilayah kerja Anda juga tidak ditampilkan.",
        )
        self.case_id = case_id


class ReferralNotVisibleError(ReferralNotFoundError, AccessDenied):
    """No referral with this id is visible to the actor (see :class:`CaseNotVisibleError`).

    .. versionadded:: 0.1.0
    """

    def __init__(self, referral_id: str) -> None:
        NotFoundError.__init__(
            self,
            f"Referral {referral_id!r} does not exist. Check the id on the referral letter; "
            "a referral outside your jurisdiction is not shown either.",
            message_id=f"Rujukan {referral_id!r} tidak ada. Periksa id pada surat rujukan; "
            "rujukan di luar wilayah kerja Anda juga tidak ditampilkan.",
        )
        self.referral_id = referral_id


class ConcurrencyError(SlrtError):
    """The case was changed by someone else since it was read; reload it and try again.

    .. versionadded:: 0.1.0
    """

    def __init__(self, case_id: str, expected: int, actual: int | None) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        fields = {"case_id": repr(case_id), "expected": expected, "actual": actual}
        super().__init__(
            text("error.concurrency", "en", **fields),
            message_id=text("error.concurrency", "id", **fields),
        )


class DuplicateCaseError(SlrtError):
    """The household already has an open case (a NIK or KK number is on it): not registered.

    Attach the new need to the existing case instead (``record_need`` on it, with the
    channel it came through), or, when the household really is another one (a family
    split from the KK it shares), register again with ``duplicate_override`` and a
    reason, which is recorded and flagged to a supervisor.

    Attributes:
        case_ids: the open cases of the household the actor may see, sorted.
        elsewhere: whether some open case of it lies outside the actor's jurisdiction
            (its id is not given).
        fields: what the cases share: ``"nik"``, ``"kk"``.

    Examples:
        >>> err = DuplicateCaseError(("case-7",), fields=("nik",))
        >>> print(err)  # doctest: +ELLIPSIS
        This household already has an open case: 'case-7' (shared: NIK). Record the new need on it with record_need(actor, 'case-7', need, channel=...), or...
        >>> print(DuplicateCaseError((), elsewhere=True, fields=("kk",)))  # doctest: +ELLIPSIS
        This household already has an open case outside your jurisdiction (shared: KK number)...

    .. versionadded:: 0.1.0
    """  # noqa: E501 - doctest output

    def __init__(
        self, case_ids: Iterable[str], *, elsewhere: bool = False, fields: Iterable[str] = ()
    ) -> None:
        self.case_ids = tuple(sorted(case_ids))
        self.elsewhere = elsewhere or not self.case_ids
        self.fields = tuple(fields)
        messages = {}
        for language in ("en", "id"):
            shared = ", ".join(text(f"dedup.field.{f}", language) for f in self.fields) or "-"
            if self.case_ids:
                messages[language] = text(
                    "error.duplicate_case",
                    language,
                    cases=", ".join(repr(c) for c in self.case_ids),
                    fields=shared,
                    first=repr(self.case_ids[0]),
                )
            else:
                messages[language] = text("error.duplicate_case.elsewhere", language, fields=shared)
        super().__init__(messages["en"], message_id=messages["id"])


class ConsentError(SlrtError):
    """Personal data would be sent without a consent or lawful basis covering it.

    .. versionadded:: 0.1.0
    """


class StorageError(SlrtError):
    """The store failed (database down, disk full, schema too new); nothing was committed.

    .. versionadded:: 0.1.0
    """


class CorruptRecordError(StorageError, ValueError):
    """A stored event of a case does not decode, or does not fold into the case.

    The record was damaged or written by something other than slrt_core. Nothing is
    repaired or skipped silently: the error names the case and the event's version
    (its sequence within the case), so the record can be found, checked against the
    audit trail (``verify``) and restored from a backup.

    Attributes:
        case_id: the case whose record is bad.
        version: the version (sequence within the case) of the bad event, if known.
        reason: what is wrong with it.
        reason_id: the same in Bahasa Indonesia (the English one when not given).

    Examples:
        >>> err = CorruptRecordError("case-1", 3, "the body is not JSON", "isinya bukan JSON")
        >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
        The stored event 3 of case 'case-1' cannot be read: the body is not JSON. Check the
        record against the audit trail (verify) and restore it from a backup.
        >>> isinstance(err, StorageError), err.case_id, err.version
        (True, 'case-1', 3)

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, case_id: str, version: int | None, reason: str, reason_id: str | None = None
    ) -> None:
        self.case_id = case_id
        self.version = version
        self.reason = reason
        self.reason_id = reason_id or reason
        which = f"event {version}" if version is not None else "an event"
        which_id = f"peristiwa {version}" if version is not None else "sebuah peristiwa"
        super().__init__(
            f"The stored {which} of case {case_id!r} cannot be read: {reason}. Check the "
            "record against the audit trail (verify) and restore it from a backup.",
            message_id=f"{which_id.capitalize()} tersimpan pada kasus {case_id!r} tidak dapat "
            f"dibaca: {reason_id or reason}. Periksa catatan itu terhadap jejak audit "
            "(`verify`) dan pulihkan dari cadangan.",
        )


class AuditIntegrityError(SlrtError):
    """The audit hash chain does not verify; :attr:`seq` is the first bad record.

    .. versionadded:: 0.1.0
    """

    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(
            text("error.audit_broken", "en", seq=seq, reason=reason),
            message_id=text("error.audit_broken", "id", seq=seq, reason=reason),
        )


class DeliveryError(SlrtError):
    """A notifier could not deliver a message; the outbox will retry it.

    .. versionadded:: 0.1.0
    """
