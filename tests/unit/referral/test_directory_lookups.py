"""Directory: a consistent listing, and lookups that say what is missing."""

from __future__ import annotations

import pytest

from slrt_core.errors import DefinitionError, InvalidInputError
from slrt_core.identity import RegionCode
from slrt_core.referral import Directory, Provider, Service
from slrt_core.vocabulary import Sector, Tier

CITY = RegionCode("33.74")
PROVIDER = Provider(provider_id="p1", name="Dinas Sosial", tier=Tier.DISTRICT, region=CITY)


def _service(service_id: str = "s1", provider_id: str = "p1") -> Service:
    return Service(
        service_id=service_id,
        provider_id=provider_id,
        name="Desk",
        sectors={Sector.HEALTH},
        tier=Tier.DISTRICT,
        area=(CITY,),
    )


class TestDirectory:
    def test_twice_listed_and_unknown_providers_are_refused(self) -> None:
        """Every inconsistency is reported at once."""
        with pytest.raises(DefinitionError) as caught:
            Directory([PROVIDER, PROVIDER], [_service(), _service(), _service("s2", "p9")])
        text = str(caught.value)
        assert "provider 'p1' is listed twice" in text
        assert "service 's1' is listed twice" in text
        assert "names unknown provider 'p9'" in text

    def test_unknown_ids_are_input_errors(self) -> None:
        """Looking up a missing service or provider names the field to fix."""
        directory = Directory([PROVIDER], [_service()])
        assert directory.provider("p1") == PROVIDER
        with pytest.raises(InvalidInputError) as caught:
            directory.provider("p2")
        assert caught.value.problems[0].path == "provider_id"
        with pytest.raises(InvalidInputError):
            directory.service("s9")

    def test_service_problems_for_an_inactive_service(self) -> None:
        """An inactive service outside the village's area has both problems, and exclusions."""
        import attrs

        from slrt_core.referral import RoutingReason

        service = attrs.evolve(_service(), active=False)
        why = RoutingReason("already_receives", "already receives PKH", "sudah menerima PKH")
        problems = service.problems_for(RegionCode("32.73.01.1001"), exclusions=[why])
        assert problems[0].message.endswith("is not active; choose another service.")
        assert len(problems) == 3
        assert "already receives PKH" in problems[2].message
