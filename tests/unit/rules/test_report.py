"""The impact report of the Kota Bekasi example variant, built and read back as HTML."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from click.testing import CliRunner

from slrt_core._rules_cli import rules
from slrt_core.rules import (
    ImpactReport,
    compare,
    impact_report,
    load_pack,
    load_variant,
    read_variant,
)
from slrt_core.testing import check_variant

ROOT = Path(__file__).resolve().parents[3]
BEKASI_FILE = ROOT / "examples" / "kota_bekasi.toml"
ON = date(2026, 1, 1)


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "kota_bekasi_report", ROOT / "examples" / "kota_bekasi_report.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class _Tables(HTMLParser):
    """Every table of a page by id, as rows of cell texts; images and the lang."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self.links: list[str] = []
        self.lang = ""
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        elif tag == "table":
            self._table = found.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag in {"td", "th"}:
            self._cell = []
        elif tag == "img":
            self.images.append(found.get("src") or "")
        elif tag in {"link", "script"} or (tag == "a" and found.get("href")):
            self.links.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Tables:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return parser


def _rp(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


@pytest.fixture(scope="module")
def example() -> ModuleType:
    return _example()


@pytest.fixture(scope="module")
def built(example: ModuleType) -> tuple[ImpactReport, dict[str, object]]:
    variant = load_variant(BEKASI_FILE)
    tables = example.population(households=4000, seed=3)
    check = check_variant(variant, max_examples=10)
    return impact_report(variant, tables, data="synthetic 4,000", check=check), tables


class TestTheBekasiReport:
    def test_the_example_writes_its_reports(self, example: ModuleType, tmp_path: Path) -> None:
        """The example writes HTML and Markdown in both languages."""
        example.main(tmp_path)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == ["report.en.html", "report.en.md", "report.id.html", "report.id.md"]

    def test_program_rows_match_an_independent_comparison(
        self, built: tuple[ImpactReport, dict[str, object]]
    ) -> None:
        """Counts and annual amounts equal those computed from compare() directly."""
        report, tables = built
        base = load_pack()
        after = base.with_variants(load_variant(BEKASI_FILE))
        result = compare(base, after, tables, on=ON)
        for code, per_year in (("PKH", 1), ("KARTU_SEHAT_BEKASI", 12), ("SEMBAKO", 12)):
            row = report.program(code)
            total = result.total(code)
            assert (row.gained, row.lost) == (total.gained, total.lost)
            assert (row.eligible_before, row.eligible_after) == (
                total.eligible_before,
                total.eligible_after,
            )
            assert row.per_year == per_year
            assert row.benefit_before == total.benefit_before * per_year
            assert row.benefit_after == total.benefit_after * per_year
            assert row.to_gainers - row.from_losers + row.to_existing == row.benefit_change
        pkh = report.program("PKH")
        before = result.before.benefit["PKH"]
        after_amount = result.after.benefit["PKH"]
        both = (result.before.status["PKH"] == 1) & (result.after.status["PKH"] == 1)
        assert pkh.changed_amount == int(np.count_nonzero(both & (before != after_amount)))
        assert pkh.changed_amount > 0
        assert pkh.to_existing > 0
        assert report.program("SEMBAKO").changed is False

    def test_totals_by_group_add_up(self, built: tuple[ImpactReport, dict[str, object]]) -> None:
        """Regency, district and decile rows each sum to the program's totals."""
        report, _ = built
        pkh = report.program("PKH")
        for level in ("regency", "district", "decile"):
            rows = [g for g in report.groups if g.level == level and g.program == "PKH"]
            assert sum(g.gained for g in rows) == pkh.gained, level
            assert sum(g.benefit_change for g in rows) == pkh.benefit_change, level
        outside = report.group("regency", "32.16", "PKH")
        assert (outside.gained, outside.lost, outside.benefit_change) == (0, 0, 0)
        card = [
            g for g in report.groups if g.level == "decile" and g.program == "KARTU_SEHAT_BEKASI"
        ]
        assert all(g.gained == 0 for g in card if g.group in {"7", "8", "9", "10"})

    def test_the_html_is_self_contained_and_shows_the_numbers(
        self, built: tuple[ImpactReport, dict[str, object]]
    ) -> None:
        """The page parses, embeds its plots, links nothing, and shows the computed values."""
        report, _ = built
        page = _parse(report.html("en"))
        assert page.lang == "en"
        assert page.links == []
        assert len(page.images) == 2
        for src in page.images:
            assert src.startswith("data:image/png;base64,")
            assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
        summary = dict(row for row in page.tables["summary"])  # type: ignore[misc]
        assert summary["Content hash (SHA-256)"] == report.variant.content_hash
        assert summary["Rules without the variant"] == load_pack().version
        assert summary["Rules with the variant"] == report.variant_version
        assert summary["Status"] == "draft"
        assert "synthetic 4,000" in summary["Data"]
        head, *rows = page.tables["parameters"]
        assert head[:3] == ["Parameter", "Old", "New"]
        assert rows[0][:5] == [
            "pkh.elderly_min_age (Youngest age of the elderly component)",
            "70 years",
            "65 years",
            "2026-01-01",
            "2026-12-31",
        ]
        head, *rows = page.tables["programs"]
        assert "Benefit before (Rp/year)" in head
        by_code = {r[0].split(" ")[0]: dict(zip(head, r, strict=True)) for r in rows}
        pkh = report.program("PKH")
        assert by_code["PKH"]["Paid"] == "per year"
        assert by_code["KARTU_SEHAT_BEKASI"]["Paid"] == "per month"
        assert by_code["PKH"]["Gained"] == str(pkh.gained)
        assert by_code["PKH"]["Amount changed"] == str(pkh.changed_amount)
        assert by_code["PKH"]["Change (Rp/year)"] == "+" + _rp(pkh.benefit_change)
        card = report.program("KARTU_SEHAT_BEKASI")
        assert by_code["KARTU_SEHAT_BEKASI"]["Benefit after (Rp/year)"] == _rp(card.benefit_after)
        districts = page.tables["by-district"]
        assert all(r[0].startswith("32.75.") for r in districts[1:])
        assert any("PKH: age 65-69" in d.describe() for d in report.differences)
        assert "PKH: age 65-69: not eligible -&gt; eligible" in report.html("en")

    def test_the_indonesian_page_and_markdown(
        self, built: tuple[ImpactReport, dict[str, object]]
    ) -> None:
        """The Indonesian page is in Indonesian; the Markdown has the same tables."""
        report, _ = built
        page = _parse(report.html("id"))
        assert page.lang == "id"
        head = page.tables["programs"][0]
        assert "Manfaat sebelum (Rp/tahun)" in head
        summary = dict(row for row in page.tables["summary"])  # type: ignore[misc]
        assert summary["Status"] == "rancangan"
        assert "PKH: umur 65-69: tidak layak -&gt; layak" in report.html("id")
        text = report.markdown("id")
        assert "## Parameter yang diubah" in text
        assert "| pkh.elderly_min_age (Umur terendah komponen lanjut usia) | 70 tahun" in text
        assert "Pemeriksaan (check_variant)" in text
        assert report.markdown("en").count("\n| PKH ") == 1


class TestTheCommand:
    def test_report_writes_html(self, tmp_path: Path) -> None:
        """slrt rules report writes one HTML page and names the versions compared."""
        out = tmp_path / "report.html"
        done = CliRunner().invoke(
            rules,
            [
                "report",
                str(BEKASI_FILE),
                "--synthetic",
                "2000",
                "--out",
                str(out),
                "--examples",
                "5",
            ],
        )
        assert done.exit_code == 0, done.output
        assert "kota-bekasi-2026" in done.output
        page = _parse(out.read_text(encoding="utf-8"))
        assert "programs" in page.tables
        assert "check" in out.read_text(encoding="utf-8")

    def test_report_fails_on_a_broken_variant(self, tmp_path: Path) -> None:
        """A variant failing check_variant still gets its report, and exit status 1."""
        broken = tmp_path / "typo.toml"
        broken.write_text(
            BEKASI_FILE.read_text(encoding="utf-8").replace("value = 65", "value = 6"),
            encoding="utf-8",
        )
        out = tmp_path / "typo.md"
        done = CliRunner().invoke(
            rules,
            [
                "report",
                str(broken),
                "--synthetic",
                "500",
                "--out",
                str(out),
                "--examples",
                "5",
                "--language",
                "id",
            ],
        )
        assert done.exit_code == 1
        assert "GAGAL" in done.output
        assert "pkh.elderly_min_age = 6" in done.output
        assert out.read_text(encoding="utf-8").startswith("# Laporan dampak")

    def test_report_errors_are_messages(self, tmp_path: Path) -> None:
        """A variant that does not load is an error message."""
        bad = tmp_path / "bad.toml"
        bad.write_text('[variant]\nname = "x"\nregion = "99"\n', encoding="utf-8")
        done = CliRunner().invoke(
            rules, ["report", str(bad), "--out", str(tmp_path / "r.html"), "--no-check"]
        )
        assert done.exit_code == 1
        assert "Kemendagri" in done.output

    def test_two_revisions_diff(self, tmp_path: Path) -> None:
        """diff v2 --base v1 compares two revisions instead of failing 'already defined'."""
        first = tmp_path / "v1.toml"
        second = tmp_path / "v2.toml"
        text = BEKASI_FILE.read_text(encoding="utf-8")
        first.write_text(text, encoding="utf-8")
        second.write_text(
            text.replace("revision = 1", "revision = 2").replace(
                "{ value = 6, from", "{ value = 5, from"
            ),
            encoding="utf-8",
        )
        done = CliRunner().invoke(
            rules,
            [
                "diff",
                str(second),
                "--base",
                str(first),
                "--on",
                "2026-02-01",
                "--synthetic",
                "3000",
                "--json",
            ],
        )
        assert done.exit_code == 0, done.output
        rows = json.loads(done.output)["rows"]
        card = next(r for r in rows if r["program"] == "KARTU_SEHAT_BEKASI" and not r["region"])
        assert card["lost"] > 0  # decile 6 families lose the card in revision 2
        assert card["gained"] == 0
        pkh = next(r for r in rows if r["program"] == "PKH" and not r["region"])
        assert (pkh["gained"], pkh["lost"]) == (0, 0)
        assert read_variant(second.read_text(encoding="utf-8")).approval.revision == 2
