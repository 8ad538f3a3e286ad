"""Benchmark of the rules engine: ``python bench/rules.py [--quick|--full] [--json] ...``.

Options are those of every benchmark (``bench/_common.py``): ``--quick``, ``--full``,
``--json``, ``--repeat N``, ``--dir`` (unused here: nothing is written) and ``--only
PART`` with parts ``pack``, ``anchor``, ``variant``.

Figures (``ratio`` is always value / baseline; the target says which way is good):

1. ``pack_screen``: the whole Indonesian pack over synthetic households (ingest from
   numpy columns plus evaluation, criteria matrix and benefits included) against
   hand-written numpy of the same rules. Target: ratio <= 1.5.
2. ``anchor_vs_openfisca``: the PKH and PBI rules of the OpenFisca anchor, ingest plus
   evaluation, against OpenFisca build plus calculation in the same run (skipped when
   openfisca-core is not installed). Target: ratio <= 0.05 (20x faster).
3. ``district_overlay``: a district override resolved per household, against a numpy
   table lookup ``table[region_index]``. Target: ratio <= 2.
4. ``decide_pack`` / ``decide_anchor``: one household decided with its full
   explanation, for the whole pack and for the two anchor rules; baseline OpenFisca's
   single household (both rules, no explanation) measured here, or 0.45 ms from the
   anchor when OpenFisca is absent. Target: value < 0.2 ms.
5. ``peak_memory``: the peak memory allocated while screening the whole pack, against
   the size of the input arrays. Target: ratio <= 2.
6. ``variant.*`` (part ``variant``): the cost of the proof and of the report for the
   Kota Bekasi example variant on the same number of households, each beside
   ``compare`` alone (screening both rulebooks and counting): ``check_variant`` (its
   time does not depend on the population: it decides generated and boundary
   households), ``impact_report`` (compare plus groups, differences and plots), and the
   peak memory of each against compare's.

``--quick`` uses 200,000 households (about a minute); the full run 1,000,000 (about 4M
persons). Timings are the **median** of several runs (``--repeat``; 3 quick, 5 full)
with the garbage collector **on**, each after a collection; ours and the baseline run
in the same process. This is a benchmark, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import gc
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from _common import finish, parse_args, report

from slrt_core.household import Disability, Person, Relationship
from slrt_core.identity import RegionCode, Sex
from slrt_core.rules import (
    AllOf,
    AnyOf,
    Compare,
    Criterion,
    InKindBenefit,
    Input,
    MemberAny,
    Override,
    Param,
    Parameter,
    ParameterValue,
    PerCapita,
    Population,
    Program,
    Rulebook,
    Value,
    ValueType,
    Variant,
    decide,
    load_pack,
    screen,
    synthetic_tables,
)
from slrt_core.rules._vector import _Params
from slrt_core.vocabulary import Sector, Tier

ON = date(2025, 3, 1)
ANCHOR_ON = date(2024, 3, 1)
# One village in each of 20 regencies of Jawa Tengah (33); 33.74 is Kota Semarang.
REGENCIES = [f"33.{k:02d}" for k in range(1, 21)]
REGENCIES[-1] = "33.74"


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median of *repeat* runs of *fn*, in seconds (GC on), and its last result."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def villages() -> list[str]:
    """A village code in each benchmark regency."""
    from slrt_core.identity import RegionLevel

    return [str(RegionCode(r).codes_at(RegionLevel.VILLAGE)[0]) for r in REGENCIES]


# --------------------------------------------------------------------------- the pack


def numpy_pack(h: dict[str, Any], p: dict[str, Any], n: int) -> dict[str, Any]:
    """The pack's rules on 2025-03-01, written by hand in numpy (integer codes)."""
    hh = p["household"]

    def any_member(mask: np.ndarray) -> np.ndarray:
        # the idiom of the anchor's numpy baseline (faster than hh[mask] in numpy 2)
        return np.bincount(hh, weights=mask, minlength=n) > 0

    age = p["age"]
    school = p["schooling"]
    reg = h["in_registry"] & (h["decile"] <= 4)
    pregnant = (p["sex"] == 1) & p["pregnant"]
    early = age <= 6
    sd, smp, sma = school == 2, school == 3, school == 4
    elderly = age >= 70
    severe = p["disability"] == 3
    pkh = reg & any_member(pregnant | early | sd | smp | sma | elderly | severe)
    amount = np.select(
        [pregnant | early, elderly | severe, sma, smp, sd],
        [3_000_000, 2_400_000, 2_000_000, 1_500_000, 900_000],
        0,
    )
    total = np.bincount(hh, amount, n)
    positive = amount > 0
    over = np.bincount(hh, weights=positive, minlength=n) > 4
    if over.any():
        chosen = over[hh] & positive
        rows, values = hh[chosen], amount[chosen]
        order = np.lexsort((-values, rows))
        rows, values = rows[order], values[order]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        keep = rank < 4
        total = np.where(over, np.bincount(rows[keep], values[keep], n), total)
    nik = p["has_nik"]
    with_nik = np.rint(np.bincount(hh, weights=nik, minlength=n)).astype(np.int64)
    pbi = reg & (with_nik > 0)
    school_age = (age >= 6) & (age <= 21)
    pupils = [school_age & sd, school_age & smp, school_age & sma]
    pip = reg & any_member(pupils[0] | pupils[1] | pupils[2])
    pip_amount = np.bincount(hh, np.select(pupils[::-1], [1_800_000, 750_000, 450_000], 0), n)
    rtlh = (
        reg
        & h["owns_land"]
        & (h["roof_unfit"] | (h["floor"] == 0) | np.isin(h["wall"], [0, 1]))
        & ~h["housing_aid_before"]
    )
    va = h["electricity_va"]
    return {
        "PKH": (pkh, np.where(pkh, np.rint(total), 0)),
        "SEMBAKO": (reg, np.where(reg, 200_000, 0)),
        "PBI_JK": (pbi, np.where(pbi, with_nik * 42_000, 0)),
        "PIP": (pip, np.where(pip, np.rint(pip_amount), 0)),
        "RTLH": (rtlh, np.where(rtlh, 20_000_000, 0)),
        "LISTRIK": (h["in_registry"] & ((va == 450) | (va == 900)), None),
        "ADMINDUK": (any_member(~nik), None),
        "USULAN_DTSEN": (~h["in_registry"], None),
        "KUBE": (reg & any_member((age >= 18) & (age <= 59)), None),
    }


