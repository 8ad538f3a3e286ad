"""The read-model tables of the SQL stores: schema, rows a commit writes, page queries.

Both database adapters keep the summaries of :mod:`slrt_core.projections` in three
tables: ``case_summaries`` (one row per case), ``case_assignees`` (one row per case and
assigned worker) and ``referral_summaries`` (one row per referral). Each row holds the
summary as JSON (``body``, what a query returns) beside the columns the indexes and
filters use; nothing in them is personal data.

An adapter calls :func:`projection_rows` before its transaction and
:func:`write_projection` inside it (right after the events), so the summaries commit
or roll back with the events. The queries are built here once for both dialects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, Protocol, overload

import attrs

from slrt_core.adapters._records import decode_events
from slrt_core.case._events import Event, replay
from slrt_core.case._model import Case
from slrt_core.ports import Commit
from slrt_core.projections import (
    FAR_FUTURE,
    CaseOrder,
    CaseSelection,
    CaseSummary,
    ReferralOrder,
    ReferralSelection,
    ReferralSummary,
    case_of_row,
    case_row,
    referral_of_row,
    referral_row,
    sector_mask,
    status_mask,
    summarize,
)

__all__ = [
    "POSTGRES",
    "POSTGRES_SCHEMA",
    "POSTGRES_STAGES",
    "SQLITE",
    "SQLITE_SCHEMA",
    "SQLITE_STAGES",
    "Dialect",
    "ProjectionRows",
    "StoredPage",
    "case_page",
    "commit_projection",
    "count_cases",
    "count_referrals",
    "decode_case",
    "decode_referral",
    "decode_row",
    "due_referrals",
    "projection_rows",
    "rebuild_rows",
    "referral_page",
    "write_projection",
]

#: The SQLite migration that adds the read-model tables.
SQLITE_SCHEMA = """
CREATE TABLE case_summaries (
    case_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    regency TEXT NOT NULL,
    state TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    emergency INTEGER NOT NULL,
    priority TEXT NOT NULL,
    urgency INTEGER NOT NULL,
    registered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    open_sectors INTEGER NOT NULL,
    referral_statuses INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX case_summaries_registered ON case_summaries (regency, registered_at, case_id);
CREATE INDEX case_summaries_state ON case_summaries (state, regency, registered_at, case_id);
CREATE INDEX case_summaries_deadline ON case_summaries (deadline, case_id);
CREATE INDEX case_summaries_priority ON case_summaries (urgency, registered_at, case_id);
CREATE TABLE case_assignees (
    case_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    PRIMARY KEY (case_id, actor_id)
);
CREATE INDEX case_assignees_actor ON case_assignees (actor_id, case_id);
CREATE TABLE referral_summaries (
    referral_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    region TEXT NOT NULL,
    regency TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    status TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    escalation_level INTEGER NOT NULL,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX referral_summaries_case ON referral_summaries (case_id);
CREATE INDEX referral_summaries_provider
    ON referral_summaries (provider_id, status, deadline, referral_id);
CREATE INDEX referral_summaries_due ON referral_summaries (is_open, deadline, referral_id);
CREATE INDEX referral_summaries_requested
    ON referral_summaries (regency, requested_at, referral_id);
"""

#: The PostgreSQL migration that adds the read-model tables.
POSTGRES_SCHEMA = """
CREATE TABLE case_summaries (
    case_id text PRIMARY KEY,
    region text NOT NULL,
    regency text NOT NULL,
    state text NOT NULL,
    channel text NOT NULL,
    kind text NOT NULL,
    emergency boolean NOT NULL,
    priority text NOT NULL,
    urgency integer NOT NULL,
    registered_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deadline timestamptz NOT NULL,
    open_sectors integer NOT NULL,
    referral_statuses integer NOT NULL,
    body text NOT NULL
);
CREATE INDEX case_summaries_registered
    ON case_summaries (regency text_pattern_ops, registered_at, case_id);
CREATE INDEX case_summaries_state ON case_summaries (state, regency, registered_at, case_id);
CREATE INDEX case_summaries_deadline ON case_summaries (deadline, case_id);
CREATE INDEX case_summaries_priority ON case_summaries (urgency, registered_at, case_id);
CREATE TABLE case_assignees (
    case_id text NOT NULL,
    actor_id text NOT NULL,
    PRIMARY KEY (case_id, actor_id)
);
CREATE INDEX case_assignees_actor ON case_assignees (actor_id, case_id);
CREATE TABLE referral_summaries (
    referral_id text PRIMARY KEY,
    case_id text NOT NULL,
    region text NOT NULL,
    regency text NOT NULL,
    provider_id text NOT NULL,
    service_id text NOT NULL,
    sector text NOT NULL,
    status text NOT NULL,
    is_open boolean NOT NULL,
    escalation_level integer NOT NULL,
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deadline timestamptz NOT NULL,
    body text NOT NULL
);
CREATE INDEX referral_summaries_case ON referral_summaries (case_id);
CREATE INDEX referral_summaries_provider
    ON referral_summaries (provider_id, status, deadline, referral_id);
CREATE INDEX referral_summaries_due ON referral_summaries (is_open, deadline, referral_id);
CREATE INDEX referral_summaries_requested
    ON referral_summaries (regency text_pattern_ops, requested_at, referral_id);
"""


#: The SQLite migration 6: the summaries gained their stage timestamps, every need's
#: sector, the closing reason and the SLA facts of referrals (a new stored form, so the
#: store rebuilds them once), and the KPIs read the cases changed since a period began
#: through an index on the time of their last change (so do worklists ordered by it).
SQLITE_STAGES = """
CREATE INDEX case_summaries_updated ON case_summaries (regency, updated_at, case_id);
"""

#: The PostgreSQL migration 6 (see :data:`SQLITE_STAGES`).
POSTGRES_STAGES = """
CREATE INDEX case_summaries_updated
    ON case_summaries (regency text_pattern_ops, updated_at, case_id);
"""


def _utc_iso(value: datetime) -> str:
    # One offset for every stored time, so the text sorts in time order.
    return value.astimezone(UTC).isoformat()


@attrs.frozen
class Dialect:
    """How one database spells placeholders, times and flags."""

    placeholder: str
    time: Callable[[datetime], object]
    flag: Callable[[bool], object]

    def key(self, values: Iterable[object]) -> list[object]:
        """A page key's values as this database compares them."""
        return [self.time(v) if isinstance(v, datetime) else v for v in values]


SQLITE = Dialect("?", _utc_iso, int)
POSTGRES = Dialect("%s", lambda v: v, bool)


_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


def decode_case(body: str | bytes) -> CaseSummary:
    """The summary stored in a ``case_summaries.body`` (a :func:`case_row` list)."""
    return case_of_row(_loads(body))


def decode_referral(body: str | bytes) -> ReferralSummary:
    """The summary stored in a ``referral_summaries.body``."""
    return referral_of_row(_loads(body))


def decode_row(body: str | bytes) -> list[Any]:
    """The stored form of a summary in a ``body`` (a ``case_row`` or ``referral_row`` list)."""
    row: list[Any] = _loads(body)
    return row


class StoredPage(Sequence[list[Any]]):
    """A page of stored summaries (``body`` texts), each decoded when it is read.

    Bulk readers go through a page one row at a time. Decoding the whole page first
    kept about ten thousand lists alive per page, long enough to reach the collector's
    oldest generation and set off full collections of the heap: an export spent twice
    as long in the collector as in decoding. Decoded as read, a row dies young.
    """

    __slots__ = ("_bodies",)

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._bodies: list[str | bytes] = [r[0] for r in rows]

    def __len__(self) -> int:
        return len(self._bodies)

    @overload
    def __getitem__(self, index: int) -> list[Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[Any]]: ...

    def __getitem__(self, index: int | slice) -> list[Any] | list[list[Any]]:
        if isinstance(index, slice):
            return [decode_row(b) for b in self._bodies[index]]
        return decode_row(self._bodies[index])

    def __iter__(self) -> Iterator[list[Any]]:
        return map(decode_row, self._bodies)


@attrs.frozen(kw_only=True)
class ProjectionRows:
    """The read-model rows of one case after a commit (none when the case was erased)."""

    case_id: str
    new: bool
    case: tuple[object, ...] | None
    assignees: list[tuple[str, str]]
    referral_ids: list[tuple[str]]
    referrals: list[tuple[object, ...]]


#: Payloads that change their own referral and nothing a referral summary reads from
#: the case (its region, the sector of a need).
_OWN_REFERRAL_ONLY = frozenset(
    {"referral_requested", "referral_status_changed", "referral_escalated", "receipt_confirmed"}
)


def commit_projection(commit: Commit, d: Dialect) -> ProjectionRows:
    """The rows :func:`write_projection` writes for *commit*, built outside the transaction.

    A commit whose events all act on referrals rewrites the summaries of those referrals
    only (the sweep's escalations on a case with many referrals); any other rewrites all.
    """
    new = commit.expected_version == 0
    only = None
    if not new and all(e.type in _OWN_REFERRAL_ONLY for e in commit.events):
        only = frozenset(getattr(e.payload, "referral_id", "") for e in commit.events)
    return projection_rows(commit.case, d, erased=commit.erases, new=new, only=only)


def projection_rows(
    case: Case,
    d: Dialect,
    *,
    erased: bool = False,
    new: bool = False,
    only: frozenset[str] | None = None,
) -> ProjectionRows:
    """The rows :func:`write_projection` writes for *case*, built outside the transaction.

    *new*: the commit creates the case (nothing to replace); *erased*: it erases it;
    *only*: the referrals whose summaries may have changed (``None``: every one).
    """
    if erased:
        return ProjectionRows(
            case_id=case.case_id,
            new=False,
            case=None,
            assignees=[],
            referral_ids=[(r.referral_id,) for r in case.referrals],
            referrals=[],
        )
    s, referrals = summarize(case)
    row = (
        s.case_id,
        s.region.code,
        s.region.code[:5],
        s.state.value,
        s.channel.value,
        s.kind.value,
        d.flag(s.emergency),
        s.priority.value,
        s.urgency,
        d.time(s.registered_at),
        d.time(s.updated_at),
        d.time(s.next_due_at or FAR_FUTURE),
        sector_mask(s.open_sectors),
        status_mask(s.referral_statuses),
        _dumps(case_row(s)),
    )
    return ProjectionRows(
        case_id=s.case_id,
        new=new,
        case=row,
        assignees=[(s.case_id, a) for a in s.assignees],
        referral_ids=[],
        referrals=[
            (
                r.referral_id,
                r.case_id,
                r.region.code,
                r.region.code[:5],
                r.provider_id,
                r.service_id,
                r.sector.value,
                r.status.value,
                d.flag(r.is_open),
                r.escalation_level,
                d.time(r.requested_at),
                d.time(r.updated_at),
                d.time(r.due_at or FAR_FUTURE),
                _dumps(referral_row(r)),
            )
            for r in referrals
            if only is None or r.referral_id in only
        ],
    )


class _Cursor(Protocol):
    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: Any, params: Any, /) -> Any: ...


_CASE_COLUMNS = (
    "case_id, region, regency, state, channel, kind, emergency, priority, urgency,"
    " registered_at, updated_at, deadline, open_sectors, referral_statuses, body"
)
_REFERRAL_COLUMNS = (
    "referral_id, case_id, region, regency, provider_id, service_id, sector, status, is_open,"
    " escalation_level, requested_at, updated_at, deadline, body"
)


def write_projection(cur: _Cursor, rows: ProjectionRows, d: Dialect) -> None:
    """Write *rows* in the caller's transaction (SQLite connection or psycopg cursor)."""
    p = d.placeholder
    if rows.case is None:
        for table in ("case_summaries", "case_assignees", "referral_summaries"):
            cur.execute(f"DELETE FROM {table} WHERE case_id = {p}", (rows.case_id,))  # noqa: S608 - fixed names
        return
    marks = ", ".join([p] * len(rows.case))
    update = ", ".join(f"{c} = EXCLUDED.{c}" for c in _CASE_COLUMNS.split(", ")[1:])
    cur.execute(
        f"INSERT INTO case_summaries ({_CASE_COLUMNS}) VALUES ({marks})"  # noqa: S608 - fixed names
        f" ON CONFLICT (case_id) DO UPDATE SET {update}",
        rows.case,
    )
    if not rows.new:
        cur.execute(f"DELETE FROM case_assignees WHERE case_id = {p}", (rows.case_id,))  # noqa: S608 - fixed names
    if rows.assignees:
        cur.executemany(
            f"INSERT INTO case_assignees (case_id, actor_id) VALUES ({p}, {p})"  # noqa: S608 - fixed names
            " ON CONFLICT DO NOTHING",
            rows.assignees,
        )
    if rows.referrals:
        marks = ", ".join([p] * len(rows.referrals[0]))
        update = ", ".join(f"{c} = EXCLUDED.{c}" for c in _REFERRAL_COLUMNS.split(", ")[1:])
        cur.executemany(
            f"INSERT INTO referral_summaries ({_REFERRAL_COLUMNS}) VALUES ({marks})"  # noqa: S608 - fixed names
            f" ON CONFLICT (referral_id) DO UPDATE SET {update}",
            rows.referrals,
        )


# --------------------------------------------------------------------------- queries


class _Where:
    """Conditions and their parameters, joined by AND."""

    def __init__(self, d: Dialect) -> None:
        self.d = d
        self.sql: list[str] = []
        self.params: list[object] = []

    def add(self, sql: str, *params: object) -> None:
        self.sql.append(sql.replace("?", self.d.placeholder))
        self.params.extend(params)

    def any_of(self, column: str, values: Iterable[str]) -> None:
        chosen = sorted(values)
        if not chosen:
            self.add("1 = 0")
            return
        self.add(f"{column} IN ({', '.join('?' * len(chosen))})", *chosen)

    def regions(self, regions: Sequence[Any], excluded: Sequence[Any], alias: str) -> None:
        if regions and all(r.code for r in regions):
            parts = []
            for r in regions:
                if len(r.code) == 5:  # noqa: PLR2004 - a regency: its column says it all
                    parts.append(f"{alias}.regency = ?")
                    self.params.append(r.code)
                elif len(r.code) > 5:  # noqa: PLR2004 - below a regency
                    parts.append(
                        f"({alias}.regency = ? AND ({alias}.region = ? OR {alias}.region LIKE ?))"
                    )
                    self.params.extend([r.code[:5], r.code, _like(r.code)])
                else:
                    parts.append(f"{alias}.regency LIKE ?")
                    self.params.append(_like(r.code))
            self.sql.append("(" + " OR ".join(parts).replace("?", self.d.placeholder) + ")")
        for r in excluded:
            self.add(f"NOT ({alias}.region = ? OR {alias}.region LIKE ?)", r.code, _like(r.code))

    def text(self) -> str:
        return " AND ".join(self.sql) if self.sql else "1 = 1"


def _like(code: str) -> str:
    # Region codes are digits and dots: nothing to escape for LIKE.
    return code + ".%"


def _case_where(sel: CaseSelection, d: Dialect) -> _Where:  # noqa: C901, PLR0912 - a clause per condition
    w = _Where(d)
    w.regions(sel.regions, sel.excluded, "c")
    if sel.case_ids is not None:
        w.any_of("c.case_id", sel.case_ids)
    if sel.states:
        w.any_of("c.state", (s.value for s in sel.states))
    if sel.assignee is not None:
        w.add(
            "EXISTS (SELECT 1 FROM case_assignees a"
            " WHERE a.actor_id = ? AND a.case_id = c.case_id)",
            sel.assignee,
        )
    if sel.channels:
        w.any_of("c.channel", (s.value for s in sel.channels))
    if sel.kinds:
        w.any_of("c.kind", (s.value for s in sel.kinds))
    if sel.emergency is not None:
        w.add("c.emergency = ?", d.flag(sel.emergency))
    if sel.priority is not None:
        w.add("c.priority = ?", sel.priority.value)
    if sel.sectors:
        w.add("(c.open_sectors & ?) <> 0", sector_mask(sel.sectors))
    if sel.referral_statuses:
        w.add("(c.referral_statuses & ?) <> 0", status_mask(sel.referral_statuses))
    if sel.services is not None or sel.provider is not None:
        inner = _Where(d)
        if sel.services is not None:
            inner.any_of("r.service_id", sel.services)
        if sel.provider is not None:
            inner.add("r.provider_id = ?", sel.provider)
        w.add(
            "EXISTS (SELECT 1 FROM referral_summaries r WHERE r.case_id = c.case_id"  # noqa: S608 - built here
            f" AND {inner.text()})",
            *inner.params,
        )
    if sel.due_before is not None:
        w.add("c.deadline <= ?", d.time(sel.due_before))
    if sel.due_after is not None:
        w.add("c.deadline > ?", d.time(sel.due_after))
    _ranges(w, "c.registered_at", sel.registered_from, sel.registered_before)
    _ranges(w, "c.updated_at", sel.updated_from, sel.updated_before)
    return w


def _referral_where(sel: ReferralSelection, d: Dialect) -> _Where:
    w = _Where(d)
    w.regions(sel.regions, sel.excluded, "r")
    if sel.case_id is not None:
        w.add("r.case_id = ?", sel.case_id)
    if sel.statuses:
        w.any_of("r.status", (s.value for s in sel.statuses))
    if sel.provider is not None:
        w.add("r.provider_id = ?", sel.provider)
    if sel.services is not None:
        w.any_of("r.service_id", sel.services)
    if sel.sectors:
        w.any_of("r.sector", (s.value for s in sel.sectors))
    if sel.escalated is not None:
        w.add("r.escalation_level > 0" if sel.escalated else "r.escalation_level = 0")
    if sel.due_before is not None:
        w.add("r.deadline <= ?", d.time(sel.due_before))
    if sel.due_after is not None:
        w.add("r.deadline > ?", d.time(sel.due_after))
    _ranges(w, "r.requested_at", sel.requested_from, sel.requested_before)
    return w


def _ranges(w: _Where, column: str, start: datetime | None, before: datetime | None) -> None:
    if start is not None:
        w.add(f"{column} >= ?", w.d.time(start))
    if before is not None:
        w.add(f"{column} < ?", w.d.time(before))


_CASE_KEYS = {
    CaseOrder.REGISTERED: ("c.registered_at", "c.case_id"),
    CaseOrder.DEADLINE: ("c.deadline", "c.case_id"),
    CaseOrder.PRIORITY: ("c.urgency", "c.registered_at", "c.case_id"),
    CaseOrder.UPDATED: ("c.updated_at", "c.case_id"),
}
_REFERRAL_KEYS = {
    ReferralOrder.REQUESTED: ("r.requested_at", "r.referral_id"),
    ReferralOrder.DEADLINE: ("r.deadline", "r.referral_id"),
    ReferralOrder.UPDATED: ("r.updated_at", "r.referral_id"),
}


def _page(
    table: str,
    w: _Where,
    keys: tuple[str, ...],
    after: tuple[object, ...] | None,
    limit: int,
) -> tuple[str, list[object]]:
    if after is not None:
        w.add(f"({', '.join(keys)}) > ({', '.join('?' * len(keys))})", *w.d.key(after))
    p = w.d.placeholder
    sql = (
        f"SELECT {table[0]}.body FROM {table} {table[0]} WHERE {w.text()}"  # noqa: S608 - fixed names
        f" ORDER BY {', '.join(keys)} LIMIT {p}"
    )
    return sql, [*w.params, limit]


def case_page(
    sel: CaseSelection, order: CaseOrder, after: tuple[object, ...] | None, limit: int, d: Dialect
) -> tuple[str, list[object]]:
    """The query of one page of case summaries: ``SELECT body ...`` and its parameters."""
    return _page("case_summaries", _case_where(sel, d), _CASE_KEYS[order], after, limit)


def referral_page(
    sel: ReferralSelection,
    order: ReferralOrder,
    after: tuple[object, ...] | None,
    limit: int,
    d: Dialect,
) -> tuple[str, list[object]]:
    """The query of one page of referral summaries."""
    return _page("referral_summaries", _referral_where(sel, d), _REFERRAL_KEYS[order], after, limit)


def count_cases(sel: CaseSelection, d: Dialect) -> tuple[str, list[object]]:
    """The query counting case summaries meeting *sel*."""
    w = _case_where(sel, d)
    return f"SELECT count(*) FROM case_summaries c WHERE {w.text()}", w.params  # noqa: S608


def count_referrals(sel: ReferralSelection, d: Dialect) -> tuple[str, list[object]]:
    """The query counting referral summaries meeting *sel*."""
    w = _referral_where(sel, d)
    return f"SELECT count(*) FROM referral_summaries r WHERE {w.text()}", w.params  # noqa: S608


def rebuild_rows(
    events: Iterable[Sequence[Any]], decode: Callable[[bytes], Event], d: Dialect
) -> Iterator[ProjectionRows]:
    """The rows of each case in ``(case_id, version, body)`` event rows grouped by case.

    The rows replace whatever the tables hold for the case (assignees included).
    """
    for case_id, group in groupby(events, key=itemgetter(0)):
        case = replay(decode_events(case_id, ((v, b) for _, v, b in group), decode))
        yield projection_rows(case, d)


def due_referrals(at: datetime, d: Dialect) -> tuple[str, list[object]]:
    """The query of the open referrals due at or before *at*, earliest first.

    It reads only the due end of the ``referral_summaries_due`` index, so a sweep with
    nothing due costs one index probe however many referrals are open.
    """
    p = d.placeholder
    sql = (
        "SELECT referral_id, case_id FROM referral_summaries"  # noqa: S608 - placeholders only
        f" WHERE is_open = {p} AND deadline <= {p} ORDER BY deadline, referral_id"
    )
    return sql, [d.flag(True), d.time(at)]  # noqa: FBT003 - the flag's column value
