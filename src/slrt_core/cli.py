"""The ``slrt`` command: the demo, simulation, audit checks, upgrades, read models, exports.

Every command prints readable text; errors from the library are shown as their message
(in the chosen language) with exit status 1, never as a traceback.
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from slrt_core.audit import export_jsonl, verify
from slrt_core.errors import LanguageCode, SlrtError
from slrt_core.texts import TEXTS

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
            shown = TEXTS["cli.error"][language]
            click.echo(f"{shown}: {exc.message(language)}", err=True)
            sys.exit(1)

    return cast("F", wrapper)


def _self_command() -> str:
    """A command line that runs ``slrt`` again from any shell.

    ``slrt`` is on the PATH only where its environment is active (inside ``nox -s demo``
    it is not, once nox has finished); the interpreter that runs this command always has
    slrt_core installed, so ``<that python> -m slrt_core`` works everywhere.
    """
    return f"{shlex.quote(sys.executable)} -m slrt_core"


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
    from slrt_core.formatting import money  # noqa: PLC0415
    from slrt_core.labels import label  # noqa: PLC0415
    from slrt_core.rules import Status  # noqa: PLC0415
    from slrt_core.rules._wording import input_path  # noqa: PLC0415
    from slrt_core.texts import text  # noqa: PLC0415

    if db is not None and db.exists():
        msg = f"{db} exists already; give a new file name so the demo starts empty."
        raise click.UsageError(msg)
    with tempfile.TemporaryDirectory(prefix="slrt-demo-") as scratch:
        # Without --db the store is a temporary file, deleted when the demo ends.
        store = SqliteStore(db or Path(scratch) / "slrt-demo.sqlite")
        try:
            result = run_demo(store)
        finally:
            store.close()

    def say(key: str, **fields: object) -> str:
        return text(f"cli.demo.{key}", language, **fields)

    where = say("store_at", db=db) if db else say("store_temporary")
    click.echo(say("title", where=where) + "\n")
    click.echo(
        f"{say('col_case'):<13} {say('col_channel'):<28} {say('col_events'):>9}  "
        f"{say('col_referrals'):<28} {say('col_state')}"
    )
    for case in result.cases:
        referrals = ", ".join(label(r.status, language) for r in case.referrals) or "-"
        state = label(case.state, language)
        if case.closing_reason is not None:
            state += f" ({label(case.closing_reason, language)})"
        click.echo(
            f"{case.case_id:<13} {label(case.channel, language):<28} {case.version:>9}  "
            f"{referrals:<28} {state}"
        )
    first = result.cases[0].assessments[0]
    version = first.rulebook_version
    click.echo("\n" + say("eligibility", case_id=result.cases[0].case_id, version=version))
    for decision in first.decisions:
        outcome = Status(decision.outcome).label(language)
        benefit = f"  {money(decision.benefit, language)}" if decision.benefit else ""
        missing = ", ".join(input_path(m, language) for m in decision.missing)
        missing = f"  ({missing})" if missing else ""
        click.echo(f"  {decision.program:<14} {outcome}{benefit}{missing}")
    click.echo("\n" + say("notifications", count=result.notifications))
    for topic, count in sorted(result.topics.items()):
        click.echo(f"  {text(f'topic.{topic}', language):<30} {count}")
    audit = result.audit
    if audit.ok:
        click.echo("\n" + say("audit_ok", records=audit.records))
    else:
        seq, reason = audit.first_bad, audit.reason
        click.echo("\n" + say("audit_broken", records=audit.records, seq=seq, reason=reason))
    click.echo(say("head", head=audit.head))
    again = _self_command()
    if db:
        command = f"{again} audit verify {shlex.quote(str(db))}"
        click.echo("\n" + say("check_again", command=command))
    else:
        click.echo(
            "\n" + say("deleted") + f"\n  {again} demo --db slrt-demo.sqlite"
            f"\n  {again} audit verify slrt-demo.sqlite"
        )


@main.command()
@click.option(
    "--district",
    default="33.74",
    show_default=True,
    help="Regency or city code (Kemendagri); its villages hold the synthetic population.",
)
# Ranges are checked by click before anything runs, and a bad value is reported with the
# option's name as typed ("Invalid value for '--days': -5 is not in the range x>=1").
@click.option(
    "--days", type=click.IntRange(min=1), default=60, show_default=True, help="Days of arrivals."
)
@click.option(
    "--per-week",
    type=click.FloatRange(min=0, min_open=True),
    default=100.0,
    show_default=True,
    help="New cases a week over all intake channels (a district-year of 20,000 is ~385).",
)
@click.option(
    "--households",
    type=click.IntRange(min=1),
    default=20_000,
    show_default=True,
    help="Synthetic population size.",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="How many seeds (1, 2, ... N) per policy.",
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
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Run on a local dask cluster of this many processes (the dask extra); 0 runs here.",
)
@click.option(
    "--sqlite",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep each run in a new SQLite file in this directory (the embedded store) "
    "instead of in memory; slower, and each file verifies with `slrt audit verify`.",
)
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML scenario file (district, changes, staff, services, policies); it replaces "
    "--district, --days, --per-week, --households and --policy.",
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
    store_dir: Path | None,
    scenario_file: Path | None,
    language: LanguageCode,
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
        store_dir=store_dir,
        scenario_file=scenario_file,
        language=language,
        typed=[
            name
            for name in ("district", "days", "per_week", "households", "policies")
            if click.get_current_context().get_parameter_source(name)
            is click.core.ParameterSource.COMMANDLINE
        ],
    )


@main.group()
def audit() -> None:
    """Check and export the audit trail."""


@audit.command("verify")
@click.argument("db", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--checkpoints",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Signed checkpoints (JSON lines from `slrt audit checkpoint`) to check the trail "
    "against: detects truncation and a full rewrite.",
)
@click.option(
    "--public-key",
    "public_keys",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="PEM public key trusted to sign checkpoints (repeat for several).",
)
@_friendly
def audit_verify(
    db: Path, *, as_json: bool, checkpoints: Path | None, public_keys: tuple[Path, ...]
) -> None:
    """Verify the hash chain of the SQLite store DB; exit 1 if it is broken.

    With --checkpoints (and --public-key), also check that every signed checkpoint's
    record is still in the trail with the same digest.
    """
    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

    if checkpoints is not None and not public_keys:
        msg = "--checkpoints needs at least one --public-key to check their signatures."
        raise click.UsageError(msg)
    store = SqliteStore(db, migrate=False)
    try:
        if checkpoints is None:
            report = verify(store.audit_records())
            ok, first_bad, reason, checked = report.ok, report.first_bad, report.reason, None
        else:
            from slrt_core.checkpoints import (  # noqa: PLC0415 - needs the crypto extra
                key_id_of,
                load_public_key,
                read_checkpoints,
                verify_with_checkpoints,
            )

            keys = {key_id_of(k): k for k in (load_public_key(p.read_bytes()) for p in public_keys)}
            with checkpoints.open(encoding="utf-8") as fh:
                points = read_checkpoints(fh)
            full = verify_with_checkpoints(store.audit_records(), points, keys)
            report = full.chain
            ok, first_bad, reason, checked = full.ok, full.first_bad, full.reason, full.checkpoints
    finally:
        store.close()
    if as_json:
        data: dict[str, Any] = {
            "ok": ok,
            "records": report.records,
            "head": report.head,
            "first_bad": first_bad,
            "reason": reason,
        }
        if checked is not None:
            data["checkpoints"] = checked
        click.echo(json.dumps(data))
    elif ok:
        against = f", agrees with {checked} signed checkpoint(s)" if checked is not None else ""
        click.echo(f"OK: {report.records} records, head {report.head}{against}")
    else:
        click.echo(f"BROKEN at record {first_bad}: {reason}")
    if not ok:
        sys.exit(1)


@audit.command("keygen")
@click.argument("private", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def audit_keygen(private: Path) -> None:
    """Make an Ed25519 checkpoint key: PRIVATE (PEM, owner-only) and PRIVATE.pub.

    Keep the private key away from the database server; give the .pub file to whoever
    verifies the trail.
    """
    from slrt_core.checkpoints import CheckpointSigner  # noqa: PLC0415 - crypto extra

    public = private.with_name(private.name + ".pub")
    if private.exists() or public.exists():
        msg = f"{private} or {public} exists already; choose a new name."
        raise click.UsageError(msg)
    signer = CheckpointSigner.generate()
    private.touch(mode=0o600)
    private.write_bytes(signer.private_pem())
    public.write_bytes(signer.public_pem())
    click.echo(f"Key {signer.key_id}: private {private}, public {public}")


@audit.command("checkpoint")
@click.argument("db", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The PEM private key from `slrt audit keygen`.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The checkpoint file to append to (keep it outside the database server).",
)
@_friendly
def audit_checkpoint(db: Path, key: Path, out: Path) -> None:
    """Verify the trail of DB and append a signed checkpoint of its head to OUT."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415
    from slrt_core.checkpoints import CheckpointSigner, write_checkpoint  # noqa: PLC0415

    signer = CheckpointSigner.from_pem(key.read_bytes())
    store = SqliteStore(db, migrate=False)
    try:
        checkpoint = signer.checkpoint(store.audit_records(), at=datetime.now(UTC))
    finally:
        store.close()
    write_checkpoint(out, checkpoint)
    click.echo(f"Checkpoint: record {checkpoint.seq}, head {checkpoint.head}, key {signer.key_id}")


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


