"""Opening the ledger database: WAL mode, registered schema migrations, version, backup."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..errors import (
    LedgerBusyError,
    LedgerDamagedError,
    LedgerError,
    LedgerMissingError,
    LedgerOpenError,
    LedgerReadOnlyError,
    LedgerTooNewError,
)
from .workdays import WorkCalendar, parse_date

MIGRATIONS = Migrations("screening-ledger")
MEMORY = ":memory:"


@MIGRATIONS(name="0001_initial")
def _m0001_initial(db: Database) -> None:
    db.table("departments").create(
        {"id": int, "name": str, "contact": str, "note": str, "created_at": str}, pk="id"
    )
    db.table("departments").create_index(["name"], unique=True)
    db.table("documents").create(
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
    db.table("documents").create_index(["path"], unique=True)
    db.table("clauses").create(
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
    db.table("clauses").create_index(["document_id", "doc_sha256", "idx"], unique=True)
    db.table("cases").create(
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
        db.table("cases").create_index(cols)
    db.table("findings").create(
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
    db.table("findings").create_index(["finding_id"], unique=True)
    db.table("findings").create_index(["document_id", "status"])
    db.table("actions").create(
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
    db.table("actions").create_index(["case_id"])
    db.table("complaints").create(
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
    db.table("feedback").create(
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
    db.table("rectifications").create(
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
    db.table("attachments").create(
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
    # kind: holiday | workday
    db.table("calendar").create({"day": str, "kind": str, "note": str}, pk="day")


@MIGRATIONS(name="0002_sweeps_and_hotline")
def _m0002_sweeps_and_hotline(db: Database) -> None:
    # Which model screened a document last: an unchanged file is skipped on re-sweeps only
    # when the same model already screened it.
    db.table("documents").add_column("screened_with", str)
    db.table("documents").add_column("screened_at", str)
    # Hotline work orders: their own id (idempotent re-import), where they came from, the reply
    # deadline and the engine's suggestions for the complaint text.
    for name in ("external_id", "title", "content_hash", "reply_due", "screening", "source_file"):
        db.table("complaints").add_column(name, str)
    db.table("complaints").add_column("source_row", int)
    db.table("complaints").add_column("duplicate_of", int)
    db.execute(
        "create unique index idx_complaints_channel_external_id on complaints "
        "(channel, external_id) where external_id is not null and external_id != ''"
    )
    db.table("complaints").create_index(["content_hash"])
    db.table("complaints").create_index(["case_id"])
    db.table("feedback").create_index(["case_id"])
    db.table("findings").create_index(["case_id"])


@MIGRATIONS(name="0003_sweep_log")
def _m0003_sweep_log(db: Database) -> None:
    # One row per sweep (who ran it, over what, with which model, how it ended), and the files
    # a sweep could not read: a scanned or encrypted file must be reviewed by hand, so the
    # ledger keeps it listed until a later sweep reads it.
    db.table("sweeps").create(
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
    db.table("unreadable").create(
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
    db.table("unreadable").create_index(["path"], unique=True)


@MIGRATIONS(name="0004_screenings")
def _m0004_screenings(db: Database) -> None:
    # Every time a document is screened and recorded (documents.last_seen is overwritten by the
    # next sweep): reports count the documents screened in a period from these rows, so a
    # report for a past quarter does not change when the files are swept again later.
    db.table("screenings").create(
        {"id": int, "document_id": int, "sha256": str, "at": str, "engine": str, "findings": int},
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db.table("screenings").create_index(["document_id"])
    db.table("screenings").create_index(["at"])
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


@MIGRATIONS(name="0005_reviews")
def _m0005_reviews(db: Database) -> None:
    # Draft review (增量审查): a 审查对象 is one policy draft through its versions; its items are
    # the suspect clauses the reviewer settles one by one; its trail is review_actions. Kept apart
    # from cases: a draft is not yet in force, so its items are not barriers to verify and
    # rectify, and they do not enter the stock-review statistics.
    db.table("reviews").create(
        {
            "id": int,
            "title": str,
            "doc_number": str,
            "doc_date": str,
            "drafter": str,  # 起草单位
            "department": str,  # 审查机构 / 审查部门 that handles it
            "kind": str,  # 性质类别: 规范性文件, 其他政策性文件, …
            "domain": str,  # 涉及行业领域
            "to_samr": int,  # headed to the 市场监督管理部门 (实施办法第三十条、第三十一条)
            "consultation": str,  # 听取意见情况, written by the reviewer
            "version": int,  # the current draft version
            "status": str,  # 审查中 | 已结论
            "result": str,  # 符合 | 不符合 | 适用例外 once concluded
            "conclusion_note": str,
            "concluded_at": str,
            "concluded_by": str,
            "created_at": str,
            "updated_at": str,
            "revision": int,  # bumped by every change: optimistic concurrency for the console
        },
        pk="id",
        not_null={"status", "version", "revision"},
        defaults={"revision": 1, "version": 1},
    )
    db.table("reviews").create_index(["status"])
    db.table("review_versions").create(
        {
            "id": int,
            "review_id": int,
            "version": int,
            "path": str,
            "sha256": str,
            "format": str,
            "metadata": str,  # JSON of types.Metadata
            "clauses": str,  # JSON list of types.Clause (what the diff of the next version uses)
            "diff": str,  # JSON: clause-level changes against the previous version
            "screened": int,  # clauses that went through the engine for this version
            "substantial": int,  # 1 when the change re-opened the review (实施办法第二十七条)
            "engine": str,  # JSON of the engine versions that screened it
            "submitted_at": str,
            "operator": str,
        },
        pk="id",
        foreign_keys=[("review_id", "reviews", "id")],
    )
    db.table("review_versions").create_index(["review_id", "version"], unique=True)
    db.table("review_items").create(
        {
            "id": int,
            "review_id": int,
            "seq": int,  # the item's number inside its review (what the reviewer types)
            "version_raised": int,
            "version_seen": int,  # the last version whose text still has the clause
            "clause_key": str,  # hash of the normalised clause text (unchanged-clause matching)
            "clause_index": int,
            "clause": str,
            "article_path": str,
            "page": int,
            "revised_clause": str,  # the reworded text in a later version, when paired
            "standard": str,
            "standards": str,  # JSON list of codes, best first
            "score": float,
            "finding": str,  # JSON of types.Finding for engine items
            "origin": str,  # engine | reviewer
            "state": str,  # 待认定 | 构成问题 | 不构成问题 | 适用例外 | 已修改待确认 | 已修改
            "prior_state": str,  # the settlement before the clause was reworded or deleted
            "reason": str,
            "exception_code": str,  # EXC-TL12-n (条例第十二条 item) when 适用例外
            "explanations": str,  # JSON {"1": …, "5": …}: 实施办法第二十九条（一）至（五）
            "suggestions": str,  # JSON list of suggested fixes with their source
            "settled_by": str,
            "settled_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"review_id", "seq", "state", "origin"},
        foreign_keys=[("review_id", "reviews", "id")],
    )
    db.table("review_items").create_index(["review_id", "seq"], unique=True)
    db.table("review_items").create_index(["review_id", "clause_key"])
    db.table("review_actions").create(
        {
            "id": int,
            "review_id": int,
            "item_id": int,
            "at": str,
            "operator": str,
            "action": str,
            "note": str,
            "data": str,
        },
        pk="id",
        foreign_keys=[("review_id", "reviews", "id"), ("item_id", "review_items", "id")],
    )
    db.table("review_actions").create_index(["review_id"])
    db.table("review_materials").create(
        {
            "id": int,
            "review_id": int,
            "kind": str,  # 政策措施起草说明 | 初审意见 | 其他材料
            "path": str,
            "sha256": str,
            "note": str,
            "added_at": str,
            "operator": str,
        },
        pk="id",
        foreign_keys=[("review_id", "reviews", "id")],
    )
    db.table("review_materials").create_index(["review_id"])


@MIGRATIONS(name="0006_console")
def _m0006_console(db: Database) -> None:
    # The review console (screening serve): local accounts, their sessions, background jobs
    # (uploads screened, retraining), the uploaded files, and a trail of console-level events
    # (logins, account changes, a view of complainants' contacts) beside the per-case trail.
    db.table("users").create(
        {
            "id": int,
            "name": str,
            "password_hash": str,  # argon2id
            "role": str,  # admin | reviewer | viewer
            "departments": str,  # JSON list: the departments a reviewer works for
            "disabled": int,
            "failed_logins": int,  # consecutive failures since the last good login
            "locked_until": str,  # login refused until then (throttling)
            "last_login": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "password_hash", "role"},
        defaults={"disabled": 0, "failed_logins": 0},
    )
    db.table("users").create_index(["name"], unique=True)
    db.table("sessions").create(
        {
            "token_hash": str,  # sha256 of the cookie value; the value itself is never stored
            "user_id": int,
            "csrf": str,
            "created_at": str,
            "last_seen": str,
            "expires_at": str,
        },
        pk="token_hash",
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("sessions").create_index(["user_id"])
    db.table("jobs").create(
        {
            "id": int,
            "kind": str,  # screen | retrain
            "status": str,  # 排队中 | 进行中 | 已完成 | 已取消 | 失败
            "operator": str,
            "user_id": int,
            "department": str,
            "total": int,
            "done": int,
            "current": str,  # the file being worked on
            "cancel": int,  # 1 once someone asked to stop it
            "message": str,
            "params": str,  # JSON: what the job was given (files, options)
            "result": str,  # JSON: what it produced (per-file outcomes, model id …)
            "sweep_id": int,
            "created_at": str,
            "started_at": str,
            "finished_at": str,
        },
        pk="id",
        not_null={"kind", "status"},
        defaults={"total": 0, "done": 0, "cancel": 0},
    )
    db.table("jobs").create_index(["status"])
    db.table("uploads").create(
        {
            "id": int,
            "sha256": str,
            "name": str,  # the file name the browser sent (shown, never used as a path)
            "stored": str,  # path under the ledger's folder, named by content hash
            "size": int,
            "user_id": int,
            "department": str,
            "job_id": int,
            "added_at": str,
        },
        pk="id",
    )
    db.table("uploads").create_index(["sha256"])
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "operator": str,
            "action": str,  # login | login_failed | logout | user_add | … | view_contacts
            "target": str,
            "note": str,
        },
        pk="id",
    )


@MIGRATIONS(name="0007_case_text_search")
def _m0007_case_text_search(db: Database) -> None:
    # The case list's text search looks for a phrase in each case's clauses. With the clause in
    # the case_id index, SQLite answers from the index alone instead of reading every finding
    # row with its JSON (about half the time on 100,000 findings); it replaces the plain index.
    db.table("findings").create_index(["case_id", "clause"], if_not_exists=True)
    db.execute("drop index if exists idx_findings_case_id")


@MIGRATIONS(name="0008_catalogue")
def _m0008_catalogue(db: Database) -> None:
    # Local permit catalogues (许可事项目录, ``screening catalogue``): one row per imported file,
    # kept side by side like negative-list editions, and its items as JSON of
    # ``catalogue.model.PermitItem`` with the name and department indexed for look-ups.
    db.table("catalogue_editions").create(
        {
            "id": int,
            "label": str,  # the --edition value, e.g. 县级-2026-01-01
            "level": str,  # 县 | 市 | 省
            "as_of": str,  # ISO date the catalogue is valid from
            "file_name": str,
            "sha256": str,  # of the imported file: the same file again stores nothing
            "imported_at": str,
            "item_count": int,
            "report": str,  # JSON: rows not read (with reasons), sheets, column mapping
        },
        pk="id",
        not_null={"label", "level", "as_of", "sha256"},
    )
    db.table("catalogue_editions").create_index(["label"], unique=True)
    db.table("catalogue_editions").create_index(["sha256"])
    db.table("catalogue_items").create(
        {
            "id": int,
            "edition_id": int,
            "seq": int,  # order in the file
            "name": str,
            "department": str,
            "content": str,  # JSON of PermitItem (row and sheet included)
        },
        pk="id",
        foreign_keys=[("edition_id", "catalogue_editions", "id")],
    )
    db.table("catalogue_items").create_index(["edition_id", "seq"], unique=True)
    db.table("catalogue_items").create_index(["name"])
    db.table("catalogue_items").create_index(["department"])
    # Cases opened from catalogue problems and impact rows (``catalogue.cases``): a key opens
    # one case only, however often the check runs.
    db.table("catalogue_case_keys").create(
        {"key": str, "case_id": int, "created_at": str},
        pk="key",
        foreign_keys=[("case_id", "cases", "id")],
    )


def now() -> str:
    """Local wall-clock time, second precision, ISO 8601 (what reviewers see in the trail)."""
    return dt.datetime.now().isoformat(sep=" ", timespec="seconds")


def schema_version(db: Database) -> int:
    """Number of migrations applied (also mirrored in ``PRAGMA user_version``)."""
    return len(MIGRATIONS.applied(db))


def migration_names() -> list[str]:
    """The names of every schema migration this version knows, in the order they apply.

    (sqlite-utils has no public list of a set's migrations; on an empty database every one of
    them is pending.)
    """
    return [m.name for m in MIGRATIONS.pending(Database(memory=True))]


T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000  # how long one statement waits for another writer's lock
WAIT_POLL_S = 0.5  # pause between two attempts of a write that found the ledger locked
# Opening waits at least this long: switching a new file to WAL can be refused at once (without
# SQLite's busy wait) while a second program opens the same new ledger.
OPEN_WAIT_S = 15.0


class LedgerDatabase(Database):
    """sqlite-utils' Database whose outermost transaction takes the write lock at ``BEGIN``.

    sqlite-utils opens transactions with a deferred ``BEGIN``: the lock is taken at the first
    write. In WAL mode a deferred transaction that has already read and then finds that another
    connection committed meanwhile fails at once with "database is locked" — SQLite cannot wait
    for it, because the snapshot it read is stale. ``BEGIN IMMEDIATE`` takes the write lock
    before anything is read, so a second writer waits (``busy_timeout``) instead of failing.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoint
            with super().atomic():
                yield self
            return
        # BEGIN sits inside the guarded block: Ctrl-C is raised when the call that received it
        # returns, so a signal that arrives while BEGIN waits for the lock must roll back too,
        # or the connection stays in a transaction that swallows every later write.
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked / busy" (another writer holds the lock)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_damage(exc: BaseException) -> bool:
    """True for the errors SQLite raises when it meets a damaged page."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "malformed" in text or "not a database" in text or "corrupt" in text
    )


def is_read_only(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc).lower()


def translate(exc: BaseException, path: str | Path) -> LedgerError | None:
    """The Chinese ledger error for a raw sqlite3 error, or None if it is not one we explain."""
    if is_busy(exc):
        return LedgerError(detail=f"台账 {path} 正被其他人或程序写入，本次操作未生效。请稍后重试。")
    if is_damage(exc):
        return LedgerDamagedError(path=str(path), detail=str(exc))
    if is_read_only(exc):
        return LedgerReadOnlyError(path=str(path), detail="没有写入权限")
    return None


def when_free(
    write: Callable[[], T],
    *,
    path: str | Path,
    wait_s: float,
    on_wait: Callable[[float], None] | None = None,
) -> T:
    """Run ``write``; while another writer holds the ledger, retry for up to ``wait_s`` seconds.

    Each attempt already waits ``BUSY_TIMEOUT_MS`` inside SQLite; ``on_wait(seconds_waited)`` is
    called before every further attempt so a command can say why it pauses. ``write`` must be
    one transaction (a failed attempt leaves nothing behind). When the time is up,
    :class:`~screening.errors.LedgerBusyError`.
    """
    start = time.monotonic()
    while True:
        try:
            return write()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            waited = time.monotonic() - start
            if waited >= wait_s:
                raise LedgerBusyError(path=str(path), waited=round(waited)) from None
            if on_wait is not None:
                on_wait(waited)
            time.sleep(WAIT_POLL_S)


def damage(db: Database, *, full: bool = False) -> list[str]:
    """What SQLite finds wrong in the ledger file: [] when sound.

    ``quick_check`` (default) reads every page and checks the b-trees in time linear in the file
    size; ``full`` runs ``integrity_check`` (also index contents) and ``foreign_key_check``.
    """
    problems: list[str] = []
    try:
        pragma = "integrity_check" if full else "quick_check"
        rows = [str(r[0]) for r in db.execute(f"PRAGMA {pragma}(20)").fetchall()]
        if rows != ["ok"]:
            lines = (line.strip() for row in rows for line in row.splitlines())
            problems += [line for line in lines if line and not line.startswith("***")]
        if full:
            for row in db.execute("PRAGMA foreign_key_check").fetchall():
                problems.append(f"表 {row[0]} 第 {row[1]} 行引用的 {row[2]} 记录不存在")
    except sqlite3.DatabaseError as exc:
        problems.append(str(exc))
    return problems


def summary(problems: list[str]) -> str:
    """One line for a message: the first problem SQLite found and how many there are."""
    first = problems[0] if problems else ""
    return first if len(problems) == 1 else f"{first} 等 {len(problems)} 处问题"


def _connect_read_only(target: str) -> sqlite3.Connection:
    """A connection that never writes: the file (or its folder) is not writable."""
    uri = "file:" + quote(str(Path(target).resolve()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("select count(*) from sqlite_master").fetchall()
    except sqlite3.OperationalError:
        # WAL needs its -shm file; with no write access to the folder SQLite cannot make one.
        # Nobody can be writing such a file, so reading it as immutable is safe.
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True)
    return conn


def _writable(target: str) -> bool:
    path = Path(target)
    return os.access(path, os.W_OK) and os.access(path.parent or Path("."), os.W_OK)


def open_ledger(
    path: str | Path = MEMORY,
    *,
    readonly: bool = False,
    on_damage: Callable[[str], None] | None = None,
    wait_s: float = 0.0,
    on_wait: Callable[[float], None] | None = None,
) -> Database:
    """Open (creating if needed) the ledger and bring its schema up to date.

    ``readonly``: for commands that only look. The file must exist (a mistyped path must not
    look like an empty ledger); a read-only file is opened read-only; a damaged file is reported
    to ``on_damage`` and reading goes on (without ``on_damage`` it is refused like a write).
    Otherwise the file is created if missing, and refused with a Chinese message if it is
    read-only or damaged (SQLite ``quick_check``), so nothing is written into a damaged file.
    ``wait_s``/``on_wait``: how long to wait for another writer (see :func:`when_free`).
    """
    target = str(path)
    if target != MEMORY and not Path(target).exists() and readonly:
        raise LedgerMissingError(path=target)
    if target != MEMORY and Path(target).exists() and not _writable(target):
        if not readonly:
            raise LedgerReadOnlyError(path=target, detail="没有写入权限")
        try:
            db: Database = LedgerDatabase(_connect_read_only(target))
        except sqlite3.DatabaseError as exc:
            raise LedgerOpenError(path=target, detail=str(exc)) from None
        _check(db, target, readonly=True, on_damage=on_damage)
        if MIGRATIONS.pending(db):
            db.close()
            raise LedgerReadOnlyError(
                path=target, detail="台账需要升级数据结构，只读时无法升级，请先以可写方式打开一次"
            )
        return db
    try:
        if target == MEMORY:
            db = LedgerDatabase(memory=True)
        else:
            parent = Path(target).parent
            parent.mkdir(parents=True, exist_ok=True)
            db = LedgerDatabase(sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000))
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys=ON")
    except (sqlite3.DatabaseError, OSError) as exc:
        raise LedgerOpenError(path=target, detail=str(exc)) from None
    try:
        return when_free(
            lambda: _prepare(db, target, readonly=readonly, on_damage=on_damage),
            path=target,
            wait_s=max(wait_s, OPEN_WAIT_S),
            on_wait=on_wait,
        )
    except BaseException:
        db.close()
        raise


def connect(path: str | Path) -> Database:
    """Another connection to a ledger that ``open_ledger`` has already opened and checked.

    For a long-running process (the console) that serves many requests from a few threads:
    the damage check and migrations ran once at start, so each further connection only sets
    the pragmas. The connection may be used from any thread, one thread at a time.
    """
    target = str(path)
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        db: Database = LedgerDatabase(conn)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError as exc:
        raise LedgerOpenError(path=target, detail=str(exc)) from None
    return db


def _check(
    db: Database, target: str, *, readonly: bool, on_damage: Callable[[str], None] | None
) -> None:
    if target == MEMORY:
        return
    problems = damage(db)
    if not problems:
        return
    err = LedgerDamagedError(path=target, detail=summary(problems))
    if readonly and on_damage is not None:
        on_damage(
            f"工作台账文件已损坏（{summary(problems)}），以下内容可能不完整。"
            "请尽快运行 screening ledger check 并用备份恢复。"
        )
        return
    db.close()
    raise err


def _prepare(
    db: Database, target: str, *, readonly: bool, on_damage: Callable[[str], None] | None
) -> Database:
    """WAL mode, the damage check, schema version check and pending migrations."""
    try:
        if target != MEMORY:
            db.execute("PRAGMA journal_mode=WAL").fetchall()
            # In WAL mode NORMAL keeps the database consistent through crashes and power cuts
            # (a cut may lose the last commits, never half of one) and avoids an fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
        _check(db, target, readonly=readonly, on_damage=on_damage)
        known = set(migration_names())
        unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    except sqlite3.OperationalError as exc:
        if is_busy(exc):
            raise
        raise LedgerOpenError(path=target, detail=str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise LedgerOpenError(path=target, detail=str(exc)) from None
    if unknown:
        db.close()
        raise LedgerTooNewError(path=target, names="、".join(unknown))
    try:
        if MIGRATIONS.pending(db):
            # Under the write lock, checked again: two programs opening a new ledger at once
            # must not both create its tables (the second waits, then finds nothing to do).
            with db.atomic():
                MIGRATIONS.apply(db)
                db.execute(f"PRAGMA user_version={schema_version(db)}")
    except sqlite3.OperationalError as exc:
        if is_busy(exc):
            raise
        raise LedgerOpenError(path=target, detail=f"结构升级失败：{exc}") from None
    except sqlite3.DatabaseError as exc:
        raise LedgerOpenError(path=target, detail=f"结构升级失败：{exc}") from None
    return db


def backup(db: Database, dest: str | Path) -> Path:
    """Copy the live ledger to ``dest`` with SQLite's online backup API, then verify the copy.

    A damaged ledger is refused (a backup must not carry the damage over the last good one);
    the copy is checked with ``integrity_check`` and removed if it is not sound.
    """
    source = db.conn.execute("PRAGMA database_list").fetchall()[0][2] or MEMORY
    problems = damage(db)
    if problems:
        raise LedgerDamagedError(path=source, detail=summary(problems))
    out = Path(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(str(tmp))
    try:
        db.conn.backup(target)
        copy_problems = damage(Database(target), full=True)
    finally:
        target.close()
    if copy_problems:
        tmp.unlink(missing_ok=True)
        raise LedgerError(
            detail=f"备份副本校验未通过（{summary(copy_problems)}），未保存。"
            "请运行 screening ledger check 检查台账后重试。"
        )
    os.replace(tmp, out)
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
    rowid = db.execute(sql, [values[c] for c in cols]).lastrowid
    assert rowid is not None  # an insert always sets it
    return rowid


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
        db.table("calendar").upsert(
            {"day": d.isoformat(), "kind": "workday" if workday else "holiday", "note": note},
            pk="day",
        )