def pack_figures(n: int, repeat: int) -> list[dict[str, Any]]:
    pack = load_pack()
    tables = synthetic_tables(n, seed=1, regions=villages())
    h, p = tables["households"], tables["persons"]

    def ours() -> Any:
        return screen(tables, on=ON, rulebook=pack)

    ours()  # warm the rulebook's caches (compiled plan, resolved parameters)
    ours_s, result = best(ours, repeat)
    base_s, expected = best(lambda: numpy_pack(h, p, n), repeat)
    for code, (eligible, amount) in expected.items():
        assert np.array_equal(result.status[code] == 1, eligible), code
        if amount is not None:
            assert np.array_equal(result.benefit[code], amount), code
    persons = len(p["household"])
    figures = [
        figure(
            "pack_screen",
            ours_s,
            "s",
            base_s,
            f"{n:,} households, {persons:,} persons, 9 programs, ingest + evaluation "
            "vs hand-written numpy; target ratio <= 1.5",
        )
    ]
    inputs = sum(v.nbytes for t in (h, p) for v in t.values())
    gc.collect()
    tracemalloc.start()
    screen(tables, on=ON, rulebook=pack)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures.append(
        figure(
            "peak_memory",
            peak / 1e6,
            "MB",
            inputs / 1e6,
            "peak allocated while screening the pack vs the input arrays; target ratio <= 2",
        )
    )
    figures += overlay_figures(pack, tables, repeat)
    return figures


def overlay_figures(pack: Rulebook, tables: dict[str, Any], repeat: int) -> list[dict[str, Any]]:
    city = pack.with_variants(
        Variant(
            name="semarang",
            region=RegionCode("33.74"),
            overrides=[
                Override(parameter="sembako.amount", value=250_000, valid_from=date(2025, 1, 1))
            ],
        )
    )
    population = Population.from_tables(
        tables["households"], tables["persons"], regions=tables["regions"]
    )
    index = population.region_index
    table = np.array([250_000 if r.startswith("33.74") else 200_000 for r in population.regions])

    def ours() -> Any:
        return _Params(city, population, ON).household("sembako.amount")[0]

    ours()
    repeat = max(repeat, 20)
    ours_s, values = best(ours, repeat)
    base_s, expected = best(lambda: table[index], repeat)
    assert np.array_equal(values, expected)
    return [
        figure(
            "district_overlay",
            ours_s * 1e3,
            "ms",
            base_s * 1e3,
            "a regency override resolved per household vs numpy table[region_index]; "
            "target ratio <= 2",
        )
    ]


