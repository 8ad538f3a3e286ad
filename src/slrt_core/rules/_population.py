"""A population in columns: households, and persons with their household's position.

Two tables: *households* (one row per household, a ``region`` column) and *persons*
(one row per member, a ``household`` column giving the row of its household). Each may
be a mapping of column name to array (numpy arrays, masked arrays, lists), a pandas
DataFrame, a pyarrow Table or a polars DataFrame; pandas, pyarrow and polars are imported
only when such an object is passed. Numpy columns are used without copying.

Missing values: ``NaN`` in float columns, masked entries, pandas/Arrow/polars nulls,
``None`` in object columns, and ``-1`` in integer-coded yes/no and enumerated columns.
Enumerated inputs (``disability``, ``schooling``, ...) may be text or integer codes: the
position of the value in :attr:`~slrt_core.rules.InputSpec.choices`.

Member age comes from an ``age`` column or a ``birth_date`` column (``datetime64[D]``),
taken on the evaluation date; ``has_nik`` from a ``has_nik`` or a ``nik`` column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from slrt_core.errors import InvalidInputError, Problem
from slrt_core.household import Household
from slrt_core.rules._inputs import INPUTS, RECEIVES_PREFIX, InputSpec, Scope, ValueType

__all__ = ["Column", "Population"]

BoolArray = npt.NDArray[np.bool_]
Array = npt.NDArray[Any]


class Column:
    """A normalised input column: values, and which are known (``None``: all known).

    Yes/no columns are bool arrays, numbers int64 or float64, enumerations int8 codes.
    """

    __slots__ = ("data", "known")

    def __init__(self, data: Array, known: BoolArray | None) -> None:
        self.data = data
        self.known = known


class _Raw:
    """A column as given: its values, a null mask, and categories if dictionary-coded."""

    __slots__ = ("array", "categories", "nulls")

    def __init__(
        self, array: Array, nulls: BoolArray | None = None, categories: Sequence[Any] | None = None
    ) -> None:
        self.array = array
        self.nulls = nulls
        self.categories = categories


def _module(obj: object) -> str:
    return type(obj).__module__.split(".")[0]


def _raw(obj: Any) -> _Raw:
    """Read one column of any supported kind."""
    reader = _READERS.get(_module(obj))
    if reader is not None:
        return reader(obj)
    if isinstance(obj, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(obj)
        return _Raw(np.ma.getdata(obj), mask if mask.any() else None)
    values = obj if isinstance(obj, np.ndarray) else np.asarray(obj)
    if values.dtype == object:
        nulls = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        return _Raw(values, nulls if nulls.any() else None)
    return _Raw(values)


def _raw_pandas(series: Any) -> _Raw:
    import pandas as pd  # noqa: PLC0415 - optional, only for pandas input

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        missing = codes < 0
        return _Raw(codes, missing if missing.any() else None, list(series.cat.categories))
    nulls = series.isna().to_numpy()
    found = nulls if nulls.any() else None
    dtype = series.dtype
    types = pd.api.types
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":  # numpy-backed: no copy
        return _Raw(series.to_numpy(), found if dtype.kind == "f" else None)
    if found is None and types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype=bool)
    elif found is None and types.is_integer_dtype(dtype):
        values = series.to_numpy(dtype=np.int64)
    elif types.is_bool_dtype(dtype) or types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    elif types.is_datetime64_any_dtype(dtype):
        values = series.to_numpy(dtype="datetime64[D]")
    else:
        values = series.to_numpy(dtype=object, na_value=None)
    return _Raw(values, found)


def _raw_arrow(array: Any) -> _Raw:
    import pyarrow as pa  # noqa: PLC0415 - optional, only for pyarrow input

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        codes = array.indices.to_numpy(zero_copy_only=False)
        nulls = array.is_null().to_numpy(zero_copy_only=False)
        codes = np.where(nulls, -1, np.nan_to_num(codes, nan=-1)).astype(np.int64)
        return _Raw(codes, nulls if nulls.any() else None, array.dictionary.to_pylist())
    nulls = None
    if array.null_count:
        nulls = array.is_null().to_numpy(zero_copy_only=False)
    if pa.types.is_boolean(array.type) or pa.types.is_integer(array.type):
        if nulls is not None:
            return _Raw(array.cast(pa.float64()).to_numpy(zero_copy_only=False), nulls)
        return _Raw(array.to_numpy(zero_copy_only=False))
    if pa.types.is_date(array.type) or pa.types.is_timestamp(array.type):
        values = array.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        return _Raw(values, nulls)
    if pa.types.is_floating(array.type):
        return _Raw(array.to_numpy(zero_copy_only=False), nulls)
    return _Raw(np.asarray(array.to_pylist(), dtype=object), nulls)


def _raw_polars(series: Any) -> _Raw:
    import polars as pl  # noqa: PLC0415 - optional, only for polars input

    dtype = series.dtype
    nulls = series.is_null().to_numpy() if series.null_count() else None
    if isinstance(dtype, pl.Enum):
        codes = series.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
        return _Raw(codes, nulls, list(dtype.categories))
    if dtype == pl.Categorical:
        series = series.cast(pl.String)
        dtype = series.dtype
    if dtype.is_temporal():
        return _Raw(series.cast(pl.Date).to_numpy().astype("datetime64[D]"), nulls)
    if dtype == pl.Boolean or dtype.is_integer():
        if nulls is not None:
            return _Raw(series.cast(pl.Float64).to_numpy(), nulls)
        return _Raw(series.to_numpy())
    if dtype.is_float():
        return _Raw(series.to_numpy(), nulls)
    return _Raw(np.asarray(series.to_list(), dtype=object), nulls)


_READERS: dict[str, Callable[[Any], _Raw]] = {
    "pandas": _raw_pandas,
    "pyarrow": _raw_arrow,
    "polars": _raw_polars,
}


def _table(obj: Any, name: str) -> tuple[dict[str, Any], int, list[Problem]]:
    """The columns of a table of any supported kind, its row count, and problems."""
    module = _module(obj)
    columns: dict[str, Any]
    if module == "pandas":
        columns = {str(c): obj[c] for c in obj.columns}
    elif module == "pyarrow":
        columns = {str(c): obj.column(c) for c in obj.column_names}
    elif module == "polars":
        columns = {str(c): obj[c] for c in obj.columns}
    elif isinstance(obj, Mapping):
        columns = dict(obj)
    else:
        problem = Problem(
            name,
            f"The {name} table must be a mapping of column name to array, a pandas or "
            f"polars DataFrame or a pyarrow Table; got {type(obj).__name__}.",
            f"Tabel {name} harus pemetaan nama kolom ke array, DataFrame pandas atau polars, "
            f"atau Table pyarrow; diterima {type(obj).__name__}.",
        )
        return {}, 0, [problem]
    lengths = {c: len(v) for c, v in columns.items()}
    rows = max(lengths.values(), default=0)
    problems = [
        Problem(
            f"{name}.{c}",
            f"Column {c!r} has {n} rows but the {name} table has {rows}; all columns of a "
            "table must be the same length.",
            f"Kolom {c!r} memiliki {n} baris padahal tabel {name} {rows}; semua kolom satu "
            "tabel harus sama panjang.",
        )
        for c, n in lengths.items()
        if n != rows
    ]
    return columns, rows, problems


def _enumeration(
    raw: _Raw, choices: Sequence[str], path: str, problems: list[Problem]
) -> Column | None:
    """An enumeration column: int8 codes, -1 (unknown) where not known."""
    codes = _codes(raw, choices, path, problems)
    if codes is None:
        return None
    return Column(codes, None if not (codes < 0).any() else codes >= 0)


def _text_codes(
    values: Array, choices: Sequence[str], path: str, problems: list[Problem]
) -> Array | None:
    """Codes of text values; empty text and ``None`` are unknown."""
    index = {c: i for i, c in enumerate(choices)}
    if values.dtype.kind == "O":
        values = np.asarray(["" if v is None else str(v) for v in values], dtype=str)
    uniques, inverse = np.unique(values, return_inverse=True)
    table = []
    bad = []
    for u in uniques.tolist():
        if u in {"", "nan", "None"}:
            table.append(-1)
        elif u in index:
            table.append(index[u])
        else:
            bad.append(u)
    if bad:
        problems.append(_bad_values(path, bad, choices))
        return None
    return np.asarray(table, dtype=np.int8)[inverse.reshape(-1)]


def _codes(raw: _Raw, choices: Sequence[str], path: str, problems: list[Problem]) -> Array | None:
    """Enumeration codes (int8, -1 unknown) from text, categories or integer codes."""
    values = raw.array
    if values.dtype.kind in "USO":
        return _text_codes(values, choices, path, problems)
    if raw.categories is not None:
        lookup = np.array(
            [choices.index(c) if c in choices else -2 for c in raw.categories] + [-1], dtype=np.int8
        )
        bad = [c for c in raw.categories if c not in choices]
        if bad:
            problems.append(_bad_values(path, bad, choices))
            return None
        codes = lookup[np.where(values < 0, len(raw.categories), values)]
        return codes.astype(np.int8, copy=False)
    if values.dtype.kind in "iu":
        if len(values) and (values.min() < -1 or values.max() >= len(choices)):
            problems.append(
                Problem(
                    path,
                    f"Integer codes must be -1 (unknown) to {len(choices) - 1}, the position "
                    f"in {', '.join(choices)}.",
                    f"Kode bilangan bulat harus -1 (tidak diketahui) sampai "
                    f"{len(choices) - 1}, yaitu urutan dalam {', '.join(choices)}.",
                )
            )
            return None
        codes = values.astype(np.int8, copy=False)
        return codes if raw.nulls is None else np.where(raw.nulls, np.int8(-1), codes)
    problems.append(_mistyped(path, f"text or integer codes of {', '.join(choices)}", values))
    return None


def _bad_values(path: str, bad: Sequence[Any], choices: Sequence[str]) -> Problem:
    shown = ", ".join(repr(b) for b in list(bad)[:5])
    return Problem(
        path,
        f"Unknown values {shown}; use one of {', '.join(choices)} (or leave empty when unknown).",
        f"Nilai {shown} tidak dikenal; gunakan salah satu dari {', '.join(choices)} (atau "
        "kosongkan bila tidak diketahui).",
    )


def _mistyped(path: str, wanted: str, values: Array) -> Problem:
    return Problem(
        path,
        f"Column of type {values.dtype} cannot be read as {wanted}. Convert the column.",
        f"Kolom bertipe {values.dtype} tidak dapat dibaca sebagai {wanted}. Ubah kolomnya.",
    )


def _boolean(raw: _Raw, path: str, problems: list[Problem]) -> Column | None:
    values = raw.array
    nulls = raw.nulls
    kind = values.dtype.kind
    if kind == "b":
        return Column(values, None if nulls is None else ~nulls)
    if kind in "iuf":
        unknown = np.isnan(values) if kind == "f" else values == -1
        if nulls is not None:
            unknown = unknown | nulls
        known_values = values[~unknown]
        if known_values.size and (
            known_values.min() < 0
            or known_values.max() > 1
            or (kind == "f" and not np.all(np.mod(known_values, 1) == 0))
        ):
            problems.append(_mistyped(path, "yes/no (true/false, 1/0, -1 or NaN unknown)", values))
            return None
        flags = np.zeros(len(values), dtype=bool)
        np.greater(values, 0, out=flags, where=~unknown)
        return Column(flags, ~unknown if unknown.any() else None)
    if kind == "O":
        unknown = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        ok = all(isinstance(v, (bool, np.bool_)) for v in values[~unknown])
        if not ok:
            problems.append(_mistyped(path, "yes/no (true/false)", values))
            return None
        flags = np.zeros(len(values), dtype=bool)
        flags[~unknown] = values[~unknown].astype(bool)
        return Column(flags, ~unknown if unknown.any() else None)
    problems.append(_mistyped(path, "yes/no (true/false)", values))
    return None


def _number(raw: _Raw, path: str, problems: list[Problem]) -> Column | None:
    values = raw.array
    nulls = raw.nulls
    kind = values.dtype.kind
    if kind in "iu":
        return Column(values, None if nulls is None else ~nulls)
    if kind == "f":
        unknown = np.isnan(values)
        if nulls is not None:
            unknown |= nulls
        return Column(values, ~unknown if unknown.any() else None)
    if kind == "O":
        unknown = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        try:
            numbers = np.where(unknown, np.nan, values).astype(float)
        except (TypeError, ValueError):
            problems.append(_mistyped(path, "numbers", values))
            return None
        return Column(numbers, ~unknown if unknown.any() else None)
    problems.append(_mistyped(path, "numbers", values))
    return None


def _ages(raw: _Raw, on: date, path: str, problems: list[Problem]) -> Column | None:
    values = raw.array
    if values.dtype.kind == "O":
        unknown = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        values = np.where(unknown, np.datetime64("NaT"), values).astype("datetime64[D]")
    elif values.dtype.kind != "M":
        problems.append(_mistyped(path, "dates (datetime64[D])", values))
        return None
    days = values.astype("datetime64[D]")
    unknown = np.isnat(days)
    if raw.nulls is not None:
        unknown |= raw.nulls
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    born_year = years.astype(np.int64) + 1970
    born_month = (months - years).astype(np.int64) + 1
    born_day = (days - months).astype(np.int64) + 1
    age = on.year - born_year
    age -= (born_month * 100 + born_day) > (on.month * 100 + on.day)
    if unknown.any():
        age[unknown] = 0
        return Column(age, ~unknown)
    return Column(age, None)


class Population:
    """Households and their members in columns, ready for :func:`~slrt_core.rules.screen`.

    Build one with :meth:`from_tables` or :meth:`from_households`. Columns are checked
    when a screening needs them; every missing or mistyped column is reported at once.

    Attributes:
        households: the number of households.
        persons: the number of persons.
        household: for each person, the row of its household (``intp``).
        regions: the distinct region codes.
        region_index: for each household, its position in :attr:`regions`.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        households: Mapping[str, Any],
        persons: Mapping[str, Any],
        n_households: int,
        n_persons: int,
        household: Array,
        regions: tuple[str, ...],
        region_index: Array,
    ) -> None:
        self._household_columns = households
        self._person_columns = persons
        self.households = n_households
        self.persons = n_persons
        self.household = household
        self.regions = regions
        self.region_index = region_index
        self._cache: dict[object, Any] = {}

    # ---------------------------------------------------------------- building

    @classmethod
    def from_tables(
        cls, households: Any, persons: Any, *, regions: Sequence[str] | None = None
    ) -> Population:
        """A population from a households table and a persons table.

        Args:
            households: one row per household, with a ``region`` column: region codes
                (text or categorical), or integer positions in *regions*.
            persons: one row per person, with a ``household`` column: the row of its
                household in *households*.
            regions: the region codes that integer ``region`` values point into.

        Raises:
            InvalidInputError: listing every problem of the structure (tables, the
                ``household`` and ``region`` columns).

        Examples:
            >>> import numpy as np
            >>> pop = Population.from_tables(
            ...     {"region": np.array(["33.74.01.1001", "33.74.01.1002"]),
            ...      "in_registry": np.array([True, False])},
            ...     {"household": np.array([0, 0, 1]), "age": np.array([34, 3, 70])})
            >>> pop.households, pop.persons, pop.regions
            (2, 3, ('33.74.01.1001', '33.74.01.1002'))
        """
        hh_columns, n_households, problems = _table(households, "households")
        p_columns, n_persons, more = _table(persons, "persons")
        problems += more
        household = size = region_index = np.zeros(0, dtype=np.intp)
        found_regions: tuple[str, ...] = ()
        if not problems:
            household, size = _household_index(p_columns, n_households, problems)
            found_regions, region_index = _regions(hh_columns, regions, problems)
        if problems:
            raise InvalidInputError(problems, subject="the population")
        made = cls(
            households=hh_columns,
            persons=p_columns,
            n_households=n_households,
            n_persons=n_persons,
            household=household,
            regions=found_regions,
            region_index=region_index,
        )
        made._cache["size"] = size
        return made

    @classmethod
    def from_households(cls, households: Iterable[Household]) -> Population:
        """A population from :class:`~slrt_core.household.Household` values.

        Every input the rules know is written as a column (unknown values as missing),
        with member ids and birth dates, so that screening it gives the decisions
        :func:`~slrt_core.rules.decide` gives.

        Examples:
            >>> from datetime import date
            >>> from slrt_core.household import Person, Relationship
            >>> from slrt_core.identity import RegionCode, Sex
            >>> head = Person(member_id="m1", relationship=Relationship.HEAD,
            ...               birth_date=date(1980, 5, 1), sex=Sex.FEMALE)
            >>> pop = Population.from_households(
            ...     [Household(region=RegionCode("33.74.01.1001"), members=(head,))])
            >>> pop.households, pop.persons
            (1, 1)
        """
        rows = list(households)
        hh: dict[str, list[Any]] = {"region": [h.region.code for h in rows]}
        received = sorted({code for h in rows for code in h.programs_received})
        for name, spec in INPUTS.items():
            if spec.scope is Scope.HOUSEHOLD and not spec.derived:
                hh[name] = [_household_value(h, name) for h in rows]
        for code in received:
            hh[f"{RECEIVES_PREFIX}{code}"] = [code in h.programs_received for h in rows]
        members = [(i, p) for i, h in enumerate(rows) for p in h.members]
        persons: dict[str, Any] = {
            "household": np.fromiter((i for i, _ in members), dtype=np.intp, count=len(members)),
            "member_id": np.asarray([p.member_id for _, p in members], dtype=object),
            "birth_date": np.asarray([p.birth_date for _, p in members], dtype="datetime64[D]"),
            "has_nik": np.asarray([p.nik is not None for _, p in members], dtype=bool),
        }
        for name, spec in INPUTS.items():
            if spec.scope is Scope.MEMBER and not spec.derived:
                persons[name] = [_member_value(p, name) for _, p in members]
        columns = {
            name: np.asarray(values, dtype=bool)
            if name.startswith(RECEIVES_PREFIX)
            else _as_column(values, INPUTS.get(name))
            for name, values in hh.items()
        }
        people = {
            name: values if isinstance(values, np.ndarray) else _as_column(values, INPUTS[name])
            for name, values in persons.items()
        }
        return cls.from_tables(columns, people)

    # ---------------------------------------------------------------- columns

    @property
    def size(self) -> Array:
        """The number of members of each household."""
        found = self._cache.get("size")
        if found is None:
            found = np.bincount(self.household, minlength=self.households)
            self._cache["size"] = found
        return found

    def has_column(self, name: str, scope: Scope) -> bool:
        """Whether the table of *scope* has a column *name*."""
        table = self._person_columns if scope is Scope.MEMBER else self._household_columns
        return name in table

    def columns(self, specs: Iterable[InputSpec], on: date) -> dict[str, Column]:
        """The normalised columns of *specs* on *on*.

        Raises:
            InvalidInputError: listing every missing or mistyped column.
        """
        problems: list[Problem] = []
        found: dict[str, Column] = {}
        for spec in specs:
            column = self._column(spec, on, problems)
            if column is not None:
                found[spec.name] = column
        if problems:
            raise InvalidInputError(problems, subject="the population")
        return found

    def _column(self, spec: InputSpec, on: date, problems: list[Problem]) -> Column | None:
        key = (spec.name, on) if spec.name == "age" else spec.name
        cached = self._cache.get(("column", key))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        column = self._read(spec, on, problems)
        if column is not None:
            self._cache["column", key] = column
        return column

    def _read(self, spec: InputSpec, on: date, problems: list[Problem]) -> Column | None:
        name = spec.name
        if name == "household_size":
            return Column(self.size, None)
        table_name = "persons" if spec.scope is Scope.MEMBER else "households"
        table = self._person_columns if spec.scope is Scope.MEMBER else self._household_columns
        path = f"{table_name}.{name}"
        if name not in table and name in _DERIVED and _DERIVED[name][0] in table:
            source, derive = _DERIVED[name]
            return derive(_raw(table[source]), on, f"{table_name}.{source}", problems)
        if name not in table:
            problems.append(_missing(path, spec))
            return None
        raw = _raw(table[name])
        if spec.type is ValueType.BOOL:
            return _boolean(raw, path, problems)
        if spec.type is ValueType.INT:
            return _number(raw, path, problems)
        return _enumeration(raw, spec.choices, path, problems)

    def member_ids(self, rows: Array) -> list[str]:
        """The member ids of the person *rows* of one household.

        Without a ``member_id`` column, they are ``m1``, ``m2``, ... in table order.
        """
        if "member_id" in self._person_columns:
            values = _raw(self._person_columns["member_id"]).array
            return [str(v) for v in values[rows]]
        return [f"m{k}" for k in range(1, len(rows) + 1)]

    def rows_of(self, index: int) -> Array:
        """The person rows of household *index*, in table order."""
        order = self._cache.get("order")
        if order is None:
            order = np.argsort(self.household, kind="stable")
            starts = np.concatenate(([0], np.cumsum(self.size)))
            self._cache["order"] = order
            self._cache["starts"] = starts
        starts = self._cache["starts"]
        return order[starts[index] : starts[index + 1]]

    def take(self, index: int) -> Population:
        """A population of household *index* alone (for one explanation)."""
        rows = self.rows_of(index)
        households = {n: _take(v, np.array([index])) for n, v in self._household_columns.items()}
        persons = {n: _take(v, rows) for n, v in self._person_columns.items()}
        persons["household"] = np.zeros(len(rows), dtype=np.intp)
        persons["member_id"] = np.asarray(self.member_ids(rows), dtype=object)
        return Population(
            households=households,
            persons=persons,
            n_households=1,
            n_persons=len(rows),
            household=persons["household"],
            regions=(self.regions[int(self.region_index[index])],),
            region_index=np.zeros(1, dtype=np.intp),
        )


