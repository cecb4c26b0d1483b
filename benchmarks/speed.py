"""Sweep speed: the 1,180 local regulations through parse → segment → screen, one process.

Prints model load time, documents/s and clauses/s for a first sweep (empty in-run caches),
how much text reached each stage, and peak RSS. The model is the current one in --models
(trained first if there is none; training time is printed separately and not counted).

Usage: python benchmarks/speed.py --shared ../shared [--limit N] [--models DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build-time package tools/ (regulation list)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--models", type=Path, default=None, help="default: the product's cache")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()

    from screening.config import load_settings
    from screening.parse import parse_file
    from tools.corpus_build.negatives import regulation_files

    settings = load_settings(models=args.models)
    from screening.learning.first_use import load_or_train
    from screening.screen.engine import Screener

    t = time.perf_counter()
    load_or_train(settings)  # trains first when there is no usable model (not counted below)
    print(f"model ready: {time.perf_counter() - t:.0f}s (training time if it had to train)")

    t0 = time.perf_counter()
    screener = Screener.load(settings)
    screener.check_text("申报企业须在本县注册。")  # first call loads the embedders' weights
    t_load = time.perf_counter() - t0
    screener.stats.__init__()  # do not count the warm-up
    screener._vectors = {n: {} for n in screener.embedders}  # a first sweep: empty caches

    files = regulation_files(args.shared)[: args.limit]
    t1 = time.perf_counter()
    n_findings = 0
    for _, findings in screener.screen_many(parse_file(p) for p in files):
        n_findings += len(findings)
    elapsed = time.perf_counter() - t1
    st = screener.stats
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model {screener.model.model_id}; embedders {'+'.join(screener.model.embedder_names)}")
    print(f"model load (incl. embedder weights): {t_load:.1f}s")
    print(
        f"documents {st.documents} in {elapsed:.1f}s: {st.documents / elapsed:.2f} documents/s, "
        f"{st.clauses / elapsed:.0f} clauses/s, {st.chars / elapsed / 1000:.1f}k chars/s"
    )
    print(
        f"stage 1 (TF-IDF gate / lexicon, all {st.clauses} clauses) passed {st.stage1} "
        f"({st.stage1 / max(st.clauses, 1):.1%} of clauses, "
        f"{st.stage1_chars / max(st.chars, 1):.1%} of characters) to the embedders and classifier"
    )
    print(f"findings: {n_findings}")
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
