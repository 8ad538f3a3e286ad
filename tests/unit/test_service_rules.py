"""The service with a rulebook: assessments record decisions, routing respects them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest

from slrt_core import (
    Channel,
    ComplaintKind,
    InvalidInputError,
    Need,
    Sector,
    Slrt,
)
from slrt_core.adapters import MemoryStore, SequentialIds, SqliteStore
from slrt_core.application.queries import explain_assessment
from slrt_core.calendar import WIB
from slrt_core.case import CaseAssessed, ProgramDecision, replay
from slrt_core.household import Household, Relationship
from slrt_core.ports import Store
from slrt_core.referral import Purpose
from slrt_core.rules import Rulebook, decide, load_pack, load_variant
from slrt_core.serialization import structure
from slrt_core.testing import (
    FrozenClock,
    sample_directory,
    sample_household,
    sample_staff,
)
from slrt_core.testing._fixtures import PROVIDER_ID, SERVICE_ID

# 23:30 UTC is already the next day in WIB: the decisions are taken on the WIB date.
NOW = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
STAFF = sample_staff()
PACK = load_pack()
BEKASI = Path(__file__).resolve().parents[2] / "examples" / "kota_bekasi.toml"


def wib_date(at: datetime) -> date:
    return at.astimezone(WIB).date()


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    opened: Store = MemoryStore() if request.param == "memory" else SqliteStore(":memory:")
    yield opened
    opened.close()  # type: ignore[attr-defined]


def service(store: Store, rulebook: Rulebook | None = PACK) -> Slrt:
    return Slrt(
        store=store,
        clock=FrozenClock(NOW),
        ids=SequentialIds(),
        directory=sample_directory(),
        rulebook=rulebook,
    )


def reviewed(slrt: Slrt, household: Household) -> str:
    case = slrt.register(
        STAFF.facilitator,
        household,
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
    )
    cid = case.case_id
    slrt.assess(STAFF.facilitator, cid, findings="Day labourer; decile 2.")
    slrt.submit(STAFF.facilitator, cid)
    slrt.approve(STAFF.supervisor, cid)
    slrt.review(STAFF.front_office, cid)
    for member in household.members:
        adult = member.relationship is not Relationship.CHILD
        slrt.record_consent(
            STAFF.facilitator,
            cid,
            subject=member.member_id,
            grantor=member.member_id if adult else "m1",
            guardian=None if adult else "m1",
            purposes=[Purpose.REFERRAL],
            recipients=["*"],
            evidence="form-1",
        )
    return cid


def test_assessment_records_every_decision_of_the_day(store: Store) -> None:
    """The assessment holds each program's decision on the WIB date, as decide() gives it."""
    slrt = service(store)
    household = sample_household()
    cid = reviewed(slrt, household)
    assessment = slrt.get_case(STAFF.facilitator, cid).assessments[0]
    expected = decide(household, on=NOW.astimezone(WIB).date(), rulebook=PACK)
    assert assessment.rulebook_version == PACK.version
    assert [d.program for d in assessment.decisions] == list(expected)
    for summary in assessment.decisions:
        decision = expected[summary.program]
        assert summary.outcome == decision.status.value
        assert summary.missing == decision.missing
        assert summary.benefit == (decision.benefit.amount if decision.benefit else None)
    # The decisions are events like the rest: the stored history rebuilds them exactly.
    assert replay(store.events(cid)).assessments == (assessment,)


def test_reassessment_decides_again(store: Store) -> None:
    """A re-assessment records the decisions of its own day."""
    slrt = service(store)
    cid = reviewed(slrt, sample_household())
    referral = slrt.refer(
        STAFF.back_office, cid, "n1", service_id=SERVICE_ID, override_reason="NIK in process."
    )
    for status in ("accepted", "completed"):
        slrt.update_referral(STAFF.provider, referral.referral_id, status=status)  # type: ignore[arg-type]
    slrt.confirm_receipt(STAFF.facilitator, referral.referral_id)
    case = slrt.reassess(STAFF.facilitator, cid, findings="Enrolled in PBI-JK.")
    first, second = case.assessments
    assert second.rulebook_version == PACK.version
    assert second.decisions == first.decisions


def test_without_a_rulebook_nothing_is_decided(store: Store) -> None:
    """Without a rulebook the assessment records findings only."""
    slrt = service(store, rulebook=None)
    cid = reviewed(slrt, sample_household())
    assessment = slrt.get_case(STAFF.facilitator, cid).assessments[0]
    assert (assessment.decisions, assessment.rulebook_version) == ((), None)


def test_routing_respects_a_not_eligible_decision(store: Store) -> None:
    """A household not eligible for PBI-JK is not sent there unless staff override."""
    slrt = service(store)
    cid = reviewed(slrt, sample_household(in_registry=False))
    outcome = {
        d.program: d.outcome for d in slrt.get_case(STAFF.facilitator, cid).assessments[0].decisions
    }
    assert outcome["PBI_JK"] == "not_eligible"
    before = list(store.audit_records())
    with pytest.raises(InvalidInputError) as caught:
        slrt.refer(STAFF.back_office, cid, "n1", service_id=SERVICE_ID)
    assert "not eligible" in str(caught.value)
    assert list(store.audit_records()) == before
    referral = slrt.refer(
        STAFF.back_office,
        cid,
        "n1",
        service_id=SERVICE_ID,
        override_reason="Newborn covered while the registry proposal is processed.",
    )
    assert referral.provider_id == PROVIDER_ID


