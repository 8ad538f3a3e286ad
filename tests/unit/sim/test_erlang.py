"""Validity: a stripped-down scenario agrees with the Erlang C formulas of an M/M/c queue.

One service with *c* places, Poisson arrivals (no office delay, no rejection, no failure,
deadlines too long to expire anything) and exponential service: the referrals reaching
the service form an M/M/c queue, whose steady state is known exactly (Erlang C). The
simulation, through the real service, must agree within its own 95% interval over seeds.
"""

from __future__ import annotations

import math
from datetime import date

from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.referral import Directory, Provider, Service, Sla
from slrt_core.sim import (
    Distribution,
    FollowUp,
    Intake,
    NeedShare,
    Office,
    Policy,
    PopulationSpec,
    Scenario,
    ServiceModel,
    run,
)
from slrt_core.vocabulary import Channel, Sector, Tier

_ZERO = Distribution.fixed(0.0)


def erlang_c(arrivals: float, mean_service: float, places: int) -> tuple[float, float, float]:
    """Utilisation, probability of waiting and mean wait of an M/M/c queue."""
    load = arrivals * mean_service
    rho = load / places
    top = load**places / math.factorial(places) / (1 - rho)
    wait_share = top / (sum(load**k / math.factorial(k) for k in range(places)) + top)
    mean_wait = wait_share * mean_service / (places - load)
    return rho, wait_share, mean_wait


def mm_c_scenario(*, per_day: float, mean_service: float, places: int, days: int) -> Scenario:
    """One district service behind an office that takes no time: an M/M/c queue."""
    district = RegionCode("33.74")
    provider = Provider(provider_id="desk", name="Desk", tier=Tier.DISTRICT, region=district)
    service = Service(
        service_id="desk-1",
        provider_id="desk",
        name="The only service",
        sectors={Sector.HEALTH},
        tier=Tier.DISTRICT,
        area=(district,),
        program=None,
        sla=Sla(acknowledge_days=500, accept_days=500, complete_days=500),
    )
    villages = tuple(str(v) for v in district.codes_at(RegionLevel.VILLAGE))
    return Scenario(
        name="M/M/c",
        district=district,
        start=date(2026, 1, 5),
        days=days,
        drain=5,
        warmup=20,
        population=PopulationSpec(households=300, villages=villages),
        directory=Directory([provider], [service]),
        services=[
            ServiceModel(
                service_id="desk-1",
                capacity=places,
                answer=_ZERO,
                service=Distribution.exponential(mean_service),
                reject=0.0,
                fail=0.0,
                sla_compliance=1.0,
            )
        ],
        intakes=[Intake(channel=Channel.SECRETARIAT_DESK, per_week=7 * per_day)],
        needs=[NeedShare(sector=Sector.HEALTH, weight=1.0)],
        extra_need=0.0,
        office=Office(assess=_ZERO, approve=_ZERO, review=_ZERO, returned=0.0, consent=1.0),
        follow_up=FollowUp(confirm=0.0, new_need=0.0, unreachable=0.0, duplicate=0.0),
        poor_share=0.0,
    )


def test_an_mmc_scenario_agrees_with_erlang_c() -> None:
    """Utilisation, share who wait and mean wait fall within the run's 95% intervals."""
    per_day, mean_service, places = 4.0, 1.0, 5
    scenario = mm_c_scenario(per_day=per_day, mean_service=mean_service, places=places, days=100)
    result = run(scenario, [Policy(name="only")], seeds=range(1, 7))
    rho, wait_share, mean_wait = erlang_c(per_day, mean_service, places)
    assert (round(rho, 3), round(wait_share, 3), round(mean_wait, 3)) == (0.8, 0.554, 0.554)
    for column, expected in (
        ("utilisation", rho),
        ("waited_share", wait_share),
        ("mean_wait", mean_wait),
    ):
        estimate = result.service_metric("only", "desk-1", column)
        assert estimate.n == 6
        assert estimate.low <= expected <= estimate.high, (column, expected, estimate)
    assert result.service_metric("only", "desk-1", "places").mean == places
