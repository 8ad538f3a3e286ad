"""The impact report of a variant: what changes, for whom, where, and at what cost a year.

A Dinas Sosial attaches it to a regulation draft. :func:`impact_report` screens a
population under the rules without and with the variant (:func:`compare`) and gathers:

- the parameter table: old -> new value, from, until, region, source;
- per program: households gained, lost and with a changed amount, and the benefits
  **annualised in Rp/year** (a monthly amount times 12; a one-off grant counted once,
  in the year it is paid), with each program's own period shown beside them; the cost
  split into what gainers receive, what losers no longer receive and what existing
  recipients receive more or less;
- totals by regency or city (kabupaten/kota), district (kecamatan) and DTSEN decile;
- where decisions differ, per changed parameter, with the smallest household
  (:mod:`slrt_core.rules._differences`), and the :func:`~slrt_core.testing.check_variant`
  verdict when given;
- the variant's content hash, its approval, the rulebook versions compared and the
  data it was computed on.

:meth:`ImpactReport.html` writes one self-contained HTML file (plots embedded as PNG,
no external file or script), :meth:`ImpactReport.markdown` the same in Markdown, each
in Bahasa Indonesia or English. Plots need the ``plot`` extra (matplotlib); without it
the report says so and has the tables only.

Examples:
    >>> from datetime import date
    >>> from slrt_core.identity import RegionCode
    >>> from slrt_core.rules import Override, Variant, synthetic_tables
    >>> city = Variant(name="x", region=RegionCode("32.75"), overrides=[Override(
    ...     parameter="pkh.elderly_min_age", value=65, valid_from=date(2026, 1, 1),
    ...     source="Perwal (example)")])
    >>> pop = synthetic_tables(3000, seed=2, regions=["32.75.01.1001", "32.01.01.2001"])
    >>> report = impact_report(city, pop, on=date(2026, 1, 1), programs=["PKH"], plots=False)
    >>> pkh = report.program("PKH")
    >>> pkh.gained > 0, pkh.lost, pkh.period, pkh.per_year
    (True, 0, 'year', 1)
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core.identity import RegionLevel
from slrt_core.rules._compare import Comparison, compare
from slrt_core.rules._decision import Period, rupiah
from slrt_core.rules._differences import (
    Change,
    Difference,
    changes,
    describe_household,
    differences,
)
from slrt_core.rules._inputs import input_spec
from slrt_core.rules._loader import load_pack
from slrt_core.rules._parameters import format_value, unit_label
from slrt_core.rules._programs import FixedBenefit, PerMemberBenefit
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._variants import Variant
from slrt_core.rules._vector import as_population

__all__ = ["GroupImpact", "ImpactReport", "ProgramImpact", "impact_report"]

Language = Literal["en", "id"]

PER_YEAR = {Period.MONTH: 12, Period.YEAR: 1, Period.ONCE: 1}
"""Payments per year of each benefit period (a one-off grant counts in its year)."""

_PERIOD_WORD = {
    "month": {"en": "per month", "id": "per bulan"},
    "year": {"en": "per year", "id": "per tahun"},
    "once": {"en": "once", "id": "sekali"},
    "": {"en": "in kind", "id": "natura"},
}

_T: dict[str, dict[str, str]] = {
    "title": {"en": "Impact report", "id": "Laporan dampak"},
    "variant": {"en": "Variant", "id": "Varian"},
    "region": {"en": "Region", "id": "Wilayah"},
    "status": {"en": "Status", "id": "Status"},
    "revision": {"en": "Revision", "id": "Revisi"},
    "decree": {"en": "Decree", "id": "Keputusan"},
    "approved_by": {"en": "Approved by", "id": "Disetujui oleh"},
    "hash": {"en": "Content hash (SHA-256)", "id": "Hash isi (SHA-256)"},
    "base": {"en": "Rules without the variant", "id": "Aturan tanpa varian"},
    "after": {"en": "Rules with the variant", "id": "Aturan dengan varian"},
    "on": {"en": "Evaluated on", "id": "Dievaluasi pada"},
    "data": {"en": "Data", "id": "Data"},
    "households": {"en": "households", "id": "rumah tangga"},
    "persons": {"en": "persons", "id": "orang"},
    "parameters": {"en": "Parameters changed", "id": "Parameter yang diubah"},
    "parameter": {"en": "Parameter", "id": "Parameter"},
    "old": {"en": "Old", "id": "Lama"},
    "new": {"en": "New", "id": "Baru"},
    "from": {"en": "From", "id": "Sejak"},
    "until": {"en": "Until", "id": "Sampai"},
    "source": {"en": "Source", "id": "Sumber"},
    "programs": {"en": "Programs", "id": "Program"},
    "program": {"en": "Program", "id": "Program"},
    "period": {"en": "Paid", "id": "Dibayar"},
    "eligible": {"en": "Eligible before -> after", "id": "Layak sebelum -> sesudah"},
    "gained": {"en": "Gained", "id": "Bertambah"},
    "lost": {"en": "Lost", "id": "Berkurang"},
    "changed": {"en": "Amount changed", "id": "Jumlah berubah"},
    "before_year": {"en": "Benefit before (Rp/year)", "id": "Manfaat sebelum (Rp/tahun)"},
    "after_year": {"en": "Benefit after (Rp/year)", "id": "Manfaat sesudah (Rp/tahun)"},
    "change_year": {"en": "Change (Rp/year)", "id": "Perubahan (Rp/tahun)"},
    "gainers_year": {"en": "to gainers (Rp/year)", "id": "untuk yang bertambah (Rp/tahun)"},
    "losers_year": {"en": "from losers (Rp/year)", "id": "dari yang berkurang (Rp/tahun)"},
    "existing_year": {
        "en": "to existing recipients (Rp/year)",
        "id": "untuk penerima lama (Rp/tahun)",
    },
    "by_regency": {"en": "By regency or city", "id": "Menurut kabupaten/kota"},
    "by_district": {"en": "By district (kecamatan)", "id": "Menurut kecamatan"},
    "by_decile": {"en": "By DTSEN decile", "id": "Menurut desil DTSEN"},
    "group": {"en": "Group", "id": "Kelompok"},
    "unknown": {"en": "unknown", "id": "tidak diketahui"},
    "differences": {"en": "Where decisions differ", "id": "Di mana keputusan berbeda"},
    "example": {"en": "Example household", "id": "Contoh rumah tangga"},
    "check": {"en": "Checks (check_variant)", "id": "Pemeriksaan (check_variant)"},
    "plots": {"en": "Plots", "id": "Grafik"},
    "no_plots": {
        "en": "Plots need the plot extra (pip install slrt_core[plot]).",
        "id": "Grafik memerlukan paket tambahan plot (pip install slrt_core[plot]).",
    },
    "units": {
        "en": "Amounts are Rupiah per year: monthly benefits times 12, one-off grants once.",
        "id": "Jumlah dalam Rupiah per tahun: manfaat bulanan dikali 12, hibah sekali "
        "dihitung sekali.",
    },
    "none": {"en": "none", "id": "tidak ada"},
    "draft": {"en": "draft", "id": "rancangan"},
    "approved": {"en": "approved", "id": "disetujui"},
}


@attrs.frozen(kw_only=True)
class ProgramImpact:
    """What a variant changes for one program, with benefits in Rp/year.

    Attributes:
        program: the program code.
        label_en: its name in English.
        label_id: its name in Bahasa Indonesia.
        period: its own benefit period (``month``, ``year``, ``once``; ``""`` in kind).
        per_year: payments per year used to annualise (12, 1, 1; 0 in kind).
        households: households screened.
        eligible_before: eligible without the variant.
        eligible_after: eligible with it.
        gained: eligible only with the variant.
        lost: eligible only without it.
        changed_amount: eligible on both sides with a different amount.
        benefit_before: all benefits without the variant, Rp/year.
        benefit_after: all benefits with it, Rp/year.
        to_gainers: what gainers receive, Rp/year.
        from_losers: what losers no longer receive, Rp/year.
        to_existing: the change for households eligible on both sides, Rp/year.

    .. versionadded:: 0.1.0
    """

    program: str
    label_en: str
    label_id: str
    period: str
    per_year: int
    households: int
    eligible_before: int
    eligible_after: int
    gained: int
    lost: int
    changed_amount: int
    benefit_before: int
    benefit_after: int
    to_gainers: int
    from_losers: int
    to_existing: int

    @property
    def benefit_change(self) -> int:
        """After minus before, Rp/year (``to_gainers - from_losers + to_existing``)."""
        return self.benefit_after - self.benefit_before

    @property
    def changed(self) -> bool:
        """Whether anything differs for the program."""
        return bool(self.gained or self.lost or self.changed_amount)


@attrs.frozen(kw_only=True)
class GroupImpact:
    """The change for one program in one group (a regency, a district, a decile).

    Attributes:
        level: ``regency``, ``district`` or ``decile``.
        group: the region code, or the decile (``""`` for an unknown decile).
        program: the program code.
        households: households in the group.
        gained: households gained.
        lost: households lost.
        changed_amount: households with a changed amount.
        benefit_change: the change in benefits, Rp/year.

    .. versionadded:: 0.1.0
    """

    level: str
    group: str
    program: str
    households: int
    gained: int
    lost: int
    changed_amount: int
    benefit_change: int


@attrs.frozen(kw_only=True)
class ImpactReport:
    """The impact of a variant on a population; see the module docstring.

    .. versionadded:: 0.1.0
    """

    variant: Variant
    base_version: str
    variant_version: str
    on: date
    data: str
    households: int
    persons: int
    changes: tuple[Change, ...]
    programs: tuple[ProgramImpact, ...]
    groups: tuple[GroupImpact, ...]
    differences: tuple[Difference, ...]
    check: Any = None
    plots: tuple[tuple[str, str, str], ...] = ()
    """``(language, title, base64 PNG)``, empty without matplotlib or when not asked for."""

    def program(self, code: str) -> ProgramImpact:
        """The impact on the program *code*.

        Raises:
            KeyError: the report has no such program.
        """
        for found in self.programs:
            if found.program == code:
                return found
        raise KeyError(code)

    def group(self, level: str, group: str, program: str) -> GroupImpact:
        """The row of *program* in *group* of *level*.

        Raises:
            KeyError: no such row.
        """
        for found in self.groups:
            if (found.level, found.group, found.program) == (level, group, program):
                return found
        raise KeyError((level, group, program))

    # ------------------------------------------------------------------ tables

    def _head(self, language: Language) -> list[tuple[str, str]]:
        t = _words(language)
        approval = self.variant.approval
        return [
            (t["variant"], f"{self.variant.name} ({_label(self.variant, language)})"),
            (t["region"], self.variant.region.code),
            (t["status"], t[approval.status.value]),
            (t["revision"], str(approval.revision)),
            (t["decree"], approval.decree or "-"),
            (
                t["approved_by"],
                f"{approval.approved_by} ({approval.approved_on})" if approval.approved_by else "-",
            ),
            (t["hash"], self.variant.content_hash),
            (t["base"], self.base_version),
            (t["after"], self.variant_version),
            (t["on"], self.on.isoformat()),
            (
                t["data"],
                (
                    f"{self.data} ({_count(self.households)} {t['households']}, "
                    f"{_count(self.persons)} {t['persons']})"
                ),
            ),
        ]

    def _parameter_rows(self, language: Language) -> tuple[list[str], list[list[str]]]:
        t = _words(language)
        head = [t["parameter"], t["old"], t["new"], t["from"], t["until"], t["region"], t["source"]]
        rows = [
            [
                f"{c.parameter} ({c.label_en if language == 'en' else c.label_id})",
                "-" if c.old is None else _value(c.old, c.unit, language),
                _value(c.new, c.unit, language),
                c.valid_from.isoformat(),
                c.valid_until.isoformat() if c.valid_until else "-",
                c.region,
                c.source or "-",
            ]
            for c in self.changes
        ]
        return head, rows

    def _program_rows(self, language: Language) -> tuple[list[str], list[list[str]]]:
        t = _words(language)
        head = [
            t["program"],
            t["period"],
            t["eligible"],
            t["gained"],
            t["lost"],
            t["changed"],
            t["before_year"],
            t["after_year"],
            t["change_year"],
            t["gainers_year"],
            t["losers_year"],
            t["existing_year"],
        ]
        rows = [
            [
                f"{p.program} ({p.label_en if language == 'en' else p.label_id})",
                _PERIOD_WORD[p.period][language],
                f"{_count(p.eligible_before)} -> {_count(p.eligible_after)}",
                _count(p.gained),
                _count(p.lost),
                _count(p.changed_amount),
                rupiah(p.benefit_before),
                rupiah(p.benefit_after),
                _signed(p.benefit_change),
                rupiah(p.to_gainers),
                rupiah(p.from_losers),
                _signed(p.to_existing),
            ]
            for p in self.programs
        ]
        return head, rows

    def _group_rows(self, level: str, language: Language) -> tuple[list[str], list[list[str]]]:
        t = _words(language)
        head = [
            t["group"],
            t["program"],
            t["households"],
            t["gained"],
            t["lost"],
            t["changed"],
            t["change_year"],
        ]
        rows = [
            [
                g.group or t["unknown"],
                g.program,
                _count(g.households),
                _count(g.gained),
                _count(g.lost),
                _count(g.changed_amount),
                _signed(g.benefit_change),
            ]
            for g in self.groups
            if g.level == level and (g.gained or g.lost or g.changed_amount)
        ]
        return head, rows

    def _sections(self, language: Language) -> list[tuple[str, list[str], list[list[str]]]]:
        t = _words(language)
        return [
            (t["parameters"], *self._parameter_rows(language)),
            (t["programs"], *self._program_rows(language)),
            (t["by_regency"], *self._group_rows("regency", language)),
            (t["by_district"], *self._group_rows("district", language)),
            (t["by_decile"], *self._group_rows("decile", language)),
        ]

    # ------------------------------------------------------------------ rendering

    def markdown(self, language: Language = "en") -> str:
        """The report in Markdown (plots left out: see :meth:`html`)."""
        t = _words(language)
        lines = [f"# {t['title']}: {self.variant.name}", ""]
        lines += [f"- **{k}**: {v}" for k, v in self._head(language)]
        lines += ["", t["units"]]
        for title, head, rows in self._sections(language):
            lines += ["", f"## {title}", ""]
            lines += _md_table(head, rows or [[t["none"], *[""] * (len(head) - 1)]])
        lines += ["", f"## {t['differences']}", ""]
        for found in self.differences:
            lines.append(f"- {found.describe(language)}")
            lines.append(f"  - {t['example']}: {_household(found, language)}")
        if not self.differences:
            lines.append(t["none"])
        if self.check is not None:
            lines += ["", f"## {t['check']}", "", "```text", self.check.render(language), "```"]
        return "\n".join(lines) + "\n"

    def html(self, language: Language = "en") -> str:
        """The report as one self-contained HTML page (plots embedded)."""
        t = _words(language)
        e = html.escape
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{language}"><head><meta charset="utf-8">',
            f"<title>{e(t['title'])}: {e(self.variant.name)}</title>",
            _STYLE,
            f"<h1>{e(t['title'])}: {e(self.variant.name)}</h1>",
            '<table id="summary">',
        ]
        parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in self._head(language)]
        parts += ["</table>", f"<p>{e(t['units'])}</p>"]
        ids = ("parameters", "programs", "by-regency", "by-district", "by-decile")
        for key, (title, head, rows) in zip(ids, self._sections(language), strict=True):
            parts.append(f"<h2>{e(title)}</h2>")
            parts.append(_html_table(key, head, rows, t["none"]))
        parts.append(f'<h2>{e(t["differences"])}</h2><ul id="differences">')
        parts += [
            f"<li>{e(d.describe(language))}<br><small>{e(t['example'])}: "
            f"{e(_household(d, language))}</small></li>"
            for d in self.differences
        ]
        parts.append("</ul>")
        parts.append(f"<h2>{e(t['plots'])}</h2>")
        shown = [(title, png) for lang, title, png in self.plots if lang == language]
        if shown:
            parts += [
                f'<figure><img alt="{e(title)}" src="data:image/png;base64,{png}">'
                f"<figcaption>{e(title)}</figcaption></figure>"
                for title, png in shown
            ]
        else:
            parts.append(f"<p>{e(t['no_plots'])}</p>")
        if self.check is not None:
            parts.append(f'<h2>{e(t["check"])}</h2><pre id="check">')
            parts.append(e(self.check.render(language)))
            parts.append("</pre>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"

    def write(self, path: str | Path, language: Language = "en") -> Path:
        """Write the report to *path*: HTML, or Markdown when it ends in ``.md``."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = self.markdown(language) if target.suffix == ".md" else self.html(language)
        target.write_text(text, encoding="utf-8")
        return target


