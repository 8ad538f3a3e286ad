"""Comparing two rulebooks on one population: who gains or loses, where, and how much.

Examples:
    >>> from datetime import date
    >>> from slrt_core.rules import Override, Variant, load_pack, synthetic_tables
    >>> from slrt_core.identity import RegionCode
    >>> base = load_pack()
    >>> cheaper = base.with_variants(Variant(
    ...     name="lower-elderly-age", region=RegionCode("33.74"),
    ...     overrides=[Override(parameter="pkh.elderly_min_age", value=60,
    ...                         valid_from=date(2025, 1, 1), source="example")]))
    >>> result = compare(base, cheaper, synthetic_tables(2000, seed=3),
    ...                  on=date(2025, 3, 1), programs=["PKH"])
    >>> total = result.total("PKH")
    >>> total.lost, total.gained > 0
    (0, True)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core.identity import RegionLevel
from slrt_core.rules._decision import rupiah
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._vector import ScreenResult, as_population, screen

__all__ = ["Comparison", "ComparisonRow", "compare"]

_LEVEL_LENGTH = {
    RegionLevel.NATIONAL: 0,
    RegionLevel.PROVINCE: 2,
    RegionLevel.REGENCY: 5,
    RegionLevel.DISTRICT: 8,
    RegionLevel.VILLAGE: 13,
}


@attrs.frozen(kw_only=True)
class ComparisonRow:
    """The change for one program in one region (``region == ""``: every region).

    Attributes:
        program: the program code.
        region: the region code at the comparison level, or ``""`` for the total.
        households: households in the region.
        eligible_before: eligible under the base rulebook.
        eligible_after: eligible under the variant.
        gained: not eligible (or unverified) before, eligible after.
        lost: eligible before, not eligible (or unverified) after.
        verification_before: needing verification before.
        verification_after: needing verification after.
        benefit_before: total benefit before: the sum of each eligible household's amount
            per benefit period, in the program's own period (a shared grant, such as
            KUBE's per group, counts each household's share).
        benefit_after: total benefit after, likewise.

    .. versionadded:: 0.1.0
    """

    program: str
    region: str
    households: int
    eligible_before: int
    eligible_after: int
    gained: int
    lost: int
    verification_before: int
    verification_after: int
    benefit_before: int
    benefit_after: int

    @property
    def benefit_change(self) -> int:
        """After minus before."""
        return self.benefit_after - self.benefit_before

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return bool(
            self.gained
            or self.lost
            or self.verification_before != self.verification_after
            or self.benefit_change
        )


class Comparison:
    """What :func:`compare` returns.

    Attributes:
        base_version: the base rulebook version.
        variant_version: the variant rulebook version.
        on: the evaluation date.
        level: the region level rows are grouped by.
        rows: one row per program and region with households, then one total per program.
        before: the screening under the base rulebook.
        after: the screening under the variant.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        base_version: str,
        variant_version: str,
        on: date,
        level: RegionLevel,
        rows: tuple[ComparisonRow, ...],
        before: ScreenResult,
        after: ScreenResult,
    ) -> None:
        self.base_version = base_version
        self.variant_version = variant_version
        self.on = on
        self.level = level
        self.rows = rows
        self.before = before
        self.after = after

    def total(self, program: str) -> ComparisonRow:
        """The total row of *program*."""
        return next(r for r in self.rows if r.program == program and not r.region)

    def gainers(self, program: str) -> npt.NDArray[np.intp]:
        """The rows of the households that become eligible for *program*."""
        before, after = _status(self.before, program), _status(self.after, program)
        return np.flatnonzero((after == 1) & (before != 1))

    def losers(self, program: str) -> npt.NDArray[np.intp]:
        """The rows of the households that stop being eligible for *program*."""
        before, after = _status(self.before, program), _status(self.after, program)
        return np.flatnonzero((before == 1) & (after != 1))

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (with ``benefit_change``), for JSON or a DataFrame."""
        return [{**attrs.asdict(r), "benefit_change": r.benefit_change} for r in self.rows]

    def to_json(self) -> str:
        """The comparison as one JSON document."""
        return json.dumps(
            {
                "base": self.base_version,
                "variant": self.variant_version,
                "on": self.on.isoformat(),
                "level": self.level.name.lower(),
                "rows": self.to_records(),
            },
            indent=2,
        )

    def render(self, language: Literal["en", "id"] = "en", *, only_changes: bool = True) -> str:
        """A readable table of the changes.

        Args:
            language: ``"en"`` or ``"id"``.
            only_changes: leave out rows where nothing changes.
        """
        head = (
            ("program", "region", "gained", "lost", "eligible", "benefit change")
            if language == "en"
            else ("program", "wilayah", "bertambah", "berkurang", "layak", "perubahan manfaat")
        )
        lines = [" | ".join(head)]
        everywhere = "all" if language == "en" else "semua"
        for row in self.rows:
            if only_changes and not row.changed:
                continue
            change = rupiah(abs(row.benefit_change))
            sign = "-" if row.benefit_change < 0 else "+"
            lines.append(
                f"{row.program} | {row.region or everywhere} | {row.gained} | {row.lost} | "
                f"{row.eligible_before} -> {row.eligible_after} | {sign}{change}"
            )
        if len(lines) == 1:
            lines.append("no change" if language == "en" else "tidak ada perubahan")
        return "\n".join(lines)


def _status(result: ScreenResult, program: str) -> npt.NDArray[np.int8]:
    found = result.status.get(program)
    if found is None:
        return np.zeros(result.population.households, dtype=np.int8)
    return found


def _benefit(result: ScreenResult, program: str) -> npt.NDArray[np.int64]:
    found = result.benefit.get(program)
    if found is None:
        return np.zeros(result.population.households, dtype=np.int64)
    return found


def compare(
    base: Rulebook,
    variant: Rulebook,
    population: Any,
    *,
    on: date,
    level: RegionLevel = RegionLevel.REGENCY,
    programs: Iterable[str] | None = None,
) -> Comparison:
    """Screen *population* under both rulebooks and count who gains or loses.

    Args:
        base: the rulebook in force.
        variant: the changed rulebook (usually ``base.with_variants(...)``).
        population: as for :func:`~slrt_core.rules.screen`.
        on: the evaluation date.
        level: the region level to group by (regency by default).
        programs: program codes to compare; default every program of either rulebook
            (a program only one side has counts as not eligible on the other).

    Raises:
        InvalidInputError: the population is malformed or misses columns.
    """
    pop = as_population(population)
    if programs is None:
        codes = tuple(dict.fromkeys([*base.programs, *variant.programs]))
    else:
        codes = tuple(programs)
    before = screen(pop, on=on, rulebook=base, programs=[c for c in codes if c in base.programs])
    after = screen(
        pop, on=on, rulebook=variant, programs=[c for c in codes if c in variant.programs]
    )
    cut = _LEVEL_LENGTH[level]
    groups: dict[str, int] = {}
    region_group = np.asarray(
        [groups.setdefault(code[:cut], len(groups)) for code in pop.regions], dtype=np.intp
    )
    group = region_group[pop.region_index]
    names = list(groups)
    size = np.bincount(group, minlength=len(names))
    rows: list[ComparisonRow] = []
    totals: list[ComparisonRow] = []
    for code in codes:
        s0, s1 = _status(before, code), _status(after, code)
        b0, b1 = _benefit(before, code), _benefit(after, code)
        counts = {
            "eligible_before": s0 == 1,
            "eligible_after": s1 == 1,
            "gained": (s1 == 1) & (s0 != 1),
            "lost": (s0 == 1) & (s1 != 1),
            "verification_before": s0 == -1,
            "verification_after": s1 == -1,
        }
        per_group = {k: np.bincount(group[v], minlength=len(names)) for k, v in counts.items()}
        sums = {
            "benefit_before": np.bincount(group, weights=b0, minlength=len(names)),
            "benefit_after": np.bincount(group, weights=b1, minlength=len(names)),
        }
        rows.extend(
            ComparisonRow(
                program=code,
                region=names[g],
                households=int(size[g]),
                **{k: int(v[g]) for k, v in per_group.items()},
                **{k: int(np.rint(v[g])) for k, v in sums.items()},
            )
            for g in (sorted(range(len(names)), key=lambda k: names[k]) if cut else ())
        )
        totals.append(
            ComparisonRow(
                program=code,
                region="",
                households=pop.households,
                **{k: int(np.count_nonzero(v)) for k, v in counts.items()},
                benefit_before=int(b0.sum()),
                benefit_after=int(b1.sum()),
            )
        )
    return Comparison(
        base_version=base.version,
        variant_version=variant.version,
        on=on,
        level=level,
        rows=(*rows, *totals),
        before=before,
        after=after,
    )
