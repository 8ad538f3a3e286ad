"""Property: the compiled transition tables agree with their python-statemachine declarations.

The service runs :data:`CASE_TABLE` and :data:`REFERRAL_TABLE`; python-statemachine runs
:class:`CaseLifecycle` and :class:`ReferralLifecycle`. For any start state, any event
sequence and any guard values (drawn afresh for every event), both must accept the same
events and reach the same states.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed as MachineRefused

from slrt_core._machine import TransitionTable, compile_machine
from slrt_core.case import CASE_TABLE, CaseLifecycle, CaseState
from slrt_core.errors import DefinitionError
from slrt_core.referral import REFERRAL_TABLE, ReferralLifecycle, ReferralStatus

LIFECYCLES = [
    pytest.param(CaseLifecycle, CASE_TABLE, id="case"),
    pytest.param(ReferralLifecycle, REFERRAL_TABLE, id="referral"),
]


def guard_names(table: TransitionTable) -> tuple[str, ...]:
    return tuple(sorted({g for t in table.transitions for g in t.guards}))


class GuardModel:
    """A model whose guard methods answer the values drawn for the current event."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.state: Any = None
        self.values = dict.fromkeys(names, True)
        self.asked: list[str] = []

    def _answer(self, name: str) -> bool:
        self.asked.append(name)
        return self.values[name]


def model_class(names: tuple[str, ...]) -> type[GuardModel]:
    """A GuardModel subclass with one real method per guard name (resolved by name)."""

    def method(name: str) -> Any:
        def guard(self: GuardModel) -> bool:
            return self._answer(name)

        guard.__name__ = name
        return guard

    return type("Model", (GuardModel,), {name: method(name) for name in names})


def steps(table: TransitionTable) -> st.SearchStrategy[list[tuple[str, dict[str, bool]]]]:
    """Event sequences with the guard values in force at each event."""
    guards = st.fixed_dictionaries({name: st.booleans() for name in guard_names(table)})
    return st.lists(st.tuples(st.sampled_from(table.events), guards), max_size=40)


def run_both(
    machine_cls: type[StateMachine],
    table: TransitionTable,
    start: str,
    sequence: list[tuple[str, dict[str, bool]]],
) -> None:
    names = guard_names(table)
    model = model_class(names)(names)
    machine = machine_cls(model=model, start_value=start)
    state = start
    for event, values in sequence:
        model.values.update(values)
        expected = table.target(state, event, values.__getitem__)
        try:
            machine.send(event)
        except MachineRefused:
            accepted = False
        else:
            accepted = True
        assert accepted == (expected is not None), (state, event, values)
        if expected is not None:
            state = expected
        assert machine.current_state_value == state
        assert model.state == state


@pytest.mark.parametrize(("machine_cls", "table"), LIFECYCLES)
class TestTablesAgree:
    def test_declared_states_and_events(self, machine_cls, table):
        """The table has the declaration's states, initial and final states, and events."""
        assert table.states == tuple(s.id for s in machine_cls.states)
        assert table.initial == next(s.id for s in machine_cls.states if s.initial)
        assert table.final == {s.id for s in machine_cls.states if s.final}
        assert set(table.events) == {e.id for e in machine_cls.events}
        assert table.machine is machine_cls

    @given(data=st.data())
    def test_every_event_sequence_from_the_initial_state(self, machine_cls, table, data):
        """From the initial state, both accept and refuse the same events and agree on states."""
        run_both(machine_cls, table, table.initial, data.draw(steps(table)))

    @given(data=st.data())
    def test_every_event_sequence_from_any_state(self, machine_cls, table, data):
        """From any state, both accept and refuse the same events and agree on states."""
        start = data.draw(st.sampled_from(table.states))
        run_both(machine_cls, table, start, data.draw(steps(table)))

    def test_every_single_step(self, machine_cls, table):
        """Every (state, event, guard values) triple gives the same answer in both."""
        names = guard_names(table)
        combos = [
            {n: bool(bits >> i & 1) for i, n in enumerate(names)} for bits in range(2 ** len(names))
        ]
        for state in table.states:
            for event in table.events:
                for values in combos:
                    run_both(machine_cls, table, state, [(event, values)])

    def test_final_states_accept_nothing(self, machine_cls, table):
        """No event leaves a final state."""
        for state in table.final:
            assert table.allowed_events(state) == ()


class TestCompile:
    def test_mermaid_draws_every_state(self):
        """The compiled table draws the declared machine, every state included."""
        text = CASE_TABLE.mermaid()
        for state in CASE_TABLE.states:
            assert state in text

    def test_unless_is_refused(self):
        """A negated guard (unless=) cannot be compiled by name, so it is refused."""

        class Door(StateMachine):
            shut = State(initial=True)
            ajar = State(final=True)
            push = shut.to(ajar, unless="locked")

            def locked(self) -> bool:
                return False

        with pytest.raises(DefinitionError, match="use cond=, not unless="):
            compile_machine(Door)

    def test_candidates_keep_declaration_order(self):
        """candidates() lists the transitions of a state and event in declaration order."""
        assert [t.target for t in CASE_TABLE.candidates("in_service", "close")] == ["closed"]
        assert CASE_TABLE.candidates("closed", "close") == ()


class TestStateVocabularies:
    def test_case_states_are_the_declared_states(self):
        """CaseState lists exactly the states of the case lifecycle."""
        assert {s.value for s in CaseState} == set(CASE_TABLE.states)

    def test_referral_statuses_are_the_declared_states(self):
        """ReferralStatus lists exactly the states of the referral lifecycle."""
        assert {s.value for s in ReferralStatus} == set(REFERRAL_TABLE.states)

    def test_terminal_statuses_are_the_final_states(self):
        """A referral status is terminal exactly when the lifecycle marks it final."""
        assert {s.value for s in ReferralStatus if s.is_terminal} == REFERRAL_TABLE.final

    def test_referral_events_name_their_target(self):
        """Every referral event to_<status> leads to <status>."""
        for t in REFERRAL_TABLE.transitions:
            assert t.event == f"to_{t.target}"

    def test_case_guards_are_the_documented_ones(self):
        """The case lifecycle has exactly the guards is_emergency and no_open_referral."""
        assert guard_names(CASE_TABLE) == ("is_emergency", "no_open_referral")
        assert guard_names(REFERRAL_TABLE) == ()

    def test_a_guard_can_refuse(self):
        """A failing guard refuses the event in both: emergency referral before assessment."""
        run_both(CaseLifecycle, CASE_TABLE, "registered", [("refer", {"is_emergency": False})])
        assert CASE_TABLE.target("registered", "refer", lambda _: False) is None
        assert CASE_TABLE.target("registered", "refer", lambda _: True) == "in_service"
