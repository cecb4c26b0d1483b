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
span nor its case document's name or title speaks of procurement (``procurement``). The
shipped blend, 0.5/s, is measured once more as ``0.5/s-r``: the residual item "其他……" ranked
like any other (before adjust.v3 it was; since, it ranks after its article's listed items), and
as ``0.5/s-g``: without the act gates (``explain.ACT_GATES``, adjust.v4; every other row has
them, since a finding's ranking does).

``--lexical`` also fits, per fold, a word-and-character TF-IDF logistic regression over the same
article-labelled training texts (barrier examples and item exemplars, ``lexical_articles``) and
reports P(article) blended from it at :data:`LEXICAL_BLENDS` (recipe name ``<recipe>+lexN``,
article blend 0.5/s): issue 14's "words for the article" lever, measured beside the
embedding-feature article model in the same folds.

Usage: python benchmarks/ranking.py [--settings cv,test] [--recipes v1,v2,v3] [--lexical]
                                    [--list-changes] [--out benchmarks/out/ranking.json]
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
# --lexical: the lexical article model's weight in P(article) beside the article model's.
# Measured (issue 14, stop 28; CV, 5 folds, 150 article / 88 item spans): article top-1 0.600
# at 0.0 against 0.587 / 0.593 / 0.573 / 0.573 at 0.3 / 0.5 / 0.7 / 1.0; item top-1
# 0.625 → 0.614-0.648, within 3 of 88 spans (item top-3 0.761 → 0.807 at 0.5, article top-3
# 0.753 → 0.773). The words carry no first-choice article signal the sentence vectors lack:
# not adopted.
LEXICAL_BLENDS = (0.3, 0.5, 0.7, 1.0)
# The shipped blend (0.5/s) once more with the residual item ranked like any other
# (``explain.code_factors(residual_last=False)``), as before adjust.v3.
RESIDUAL_OFF = "0.5/s-r"
# ... and without the act gates (``explain.ACT_GATES``), as before adjust.v4.
GATES_OFF = "0.5/s-g"


def lexical_articles(fit_cases, settings, seed: int = 0):
    """The lexical article model of one fold: character 1–3-gram and jieba word TF-IDF, then a
    balanced logistic regression, over the texts ``learning.train`` gives its article model."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from screening.learning.train import article_label, training_data
    from screening.screen.labels import article_of
    from screening.screen.words import word_features

    data = training_data(Path(settings.corpus), cases=fit_cases)
    texts, labels = [], []
    for e in data.examples:
        article = article_label(e)
        if article is not None:
            texts.append(e.text)
            labels.append(article)
    for x in data.entries:
        if x.kind == "exemplar":
            texts.append(x.text)
            labels.append(article_of(x.codes[0]))
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    words = TfidfVectorizer(analyzer=word_features, sublinear_tf=True)
    lr = LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000, random_state=seed)
    return make_pipeline(make_union(chars, words), lr).fit(texts, labels)


def blend_lexical(arts, lexical, texts, weight):
    """P(article) per span: (1 − weight) × the article model's + weight × the lexical model's
    (with the article model's floor over articles it never saw)."""
    from screening.screen.classifier import ArticleClassifier

    prior = ArticleClassifier().prior  # the same floor over the same articles
    out = []
    for row, probs in zip(arts, lexical.predict_proba(texts), strict=True):
        lex = {a: prior / len(range(9, 24)) for a in range(9, 24)}
        for cls, p in zip(lexical.classes_, probs, strict=True):
            lex[int(cls)] += (1 - prior) * float(p)
        out.append(
            {a: (1 - weight) * row.get(a, 0.0) + weight * lex.get(a, 0.0) for a in {*row, *lex}}
        )
    return out


def coded_spans(cases):
    return [
        (c, s.strip())
        for c in cases
        if any(x.startswith("FCR-") for x in c.standards)
        for s in c.offending_text
        if len(s.strip()) >= 6
    ]


def measure(model, spans, caches, standards, counts, lexical=None, changes=None):
    """Add the ranking outcomes of ``spans`` under ``model`` to ``counts`` (one per mix; with
    a ``lexical`` article model, one per :data:`LEXICAL_BLENDS` weight at mix 0.5/s).

    ``changes``: a list that gets one row per span whose first code under the shipped blend
    differs from its first code under :data:`RESIDUAL_OFF` or :data:`GATES_OFF` (case, cited
    codes, the span, both top-3s), so that what a reading changed can be read span by span."""
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
    runs = [(mix, mix, arts, True, True) for mix in MIXES]
    runs.append(((0.5, True), RESIDUAL_OFF, arts, False, True))
    runs.append(((0.5, True), GATES_OFF, arts, True, False))
    if lexical is not None:
        runs = [
            ((0.5, True), w, blend_lexical(arts, lexical, texts, w), True, True)
            for w in LEXICAL_BLENDS
        ]
    tops: dict = {}
    for mix, key, probs, residual_last, gates in runs:
        c = counts[key]
        for k, (case, _) in enumerate(spans):
            tops[key, k] = ranked = [
                r.code
                for r in rank_codes(
                    1.0,
                    probs[k],
                    sims[k],
                    model.index,
                    items,
                    article_mix=mix[0],
                    item_probs=item_probs[k],
                    procurement=in_setting[k] if mix[1] else None,
                    residual_last=residual_last,
                    text=texts[k] if gates else None,
                )
            ]
            count_codes(c, ranked, case.standards)
    for off in (RESIDUAL_OFF, GATES_OFF) if changes is not None and lexical is None else ():
        for k, (case, text) in enumerate(spans):
            shipped, before = tops[(0.5, True), k], tops[off, k]
            if shipped[:1] != before[:1]:
                changes.append(
                    {
                        "row": off,
                        "case": case.id,
                        "cited": [x for x in case.standards if x.startswith("FCR-")],
                        "text": text,
                        "shipped": shipped[:3],
                        "off": before[:3],
                    }
                )


def make_folds(setting: str, train_cases, test_cases, n: int):
    """(fit cases, evaluation cases) per fold: ``cv`` grouped ``n``-fold over the training side
    (a notice's cases and linked duplicates stay together), ``test`` the split itself."""
    if setting != "cv":
        return [(train_cases, test_cases)]
    from sklearn.model_selection import GroupKFold

    from screening.screen.labels import split_key

    groups = [split_key(c) for c in train_cases]
    return [
        ([train_cases[i] for i in a], [train_cases[i] for i in b])
        for a, b in GroupKFold(n).split(train_cases, groups=groups)
    ]


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
    ap.add_argument("--lexical", action="store_true", help="also measure LEXICAL_BLENDS")
    ap.add_argument(
        "--list-changes",
        action="store_true",
        help="print the spans whose first code the residual rule or the act gates change",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "ranking.json")
    args = ap.parse_args()

    from screening.config import Settings
    from screening.corpus import load_cases, load_standards
    from screening.embed import get_embedder
    from screening.learning.train import EMBEDDERS, Recipe, train
    from screening.screen.embcache import EmbeddingCache
    from screening.screen.labels import split_cases

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
        folds = make_folds(setting, train_cases, test_cases, args.folds)
        report[setting] = {}
        for name, recipe in recipes.items():
            t = time.perf_counter()
            counts: dict = defaultdict(Counter)
            lexical: dict = defaultdict(Counter)
            changes: list = []
            for fit_cases, eval_cases in folds:
                model = train(settings, cases=fit_cases, embedders=embedders, recipe=recipe)
                spans = coded_spans(eval_cases)
                measure(model, spans, caches, standards, counts, changes=changes)
                if args.lexical:
                    lex = lexical_articles(fit_cases, settings)
                    measure(model, spans, caches, standards, lexical, lexical=lex)
            report[setting][name] = {
                f"{a}{'/s' if s else ''}": rates(counts[(a, s)]) for a, s in MIXES
            }
            report[setting][name][RESIDUAL_OFF] = rates(counts[RESIDUAL_OFF])
            report[setting][name][GATES_OFF] = rates(counts[GATES_OFF])
            report.setdefault("changes", {}).setdefault(setting, {})[name] = changes
            for w in LEXICAL_BLENDS if args.lexical else ():
                report[setting][f"{name}+lex{w}"] = {"0.5/s": rates(lexical[w])}
            print(f"{setting} {name} {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(report)
    if args.list_changes:
        print_changes(report)


def print_changes(report: dict) -> None:
    """Each span whose first code a reading changed: the row without it, then the shipped one."""
    for setting, by_recipe in report.get("changes", {}).items():
        for name, rows in by_recipe.items():
            for r in rows:
                print(
                    f"{setting} {name} {r['row']} {r['case']} {'/'.join(r['cited'])}: "
                    f"{','.join(r['off'])} -> {','.join(r['shipped'])} | {r['text'][:60]}"
                )


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
