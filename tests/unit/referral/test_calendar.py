"""The working-day calendar: weekends, SKB holidays, missing years, instants, arrays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core import DefinitionError
from slrt_core.calendar import WIB, WITA, HolidayKind, WorkingCalendar

CAL = WorkingCalendar()
STRICT = WorkingCalendar(missing_years="error")
DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 11, 30))
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2027, 11, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)


class TestDays:
    def test_official_years_are_the_packaged_decrees(self) -> None:
        """2026 and 2027 have official lists; other years do not."""
        assert CAL.official_years == (2026, 2027)
        assert CAL.is_official(2027)
        assert not CAL.is_official(2025)

    def test_holidays_carry_their_kind(self) -> None:
        """A year's days off list national holidays and collective leave, by date."""
        days = CAL.holidays(2026)
        assert [h.day for h in days] == sorted(h.day for h in days)
        kinds = {h.day: h.kind for h in days}
        assert kinds[date(2026, 8, 17)] is HolidayKind.NATIONAL
        assert kinds[date(2026, 12, 24)] is HolidayKind.COLLECTIVE_LEAVE

    def test_weekends_holidays_and_leave_are_off(self) -> None:
        """Saturday, Sunday, a national holiday and collective leave are not working days."""
        assert CAL.is_working_day(date(2026, 8, 14))
        assert not CAL.is_working_day(date(2026, 8, 15))
        assert not CAL.is_working_day(date(2026, 8, 16))
        assert not CAL.is_working_day(date(2026, 8, 17))
        assert not CAL.is_working_day(date(2026, 3, 23))

    def test_collective_leave_can_count_as_working(self) -> None:
        """Without collective leave, cuti bersama days are working days (private offices)."""
        private = WorkingCalendar(collective_leave=False)
        assert private.is_working_day(date(2026, 3, 23))
        assert not private.is_working_day(date(2026, 3, 21))

    def test_custom_weekend(self) -> None:
        """A six-day week works on Saturday."""
        six = WorkingCalendar(weekend=(6,))
        assert six.is_working_day(date(2026, 8, 15))
        assert "weekend=Sun" in repr(six)

    def test_missing_year_counts_only_weekends_by_default(self) -> None:
        """A year without data has only weekends off and is flagged not official."""
        assert CAL.is_working_day(date(2030, 1, 1))
        assert not CAL.is_working_day(date(2030, 1, 5))
        assert CAL.holidays(2030) == ()

    def test_missing_year_raises_when_asked(self) -> None:
        """missing_years='error' refuses a year without data, in both languages."""
        with pytest.raises(DefinitionError) as info:
            STRICT.is_working_day(date(2030, 1, 2))
        assert "holidays={2030: [...]}" in str(info.value)
        assert "Tidak ada daftar libur resmi" in info.value.message("id")
        with pytest.raises(DefinitionError):
            STRICT.holidays(2025)

    def test_supplied_year_counts_as_official(self) -> None:
        """A caller-supplied list makes a year official and its days off."""
        cal = WorkingCalendar(missing_years="error", holidays={2028: [date(2028, 1, 3)]})
        assert cal.is_official(2028)
        assert not cal.is_working_day(date(2028, 1, 3))
        assert cal.holidays(2028)[0].kind is HolidayKind.LOCAL

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"missing_years": "guess"},
            {"weekend": (7,)},
            {"weekend": range(7)},
            {"holidays": {2028: [date(2029, 1, 1)]}},
        ],
    )
    def test_bad_definitions_are_refused(self, kwargs: dict[str, object]) -> None:
        """A bad missing-years policy, weekend or holiday list raises DefinitionError."""
        with pytest.raises(DefinitionError):
            WorkingCalendar(**kwargs)  # type: ignore[arg-type]

    def test_add_working_days(self) -> None:
        """Counting skips weekends and holidays, forwards and backwards; 0 is the day itself."""
        assert CAL.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)
        assert CAL.add_working_days(date(2026, 8, 15), 1) == date(2026, 8, 18)
        assert CAL.add_working_days(date(2026, 8, 18), -1) == date(2026, 8, 14)
        assert CAL.add_working_days(date(2026, 8, 16), -1) == date(2026, 8, 14)
        assert CAL.add_working_days(date(2026, 8, 15), 0) == date(2026, 8, 15)

    def test_far_counts_agree_with_stepping(self) -> None:
        """Counts beyond a year use numpy and agree with stepping one day at a time."""
        start, n = date(2026, 1, 2), 400
        current, left = start, n
        while left:
            current += timedelta(days=1)
            left -= CAL.is_working_day(current)
        assert CAL.add_working_days(start, n) == current
        assert CAL.add_working_days(current, -n) == start  # start, a Friday, is a working day

    def test_add_working_days_checks_years_in_strict_mode(self) -> None:
        """Counting into a year without data raises in strict mode, even for zero days."""
        with pytest.raises(DefinitionError):
            STRICT.add_working_days(date(2027, 12, 30), 5)
        with pytest.raises(DefinitionError):
            STRICT.add_working_days(date(2030, 1, 2), 0)

    @given(day=DAYS, n=st.integers(0, 40))
    def test_between_undoes_add(self, day: date, n: int) -> None:
        """working_days_between(d, add_working_days(d, n)) == n for n >= 0."""
        assert CAL.working_days_between(day, CAL.add_working_days(day, n)) == n

    @given(day=DAYS, n=st.integers(1, 40))
    def test_between_undoes_subtract_from_a_working_day(self, day: date, n: int) -> None:
        """From a working day, counting back n days and measuring gives -n."""
        if CAL.is_working_day(day):
            assert CAL.working_days_between(day, CAL.add_working_days(day, -n)) == -n

    @given(day=DAYS, n=st.integers(-20, 20))
    def test_add_agrees_with_a_day_by_day_count(self, day: date, n: int) -> None:
        """add_working_days equals stepping one day at a time and counting working days."""
        step = timedelta(days=1 if n >= 0 else -1)
        current, left = day, abs(n)
        while left:
            current += step
            left -= CAL.is_working_day(current)
        assert CAL.add_working_days(day, n) == current


