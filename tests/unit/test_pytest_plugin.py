"""The rule-case pytest plugin costs nothing when unused and loads before nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def test_loading_the_plugin_imports_nothing_of_slrt_core() -> None:
    """Loading the plugin (as pytest does in every session) imports pytest and stdlib only."""
    probe = textwrap.dedent(
        """
        import sys
        import slrt_core_pytest
        heavy = sorted(
            name for name in sys.modules
            if name.split(".")[0] in {"slrt_core", "numpy", "hypothesis", "attrs", "attr"}
        )
        print(heavy)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_former_module_name_is_the_same_plugin() -> None:
    """``-p slrt_core.testing.pytest_plugin`` still works: it re-exports the same hook."""
    from slrt_core.testing import pytest_plugin

    # By name, not identity: pytester's in-process runs re-import modules.
    assert pytest_plugin.pytest_collect_file.__module__ == "slrt_core_pytest"
    assert pytest_plugin.RuleCaseItem.__module__ == "slrt_core_pytest"


def test_a_conftest_profile_reaches_the_contract_suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the plugin loaded, the host's Hypothesis profile applies to the shipped suite.

    The contract suite's ``@settings`` copy the profile loaded when they are built, so the
    testing kit must not be imported before ``conftest.py`` has loaded the profile.
    """
    pytester.makeconftest(
        """
        from hypothesis import settings
        settings.register_profile("host", deadline=None, max_examples=3)
        settings.load_profile("host")
        """
    )
    pytester.makepyfile(
        test_profile="""
        from slrt_core.testing.contracts import StoreContract

        def test_profile_applies():
            test = StoreContract.test_random_flows_replay_and_verify
            assert test.hypothesis._given_kwargs  # a Hypothesis test
            chosen = test._hypothesis_internal_use_settings
            assert chosen.deadline is None, chosen.deadline
            assert chosen.max_examples == 3
        """
    )
    import slrt_core_pytest

    # The same slrt_core as this run, installed or only on the path.
    here = str(Path(slrt_core_pytest.__file__).parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("-p", "no:slrt_rules", "-p", "slrt_core_pytest")
    result.assert_outcomes(passed=1)
