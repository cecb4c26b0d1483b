"""Issue 14's jieba lever, measured where word features are cheapest to use: the stage-1 gate.

The gate (``learning.train.make_gate``) reads character 1–3-grams and, since hybrid.v5, jieba
word 1–2-grams beside them (``screen.words``: jieba with a user dictionary of the barrier
vocabulary — the literal words of ``screen.lexicon``'s trigger patterns — and the region
words 本县, 我市, 区内, 外地 …, full province names). Gates compared, on the same training side of
the case split and the same negatives:

* ``char`` — characters only (the gate up to hybrid.v4: ``make_gate(words=False)``);
* ``char1-4``, ``char1-5`` — longer character n-grams (what words add that no segmenter is
  needed for);
* ``char+word`` — the shipped gate;
* ``char+word/ns`` — words, but every place name jieba tags ``ns`` (泉州市, 粤 …) and every region
  word becomes one token (``<本地>``, ``<外地>``, ``<地名>``): "local" recognised however it is
  written (jieba's part-of-speech tagger; about 3 times slower).

For each gate (thresholds chosen as ``train`` chooses them, out of fold on the training side):

* out of fold: the share of training regulations' clauses the gate passes at the threshold that
  keeps 97.5 % of training barriers, and the share of trigger-less barriers that reach the
  gate-alone threshold (0.5 % of trigger-less regulation clauses);
* on the test side of the split: how many offending spans stage 1 drops (the product's rule,
  ``Screener.stage1``, with this gate), and the share of clauses of held-out local regulations
  it passes (work for the embedders, and the pool false alarms come from).

Nothing here is tuned on the test side. The end-to-end comparison (recall, flagged regulations)
is ``quality.py --engines v2,v2c``.

Usage: python benchmarks/words.py [--shared ../shared] [--regs-limit 300] [--variants …]
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("char", "char1-4", "char1-5", "char+word", "char+word/ns")


class PlaceSegmenter:
    """The shipped segmentation with region words and jieba's place names (``ns``) as tags."""

    def __init__(self) -> None:
        from screening.lang.zh.regions import FOREIGN_WORDS, LOCAL_WORDS
        from screening.screen.words import tokenizer

        self.tokenizer = tokenizer()  # rjieba's tagger: jieba's part-of-speech tags
        self.local = re.compile(f"^(?:{LOCAL_WORDS})$")
        self.foreign = re.compile(f"^(?:{FOREIGN_WORDS})$")

    def __call__(self, text: str) -> list[str]:
        out = []
        for w, flag in self.tokenizer.tag(text, hmm=True):
            if not w.strip():
                continue
            if self.local.match(w):
                out.append("<本地>")
            elif self.foreign.match(w):
                out.append("<外地>")
            elif flag == "ns":
                out.append("<地名>")
            else:
                out.append(w)
        return out


def make_gate(variant: str, seed: int = 0):
    """The gate called ``variant`` (see the module docstring)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from screening.learning.train import make_gate as shipped

    if variant in ("char", "char+word"):
        return shipped(seed, words=variant == "char+word")
    if variant.startswith("char1-"):  # longer character n-grams, no segmenter
        gate = shipped(seed, words=False)
        gate.steps[0][1].set_params(ngram_range=(1, int(variant[-1])))
        return gate
    char = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, dtype=np.float32
    )
    word = TfidfVectorizer(analyzer=_places, sublinear_tf=True, min_df=2, dtype=np.float32)
    return make_pipeline(
        make_union(char, word),
        LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000, random_state=seed),
    )


_MEMO: dict[str, list[str]] = {}
_SEGMENTER: list[PlaceSegmenter] = []


def _places(text: str) -> list[str]:
    """Word 1–2-grams of the place-tagged segmentation, memoised (the folds repeat texts)."""
    words = _MEMO.get(text)
    if words is None:
        if not _SEGMENTER:
            _SEGMENTER.append(PlaceSegmenter())
        words = _MEMO[text] = _SEGMENTER[0](text)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def gate_screener(settings, gate, threshold: float, alone: float):
    """A Screener whose model is only the gate: its ``stage1`` is the product's rule."""
    from screening.screen.engine import Screener

    model = SimpleNamespace(
        gate_scores=lambda texts: gate.predict_proba(list(texts))[:, 1],
        gate_threshold=threshold,
        gate_threshold_alone=alone,
        threshold=0.5,
        strategy="gate-only",
        model_id="gate-only",
        embedder_names=(),
    )
    return Screener(settings, model, {})


