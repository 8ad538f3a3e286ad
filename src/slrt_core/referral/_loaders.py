"""Loading the provider directory from JSON, CSV tables or Python data.

The field names follow Open Referral HSDS 3 where it has them: ``organization``
(``id``, ``name``), ``program`` (``id``, ``organization_id``, ``name``), ``service``
(``id``, ``organization_id``, ``program_id``, ``name``, ``status``), ``service_area``
(``service_id``, ``extent``, ``extent_type``) and ``service_capacity`` (``service_id``,
``available``, ``maximum``, ``updated``). SLRT adds what HSDS lacks: the provider's
``tier`` and ``region`` (a Kemendagri code), the service's ``sectors``, a ``waitlist``
on the capacity, and the SLA in working days per hop.

A service area's ``extent`` is a Kemendagri region code (``extent_type`` ``kemendagri``;
``text`` or empty are read the same way); GeoJSON extents are refused. Every code is
checked against the Kemendagri 2025 list.

Three sources, one result (a :class:`~slrt_core.referral.Directory`):

- :func:`directory_from_records`: a mapping with ``organizations``, ``services`` and
  optionally ``programs``; each service nests its ``service_areas``, ``capacities`` and
  ``sla`` (HSDS 3 compiled style);
- :func:`load_directory` of a ``.json`` file holding that mapping;
- :func:`load_directory` of a folder of CSV tables: ``organization.csv``,
  ``service.csv``, ``service_area.csv``, and optionally ``program.csv`` and
  ``service_capacity.csv`` (HSDS 3 tabular style; ``sectors`` separated by ``;``, the
  SLA as ``sla_acknowledge_days``, ``sla_accept_days``, ``sla_complete_days``).

Every problem is reported at once, each with its file, line or row, and field, in a
:class:`~slrt_core.InvalidInputError`; nothing is loaded when there is any.

Examples:
    >>> directory = directory_from_records({
    ...     "organizations": [{"id": "dukcapil-3374", "name": "Disdukcapil Kota Semarang",
    ...                        "tier": "district", "region": "33.74"}],
    ...     "services": [{"id": "akta", "organization_id": "dukcapil-3374",
    ...                   "name": "Akta kelahiran", "status": "active",
    ...                   "sectors": ["civil_documents"], "service_areas": ["33.74"],
    ...                   "sla": {"acknowledge_days": 1}}]})
    >>> directory.service("akta").sla
    Sla(acknowledge_days=1, accept_days=5, complete_days=14)
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.referral._directory import Capacity, Directory, Provider, Service, Sla
from slrt_core.vocabulary import Sector, Tier

__all__ = ["directory_from_records", "load_directory"]

_SUBJECT = "the directory"
_STATUSES = {"active": True, "inactive": False, "defunct": False, "temporarily closed": False}
_EXTENT_TYPES = {"", "kemendagri", "text"}
_SLA_FIELDS = ("acknowledge_days", "accept_days", "complete_days")
_REQUIRED_TABLES = ("organization", "service", "service_area")


class _Where:
    """Where a record came from: a file and a line, or a path in a mapping."""

    def __init__(self, source: str, place: str) -> None:
        self.source = source
        self.place = place

    def at(self, field: str) -> str:
        return f"{self.source} {self.place}, {field}" if field else f"{self.source} {self.place}"

    def name(self, field: str) -> str:
        """The field's name as the source spells it."""
        return field


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, en: str, id_: str) -> None:
        self.problems.append(Problem(where, en, id_))

    def text(self, record: Mapping[str, Any], field: str, where: _Where) -> str:
        value = record.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(
                where.at(field),
                f"{field} is required; fill it in.",
                f"{field} wajib diisi.",
            )
            return ""
        if not isinstance(value, str):
            self.add(
                where.at(field),
                f"{field} must be text, not {type(value).__name__}.",
                f"{field} harus berupa teks, bukan {type(value).__name__}.",
            )
            return ""
        return value.strip()

    def optional_text(self, record: Mapping[str, Any], field: str, where: _Where) -> str | None:
        value = record.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.text(record, field, where) or None

    def count(
        self, record: Mapping[str, Any], field: str, where: _Where, *, default: int | None
    ) -> int | None:
        value = record.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if number is None or number < 0:
            name = where.name(field)
            self.add(
                where.at(field),
                f"{name} must be a whole number, 0 or more; got {value!r}.",
                f"{name} harus bilangan bulat 0 atau lebih; diterima {value!r}.",
            )
            return default
        return number

    def choice(
        self,
        value: Any,
        allowed: Iterable[str],
        field: str,
        where: _Where,
        *,
        noun: str | None = None,
    ) -> str | None:
        options = list(allowed)
        if isinstance(value, str) and value.strip() in options:
            return value.strip()
        noun = noun or field
        self.add(
            where.at(field),
            f"{value!r} is not a valid {noun}; use one of: {', '.join(options)}.",
            f"{value!r} bukan {noun} yang sah; gunakan salah satu: {', '.join(options)}.",
        )
        return None

    def region(self, value: Any, field: str, where: _Where) -> RegionCode | None:
        try:
            return RegionCode.parse(value)
        except InvalidInputError as exc:
            for p in exc.problems:
                self.add(where.at(field), p.message, p.message_id)
            return None