@main.group()
def projections() -> None:
    """Manage the read models (case and referral summaries)."""


@projections.command("rebuild")
@click.argument("target")
@click.option(
    "--batch",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Cases folded and written per transaction (memory stays bounded by it).",
)
@_friendly
def projections_rebuild(target: str, batch: int) -> None:
    """Compute every summary of the store at TARGET again from its event log.

    TARGET is a SQLite file path (sealed with the key files beside it, as the store
    wrote them) or a PostgreSQL URL of a store in clear; a store sealed with a codec of
    the host app's is rebuilt by calling ``store.rebuild_projections()`` with it.
    Commands may keep running meanwhile: each batch is written under the store's lock.
    """
    import time  # noqa: PLC0415

    store: Any
    if target.startswith(("postgresql://", "postgres://")):
        try:
            from slrt_core.adapters.postgres import PostgresStore  # noqa: PLC0415
        except ImportError as exc:
            msg = "PostgreSQL needs the postgres extra: pip install 'slrt-core[postgres]'."
            raise click.ClickException(msg) from exc
        store = PostgresStore(target, min_size=0, max_size=1)
        where = store.location
    else:
        from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

        path = Path(target)
        if not path.is_file():
            msg = f"No SQLite store at {path}; give the path of an existing store file."
            raise click.ClickException(msg)
        store = SqliteStore(path)
        where = str(path)
    try:
        start = time.perf_counter()
        count = store.rebuild_projections(batch=batch)
        seconds = time.perf_counter() - start
    finally:
        store.close()
    click.echo(f"{where}: rebuilt the summaries of {count} case(s) in {seconds:.1f} s")


