"""`slrt audit keygen`, `slrt audit checkpoint` and `slrt audit verify --checkpoints`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from slrt_core.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.sqlite"
    code, out = run("demo", "--db", str(db))
    assert code == 0, out
    return db


def keys(tmp_path: Path) -> tuple[Path, Path]:
    private = tmp_path / "audit.key"
    code, out = run("audit", "keygen", str(private))
    assert code == 0, out
    assert out.startswith("Key ")
    return private, tmp_path / "audit.key.pub"


class TestCheckpointCli:
    def test_checkpoint_then_verify(self, tmp_path: Path):
        """A checkpoint of a demo store verifies, as text and JSON."""
        db = demo(tmp_path)
        private, public = keys(tmp_path)
        assert private.stat().st_mode & 0o077 == 0
        cps = tmp_path / "cp.jsonl"
        code, out = run("audit", "checkpoint", str(db), "--key", str(private), "--out", str(cps))
        assert code == 0, out
        assert out.startswith("Checkpoint: record ")
        args = ["audit", "verify", str(db), "--checkpoints", str(cps), "--public-key", str(public)]
        code, out = run(*args)
        assert code == 0, out
        assert "agrees with 1 signed checkpoint(s)" in out
        code, out = run(*args, "--json")
        assert json.loads(out)["checkpoints"] == 1

    def test_truncation_is_caught(self, tmp_path: Path):
        """Deleting the last records passes the chain check but fails the checkpoint check."""
        db = demo(tmp_path)
        private, public = keys(tmp_path)
        cps = tmp_path / "cp.jsonl"
        run("audit", "checkpoint", str(db), "--key", str(private), "--out", str(cps))
        conn = sqlite3.connect(db)
        last = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
        conn.execute("DELETE FROM events WHERE seq > ?", (last - 3,))
        conn.commit()
        conn.close()
        code, out = run("audit", "verify", str(db))
        assert code == 0, out  # the chain alone cannot see it
        code, out = run(
            "audit", "verify", str(db), "--checkpoints", str(cps), "--public-key", str(public)
        )
        assert code == 1
        assert "truncated" in out

    def test_usage_errors(self, tmp_path: Path):
        """Checkpoints need a public key; keygen refuses to overwrite; bad keys are errors."""
        db = demo(tmp_path)
        private, _ = keys(tmp_path)
        cps = tmp_path / "cp.jsonl"
        cps.write_text("")
        code, out = run("audit", "verify", str(db), "--checkpoints", str(cps))
        assert code == 2
        assert "--public-key" in out
        code, out = run("audit", "keygen", str(private))
        assert code == 2
        assert "exists already" in out
        bad = tmp_path / "bad.pem"
        bad.write_text("nope")
        code, out = run("audit", "checkpoint", str(db), "--key", str(bad), "--out", str(cps))
        assert code == 1
        assert "Ed25519" in out
