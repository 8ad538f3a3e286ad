"""The scalar and the vectorised evaluators agree on generated households.

Both are compiled from the same definitions; this property checks they give the same
decisions (status, benefit, missing inputs and the whole explanation tree) for random
households, on random dates, in regions with province and city overlays, a switched-off
program and a local program.
"""

from __future__ import annotations

from datetime import date

import attrs
from hypothesis import given
from hypothesis import strategies as st

from slrt_core.identity import RegionCode
from slrt_core.rules import (
    Compare,
    Criterion,
    InKindBenefit,
    Input,
    Overlap,
    OverlapKind,
    Override,
    Param,
    Parameter,
    ParameterValue,
    Program,
    SwitchOff,
    ValueType,
    Variant,
    decide,
    load_pack,
    screen,
)
from slrt_core.rules._population import Population
from slrt_core.testing.strategies import households
from slrt_core.vocabulary import Sector, Tier

_PROVINCE = Variant(
    name="jawa-tengah",
    region=RegionCode("33"),
    overrides=[
        Override(parameter="pkh.max_components", value=3, valid_from=date(2024, 1, 1)),
        Override(parameter="registry.max_decile", value=5, valid_from=date(2025, 6, 1)),
    ],
)
_CITY = Variant(
    name="kota-semarang",
    region=RegionCode("33.74"),
    overrides=[
        Override(parameter="pkh.elderly_min_age", value=60, valid_from=date(2024, 7, 1)),
        Override(
            parameter="sembako.amount",
            value=250_000,
            valid_from=date(2025, 1, 1),
            valid_until=date(2025, 12, 31),
        ),
        Override(
            parameter="listrik.subsidised_va",
            value=(450, 900, 1300),
            valid_from=date(2024, 1, 1),
            region=RegionCode("33.74.01"),
        ),
        Override(parameter="pip.amount.sd", value=600_000, valid_from=date(2025, 1, 1)),
    ],
    switch_offs=[SwitchOff(program="KUBE", valid_from=date(2025, 6, 1))],
    parameters=[
        Parameter(
            name="card.max_decile",
            type=ValueType.INT,
            label_id="Desil tertinggi kartu",
            label_en="Highest card decile",
            values=(ParameterValue(value=6, valid_from=date(2024, 1, 1), source="example"),),
        )
    ],
    criteria=[
        Criterion(
            name="card_decile",
            test=Compare(Input("decile"), "<=", Param("card.max_decile")),
            label_id="Desil kartu",
            label_en="Card decile",
        )
    ],
    programs=[
        Program(
            code="CARD",
            label_id="Kartu sehat kota",
            label_en="City health card",
            eligibility="card_decile",
            benefit=InKindBenefit(description_id="Berobat gratis", description_en="Free care"),
            sectors=(Sector.HEALTH,),
            tier=Tier.DISTRICT,
            offered_from=date(2024, 1, 1),
            overlaps=(Overlap(program="PBI_JK", kind=OverlapKind.EXCLUDES),),
        )
    ],
)
RULEBOOK = load_pack().with_variants(_PROVINCE, _CITY)

_BOUNDARIES = [
    date(2021, 1, 1),
    date(2024, 1, 1),
    date(2024, 7, 1),
    date(2025, 2, 4),
    date(2025, 2, 5),
    date(2025, 6, 1),
    date(2026, 1, 1),
]
_DATES = st.sampled_from(_BOUNDARIES) | st.dates(date(2019, 1, 1), date(2026, 6, 30))
_REGIONS = st.sampled_from(["33.74.01", "33.74", "33.01", "32.73"])
_RECEIVED = st.frozensets(st.sampled_from(["PBI_APBD", "PKH", "SEMBAKO"]), max_size=2)


@st.composite
def _population(draw: st.DrawFn) -> tuple[date, list[object]]:
    on = draw(_DATES)
    homes = []
    for _ in range(draw(st.integers(1, 5))):
        home = draw(households(region=draw(_REGIONS), as_of=on, max_members=7))
        homes.append(attrs.evolve(home, programs_received=draw(_RECEIVED)))
    return on, homes


@given(_population())
def test_decide_and_screen_agree(drawn: tuple[date, list[object]]) -> None:
    """Every household gets the same decisions, benefits and explanations from both."""
    on, homes = drawn
    result = screen(Population.from_households(homes), on=on, rulebook=RULEBOOK)  # type: ignore[arg-type]
    codes = {"eligible": 1, "not_eligible": 0, "needs_verification": -1}
    for i, home in enumerate(homes):
        scalar = decide(home, on=on, rulebook=RULEBOOK)  # type: ignore[arg-type]
        assert result.decisions(i) == scalar
        for code, decision in scalar.items():
            assert result.status[code][i] == codes[decision.status.value]
            if code in result.benefit:
                amount = decision.benefit.amount if decision.benefit else 0
                assert result.benefit[code][i] == amount
                complete = decision.benefit.complete if decision.benefit else True
                assert bool(result.benefit_complete[code][i]) == complete
