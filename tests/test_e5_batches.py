"""How e5 cuts texts into batches: the cheapest padding plan, and vectors back in input order."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import numpy as np
import pytest

from screening.embed.e5_onnx import OnnxEncoder, plan_batches


def _cost(lengths, cuts, overhead):
    return sum(overhead + (end - start) * lengths[start] for start, end in cuts)


def _allowed(lengths, cuts, batch_size, cells):
    return all(
        end - start <= batch_size
        and (end - start == 1 or (end - start) * lengths[start] ** 2 <= cells)
        for start, end in cuts
    )


def _brute_force(lengths, batch_size, overhead, cells):
    """The cheapest allowed cut into runs, by trying every set of cut points."""
    n, best = len(lengths), None
    for k in range(n):
        for points in itertools.combinations(range(1, n), k):
            bounds = (0, *points, n)
            cuts = list(itertools.pairwise(bounds))
            if _allowed(lengths, cuts, batch_size, cells):
                c = _cost(lengths, cuts, overhead)
                best = c if best is None else min(best, c)
    return best


PLANS = [  # (lengths longest first, batch_size, overhead, cells, expected cuts)
    ([], 32, 8, 10**9, []),
    ([7], 32, 8, 10**9, [(0, 1)]),
    # one long clause among short ones runs alone rather than pad the others to its length
    ([100, 40, 40, 39, 10, 9, 9, 9], 32, 8, 10**9, [(0, 1), (1, 4), (4, 8)]),
    # equal lengths: as few batches as batch_size allows
    ([20] * 70, 32, 8, 10**9, [(0, 32), (32, 64), (64, 70)]),
    # a high per-batch cost keeps mixed lengths together
    ([30, 20, 10], 32, 1000, 10**9, [(0, 3)]),
    # no per-batch cost: every change of length starts a batch
    ([30, 20, 20, 10], 32, 0, 10**9, [(0, 1), (1, 3), (3, 4)]),
    # batch × tokens² bounded, but a single text longer than that still runs
    ([512, 512, 100, 100], 32, 8, 16 * 128 * 128, [(0, 1), (1, 2), (2, 4)]),
    ([50, 50, 50], 2, 8, 10**9, [(0, 1), (1, 3)]),
]


@pytest.mark.parametrize(("lengths", "batch_size", "overhead", "cells", "cuts"), PLANS)
def test_plan_batches(lengths, batch_size, overhead, cells, cuts):
    got = plan_batches(lengths, batch_size, overhead=overhead, cells=cells)
    assert _cost(lengths, got, overhead) == _cost(lengths, cuts, overhead)
    assert _allowed(lengths, got, batch_size, cells)
    assert [i for start, end in got for i in range(start, end)] == list(range(len(lengths)))


@pytest.mark.parametrize("seed", range(40))
def test_plan_batches_is_the_cheapest_allowed_cut(seed):
    rng = random.Random(seed)
    lengths = sorted((rng.randint(3, 90) for _ in range(rng.randint(1, 10))), reverse=True)
    batch_size, overhead = rng.choice([1, 2, 3, 32]), rng.choice([0, 8, 40])
    cells = rng.choice([10**9, 3 * 60 * 60])
    got = plan_batches(lengths, batch_size, overhead=overhead, cells=cells)
    assert _allowed(lengths, got, batch_size, cells)
    assert [i for start, end in got for i in range(start, end)] == list(range(len(lengths)))
    assert _cost(lengths, got, overhead) == _brute_force(lengths, batch_size, overhead, cells)


def test_plan_batches_needs_sorted_lengths():
    with pytest.raises(ValueError, match="sorted"):
        plan_batches([3, 9], 32)


class _Session:
    """Stands in for the onnxruntime session: a row's 'vector' is its id sum, its padding
    visible in the recorded batch shapes."""

    def __init__(self):
        self.shapes = []

    def get_outputs(self):
        return [SimpleNamespace(shape=["batch", 2])]

    def run(self, _names, feeds):
        ids, mask = feeds["input_ids"], feeds["attention_mask"]
        self.shapes.append(ids.shape)
        return [np.stack([(ids * mask).sum(1), mask.sum(1)], axis=1).astype(np.float32)]


class _Tokenizer:
    def encode_batch(self, texts):
        return [SimpleNamespace(ids=[0, *(ord(c) for c in t), 2]) for t in texts]


def test_encode_pads_little_and_keeps_input_order():
    enc = object.__new__(OnnxEncoder)
    enc.tokenizer, enc.session, enc.pad_id = _Tokenizer(), _Session(), 1
    texts = ["甲" * 60, "乙乙", "丙" * 20, "丁" * 21, "戊", "己" * 59]
    out = enc.encode(texts, "", batch_size=32)
    want = [[sum(ord(c) for c in t) + 2, len(t) + 2] for t in texts]
    np.testing.assert_array_equal(out, np.array(want, dtype=np.float32))
    padded = sum(rows * width for rows, width in enc.session.shapes)
    assert padded < 6 * 62  # one batch of six would pad every row to 62 tokens
    assert enc.session.shapes == [(2, 62), (2, 23), (2, 4)]  # pairs of like lengths
