"""Rule test cases: the file format, the runner, ``slrt rules test`` and the pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from slrt_core._rules_cli import rules
from slrt_core.errors import InvalidInputError
from slrt_core.rules import load_cases, run_cases
from slrt_core.rules._cases import pack_cases

pytest_plugins = ["pytester"]

VARIANT = """[variant]
name = "semarang"
region = "33.74"
[[override]]
parameter = "pkh.elderly_min_age"
value = 60
from = 2025-01-01
source = "Perwali (example)"
"""

CASES = """variants = ["semarang.toml"]

[[case]]
name = "An elder of 65 gets PKH in Semarang"
on = 2025-03-01
region = "33.74.01.1001"
household = { in_registry = true, decile = 2, receives = ["SEMBAKO"] }

[[case.members]]
id = "m1"
relationship = "head"
sex = "male"
age = 65
schooling = "not_in_school"
disability = "none"
working = false
monthly_income = 0
has_nik = true

[[case.members]]
id = "m2"
sex = "female"
birth_date = 1961-02-03
pregnant = false
schooling = "not_in_school"
disability = "none"
nik = "3374014302610002"

[case.expect.PKH]
status = "eligible"
benefit = 4_800_000
missing = []
criteria = { pkh_elderly = true, pkh_pregnant = "false" }

