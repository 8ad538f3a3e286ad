"""Check the Kota Bekasi example variant and write its impact report.

The variant (``examples/kota_bekasi.toml``) lowers the PKH elderly age from 70 to 65 in
Kota Bekasi (32.75) for 2026 and adds a city health card; both are invented for the
example. This script runs :func:`~slrt_core.testing.check_variant` on it, screens a
synthetic population in and around the city, and writes the report as one HTML page
and as Markdown, in Bahasa Indonesia and English, into a folder (the first argument, or
a temporary folder). Run it with ``python examples/kota_bekasi_report.py [folder]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.rules import impact_report, load_variant, synthetic_tables
from slrt_core.testing import check_variant

HERE = Path(__file__).resolve().parent


def population(households: int = 20_000, seed: int = 1) -> dict[str, object]:
    """Synthetic households: three in four in Kota Bekasi, the rest in Kabupaten Bekasi."""
    inside = [str(v) for v in RegionCode("32.75").codes_at(RegionLevel.VILLAGE)[:30]]
    outside = [str(v) for v in RegionCode("32.16").codes_at(RegionLevel.VILLAGE)[:10]]
    return synthetic_tables(households, seed=seed, regions=inside + outside)


def main(folder: Path) -> None:
    """Check the variant, then write report.{en,id}.{html,md} into *folder*."""
    variant = load_variant(HERE / "kota_bekasi.toml")
    verdict = check_variant(variant, max_examples=30)
    print(verdict.render("en").splitlines()[0])
    report = impact_report(
        variant, population(), data="synthetic, 20,000 households (seed 1)", check=verdict
    )
    for language in ("en", "id"):
        for suffix in ("html", "md"):
            written = report.write(folder / f"report.{language}.{suffix}", language)
            print(f"wrote {written.name}")
    pkh = report.program("PKH")
    change = f"{pkh.benefit_change:,}".replace(",", ".")
    print(
        f"PKH: {pkh.gained} households gained, {pkh.changed_amount} with a higher amount; "
        f"+Rp{change} a year"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            main(Path(scratch))
