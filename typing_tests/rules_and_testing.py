"""The rules engine and the testing kit as a user's type checker sees them.

Checked by mypy (``files`` in pyproject), never executed.
"""

from __future__ import annotations

from datetime import date
from typing import assert_type

from hypothesis import strategies as st

from slrt_core import Case, Household, Person, RegionCode, Relationship, Sex
from slrt_core.referral import Directory
from slrt_core.rules import (
    Compare,
    Criterion,
    Decision,
    Explanation,
    Input,
    Override,
    Param,
    Population,
    Rulebook,
    ScreenResult,
    Status,
    Variant,
    decide,
    load_pack,
    screen,
    synthetic_tables,
)
from slrt_core.testing import (
    CheckResult,
    CheckStatus,
    VariantFailure,
    VariantReport,
    check_variant,
    strategies,
)

# -- rules: decide one household, screen a population

pack = load_pack()
assert_type(pack, Rulebook)
assert_type(pack.version, str)
variant = Variant(
    name="kota-semarang",
    region=RegionCode("33.74"),
    overrides=[Override(parameter="pkh.elderly_min_age", value=65, valid_from=date(2025, 7, 1))],
    criteria=[
        Criterion(
            name="low_decile",
            test=Compare(Input("decile"), "<=", Param("registry.max_decile")),
            label_id="Desil rendah",
            label_en="Low decile",
        )
    ],
)
city = pack.with_variants(variant)
assert_type(city, Rulebook)

head = Person(
    member_id="m1", relationship=Relationship.HEAD, birth_date=date(1950, 1, 1), sex=Sex.FEMALE
)
household = Household(region=RegionCode("33.74.01.1001"), members=[head])
decisions = decide(household, on=date(2025, 8, 1), rulebook=city, programs=["PKH"])
assert_type(decisions, dict[str, Decision])
pkh = decisions["PKH"]
assert_type(pkh.status, Status)
assert_type(pkh.eligible, bool)
assert_type(pkh.missing, tuple[str, ...])
assert_type(pkh.explanation, Explanation)
assert_type(pkh.explanation.find("pkh_elderly"), Explanation | None)
assert_type(pkh.render("id"), str)

population = Population.from_households([household])
result = screen(population, on=date(2025, 8, 1), rulebook=city)
assert_type(result, ScreenResult)
assert_type(result.decision(0, "PKH"), Decision)
assert_type(screen(synthetic_tables(100, seed=1), on=date(2025, 8, 1), rulebook=pack), ScreenResult)

# -- testing kit: check a variant, read the report

report = check_variant(variant, directory=Directory(), on=[date(2025, 7, 1)], max_examples=50)
assert_type(report, VariantReport)
assert_type(report.ok, bool)
assert_type(report.failures, tuple[VariantFailure, ...])
assert_type(report.check("routable"), CheckResult)
assert_type(report.check("routable").status, CheckStatus)
assert_type(report.render("id"), str)
assert_type(check_variant(city, region="33.74.01"), VariantReport)
for failure in report.failures:
    assert_type(failure.household, Household)
    assert_type(failure.other, Household | None)
    assert_type(failure.render("en"), str)

# -- strategies: what a user's @given receives

assert_type(strategies.households(region="33.74"), st.SearchStrategy[Household])
assert_type(strategies.persons(relationship=Relationship.HEAD), st.SearchStrategy[Person])
assert_type(strategies.populations(region="33.74", max_size=5), st.SearchStrategy[Population])
assert_type(strategies.cases(routes=["emergency"]), st.SearchStrategy[Case])
assert_type(strategies.region_codes(within="33.74"), st.SearchStrategy[RegionCode])
