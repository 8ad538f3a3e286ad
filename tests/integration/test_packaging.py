"""The wheel and the sdist build, install in a fresh venv and run."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from slrt_core.rules import load_pack

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    return out


def _fresh_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    return path / "bin" / "python"


def test_wheel_has_the_package_data(dist: Path) -> None:
    """The wheel ships py.typed and the data files the library reads at run time."""
    wheel = next(dist.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "slrt_core/py.typed" in names
    assert "slrt_core/data/region_splits.toml" in names
    assert any(n.startswith("slrt_core/data/rules/") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_declares_extras_and_entry_points(dist: Path) -> None:
    """The documented extras, the Python floor, the `slrt` command and the pytest plugin."""
    wheel = zipfile.ZipFile(next(dist.glob("*.whl")))
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(info).decode()
    extras = {
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Provides-Extra:")
    }
    assert {"postgres", "plot", "dask", "crypto", "testing"} <= extras
    assert "Requires-Python: >=3.11" in metadata
    points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "slrt = slrt_core.cli:main" in points
    assert "slrt_rules = slrt_core_pytest" in points


@pytest.mark.parametrize("kind", ["whl", "tar.gz"])
def test_installs_and_runs_in_a_fresh_venv(dist: Path, tmp_path: Path, kind: str) -> None:
    """Installed from the wheel or the sdist, the package imports and `slrt demo` works."""
    python = _fresh_venv(tmp_path / "venv")
    artefact = next(dist.glob(f"*.{kind}"))
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", artefact)
    version = _run(python, "-c", "import slrt_core; print(slrt_core.__version__)").strip()
    assert (
        version
        == _run(sys.executable, "-c", "import slrt_core; print(slrt_core.__version__)").strip()
    )
    out = _run(python.parent / "slrt", "demo", "--db", tmp_path / "demo.sqlite")
    assert "hash chain OK" in out
    assert "Usage: slrt" in _run(python.parent / "slrt", "--help")
    # The program pack ships as package data and loads from the installed files.
    programs = _run(
        python, "-c", "from slrt_core.rules import load_pack; print(len(load_pack().programs))"
    )
    assert int(programs) == len(load_pack().programs)