def _take(column: Any, rows: Array) -> Any:
    module = _module(column)
    if module in {"pandas", "pyarrow", "polars"}:
        raw = _raw(column)
        values = raw.array[rows]
        if raw.categories is not None:
            cats = list(raw.categories)
            return np.asarray([None if c < 0 else cats[c] for c in values.tolist()], dtype=object)
        if raw.nulls is not None:
            return np.ma.MaskedArray(values, mask=raw.nulls[rows])
        return values
    if isinstance(column, np.ma.MaskedArray):
        return column[rows]
    return np.asarray(column)[rows] if not isinstance(column, np.ndarray) else column[rows]


def _has_nik(raw: _Raw, _on: date, _path: str, _problems: list[Problem]) -> Column:
    """Whether each person has a NIK: a ``nik`` column that is not empty."""
    known = np.ones(len(raw.array), dtype=bool) if raw.nulls is None else ~raw.nulls
    return Column(known, None)


_DERIVED: dict[str, tuple[str, Callable[[_Raw, date, str, list[Problem]], Column | None]]] = {
    "age": ("birth_date", _ages),
    "has_nik": ("nik", _has_nik),
}


def _missing(path: str, spec: InputSpec) -> Problem:
    extra = ""
    extra_id = ""
    if spec.name == "age":
        extra, extra_id = " (or a birth_date column)", " (atau kolom birth_date)"
    elif spec.name == "has_nik":
        extra, extra_id = " (or a nik column)", " (atau kolom nik)"
    return Problem(
        path,
        f"Column {spec.name!r}{extra} is missing; the rules read it ({spec.label_en}). Add it, "
        "with missing values where it is unknown.",
        f"Kolom {spec.name!r}{extra_id} tidak ada; aturan membacanya ({spec.label_id}). "
        "Tambahkan, dengan nilai kosong bila tidak diketahui.",
    )


