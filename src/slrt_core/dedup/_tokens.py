"""Blind indexes: keyed tokens of the fields that intake de-duplication compares.

A token is ``v<version>:<hex>``, an HMAC-SHA256 under a secret, versioned pepper of one
field's value with a domain prefix (``name:``, ``dob:`` ...), so equal values give equal
tokens and nothing else can be learnt without the pepper. Names, birth dates and village
codes are low in entropy: an unkeyed hash of them could be reversed by enumeration, as
for the NIK (:class:`slrt_core.privacy.NikTokenizer`, reused here for NIK and KK tokens).
Field tokens keep the first 128 bits of the MAC (RFC 2104, section 5, allows truncation
to half the hash): enough against chance collisions in a national registry, and half the
memory of an index.

Blocking keys are tokens of field *combinations* (village with the phonetic key, the
phonetic key with the birth year ...), the keys under which the candidate index files a
case so that one intake reaches only a handful of candidates.

Examples:
    >>> from datetime import date
    >>> from slrt_core import Household, Person, RegionCode, Relationship, Sex
    >>> head = Person(member_id="m1", relationship=Relationship.HEAD, sex=Sex.MALE,
    ...               birth_date=date(1961, 3, 2), name="H. Moch. Soeharto")
    >>> hh = Household(region=RegionCode("33.74.01.1001"), members=(head,))
    >>> tokens = BlindIndexer({1: b"k" * 32}).household(hh)
    >>> "suharto" in repr(tokens), tokens.members[0].name.startswith("v1:")
    (False, True)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date

import attrs

from slrt_core.dedup._normalise import name_keys
from slrt_core.household import Household, Person
from slrt_core.privacy import NikTokenizer

__all__ = ["BlindIndexer", "HouseholdTokens", "MemberTokens"]

#: Hex digits kept of a field token's MAC (128 bits).
_HEX = 32
#: A name's compact form, phonetic key and parts (:func:`name_keys`).
_Keys = tuple[str, str, tuple[str, ...]]


@attrs.frozen(kw_only=True)
class MemberTokens:
    """The tokens of one member: what the scorer compares, never a name in clear.

    Args:
        member_id: the member's id inside its household (for the explanation).
        nik: the NIK token, ``None`` when the NIK is unknown.
        name: token of the normalised full name without spaces, ``None`` when no name was given.
        phonetic: token of the phonetic key of the name.
        parts: tokens of the name's parts (initials left out).
        birth_date: token of the birth date.
        birth_year: token of the birth year.
    """

    member_id: str
    nik: str | None = None
    name: str | None = None
    phonetic: str | None = None
    parts: frozenset[str] = frozenset()
    birth_date: str | None = None
    birth_year: str | None = None


@attrs.frozen(kw_only=True)
class HouseholdTokens:
    """The tokens of one household, all under one pepper *version*.

    Args:
        version: the pepper version every token here was made with.
        kk: the KK number's token, ``None`` when unknown.
        village: token of the village code of the address.
        members: the members' tokens.
        blocks: the blocking keys the candidate index files the household under.
    """

    version: int
    kk: str | None
    village: str
    members: tuple[MemberTokens, ...]
    blocks: frozenset[str]

    @property
    def exact(self) -> frozenset[str]:
        """The NIK and KK tokens: one shared is the same household."""
        found = {m.nik for m in self.members if m.nik is not None}
        if self.kk is not None:
            found.add(self.kk)
        return frozenset(found)

    @property
    def keys(self) -> frozenset[str]:
        """Every key the candidate index files this household under."""
        return self.exact | self.blocks

    def to_json(self) -> str:
        """The tokens the scorer compares, as compact JSON (what a store keeps).

        ``[version, kk, village, [[member_id, nik, name, phonetic, [parts...], dob,
        yob], ...]]``. The blocking keys are left out: a store keeps them as rows of its
        key table. :meth:`from_json` reads the text back (with no blocking keys).

        Examples:
            >>> t = HouseholdTokens(version=1, kk=None, village="v1:aa", members=(),
            ...                     blocks=frozenset({"v1:bb"}))
            >>> t.to_json()
            '[1,null,"v1:aa",[]]'
            >>> HouseholdTokens.from_json(t.to_json()) == t.without_blocks()
            True
        """
        members = [
            [m.member_id, m.nik, m.name, m.phonetic, sorted(m.parts), m.birth_date, m.birth_year]
            for m in self.members
        ]
        return _dumps([self.version, self.kk, self.village, members])

    @classmethod
    def from_json(cls, text: str | bytes) -> HouseholdTokens:
        """The tokens of :meth:`to_json`'s text (with no blocking keys)."""
        version, kk, village, rows = json.loads(text)
        # Not interned: tokens read from a store live for one check.
        members = tuple(
            _member_tokens(member_id, nik, name, phonetic, frozenset(parts), dob, yob)
            for member_id, nik, name, phonetic, parts, dob, yob in rows
        )
        return cls(version=int(version), kk=kk, village=village, members=members, blocks=_NONE)

    def without_blocks(self) -> HouseholdTokens:
        """These tokens without their blocking keys (as a store gives them back)."""
        return attrs.evolve(self, blocks=frozenset()) if self.blocks else self


