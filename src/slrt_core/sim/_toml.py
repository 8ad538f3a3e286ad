"""Scenarios as TOML files: the district, its changes, staff, services and policies.

A file starts from :func:`~slrt_core.sim.default_scenario` for its district and changes
only what it names; every mistake of the file is reported at once, with its key::

    [scenario]
    district = "33.01"       # a regency or city code
    days = 90
    drain = 45
    per_week = 150           # leave out for the district's own pace
    households = 5000        # the synthetic sample clients come from
    warmup = 10

    [office.staff]           # people per office (facilitators per kecamatan)
    facilitator = 2
    supervisor = 3

    [[changes]]              # a capacity shock from day 30 to day 60
    start = 30
    end = 60
    capacity = 0.5
    services = ["pbi-dinsos"]

    [[services]]             # how one directory service behaves
    service_id = "pbi-dinsos"
    capacity = 3
    waitlist = 6
    service = { kind = "lognormal", median = 6.0, sigma = 0.5 }

    [[policies]]             # routing: nearest-tier or least-loaded
    name = "nearest"
    routing = "nearest-tier"

    [[policies]]
    name = "more-places"
    routing = "least-loaded"
    capacities = { pbi-dinsos = 6 }
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.referral._routing import LeastLoaded, NearestTierFirst
from slrt_core.sim._defaults import default_policies, default_scenario
from slrt_core.sim._scenario import Change, Distribution, Policy, Scenario, ServiceModel

__all__ = ["ROUTINGS", "load_scenario", "parse_scenario"]

#: The routing policies a file can name.
ROUTINGS: Mapping[str, Callable[[], Any]] = {
    "nearest-tier": NearestTierFirst,
    "least-loaded": LeastLoaded,
}

_SCENARIO_KEYS = ("district", "days", "drain", "per_week", "households", "warmup", "name")
_DISTRIBUTIONS: Mapping[str, tuple[str, ...]] = {
    "fixed": ("days",),
    "exponential": ("mean",),
    "lognormal": ("median", "sigma"),
    "uniform": ("low", "high"),
}
_SERVICE_NUMBERS = ("capacity", "waitlist", "reject", "fail", "sla_compliance")
_SERVICE_TIMES = ("answer", "service", "late")


class _Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []

    def add(self, key: str, message: str, message_id: str) -> None:
        self.found.append(Problem(f"{self.source}:{key}", message, message_id))

    def unknown(self, key: str, given: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for name in given:
            if name not in allowed:
                self.add(
                    f"{key}{name}",
                    f"Unknown key {name!r}; use {', '.join(allowed)}.",
                    f"Kunci {name!r} tidak dikenal; gunakan {', '.join(allowed)}.",
                )

    def number(self, key: str, value: object, *, whole: bool = False) -> float | None:
        ok = isinstance(value, int) if whole else isinstance(value, int | float)
        if ok and not isinstance(value, bool):
            return value  # type: ignore[return-value]  # checked just above
        what = "a whole number" if whole else "a number"
        what_id = "bilangan bulat" if whole else "bilangan"
        self.add(key, f"{value!r} is not {what}.", f"{value!r} bukan {what_id}.")
        return None


def _distribution(spec: object, key: str, problems: _Problems) -> Distribution | None:
    if not isinstance(spec, dict) or spec.get("kind") not in _DISTRIBUTIONS:
        problems.add(
            key,
            f"Give a table with kind = one of {', '.join(_DISTRIBUTIONS)} and its values.",
            f"Berikan tabel dengan kind = salah satu dari {', '.join(_DISTRIBUTIONS)} dan "
            "nilainya.",
        )
        return None
    kind = spec["kind"]
    names = _DISTRIBUTIONS[kind]
    problems.unknown(f"{key}.", spec, ("kind", *names))
    values = [problems.number(f"{key}.{n}", spec.get(n)) for n in names]
    numbers = [float(v) for v in values if v is not None]
    if len(numbers) != len(names):
        return None
    return Distribution(kind, *numbers)


def _services(raw: list[Any], scenario: Scenario, problems: _Problems) -> list[ServiceModel]:
    models = {m.service_id: m for m in scenario.services}
    for i, entry in enumerate(raw):
        key = f"services[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("service_id"), str):
            problems.add(key, "Give service_id and what changes.", "Berikan service_id.")
            continue
        problems.unknown(f"{key}.", entry, ("service_id", *_SERVICE_NUMBERS, *_SERVICE_TIMES))
        sid = entry["service_id"]
        changes: dict[str, Any] = {}
        for name in _SERVICE_NUMBERS:
            if name in entry:
                whole = name in {"capacity", "waitlist"}
                changes[name] = problems.number(f"{key}.{name}", entry[name], whole=whole)
        for name in _SERVICE_TIMES:
            if name in entry:
                changes[name] = _distribution(entry[name], f"{key}.{name}", problems)
        base = models.get(sid, ServiceModel(service_id=sid))
        models[sid] = attrs.evolve(base, **{k: v for k, v in changes.items() if v is not None})
    return list(models.values())


def _policies(raw: list[Any], problems: _Problems) -> list[Policy]:
    policies = []
    for i, entry in enumerate(raw):
        key = f"policies[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.add(key, "Give each policy a name.", "Berikan nama setiap kebijakan.")
            continue
        problems.unknown(f"{key}.", entry, ("name", "routing", "capacities"))
        routing = entry.get("routing", "nearest-tier")
        if routing not in ROUTINGS:
            problems.add(
                f"{key}.routing",
                f"Unknown routing {routing!r}; use {', '.join(ROUTINGS)}.",
                f"Rute {routing!r} tidak dikenal; gunakan {', '.join(ROUTINGS)}.",
            )
            continue
        capacities = entry.get("capacities", {})
        if not isinstance(capacities, dict):
            problems.add(f"{key}.capacities", "Give a table.", "Berikan tabel.")
            capacities = {}
        policies.append(
            Policy(name=entry["name"], routing=ROUTINGS[routing](), capacities=capacities)
        )
    return policies


def parse_scenario(text: str, source: str = "scenario") -> tuple[Scenario, list[Policy]]:
    """The scenario and policies of a TOML text (see the module's documentation).

    Raises:
        InvalidInputError: every problem of the file, each with its key.

    Examples:
        >>> scenario, policies = parse_scenario('''
        ... [scenario]
        ... district = "33.01"
        ... days = 20
        ... [[changes]]
        ... start = 5
        ... end = 10
        ... capacity = 0.5
        ... ''')
        >>> scenario.district.name, scenario.days, scenario.changes[0].capacity
        ('Kabupaten Cilacap', 20, 0.5)
        >>> [p.name for p in policies]
        ['nearest-tier', 'least-loaded']
    """
    problems = _Problems(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError.single(
            source,
            f"Not valid TOML: {exc}.",
            f"Bukan TOML yang sah: {exc}.",
        ) from exc
    problems.unknown("", data, ("scenario", "office", "changes", "services", "policies"))
    head = data.get("scenario", {})
    problems.unknown("scenario.", head, _SCENARIO_KEYS)
    kwargs: dict[str, Any] = {}
    for name in ("days", "drain", "households"):
        if name in head:
            kwargs[name] = problems.number(f"scenario.{name}", head[name], whole=True)
    if "per_week" in head:
        kwargs["per_week"] = problems.number("scenario.per_week", head["per_week"])
    else:
        kwargs["per_week"] = None
    if problems.found:
        raise InvalidInputError(problems.found, subject=source)
    try:
        scenario = default_scenario(district=str(head.get("district", "33.74")), **kwargs)
    except InvalidInputError as exc:
        raise InvalidInputError(
            [attrs.evolve(p, path=f"{source}:scenario.{p.path}") for p in exc.problems],
            subject=source,
        ) from exc
    office = data.get("office", {})
    problems.unknown("office.", office, ("staff", "work"))
    changes = []
    for i, entry in enumerate(data.get("changes", [])):
        problems.unknown(
            f"changes[{i}].", entry, ("start", "end", "capacity", "arrivals", "pace", "services")
        )
        try:
            changes.append(Change(**entry))
        except TypeError:
            problems.add(f"changes[{i}]", "Give start and end.", "Berikan start dan end.")
    services = _services(data.get("services", []), scenario, problems)
    policies = _policies(data.get("policies", []), problems) or list(default_policies())
    if problems.found:
        raise InvalidInputError(problems.found, subject=source)
    scenario = attrs.evolve(
        scenario,
        name=str(head.get("name", scenario.name)),
        warmup=float(head.get("warmup", 0.0)),
        changes=changes,
        services=services,
        office=attrs.evolve(
            scenario.office,
            staff={**scenario.office.staff, **office.get("staff", {})},
            work={**scenario.office.work, **office.get("work", {})},
        ),
    )
    return scenario, policies


def load_scenario(path: str | Path) -> tuple[Scenario, list[Policy]]:
    """The scenario and policies of the TOML file at *path*.

    Raises:
        InvalidInputError: the file cannot be read, or lists its problems.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError.single(
            "scenario",
            f"Cannot read {file}: {exc.strerror}. Give a TOML scenario file.",
            f"Tidak bisa membaca {file} (`{exc.strerror}`). Berikan berkas skenario TOML.",
        ) from exc
    return parse_scenario(text, file.name)