def _household_index(
    columns: Mapping[str, Any], n: int, problems: list[Problem]
) -> tuple[Array, Array]:
    """The household row of each person, and the number of persons of each household."""
    if "household" not in columns:
        problems.append(
            Problem(
                "persons.household",
                "Column 'household' is missing: give each person the row of its household.",
                "Kolom `household` tidak ada: beri setiap orang baris rumah tangganya.",
            )
        )
        return np.zeros(0, dtype=np.intp), np.zeros(n, dtype=np.intp)
    raw = _raw(columns["household"])
    values = raw.array
    if values.dtype.kind not in "iu" or raw.nulls is not None:
        problems.append(_mistyped("persons.household", "household rows (integers)", values))
        return np.zeros(0, dtype=np.intp), np.zeros(n, dtype=np.intp)
    values = values.astype(np.intp, copy=False)
    try:  # counting members checks the range too, in one pass
        size = np.bincount(values, minlength=n)
    except ValueError:  # a negative row
        size = None
    if size is None or len(size) > n:
        problems.append(
            Problem(
                "persons.household",
                f"Household rows must be 0 to {n - 1} (the households table has {n} rows); "
                f"found {values.min()} to {values.max()}.",
                f"Baris rumah tangga harus 0 sampai {n - 1} (tabel rumah tangga punya {n} "
                f"baris); ditemukan {values.min()} sampai {values.max()}.",
            )
        )
        return values, np.zeros(n, dtype=np.intp)
    return values, size