# --------------------------------------------------------------------------- anchor rules


def _criterion(name: str, test: Any) -> Criterion:
    return Criterion(name=name, test=test, label_id=name, label_en=name)


def anchor_rulebook() -> Rulebook:
    """The two rules of the OpenFisca anchor, in this engine."""
    start = date(2020, 1, 1)
    return Rulebook.build(
        name="anchor",
        version="1",
        parameters=[
            Parameter(
                name="pbi.threshold",
                type=ValueType.INT,
                label_id="Batas pendapatan per kapita",
                label_en="Per-capita income threshold",
                values=[
                    ParameterValue(value=550_000, valid_from=date(2023, 1, 1), source="anchor"),
                    ParameterValue(value=600_000, valid_from=date(2024, 1, 1), source="anchor"),
                ],
            )
        ],
        criteria=[
            _criterion("registry", Compare(Input("in_registry"), "==", Value(value=True))),
            _criterion("pregnant", Compare(Input("pregnant"), "==", Value(value=True))),
            _criterion("young", Compare(Input("age"), "<", Value(value=6))),
            _criterion("from_6", Compare(Input("age"), ">=", Value(value=6))),
            _criterion("to_18", Compare(Input("age"), "<=", Value(value=18))),
            _criterion("school_age", AllOf(["from_6", "to_18"])),
            _criterion("old", Compare(Input("age"), ">=", Value(value=70))),
            _criterion("severe", Compare(Input("disability"), "==", Value(value="severe"))),
            _criterion("qualifying", AnyOf(["pregnant", "young", "school_age", "old", "severe"])),
            _criterion("any_qualifying", MemberAny("qualifying")),
            _criterion("pkh", AllOf(["registry", "any_qualifying"])),
            _criterion("pbi", Compare(PerCapita("monthly_income"), "<", Param("pbi.threshold"))),
        ],
        programs=[
            Program(
                code=code,
                label_id=code,
                label_en=code,
                eligibility=eligibility,
                benefit=InKindBenefit(description_id="-", description_en="-"),
                sectors=(Sector.SOCIAL_ASSISTANCE,),
                tier=Tier.NATIONAL,
                offered_from=start,
            )
            for code, eligibility in (("PKH", "pkh"), ("PBI", "pbi"))
        ],
    )


def anchor_data(n: int) -> dict[str, Any]:
    """The anchor's synthetic population: 1 + Poisson(3) persons per household."""
    rng = np.random.default_rng(42)
    sizes = 1 + rng.poisson(3.0, n)
    persons = int(sizes.sum())
    household = np.repeat(np.arange(n), sizes)
    age = rng.integers(0, 91, persons)
    pregnant = (rng.random(persons) < 0.02) & (age >= 15) & (age <= 49)
    severe = rng.random(persons) < 0.02
    income = np.where(age >= 18, rng.lognormal(14, 0.9, persons), 0.0)
    registry = rng.random(n) < 0.4
    region = rng.integers(0, 20, n)
    return {
        "sizes": sizes,
        "household": household,
        "age": age,
        "pregnant": pregnant,
        "severe": severe,
        "income": income,
        "registry": registry,
        "region": region,
    }


