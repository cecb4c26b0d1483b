"""Opening the ledger database: WAL mode, registered schema migrations, version, backup."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..errors import LedgerOpenError, LedgerTooNewError
from .workdays import WorkCalendar, parse_date

MIGRATIONS = Migrations("screening-ledger")
MEMORY = ":memory:"


@MIGRATIONS(name="0001_initial")
def _m0001_initial(db: Database) -> None:
    db["departments"].create(
        {"id": int, "name": str, "contact": str, "note": str, "created_at": str}, pk="id"
    )
    db["departments"].create_index(["name"], unique=True)
    db["documents"].create(
        {
            "id": int,
            "path": str,
            "sha256": str,
            "format": str,
            "title": str,
            "metadata": str,  # JSON of types.Metadata
            "department": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
    )
    db["documents"].create_index(["path"], unique=True)
    db["clauses"].create(
        {
            "id": int,
            "document_id": int,
            "doc_sha256": str,
            "idx": int,
            "text": str,
            "start": int,
            "end": int,
            "page": int,
            "article_path": str,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["clauses"].create_index(["document_id", "doc_sha256", "idx"], unique=True)
    db["cases"].create(
        {
            "id": int,
            "status": str,
            "source": str,
            "title": str,
            "summary": str,
            "document_id": int,
            "class_1670": str,
            "subtype": str,
            "standards": str,  # JSON list of FCR codes
            "department": str,
            "assignee": str,
            "verify_deadline": str,
            "decision_reason": str,
            "measures": str,
            "responsible": str,
            "rectify_deadline": str,
            "created_at": str,
            "updated_at": str,
            "closed_at": str,
            "version": int,
        },
        pk="id",
        not_null={"status", "source", "version"},
        defaults={"version": 1},
        foreign_keys=[("document_id", "documents", "id")],
    )
    for cols in (["status"], ["department"], ["source"]):
        db["cases"].create_index(cols)
    db["findings"].create(
        {
            "id": int,
            "finding_id": str,
            "document_id": int,
            "case_id": int,
            "doc_sha256": str,
            "clause_index": int,
            "clause": str,
            "standard": str,
            "score": float,
            "status": str,  # active | gone
            "data": str,  # JSON of types.Finding as produced by the engine
            "engine_version": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("case_id", "cases", "id")],
    )
    db["findings"].create_index(["finding_id"], unique=True)
    db["findings"].create_index(["document_id", "status"])
    db["actions"].create(
        {
            "id": int,
            "case_id": int,
            "at": str,
            "operator": str,
            "action": str,
            "from_state": str,
            "to_state": str,
            "note": str,
            "data": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["actions"].create_index(["case_id"])
    db["complaints"].create(
        {
            "id": int,
            "case_id": int,
            "received_at": str,
            "channel": str,  # 12345 / 信访 / 投诉箱 / 举报电话 / …
            "complainant": str,
            "contact": str,
            "respondent": str,
            "content": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["feedback"].create(
        {
            "id": int,
            "case_id": int,
            "complaint_id": int,
            "at": str,
            "operator": str,
            "channel": str,
            "content": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id"), ("complaint_id", "complaints", "id")],
    )
    db["rectifications"].create(
        {
            "id": int,
            "case_id": int,
            "measures": str,
            "responsible": str,
            "deadline": str,
            "created_at": str,
            "operator": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["attachments"].create(
        {
            "id": int,
            "case_id": int,
            "path": str,
            "sha256": str,
            "note": str,
            "added_at": str,
            "operator": str,
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["calendar"].create({"day": str, "kind": str, "note": str}, pk="day")  # holiday | workday


@MIGRATIONS(name="0002_sweeps_and_hotline")
def _m0002_sweeps_and_hotline(db: Database) -> None:
    # Which model screened a document last: an unchanged file is skipped on re-sweeps only
    # when the same model already screened it.
    db["documents"].add_column("screened_with", str)
    db["documents"].add_column("screened_at", str)
    # Hotline work orders: their own id (idempotent re-import), where they came from, the reply
    # deadline and the engine's suggestions for the complaint text.
    for name in ("external_id", "title", "content_hash", "reply_due", "screening", "source_file"):
        db["complaints"].add_column(name, str)
    db["complaints"].add_column("source_row", int)
    db["complaints"].add_column("duplicate_of", int)
    db.execute(
        "create unique index idx_complaints_channel_external_id on complaints "
        "(channel, external_id) where external_id is not null and external_id != ''"
    )
    db["complaints"].create_index(["content_hash"])
    db["complaints"].create_index(["case_id"])
    db["feedback"].create_index(["case_id"])
    db["findings"].create_index(["case_id"])


@MIGRATIONS(name="0003_sweep_log")
def _m0003_sweep_log(db: Database) -> None:
    # One row per sweep (who ran it, over what, with which model, how it ended), and the files
    # a sweep could not read: a scanned or encrypted file must be reviewed by hand, so the
    # ledger keeps it listed until a later sweep reads it.
    db["sweeps"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | finished | interrupted
            "operator": str,
            "department": str,
            "engine": str,
            "roots": str,  # JSON list of the paths given on the command line
            "files": int,
            "screened": int,
            "skipped": int,
            "failed": int,
            "findings_new": int,
            "findings_updated": int,
            "findings_gone": int,
            "cases_created": int,
        },
        pk="id",
    )
    db["unreadable"].create(
        {
            "id": int,
            "path": str,
            "code": str,
            "message": str,
            "department": str,
            "first_seen": str,
            "last_seen": str,
            "sweep_id": int,
            "resolved_at": str,  # set when a later sweep reads the file
        },
        pk="id",
        foreign_keys=[("sweep_id", "sweeps", "id")],
    )
    db["unreadable"].create_index(["path"], unique=True)


@MIGRATIONS(name="0004_screenings")
def _m0004_screenings(db: Database) -> None:
    # Every time a document is screened and recorded (documents.last_seen is overwritten by the
    # next sweep): reports count the documents screened in a period from these rows, so a
    # report for a past quarter does not change when the files are swept again later.
    db["screenings"].create(
        {"id": int, "document_id": int, "sha256": str, "at": str, "engine": str, "findings": int},
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["screenings"].create_index(["document_id"])
    db["screenings"].create_index(["at"])
    # Ledgers from before: what is known is the first and the last sighting.
    db.execute(
        "insert into screenings (document_id, sha256, at, engine) "
        "select id, sha256, first_seen, screened_with from documents where first_seen is not null"
    )
    db.execute(
        "insert into screenings (document_id, sha256, at, engine) "
        "select id, sha256, last_seen, screened_with from documents "
        "where last_seen is not null and last_seen != coalesce(first_seen, '')"
    )


def now() -> str:
    """Local wall-clock time, second precision, ISO 8601 (what reviewers see in the trail)."""
    return dt.datetime.now().isoformat(sep=" ", timespec="seconds")


def schema_version(db: Database) -> int:
    """Number of migrations applied (also mirrored in ``PRAGMA user_version``)."""
    return len(MIGRATIONS.applied(db))


def open_ledger(path: str | Path = MEMORY) -> Database:
    """Open (creating if needed) the ledger and bring its schema up to date."""
    target = str(path)
    try:
        if target == MEMORY:
            db = Database(memory=True)
        else:
            parent = Path(target).parent
            parent.mkdir(parents=True, exist_ok=True)
            db = Database(target)
            db.execute("PRAGMA journal_mode=WAL").fetchall()
            # In WAL mode NORMAL keeps the database consistent through crashes and power cuts
            # (a cut may lose the last commits, never half of one) and avoids an fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=5000")
        known = {m.name for m in MIGRATIONS._migrations}
        unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    except (sqlite3.DatabaseError, OSError) as exc:
        raise LedgerOpenError(path=target, detail=str(exc)) from None
    if unknown:
        db.close()
        raise LedgerTooNewError(path=target, names="、".join(unknown))
    try:
        if MIGRATIONS.pending(db):
            MIGRATIONS.apply(db)
            db.execute(f"PRAGMA user_version={schema_version(db)}")
    except sqlite3.DatabaseError as exc:
        raise LedgerOpenError(path=target, detail=f"结构升级失败：{exc}") from None
    return db


def backup(db: Database, dest: str | Path) -> Path:
    """Copy the live ledger to ``dest`` with SQLite's online backup API."""
    out = Path(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    target = sqlite3.connect(str(out))
    try:
        db.conn.backup(target)
    finally:
        target.close()
    return out


def insert_row(db: Database, table: str, values: dict[str, Any]) -> int:
    """Insert one row with plain SQL and return its id.

    sqlite-utils' ``Table.insert`` re-reads the table's columns on every call; on the hot paths
    (recording findings, writing actions) that introspection costs more than the insert itself.
    """
    cols = list(values)
    sql = (
        f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) "
        f"values ({', '.join('?' for _ in cols)})"
    )
    return int(db.execute(sql, [values[c] for c in cols]).lastrowid)


def update_row(db: Database, table: str, pk: int, values: dict[str, Any]) -> None:
    """Update one row by id with plain SQL (see :func:`insert_row`)."""
    cols = list(values)
    sql = f"update [{table}] set {', '.join(f'[{c}] = ?' for c in cols)} where id = ?"
    db.execute(sql, [*(values[c] for c in cols), pk])


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def calendar(db: Database) -> WorkCalendar:
    rows = list(db["calendar"].rows)
    return WorkCalendar(
        holidays=frozenset(parse_date(r["day"]) for r in rows if r["kind"] == "holiday"),
        workdays=frozenset(parse_date(r["day"]) for r in rows if r["kind"] == "workday"),
    )


def set_calendar_day(db: Database, day: str | dt.date, *, workday: bool, note: str = "") -> None:
    """Mark ``day`` as a public holiday, or (``workday=True``) as a 调休 working weekend day."""
    d = parse_date(day)
    with db.atomic():
        db["calendar"].upsert(
            {"day": d.isoformat(), "kind": "workday" if workday else "holiday", "note": note},
            pk="day",
        )
