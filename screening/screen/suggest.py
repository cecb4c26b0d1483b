"""Suggestions for a complaint or clue: which standards and precedents its wording resembles.

A complaint describes a barrier in the complainant's words ("招标文件要求投标人须在本县设立分公司"),
not in the wording of a document, so it is not held to the stage-1 trigger rule: every sentence of
it is scored and the best-scoring sentence gives the suggested standards and precedents. These
are hints for the reviewer who verifies the complaint, never a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..lang.zh.tenderkinds import mentions_procurement
from ..segment import split_sentences
from ..types import Precedent, StandardScore
from .explain import precedents_for, rank_codes
from .features import ClauseView
from .labels import family_of_code


@dataclass(frozen=True)
class Suggestion:
    score: float  # barrier probability of the best sentence (0–1)
    sentence: str  # the sentence of the complaint that scored best
    standards: tuple[StandardScore, ...]
    precedents: tuple[Precedent, ...]
    family: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "sentence": self.sentence,
            "standards": [{"code": s.code, "score": s.score} for s in self.standards],
            "precedents": [
                {"case_id": p.case_id, "similarity": p.similarity, "notice": p.notice_title}
                for p in self.precedents
            ],
            "family": self.family,
        }


def sentences_of(text: str) -> list[str]:
    """The sentences of ``text`` worth judging (distinct, at least 6 characters, at most 50)."""
    parts = (text[a:b].strip() for a, b in split_sentences(text))
    return [s for s in dict.fromkeys(parts) if len(s) >= 6][:50]


def suggestion(screener: Any, sentences: list[str], vectors: dict[str, np.ndarray]) -> Suggestion:
    """The suggestion from ``sentences`` (non-empty) and their embeddings (per embedder)."""
    model = screener.model
    views = [ClauseView.of(s) for s in sentences]
    X, sims = model.features(views, vectors)
    barrier = model.classifier.barrier_proba(X)
    best = int(np.argmax(barrier))
    art_probs = model.articles.article_proba(X[best : best + 1])[0]
    items = model.item_probs({n: v[best : best + 1] for n, v in vectors.items()})
    ranked = rank_codes(
        float(barrier[best]),
        art_probs,
        sims[best],
        model.index,
        screener.standards,
        item_probs=items[0] if items else None,
        **screener.ranking_options(sentences[best], mentions_procurement(*sentences)),
    )
    return Suggestion(
        score=round(float(barrier[best]), 4),
        sentence=sentences[best],
        standards=tuple(ranked[:3]),
        precedents=precedents_for(sims[best], model.index),
        family=family_of_code(ranked[0].code) if ranked else None,
    )


def suggest(screener: Any, text: str) -> Suggestion | None:
    """Score every sentence of ``text``; None when it has no sentence long enough to judge.

    The same as ``screener.suggest(text)`` (:meth:`~screening.screen.engine.Screener.suggest`).
    """
    return screener.suggest(text)
