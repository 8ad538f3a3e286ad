"""Calibration: a referral log generated with known parameters gives them back."""

from __future__ import annotations

import heapq
import math
import random
from datetime import datetime
from pathlib import Path

import attrs
import pytest
from tests.unit.sim.builders import small_scenario

from slrt_core import InvalidInputError
from slrt_core.sim import (
    CALIBRATION_COLUMNS,
    Distribution,
    ServiceModel,
    calibrate,
    default_policies,
    read_referral_log,
    referral_log,
    run,
)
from slrt_core.sim._driver import _DAY_START

from .test_run import _one

TRUE = ServiceModel(
    service_id="clinic",
    capacity=3,
    answer=Distribution.lognormal(median=0.6, sigma=0.4),
    service=Distribution.lognormal(median=4.0, sigma=0.5),
    reject=0.2,
    fail=0.1,
    sla_compliance=0.75,
    late=Distribution.uniform(1.0, 4.0),
)


def _log(model: ServiceModel, referrals: int, seed: int) -> dict[str, list[object]]:
    """A log drawn from *model*: Poisson requests, a 2-day deadline, *capacity* places."""
    rng = random.Random(seed)
    mean = model.service.mean
    rate = 0.9 * model.capacity / mean / (1 - model.reject)  # busy places about 90%
    free = [0.0] * model.capacity  # when each place is next free
    log: dict[str, list[object]] = {
        name: []
        for name in (
            "service_id",
            "status",
            "reason",
            "requested_day",
            "received_day",
            "accepted_day",
            "started_day",
            "ended_day",
            "answer_due_day",
        )
    }
    t = 0.0
    for _ in range(referrals):
        t += rng.expovariate(rate)
        due = t + 2.0
        if rng.random() < model.sla_compliance:
            answered = t + min(model.answer.sample(rng), 1.99)
        else:
            answered = due + model.late.sample(rng)
        row: dict[str, object] = {
            "service_id": model.service_id,
            "requested_day": t,
            "received_day": answered,
            "answer_due_day": due,
            "accepted_day": None,
            "started_day": None,
            "reason": "",
        }
        if rng.random() < model.reject:
            row.update(status="rejected", reason="not_eligible", ended_day=answered)
        else:
            started = max(answered, heapq.heappop(free))
            ended = started + model.service.sample(rng)
            heapq.heappush(free, ended)
            failed = rng.random() < model.fail
            row.update(
                accepted_day=answered,
                started_day=started,
                ended_day=ended,
                status="failed" if failed else "completed",
                reason="other" if failed else "",
            )
        for name, value in row.items():
            log[name].append(value)
    return log


class TestASyntheticLog:
    def test_the_fit_recovers_the_parameters_it_was_drawn_with(self) -> None:
        """Shares within 3 standard errors, medians and spreads within a few percent."""
        n = 4000
        fit = calibrate(_log(TRUE, n, seed=3)).model("clinic")
        answered = n
        assert fit.capacity == TRUE.capacity
        assert fit.sla_compliance == pytest.approx(0.75, abs=3 * math.sqrt(0.75 * 0.25 / n))
        assert fit.reject == pytest.approx(0.2, abs=3 * math.sqrt(0.2 * 0.8 / answered))
        assert fit.fail == pytest.approx(0.1, abs=3 * math.sqrt(0.1 * 0.9 / (0.8 * n)))
        assert fit.service.kind == "lognormal"
        assert fit.service.a == pytest.approx(4.0, rel=0.05)
        assert fit.service.b == pytest.approx(0.5, rel=0.05)
        assert fit.answer.a == pytest.approx(0.6, rel=0.05)
        assert fit.answer.b == pytest.approx(0.4, rel=0.08)
        assert fit.late.kind == "uniform"
        assert fit.late.a == pytest.approx(1.0, abs=0.02)
        assert fit.late.b == pytest.approx(4.0, abs=0.02)

    def test_a_changed_parameter_changes_the_fit(self) -> None:
        """The fit follows the log: a service that rejects more is fitted as rejecting more."""
        more = attrs.evolve(TRUE, reject=0.5, capacity=5)
        fit = calibrate(_log(more, 3000, seed=4)).model("clinic")
        assert fit.reject == pytest.approx(0.5, abs=0.03)
        assert fit.capacity == 5

    def test_without_deadlines_every_answer_is_fitted_and_compliance_is_left(self) -> None:
        """No deadline in the log and no directory: the SLA compliance is not estimated."""
        log = _log(attrs.evolve(TRUE, sla_compliance=1.0), 500, seed=5)
        del log["answer_due_day"]
        fit = calibrate(log)
        assert fit.model("clinic").sla_compliance == ServiceModel(service_id="x").sla_compliance
        assert math.isnan(fit.table()["sla_compliance"][0])
        assert fit.model("clinic").answer.a == pytest.approx(0.6, rel=0.1)

    def test_too_few_observations_keep_the_base_values(self) -> None:
        """A service seen three times keeps the base model's durations and shares."""
        log = _log(TRUE, 3, seed=6)
        base = ServiceModel(service_id="clinic", reject=0.33, fail=0.44)
        fit = calibrate(log, base={"clinic": base})
        model = fit.model("clinic")
        assert (model.reject, model.fail, model.service) == (0.33, 0.44, base.service)
        table = fit.table()
        assert table["n_answers"][0] + table["n_late"][0] == table["n_answer_trials"][0] == 3

    def test_the_table_has_every_column_and_unknown_services_are_refused(self) -> None:
        fit = calibrate(_log(TRUE, 50, seed=7))
        assert list(fit.table()) == list(CALIBRATION_COLUMNS)
        with pytest.raises(InvalidInputError, match="no referral to 'school'"):
            fit.model("school")

    def test_a_log_without_a_needed_column_is_refused(self) -> None:
        log = _log(TRUE, 10, seed=8)
        del log["started_day"]
        with pytest.raises(InvalidInputError, match="lacks the column"):
            calibrate(log)


