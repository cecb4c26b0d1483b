"""``features.top_k`` and the similarity features built on it, against full sorts.

``top_k`` prunes columns by block maxima; whatever the shape (narrower than the blocks, a
ragged last block, an exact multiple), it must give each row's k largest values exactly, in
descending order, with column indices that hold those values and never repeat.
"""

from __future__ import annotations

import numpy as np
import pytest

from screening.domain import FAMILIES
from screening.screen.features import KNN, similarity_matrix, similarity_names, top_k
from screening.screen.precedents import Entry, PrecedentIndex


def _check(m: np.ndarray, k: int, block: int) -> None:
    values, cols = top_k(m, k, block=block)
    assert values.shape == cols.shape == (m.shape[0], k)
    expected = -np.sort(-m, axis=1)[:, :k]
    np.testing.assert_array_equal(values, expected)
    np.testing.assert_array_equal(np.take_along_axis(m, cols, axis=1), values)
    for row in cols:
        assert len(set(row.tolist())) == k


@pytest.mark.parametrize(
    ("rows", "width", "k", "block"),
    [
        (5, 10, 3, 64),  # narrower than one block: no pruning
        (5, 64 * 3, 3, 64),  # exactly k blocks: no pruning
        (7, 64 * 40, 3, 64),  # an exact multiple of the block
        (7, 64 * 40 + 1, 3, 64),  # a ragged last block of one column
        (7, 64 * 40 + 37, 15, 64),  # a ragged last block, the KNN width
        (4, 1000, 1, 8),  # k = 1
        (3, 50, 50, 8),  # k = the whole row
        (0, 500, 3, 16),  # no rows
    ],
)
def test_top_k_equals_a_full_sort(rows, width, k, block):
    rng = np.random.default_rng(rows * 1000 + width)
    _check(rng.standard_normal((rows, width)).astype(np.float32), k, block)


def test_top_k_with_ties_and_the_maximum_in_the_ragged_block():
    rng = np.random.default_rng(3)
    m = np.round(rng.random((6, 64 * 20 + 5)), 1).astype(np.float32)  # many exact ties
    m[0, -1] = 2.0  # the row's maximum is the very last column
    m[1, -5:] = 3.0  # the whole ragged block ties at the top
    m[2, :] = 0.5  # every column ties
    for k in (1, 3, 5, 15):
        _check(m, k, 64)


def test_top_k_rejects_k_outside_the_row():
    m = np.zeros((2, 5), np.float32)
    for k in (0, 6):
        with pytest.raises(ValueError):
            top_k(m, k)


def _index(rng: np.random.Generator, kinds: dict[str, int], dim: int = 16) -> PrecedentIndex:
    entries = []
    for kind, count in kinds.items():
        for i in range(count):
            fam = FAMILIES[i % len(FAMILIES)] if kind in ("case", "guidance") else None
            entries.append(Entry(f"{kind}-{i}", kind, "", (), fam, None, f"{kind}-{i}"))
    order = rng.permutation(len(entries))  # kinds interleaved, as in a real index
    vectors = rng.standard_normal((len(entries), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return PrecedentIndex([entries[i] for i in order], vectors)


def _reference(sims: np.ndarray, index: PrecedentIndex) -> np.ndarray:
    """The features by full descending sorts (no partitioning)."""
    pos = index.mask(("case", "guidance"))
    std, neg = index.mask(("standard",)), index.mask(("negative",))
    out = np.zeros((sims.shape[0], len(similarity_names())), np.float32)

    def top(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(-m, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(m, order, axis=1), order

    p, s, g = sims[:, pos], sims[:, std], sims[:, neg]
    out[:, 0], out[:, 1] = p.max(axis=1), top(p, 3)[0].mean(axis=1)
    out[:, 2], out[:, 3], out[:, 4] = s.max(axis=1), g.max(axis=1), top(g, 3)[0].mean(axis=1)
    out[:, 5] = out[:, 0] - out[:, 3]
    both = pos | neg
    values, idx = top(sims[:, both], KNN)
    w = np.clip(values, 0, None) + 1e-6
    out[:, 6] = (w * pos[both][idx]).sum(axis=1) / w.sum(axis=1)
    for i, fam in enumerate(FAMILIES):
        out[:, 7 + i] = sims[:, index.family_columns(fam)].max(axis=1)
    return out


def test_similarity_features_equal_the_full_sort_reference():
    rng = np.random.default_rng(11)
    index = _index(rng, {"case": 300, "guidance": 40, "standard": 60, "negative": 5000})
    queries = index.vectors[rng.choice(len(index), 40)] + 0.05 * rng.standard_normal((40, 16))
    sims = index.similarities(queries / np.linalg.norm(queries, axis=1, keepdims=True))
    np.testing.assert_array_equal(similarity_matrix(sims, index), _reference(sims, index))
