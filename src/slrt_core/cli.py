"""The ``slrt`` command: the demo, policy simulation, audit checks and database upgrades.

Every command prints readable text; errors from the library are shown as their message
(in the chosen language) with exit status 1, never as a traceback.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from slrt_core.audit import export_jsonl, verify
from slrt_core.errors import LanguageCode, SlrtError

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

_language = click.option(
    "--language",
    "-l",
    type=click.Choice(["id", "en"]),
    default="en",
    show_default=True,
    help="Language of labels and messages (Bahasa Indonesia or English).",
)


def _friendly(fn: F) -> F:
    """Show SlrtError messages instead of tracebacks."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SlrtError as exc:
            language = cast("LanguageCode", kwargs.get("language", "en"))
            click.echo(f"error: {exc.message(language)}", err=True)
            sys.exit(1)

    return cast("F", wrapper)


@click.group()
@click.version_option(package_name="slrt-core")
def main() -> None:
    """slrt_core: the SLRT case, referral and audit engine."""


@main.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file to write (must not exist yet); a new temporary file by default.",
)
@_language
@_friendly
def demo(db: Path | None, language: LanguageCode) -> None:
    """Run a district scenario from registration to closure on a SQLite file."""
    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415 - keep `slrt --help` fast
    from slrt_core.demo import run_demo  # noqa: PLC0415
    from slrt_core.labels import label  # noqa: PLC0415
    from slrt_core.rules import Status  # noqa: PLC0415

    if db is None:
        db = Path(tempfile.mkdtemp(prefix="slrt-demo-")) / "slrt-demo.sqlite"
    elif db.exists():
        msg = f"{db} exists already; give a new file name so the demo starts empty."
        raise click.UsageError(msg)
    store = SqliteStore(db)
    try:
        result = run_demo(store)
    finally:
        store.close()
    click.echo(f"SLRT demo: Kota Semarang (33.74), SQLite store at {db}\n")
    click.echo(f"{'case':<13} {'channel':<28} {'events':>6}  {'referrals':<28} state")
    for case in result.cases:
        referrals = ", ".join(label(r.status, language) for r in case.referrals) or "-"
        state = label(case.state, language)
        if case.closing_reason is not None:
            state += f" ({label(case.closing_reason, language)})"
        click.echo(
            f"{case.case_id:<13} {label(case.channel, language):<28} {case.version:>6}  "
            f"{referrals:<28} {state}"
        )
    first = result.cases[0].assessments[0]
    click.echo(
        f"\nEligibility at the first assessment of {result.cases[0].case_id}"
        f" (rulebook {first.rulebook_version}):"
    )
    for decision in first.decisions:
        outcome = Status(decision.outcome).label(language)
        benefit = f"  Rp{decision.benefit:,}" if decision.benefit else ""
        missing = f"  ({', '.join(decision.missing)})" if decision.missing else ""
        click.echo(f"  {decision.program:<14} {outcome}{benefit}{missing}")
    click.echo(f"\nNotifications delivered: {result.notifications}")
    for topic, count in sorted(result.topics.items()):
        click.echo(f"  {topic:<28} {count}")
    audit = result.audit
    status = "OK" if audit.ok else f"BROKEN at record {audit.first_bad}: {audit.reason}"
    click.echo(f"\nAudit trail: {audit.records} records, hash chain {status}")
    click.echo(f"Chain head: {audit.head}")
    click.echo(f"\nCheck it again with: slrt audit verify {db}")