def _open_store(target: str) -> Any:
    """The store at *target*: a SQLite file (sealed with its key files) or a PostgreSQL URL."""
    if target.startswith(("postgresql://", "postgres://")):
        try:
            from slrt_core.adapters.postgres import PostgresStore  # noqa: PLC0415
        except ImportError as exc:
            msg = "PostgreSQL needs the postgres extra: pip install 'slrt-core[postgres]'."
            raise click.ClickException(msg) from exc
        return PostgresStore(target, min_size=0, max_size=1)
    from slrt_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

    path = Path(target)
    if not path.is_file():
        msg = f"No SQLite store at {path}; give the path of an existing store file."
        raise click.ClickException(msg)
    return SqliteStore(path)


def _service(store: Any, directory: Path | None) -> Any:
    from slrt_core.referral import load_directory  # noqa: PLC0415
    from slrt_core.service import Slrt  # noqa: PLC0415

    found = load_directory(directory) if directory is not None else None
    return Slrt(store=store, directory=found)


def _manager(actor: str, region: str | None) -> Any:
    from slrt_core.access import Actor, Role  # noqa: PLC0415
    from slrt_core.identity import RegionCode  # noqa: PLC0415

    jurisdiction = RegionCode.INDONESIA if region is None else RegionCode.parse(region)
    return Actor(actor_id=actor, role=Role.MANAGER, jurisdiction=jurisdiction)


_export_target = click.argument("target")
_export_out = click.argument("out", type=click.Path(dir_okay=False, allow_dash=True))
_export_actor = click.option(
    "--actor",
    required=True,
    help="Your user id: the export is recorded in the access log under it (as a manager).",
)
_export_region = click.option(
    "--region",
    default=None,
    help="The region to export (a Kemendagri code such as 33.74); all of Indonesia by default.",
)
_export_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default=None,
    help="Table format; by default OUT's suffix (.csv or .parquet). Parquet needs pyarrow.",
)
_export_page = click.option(
    "--page-size",
    type=click.IntRange(1, 50_000),
    default=1_000,
    show_default=True,
    help="Summaries read and written at a time (memory stays bounded by it).",
)
_export_directory = click.option(
    "--directory",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The provider directory (TOML, JSON or CSV) for program, tier and provider names.",
)


@main.group()
def export() -> None:
    """Export cases, referrals and KPIs as tables, masked (no names, no clear NIK)."""


def _table_out(out: str) -> Any:
    return sys.stdout.buffer if out == "-" else Path(out)


