"""Issue 14's "item ranking as its own model" lever: a learned ranker over (clause, item) pairs.

The shipped ranking (``screen.explain.rank_codes``) scores an item as P(article) × P(item |
article), two hand-blended factors (article model with the precedents' articles; item model with
the precedents' item votes). This benchmark asks whether a model over (clause, item) pairs that
also reads how the clause's wording fits each item's own text does better. Every candidate item
of a span (those ``explain.code_factors`` scores) gets:

* ``p``, ``share`` — the shipped factors, as logs;
* ``votes`` — the nearest precedents' and exemplars' votes for the item (log);
* ``sim_text``, ``sim_exemplar`` — the clause's cosine in the precedent index to the item's
  text and to the closest of its hand-written exemplars;
* ``words_text``, ``words_exemplar``, ``chars_text``, ``chars_exemplar`` — the idf-weighted share
  of the clause's jieba words (``screen.words``) and of its Chinese character bigrams that occur
  in the item's text, and in its exemplars.

A conditional logit (softmax over a span's candidates, L2) learns the weights. Spans and their
features come out of fold, exactly as in ``ranking.py`` (grouped 5-fold CV over the training side
of the split: each fold's model never saw the span); the ranker is then evaluated leave-one-fold-
out over the CV spans, and fitted on all CV spans for the test side of the split. The shipped
ranking on the same spans is the first row (``shipped``); ``learned p+share`` re-learns only its
two factors' weights. An article-only case code (``FCR-19``) makes every item of the article a
right answer; ``FCR-24`` spans have none and count wrong, as in ``ranking.py``.

Measured (issue 14, stop 29; 88 item / 150 article spans in CV, 28 / 48 on the test side): the
shipped ranking gives CV item top-1 0.625 (top-3 0.761), article top-1 0.600 (0.753); test 0.429 /
0.607, 0.604 / 0.854. Re-learning its two factors' weights changes nothing at top-1; adding the
votes and similarities drops CV item top-1 to 0.523, the word and character overlaps to 0.580-
0.602, everything to 0.534-0.545, with article top-1 0.527-0.567 against 0.600. The wording of an
item's own text and exemplars says less about which item a case was coded under than the nearest
precedents do, and 88 item spans are too few to learn a finer blend. Not adopted.

Usage: python benchmarks/pair_ranker.py [--folds 5] [--out benchmarks/out/pair_ranker.json]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

FEATURES = (
    "p",
    "share",
    "votes",
    "sim_text",
    "sim_exemplar",
    "words_text",
    "words_exemplar",
    "chars_text",
    "chars_exemplar",
)
# Feature sets compared (names from FEATURES); "shipped" is p × share with weights 1, 1.
SETS = {
    "learned p+share": ("p", "share"),
    "+ votes and similarity": ("p", "share", "votes", "sim_text", "sim_exemplar"),
    "+ words and characters": (
        "p",
        "share",
        "words_text",
        "words_exemplar",
        "chars_text",
        "chars_exemplar",
    ),
    "all": FEATURES,
}
L2 = (1.0, 10.0)  # the logit's penalty on standardised features
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)}


class Wording:
    """Each item's words and character bigrams, from its text and from its exemplars, with idf
    over the items (an item's text and exemplars are one document)."""

    def __init__(self, standards: dict, exemplars: list[tuple[str, str]]) -> None:
        from screening.screen.words import words

        self.words = lambda t: {w for w in words(t) if len(w) >= 2}
        by_item: dict[str, list[str]] = defaultdict(list)
        for code, text in exemplars:
            by_item[code].append(text)
        self.text = {c: (self.words(s.text), bigrams(s.text)) for c, s in standards.items()}
        self.exemplar = {
            c: (
                set().union(*(self.words(t) for t in by_item[c])),
                set().union(*(bigrams(t) for t in by_item[c])),
            )
            for c in standards
        }
        df: Counter = Counter()
        for c in standards:
            df.update(self.text[c][0] | self.text[c][1] | self.exemplar[c][0] | self.exemplar[c][1])
        n = len(standards)
        self.idf = {t: math.log((n + 1) / (k + 1)) + 1 for t, k in df.items()}

    def overlap(self, clause: set[str], item: set[str]) -> float:
        total = sum(self.idf.get(t, 1.0) for t in clause)
        return sum(self.idf.get(t, 1.0) for t in clause & item) / total if total else 0.0

    def features(self, clause: str, code: str) -> list[float]:
        words, chars = self.words(clause), bigrams(clause)
        return [
            self.overlap(words, self.text[code][0]),
            self.overlap(words, self.exemplar[code][0]),
            self.overlap(chars, self.text[code][1]),
            self.overlap(chars, self.exemplar[code][1]),
        ]


def span_rows(model, spans, caches, items, wording) -> list[dict]:
    """One row per span: its case codes, candidate items and their feature matrix."""
    from screening.lang.zh.tenderkinds import mentions_procurement
    from screening.screen.explain import code_factors
    from screening.screen.features import ClauseView

    texts = [s for _, s in spans]
    vectors = {n: caches[n].encode(texts) for n in model.embedder_names}
    X, sims = model.features([ClauseView.of(t) for t in texts], vectors)
    arts = model.articles.article_proba(X)
    item_probs = model.item_probs(vectors) or [None] * len(texts)
    entries = model.index.entries
    text_col = {e.id: i for i, e in enumerate(entries) if e.kind == "standard"}
    exemplar_cols: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        if e.kind == "exemplar":
            exemplar_cols[e.codes[0]].append(i)
    rows = []
    for k, (case, text) in enumerate(spans):
        row = sims[k]
        factors = code_factors(
            arts[k],
            row,
            model.index,
            items,
            item_probs=item_probs[k],
            procurement=mentions_procurement(text, case.document_name, case.title),
        )
        codes, X = [], []
        for code, p, share, votes in factors:
            codes.append(code)
            X.append(
                [
                    math.log(p + 1e-6),
                    math.log(share + 1e-6),
                    math.log(votes + 1e-3),
                    float(row[text_col[code]]) if code in text_col else 0.0,
                    max((float(row[i]) for i in exemplar_cols.get(code, ())), default=0.0),
                    *wording.features(text, code),
                ]
            )
        rows.append({"truth": list(case.standards), "codes": codes, "X": np.array(X)})
    return rows


def targets(row: dict) -> np.ndarray:
    """Each candidate's share of the right answer: the case's items, or for an article-only
    code every candidate of that article."""
    from screening.screen.labels import article_of

    fcr = [c for c in row["truth"] if c.startswith("FCR-")]
    items = {c for c in fcr if c.count("-") == 2}
    articles = {article_of(c) for c in fcr if c.count("-") == 1}
    right = np.array([c in items or article_of(c) in articles for c in row["codes"]], dtype=float)
    return right / right.sum() if right.any() else right


def fit(rows: list[dict], cols: list[int], l2: float):
    """Conditional-logit weights over standardised features (L-BFGS)."""
    from scipy.optimize import minimize

    stacked = np.vstack([r["X"][:, cols] for r in rows])
    mu, sd = stacked.mean(0), stacked.std(0) + 1e-9
    data = [((r["X"][:, cols] - mu) / sd, targets(r)) for r in rows]
    data = [(x, q) for x, q in data if q.any()]

    def loss(w):
        value, grad = 0.5 * l2 * w @ w, l2 * w
        for x, q in data:
            z = x @ w
            z = z - (z.max() + np.log(np.exp(z - z.max()).sum()))  # log-softmax
            value -= q @ z
            grad -= (q - np.exp(z)) @ x
        return value, grad

    w = minimize(loss, np.zeros(len(cols)), jac=True, method="L-BFGS-B").x
    return lambda X: ((X[:, cols] - mu) / sd) @ w, w


def score(rows: list[dict], scorer) -> Counter:
    from screening.screen.evaluate import count_codes

    counts: Counter = Counter()
    for r in rows:
        if len(r["codes"]):
            order = np.argsort(-scorer(r["X"]), kind="stable")
            ranked = [r["codes"][i] for i in order[:5]]
        else:
            ranked = []
        count_codes(counts, ranked, r["truth"])
    return counts


def rates(c: Counter) -> dict:
    def rate(a: str, b: str):
        return round(c[a] / c[b], 3) if c[b] else None

    return {
        "item_top1": rate("item_top1", "item_spans"),
        "item_top3": rate("item_top3", "item_spans"),
        "article_top1": rate("article_top1", "article_spans"),
        "article_top3": rate("article_top3", "article_spans"),
        "item_spans": c["item_spans"],
        "article_spans": c["article_spans"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "pair_ranker.json")
    args = ap.parse_args()

    from ranking import coded_spans, make_folds

    from screening.config import Settings
    from screening.corpus import load_cases, load_exemplars, load_standards
    from screening.embed import get_embedder
    from screening.learning.train import EMBEDDERS, Recipe, train
    from screening.screen.embcache import EmbeddingCache
    from screening.screen.labels import split_cases

    settings = Settings(models=ROOT / "benchmarks" / "out" / "models")
    cases = load_cases(settings.corpus)
    standards = {s.code: s for s in load_standards(settings.corpus)}
    items = {c: s for c, s in standards.items() if c.count("-") == 2 and c.startswith("FCR-")}
    wording = Wording(items, load_exemplars(settings.corpus))
    embedders = {n: get_embedder(n, settings) for n in EMBEDDERS}
    caches = {
        n: EmbeddingCache(e, Path(settings.models) / "embeddings") for n, e in embedders.items()
    }
    train_cases, test_cases = split_cases(cases)
    folds: dict[str, list[list[dict]]] = {}
    for setting in ("cv", "test"):
        folds[setting] = []
        for fit_cases, eval_cases in make_folds(setting, train_cases, test_cases, args.folds):
            t = time.perf_counter()
            spans = coded_spans(eval_cases)
            if spans:
                model = train(settings, cases=fit_cases, embedders=embedders, recipe=Recipe())
                folds[setting].append(span_rows(model, spans, caches, items, wording))
            print(f"{setting} fold {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    cv = [r for fold in folds["cv"] for r in fold]
    test = folds["test"][0]

    def shipped(X):
        return X[:, 0] + X[:, 1]

    report: dict = {
        "shipped": {"cv": rates(score(cv, shipped)), "test": rates(score(test, shipped))}
    }
    for name, names in SETS.items():
        cols = [FEATURES.index(f) for f in names]
        for l2 in L2:
            cv_counts: Counter = Counter()
            for k, held in enumerate(folds["cv"]):
                rest = [r for j, fold in enumerate(folds["cv"]) if j != k for r in fold]
                cv_counts += score(held, fit(rest, cols, l2)[0])
            scorer, weights = fit(cv, cols, l2)
            report[f"{name} (l2 {l2:g})"] = {
                "cv": rates(cv_counts),
                "test": rates(score(test, scorer)),
                "weights": dict(zip(names, np.round(weights, 3).tolist(), strict=True)),
            }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"{'ranker':34} {'CV item top1/3':>18} {'article':>14}  {'test item':>12} {'article':>12}"
    )
    for name, r in report.items():
        cv_r, te = r["cv"], r["test"]
        print(
            f"{name:34} {cv_r['item_top1']:>9} {cv_r['item_top3']:>8} "
            f"{cv_r['article_top1']:>6} {cv_r['article_top3']:>6}  "
            f"{te['item_top1']:>6} {te['item_top3']:>5} "
            f"{te['article_top1']:>6} {te['article_top3']:>5}"
        )
    print(
        f"spans: CV {report['shipped']['cv']['item_spans']} item / "
        f"{report['shipped']['cv']['article_spans']} article; test "
        f"{report['shipped']['test']['item_spans']} / {report['shipped']['test']['article_spans']}"
    )


if __name__ == "__main__":
    main()
