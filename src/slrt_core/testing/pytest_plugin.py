"""The rule-case pytest plugin under its former name; it lives in :mod:`slrt_core_pytest`.

Installing slrt_core registers the plugin by its entry point (``slrt_rules``); load this
module with ``-p`` only where the entry point is absent or blocked
(``-p no:slrt_rules -p slrt_core.testing.pytest_plugin``), or each case runs twice.
Prefer ``-p slrt_core_pytest``, which does not import the testing kit.

.. versionadded:: 0.1.0
"""

from slrt_core_pytest import RuleCaseFile, RuleCaseItem, pytest_collect_file

__all__ = ["RuleCaseFile", "RuleCaseItem", "pytest_collect_file"]
