"""Precedent index: embedded wordings of notified cases, SAMR Q&A and the standards themselves.

Each entry keeps what a finding needs to cite it (id, notice, codes, family, wording) and the
group it belongs to, so training can search "everything except my own notice group" and a
clause never learns from its own precedent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..corpus.schema import Case, Guidance, Standard
from .labels import case_family, family_of_code

POSITIVE_KINDS = ("case", "guidance", "standard")


@dataclass(frozen=True)
class Entry:
    id: str  # case id, Q&A id or standard code
    kind: str  # case | guidance | standard | exemplar | negative
    text: str
    codes: tuple[str, ...]
    family: str | None
    notice_title: str | None
    group: str  # split/leak group (notice or duplicate group); standards use their code


def case_entries(cases: Sequence[Case]) -> list[Entry]:
    out = []
    for c in cases:
        fam = case_family(c)
        for i, span in enumerate(c.offending_text):
            if len(span.strip()) < 6:
                continue
            out.append(
                Entry(
                    id=c.id if len(c.offending_text) == 1 else f"{c.id}#{i + 1}",
                    kind="case",
                    text=span.strip(),
                    codes=c.standards,
                    family=fam,
                    notice_title=c.notice_title,
                    group=c.group_id or c.id,
                )
            )
    return out


def guidance_entries(guidance: Sequence[Guidance]) -> list[Entry]:
    out = []
    for g in guidance:
        fams = [f for f in (family_of_code(c) for c in g.standards) if f]
        for i, wording in enumerate(g.clause_wording):
            if len(wording) < 6:
                continue
            out.append(
                Entry(
                    id=f"{g.id}#{i + 1}",
                    kind="guidance",
                    text=wording,
                    codes=tuple(g.standards),
                    family=fams[0] if fams else None,
                    notice_title="市场监管总局公平竞争审查答疑",
                    group=g.id,
                )
            )
    return out


def exemplar_entries(exemplars: Sequence[tuple[str, str]]) -> list[Entry]:
    """The hand-written item exemplars (``corpus.load_exemplars``): kind ``exemplar``, which
    only the item ranking reads — no feature, and never shown as a precedent."""
    counts: dict[str, int] = {}
    out = []
    for code, text in exemplars:
        counts[code] = counts.get(code, 0) + 1
        out.append(
            Entry(
                id=f"{code}#ex{counts[code]}",
                kind="exemplar",
                text=text,
                codes=(code,),
                family=family_of_code(code),
                notice_title="示例表述（非通报案例）",
                group=f"exemplar:{code}",
            )
        )
    return out


def standard_entries(standards: Sequence[Standard]) -> list[Entry]:
    return [
        Entry(
            id=s.code,
            kind="standard",
            text=s.text,
            codes=(s.code,),
            family=family_of_code(s.code),
            notice_title="《公平竞争审查条例实施办法》",
            group=s.code,
        )
        for s in standards
        if s.kind == "standard" and s.code.startswith("FCR-") and s.code != "FCR-24"
    ]


class PrecedentIndex:
    """Entries with L2-normalised embeddings; cosine search with optional group exclusion."""

    def __init__(self, entries: Sequence[Entry], vectors: np.ndarray) -> None:
        if len(entries) != len(vectors):
            raise ValueError("entries and vectors differ in length")
        self.entries = list(entries)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.groups = np.array([e.group for e in self.entries], dtype=object)
        self.kinds = np.array([e.kind for e in self.entries], dtype=object)

    def __len__(self) -> int:
        return len(self.entries)

    def mask(self, kinds: Sequence[str]) -> np.ndarray:
        """Which entries are of ``kinds`` (computed once per set of kinds; do not modify)."""
        # Masks are asked for per document and per finding; over tens of thousands of entries
        # (the regulation negatives) rebuilding them each time cost a tenth of a sweep. Kept in
        # __dict__ lazily: an index pickled inside an older model.joblib has no such attribute.
        masks = self.__dict__.setdefault("_masks", {})
        key = tuple(sorted(kinds))
        if key not in masks:
            masks[key] = np.isin(self.kinds, list(key))
        return masks[key]

    def family_columns(self, family: str) -> np.ndarray:
        """Indices of the case and guidance entries of ``family`` (computed once)."""
        families = self.__dict__.setdefault("_families", {})
        if not families:
            fams = np.array([e.family for e in self.entries], dtype=object)
            pos = self.mask(("case", "guidance"))
            for fam in set(fams[pos]):
                families[fam] = np.flatnonzero(pos & (fams == fam))
        return families.get(family, np.zeros(0, dtype=np.intp))

    def similarities(
        self, queries: np.ndarray, exclude_groups: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Cosine similarity of each query to every entry; excluded groups get -1."""
        sims = queries.astype(np.float32) @ self.vectors.T
        if exclude_groups is not None:
            for i, g in enumerate(exclude_groups):
                if g is not None:
                    sims[i, self.groups == g] = -1.0
        return sims

    def top(
        self, sims_row: np.ndarray, k: int, kinds: Sequence[str] = POSITIVE_KINDS
    ) -> list[tuple[Entry, float]]:
        allowed = self.mask(kinds)
        row = np.where(allowed, sims_row, -2.0)
        k = min(k, int(allowed.sum()))
        if k <= 0:
            return []
        idx = np.argpartition(-row, k - 1)[:k]
        idx = idx[np.argsort(-row[idx])]
        return [(self.entries[i], float(row[i])) for i in idx if row[i] > -1.0]
