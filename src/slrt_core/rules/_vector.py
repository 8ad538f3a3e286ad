"""The vectorised evaluator: a whole population per numpy operation.

Each criterion of the plan becomes a few numpy operations over all households (or all
persons). Three-valued logic is kept as two boolean arrays per criterion: *lo* (surely
true) and *hi* (possibly true); an outcome is unknown where they differ, and when an
input has no missing values *hi* is *lo* and costs nothing. Member aggregates are
``np.bincount`` over the persons' household index. Regional parameters are resolved once
per distinct region and looked up per household with one ``table[region_index]``.

The result keeps a households x criteria matrix (``int8``: 1 true, 0 false, -1 unknown)
from which any household's explanation is rendered by the same code as :func:`decide`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from slrt_core.rules._criteria import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Eligible,
    Flag,
    Input,
    MemberAny,
    MemberCount,
    MemberSum,
    Not,
    Param,
    PerCapita,
    Value,
)
from slrt_core.rules._decision import Decision, Status
from slrt_core.rules._explain import Tri, View, decisions
from slrt_core.rules._inputs import RECEIVES_PREFIX, InputSpec, Scope, ValueType, input_spec
from slrt_core.rules._plan import Node, Plan
from slrt_core.rules._population import Column, Population
from slrt_core.rules._programs import FixedBenefit, PerMemberBenefit
from slrt_core.rules._rulebook import Rulebook

__all__ = ["ScreenResult", "as_population", "screen"]

BoolArray = npt.NDArray[np.bool_]
Array = npt.NDArray[Any]

_OPS = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


class _Tri:
    """Surely true (*lo*) and possibly true (*hi*); *hi* is *lo* when all is known."""

    __slots__ = ("hi", "lo")

    def __init__(self, lo: BoolArray, hi: BoolArray | None = None) -> None:
        self.lo = lo
        self.hi = lo if hi is None else hi

    @property
    def known(self) -> bool:
        return self.hi is self.lo


def _tri(result: BoolArray, known: BoolArray | None) -> _Tri:
    if known is None:
        return _Tri(result)
    return _Tri(result & known, result | ~known)


def _and_known(a: BoolArray | None, b: BoolArray | None) -> BoolArray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def as_population(population: Any) -> Population:
    """A :class:`Population` from one, or from ``{"households": ..., "persons": ...}``.

    Raises:
        InvalidInputError: the tables are malformed.
    """
    if isinstance(population, Population):
        return population
    from slrt_core.errors import InvalidInputError  # noqa: PLC0415 - error path

    if isinstance(population, Mapping) and {"households", "persons"} <= set(population):
        return Population.from_tables(
            population["households"], population["persons"], regions=population.get("regions")
        )
    raise InvalidInputError.single(
        "population",
        "A population is a Population or a mapping with 'households' and 'persons' tables "
        f"(and optionally 'regions'); got {type(population).__name__}.",
        "Populasi adalah `Population` atau pemetaan dengan tabel `households` dan `persons` "
        f"(dan boleh `regions`); diterima `{type(population).__name__}`.",
    )


class _Params:
    """Parameter values for the population's regions on one date.

    Each distinct region chain (a region and the overlay regions above it) is resolved
    once; a parameter that differs between chains becomes a table indexed by region.
    """

    def __init__(self, rulebook: Rulebook, population: Population, on: date) -> None:
        self.rulebook = rulebook
        self.population = population
        self.on = on
        chains: dict[tuple[str, ...], int] = {}
        index = []
        for code in population.regions:
            chain = rulebook.chain(code)
            index.append(chains.setdefault(chain, len(chains)))
        self.chains = list(chains)
        self.chain_of_region = np.asarray(index, dtype=np.intp)
        self._household: dict[tuple[str, tuple[str, ...]], tuple[Any, BoolArray | None]] = {}
        self._person: dict[tuple[str, tuple[str, ...]], tuple[Any, BoolArray | None]] = {}

    def per_chain(self, name: str, choices: tuple[str, ...] = ()) -> list[Any]:
        """The value of *name* for each distinct region chain (``None``: no value).

        For an enumeration, the values are codes of *choices*.
        """
        values = [self.rulebook.resolved_chain(c, self.on).values[name] for c in self.chains]
        if choices:
            values = [None if v is None else _code(v, choices) for v in values]
        return values

    def chain_per(self, scope: Scope) -> Array:
        """For each household (or person), the index of its region chain."""
        chain = self.chain_of_region[self.population.region_index]
        return chain[self.population.household] if scope is Scope.MEMBER else chain

    def household(self, name: str, choices: tuple[str, ...] = ()) -> tuple[Any, BoolArray | None]:
        """The value per household: a scalar when it is the same everywhere."""
        key = (name, choices)
        found = self._household.get(key)
        if found is None:
            values = self.per_chain(name, choices)
            if values[0] is not None and all(v == values[0] for v in values):
                found = (values[0], None)
            else:
                filler = next((v for v in values if v is not None), 0)
                table = np.asarray([filler if v is None else v for v in values])
                per_household = table[self.chain_of_region][self.population.region_index]
                known = None
                if any(v is None for v in values):
                    known_table = np.asarray([v is not None for v in values])
                    known = known_table[self.chain_of_region][self.population.region_index]
                found = (per_household, known)
            self._household[key] = found
        return found

    def person(self, name: str, choices: tuple[str, ...] = ()) -> tuple[Any, BoolArray | None]:
        """The value per person (its household's)."""
        key = (name, choices)
        found = self._person.get(key)
        if found is None:
            values, known = self.household(name, choices)
            if isinstance(values, np.ndarray):
                household = self.population.household
                values = values[household]
                known = None if known is None else known[household]
            found = (values, known)
            self._person[key] = found
        return found

    def get(
        self, name: str, scope: Scope, choices: tuple[str, ...] = ()
    ) -> tuple[Any, BoolArray | None]:
        """The value of *name* at *scope* (household or member)."""
        if scope is Scope.MEMBER:
            return self.person(name, choices)
        return self.household(name, choices)


def _code(value: Any, choices: tuple[str, ...]) -> Any:
    if isinstance(value, tuple):
        return tuple(choices.index(v) for v in value)
    return choices.index(value)


class _Run:
    """One evaluation of a plan over a population."""

    def __init__(
        self,
        rulebook: Rulebook,
        population: Population,
        on: date,
        codes: tuple[str, ...],
        *,
        keep_members: bool = False,
    ) -> None:
        self.rulebook = rulebook
        self.plan = rulebook.plan
        self.population = population
        self.on = on
        self.codes = codes
        self.nodes = self.plan.closure(codes)
        self.params = _Params(rulebook, population, on)
        self.columns = population.columns(_input_specs(self.plan, self.nodes, population), on)
        self.household = population.household
        self.n = population.households
        self.results: dict[int, _Tri] = {}
        self.keep_members = keep_members
        self.rows = {
            n.id: k for k, n in enumerate(n for n in self.nodes if n.scope is Scope.HOUSEHOLD)
        }
        self.matrix = np.empty((len(self.rows), self.n), dtype=np.int8)
        self._broadcast: dict[int, _Tri] = {}

    # ---------------------------------------------------------------- running

    def run(self) -> None:
        last_use = _last_uses(self.plan, self.nodes, self.codes)
        for step, node in enumerate(self.nodes):
            tri = self._evaluate(node)
            self.results[node.id] = tri
            row = self.rows.get(node.id)
            if row is not None:
                _write(self.matrix[row], tri)
            for child in node.children:
                if last_use.get(child, step) <= step and not self.keep_members:
                    self.results.pop(child, None)
                    self._broadcast.pop(child, None)

    def _count(self, mask: BoolArray) -> Array:
        """Per household, how many of its persons *mask* selects."""
        selected = np.count_nonzero(mask)
        household = self.household
        if selected * 2 > len(mask):  # dense: count the others, half the temporary memory
            others = household.take(np.flatnonzero(~mask))
            return self.population.size - np.bincount(others, minlength=self.n)
        # take() of the selected rows is several times faster than boolean indexing
        return np.bincount(household.take(np.flatnonzero(mask)), minlength=self.n)

    def _member(self, node_id: int) -> _Tri:
        """The outcome of *node_id* per person (a household outcome is broadcast)."""
        tri = self.results[node_id]
        if self.plan.nodes[node_id].scope is Scope.MEMBER:
            return tri
        found = self._broadcast.get(node_id)
        if found is None:
            household = self.household
            lo = tri.lo[household]
            found = _Tri(lo, None if tri.known else tri.hi[household])
            self._broadcast[node_id] = found
        return found

    def _evaluate(self, node: Node) -> _Tri:
        test = node.test
        if isinstance(test, Compare):
            return self._compare(node, test)
        if isinstance(test, MemberAny):
            child = self.results[node.children[0]]
            lo = self._count(child.lo) > 0
            return _Tri(lo, None if child.known else self._count(child.hi) > 0)
        if isinstance(test, Flag):
            values, known = self.params.household(test.param)
            if isinstance(values, np.ndarray):
                return _tri(values.astype(bool, copy=False), known)
            return _Tri(np.full(self.n, bool(values)))
        if isinstance(test, Eligible):
            return self.results[node.children[0]]
        return self._combine(node)

    def _combine(self, node: Node) -> _Tri:
        """Not, at least, all of or any of the node's children (Kleene logic as bounds)."""
        test = node.test
        member = node.scope is Scope.MEMBER
        parts = [self._member(c) if member else self.results[c] for c in node.children]
        if isinstance(test, Not):
            part = parts[0]
            return _Tri(np.logical_not(part.hi), None if part.known else np.logical_not(part.lo))
        if isinstance(test, AtLeast):
            lo_count = np.sum([p.lo for p in parts], axis=0, dtype=np.int16)
            lo = np.asarray(lo_count >= test.k, dtype=bool)
            if all(p.known for p in parts):
                return _Tri(lo)
            hi_count = np.sum([p.hi for p in parts], axis=0, dtype=np.int16)
            return _Tri(lo, np.asarray(hi_count >= test.k, dtype=bool))
        combine = np.logical_and if isinstance(test, AllOf) else np.logical_or
        assert isinstance(test, (AllOf, AnyOf))  # noqa: S101 - the plan guarantees it
        lo = parts[0].lo
        for p in parts[1:]:
            lo = combine(lo, p.lo)
        if all(p.known for p in parts):
            return _Tri(lo)
        hi = parts[0].hi
        for p in parts[1:]:
            hi = combine(hi, p.hi)
        return _Tri(lo, hi)

    def _compare(self, node: Node, test: Compare) -> _Tri:
        left = test.left
        right = test.right
        scope = node.scope
        choices: tuple[str, ...] = ()
        if isinstance(left, Input):
            spec = input_spec(left.name)
            assert spec is not None  # noqa: S101 - checked at load
            column = self._column(spec)
            values, known = column.data, column.known
            choices = spec.choices
        elif isinstance(left, MemberCount):
            child = self.results[node.children[0]]
            values = self._count(child.lo)
            known = None if child.known else self._count(child.hi) == values
        else:
            values, known = self._member_sum(left)
        op = test.op
        if op not in _OPS:
            result, rhs_known = self._isin(values, right, scope, choices)
            if op == "not in":
                result = ~result
        elif isinstance(right, Param):
            rhs, rhs_known = self.params.get(right.name, scope, choices)
            result = _OPS[op](values, rhs)
        elif values.dtype == np.bool_ and op == "==" and right.value is True:
            result, rhs_known = values, None  # a yes/no column is its own test
        else:
            assert isinstance(right, Value)  # noqa: S101 - checked at load
            rhs = _code(right.value, choices) if choices else right.value
            rhs_known = None
            result = _OPS[op](values, rhs)
        return _tri(np.asarray(result, dtype=bool), _and_known(known, rhs_known))

    def _isin(
        self, values: Array, right: Param | Value, scope: Scope, choices: tuple[str, ...]
    ) -> tuple[BoolArray, BoolArray | None]:
        if isinstance(right, Value):
            listed = _code(right.value, choices) if choices else right.value
            return _member_of(values, tuple(listed), len(choices)), None  # type: ignore[arg-type]
        lists = self.params.per_chain(right.name, choices)
        if lists[0] is not None and all(v == lists[0] for v in lists):
            return _member_of(values, lists[0], len(choices)), None
        # A list that differs by region: one membership test per distinct region chain.
        chain = self.params.chain_per(scope)
        result = np.zeros(len(values), dtype=bool)
        known = np.ones(len(values), dtype=bool)
        for k, listed in enumerate(lists):
            rows = chain == k
            if listed is None:
                known[rows] = False
            else:
                result[rows] = _member_of(values[rows], listed, len(choices))
        return result, None if known.all() else known

    def _member_sum(self, left: MemberSum | PerCapita) -> tuple[Array, BoolArray | None]:
        spec = input_spec(left.input)
        assert spec is not None  # noqa: S101 - checked at load
        column = self._column(spec)
        values = column.data
        known = column.known
        weights = values if known is None else np.where(known, values, 0)
        total = np.bincount(self.household, weights=weights, minlength=self.n)
        known_h = None if known is None else self._count(~known) == 0
        if isinstance(left, MemberSum):
            return total, known_h
        size = self.population.size
        if size.min(initial=1) > 0:
            return total / size, known_h
        result = np.zeros(self.n, dtype=float)
        np.divide(total, size, out=result, where=size > 0)
        return result, _and_known(known_h, size > 0)

    def _column(self, spec: InputSpec) -> Column:
        found = self.columns.get(spec.name)
        if found is None:
            # an optional receives.<CODE> column: absent means nobody receives it
            found = Column(np.zeros(self.n, dtype=bool), None)
            self.columns[spec.name] = found
        return found

    # ---------------------------------------------------------------- benefits

    def root(self, code: str) -> tuple[BoolArray, Array]:
        """Eligible households and the status row of program *code*."""
        row = self.matrix[self.rows[self.plan.programs[code].root]]
        return row == 1, row

    def benefit(self, code: str, eligible: BoolArray) -> tuple[Array, BoolArray] | None:
        """The amount per household (0 when not eligible) and whether it is complete."""
        prog = self.plan.programs[code]
        rule = prog.program.benefit
        if isinstance(rule, FixedBenefit):
            amount, known = self.params.household(rule.amount)
            if rule.shared_by is not None:
                share, share_known = self.params.household(rule.shared_by)
                amount = np.asarray(amount, dtype=np.int64) // np.maximum(
                    np.asarray(share, dtype=np.int64), 1
                )
                if share_known is not None:
                    known = share_known if known is None else known & share_known
            paid = eligible if known is None else eligible & known
            amounts = np.where(paid, amount, 0).astype(np.int64)
            complete = np.ones(self.n, dtype=bool) if known is None else known | ~eligible
            return amounts, complete
        if not isinstance(rule, PerMemberBenefit):
            return None
        cap, cap_known = (None, None) if prog.cap is None else self.params.household(prog.cap)
        if cap is not None:
            cap = np.asarray(cap, dtype=np.int64)
            if cap_known is not None:
                cap = np.where(cap_known, cap, np.iinfo(np.int64).max)
        parts, missing = self._parts(prog.components)
        exact = all(tri.known for _, tri in parts)
        low = self._member_total(parts, cap, high=False)
        high = low if exact else self._member_total(parts, cap, high=True)
        complete = low == high
        if missing is not None:
            complete &= self._count(missing) == 0
        if cap_known is not None:
            complete &= cap_known
        return np.where(eligible, low, 0), complete | ~eligible

    def _parts(
        self, components: Sequence[tuple[int, str, str]]
    ) -> tuple[list[tuple[Any, _Tri]], BoolArray | None]:
        """(amount, outcome) of each component, and persons whose amount has no value."""
        parts = []
        missing: BoolArray | None = None
        for node_id, param, _ in components:
            tri = self.results[node_id]
            amount, known = self.params.person(param)
            if known is not None:
                gap = tri.hi & ~known
                missing = gap if missing is None else missing | gap
                amount = np.where(known, amount, 0)
            parts.append((amount, tri))
        return parts, missing

    def _member_total(self, parts: list[tuple[Any, _Tri]], cap: Any, *, high: bool) -> Array:
        """Per household, the sum of each member's highest amount (at most *cap* members).

        The amounts surely earned (*high* false) or possibly earned (*high* true).
        """
        if any(isinstance(amount, np.ndarray) for amount, _ in parts):
            return self._member_total_regional(parts, cap, high=high)
        # One amount per component everywhere: give each person the level of its highest
        # component, count members per level, and take levels from the top.
        levels = sorted({int(amount) for amount, _ in parts if amount > 0})
        if not levels:
            return np.zeros(self.n, dtype=np.int64)
        code = np.zeros(self.population.persons, dtype=np.int8)
        for amount, tri in sorted(parts, key=lambda p: p[0]):
            if amount > 0:
                np.putmask(code, tri.hi if high else tri.lo, levels.index(int(amount)) + 1)
        total = np.zeros(self.n, dtype=np.int64)
        remaining = None if cap is None else np.broadcast_to(cap, (self.n,)).copy()
        for k in range(len(levels), 0, -1):
            count = self._count(code == k) if len(levels) > 1 else self._count(code > 0)
            if remaining is not None:
                count = np.minimum(count, remaining)
                remaining -= count
            total += count * levels[k - 1]
        return total

    def _member_total_regional(
        self, parts: list[tuple[Any, _Tri]], cap: Any, *, high: bool
    ) -> Array:
        amount = np.zeros(self.population.persons, dtype=np.int64)
        for value, tri in parts:
            np.maximum(amount, np.where(tri.hi if high else tri.lo, value, 0), out=amount)
        rows = np.flatnonzero(amount > 0)
        owners = self.household[rows]
        values = amount[rows]
        total = np.bincount(owners, weights=values, minlength=self.n)
        if cap is not None:
            caps = np.broadcast_to(cap, (self.n,))
            over = np.bincount(owners, minlength=self.n) > caps
            chosen = over[owners]
            owners = owners[chosen]
            values = values[chosen]
            order = np.lexsort((-values, owners))
            owners = owners[order]
            values = values[order]
            starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1])))
            rank = np.arange(len(owners)) - np.repeat(
                starts, np.diff(np.append(starts, len(owners)))
            )
            keep = rank < caps[owners]
            capped = np.bincount(owners[keep], weights=values[keep], minlength=self.n)
            total = np.where(over, capped, total)
        return np.rint(total).astype(np.int64)

    # ---------------------------------------------------------------- one household

    def view(self, index: int, ho_row: Array) -> View:
        """The explainer's view of household *index* of this (one-household) run."""
        ho: list[Tri] = [None] * len(self.plan.nodes)
        for node_id, row in self.rows.items():
            value = int(ho_row[row])
            ho[node_id] = None if value < 0 else bool(value)
        mo: list[list[Tri] | None] = [None] * len(self.plan.nodes)
        for node in self.nodes:
            if node.scope is Scope.MEMBER:
                tri = self.results[node.id]
                lo = tri.lo.tolist()
                hi = tri.hi.tolist()
                mo[node.id] = [
                    True if a else (False if not b else None) for a, b in zip(lo, hi, strict=True)
                ]
        h: dict[str, Any] = {}
        mc: dict[str, list[Any]] = {}
        for name, column in self.columns.items():
            spec = input_spec(name)
            assert spec is not None  # noqa: S101 - columns are read for inputs
            values = _python(column, spec)
            if spec.scope is Scope.MEMBER:
                mc[name] = values
            else:
                h[name] = values[index]
        rows = np.arange(self.population.persons)
        resolved = self.rulebook.resolved(self.population.regions[0], self.on)
        return View(
            ho=ho,
            mo=mo,
            h=h,
            mc=mc,
            member_ids=self.population.member_ids(rows),
            values=resolved.values,
            used=resolved.used,
        )


