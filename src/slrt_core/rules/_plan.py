"""The compiled form of a rulebook: criteria as numbered nodes in dependency order.

Both evaluators read the same plan, so they evaluate the same definitions. Each program
gets a root node ``<CODE>`` = all of: offered here and now (``<CODE>:offered``), its
eligibility criterion, and one node per overlap (``<CODE>:excludes:<OTHER>``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from slrt_core.rules._criteria import (
    AllOf,
    AnyOf,
    Compare,
    Criterion,
    Eligible,
    Flag,
    Input,
    MemberAny,
    Not,
    PerCapita,
    Test,
    Value,
    criterion_refs,
    input_refs,
    param_refs,
)
from slrt_core.rules._inputs import Scope, input_spec
from slrt_core.rules._programs import (
    FixedBenefit,
    OverlapKind,
    PerMemberBenefit,
    Program,
    offered_param,
)

__all__ = ["Node", "Plan", "ProgramPlan"]


@attrs.frozen(kw_only=True)
class Node:
    """One criterion, numbered; its children are numbered before it."""

    id: int
    name: str
    label_id: str
    label_en: str
    reference: str
    test: Test
    scope: Scope
    children: tuple[int, ...]
    params: tuple[str, ...]
    inputs: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ProgramPlan:
    """A program with the node ids of its root and benefit components."""

    program: Program
    root: int
    components: tuple[tuple[int, str, str], ...]
    """(member node id, amount parameter, criterion name) per component, in order."""
    cap: str | None
    amount: str | None


def program_synthetics(program: Program) -> list[Criterion]:
    """The criteria a program adds: offered here and now, overlaps, and its root."""
    code = program.code
    offered = Criterion(
        name=f"{code}:offered",
        test=Flag(offered_param(code)),
        label_id=f"{code} tersedia di wilayah ini pada tanggal ini",
        label_en=f"{code} is offered in this region on this date",
    )
    made: list[Criterion] = [offered]
    parts = [offered.name, program.eligibility]
    for overlap in program.overlaps:
        other = overlap.program
        receives = Criterion(
            name=f"receives.{other}",
            test=Compare(Input(f"receives.{other}"), "==", Value(value=True)),
            label_id=f"Sudah menerima {other}",
            label_en=f"Already receives {other}",
        )
        made.append(receives)
        if overlap.kind is OverlapKind.EXCLUDES:
            either = Criterion(
                name=f"{code}:{other}:receives_or_eligible",
                test=AnyOf((receives.name, f"{other}:eligible")),
                label_id=f"Menerima atau layak {other}",
                label_en=f"Receives or is eligible for {other}",
            )
            eligible = Criterion(
                name=f"{other}:eligible",
                test=Eligible(other),
                label_id=f"Layak {other}",
                label_en=f"Eligible for {other}",
            )
            made += [eligible, either]
            negated = either.name
            label = (
                f"Tidak layak dan tidak menerima {other}",
                f"Not eligible for nor receiving {other}",
            )
        else:
            negated = receives.name
            label = (
                f"Belum menerima {other} (bantuan yang sama)",
                f"Not already receiving {other} (same aid)",
            )
        excluded = Criterion(
            name=f"{code}:{overlap.kind}:{other}",
            test=Not(negated),
            label_id=label[0],
            label_en=label[1],
            reference=overlap.note,
        )
        made.append(excluded)
        parts.append(excluded.name)
    made.append(
        Criterion(
            name=code,
            test=AllOf(tuple(parts)),
            label_id=program.label_id,
            label_en=program.label_en,
            reference=program.reference,
        )
    )
    return made


class Plan:
    """Numbered nodes of every criterion and program, children first.

    Args:
        criteria: every criterion by name, including program synthetics.
        programs: every program by code.

    The definitions must already be valid (names resolve, no cycles).
    """

    def __init__(self, criteria: Mapping[str, Criterion], programs: Mapping[str, Program]) -> None:
        self._criteria = criteria
        self.nodes: list[Node] = []
        self.by_name: dict[str, int] = {}
        for name in criteria:
            self._visit(name)
        self.programs: dict[str, ProgramPlan] = {}
        for code, program in programs.items():
            benefit = program.benefit
            components: tuple[tuple[int, str, str], ...] = ()
            cap = amount = None
            if isinstance(benefit, PerMemberBenefit):
                components = tuple(
                    (self.by_name[c.criterion], c.amount, c.criterion) for c in benefit.components
                )
                cap = benefit.cap
            elif isinstance(benefit, FixedBenefit):
                amount = benefit.amount
            self.programs[code] = ProgramPlan(
                program=program,
                root=self.by_name[code],
                components=components,
                cap=cap,
                amount=amount,
            )
        self._closures: dict[tuple[str, ...], tuple[Node, ...]] = {}
        self.cache: dict[object, Any] = {}
        """Compiled forms of the plan (explainer specs), filled lazily."""

    def _child_names(self, test: Test) -> tuple[str, ...]:
        if isinstance(test, Eligible):
            return (test.program,)
        return criterion_refs(test)

    def _visit(self, name: str) -> int:
        found = self.by_name.get(name)
        if found is not None:
            return found
        criterion = self._criteria[name]
        test = criterion.test
        children = tuple(self._visit(child) for child in self._child_names(test))
        node = Node(
            id=len(self.nodes),
            name=name,
            label_id=criterion.label_id,
            label_en=criterion.label_en,
            reference=criterion.reference,
            test=test,
            scope=self._scope(test, children),
            children=children,
            params=param_refs(test),
            inputs=input_refs(test),
        )
        self.nodes.append(node)
        self.by_name[name] = node.id
        return node.id

    def _scope(self, test: Test, children: tuple[int, ...]) -> Scope:
        if isinstance(test, Compare):
            left = test.left
            if isinstance(left, Input):
                spec = input_spec(left.name)
                return spec.scope if spec is not None else Scope.HOUSEHOLD
            return Scope.HOUSEHOLD
        if isinstance(test, (MemberAny, Flag, Eligible)):
            return Scope.HOUSEHOLD
        scopes = {self.nodes[c].scope for c in children}
        return Scope.MEMBER if Scope.MEMBER in scopes else Scope.HOUSEHOLD

    def closure(self, codes: Iterable[str]) -> tuple[Node, ...]:
        """The nodes the programs *codes* need, children first."""
        key = tuple(codes)
        found = self._closures.get(key)
        if found is not None:
            return found
        needed: set[int] = set()
        stack = [self.programs[code].root for code in key]
        stack += [n for code in key for n, _, _ in self.programs[code].components]
        while stack:
            node_id = stack.pop()
            if node_id not in needed:
                needed.add(node_id)
                stack.extend(self.nodes[node_id].children)
        nodes = tuple(self.nodes[i] for i in sorted(needed))
        self._closures[key] = nodes
        return nodes

    def inputs(self, code: str) -> tuple[str, ...]:
        """Every input program *code* reads, sorted."""
        names: set[str] = set()
        for node in self.closure((code,)):
            names.update(node.inputs)
            test = node.test
            if isinstance(test, Compare) and isinstance(test.left, PerCapita):
                names.add("household_size")
        return tuple(sorted(names))