class TestInstants:
    def test_deadline_is_the_end_of_the_last_working_day(self) -> None:
        """Two working days from a Friday morning end at midnight WIB after Wednesday."""
        start = datetime(2026, 8, 14, 9, 0, tzinfo=WIB)
        assert CAL.deadline(start, 2) == datetime(2026, 8, 19, 17, 0, tzinfo=UTC)

    def test_zero_days_is_today_or_the_next_working_day(self) -> None:
        """A same-day deadline on a Saturday rolls to the end of Monday (or Tuesday here)."""
        assert CAL.deadline(datetime(2026, 8, 14, 9, 0, tzinfo=WIB), 0) == datetime(
            2026, 8, 14, 17, 0, tzinfo=UTC
        )
        assert CAL.deadline(datetime(2026, 8, 15, 9, 0, tzinfo=WIB), 0) == datetime(
            2026, 8, 18, 17, 0, tzinfo=UTC
        )

    def test_the_time_zone_moves_the_day_boundary(self) -> None:
        """In WITA the day ends an hour earlier in UTC."""
        cal = WorkingCalendar(tz=WITA)
        assert cal.deadline(datetime(2026, 8, 14, 1, 0, tzinfo=UTC), 0) == datetime(
            2026, 8, 14, 16, 0, tzinfo=UTC
        )

    def test_bad_instants_are_refused(self) -> None:
        """A negative SLA or a naive datetime raises DefinitionError."""
        with pytest.raises(DefinitionError):
            CAL.deadline(datetime(2026, 8, 14, tzinfo=UTC), -1)
        with pytest.raises(DefinitionError):
            CAL.deadline(datetime(2026, 8, 14), 1)  # noqa: DTZ001 - the point of the test

    def test_after_deadline(self) -> None:
        """Zero days is the deadline; k days is the end of the k-th working day after it."""
        due = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)
        assert CAL.after_deadline(due, 0) == due
        assert CAL.after_deadline(due, 2) == datetime(2026, 8, 19, 17, 0, tzinfo=UTC)

    def test_working_time_between(self) -> None:
        """Only time on working days counts; a reversed span is zero."""
        fri = datetime(2026, 8, 14, 9, 0, tzinfo=WIB)
        assert CAL.working_time_between(fri, fri + timedelta(hours=3)) == timedelta(hours=3)
        sat = datetime(2026, 8, 15, 9, 0, tzinfo=WIB)
        assert CAL.working_time_between(sat, sat + timedelta(hours=3)) == timedelta(0)
        assert CAL.working_time_between(fri, fri - timedelta(hours=1)) == timedelta(0)
        tue = datetime(2026, 8, 18, 9, 0, tzinfo=WIB)
        assert CAL.working_time_between(fri, tue) == timedelta(hours=24)


