"""Runs: the real service on a simulated clock, determinism, common random numbers, policies."""

from __future__ import annotations

import math
from datetime import date

import attrs
import pytest
from tests.unit.sim.builders import small_scenario

from slrt_core import CaseState, InvalidInputError, ReferralStatus
from slrt_core.audit import verify
from slrt_core.case import replay
from slrt_core.referral import LeastLoaded, NearestTierFirst, Option, RoutingReason, overlaps_of
from slrt_core.rules import Override, Variant, load_pack, screen
from slrt_core.sim import (
    Change,
    Distribution,
    Policy,
    RouteContext,
    ServiceModel,
    default_policies,
    run,
    screen_population,
    synthetic_population,
)
from slrt_core.sim._driver import LiveCapacity, simulate_one
from slrt_core.sim._engine import Server
from slrt_core.sim._run import _calendar, _Decisions, national_pack, population_for

NEAREST, LEAST = default_policies()


def _plain(table: dict[str, list[object]]) -> dict[str, list[object]]:
    """The table with NaN as None, so equal tables compare equal."""
    return {
        k: [None if isinstance(v, float) and math.isnan(v) else v for v in values]
        for k, values in table.items()
    }


def _one(scenario, policy, seed=1):  # type: ignore[no-untyped-def]
    population = population_for(scenario, seed)
    rulebook = policy.rulebook or national_pack()
    decisions = _Decisions(screen(population.tables(), on=scenario.start, rulebook=rulebook).status)
    return simulate_one(
        scenario,
        policy,
        seed,
        population,
        decisions,
        overlaps_of(rulebook.programs.values()),
        _calendar(),
    )


class TestTheRealService:
    def test_every_case_is_a_real_audited_event_sourced_case(self) -> None:
        """The store holds real cases: the chain verifies and replay rebuilds each case."""
        out = _one(small_scenario(), NEAREST)
        assert len(out.cases) > 50
        report = verify(out.store.audit_records())
        assert report.ok
        assert report.records == sum(c.version for c in out.cases)
        for case in out.cases:
            assert replay(out.store.events(case.case_id)) == case
        states = {c.state for c in out.cases}
        assert CaseState.CLOSED in states
        statuses = {r.status for c in out.cases for r in c.referrals}
        assert {ReferralStatus.COMPLETED, ReferralStatus.REJECTED} <= statuses
        assert any(r.replaces for c in out.cases for r in c.referrals)  # automatic reroutes
        assert any(r.confirmed_at for c in out.cases for r in c.referrals)
        assert any(c.emergency and c.direct_services for c in out.cases)
        assert out.commands >= sum(c.version for c in out.cases) - len(out.cases)

    def test_sla_breaches_escalate_and_expire_through_the_sweep(self) -> None:
        """Providers that never keep the SLA get reminders and expiries, and reroutes."""
        scenario = small_scenario()
        late = tuple(
            attrs.evolve(m, sla_compliance=0.0, late=Distribution.fixed(8.0))
            for m in scenario.services
        )
        out = _one(attrs.evolve(scenario, services=late), NEAREST)
        assert out.steps.get("reminder", 0) > 0
        assert out.steps.get("expire", 0) > 0
        reasons = {r.reason for c in out.cases for r in c.referrals if r.status.is_terminal}
        assert any(r is not None and r.value == "expired" for r in reasons)

    def test_referrals_waiting_too_long_for_a_place_expire_and_move_on(self) -> None:
        """A queue longer than the completion SLA: waiting referrals expire and reroute."""
        scenario = small_scenario(days=28, per_week=60)
        slow = tuple(
            attrs.evolve(m, capacity=1, waitlist=None, service=Distribution.fixed(30.0))
            if m.service_id in {"pbi-dinsos", "pbi-bpjs"}
            else m
            for m in scenario.services
        )
        out = _one(attrs.evolve(scenario, services=slow), NEAREST)
        expired_waiting = [
            r
            for c in out.cases
            for r in c.referrals
            if r.reason is not None
            and r.reason.value == "expired"
            and r.reached_at(ReferralStatus.ACCEPTED) is not None
            and r.reached_at(ReferralStatus.IN_PROGRESS) is None
        ]
        assert expired_waiting
        assert verify(out.store.audit_records()).ok


