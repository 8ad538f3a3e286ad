"""National screening on a partitioned Parquet dataset, one partition per worker task.

Layout (one directory per district, or per province, under the dataset's root)::

    ROOT/
      district=33.74/
        households.parquet   one row per family; ``region`` is the village code
        persons.parquet      one row per person; ``household`` is the row in the file above
        screened.parquet     written by screen_parquet(..., per_household=True)
      district=33.01/
        ...

The columns are those of :data:`~slrt_core.sim.HOUSEHOLD_COLUMNS` and
:data:`~slrt_core.sim.PERSON_COLUMNS` (enumerations as integer codes), as
:func:`write_partitions` writes them. Each partition is read, screened with
:func:`slrt_core.rules.screen` (and :func:`slrt_core.rules.compare` for a variant) and
reduced to one row per region and program *on the worker*; only those rows travel, so
the client never holds households and a worker holds one partition at a time.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from slrt_core.errors import InvalidInputError
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.rules._compare import compare
from slrt_core.rules._rulebook import Rulebook
from slrt_core.rules._vector import screen
from slrt_core.sim._districts import district_profile
from slrt_core.sim._population import PopulationSpec, synthetic_population
from slrt_core.sim._results import Columns, require

__all__ = [
    "SCREEN_COLUMNS",
    "NationalScreen",
    "screen_command",
    "partitions",
    "screen_parquet",
    "screen_partition",
    "write_partitions",
]

#: The per-region table of a national screening (one row per area and program).
SCREEN_COLUMNS = {
    "area": "the region code (district, province, or '' for the nation)",
    "level": "district, province or nation",
    "program": "the program code",
    "households": "households screened",
    "eligible": "households eligible",
    "needs_verification": "households whose inputs are missing (unknown, not 'no')",
    "benefit": "total benefit of eligible households, Rupiah per period",
    "eligible_variant": "eligible under the variant (with a variant)",
    "gained": "not eligible before, eligible under the variant",
    "lost": "eligible before, not under the variant",
}
_PREFIX = "district="


def write_partitions(
    root: str | Path,
    districts: Iterable[str],
    *,
    scale: float = 1.0,
    seed: int = 0,
) -> list[Path]:
    """Write a synthetic population of each district as one partition under *root*.

    Each district gets its estimated families (:func:`~slrt_core.sim.district_profile`)
    times *scale*, drawn in its own villages with its own poverty.

    Returns:
        The partition directories written.
    """
    pa = require("pyarrow")
    pq = require("pyarrow.parquet")
    written = []
    for k, code in enumerate(sorted(districts)):
        profile = district_profile(code)
        villages = tuple(str(v) for v in profile.region.codes_at(RegionLevel.VILLAGE))
        spec = PopulationSpec(
            households=max(1, round(profile.families * scale)),
            villages=villages,
            income_median=profile.income_median,
        )
        population = synthetic_population(spec, seed=seed * 100_003 + k)
        households = dict(population.households)
        households["region"] = np.asarray(population.regions)[households["region"]]
        folder = Path(root) / f"{_PREFIX}{code}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(households), folder / "households.parquet")
        pq.write_table(pa.table(population.persons), folder / "persons.parquet")
        written.append(folder)
    return written


def partitions(root: str | Path) -> list[Path]:
    """The partition directories of a dataset, sorted.

    Raises:
        InvalidInputError: *root* holds no partition.
    """
    found = sorted(p for p in Path(root).glob(f"{_PREFIX}*") if (p / "households.parquet").exists())
    if not found:
        raise InvalidInputError.single(
            "--parquet",
            f"{root} holds no partition: expected {_PREFIX}<code>/households.parquet and "
            "persons.parquet (see the layout in the simulation reference).",
            f"{root} tidak memuat partisi: diharapkan `{_PREFIX}<kode>/households.parquet` dan "
            "`persons.parquet` (lihat tata letak di referensi simulasi).",
        )
    return found


def _peak_rss_mib() -> float:
    """This process's peak resident memory in MiB (Linux: VmHWM, reset by exec)."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def _read(folder: Path) -> dict[str, Any]:
    pq = require("pyarrow.parquet")
    households = pq.read_table(folder / "households.parquet")
    persons = pq.read_table(folder / "persons.parquet")
    tables: dict[str, Any] = {}
    for name, table in (("households", households), ("persons", persons)):
        columns = {}
        for column in table.column_names:
            values = table.column(column).to_numpy()
            if values.dtype.kind in "iu" and column != "household":
                missing = values < 0
                if missing.any():
                    values = np.ma.MaskedArray(values, mask=missing)
            columns[column] = values
        tables[name] = columns
    return tables


