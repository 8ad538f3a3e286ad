"""Pseudonymised NIK lookups, masking for exports and logs, and the access log.

A NIK is low-entropy (region, birth date, a 4-digit serial), so a plain hash of it can be
reversed by trying every plausible number. Lookups therefore use a keyed token:
HMAC-SHA256 of the digits under a secret *pepper* the host app holds outside the database.
Peppers are versioned: every token names its version (``"v2:..."``), lookups try every
active version, and :meth:`NikTokenizer.retokenize` moves an index to the current one, so a
pepper can be rotated without downtime.

Masking: exports and logs never show more than the last 4 digits of a NIK or KK number.
:func:`mask_numbers` masks every run of 16 digits in a text (with or without spaces, dots
or dashes between groups), :func:`mask_export` walks JSON-like data, and
:class:`PersonalDataFilter` is a :class:`logging.Filter` that applies the same masking to
every log record. :func:`scrub_text` additionally masks names, phone numbers and other
personal data in free text with lokal-id's detector (slow: for exports, not hot paths).

The access log (:class:`AccessLog`) records who read which case or referral, when, and for
which :class:`~slrt_core.access.AccessPurpose`; it holds ids, never personal data.

Examples:
    >>> tokens = NikTokenizer({1: b"k" * 32})
    >>> token = tokens.token(Nik("3374014508900001"))
    >>> token.startswith("v1:"), len(token)
    (True, 67)
    >>> mask_numbers("NIK 3374014508900001, KK 3374-0112-0315-0007")
    'NIK ************0001, KK ************0007'
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from slrt_core.access import AccessPurpose, Role
from slrt_core.case._events import Event
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.household import Household
from slrt_core.identity import KkNumber, Nik
from slrt_core.ports import AccessLog, TokenIndex
from slrt_core.serialization import converter

__all__ = [
    "AccessLog",
    "AccessRecord",
    "LoggerAccessLog",
    "MemoryAccessLog",
    "MemoryTokenIndex",
    "NikIndex",
    "NikTokenizer",
    "PersonalDataFilter",
    "TokenIndex",
    "mask_export",
    "mask_numbers",
    "scrub_text",
    "subject_access_export",
    "whole_number",
]

#: The shortest pepper accepted: 32 bytes (256 bits), the HMAC-SHA256 block strength.
MIN_KEY_BYTES = 32

# 16 digits, optionally grouped by single spaces, dots or dashes; not part of a longer run.
_SIXTEEN = re.compile(r"(?<![0-9])(?:[0-9][ .\-]?){15}[0-9](?![0-9])")
_MASK = "*" * 12
_TOKEN = re.compile(r"v([0-9]+):[0-9a-f]{64}")
_PERSONAL_KEYS = frozenset({"nik", "kk", "kk_number"})
_NAME_KEYS = frozenset({"name", "guardian", "grantor", "evidence"})


def _mask_match(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", match.group(0))
    return _MASK + digits[12:]


def mask_numbers(text: str) -> str:
    """*text* with every 16-digit number (NIK, KK, card) shown as its last 4 digits.

    Groups separated by a space, dot or dash count as one number; longer digit runs are
    left alone (they are not a NIK or KK number).

    Examples:
        >>> mask_numbers("ids 3374014508900001 and 12345678901234567")
        'ids ************0001 and 12345678901234567'
    """
    return _SIXTEEN.sub(_mask_match, text)


def mask_export(data: Any, *, reveal: bool = False) -> Any:
    """A copy of JSON-like *data* (dicts, lists, strings) safe to export.

    Values under keys ``nik``, ``kk`` and ``kk_number`` keep only their last 4 digits,
    names (``name``, ``guardian``, ``grantor``) and ``evidence`` keep their first letter,
    and every other text has its 16-digit numbers masked. With ``reveal=True`` the data
    comes back unchanged: the caller asked for clear text on purpose (a subject access
    request), and must record why.

    Examples:
        >>> mask_export({"nik": "3374014508900001", "name": "Siti Aminah",
        ...              "notes": ["called 3374014508900001"]})
        {'nik': '************0001', 'name': 'S***', 'notes': ['called ************0001']}
    """
    if reveal:
        return data
    return _masked(data, None)


def _masked(data: Any, key: str | None, *, by_key: bool = True) -> Any:
    if isinstance(data, Mapping):
        return {k: _masked(v, str(k), by_key=by_key) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_masked(v, key, by_key=by_key) for v in data]
    if isinstance(data, str):
        return _masked_text(data, key if by_key else None)
    return data


def _masked_text(text: str, key: str | None) -> str:
    if key in _PERSONAL_KEYS:
        digits = re.sub(r"[^0-9]", "", text)
        return _MASK + digits[-4:] if digits else text
    if key in _NAME_KEYS:
        return f"{text[:1]}***" if text else text
    return mask_numbers(text)


def scrub_text(text: str) -> str:
    """*text* with NIK, KK and phone numbers, names, e-mails and the like masked.

    Uses lokal-id's detector of Indonesian personal data (context words such as "nama",
    "HP", "alamat"), then :func:`mask_numbers` for any 16-digit run it left. It costs
    about half a millisecond per text: use it for exports of free text, not for logs.

    Examples:
        >>> scrub_text("Nama Siti Aminah, HP 0812-3456-7890, NIK 3374014508900001")
        'Nama [NAME_1], HP [PHONE_1], NIK [NIK_1]'
    """
    from lokal.samaran import mask_pii  # noqa: PLC0415 - about 0.3 s to import

    return mask_numbers(mask_pii(text).text)


class PersonalDataFilter(logging.Filter):
    """A :class:`logging.Filter` that masks 16-digit numbers in every record it passes.

    Attach it to a handler (or a logger) of the host app; the message is formatted once,
    masked, and stored back, so later handlers see the masked text too. A record is never
    dropped.

    Examples:
        >>> import io
        >>> stream = io.StringIO()
        >>> handler = logging.StreamHandler(stream)
        >>> handler.addFilter(PersonalDataFilter())
        >>> log = logging.getLogger("example.masked")
        >>> log.addHandler(handler)
        >>> log.warning("lookup of NIK %s failed", "3374014508900001")
        >>> print(stream.getvalue().strip())
        lookup of NIK ************0001 failed
        >>> log.removeHandler(handler)
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's message (and any formatted exception text); keep the record."""
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        return True