class TestDeterminism:
    def test_same_seed_same_tables(self) -> None:
        """Two runs with the same seed give the same tables and metrics."""
        scenario = small_scenario()
        a = run(scenario, [NEAREST], seeds=[3])
        b = run(scenario, [NEAREST], seeds=[3])
        assert _plain(a.cases) == _plain(b.cases)
        assert _plain(a.referrals) == _plain(b.referrals)
        assert a.queues == b.queues
        strip = [{k: v for k, v in r.items() if k != "seconds"} for r in a.runs]
        assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in b.runs]
        assert a.summary() == b.summary()
        c = run(scenario, [NEAREST], seeds=[4])
        assert c.cases["arrived_day"] != a.cases["arrived_day"]

    def test_policies_see_the_same_clients(self) -> None:
        """Common random numbers: same arrivals, households, channels and needs per seed."""
        result = run(small_scenario(), default_policies(), seeds=[1, 2])
        cases = result.cases
        for seed in (1, 2):
            rows = {
                policy: [
                    (cases["arrived_day"][i], cases["household"][i], cases["channel"][i],
                     cases["emergency"][i], cases["kind"][i])
                    for i in range(len(cases["case_id"]))
                    if cases["policy"][i] == policy and cases["seed"][i] == seed
                ]
                for policy in result.policies
            }  # fmt: skip
            assert rows["nearest-tier"] == rows["least-loaded"]
            assert rows["nearest-tier"]
        first = [
            s for s, p, sid in zip(
                result.referrals["seed"], result.referrals["policy"],
                result.referrals["service_id"], strict=True,
            )
            if p == "nearest-tier" and sid == "pbi-bpjs"
        ]  # fmt: skip
        least = [
            sid for p, sid in zip(result.referrals["policy"], result.referrals["service_id"],
                                  strict=True)
            if p == "least-loaded" and sid == "pbi-bpjs"
        ]  # fmt: skip
        assert len(least) > len(first)  # least loaded spreads health referrals to BPJS


class TestPolicies:
    def test_capacities_replace_the_scenarios(self) -> None:
        """A policy's capacity override is what the service runs with."""
        scenario = small_scenario()
        closed = Policy(name="no-desk", capacities={"pbi-dinsos": 0})
        result = run(scenario, [closed], seeds=[1])
        refs = result.referrals
        desk = [
            st for sid, st in zip(refs["service_id"], refs["status"], strict=True)
            if sid == "pbi-dinsos"
        ]  # fmt: skip
        assert desk
        assert "completed" not in desk

    def test_a_rulebook_variant_changes_who_can_be_referred(self) -> None:
        """Raising the registry's decile limit in the district leaves fewer needs unmet."""
        scenario = small_scenario(days=21, per_week=60)
        generous = load_pack().with_variants(
            Variant(
                name="semarang-deciles",
                region=scenario.district,
                overrides=[
                    Override(
                        parameter="registry.max_decile",
                        value=8,
                        valid_from=date(2025, 1, 1),
                        source="example",
                    )
                ],
            )
        )
        result = run(
            scenario,
            [NEAREST, Policy(name="deciles-8", routing=NearestTierFirst(), rulebook=generous)],
            seeds=[1],
        )
        base = result.metric("nearest-tier", "unmet_need").mean
        wider = result.metric("deciles-8", "unmet_need").mean
        assert wider < base
        assert (
            result.metric("deciles-8", "cases").mean == result.metric("nearest-tier", "cases").mean
        )

    def test_live_capacity_ranks_with_what_the_simulation_sees(self) -> None:
        """The wrapped policy is given the service's current places and line."""
        scenario = small_scenario()
        directory = scenario.directory
        service = directory.service("pbi-dinsos")
        server = Server(2)
        live = LiveCapacity(LeastLoaded(), {"pbi-dinsos": server})
        from slrt_core.referral import Eligibility, Option

        option = Option(
            service=service,
            provider=directory.provider(service.provider_id),
            area=scenario.district,
            eligibility=Eligibility.ELIGIBLE,
        )
        assert live.name == "least loaded"
        assert live.key(option)[0] == 0  # places free
        server.request(lambda: None)
        server.request(lambda: None)
        server.request(lambda: None)
        assert live.key(option)[0] == 2  # full, one waiting
        assert "waitlist" in live.explain(option)[0].message
        other = attrs.evolve(option, service=directory.service("pbi-bpjs"))
        assert live.key(other) == LeastLoaded().key(other)  # not simulated: as reported
        assert live.explain(other) == LeastLoaded().explain(other)


