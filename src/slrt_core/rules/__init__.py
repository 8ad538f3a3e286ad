"""Eligibility rules: explained decisions, dated regional parameters, local variants.

One declarative definition per program (criteria, benefit, sectors, tier, overlaps),
parameters dated and layered by region, and two evaluators compiled from the same
definitions, which agree:

- :func:`decide`: one household, a :class:`Decision` per program with its explanation
  tree, in Bahasa Indonesia and English;
- :func:`screen`: a whole population in columns, per-program arrays and a households x
  criteria matrix from which any household's explanation is rendered.

A missing input makes a criterion unknown and the decision "needs verification", with
the inputs to collect; it is never a silent "not eligible".

Examples:
    >>> from datetime import date
    >>> from slrt_core.household import Household, Person, RegistryStatus, Relationship
    >>> from slrt_core.identity import RegionCode, Sex
    >>> from slrt_core.rules import decide, load_pack
    >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
    ...               birth_date=date(1950, 1, 1), sex=Sex.FEMALE)
    >>> household = Household(region=RegionCode("33.74.01.1001"), members=(head,),
    ...                       registry=RegistryStatus(in_registry=True))
    >>> decision = decide(household, on=date(2025, 3, 1), rulebook=load_pack())["SEMBAKO"]
    >>> decision.status.value, decision.missing
    ('needs_verification', ('decile',))
"""

from slrt_core.rules._cases import (
    CaseFile,
    CaseResult,
    Expectation,
    RuleCase,
    load_cases,
    run_cases,
)
from slrt_core.rules._compare import Comparison, ComparisonRow, compare
from slrt_core.rules._criteria import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Criterion,
    Eligible,
    Flag,
    Input,
    MemberAny,
    MemberCount,
    MemberSum,
    Not,
    Param,
    PerCapita,
    Value,
)
from slrt_core.rules._decision import (
    Benefit,
    BenefitLine,
    Decision,
    Explanation,
    Outcome,
    ParameterUsed,
    Period,
    Status,
)
from slrt_core.rules._differences import Change, Difference
from slrt_core.rules._inputs import InputSpec, Scope, ValueType, input_spec, input_specs
from slrt_core.rules._loader import load_pack, load_rulebook, load_variant, read_variant
from slrt_core.rules._parameters import Domain, Parameter, ParameterValue, Plausible
from slrt_core.rules._population import Population
from slrt_core.rules._programs import (
    Component,
    FixedBenefit,
    InKindBenefit,
    Overlap,
    OverlapKind,
    PerMemberBenefit,
    Program,
)
from slrt_core.rules._report import GroupImpact, ImpactReport, ProgramImpact, impact_report
from slrt_core.rules._rulebook import Override, Resolution, Rulebook, SwitchOff, Variant
from slrt_core.rules._scalar import decide
from slrt_core.rules._synthetic import synthetic_tables
from slrt_core.rules._variants import Approval, Intent, VariantStatus
from slrt_core.rules._vector import ScreenResult, screen

__all__ = [
    "AllOf",
    "AnyOf",
    "Approval",
    "AtLeast",
    "Benefit",
    "BenefitLine",
    "CaseFile",
    "CaseResult",
    "Change",
    "Compare",
    "Comparison",
    "ComparisonRow",
    "Component",
    "Criterion",
    "Decision",
    "Difference",
    "Domain",
    "Eligible",
    "Expectation",
    "Explanation",
    "FixedBenefit",
    "Flag",
    "GroupImpact",
    "ImpactReport",
    "InKindBenefit",
    "Input",
    "InputSpec",
    "Intent",
    "MemberAny",
    "MemberCount",
    "MemberSum",
    "Not",
    "Outcome",
    "Overlap",
    "OverlapKind",
    "Override",
    "Param",
    "Parameter",
    "ParameterUsed",
    "ParameterValue",
    "PerCapita",
    "PerMemberBenefit",
    "Period",
    "Plausible",
    "Population",
    "Program",
    "ProgramImpact",
    "Resolution",
    "RuleCase",
    "Rulebook",
    "Scope",
    "ScreenResult",
    "Status",
    "SwitchOff",
    "Value",
    "ValueType",
    "Variant",
    "VariantStatus",
    "compare",
    "decide",
    "impact_report",
    "input_spec",
    "input_specs",
    "load_cases",
    "load_pack",
    "load_rulebook",
    "load_variant",
    "read_variant",
    "run_cases",
    "screen",
    "synthetic_tables",
]