[[case]]
name = "The same elder outside Semarang"
on = 2025-03-01
region = "32.73.01.1001"
programs = ["PKH"]
members = [{ sex = "male", age = 65, schooling = "not_in_school", disability = "none" }]
household = { in_registry = true, decile = 2 }
expect.PKH = "not_eligible"
"""

FAILING = """[[case]]
name = "A wrong expectation"
on = 2025-03-01
region = "33.74.01.1001"
household = { in_registry = true, decile = 2 }
members = [
    { sex = "female", age = 30, pregnant = true, schooling = "sd", disability = "none" },
]
[case.expect.PKH]
status = "not_eligible"
benefit = 1
missing = ["x"]
criteria = { pkh_pregnant = "false", ghost = "true" }
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class TestRunner:
    def test_the_pack_passes_its_own_cases(self) -> None:
        """Every case shipped with the pack passes under both evaluators."""
        results = run_cases([pack_cases()])
        assert results
        assert all(r.passed for r in results), [r.render() for r in results if not r.passed]

    def test_a_district_pins_its_variant(self, tmp_path: Path) -> None:
        """Cases run against the pack plus the file's variants, relative to the file."""
        _write(tmp_path, "semarang.toml", VARIANT)
        path = _write(tmp_path, "rules_semarang.toml", CASES)
        loaded = load_cases(path)
        assert [c.where.rsplit(":", 1)[1] for c in loaded.cases] == ["3", "35"]
        results = run_cases([tmp_path])
        assert [r.passed for r in results] == [True, True], [r.render() for r in results]
        assert results[0].render().startswith("PASS")

    def test_a_failing_case_says_what_differed_and_why(self, tmp_path: Path) -> None:
        """Every unmet expectation is listed, with the decision's explanation."""
        path = _write(tmp_path, "cases.rules.toml", FAILING)
        (result,) = run_cases([path])
        assert not result.passed
        assert result.failures == (
            "PKH: expected not_eligible, got eligible",
            "PKH: expected benefit 1, got 3000000",
            "PKH: expected missing ['x'], got []",
            "PKH: criterion pkh_pregnant expected false, got true",
            "PKH: criterion 'ghost' is not in its explanation",
        )
        rendered = result.render("id")
        assert rendered.startswith("GAGAL")
        assert "Ibu hamil" in rendered
        assert result.failures_id == (
            "PKH: seharusnya tidak layak, hasilnya layak",
            "PKH: seharusnya manfaat Rp1, hasilnya Rp3.000.000",
            "PKH: seharusnya masukan kosong ['x'], hasilnya []",
            "PKH: kriteria pkh_pregnant seharusnya salah, hasilnya benar",
            "PKH: kriteria 'ghost' tidak ada dalam penjelasannya",
        )
        for line in result.failures_id:
            assert "expected" not in line
            assert "got" not in line

    def test_unknown_programs_and_evaluation_errors_fail_the_case(self, tmp_path: Path) -> None:
        """A case naming an unknown program fails with the programs there are."""
        text = FAILING.replace("expect.PKH", "expect.BLT")
        (result,) = run_cases([_write(tmp_path, "unknown.rules.toml", text)])
        assert result.failures[0].startswith("BLT: unknown program")
        typo = FAILING.replace("expect.PKH", "expect.PKHH")
        (result,) = run_cases([_write(tmp_path, "typo.rules.toml", typo)])
        assert "did you mean 'PKH'?" in result.failures[0]
        assert "mungkin maksudnya 'PKH'?" in result.failures_id[0]

    def test_every_problem_of_a_case_file_is_listed(self, tmp_path: Path) -> None:
        """Bad keys, types, regions, members and expectations are reported with lines."""
        text = """colour = "red"
[[case]]
on = "yesterday"

[[case]]
name = "bad"
on = 2025-03-01
region = "99.99.99.9999"
expect.PKH = "eligible"

[[case]]
name = "worse"
on = 2025-03-01
region = "33.74.01.1001"
household = { in_registry = "yes", decile = 2.5, floor = "marble", receives = "PKH", pets = 2 }
members = [
    { sex = "alien", age = 3 },
    { sex = "male" },
    { sex = "male", age = 3, nik = "123" },
    7,
]
expect.PKH = 5
expect.SEMBAKO = { status = "maybe", criteria = { registry_targeted = "perhaps" } }

[[case]]
name = "no expectations"
on = 2025-03-01
region = "33.74.01.1001"
household = 3
members = [{ sex = "male", age = 30 }]

[[case]]
name = "two heads"
on = 2025-03-01
region = "33.74.01.1001"
members = [{ sex = "male", age = 30 }, { sex = "male", age = 30, relationship = "head" }]
expect.PKH = "eligible"

[[case]]
name = "born later"
on = 2025-03-01
region = "33.74.01.1001"
members = [{ sex = "male", birth_date = 2026-01-01 }]
expect.PKH = "eligible"
"""
        with pytest.raises(InvalidInputError) as error:
            load_cases(_write(tmp_path, "rules_bad.toml", text))
        rendered = [p.render() for p in error.value.problems]
        for piece in [
            "colour: Unknown key 'colour'",
            "case[0].on: 'on' must be a date",
            "case[0].name: Give the case a name",
            "case[1].region: Region code",
            "case[2].household.pets: Unknown key 'pets'",
            "case[2].household.in_registry: 'in_registry' must be true or false",
            "case[2].household.decile: 'decile' must be a whole number",
            "case[2].household.floor: 'marble' is not one of",
            "case[2].household.receives: 'receives' is a list of program codes",
            "case[2].members[0].sex: 'alien' is not one of",
            "case[2].members[1]: Give 'age'",
            "case[2].members[2].nik:",
            "case[2].members[3]: Each member must be a table",
            "case[2].expect.PKH: Expected a status or a table",
            "case[2].expect.SEMBAKO.status: 'maybe' is not one of",
            "criteria.registry_targeted: 'perhaps' is not one of",
            "case[3].household: 'household' must be a table",
            "case[3].expect: 'expect' needs at least one program",
            "members: A household needs exactly one head",
            "birth_date: Birth date 2026-01-01 is after 2025-03-01",
        ]:
            assert any(piece in p for p in rendered), (piece, rendered)

    def test_unreadable_and_malformed_files(self, tmp_path: Path) -> None:
        """A missing file, broken TOML or a file without cases is an input error."""
        with pytest.raises(InvalidInputError, match="Cannot read the case file"):
            load_cases(tmp_path / "nope.toml")
        with pytest.raises(InvalidInputError, match="not valid TOML"):
            load_cases(_write(tmp_path, "broken.toml", "[[case]\n"))
        with pytest.raises(InvalidInputError, match=r"has no \[\[case\]\]"):
            load_cases(_write(tmp_path, "empty.toml", ""))
        with pytest.raises(InvalidInputError, match="Each \\[\\[case\\]\\] must be a table"):
            load_cases(_write(tmp_path, "odd.toml", "case = [1]\n"))