class TestMetrics:
    def test_metrics_are_consistent_with_the_tables(self) -> None:
        """Shares are in 0..1, counts match the tables, intervals contain the mean."""
        result = run(small_scenario(), default_policies(), seeds=[1, 2, 3])
        for estimate in result.estimates():
            if math.isnan(estimate.mean):
                continue
            assert estimate.n == 3
            assert estimate.low <= estimate.mean <= estimate.high
        for run_ in result.runs:
            assert 0 <= run_["completion"] <= 1
            assert 0 <= run_["unmet_need"] <= 1
            assert run_["completion"] + run_["unmet_need"] <= 1
            assert run_["commands"] > run_["cases"] * 3
        cases = result.cases
        mine = [i for i, (p, s) in enumerate(zip(cases["policy"], cases["seed"], strict=True))
                if p == "least-loaded" and s == 2]  # fmt: skip
        row = next(r for r in result.runs if r["policy"] == "least-loaded" and r["seed"] == 2)
        assert row["cases"] == len(mine)
        times = [
            cases["time_to_service_wd"][i]
            for i in mine
            if not math.isnan(cases["time_to_service_wd"][i])
        ]
        assert row["time_to_service_served_mean"] == pytest.approx(sum(times) / len(times))
        for i in mine:  # working days never exceed calendar days; the unserved wait on
            calendar_days = cases["time_to_service"][i]
            if not math.isnan(calendar_days):
                assert cases["time_to_service_wd"][i] <= calendar_days + 1e-9
                assert cases["waited_wd"][i] == cases["time_to_service_wd"][i]
            else:
                assert cases["waited_wd"][i] >= 0
        assert 0 <= row["served_by_10wd"] <= row["served_by_30wd"] <= 1
        diff = result.difference("least-loaded", "nearest-tier", "cases")
        assert (diff.mean, diff.low, diff.high) == (0.0, 0.0, 0.0)

    def test_duplicate_registrations_can_duplicate_aid(self) -> None:
        """Households registering twice are flagged; completed twice counts as duplicated."""
        scenario = small_scenario(days=28, per_week=60)
        scenario = attrs.evolve(scenario, follow_up=attrs.evolve(scenario.follow_up, duplicate=0.5))
        result = run(scenario, [NEAREST], seeds=[1])
        assert any(result.cases["duplicate"])
        causes = set(result.referrals["duplicated_cause"]) - {""}
        assert causes <= {"registry", "same_case", "registered_twice"}
        total = sum(
            result.metric("nearest-tier", f"duplicated_aid_{cause}").mean
            for cause in ("registry", "same_case", "registered_twice")
        )
        assert total == sum(result.referrals["duplicated_aid"]) > 0