@export.command("cases")
@_export_target
@_export_out
@_export_actor
@_export_region
@_export_format
@_export_page
@click.option(
    "--identifiers",
    is_flag=True,
    help="Add the KK number and the head of household's NIK, masked to the last 4 digits.",
)
@_language
@_friendly
def export_cases(
    target: str,
    out: str,
    *,
    actor: str,
    region: str | None,
    fmt: str | None,
    page_size: int,
    identifiers: bool,
    language: LanguageCode,
) -> None:
    """Export the case summaries of the store at TARGET to OUT (CSV or Parquet).

    TARGET is a SQLite file path or a PostgreSQL URL; OUT a file path, or - for standard
    output (with --format).
    """
    del language  # errors only
    store = _open_store(target)
    try:
        report = _service(store, None).export_cases(
            _manager(actor, region),
            _table_out(out),
            format=fmt,
            identifiers=identifiers,
            page_size=page_size,
        )
    finally:
        store.close()
    if out != "-":
        click.echo(f"Exported {report.rows} case(s) to {out} ({report.format})")


@export.command("referrals")
@_export_target
@_export_out
@_export_actor
@_export_region
@_export_format
@_export_page
@_export_directory
@_language
@_friendly
def export_referrals(
    target: str,
    out: str,
    *,
    actor: str,
    region: str | None,
    fmt: str | None,
    page_size: int,
    directory: Path | None,
    language: LanguageCode,
) -> None:
    """Export the referral summaries of the store at TARGET to OUT (CSV or Parquet)."""
    del language  # errors only
    store = _open_store(target)
    try:
        report = _service(store, directory).export_referrals(
            _manager(actor, region), _table_out(out), format=fmt, page_size=page_size
        )
    finally:
        store.close()
    if out != "-":
        click.echo(f"Exported {report.rows} referral(s) to {out} ({report.format})")


def _period(month: str | None, start: str | None, end: str | None) -> Any:
    from datetime import date  # noqa: PLC0415

    from slrt_core.kpis import KpiPeriod  # noqa: PLC0415

    if month is not None and start is None and end is None:
        try:
            year, number = (int(part) for part in month.split("-"))
            return KpiPeriod.month(year, number)
        except ValueError as exc:
            msg = f"--month must be YYYY-MM, such as 2026-03, not {month!r}."
            raise click.BadParameter(msg) from exc
    if month is None and start is not None and end is not None:
        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError as exc:
            msg = f"--from and --to must be dates YYYY-MM-DD, not {start!r} and {end!r}."
            raise click.BadParameter(msg) from exc
        return KpiPeriod(first, last)
    msg = "Give the period as --month YYYY-MM, or as --from YYYY-MM-DD and --to YYYY-MM-DD."
    raise click.UsageError(msg)


@export.command("kpis")
@_export_target
@_export_out
@_export_actor
@_export_region
@click.option("--month", default=None, help="The month reported on: YYYY-MM.")
@click.option("--from", "start", default=None, help="The first day reported on: YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="The last day reported on (included).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "json"]),
    default=None,
    help="csv or parquet (the long table), or json (the whole report); by default OUT's suffix.",
)
@click.option(
    "--plots",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also draw the stage, breach and intake figures (PNG) into this folder (matplotlib).",
)
@_export_directory
@_language
@_friendly
def export_kpis(
    target: str,
    out: str,
    *,
    actor: str,
    region: str | None,
    month: str | None,
    start: str | None,
    end: str | None,
    fmt: str | None,
    plots: Path | None,
    directory: Path | None,
    language: LanguageCode,
) -> None:
    """Compute the KPIs of a period for the store at TARGET and write them to OUT.

    Labels are in the --language; the long table has one row per figure (section, key,
    measure, value and their labels).
    """
    period = _period(month, start, end)
    store = _open_store(target)
    try:
        report = _service(store, directory).kpis(_manager(actor, region), period=period)
    finally:
        store.close()
    chosen = fmt or (None if out == "-" else Path(out).suffix.lstrip(".").lower() or None)
    if chosen == "json":
        data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
        if out == "-":
            click.echo(data)
        else:
            Path(out).write_text(data + "\n", encoding="utf-8")
    else:
        rows = report.write(_table_out(out), format=chosen, language=language)
        if out != "-":
            click.echo(f"Wrote {rows} KPI row(s) to {out}")
    if plots is not None:
        from slrt_core.plots import save_kpi_figures  # noqa: PLC0415 - needs matplotlib

        for path in save_kpi_figures(report, plots, language=language):
            click.echo(f"Drew {path}")


def _mount_rules() -> None:
    # The rules group lives with the rules engine; mounted here so `slrt rules ...` works.
    from slrt_core._rules_cli import rules  # noqa: PLC0415

    main.add_command(rules)


_mount_rules()


if __name__ == "__main__":  # pragma: no cover - `python -m slrt_core.cli`
    main()
