"""The duplicate-candidate index of the SQL stores: schema, rows, queries.

Both database adapters keep the :class:`~slrt_core.ports.CandidateIndex` in two
tables, holding keyed tokens only (:mod:`slrt_core.dedup`), never a name, a birth date
or a number in clear:

- ``dedup_keys (key, case_id, exact)``: one row per key a case is filed under (its NIK
  and KK tokens, ``exact = 1``, and its blocking keys); the primary key ``(key,
  case_id)`` answers the look-up of an intake's keys;
- ``dedup_cases (case_id, region, suspects, tokens)``: the tokens the scorer compares
  (JSON, :meth:`~slrt_core.dedup.HouseholdTokens.to_json`), the village code and the
  number of open duplicate-suspect flags (the supervisors' worklist).

An adapter calls :func:`write_dedup` inside a commit's transaction (right after the
events) when the commit carries an entry, and :func:`drop_dedup` when it erases the
case, so the index commits or rolls back with the events.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from slrt_core.dedup import HouseholdTokens
from slrt_core.ports import DedupEntry

__all__ = [
    "POSTGRES_DEDUP_SCHEMA",
    "SQLITE_DEDUP_SCHEMA",
    "candidates_sql",
    "commit_dedup",
    "drop_dedup",
    "flagged_sql",
    "tokens_sql",
    "write_dedup",
]

#: The SQLite migration that adds the candidate index.
SQLITE_DEDUP_SCHEMA = """
CREATE TABLE dedup_cases (
    case_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    suspects INTEGER NOT NULL,
    tokens TEXT NOT NULL
);
CREATE INDEX dedup_cases_flagged ON dedup_cases (region) WHERE suspects > 0;
CREATE TABLE dedup_keys (
    key TEXT NOT NULL,
    case_id TEXT NOT NULL,
    exact INTEGER NOT NULL,
    PRIMARY KEY (key, case_id)
) WITHOUT ROWID;
CREATE INDEX dedup_keys_case ON dedup_keys (case_id);
"""

#: The PostgreSQL migration that adds the candidate index.
POSTGRES_DEDUP_SCHEMA = """
CREATE TABLE dedup_cases (
    case_id text PRIMARY KEY,
    region text NOT NULL,
    suspects integer NOT NULL,
    tokens text NOT NULL
);
CREATE INDEX dedup_cases_flagged ON dedup_cases (region text_pattern_ops) WHERE suspects > 0;
CREATE TABLE dedup_keys (
    key text NOT NULL,
    case_id text NOT NULL,
    exact integer NOT NULL,
    PRIMARY KEY (key, case_id)
);
CREATE INDEX dedup_keys_case ON dedup_keys (case_id);
"""


class _Executes(Protocol):
    """What runs one statement: a DB-API cursor, a SQLite or psycopg connection."""

    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...


class _Cursor(_Executes, Protocol):
    """What runs a statement, and one over many rows."""

    def executemany(self, sql: Any, params: Any, /) -> Any: ...


def _marks(dialect: str, count: int) -> str:
    mark = "?" if dialect == "sqlite" else "%s"
    return ", ".join([mark] * count)


def drop_dedup(cur: _Executes, case_id: str, dialect: str) -> None:
    """Delete the case's entry (keys and tokens)."""
    mark = "?" if dialect == "sqlite" else "%s"
    cur.execute(f"DELETE FROM dedup_keys WHERE case_id = {mark}", (case_id,))  # noqa: S608
    cur.execute(f"DELETE FROM dedup_cases WHERE case_id = {mark}", (case_id,))  # noqa: S608


def commit_dedup(
    cur: _Cursor, case_id: str, entry: DedupEntry | None, dialect: str, *, erased: bool, new: bool
) -> None:
    """In a commit's transaction: drop the entry of an erased case, else file *entry*."""
    if erased:
        drop_dedup(cur, case_id, dialect)
    elif entry is not None:
        write_dedup(cur, case_id, entry, dialect, new=new)


def write_dedup(
    cur: _Cursor, case_id: str, entry: DedupEntry, dialect: str, *, new: bool = False
) -> None:
    """File *entry* as the case's entry, replacing any (*new*: the case had none)."""
    if not new:
        drop_dedup(cur, case_id, dialect)
    tokens = entry.tokens
    if tokens is None:
        return
    marks = _marks(dialect, 4)
    cur.execute(
        f"INSERT INTO dedup_cases (case_id, region, suspects, tokens) VALUES ({marks})",  # noqa: S608
        (case_id, entry.region, entry.suspects, tokens.to_json()),
    )
    exact = tokens.exact
    cur.executemany(
        f"INSERT INTO dedup_keys (key, case_id, exact) VALUES ({_marks(dialect, 3)})",  # noqa: S608
        [(key, case_id, int(key in exact)) for key in sorted(tokens.keys)],
    )


def candidates_sql(keys: Collection[str], limit: int, dialect: str) -> tuple[str, list[Any]]:
    """The query of :meth:`~slrt_core.ports.CandidateIndex.dedup_candidates`."""
    params: list[Any]
    if dialect == "sqlite":
        where, params = f"key IN ({_marks(dialect, len(keys))})", [*keys]
        mark = "?"
    else:
        where, params = "key = ANY(%s)", [list(keys)]
        mark = "%s"
    sql = (
        f"SELECT case_id FROM dedup_keys WHERE {where} GROUP BY case_id"  # noqa: S608
        f" ORDER BY sum(exact) DESC, count(*) DESC, case_id LIMIT {mark}"
    )
    return sql, [*params, limit]


def tokens_sql(case_ids: Collection[str], dialect: str) -> tuple[str, list[Any]]:
    """The query of :meth:`~slrt_core.ports.CandidateIndex.dedup_tokens`."""
    params: list[Any]
    if dialect == "sqlite":
        where, params = f"case_id IN ({_marks(dialect, len(case_ids))})", [*case_ids]
    else:
        where, params = "case_id = ANY(%s)", [list(case_ids)]
    return f"SELECT case_id, tokens FROM dedup_cases WHERE {where}", params  # noqa: S608


def flagged_sql(within: str | None, dialect: str) -> tuple[str, list[Any]]:
    """The query of :meth:`~slrt_core.ports.CandidateIndex.dedup_flagged`."""
    mark = "?" if dialect == "sqlite" else "%s"
    sql = "SELECT case_id FROM dedup_cases WHERE suspects > 0"
    params: list[Any] = []
    if within:
        # PostgreSQL's LIKE escapes with a backslash by default; SQLite's has no escape,
        # and region codes hold only digits and dots.
        prefix = within if dialect == "sqlite" else _like_prefix(within)
        sql += f" AND (region = {mark} OR region LIKE {mark})"
        params += [within, prefix + ".%"]
    return sql + " ORDER BY case_id", params


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def decode_tokens(rows: Collection[tuple[str, str]]) -> dict[str, HouseholdTokens]:
    """Case id -> tokens of ``(case_id, tokens)`` rows."""
    return {str(case_id): HouseholdTokens.from_json(body) for case_id, body in rows}