# --------------------------------------------------------------------------- tokens


def whole_number(value: object, low: int = 1, high: int | None = None) -> bool:
    """Whether *value* is an ``int`` (not a ``bool``) from *low* to *high* (inclusive).

    Checks caller input typed loosely at run time, whatever the annotations say.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return low <= value and (high is None or value <= high)


def _secret_ok(value: object, size: int, *, exact: bool) -> bool:
    if not isinstance(value, bytes):
        return False
    return len(value) == size if exact else len(value) >= size


def _key_problems(keys: Mapping[int, bytes], current: int | None) -> list[Problem]:
    problems = []
    if not keys:
        problems.append(
            Problem(
                "keys",
                "Give at least one pepper: {1: <32 or more secret random bytes>}.",
                "Berikan paling sedikit satu kunci: {1: <32 byte acak rahasia atau lebih>}.",
            )
        )
    for version, key in keys.items():
        if not whole_number(version):
            problems.append(
                Problem(
                    "keys",
                    f"Pepper version {version!r} must be a whole number from 1.",
                    f"Versi kunci {version!r} harus bilangan bulat mulai 1.",
                )
            )
        if not _secret_ok(key, MIN_KEY_BYTES, exact=False):
            problems.append(
                Problem(
                    f"keys[{version!r}]",
                    f"Pepper version {version!r} must be at least {MIN_KEY_BYTES} random bytes; "
                    "generate one with secrets.token_bytes(32).",
                    f"Kunci versi {version!r} harus paling sedikit {MIN_KEY_BYTES} byte acak; "
                    "buat dengan secrets.token_bytes(32).",
                )
            )
    if current is not None and current not in keys:
        problems.append(
            Problem(
                "current",
                f"The current version {current!r} is not among the peppers given.",
                f"Versi aktif {current!r} tidak ada di antara kunci yang diberikan.",
            )
        )
    return problems


class NikTokenizer:
    """Keyed lookup tokens for NIK and KK numbers: HMAC-SHA256 under versioned peppers.

    Args:
        keys: pepper version -> secret bytes (32 or more). Keep them outside the database
            (a secrets manager, an environment variable); every version still in use by
            stored tokens must stay here until :meth:`retokenize` has moved them.
        current: the version new tokens use; the highest version by default.

    Raises:
        InvalidInputError: no pepper, a pepper shorter than 32 bytes, a bad version, or a
            current version that is not given.

    Examples:
        >>> old = NikTokenizer({1: b"a" * 32})
        >>> new = NikTokenizer({1: b"a" * 32, 2: b"b" * 32})
        >>> nik = Nik("3374014508900001")
        >>> old.token(nik) in new.tokens(nik), new.token(nik).startswith("v2:")
        (True, True)
    """

    def __init__(self, keys: Mapping[int, bytes], *, current: int | None = None) -> None:
        keys = dict(keys)
        problems = _key_problems(keys, current)
        if problems:
            raise InvalidInputError(problems, subject="the peppers")
        self._keys = keys
        # One keyed HMAC state per version, copied per token: the key's two blocks are
        # hashed once, not for every token (the intake check makes dozens per household).
        self._macs = {v: hmac.new(k, digestmod=hashlib.sha256) for v, k in keys.items()}
        self.current = current if current is not None else max(keys)

    @property
    def versions(self) -> tuple[int, ...]:
        """The active pepper versions, current first."""
        return (self.current, *sorted((v for v in self._keys if v != self.current), reverse=True))

    def token(self, number: Nik | KkNumber, *, version: int | None = None) -> str:
        """The token of *number* under *version* (the current one by default).

        A NIK and a KK number with the same digits get different tokens.
        """
        version = self._active(version)
        if not isinstance(number, Nik | KkNumber):
            raise InvalidInputError.single(
                "number",
                f"Expected a Nik or KkNumber, got {type(number).__name__}; read typed text "
                "with Nik.parse().",
                f"Diharapkan `Nik` atau `KkNumber`, diterima `{type(number).__name__}`; baca teks "
                "dengan `Nik.parse()`.",
            )
        kind = b"nik:" if isinstance(number, Nik) else b"kk:"
        return self.digest(kind + number.reveal().encode(), version=version)

    def digest(self, message: bytes, *, version: int | None = None) -> str:
        """The keyed token ``v<version>:<HMAC-SHA256 hex>`` of *message*.

        Under *version* (the current one by default). :meth:`token` is this over a NIK
        or KK number and its kind; other blind indexes (``slrt_core.dedup``) key their
        fields with it too.

        Raises:
            InvalidInputError: *version* is not active.

        Examples:
            >>> tokens = NikTokenizer({1: b"k" * 32})
            >>> tokens.digest(b"village:33.74.01.1001")[:3]
            'v1:'
        """
        version = self._active(version)
        mac = self._macs[version].copy()
        mac.update(message)
        return f"v{version}:{mac.hexdigest()}"

    def _active(self, version: int | None) -> int:
        """*version* (the current one when ``None``), refused unless it is active."""
        version = self.current if version is None else version
        if version not in self._keys:
            raise InvalidInputError.single(
                "version",
                f"Pepper version {version} is not active; active: {list(self.versions)}.",
                f"Kunci versi {version} tidak aktif; yang aktif: {list(self.versions)}.",
            )
        return version

    def tokens(self, number: Nik | KkNumber) -> tuple[str, ...]:
        """The tokens of *number* under every active version, current first (for lookups)."""
        return tuple(self.token(number, version=v) for v in self.versions)

    @staticmethod
    def version_of(token: str) -> int:
        """The pepper version a token was made with.

        Raises:
            InvalidInputError: *token* is not a token of this class.
        """
        text: object = token
        match = _TOKEN.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidInputError.single(
                "token",
                "Not a lookup token: expected 'v<version>:<64 hex digits>'.",
                "Bukan token pencarian: diharapkan 'v<versi>:<64 digit heksadesimal>'.",
            )
        return int(match.group(1))

    def retokenize(self, index: TokenIndex, numbers: Mapping[str, Iterable[Nik | KkNumber]]) -> int:
        """Re-index each case of *numbers* (case id -> its NIKs) under the current pepper.

        The NIKs come from the decrypted cases (a token cannot be turned back into a NIK).
        Returns how many tokens were written. Once every case is re-indexed, retire the old
        pepper version.
        """
        written = 0
        for case_id, found in numbers.items():
            fresh = {self.token(n) for n in found}
            index.replace(case_id, fresh)
            written += len(fresh)
        return written


class MemoryTokenIndex:
    """A :class:`TokenIndex` in process memory (tests, simulations)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_token: dict[str, set[str]] = {}
        self._by_case: dict[str, set[str]] = {}

    def add(self, case_id: str, tokens: Iterable[str], /) -> None:
        """Index *case_id* under *tokens*."""
        with self._lock:
            for token in tokens:
                self._by_token.setdefault(token, set()).add(case_id)
                self._by_case.setdefault(case_id, set()).add(token)

    def find(self, tokens: Iterable[str], /) -> list[str]:
        """The case ids indexed under any of *tokens*."""
        with self._lock:
            return sorted({c for t in tokens for c in self._by_token.get(t, ())})

    def replace(self, case_id: str, tokens: Iterable[str], /) -> None:
        """Index *case_id* under exactly *tokens*."""
        with self._lock:
            for token in self._by_case.pop(case_id, set()):
                self._by_token[token].discard(case_id)
        self.add(case_id, tokens)


