"""The scalar evaluator: one household, every criterion, a full explanation.

The plan is compiled once per rulebook and set of programs into one straight-line Python
function (generated source, then ``compile``): each criterion becomes one or two lines
with plain Python operators, in dependency order, so each is evaluated once even when
programs share it. Deciding runs that function and hands the outcomes to the explainer,
the code the vectorised evaluator uses too.

Only validated names go into the generated source (``repr`` of them); literal values are
passed in a constants tuple, never formatted into code.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from slrt_core.household import Household
from slrt_core.rules._criteria import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Eligible,
    Flag,
    Input,
    MemberAny,
    MemberSum,
    Not,
    Param,
    PerCapita,
    Value,
)
from slrt_core.rules._decision import Decision
from slrt_core.rules._explain import View, decisions, member_count, member_sum, per_capita
from slrt_core.rules._inputs import Scope, household_getter, input_spec, member_column
from slrt_core.rules._plan import Node, Plan
from slrt_core.rules._rulebook import Rulebook

__all__ = ["decide"]

Tri = bool | None
Run = Callable[
    [dict[str, Any], dict[str, Any], dict[str, list[Any]], int], tuple[list[Any], list[Any]]
]


def _at_least(k: int, values: Iterable[Tri]) -> Tri:
    true = unknown = 0
    for v in values:
        if v is None:
            unknown += 1
        elif v:
            true += 1
    if true >= k:
        return True
    return False if true + unknown < k else None


_ALL = "False if False in {t} else (None if None in {t} else True)"
_ANY = "True if True in {t} else (None if None in {t} else False)"


class _Source:
    """The generated function, line by line."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.lines: list[str] = []
        self.constants: list[Any] = []

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def right(self, test: Compare) -> tuple[str, bool]:
        """The right side as an expression, and whether it may be ``None``."""
        right = test.right
        if isinstance(right, Param):
            return f"p[{right.name!r}]", True
        assert isinstance(right, Value)  # noqa: S101 - checked at load
        return self.constant(right.value), False

    def member(self, child: int) -> str:
        """A child's outcomes per member (a household child is repeated)."""
        if self.plan.nodes[child].scope is Scope.MEMBER:
            return f"mo[{child}]"
        return f"repeat(ho[{child}], n)"

    def node(self, node: Node) -> None:
        i = node.id
        test = node.test
        out = f"mo[{i}]" if node.scope is Scope.MEMBER else f"ho[{i}]"
        add = self.lines.append
        if isinstance(test, Compare):
            self.compare(node, test, out)
        elif isinstance(test, MemberAny):
            add(f"m = mo[{node.children[0]}]")
            add(f"{out} = {_ANY.format(t='m')}")
        elif isinstance(test, Flag):
            add(f"x = p[{test.param!r}]")
            add(f"{out} = None if x is None else bool(x)")
        elif isinstance(test, Eligible):
            add(f"{out} = ho[{node.children[0]}]")
        elif node.scope is Scope.MEMBER:
            self.member_combination(node, out)
        else:
            self.household_combination(node, out)

    def compare(self, node: Node, test: Compare, out: str) -> None:
        add = self.lines.append
        right, may_be_none = self.right(test)
        op = test.op
        left = test.left
        if node.scope is Scope.MEMBER:
            assert isinstance(left, Input)  # noqa: S101 - member compares read an input
            add(f"b = {right}")
            each = f"[None if a is None else a {op} b for a in mc[{left.name!r}]]"
            add(
                f"{out} = [None] * n if b is None else {each}" if may_be_none else f"{out} = {each}"
            )
            return
        if isinstance(left, Input):
            add(f"a = h[{left.name!r}]")
        elif isinstance(left, MemberSum):
            add(f"a = member_sum(mc[{left.input!r}])")
        elif isinstance(left, PerCapita):
            add(f"a = per_capita(mc[{left.input!r}])")
        else:
            add(f"a = member_count(mo[{node.children[0]}])")
        add(f"b = {right}")
        unknown = "a is None or b is None" if may_be_none else "a is None"
        add(f"{out} = None if {unknown} else a {op} b")

    def household_combination(self, node: Node, out: str) -> None:
        add = self.lines.append
        test = node.test
        parts = ", ".join(f"ho[{c}]" for c in node.children)
        if isinstance(test, Not):
            add(f"x = ho[{node.children[0]}]")
            add(f"{out} = None if x is None else not x")
        elif isinstance(test, AtLeast):
            add(f"{out} = at_least({test.k}, ({parts},))")
        else:
            add(f"t = ({parts},)")
            add(f"{out} = {(_ALL if isinstance(test, AllOf) else _ANY).format(t='t')}")

    def member_combination(self, node: Node, out: str) -> None:
        add = self.lines.append
        test = node.test
        if isinstance(test, Not):  # a member Not has a member child (its scope is the child's)
            add(f"{out} = [None if x is None else not x for x in mo[{node.children[0]}]]")
            return
        parts = ", ".join(self.member(c) for c in node.children)
        if isinstance(test, AtLeast):
            add(f"{out} = [at_least({test.k}, t) for t in zip({parts})]")
        else:
            assert isinstance(test, (AllOf, AnyOf))  # noqa: S101 - the plan guarantees it
            each = (_ALL if isinstance(test, AllOf) else _ANY).format(t="t")
            add(f"{out} = [{each} for t in zip({parts})]")

    def compile(self, nodes: tuple[Node, ...]) -> Run:
        for node in nodes:
            self.node(node)
        size = len(self.plan.nodes)
        body = "\n    ".join(
            [f"ho = [None] * {size}", f"mo = [None] * {size}", *self.lines, "return ho, mo"]
        )
        source = f"def run(p, h, mc, n):\n    {body}\n"
        scope: dict[str, Any] = {
            "K": tuple(self.constants),
            "repeat": itertools.repeat,
            "at_least": _at_least,
            "member_sum": member_sum,
            "per_capita": per_capita,
            "member_count": member_count,
        }
        exec(compile(source, "<slrt_core.rules plan>", "exec"), scope)  # noqa: S102 - generated from validated names
        run: Run = scope["run"]
        return run