class TestRealExtract:
    def test_a_given_population_is_used_for_every_seed(self) -> None:
        """A scenario with a population (a real extract) draws clients from it, not a spec."""
        from slrt_core.sim import Intake, PopulationSpec
        from slrt_core.vocabulary import Channel

        population = synthetic_population(PopulationSpec(households=300), seed=11)
        scenario = attrs.evolve(
            small_scenario(),
            population=population,
            intakes=(
                Intake(channel=Channel.HOME_VISIT, per_week=30),
                Intake(channel=Channel.PUSKESOS_DESK, per_week=0),
            ),
        )
        result = run(scenario, [NEAREST], seeds=[1, 2])
        assert max(result.cases["household"]) < 300
        assert set(result.cases["channel"]) == {"home_visit"}
        assert set(result.cases["village"]) == {"33.74.01.1001"}


class TestScreenPopulation:
    def test_chunked_screening_equals_whole_screening(self) -> None:
        """Screening in chunks gives exactly the statuses of one screening."""
        from slrt_core.sim import PopulationSpec

        pop = synthetic_population(PopulationSpec(households=2_500), seed=5)
        on = date(2026, 1, 5)
        whole = screen(pop.tables(), on=on, rulebook=national_pack())
        chunked = screen_population(pop, rulebook=national_pack(), on=on, chunk=700)
        assert set(chunked) == set(whole.status)
        for code, values in whole.status.items():
            assert chunked[code].tolist() == values.tolist()


def test_service_models_of_the_scenario_drive_the_providers() -> None:
    """A service that always fails leaves its needs to the next service."""
    scenario = small_scenario()
    failing = tuple(
        attrs.evolve(m, fail=1.0) if m.service_id == "pbi-bpjs" else m for m in scenario.services
    )
    result = run(attrs.evolve(scenario, services=failing), [LEAST], seeds=[1])
    refs = result.referrals
    statuses = {
        st for sid, st in zip(refs["service_id"], refs["status"], strict=True) if sid == "pbi-bpjs"
    }
    assert "completed" not in statuses
    assert "failed" in statuses
    assert isinstance(scenario.model("pbi-bpjs"), ServiceModel)