class NikIndex:
    """Finds the cases of a NIK or KK number through keyed tokens.

    Args:
        tokens: the tokenizer (its peppers stay with the host app).
        index: where tokens are kept; :class:`MemoryTokenIndex` by default.

    Examples:
        >>> from datetime import date
        >>> from slrt_core.household import Person, Relationship
        >>> from slrt_core.identity import RegionCode, Sex
        >>> index = NikIndex(NikTokenizer({1: b"k" * 32}))
        >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
        ...               birth_date=date(1990, 8, 5), sex=Sex.FEMALE,
        ...               nik=Nik("3374014508900001"))
        >>> index.add("case-1", Household(region=RegionCode("33.74.01.1001"), members=[head]))
        >>> index.find(Nik("3374014508900001"))
        ['case-1']
    """

    def __init__(self, tokens: NikTokenizer, index: TokenIndex | None = None) -> None:
        self.tokens = tokens
        self.index: TokenIndex = index if index is not None else MemoryTokenIndex()

    def add(self, case_id: str, household: Household) -> None:
        """Index *case_id* under the NIK of every member and the KK number."""
        self.index.add(case_id, [self.tokens.token(n) for n in _numbers(household)])

    def find(self, number: Nik | KkNumber) -> list[str]:
        """The case ids indexed under *number*, by any active pepper version."""
        return self.index.find(self.tokens.tokens(number))

    def forget(self, case_id: str) -> None:
        """Drop every token of *case_id* (after erasure)."""
        self.index.replace(case_id, ())

    def retokenize(self, cases: Iterable[Case]) -> int:
        """Re-index *cases* under the current pepper; returns how many tokens were written."""
        return self.tokens.retokenize(self.index, {c.case_id: _numbers(c.household) for c in cases})