def _regions(
    columns: Mapping[str, Any], regions: Sequence[str] | None, problems: list[Problem]
) -> tuple[tuple[str, ...], Array]:
    if "region" not in columns:
        problems.append(
            Problem(
                "households.region",
                "Column 'region' is missing: give each household its village code "
                "(such as 33.74.01.1001).",
                "Kolom 'region' tidak ada: beri setiap rumah tangga kode desanya (seperti "
                "33.74.01.1001).",
            )
        )
        return (), np.zeros(0, dtype=np.intp)
    raw = _raw(columns["region"])
    values = raw.array
    if raw.nulls is not None:
        problems.append(
            Problem(
                "households.region",
                "Some households have no region; every household needs its village code.",
                "Sebagian rumah tangga tidak punya wilayah; setiap rumah tangga perlu kode "
                "desanya.",
            )
        )
        return (), np.zeros(0, dtype=np.intp)
    if raw.categories is not None:
        return tuple(str(c) for c in raw.categories), values.astype(np.intp, copy=False)
    if values.dtype.kind in "iu":
        if regions is None or (len(values) and (values.min() < 0 or values.max() >= len(regions))):
            problems.append(
                Problem(
                    "households.region",
                    "Integer regions must be positions in the regions list given as "
                    "regions=[...]; pass that list, or give region codes as text.",
                    "Wilayah berupa bilangan bulat harus urutan dalam daftar regions=[...]; "
                    "berikan daftar itu, atau tulis kode wilayah sebagai teks.",
                )
            )
            return (), np.zeros(0, dtype=np.intp)
        return tuple(str(r) for r in regions), values.astype(np.intp, copy=False)
    uniques, inverse = np.unique(values.astype(str), return_inverse=True)
    return tuple(str(u) for u in uniques), inverse.reshape(-1).astype(np.intp, copy=False)


def _household_value(h: Household, name: str) -> Any:
    from slrt_core.rules._inputs import household_getter  # noqa: PLC0415 - local helper

    return household_getter(name)(h)


def _member_value(p: Any, name: str) -> Any:
    from slrt_core.rules._inputs import member_column  # noqa: PLC0415 - local helper

    return member_column(name)([p], date(2000, 1, 1))[0]


def _as_column(values: list[Any], spec: InputSpec | None) -> Any:
    """Python values as a numpy column that keeps ``None`` as missing."""
    if spec is None:
        return np.asarray(values, dtype=object)
    unknown = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    if spec.type is ValueType.BOOL:
        data = np.asarray([bool(v) for v in values], dtype=bool)
        return np.ma.MaskedArray(data, mask=unknown) if unknown.any() else data
    if spec.type is ValueType.INT:
        data = np.asarray([0 if v is None else v for v in values], dtype=np.int64)
        return np.ma.MaskedArray(data, mask=unknown) if unknown.any() else data
    return np.asarray(values, dtype=object)
