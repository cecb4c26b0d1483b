"""Read-only views of recorded documents for the console: the document list (with counts) and
one document's active findings and clauses, plus the cutting of a text into highlighted spans.

Nothing here writes. The list is built with SQL aggregates over the page's documents only, so
it stays fast on a ledger with 100,000 findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from sqlite_utils import Database

from ..domain import CaseState
from ..types import Finding

ACTIVE = "active"
PER_PAGE = 50
CLOSED_STATES = (CaseState.CLOSED.value, CaseState.DISMISSED.value)


def display_name(path: str | None) -> str:
    """The last part of a path, whatever its separators (a name shown, never used as a path)."""
    text = str(path or "")
    return PureWindowsPath(PurePosixPath(text).name).name or text


def _filters(
    departments: list[str] | None, department: str | None, q: str | None
) -> tuple[str, list[Any]]:
    where, args = ["1 = 1"], []  # type: list[str], list[Any]
    if departments is not None:
        if not departments:
            return "0 = 1", []
        where.append(f"d.department in ({', '.join('?' * len(departments))})")
        args += departments
    if department:
        where.append("d.department = ?")
        args.append(department)
    if q:
        where.append(
            "(instr(coalesce(d.title, ''), ?) > 0 or instr(d.path, ?) > 0 or exists "
            "(select 1 from uploads u where u.sha256 = d.sha256 and instr(u.name, ?) > 0))"
        )
        args += [q, q, q]
    return " and ".join(where), args


def list_documents(
    db: Database,
    *,
    departments: list[str] | None = None,
    department: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[dict[str, Any]], int]:
    """One page of documents, newest screening first, and how many match in all.

    ``departments``: the only departments to show (a reviewer's; None for all). ``department``
    and ``q`` (in the title, path or uploaded file name) filter further. Each row carries
    ``name`` (the uploaded file's name when it came through the console, else the path's last
    part), ``findings`` (active) and ``open_cases`` (neither closed nor dismissed).
    """
    where, args = _filters(departments, department, q)
    total = int(db.execute(f"select count(*) from documents d where {where}", args).fetchone()[0])
    page = max(1, page)
    rows = [
        dict(r)
        for r in db.query(
            "select d.id, d.path, d.sha256, d.format, d.title, d.department, d.first_seen, "
            "coalesce(d.screened_at, d.last_seen) as screened_at, "
            "(select u.name from uploads u where u.sha256 = d.sha256 order by u.id desc limit 1)"
            " as upload_name "
            f"from documents d where {where} "
            "order by coalesce(d.screened_at, d.last_seen) desc, d.id desc limit ? offset ?",
            [*args, per_page, (page - 1) * per_page],
        )
    ]
    ids = [r["id"] for r in rows]
    findings: dict[int, int] = {}
    cases: dict[int, int] = {}
    if ids:
        marks = ", ".join("?" * len(ids))
        for doc_id, n in db.execute(
            f"select document_id, count(*) from findings where document_id in ({marks}) "
            "and status = ? group by document_id",
            [*ids, ACTIVE],
        ).fetchall():
            findings[int(doc_id)] = int(n)
        for doc_id, n in db.execute(
            f"select document_id, count(*) from cases where document_id in ({marks}) "
            "and status not in (?, ?) group by document_id",
            [*ids, *CLOSED_STATES],
        ).fetchall():
            cases[int(doc_id)] = int(n)
    for r in rows:
        r["name"] = r["upload_name"] or display_name(r["path"])
        r["findings"] = findings.get(r["id"], 0)
        r["open_cases"] = cases.get(r["id"], 0)
    return rows, total


def get_document(db: Database, document_id: int) -> dict[str, Any] | None:
    """One document's row, with ``metadata`` decoded and ``name`` (see :func:`list_documents`)."""
    rows = list(db.query("select * from documents where id = ?", [document_id]))
    if not rows:
        return None
    doc = dict(rows[0])
    doc["metadata"] = json.loads(doc["metadata"] or "{}")
    upload = list(
        db.query(
            "select name from uploads where sha256 = ? or stored = ? order by id desc limit 1",
            [doc["sha256"], doc["path"]],
        )
    )
    doc["name"] = upload[0]["name"] if upload else display_name(doc["path"])
    return doc


def document_findings(db: Database, document_id: int) -> list[dict[str, Any]]:
    """The document's active findings in text order: each row's ``finding`` (a Finding), its
    case id and the case's status."""
    out = []
    for r in db.query(
        "select f.id, f.case_id, f.score, f.standard, f.data, c.status as case_status "
        "from findings f left join cases c on c.id = f.case_id "
        "where f.document_id = ? and f.status = ? order by f.clause_index, f.finding_id",
        [document_id, ACTIVE],
    ):
        row = dict(r)
        row["finding"] = Finding.from_dict(json.loads(row.pop("data")))
        out.append(row)
    out.sort(key=lambda r: (r["finding"].start, r["finding"].end))
    return out


def document_clauses(db: Database, document_id: int, sha256: str) -> list[dict[str, Any]]:
    """The clauses the ledger holds for this version of the document, in text order."""
    return [
        dict(r)
        for r in db.query(
            "select idx, text, start, [end], page, article_path from clauses "
            "where document_id = ? and doc_sha256 = ? order by start, idx",
            [document_id, sha256],
        )
    ]


@dataclass(frozen=True)
class Segment:
    """A run of text: plain (``key`` None), a highlighted finding span, or an elision mark."""

    text: str
    key: int | None = None
    gap: bool = False


def spans_of(findings: list[Finding]) -> tuple[list[tuple[int, int]], dict[int, list[int]]]:
    """Distinct (start, end) spans in text order and, per span number, the indexes of the
    findings on it (one clause flagged under two standards is one highlight)."""
    spans: list[tuple[int, int]] = []
    members: dict[int, list[int]] = {}
    for i, f in enumerate(findings):
        span = (f.start, f.end)
        if span not in spans:
            spans.append(span)
        members.setdefault(spans.index(span), []).append(i)
    order = sorted(range(len(spans)), key=lambda k: spans[k])
    renumber = {old: new for new, old in enumerate(order)}
    return [spans[k] for k in order], {renumber[k]: v for k, v in members.items()}


def highlight(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """``text`` cut into plain runs and the numbered ``spans`` (overlaps clipped)."""
    out: list[Segment] = []
    at = 0
    for key, (start, end) in enumerate(spans):
        start, end = max(start, at, 0), min(end, len(text))
        if end <= start:
            continue
        if start > at:
            out.append(Segment(text[at:start]))
        out.append(Segment(text[start:end], key))
        at = end
    if at < len(text):
        out.append(Segment(text[at:]))
    return out


def clause_segments(
    clauses: list[dict[str, Any]], spans: list[tuple[int, int]], findings: list[Finding]
) -> list[Segment]:
    """The stored clauses as paragraphs (an elision mark between non-adjacent ones), each
    flagged clause highlighted: what can be shown when the file itself is no longer there.
    A finding whose clause row is missing is shown from the finding's own clause text."""
    rows = {(int(c["start"]), int(c["end"])): str(c["text"]) for c in clauses}
    for f in findings:
        rows.setdefault((f.start, f.end), f.clause)
    keys = {span: k for k, span in enumerate(spans)}
    out: list[Segment] = []
    last_end: int | None = None
    for span in sorted(rows):
        if last_end is None or span[0] > last_end + 1:
            out += [Segment("……", gap=True), Segment("\n")]
        out += [Segment(rows[span], keys.get(span)), Segment("\n")]
        last_end = span[1]
    if out:
        out.append(Segment("……", gap=True))
    return out