def _numbers(household: Household) -> list[Nik | KkNumber]:
    found: list[Nik | KkNumber] = [m.nik for m in household.members if m.nik is not None]
    if household.kk is not None:
        found.append(household.kk)
    return found


def subject_access_export(
    case: Case, events: Iterable[Event], *, member_id: str | None = None, at: datetime
) -> dict[str, Any]:
    """Everything *case* holds about a person, as JSON-ready data (UU PDP Art. 7).

    Without *member_id*: the whole household file and every event in full. With it: that
    member's own record, the household-level facts (region, housing, registry, programs),
    the needs of that member or of the whole household, their consents, and the event
    history without payloads (the payloads also hold other members' data). Free text
    (findings, notes) is included with every 16-digit number masked; names of others in
    free text are not detected (pass it through :func:`scrub_text` when that matters).

    Raises:
        InvalidInputError: the household has no member *member_id*.
    """
    data: dict[str, Any] = converter.unstructure(case)
    household = data["household"]
    history = [converter.unstructure(e) for e in events]
    if member_id is not None:
        members = [m for m in household["members"] if m["member_id"] == member_id]
        if not members:
            raise InvalidInputError.single(
                "member_id",
                f"The household of case {case.case_id!r} has no member {member_id!r}.",
                f"Rumah tangga kasus {case.case_id!r} tidak punya anggota {member_id!r}.",
            )
        data["needs"] = [n for n in data["needs"] if n["member_id"] in (None, member_id)]
        data["consents"] = [c for c in data["consents"] if c["subject"] == member_id]
        # Free text about the household may quote other members' numbers: mask them.
        household["members"] = []
        data = _masked(data, None, by_key=False)
        data["household"]["members"] = members
        history = [
            {k: e[k] for k in ("at", "version", "actor_id", "role")}
            | {"type": e["payload"]["type"]}
            for e in history
        ]
    return {
        "generated_at": at.isoformat(),
        "subject": member_id,
        "case": data,
        "events": history,
    }


