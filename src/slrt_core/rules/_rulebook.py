"""A rulebook: programs, criteria and dated regional parameters, plus local variants.

A :class:`Rulebook` is built once (from the shipped pack, TOML files or Python values),
checked completely (every problem is listed, with file and line when it came from a
file), compiled into a :class:`~slrt_core.rules._plan.Plan`, and then used by both
evaluators. It is immutable: :meth:`Rulebook.with_variants` returns a new one.

The build itself lives in :mod:`slrt_core.rules._build` (one module per topic); the
variant values (:class:`Variant`, :class:`Override`, :class:`SwitchOff`) in
:mod:`slrt_core.rules._variants`, re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionCode
from slrt_core.rules._build import Builder
from slrt_core.rules._build_state import Base
from slrt_core.rules._criteria import Criterion
from slrt_core.rules._decision import ParameterUsed
from slrt_core.rules._inputs import LiteralValue
from slrt_core.rules._parameters import Parameter, ParameterTable
from slrt_core.rules._plan import Plan
from slrt_core.rules._programs import Program, offered_param
from slrt_core.rules._variants import Override, SwitchOff, Variant, rules_repr
from slrt_core.vocabulary import Sector

__all__ = ["Override", "Resolution", "Rulebook", "SwitchOff", "Variant"]


@attrs.frozen(kw_only=True)
class Resolution:
    """The rulebook as it applies in one region on one date.

    Attributes:
        region: the region code.
        on: the date.
        offered: the program codes offered there and then.
        parameters: every parameter with a value there and then.

    .. versionadded:: 0.1.0
    """

    region: str
    on: date
    offered: tuple[str, ...]
    parameters: Mapping[str, ParameterUsed]


@attrs.frozen
class Resolved:
    """Parameter values for one region chain and date (scalar evaluator)."""

    values: dict[str, LiteralValue | None]
    used: dict[str, ParameterUsed | None]


def chain_of(code: str) -> tuple[str, ...]:
    """A region code, then each ancestor, ending with ``""`` (national).

    Examples:
        >>> chain_of("33.74.01.1001")
        ('33.74.01.1001', '33.74.01', '33.74', '33', '')
    """
    if not code:
        return ("",)
    parts = code.split(".")
    return (*(".".join(parts[:i]) for i in range(len(parts), 0, -1)), "")


class Rulebook:
    """Programs, criteria and dated regional parameters, with local variants applied.

    Build one with :meth:`build`, :func:`~slrt_core.rules.load_pack` or
    :func:`~slrt_core.rules.load_rulebook`; add variants with :meth:`with_variants`.

    Examples:
        >>> from slrt_core.rules import load_pack
        >>> pack = load_pack()
        >>> "PKH" in pack.programs, pack.inputs("SEMBAKO")
        (True, ('decile', 'in_registry'))
        >>> from slrt_core.vocabulary import Sector
        >>> pack.programs_for(Sector.HOUSING)
        ('RTLH',)

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        name: str,
        pack_version: str,
        parameters: Mapping[str, Parameter],
        criteria: Mapping[str, Criterion],
        programs: Mapping[str, Program],
        variants: tuple[Variant, ...],
        table: ParameterTable,
        plan: Plan,
        base: Base,
        origins: Mapping[str, str],
    ) -> None:
        self.name = name
        self.pack_version = pack_version
        self.parameters: Mapping[str, Parameter] = parameters
        self.criteria: Mapping[str, Criterion] = criteria
        self.programs: Mapping[str, Program] = programs
        self.variants = variants
        self.table = table
        self.plan = plan
        self._base = base
        self._origins = origins
        self._regional_codes = table.regional_codes()
        self._resolved: dict[tuple[tuple[str, ...], date], Resolved] = {}
        self._chains: dict[str, tuple[str, ...]] = {}
        self._hash = self._digest()
        self.version = f"{pack_version}+{self._hash[:12]}"
        self.cache: dict[object, object] = {}
        """Compiled evaluators, keyed by their module (filled lazily)."""

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        *,
        name: str,
        version: str,
        parameters: Iterable[Parameter],
        criteria: Iterable[Criterion],
        programs: Iterable[Program],
        variants: Iterable[Variant] = (),
        origins: Mapping[str, str] | None = None,
    ) -> Rulebook:
        """Check and compile a rulebook.

        Args:
            name: the rulebook name (``slrt-id``).
            version: the pack version; :attr:`version` adds a content hash.
            parameters: national parameters.
            criteria: criteria.
            programs: programs.
            variants: regional variants, applied in order.
            origins: where each definition was read from, by path (``criteria.x``).

        Raises:
            InvalidInputError: listing every problem (unknown names, wrong types,
                overlapping dates, unknown regions, dependency cycles).
        """
        base = (tuple(parameters), tuple(criteria), tuple(programs))
        return cls._compile(name, version, base, tuple(variants), dict(origins or {}))

    def with_variants(self, *variants: Variant) -> Rulebook:
        """A new rulebook with *variants* applied on top of this one's.

        Raises:
            InvalidInputError: listing every problem of the variants.
        """
        return self._compile(
            self.name,
            self.pack_version,
            self._base,
            (*self.variants, *variants),
            dict(self._origins),
        )

    @classmethod
    def _compile(
        cls,
        name: str,
        version: str,
        base: Base,
        variants: tuple[Variant, ...],
        origins: dict[str, str],
    ) -> Rulebook:
        compiled = Builder(name, version, base, variants, origins).build()
        return cls(
            name=name,
            pack_version=version,
            parameters=compiled.parameters,
            criteria=compiled.criteria,
            programs=compiled.programs,
            variants=variants,
            table=compiled.table,
            plan=compiled.plan,
            base=base,
            origins=origins,
        )

    @property
    def content_hash(self) -> str:
        """A SHA-256 of every definition and variant (approvals left out).

        :attr:`version` is the pack version plus its first 12 digits; that is what an
        assessment records (``CaseAssessed.rulebook_version``), so a decision can be
        replayed against the exact rules it was made with.

        Examples:
            >>> from slrt_core.rules import load_pack
            >>> pack = load_pack()
            >>> pack.version.endswith(pack.content_hash[:12])
            True
        """
        return self._hash

    def _digest(self) -> str:
        digest = hashlib.sha256()
        for part in self._base:
            digest.update(repr(part).encode())
        digest.update(repr(tuple(rules_repr(v) for v in self.variants)).encode())
        return digest.hexdigest()

    def without(self, *names: str) -> Rulebook:
        """A new rulebook without the variants called *names* (the rules before them).

        Examples:
            >>> from slrt_core.rules import load_pack
            >>> load_pack().without("none").version == load_pack().version
            True
        """
        kept = tuple(v for v in self.variants if v.name not in names)
        return self._compile(self.name, self.pack_version, self._base, kept, dict(self._origins))

    def replacing(self, *variants: Variant) -> Rulebook:
        """A new rulebook where each of *variants* replaces the variant of the same name.

        This is how two revisions of one variant are compared: the base carries
        revision 1, ``base.replacing(revision_2)`` carries revision 2 instead (its own
        programs would otherwise be "already defined"). Variants with a new name are
        added at the end.

        Raises:
            InvalidInputError: listing every problem of the variants.
        """
        names = {v.name for v in variants}
        kept = tuple(v for v in self.variants if v.name not in names)
        return self._compile(
            self.name, self.pack_version, self._base, (*kept, *variants), dict(self._origins)
        )

    # ------------------------------------------------------------------ queries

    def inputs(self, program: str) -> tuple[str, ...]:
        """Every input *program* reads (through its criteria, overlaps and benefit).

        Raises:
            InvalidInputError: no such program.
        """
        self._check_programs((program,))
        return self.plan.inputs(program)

    def programs_for(self, sector: Sector) -> tuple[str, ...]:
        """The codes of the programs that serve *sector*, in rulebook order."""
        return tuple(code for code, p in self.programs.items() if sector in p.sectors)

    def resolve(self, region: RegionCode | str, on: date) -> Resolution:
        """The programs offered and the parameter values in *region* on *on*.

        Examples:
            >>> from slrt_core.rules import load_pack
            >>> r = load_pack().resolve("33.74.01.1001", date(2025, 3, 1))
            >>> r.parameters["sembako.amount"].value, "KUBE" in r.offered
            ('200000', True)
        """
        code = str(region)
        resolved = self.resolved(code, on)
        offered = tuple(code_ for code_ in self.programs if resolved.values[offered_param(code_)])
        used = {k: v for k, v in resolved.used.items() if v is not None}
        return Resolution(region=code, on=on, offered=offered, parameters=used)

    def chain(self, region: str) -> tuple[str, ...]:
        """The region layers that matter for *region* (a dotted code).

        Most specific first: the region and those of its ancestors that have values,
        ending ``""`` (national).
        """
        found = self._chains.get(region)
        if found is None:
            found = tuple(c for c in chain_of(region) if c in self._regional_codes or not c)
            if len(self._chains) > 100_000:  # noqa: PLR2004 - bound the cache
                self._chains.clear()
            self._chains[region] = found
        return found

    def resolved(self, region: str, on: date) -> Resolved:
        """Every parameter value for *region* (a dotted code) on *on*, cached."""
        return self.resolved_chain(self.chain(region), on)

    def resolved_chain(self, chain: tuple[str, ...], on: date) -> Resolved:
        """Every parameter value for a chain of region layers on *on*, cached."""
        key = (chain, on)
        found = self._resolved.get(key)
        if found is None:
            values: dict[str, LiteralValue | None] = {}
            used: dict[str, ParameterUsed | None] = {}
            for name in self.table.names():
                hit = self.table.resolve(name, chain, on)
                values[name] = None if hit is None else hit[0]
                used[name] = None if hit is None else hit[1].used
            found = Resolved(values, used)
            if len(self._resolved) > 10_000:  # noqa: PLR2004 - bound the cache
                self._resolved.clear()
            self._resolved[key] = found
        return found

    def _check_programs(self, codes: Iterable[str]) -> tuple[str, ...]:
        codes = tuple(codes)
        unknown = [c for c in codes if c not in self.programs]
        if unknown:
            known = ", ".join(self.programs)
            raise InvalidInputError(
                [
                    Problem(
                        "programs",
                        f"Unknown program {c!r}; the rulebook has {known}.",
                        f"Program {c!r} tidak dikenal; buku aturan memuat {known}.",
                    )
                    for c in unknown
                ],
                subject="the rulebook",
            )
        return codes

    def select(self, programs: Iterable[str] | None) -> tuple[str, ...]:
        """The program codes to evaluate: *programs*, or all of them.

        Raises:
            InvalidInputError: an unknown program code.
        """
        if programs is None:
            return tuple(self.programs)
        return self._check_programs(programs)

    def __repr__(self) -> str:
        """Name, version and programs."""
        return f"<Rulebook {self.name} {self.version}: {', '.join(self.programs)}>"
