"""The provider directory (HSDS-like): providers, their services, areas, capacity, SLA."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from slrt_core.errors import DefinitionError, InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.ports import ServiceDirectory
from slrt_core.vocabulary import Sector, Tier

if TYPE_CHECKING:
    from slrt_core.referral._routing import RoutingReason

__all__ = ["Capacity", "Directory", "Provider", "Service", "ServiceDirectory", "Sla"]


@attrs.frozen(kw_only=True)
class Sla:
    """Deadlines per hop, in working days from the previous step."""

    acknowledge_days: int = 2
    accept_days: int = 5
    complete_days: int = 14


@attrs.frozen(kw_only=True)
class Capacity:
    """HSDS service_capacity: places available now, the maximum, and the waitlist length.

    ``None`` means not reported.
    """

    available: int | None = None
    maximum: int | None = None
    waitlist: int = 0


@attrs.frozen(kw_only=True)
class Provider:
    """An organisation that serves referrals: an agency, BPJS office, school, NGO."""

    provider_id: str
    name: str
    tier: Tier
    region: RegionCode
    kind: str = "government"


def _sectors(sectors: Iterable[Sector]) -> frozenset[Sector]:
    return frozenset(sectors)


def _area(area: Iterable[RegionCode]) -> tuple[RegionCode, ...]:
    return tuple(area)


@attrs.frozen(kw_only=True)
class Service:
    """A service a provider offers, where, and how fast.

    Attributes:
        service_id: the service id.
        provider_id: who runs it.
        name: its name.
        sectors: the sectors of need it serves.
        tier: village, district, province, national or NGO.
        area: the regions it serves (any code level).
        program: the program code it delivers (``"PKH"``), if any.
        capacity: places available.
        sla: deadlines per hop.
        active: False for a service that is closed or defunct.
    """

    service_id: str
    provider_id: str
    name: str
    sectors: frozenset[Sector] = attrs.field(converter=_sectors)
    tier: Tier
    area: tuple[RegionCode, ...] = attrs.field(converter=_area)
    program: str | None = None
    capacity: Capacity = Capacity()
    sla: Sla = Sla()
    active: bool = True

    def serves(self, region: RegionCode) -> bool:
        """True when *region* lies inside the service area."""
        return any(a.contains(region) for a in self.area)

    def problems_for(
        self, region: RegionCode, *, exclusions: Iterable[RoutingReason] = ()
    ) -> list[Problem]:
        """What stops referring a need of a household in *region* to this service.

        Args:
            region: the household's village.
            exclusions: why its program should not be offered to the household
                (:func:`~slrt_core.referral.program_exclusions`), unless overridden.

        Examples:
            >>> service = Service(service_id="s1", provider_id="p1", name="Desk",
            ...                   sectors=[Sector.HEALTH], tier=Tier.DISTRICT,
            ...                   area=[RegionCode("33.74")])
            >>> service.problems_for(RegionCode("33.74.01.1001"))
            []
            >>> [p.path for p in service.problems_for(RegionCode("32.73.01.1001"))]
            ['service_id']

        .. versionadded:: 0.1.0
        """
        problems = []
        sid = self.service_id
        if not self.active:
            problems.append(
                Problem(
                    "service_id",
                    f"Service {sid!r} is not active; choose another service.",
                    f"Layanan {sid!r} tidak aktif; pilih layanan lain.",
                )
            )
        if not self.serves(region):
            problems.append(
                Problem(
                    "service_id",
                    f"Service {sid!r} does not serve village {region}; "
                    "choose a service whose area covers it.",
                    f"Layanan {sid!r} tidak melayani desa {region}; pilih "
                    "layanan yang wilayahnya mencakup desa itu.",
                )
            )
        problems.extend(
            Problem(
                "service_id",
                f"Service {sid!r}: {reason.message}. Choose another service, or give "
                "override_reason to offer it anyway.",
                f"Layanan {sid!r}: {reason.message_id}. Pilih layanan lain, atau berikan "
                "override_reason untuk tetap menawarkannya.",
            )
            for reason in exclusions
        )
        return problems


class Directory:
    """A :class:`ServiceDirectory` held in memory.

    Raises:
        DefinitionError: a service names an unknown provider, or an id is used twice.
    """

    def __init__(
        self, providers: Iterable[Provider] = (), services: Iterable[Service] = ()
    ) -> None:
        self._providers: dict[str, Provider] = {}
        self._services: dict[str, Service] = {}
        problems = []
        for p in providers:
            if p.provider_id in self._providers:
                problems.append(f"provider {p.provider_id!r} is listed twice")
            self._providers[p.provider_id] = p
        for s in services:
            if s.service_id in self._services:
                problems.append(f"service {s.service_id!r} is listed twice")
            if s.provider_id not in self._providers:
                problems.append(
                    f"service {s.service_id!r} names unknown provider {s.provider_id!r}"
                )
            self._services[s.service_id] = s
        if problems:
            msg = "The directory is inconsistent: " + "; ".join(problems) + "."
            raise DefinitionError(msg)

    def service(self, service_id: str, /) -> Service:
        """The service with *service_id*."""
        try:
            return self._services[service_id]
        except KeyError:
            raise InvalidInputError.single(
                "service_id",
                f"Service {service_id!r} is not in the directory; pick a listed service.",
                f"Layanan {service_id!r} tidak ada di direktori; pilih layanan yang terdaftar.",
            ) from None

    def provider(self, provider_id: str, /) -> Provider:
        """The provider with *provider_id*."""
        try:
            return self._providers[provider_id]
        except KeyError:
            raise InvalidInputError.single(
                "provider_id",
                f"Provider {provider_id!r} is not in the directory.",
                f"Penyedia {provider_id!r} tidak ada di direktori.",
            ) from None

    def services(self) -> Iterable[Service]:
        """Every service, in the order given."""
        return self._services.values()

    @property
    def providers(self) -> Mapping[str, Provider]:
        """Providers by id."""
        return dict(self._providers)
