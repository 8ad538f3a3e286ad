"""Numbers, money, dates and local times for staff, in Bahasa Indonesia or English.

Formatting is Babel's (the CLDR data): Indonesian writes a decimal comma and groups
thousands with a dot (``1.234,5``, ``Rp900.000``) and names months in Indonesian
(``2 Desember 2026``). Times are shown in the local zone of the region they concern,
WIB, WITA or WIT (Permendagri on the time zones of Indonesia), never in UTC.

Examples:
    >>> from datetime import UTC, date, datetime
    >>> number(1234.5, "id"), number(1234.5, "en")
    ('1.234,5', '1,234.5')
    >>> money(900_000, "id"), money(900_000, "en")
    ('Rp900.000', 'Rp900,000')
    >>> day(date(2026, 12, 2), "id"), day(date(2026, 12, 2), "en")
    ('2 Desember 2026', '2 December 2026')
    >>> at = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    >>> local_time(at, "id", province="33"), local_time(at, "en", province="73")
    ('2 Desember 2026 17.00 WIB', '2 December 2026 18:00 WITA')
    >>> quantity(6, "years", "id"), quantity(4, "decile", "en")
    ('6 tahun', 'decile 4')

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

# One table of zones by province, the calendar's (re-exported: formatting.zone_of).
from slrt_core.calendar import zone_of
from slrt_core.texts import LanguageCode, text

__all__ = ["day", "deadline", "local_time", "money", "number", "quantity", "zone_of"]

_LOCALE = {"id": "id_ID", "en": "en"}
# Babel's "long" English date is "December 2, 2026"; staff in Indonesia write the day first.
_DATE = "d MMMM y"
_TIME = {"id": "HH.mm", "en": "HH:mm"}


def number(value: float, language: LanguageCode = "id", *, digits: int | None = None) -> str:
    """*value* with the language's separators; *digits* fixes the decimals shown."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_LOCALE[language])


def money(amount: float, language: LanguageCode = "id") -> str:
    """An amount in rupiah, without decimals: ``Rp900.000`` (``Rp900,000`` in English)."""
    return "Rp" + format_decimal(round(amount), format="#,##0", locale=_LOCALE[language])


def day(value: date, language: LanguageCode = "id") -> str:
    """A date with the month's name: ``2 Desember 2026``."""
    return format_date(value, _DATE, locale=_LOCALE[language])


def local_time(at: datetime, language: LanguageCode = "id", *, province: str = "31") -> str:
    """*at* in the local time of *province*, with the zone: ``2 Desember 2026 17.00 WIB``."""
    zone = zone_of(province)
    local = at.astimezone(zone)
    shown = format_datetime(
        local.replace(tzinfo=None), f"{_DATE} {_TIME[language]}", locale=_LOCALE[language]
    )
    return f"{shown} {local.tzname()}"


def deadline(at: datetime, language: LanguageCode = "id", *, province: str = "31") -> str:
    """A deadline in local time; one at local midnight reads as the end of the day before.

    SLA deadlines fall at the end of a working day (:mod:`slrt_core.calendar`), which is
    00.00 of the next day: "the end of 5 August 2026 (WIB)" says it as staff would.

    Examples:
        >>> from datetime import UTC, datetime
        >>> deadline(datetime(2026, 8, 5, 17, 0, tzinfo=UTC), "id", province="33")
        'akhir hari 5 Agustus 2026 (WIB)'
        >>> deadline(datetime(2026, 8, 5, 3, 0, tzinfo=UTC), "en", province="33")
        '5 August 2026 10:00 WIB'
    """
    local = at.astimezone(zone_of(province))
    if (local.hour, local.minute, local.second) != (0, 0, 0):
        return local_time(at, language, province=province)
    previous = local.date() - timedelta(days=1)
    return text("deadline.end_of_day", language, day=day(previous, language), zone=local.tzname())


def quantity(value: float, unit: str, language: LanguageCode = "id") -> str:
    """A number with its unit, as the catalogue writes it: ``6 tahun``, ``desil 4``.

    Units: ``years``, ``months``, ``days``, ``working_days``, ``persons``, ``members``,
    ``decile``, ``percent``, ``per_month``.

    Raises:
        KeyError: the catalogue has no such unit.
    """
    return text(f"unit.{unit}", language, n=number(value, language))