def screen_partition(
    folder: str | Path,
    *,
    rulebook: Rulebook,
    on: date,
    variant: Rulebook | None = None,
    per_household: bool = False,
) -> dict[str, Any]:
    """Screen one partition; its per-district rows (what a worker sends back).

    Returns:
        ``{"district", "rows", "households", "seconds", "peak_rss_mb"}``: one row per
        program with :data:`SCREEN_COLUMNS`' counts, the partition's households, the
        time spent and the process's peak resident memory so far (Linux ``VmHWM``).
    """
    began = time.perf_counter()
    folder = Path(folder)
    code = folder.name.removeprefix(_PREFIX)
    tables = _read(folder)
    result = screen(tables, on=on, rulebook=rulebook)
    n = len(tables["households"]["region"])
    rows: dict[str, dict[str, Any]] = {}
    for program, status in result.status.items():
        benefit = result.benefit.get(program)
        rows[program] = {
            "households": n,
            "eligible": int((status == 1).sum()),
            "needs_verification": int((status == -1).sum()),
            "benefit": int(benefit[status == 1].sum()) if benefit is not None else 0,
            "eligible_variant": 0,
            "gained": 0,
            "lost": 0,
        }
    if variant is not None:
        compared = compare(rulebook, variant, tables, on=on)
        for row in compared.rows:
            if row.region:
                continue
            entry = rows.setdefault(
                row.program,
                {
                    "households": n,
                    "eligible": 0,
                    "needs_verification": 0,
                    "benefit": 0,
                    "eligible_variant": 0,
                    "gained": 0,
                    "lost": 0,
                },
            )
            entry["eligible_variant"] = row.eligible_after
            entry["gained"] = row.gained
            entry["lost"] = row.lost
    if per_household:
        pa = require("pyarrow")
        pq = require("pyarrow.parquet")
        columns = {f"status_{p}": s for p, s in result.status.items()}
        columns.update({f"benefit_{p}": b for p, b in result.benefit.items()})
        pq.write_table(pa.table(columns), folder / "screened.parquet")
    peak = _peak_rss_mib()
    return {
        "district": code,
        "rows": rows,
        "households": n,
        "seconds": time.perf_counter() - began,
        "peak_rss_mb": peak,
    }


class NationalScreen:
    """The per-partition rows of a screening, reduced per district, province and nation.

    Attributes:
        parts: what each partition's task returned, in partition order.

    .. versionadded:: 0.1.0
    """

    def __init__(self, parts: Sequence[dict[str, Any]]) -> None:
        self.parts = list(parts)

    @property
    def households(self) -> int:
        """Households screened."""
        return sum(p["households"] for p in self.parts)

    def table(self) -> Columns:
        """One tidy table of :data:`SCREEN_COLUMNS`: districts, provinces, the nation."""
        sums: dict[tuple[str, str], dict[str, int]] = {}
        for part in self.parts:
            code = part["district"]
            region = RegionCode.parse(code)
            areas = [code, *(a.code for a in region.ancestors if a.level >= RegionLevel.PROVINCE)]
            for area in [*dict.fromkeys(areas), ""]:
                for program, row in part["rows"].items():
                    total = sums.setdefault((area, program), dict.fromkeys(row, 0))
                    for name, value in row.items():
                        total[name] += value
        table: Columns = {name: [] for name in SCREEN_COLUMNS}
        order = {"district": 0, "province": 1, "nation": 2}

        def level(area: str) -> str:
            return "nation" if not area else "province" if len(area) == 2 else "district"  # noqa: PLR2004

        for (area, program), row in sorted(
            sums.items(), key=lambda kv: (order[level(kv[0][0])], kv[0][0], kv[0][1])
        ):
            table["area"].append(area)
            table["level"].append(level(area))
            table["program"].append(program)
            for name in list(SCREEN_COLUMNS)[3:]:
                table[name].append(row[name])
        return table


