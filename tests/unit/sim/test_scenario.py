"""Scenarios: durations, defaults, and every inconsistency listed before anything runs."""

from __future__ import annotations

import random

import attrs
import pytest
from tests.unit.sim.builders import small_scenario

from slrt_core import InvalidInputError, RegionCode, Sector, Tier
from slrt_core.referral import Directory, Provider, Service
from slrt_core.sim import (
    Distribution,
    FollowUp,
    Intake,
    NeedShare,
    Office,
    Policy,
    PopulationSpec,
    ServiceModel,
    run,
)
from slrt_core.vocabulary import Channel


class TestDistribution:
    @pytest.mark.parametrize(
        ("dist", "mean"),
        [
            (Distribution.fixed(2.0), 2.0),
            (Distribution.exponential(3.0), 3.0),
            (Distribution.lognormal(2.0, 0.5), 2.0 * 1.1331484530668263),
            (Distribution.uniform(1.0, 5.0), 3.0),
        ],
    )
    def test_samples_average_to_the_mean(self, dist: Distribution, mean: float) -> None:
        """Each kind samples around its stated mean."""
        rng = random.Random(1)
        draws = [dist.sample(rng) for _ in range(20_000)]
        assert sum(draws) / len(draws) == pytest.approx(mean, rel=0.05)
        assert dist.mean == pytest.approx(mean)
        assert min(draws) >= 0
        assert dist.problems("d") == []

    def test_a_zero_mean_exponential_is_always_zero(self) -> None:
        """No division by zero: a mean of 0 is an immediate step."""
        assert Distribution.exponential(0.0).sample(random.Random(1)) == 0.0

    def test_bad_distributions_are_problems(self) -> None:
        """Unknown kinds, negative or reversed values are reported with their path."""
        assert [p.path for p in Distribution("gamma", 1.0).problems("x")] == ["x"]
        assert Distribution.fixed(-1.0).problems("y")[0].path == "y"
        assert Distribution.uniform(3.0, 1.0).problems("z")
        assert "gunakan" in Distribution("gamma", 1.0).problems("x")[0].message_id


class TestDefaults:
    def test_a_service_without_a_model_gets_the_default_behaviour(self) -> None:
        """Scenario.model falls back to ServiceModel's defaults."""
        scenario = small_scenario()
        assert scenario.model("unlisted") == ServiceModel(service_id="unlisted")

    def test_places_grow_with_the_pace_of_cases(self) -> None:
        """The default services are sized for 100 cases a week and scale with the pace."""
        from slrt_core.sim import default_scenario

        base = default_scenario(per_week=100)
        busy = default_scenario(per_week=400)
        assert base.model("pbi-dinsos").capacity == 2
        assert busy.model("pbi-dinsos").capacity == 8
        assert busy.model("pbi-dinsos").waitlist == 16
        assert busy.model("dtsen-dinsos").waitlist is None
        assert small_scenario().model("pbi-dinsos").capacity == 1


def _bad_scenario() -> tuple[object, list[Policy]]:
    scenario = small_scenario()
    directory = Directory(
        [
            *scenario.directory.providers.values(),
            Provider(provider_id="x", name="X", tier=Tier.DISTRICT, region=RegionCode("33.74")),
        ],
        [
            *scenario.directory.services(),
            Service(
                service_id="mystery",
                provider_id="x",
                name="Unknown program",
                sectors={Sector.OTHER},
                tier=Tier.DISTRICT,
                area=[RegionCode("33.99")],
                program="NOT_A_PROGRAM",
            ),
        ],
    )
    bad = attrs.evolve(
        scenario,
        district=RegionCode("33.99"),
        days=0,
        population=PopulationSpec(households=10, villages=("33.74.01.1001", "32.73.01.1001")),
        directory=directory,
        services=(
            ServiceModel(service_id="pbi-dinsos", capacity=-1, waitlist=-2, reject=1.5),
            ServiceModel(service_id="ghost", fail=-0.1, answer=Distribution.fixed(-1)),
        ),
        intakes=(Intake(channel=Channel.HOME_VISIT, per_week=-5, emergency=2.0),),
        needs=(NeedShare(sector=Sector.HEALTH, weight=-1.0, local=1.5),),
        extra_need=-0.1,
        poor_share=3,
        office=Office(returned=1.1, assess=Distribution.fixed(-2)),
        follow_up=FollowUp(confirm=-0.5, reassess_time=Distribution("weird", 1)),
    )
    policies = [
        Policy(name="a", capacities={"pbi-dinsos": -3, "nowhere": 2}),
        Policy(name="a"),
    ]
    return bad, policies


class TestCheck:
    def test_every_problem_is_listed_before_anything_runs(self) -> None:
        """Negative capacity, probabilities outside 0..1, unknown programs and regions..."""
        scenario, policies = _bad_scenario()
        calls: list[object] = []
        with pytest.raises(InvalidInputError) as caught:
            run(scenario, policies, seeds=[1, 1], progress=lambda *a: calls.append(a))  # type: ignore[arg-type]
        assert calls == []  # nothing ran
        paths = [p.path for p in caught.value.problems]
        expected = [
            "policies",
            "seeds",
            "district",
            "days",
            "population.villages",
            "intakes[0].per_week",
            "intakes[0].emergency",
            "needs",
            "needs[0].weight",
            "needs[0].local",
            "extra_need",
            "poor_share",
            "office.returned",
            "office.assess",
            "follow_up.confirm",
            "follow_up.reassess_time",
            "services[0].capacity",
            "services[0].waitlist",
            "services[0].reject",
            "services[1].service_id",
            "services[1].fail",
            "services[1].answer",
            "directory.mystery.area[0]",
            "policies[a].capacities",
            "policies[a].capacities[pbi-dinsos]",
            "policies[a].rulebook",
        ]
        for path in expected:
            assert path in paths, path
        message = str(caught.value)
        assert "problems in the scenario" in message
        assert "NOT_A_PROGRAM" in message
        assert "masalah pada skenario" in caught.value.message("id")

    def test_no_policy_and_no_intake_are_problems(self) -> None:
        """An empty comparison is refused too."""
        scenario = attrs.evolve(small_scenario(), intakes=())
        with pytest.raises(InvalidInputError) as caught:
            run(scenario, [], seeds=[])
        assert [p.path for p in caught.value.problems] == ["policies", "seeds", "intakes"]

    def test_a_bad_population_spec_is_reported_with_the_scenario(self) -> None:
        """The spec's own problems join the scenario's."""
        scenario = attrs.evolve(small_scenario(), population=PopulationSpec(children_share=2.0))
        with pytest.raises(InvalidInputError) as caught:
            run(scenario, [Policy(name="p")], seeds=[1])
        assert "population.children_share" in [p.path for p in caught.value.problems]
