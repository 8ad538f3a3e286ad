"""The `slrt` command line."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import slrt_core
from slrt_core.adapters.sqlite import SCHEMA_VERSION
from slrt_core.cli import main


def _demo(tmp_path: Path, *args: str) -> Path:
    db = tmp_path / "demo.sqlite"
    result = CliRunner().invoke(main, ["demo", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return db


class TestDemo:
    def test_demo_runs_the_whole_flow(self, tmp_path: Path) -> None:
        """The demo closes its three cases and reports a verified audit chain."""
        db = tmp_path / "demo.sqlite"
        result = CliRunner().invoke(main, ["demo", "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert result.output.count("Closed") == 3
        assert "Rejected, Completed, Completed" in result.output
        assert "hash chain OK" in result.output
        assert db.exists()

    def test_demo_speaks_indonesian(self, tmp_path: Path) -> None:
        """With --language id the labels are in Bahasa Indonesia."""
        db = tmp_path / "demo.sqlite"
        result = CliRunner().invoke(main, ["demo", "--db", str(db), "--language", "id"])
        assert result.exit_code == 0, result.output
        assert "Ditutup (Mandiri)" in result.output
        assert "Kunjungan rumah fasilitator" in result.output

    def test_demo_refuses_an_existing_file(self, tmp_path: Path) -> None:
        """The demo never writes into an existing database."""
        db = _demo(tmp_path)
        result = CliRunner().invoke(main, ["demo", "--db", str(db)])
        assert result.exit_code == 2
        assert "exists already" in result.output

    def test_demo_without_db_leaves_nothing_behind(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --db the store is temporary: deleted at the end, and no path is offered."""
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        result = CliRunner().invoke(main, ["demo"])
        assert result.exit_code == 0, result.output
        assert list(tmp_path.iterdir()) == []
        assert str(tmp_path) not in result.output
        assert "a temporary SQLite store" in result.output
        assert f"{shlex.quote(sys.executable)} -m slrt_core demo --db slrt-demo.sqlite" in (
            result.output
        )

    def test_the_printed_command_verifies_the_kept_file(self, tmp_path: Path) -> None:
        """With --db the demo prints a command that works without `slrt` on the PATH."""
        db = tmp_path / "demo.sqlite"
        result = CliRunner().invoke(main, ["demo", "--db", str(db)])
        assert result.exit_code == 0, result.output
        line = result.output.strip().splitlines()[-1]
        command = line.removeprefix("Check it again with: ")
        assert command != line
        src = str(Path(slrt_core.__file__).parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "OK" in done.stdout


class TestAudit:
    def test_verify_ok(self, tmp_path: Path) -> None:
        """A fresh demo store verifies, as text and as JSON."""
        db = _demo(tmp_path)
        result = CliRunner().invoke(main, ["audit", "verify", str(db)])
        assert result.exit_code == 0
        assert result.output.startswith("OK: 34 records")
        result = CliRunner().invoke(main, ["audit", "verify", str(db), "--json"])
        assert json.loads(result.output)["ok"] is True

    def test_verify_names_the_edited_record(self, tmp_path: Path) -> None:
        """An edited event is reported with its sequence number and exit status 1."""
        db = _demo(tmp_path)
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE events SET body = replace(body, '\"schema\":1', '\"schema\":2') "
                "WHERE seq = 7"
            )
        result = CliRunner().invoke(main, ["audit", "verify", str(db)])
        assert result.exit_code == 1
        assert "BROKEN at record 7" in result.output
        result = CliRunner().invoke(main, ["audit", "verify", str(db), "--json"])
        assert json.loads(result.output)["first_bad"] == 7

    def test_export_writes_json_lines(self, tmp_path: Path) -> None:
        """The export has one JSON object per audit record."""
        db = _demo(tmp_path)
        out = tmp_path / "audit.jsonl"
        result = CliRunner().invoke(main, ["audit", "export", str(db), str(out)])
        assert result.exit_code == 0, result.output
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 34
        assert json.loads(lines[0])["seq"] == 1

    def test_a_newer_schema_is_refused_with_a_message(self, tmp_path: Path) -> None:
        """A database written by a newer library gives a clear error, not a traceback."""
        db = _demo(tmp_path)
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA user_version = 99")
        result = CliRunner().invoke(main, ["audit", "verify", str(db)])
        assert result.exit_code == 1
        assert "newer than this library" in result.output


class TestDb:
    def test_upgrade_creates_the_schema(self, tmp_path: Path) -> None:
        """`slrt db upgrade` on a new file applies every migration."""
        db = tmp_path / "new.sqlite"
        result = CliRunner().invoke(main, ["db", "upgrade", str(db)])
        assert result.exit_code == 0, result.output
        assert f"schema version {SCHEMA_VERSION} ({SCHEMA_VERSION} migration(s) applied)" in (
            result.output
        )
        result = CliRunner().invoke(main, ["db", "upgrade", str(db)])
        assert "(0 migration(s) applied)" in result.output


def test_python_dash_m_runs_the_command() -> None:
    """`python -m slrt_core` is the `slrt` command, for shells where it is not on the PATH."""
    import slrt_core.__main__ as entry

    assert entry.main is main
    src = str(Path(slrt_core.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "slrt_core", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "Usage: slrt" in done.stdout


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--days", "-5"),
        ("--per-week", "-1.05"),
        ("--seeds", "0"),
        ("--workers", "-1"),
        ("--households", "0"),
        ("--per-week", "0"),
    ],
)
def test_simulate_refuses_bad_numbers_before_it_starts(option: str, value: str) -> None:
    """A bad number names the option as typed, with no banner and no internal field name."""
    result = CliRunner().invoke(main, ["simulate", option, value])
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
    assert "Simulating" not in result.output
    assert "drain" not in result.output
    assert "intakes" not in result.output


class TestProjections:
    def test_rebuild_fills_the_summaries_again(self, tmp_path: Path) -> None:
        """`slrt projections rebuild` recomputes every summary from the events."""
        import contextlib
        import sqlite3

        from slrt_core.adapters.sqlite import SqliteStore
        from slrt_core.projections import CaseOrder, CaseSelection
        from slrt_core.testing import sample_slrt, sample_staff, walk_case

        db = tmp_path / "store.sqlite"
        store = SqliteStore(db)
        slrt = sample_slrt(store)
        for route in ("full", "emergency"):
            list(walk_case(slrt, sample_staff(), route=route))  # type: ignore[arg-type]
        before = store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED)
        store.close()
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("DELETE FROM case_summaries")
            conn.commit()
        result = CliRunner().invoke(main, ["projections", "rebuild", str(db), "--batch", "1"])
        assert result.exit_code == 0, result.output
        assert "rebuilt the summaries of 2 case(s)" in result.output
        again = SqliteStore(db)
        try:
            assert again.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED) == before
        finally:
            again.close()

    def test_rebuild_of_a_missing_file_is_refused(self, tmp_path: Path) -> None:
        """A path with no store file is an error, not a new empty store."""
        result = CliRunner().invoke(main, ["projections", "rebuild", str(tmp_path / "no.db")])
        assert result.exit_code == 1
        assert "No SQLite store" in result.output
        assert not (tmp_path / "no.db").exists()
