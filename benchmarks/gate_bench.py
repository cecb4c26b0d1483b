"""The stage-1 gate's character n-gram counting: integer keys (``GatePart.keys``) against the
string path (each n-gram looked up in the vocabulary), on the clauses of the shared regulations.

    python benchmarks/gate_bench.py [--shared ../shared] [--limit 200]

Uses the current model (``screening.learning.first_use.load_or_train``) and the regulations
converted by ``benchmarks/speed.py`` (``parse_bench.convert``, .txt). Prints the seconds of
each path over every clause, document by document as a sweep calls it, and checks that both
give the same scores.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--limit", type=int, default=200)
    args = ap.parse_args()

    from speed import files_for

    from screening.config import load_settings
    from screening.learning.first_use import load_or_train
    from screening.parse import parse_file
    from screening.screen.runtime import Gate
    from screening.segment import segment

    settings = load_settings()
    gate = load_or_train(settings).model.gate
    if not isinstance(gate, Gate):
        raise SystemExit("the current model has no runtime gate (runtime.pkl); run a scan first")
    docs = [parse_file(f, settings) for f in files_for(args.shared, "txt", args.limit)]
    texts = [[c.text for c in segment(d)] for d in docs]
    strings = Gate(
        tuple(replace(p, keys=None, key_columns=None) for p in gate.parts), gate.intercept
    )
    results = {}
    for name, g in (("integer keys", gate), ("strings", strings)):
        t = time.perf_counter()
        results[name] = [g.predict_proba(ts)[:, 1] for ts in texts]
        print(f"{name:13s} {time.perf_counter() - t:6.2f} s for {sum(map(len, texts))} clauses")
    same = all(
        np.allclose(a, b, rtol=0, atol=1e-12)
        for a, b in zip(results["integer keys"], results["strings"], strict=True)
    )
    print(f"{len(docs)} documents; same scores: {same}")


if __name__ == "__main__":
    main()