# --------------------------------------------------------------------------- records


def _providers(
    rows: Sequence[tuple[Mapping[str, Any], _Where]], c: _Collector
) -> dict[str, Provider]:
    providers: dict[str, Provider] = {}
    for record, where in rows:
        pid = c.text(record, "id", where)
        name = c.text(record, "name", where)
        tier = c.choice(record.get("tier"), [t.value for t in Tier], "tier", where)
        region = c.region(record.get("region"), "region", where)
        kind = c.optional_text(record, "kind", where) or "government"
        if pid and pid in providers:
            c.add(
                where.at("id"),
                f"Organization {pid!r} is listed twice; give each organization one row.",
                f"Organisasi {pid!r} tercantum dua kali.",
            )
            continue
        if pid and name and tier and region is not None:
            providers[pid] = Provider(
                provider_id=pid, name=name, tier=Tier(tier), region=region, kind=kind
            )
        elif pid:  # reported above; keep the id known so its services are not blamed too
            providers.setdefault(pid, _BROKEN)
    return providers


_BROKEN = Provider(provider_id="?", name="?", tier=Tier.NGO, region=RegionCode.INDONESIA)


def _programs(rows: Sequence[tuple[Mapping[str, Any], _Where]], c: _Collector) -> set[str]:
    ids: set[str] = set()
    for record, where in rows:
        pid = c.text(record, "id", where)
        c.text(record, "name", where)
        if pid in ids:
            c.add(
                where.at("id"),
                f"Program {pid!r} is listed twice.",
                f"Program {pid!r} tercantum dua kali.",
            )
        ids.add(pid)
    return ids


def _sectors(value: Any, where: _Where, c: _Collector) -> frozenset[Sector]:
    items: list[Any]
    if isinstance(value, str):
        items = [v for v in (part.strip() for part in value.split(";")) if v]
    elif isinstance(value, list):
        items = value
    else:
        items = []
    allowed = [s.value for s in Sector]
    sectors = {c.choice(item, allowed, "sectors", where, noun="sector") for item in items}
    if not items:
        c.add(
            where.at("sectors"),
            f"List the sectors the service serves, from: {', '.join(allowed)}.",
            f"Cantumkan sektor yang dilayani, dari: {', '.join(allowed)}.",
        )
    return frozenset(Sector(s) for s in sectors if s is not None)


def _areas(
    entries: Sequence[tuple[Any, _Where]], where: _Where, c: _Collector
) -> tuple[RegionCode, ...]:
    areas: list[RegionCode] = []
    for entry, at in entries:
        if isinstance(entry, Mapping):
            kind = entry.get("extent_type") or ""
            if kind not in _EXTENT_TYPES:
                c.add(
                    at.at("extent_type"),
                    f"extent_type {kind!r} is not supported; give the area as a Kemendagri "
                    "region code with extent_type 'kemendagri'.",
                    f"extent_type {kind!r} tidak didukung; berikan wilayah sebagai kode "
                    "Kemendagri dengan extent_type 'kemendagri'.",
                )
                continue
            value = entry.get("extent")
        else:
            value = entry
        region = c.region(value, "extent", at)
        if region is not None:
            areas.append(region)
    if not entries:
        c.add(
            where.at("service_areas"),
            "The service has no service area; give the region codes it serves.",
            "Layanan tidak punya wilayah layanan; berikan kode wilayah yang dilayani.",
        )
    return tuple(areas)


