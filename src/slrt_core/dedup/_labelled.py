"""A labelled set of household pairs for measuring the matcher, and synthetic households.

Provenance (docs/explanation/deduplication.md has the full account):

* **hand-written pairs** (``data/names.toml``): two spellings of one name, or two names
  that look alike, each put in a one-member household with the same birth date and
  village, so only the names decide;
* **generated pairs** (:func:`generated_pairs`, deterministic for a seed): a synthetic
  household (names from the pools of ``data/names.toml``) against a second registration
  of it, where each member's name went through zero to two *variant rules* and the
  household may have moved, lost or gained a member, or had a birth date mistyped;
  or against a different household that is hard to tell apart (a namesake in the same
  village, a married child's new household ...). The variant rules are the inverses of
  the normalisation rules **and** errors that no rule undoes (typing mistakes, dropped
  or added name parts, joined parts), so the set measures more than the rules' own
  round trip.

Examples:
    >>> pairs = generated_pairs(seed=1, size=20)
    >>> len(pairs), sum(p.duplicate for p in pairs)
    (20, 10)
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import attrs

from slrt_core.household import Household, Person, Relationship
from slrt_core.identity import RegionCode, Sex

__all__ = [
    "LabelledPair",
    "generated_pairs",
    "hand_written_pairs",
    "labelled_pairs",
    "synthetic_household",
    "villages",
]


@attrs.frozen(kw_only=True)
class LabelledPair:
    """Two registrations and whether they are one household.

    Args:
        intake: the household being registered.
        candidate: the household already on file.
        duplicate: the truth: one household.
        kind: how the pair was made (``"hand"``, ``"variant"``, ``"namesake"`` ...).
    """

    intake: Household
    candidate: Household
    duplicate: bool
    kind: str


@cache
def _data() -> dict[str, Any]:
    text = resources.files("slrt_core.dedup").joinpath("data/names.toml").read_text("utf-8")
    return tomllib.loads(text)


def villages(count: int, *, district: str = "33.01") -> tuple[RegionCode, ...]:
    """*count* village codes of one district, 20 per sub-district (shape only).

    Examples:
        >>> villages(2)
        (RegionCode(code='33.01.01.2001'), RegionCode(code='33.01.01.2002'))
    """
    return tuple(RegionCode(f"{district}.{1 + i // 20:02d}.{2001 + i % 20}") for i in range(count))


def _name(rng: random.Random, sex: Sex) -> str:
    pool: list[str] = _data()["male" if sex is Sex.MALE else "female"]
    parts = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
    return " ".join(rng.sample(pool, parts))


def _born(rng: random.Random, first: int, last: int) -> date:
    return date(first, 1, 1) + timedelta(days=rng.randrange((last - first + 1) * 365))


def synthetic_household(
    rng: random.Random, village: RegionCode, *, head_name: str | None = None
) -> Household:
    """A household of one to six members with Indonesian names drawn from the pools."""
    sex = rng.choice((Sex.MALE, Sex.FEMALE))
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        sex=sex,
        birth_date=_born(rng, 1945, 1998),
        name=head_name if head_name is not None else _name(rng, sex),
    )
    members = [head]
    if rng.random() < 0.7:  # noqa: PLR2004 - most heads have a spouse
        other = Sex.FEMALE if sex is Sex.MALE else Sex.MALE
        members.append(
            Person(
                member_id="m2",
                relationship=Relationship.SPOUSE,
                sex=other,
                birth_date=_born(rng, head.birth_date.year - 5, head.birth_date.year + 5),
                name=_name(rng, other),
            )
        )
    for _ in range(rng.choice((0, 0, 1, 2, 3, 4))):
        child_sex = rng.choice((Sex.MALE, Sex.FEMALE))
        year = min(2025, head.birth_date.year + rng.randint(18, 40))
        members.append(
            Person(
                member_id=f"m{len(members) + 1}",
                relationship=Relationship.CHILD,
                sex=child_sex,
                birth_date=_born(rng, year, year),
                name=_name(rng, child_sex),
            )
        )
    return Household(region=village, members=tuple(members))


# --- variant rules: each takes a name and returns another spelling of it -------------

_OLD_SPELLING = (("u", "oe"), ("c", "tj"), ("ny", "nj"), ("sy", "sj"), ("kh", "ch"))
_ABBREVIATE = {
    "muhammad": ("M.", "Moh.", "Moch.", "Muh.", "Mohammad", "Muhamad", "Mochammad"),
    "abdul": ("Abd.",),
    "siti": ("St.",),
    "ahmad": ("Achmad", "Akhmad"),
    "abdullah": ("Abdoellah",),
}
_TITLES = {Sex.MALE: ("H.", "Bpk.", "Drs.", "Ir.", "Bapak"), Sex.FEMALE: ("Hj.", "Ibu", "Ny.")}
_DEGREES = (", S.Pd.", ", S.E.", ", A.Md.", ", S.Sos.", " SPd")


def _old_spelling(rng: random.Random, name: str, _sex: Sex) -> str:
    lower = name.lower()
    if "y" in lower and rng.random() < 0.5:  # noqa: PLR2004 - half the time
        old = lower.replace("j", "dj").replace("y", "j")
    else:
        options = [(a, b) for a, b in _OLD_SPELLING if a in lower] or [("", "")]
        a, b = rng.choice(options)
        old = lower.replace(a, b) if a else lower
    return old.title()


def _abbreviate(rng: random.Random, name: str, _sex: Sex) -> str:
    words = name.split()
    hits = [i for i, w in enumerate(words) if w.lower() in _ABBREVIATE]
    if not hits:
        return f"{rng.choice(('M.', 'Moh.'))} {name}" if _sex is Sex.MALE else f"St. {name}"
    i = rng.choice(hits)
    words[i] = rng.choice(_ABBREVIATE[words[i].lower()])
    return " ".join(words)


def _title(rng: random.Random, name: str, sex: Sex) -> str:
    if rng.random() < 0.6:  # noqa: PLR2004 - titles before the name are the commoner
        return f"{rng.choice(_TITLES[sex])} {name}"
    return name + rng.choice(_DEGREES)


def _transliterate(rng: random.Random, name: str, _sex: Sex) -> str:
    lower = name.lower()
    options: list[Callable[[str], str]] = [
        lambda s: s.replace("m", "mm", 1),
        lambda s: s.replace("s", "ss", 1),
        lambda s: s.replace("ia", "iya", 1),
        lambda s: s[:-1] + "y" if s.endswith("i") else s + "h",
        lambda s: s.replace("d", "dh", 1),
        lambda s: s.replace("t", "th", 1),
    ]
    return rng.choice(options)(lower).title()


def _layout(rng: random.Random, name: str, _sex: Sex) -> str:
    words = name.split()
    choice = rng.randrange(4)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return "  ".join(words).lower() + " "
    if choice == 2 and len(words) > 1:  # noqa: PLR2004 - parts joined
        return words[0] + words[1].lower() + "".join(f" {w}" for w in words[2:])
    return "-".join(words) if len(words) > 1 else f"{name}."


def _typo(rng: random.Random, name: str, _sex: Sex) -> str:
    words = name.split()
    i = rng.randrange(len(words))
    word = words[i]
    j = rng.randrange(1, len(word)) if len(word) > 1 else 0
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:j] + rng.choice("aiueokrnst") + word[j + 1 :]
    elif kind == 1 and len(word) > 3:  # noqa: PLR2004 - keep short words whole
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + word[j:][::-1][:1] + word[j:][1:] if j else word + word[-1]
    words[i] = word
    return " ".join(words)


def _parts(rng: random.Random, name: str, sex: Sex) -> str:
    words = name.split()
    if len(words) > 1 and rng.random() < 0.5:  # noqa: PLR2004 - drop or add, evenly
        return " ".join(words[:-1])
    father = rng.choice(_data()["male"])
    return f"{name} {'bin' if sex is Sex.MALE else 'binti'} {father}"


#: Variant rules, by name, with the weight each is drawn with.
_RULES: dict[str, tuple[Callable[[random.Random, str, Sex], str], int]] = {
    "old_spelling": (_old_spelling, 3),
    "abbreviation": (_abbreviate, 2),
    "title": (_title, 3),
    "transliteration": (_transliterate, 3),
    "layout": (_layout, 2),
    "typo": (_typo, 2),
    "parts": (_parts, 2),
}


def _vary_name(rng: random.Random, person: Person, count: int) -> Person:
    name = person.name
    names = list(_RULES)
    weights = [_RULES[n][1] for n in names]
    for rule in rng.choices(names, weights=weights, k=count):
        name = _RULES[rule][0](rng, name, person.sex)
    return attrs.evolve(person, name=name)


def _second_registration(
    rng: random.Random, original: Household, places: tuple[RegionCode, ...]
) -> Household:
    members = [_vary_name(rng, m, rng.choice((0, 1, 1, 2))) for m in original.members]
    members[0] = (
        _vary_name(rng, members[0], 1) if members[0].name == original.head.name else (members[0])
    )
    if rng.random() < 0.15 and len(members) > 1:  # noqa: PLR2004 - a member left or died
        del members[rng.randrange(1, len(members))]
    if rng.random() < 0.1:  # noqa: PLR2004 - a baby born since
        members.append(
            Person(
                member_id=f"m{len(original.members) + 1}",
                relationship=Relationship.CHILD,
                sex=Sex.FEMALE,
                birth_date=date(2025, 6, 1),
                name=_name(rng, Sex.FEMALE),
            )
        )
    if rng.random() < 0.15:  # noqa: PLR2004 - a birth date typed wrong (same year)
        i = rng.randrange(len(members))
        born = members[i].birth_date
        wrong = born.replace(day=1 + (born.day + 8) % 28)
        members[i] = attrs.evolve(members[i], birth_date=wrong)
    region = original.region
    if rng.random() < 0.1:  # noqa: PLR2004 - moved to another village of the district
        region = rng.choice(places)
    rng.shuffle(members)
    members.sort(key=lambda m: m.relationship is not Relationship.HEAD)
    return Household(region=region, members=tuple(members))


def _impostor(
    rng: random.Random, original: Household, places: tuple[RegionCode, ...]
) -> tuple[str, Household]:
    kind = rng.choices(
        ("neighbour", "namesake", "namesake_same_year", "relative", "married_child"),
        weights=(4, 3, 1, 2, 1),
    )[0]
    head = original.head
    if kind == "neighbour":
        return kind, synthetic_household(rng, original.region)
    if kind in {"namesake", "namesake_same_year"}:
        other = synthetic_household(rng, original.region, head_name=head.name)
        year = head.birth_date.year
        if kind == "namesake":
            year += rng.choice((-1, 1)) * rng.randint(1, 12)
        born = date(year, 1 + (head.birth_date.month + 5) % 12, rng.randint(1, 28))
        new_head = attrs.evolve(other.head, sex=head.sex, birth_date=born)
        return kind, attrs.evolve(other, members=(new_head, *other.members[1:]))
    if kind == "relative":
        parts = head.name.split()
        shared = rng.choice(parts)
        other = synthetic_household(rng, original.region)
        name = f"{other.head.name.split()[0]} {shared}"
        return kind, attrs.evolve(
            other, members=(attrs.evolve(other.head, name=name), *other.members[1:])
        )
    children = [m for m in original.members if m.relationship is Relationship.CHILD]
    if not children:
        return "neighbour", synthetic_household(rng, rng.choice(places))
    child = rng.choice(children)
    other = synthetic_household(rng, original.region)
    spouse = attrs.evolve(other.head, member_id="m2", relationship=Relationship.SPOUSE)
    new_head = attrs.evolve(child, member_id="m1", relationship=Relationship.HEAD)
    return kind, attrs.evolve(other, members=(new_head, spouse))


def generated_pairs(*, seed: int, size: int) -> tuple[LabelledPair, ...]:
    """*size* pairs, half duplicates and half not, the same for the same *seed*."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    places = villages(40)
    pairs = []
    for i in range(size):
        original = synthetic_household(rng, rng.choice(places))
        if i % 2 == 0:
            pairs.append(
                LabelledPair(
                    intake=_second_registration(rng, original, places),
                    candidate=original,
                    duplicate=True,
                    kind="variant",
                )
            )
        else:
            kind, other = _impostor(rng, original, places)
            pairs.append(LabelledPair(intake=other, candidate=original, duplicate=False, kind=kind))
    return tuple(pairs)


def hand_written_pairs() -> tuple[LabelledPair, ...]:
    """The pairs of ``data/names.toml``, each name in a one-member household."""
    village = villages(1)[0]

    def one(name: str) -> Household:
        head = Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            sex=Sex.FEMALE,
            birth_date=date(1970, 8, 17),
            name=name,
        )
        return Household(region=village, members=(head,))

    return tuple(
        LabelledPair(intake=one(p["a"]), candidate=one(p["b"]), duplicate=p["same"], kind="hand")
        for p in _data()["pair"]
    )


def labelled_pairs(*, seed: int = 2026, size: int = 2000) -> tuple[LabelledPair, ...]:
    """The hand-written pairs, then *size* generated ones."""
    return hand_written_pairs() + generated_pairs(seed=seed, size=size)
