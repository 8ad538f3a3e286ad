"""The NIK and the KK number: 16 digits ``PP KK CC DDMMYY SSSS``, one piece of code for both.

:class:`Nik` and :class:`KkNumber` share their shape, masking and parsing through the
private base :class:`_CardNumber`; they differ only in their words (how messages name
them), whether women have 40 added to the day, and the name of the date they carry.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

import attrs

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity._data import _LIST_EN, _LIST_ID, _REGIONS
from slrt_core.identity._kinds import Sex
from slrt_core.identity._region import _SPLITS, RegionCode, _trusted
from slrt_core.identity._versions import split_of

_SEPARATORS = re.compile(r"[\s.\-]+")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_ASCII_DIGIT = re.compile(r"[0-9]")
_MASK = "*" * 12
_WOMEN_DAY_OFFSET = 40
_NO_SERIAL = "0000"


@attrs.frozen
class _Words:
    """How the messages name a number and the card to check it against."""

    subject: str
    en: str
    id: str
    card_en: str
    card_id: str
    date_en: str
    date_id: str


_NIK_WORDS = _Words(
    "the NIK", "NIK", "NIK", "KTP or KK card", "KTP atau kartu KK", "birth date", "tanggal lahir"
)
_KK_WORDS = _Words(
    "the KK number",
    "KK number",
    "nomor KK",
    "KK card",
    "kartu KK",
    "record date",
    "tanggal pencatatan",
)


def _is_sixteen_digits(value: str) -> bool:
    try:
        return _SIXTEEN_DIGITS.fullmatch(value) is not None
    except TypeError:  # not a string
        return False


def _check_sixteen_digits(instance: _CardNumber, _attribute: object, value: str) -> None:
    if not _is_sixteen_digits(value):
        words = type(instance)._WORDS  # noqa: SLF001 - the validator of _CardNumber
        raise InvalidInputError(
            [
                Problem(
                    "",
                    f"A {words.en} is exactly 16 digits 0-9, with no separators. Read "
                    "typed text with parse(), which also removes spaces, dots and dashes.",
                    f"{words.id} terdiri dari tepat 16 digit 0-9 tanpa pemisah. Baca teks "
                    "ketikan dengan parse(), yang juga membuang spasi, titik dan tanda "
                    "hubung.",
                )
            ],
            subject=words.subject,
        )


def _digits_of(text: str, words: _Words) -> str:
    """The 16 digits of *text* without spaces, dots or dashes, or raise listing why not."""
    given: object = text
    if not isinstance(given, str):
        raise InvalidInputError(
            [
                Problem(
                    "",
                    f"A {words.en} must be text such as '3374014508900001'; got a "
                    f"{type(given).__name__}. Pass the number as a string.",
                    f"{words.id} harus berupa teks seperti '3374014508900001'; diterima "
                    f"{type(given).__name__}. Berikan nomor sebagai string.",
                )
            ],
            subject=words.subject,
        )
    digits = _SEPARATORS.sub("", text)
    if _SIXTEEN_DIGITS.fullmatch(digits):
        return digits
    problems: list[Problem] = []
    count = len(_ASCII_DIGIT.findall(digits))
    if count != len(digits):
        problems.append(
            Problem(
                "",
                f"A {words.en} has only digits 0-9 (spaces, dots and dashes are ignored), but "
                f"this one has other characters. Copy the number again from the "
                f"{words.card_en}.",
                f"{words.id} hanya berisi digit 0-9 (spasi, titik dan tanda hubung diabaikan), "
                f"tetapi yang ini berisi karakter lain. Salin ulang nomor dari {words.card_id}.",
            )
        )
    if count != 16:  # noqa: PLR2004 - NIK and KK numbers have 16 digits
        problems.append(
            Problem(
                "",
                f"A {words.en} has 16 digits; this one has {count}. Copy the number again from "
                f"the {words.card_en}.",
                f"{words.id} terdiri dari 16 digit; yang ini {count} digit. Salin ulang nomor "
                f"dari {words.card_id}.",
            )
        )
    raise InvalidInputError(problems, subject=words.subject)


def _district_of(digits: str) -> str:
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"


def _region_problems(digits: str, words: _Words) -> list[Problem]:
    district = _district_of(digits)
    if district in _REGIONS.get():
        return []
    if digits[4:6] != "00" and district[:5] in _SPLITS.get():
        return []
    return [
        Problem(
            "region",
            f"The region part {district} (digits 1-6) is not a district (kecamatan) in "
            f"{_LIST_EN}, nor one of a regency re-coded in 2022. Check the first 6 digits "
            f"against the {words.card_en}.",
            f"Bagian wilayah {district} (digit 1-6) bukan kecamatan dalam {_LIST_ID}, dan "
            f"bukan kecamatan kabupaten yang berganti kode pada 2022. Periksa 6 digit pertama "
            f"dengan {words.card_id}.",
        )
    ]


def _read_date(
    digits: str, today: date, words: _Words, *, women_add_40: bool
) -> tuple[date | None, list[Problem]]:
    """The date in digits 7-12 (DDMMYY), or the problems with it.

    The century is the later one that does not put the date after *today*.
    """
    raw_day = digits[6:8]
    day, month, yy = int(raw_day), int(digits[8:10]), int(digits[10:12])
    if women_add_40 and day > _WOMEN_DAY_OFFSET:
        day -= _WOMEN_DAY_OFFSET
    path = "birth_date" if women_add_40 else "issued_on"
    problems: list[Problem] = []
    if not 1 <= day <= 31:  # noqa: PLR2004 - days of a month
        women_en = ", or 41-71 for a woman" if women_add_40 else ""
        women_id = ", atau 41-71 untuk perempuan" if women_add_40 else ""
        problems.append(
            Problem(
                path,
                f"The day of the {words.date_en} (digits 7-8) must be 01-31{women_en}; got "
                f"{raw_day}. Check digits 7-8 against the {words.card_en}.",
                f"Tanggal pada {words.date_id} (digit 7-8) harus 01-31{women_id}; diterima "
                f"{raw_day}. Periksa digit 7-8 dengan {words.card_id}.",
            )
        )
    if not 1 <= month <= 12:  # noqa: PLR2004 - months of a year
        problems.append(
            Problem(
                path,
                f"The month of the {words.date_en} (digits 9-10) must be 01-12; got "
                f"{digits[8:10]}. Check digits 9-10 against the {words.card_en}.",
                f"Bulan pada {words.date_id} (digit 9-10) harus 01-12; diterima "
                f"{digits[8:10]}. Periksa digit 9-10 dengan {words.card_id}.",
            )
        )
    if problems:
        return None, problems
    later = (2000 + yy, month, day) <= (today.year, today.month, today.day)
    year = 2000 + yy if later else 1900 + yy
    try:
        return date(year, month, day), []
    except ValueError:
        return None, [
            Problem(
                path,
                f"The {words.date_en} in digits 7-12 is day {day:02d} of month {month:02d} of "
                f"{year}, which does not exist. Check digits 7-12 against the "
                f"{words.card_en}.",
                f"{words.date_id.capitalize()} pada digit 7-12 adalah tanggal {day:02d} bulan "
                f"{month:02d} tahun {year}, yang tidak ada. Periksa digit 7-12 dengan "
                f"{words.card_id}.",
            )
        ]


def _serial_problems(digits: str, words: _Words) -> list[Problem]:
    if digits[12:] != _NO_SERIAL:
        return []
    return [
        Problem(
            "serial",
            f"The serial number (digits 13-16) cannot be 0000: serials start at 0001. Check "
            f"the last 4 digits against the {words.card_en}.",
            f"Nomor urut (digit 13-16) tidak boleh 0000: nomor urut mulai dari 0001. Periksa "
            f"4 digit terakhir dengan {words.card_id}.",
        )
    ]


def _parse_digits(text: str, today: date | None, words: _Words, *, women_add_40: bool) -> str:
    digits = _digits_of(text, words)
    today = today or date.today()  # noqa: DTZ011 - a date of birth is a local calendar day
    _, date_problems = _read_date(digits, today, words, women_add_40=women_add_40)
    problems = [
        *_region_problems(digits, words),
        *date_problems,
        *_serial_problems(digits, words),
    ]
    if problems:
        raise InvalidInputError(problems, subject=words.subject)
    return digits


def _date_or_raise(digits: str, today: date, words: _Words, *, women_add_40: bool) -> date:
    found, problems = _read_date(digits, today, words, women_add_40=women_add_40)
    if found is None:
        raise InvalidInputError(problems, subject=words.subject)
    return found


def _current_regency(digits: str) -> RegionCode | None:
    regency = _trusted(f"{digits[0:2]}.{digits[2:4]}")
    if regency.is_known():
        return regency
    split = split_of(regency)
    return None if split is None else split.new


@attrs.frozen(repr=False)
class _CardNumber:
    """The 16 digits shared by a NIK and a KK number: shape, masking, region and parsing.

    Subclasses set :attr:`_WORDS` (how messages name the number) and :attr:`_WOMEN_ADD_40`
    (whether the day of the date has 40 added for women).
    """

    _WORDS: ClassVar[_Words]
    _WOMEN_ADD_40: ClassVar[bool]

    value: str = attrs.field(validator=_check_sixteen_digits)

    @classmethod
    def _parsed(cls, text: str, today: date | None) -> str:
        return _parse_digits(text, today, cls._WORDS, women_add_40=cls._WOMEN_ADD_40)

    def __repr__(self) -> str:
        """``Nik('************1234')``: never more than the last 4 digits."""
        return f"{type(self).__name__}({self.masked()!r})"

    def __str__(self) -> str:
        """The masked number."""
        return self.masked()

    def reveal(self) -> str:
        """All 16 digits. Personal data: show or store them only where that is allowed."""
        return self.value

    def masked(self) -> str:
        """``"************1234"``: the last 4 digits only."""
        return _MASK + self.value[12:]

    @property
    def last4(self) -> str:
        """The last 4 digits."""
        return self.value[12:]

    @property
    def serial(self) -> str:
        """The serial number, digits 13-16."""
        return self.value[12:]

    def _date_on(self, today: date) -> date:
        return _date_or_raise(self.value, today, self._WORDS, women_add_40=self._WOMEN_ADD_40)

    @property
    def region(self) -> RegionCode:
        """The district of first registration or issue (digits 1-6), possibly pre-split."""
        return _trusted(_district_of(self.value))

    @property
    def region_is_current(self) -> bool:
        """Whether :attr:`region` is in the Kemendagri 2025 list.

        ``False`` for a code from before a 2022 split (see
        :func:`~slrt_core.identity.region_splits`).
        """
        return self.region.is_known()

    @property
    def current_regency(self) -> RegionCode | None:
        """The regency of :attr:`region` under today's codes.

        The same regency, or its new code after a 2022 split; ``None`` when neither is
        known.

        Examples:
            >>> Nik("9101010101900001").current_regency
            RegionCode(code='93.01')
        """
        return _current_regency(self.value)


@attrs.frozen(repr=False)
class Nik(_CardNumber):
    """A NIK (Nomor Induk Kependudukan): ``PP KK CC DDMMYY SSSS``.

    The district of first registration (it does not change when the person moves: use the
    KK or address village for jurisdiction), the birth date with 40 added to the day for
    women, and a serial from 0001.

    ``Nik(value)`` checks only that *value* is 16 digits; :meth:`parse` checks everything.
    ``repr``, ``str`` and f-strings show only the last 4 digits; :meth:`reveal` gives all.

    Args:
        value: the 16 digits.

    Raises:
        InvalidInputError: *value* is not 16 digits.

    Examples:
        >>> nik = Nik("3374014508900001")
        >>> f"NIK {nik}", nik.last4, nik.sex
        ('NIK ************0001', '0001', <Sex.FEMALE: 'female'>)

    .. versionadded:: 0.1.0
    """

    _WORDS: ClassVar[_Words] = _NIK_WORDS
    _WOMEN_ADD_40: ClassVar[bool] = True

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> Nik:
        """Read a NIK as typed (spaces, dots and dashes are ignored) and check it fully.

        Checks: 16 digits; digits 1-6 are a district in the Kemendagri 2025 list, or under
        a regency re-coded by a 2022 split (:func:`~slrt_core.identity.region_splits`); the
        day is 01-31, or 41-71 for a woman, the month 01-12 and the date real; the serial
        is not 0000.

        Args:
            text: the NIK.
            today: the day the century of the birth date is judged from; the birth date is
                never after it. Defaults to ``date.today()``.

        Raises:
            InvalidInputError: listing every problem found.

        Examples:
            >>> Nik.parse("3374 0145 0890 0001").masked()
            '************0001'
            >>> Nik.parse("3399013213900000")
            Traceback (most recent call last):
            ...
            slrt_core.errors.InvalidInputError: 4 problems in the NIK:
              - region: The region part 33.99.01 (digits 1-6) is not a district (kecamatan) in the Kemendagri 2025 list (Kepmendagri 300.2.2-2138/2025), nor one of a regency re-coded in 2022. Check the first 6 digits against the KTP or KK card.
              - birth_date: The day of the birth date (digits 7-8) must be 01-31, or 41-71 for a woman; got 32. Check digits 7-8 against the KTP or KK card.
              - birth_date: The month of the birth date (digits 9-10) must be 01-12; got 13. Check digits 9-10 against the KTP or KK card.
              - serial: The serial number (digits 13-16) cannot be 0000: serials start at 0001. Check the last 4 digits against the KTP or KK card.
        """  # noqa: E501 - doctest output is one line
        nik = object.__new__(cls)
        object.__setattr__(nik, "value", cls._parsed(text, today))
        return nik

    @property
    def sex(self) -> Sex:
        """Female when 40 was added to the day of birth."""
        return Sex.FEMALE if int(self.value[6:8]) > _WOMEN_DAY_OFFSET else Sex.MALE

    def birth_date_on(self, today: date) -> date:
        """The birth date, its century the later one that is not after *today*.

        Raises:
            InvalidInputError: the date digits are not a real date (possible only for a
                NIK built without :meth:`parse`).

        Examples:
            >>> nik = Nik("3374010101250001")
            >>> nik.birth_date_on(date(2026, 1, 1)), nik.birth_date_on(date(2024, 12, 31))
            (datetime.date(2025, 1, 1), datetime.date(1925, 1, 1))
        """
        return self._date_on(today)

    @property
    def birth_date(self) -> date:
        """The birth date judged from ``date.today()`` (see :meth:`birth_date_on`)."""
        return self.birth_date_on(date.today())  # noqa: DTZ011 - a local calendar day


@attrs.frozen(repr=False)
class KkNumber(_CardNumber):
    """A KK (Kartu Keluarga, family card) number: ``PP KK CC DDMMYY SSSS``.

    The issuing district, the record date and a serial from 0001. Masked like :class:`Nik`.

    Args:
        value: the 16 digits.

    Raises:
        InvalidInputError: *value* is not 16 digits.

    Examples:
        >>> kk = KkNumber.parse("3374011203150007", today=date(2026, 1, 1))
        >>> kk, kk.issued_on_as_of(date(2026, 1, 1)), str(kk.region)
        (KkNumber('************0007'), datetime.date(2015, 3, 12), '33.74.01')

    .. versionadded:: 0.1.0
    """

    _WORDS: ClassVar[_Words] = _KK_WORDS
    _WOMEN_ADD_40: ClassVar[bool] = False

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> KkNumber:
        """Read a KK number as typed (spaces, dots and dashes are ignored), checking fully.

        Checks: 16 digits; digits 1-6 are a district in the Kemendagri 2025 list (or under a
        regency re-coded by a 2022 split); digits 7-12 are a real date DDMMYY; the serial is
        not 0000.

        Args:
            text: the KK number.
            today: the day the century of the record date is judged from. Defaults to
                ``date.today()``.

        Raises:
            InvalidInputError: listing every problem found.
        """
        kk = object.__new__(cls)
        object.__setattr__(kk, "value", cls._parsed(text, today))
        return kk

    def issued_on_as_of(self, today: date) -> date:
        """The record date, its century the later one that is not after *today*.

        Raises:
            InvalidInputError: the date digits are not a real date (possible only for a
                number built without :meth:`parse`).
        """
        return self._date_on(today)

    @property
    def issued_on(self) -> date:
        """The record date judged from ``date.today()`` (see :meth:`issued_on_as_of`)."""
        return self.issued_on_as_of(date.today())  # noqa: DTZ011 - a local calendar day