def anchor_figures(n: int, repeat: int) -> list[dict[str, Any]]:
    d = anchor_data(n)
    rulebook = anchor_rulebook()
    codes = villages()
    disability = np.where(d["severe"], 3, 0).astype(np.int8)

    def ours() -> Any:
        return screen(
            {
                "households": {"region": d["region"], "in_registry": d["registry"]},
                "persons": {
                    "household": d["household"],
                    "age": d["age"],
                    "pregnant": d["pregnant"],
                    "disability": disability,
                    "monthly_income": d["income"],
                },
                "regions": codes,
            },
            on=ANCHOR_ON,
            rulebook=rulebook,
        )

    ours()
    ours_s, result = best(ours, repeat)
    pkh = result.status["PKH"] == 1
    pbi = result.status["PBI"] == 1
    hh = d["household"]

    def numpy_anchor() -> tuple[np.ndarray, np.ndarray]:
        age = d["age"]
        qualifying = (
            d["pregnant"] | (age < 6) | ((age >= 6) & (age <= 18)) | (age >= 70) | d["severe"]
        )
        a = d["registry"] & (np.bincount(hh, qualifying, n) > 0)
        b = np.bincount(hh, d["income"], n) / d["sizes"] < 600_000
        return a, b

    np_s, (a, b) = best(numpy_anchor, repeat)
    assert np.array_equal(a, pkh)
    assert np.array_equal(b, pbi)
    figures = [
        figure(
            "anchor_vs_numpy",
            ours_s,
            "s",
            np_s,
            "PKH + PBI anchor rules, ingest + evaluation vs hand-written numpy (reference)",
        )
    ]
    try:
        of_build, of_calc, single = openfisca(d, n, repeat, pkh, pbi)
    except ImportError:
        print("openfisca-core is not installed: OpenFisca figures skipped", file=sys.stderr)
        return [*figures, *single_figures(rulebook, None)]
    figures.append(
        figure(
            "anchor_vs_openfisca",
            ours_s,
            "s",
            of_build + of_calc,
            f"PKH + PBI, ingest + evaluation vs OpenFisca build {of_build:.3f} s + calculation "
            f"{of_calc * 1e3:.1f} ms; target ratio <= 0.05 (20x faster)",
        )
    )
    return [*figures, *single_figures(rulebook, single)]


def openfisca(
    d: dict[str, Any], n: int, repeat: int, pkh: np.ndarray, pbi: np.ndarray
) -> tuple[float, float, float]:
    """OpenFisca build and calculation of the same two rules, and one household."""
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit
    from openfisca_core.simulation_builder import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    person = build_entity("person", "persons", "P", is_person=True)
    group = build_entity(
        "household", "households", "H", roles=[{"key": "member", "plural": "members"}]
    )

    def variable(name: str, kind: type, entity: Any, formula: Any = None) -> type:
        body: dict[str, Any] = {
            "value_type": kind,
            "entity": entity,
            "definition_period": DateUnit.MONTH,
        }
        if formula is not None:
            body["formula"] = formula
        return type(name, (Variable,), body)

    def qualifying(p: Any, period: Any) -> Any:
        age = p("age", period)
        return (
            p("is_pregnant", period)
            + (age < 6)
            + (age >= 6) * (age <= 18)
            + (age >= 70)
            + p("disability_severe", period)
        )

    def pkh_formula(h: Any, period: Any) -> Any:
        return h("in_registry", period) * h.any(h.members("pkh_qualifying", period))

    def per_capita(h: Any, period: Any) -> Any:
        return h.sum(h.members("monthly_income", period)) / h.nb_persons()

    def pbi_formula(h: Any, period: Any, parameters: Any) -> Any:
        return h("per_capita_income", period) < parameters(period).pbi.threshold

    system = TaxBenefitSystem([person, group])
    system.add_variables(
        variable("age", int, person),
        variable("is_pregnant", bool, person),
        variable("disability_severe", bool, person),
        variable("monthly_income", float, person),
        variable("in_registry", bool, group),
        variable("pkh_qualifying", bool, person, qualifying),
        variable("pkh_eligible", bool, group, pkh_formula),
        variable("per_capita_income", float, group, per_capita),
        variable("pbi_eligible", bool, group, pbi_formula),
    )
    system.parameters = ParameterNode(
        "", data={"pbi": {"threshold": {"values": {"2023-01-01": 550000, "2024-01-01": 600000}}}}
    )
    period = "2024-03"
    persons = len(d["household"])
    inputs = {
        "age": d["age"],
        "is_pregnant": d["pregnant"],
        "disability_severe": d["severe"],
        "monthly_income": d["income"],
        "in_registry": d["registry"],
    }

    def build() -> Any:
        builder = SimulationBuilder()
        builder.create_entities(system)
        builder.declare_person_entity("person", np.arange(persons))
        households = builder.declare_entity("household", np.arange(n))
        builder.join_with_persons(households, d["household"], np.zeros(persons, dtype=int))
        simulation = builder.build(system)
        for name, values in inputs.items():
            simulation.set_input(name, period, values)
        return simulation

    build_s, _ = best(build, min(repeat, 3))
    simulations = [build() for _ in range(2 * min(repeat, 3))]
    pkh_s, of_pkh = best(
        lambda: simulations.pop().calculate("pkh_eligible", period), min(repeat, 3)
    )
    pbi_s, of_pbi = best(
        lambda: simulations.pop().calculate("pbi_eligible", period), min(repeat, 3)
    )
    assert np.array_equal(of_pkh, pkh)
    assert np.array_equal(of_pbi, pbi)

    situation = {
        "persons": {
            "p1": {
                "age": {period: 40},
                "is_pregnant": {period: False},
                "disability_severe": {period: False},
                "monthly_income": {period: 1_500_000.0},
            },
            "p2": {
                "age": {period: 35},
                "is_pregnant": {period: True},
                "disability_severe": {period: False},
                "monthly_income": {period: 0.0},
            },
            "p3": {
                "age": {period: 7},
                "is_pregnant": {period: False},
                "disability_severe": {period: False},
                "monthly_income": {period: 0.0},
            },
            "p4": {
                "age": {period: 72},
                "is_pregnant": {period: False},
                "disability_severe": {period: True},
                "monthly_income": {period: 0.0},
            },
        },
        "households": {"h": {"members": ["p1", "p2", "p3", "p4"], "in_registry": {period: True}}},
    }

    def one() -> None:
        simulation = SimulationBuilder().build_from_entities(system, situation)
        simulation.calculate("pkh_eligible", period)
        simulation.calculate("pbi_eligible", period)

    loops = 300

    def many() -> None:
        for _ in range(loops):
            one()

    single_s, _ = best(many, 3)
    return build_s, pkh_s + pbi_s, single_s / loops


