"""From criterion outcomes to decisions: explanation trees, missing inputs, benefits.

Both evaluators end here. The scalar one hands over the outcomes it computed; the
vectorised one hands over a row of its households x criteria matrix (and the member
outcomes of that household). The same code then builds the :class:`Decision`, so a
decision explained from a screening is the decision :func:`decide` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

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
)
from slrt_core.rules._decision import (
    Benefit,
    BenefitLine,
    Decision,
    Explanation,
    Outcome,
    ParameterUsed,
    Period,
    Status,
)
from slrt_core.rules._inputs import Scope
from slrt_core.rules._plan import Node, Plan, ProgramPlan
from slrt_core.rules._programs import FixedBenefit, InKindBenefit, PerMemberBenefit

_new = object.__new__
_set = object.__setattr__
_MAX_CACHED = 10_000

__all__ = ["View", "decisions", "member_count", "member_sum", "per_capita", "text"]

Tri = bool | None
_OUTCOME = {True: Outcome.TRUE, False: Outcome.FALSE, None: Outcome.UNKNOWN}
_STATUS = {True: Status.ELIGIBLE, False: Status.NOT_ELIGIBLE, None: Status.NEEDS_VERIFICATION}


def text(value: object) -> str | None:
    """An input value as explanation text; ``None`` stays ``None`` (missing).

    Examples:
        >>> text(True), text(3), text(2.0), text(2.5), text("sd"), text(None)
        ('true', '3', '2', '2.5', 'sd', None)
    """
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def member_sum(values: Sequence[Any]) -> int | None:
    """The sum of member values, unknown when one is missing."""
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total


def per_capita(values: Sequence[Any]) -> float | None:
    """The member sum over the number of members, unknown when one is missing."""
    total = member_sum(values)
    if total is None or not values:
        return None
    return total / len(values)


def member_count(outcomes: Sequence[Tri]) -> int | None:
    """How many members are true, unknown when one is unknown."""
    count = 0
    for o in outcomes:
        if o is None:
            return None
        count += o
    return count


class View:
    """The outcomes and inputs of one household, as the explainer reads them.

    Attributes:
        ho: the outcome of each household node, by node id.
        mo: the outcomes of each member node per member, by node id.
        h: household input values by name.
        mc: member input values by name, one list entry per member.
        member_ids: the member ids, in member order.
        values: parameter values by name (``None`` when unresolved).
        used: parameter explanations by name (``None`` when unresolved).
    """

    __slots__ = ("h", "ho", "mc", "member_ids", "mo", "used", "values")

    def __init__(
        self,
        *,
        ho: Sequence[Tri],
        mo: Sequence[Sequence[Tri] | None],
        h: Mapping[str, Any],
        mc: Mapping[str, Sequence[Any]],
        member_ids: Sequence[str],
        values: Mapping[str, Any],
        used: Mapping[str, ParameterUsed | None],
    ) -> None:
        self.ho = ho
        self.mo = mo
        self.h = h
        self.mc = mc
        self.member_ids = member_ids
        self.values = values
        self.used = used


_EMPTY: Mapping[str, str | None] = {}
_NO_MEMBERS: Mapping[str, Outcome] = {}


class _Spec:
    """What the explainer needs of one node, worked out once per plan."""

    __slots__ = ("children", "count", "flag", "input", "kind", "labels", "member", "params")

    def __init__(self, node: Node) -> None:
        self.labels = (node.name, node.label_id, node.label_en, node.reference)
        self.flag = isinstance(node.test, Flag)
        self.member = node.scope is Scope.MEMBER
        self.params = node.params
        self.children = node.children
        self.kind = ""
        self.input = ""
        self.count = -1
        test = node.test
        if isinstance(test, Compare):
            left = test.left
            if isinstance(left, Input):
                self.kind = "member" if self.member else "household"
                self.input = left.name
            elif isinstance(left, MemberCount):
                self.kind = "count"
                self.input = left.criterion
                self.count = node.children[0]
            else:
                self.kind = "per_capita" if isinstance(left, PerCapita) else "sum"
                self.input = left.input


def _specs(plan: Plan) -> tuple[_Spec, ...]:
    found = plan.cache.get("explain")
    if found is None:
        found = tuple(_Spec(node) for node in plan.nodes)
        plan.cache["explain"] = found
    specs: tuple[_Spec, ...] = found
    return specs


def _flag_cache(plan: Plan) -> dict[tuple[int, ParameterUsed | None], Explanation]:
    found = plan.cache.get("flags")
    if found is None or len(found) > _MAX_CACHED:
        found = {}
        plan.cache["flags"] = found
    cache: dict[tuple[int, ParameterUsed | None], Explanation] = found
    return cache


Builder = Callable[["_Explainer", View, list[Explanation | None]], None]


def _node_lines(spec: _Spec, i: int, constants: list[Any]) -> list[str]:
    """The generated lines that build the explanation ``e<i>`` of node *i*."""
    constants.append(spec.labels)
    labels = f"K[{len(constants) - 1}]"
    constants.append(spec)
    spec_ref = f"K[{len(constants) - 1}]"
    lines: list[str] = []
    used = "()"
    if spec.params:  # a test reads at most one parameter (a comparison's right, a flag)
        lines.append(f"u = used[{spec.params[0]!r}]")
        used = "() if u is None else (u,)"
    indent = ""
    if spec.flag:  # no input: shared between households with the same parameter value
        lines += [f"e{i} = flags.get(({i}, u))", f"if e{i} is None:"]
        indent = "    "
    if spec.member:
        lines.append(f"{indent}o = tuple(mo[{i}])")
        outcome = "TRUE if True in o else (UNKNOWN if None in o else FALSE)"
        member_map = "members(o)"
        shown = f"texts({spec.input!r})" if spec.kind else "EMPTY"
    else:
        outcome = f"OUTCOME[ho[{i}]]"
        member_map = "NO_MEMBERS"
        if spec.kind == "household":
            shown = f"{{{spec.input!r}: text(h[{spec.input!r}])}}"
        else:
            shown = f"inputs({spec_ref})" if spec.kind else "EMPTY"
    children = "".join(f"e{c}, " for c in spec.children)
    record = (
        f"{{'criterion': {labels}[0], 'label_id': {labels}[1], 'label_en': {labels}[2], "
        f"'outcome': {outcome}, 'reference': {labels}[3], 'inputs': {shown}, "
        f"'members': {member_map}, 'parameters': {used}, 'children': ({children})}}"
    )
    lines += [f"{indent}e{i} = new(Explanation)", f"{indent}put(e{i}, '__dict__', {record})"]
    if spec.flag:
        lines.append(f"    flags[{i}, u] = e{i}")
    return lines


_PROLOGUE = [
    "h = view.h",
    "ho = view.ho",
    "mo = view.mo",
    "used = view.used",
    "texts = explainer._member_texts",
    "inputs = explainer._inputs",
    "members = explainer.members",
    "flags = flag_cache(plan)",
]


def _builder(plan: Plan, nodes: tuple[Node, ...]) -> Builder:
    """The explanation builder of *nodes*: generated straight-line code, once per plan.

    Each node becomes a few lines that make its :class:`Explanation` (without running
    the validating ``__init__``: the evaluators' fast path) from the view's outcomes,
    inputs and parameters. Only validated names go into the source; labels are passed
    in a constants tuple.
    """
    key = ("builder", id(nodes))
    found = plan.cache.get(key)
    if found is not None and found[0] is nodes:
        builder: Builder = found[1]
        return builder
    specs = _specs(plan)
    constants: list[Any] = []
    lines = list(_PROLOGUE)
    roots = {prog.root for prog in plan.programs.values()}
    for node in nodes:
        lines += _node_lines(specs[node.id], node.id, constants)
        if node.id in roots:
            lines.append(f"built[{node.id}] = e{node.id}")
    body = "\n    ".join(lines)
    source = f"def build(explainer, view, built):\n    {body}\n"
    scope: dict[str, Any] = {
        "K": tuple(constants),
        "plan": plan,
        "flag_cache": _flag_cache,
        "new": _new,
        "put": _set,
        "Explanation": Explanation,
        "OUTCOME": _OUTCOME,
        "TRUE": Outcome.TRUE,
        "FALSE": Outcome.FALSE,
        "UNKNOWN": Outcome.UNKNOWN,
        "EMPTY": _EMPTY,
        "NO_MEMBERS": _NO_MEMBERS,
        "text": text,
    }
    exec(compile(source, "<slrt_core.rules explanations>", "exec"), scope)  # noqa: S102 - generated from validated names
    builder = scope["build"]
    plan.cache[key] = (nodes, builder)
    return builder


class _Explainer:
    """Builds the explanation nodes of one household, each node once."""

    def __init__(self, plan: Plan, view: View) -> None:
        self.plan = plan
        self.specs = _specs(plan)
        self.view = view
        self.built: list[Explanation | None] = [None] * len(plan.nodes)
        self._texts: dict[str, dict[str, str | None]] = {}
        self._members: dict[tuple[Tri, ...], Mapping[str, Outcome]] = {}

    def _member_texts(self, name: str) -> dict[str, str | None]:
        found = self._texts.get(name)
        if found is None:
            found = {
                f"members[{mid}].{name}": text(v)
                for mid, v in zip(self.view.member_ids, self.view.mc[name], strict=True)
            }
            self._texts[name] = found
        return found

    def _inputs(self, spec: _Spec) -> Mapping[str, str | None]:
        """The inputs of a member aggregate: its value, and each member's."""
        kind = spec.kind
        view = self.view
        name = spec.input
        if kind == "count":
            return {f"count({name})": text(member_count(view.mo[spec.count] or ()))}
        values = view.mc[name]
        shown: dict[str, str | None]
        if kind == "per_capita":
            shown = {f"per_capita({name})": text(per_capita(values))}
        else:
            shown = {f"sum({name})": text(member_sum(values))}
        shown.update(self._member_texts(name))
        return shown

    def build(self, nodes: tuple[Node, ...]) -> None:
        """Build the explanation of every node of *nodes* (children first)."""
        _builder(self.plan, nodes)(self, self.view, self.built)

    def members(self, outcomes: tuple[Tri, ...]) -> Mapping[str, Outcome]:
        """The outcome of each member, shared by nodes with the same outcomes."""
        found = self._members.get(outcomes)
        if found is None:
            ids = self.view.member_ids
            found = {mid: _OUTCOME[o] for mid, o in zip(ids, outcomes, strict=True)}
            self._members[outcomes] = found
        return found

    def missing(self, node_id: int, j: int | None, found: set[str]) -> None:
        node = self.plan.nodes[node_id]
        view = self.view
        if j is not None and node.scope is Scope.MEMBER:
            outcomes = view.mo[node_id]
            if outcomes is None or outcomes[j] is not None:
                return
        elif node.scope is Scope.MEMBER or view.ho[node_id] is not None:
            return
        test = node.test
        if isinstance(test, Compare):
            self._compare_missing(node, test, j, found)
        elif isinstance(test, (AllOf, AnyOf, AtLeast, Not)):
            for child in node.children:
                member = self.plan.nodes[child].scope is Scope.MEMBER
                self.missing(child, j if member else None, found)
        elif isinstance(test, MemberAny):
            self._members_missing(node.children[0], found)
        elif isinstance(test, Flag):
            found.add(f"parameters.{test.param}")
        elif isinstance(test, Eligible):
            self.missing(node.children[0], None, found)

    def _members_missing(self, child: int, found: set[str]) -> None:
        for k, o in enumerate(self.view.mo[child] or ()):
            if o is None:
                self.missing(child, k, found)

    def _compare_missing(self, node: Node, test: Compare, j: int | None, found: set[str]) -> None:
        view = self.view
        if isinstance(test.right, Param) and view.values[test.right.name] is None:
            found.add(f"parameters.{test.right.name}")
        left = test.left
        if isinstance(left, Input):
            if j is None:
                if view.h[left.name] is None:
                    found.add(left.name)
            elif view.mc[left.name][j] is None:
                found.add(f"members[{view.member_ids[j]}].{left.name}")
        elif isinstance(left, (MemberSum, PerCapita)):
            for mid, v in zip(view.member_ids, view.mc[left.input], strict=True):
                if v is None:
                    found.add(f"members[{mid}].{left.input}")
        elif isinstance(left, MemberCount):
            self._members_missing(node.children[0], found)


def _benefit(**fields: Any) -> Benefit:
    """A :class:`Benefit` built without validation (the evaluators' fast path)."""
    made: Benefit = _new(Benefit)
    _set(made, "__dict__", {**_BENEFIT_DEFAULTS, **fields})
    return made


def _line(component: str, member_id: str, amount: int) -> BenefitLine:
    made: BenefitLine = _new(BenefitLine)
    _set(made, "__dict__", {"component": component, "member_id": member_id, "amount": amount})
    return made


_BENEFIT_DEFAULTS: dict[str, Any] = {
    "amount": None,
    "period": None,
    "unit": "household",
    "complete": True,
    "uncertain": False,
    "lines": (),
    "description_id": "",
    "description_en": "",
}


def benefit(plan: Plan, prog: ProgramPlan, view: View) -> Benefit:
    """The benefit of an eligible household under program *prog*.

    A benefit that reads no member (in kind, or a fixed amount) is the same for every
    household with the same parameter value: it is made once and shared (immutable).
    """
    rule = prog.program.benefit
    if isinstance(rule, PerMemberBenefit):
        return _member_benefit(prog, rule.period, view)
    used = view.used[rule.amount] if isinstance(rule, FixedBenefit) else None
    shared = (
        view.used[rule.shared_by] if isinstance(rule, FixedBenefit) and rule.shared_by else None
    )
    key = ("benefit", prog.root, used, shared)
    found: Benefit | None = plan.cache.get(key)
    if found is not None:
        return found
    if isinstance(rule, InKindBenefit):
        found = _benefit(description_id=rule.description_id, description_en=rule.description_en)
    else:
        amount = view.values[rule.amount]
        share = 1 if rule.shared_by is None else view.values[rule.shared_by]
        known = amount is not None and share is not None
        paid = int(amount) // int(share) if known else 0
        found = _benefit(
            amount=paid,
            period=rule.period,
            unit="household" if rule.shared_by else rule.unit,
            complete=known,
            uncertain=_uncertain(used) or _uncertain(shared),
            lines=(_line(prog.program.code, "", paid),),
        )
    plan.cache[key] = found
    return found


def _member_amounts(
    parts: list[tuple[Sequence[Tri], int, str, str]], members: int
) -> tuple[list[tuple[int, int, str, str]], list[int]]:
    """Each member's highest sure component, and highest possible amount.

    A sure component is ``(-amount, member index, criterion name, parameter name)``.
    """
    lows: list[tuple[int, int, str, str]] = []
    highs: list[int] = []
    for j in range(members):
        low = high = 0
        low_name = low_param = ""
        for outcomes, amount, name, param in parts:
            outcome = outcomes[j]
            if outcome is False:
                continue
            high = max(high, amount)
            if outcome and amount > low:
                low, low_name, low_param = amount, name, param
        if low:
            lows.append((-low, j, low_name, low_param))
        if high:
            highs.append(high)
    return lows, highs


def _member_benefit(prog: ProgramPlan, period: Period, view: View) -> Benefit:
    """Each member's highest component; the *cap* highest members count."""
    values = view.values
    complete = True
    parts = []
    for node_id, param, name in prog.components:
        amount = values[param]
        outcomes = view.mo[node_id] or ()
        if amount is None:
            complete = complete and all(o is False for o in outcomes)
        else:
            parts.append((outcomes, amount, name, param))
    lows, highs = _member_amounts(parts, len(view.member_ids))
    cap = None if prog.cap is None else values[prog.cap]
    if prog.cap is not None and cap is None:
        complete = False
    lows.sort()
    highs.sort(reverse=True)
    chosen = lows if cap is None else lows[: int(cap)]
    total = -sum(c[0] for c in chosen)
    complete = complete and sum(highs if cap is None else highs[: int(cap)]) == total
    used = view.used
    uncertain = any(_uncertain(used[c[3]]) for c in chosen)
    if prog.cap is not None and cap is not None and len(lows) > int(cap):
        uncertain = uncertain or _uncertain(used[prog.cap])
    ids = view.member_ids
    return _benefit(
        amount=total,
        period=period,
        complete=complete,
        uncertain=uncertain,
        lines=tuple(_line(c[2], ids[c[1]], -c[0]) for c in sorted(chosen, key=lambda c: c[1])),
    )


def _uncertain(used: ParameterUsed | None) -> bool:
    return used is not None and used.uncertain


def decisions(
    plan: Plan, codes: Sequence[str], view: View, *, on: date, region: str
) -> dict[str, Decision]:
    """The decision on each program *codes* from one household's outcomes."""
    explainer = _Explainer(plan, view)
    explainer.build(plan.closure(tuple(codes)))
    built = explainer.built
    made: dict[str, Decision] = {}
    for code in codes:
        prog = plan.programs[code]
        root = prog.root
        outcome = view.ho[root]
        missing: tuple[str, ...] = ()
        if outcome is None:
            found: set[str] = set()
            explainer.missing(root, None, found)
            missing = tuple(sorted(found))
        program = prog.program
        decision: Decision = _new(Decision)
        _set(
            decision,
            "__dict__",
            {
                "program": code,
                "label_id": program.label_id,
                "label_en": program.label_en,
                "status": _STATUS[outcome],
                "benefit": benefit(plan, prog, view) if outcome else None,
                "missing": missing,
                "explanation": built[root],
                "on": on,
                "region": region,
            },
        )
        made[code] = decision
    return made
