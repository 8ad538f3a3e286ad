r"""Tables written a batch at a time, as CSV or Parquet: what exports and KPI reports share.

A :class:`TableWriter` takes the columns of a table (name and type) and then batches of
rows, and writes each batch as it comes: CSV text (UTF-8, a header line, times in ISO
8601 UTC, empty for a missing value) or Parquet row groups (pyarrow, from the
``parquet`` or ``sim`` extra), so a table of any length is written in the memory of one
batch. Without pyarrow, asking for Parquet raises a :class:`~slrt_core.SlrtError` that
says, in both languages, which extra to install.

Examples:
    >>> import io
    >>> out = io.BytesIO()
    >>> with TableWriter(out, (Column("case_id"), Column("cases", "int")), "csv") as table:
    ...     table.write([("c1", 3), ("c2", None)])
    >>> out.getvalue().decode()
    'case_id,cases\nc1,3\nc2,\n'

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self, TypeAlias

import attrs

from slrt_core.errors import InvalidInputError, SlrtError

__all__ = ["FORMATS", "Column", "ColumnType", "Format", "TableWriter", "format_of", "require"]

#: The table formats.
Format: TypeAlias = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")

#: What a column holds: text, whole numbers, decimals, yes/no, or an instant (UTC).
ColumnType: TypeAlias = Literal["str", "int", "float", "bool", "time"]

#: The optional packages and the extra that installs each.
_EXTRA = {"pyarrow": "parquet", "pyarrow.parquet": "parquet", "matplotlib": "plot"}


def require(module: str) -> Any:
    """Import an optional *module*, or raise a :class:`~slrt_core.SlrtError` naming its extra.

    Examples:
        >>> require("math").floor(2.5)
        2
        >>> require("pyarrow_is_not_this")
        Traceback (most recent call last):
        ...
        slrt_core.errors.SlrtError: This needs the Python package pyarrow_is_not_this, ...
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".", maxsplit=1)[0]
        extra = _EXTRA.get(module, _EXTRA.get(package, "parquet"))
        raise SlrtError(
            f"This needs the Python package {package}, which is not installed: "
            f"pip install 'slrt-core[{extra}]'.",
            message_id=f"Fitur ini memerlukan paket Python {package}, yang belum terpasang: "
            f"pip install 'slrt-core[{extra}]'.",
        ) from exc


@attrs.frozen
class Column:
    """One column of a table: its name and what it holds."""

    name: str
    type: ColumnType = "str"


def format_of(out: object, format: str | None) -> Format:  # noqa: A002 - the option's name
    """The format asked for, or the one the file name's suffix says (``.csv``, ``.parquet``).

    Raises:
        InvalidInputError: neither says a known format.

    Examples:
        >>> format_of("cases.parquet", None), format_of("x.bin", "csv")
        ('parquet', 'csv')
    """
    chosen = format
    if chosen is None and isinstance(out, str | Path):
        chosen = Path(out).suffix.lstrip(".").lower() or None
    if chosen == "csv":
        return "csv"
    if chosen == "parquet":
        return "parquet"
    raise InvalidInputError.single(
        "format",
        f"Unknown table format {chosen!r}; use 'csv' or 'parquet' (or a file name ending "
        "in .csv or .parquet).",
        f"Format tabel {chosen!r} tidak dikenal; gunakan `csv` atau `parquet` (atau nama "
        "berkas yang berakhiran `.csv` atau `.parquet`).",
    )


def _utc_text(value: object) -> object:
    """A time as ISO 8601 UTC text (stored texts are UTC already, and pass unchanged)."""
    if isinstance(value, str) and value and not value.endswith("+00:00"):
        return datetime.fromisoformat(value).astimezone(UTC).isoformat()
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def _all_utc_text(values: list[Any]) -> bool:
    """Whether every one of *values* is missing or ISO text ending in the UTC offset."""
    try:
        # A set of the last six characters: one pass in C, instead of a call per value.
        return {v[-6:] for v in values if v is not None} <= {"+00:00"}
    except TypeError:  # a datetime (or a number) among them
        return False


