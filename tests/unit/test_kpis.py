"""Case KPIs and referral SLA analytics: hand-counted scripted flows, scope and refusals.

The scripted district (January 2026, Kota Semarang, the clock in WIB: T0 is Monday
5 January 15:00 WIB; Friday 16 January is a holiday, Isra Mikraj):

* A, home visit, grievance, health: registered T0, assessed +1d, submitted +2d,
  approved +4d (Fri), reviewed and referred to PBI-JK (BPJS) +7d (Mon 12), received
  +8d, accepted +9d, completed +10d, re-assessed +10d, closed independent +14d (Mon 19).
* B, Puskesos desk, question, food and health: registered T0, assessed and submitted
  +1d, approved, reviewed and referred +2d: food to Sembako (Dinsos, district tier),
  health to PBI-JK. Both deadlines to answer are the end of Friday 9: the sweep on
  Saturday reminds both providers; Dinsos receives +7d, late, and rejects for
  capacity; BPJS never answers.
* C, secretariat desk, emergency, grievance, food: registered and served +1d (Tue 6),
  assessed +2d, closed needs met +3d.
* D: registered in February (outside the period). E: registered 29 December 2025 and
  untouched since (open at the end, in its first stage).
* F, in Kota Salatiga (33.73): outside a Semarang supervisor's jurisdiction.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from slrt_core import Actor, Channel, ComplaintKind, Need, RegionCode, Role, Sector, Slrt
from slrt_core.access import AccessPurpose
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.case import CaseState
from slrt_core.errors import AccessDenied, InvalidInputError
from slrt_core.kpis import KpiPeriod, KpiReport, kpi_report
from slrt_core.privacy import MemoryAccessLog
from slrt_core.projections import CaseOrder, CaseSelection, ReferralOrder, ReferralSelection
from slrt_core.referral import (
    Directory,
    Provider,
    ReferralReason,
    ReferralStatus,
    Service,
)
from slrt_core.testing import FrozenClock, sample_household, sample_staff
from slrt_core.vocabulary import ClosingReason, Tier

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # Monday 15:00 WIB
JANUARY = KpiPeriod.month(2026, 1)
AS_OF = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
SEMARANG = RegionCode("33.74")
STAFF = sample_staff()
SUPERVISOR = attrs.evolve(STAFF.supervisor, jurisdiction=SEMARANG)
DINSOS = Actor(
    actor_id="dinsos-staff-1",
    role=Role.PROVIDER_STAFF,
    jurisdiction=RegionCode("33"),
    provider_id="dinsos-semarang",
)


def directory() -> Directory:
    return Directory(
        [
            Provider(
                provider_id="bpjs-jateng",
                name="BPJS Kesehatan Jawa Tengah",
                tier=Tier.NATIONAL,
                region=RegionCode("33"),
            ),
            Provider(
                provider_id="dinsos-semarang",
                name="Dinas Sosial Kota Semarang",
                tier=Tier.DISTRICT,
                region=SEMARANG,
            ),
        ],
        [
            Service(
                service_id="pbi-jk",
                provider_id="bpjs-jateng",
                name="PBI-JK enrolment",
                sectors={Sector.HEALTH},
                tier=Tier.NATIONAL,
                area=(RegionCode("33"),),
                program="PBI-JK",
            ),
            Service(
                service_id="sembako",
                provider_id="dinsos-semarang",
                name="Sembako",
                sectors={Sector.FOOD},
                tier=Tier.DISTRICT,
                area=(SEMARANG,),
                program="Sembako",
            ),
        ],
    )


@attrs.define
class District:
    slrt: Slrt
    clock: FrozenClock
    log: MemoryAccessLog
    cases: dict[str, str]

    def at(self, days: float) -> None:
        self.clock.set(T0 + timedelta(days=days))


def _consent(slrt: Slrt, case_id: str, recipients: list[str]) -> None:
    slrt.record_consent(
        STAFF.facilitator,
        case_id,
        subject="m1",
        grantor="m1",
        purposes=["referral"],
        recipients=recipients,
        evidence="Signed SLRT consent form",
    )


def build(store: object) -> District:
    clock = FrozenClock(datetime(2025, 12, 29, 8, 0, tzinfo=UTC))
    log = MemoryAccessLog()
    slrt = Slrt(
        store=store,  # type: ignore[arg-type]
        clock=clock,
        ids=SequentialIds(),
        directory=directory(),
        access_log=log,
    )
    d = District(slrt=slrt, clock=clock, log=log, cases={})
    s = STAFF
    village_a, village_b = RegionCode("33.74.01.1001"), RegionCode("33.74.02.1001")
    other = attrs.evolve(s.facilitator, actor_id="facilitator-2")
    # E: December, untouched since.
    d.cases["E"] = slrt.register(
        other,
        sample_household(village_a),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.QUESTION,
        needs=[Need(sector=Sector.EDUCATION, description="School fees")],
    ).case_id
    d.at(0)
    a = d.cases["A"] = slrt.register(
        s.facilitator,
        sample_household(village_a),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
    ).case_id
    b = d.cases["B"] = slrt.register(
        s.puskesos,
        sample_household(village_b),
        channel=Channel.PUSKESOS_DESK,
        kind=ComplaintKind.QUESTION,
        needs=[
            Need(sector=Sector.FOOD, description="No food"),
            Need(sector=Sector.HEALTH, description="No insurance"),
        ],
    ).case_id
    d.at(1)
    slrt.assess(s.facilitator, a, findings="Day labourer")
    slrt.assess(s.puskesos, b, findings="Widow, two children")
    slrt.submit(s.puskesos, b)
    c = d.cases["C"] = slrt.register(
        s.back_office,
        sample_household(village_a),
        channel=Channel.SECRETARIAT_DESK,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.FOOD, description="House burnt down")],
        emergency=True,
    ).case_id
    slrt.deliver_direct_service(s.back_office, c, "n1", description="Food parcel")
    d.at(2)
    slrt.submit(s.facilitator, a)
    slrt.assess(s.back_office, c, findings="Staying with relatives")
    slrt.approve(s.supervisor, b)
    slrt.review(s.front_office, b)
    _consent(slrt, b, ["dinsos-semarang", "bpjs-jateng"])
    food = slrt.refer(s.back_office, b, "n1", service_id="sembako").referral_id
    slrt.refer(s.back_office, b, "n2", service_id="pbi-jk")
    d.at(3)
    slrt.close(s.supervisor, c, reason=ClosingReason.NEEDS_MET)
    d.at(4)
    slrt.approve(s.supervisor, a)
    d.at(5)
    slrt.sweep()  # Saturday 10: both deadlines (end of Friday 9) have passed: reminders
    d.at(7)
    slrt.review(s.front_office, a)
    _consent(slrt, a, ["bpjs-jateng"])
    ref_a = slrt.refer(s.back_office, a, "n1", service_id="pbi-jk").referral_id
    slrt.update_referral(DINSOS, food, status=ReferralStatus.RECEIVED)
    slrt.update_referral(
        DINSOS, food, status=ReferralStatus.REJECTED, reason=ReferralReason.CAPACITY
    )
    d.at(8)
    slrt.update_referral(s.provider, ref_a, status=ReferralStatus.RECEIVED)
    d.at(9)
    slrt.update_referral(s.provider, ref_a, status=ReferralStatus.ACCEPTED)
    slrt.update_referral(s.provider, ref_a, status=ReferralStatus.IN_PROGRESS)
    d.at(10)
    slrt.update_referral(s.provider, ref_a, status=ReferralStatus.COMPLETED)
    slrt.confirm_receipt(s.facilitator, ref_a)
    slrt.reassess(s.facilitator, a, findings="Covered now")
    d.at(14)
    slrt.close(s.supervisor, a, reason=ClosingReason.INDEPENDENT)
    # F: Salatiga; D: February.
    d.cases["F"] = slrt.register(
        s.facilitator,
        sample_household(RegionCode("33.73.01.1001")),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HOUSING, description="Roof")],
    ).case_id
    d.at(30)
    d.cases["D"] = slrt.register(
        s.facilitator,
        sample_household(village_a),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HOUSING, description="Roof")],
    ).case_id
    clock.set(AS_OF)
    return d


@pytest.fixture(scope="module")
def district() -> District:
    return build(MemoryStore())


@pytest.fixture(scope="module")
def report(district: District) -> KpiReport:
    return district.slrt.kpis(SUPERVISOR, period=JANUARY)


def counts(entries: tuple[object, ...]) -> dict[str, int]:
    return {e.key: e.count for e in entries}  # type: ignore[attr-defined]


def durations(d: object) -> tuple[object, ...]:
    return (
        d.count,  # type: ignore[attr-defined]
        d.median_working_days,  # type: ignore[attr-defined]
        d.p90_working_days,  # type: ignore[attr-defined]
        d.median_hours,  # type: ignore[attr-defined]
        d.p90_hours,  # type: ignore[attr-defined]
    )


class TestHandCounted:
    def test_the_script_ran_as_described(self, district: District) -> None:
        store = district.slrt.store
        b = store.load(district.cases["B"])
        food, health = b.referrals
        assert food.status is ReferralStatus.REJECTED
        assert food.missed == ("acknowledge",)
        assert food.escalations == ("reminder",)
        assert health.status is ReferralStatus.REQUESTED
        assert health.escalations == ("reminder",)
        assert health.missed == ()
        assert len(b.referrals) == 2  # no other food service: the rejection rerouted nothing

    def test_totals(self, report: KpiReport) -> None:
        assert report.region == SEMARANG
        assert report.cases_registered == 3  # A, B, C (E in December, D in February)
        assert report.cases_closed == 2  # A, C
        assert report.cases_open_at_end == 2  # B, E (D came after, F is in Salatiga)
        assert report.referrals_requested == 3
        assert report.referrals_breached == 2
        assert report.breach_rate == round(2 / 3, 4)
        assert report.escalated_referrals == 2

    def test_intake(self, report: KpiReport) -> None:
        assert counts(report.by_channel) == {
            "home_visit": 1,
            "puskesos_desk": 1,
            "secretariat_desk": 1,
        }
        assert counts(report.by_kind) == {"question": 1, "grievance": 2}
        assert counts(report.by_sector) == {"health": 2, "food": 2}
        assert counts(report.by_emergency) == {"emergency": 1, "not_emergency": 2}
        assert [(d.day, d.channel.value, d.count) for d in report.intake_daily] == [
            (date(2026, 1, 5), "home_visit", 1),
            (date(2026, 1, 5), "puskesos_desk", 1),
            (date(2026, 1, 6), "secretariat_desk", 1),
        ]

    def test_stage_durations_in_working_days(self, report: KpiReport) -> None:
        def stage(state: CaseState) -> tuple[object, ...]:
            return durations(report.stage(state).durations)

        # Registered: A 1 wd (24 h), B 1 wd, C 0 (served at once); E never left it.
        assert stage(CaseState.REGISTERED) == (3, 1.0, 1.0, 24.0, 24.0)
        assert stage(CaseState.EMERGENCY_SERVED) == (1, 1.0, 1.0, 24.0, 24.0)
        # Assessed: A 1, B 0 (submitted at once), C 1.
        assert stage(CaseState.ASSESSED) == (3, 1.0, 1.0, 24.0, 24.0)
        # Submitted: A Wed -> Fri 2 wd (48 h), B 1 wd: median 1.5, p90 1 + 0.9 * 1.
        assert stage(CaseState.SUBMITTED) == (2, 1.5, 1.9, 36.0, 45.6)
        # Approved: A Fri -> Mon is 1 working day in 72 hours; B reviewed at once.
        assert stage(CaseState.APPROVED) == (2, 0.5, 0.9, 36.0, 64.8)
        assert stage(CaseState.REVIEWED) == (2, 0.0, 0.0, 0.0, 0.0)
        assert stage(CaseState.IN_SERVICE) == (1, 3.0, 3.0, 72.0, 72.0)
        # Re-assessed Thu 15 -> closed Mon 19: Friday 16 is Isra Mikraj, 1 wd in 96 h.
        assert stage(CaseState.REASSESSED) == (1, 1.0, 1.0, 96.0, 96.0)
        assert stage(CaseState.RETURNED) == (0, None, None, None, None)
        assert {s.stage.value: s.at_end for s in report.stages if s.at_end} == {
            "registered": 1,
            "in_service": 1,
        }
        assert CaseState.CLOSED not in {s.stage for s in report.stages}

    def test_time_to_close(self, report: KpiReport) -> None:
        # A: 9 working days in 336 hours; C: 2 in 48.
        assert durations(report.time_to_close) == (2, 5.5, 8.3, 192.0, 307.2)

    def test_workload_and_closing_reasons(self, report: KpiReport) -> None:
        assert [(w.assignee, w.open_cases, w.closed) for w in report.workload] == [
            ("back-office-1", 0, 1),
            ("facilitator-1", 0, 1),
            ("facilitator-2", 1, 0),
            ("puskesos-1", 1, 0),
        ]
        assert counts(report.closing_reasons) == {"independent": 1, "needs_met": 1}

    def test_referral_times(self, report: KpiReport) -> None:
        assert counts(report.referrals_by_status) == {
            "requested": 1,
            "rejected": 1,
            "completed": 1,
        }
        # A answered in 1 wd (24 h); B's food in 3 wd (Wed 7 -> Mon 12, 120 h).
        assert durations(report.time_to_acknowledge) == (2, 2.0, 2.8, 72.0, 110.4)
        assert durations(report.time_to_accept) == (1, 2.0, 2.0, 48.0, 48.0)
        assert durations(report.time_to_complete) == (1, 3.0, 3.0, 72.0, 72.0)

    def test_breach_rates(self, report: KpiReport) -> None:
        def rates(entries: tuple[object, ...]) -> dict[str, tuple[object, ...]]:
            return {e.key: (e.referrals, e.breached, e.rate) for e in entries}  # type: ignore[attr-defined]

        assert rates(report.breach_by_provider) == {
            "bpjs-jateng": (2, 1, 0.5),
            "dinsos-semarang": (1, 1, 1.0),
        }
        assert rates(report.breach_by_program) == {"PBI-JK": (2, 1, 0.5), "Sembako": (1, 1, 1.0)}
        assert [b.key for b in report.breach_by_tier] == ["district", "national"]
        assert rates(report.breach_by_tier) == {"district": (1, 1, 1.0), "national": (2, 1, 0.5)}
        assert rates(report.breach_by_district) == {"33.74": (3, 2, round(2 / 3, 4))}
        assert counts(report.missed_by_hop) == {"acknowledge": 2}
        assert counts(report.escalations) == {"reminder": 2}

    def test_labels_in_both_languages(self, report: KpiReport) -> None:
        provider = report.breach_by_provider[1]
        assert provider.label("id") == provider.label("en") == "Dinas Sosial Kota Semarang"
        district = report.breach_by_district[0]
        assert district.label("en") == "Kota Semarang"
        tier = report.breach_by_tier[0]
        assert (tier.label("id"), tier.label("en")) == ("Kabupaten/kota", "District")
        stage = report.stage(CaseState.SUBMITTED)
        assert (stage.label("id"), stage.label("en")) == (
            "Diajukan ke supervisor",
            "Submitted to supervisor",
        )
        assert report.period.label("en") == "1 January 2026 to 31 January 2026"
        assert report.period.label("id") == "1 Januari 2026 sampai 31 Januari 2026"

    def test_rows_in_long_format(self, report: KpiReport) -> None:
        rows = report.rows("id")
        by = {(r.section, r.key, r.measure): r for r in rows}
        row = by["sla.breach.provider", "dinsos-semarang", "rate"]
        assert row.value == 1.0
        assert row.section_label == "Tenggat terlewati menurut penyedia layanan"
        assert row.measure_label == "proporsi (0 sampai 1)"
        assert by["stage", "submitted", "median_working_days"].value == 1.5
        assert by["stage", "submitted", "median_working_days"].measure_label == (
            "median (hari kerja)"
        )
        assert by["totals", "cases_registered", "count"].value == 3
        english = {(r.section, r.key, r.measure): r for r in report.rows("en")}
        assert english["intake.channel", "home_visit", "count"].key_label == (
            "Facilitator home visit"
        )
        assert set(english) == set(by)

    def test_to_dict_is_json(self, report: KpiReport) -> None:
        import json

        data = json.loads(json.dumps(report.to_dict()))
        assert data["region"] == "33.74"
        assert data["period"] == {"start": "2026-01-01", "end": "2026-01-31"}
        assert data["stages"][0]["stage"] == "registered"
        assert data["intake_daily"][0] == {"day": "2026-01-05", "channel": "home_visit", "count": 1}


class TestStoresAgree:
    @pytest.mark.parametrize("kind", ["sqlite_memory", "sqlite_file"])
    def test_sqlite_gives_the_same_report(self, kind: str, tmp_path, report: KpiReport) -> None:  # type: ignore[no-untyped-def]
        from slrt_core.adapters.basics import PlainCodec

        path = ":memory:" if kind == "sqlite_memory" else tmp_path / "d.sqlite"
        store = SqliteStore(path, codec=PlainCodec())
        try:
            other = build(store).slrt.kpis(SUPERVISOR, period=JANUARY)
        finally:
            store.close()
        assert other == report

    def test_a_store_without_summary_rows_gives_the_same_report(self, report: KpiReport) -> None:
        class Plain(MemoryStore):
            """A store that only has the SummaryQueries pages."""

            case_summary_rows = None  # type: ignore[assignment]
            referral_summary_rows = None  # type: ignore[assignment]

        from slrt_core.ports import SummaryRows

        store = Plain()
        assert not isinstance(store, SummaryRows)
        assert build(store).slrt.kpis(SUPERVISOR, period=JANUARY) == report

    def test_pages_of_one_give_the_same_report(self, district: District, report: KpiReport) -> None:
        from slrt_core.application.reports import kpis

        slrt = district.slrt
        again = kpis(
            slrt.store,
            within=SEMARANG,
            on=date(2026, 2, 2),
            period=JANUARY,
            as_of=AS_OF,
            calendar=slrt.calendar,
            directory=slrt.directory,
            page=1,
        )
        assert again == report

    def test_kpi_report_over_rows_in_any_batches(
        self, district: District, report: KpiReport
    ) -> None:
        store = district.slrt.store
        cases = store.case_summary_rows(CaseSelection(), order=CaseOrder.REGISTERED, limit=100)
        referrals = store.referral_summary_rows(
            ReferralSelection(), order=ReferralOrder.REQUESTED, limit=100
        )
        semarang = [r for r in cases if r[3].startswith("33.74")]
        found = kpi_report(
            semarang,
            referrals,
            region=SEMARANG,
            period=JANUARY,
            as_of=AS_OF,
            calendar=district.slrt.calendar,
            directory=district.slrt.directory,
        )
        assert found == report


class TestScopeAndPeriod:
    def test_the_province_sees_salatiga_too(self, district: District) -> None:
        province = district.slrt.kpis(STAFF.supervisor, period=JANUARY)
        assert province.cases_registered == 4
        assert counts(province.by_sector)["housing"] == 1

    def test_a_region_inside_the_jurisdiction(self, district: District) -> None:
        tengah = district.slrt.kpis(STAFF.supervisor, period=JANUARY, region=RegionCode("33.74.01"))
        assert tengah.cases_registered == 2  # A, C
        assert tengah.referrals_requested == 1  # A's

    def test_february_counts_d_and_what_is_still_open(self, district: District) -> None:
        february = district.slrt.kpis(SUPERVISOR, period=KpiPeriod.month(2026, 2))
        assert february.cases_registered == 1
        assert february.cases_closed == 0
        assert february.cases_open_at_end == 3  # B, D, E
        assert february.referrals_requested == 0
        assert all(s.durations.count == 0 for s in february.stages)

    def test_the_period_days_are_the_regions(self) -> None:
        start, before = JANUARY.bounds(RegionCode("33.74"))
        assert (start.hour, before.hour) == (17, 17)  # midnight WIB
        start, _ = JANUARY.bounds(RegionCode("91.01"))
        assert start.hour == 15  # midnight WIT

    def test_bad_periods_are_refused(self, district: District) -> None:
        with pytest.raises(InvalidInputError, match="before it starts"):
            KpiPeriod(date(2026, 2, 1), date(2026, 1, 1))
        with pytest.raises(InvalidInputError) as error:
            KpiPeriod(datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 31))  # type: ignore[arg-type]
        assert "tanggal" in error.value.message("id")
        with pytest.raises(InvalidInputError, match="KpiPeriod"):
            district.slrt.kpis(SUPERVISOR, period=(date(2026, 1, 1), date(2026, 1, 31)))  # type: ignore[arg-type]


class TestAuthorizationAndLog:
    def test_the_read_is_logged_with_its_purpose(self, district: District) -> None:
        before = len(list(district.log))
        district.slrt.kpis(SUPERVISOR, period=JANUARY, purpose=AccessPurpose.MONITORING)
        entries = list(district.log)[before:]
        assert [(e.action, e.target, e.purpose, e.actor_id) for e in entries] == [
            ("kpis", "region:33.74", AccessPurpose.MONITORING, "supervisor-1")
        ]

    @pytest.mark.parametrize(
        "actor",
        [
            DINSOS,  # provider staff may not list cases
            attrs.evolve(STAFF.supervisor, jurisdiction=RegionCode("33.73")),
        ],
        ids=["provider", "other_region"],
    )
    def test_refusals_read_and_record_nothing(self, district: District, actor: Actor) -> None:
        before = list(district.log)
        with pytest.raises(AccessDenied):
            district.slrt.kpis(actor, period=JANUARY, region=SEMARANG)
        assert list(district.log) == before

    def test_a_purpose_the_role_may_not_use_is_refused_first(self, district: District) -> None:
        before = list(district.log)
        with pytest.raises(AccessDenied):
            district.slrt.kpis(STAFF.facilitator, period=JANUARY, purpose=AccessPurpose.AUDIT)
        assert list(district.log) == before


def test_empty_store_report_and_csv() -> None:
    slrt = Slrt(store=MemoryStore(), clock=FrozenClock(AS_OF))
    report = slrt.kpis(SUPERVISOR, period=JANUARY)
    assert report.cases_registered == report.referrals_requested == 0
    assert report.breach_rate is None
    out = io.BytesIO()
    assert report.write(out, format="csv", language="en") == len(report.rows("en"))
    assert out.getvalue().decode().splitlines()[0] == (
        "section,key,measure,value,section_label,key_label,measure_label"
    )