def _python(column: Column, spec: InputSpec) -> list[Any]:
    values = column.data.tolist()
    known = [True] * len(values) if column.known is None else column.known.tolist()
    if spec.type is ValueType.TEXT:
        return [spec.choices[v] if k else None for v, k in zip(values, known, strict=True)]
    if spec.type is ValueType.BOOL:
        return [bool(v) if k else None for v, k in zip(values, known, strict=True)]
    return [
        (int(v) if float(v).is_integer() else v) if k else None
        for v, k in zip(values, known, strict=True)
    ]


def _member_of(values: Array, listed: tuple[Any, ...], choices: int) -> BoolArray:
    if choices:
        lookup = np.zeros(choices + 1, dtype=bool)
        lookup[list(listed)] = True
        return lookup[values]  # -1 (unknown) reads the last, False, slot
    result = np.zeros(len(values), dtype=bool)
    for item in listed:
        result |= values == item
    return result


def _write(row: Array, tri: _Tri) -> None:
    if tri.known:
        np.copyto(row, tri.lo.view(np.int8))
    else:
        np.subtract(tri.lo.view(np.int8), (tri.hi ^ tri.lo).view(np.int8), out=row)


def _last_uses(plan: Plan, nodes: Sequence[Node], codes: Sequence[str]) -> dict[int, int]:
    last: dict[int, int] = {}
    for step, node in enumerate(nodes):
        for child in node.children:
            last[child] = step
    end = len(nodes)
    for code in codes:
        for node_id, _, _ in plan.programs[code].components:
            last[node_id] = end
    return last


