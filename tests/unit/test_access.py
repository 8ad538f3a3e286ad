"""Tests of slrt_core.access: roles, the permission matrix, jurisdiction, provider ownership."""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core.access import PERMISSIONS, Actor, Command, Role, RolePolicy
from slrt_core.errors import AccessDenied, InvalidInputError, OutsideJurisdictionError
from slrt_core.identity import RegionCode, RegionLevel
from slrt_core.testing.strategies import actors, region_codes

MIROTO = RegionCode("33.74.01.1001")
POLICY = RolePolicy()


def actor(
    role: Role = Role.BACK_OFFICE, jurisdiction: str = "", provider_id: str | None = None
) -> Actor:
    if role is Role.PROVIDER_STAFF and provider_id is None:
        provider_id = "p1"
    return Actor(
        actor_id=f"{role.value}-1",
        role=role,
        jurisdiction=RegionCode(jurisdiction),
        provider_id=provider_id,
    )


def allowed(who: Actor, command: Command, **where: object) -> bool:
    try:
        POLICY.authorize(who, command, **where)  # type: ignore[arg-type]
    except AccessDenied:
        return False
    return True


class TestPermissionMatrix:
    def test_every_command_is_in_the_matrix(self):
        """The matrix lists every command (an unlisted one would be denied to all)."""
        assert set(PERMISSIONS) == set(Command)

    @pytest.mark.parametrize(("role", "command"), list(itertools.product(Role, Command)))
    def test_policy_follows_the_matrix(self, role, command):
        """For every role and command, RolePolicy allows exactly what the matrix says."""
        who = actor(role)
        expected = role in PERMISSIONS[command]
        assert allowed(who, command, region=MIROTO, provider_id="p1") is expected

    def test_system_only_escalates(self):
        """The system role may only escalate referrals, and nobody else may."""
        assert [c for c in Command if Role.SYSTEM in PERMISSIONS[c]] == [Command.ESCALATE]
        assert PERMISSIONS[Command.ESCALATE] == {Role.SYSTEM}

    def test_provider_staff_only_work_on_referrals(self):
        """Provider staff may update and read referrals, nothing else."""
        assert {c for c in Command if Role.PROVIDER_STAFF in PERMISSIONS[c]} == {
            Command.UPDATE_REFERRAL,
            Command.READ_REFERRAL,
        }

    def test_deny_by_default(self):
        """A policy with an empty matrix denies every command to every role."""
        policy = RolePolicy(permissions={})
        for role, command in itertools.product(Role, Command):
            with pytest.raises(AccessDenied, match="No role may do it"):
                policy.authorize(actor(role), command, region=MIROTO, provider_id="p1")

    def test_denial_says_who_may(self):
        """A role denial names the roles that may, in both languages."""
        with pytest.raises(AccessDenied) as excinfo:
            POLICY.authorize(actor(Role.BACK_OFFICE), Command.APPROVE, region=MIROTO)
        err = excinfo.value
        assert str(err) == "Role back office may not approve. Ask a manager or supervisor."
        assert err.message("id") == (
            "Peran back office tidak boleh menyetujui kasus. Minta kepada manajer atau supervisor."
        )
        assert isinstance(err, PermissionError)

    def test_denial_is_logged(self, caplog):
        """A denial is logged on slrt_core.access with actor, role and command."""
        with (
            caplog.at_level(logging.WARNING, logger="slrt_core.access"),
            pytest.raises(AccessDenied),
        ):
            POLICY.authorize(actor(Role.AUDITOR), Command.CLOSE, region=MIROTO)
        assert caplog.records[-1].getMessage() == (
            "access denied: actor=auditor-1 role=auditor command=close"
        )