def _capacity(entries: Sequence[tuple[Mapping[str, Any], _Where]], c: _Collector) -> Capacity:
    if not entries:
        return Capacity()
    if len(entries) > 1:
        c.add(
            entries[1][1].at("service_id"),
            "Give one capacity per service (places available, maximum and waitlist).",
            "Berikan satu kapasitas per layanan.",
        )
    record, where = entries[0]
    available = c.count(record, "available", where, default=None)
    maximum = c.count(record, "maximum", where, default=None)
    waitlist = c.count(record, "waitlist", where, default=0) or 0
    if available is not None and maximum is not None and available > maximum:
        c.add(
            where.at("available"),
            f"available ({available}) is more than maximum ({maximum}).",
            f"available ({available}) melebihi maximum ({maximum}).",
        )
    return Capacity(available=available, maximum=maximum, waitlist=waitlist)


def _sla(record: Mapping[str, Any], where: _Where, c: _Collector) -> Sla:
    base = Sla()
    values = {f: c.count(record, f, where, default=getattr(base, f)) for f in _SLA_FIELDS}
    return Sla(**{k: v for k, v in values.items() if v is not None})


def _services(
    rows: Sequence[tuple[Mapping[str, Any], _Where]],
    providers: Mapping[str, Provider],
    programs: set[str] | None,
    areas: Mapping[str, list[tuple[Any, _Where]]],
    capacities: Mapping[str, list[tuple[Mapping[str, Any], _Where]]],
    slas: Mapping[str, tuple[Mapping[str, Any], _Where]],
    c: _Collector,
) -> list[Service]:
    services: list[Service] = []
    seen: set[str] = set()
    for record, where in rows:
        sid = c.text(record, "id", where)
        name = c.text(record, "name", where)
        org = c.text(record, "organization_id", where)
        provider = providers.get(org)
        if org and provider is None:
            c.add(
                where.at("organization_id"),
                f"Organization {org!r} is not listed; add it to the organizations first.",
                f"Organisasi {org!r} tidak tercantum; tambahkan dahulu.",
            )
        program = c.optional_text(record, "program_id", where)
        if program is not None and programs is not None and program not in programs:
            c.add(
                where.at("program_id"),
                f"Program {program!r} is not listed; add it to the programs.",
                f"Program {program!r} tidak tercantum; tambahkan ke daftar program.",
            )
        status = c.choice(record.get("status", "active"), list(_STATUSES), "status", where)
        tier_value = record.get("tier")
        tier: str | None
        if tier_value is None or tier_value == "":
            tier = provider.tier.value if provider is not None else None
        else:
            tier = c.choice(tier_value, [t.value for t in Tier], "tier", where)
        sectors = _sectors(record.get("sectors"), where, c)
        area = _areas(areas.get(sid, []), where, c)
        capacity = _capacity(capacities.get(sid, []), c)
        sla_record, sla_where = slas.get(sid, ({}, where))
        sla = _sla(sla_record, sla_where, c)
        if sid in seen:
            c.add(
                where.at("id"),
                f"Service {sid!r} is listed twice; give each service one row.",
                f"Layanan {sid!r} tercantum dua kali.",
            )
            continue
        seen.add(sid)
        if sid and name and provider is not None and status and tier and sectors and area:
            services.append(
                Service(
                    service_id=sid,
                    provider_id=org,
                    name=name,
                    sectors=sectors,
                    tier=Tier(tier),
                    area=area,
                    program=program,
                    capacity=capacity,
                    sla=sla,
                    active=_STATUSES[status],
                )
            )
    return services


def _build(
    organizations: Sequence[tuple[Mapping[str, Any], _Where]],
    programs: Sequence[tuple[Mapping[str, Any], _Where]] | None,
    services: Sequence[tuple[Mapping[str, Any], _Where]],
    areas: Mapping[str, list[tuple[Any, _Where]]],
    capacities: Mapping[str, list[tuple[Mapping[str, Any], _Where]]],
    slas: Mapping[str, tuple[Mapping[str, Any], _Where]],
    c: _Collector,
) -> Directory:
    providers = _providers(organizations, c)
    program_ids = _programs(programs, c) if programs is not None else None
    built = _services(services, providers, program_ids, areas, capacities, slas, c)
    if c.problems:
        raise InvalidInputError(c.problems, subject=_SUBJECT)
    return Directory(providers.values(), built)


