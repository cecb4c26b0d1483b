"""The sweep log: each sweep's run (who, when, which model, what it did, how it ended) and the
files it could not read.

A file that cannot be read (scanned, encrypted, corrupt, too large…) is not screened, so a
person has to review it by hand; the ledger lists it until a later sweep reads it. A sweep that
was killed leaves its row ``running`` with no finish time, which the listing shows as 未完成.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlite_utils import Database

from ..types import Failure
from .db import insert_row, now, update_row
from .record import RecordResult, ledger_path

RUNNING = "running"
FINISHED = "finished"
INTERRUPTED = "interrupted"
STATUS_LABELS = {RUNNING: "未完成", FINISHED: "已完成", INTERRUPTED: "已中断"}


@dataclass
class SweepCounts:
    """Running totals of one sweep, written to its row when it ends."""

    files: int = 0
    screened: int = 0
    skipped: int = 0
    failed: int = 0
    findings_new: int = 0
    findings_updated: int = 0
    findings_gone: int = 0
    cases_created: int = 0

    def add(self, recorded: RecordResult) -> None:
        self.screened += 1
        self.findings_new += recorded.new
        self.findings_updated += recorded.updated
        self.findings_gone += recorded.gone
        self.cases_created += recorded.cases_created

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def start_sweep(
    db: Database,
    *,
    operator: str,
    department: str | None,
    engine: str,
    roots: Iterable[str],
) -> int:
    """Open a sweep row (status ``running``) and return its id."""
    with db.atomic():
        return insert_row(
            db,
            "sweeps",
            {
                "started_at": now(),
                "status": RUNNING,
                "operator": operator,
                "department": department,
                "engine": engine,
                "roots": json.dumps([ledger_path(r) for r in roots], ensure_ascii=False),
            },
        )


def finish_sweep(db: Database, sweep_id: int, counts: SweepCounts, *, status: str) -> None:
    """Close the sweep row with its totals; ``status`` is finished or interrupted."""
    with db.atomic():
        values = {"finished_at": now(), "status": status, **counts.to_dict()}
        update_row(db, "sweeps", sweep_id, values)


def note_unreadable(
    db: Database, failure: Failure, *, sweep_id: int | None, department: str | None
) -> None:
    """Record (or refresh) that ``failure.path`` could not be read, with the reason."""
    key = ledger_path(failure.path)
    stamp = now()
    with db.atomic():
        db.execute(
            "insert into unreadable (path, code, message, department, first_seen, last_seen,"
            " sweep_id, resolved_at) values (?, ?, ?, ?, ?, ?, ?, null)"
            " on conflict (path) do update set code = excluded.code,"
            " message = excluded.message, last_seen = excluded.last_seen,"
            " sweep_id = excluded.sweep_id, resolved_at = null,"
            " department = coalesce(excluded.department, unreadable.department),"
            " first_seen = case when unreadable.resolved_at is null"
            " then unreadable.first_seen else excluded.first_seen end",
            [key, failure.code, failure.message, department, stamp, stamp, sweep_id],
        )


def unreadable_files(
    db: Database, *, include_resolved: bool = False, department: str | None = None
) -> list[dict[str, Any]]:
    """Files the ledger lists as unreadable, oldest first (resolved ones too on request)."""
    where, args = [], []
    if not include_resolved:
        where.append("resolved_at is null")
    if department:
        where.append("department = ?")
        args.append(department)
    sql = "select * from unreadable"
    if where:
        sql += " where " + " and ".join(where)
    return list(db.query(sql + " order by first_seen, id", args))


def list_sweeps(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent sweeps, newest first."""
    rows = db.query("select * from sweeps order by id desc limit ?", [limit])
    return [{**r, "roots": json.loads(r["roots"] or "[]")} for r in rows]
