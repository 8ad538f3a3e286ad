"""SLA deadlines per hop, the escalation ladder, and the vectorised sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.referral.builders import make_referral

from slrt_core import DefinitionError
from slrt_core.calendar import WorkingCalendar
from slrt_core.referral import (
    DEFAULT_LADDER,
    EscalationLadder,
    EscalationStep,
    Hop,
    ReferralReason,
    ReferralStatus,
    ReferralTable,
    Rung,
    Sla,
    current_hop,
    hop_deadline,
    overdue,
)

CAL = WorkingCalendar()
S = ReferralStatus
FRI = datetime(2026, 8, 14, 2, 0, tzinfo=UTC)  # Friday 09:00 WIB
SLA = Sla(acknowledge_days=2, accept_days=3, complete_days=10)


class TestHops:
    @pytest.mark.parametrize(
        ("status", "hop"),
        [
            (S.REQUESTED, Hop.ACKNOWLEDGE),
            (S.RECEIVED, Hop.ACCEPT),
            (S.ACCEPTED, Hop.COMPLETE),
            (S.IN_PROGRESS, Hop.COMPLETE),
            (S.ON_HOLD, Hop.COMPLETE),
            (S.COMPLETED, None),
            (S.REJECTED, None),
            (S.CANCELLED, None),
        ],
    )
    def test_current_hop(self, status: ReferralStatus, hop: Hop | None) -> None:
        """Each open status is on one hop; an ended referral on none."""
        assert current_hop(status) is hop

    def test_acknowledge_counts_from_the_request(self) -> None:
        """Acknowledgement is due two working days after the request (17 August is off)."""
        r = make_referral("r1", "s", "p", [(S.REQUESTED, FRI)])
        assert hop_deadline(r, SLA, CAL) == datetime(2026, 8, 19, 17, 0, tzinfo=UTC)

    def test_accept_counts_from_receipt(self) -> None:
        """Acceptance is due accept_days after the referral was received."""
        r = make_referral(
            "r1", "s", "p", [(S.REQUESTED, FRI), (S.RECEIVED, FRI + timedelta(days=4))]
        )
        assert hop_deadline(r, SLA, CAL) == CAL.deadline(FRI + timedelta(days=4), 3)

    def test_completion_clock_keeps_running_on_hold(self) -> None:
        """Pausing does not reset the completion deadline, counted from acceptance."""
        accepted = FRI + timedelta(days=5)
        steps = [
            (S.REQUESTED, FRI),
            (S.ACCEPTED, accepted),
            (S.IN_PROGRESS, accepted + timedelta(days=1)),
        ]
        running = make_referral("r1", "s", "p", steps)
        held = make_referral(
            "r1",
            "s",
            "p",
            [*steps, (S.ON_HOLD, accepted + timedelta(days=2), ReferralReason.OTHER)],
        )
        assert hop_deadline(running, SLA, CAL) == hop_deadline(held, SLA, CAL)
        assert hop_deadline(held, SLA, CAL) == CAL.deadline(accepted, 10)

    def test_ended_referral_has_no_deadline(self) -> None:
        """A completed referral has no deadline."""
        r = make_referral(
            "r1", "s", "p", [(S.REQUESTED, FRI), (S.ACCEPTED, FRI), (S.COMPLETED, FRI)]
        )
        assert hop_deadline(r, SLA, CAL) is None


class TestLadder:
    DUE = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)  # end of Friday 14 August, WIB

    def test_nothing_before_the_deadline(self) -> None:
        """Before the deadline no rung fires."""
        assert DEFAULT_LADDER.steps_due(self.DUE, 0, self.DUE - timedelta(seconds=1), CAL) == ()

    def test_reminder_at_the_deadline(self) -> None:
        """At the deadline the reminder fires, and only it."""
        steps = DEFAULT_LADDER.steps_due(self.DUE, 0, self.DUE, CAL)
        assert [(level, r.step) for level, r in steps] == [(1, EscalationStep.REMINDER)]

    def test_rungs_fire_on_working_days(self) -> None:
        """Overdue after one working day (Tue 18 Aug: Monday is a holiday), then the rest."""
        tue_end = datetime(2026, 8, 18, 17, 0, tzinfo=UTC)
        assert len(DEFAULT_LADDER.steps_due(self.DUE, 0, tue_end - timedelta(seconds=1), CAL)) == 1
        assert len(DEFAULT_LADDER.steps_due(self.DUE, 0, tue_end, CAL)) == 2
        later = DEFAULT_LADDER.steps_due(self.DUE, 2, datetime(2026, 9, 1, tzinfo=UTC), CAL)
        assert [r.step for _, r in later] == [EscalationStep.ESCALATE, EscalationStep.EXPIRE]
        assert [level for level, _ in later] == [3, 4]

    def test_a_finished_ladder_does_nothing(self) -> None:
        """After the last rung, nothing more fires."""
        assert DEFAULT_LADDER.fire_at(self.DUE, 4, CAL) is None
        assert DEFAULT_LADDER.steps_due(self.DUE, 4, datetime(2027, 1, 1, tzinfo=UTC), CAL) == ()

    def test_a_custom_ladder(self) -> None:
        """A ladder may skip rungs and never expire."""
        ladder = EscalationLadder(
            [Rung(EscalationStep.OVERDUE, 0), Rung(EscalationStep.ESCALATE, 5)]
        )
        steps = ladder.steps_due(self.DUE, 0, datetime(2027, 1, 1, tzinfo=UTC), CAL)
        assert [r.step for _, r in steps] == [EscalationStep.OVERDUE, EscalationStep.ESCALATE]
        assert len(ladder) == 2

    @pytest.mark.parametrize(
        "rungs",
        [
            [],
            [Rung(EscalationStep.REMINDER, -1)],
            [Rung(EscalationStep.REMINDER, 2), Rung(EscalationStep.OVERDUE, 1)],
            [Rung(EscalationStep.EXPIRE, 1), Rung(EscalationStep.ESCALATE, 2)],
        ],
    )
    def test_bad_ladders_are_refused(self, rungs: list[Rung]) -> None:
        """No rungs, negative or decreasing days, or a rung after expiry: DefinitionError."""
        with pytest.raises(DefinitionError):
            EscalationLadder(rungs)


LEVELS = st.integers(0, 4)
DUES = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(2026, 1, 5),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2027, 10, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)


class TestVectorisedSweep:
    @given(
        rows=st.lists(st.tuples(DUES, LEVELS), min_size=0, max_size=30),
        now=st.datetimes(
            min_value=datetime(2026, 1, 5),  # noqa: DTZ001 - hypothesis bounds are naive
            max_value=datetime(2027, 11, 1),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
    )
    def test_agrees_with_the_scalar_ladder(
        self, rows: list[tuple[datetime | None, int]], now: datetime
    ) -> None:
        """overdue() finds exactly the rows the scalar ladder escalates, to the same level."""
        table = ReferralTable(
            referral_id=np.array([f"r{i}" for i in range(len(rows))], dtype=object),
            due_at=np.array(
                [np.datetime64("NaT") if d is None else d.replace(tzinfo=None) for d, _ in rows],
                dtype="datetime64[us]",
            ),
            level=np.array([level for _, level in rows], dtype=np.int16),
        )
        found = overdue(table, now, calendar=CAL)
        got = dict(zip(found.referral_ids(table), found.level.tolist(), strict=True))
        expected = {}
        for i, (due, level) in enumerate(rows):
            if due is None:
                continue
            steps = DEFAULT_LADDER.steps_due(due, level, now, CAL)
            if steps:
                expected[f"r{i}"] = steps[-1][0]
        assert got == expected
        assert len(found) == len(expected)

    def test_table_from_referrals_keeps_open_ones(self) -> None:
        """from_referrals keeps open referrals, with their deadline and level."""
        due = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)
        rows = [
            make_referral("r1", "s", "p", [(S.REQUESTED, FRI)], due_at=due, level=1),
            make_referral(
                "r2", "s", "p", [(S.REQUESTED, FRI), (S.REJECTED, FRI, ReferralReason.CAPACITY)]
            ),
            make_referral("r3", "s", "p", [(S.REQUESTED, FRI)]),
        ]
        table = ReferralTable.from_referrals(rows)
        assert list(table.referral_id) == ["r1", "r3"]
        assert table.level.tolist() == [1, 0]
        assert np.isnat(table.due_at[1])
        found = overdue(table, datetime(2026, 8, 19, 1, tzinfo=UTC), calendar=CAL)
        assert found.referral_ids(table) == ["r1"]
        assert found.level.tolist() == [2]

    def test_columns_must_match(self) -> None:
        """Columns of different lengths are refused."""
        with pytest.raises(DefinitionError):
            ReferralTable(
                referral_id=np.array(["a"], dtype=object),
                due_at=np.array([], dtype="datetime64[us]"),
                level=np.array([0], dtype=np.int16),
            )
