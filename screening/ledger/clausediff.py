"""Clause-level diff between two versions of a draft.

Clauses are compared by their normalised text (full-width forms folded, whitespace dropped), so
re-typesetting a draft changes nothing. A clause found elsewhere in the new version counts as
unchanged (moved), a changed clause is paired with the new clause that replaced it when their
wording is close enough to be the same provision reworded, and what is left is deleted or added.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

SAME = "same"
CHANGED = "changed"  # reworded: the old clause paired with the new one that replaced it
DELETED = "deleted"
ADDED = "added"

PAIR_MIN_RATIO = 0.5  # below this a replaced clause is a deletion plus an addition

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def clause_key(text: str) -> str:
    """What identifies a clause's wording across versions (16 hex digits of SHA-256)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ClauseChange:
    kind: str  # same | changed | deleted | added
    old: int | None  # clause index in the old version
    new: int | None  # clause index in the new version
    ratio: float = 1.0  # similarity of a changed pair


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b), autojunk=False).ratio()


def diff_clauses(old: Sequence[str], new: Sequence[str]) -> list[ClauseChange]:
    """Every old and every new clause exactly once, in new-version order (deletions at the
    place they were)."""
    ka, kb = [clause_key(t) for t in old], [clause_key(t) for t in new]
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    changes: list[ClauseChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [
                ClauseChange(SAME, i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        # Pair each old clause with the most similar remaining new one of the block, in order.
        paired: dict[int, tuple[int, float]] = {}
        start = 0
        for i in olds:
            best, best_r = None, PAIR_MIN_RATIO
            for j in news[start:]:
                r = _ratio(old[i], new[j])
                if r >= best_r:
                    best, best_r = j, r
            if best is not None:
                paired[i] = (best, best_r)
                start = news.index(best) + 1
        by_new = {j: (i, r) for i, (j, r) in paired.items()}
        for i in olds:
            if i not in paired:
                changes.append(ClauseChange(DELETED, i, None, 0.0))
        for j in news:
            if j in by_new:
                i, r = by_new[j]
                changes.append(ClauseChange(CHANGED, i, j, round(r, 4)))
            else:
                changes.append(ClauseChange(ADDED, None, j, 0.0))
    return _moves(changes, ka, kb)


def _moves(changes: list[ClauseChange], ka: list[str], kb: list[str]) -> list[ClauseChange]:
    """A deleted clause whose exact wording was added elsewhere was moved: unchanged."""
    deleted: dict[str, list[int]] = {}
    for c in changes:
        if c.kind == DELETED and c.old is not None:
            deleted.setdefault(ka[c.old], []).append(c.old)
    moved: dict[int, int] = {}
    for c in changes:
        if c.kind == ADDED and c.new is not None and deleted.get(kb[c.new]):
            moved[c.new] = deleted[kb[c.new]].pop(0)
    gone = set(moved.values())
    out = []
    for c in changes:
        if c.kind == DELETED and c.old in gone:
            continue
        if c.kind == ADDED and c.new in moved:
            out.append(ClauseChange(SAME, moved[c.new], c.new))
            continue
        out.append(c)
    return out


def summary(changes: Sequence[ClauseChange]) -> dict[str, int]:
    counts = {SAME: 0, CHANGED: 0, DELETED: 0, ADDED: 0}
    for c in changes:
        counts[c.kind] += 1
    return counts
