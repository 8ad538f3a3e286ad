"""M&E reports: counts, rates, durations, overdue, unmet needs, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.referral.builders import T0, health_directory, make_case, make_referral

from slrt_core import (
    CaseState,
    InvalidInputError,
    Need,
    NeedStatus,
    RegionCode,
    RegionLevel,
    Sector,
)
from slrt_core.referral import ReferralReason, ReferralStatus, referral_report

S = ReferralStatus
NOW = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)


def cases():  # type: ignore[no-untyped-def]
    done = make_referral(
        "r1",
        "pbi-bpjs",
        "bpjs",
        [
            (S.REQUESTED, T0),
            (S.RECEIVED, T0 + timedelta(hours=2)),
            (S.ACCEPTED, T0 + timedelta(days=1)),
            (S.COMPLETED, T0 + timedelta(days=3)),
        ],
        confirmed_at=T0 + timedelta(days=4),
    )
    rejected = make_referral(
        "r2",
        "village-health",
        "puskesos",
        [(S.REQUESTED, T0), (S.REJECTED, T0 + timedelta(hours=4), ReferralReason.CAPACITY)],
        need_id="n2",
    )
    late = make_referral(
        "r3",
        "pbi-dinsos",
        "dinsos",
        [(S.REQUESTED, T0)],
        need_id="n3",
        case_id="case-2",
        due_at=datetime(2026, 8, 14, 17, 0, tzinfo=UTC),
        level=2,
    )
    error = make_referral(
        "r4",
        "gone",
        "ghost",
        [(S.REQUESTED, T0), (S.ENTERED_IN_ERROR, T0, ReferralReason.OTHER)],
        need_id="n4",
        case_id="case-2",
    )
    first = make_case(
        referrals=[done, rejected],
        needs=[
            Need(sector=Sector.HEALTH, need_id="n1", status=NeedStatus.MET),
            Need(sector=Sector.HEALTH, need_id="n2"),
            Need(sector=Sector.FOOD, need_id="n5"),
        ],
    )
    second = make_case(
        case_id="case-2",
        referrals=[late, error],
        region=RegionCode("33.75.01.1001"),
        needs=[
            Need(sector=Sector.HEALTH, need_id="n3", status=NeedStatus.REFERRED),
            Need(sector=Sector.HEALTH, need_id="n4"),
        ],
    )
    closed = make_case(
        case_id="case-3",
        state=CaseState.CLOSED,
        needs=[Need(sector=Sector.HOUSING, need_id="n1")],
    )
    return [first, second, closed]


def test_counts_and_rates() -> None:
    """Counts by state, status, region, program and tier; completion and closed-loop rates."""
    report = referral_report(cases(), now=NOW, directory=health_directory())
    assert report.cases == 3
    assert report.referrals == 4
    assert report.cases_by_state == {"closed": 1, "in_service": 2}
    assert report.referrals_by_status == {
        "completed": 1,
        "entered_in_error": 1,
        "rejected": 1,
        "requested": 1,
    }
    assert report.referrals_by_region == {"33.74": 2, "33.75": 2}
    assert report.referrals_by_program == {"PBI-JK": 1, "PBI_JK": 1, "unknown": 2}
    assert report.referrals_by_tier == {
        "district": 1,
        "national": 1,
        "unknown": 1,
        "village": 1,
    }
    assert report.completion_rate == 0.5
    assert report.loop_closed_rate == 1.0


def test_region_at_another_level() -> None:
    """Regions can be counted at province level."""
    report = referral_report(cases(), now=NOW, region_level=RegionLevel.PROVINCE)
    assert report.referrals_by_region == {"33": 4}
    assert report.referrals_by_program == {"unknown": 4}


def test_durations() -> None:
    """Times to acknowledge, accept and complete: median and p90, working days and hours."""
    report = referral_report(cases(), now=NOW)
    ack = report.time_to_acknowledge
    assert ack.count == 2
    assert ack.median_hours == 3.0
    assert ack.p90_hours == pytest.approx(3.8)
    assert ack.median_working_days == pytest.approx(0.125)
    assert report.time_to_accept.count == 1
    assert report.time_to_complete.median_hours == 72.0
    assert report.time_to_complete.median_working_days == 3.0


def test_overdue_and_unmet() -> None:
    """Open referrals past due are listed; open needs with nothing running are unmet."""
    report = referral_report(cases(), now=NOW)
    assert [o.referral_id for o in report.overdue] == ["r3"]
    late = report.overdue[0]
    assert late.working_days_overdue == 3
    assert late.escalation_level == 2
    unmet = {(u.case_id, u.need_id): u for u in report.unmet_needs}
    assert set(unmet) == {("case-1", "n2"), ("case-1", "n5"), ("case-2", "n4")}
    assert unmet["case-1", "n2"].last_outcome == "rejected:capacity"
    assert unmet["case-1", "n5"].last_outcome is None
    assert unmet["case-1", "n5"].referrals == 0


def test_csv_exports() -> None:
    """The summary, overdue and unmet tables export as CSV."""
    report = referral_report(cases(), now=NOW)
    summary = list(csv.reader(io.StringIO(report.to_csv())))
    assert summary[0] == ["section", "key", "value"]
    assert ["rates", "completion_rate", "0.5"] in summary
    assert ["time_to_accept", "p90_hours", "24.0"] in summary
    assert ["totals", "overdue", "1"] in summary
    overdue = list(csv.DictReader(io.StringIO(report.to_csv("overdue"))))
    assert overdue[0]["referral_id"] == "r3"
    assert overdue[0]["due_at"] == "2026-08-14T17:00:00+00:00"
    unmet = list(csv.DictReader(io.StringIO(report.to_csv("unmet_needs"))))
    assert len(unmet) == 3
    with pytest.raises(InvalidInputError, match="Unknown table"):
        report.to_csv("everything")  # type: ignore[arg-type]


def test_json_export() -> None:
    """The JSON export holds every section, times in ISO 8601 UTC."""
    data = json.loads(referral_report(cases(), now=NOW).to_json())
    assert data["region_level"] == "regency"
    assert data["generated_at"] == "2026-08-20T02:00:00+00:00"
    assert data["time_to_complete"]["median_hours"] == 72.0
    assert data["overdue"][0]["referral_id"] == "r3"
    assert data["unmet_needs"][0]["open_since"].endswith("+00:00")
    empty = json.loads(referral_report([], now=NOW).to_json(indent=None))
    assert empty["completion_rate"] is None
    assert empty["time_to_acknowledge"] == {
        "count": 0,
        "median_working_days": None,
        "p90_working_days": None,
        "median_hours": None,
        "p90_hours": None,
    }