class TestJurisdiction:
    @pytest.mark.parametrize(
        ("jurisdiction", "inside"),
        [
            ("33.74.01.1001", True),  # the village itself
            ("33.74.01.1002", False),  # the next village
            ("33.74.01", True),  # its kecamatan
            ("33.74.02", False),  # another kecamatan of the city
            ("33.74", True),  # its regency (Kota Semarang)
            ("33.22", False),  # another regency of the province
            ("33", True),  # its province
            ("32", False),  # another province
            ("", True),  # national staff
        ],
    )
    def test_case_village_inside_jurisdiction(self, jurisdiction, inside):
        """Staff act on a case only when its village lies inside their region code."""
        who = actor(Role.SUPERVISOR, jurisdiction)
        assert who.covers(MIROTO) is inside
        assert allowed(who, Command.APPROVE, region=MIROTO) is inside

    def test_outside_denial_message(self):
        """An out-of-area denial names the actor's jurisdiction, never the case's village."""
        who = actor(Role.SUPERVISOR, "33.22")
        with pytest.raises(OutsideJurisdictionError) as excinfo:
            POLICY.authorize(who, Command.APPROVE, region=MIROTO)
        assert str(excinfo.value) == (
            "The case is outside the jurisdiction 33.22 of 'supervisor-1'. "
            "Ask staff of the case's region."
        )
        assert excinfo.value.message("id").startswith("Kasus itu di luar wilayah kerja 33.22")
        assert "33.74" not in str(excinfo.value) + excinfo.value.message("id")

    def test_reads_are_checked(self):
        """Reading a case outside the jurisdiction is denied like a write."""
        assert not allowed(actor(Role.AUDITOR, "33.22"), Command.READ_CASE, region=MIROTO)
        assert allowed(actor(Role.AUDITOR, "33.74"), Command.READ_CASE, region=MIROTO)

    def test_no_region_means_no_area_check(self):
        """A command about no case (region None) checks only the role."""
        assert allowed(actor(Role.AUDITOR, "32"), Command.VERIFY_AUDIT)

    @given(
        who=actors(within="33.74", provider_ids=("p1",)).filter(
            lambda a: a.role is not Role.PROVIDER_STAFF
        ),
        village=region_codes(within="33"),
    )
    def test_covers_is_prefix_containment(self, who, village):
        """An actor covers a village exactly when the village code extends its own code."""
        expected = who.jurisdiction.code == "" or (
            village.code == who.jurisdiction.code
            or village.code.startswith(who.jurisdiction.code + ".")
        )
        assert who.covers(village) is expected
        assert allowed(who, Command.READ_CASE, region=village) is (
            expected and who.role in PERMISSIONS[Command.READ_CASE]
        )

    @given(level=st.sampled_from(RegionLevel), data=st.data())
    def test_generated_jurisdictions_are_inside(self, level, data):
        """actors(within=...) draws jurisdictions inside the region, down to villages."""
        within = data.draw(region_codes(within="33.74", level=max(level, RegionLevel.REGENCY)))
        who = data.draw(actors(within=within, role=Role.FACILITATOR))
        assert within.contains(who.jurisdiction)
        assert who.role is Role.FACILITATOR


class TestProviderOwnership:
    def test_own_provider(self):
        """Provider staff may update a referral addressed to their provider."""
        who = actor(Role.PROVIDER_STAFF, provider_id="p1")
        assert allowed(who, Command.UPDATE_REFERRAL, region=MIROTO, provider_id="p1")

    def test_other_provider(self):
        """Provider staff may not touch a referral addressed to another provider."""
        with pytest.raises(AccessDenied) as excinfo:
            POLICY.authorize(
                actor(Role.PROVIDER_STAFF, provider_id="p1"),
                Command.READ_REFERRAL,
                region=MIROTO,
                provider_id="p2",
            )
        assert "only on referrals addressed to their own provider" in str(excinfo.value)
        assert excinfo.value.message("id") != str(excinfo.value)

    def test_no_referral(self):
        """Provider staff are denied when no referral (provider) is concerned."""
        assert not allowed(actor(Role.PROVIDER_STAFF), Command.UPDATE_REFERRAL, region=MIROTO)

    def test_jurisdiction_does_not_matter_for_provider_staff(self):
        """A national provider's staff serve referrals from any village."""
        who = actor(Role.PROVIDER_STAFF, "32", provider_id="p1")
        assert allowed(who, Command.UPDATE_REFERRAL, region=MIROTO, provider_id="p1")


class TestActor:
    def test_empty_id(self):
        """An actor needs a non-empty id."""
        with pytest.raises(InvalidInputError) as excinfo:
            Actor(actor_id=" ", role=Role.FACILITATOR, jurisdiction=MIROTO)
        assert excinfo.value.problems[0].path == "actor_id"

    def test_provider_staff_need_a_provider(self):
        """Provider staff without a provider id are refused."""
        with pytest.raises(InvalidInputError) as excinfo:
            Actor(actor_id="x", role=Role.PROVIDER_STAFF, jurisdiction=MIROTO)
        assert excinfo.value.problems[0].path == "provider_id"

    def test_only_provider_staff_have_a_provider(self):
        """Other roles may not carry a provider id."""
        with pytest.raises(InvalidInputError):
            Actor(actor_id="x", role=Role.FACILITATOR, jurisdiction=MIROTO, provider_id="p1")

    def test_region_codes_above_the_region_refused(self):
        """region_codes() refuses a level above the region it stays inside."""
        with pytest.raises(InvalidInputError) as excinfo:
            region_codes(within="33.74", level=RegionLevel.PROVINCE)
        assert excinfo.value.problems[0].path == "level"

    def test_actors_strategy_needs_a_provider(self):
        """actors() refuses an empty list of provider ids."""
        with pytest.raises(InvalidInputError):
            actors(provider_ids=())
