"""Recording engine findings in the ledger: idempotent upserts, cases for new findings, 'gone'.

A finding's identity is its ``finding_id`` (document hash, clause span, primary standard), so
recording the same findings twice updates rows in place. When a document changes, its findings get
new ids: a new finding whose clause text and standard equal those of a finding of the previous
version joins that finding's case (the reviewer's decision carries over); findings of the document
that are no longer produced are marked ``gone`` — never deleted — and their case gets a note.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..domain import CLASSES_1670, Source
from ..types import Document, Finding
from .cases import CLOSED, create_case, excerpt, log_action, require_field
from .db import dumps, insert_row, now, update_row

ACTIVE = "active"
GONE = "gone"
SCREENING_SOURCE = Source.SCREENING.value  # 筛查发现


@dataclass(frozen=True)
class RecordResult:
    """What one ``record_findings`` call changed."""

    document_id: int
    new: int = 0  # findings seen for the first time
    updated: int = 0  # findings already in the ledger, refreshed in place
    gone: int = 0  # findings of this document no longer produced, now marked 'gone'
    cases_created: int = 0
    carried_over: int = 0  # new findings attached to the case of an equal earlier finding
    moved_from: str | None = None  # the document's previous path, when it was found moved

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def ledger_path(path: str | Path) -> str:
    """How a document's path is keyed in the ledger: absolute, so ``docs/a.pdf`` from one folder
    and ``./docs/a.pdf`` or ``/full/path/docs/a.pdf`` are the same document."""
    return str(Path(path).resolve())


def document_unchanged(db: Database, path: str, sha256: str, engine: str | None = None) -> bool:
    """True when ``path`` is in the ledger with this exact content hash (re-screening can skip).

    With ``engine`` (a model id), the document must also have been screened by that model: a new
    model re-screens unchanged files once, so its findings reach the ledger.
    """
    where, args = "path = ? and sha256 = ?", [ledger_path(path), sha256]
    if engine is not None:
        where += " and screened_with = ?"
        args.append(engine)
    return bool(db["documents"].count_where(where, args))


def resolve_unreadable(db: Database, path: str | Path, stamp: str | None = None) -> int:
    """Mark ``path`` as readable again in the sweep log (see ``ledger.sweeps``)."""
    cur = db.execute(
        "update unreadable set resolved_at = ? where path = ? and resolved_at is null",
        [stamp or now(), ledger_path(path)],
    )
    return cur.rowcount


def _upsert_document(
    db: Database, doc: Document, department: str | None, stamp: str, engine: str | None
) -> tuple[int, str | None]:
    """The document's row id, and its previous path when this call found it moved."""
    meta = dumps(dataclasses.asdict(doc.metadata))
    key = ledger_path(doc.path)
    rows = list(db.query("select id, department from documents where path = ?", [key]))
    values = {
        "sha256": doc.sha256,
        "format": doc.format,
        "title": doc.metadata.title,
        "metadata": meta,
        "last_seen": stamp,
        "screened_with": engine,
        "screened_at": stamp,
    }
    if rows:
        doc_id = rows[0]["id"]
        if department:
            values["department"] = department
        update_row(db, "documents", doc_id, values)
        return int(doc_id), None
    moved = _moved_from(db, key, doc.sha256)
    if moved is not None:
        values["path"] = key
        if department:
            values["department"] = department
        update_row(db, "documents", moved["id"], values)
        return int(moved["id"]), moved["path"]
    values.update(path=key, department=department, first_seen=stamp)
    return insert_row(db, "documents", values), None


def _moved_from(db: Database, key: str, sha256: str) -> dict[str, Any] | None:
    """A document with this exact content whose recorded path no longer exists: the same file,
    moved or its folder renamed (or copied to another computer with the ledger)."""
    rows = db.query(
        "select id, path from documents where sha256 = ? and path != ? order by id desc",
        [sha256, key],
    )
    for row in rows:
        if not Path(row["path"]).exists():
            return row
    return None


def _upsert_clause(db: Database, doc_id: int, f: Finding) -> None:
    db.execute(
        "insert into clauses (document_id, doc_sha256, idx, text, start, [end], page, article_path)"
        " values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (document_id, doc_sha256, idx) do update set"
        " text = excluded.text, start = excluded.start, [end] = excluded.[end],"
        " page = excluded.page, article_path = excluded.article_path",
        [doc_id, f.doc_sha256, f.clause_index, f.clause, f.start, f.end, f.page, f.article_path],
    )


def _case_title(doc: Document, f: Finding) -> str:
    name = doc.metadata.title or doc.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"《{name}》：{excerpt(f.clause)}"


def _remark(
    db: Database,
    case_id: int,
    action: str,
    operator: str,
    note: str,
    data: dict[str, Any] | None = None,
) -> None:
    state = db.table("cases").get(case_id)["status"]
    log_action(db, case_id, action, operator, state, state, note, data)