def single_figures(anchor: Rulebook, openfisca_single: float | None) -> list[dict[str, Any]]:
    """One household decided with its full explanation."""
    on = ON
    members = (
        Person(
            member_id="m1",
            relationship=Relationship.HEAD,
            birth_date=date(1985, 2, 1),
            sex=Sex.MALE,
            pregnant=False,
            disability=Disability.NONE,
            monthly_income=1_500_000,
        ),
        Person(
            member_id="m2",
            relationship=Relationship.SPOUSE,
            birth_date=date(1990, 6, 1),
            sex=Sex.FEMALE,
            pregnant=True,
            disability=Disability.NONE,
            monthly_income=0,
        ),
        Person(
            member_id="m3",
            relationship=Relationship.CHILD,
            birth_date=date(2017, 9, 1),
            sex=Sex.MALE,
            pregnant=False,
            disability=Disability.NONE,
            monthly_income=0,
        ),
        Person(
            member_id="m4",
            relationship=Relationship.PARENT,
            birth_date=date(1952, 1, 1),
            sex=Sex.FEMALE,
            pregnant=False,
            disability=Disability.SEVERE,
            monthly_income=0,
        ),
    )
    import attrs

    from slrt_core.household import Household, Housing, RegistryStatus, Schooling

    members = tuple(
        attrs.evolve(
            m,
            schooling=Schooling.SD if m.member_id == "m3" else Schooling.NOT_IN_SCHOOL,
            working=False,
        )
        for m in members
    )
    household = Household(
        region=RegionCode("33.74.01.1001"),
        members=members,
        registry=RegistryStatus(in_registry=True, decile=2),
        housing=Housing(floor=None, owns_land=True, electricity_va=900),
    )
    pack = load_pack()
    decided = decide(household, on=on, rulebook=pack)
    assert decided["PKH"].explanation.find("pkh_elderly") is not None
    loops = 2000

    def many(rulebook: Rulebook, day: date) -> None:
        for _ in range(loops):  # each result is dropped, as a request handler would
            decide(household, on=day, rulebook=rulebook)

    pack_s, _ = best(lambda: many(pack, on), 7)
    anchor_s, _ = best(lambda: many(anchor, ANCHOR_ON), 7)
    baseline = 0.45 if openfisca_single is None else openfisca_single * 1e3
    source = "anchor figure" if openfisca_single is None else "measured here"
    return [
        figure(
            "decide_pack",
            pack_s / loops * 1e3,
            "ms",
            baseline,
            f"one household, 9 programs, full explanation; baseline OpenFisca single household "
            f"(2 rules, no explanation, {source}); target value < 0.2 ms",
        ),
        figure(
            "decide_anchor",
            anchor_s / loops * 1e3,
            "ms",
            baseline,
            f"one household, the 2 anchor rules, full explanation; baseline as above ({source})",
        ),
    ]


