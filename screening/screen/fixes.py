"""Suggested fixes for a suspect clause, each with where it came from.

Two sources, both checkable: the rectification wording of the most similar notified cases (the
``rectification`` field the corpus keeps, quoted sentence by sentence, with the case id), and the
project's short template for the standard breached (``fix_templates``, with its template id).
Nothing is generated: a sentence either is in a case record or is a template's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..corpus.store import code_matches, load_cases
from .fix_templates import template_for

# Sentences of a rectification that say what was changed in the text (kept), as opposed to
# procedure (提交整改报告, 认识到…违反…, 约谈 …), which is no advice for a drafter. A sentence
# that says what the text now says (改为, 明确, a quotation) is worth more than one that only says
# the clause went (删除, 废止), and "revised the document" alone says nothing.
_CONCRETE = re.compile(r"修改为|改为|调整为|明确|不再|均可|放开|“")
_REMOVED = re.compile(r"废止|废除|删除|取消|停止|撤销|清理|纠正")
_PROCEDURE = re.compile(r"认识到|整改报告|约谈|行政建议书|督办|通报|提出处理建议|发现并交")
_SENTENCE = re.compile(r"[^。；;！!]+[。；;！!]?")
MAX_CHARS = 150
CONCRETE, REMOVAL = 2, 1


def sentence_value(sentence: str) -> int:
    """2: says what the text now says; 1: says the clause was removed; 0: no advice."""
    if len(sentence) < 8 or _PROCEDURE.search(sentence):
        return 0
    if _CONCRETE.search(sentence):
        return CONCRETE
    return REMOVAL if _REMOVED.search(sentence) else 0


@dataclass(frozen=True)
class FixSuggestion:
    source: str  # case | template
    ref: str  # case id (e.g. samr-r7-13) or template id (e.g. TPL-FCR-12-3)
    text: str  # a verbatim rectification sentence, or the template text
    similarity: float | None = None  # engine similarity of the case to the clause (precedents)
    standard: str | None = None  # the standard the suggestion answers
    # precedent: one of the engine's most similar cases; same_standard: a case cited for the
    # same standard (ranked by wording overlap); template: fix_templates
    basis: str = "template"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _grams(text: str) -> set[str]:
    chars = re.sub(r"\s+", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def overlap(a: str, b: str) -> float:
    """Character-bigram Jaccard overlap: the fallback similarity when no vector is at hand."""
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / len(ga | gb) if ga and gb else 0.0


def fix_sentences(rectification: str, limit: int = 2) -> tuple[int, list[str]]:
    """The sentences of a case's rectification that say what was changed, verbatim, best
    first, and the value of the best one (0 when none gives advice)."""
    scored = []
    for n, m in enumerate(_SENTENCE.finditer(rectification or "")):
        sentence = m[0].strip()
        value = sentence_value(sentence)
        if value:
            if len(sentence) > MAX_CHARS:
                sentence = sentence[: MAX_CHARS - 1] + "…"
            scored.append((-value, n, sentence))
    scored.sort()
    picked = sorted(scored[:limit], key=lambda t: t[1])  # in the case's own order
    return (-scored[0][0] if scored else 0), [s for _, _, s in picked]


class FixAdvisor:
    """Suggests fixes from the corpus of ``corpus_dir`` (cases loaded once)."""

    def __init__(self, corpus_dir: str | Path) -> None:
        self.cases = {c.id: c for c in load_cases(corpus_dir)}

    def _case_fix(
        self, case_id: str, similarity: float | None, standard: str | None, basis: str
    ) -> tuple[int, FixSuggestion] | None:
        case = self.cases.get(case_id)
        if case is None or not case.rectification:
            return None
        value, sentences = fix_sentences(case.rectification)
        if not sentences:
            return None
        text = "".join(s if s[-1] in "。；;！!…" else s + "。" for s in sentences)
        return value, FixSuggestion("case", case_id, text, similarity, standard, basis)

    def suggest(
        self,
        clause: str,
        standard: str | None,
        precedents: Iterable[tuple[str, float]] = (),
        *,
        max_cases: int = 2,
        pool: int = 8,
    ) -> list[FixSuggestion]:
        """Up to ``max_cases`` precedent-based fixes, then the standard's template.

        Candidates are the engine's ``precedents`` ((case id, similarity), best first), then
        the cases cited for the same standard ranked by their wording's overlap with the clause
        (``pool`` of them). A concrete rectification (what the text now says) beats one that
        only says the clause was removed; within a kind, the more similar case comes first.
        """
        candidates: list[tuple[str, float | None, str]] = []
        for case_id, sim in precedents:
            candidates.append((case_id, round(float(sim), 4), "precedent"))
        if standard:
            seen = {c for c, _, _ in candidates}
            ranked = sorted(
                (
                    (round(overlap(clause, " ".join(c.offending_text) or c.description), 4), c.id)
                    for c in self.cases.values()
                    if c.id not in seen and any(code_matches(s, standard) for s in c.standards)
                ),
                key=lambda t: (-t[0], t[1]),
            )
            candidates += [(case_id, None, "same_standard") for _, case_id in ranked[:pool]]
        fixes = []
        for order, (case_id, sim, basis) in enumerate(candidates):
            found = self._case_fix(case_id, sim, standard, basis)
            if found is not None:
                fixes.append((-found[0], order, found[1]))
        fixes.sort(key=lambda t: (t[0], t[1]))
        out = [fix for _, _, fix in fixes[:max_cases]]
        template = template_for(standard) if standard else None
        if template is not None:
            out.append(FixSuggestion("template", template.id, template.text, None, standard))
        return out


def precedent_pairs(precedents: Sequence[dict[str, Any]]) -> list[tuple[str, float]]:
    """(case id, similarity) of a finding's case precedents (guidance entries have no fix)."""
    return [
        (p["case_id"], float(p["similarity"]))
        for p in precedents
        if p.get("kind", "case") == "case"
    ]