class _Compiled:
    """The generated functions of a plan, with the inputs they read."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        household_inputs: set[str] = set()
        member_inputs: set[str] = set()
        for node in plan.nodes:
            for name in (*node.inputs, "household_size"):
                spec = input_spec(name)
                if spec is not None:
                    (member_inputs if spec.scope is Scope.MEMBER else household_inputs).add(name)
        self.household_getters = tuple((n, household_getter(n)) for n in sorted(household_inputs))
        self.member_columns = tuple((n, member_column(n)) for n in sorted(member_inputs))
        self.runs: dict[tuple[str, ...], Run] = {}

    def run_for(self, codes: tuple[str, ...]) -> Run:
        found = self.runs.get(codes)
        if found is None:
            found = _Source(self.plan).compile(self.plan.closure(codes))
            self.runs[codes] = found
        return found


def _compiled(rulebook: Rulebook) -> _Compiled:
    found = rulebook.cache.get(_Compiled)
    if found is None:
        found = _Compiled(rulebook.plan)
        rulebook.cache[_Compiled] = found
    assert isinstance(found, _Compiled)  # noqa: S101 - only this module writes the key
    return found


def evaluate(rulebook: Rulebook, household: Household, on: date, codes: tuple[str, ...]) -> View:
    """Every needed criterion's outcome for *household* on *on*."""
    compiled = _compiled(rulebook)
    resolved = rulebook.resolved(household.region.code, on)
    members = household.members
    h = {name: get(household) for name, get in compiled.household_getters}
    mc = {name: column(members, on) for name, column in compiled.member_columns}
    ho, mo = compiled.run_for(codes)(resolved.values, h, mc, len(members))
    return View(
        ho=ho,
        mo=mo,
        h=h,
        mc=mc,
        member_ids=[p.member_id for p in members],
        values=resolved.values,
        used=resolved.used,
    )


def decide(
    household: Household,
    *,
    on: date,
    rulebook: Rulebook,
    programs: Iterable[str] | None = None,
) -> dict[str, Decision]:
    """Decide every program (or *programs*) for one household, with explanations.

    A missing input makes the criteria that read it unknown; a program whose decision
    depends on it is ``NEEDS_VERIFICATION``, and :attr:`Decision.missing` lists what to
    collect. Parameters are those of the household's region on *on*.

    Args:
        household: the household.
        on: the evaluation date (ages and parameter values are taken on it).
        rulebook: the rules.
        programs: program codes to decide; default all.

    Returns:
        The decision per program code, in rulebook order.

    Raises:
        InvalidInputError: an unknown program code, or a birth date after *on*.

    Examples:
        >>> from datetime import date
        >>> from slrt_core.household import Household, Person, RegistryStatus, Relationship
        >>> from slrt_core.identity import RegionCode, Sex
        >>> from slrt_core.rules import load_pack
        >>> mother = Person(member_id="m1", relationship=Relationship.HEAD,
        ...                 birth_date=date(1992, 4, 1), sex=Sex.FEMALE, pregnant=True)
        >>> hh = Household(region=RegionCode("33.74.01.1001"), members=(mother,),
        ...                registry=RegistryStatus(in_registry=True, decile=2))
        >>> pkh = decide(hh, on=date(2025, 3, 1), rulebook=load_pack(), programs=["PKH"])["PKH"]
        >>> pkh.status.value, pkh.benefit.amount
        ('eligible', 3000000)
    """
    from slrt_core.errors import InvalidInputError  # noqa: PLC0415 - error path only

    codes = rulebook.select(programs)
    problems = household.problems_on(on)
    if problems:
        raise InvalidInputError(problems, subject="the household")
    view = evaluate(rulebook, household, on, codes)
    return decisions(rulebook.plan, codes, view, on=on, region=household.region.code)