def _iso_text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _utc_time(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


class TableWriter:
    """Writes a table to *out* one batch of rows at a time (a context manager).

    A table written to a path goes to ``<path>.part`` first and takes the path's name
    only when :meth:`close` finishes it: a failed export never leaves a half file under
    the name asked for (and leaving the ``with`` block on an error removes the part).

    Args:
        out: a file path, or a binary file open for writing (left open).
        columns: the columns, in order.
        format: ``"csv"`` or ``"parquet"``.

    Raises:
        SlrtError: Parquet without pyarrow installed.
    """

    def __init__(
        self,
        out: str | Path | IO[bytes],
        columns: Sequence[Column],
        format: Format,  # noqa: A002 - the option's name
    ) -> None:
        self.columns = tuple(columns)
        self.format: Format = format
        self.rows = 0
        self._pa: Any = None
        self._pq: Any = None
        if format == "parquet":
            self._pa = require("pyarrow")
            self._pq = require("pyarrow.parquet")
            self._schema = self._pa.schema([(c.name, self._arrow_type(c.type)) for c in columns])
        self._path = Path(out) if isinstance(out, str | Path) else None
        self._part = None if self._path is None else self._path.with_name(self._path.name + ".part")
        self._file: IO[bytes] = (
            self._part.open("wb") if self._part is not None else out  # type: ignore[assignment]
        )
        self._parquet: Any = None
        self._text: io.TextIOWrapper | None = None
        if format == "csv":
            self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
            self._csv = csv.writer(self._text, lineterminator="\n")
            self._csv.writerow([c.name for c in self.columns])
        else:
            self._parquet = self._pq.ParquetWriter(self._file, self._schema)

    def _arrow_type(self, kind: ColumnType) -> Any:
        pa = self._pa
        return {
            "str": pa.string(),
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "time": pa.timestamp("us", tz="UTC"),
        }[kind]

    def write(self, rows: Iterable[Sequence[object]]) -> None:
        """Write one batch of rows (each with a value per column, ``None`` for missing)."""
        batch = list(rows)
        if not batch:
            return
        self.rows += len(batch)
        if self._text is not None:
            self._csv.writerows(self._in_utc(batch))  # csv writes None as empty
            return
        arrays = []
        for i, column in enumerate(self.columns):
            values = [row[i] for row in batch]
            kind = self._arrow_type(column.type)
            if column.type == "time" and any(isinstance(v, str) for v in values):
                # ISO texts with their offset: Arrow parses them in C, to UTC.
                texts = [None if v is None or v == "" else _iso_text(v) for v in values]
                arrays.append(self._pa.array(texts, type=self._pa.string()).cast(kind))
            else:
                if column.type == "time":
                    values = [_utc_time(v) for v in values]
                arrays.append(self._pa.array(values, type=kind))
        self._parquet.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))

    def _in_utc(self, batch: list[Sequence[object]]) -> list[Sequence[object]]:
        """*batch* with every time as UTC text; stored times are already, and are left be."""
        convert = [
            i
            for i, c in enumerate(self.columns)
            if c.type == "time" and not _all_utc_text([row[i] for row in batch])
        ]
        if not convert:
            return batch
        fixed = [list(row) for row in batch]
        for values in fixed:
            for i in convert:
                values[i] = _utc_text(values[i])
        return fixed  # type: ignore[return-value]

    def close(self) -> None:
        """Finish the file (a Parquet footer), and close it when it was opened by path."""
        if self._text is not None:
            self._text.flush()
            self._text.detach()  # leave the binary file to its owner
            self._text = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._part is not None and self._path is not None:
            self._file.close()
            self._part.replace(self._path)
            self._part = None

    def abort(self) -> None:
        """Stop writing; a table written to a path leaves no file behind."""
        if self._text is not None:
            self._text.detach()  # never close the caller's file through the wrapper
            self._text = None
        if self._parquet is not None:
            try:
                self._parquet.close()
            finally:
                self._parquet = None
        if self._part is not None:
            self._file.close()
            self._part.unlink(missing_ok=True)
            self._part = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            self.close()
        else:
            self.abort()
