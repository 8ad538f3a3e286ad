"""A city adds its own health card and lowers the PKH elderly age, then sees what changes.

Kota Semarang (region 33.74) is used as an example; the card and the override are
invented for the example, not real regulations. Run it with ``python
examples/local_variant.py``; it screens a synthetic population in and around the city
under the national pack and under the city's variant, and prints who gains or loses.
"""

from __future__ import annotations

from datetime import date

from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.rules import (
    AllOf,
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
    ValueType,
    Variant,
    compare,
    load_pack,
    synthetic_tables,
)
from slrt_core.vocabulary import Sector, Tier

SEMARANG = RegionCode("33.74")
START = date(2025, 7, 1)
SOURCE = "Peraturan Wali Kota Semarang (example, not a real regulation)"

health_card = Variant(
    name="kota-semarang-2025",
    region=SEMARANG,
    label_id="Aturan lokal Kota Semarang (contoh)",
    label_en="Kota Semarang local rules (example)",
    source=SOURCE,
    # A threshold override: PKH's elderly component from 65 in the city.
    overrides=[
        Override(parameter="pkh.elderly_min_age", value=65, valid_from=START, source=SOURCE)
    ],
    # A local program: a city health card for registry families up to decile 6
    # that the national PBI-JK does not cover.
    parameters=[
        Parameter(
            name="kartu_sehat.max_decile",
            type=ValueType.INT,
            unit="decile",
            label_id="Desil tertinggi Kartu Sehat Kota",
            label_en="Highest decile of the city health card",
            values=[ParameterValue(value=6, valid_from=START, source=SOURCE)],
        )
    ],
    criteria=[
        Criterion(
            name="kartu_sehat_decile",
            test=Compare(Input("decile"), "<=", Param("kartu_sehat.max_decile")),
            label_id="Desil DTSEN sampai batas Kartu Sehat Kota",
            label_en="DTSEN decile within the city health card limit",
            reference=SOURCE,
        ),
        Criterion(
            name="kartu_sehat_eligible",
            test=AllOf(["in_registry", "kartu_sehat_decile"]),
            label_id="Keluarga DTSEN dalam batas desil kota",
            label_en="Registry family within the city's decile limit",
            reference=SOURCE,
        ),
    ],
    programs=[
        Program(
            code="KARTU_SEHAT_KOTA",
            label_id="Kartu Sehat Kota Semarang (contoh)",
            label_en="Semarang city health card (example)",
            eligibility="kartu_sehat_eligible",
            benefit=InKindBenefit(
                description_id="Berobat gratis di puskesmas dan RSUD kelas III",
                description_en="Free care at health centres and the city hospital, class III",
            ),
            sectors=(Sector.HEALTH,),
            tier=Tier.DISTRICT,
            offered_from=START,
            reference=SOURCE,
            overlaps=[
                Overlap(
                    program="PBI_JK",
                    kind=OverlapKind.EXCLUDES,
                    note="The card covers families PBI-JK does not.",
                )
            ],
        )
    ],
)


def main() -> None:
    """Compare the national pack with the city's variant on a synthetic population."""
    base = load_pack()
    city = base.with_variants(health_card)
    inside = [str(v) for v in SEMARANG.codes_at(RegionLevel.VILLAGE)[:20]]
    outside = [str(v) for v in RegionCode("33.01").codes_at(RegionLevel.VILLAGE)[:10]]
    population = synthetic_tables(20_000, seed=1, regions=inside + outside)
    result = compare(
        base, city, population, on=date(2025, 8, 1), programs=["PKH", "PBI_JK", "KARTU_SEHAT_KOTA"]
    )
    print(f"Rules in force: {base.version}; with the city variant: {city.version}")
    print(result.render("en"))
    card = result.total("KARTU_SEHAT_KOTA")
    pkh = result.total("PKH")
    change = f"{pkh.benefit_change:,}".replace(",", ".")
    print(
        f"\nThe card reaches {card.eligible_after} of {card.households} households; "
        f"PKH gains {pkh.gained} households (+Rp{change} a year), all in 33.74."
    )
    first = int(result.gainers("PKH")[0])
    decision = result.after.decision(first, "PKH")
    elderly = decision.explanation.find("pkh_elderly")
    assert elderly is not None
    print("\nWhy the first new PKH household is eligible (Bahasa Indonesia):")
    print(f"{decision.program}: {decision.status.label('id')}, {decision.benefit.render('id')}")
    print(elderly.render("id"))


if __name__ == "__main__":
    main()