class TestTestCommand:
    def test_the_command_runs_files_folders_and_the_pack(self, tmp_path: Path) -> None:
        """``slrt rules test`` prints each case and a summary, exit status 0 when all pass."""
        _write(tmp_path, "semarang.toml", VARIANT)
        _write(tmp_path, "rules_semarang.toml", CASES)
        done = CliRunner().invoke(rules, ["test", str(tmp_path), "--pack"])
        assert done.exit_code == 0, done.output
        assert done.output.strip().endswith("passed, 0 failed")
        quiet = CliRunner().invoke(rules, ["test", str(tmp_path), "-q"])
        assert quiet.output.strip() == '{"passed": 2, "failed": 0}'

    def test_failures_give_exit_status_one(self, tmp_path: Path) -> None:
        """A failing case is shown with its explanation and the command fails."""
        _write(tmp_path, "cases.rules.toml", FAILING)
        done = CliRunner().invoke(rules, ["test", str(tmp_path), "--language", "id"])
        assert done.exit_code == 1
        assert "GAGAL" in done.output
        assert "0 lulus, 1 gagal" in done.output

    def test_problems_and_usage(self, tmp_path: Path) -> None:
        """A broken case file is an error message; no path is a usage error."""
        _write(tmp_path, "rules_bad.toml", "[[case]]\nname = 1\n")
        done = CliRunner().invoke(rules, ["test", str(tmp_path)])
        assert done.exit_code == 1
        assert "problem" in done.output
        assert CliRunner().invoke(rules, ["test"]).exit_code == 2


class TestPlugin:
    def test_case_files_become_test_items(self, pytester: pytest.Pytester, tmp_path: Path) -> None:
        """The plugin collects rules_*.toml and *.rules.toml and reports failures readably."""
        pytester.makefile(".toml", semarang=VARIANT, rules_semarang=CASES)
        pytester.makefile(".rules.toml", failing=FAILING)
        pytester.makefile(".toml", rules_broken="[[case]]\nname = 1\n")
        pytester.makefile(".toml", other="x = 1\n")
        # Block the installed entry point (if any) and load the module by name, so the
        # test runs the same whether slrt_core is installed or only on the path.
        result = pytester.runpytest(
            "-p",
            "no:slrt_rules",
            "-p",
            "slrt_core.testing.pytest_plugin",
            "-v",
            "--continue-on-collection-errors",
        )
        result.assert_outcomes(passed=2, failed=1, errors=1)
        result.stdout.fnmatch_lines(
            [
                "*rules_semarang.toml::An elder of 65 gets PKH in Semarang PASSED*",
                "*ERROR collecting rules_broken.toml*",
                "*2 problems in the input*",
                "*PKH: expected not_eligible, got eligible*",
            ]
        )
        assert tmp_path.exists()


class TestDocs:
    def test_the_guide_cases_pass_against_the_guide_variant(self, tmp_path: Path) -> None:
        """The case file of the how-to guide passes with the variant of the other guide."""
        import re

        root = Path(__file__).resolve().parents[3]
        guide = (root / "docs" / "how-to" / "write-rule-tests.md").read_text(encoding="utf-8")
        local = (root / "docs" / "how-to" / "add-a-local-program.md").read_text(encoding="utf-8")
        cases = re.search(r"```toml\n(.*?)```", guide, re.DOTALL)
        variant = re.search(r"```toml\n(.*?)```", local, re.DOTALL)
        assert cases is not None
        assert variant is not None
        _write(tmp_path, "kota-bekasi.toml", variant.group(1))
        _write(tmp_path, "rules_bekasi.toml", cases.group(1))
        results = run_cases([tmp_path])
        assert [r.passed for r in results] == [True] * 7, [r.render() for r in results]
        assert [r.case.where.rsplit(":", 1)[1] for r in results][:3] == ["4", "18", "26"]


class TestImpossibleDates:
    def test_an_impossible_date_does_not_hide_the_other_problems(self, tmp_path: Path) -> None:
        """2025-02-30 is reported at its line, and the file's other problems beside it."""
        text = (
            '[[case]]\nname = "bad date"\non = 2025-02-30\n'
            "household = { in_registry = true, decile = 2 }\n"
            'members = [{ age = 40, sex = "male" }]\nexpect.PKH = { status = "eligible" }\n'
            '[[case]]\nname = "other"\non = 2025-03-01\ncolour = "red"\nregion = "33.74.01.1001"\n'
            'members = [{ birth_date = 1980-02-31, sex = "male" }]\n'
            'expect.PKH = { status = "eligible" }\n'
        )
        path = _write(tmp_path, "dates.rules.toml", text)
        with pytest.raises(InvalidInputError) as error:
            load_cases(path)
        shown = [(p.path.split(" ")[0].rsplit(":", 1)[1], p.message) for p in error.value.problems]
        assert shown[0] == (
            "3",
            "2025-02-30 is not a real date; write it as YYYY-MM-DD such as 2025-03-01.",
        )
        assert any("Unknown key 'colour'" in m for _, m in shown)
        assert any(m.startswith("1980-02-31 is not a real date") for _, m in shown)
        assert [int(line) for line, _ in shown] == sorted(int(line) for line, _ in shown)
