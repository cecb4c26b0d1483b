"""Time and peak memory of training the shipped recipe on a corpus (issue 14/15).

Training computes each example's similarity to every precedent-index entry (cases, guidance,
standards, exemplars and every negative). The index grows with the negatives, so a corpus that
trains on more regulations (``benchmarks/quality.py --train-share``) costs memory here first:
an administrator retrains on an office PC.

Embeddings come from the cache under ``--models`` (``benchmarks/out/models`` by default, as
quality.py fills it), so the figures are for training itself once vectors exist; a first run
with an empty cache also embeds every text.

Usage: python benchmarks/train_memory.py [--corpus DIR] [--models DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--models", type=Path, default=ROOT / "benchmarks" / "out" / "models")
    args = ap.parse_args()

    from screening.config import Settings
    from screening.corpus import load_cases
    from screening.learning.train import train
    from screening.screen.labels import split_cases

    settings = Settings(corpus=args.corpus, models=args.models)
    train_cases, _ = split_cases(load_cases(args.corpus))
    t = time.perf_counter()
    model = train(settings, cases=train_cases)
    seconds = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    counts = model.card.data
    print(f"corpus {args.corpus}")
    print(
        f"examples: {counts.positives} positives, {counts.negatives_regulations} regulation "
        f"negatives, {counts.negatives_regulations_hard or 0} hard negatives"
    )
    print(f"train {seconds:.1f} s, peak RSS {rss:.0f} MB, threshold {model.threshold:.4f}")


if __name__ == "__main__":
    sys.exit(main())