class TestArrays:
    @given(days=st.lists(DAYS, min_size=1, max_size=20), n=st.integers(-15, 15))
    def test_add_array_agrees_with_scalar(self, days: list[date], n: int) -> None:
        """The vectorised add agrees with the scalar one, day by day."""
        result = CAL.add_working_days_array(np.array(days, dtype="datetime64[D]"), n)
        assert [d.item() for d in result] == [CAL.add_working_days(d, n) for d in days]

    @given(starts=st.lists(INSTANTS, min_size=1, max_size=10), days=st.integers(0, 20))
    def test_deadline_array_agrees_with_scalar(self, starts: list[datetime], days: int) -> None:
        """The vectorised deadline agrees with the scalar one."""
        arr = np.array([s.replace(tzinfo=None) for s in starts], dtype="datetime64[us]")
        result = CAL.deadline_array(arr, days)
        expected = [CAL.deadline(s, days).replace(tzinfo=None) for s in starts]
        assert [r.item() for r in result] == expected

    @given(a=INSTANTS, b=INSTANTS)
    def test_working_seconds_agree_with_an_hourly_walk(self, a: datetime, b: datetime) -> None:
        """Working time equals the time spent on working days, walked day by day."""
        got = CAL.working_time_between(a, b)
        total = timedelta(0)
        cursor = a
        while cursor < b:
            local = cursor.astimezone(WIB)
            next_midnight = datetime.combine(
                local.date() + timedelta(days=1), datetime.min.time(), WIB
            )
            stop = min(b, next_midnight)
            if CAL.is_working_day(local.date()):
                total += stop - cursor
            cursor = stop
        assert got == total

    def test_missing_values_give_nan(self) -> None:
        """NaT in either column gives nan, and does not trip the strict year check."""
        start = np.array(["2026-08-14T02:00", "NaT"], dtype="datetime64[us]")
        end = np.array(["2026-08-14T05:00", "2026-08-14T05:00"], dtype="datetime64[us]")
        seconds = STRICT.working_seconds_array(start, end)
        assert seconds[0] == 3 * 3600
        assert np.isnan(seconds[1])

    def test_strict_arrays_refuse_missing_years(self) -> None:
        """Vectorised functions raise in strict mode for a year without data."""
        days = np.array(["2030-01-02"], dtype="datetime64[D]")
        with pytest.raises(DefinitionError):
            STRICT.add_working_days_array(days, 1)
        with pytest.raises(DefinitionError):
            STRICT.working_days_between_array(days, days)
        assert len(STRICT.working_days_between_array(days[:0], days[:0])) == 0

    def test_negative_deadline_array_is_refused(self) -> None:
        """A negative SLA in an array raises DefinitionError."""
        with pytest.raises(DefinitionError):
            CAL.deadline_array(np.array(["2026-08-14T02:00"], dtype="datetime64[us]"), -1)

    def test_after_deadline_array(self) -> None:
        """The vectorised step time agrees with the scalar one, zero days included."""
        due = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)
        arr = np.array([due.replace(tzinfo=None)] * 2, dtype="datetime64[us]")
        got = CAL.after_deadline_array(arr, np.array([0, 1]))
        assert [g.item() for g in got] == [
            CAL.after_deadline(due, k).replace(tzinfo=None) for k in (0, 1)
        ]