def _carry_over_case(db: Database, doc_id: int, f: Finding) -> int | None:
    # The same clause of an earlier version of the document (same wording), or the same clause
    # of this version scored by another model (same position): one clause, one case.
    rows = list(
        db.query(
            "select case_id from findings where document_id = ? and clause = ? "
            "and (doc_sha256 != ? or clause_index = ?) and case_id is not null "
            "order by id desc limit 1",
            [doc_id, f.clause, f.doc_sha256, f.clause_index],
        )
    )
    return int(rows[0]["case_id"]) if rows else None


def record_findings(
    db: Database,
    doc: Document,
    findings: list[Finding],
    *,
    operator: str,
    department: str | None = None,
    engine: str | None = None,
) -> RecordResult:
    """Store ``doc`` and its ``findings`` in one transaction; see the module docstring.

    ``engine`` is the id of the model that produced the findings (see ``document_unchanged``).
    """
    operator = require_field(operator, "登记筛查结果", "经办人", "--operator")
    stamp = now()
    new = updated = gone = created = carried = 0
    with db.atomic():
        doc_id, moved_from = _upsert_document(db, doc, department, stamp, engine)
        resolve_unreadable(db, doc.path, stamp)
        if moved_from:
            note = f"文件已移动或改名：{moved_from} → {ledger_path(doc.path)}（内容未变）。"
            for (case_id,) in db.execute(
                "select id from cases where document_id = ? and status != ?", [doc_id, CLOSED]
            ).fetchall():
                _remark(db, case_id, "moved", operator, note, {"from": moved_from})
        dept = db.table("documents").get(doc_id)["department"]
        seen: set[str] = set()
        for f in findings:
            if f.finding_id in seen:
                continue
            seen.add(f.finding_id)
            _upsert_clause(db, doc_id, f)
            values = {
                "document_id": doc_id,
                "doc_sha256": f.doc_sha256,
                "clause_index": f.clause_index,
                "clause": f.clause,
                "standard": f.standard,
                "score": f.score,
                "status": ACTIVE,
                "data": f.to_json(),
                "engine_version": f.engine.get("version") or f.engine.get("model_version"),
                "last_seen": stamp,
            }
            existing = list(
                db.query(
                    "select id, case_id, status from findings where finding_id = ?", [f.finding_id]
                )
            )
            if existing:
                update_row(db, "findings", existing[0]["id"], values)
                updated += 1
                if existing[0]["status"] == GONE and existing[0]["case_id"]:
                    _remark(
                        db,
                        existing[0]["case_id"],
                        "reappear",
                        operator,
                        "该条款在重新筛查中再次出现。",
                    )
                continue
            case_id = _carry_over_case(db, doc_id, f)
            if case_id is not None:
                carried += 1
                note = "文件内容或筛查模型已更新，该条款仍被筛出，沿用原案件。"
                _remark(db, case_id, "carry_over", operator, note, {"finding_id": f.finding_id})
            else:
                case_id = create_case(
                    db,
                    source=SCREENING_SOURCE,
                    title=_case_title(doc, f),
                    summary=f.rationale,
                    operator=operator,
                    department=dept,
                    # the primary standard (and the best tender-rules item); the full ranking
                    # stays in the finding's data, and the reviewer sets the breached
                    # standards when deciding (--standard)
                    standards=f.cited_codes(),
                    class_1670=f.class_1670 if f.class_1670 in CLASSES_1670 else None,
                    document_id=doc_id,
                )
                created += 1
            insert_row(
                db,
                "findings",
                {**values, "finding_id": f.finding_id, "case_id": case_id, "first_seen": stamp},
            )
            new += 1
        stale = list(
            db.query(
                "select id, finding_id, case_id from findings where document_id = ? and status = ?",
                [doc_id, ACTIVE],
            )
        )
        for row in stale:
            if row["finding_id"] in seen:
                continue
            update_row(db, "findings", row["id"], {"status": GONE, "last_seen": stamp})
            gone += 1
            if row["case_id"] and not db["findings"].count_where(
                "case_id = ? and status = ?", [row["case_id"], ACTIVE]
            ):
                note = "文件已修改或重新筛查，该条款不再被筛出；请核查后决定是否排除。"
                _remark(
                    db, row["case_id"], "gone", operator, note, {"finding_id": row["finding_id"]}
                )
        insert_row(
            db,
            "screenings",
            {
                "document_id": doc_id,
                "sha256": doc.sha256,
                "at": stamp,
                "engine": engine,
                "findings": len(seen),
            },
        )
    return RecordResult(
        document_id=doc_id,
        new=new,
        updated=updated,
        gone=gone,
        cases_created=created,
        carried_over=carried,
        moved_from=moved_from,
    )
