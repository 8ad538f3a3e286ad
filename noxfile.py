"""Sessions: tests (default), lint, typecheck, docs, bench, demo, simulate, build, tests_matrix.

`nox -s tests` runs on the interpreter nox itself runs on, so a machine with one Python
works; `nox -s tests_matrix` runs the same suite on every supported Python found.
"""

from __future__ import annotations

import shutil

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = False

PYPROJECT = nox.project.load_toml("pyproject.toml")
SUPPORTED = ["3.11", "3.12", "3.13"]


def _install(session: nox.Session, *groups: str, editable: bool = True) -> None:
    target = ["-e", "."] if editable else ["."]
    session.install(*target, *nox.project.dependency_groups(PYPROJECT, *groups))


def _pytest(session: nox.Session) -> None:
    if session.posargs:
        # A filtered run (-k, a path): exit code 5 (no tests collected) is not an error.
        session.run("pytest", *session.posargs, success_codes=[0, 5])
        return
    # Coverage starts before pytest: the rule-case plugin is loaded from slrt_core's
    # pytest11 entry point before pytest-cov could start, which would hide import-time
    # lines. Exit code 5 (no tests collected) fails the full run.
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", "tests", "src/slrt_core", "--doctest-modules")
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report")  # fails under [tool.coverage.report] fail_under


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, property, contract, integration and example tests, with branch coverage."""
    _install(session, "tests")
    _pytest(session)


@nox.session(python=SUPPORTED, default=False)
def tests_matrix(session: nox.Session) -> None:
    """The test suite on every supported Python that is installed."""
    _install(session, "tests")
    _pytest(session)


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """Ruff format check and lint, and the import-linter layer contracts (pyproject)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    # grimp reads the source tree; the package need not be installed.
    session.run("lint-imports", env={"PYTHONPATH": "src"})


@nox.session(default=False)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src and typing_tests."""
    _install(session, "typecheck")
    session.run("mypy")


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Sphinx (MyST) with warnings as errors, then the doctest builder."""
    _install(session, "docs")
    for builder in ("html", "doctest"):
        session.run(
            "sphinx-build", "-W", "--keep-going", "-b", builder, "docs", f"docs/_build/{builder}"
        )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Every benchmark in quick mode (pass --full for the full sizes)."""
    _install(session, "bench")
    full = "--full" in session.posargs
    for script in sorted(__import__("pathlib").Path("bench").glob("*.py")):
        if script.name.startswith("_"):
            continue
        session.run("python", str(script), *([] if full else ["--quick"]))


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """The main job: the district demo on the embedded SQLite store."""
    session.install(".")
    session.run("slrt", "demo", *session.posargs)


@nox.session(default=False)
def simulate(session: nox.Session) -> None:
    """The main job: two routing policies on a simulated district, each run on SQLite.

    Tables and plots go to simulation/, one SQLite store per run to simulation/stores/
    (emptied first: the session owns that folder).
    """
    session.install(".[plot]")
    if session.posargs:
        session.run("slrt", "simulate", *session.posargs)
        return
    shutil.rmtree("simulation/stores", ignore_errors=True)
    session.run("slrt", "simulate", "--out", "simulation", "--sqlite", "simulation/stores")


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Build wheel and sdist, then install each in a fresh venv and import it."""
    session.install("build")
    session.run("python", "-m", "build", "--outdir", "dist")
