"""Feature vectors for the classifier: precedent similarities, lexicon triggers, modality, context.

A clause is described by how close it lies to notified violations and to compliant wording
(per standard family), which trigger families and classic combinations it contains, and its
modality — including the modality of its list lead-in, so "（三）将在本地投资……作为……必要条件"
under "不得含有下列……内容：" reads as the prohibition it is.
"""

# Versioned as screening.versions.FEATURES: bump it there when the feature vector changes.
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..domain import FAMILIES
from ..types import Clause
from .lexicon import COMBOS, TRIGGER_FAMILIES, Signals, combos, read_signals
from .precedents import PrecedentIndex

KNN = 15


@dataclass(frozen=True)
class ClauseView:
    """A clause's text with its lexicon signals and those of its list lead-in, if any."""

    text: str
    signals: Signals
    leadin: Signals | None = None

    @classmethod
    def of(cls, text: str, leadin_text: str | None = None) -> ClauseView:
        return cls(text, read_signals(text), read_signals(leadin_text) if leadin_text else None)


def leadins(clauses: Sequence[Clause]) -> list[str | None]:
    """For each clause, the text of the list lead-in ("……如下：") that governs it, if any.

    A lead-in governs the clauses after it whose article path extends (or equals) its own,
    until the path leaves it or 40 clauses pass.
    """
    out: list[str | None] = []
    current: tuple[str, str, int] | None = None  # (path, text, index)
    for c in clauses:
        gov = None
        if current is not None:
            path, text, idx = current
            inside = c.article_path == path or c.article_path.startswith(path + "/")
            if inside and c.index - idx <= 40:
                gov = text
            else:
                current = None
        out.append(gov)
        if c.text.rstrip().endswith(("：", ":")):
            current = (c.article_path, c.text, c.index)
    return out


def lexicon_names() -> list[str]:
    names = [f"trig_{k}" for k, _, _ in TRIGGER_FAMILIES]
    names += [f"combo_{n}" for n, _, _ in COMBOS]
    names += [
        "prohibits",
        "operator_ban",
        "legal_basis",
        "equal",
        "obligation",
        "title_like",
        "leadin_prohibits",
        "leadin_legal",
        "n_hits",
        "log_len",
    ]
    return names


def lexicon_vector(view: ClauseView) -> list[float]:
    s = view.signals
    lead = view.leadin
    present = set(combos(s))
    vec = [float(k in s.families) for k, _, _ in TRIGGER_FAMILIES]
    vec += [float(n in present) for n, _, _ in COMBOS]
    vec += [
        float(bool(s.prohibits)),
        float(bool(s.operator_ban)),
        float(bool(s.legal_basis)),
        float(bool(s.equal)),
        float(s.obligation),
        float(s.looks_like_title),
        float(bool(lead and (lead.prohibits or lead.equal))),
        float(bool(lead and lead.legal_basis)),
        math.log1p(len(s.hits)),
        math.log1p(len(view.text)),
    ]
    return vec


def similarity_names() -> list[str]:
    names = ["pos_max", "pos_top3", "std_max", "neg_max", "neg_top3", "margin", "knn_pos"]
    names += [f"fam_max_{i}" for i in range(len(FAMILIES))]
    return names


# Width of the column blocks :func:`top_k` prunes with: wide enough that ranking the block
# maxima is cheap, narrow enough that the k best blocks leave few candidates.
TOP_K_BLOCK = 64


def top_k(m: np.ndarray, k: int, block: int = TOP_K_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` largest values (descending) and their column indices, for ``k`` ≤ width.

    Exact values, found without partitioning whole rows of tens of thousands of columns (the
    regulation negatives): a row's ``k`` largest entries lie in blocks whose maxima are at
    least the ``k``-th largest entry, and there are at most ``k`` such blocks, so the ``k``
    blocks with the largest maxima hold them. Where entries tie at the ``k``-th value, which of
    the tied columns is returned is arbitrary, as with ``np.argpartition``.
    """
    n, width = m.shape
    if not 0 < k <= width:
        raise ValueError(f"k={k} outside 1..{width}")
    full = width // block
    if full <= k:  # too narrow to prune: take the row as one candidate set
        cols = np.broadcast_to(np.arange(width), (n, width))
        cand = m
    else:
        bmax = m[:, : full * block].reshape(n, full, block).max(axis=2)
        if width > full * block:  # the ragged last block
            bmax = np.hstack([bmax, m[:, full * block :].max(axis=1, keepdims=True)])
        blocks = np.argpartition(bmax, bmax.shape[1] - k, axis=1)[:, -k:]
        cols = (blocks[:, :, None] * block + np.arange(block)).reshape(n, k * block)
        cols = np.minimum(cols, width - 1)  # the ragged block's overhang repeats its last column
        cand = np.take_along_axis(m, cols, axis=1)
        if width > full * block:  # a repeated column must not be counted twice
            repeated = np.zeros_like(cols, dtype=bool)
            repeated[:, 1:] = cols[:, 1:] == cols[:, :-1]
            cand = np.where(repeated, -np.inf, cand)
    pick = np.argpartition(cand, cand.shape[1] - k, axis=1)[:, -k:]
    values = np.take_along_axis(cand, pick, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    values = np.take_along_axis(values, order, axis=1)
    index = np.take_along_axis(np.take_along_axis(cols, pick, axis=1), order, axis=1)
    return values, index


def similarity_matrix(sims: np.ndarray, index: PrecedentIndex) -> np.ndarray:
    """Per-clause similarity features from a (clauses × entries) cosine matrix."""
    pos = index.mask(("case", "guidance"))
    std = index.mask(("standard",))
    neg = index.mask(("negative",))
    n = sims.shape[0]
    out = np.zeros((n, len(similarity_names())), dtype=np.float32)

    def top_mean(m: np.ndarray, k: int) -> np.ndarray:
        if m.shape[1] == 0:
            return np.zeros(n, dtype=np.float32)
        return top_k(m, min(k, m.shape[1]))[0].mean(axis=1)

    def col_max(m: np.ndarray) -> np.ndarray:
        return m.max(axis=1) if m.shape[1] else np.zeros(n, dtype=np.float32)

    p, s, g = sims[:, pos], sims[:, std], sims[:, neg]
    out[:, 0] = col_max(p)
    out[:, 1] = top_mean(p, 3)
    out[:, 2] = col_max(s)
    out[:, 3] = col_max(g)
    out[:, 4] = top_mean(g, 3)
    out[:, 5] = out[:, 0] - out[:, 3]
    both = pos | neg
    if both.any() and n:
        sub = sims[:, both]
        is_pos = pos[both]
        top, idx = top_k(sub, min(KNN, sub.shape[1]))
        w = np.clip(top, 0, None) + 1e-6
        out[:, 6] = (w * is_pos[idx]).sum(axis=1) / w.sum(axis=1)
    for i, fam in enumerate(FAMILIES):
        out[:, 7 + i] = col_max(sims[:, index.family_columns(fam)])
    return out


def feature_names() -> list[str]:
    return similarity_names() + lexicon_names()


def build_features(
    views: Sequence[ClauseView], sims: np.ndarray | None, index: PrecedentIndex | None
) -> np.ndarray:
    """Similarity and lexicon features of ``views`` (no ``index``: similarity features 0)."""
    lex = np.array([lexicon_vector(v) for v in views], dtype=np.float32).reshape(len(views), -1)
    if sims is None or index is None:
        return np.hstack([np.zeros((len(views), len(similarity_names())), np.float32), lex])
    return np.hstack([similarity_matrix(sims, index), lex])
