"""``slrt rules``: compare a local variant with the rules in force, run rule test cases.

Mounted on the ``slrt`` command with ``cli.add_command(rules)``::

    slrt rules diff kota-semarang.toml --on 2025-03-01 --synthetic 20000
    slrt rules diff kota-semarang.toml --on 2025-03-01 --population district.npz --json
    slrt rules diff v2.toml --base v1.toml --on 2026-01-01   # two revisions of one variant
    slrt rules report kota-bekasi.toml --population extract/ --out report.html
    slrt rules test tests/rules/          # every rules_*.toml and *.rules.toml
    slrt rules test --pack                # the shipped pack's own cases

Errors from the library are printed as their message (``--language id`` for Bahasa
Indonesia) with exit status 1; failing cases also give exit status 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import click
import numpy as np

from slrt_core.errors import InvalidInputError, SlrtError
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.rules._cases import pack_cases, run_cases
from slrt_core.rules._compare import compare
from slrt_core.rules._loader import load_rulebook, load_variant
from slrt_core.rules._synthetic import synthetic_tables

__all__ = ["rules"]

Language = Literal["en", "id"]

_language = click.option(
    "--language",
    "-l",
    type=click.Choice(["id", "en"]),
    default="en",
    show_default=True,
    help="Language of messages (Bahasa Indonesia or English).",
)


def _fail(error: SlrtError, language: Language) -> click.ClickException:
    return click.ClickException(error.message(language))


@click.group("rules")
def rules() -> None:
    """Eligibility rules: compare variants and run rule test cases."""


def _population(path: str) -> dict[str, Any]:
    """Tables from an ``.npz`` file or a folder of parquet files.

    The ``.npz`` arrays are named ``households/<column>``, ``persons/<column>`` and
    ``regions``; the folder holds ``households.parquet`` and ``persons.parquet``.
    """
    source = Path(path)
    if source.is_dir():
        try:
            import pyarrow.parquet as pq  # noqa: PLC0415 - optional, only for parquet input
        except ImportError:
            raise InvalidInputError.single(
                path,
                "Reading Parquet needs pyarrow: pip install 'slrt_core[parquet]', or give an "
                ".npz file.",
                "Membaca Parquet memerlukan pyarrow: pip install 'slrt_core[parquet]', atau "
                "berikan berkas .npz.",
            ) from None
        return {
            "households": pq.read_table(source / "households.parquet"),
            "persons": pq.read_table(source / "persons.parquet"),
        }
    with np.load(source, allow_pickle=False) as data:
        tables: dict[str, Any] = {"households": {}, "persons": {}}
        for key in data.files:
            table, _, column = key.partition("/")
            if table == "regions":
                tables["regions"] = [str(r) for r in data[key]]
            elif table in tables and column:
                tables[table][column] = data[key]
            else:
                raise InvalidInputError.single(
                    f"{path}:{key}",
                    "Arrays of a population file are named households/<column>, "
                    "persons/<column> or regions.",
                    "Array berkas populasi dinamai `households/<kolom>`, `persons/<kolom>` atau "
                    "`regions`.",
                )
    return tables


def _villages(regions: list[RegionCode]) -> list[str]:
    """Village codes inside *regions* (a sample), plus a few outside them for contrast."""
    inside = [str(v) for r in regions for v in r.codes_at(RegionLevel.VILLAGE)[:40]]
    outside = [
        str(v)
        for v in RegionCode("31.71").codes_at(RegionLevel.VILLAGE)[:10]
        if not any(r.contains(v) for r in regions)
    ]
    return inside + outside


def _population_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--population``, ``--synthetic`` and ``--seed``: the households a command screens."""
    command = click.option(
        "--seed", default=0, show_default=True, help="Seed of the synthetic population."
    )(command)
    command = click.option(
        "--synthetic",
        type=click.IntRange(min=1),
        help="Use this many synthetic households in and around the variants' regions instead.",
    )(command)
    return click.option(
        "--population",
        type=click.Path(exists=True),
        help="An .npz file (households/<col>, persons/<col>, regions) or a folder "
        "with households.parquet and persons.parquet.",
    )(command)


def _tables(
    population: str | None, synthetic: int | None, seed: int, regions: list[RegionCode]
) -> tuple[Any, str]:
    """The households to screen, and a line saying what they are.

    The extract at *population*, or else *synthetic* (10,000 by default) synthetic
    households in and around *regions*.
    """
    if population is not None:
        return _population(population), population
    count = synthetic or 10_000
    tables = synthetic_tables(count, seed=seed, regions=_villages(regions))
    return tables, f"synthetic ({count} households, seed {seed})"