def _records(
    data: Mapping[str, Any], key: str, source: str, c: _Collector, *, required: bool = True
) -> list[tuple[Mapping[str, Any], _Where]] | None:
    value = data.get(key)
    if value is None:
        if required:
            c.add(
                f"{source} {key}",
                f"{key} is missing; give a list of {key}.",
                f"{key} tidak ada; berikan daftar {key}.",
            )
            return []
        return None
    if not isinstance(value, list):
        c.add(
            f"{source} {key}",
            f"{key} must be a list, not {type(value).__name__}.",
            f"{key} harus berupa daftar.",
        )
        return []
    rows: list[tuple[Mapping[str, Any], _Where]] = []
    for i, item in enumerate(value):
        where = _Where(source, f"{key}[{i}]")
        if isinstance(item, Mapping):
            rows.append((item, where))
        else:
            c.add(
                where.at(""),
                f"Each entry of {key} must be an object with named fields.",
                f"Setiap entri {key} harus berupa objek dengan nama kolom.",
            )
    return rows


def _nested(
    rows: Sequence[tuple[Mapping[str, Any], _Where]],
    key: str,
    c: _Collector,
) -> dict[str, list[tuple[Any, _Where]]]:
    nested: dict[str, list[tuple[Any, _Where]]] = {}
    for record, where in rows:
        sid = record.get("id")
        value = record.get(key, [])
        if not isinstance(value, list):
            c.add(
                where.at(key),
                f"{key} must be a list.",
                f"{key} harus berupa daftar.",
            )
            continue
        entries = nested.setdefault(sid if isinstance(sid, str) else "", [])
        entries.extend(
            (item, _Where(where.source, f"{where.place}.{key}[{i}]"))
            for i, item in enumerate(value)
        )
    return nested


def directory_from_records(data: Any, *, source: str = "records") -> Directory:
    """A directory from a mapping shaped like the JSON file (see the module docstring).

    Args:
        data: ``organizations``, ``services`` and optionally ``programs``.
        source: a name for the data, used in problem paths.

    Raises:
        InvalidInputError: every problem, with its path.
    """
    c = _Collector()
    if not isinstance(data, Mapping):
        c.add(
            source,
            "The directory must be an object with organizations and services.",
            "Direktori harus berupa objek berisi `organizations` dan `services`.",
        )
        raise InvalidInputError(c.problems, subject=_SUBJECT)
    organizations = _records(data, "organizations", source, c) or []
    programs = _records(data, "programs", source, c, required=False)
    services = _records(data, "services", source, c) or []
    areas = _nested(services, "service_areas", c)
    capacities: dict[str, list[tuple[Mapping[str, Any], _Where]]] = {}
    for sid, entries in _nested(services, "capacities", c).items():
        for entry, where in entries:
            if isinstance(entry, Mapping):
                capacities.setdefault(sid, []).append((entry, where))
            else:
                c.add(where.at(""), "A capacity must be an object.", "Kapasitas harus objek.")
    slas: dict[str, tuple[Mapping[str, Any], _Where]] = {}
    for record, where in services:
        sla = record.get("sla")
        service_id = record.get("id")
        if isinstance(sla, Mapping) and isinstance(service_id, str):
            slas[service_id] = (sla, _Where(where.source, f"{where.place}.sla"))
        elif sla is not None:
            c.add(where.at("sla"), "sla must be an object.", "sla harus berupa objek.")
    return _build(organizations, programs, services, areas, capacities, slas, c)


# --------------------------------------------------------------------------- files


def _read_json(path: Path, c: _Collector) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        c.add(
            f"{path.name} line {exc.lineno}, column {exc.colno}",
            f"The file is not valid JSON: {exc.msg}.",
            f"Berkas bukan JSON yang sah: {exc.msg}.",
        )
    except (OSError, UnicodeDecodeError) as exc:
        c.add(path.name, f"Cannot read the file: {exc}.", f"Berkas tidak dapat dibaca: {exc}.")
    return None