class TestTheSimulationsOwnLog:
    def test_a_run_with_known_services_is_fitted_back(self, tmp_path: Path) -> None:
        """A run's referrals (its table, its CSV, its cases) give back the services' models."""
        known = ServiceModel(
            service_id="",
            answer=Distribution.lognormal(median=0.4, sigma=0.3),
            service=Distribution.lognormal(median=3.0, sigma=0.4),
            reject=0.25,
            fail=0.15,
            sla_compliance=0.8,
            late=Distribution.uniform(0.5, 1.5),
        )
        base = small_scenario(days=40, per_week=120, households=2000)
        models = [
            attrs.evolve(known, service_id=s.service_id, capacity=m.capacity, waitlist=m.waitlist)
            for s in base.directory.services()
            for m in [base.model(s.service_id)]
        ]
        scenario = attrs.evolve(base, services=models)
        result = run(scenario, default_policies()[:1], seeds=[2])
        start = datetime.combine(scenario.start, _DAY_START)
        fit = calibrate(result.referrals, directory=scenario.directory, start=start)
        table = fit.table()
        busiest = max(range(len(table["service_id"])), key=lambda i: table["n_services"][i])
        model = fit.models[busiest]
        n = table["n_reject_trials"][busiest]
        assert n > 100
        assert model.reject == pytest.approx(0.25, abs=3 * math.sqrt(0.25 * 0.75 / n))
        assert model.sla_compliance == pytest.approx(0.8, abs=0.1)
        assert model.service.a == pytest.approx(3.0, rel=0.1)
        assert model.answer.a == pytest.approx(0.4, rel=0.15)
        # Places: never more than the scenario's; all of them where a line formed.
        assert all(m.capacity <= scenario.model(m.service_id).capacity for m in fit.models)
        assert any(m.capacity == scenario.model(m.service_id).capacity for m in fit.models)
        # Every service's shares pooled: closer still.
        trials = sum(table["n_reject_trials"])
        rejected = sum(
            r * t for r, t in zip(table["reject"], table["n_reject_trials"], strict=True)
        )
        assert rejected / trials == pytest.approx(0.25, abs=3 * math.sqrt(0.25 * 0.75 / trials))
        ran = sum(table["n_services"])
        failed = sum(f * n for f, n in zip(table["fail"], table["n_services"], strict=True))
        assert failed / ran == pytest.approx(0.15, abs=3 * math.sqrt(0.15 * 0.85 / ran))
        # The CSV the run writes fits the same; so do the cases' own referrals.
        result.to_csv(tmp_path)
        again = calibrate(
            read_referral_log(tmp_path / "referrals.csv"), directory=scenario.directory, start=start
        )
        assert again.table()["reject"] == table["reject"]
        assert again.table()["capacity"] == table["capacity"]

    def test_the_log_of_stored_cases_is_the_run_table(self) -> None:
        """referral_log reads the cases of a store into the columns of the run's table."""
        scenario = small_scenario()
        out = _one(scenario, default_policies()[0])
        log = referral_log(out.cases, start=out.start)
        assert len(log["service_id"]) == sum(len(c.referrals) for c in out.cases) > 20
        fit = calibrate(log, directory=scenario.directory, start=out.start)
        assert sum(fit.table()["referrals"]) == len(log["service_id"])
        out.store.close()  # type: ignore[attr-defined]

    def test_an_unreadable_file_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInputError, match="Cannot read"):
            read_referral_log(tmp_path / "missing.csv")


class TestApplying:
    def test_the_fitted_services_replace_the_scenarios_and_the_others_stay(self) -> None:
        scenario = small_scenario()
        sid, other, *_ = (s.service_id for s in scenario.directory.services())
        log = _log(attrs.evolve(TRUE, service_id=sid), 200, seed=9)
        fitted = calibrate(log).apply(scenario)
        assert fitted.model(sid) == calibrate(log).model(sid)
        assert fitted.model(other) == scenario.model(other)
        assert len(fitted.services) == len(scenario.services)

    def test_deadlines_from_the_directory_skip_unknown_services_and_missing_days(self) -> None:
        """A service not in the directory, or a row without a request day, has no deadline."""
        scenario = small_scenario()
        log = _log(TRUE, 40, seed=10)
        del log["answer_due_day"]
        log["requested_day"][0] = None
        start = datetime.combine(scenario.start, _DAY_START)
        fit = calibrate(log, directory=scenario.directory, start=start)
        assert math.isnan(fit.table()["sla_compliance"][0])

    def test_a_rejection_without_acknowledgement_is_answered_when_it_ends(self) -> None:
        """Some systems reject at once: the rejection is the answer; no service, no places."""
        log = _log(TRUE, 30, seed=11)
        log["ended_day"] = log["received_day"]
        log["status"] = ["rejected"] * 30
        log["reason"] = ["not_eligible"] * 30
        for name in ("received_day", "accepted_day", "started_day"):
            log[name] = [None] * 30
        fit = calibrate(log)
        assert fit.table()["n_answers"] == [30 - fit.table()["n_late"][0]]
        assert fit.model("clinic").reject == 1.0
        assert fit.model("clinic").capacity == ServiceModel(service_id="x").capacity