@main.command()
@click.option(
    "--district",
    default="33.74",
    show_default=True,
    help="Regency or city code (Kemendagri); its villages hold the synthetic population.",
)
@click.option("--days", default=60, show_default=True, help="Days of arrivals.")
@click.option(
    "--per-week",
    default=100.0,
    show_default=True,
    help="New cases a week over all intake channels (a district-year of 20,000 is ~385).",
)
@click.option("--households", default=20_000, show_default=True, help="Synthetic population size.")
@click.option(
    "--seeds", default=3, show_default=True, help="How many seeds (1, 2, ... N) per policy."
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    type=click.Choice(["nearest-tier", "least-loaded"]),
    help="A built-in routing policy to compare (repeatable); both by default.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the tables and the PNG plots (plots need the plot extra).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["csv", "parquet"]),
    default=("csv",),
    show_default=True,
    help="Table format under --out (repeatable); parquet needs pyarrow.",
)
@click.option(
    "--workers",
    default=0,
    show_default=True,
    help="Run on a local dask cluster of this many processes (the dask extra); 0 runs here.",
)
@_language
@_friendly
def simulate(
    district: str,
    days: int,
    per_week: float,
    households: int,
    seeds: int,
    policies: tuple[str, ...],
    out: Path | None,
    formats: tuple[str, ...],
    workers: int,
    language: LanguageCode,  # noqa: ARG001 - read by _friendly for error messages
) -> None:
    """Compare referral routing policies on a simulated district, through the real service.

    Without options: Kota Semarang, 60 days at 100 cases a week, 3 seeds, nearest tier
    first against least loaded first; prints each metric with its 95% interval over
    seeds and the paired difference between the policies.
    """
    from slrt_core.sim._cli import simulate_command  # noqa: PLC0415 - keep `slrt --help` fast

    simulate_command(
        district=district,
        days=days,
        per_week=per_week,
        households=households,
        seeds=list(range(1, seeds + 1)),
        policies=policies or ("nearest-tier", "least-loaded"),
        out=out,
        formats=formats,
        workers=workers,
    )


@main.group()
def audit() -> None:
    """Check and export the audit trail."""


@audit.command("verify")
@click.argument("db", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def audit_verify(db: Path, *, as_json: bool) -> None:
    """Verify the hash chain of the SQLite store DB; exit 1 if it is broken."""
    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

    store = SqliteStore(db, migrate=False)
    try:
        report = verify(store.audit_records())
    finally:
        store.close()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "records": report.records,
                    "head": report.head,
                    "first_bad": report.first_bad,
                    "reason": report.reason,
                }
            )
        )
    elif report.ok:
        click.echo(f"OK: {report.records} records, head {report.head}")
    else:
        click.echo(f"BROKEN at record {report.first_bad}: {report.reason}")
    if not report.ok:
        sys.exit(1)


@audit.command("export")
@click.argument("db", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def audit_export(db: Path, out: Path) -> None:
    """Export the audit trail of DB as JSON lines to OUT."""
    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

    store = SqliteStore(db, migrate=False)
    try:
        count = export_jsonl(store.audit_records(), out)
    finally:
        store.close()
    click.echo(f"Exported {count} records to {out}")


@main.group()
def db() -> None:
    """Manage store schemas."""


@db.command("upgrade")
@click.argument("target")
@_friendly
def db_upgrade(target: str) -> None:
    """Apply pending schema migrations to the store at TARGET.

    TARGET is a SQLite file path or a PostgreSQL URL (postgresql://user@host/dbname).
    A database newer than this library is refused.
    """
    if target.startswith(("postgresql://", "postgres://")):
        try:
            from slrt_core.adapters.postgres import PostgresStore  # noqa: PLC0415
        except ImportError as exc:
            msg = "PostgreSQL needs the postgres extra: pip install 'slrt-core[postgres]'."
            raise click.ClickException(msg) from exc

        pg = PostgresStore(target, migrate=True, min_size=0, max_size=1)
        try:
            click.echo(
                f"{pg.location}: schema version {pg.schema_version()} "
                f"({pg.migrations_applied} migration(s) applied)"
            )
        finally:
            pg.close()
        return
    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

    path = Path(target)
    store = SqliteStore(path, migrate=True)
    try:
        click.echo(
            f"{path}: schema version {store.schema_version()} "
            f"({store.migrations_applied} migration(s) applied)"
        )
    finally:
        store.close()


def _mount_rules() -> None:
    # The rules group lives with the rules engine; mounted here so `slrt rules ...` works.
    from slrt_core.rules._cli import rules  # noqa: PLC0415

    main.add_command(rules)


_mount_rules()


if __name__ == "__main__":  # pragma: no cover - `python -m slrt_core.cli`
    main()