# --------------------------------------------------------------------------- access log


@attrs.frozen(kw_only=True)
class AccessRecord:
    """One read: who read what, when, and why. Ids only, no personal data.

    Attributes:
        at: when (UTC).
        actor_id: who read.
        role: their role.
        action: the query (``"read_case"``, ``"subject_access"``, ...).
        target: what was read: a case id, a referral id, or ``"region:33.74"`` for a list.
        purpose: why.
    """

    at: datetime
    actor_id: str
    role: Role
    action: str
    target: str
    purpose: AccessPurpose


class MemoryAccessLog:
    """An :class:`AccessLog` in process memory, for tests and short-lived tools.

    Examples:
        >>> log = MemoryAccessLog()
        >>> list(log)
        []
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[AccessRecord] = []

    def record(self, entry: AccessRecord, /) -> None:
        """Keep *entry*."""
        with self._lock:
            self._entries.append(entry)

    def __iter__(self) -> Iterator[AccessRecord]:
        """The entries, oldest first."""
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        """How many entries."""
        return len(self._entries)


class LoggerAccessLog:
    """An :class:`AccessLog` that writes one INFO line per read to a :mod:`logging` logger.

    The default of :class:`~slrt_core.Slrt`: route the ``slrt_core.reads`` logger to the
    host's log store to keep the record.

    Args:
        logger: where to write; ``logging.getLogger("slrt_core.reads")`` by default.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or logging.getLogger("slrt_core.reads")

    def record(self, entry: AccessRecord, /) -> None:
        """Write *entry* as one line of ``key=value`` pairs."""
        self._log.info(
            "read: at=%s actor=%s role=%s action=%s target=%s purpose=%s",
            entry.at.isoformat(),
            entry.actor_id,
            entry.role,
            entry.action,
            entry.target,
            entry.purpose,
        )