_dumps = json.JSONEncoder(separators=(",", ":")).encode

#: No blocking keys (tokens read back from a store).
_NONE: frozenset[str] = frozenset()

#: MemberTokens' slots, in field order: decoding sets them directly (no attrs __init__,
#: which checks nothing here), as the fold builds cases (slrt_core.case._events).
_SET_ID, _SET_NIK, _SET_NAME, _SET_PHONETIC, _SET_PARTS, _SET_DOB, _SET_YOB = (
    vars(MemberTokens)[a.name].__set__ for a in attrs.fields(MemberTokens)
)
_new = object.__new__


def _member_tokens(
    member_id: str,
    nik: str | None,
    name: str | None,
    phonetic: str | None,
    parts: frozenset[str],
    birth_date: str | None,
    birth_year: str | None,
) -> MemberTokens:
    member: MemberTokens = _new(MemberTokens)
    _SET_ID(member, member_id)
    _SET_NIK(member, nik)
    _SET_NAME(member, name)
    _SET_PHONETIC(member, phonetic)
    _SET_PARTS(member, parts)
    _SET_DOB(member, birth_date)
    _SET_YOB(member, birth_year)
    return member


class BlindIndexer:
    """Makes the tokens of a household under versioned peppers.

    Args:
        keys: pepper version -> secret bytes (32 or more), as for
            :class:`~slrt_core.privacy.NikTokenizer` (the same peppers may serve both:
            every token has its own domain prefix).
        current: the version new tokens use; the highest by default.

    Raises:
        InvalidInputError: no pepper, a short pepper, or an unknown current version.

    Examples:
        >>> a, b = BlindIndexer({1: b"a" * 32}), BlindIndexer({1: b"b" * 32})
        >>> a.token("name", "siti") == b.token("name", "siti")
        False
        >>> BlindIndexer({1: b"a" * 32, 2: b"b" * 32}).versions
        (2, 1)
    """

    def __init__(self, keys: Mapping[int, bytes], *, current: int | None = None) -> None:
        self._numbers = NikTokenizer(keys, current=current)

    @property
    def current(self) -> int:
        """The version new tokens use."""
        return self._numbers.current

    @property
    def versions(self) -> tuple[int, ...]:
        """The active versions, current first: look an intake up under each."""
        return self._numbers.versions

    def token(self, kind: str, value: str, *, version: int | None = None) -> str:
        """The token of *value* in the field *kind* under *version* (current by default).

        Raises:
            InvalidInputError: *version* is not active.
        """
        digest = self._numbers.digest(f"{kind}:{value}".encode(), version=version)
        # Interned: equal tokens (a village, a birth year, a common name part) share one
        # string across every household in memory; a token reveals nothing to share.
        return sys.intern(digest[: digest.index(":") + 1 + _HEX])

    def household(self, household: Household, *, version: int | None = None) -> HouseholdTokens:
        """The tokens of *household* under *version* (the current one by default)."""
        version = self.current if version is None else version
        village = str(household.region)
        blocks: set[str] = set()
        members = []
        for person in household.members:
            keys = name_keys(person.name)
            members.append(self._member(person, keys, version))
            blocks.update(self._blocks(person, keys, village, version))
        kk = household.kk
        return HouseholdTokens(
            version=version,
            kk=None if kk is None else self._numbers.token(kk, version=version),
            village=self.token("village", village, version=version),
            members=tuple(members),
            blocks=frozenset(blocks),
        )

    def _member(self, person: Person, keys: _Keys, version: int) -> MemberTokens:
        def tok(kind: str, value: str) -> str:
            return self.token(kind, value, version=version)

        name, sound, parts = keys
        born: date = person.birth_date
        return MemberTokens(
            member_id=person.member_id,
            nik=None if person.nik is None else self._numbers.token(person.nik, version=version),
            name=tok("name", name) if name else None,
            phonetic=tok("phonetic", sound) if name else None,
            parts=frozenset(tok("part", p) for p in parts),
            birth_date=tok("dob", born.isoformat()),
            birth_year=tok("yob", str(born.year)),
        )

    def _blocks(self, person: Person, keys: _Keys, village: str, version: int) -> set[str]:
        name, sound, parts = keys
        if not name:
            return set()
        year = str(person.birth_date.year)

        def tok(kind: str, value: str) -> str:
            return self.token(kind, value, version=version)

        blocks = {
            tok("block.village.phonetic", f"{village}|{sound}"),
            tok("block.village.dob", f"{village}|{person.birth_date.isoformat()}"),
            tok("block.phonetic.yob", f"{sound}|{year}"),
        }
        blocks.update(tok("block.part.village.yob", f"{part}|{village}|{year}") for part in parts)
        return blocks
