"""Routing: filters, exclusions with overrides, policies, reasons, emergencies, the index."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from tests.unit.referral.builders import MIROTO, T0, health_directory, make_case, make_referral

from slrt_core import InvalidInputError, Need, RegionCode, Sector, Tier
from slrt_core.calendar import WorkingCalendar
from slrt_core.case import ProgramDecision
from slrt_core.referral import (
    Capacity,
    Directory,
    DirectServiceFirst,
    Eligibility,
    FastestResponse,
    LeastLoaded,
    Option,
    Provider,
    ReferralReason,
    ReferralStatus,
    ResponseStats,
    Routing,
    RoutingReason,
    Service,
    ServiceIndex,
    overlaps_of,
    program_key,
    route,
)
from slrt_core.referral._routing import _index

S = ReferralStatus


def ranked(result: Routing | DirectServiceFirst) -> list[str]:
    assert isinstance(result, Routing)
    return [c.service_id for c in result.candidates]


def excluded(result: Routing | DirectServiceFirst) -> dict[str, set[str]]:
    assert isinstance(result, Routing)
    return {x.service.service_id: {r.code for r in x.reasons} for x in result.excluded}


class TestFilters:
    def test_nearest_tier_first_by_default(self) -> None:
        """Village, district, province, national, NGO; other sectors and areas never appear."""
        result = route(make_case(), "n1", directory=health_directory())
        assert ranked(result) == [
            "village-health",
            "pbi-dinsos",
            "jamkesda",
            "pbi-bpjs",
            "ngo-clinic",
        ]
        assert excluded(result) == {"closed-clinic": {"inactive"}}

    def test_every_candidate_says_why(self) -> None:
        """Each candidate carries its rank, tier and capacity reasons in both languages."""
        result = route(make_case(), "n1", directory=health_directory())
        assert isinstance(result, Routing)
        first = result.candidates[0]
        assert first.rank == 1
        assert first.provider_id == "puskesos"
        assert first.provider.name == "Puskesos Miroto"
        assert first.area == MIROTO
        texts = [r.render("en") for r in first.reasons]
        assert texts[0] == "rank 1 of 5 by nearest tier first"
        assert any("village tier" in t for t in texts)
        assert "1 of 4 places free" in texts
        assert any("peringkat 1 dari 5" in r.render("id") for r in first.reasons)
        bpjs = result.candidates[3]
        assert "full; 7 on the waitlist" in [r.render() for r in bpjs.reasons]
        assert "capacity not reported" in [r.render() for r in result.candidates[1].reasons]
        assert result.best is first

    def test_already_received_program_is_excluded(self) -> None:
        """Programs the household receives are left out, whatever their spelling."""
        result = route(make_case(programs=["pbi jk"]), "n1", directory=health_directory())
        assert "pbi-dinsos" not in ranked(result)
        assert excluded(result)["pbi-bpjs"] == {"already_receives"}

    def test_override_brings_them_back_with_the_reason(self) -> None:
        """An override includes excluded programs and records why."""
        result = route(
            make_case(programs=["PBI-JK"]),
            "n1",
            directory=health_directory(),
            override_reason="Card lost; re-enrolment needed",
        )
        assert isinstance(result, Routing)
        assert "pbi-dinsos" in ranked(result)
        chosen = next(c for c in result.candidates if c.service_id == "pbi-dinsos")
        assert chosen.overridden
        assert any("Card lost" in r.render() for r in chosen.reasons)
        assert result.override_reason == "Card lost; re-enrolment needed"
        assert not result.candidates[0].overridden

    def test_not_eligible_per_decisions(self) -> None:
        """A program the decisions find the household not eligible for is left out."""
        decisions = [
            ProgramDecision(program="PBI_JK", outcome="not_eligible"),
            ProgramDecision(program="JAMKESDA", outcome="eligible"),
        ]
        result = route(make_case(), "n1", directory=health_directory(), decisions=decisions)
        assert excluded(result)["pbi-dinsos"] == {"not_eligible"}
        assert isinstance(result, Routing)
        jamkesda = next(c for c in result.candidates if c.service_id == "jamkesda")
        assert jamkesda.eligibility is Eligibility.ELIGIBLE
        assert any(r.code == "eligible" for r in jamkesda.reasons)

    def test_rules_engine_decisions_by_shape(self) -> None:
        """Decisions with a status enum (the rules engine's) are read by shape."""
        status = SimpleNamespace(value="needs_verification")
        decisions = [
            SimpleNamespace(program="PBI-JK", status=status),
            SimpleNamespace(program="JAMKESDA", outcome="maybe"),
            SimpleNamespace(program=None, outcome="eligible"),
            SimpleNamespace(program="X"),
        ]
        result = route(make_case(), "n1", directory=health_directory(), decisions=decisions)
        assert isinstance(result, Routing)
        by_id = {c.service_id: c for c in result.candidates}
        assert by_id["pbi-dinsos"].eligibility is Eligibility.NEEDS_VERIFICATION
        assert any(r.code == "needs_verification" for r in by_id["pbi-dinsos"].reasons)
        assert by_id["jamkesda"].eligibility is Eligibility.NEEDS_VERIFICATION
        assert by_id["village-health"].eligibility is Eligibility.NO_PROGRAM

    def test_overlapping_programs(self) -> None:
        """A program that overlaps one the household receives is left out."""
        result = route(
            make_case(programs=["JAMKESDA"]),
            "n1",
            directory=health_directory(),
            overlaps={"PBI-JK": ["Jamkesda"]},
        )
        assert excluded(result)["pbi-dinsos"] == {"overlap"}
        assert excluded(result)["jamkesda"] == {"already_receives"}

    def test_tried_services_are_skipped(self) -> None:
        """A service already tried for the need is skipped, with what happened to it."""
        rejected = make_referral(
            "r1",
            "village-health",
            "puskesos",
            [(S.REQUESTED, T0), (S.REJECTED, T0, ReferralReason.CAPACITY)],
        )
        running = make_referral("r2", "pbi-dinsos", "dinsos", [(S.REQUESTED, T0)])
        other_need = make_referral(
            "r3", "jamkesda", "dinsos-prov", [(S.REQUESTED, T0)], need_id="n2"
        )
        case = make_case(
            referrals=[rejected, running, other_need],
            needs=[
                Need(sector=Sector.HEALTH, need_id="n1"),
                Need(sector=Sector.HEALTH, need_id="n2"),
            ],
        )
        result = route(case, "n1", directory=health_directory())
        assert isinstance(result, Routing)
        reasons = {x.service.service_id: x.reasons[0].render() for x in result.excluded}
        assert "referral r1 rejected (capacity)" in reasons["village-health"]
        assert "still open" in reasons["pbi-dinsos"]
        assert "jamkesda" in ranked(result)

    def test_bad_requests_are_refused(self) -> None:
        """An unknown need or a blank override reason raises InvalidInputError."""
        with pytest.raises(InvalidInputError, match="no need 'n9'"):
            route(make_case(), "n9", directory=health_directory())
        with pytest.raises(InvalidInputError, match="override needs a reason"):
            route(make_case(), "n1", directory=health_directory(), override_reason=" ")

    def test_no_service_fits(self) -> None:
        """A need no service meets gives an empty ranking that says so."""
        case = make_case(needs=[Need(sector=Sector.HOUSING, need_id="n1")])
        result = route(case, "n1", directory=health_directory())
        assert isinstance(result, Routing)
        assert result.best is None
        assert result.explain("en") == "No service fits this need."
        assert "Tidak ada layanan" in result.explain("id")


class TestEmergency:
    def test_emergency_gets_direct_service_first(self) -> None:
        """An emergency need not yet served directly gets DirectServiceFirst with a ranking."""
        result = route(make_case(emergency=True), "n1", directory=health_directory())
        assert isinstance(result, DirectServiceFirst)
        assert result.then.best is not None
        assert "direct service first" in result.explain("en")
        assert "layanan langsung" in result.explain("id")

    def test_after_direct_service_it_routes(self) -> None:
        """Once direct service was given, an emergency need routes as usual."""
        result = route(make_case(emergency=True, direct=["n1"]), "n1", directory=health_directory())
        assert isinstance(result, Routing)


class TestPolicies:
    def test_least_loaded(self) -> None:
        """Places free by lowest load, then not reported, then full."""
        result = route(make_case(), "n1", directory=health_directory(), policy=LeastLoaded())
        assert ranked(result) == [
            "jamkesda",
            "ngo-clinic",
            "village-health",
            "pbi-dinsos",
            "pbi-bpjs",
        ]
        assert isinstance(result, Routing)
        texts = [r.render() for c in result.candidates for r in c.reasons if r.code == "load"]
        assert texts == [
            "10% of its places in use",
            "50% of its places in use",
            "75% of its places in use",
            "capacity not reported: after services with places free",
            "full, 7 on the waitlist: last",
        ]

    def test_least_loaded_without_maximum(self) -> None:
        """Places free with no maximum reported still rank before unreported ones."""
        option = Option(
            service=Service(
                service_id="s",
                provider_id="p",
                name="S",
                sectors={Sector.HEALTH},
                tier=Tier.NGO,
                area=(MIROTO,),
                capacity=Capacity(available=3),
            ),
            provider=Provider(provider_id="p", name="P", tier=Tier.NGO, region=MIROTO),
            area=MIROTO,
            eligibility=Eligibility.NO_PROGRAM,
        )
        assert LeastLoaded().key(option)[0] == 0
        reason = LeastLoaded().explain(option)[0]
        assert reason.render("id") == "ada tempat (maksimum tidak dilaporkan)"

    def test_fastest_response_from_past_referrals(self) -> None:
        """Services that answered fastest in the past come first; no record comes last."""
        cal = WorkingCalendar()
        past = [
            make_referral(
                "a", "pbi-bpjs", "bpjs", [(S.REQUESTED, T0), (S.RECEIVED, T0 + timedelta(hours=2))]
            ),
            make_referral(
                "b", "pbi-bpjs", "bpjs", [(S.REQUESTED, T0), (S.ACCEPTED, T0 + timedelta(hours=4))]
            ),
            make_referral(
                "c",
                "jamkesda",
                "dinsos-prov",
                [(S.REQUESTED, T0), (S.REJECTED, T0 + timedelta(days=2), ReferralReason.CAPACITY)],
            ),
            make_referral("d", "ngo-clinic", "ngo", [(S.REQUESTED, T0)]),
        ]
        stats = ResponseStats.from_referrals(past, cal)
        assert stats.get("pbi-bpjs") is not None
        assert stats.get("pbi-bpjs").median_hours == 3.0  # type: ignore[union-attr]
        assert stats.get("ngo-clinic") is None
        result = route(
            make_case(), "n1", directory=health_directory(), policy=FastestResponse(stats)
        )
        order = ranked(result)
        assert order[:2] == ["pbi-bpjs", "jamkesda"]
        assert isinstance(result, Routing)
        assert result.policy == "fastest past response"
        first = [r.render() for r in result.candidates[0].reasons if r.code == "response"]
        assert first == ["answered past referrals in a median 0.1 working days (2 referrals)"]
        last = [r.render("id") for r in result.candidates[-1].reasons if r.code == "response"]
        assert last == ["belum ada rujukan yang dijawab: sesudah layanan yang punya catatan"]

    def test_a_custom_policy(self) -> None:
        """Any object with a name and key() and explain() ranks: here, alphabetical by provider."""

        class ByProvider:
            name = "by provider"

            def key(self, option: Option, /) -> tuple[float, ...]:
                return (ord(option.provider.provider_id[0]),)

            def explain(self, option: Option, /) -> tuple[RoutingReason, ...]:
                return (RoutingReason("x", f"provider {option.provider.provider_id}", "x"),)

        result = route(make_case(), "n1", directory=health_directory(), policy=ByProvider())
        assert ranked(result)[0] == "pbi-bpjs"
        assert isinstance(result, Routing)
        assert result.candidates[0].reasons[1].render() == "provider bpjs"


class _ListDirectory:
    """A ServiceDirectory that is not a Directory (a host app's own)."""

    def __init__(self, inner: Directory) -> None:
        self._inner = inner

    def service(self, service_id: str, /) -> Service:
        return self._inner.service(service_id)

    def provider(self, provider_id: str, /) -> Provider:
        return self._inner.provider(provider_id)

    def services(self) -> Iterable[Service]:
        return list(self._inner.services())


class TestIndex:
    def test_directory_index_is_built_once(self) -> None:
        """A Directory is indexed once; an index passed in is used as is."""
        directory = health_directory()
        assert _index(directory) is _index(directory)
        index = ServiceIndex(directory)
        assert _index(index) is index

    def test_any_service_directory_routes(self) -> None:
        """A host's own ServiceDirectory routes the same as the built-in one."""
        ours = route(make_case(), "n1", directory=_ListDirectory(health_directory()))
        assert ranked(ours) == ranked(route(make_case(), "n1", directory=health_directory()))

    def test_a_service_is_listed_once_with_its_most_local_area(self) -> None:
        """A service with several covering areas appears once, with the most local."""
        directory = Directory(
            [Provider(provider_id="p", name="P", tier=Tier.NGO, region=MIROTO)],
            [
                Service(
                    service_id="s",
                    provider_id="p",
                    name="S",
                    sectors={Sector.HEALTH},
                    tier=Tier.NGO,
                    area=(RegionCode("33"), RegionCode("33.74.01")),
                )
            ],
        )
        found = ServiceIndex(directory).lookup(Sector.HEALTH, MIROTO)
        assert [(s.service_id, a.code) for s, a in found] == [("s", "33.74.01")]

    def test_index_agrees_with_a_linear_scan(self) -> None:
        """On a random directory, the index finds exactly what a scan of every service finds."""
        rng = random.Random(7)
        codes = [
            RegionCode.INDONESIA,
            RegionCode("33"),
            RegionCode("33.74"),
            RegionCode("33.74.01"),
            RegionCode("33.74.02"),
            MIROTO,
            RegionCode("33.74.01.1002"),
            RegionCode("33.75"),
        ]
        providers = [Provider(provider_id="p", name="P", tier=Tier.NGO, region=MIROTO)]
        services = [
            Service(
                service_id=f"s{i}",
                provider_id="p",
                name="S",
                sectors=set(rng.sample(list(Sector), 2)),
                tier=rng.choice(list(Tier)),
                area=tuple(rng.sample(codes, rng.randint(1, 2))),
                active=rng.random() > 0.1,
            )
            for i in range(300)
        ]
        directory = Directory(providers, services)
        for sector in Sector:
            for village in (MIROTO, RegionCode("33.74.01.1002"), RegionCode("33.74.02.2001")):
                case = make_case(needs=[Need(sector=sector, need_id="n1")], region=village)
                result = route(case, "n1", directory=directory)
                assert isinstance(result, Routing)
                found = {c.service_id for c in result.candidates} | {
                    x.service.service_id for x in result.excluded
                }
                scanned = {
                    s.service_id for s in services if sector in s.sectors and s.serves(village)
                }
                assert found == scanned


def test_program_helpers() -> None:
    """program_key normalises codes; overlaps_of reads rules-engine programs by shape."""
    assert program_key(" pbi-jk ") == "PBI_JK"
    programs = [
        SimpleNamespace(code="bpnt", overlaps=[SimpleNamespace(program="PKH")]),
        SimpleNamespace(code="PIP", overlaps=()),
        SimpleNamespace(code=None, overlaps=[SimpleNamespace(program="X")]),
    ]
    assert overlaps_of(programs) == {"BPNT": frozenset({"PKH"})}


def test_explain_lists_candidates_and_exclusions() -> None:
    """explain() lists candidates with reasons, then exclusions, in either language."""
    result = route(make_case(), "n1", directory=health_directory())
    assert isinstance(result, Routing)
    text = result.explain("en")
    assert text.startswith("1. village-health (puskesos)")
    assert "x closed-clinic (excluded)" in text
    assert "dikecualikan" in result.explain("id")
