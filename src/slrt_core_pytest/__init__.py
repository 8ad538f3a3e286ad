"""A pytest plugin that runs rule test case files as tests.

Installed with slrt_core (entry point ``slrt_rules``), it collects every file named
``rules_*.toml`` or ``*.rules.toml`` under the test paths; each ``[[case]]`` becomes one
test item, decided by both evaluators and checked against its expectations (the format
is in ``docs/how-to/write-rule-tests.md``). A failing case reports what differed and the
decision's explanation. Without the entry point, enable it with ``-p slrt_core_pytest``.

The plugin is a top-level module of its own, outside the ``slrt_core`` package, because
pytest loads it into every session of an environment where slrt_core is installed:
importing anything under ``slrt_core`` would load the whole service (numpy included),
and importing ``slrt_core.testing`` would build the contract suite's Hypothesis
``@settings`` before the host's ``conftest.py`` had loaded its profile. Loading this
module imports only pytest and the standard library; slrt_core is imported when a case
file is collected.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from slrt_core.rules._cases import CaseFile, CaseResult, RuleCase

__all__ = ["RuleCaseFile", "RuleCaseItem", "pytest_collect_file"]


def _is_case_file(path: Path) -> bool:
    return path.suffix == ".toml" and (
        path.name.startswith("rules_") or path.name.endswith(".rules.toml")
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect rule test case files."""
    if _is_case_file(file_path):
        return RuleCaseFile.from_parent(parent, path=file_path)
    return None


class _CaseFailed(Exception):  # noqa: N818 - raised only to carry the result to the report
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.render())
        self.result = result


class RuleCaseFile(pytest.File):
    """A rule test case file: one test item per ``[[case]]``."""

    def collect(self) -> Iterator[RuleCaseItem]:
        """Load the file and its variants.

        A broken file fails the collection, listing every problem.
        """
        from slrt_core.errors import SlrtError  # noqa: PLC0415 - see the module docstring
        from slrt_core.rules._cases import load_cases  # noqa: PLC0415

        try:
            loaded = load_cases(self.path)
        except SlrtError as error:
            raise self.CollectError(str(error)) from None
        for case in loaded.cases:
            yield RuleCaseItem.from_parent(self, name=case.name, case=case, loaded=loaded)


class RuleCaseItem(pytest.Item):
    """One rule test case."""

    def __init__(self, *, case: RuleCase, loaded: CaseFile, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.loaded = loaded

    def runtest(self) -> None:
        """Decide the case with both evaluators and check the expectations."""
        from slrt_core.rules._cases import run_case  # noqa: PLC0415 - see the module docstring

        result = run_case(self.case, self.loaded.rulebook)
        if not result.passed:
            raise _CaseFailed(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        """What differed, and the explanation of each decision that failed."""
        if isinstance(excinfo.value, _CaseFailed):
            return excinfo.value.result.render()
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The file, the case's line and its name."""
        line = None
        _, _, number = self.case.where.rpartition(":")
        if number.isdigit():
            line = int(number) - 1
        return self.path, line, f"rule case: {self.case.name}"