def figure(name: str, value: float, unit: str, baseline: float, note: str) -> dict[str, Any]:
    """One figure; its target is the note's ``target ...`` clause, if it has one."""
    found = re.search(r"target (.*)$", note)
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "note": note,
        "target": found.group(1) if found else None,
    }


# --------------------------------------------------------------------------- variant proof


def variant_figures(n: int, repeat: int) -> list[dict[str, Any]]:
    """check_variant and impact_report of the Bekasi example, beside compare alone."""
    from slrt_core.identity import RegionLevel
    from slrt_core.rules import compare, impact_report, load_variant
    from slrt_core.testing import check_variant

    variant = load_variant(Path(__file__).resolve().parents[1] / "examples" / "kota_bekasi.toml")
    base = load_pack()
    after = base.with_variants(variant)
    on = date(2026, 1, 1)
    inside = [str(v) for v in RegionCode("32.75").codes_at(RegionLevel.VILLAGE)[:40]]
    outside = [str(v) for v in RegionCode("32.16").codes_at(RegionLevel.VILLAGE)[:10]]
    tables = synthetic_tables(n, seed=1, regions=inside + outside)

    def compared() -> Any:
        return compare(base, after, tables, on=on)

    def checked() -> Any:
        return check_variant(variant, max_examples=30)

    def reported() -> Any:
        return impact_report(variant, tables, on=on, data=f"synthetic {n}")

    compared()  # warm caches (compiled plans, resolved parameters)
    compare_s, _ = best(compared, repeat)
    check_s, verdict = best(checked, repeat)
    assert verdict.ok, verdict.render()
    report_s, made = best(reported, repeat)
    assert made.program("PKH").gained > 0
    compare_mib = _peak(compared)
    report_mib = _peak(reported)
    check_mib = _peak(checked)
    households = f"{n:,} households"
    return [
        figure("variant.compare", compare_s, "s", compare_s, f"{households}: compare alone"),
        figure(
            "variant.check_variant",
            check_s,
            "s",
            compare_s,
            "check_variant, 30 households per check and program, boundary households and "
            f"exhaustive inputs (independent of N); baseline compare on {households}",
        ),
        figure(
            "variant.report",
            report_s,
            "s",
            compare_s,
            f"impact_report on {households} (compare, groups, differences, 4 plots); "
            "baseline compare alone",
        ),
        figure("variant.compare.peak", compare_mib, "MiB", compare_mib, "peak allocated"),
        figure(
            "variant.check_variant.peak",
            check_mib,
            "MiB",
            compare_mib,
            "peak allocated by check_variant; baseline compare's peak",
        ),
        figure(
            "variant.report.peak",
            report_mib,
            "MiB",
            compare_mib,
            "peak allocated by impact_report; baseline compare's peak",
        ),
    ]


def _peak(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - start) / 2**20


def main(argv: list[str] | None = None) -> None:
    """Run the parts asked for and print one figure per line (or JSON)."""
    options = parse_args(__doc__.splitlines()[0], argv, parts=("pack", "anchor", "variant"))
    n = 200_000 if options.quick else 1_000_000
    repeat = options.repeat or (3 if options.quick else 5)
    figures: list[dict[str, Any]] = []
    if options.wants("pack"):
        figures += pack_figures(n, repeat)
    if options.wants("anchor"):
        figures += anchor_figures(n, repeat)
    if options.wants("variant"):
        figures += variant_figures(n, repeat)
    for item in figures:
        if not options.json:
            print(f"# {item['name']}: {item['note']}")
        report(
            options,
            f"rules.{item['name']}",
            item["value"],
            item["unit"],
            item["baseline"],
            target=item["target"],
        )
    finish(options, "rules")


if __name__ == "__main__":
    main()
