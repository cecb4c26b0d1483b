"""Scoring without scikit-learn: ``screen.runtime`` gives scikit-learn's own probabilities.

Each compiled part is held to the estimator it was read from, on the fake-embedder model of the
real corpus and on small fitted estimators covering every shape the classifiers can take (two
families, many, none; a one-sided detector; one article). Then the model files: a saved model
is scored from ``runtime.pkl`` without importing scikit-learn, and a model saved before
``runtime.pkl`` existed (or whose copy is damaged) loads from ``model.joblib`` and gets one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from screening.corpus import load_cases
from screening.learning import store
from screening.screen.classifier import ArticleClassifier, BarrierClassifier, ItemClassifier
from screening.screen.features import ClauseView
from screening.screen.model import RUNTIME_FILE, SIZES_FILE, load_model
from screening.screen.runtime import Articles, Barrier, Gate, compile_parts

GATE_TEXTS = [
    "申报企业须在本县注册并纳税。",
    "",
    "a",
    "本办法自发布之日起施行。",
    "  前后   空白\t\n  连续  ",
    "ABC公司 CBA 大小写 Mixed Case",
    "对在本区注册的企业给予一次性奖励100万元；外地企业不享受。",
    "第三条 县人民政府负责组织实施。",
]


def _texts_of_corpus(settings, n: int = 200) -> list[str]:
    texts = [t for c in load_cases(settings.corpus) for t in c.offending_text]
    return GATE_TEXTS + texts[:n]


def test_gate_matches_the_pipeline(fake_settings, fake_model):
    texts = _texts_of_corpus(fake_settings)
    gate = compile_parts(fake_model.gate, fake_model.classifier, fake_model.articles)["gate"]
    assert isinstance(gate, Gate)
    want = fake_model.gate.predict_proba(texts)
    got = gate.predict_proba(texts)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("words", [True, False], ids=["chars+words", "chars"])
def test_both_gate_shapes_match_their_pipelines(fake_settings, words):
    from screening.learning.train import make_gate

    texts = _texts_of_corpus(fake_settings, 300)
    labels = [i % 3 == 0 for i in range(len(texts))]
    pipeline = make_gate(0, words=words).fit(texts, labels)
    gate = compile_parts(pipeline, *_tiny_classifiers())["gate"]
    assert [p.analyzer for p in gate.parts] == (["char", "words"] if words else ["char"])
    unseen = [
        *GATE_TEXTS,
        "企业注册地、税务征管关系及统计关系应在本区。",
        "采购人不得限定供应商所在地区。",
    ]
    np.testing.assert_allclose(
        gate.predict_proba(unseen), pipeline.predict_proba(unseen), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize(
    "texts",
    [
        GATE_TEXTS,
        ["𠀀𠀁 𠀀𠀁", "字", "", "  ", "AbC abc ABC"],  # beyond the BMP, case, whitespace only
        ["\ud800孤立代理项", "县县县县县县", "本县\n\n本县"],  # a lone surrogate, repeats
        [],
    ],
    ids=["samples", "astral", "odd", "none"],
)
def test_keyed_ngrams_count_exactly_what_the_terms_do(fake_settings, texts):
    from screening.learning.train import make_gate

    corpus = [*_texts_of_corpus(fake_settings, 300), "𠀀𠀁 𠀀𠀁 县县县", "abc abc"]
    pipeline = make_gate(0, words=False).fit(corpus, [i % 2 == 0 for i in range(len(corpus))])
    (part,) = compile_parts(pipeline, *_tiny_classifiers())["gate"].parts
    assert part.keys is not None and len(part.keys) == len(part.vocabulary)
    rows, cols, counts = part._keyed_counts(texts)
    keyed = {(int(r), int(c)): int(n) for r, c, n in zip(rows, cols, counts, strict=True)}
    by_terms = {
        (k, part.vocabulary[term]): n
        for k, t in enumerate(texts)
        for term, n in Counter(part._terms(t)).items()
        if term in part.vocabulary
    }
    assert keyed == by_terms
    assert by_terms or not any(texts)  # the vocabulary knows these texts' characters


def _tiny_classifiers():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 4))
    y = np.array(["", "地域", "准入"] * 10, dtype=object)
    return BarrierClassifier().fit(X, y), ArticleClassifier().fit(X, np.array([9, 12] * 15))


def test_classifier_and_articles_match_on_real_features(fake_settings, fake_model):
    texts = _texts_of_corpus(fake_settings, 120)[1:]
    views = [ClauseView.of(t) for t in texts]
    vectors = {n: e.encode(texts) for n, e in _embedders(fake_settings, fake_model).items()}
    X, _ = fake_model.features(views, vectors)
    parts = compile_parts(fake_model.gate, fake_model.classifier, fake_model.articles)
    _same(parts["classifier"], parts["articles"], fake_model.classifier, fake_model.articles, X)


def _embedders(settings, model):
    from screening.embed import get_embedder

    return {n: get_embedder(n, settings) for n in model.embedder_names}


def _same_items(items, fitted, X) -> None:
    for got, want in zip(items.item_proba(X), fitted.item_proba(X), strict=True):
        assert got.keys() == want.keys()
        np.testing.assert_allclose(list(got.values()), list(want.values()), rtol=0, atol=1e-9)


def test_item_model_matches_on_sentence_vectors(fake_settings, fake_model):
    from screening.screen.model import item_vectors

    assert fake_model.items is not None
    texts = _texts_of_corpus(fake_settings, 80)[1:]
    vectors = {n: e.encode(texts) for n, e in _embedders(fake_settings, fake_model).items()}
    Z = item_vectors(vectors, fake_model.embedder_names)
    parts = compile_parts(
        fake_model.gate, fake_model.classifier, fake_model.articles, fake_model.items
    )
    _same_items(parts["items"], fake_model.items, Z)


def _same(barrier: Barrier, articles: Articles, clf, art, X) -> None:
    np.testing.assert_allclose(barrier.barrier_proba(X), clf.barrier_proba(X), rtol=0, atol=1e-9)
    np.testing.assert_allclose(barrier.family_proba(X), clf.family_proba(X), rtol=0, atol=1e-9)
    for got, want in zip(articles.article_proba(X), art.article_proba(X), strict=True):
        assert got.keys() == want.keys()
        np.testing.assert_allclose(list(got.values()), list(want.values()), rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("labels", "articles"),
    [
        (["", "", "", "地域", "地域", "准入", "准入", "", "地域", "准入"] * 3, [9, 12, 19]),
        (["", "", "地域", "准入", "采购", "奖补", "", "地域", "准入", "采购"] * 3, [9, 12]),
        (["", "", "?", "?", "", "?", "", "?", "", "?"] * 3, [14]),  # no family known
        (["地域", "准入"] * 15, [9, 10, 11, 12, 13]),  # one-sided: every example a barrier
        (["", "", "", "地域", "", "", "", "", "", ""] * 3, [19]),  # a single family
    ],
    ids=["two-families", "four-families", "unknown-only", "one-sided", "one-family"],
)
def test_every_shape_of_the_classifiers(labels, articles):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(len(labels), 12))
    y = np.array(labels, dtype=object)
    clf = BarrierClassifier().fit(X, y)
    arts = np.array([articles[i % len(articles)] for i in range(len(labels))])
    art = ArticleClassifier().fit(X, arts)
    codes = np.array([f"FCR-{a}-{1 + i % 3}" for i, a in enumerate(arts)])
    items = ItemClassifier().fit(X, codes, sample_weight=np.linspace(1, 2, len(codes)))
    parts = compile_parts(_tiny_gate(), clf, art, items)
    X_new = rng.normal(size=(40, 12)) * 3
    _same(parts["classifier"], parts["articles"], clf, art, X_new)
    _same_items(parts["items"], items, X_new)


def _tiny_gate():
    from screening.learning.train import make_gate

    return make_gate(0).fit(GATE_TEXTS * 2, [0, 1] * len(GATE_TEXTS))


# --- the model files --------------------------------------------------------------------------


def _score_without_sklearn(directory: Path) -> str:
    code = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from screening.screen.model import load_model\n"
        f"m = load_model(Path({str(directory)!r}))\n"
        "g = m.gate_scores(['申报企业须在本县注册并纳税。'])\n"
        "X = np.zeros((1, m.classifier.folds[0][0].coef.shape[1]))\n"
        "m.classifier.barrier_proba(X); m.articles.article_proba(X)\n"
        "print('SKLEARN', 'sklearn' in sys.modules, round(float(g[0]), 9))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_saved_model_scores_without_importing_sklearn(fake_settings, fake_model, tmp_path):
    directory = store.save_model(fake_model, tmp_path / fake_model.model_id)
    sizes = json.loads((directory / SIZES_FILE).read_text(encoding="utf-8"))
    assert sizes[RUNTIME_FILE] == (directory / RUNTIME_FILE).stat().st_size
    want = float(fake_model.gate_scores(["申报企业须在本县注册并纳税。"])[0])
    flag, imported, score = _score_without_sklearn(directory).split()
    assert (flag, imported) == ("SKLEARN", "False")
    assert abs(float(score) - want) < 1e-6  # the gate's TF-IDF is float32
    loaded = load_model(directory)
    assert isinstance(loaded.gate, Gate) and isinstance(loaded.classifier, Barrier)
    assert loaded.model_id == fake_model.model_id


@pytest.mark.parametrize("damage", ["missing", "truncated", "unrecorded"])
def test_an_older_or_damaged_runtime_copy_is_rebuilt_from_the_joblib(fake_model, tmp_path, damage):
    directory = store.save_model(fake_model, tmp_path / fake_model.model_id)
    runtime = directory / RUNTIME_FILE
    if damage == "missing":  # a model saved before runtime.pkl existed
        runtime.unlink()
        sizes = json.loads((directory / SIZES_FILE).read_text(encoding="utf-8"))
        del sizes[RUNTIME_FILE]
        (directory / SIZES_FILE).write_text(json.dumps(sizes), encoding="utf-8")
    elif damage == "truncated":
        runtime.write_bytes(runtime.read_bytes()[:1000])
    else:  # the file is there but sizes.json never heard of it
        sizes = json.loads((directory / SIZES_FILE).read_text(encoding="utf-8"))
        del sizes[RUNTIME_FILE]
        (directory / SIZES_FILE).write_text(json.dumps(sizes), encoding="utf-8")
    model = load_model(directory)  # from model.joblib: the estimators themselves
    assert model.gate is not None and not isinstance(model.gate, Gate)
    sizes = json.loads((directory / SIZES_FILE).read_text(encoding="utf-8"))
    assert sizes[RUNTIME_FILE] == runtime.stat().st_size  # rewritten, and recorded
    assert isinstance(load_model(directory).gate, Gate)  # the next load is the fast one