class TestExpressiveness:
    def test_a_capacity_shock_lowers_places_and_slows_service(self) -> None:
        """A Change halves places for a while: the capacity log and the waits show it."""
        base = small_scenario(days=28, per_week=60)
        shocked = attrs.evolve(base, changes=[Change(start=5, end=20, capacity=0.0)])
        calm = run(base, [NEAREST], seeds=[1])
        hit = run(shocked, [NEAREST], seeds=[1])
        assert hit.metric("nearest-tier", "cases").mean == calm.metric("nearest-tier", "cases").mean
        places = hit.service_metric("nearest-tier", "pbi-dinsos", "places").mean
        assert places < calm.service_metric("nearest-tier", "pbi-dinsos", "places").mean
        assert (
            hit.metric("nearest-tier", "served_by_10wd").mean
            < calm.metric("nearest-tier", "served_by_10wd").mean
        )

    def test_a_slower_pace_lengthens_services_started_in_its_window(self) -> None:
        """Change(pace=3) triples the duration of the services it names, and only there."""
        base = small_scenario(days=21, per_week=60)
        slow = attrs.evolve(base, changes=[Change(start=0, end=21, pace=3.0)])

        def mean_service(result: object) -> float:
            r = result.referrals  # type: ignore[attr-defined]
            spans = [  # food parcels: a one-day service, no deadline cuts it short
                e - s
                for s, e, sid in zip(r["started_day"], r["ended_day"], r["service_id"], strict=True)
                if sid == "pangan-foodbank" and s < 21 and e == e  # noqa: PLR0124 - not NaN
            ]
            return sum(spans) / len(spans)

        calm = run(base, [NEAREST], seeds=[1])
        slowed = run(slow, [NEAREST], seeds=[1])
        assert mean_service(slowed) > 2 * mean_service(calm)

    def test_a_surge_of_arrivals_brings_more_cases(self) -> None:
        """A Change of arrivals thins or thickens the Poisson arrivals in its window."""
        base = small_scenario(days=28, per_week=60)
        surge = attrs.evolve(base, changes=[Change(start=0, end=28, arrivals=2.0)])
        quiet = attrs.evolve(base, changes=[Change(start=0, end=28, arrivals=0.5)])
        counts = [
            run(s, [NEAREST], seeds=[1]).metric("nearest-tier", "cases").mean
            for s in (quiet, base, surge)
        ]
        assert counts[0] < counts[1] < counts[2]

    def test_limited_staff_make_cases_wait(self) -> None:
        """One facilitator per kecamatan and one supervisor slow the office down."""
        base = small_scenario(days=21, per_week=60)
        few = attrs.evolve(
            base,
            office=attrs.evolve(
                base.office,
                staff={"facilitator": 1, "supervisor": 1},
                work={"facilitator": 1.0, "supervisor": 0.5},
            ),
        )
        fast = run(base, [NEAREST], seeds=[1])
        slow = run(few, [NEAREST], seeds=[1])
        assert (
            slow.metric("nearest-tier", "served_by_10wd").mean
            < fast.metric("nearest-tier", "served_by_10wd").mean
        )

    def test_bad_staff_changes_and_warmup_are_listed(self) -> None:
        """Unknown roles, zero staff, reversed windows, unknown services, a long warm-up."""
        base = small_scenario()
        bad = attrs.evolve(
            base,
            office=attrs.evolve(base.office, staff={"cook": 2, "supervisor": 0}),
            changes=[Change(start=5, end=2, capacity=-1.0, pace=-1.0, services=["nope"])],
            warmup=99,
        )
        with pytest.raises(InvalidInputError) as caught:
            run(bad, [NEAREST], seeds=[1])
        paths = {p.path for p in caught.value.problems}
        assert {
            "office.staff.cook",
            "office.staff.supervisor",
            "changes[0]",
            "changes[0].capacity",
            "changes[0].pace",
            "changes[0].services",
            "warmup",
        } <= paths

    def test_a_context_policy_sees_household_need_and_services_and_may_keep_state(
        self,
    ) -> None:
        """rank() gets the context every time; its state is per run, never shared."""

        shown: list[RouteContext] = []

        class Rotating:
            name = "rotating"

            def __init__(self) -> None:
                self.calls = 0
                self.seen: list[RouteContext] = []

            def rank(self, option: Option, context: RouteContext, /) -> tuple[float, ...]:
                self.calls += 1
                self.seen.append(context)
                shown.append(context)
                stats = context.services[option.service.service_id]
                return (float(stats.waiting), float(self.calls % 2))

        policy = Rotating()
        result = run(small_scenario(), [Policy(name="rotating", routing=policy)], seeds=[1, 2])
        assert policy.calls == 0  # every run ranked with its own copy
        assert result.metric("rotating", "cases").mean > 0
        assert policy.seen == []
        assert shown
        assert {c.household.region.code[:5] for c in shown} == {"33.74"}
        assert all(c.sector in {n.sector for n in small_scenario().needs} for c in shown)
        assert all(c.services["pbi-dinsos"].places >= 1 for c in shown)
        probe = Rotating()
        again = run(small_scenario(), [Policy(name="rotating", routing=probe)], seeds=[1, 2])
        assert again.referrals["service_id"] == result.referrals["service_id"]

    def test_a_mutable_plain_policy_is_refused_loudly(self) -> None:
        """A key() policy with attributes it could change is refused before any run."""

        class Counting:
            name = "counting"

            def __init__(self) -> None:
                self.count = 0

            def key(self, option: Option, /) -> tuple[float, ...]:
                self.count += 1
                return (0.0,)

            def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
                return ()

        with pytest.raises(InvalidInputError) as caught:
            run(small_scenario(), [Policy(name="c", routing=Counting())], seeds=[1])
        assert caught.value.problems[0].path == "policies[c].routing"
        assert "ContextPolicy" in caught.value.problems[0].message