def test_overlaps_come_from_the_rulebook() -> None:
    """Without explicit overlaps, routing uses the programs' declared overlaps."""
    slrt = service(MemoryStore())
    assert slrt.overlaps is not None
    assert dict(slrt.overlaps)["PBI_JK"] == ("PBI_APBD",)
    explicit = Slrt(store=MemoryStore(), rulebook=PACK, overlaps={"PKH": ["KUBE"]})
    assert explicit.overlaps == {"PKH": ["KUBE"]}


def test_needs_map_to_candidate_programs(store: Store) -> None:
    """A health need maps to the health programs, eligible first, received ones left out."""
    slrt = service(store)
    household = sample_household()
    cid = reviewed(slrt, household)
    found = slrt.programs_for_need(STAFF.facilitator, cid, "n1")
    health = set(PACK.programs_for(Sector.HEALTH))
    assert found
    assert {d.program for d in found} == health
    ranks = [("eligible", "needs_verification", "not_eligible").index(d.outcome) for d in found]
    assert ranks == sorted(ranks)
    covered = Household(
        region=household.region,
        members=household.members,
        registry=household.registry,
        programs_received=frozenset({"PBI-JK"}),
    )
    cid2 = reviewed(slrt, covered)
    assert "PBI_JK" not in {
        d.program for d in slrt.programs_for_need(STAFF.facilitator, cid2, "n1")
    }


def test_candidate_programs_need_a_rulebook_and_a_known_need(store: Store) -> None:
    """Without a rulebook or with an unknown need, the query says what is wrong."""
    with_rules = service(store)
    cid = with_rules.register(
        STAFF.facilitator,
        sample_household(),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.QUESTION,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
    ).case_id
    assert with_rules.programs_for_need(STAFF.facilitator, cid, "n1") == ()  # not assessed
    with pytest.raises(InvalidInputError, match="no need 'n9'"):
        with_rules.programs_for_need(STAFF.facilitator, cid, "n9")
    with pytest.raises(InvalidInputError, match="no rulebook") as caught:
        service(store, rulebook=None).programs_for_need(STAFF.facilitator, cid, "n1")
    assert "load_pack" in caught.value.message("id")


def test_assessment_records_the_full_rulebook_hash(store: Store) -> None:
    """Decisions carry Rulebook.content_hash, the key to replay them on the exact rules."""
    slrt = service(store)
    cid = reviewed(slrt, sample_household())
    assessment = slrt.get_case(STAFF.facilitator, cid).assessments[0]
    assert assessment.rulebook_hash == PACK.content_hash
    assert len(PACK.content_hash) == 64


def test_explain_gives_the_full_decision_of_the_assessment(store: Store) -> None:
    """Slrt.explain recomputes the decision on the assessment's WIB date, explanation too."""
    slrt = service(store)
    household = sample_household()
    cid = reviewed(slrt, household)
    full = slrt.explain(STAFF.facilitator, cid, "PKH")
    expected = decide(household, on=NOW.astimezone(WIB).date(), rulebook=PACK)["PKH"]
    assert full == expected
    stored = slrt.get_case(STAFF.facilitator, cid).assessments[0].decisions
    assert ProgramDecision.from_decision(full) in stored
    assert slrt.explain(STAFF.facilitator, cid, "PKH", assessment=1) == full
    assert "PKH" in full.render("id")


def test_explain_refuses_what_it_cannot_replay(store: Store) -> None:
    """Another rulebook, an unknown program or assessment: refused in both languages."""
    cid = reviewed(service(store), sample_household())
    other = PACK.replacing(load_variant(BEKASI))
    with pytest.raises(InvalidInputError, match="decided with rulebook") as raised:
        service(store, rulebook=other).explain(STAFF.facilitator, cid, "PKH")
    assert "diputuskan dengan buku aturan" in raised.value.message("id")
    with pytest.raises(InvalidInputError, match="no decision on 'NOPE'"):
        service(store).explain(STAFF.facilitator, cid, "NOPE")
    with pytest.raises(InvalidInputError, match="on assessment 7"):
        service(store).explain(STAFF.facilitator, cid, "PKH", assessment=7)
    with pytest.raises(InvalidInputError, match="no rulebook"):
        service(store, rulebook=None).explain(STAFF.facilitator, cid, "PKH")


def test_explain_of_an_assessment_recorded_before_the_hash(store: Store) -> None:
    """Old assessments without a hash are matched by rulebook version (or refused)."""
    cid = reviewed(service(store), sample_household())
    case = service(store).get_case(STAFF.facilitator, cid)
    old = attrs.evolve(
        case,
        assessments=tuple(attrs.evolve(a, rulebook_hash=None) for a in case.assessments),
    )
    local = wib_date
    assert (
        explain_assessment(old, "PKH", PACK, local)
        == decide(case.household, on=NOW.astimezone(WIB).date(), rulebook=PACK)["PKH"]
    )
    with pytest.raises(InvalidInputError, match="decided with rulebook"):
        explain_assessment(old, "PKH", PACK.replacing(load_variant(BEKASI)), local)


def test_old_assessment_events_without_the_hash_still_replay() -> None:
    """A case_assessed payload stored before rulebook_hash existed reads as None."""
    payload = structure(
        {"findings": "Old.", "decisions": [], "rulebook_version": "2025.1+abc"}, CaseAssessed
    )
    assert payload.rulebook_hash is None


def test_program_decision_reads_its_status() -> None:
    """The stored summary's outcome is the rules' Status, and converts from a Decision."""
    decided = decide(sample_household(), on=NOW.date(), rulebook=PACK)
    for decision in decided.values():
        summary = ProgramDecision.from_decision(decision)
        assert summary.status is decision.status
        assert summary.missing == decision.missing