@rules.command("diff")
@click.argument("variants", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--on",
    "on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Evaluation date, YYYY-MM-DD.",
)
@click.option(
    "--base",
    "bases",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A variant already in force, applied on both sides (repeatable).",
)
@_population_options
@click.option(
    "--level",
    type=click.Choice(["province", "regency", "district", "village"]),
    default="regency",
    show_default=True,
    help="Region level of the rows.",
)
@click.option("--all-rows", is_flag=True, help="Show rows without changes too.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_language
def diff(
    variants: tuple[str, ...],
    on: datetime,
    bases: tuple[str, ...],
    population: str | None,
    synthetic: int | None,
    seed: int,
    level: str,
    all_rows: bool,  # noqa: FBT001 - a click flag
    as_json: bool,  # noqa: FBT001 - a click flag
    language: Language,
) -> None:
    """Who gains or loses eligibility under VARIANTS, per program and region."""
    day: date = on.date()
    try:
        base = load_rulebook(*bases)
        loaded = [load_variant(v) for v in variants]
        # A variant named like one of the base's is its new revision: it replaces it.
        changed = base.replacing(*loaded)
        tables, _ = _tables(population, synthetic, seed, [v.region for v in loaded])
        result = compare(base, changed, tables, on=day, level=RegionLevel[level.upper()])
    except SlrtError as error:
        raise _fail(error, language) from None
    if as_json:
        click.echo(result.to_json())
        return
    click.echo(f"{base.version} -> {changed.version} ({day.isoformat()})")
    click.echo(result.render(language, only_changes=not all_rows))


@rules.command("report")
@click.argument("variant", type=click.Path(dir_okay=False, exists=True))
@_population_options
@click.option(
    "--base",
    "bases",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A variant already in force (an earlier revision of VARIANT is replaced by it).",
)
@click.option(
    "--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Evaluation date, YYYY-MM-DD."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The report file: .html (one self-contained page) or .md (Markdown).",
)
@click.option("--check/--no-check", default=True, show_default=True, help="Run check_variant too.")
@click.option("--examples", default=30, show_default=True, help="Households per check.")
@_language
def report(
    variant: str,
    population: str | None,
    synthetic: int | None,
    seed: int,
    bases: tuple[str, ...],
    on: datetime | None,
    out: str,
    check: bool,  # noqa: FBT001 - a click flag
    examples: int,
    language: Language,
) -> None:
    """Write the impact report of VARIANT: parameters, who gains or loses, cost a year."""
    from slrt_core.rules._report import impact_report  # noqa: PLC0415 - report needs testing
    from slrt_core.testing._variant import check_variant  # noqa: PLC0415 - hypothesis

    try:
        base = load_rulebook(*bases)
        loaded = load_variant(variant)
        tables, data = _tables(population, synthetic, seed, [loaded.region])
        verdict = check_variant(base.replacing(loaded), max_examples=examples) if check else None
        made = impact_report(
            loaded,
            tables,
            base=base,
            on=None if on is None else on.date(),
            data=data,
            check=verdict,
        )
    except SlrtError as error:
        raise _fail(error, language) from None
    written = made.write(out, language)
    click.echo(f"{written} ({made.variant.name}, {made.base_version} -> {made.variant_version})")
    if verdict is not None and not verdict.ok:
        click.echo(verdict.render(language))
        raise SystemExit(1)


@rules.command("screen")
@click.option(
    "--parquet",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A dataset partitioned by district: district=<code>/households.parquet and "
    "persons.parquet.",
)
@click.option("--on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Evaluation date.")
@click.option("--workers", default=0, show_default=True, help="Local dask workers; 0 here.")
@click.option("--scheduler", default=None, help="Address of a running dask scheduler.")
@click.option("--variant", "variants", multiple=True, help="A variant file to compare.")
@click.option("--per-household", is_flag=True, help="Write screened.parquet per partition.")
@_language
def screen_dataset(
    parquet: Path,
    on: datetime | None,
    workers: int,
    scheduler: str | None,
    variants: tuple[str, ...],
    per_household: bool,  # noqa: FBT001 - a click flag
    language: Language,
) -> None:
    """Screen a partitioned Parquet dataset on dask workers; per-region counts and benefits."""
    from slrt_core.sim._national import screen_command  # noqa: PLC0415 - keep --help fast

    try:
        screen_command(
            parquet=parquet,
            on=on.date() if on else date.today(),  # noqa: DTZ011 - a calendar date
            workers=workers,
            scheduler=scheduler,
            variants=variants,
            per_household=per_household,
            language=language,
        )
    except SlrtError as error:
        raise _fail(error, language) from None


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--pack", "with_pack", is_flag=True, help="Also run the shipped pack's own cases.")
@click.option("--quiet", "-q", is_flag=True, help="Print failures only.")
@_language
def test(
    paths: tuple[str, ...],
    with_pack: bool,  # noqa: FBT001 - a click flag
    quiet: bool,  # noqa: FBT001 - a click flag
    language: Language,
) -> None:
    """Run the rule test cases in PATHS (files or folders of rules_*.toml, *.rules.toml)."""
    targets: list[str | Path] = list(paths)
    if with_pack:
        targets.append(pack_cases())
    if not targets:
        raise click.UsageError("Give case files or folders, or --pack.")
    try:
        results = run_cases(targets)
    except SlrtError as error:
        raise _fail(error, language) from None
    failed = [r for r in results if not r.passed]
    for result in results:
        if not quiet or not result.passed:
            click.echo(result.render(language))
    summary = {"passed": len(results) - len(failed), "failed": len(failed)}
    words = ("passed", "failed") if language == "en" else ("lulus", "gagal")
    click.echo(
        json.dumps(summary)
        if quiet
        else f"{summary['passed']} {words[0]}, {summary['failed']} {words[1]}"
    )
    if failed:
        raise SystemExit(1)
