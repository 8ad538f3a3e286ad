"""Rulebook build: criterion tests, the types they compare and dependency cycles checked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from slrt_core.rules._build_state import BuildState, Source, input_names, offered_program
from slrt_core.rules._criteria import (
    LIST_OPS,
    OPS,
    ORDER_OPS,
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Criterion,
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
    criterion_refs,
)
from slrt_core.rules._inputs import Scope, ValueType, input_spec, type_of

__all__ = ["Criteria"]


class Criteria(BuildState):
    """Checks each criterion's test: references, scopes, operand types, cycles."""

    def _check_test(self, name: str, test: object) -> None:
        source = self.sources[f"criteria.{name}"]
        path = f"criteria.{name}"
        if isinstance(test, Compare):
            self._check_compare(source, path, test)
        elif isinstance(test, (AllOf, AnyOf, AtLeast)):
            self._check_combination(source, path, name, test)
        elif isinstance(test, (Not, MemberAny)):
            if self._check_ref(source, f"{path}.criterion", test.criterion) and isinstance(
                test, MemberAny
            ):
                self._need_member(source, f"{path}.criterion", test.criterion)
        elif isinstance(test, Flag):
            self._check_flag(source, path, test)
        elif isinstance(test, Eligible):
            if test.program not in self.programs:
                self._unknown(source, f"{path}.program", "program", test.program, self.programs)
        else:
            self._problem(
                source,
                path,
                f"Unknown test {test!r}; use Compare, AllOf, AnyOf, Not, AtLeast, MemberAny, "
                "Flag or Eligible.",
                f"Uji `{test}` tidak dikenal; gunakan `Compare`, `AllOf`, `AnyOf`, `Not`, "
                "`AtLeast`, `MemberAny`, `Flag` atau `Eligible`.",
            )

    def _check_combination(
        self, source: Source, path: str, name: str, test: AllOf | AnyOf | AtLeast
    ) -> None:
        if not test.criteria:
            self._problem(
                source,
                path,
                f"{name!r} combines no criteria; list at least one.",
                f"{name!r} tidak menggabungkan kriteria apa pun; sebutkan paling sedikit satu.",
            )
        for i, ref in enumerate(test.criteria):
            self._check_ref(source, f"{path}.criteria[{i}]", ref)
        if isinstance(test, AtLeast) and not 1 <= test.k <= len(test.criteria):
            self._problem(
                source,
                f"{path}.k",
                f"at_least needs k between 1 and {len(test.criteria)} (the number of "
                f"criteria); got {test.k}.",
                f"at_least memerlukan k antara 1 dan {len(test.criteria)} (jumlah "
                f"kriteria); diterima {test.k}.",
            )

    def _check_flag(self, source: Source, path: str, test: Flag) -> None:
        param = self.parameters.get(test.param)
        if param is None and offered_program(test.param) not in self.programs:
            self._unknown(source, f"{path}.param", "parameter", test.param, self.parameters)
        elif param is not None and param.type is not ValueType.BOOL:
            self._problem(
                source,
                f"{path}.param",
                f"A flag needs a bool parameter; {test.param!r} is {param.type}.",
                f"Flag memerlukan parameter bool; {test.param!r} bertipe {param.type}.",
            )

    def _check_ref(self, source: Source, path: str, ref: str) -> bool:
        if ref not in self.criteria:
            self._unknown(source, path, "criterion", ref, self.criteria)
            return False
        return True

    def _need_member(self, source: Source, path: str, ref: str) -> None:
        if self._scope(ref) is not Scope.MEMBER:
            self._problem(
                source,
                path,
                f"{ref!r} is about the household, but a member aggregate needs a member "
                "criterion (one that reads a member input such as age).",
                f"{ref!r} tentang rumah tangga, padahal agregat anggota memerlukan kriteria "
                "anggota (yang membaca masukan anggota seperti umur).",
            )

    def _check_compare(self, source: Source, path: str, test: Compare) -> None:
        left_type, choices = self._left_type(source, path, test.left)
        if test.op not in OPS:
            self._problem(
                source,
                f"{path}.op",
                f"Unknown operator {test.op!r}; use one of {', '.join(OPS)}.",
                f"Operator {test.op!r} tidak dikenal; gunakan salah satu dari {', '.join(OPS)}.",
            )
            return
        right: object = test.right  # Python callers may pass anything
        right_values: list[object] = []
        if isinstance(right, Param):
            param = self.parameters.get(right.name)
            if param is None:
                self._unknown(source, f"{path}.param", "parameter", right.name, self.parameters)
                return
            right_type: ValueType | None = param.type
            right_values = [
                e.value
                for region in self.table.regions(right.name)
                for e in self.table.entries(right.name, region)
            ]
        elif isinstance(right, Value):
            right_type = type_of(right.value)
            right_values = [right.value]
        else:
            self._problem(
                source,
                f"{path}.right",
                "The right side of a comparison must be a Param or a Value.",
                "Sisi kanan perbandingan harus Param atau Value.",
            )
            return
        if left_type is None:
            return
        self._check_types(source, path, test.op, left_type, right_type, choices, right_values)

    def _left_type(
        self, source: Source, path: str, left: object
    ) -> tuple[ValueType | None, tuple[str, ...]]:
        if isinstance(left, Input):
            spec = input_spec(left.name)
            if spec is None:
                self._unknown(source, f"{path}.input", "input", left.name, input_names())
                return None, ()
            return spec.type, spec.choices
        if isinstance(left, (MemberSum, PerCapita)):
            spec = input_spec(left.input)
            if spec is None:
                self._unknown(source, f"{path}.input", "input", left.input, input_names())
            elif spec.scope is not Scope.MEMBER or spec.type is not ValueType.INT:
                self._problem(
                    source,
                    f"{path}.input",
                    f"Sums over members need an int member input such as monthly_income; "
                    f"{left.input!r} is a {spec.type} {spec.scope} input.",
                    f"Jumlah atas anggota memerlukan masukan anggota bertipe int seperti "
                    f"monthly_income; {left.input!r} masukan {spec.scope} bertipe {spec.type}.",
                )
            return ValueType.INT, ()
        if isinstance(left, MemberCount):
            if self._check_ref(source, f"{path}.criterion", left.criterion):
                self._need_member(source, f"{path}.criterion", left.criterion)
            return ValueType.INT, ()
        self._problem(
            source,
            f"{path}.left",
            "The left side of a comparison must be an Input, MemberSum, PerCapita or MemberCount.",
            "Sisi kiri perbandingan harus Input, MemberSum, PerCapita atau MemberCount.",
        )
        return None, ()

    def _check_types(
        self,
        source: Source,
        path: str,
        op: str,
        left: ValueType,
        right: ValueType | None,
        choices: tuple[str, ...],
        right_values: list[object],
    ) -> None:
        if op in LIST_OPS:
            wanted = {ValueType.INT: ValueType.INT_LIST, ValueType.TEXT: ValueType.TEXT_LIST}.get(
                left
            )
        elif op in ORDER_OPS:
            wanted = ValueType.INT if left is ValueType.INT else None
        else:
            wanted = left
        if wanted is None or right is not wanted:
            self._problem(
                source,
                path,
                f"Cannot compare a {left.value} with {op!r} against "
                f"{right.value if right else 'that value'}. " + type_hint(left, op),
                f"Tidak dapat membandingkan {left.value} dengan {op!r} terhadap "
                f"{right.value if right else 'nilai itu'}. " + type_hint(left, op, "id"),
            )
            return
        if choices:
            bad = sorted(
                {
                    str(v)
                    for value in right_values
                    for v in (value if isinstance(value, tuple) else (value,))
                    if v not in choices
                }
            )
            if bad:
                self._problem(
                    source,
                    path,
                    f"{', '.join(bad)} is not a possible value here; use one of "
                    f"{', '.join(choices)}.",
                    f"{', '.join(bad)} bukan nilai yang mungkin di sini; gunakan salah satu "
                    f"dari {', '.join(choices)}.",
                )

    def _check_cycles(self, everything: Mapping[str, Criterion]) -> None:
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()

        def children(name: str) -> tuple[str, ...]:
            test = everything[name].test
            refs = (test.program,) if isinstance(test, Eligible) else criterion_refs(test)
            return tuple(r for r in refs if r in everything)

        for start in everything:
            if state.get(start):
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(children(start)))]
            path = [start]
            state[start] = 1
            while stack:
                name, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[name] = 2
                    stack.pop()
                    path.pop()
                elif state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self._cycle(cycle)
                elif not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, iter(children(nxt))))

    def _cycle(self, cycle: list[str]) -> None:
        first = next((n for n in cycle if f"criteria.{n}" in self.sources), cycle[0])
        source = self.sources.get(f"criteria.{first}", self.base_source)
        shown = " -> ".join(cycle)
        self._problem(
            source,
            f"criteria.{first}",
            f"Criteria depend on themselves: {shown}. Break the cycle; a criterion cannot "
            "use its own outcome.",
            f"Kriteria bergantung pada dirinya sendiri: {shown}. Putus siklusnya; kriteria "
            "tidak dapat memakai hasilnya sendiri.",
        )


def type_hint(left: ValueType, op: str, language: str = "en") -> str:
    if op in LIST_OPS:
        return (
            "Use a list of values on the right."
            if language == "en"
            else "Gunakan daftar nilai di sisi kanan."
        )
    if op in ORDER_OPS and left is not ValueType.INT:
        return (
            "Only numbers can be ordered; use == or in."
            if language == "en"
            else "Hanya angka yang dapat diurutkan; gunakan `==` atau `in`."
        )
    return (
        f"Use a {left.value} value on the right."
        if language == "en"
        else f"Gunakan nilai {left.value} di sisi kanan."
    )
