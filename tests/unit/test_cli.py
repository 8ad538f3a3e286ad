"""The `slrt` command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

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

    def test_demo_without_db_uses_a_temporary_file(self) -> None:
        """Without --db the demo writes a new temporary file and says where."""
        result = CliRunner().invoke(main, ["demo"])
        assert result.exit_code == 0, result.output
        assert "slrt-demo.sqlite" in result.output


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
        assert "schema version 2 (2 migration(s) applied)" in result.output
        result = CliRunner().invoke(main, ["db", "upgrade", str(db)])
        assert "(0 migration(s) applied)" in result.output