def _input_specs(plan: Plan, nodes: Sequence[Node], population: Population) -> list[InputSpec]:
    names: set[str] = set()
    for node in nodes:
        names.update(node.inputs)
        if isinstance(node.test, Compare) and isinstance(node.test.left, PerCapita):
            names.add("household_size")
    specs = []
    for name in sorted(names):
        spec = input_spec(name)
        assert spec is not None  # noqa: S101 - checked at load
        if name.startswith(RECEIVES_PREFIX) and not population.has_column(name, spec.scope):
            continue
        specs.append(spec)
    del plan
    return specs


class ScreenResult:
    """What :func:`screen` returns: per-program arrays and the criteria matrix.

    Attributes:
        population: the population screened.
        on: the evaluation date.
        programs: the program codes screened.
        criteria: the household criteria, in matrix column order.
        matrix: households x criteria, ``int8``: 1 true, 0 false, -1 unknown.
        status: per program, ``int8`` per household: 1 eligible, 0 not eligible,
            -1 needs verification.
        benefit: per program with an amount, ``int64`` Rupiah per household and period
            (0 when not eligible).
        benefit_complete: per program with an amount, whether no missing input could
            change the amount.

    .. versionadded:: 0.1.0
    """

    def __init__(self, run: _Run) -> None:
        self._run = run
        self.rulebook = run.rulebook
        self.population = run.population
        self.on = run.on
        self.programs = run.codes
        household_nodes = [n for n in run.nodes if n.scope is Scope.HOUSEHOLD]
        self.criteria: tuple[str, ...] = tuple(n.name for n in household_nodes)
        self.matrix = run.matrix.T
        self.status: dict[str, Array] = {}
        self.benefit: dict[str, Array] = {}
        self.benefit_complete: dict[str, Array] = {}
        needed: dict[int, int] = {}
        for code in run.codes:
            for node_id, _, _ in run.plan.programs[code].components:
                needed[node_id] = needed.get(node_id, 0) + 1
        for code in run.codes:
            eligible, row = run.root(code)
            self.status[code] = row
            found = run.benefit(code, eligible)
            if found is not None:
                self.benefit[code], self.benefit_complete[code] = found
            for node_id, _, _ in run.plan.programs[code].components:
                needed[node_id] -= 1
                if not needed[node_id] and not run.keep_members:
                    run.results.pop(node_id, None)
        if not run.keep_members:
            run.results.clear()

    def eligible(self, program: str) -> BoolArray:
        """Whether each household is eligible for *program*."""
        eligible: BoolArray = self.status[program] == 1
        return eligible

    def counts(self, program: str) -> dict[Status, int]:
        """How many households are eligible, not eligible, or need verification.

        Examples:
            >>> from datetime import date
            >>> import numpy as np
            >>> from slrt_core.rules import load_pack
            >>> pop = {"households": {"region": np.array(["33.74.01.1001"] * 2),
            ...                        "in_registry": np.array([True, False]),
            ...                        "decile": np.array([2, 7])},
            ...        "persons": {"household": np.array([0, 1])}}
            >>> r = screen(pop, on=date(2025, 3, 1), rulebook=load_pack(), programs=["SEMBAKO"])
            >>> r.counts("SEMBAKO")[Status.ELIGIBLE]
            1
        """
        row = self.status[program]
        return {
            Status.ELIGIBLE: int(np.count_nonzero(row == 1)),
            Status.NOT_ELIGIBLE: int(np.count_nonzero(row == 0)),
            Status.NEEDS_VERIFICATION: int(np.count_nonzero(row == -1)),
        }

    def column(self, criterion: str) -> Array:
        """The matrix column of *criterion* (1, 0, -1 per household)."""
        return self.matrix[:, self.criteria.index(criterion)]

    def decisions(self, index: int) -> dict[str, Decision]:
        """The decisions of household *index*, explained, as :func:`decide` gives them.

        Household criteria are read from the matrix row; member criteria are evaluated
        again for this household's members only.
        """
        run = self._run
        one = run.population.take(index)
        sub = _Run(run.rulebook, one, run.on, run.codes, keep_members=True)
        sub.run()
        view = sub.view(0, run.matrix[:, index])
        return decisions(run.plan, run.codes, view, on=run.on, region=one.regions[0])

    def decision(self, index: int, program: str) -> Decision:
        """The decision of household *index* on *program*, explained."""
        return self.decisions(index)[program]


