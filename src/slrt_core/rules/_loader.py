"""Reading rulebooks and variants from TOML, with every problem placed at file and line.

A pack is a ``pack.toml`` naming its files; each file may hold ``[parameters.*]``,
``[criteria.*]`` and ``[programs.*]`` tables. A variant file holds a ``[variant]`` table,
``[[override]]`` and ``[[switch_off]]`` entries, and its own parameters, criteria and
programs. ``docs/how-to/add-a-local-program.md`` shows both.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, cast

from slrt_core.errors import DefinitionError, InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.rules._build_state import in_file_order
from slrt_core.rules._criteria import (
    OPS,
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Criterion,
    Eligible,
    Flag,
    Input,
    Left,
    MemberAny,
    MemberCount,
    MemberSum,
    Not,
    Op,
    Param,
    PerCapita,
    Test,
    Value,
)
from slrt_core.rules._decision import Period
from slrt_core.rules._inputs import ValueType, as_literal
from slrt_core.rules._parameters import Domain, Parameter, ParameterValue, Plausible
from slrt_core.rules._programs import (
    Component,
    FixedBenefit,
    InKindBenefit,
    Overlap,
    OverlapKind,
    PerMemberBenefit,
    Program,
)
from slrt_core.rules._rulebook import Override, Rulebook, SwitchOff, Variant
from slrt_core.rules._variants import Approval, Intent, VariantStatus
from slrt_core.vocabulary import Sector, Tier

__all__ = [
    "in_file_order",
    "load_pack",
    "load_rulebook",
    "load_variant",
    "pack_path",
    "read_variant",
]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"))*)\s*="""
)
_PART = re.compile(r'"([^"]*)"|([A-Za-z0-9_\-]+)')


def _key_path(text: str) -> str:
    return ".".join(q or bare for q, bare in _PART.findall(text))


def locate(text: str, label: str) -> dict[str, str]:
    r"""Where each table, key and array element starts: ``path -> "label:line"``.

    Array elements written one per line (``values = [`` then ``{ ... },``) are found as
    ``path.values[i]``. This is a line scanner, not a parser: it serves messages.

    Examples:
        >>> locate('[variant]\nname = "x"\n[[override]]\nparameter = "a"\n', "v.toml")
        {'variant': 'v.toml:1', 'variant.name': 'v.toml:2', 'override[0]': 'v.toml:3', 'override[0].parameter': 'v.toml:4'}
    """  # noqa: E501 - doctest output is one line
    found: dict[str, str] = {}
    current = ""
    arrays: dict[str, int] = {}
    open_array: str | None = None
    index = 0
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{label}:{number}"
        stripped = line.strip()
        if open_array is not None:
            if stripped.startswith("{"):
                found.setdefault(f"{open_array}[{index}]", where)
                index += 1
            if stripped.startswith("]"):
                open_array = None
            continue
        header = _HEADER.match(line)
        if header:
            path = _key_path(header.group(2))
            if header.group(1) == "[[":
                count = arrays.get(path, 0)
                arrays[path] = count + 1
                path = f"{path}[{count}]"
            current = path
            found.setdefault(path, where)
            continue
        key = _KEY.match(line)
        if key:
            path = f"{current}.{_key_path(key.group(1))}" if current else _key_path(key.group(1))
            found.setdefault(path, where)
            rest = line[key.end() :].split("#")[0].strip()
            if rest == "[":
                open_array, index = path, 0
    return found


class ProblemLog:
    """Problems found while reading a file, each placed at its file and line if known."""

    def __init__(self, origins: Mapping[str, str], label: str) -> None:
        self.origins = origins
        self.label = label
        self.problems: list[Problem] = []

    def place(self, path: str) -> str:
        probe = path
        while probe:
            found = self.origins.get(probe)
            if found:
                return f"{found} {path}"
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return f"{self.label} {path}"

    def problem(self, path: str, en: str, id_: str) -> None:
        self.problems.append(Problem(self.place(path), en, id_))


