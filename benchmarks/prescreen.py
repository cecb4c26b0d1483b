"""Could a USE-only model spare e5 most of a sweep's clauses? (issue 15, a lever measured)

e5 is about two thirds of a sweep's time (``speed.py``): every clause stage 1 passes is
embedded by it. A cascade would score those clauses first with the fast embedder alone
(use-m.v1: its precedent features and its vector, the same barrier classifier) and send on to
e5 only the ones that score above a cut chosen so that hardly any barrier is lost.

This prints, from out-of-fold scores on the training data (grouped 5-fold, as the threshold of
a real model is chosen): for cuts keeping all, 99.5 %, 99 % and 98 % of the barriers that pass
the gate, the share of gate-passed regulation clauses (a sweep's mix) that would skip e5.

    python benchmarks/prescreen.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRE = "use-m.v1"


def main() -> None:
    from screening.config import load_settings
    from screening.embed import get_embedder
    from screening.learning.train import GATE_RECALL, make_gate, out_of_fold, training_data
    from screening.screen.classifier import COMPLIANT, BarrierClassifier
    from screening.screen.embcache import EmbeddingCache
    from screening.screen.features import ClauseView
    from screening.screen.model import combined_features
    from screening.screen.precedents import PrecedentIndex

    settings = load_settings()
    t0 = time.perf_counter()
    data = training_data(Path(settings.corpus))
    cache = EmbeddingCache(get_embedder(PRE, settings), Path(settings.models) / "embeddings")
    texts = [e.text for e in data.examples]
    groups = [e.group for e in data.examples]
    indexes = {PRE: PrecedentIndex(data.entries, cache.encode([e.text for e in data.entries]))}
    views = [ClauseView.of(e.text, e.leadin) for e in data.examples]
    X, _ = combined_features(indexes, [PRE], views, {PRE: cache.encode(texts)}, groups)
    y = np.array([e.label for e in data.examples], dtype=object)
    positive = y != COMPLIANT
    regulation = np.array([e.source == "negative" for e in data.examples])
    gate = out_of_fold(texts, y, groups, lambda: make_gate(0))
    passed = gate >= float(np.quantile(gate[positive], 1 - GATE_RECALL))
    pre = out_of_fold(X, y, groups, lambda: BarrierClassifier(random_state=0))
    print(
        f"{len(texts)} training clauses, {X.shape[1]} {PRE}-only features; "
        f"{int((positive & passed).sum())} barriers and {int((regulation & passed).sum())} "
        f"regulation clauses pass the gate ({time.perf_counter() - t0:.0f}s)"
    )
    head = ("barriers kept", "cut", "barriers lost", "regulation clauses skip e5")
    print(f"{head[0]:>14} {head[1]:>8} {head[2]:>14} {head[3]:>28}")
    kept = pre[positive & passed]
    for keep in (1.0, 0.995, 0.99, 0.98):
        cut = float(kept.min()) if keep == 1.0 else float(np.quantile(kept, 1 - keep))
        lost = int((kept < cut).sum())
        skip = float((pre[regulation & passed] < cut).mean())
        print(f"{keep:>14.1%} {cut:>8.4f} {lost:>14} {skip:>28.1%}")


if __name__ == "__main__":
    main()