def screen(
    population: Any,
    *,
    on: date,
    rulebook: Rulebook,
    programs: Iterable[str] | None = None,
) -> ScreenResult:
    """Screen a whole population for every program (or *programs*) at once.

    Args:
        population: a :class:`Population`, or ``{"households": ..., "persons": ...}``
            with tables as mappings of numpy arrays, pandas or polars DataFrames, or
            pyarrow Tables.
        on: the evaluation date.
        rulebook: the rules.
        programs: program codes to screen; default all.

    Returns:
        Per-program status and benefit arrays and the households x criteria matrix.

    Raises:
        InvalidInputError: malformed tables, or missing or mistyped columns (all named).

    Examples:
        >>> from datetime import date
        >>> import numpy as np
        >>> from slrt_core.rules import load_pack
        >>> pop = {"households": {"region": np.array(["33.74.01.1001", "33.74.01.1002"]),
        ...                        "in_registry": np.array([True, True]),
        ...                        "decile": np.array([3, 9])},
        ...        "persons": {"household": np.array([0, 0, 1]),
        ...                    "age": np.array([30, 2, 45]),
        ...                    "sex": np.array(["female", "male", "male"]),
        ...                    "pregnant": np.array([False, False, False]),
        ...                    "schooling": np.array(["not_in_school", "preschool", "sd"]),
        ...                    "disability": np.array(["none", "none", "none"])}}
        >>> result = screen(pop, on=date(2025, 3, 1), rulebook=load_pack(), programs=["PKH"])
        >>> result.status["PKH"].tolist(), result.benefit["PKH"].tolist()
        ([1, 0], [3000000, 0])
    """
    pop = as_population(population)
    codes = rulebook.select(programs)
    run = _Run(rulebook, pop, on, codes)
    run.run()
    return ScreenResult(run)
