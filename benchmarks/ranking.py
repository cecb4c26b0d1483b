"""Which standard item a finding cites: item and article accuracy, top-1 and top-3.

Every offending span of a case that cites an FCR code is ranked as a finding would be
(``screen.explain.rank_codes`` with the model's article probabilities), whether or not the
classifier would flag it — this measures the ranking alone; ``quality.py`` measures it on
found spans. Item accuracy counts spans whose case cites an item (``FCR-a-i``); article
accuracy counts every span with an FCR code (an article-only citation ``FCR-19`` accepts
any item of article 19). ``FCR-24`` (the catch-all) is never ranked, so its spans count wrong.

Two settings, nothing tuned on the test side:
* ``cv``: grouped 5-fold cross-validation over the training side of the split (used to choose
  recipes and ``ARTICLE_VOTE_MIX``);
* ``test``: trained on the training side, measured on the test side of the split.

Recipes: ``v1`` (issue 4's: no exemplars, no item model), ``v2`` (item exemplars), ``v3``
(item exemplars and the item model, ``learning.train._fit_items``), each with the article
blends of :data:`MIXES`: ``a`` gives the nearest precedents' article shares weight ``a``
beside the article model (``article_mix``); ``/s`` scales article 15 down when neither the
span nor its case document's name or title speaks of procurement (``procurement``).

Usage: python benchmarks/ranking.py [--settings cv,test] [--recipes v1,v2,v3]
                                    [--out benchmarks/out/ranking.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (article_mix, setting): the votes' weight beside the article model, and whether article 15
# needs a procurement setting (``explain.OUT_OF_SETTING``). Blending the item model's mass on an
# article's items into P(article) was measured too (CV article top-1 0.560-0.593 against 0.600)
# and dropped. Letting precedents that cite whole articles only (``FCR-12``) vote for their
# article too, or every FCR code of a precedent share its vote, was measured at 0.5/s (issue 14,
# stop 28): CV item top-1 0.625 and article top-1 0.600 unchanged, item top-3 0.761 → 0.705,
# article top-3 0.753 → 0.760; test split top-1 unchanged (0.429 / 0.604). Dropped.
MIXES = ((0.0, False), (0.3, False), (0.5, False), (0.5, True), (0.3, True))


def coded_spans(cases):
    return [
        (c, s.strip())
        for c in cases
        if any(x.startswith("FCR-") for x in c.standards)
        for s in c.offending_text
        if len(s.strip()) >= 6
    ]


def measure(model, spans, caches, standards, counts):
    """Add the ranking outcomes of ``spans`` under ``model`` to ``counts`` (one per mix)."""
    from screening.lang.zh.tenderkinds import mentions_procurement
    from screening.screen.evaluate import count_codes
    from screening.screen.explain import rank_codes
    from screening.screen.features import ClauseView

    if not spans:
        return
    texts = [s for _, s in spans]
    vectors = {n: caches[n].encode(texts) for n in model.embedder_names}
    X, sims = model.features([ClauseView.of(t) for t in texts], vectors)
    arts = model.articles.article_proba(X)
    item_probs = model.item_probs(vectors) or [None] * len(texts)
    # what a document would tell: the span, and the case document's name and title
    in_setting = [mentions_procurement(t, c.document_name, c.title) for c, t in spans]
    items = {c: s for c, s in standards.items() if c.count("-") == 2 and c.startswith("FCR-")}
    for mix in MIXES:
        c = counts[mix]
        for k, (case, _) in enumerate(spans):
            ranked = [
                r.code
                for r in rank_codes(
                    1.0,
                    arts[k],
                    sims[k],
                    model.index,
                    items,
                    article_mix=mix[0],
                    item_probs=item_probs[k],
                    procurement=in_setting[k] if mix[1] else None,
                )
            ]
            count_codes(c, ranked, case.standards)


def rates(c: Counter) -> dict:
    out = dict(c)
    for key in ("item_top1", "item_top3"):
        out[key + "_rate"] = round(c[key] / c["item_spans"], 3) if c["item_spans"] else None
    for key in ("article_top1", "article_top3"):
        out[key + "_rate"] = round(c[key] / c["article_spans"], 3) if c["article_spans"] else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", default="cv,test")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--recipes", default="v1,v2,v3")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "ranking.json")
    args = ap.parse_args()

    from sklearn.model_selection import GroupKFold

    from screening.config import Settings
    from screening.corpus import load_cases, load_standards
    from screening.embed import get_embedder
    from screening.learning.train import EMBEDDERS, Recipe, train
    from screening.screen.embcache import EmbeddingCache
    from screening.screen.labels import split_cases, split_key

    settings = Settings(models=ROOT / "benchmarks" / "out" / "models")
    cases = load_cases(settings.corpus)
    standards = {s.code: s for s in load_standards(settings.corpus)}
    embedders = {n: get_embedder(n, settings) for n in EMBEDDERS}
    caches = {
        n: EmbeddingCache(e, Path(settings.models) / "embeddings") for n, e in embedders.items()
    }
    recipes = {
        "v1": Recipe(exemplars=False, item_model=False),
        "v2": Recipe(item_model=False),
        "v3": Recipe(),
    }
    train_cases, test_cases = split_cases(cases)
    report: dict = {"train_cases": len(train_cases), "test_cases": len(test_cases)}
    recipes = {k: v for k, v in recipes.items() if k in args.recipes.split(",")}
    for setting in args.settings.split(","):
        if setting == "cv":
            groups = [split_key(c) for c in train_cases]
            folds = [
                ([train_cases[i] for i in a], [train_cases[i] for i in b])
                for a, b in GroupKFold(args.folds).split(train_cases, groups=groups)
            ]
        else:
            folds = [(train_cases, test_cases)]
        report[setting] = {}
        for name, recipe in recipes.items():
            t = time.perf_counter()
            counts: dict = defaultdict(Counter)
            for fit_cases, eval_cases in folds:
                model = train(settings, cases=fit_cases, embedders=embedders, recipe=recipe)
                measure(model, coded_spans(eval_cases), caches, standards, counts)
            report[setting][name] = {
                f"{a}{'/s' if s else ''}": rates(counts[(a, s)]) for a, s in MIXES
            }
            print(f"{setting} {name} {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(report)


def print_table(report: dict) -> None:
    print(f"train cases {report['train_cases']}, test cases {report['test_cases']}")
    print(
        f"{'setting':8} {'recipe':6} {'mix':>9}  {'item top1':>14} {'top3':>6}  "
        f"{'article top1':>16} {'top3':>6}"
    )
    for setting in ("cv", "test"):
        for name, by_mix in report.get(setting, {}).items():
            for mix, r in by_mix.items():
                print(
                    f"{setting:8} {name:6} {mix:>9}  "
                    f"{r['item_top1']:>4}/{r['item_spans']:<4} {r['item_top1_rate']:.3f} "
                    f"{r['item_top3_rate']:.3f}  {r['article_top1']:>4}/{r['article_spans']:<4} "
                    f"{r['article_top1_rate']:.3f}   {r['article_top3_rate']:.3f}"
                )


if __name__ == "__main__":
    main()