# --------------------------------------------------------------------------- helpers


_STYLE = (
    "<style>body{font-family:sans-serif;margin:2em;max-width:75em}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #999;padding:.25em .5em;text-align:left}"
    "td.n{text-align:right}pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}"
    "</style></head><body>"
)


def _words(language: Language) -> dict[str, str]:
    return {k: v[language] for k, v in _T.items()}


def _label(variant: Variant, language: Language) -> str:
    return (variant.label_en if language == "en" else variant.label_id) or variant.name


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _signed(amount: int) -> str:
    return ("-" if amount < 0 else "+") + rupiah(abs(amount))


def _value(value: object, unit: str, language: Language) -> str:
    shown = format_value(value)
    label = unit_label(unit, language)
    if unit.startswith("IDR") and isinstance(value, int) and not isinstance(value, bool):
        return f"{rupiah(value)}{label.removeprefix('Rp')}"
    return f"{shown} {label}".strip()


def _household(found: Difference, language: Language) -> str:
    return describe_household(found.household, found.on, language)


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def _html_table(key: str, head: Sequence[str], rows: Sequence[Sequence[str]], none: str) -> str:
    e = html.escape
    out = [f'<table id="{key}"><thead><tr>']
    out += [f"<th>{e(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    if not rows:
        out.append(f'<tr><td colspan="{len(head)}">{e(none)}</td></tr>')
    for row in rows:
        out.append("<tr>")
        out += [
            f'<td class="n">{e(c)}</td>' if i else f"<td>{e(c)}</td>" for i, c in enumerate(row)
        ]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _period(rulebook: Rulebook, code: str) -> tuple[str, int]:
    program = rulebook.programs.get(code)
    benefit = None if program is None else program.benefit
    if isinstance(benefit, (FixedBenefit, PerMemberBenefit)):
        return benefit.period.value, PER_YEAR[benefit.period]
    return "", 0


def _plots(report: ImpactReport, language: Language) -> tuple[tuple[str, str], ...]:
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra
    except ImportError:  # pragma: no cover - matplotlib is in the test group
        return ()
    t = _words(language)
    shown = [p for p in report.programs if p.changed]
    if not shown:
        return ()
    found: list[tuple[str, str]] = []
    figure = Figure(figsize=(7, 3.5))
    axes = figure.subplots()
    x = np.arange(len(shown))
    for offset, key, values in (
        (-0.25, "gained", [p.gained for p in shown]),
        (0.0, "lost", [p.lost for p in shown]),
        (0.25, "changed", [p.changed_amount for p in shown]),
    ):
        axes.bar(x + offset, values, width=0.25, label=t[key])
    axes.set_xticks(x, [p.program for p in shown])
    axes.set_ylabel(t["households"])
    axes.legend()
    title = f"{t['gained']} / {t['lost']} / {t['changed']}"
    axes.set_title(title)
    found.append((title, _png(figure)))
    figure = Figure(figsize=(7, 3.5))
    axes = figure.subplots()
    changed = [g for g in report.groups if g.level == "district" and g.benefit_change]
    districts = sorted({g.group for g in changed})
    bottom = np.zeros(len(districts))
    for code in dict.fromkeys(g.program for g in changed):
        amounts: npt.NDArray[np.float64] = np.array(
            [
                sum(g.benefit_change for g in changed if g.group == d and g.program == code)
                for d in districts
            ],
            dtype=float,
        )
        axes.bar(districts, amounts / 1e6, bottom=bottom, label=code)
        bottom += amounts / 1e6
    axes.set_ylabel("Rp juta/tahun" if language == "id" else "Rp million/year")
    title = t["change_year"] + " - " + t["by_district"]
    axes.set_title(title)
    if changed:
        axes.legend()
        axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    found.append((title, _png(figure)))
    return tuple(found)


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _by(
    group: npt.NDArray[np.intp],
    names: Sequence[str],
    level: str,
    code: str,
    masks: dict[str, npt.NDArray[np.bool_]],
    change: npt.NDArray[np.int64],
) -> list[GroupImpact]:
    size = len(names)
    sizes = np.bincount(group, minlength=size)
    counts = {k: np.bincount(group[v], minlength=size) for k, v in masks.items()}
    money = np.bincount(group, weights=change, minlength=size)
    return [
        GroupImpact(
            level=level,
            group=names[g],
            program=code,
            households=int(sizes[g]),
            gained=int(counts["gained"][g]),
            lost=int(counts["lost"][g]),
            changed_amount=int(counts["changed"][g]),
            benefit_change=int(np.rint(money[g])),
        )
        for g in sorted(range(size), key=lambda k: names[k])
        if sizes[g]
    ]


def _groups(pop: Any, on: date) -> list[tuple[str, npt.NDArray[np.intp], list[str]]]:
    found = []
    for level, cut in (("regency", 5), ("district", 8)):
        index: dict[str, int] = {}
        per_region = np.asarray(
            [index.setdefault(code[:cut], len(index)) for code in pop.regions], dtype=np.intp
        )
        found.append((level, per_region[pop.region_index], list(index)))
    spec = input_spec("decile")
    assert spec is not None  # noqa: S101 - a fixed input
    if pop.has_column("decile", spec.scope):
        column = pop.columns([spec], on)["decile"]
        known = np.ones(pop.households, dtype=bool) if column.known is None else column.known
        values = np.where(known, np.asarray(column.data, dtype=np.int64), 0)
        values = np.clip(values, 0, 10)
        found.append(("decile", values.astype(np.intp), ["", *[str(d) for d in range(1, 11)]]))
    return found


def _latest(rules: Rulebook) -> date:
    return max(v.valid_from for p in rules.parameters.values() for v in p.values)


def impact_report(
    variant: Variant,
    population: Any,
    *,
    on: date | None = None,
    base: Rulebook | None = None,
    programs: Iterable[str] | None = None,
    data: str = "",
    check: Any = None,
    plots: bool = True,
) -> ImpactReport:
    """The impact of *variant* on *population*: see the module docstring.

    Args:
        variant: the variant.
        population: as for :func:`~slrt_core.rules.screen`.
        on: the evaluation date; the variant's intended start (else its first change)
            by default.
        base: the rules it changes (the shipped pack by default). When *base* already
            holds a variant of the same name (an earlier revision), *variant* replaces it:
            that is how two revisions are compared.
        programs: program codes to report; every program of either side by default.
        data: what the population is (``"DTSEN extract Kota Bekasi 2025-11"``).
        check: a :class:`~slrt_core.testing.VariantReport` to include.
        plots: draw the plots, in both languages (needs matplotlib).

    Raises:
        InvalidInputError: the variant does not load, or the population is malformed.
    """
    rules = base if base is not None else load_pack()
    after = rules.replacing(variant)
    if on is None:
        dates = [c.valid_from for c in changes(rules, variant)] + [
            p.offered_from for p in variant.programs
        ]
        on = variant.intent.valid_from if variant.intent else min(dates, default=_latest(rules))
    pop = as_population(population)
    result: Comparison = compare(
        rules, after, pop, on=on, level=RegionLevel.REGENCY, programs=programs
    )
    codes = tuple(dict.fromkeys(r.program for r in result.rows))
    groups = _groups(pop, on)
    impacts: list[ProgramImpact] = []
    group_rows: list[GroupImpact] = []
    zeros8 = np.zeros(pop.households, dtype=np.int8)
    zeros64 = np.zeros(pop.households, dtype=np.int64)
    for code in codes:
        s0 = result.before.status.get(code, zeros8)
        s1 = result.after.status.get(code, zeros8)
        period, per_year = _period(after if code in after.programs else rules, code)
        b0 = result.before.benefit.get(code, zeros64) * per_year
        b1 = result.after.benefit.get(code, zeros64) * per_year
        gained = (s1 == 1) & (s0 != 1)
        lost = (s0 == 1) & (s1 != 1)
        both = (s0 == 1) & (s1 == 1)
        changed = both & (b0 != b1)
        program = after.programs.get(code) or rules.programs[code]
        impacts.append(
            ProgramImpact(
                program=code,
                label_en=program.label_en,
                label_id=program.label_id,
                period=period,
                per_year=per_year,
                households=pop.households,
                eligible_before=int(np.count_nonzero(s0 == 1)),
                eligible_after=int(np.count_nonzero(s1 == 1)),
                gained=int(np.count_nonzero(gained)),
                lost=int(np.count_nonzero(lost)),
                changed_amount=int(np.count_nonzero(changed)),
                benefit_before=int(b0.sum()),
                benefit_after=int(b1.sum()),
                to_gainers=int(b1[gained].sum()),
                from_losers=int(b0[lost].sum()),
                to_existing=int((b1[both] - b0[both]).sum()),
            )
        )
        masks = {"gained": gained, "lost": lost, "changed": changed}
        for level, group, names in groups:
            group_rows += _by(group, names, level, code, masks, b1 - b0)
    report = ImpactReport(
        variant=variant,
        base_version=rules.version,
        variant_version=after.version,
        on=on,
        data=data or "population",
        households=pop.households,
        persons=pop.persons,
        changes=changes(rules.without(variant.name), variant),
        programs=tuple(impacts),
        groups=tuple(group_rows),
        differences=differences(rules.without(variant.name), after, variant, programs=codes),
        check=check,
    )
    if plots:
        drawn = tuple(
            (lang, title, png) for lang in ("en", "id") for title, png in _plots(report, lang)
        )
        report = attrs.evolve(report, plots=drawn)
    return report