def held_out_clauses(shared: Path, limit: int) -> list:
    from screening.parse import parse_file
    from screening.segment import segment
    from tools.corpus_build.negatives import is_training_regulation, regulation_files

    paths = [
        p
        for p in regulation_files(shared)
        if not is_training_regulation(p.relative_to(shared).as_posix())
    ][:limit]
    docs = [parse_file(p) for p in paths]
    return [(doc, list(segment(doc))) for doc in docs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--regs-limit", type=int, default=300)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()

    from screening.config import Settings
    from screening.corpus import load_cases
    from screening.learning.train import (
        COMPLIANT,
        GATE_ALONE_BUDGET,
        GATE_RECALL,
        out_of_fold,
        training_data,
    )
    from screening.screen.evaluate import case_documents, stage1_drops
    from screening.screen.labels import split_cases
    from screening.screen.lexicon import read_signals
    from screening.screen.tender import read_structure

    settings = Settings()
    cases = load_cases(settings.corpus)
    train_cases, test_cases = split_cases(cases)
    data = training_data(Path(settings.corpus), cases=train_cases)
    texts = [e.text for e in data.examples]
    y = np.array([e.label for e in data.examples], dtype=object)
    groups = [e.group for e in data.examples]
    positive = y != COMPLIANT
    regulation = np.array([e.source == "negative" for e in data.examples])
    triggerless = np.array([not read_signals(t).families for t in texts])
    test_docs = case_documents(test_cases)
    regs = held_out_clauses(args.shared, args.regs_limit)
    n_reg_clauses = sum(len(c) for _, c in regs)
    print(
        f"training examples {len(texts)} ({positive.sum()} barriers); test documents "
        f"{len(test_docs)}; held-out regulations {len(regs)} ({n_reg_clauses} clauses)"
    )
    print(
        f"{'gate':14} {'oof regs passed':>15} {'oof trigger-less barriers':>26} "
        f"{'test spans dropped':>19} {'held-out clauses passed':>24} {'seconds':>8}"
    )
    for variant in args.variants.split(","):
        t = time.perf_counter()
        oof = out_of_fold(texts, y, groups, lambda v=variant: make_gate(v))
        threshold = float(np.quantile(oof[positive], 1 - GATE_RECALL))
        alone = max(
            float(np.quantile(oof[regulation & triggerless], 1 - GATE_ALONE_BUDGET)), threshold
        )
        gate = make_gate(variant).fit(texts, positive)
        screener = gate_screener(settings, gate, threshold, alone)
        drops = stage1_drops(screener, test_docs)
        passed = sum(len(screener.stage1(c, read_structure(d, c)).picked) for d, c in regs)
        free_pos = positive & triggerless
        print(
            f"{variant:14} {float((oof[regulation] >= threshold).mean()):>15.3f} "
            f"{int((oof[free_pos] >= alone).sum()):>14}/{int(free_pos.sum()):<4} "
            f"{(oof[free_pos] >= alone).mean():>6.3f} "
            f"{drops['dropped']:>10}/{drops['spans']:<4} {drops['dropped_share']:>4.3f} "
            f"{passed / max(n_reg_clauses, 1):>24.4f} {time.perf_counter() - t:>8.0f}",
            flush=True,
        )
        for case_id, text in drops["examples"]:
            print(f"    dropped: {case_id} {text}")


if __name__ == "__main__":
    main()