def screen_parquet(
    root: str | Path,
    *,
    rulebook: Rulebook,
    on: date,
    variant: Rulebook | None = None,
    per_household: bool = False,
    client: Any = None,
) -> NationalScreen:
    """Screen every partition under *root*, here or on dask workers, and reduce.

    Args:
        root: the dataset (see the module's layout).
        rulebook: the rules in force.
        on: the evaluation date.
        variant: a changed rulebook: count who gains and loses per program.
        per_household: also write each partition's statuses and benefits as
            ``screened.parquet`` beside its input.
        client: a ``dask.distributed.Client``: one task per partition on its workers.

    Returns:
        The per-region tables; the households never leave the workers.

    Raises:
        InvalidInputError: *root* holds no partition.
    """
    folders = partitions(root)
    kwargs: dict[str, Any] = {
        "rulebook": rulebook,
        "on": on,
        "variant": variant,
        "per_household": per_household,
    }
    if client is None:
        parts = [screen_partition(f, **kwargs) for f in folders]
    else:
        # The rulebooks go to every worker once, not with every partition.
        for name in ("rulebook", "variant"):
            if kwargs[name] is not None:
                kwargs[name] = client.scatter(kwargs[name], broadcast=True, hash=False)
        futures = [client.submit(screen_partition, str(f), pure=False, **kwargs) for f in folders]
        parts = client.gather(futures)
    return NationalScreen(parts)


def screen_command(
    *,
    parquet: Path,
    on: date,
    workers: int,
    scheduler: str | None,
    variants: Sequence[str],
    per_household: bool,
    language: str,
) -> NationalScreen:
    """The work behind ``slrt rules screen --parquet DIR``: screen, print the reduction.

    Every option is checked before anything is printed.

    Raises:
        InvalidInputError: a bad option, named as typed.
    """
    import click  # noqa: PLC0415 - only for the command

    from slrt_core.rules._loader import load_pack, load_variant  # noqa: PLC0415
    from slrt_core.sim._cli import _client  # noqa: PLC0415 - the shared cluster helper

    if workers < 0:
        raise InvalidInputError.single(
            "--workers",
            f"--workers is {workers}; give 0 (screen here) or more.",
            f"--workers bernilai {workers}; berikan 0 (saring di sini) atau lebih.",
        )
    folders = partitions(parquet)
    base = load_pack()
    variant = base.with_variants(*(load_variant(v) for v in variants)) if variants else None
    lang = "id" if language == "id" else "en"
    began = time.perf_counter()
    with _client(workers, scheduler) as client:
        result = screen_parquet(
            parquet,
            rulebook=base,
            on=on,
            variant=variant,
            per_household=per_household,
            client=client,
        )
    seconds = time.perf_counter() - began
    table = result.table()
    head: tuple[str, ...] = (
        ("area", "program", "households", "eligible", "verify", "benefit (Rp)")
        if lang == "en"
        else ("wilayah", "program", "rumah tangga", "layak", "verifikasi", "manfaat (Rp)")
    )
    if variant is not None:
        head += ("gained", "lost") if lang == "en" else ("bertambah", "berkurang")
    locale = "en_US" if lang == "en" else "id_ID"
    from babel.numbers import format_decimal  # noqa: PLC0415

    click.echo("  ".join(f"{h:>14}" for h in head))
    for i, level in enumerate(table["level"]):
        if level == "district" and len(folders) > 1:
            continue
        cells = [table["area"][i] or "Indonesia", table["program"][i]] + [
            format_decimal(table[name][i], locale=locale)
            for name in ("households", "eligible", "needs_verification", "benefit")
        ]
        if variant is not None:
            cells += [format_decimal(table[n][i], locale=locale) for n in ("gained", "lost")]
        click.echo("  ".join(f"{c:>14}" for c in cells))
    rate = format_decimal(round(result.households / seconds), locale=locale)
    count = format_decimal(result.households, locale=locale)
    click.echo(
        f"\n{count} households in {len(folders)} partitions, {rate} households/s"
        if lang == "en"
        else f"\n{count} rumah tangga dalam {len(folders)} partisi, {rate} rumah tangga/detik"
    )
    return result
