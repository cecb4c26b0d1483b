"""Console page: 知识库 — review standards, notified cases, the SAMR Q&A and the negative list.

The corpus is read once per server process (``console.services["knowledge_corpus"]``); the
negative-list editions are read on each visit (an administrator may import one while the server
runs).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.responses import Response

from ...corpus import Case, Guidance, Standard, load_cases, load_guidance, load_standards
from ...corpus.citations import code_sort_key
from ...corpus.store import code_matches, load_tender_labels
from ...errors import CorpusMissingError
from ...neglist.editions import NO_EDITION_MESSAGE, list_editions, negative_list_status
from ...neglist.validate import load_edition_facts
from ..core import ALL, Ctx, NotFound, page

PAGE_SIZE = 30
TABS = (
    ("standards", "审查标准"),
    ("cases", "通报案例"),
    ("qa", "问答"),
    ("neglist", "负面清单"),
)
KIND_LABELS = {"standard": "审查标准", "exception": "例外情形", "definition": "定义"}
META_PATH = Path("negative_list") / "editions_meta.json"


@dataclass(frozen=True)
class Corpus:
    standards: list[Standard]
    cases: list[Case]
    guidance: list[Guidance]
    qa_missing: bool
    tender: dict[str, tuple[str, ...]] = field(default_factory=dict)  # case id -> ZB labels

    def codes_of(self, case: Case) -> tuple[str, ...]:
        """The standards a case cites, and the ZB items it was labelled with."""
        return (*case.standards, *self.tender.get(case.id, ()))

    def standard(self, code: str) -> Standard | None:
        wanted = code.strip().upper()
        return next((s for s in self.standards if s.code == wanted), None)


def corpus_of(ctx: Ctx) -> Corpus:
    """The corpus of the console's settings, loaded at the first visit of the process."""
    services = ctx.console.services
    cached = services.get("knowledge_corpus")
    if cached is None:
        folder = ctx.settings.corpus
        try:
            guidance, missing = load_guidance(folder), False
        except CorpusMissingError:
            guidance, missing = [], True
        cached = Corpus(
            load_standards(folder),
            load_cases(folder),
            guidance,
            missing,
            load_tender_labels(folder),
        )
        with ctx.console.flash_lock:
            services.setdefault("knowledge_corpus", cached)
    return cached


def _hit(q: str, *texts: Any) -> bool:
    return any(q in str(t) for t in texts if t) if q else True


def _paged(items: list[Any], page_no: int) -> tuple[list[Any], int, int]:
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page_no = min(max(1, page_no), pages)
    start = (page_no - 1) * PAGE_SIZE
    return items[start : start + PAGE_SIZE], page_no, pages


def _page_no(ctx: Ctx) -> int:
    raw = ctx.query("page", "1")
    return int(raw) if raw.isdigit() else 1


def _case_excerpt(case: Case, limit: int = 90) -> str:
    text = case.description or "；".join(case.offending_text) or ""
    return text if len(text) <= limit else text[:limit] + "……"


def _neglist(corpus_dir: Path) -> dict[str, Any]:
    """Imported editions with their source files, and the edition facts the product bundles."""
    status = negative_list_status(corpus_dir)
    known = []
    try:
        meta = json.loads((corpus_dir / META_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    editions = (meta.get("data") or {}).get("editions") or {}
    for key in sorted(editions, reverse=True):
        facts = load_edition_facts(corpus_dir, key) or {}
        raw = editions[key]
        sources = sorted(
            {str(v["source"]) for v in raw.values() if isinstance(v, dict) and v.get("source")}
        )
        known.append({"key": key, **facts, "sources": sources})
    return {
        "status": status,
        "editions": list_editions(corpus_dir),
        "known": known,
        "meta_provenance": meta.get("provenance") or {},
        "no_edition": NO_EDITION_MESSAGE,
    }


@page("/knowledge", roles=ALL)
def knowledge(ctx: Ctx) -> Response:
    tab = ctx.query("tab", "standards")
    if tab not in dict(TABS):
        tab = "standards"
    q = ctx.query("q")
    corpus = corpus_of(ctx)
    context: dict[str, Any] = {"tab": tab, "tabs": TABS, "q": q, "kind_labels": KIND_LABELS}
    if tab == "standards":
        rows = [
            s
            for s in corpus.standards
            if _hit(q, s.code, s.text, s.chapeau, s.family, s.tiaoli_text, f"第{s.article}条")
            or code_matches(s.code, q)
        ]
        context.update(standards=rows, total=len(corpus.standards))
    elif tab == "cases":
        rows = [
            c
            for c in corpus.cases
            if _hit(
                q,
                c.id,
                c.title,
                c.notice_title,
                c.region,
                c.description,
                c.document_name,
                *c.offending_text,
            )
            or any(code_matches(s, q) for s in corpus.codes_of(c))
        ]
        shown, page_no, pages = _paged(rows, _page_no(ctx))
        context.update(
            cases=[(c, _case_excerpt(c)) for c in shown],
            count=len(rows),
            page=page_no,
            pages=pages,
        )
    elif tab == "qa":
        rows = [
            g
            for g in corpus.guidance
            if _hit(q, g.question, g.answer, *g.standards, *g.clause_wording)
        ]
        shown, page_no, pages = _paged(rows, _page_no(ctx))
        context.update(
            qa=shown, count=len(rows), page=page_no, pages=pages, qa_missing=corpus.qa_missing
        )
    else:
        context.update(neglist=_neglist(Path(ctx.settings.corpus)))
    return ctx.render("knowledge.html", title="知识库", **context)


@page("/knowledge/standards/{code}", roles=ALL)
def standard_detail(ctx: Ctx) -> Response:
    """One standard item; an article-level code (FCR-19, as cases cite 《条例》) shows its items."""
    corpus = corpus_of(ctx)
    code = str(ctx.param("code")).strip().upper()
    std = corpus.standard(code)
    items = [std] if std else [s for s in corpus.standards if code_matches(s.code, code)]
    if not items:
        raise NotFound("审查标准")
    cases = [c for c in corpus.cases if any(code_matches(s, code) for s in corpus.codes_of(c))]
    qa = [g for g in corpus.guidance if any(code_matches(s, code) for s in g.standards)]
    first = items[0]
    siblings = [
        s
        for s in corpus.standards
        if s.law == first.law and s.article == first.article and s not in items
    ]
    return ctx.render(
        "knowledge_standard.html",
        title=code,
        code=code,
        items=items,
        article_level=std is None,
        kind_labels=KIND_LABELS,
        cases=[(c, _case_excerpt(c)) for c in cases[:PAGE_SIZE]],
        case_count=len(cases),
        qa=qa,
        siblings=siblings,
    )


@page("/knowledge/cases/{case_id}", roles=ALL)
def case_detail(ctx: Ctx) -> Response:
    corpus = corpus_of(ctx)
    wanted = str(ctx.param("case_id")).strip()
    case = next((c for c in corpus.cases if c.id == wanted), None)
    if case is None:
        raise NotFound("案例")
    standards = [
        (code, corpus.standard(code)) for code in sorted(case.standards, key=code_sort_key)
    ] + [(code, corpus.standard(code)) for code in corpus.tender.get(case.id, ())]
    related = [c for c in corpus.cases if c.id in case.related_case_ids]
    return ctx.render(
        "knowledge_case.html",
        title=case.title or case.id,
        case=case,
        standards=standards,
        related=related,
    )
