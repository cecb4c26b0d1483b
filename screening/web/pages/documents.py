"""Console page: 文件 — the recorded documents, and one document with its findings in place.

The document's full text comes from its recorded file (parsed again, cached per process) when
the file is still there with the recorded content; the findings' offsets point into that text.
Otherwise the clauses the ledger holds are shown in order, the flagged ones highlighted.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.responses import FileResponse, Response

from ...corpus.store import load_cases, load_standards
from ...errors import ScreeningError
from ...ledger import list_departments
from ...ledger.docview import (
    PER_PAGE,
    clause_segments,
    document_clauses,
    document_findings,
    get_document,
    highlight,
    list_documents,
    spans_of,
)
from ...parse import parse_file
from ..core import WORKERS, Ctx, NotFound, page, scope_document

_lock = threading.Lock()
_corpus: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
_texts: OrderedDict[tuple[str, str], str | None] = OrderedDict()
TEXT_CACHE = 16


def corpus_of(corpus_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(standards by code, corpus cases by id), loaded once per process and corpus folder."""
    key = str(corpus_dir)
    with _lock:
        if key in _corpus:
            return _corpus[key]
    try:
        standards = {s.code: s for s in load_standards(corpus_dir)}
    except ScreeningError:
        standards = {}
    try:
        cases = {c.id: c for c in load_cases(corpus_dir)}
    except ScreeningError:
        cases = {}
    with _lock:
        _corpus[key] = (standards, cases)
    return standards, cases


def full_text(path: str, sha256: str, settings: Any) -> str | None:
    """The text of the recorded file when it is still there with the recorded content."""
    key = (path, sha256)
    with _lock:
        if key in _texts:
            _texts.move_to_end(key)
            return _texts[key]
    text = None
    if Path(path).is_file():
        try:
            doc = parse_file(path, settings)
        except (ScreeningError, OSError):
            doc = None
        if doc is not None and doc.sha256 == sha256:
            text = doc.text
    with _lock:
        _texts[key] = text
        while len(_texts) > TEXT_CACHE:
            _texts.popitem(last=False)
    return text


def _int(value: str, default: int = 1) -> int:
    return int(value) if value.isdigit() else default


@page("/documents", roles=WORKERS)
def documents(ctx: Ctx) -> Response:
    department = ctx.query("department")
    q = ctx.query("q")
    current = _int(ctx.query("page"))
    rows, total = list_documents(
        ctx.db,
        departments=ctx.departments,
        department=department or None,
        q=q or None,
        page=current,
        per_page=PER_PAGE,
    )
    if ctx.departments is not None:
        choices = list(ctx.departments)
    else:
        choices = [d["name"] for d in list_departments(ctx.db)]
    base = "/documents?" + "".join(
        f"{k}={quote(v, safe='')}&" for k, v in (("department", department), ("q", q)) if v
    )
    return ctx.render(
        "documents.html",
        title="文件",
        rows=rows,
        total=total,
        page=current,
        pages=max(1, math.ceil(total / PER_PAGE)),
        base=base,
        department=department,
        q=q,
        departments=choices,
    )


def _precedents(finding: Any, cases: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in finding.precedents[:3]:
        case = cases.get(p.case_id)
        out.append(
            {
                "id": p.case_id,
                "kind": p.kind,
                "similarity": p.similarity,
                "notice": p.notice_title or (case.notice_title if case else None),
                "text": p.wording
                or (" ".join(case.offending_text) if case and case.offending_text else "")
                or (case.description if case else ""),
                "description": case.description if case else None,
                "rectification": case.rectification if case else None,
            }
        )
    return out


@page("/documents/{document_id:int}", roles=WORKERS, scope=scope_document)
def document(ctx: Ctx) -> Response:
    doc = get_document(ctx.db, int(ctx.param("document_id")))
    if doc is None:
        raise NotFound("文件")
    rows = document_findings(ctx.db, doc["id"])
    findings = [r["finding"] for r in rows]
    spans, members = spans_of(findings)
    text = full_text(doc["path"], doc["sha256"], ctx.settings)
    if text is not None and any(text[f.start : f.end] != f.clause for f in findings):
        text = None  # offsets from another parse: show the stored clauses instead
    if text is not None:
        segments = highlight(text, spans)
    else:
        segments = clause_segments(
            document_clauses(ctx.db, doc["id"], doc["sha256"]), spans, findings
        )
    standards, cases = corpus_of(ctx.settings.corpus)
    groups = []
    for key, span in enumerate(spans):
        items = []
        for i in members[key]:
            f, row = findings[i], rows[i]
            # the primary code, the tender-rules items beside it, then the other FCR candidates
            fcr = [s.code for s in f.review_standards][:3] or ([f.standard] if f.standard else [])
            codes = [*fcr[:1], *(s.code for s in f.tender_standards), *fcr[1:]]
            items.append(
                {
                    "finding": f,
                    "case_id": row["case_id"],
                    "case_status": row["case_status"],
                    "standards": [
                        {
                            "code": code,
                            "text": getattr(standards.get(code), "text", "")
                            or next((s.text for s in f.standards if s.code == code), ""),
                            "chapeau": getattr(standards.get(code), "chapeau", None),
                            "law": getattr(standards.get(code), "law", None),
                            "primary": code == f.standard,
                        }
                        for code in codes
                    ],
                    "precedents": _precedents(f, cases),
                }
            )
        groups.append({"key": key, "span": span, "items": items})
    return ctx.render(
        "document.html",
        title=doc["title"] or doc["name"],
        doc=doc,
        segments=segments,
        groups=groups,
        full=text is not None,
        finding_count=len(findings),
    )


@page("/documents/{document_id:int}/original", roles=WORKERS, scope=scope_document)
def original(ctx: Ctx) -> Response:
    doc = get_document(ctx.db, int(ctx.param("document_id")))
    if doc is None:
        raise NotFound("文件")
    path = Path(doc["path"])
    if not path.is_file():
        raise NotFound("原文件（文件已被移动或删除，台账中只保留了筛查结果）")
    return FileResponse(
        path,
        media_type="application/octet-stream",
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(doc['name'], safe='')}"
        },
    )
