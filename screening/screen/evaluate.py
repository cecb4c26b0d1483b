"""Measuring a screening model: recall on held-out notified cases, false alarms on compliant text.

Shared by ``screening model retrain`` (the promotion gate) and the benchmarks
(benchmarks/quality.py, benchmarks/learning.py), so every figure is computed one way.

* Cases: each case's offending spans (≥ 6 characters) form one small document that goes
  through the full engine; a span is found when a finding overlaps it, a case when any of its
  spans is found. NDRC negative-list cases cite the list, not FCR codes, so for them (and for
  every case) recall means "the offending clause is flagged", whatever standard is named.
* Compliant sample: each clause is scored with its list lead-in exactly as in a document; the
  false-alarm rate is the share at or above the model's threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.schema import Case


def case_documents(cases: Sequence[Case]) -> list[tuple[Case, Any, list[tuple[int, int]]]]:
    """(case, Document of its spans one per line, span offsets) for cases with offending text."""
    from ..parse import DocumentBuilder

    docs = []
    for c in cases:
        spans = [s.strip() for s in c.offending_text if len(s.strip()) >= 6]
        if not spans:
            continue
        b = DocumentBuilder()
        blocks = [b.add(s) for s in spans]
        doc = b.build(path=Path(c.id), sha256=c.id, fmt="txt")
        docs.append((c, doc, [(blk.start, blk.end) for blk in blocks if blk is not None]))
    return docs


def eval_cases(screener: Any, docs: Sequence[tuple[Case, Any, list[tuple[int, int]]]]) -> dict:
    """Span and case recall (overall and per standard family) and primary-standard accuracy."""
    from .labels import case_family, code_matches

    spans = found = 0
    cases_found = 0
    fam_total, fam_found = defaultdict(int), defaultdict(int)
    fam_cases, fam_cases_found = defaultdict(int), defaultdict(int)
    coded = coded_right = 0
    codes = {
        "item_spans": 0,
        "item_top1": 0,
        "item_top3": 0,
        "article_spans": 0,
        "article_top1": 0,
        "article_top3": 0,
    }
    misses = []
    missed_cases = []
    for case, doc, offsets in docs:
        findings = screener.screen_document(doc)
        fam = case_family(case) or "（未知）"
        hit_case = False
        for s, e in offsets:
            spans += 1
            fam_total[fam] += 1
            over = [f for f in findings if f.start < e and f.end > s]
            if over:
                found += 1
                hit_case = True
                fam_found[fam] += 1
                if case.standards and any(c.startswith("FCR-") for c in case.standards):
                    coded += 1
                    best = max(over, key=lambda f: f.score)
                    coded_right += code_matches(best.standard, case.standards)
                    count_codes(codes, [s.code for s in best.standards], case.standards)
            else:
                misses.append((case.id, fam, doc.text[s:e][:80]))
        cases_found += hit_case
        fam_cases[fam] += 1
        fam_cases_found[fam] += hit_case
        if not hit_case:
            missed_cases.append(case.id)
    return {
        "spans": spans,
        "span_recall": found / spans if spans else 0.0,
        "cases": len(docs),
        "case_recall": cases_found / len(docs) if docs else 0.0,
        "recall_by_family": {f: round(fam_found[f] / n, 3) for f, n in sorted(fam_total.items())},
        "spans_by_family": dict(sorted(fam_total.items())),
        "case_recall_by_family": {
            f: round(fam_cases_found[f] / n, 4) for f, n in sorted(fam_cases.items())
        },
        "cases_by_family": dict(sorted(fam_cases.items())),
        "primary_standard_accuracy": coded_right / coded if coded else None,
        "found_spans_with_code": coded,
        "codes": {
            **codes,
            **{
                f"{k}_rate": round(codes[k] / codes[f"{k.split('_')[0]}_spans"], 4)
                if codes[f"{k.split('_')[0]}_spans"]
                else None
                for k in ("item_top1", "item_top3", "article_top1", "article_top3")
            },
        },
        "missed_cases": missed_cases,
        "misses": misses,
    }


def count_codes(codes: Any, ranked: Sequence[str], truth: Sequence[str]) -> None:
    """Add to ``codes`` (a Counter or a dict of ints) the item- and article-level hits of the
    ranked FCR codes against a case's codes: first code, and any of three. Item figures count
    only cases citing an item; an article-only citation (``FCR-19``) accepts any of its items.
    Shared by this module and the benchmarks (quality.py, ranking.py)."""
    from .labels import article_of

    ranked = [c for c in ranked if c.startswith("FCR-")]
    true_items = {c for c in truth if c.startswith("FCR-") and c.count("-") == 2}
    true_articles = {article_of(c) for c in truth if c.startswith("FCR-")}
    ranked_articles = list(dict.fromkeys(article_of(c) for c in ranked))
    codes["article_spans"] += 1
    codes["article_top1"] += bool(ranked) and article_of(ranked[0]) in true_articles
    codes["article_top3"] += bool(set(ranked_articles[:3]) & true_articles)
    if true_items:
        codes["item_spans"] += 1
        codes["item_top1"] += bool(ranked) and ranked[0] in true_items
        codes["item_top3"] += bool(set(ranked[:3]) & true_items)


def stage1_drops(screener: Any, docs: Sequence[tuple[Case, Any, list[tuple[int, int]]]]) -> dict:
    """How many test spans the first stage never passes to the model (no clause over them)."""
    from ..segment import segment
    from .tender import read_structure

    spans = dropped = 0
    examples = []
    for case, doc, offsets in docs:
        clauses = list(segment(doc))
        picked = screener.stage1(clauses, read_structure(doc, clauses)).picked
        for s, e in offsets:
            spans += 1
            if not any(c.start < e and c.end > s for c in picked):
                dropped += 1
                examples.append((case.id, doc.text[s:e][:80]))
    return {
        "spans": spans,
        "dropped": dropped,
        "dropped_share": round(dropped / spans, 4) if spans else 0.0,
        "examples": examples,
    }


def compliant_scores(screener: Any, clauses: Sequence[Any]) -> np.ndarray:
    """Barrier scores of compliant-sample clauses (0 for clauses stage 1 leaves alone)."""
    return screener.score_clauses([c.text for c in clauses], [c.leadin for c in clauses])


def false_alarms(screener: Any, clauses: Sequence[Any]) -> dict[str, Any]:
    """Share of compliant clauses the screener would report, with the ids of those reported."""
    scores = compliant_scores(screener, clauses)
    hits = scores >= screener.threshold
    return {
        "clauses": len(clauses),
        "false_alarms": int(hits.sum()),
        "false_alarm_rate": round(float(hits.mean()), 5) if len(clauses) else 0.0,
        "flagged_ids": [c.id for c, h in zip(clauses, hits, strict=True) if h],
    }


def summarise_cases(result: dict[str, Any]) -> dict[str, Any]:
    """The figures a model card keeps (no clause texts)."""
    keep = (
        "cases",
        "case_recall",
        "spans",
        "span_recall",
        "case_recall_by_family",
        "cases_by_family",
        "recall_by_family",
        "spans_by_family",
        "primary_standard_accuracy",
        "missed_cases",
    )
    out = {k: result[k] for k in keep}
    for k in ("case_recall", "span_recall", "primary_standard_accuracy"):
        if out[k] is not None:
            out[k] = round(float(out[k]), 4)
    return out
