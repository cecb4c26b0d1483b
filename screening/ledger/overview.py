"""Read-only aggregates for the console's 工作台: open cases by status × department, overdue cases,
complaints awaiting a reply.

Everything is counted in SQL (the ledger may hold 100,000 findings); only the few cases still in
核查中/整改中 are read as rows, so "overdue" is judged by the lifecycle's own ``is_overdue``.
A case belongs to the department it was assigned to, else to its document's department (the
console's department scope); ``departments`` limits every figure to those departments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from ..domain import STATES
from .cases import CLOSED, DISMISSED, RECTIFYING, VERIFYING, is_overdue
from .complaints import first_reply_sql

OPEN_CASE_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in (DISMISSED, CLOSED))
NO_DEPARTMENT = "（未指定部门）"

# The department a case belongs to (alias ``c`` for cases, ``d`` for its document).
CASE_DEPT_SQL = "coalesce(c.department, d.department)"


def _dept_filter(
    departments: Sequence[str] | None, expr: str = CASE_DEPT_SQL
) -> tuple[str, list[Any]]:
    if departments is None:
        return "", []
    marks = ", ".join("?" for _ in departments) or "null"
    return f" and {expr} in ({marks})", list(departments)


def open_case_counts(
    db: Database, departments: Sequence[str] | None = None
) -> dict[str, dict[str, int]]:
    """{department: {state: count}} of cases not yet 已排除/已销号 (one grouped query)."""
    where, args = _dept_filter(departments)
    marks = ", ".join("?" for _ in OPEN_CASE_STATES)
    sql = (
        f"select {CASE_DEPT_SQL} as dept, c.status as status, count(*) as n from cases c "
        "left join documents d on d.id = c.document_id "
        f"where c.status in ({marks}){where} group by dept, c.status"
    )
    out: dict[str, dict[str, int]] = {}
    for r in db.query(sql, [*OPEN_CASE_STATES, *args]):
        out.setdefault(r["dept"] or NO_DEPARTMENT, {})[r["status"]] = int(r["n"])
    return out


def overdue_cases(
    db: Database, today: dt.date, departments: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Cases past their verification or rectification deadline (``ledger list --overdue``),
    soonest deadline first, with the department they belong to as ``dept``."""
    where, args = _dept_filter(departments)
    sql = (
        f"select c.id, c.status, c.title, c.verify_deadline, c.rectify_deadline, "
        f"{CASE_DEPT_SQL} as dept from cases c left join documents d on d.id = c.document_id "
        f"where c.status in (?, ?){where} order by c.id"
    )
    rows = [dict(r) for r in db.query(sql, [VERIFYING, RECTIFYING, *args])]
    late = [r for r in rows if is_overdue(r, today)]
    for r in late:
        r["deadline"] = r["verify_deadline"] if r["status"] == VERIFYING else r["rectify_deadline"]
        r["dept"] = r["dept"] or NO_DEPARTMENT
    return sorted(late, key=lambda r: (str(r["deadline"]), int(r["id"])))


def awaiting_reply(db: Database, departments: Sequence[str] | None = None) -> dict[str, Any]:
    """Complaints with no reply yet: how many, and the one due soonest (id, due date, case)."""
    # complaints are ``c`` here (first_reply_sql's alias), their case ``k``
    where, args = _dept_filter(departments, "coalesce(k.department, d.department)")
    base = (
        "from complaints c left join cases k on k.id = c.case_id "
        "left join documents d on d.id = k.document_id "
        f"where {first_reply_sql()} is null{where}"
    )
    count = db.execute(f"select count(*) {base}", args).fetchone()[0]
    soonest = list(
        db.query(
            f"select c.id, c.reply_due, c.case_id, c.received_at {base} "
            "order by c.reply_due is null, c.reply_due, c.id limit 1",
            args,
        )
    )
    return {"count": int(count), "soonest": dict(soonest[0]) if soonest else None}


# Every table the report figures read, with what changes when a row the figures use changes:
# new rows raise max(id)/count; lifecycle steps add actions; unreadable rows are updated in place.
_FINGERPRINT_SQL = (
    "select (select count(*) || ':' || coalesce(max(id), 0) from findings), "
    "(select count(*) || ':' || coalesce(max(id), 0) from screenings), "
    "(select count(*) || ':' || coalesce(max(id), 0) || ':' || "
    " coalesce(sum(length(coalesce(department, '')) + length(coalesce(title, ''))), 0) "
    " from documents), "
    "(select count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at), '') "
    " from cases), "
    "(select count(*) || ':' || coalesce(max(id), 0) from actions), "
    "(select count(*) || ':' || coalesce(max(id), 0) from complaints), "
    "(select count(*) || ':' || coalesce(max(id), 0) from feedback), "
    "(select count(*) || ':' || coalesce(max(last_seen), '') || ':' || "
    " coalesce(max(resolved_at), '') || ':' || count(resolved_at) from unreadable), "
    "(select count(*) || ':' || coalesce(max(id), 0) from departments), "
    "(select count(*) || ':' || coalesce(group_concat(day || kind), '') from calendar)"
)


def fingerprint(db: Database) -> tuple[Any, ...]:
    """A cheap summary of the rows report figures read: equal fingerprints (on the same day)
    mean equal figures, so the 工作台 can reuse figures it computed a moment ago."""
    row = db.execute(_FINGERPRINT_SQL).fetchone()
    return tuple(row)