def _read_csv(path: Path, c: _Collector) -> list[tuple[Mapping[str, Any], _Where]]:
    rows: list[tuple[Mapping[str, Any], _Where]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None:
                c.add(path.name, "The file is empty; give a header row.", "Berkas kosong.")
                return rows
            for record in reader:
                where = _Where(path.name, f"line {reader.line_num}")
                if None in record:
                    c.add(
                        where.at(""),
                        "The row has more cells than the header.",
                        "Baris punya sel lebih banyak dari judul kolom.",
                    )
                    continue
                rows.append(({k: v for k, v in record.items() if v is not None}, where))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        c.add(path.name, f"Cannot read the file: {exc}.", f"Berkas tidak dapat dibaca: {exc}.")
    return rows


def _by_service(
    rows: Sequence[tuple[Mapping[str, Any], _Where]],
    known: set[str],
    c: _Collector,
) -> dict[str, list[tuple[Mapping[str, Any], _Where]]]:
    grouped: dict[str, list[tuple[Mapping[str, Any], _Where]]] = {}
    for record, where in rows:
        sid = c.text(record, "service_id", where)
        if sid and sid not in known:
            c.add(
                where.at("service_id"),
                f"Service {sid!r} is not in service.csv; fix the id or add the service.",
                f"Layanan {sid!r} tidak ada di service.csv.",
            )
            continue
        if sid:
            grouped.setdefault(sid, []).append((record, where))
    return grouped


def _from_tables(folder: Path) -> Directory:
    c = _Collector()
    missing = [t for t in _REQUIRED_TABLES if not (folder / f"{t}.csv").is_file()]
    if missing:
        names = ", ".join(f"{t}.csv" for t in missing)
        c.add(
            folder.name,
            f"The folder lacks {names}; a directory needs organization.csv, service.csv and "
            "service_area.csv (program.csv and service_capacity.csv are optional).",
            f"Folder tidak berisi {names}; direktori memerlukan `organization.csv`, "
            "`service.csv` dan `service_area.csv`.",
        )
        raise InvalidInputError(c.problems, subject=_SUBJECT)

    def read(table: str) -> list[tuple[Mapping[str, Any], _Where]]:
        return _read_csv(folder / f"{table}.csv", c)

    organizations = read("organization")
    programs = read("program") if (folder / "program.csv").is_file() else None
    services = read("service")
    known = {r.get("id", "") for r, _ in services}
    areas: dict[str, list[tuple[Any, _Where]]] = {
        sid: list(entries) for sid, entries in _by_service(read("service_area"), known, c).items()
    }
    capacities = (
        _by_service(read("service_capacity"), known, c)
        if (folder / "service_capacity.csv").is_file()
        else {}
    )
    slas = {
        str(record.get("id", "")): (
            {f: record.get(f"sla_{f}") for f in _SLA_FIELDS},
            _SlaWhere(where),
        )
        for record, where in services
    }
    return _build(organizations, programs, services, areas, capacities, slas, c)


class _SlaWhere(_Where):
    """Names the CSV column of an SLA field (``sla_accept_days``)."""

    def __init__(self, where: _Where) -> None:
        super().__init__(where.source, where.place)

    def at(self, field: str) -> str:
        return super().at(f"sla_{field}")

    def name(self, field: str) -> str:
        return f"sla_{field}"


def load_directory(path: str | Path) -> Directory:
    r"""Load a directory from a ``.json`` file or a folder of HSDS CSV tables.

    Args:
        path: the JSON file, or the folder holding ``organization.csv``,
            ``service.csv``, ``service_area.csv`` and optionally ``program.csv`` and
            ``service_capacity.csv``.

    Raises:
        InvalidInputError: the path cannot be read, or any field is wrong; every problem
            is listed with its file, line and field, and nothing is loaded.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "organization.csv").write_text(
        ...     "id,name,tier,region\ndukcapil,Disdukcapil Semarang,district,33.74\n")
        >>> _ = (folder / "service.csv").write_text(
        ...     "id,organization_id,name,status,sectors\n"
        ...     "akta,dukcapil,Akta kelahiran,active,civil_documents\n")
        >>> _ = (folder / "service_area.csv").write_text(
        ...     "id,service_id,extent,extent_type\na1,akta,33.99,kemendagri\n")
        >>> load_directory(folder)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        slrt_core.errors.InvalidInputError: 1 problem in the directory:
          - service_area.csv line 2, extent: Region code "33.99" is not in the Kemendagri ...
        >>> import shutil; shutil.rmtree(folder)
    """
    path = Path(path)
    if path.is_dir():
        return _from_tables(path)
    c = _Collector()
    if path.suffix.lower() != ".json" or not path.is_file():
        c.add(
            path.name,
            f"{path.name!r} is neither a .json file nor a folder of CSV tables; give one of them.",
            f"{path.name!r} bukan berkas .json maupun folder tabel CSV.",
        )
        raise InvalidInputError(c.problems, subject=_SUBJECT)
    data = _read_json(path, c)
    if c.problems:
        raise InvalidInputError(c.problems, subject=_SUBJECT)
    return directory_from_records(data, source=path.name)