class _Reader(ProblemLog):
    """Turns parsed TOML into definitions, collecting problems with their places."""

    # ---------------------------------------------------------------- primitives

    def table(self, data: object, path: str) -> dict[str, Any]:
        if isinstance(data, dict):
            return data
        self.problem(path, "Expected a table here.", "Di sini seharusnya tabel.")
        return {}

    def keys(self, data: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.problem(
                    f"{path}.{key}",
                    f"Unknown key {key!r}; allowed here: {', '.join(sorted(allowed))}.",
                    f"Kunci `{key}` tidak dikenal; yang boleh di sini: "
                    f"{', '.join(f'`{k}`' for k in sorted(allowed))}.",
                )

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(
                    f"{path}.{key}",
                    f"{key!r} is missing; write it as text.",
                    f"`{key}` tidak ada; tuliskan sebagai teks.",
                )
            return ""
        if not isinstance(value, str):
            self.problem(
                f"{path}.{key}",
                f"{key!r} must be text (in quotes); got {value!r}.",
                f"`{key}` harus teks (dalam tanda kutip); diterima `{value}`.",
            )
            return ""
        return value

    def source(self, data: Mapping[str, Any], path: str) -> tuple[str, str]:
        """The ``source`` of a value: one text, or ``{ id = "...", en = "..." }``.

        Returns the English and the Indonesian text (the same when only one is given).
        """
        value = data.get("source")
        if not isinstance(value, dict):
            found = self.text(data, "source", path)
            return found, found
        self.keys(value, f"{path}.source", {"id", "en"})
        return self.text(value, "en", f"{path}.source"), self.text(value, "id", f"{path}.source")

    def day(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> date | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(
                    f"{path}.{key}",
                    f"{key!r} is missing; write a date such as 2025-01-01.",
                    f"`{key}` tidak ada; tulis tanggal seperti 2025-01-01.",
                )
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                self.problem(
                    f"{path}.{key}",
                    f"{value!r} is not a real date; write it as YYYY-MM-DD such as 2025-01-01.",
                    f"`{value}` bukan tanggal yang ada; tulis sebagai YYYY-MM-DD seperti "
                    "2025-01-01.",
                )
                return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problem(
                f"{path}.{key}",
                f"{key!r} must be a date such as 2025-01-01 (no time); got {value!r}.",
                f"`{key}` harus tanggal seperti 2025-01-01 (tanpa jam); diterima `{value}`.",
            )
            return None
        return value

    def enum(
        self, kind: Callable[[str], Any], choices: Any, data: Mapping[str, Any], key: str, path: str
    ) -> Any:
        value = data.get(key)
        try:
            return kind(value)  # type: ignore[arg-type]
        except ValueError:
            allowed = ", ".join(str(c) for c in choices)
            allowed_id = ", ".join(f"`{c}`" for c in choices)
            self.problem(
                f"{path}.{key}",
                f"{key!r} must be one of {allowed}; got {value!r}.",
                f"`{key}` harus salah satu dari {allowed_id}; diterima `{value}`.",
            )
            return None

    def labels(self, data: Mapping[str, Any], path: str) -> tuple[str, str]:
        label = self.table(data.get("label", {}), f"{path}.label")
        found = (
            self.text(label, "id", f"{path}.label"),
            self.text(label, "en", f"{path}.label"),
        )
        self.keys(label, f"{path}.label", {"id", "en"})
        return found

    def names(self, value: object, path: str) -> tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.problem(
            path,
            f'Expected a list of criterion names such as ["a", "b"]; got {value!r}.',
            f'Seharusnya daftar nama kriteria seperti `["a", "b"]`; diterima `{value}`.',
        )
        return ()

    # ---------------------------------------------------------------- parameters

    def parameters(self, data: Mapping[str, Any], prefix: str = "") -> Iterator[Parameter]:
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else key
            path = f"parameters.{name}"
            if not isinstance(value, dict):
                self.problem(path, "Expected a parameter table.", "Seharusnya tabel parameter.")
            elif "values" in value or "type" in value:
                found = self.parameter(name, value, path)
                if found is not None:
                    yield found
            else:
                yield from self.parameters(value, name)

    def parameter(self, name: str, data: Mapping[str, Any], path: str) -> Parameter | None:
        self.keys(
            data, path, {"type", "unit", "label", "values", "regional", "domain", "plausible"}
        )
        kind = self.enum(ValueType, ValueType, data, "type", path)
        domain = self.domain(data.get("domain"), f"{path}.domain")
        plausible = self.plausible(data.get("plausible"), f"{path}.plausible")
        label_id, label_en = self.labels(data, path)
        values = tuple(self.values(data.get("values"), f"{path}.values"))
        regional: dict[str, tuple[ParameterValue, ...]] = {}
        for code, entries in self.table(data.get("regional", {}), f"{path}.regional").items():
            regional[code] = tuple(self.values(entries, f"{path}.regional.{code}"))
        if kind is None:
            return None
        return Parameter(
            name=name,
            type=kind,
            label_id=label_id,
            label_en=label_en,
            unit=self.text(data, "unit", path, required=False),
            values=values,
            regional=regional,
            domain=domain,
            plausible=plausible,
        )

    def bound(self, data: Mapping[str, Any], key: str, path: str) -> int | None:
        value = data.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.problem(
            f"{path}.{key}",
            f"{key!r} must be a whole number; got {value!r}.",
            f"`{key}` harus bilangan bulat; diterima `{value}`.",
        )
        return None

    def domain(self, data: object, path: str) -> Domain | None:
        if data is None:
            return None
        body = self.table(data, path)
        self.keys(body, path, {"min", "max", "in", "reason", "reason_id"})
        choices = body.get("in", [])
        if not isinstance(choices, list) or not all(
            isinstance(c, (int, str)) and not isinstance(c, bool) for c in choices
        ):
            self.problem(
                f"{path}.in",
                f"'in' must be a list of allowed values such as [450, 900]; got {choices!r}.",
                f"`in` harus daftar nilai yang boleh seperti [450, 900]; diterima `{choices}`.",
            )
            choices = []
        return Domain(
            minimum=self.bound(body, "min", path),
            maximum=self.bound(body, "max", path),
            choices=choices,
            reason=self.text(body, "reason", path, required=False),
            reason_id=self.text(body, "reason_id", path, required=False),
        )

    def plausible(self, data: object, path: str) -> Plausible | None:
        if data is None:
            return None
        body = self.table(data, path)
        self.keys(body, path, {"min", "max", "reason", "reason_id"})
        return Plausible(
            minimum=self.bound(body, "min", path),
            maximum=self.bound(body, "max", path),
            reason=self.text(body, "reason", path),
            reason_id=self.text(body, "reason_id", path, required=False),
        )

    def values(self, data: object, path: str) -> Iterator[ParameterValue]:
        if not isinstance(data, list):
            self.problem(
                path,
                'Expected a list of values: [{ value = ..., from = 2025-01-01, source = "..." }].',
                'Seharusnya daftar nilai: `[{ value = ..., from = 2025-01-01, source = "..." }]`.',
            )
            return
        for i, item in enumerate(data):
            at = f"{path}[{i}]"
            entry = self.table(item, at)
            self.keys(entry, at, {"value", "from", "until", "source", "uncertain", "note"})
            start = self.day(entry, "from", at)
            until = self.day(entry, "until", at, required=False)
            uncertain = entry.get("uncertain", False)
            if not isinstance(uncertain, bool):
                self.problem(
                    f"{at}.uncertain",
                    "'uncertain' must be true or false.",
                    "`uncertain` harus `true` atau `false`.",
                )
                uncertain = False
            if "value" not in entry:
                self.problem(f"{at}.value", "'value' is missing.", "`value` tidak ada.")
            elif start is not None:
                source, source_id = self.source(entry, at)
                yield ParameterValue(
                    value=as_literal(entry["value"]),
                    valid_from=start,
                    valid_until=until,
                    source=source,
                    source_id=source_id,
                    uncertain=uncertain,
                    note=self.text(entry, "note", at, required=False),
                )

    # ---------------------------------------------------------------- criteria

    _KINDS = ("compare", "all", "any", "not", "at_least", "member_any", "flag", "eligible")

    def criteria(self, data: Mapping[str, Any]) -> Iterator[Criterion]:
        for name, value in data.items():
            path = f"criteria.{name}"
            body = self.table(value, path)
            self.keys(body, path, {"label", "reference", *self._KINDS})
            kinds = [k for k in self._KINDS if k in body]
            label_id, label_en = self.labels(body, path)
            if len(kinds) != 1:
                self.problem(
                    path,
                    f"A criterion has exactly one test among {', '.join(self._KINDS)}; "
                    f"found {len(kinds)}.",
                    f"Kriteria memiliki tepat satu uji di antara "
                    f"{', '.join(f'`{k}`' for k in self._KINDS)}; "
                    f"ditemukan {len(kinds)}.",
                )
                continue
            test = self.test(kinds[0], body[kinds[0]], f"{path}.{kinds[0]}")
            if test is not None:
                yield Criterion(
                    name=name,
                    test=test,
                    label_id=label_id,
                    label_en=label_en,
                    reference=self.text(body, "reference", path, required=False),
                )

    def test(self, kind: str, value: Any, path: str) -> Test | None:
        if kind in {"all", "any"}:
            names = self.names(value, path)
            return AllOf(names) if kind == "all" else AnyOf(names)
        if kind == "at_least":
            body = self.table(value, path)
            self.keys(body, path, {"k", "of"})
            k = body.get("k")
            if not isinstance(k, int) or isinstance(k, bool):
                self.problem(
                    f"{path}.k", "'k' must be a whole number.", "`k` harus bilangan bulat."
                )
                return None
            return AtLeast(k, self.names(body.get("of"), f"{path}.of"))
        if kind == "compare":
            return self.compare(self.table(value, path), path)
        if not isinstance(value, str):
            self.problem(
                path,
                f"{kind!r} takes a name as text; got {value!r}.",
                f"`{kind}` memerlukan nama sebagai teks; diterima `{value}`.",
            )
            return None
        made: dict[str, Callable[[str], Test]] = {
            "not": Not,
            "member_any": MemberAny,
            "flag": Flag,
            "eligible": Eligible,
        }
        return made[kind](value)

    def compare(self, body: Mapping[str, Any], path: str) -> Compare | None:
        lefts = {"input": Input, "sum_members": MemberSum, "per_capita": PerCapita}
        self.keys(body, path, {*lefts, "count_members", "op", "param", "value"})
        left_keys = [k for k in (*lefts, "count_members") if k in body]
        right_keys = [k for k in ("param", "value") if k in body]
        ok = True
        if len(left_keys) != 1:
            self.problem(
                path,
                "A comparison needs exactly one of input, sum_members, per_capita, count_members.",
                "Perbandingan memerlukan tepat satu dari `input`, `sum_members`, `per_capita`, "
                "`count_members`.",
            )
            ok = False
        if len(right_keys) != 1:
            self.problem(
                path,
                "A comparison needs exactly one of param (a parameter name) or value.",
                "Perbandingan memerlukan tepat satu dari `param` (nama parameter) atau `value`.",
            )
            ok = False
        op = body.get("op")
        if op not in OPS:
            self.problem(
                f"{path}.op",
                f"'op' must be one of {', '.join(OPS)}; got {op!r}.",
                f"`op` harus salah satu dari {', '.join(f'`{o}`' for o in OPS)}; diterima `{op}`.",
            )
            ok = False
        if not ok:
            return None
        key = left_keys[0]
        name = self.text(body, key, path)
        left: object = MemberCount(name) if key == "count_members" else lefts[key](name)
        if right_keys[0] == "param":
            right: Param | Value = Param(self.text(body, "param", path))
        else:
            right = Value(value=as_literal(body["value"]))
        return Compare(cast("Left", left), cast("Op", op), right)

    # ---------------------------------------------------------------- programs

    def programs(self, data: Mapping[str, Any]) -> Iterator[Program]:
        for code, value in data.items():
            path = f"programs.{code}"
            body = self.table(value, path)
            self.keys(
                body,
                path,
                {
                    "label",
                    "reference",
                    "eligibility",
                    "benefit",
                    "sectors",
                    "tier",
                    "offered_from",
                    "overlaps",
                    "monotone_in_income",
                },
            )
            label_id, label_en = self.labels(body, path)
            sectors_raw = body.get("sectors", [])
            sectors = []
            for i, s in enumerate(sectors_raw if isinstance(sectors_raw, list) else [sectors_raw]):
                sector = self.enum(Sector, Sector, {"s": s}, "s", f"{path}.sectors[{i}]")
                if sector is not None:
                    sectors.append(sector)
            tier = self.enum(Tier, Tier, body, "tier", path)
            start = self.day(body, "offered_from", path)
            benefit = self.benefit(
                self.table(body.get("benefit", {}), f"{path}.benefit"), f"{path}.benefit"
            )
            overlaps = tuple(self.overlaps(body.get("overlaps", []), f"{path}.overlaps"))
            eligibility = self.text(body, "eligibility", path)
            monotone = body.get("monotone_in_income", False)
            if not isinstance(monotone, bool):
                self.problem(
                    f"{path}.monotone_in_income",
                    "'monotone_in_income' must be true or false.",
                    "`monotone_in_income` harus `true` atau `false`.",
                )
                monotone = False
            if tier is None or benefit is None or start is None:
                continue
            yield Program(
                code=code,
                label_id=label_id,
                label_en=label_en,
                eligibility=eligibility,
                benefit=benefit,
                sectors=tuple(sectors),
                tier=tier,
                offered_from=start,
                reference=self.text(body, "reference", path, required=False),
                overlaps=overlaps,
                monotone_in_income=monotone,
            )

    def benefit(
        self, body: Mapping[str, Any], path: str
    ) -> FixedBenefit | PerMemberBenefit | InKindBenefit | None:
        kind = body.get("kind")
        if kind == "fixed":
            self.keys(body, path, {"kind", "amount", "period", "unit", "shared_by"})
            period = self.enum(Period, Period, body, "period", path)
            if period is None:
                return None
            return FixedBenefit(
                amount=self.text(body, "amount", path),
                period=period,
                unit=self.text(body, "unit", path, required=False) or "household",
                shared_by=self.text(body, "shared_by", path, required=False) or None,
            )
        if kind == "per_member":
            self.keys(body, path, {"kind", "components", "period", "cap"})
            period = self.enum(Period, Period, body, "period", path)
            components = []
            raw = body.get("components", [])
            for i, item in enumerate(raw if isinstance(raw, list) else []):
                at = f"{path}.components[{i}]"
                c = self.table(item, at)
                self.keys(c, at, {"criterion", "amount"})
                components.append(
                    Component(
                        criterion=self.text(c, "criterion", at), amount=self.text(c, "amount", at)
                    )
                )
            cap = self.text(body, "cap", path, required=False) or None
            if period is None:
                return None
            return PerMemberBenefit(components=tuple(components), period=period, cap=cap)
        if kind == "in_kind":
            self.keys(body, path, {"kind", "description"})
            description = self.table(body.get("description", {}), f"{path}.description")
            return InKindBenefit(
                description_id=self.text(description, "id", f"{path}.description"),
                description_en=self.text(description, "en", f"{path}.description"),
            )
        self.problem(
            f"{path}.kind",
            f"'kind' must be fixed, per_member or in_kind; got {kind!r}.",
            f"`kind` harus `fixed`, `per_member` atau `in_kind`; diterima `{kind}`.",
        )
        return None

    def overlaps(self, data: object, path: str) -> Iterator[Overlap]:
        for i, item in enumerate(data if isinstance(data, list) else []):
            at = f"{path}[{i}]"
            body = self.table(item, at)
            self.keys(body, at, {"program", "kind", "note"})
            kind = self.enum(OverlapKind, OverlapKind, body, "kind", at)
            if kind is not None:
                yield Overlap(
                    program=self.text(body, "program", at),
                    kind=kind,
                    note=self.text(body, "note", at, required=False),
                )

    # ---------------------------------------------------------------- variants

    def region(self, value: object, path: str) -> RegionCode | None:
        try:
            region = RegionCode.parse(value)  # type: ignore[arg-type]
        except InvalidInputError as error:
            self.problems.extend(
                Problem(self.place(path), p.message, p.message_id) for p in error.problems
            )
            return None
        return region

    def overrides(self, data: object) -> Iterator[Override]:
        for i, item in enumerate(data if isinstance(data, list) else []):
            at = f"override[{i}]"
            body = self.table(item, at)
            self.keys(
                body,
                at,
                {
                    "parameter",
                    "value",
                    "from",
                    "until",
                    "source",
                    "region",
                    "uncertain",
                    "note",
                    "acknowledge",
                },
            )
            start = self.day(body, "from", at)
            until = self.day(body, "until", at, required=False)
            region = self.region(body["region"], f"{at}.region") if "region" in body else None
            if "value" not in body:
                self.problem(f"{at}.value", "'value' is missing.", "`value` tidak ada.")
            elif start is not None and ("region" not in body or region is not None):
                yield Override(
                    parameter=self.text(body, "parameter", at),
                    value=as_literal(body["value"]),  # type: ignore[arg-type]
                    valid_from=start,
                    valid_until=until,
                    source=self.text(body, "source", at, required=False),
                    region=region,
                    uncertain=bool(body.get("uncertain", False)),
                    note=self.text(body, "note", at, required=False),
                    acknowledge=self.text(body, "acknowledge", at, required=False),
                )

    def intent(self, data: object, path: str) -> Intent | None:
        if data is None:
            return None
        body = self.table(data, path)
        self.keys(body, path, {"programs", "region", "from", "until"})
        programs = body.get("programs")
        if not isinstance(programs, list) or not all(isinstance(p, str) for p in programs):
            self.problem(
                f"{path}.programs",
                'List the program codes the variant means to change: programs = ["PKH"].',
                'Sebutkan kode program yang hendak diubah varian: `programs = ["PKH"]`.',
            )
            programs = []
        start = self.day(body, "from", path)
        until = self.day(body, "until", path, required=False)
        region = self.region(body["region"], f"{path}.region") if "region" in body else None
        if start is None:
            return None
        return Intent(programs=programs, valid_from=start, valid_until=until, region=region)

    def approval(self, head: Mapping[str, Any]) -> Approval:
        status = VariantStatus.DRAFT
        if "status" in head:
            status = self.enum(VariantStatus, VariantStatus, head, "status", "variant") or status
        revision = head.get("revision", 1)
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            self.problem(
                "variant.revision",
                f"'revision' must be a whole number from 1; got {revision!r}.",
                f"`revision` harus bilangan bulat mulai 1; diterima `{revision}`.",
            )
            revision = 1
        return Approval(
            status=status,
            revision=revision,
            decree=self.text(head, "decree", "variant", required=False),
            approved_by=self.text(head, "approved_by", "variant", required=False),
            approved_on=self.day(head, "approved_on", "variant", required=False),
        )

    def switch_offs(self, data: object) -> Iterator[SwitchOff]:
        for i, item in enumerate(data if isinstance(data, list) else []):
            at = f"switch_off[{i}]"
            body = self.table(item, at)
            self.keys(body, at, {"program", "from", "until", "source", "region"})
            program = self.text(body, "program", at)
            start = self.day(body, "from", at)
            until = self.day(body, "until", at, required=False)
            region = self.region(body["region"], f"{at}.region") if "region" in body else None
            source = self.text(body, "source", at, required=False)
            if start is not None and ("region" not in body or region is not None):
                yield SwitchOff(
                    program=program,
                    valid_from=start,
                    valid_until=until,
                    source=source,
                    region=region,
                )


def _parse(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        where = f"{label}:{match.group(1)}" if match else label
        raise InvalidInputError(
            [
                Problem(
                    where,
                    f"This is not valid TOML: {error}. Fix the syntax (quotes, brackets, commas).",
                    f"Ini bukan TOML yang sah: {error}. Perbaiki penulisannya (tanda kutip, "
                    "kurung, koma).",
                )
            ],
            subject="the rulebook",
        ) from None


def _read_variant(text: str, origin: str) -> tuple[Variant | None, list[Problem]]:
    """A variant from TOML text, as far as it reads, with the problems found."""
    data = _parse(text, origin)
    origins = locate(text, origin)
    reader = _Reader(origins, origin)
    reader.keys(
        data, "", {"variant", "override", "switch_off", "parameters", "criteria", "programs"}
    )
    head = reader.table(data.get("variant", {}), "variant")
    reader.keys(
        head,
        "variant",
        {
            "name",
            "region",
            "label",
            "source",
            "intent",
            "status",
            "revision",
            "decree",
            "approved_by",
            "approved_on",
        },
    )
    intent = reader.intent(head.get("intent"), "variant.intent")
    approval = reader.approval(head)
    name = reader.text(head, "name", "variant")
    region = reader.region(head.get("region"), "variant.region")
    label = reader.table(head.get("label", {}), "variant.label")
    parameters = tuple(reader.parameters(reader.table(data.get("parameters", {}), "parameters")))
    criteria = tuple(reader.criteria(reader.table(data.get("criteria", {}), "criteria")))
    programs = tuple(reader.programs(reader.table(data.get("programs", {}), "programs")))
    overrides = tuple(reader.overrides(data.get("override", [])))
    switch_offs = tuple(reader.switch_offs(data.get("switch_off", [])))
    if region is None:
        return None, reader.problems
    variant = Variant(
        name=name,
        region=region,
        label_id=str(label.get("id", "")),
        label_en=str(label.get("en", "")),
        source=reader.text(head, "source", "variant", required=False),
        overrides=overrides,
        switch_offs=switch_offs,
        parameters=parameters,
        criteria=criteria,
        programs=programs,
        origins=origins,
        intent=intent,
        approval=approval,
    )
    return variant, reader.problems


def read_variant(text: str, *, origin: str = "<variant>") -> Variant:
    """A variant from TOML text.

    Names are checked against a rulebook only when the variant is applied
    (:meth:`Rulebook.with_variants`, :func:`load_rulebook`).

    Args:
        text: the TOML.
        origin: the file name used in messages.

    Raises:
        InvalidInputError: malformed TOML, unknown keys, wrong types, impossible dates,
            an unknown region; every problem, each at its line.

    Examples:
        >>> variant = read_variant('''
        ... [variant]
        ... name = "kota-semarang"
        ... region = "33.74"
        ... [[override]]
        ... parameter = "pkh.elderly_min_age"
        ... value = 65
        ... from = 2025-07-01
        ... source = "Perwali Kota Semarang (example)"
        ... ''')
        >>> variant.region.code, variant.overrides[0].value
        ('33.74', 65)
    """
    variant, problems = _read_variant(text, origin)
    if problems or variant is None:
        raise InvalidInputError(in_file_order(problems), subject="the rulebook")
    return variant


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInputError.single(
            str(path),
            f"Cannot read the variant file: {error.strerror}. Check the path.",
            f"Berkas varian tidak dapat dibaca (`{error.strerror}`). Periksa jalurnya.",
        ) from None
    except UnicodeDecodeError as error:
        raise InvalidInputError.single(
            str(path),
            f"The variant file is not UTF-8 text (byte {error.start}). Save it as UTF-8.",
            f"Berkas varian bukan teks UTF-8 (byte {error.start}). Simpan sebagai UTF-8.",
        ) from None


def load_variant(path: str | Path) -> Variant:
    """A variant from a TOML file (see :func:`read_variant`).

    Raises:
        InvalidInputError: the file cannot be read, or lists every problem in it.
    """
    path = Path(path)
    return read_variant(_read_file(path), origin=str(path))


def pack_path() -> Any:
    """The folder of the shipped Indonesian pack (a :class:`importlib.resources` path)."""
    return resources.files("slrt_core").joinpath("data", "rules")


def _read_pack(folder: Any, label: str) -> Rulebook:
    head_text = folder.joinpath("pack.toml").read_text(encoding="utf-8")
    head = _parse(head_text, f"{label}/pack.toml")
    pack = head.get("pack", {})
    params: list[Parameter] = []
    criteria: list[Criterion] = []
    programs: list[Program] = []
    origins: dict[str, str] = {}
    problems: list[Problem] = []
    for name in pack.get("files", []):
        file_label = f"{label}/{name}"
        text = folder.joinpath(name).read_text(encoding="utf-8")
        data = _parse(text, file_label)
        found = locate(text, file_label)
        reader = _Reader(found, file_label)
        reader.keys(data, "", {"parameters", "criteria", "programs"})
        params += reader.parameters(reader.table(data.get("parameters", {}), "parameters"))
        criteria += reader.criteria(reader.table(data.get("criteria", {}), "criteria"))
        programs += reader.programs(reader.table(data.get("programs", {}), "programs"))
        origins.update({k: v for k, v in found.items() if k not in origins})
        problems += reader.problems
    if problems:
        raise InvalidInputError(in_file_order(problems), subject="the rulebook")
    return Rulebook.build(
        name=str(pack.get("name", "")),
        version=str(pack.get("version", "")),
        parameters=params,
        criteria=criteria,
        programs=programs,
        origins=origins,
    )


@functools.cache
def load_pack() -> Rulebook:
    """The shipped Indonesian program pack (PKH, Sembako, PBI-JK, PIP, RTLH, ...).

    Loaded once and shared (a rulebook is immutable).

    Raises:
        DefinitionError: the installed pack is broken (a packaging bug; reinstall).

    Examples:
        >>> pack = load_pack()
        >>> list(pack.programs)[:3], pack.version.startswith(pack.pack_version + "+")
        (['PKH', 'SEMBAKO', 'PBI_JK'], True)
    """
    try:
        return _read_pack(pack_path(), "slrt_core/data/rules")
    except InvalidInputError as error:  # pragma: no cover - guarded by the pack tests
        raise DefinitionError(
            f"The shipped rules pack does not load; reinstall slrt_core. {error}",
            message_id=f"Paket aturan bawaan gagal dimuat; pasang ulang slrt_core. "
            f"{error.message('id')}",
        ) from error


def load_rulebook(*variants: str | Path | Variant, pack: str | Path | None = None) -> Rulebook:
    """The shipped pack (or the pack folder *pack*) with *variants* applied in order.

    Args:
        variants: variant files or :class:`Variant` values.
        pack: a folder holding a ``pack.toml`` instead of the shipped pack.

    Raises:
        InvalidInputError: every problem of the files and of the combined rulebook.

    Examples:
        >>> load_rulebook().version == load_pack().version
        True
    """
    base = load_pack() if pack is None else _read_pack(Path(pack), str(pack))
    loaded: list[Variant] = []
    problems: list[Problem] = []
    for item in variants:
        if isinstance(item, Variant):
            loaded.append(item)
            continue
        path = Path(item)
        variant, found = _read_variant(_read_file(path), str(path))
        problems += found
        if variant is not None:
            loaded.append(variant)
    try:
        rulebook = base.with_variants(*loaded) if loaded else base
    except InvalidInputError as error:
        problems += error.problems
    if problems:
        raise InvalidInputError(in_file_order(problems), subject="the rulebook")
    return rulebook
