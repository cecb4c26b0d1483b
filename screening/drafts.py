"""Draft review (增量审查) end to end: parse a draft, screen it, record it for the reviewer.

``submit_draft`` is what ``screening review submit`` (and the console) call: the draft is parsed
and split into clauses; for a revised version only the clauses added or reworded since the last
version go through the engine; every suspect clause gets its suggested fixes (precedents' own
rectification wording and the standard's template) and becomes a review item in the ledger
(``ledger.reviews``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .config import Settings
from .corpus.store import review_standards
from .errors import InvalidValueError
from .ledger import reviews
from .ledger.clausediff import ADDED, CHANGED, diff_clauses
from .ledger.record import ledger_path
from .parse import parse_file
from .screen.fixes import FixAdvisor, precedent_pairs
from .screen.tender import read_structure
from .segment import segment
from .types import Document, Finding


@dataclass(frozen=True)
class Submitted:
    """What one ``submit_draft`` did, with the findings behind the new items."""

    result: reviews.SubmitResult
    document: Document
    findings: tuple[Finding, ...]


def draft_info(doc: Document, **given: Any) -> reviews.DraftInfo:
    """What identifies the draft: the reviewer's values (``given``), else the document's own
    metadata (title, 发文机关, 文号, date). 性质类别 is never guessed from the 文种."""
    meta = doc.metadata
    title = (given.get("title") or meta.title or Path(doc.path).stem).strip()
    return reviews.DraftInfo(
        title=title,
        drafter=(given.get("drafter") or meta.issuer or "").strip(),
        doc_number=given.get("doc_number") or meta.doc_number,
        doc_date=given.get("doc_date") or meta.date,
        department=given.get("department"),
        kind=given.get("kind"),
        domain=given.get("domain"),
        to_samr=bool(given.get("to_samr")),
        explicit=frozenset(k for k, v in given.items() if v),
    )


def no_drafter() -> InvalidValueError:
    return InvalidValueError(
        field="起草单位",
        value="（未填写）",
        hint="文件中没有识别出发文机关，请用 --drafter 填写起草单位"
        "（提交修订稿时也可用 --revises 审查编号 沿用原起草单位）。",
    )


def _items(findings: list[Finding], advisor: FixAdvisor) -> list[reviews.NewItem]:
    items = []
    for f in findings:
        data = f.to_dict()
        fixes = advisor.suggest(f.clause, f.standard, precedent_pairs(data["precedents"]))
        items.append(
            reviews.NewItem(
                clause_index=f.clause_index,
                standard=f.standard,
                standards=tuple(s.code for s in f.standards),
                score=f.score,
                finding=data,
                suggestions=tuple(x.to_dict() for x in fixes),
            )
        )
    return items


def submit_draft(
    db: Database,
    screener: Any,
    source: str | Path | Document,
    settings: Settings,
    *,
    operator: str,
    revises: int | None = None,
    advisor: FixAdvisor | None = None,
    **given: Any,
) -> Submitted:
    """Register ``source`` (a file, or a Document already parsed) as a draft under review, or
    as the next version of one.

    ``given``: title, drafter, doc_number, doc_date, department, kind, domain, to_samr — what
    the reviewer typed; the document's own metadata fill the rest. A draft with the same title
    and drafting unit as an existing 审查对象 is its next version (``revises`` names it
    explicitly, and lends its title and drafting unit when none is given).
    """
    doc = source if isinstance(source, Document) else parse_file(source, settings)
    info = draft_info(doc, **given)
    if revises is not None:
        known = reviews.get_review(db, revises)
        info = dataclasses.replace(
            info,
            title=given.get("title") or known["title"],
            drafter=given.get("drafter") or known["drafter"],
        )
    if not info.drafter:
        raise no_drafter()
    clauses = segment(doc)
    review_id = (
        revises if revises is not None else reviews.find_review(db, info.title, info.drafter)
    )
    diff = None
    wanted = {c.index for c in clauses}
    if review_id is not None:
        prev = reviews.current_version(db, review_id)
        if prev["sha256"] == doc.sha256:
            result = reviews.SubmitResult(review_id, int(prev["version"]), unchanged=True)
            return Submitted(result, doc, ())
        diff = diff_clauses([c.text for c in prev["clauses"]], [c.text for c in clauses])
        wanted = {c.new for c in diff if c.kind in (ADDED, CHANGED) and c.new is not None}
    first = screener.stage1(clauses, read_structure(doc, clauses)).only(wanted)
    findings = screener.screen_document(doc, clauses, first)
    advisor = advisor or FixAdvisor(settings.corpus)
    version = reviews.DraftVersion(
        path=ledger_path(doc.path),
        sha256=doc.sha256,
        format=doc.format,
        metadata=dataclasses.asdict(doc.metadata),
        clauses=tuple(clauses),
        engine=dict(screener.engine),
    )
    result = reviews.submit(
        db,
        info,
        version,
        _items(findings, advisor),
        operator=operator,
        review_id=review_id,
        diff=diff,
        screened=len(wanted),
    )
    return Submitted(result, doc, tuple(findings))


def add_reviewer_item(
    db: Database,
    review_id: int,
    settings: Settings,
    *,
    clause_index: int,
    standard: str,
    operator: str,
    reason: str | None = None,
    advisor: FixAdvisor | None = None,
) -> dict[str, Any]:
    """An item the engine missed, on clause ``clause_index`` of the current version."""
    known = {s.code: s for s in review_standards(settings.corpus)}
    code = standard.strip().upper()
    if code not in known:
        raise InvalidValueError(
            field="审查标准编号",
            value=standard,
            hint="请填写《实施办法》第九条至第二十四条的标准编号，如 FCR-12-3、FCR-24；"
            "运行 screening standards list 查看全部编号。",
        )
    version = reviews.current_version(db, review_id)
    clauses = {c.index: c for c in version["clauses"]}
    text = clauses[clause_index].text if clause_index in clauses else ""
    advisor = advisor or FixAdvisor(settings.corpus)
    fixes = advisor.suggest(text, code) if text else []
    item = reviews.NewItem(
        clause_index=clause_index,
        standard=code,
        standards=(code,),
        suggestions=tuple(x.to_dict() for x in fixes),
    )
    return reviews.add_item(db, review_id, clause_index, item, operator=operator, reason=reason)
