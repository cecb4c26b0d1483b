"""The fitted estimators as plain numpy arrays: scoring without importing scikit-learn.

A model is trained with scikit-learn (``learning.train``), but scoring needs only a few
affine maps and squashing functions. Importing scikit-learn (and the SciPy it pulls in) takes
about 1.2 s and unpickling its estimators from ``model.joblib`` another 1.5 s: most of a cold
``screening check``. At save time :func:`compile_parts` reads the arrays out of the fitted
estimators; :class:`Gate`, :class:`Barrier` and :class:`Articles` compute the same
probabilities from them (``tests/test_runtime.py`` holds them to scikit-learn's own output
within 1e-9, the gate within 1e-6 as its TF-IDF is float32) and are saved in ``runtime.pkl``,
a plain pickle of numpy arrays, dicts and lists that loads in milliseconds.

What each one mirrors (scikit-learn 1.9):

- :class:`Gate` — ``Pipeline(TfidfVectorizer(analyzer="char", ngram_range, sublinear_tf)``, or
  a ``FeatureUnion`` of it and the word TF-IDF (``analyzer=screen.words.word_features``),
  ``LogisticRegression)``: per part (:class:`GatePart`) lowercase, whitespace runs to one space
  and character n-grams (or jieba's word 1–2-grams, as they are), counts of the known ones,
  ``log(count) + 1``, × idf, L2-normalised; then ``expit(w·x + b)`` over the parts;
- :class:`Linear` — ``Pipeline(StandardScaler, LogisticRegression)``: ``expit`` for two
  classes, softmax for more;
- :class:`Barrier` — ``screen.classifier.BarrierClassifier``: the mean over the calibrated
  folds of ``expit(-(a·f + b))`` where ``f`` is each fold's decision function (sigmoid
  calibration), and the family model;
- :class:`Articles` and :class:`Items` — ``screen.classifier.ArticleClassifier`` and
  ``ItemClassifier``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..domain import FAMILIES

# bump when the arrays saved here change meaning (2: gate parts; 3: their n-gram key arrays)
RUNTIME_FORMAT = 3
_WHITE_SPACES = re.compile(r"\s\s+")  # TfidfVectorizer's own
# Character n-grams up to this length are counted as integer keys (21 bits per character),
# not strings: ``GatePart.keys``.
KEYED_NGRAM = 3
_CHAR_BITS = 21  # every code point + 1 is below 2**21


def _codes(text: str) -> np.ndarray:
    """Code point + 1 of every character (never 0, so n-grams of different lengths differ)."""
    raw = text.encode("utf-32-le", errors="surrogatepass")
    return np.frombuffer(raw, dtype=np.uint32).astype(np.int64) + 1


def ngram_key(term: str) -> int:
    """The integer key of a character n-gram (n ≤ ``KEYED_NGRAM``), as ``GatePart`` counts."""
    key = 0
    for c in _codes(term).tolist():
        key = (key << _CHAR_BITS) | c
    return key


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


@dataclass(frozen=True)
class Linear:
    """StandardScaler → LogisticRegression: ``classes`` and the fitted arrays."""

    mean: np.ndarray | None
    scale: np.ndarray | None
    coef: np.ndarray  # [classes or 1, features]
    intercept: np.ndarray
    classes: np.ndarray

    def decision(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if self.mean is not None:
            X = X - self.mean
        if self.scale is not None:
            X = X / self.scale
        return X @ self.coef.T + self.intercept

    def proba(self, X: np.ndarray) -> np.ndarray:
        d = self.decision(X)
        if self.coef.shape[0] == 1:  # binary: expit of the one decision function
            p = _expit(d[:, 0])
            return np.column_stack([1 - p, p])
        return _softmax(d)


@dataclass(frozen=True)
class Barrier:
    """P(barrier) and P(family | barrier), as ``BarrierClassifier`` gives them."""

    folds: tuple[tuple[Linear, float, float], ...]  # (fold estimator, a, b) of each calibration
    barrier_rate: float  # used when the detector was a constant (one-sided training data)
    family: Linear | None
    families: tuple[str, ...]  # labels when there is no family model

    def barrier_proba(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if not self.folds:
            return np.full(X.shape[0], self.barrier_rate)
        total = np.zeros(X.shape[0])
        for est, a, b in self.folds:
            total += _expit(-(a * est.decision(X)[:, 0] + b))
        return total / len(self.folds)

    def family_proba(self, X: np.ndarray) -> np.ndarray:
        """P(family | barrier), columns in FAMILIES order (absent families get 0)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.zeros((X.shape[0], len(FAMILIES)))
        if self.family is not None:
            probs, labels = self.family.proba(X), list(self.family.classes)
        else:
            probs, labels = np.ones((X.shape[0], len(self.families))), list(self.families)
        for j, fam in enumerate(labels):
            if fam in FAMILIES:
                out[:, FAMILIES.index(fam)] = probs[:, j]
        return out


@dataclass(frozen=True)
class Articles:
    """P(article), spread over every article as ``ArticleClassifier.article_proba`` does."""

    model: Linear | None
    classes: np.ndarray
    prior: float

    def article_proba(
        self, X: np.ndarray, articles: range = range(9, 24)
    ) -> list[dict[int, float]]:
        X = np.asarray(X, dtype=np.float64)
        probs = self.model.proba(X) if self.model is not None else np.ones((X.shape[0], 1))
        out = []
        for row in probs:
            d = {a: self.prior / len(articles) for a in articles}
            for cls, p in zip(self.classes, row, strict=True):
                d[int(cls)] = d.get(int(cls), 0.0) + (1 - self.prior) * float(p)
            out.append(d)
        return out


@dataclass(frozen=True)
class Items:
    """P(item) from the sentence vectors, as ``ItemClassifier.item_proba``."""

    model: Linear | None
    classes: np.ndarray

    def item_proba(self, X: np.ndarray) -> list[dict[str, float]]:
        X = np.asarray(X, dtype=np.float64)
        probs = self.model.proba(X) if self.model is not None else np.ones((X.shape[0], 1))
        return [{str(c): float(p) for c, p in zip(self.classes, row, strict=True)} for row in probs]


def _tally(
    rows: np.ndarray, cols: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (row, column) pairs, sorted, with how often each occurs."""
    pairs, counts = np.unique(rows.astype(np.int64) * width + cols, return_counts=True)
    return pairs // width, pairs % width, counts


@dataclass(frozen=True)
class GatePart:
    """One TF-IDF of the gate: character n-grams, or jieba word 1–2-grams (``screen.words``).

    Each text's known terms weigh ``(log(count) + 1) × idf``; the part contributes their sum
    against the regression's weights for its columns, divided by their L2 norm."""

    analyzer: str  # "char" | "words"
    vocabulary: dict[str, int]
    idf: np.ndarray  # float32, as the vectorizer's
    weights: np.ndarray  # the regression's coefficients of this part's columns, float64
    ngram_range: tuple[int, int]
    lowercase: bool
    sublinear: bool
    # Character n-grams as sorted integer keys (``ngram_key``) and their columns: all texts'
    # n-grams are then found with one ``searchsorted`` instead of a dict lookup per n-gram
    # (the gate was the largest Python cost of a sweep). None: the word part, or n > 3.
    keys: np.ndarray | None = None
    key_columns: np.ndarray | None = None

    def _terms(self, text: str) -> list[str]:
        if self.analyzer == "words":  # a callable analyzer: no lowercasing or preprocessing
            from .words import word_features

            return word_features(text)
        if self.lowercase:
            text = text.lower()
        text = _WHITE_SPACES.sub(" ", text)
        lo, hi = self.ngram_range
        return [
            text[i : i + n]
            for n in range(lo, min(hi, len(text)) + 1)
            for i in range(len(text) - n + 1)
        ]

    def _keyed_counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and count of every known character n-gram of ``texts``, from the keys:
        the same n-grams as :meth:`_terms` (lowercase, whitespace runs to one space, n-grams
        within a text only), counted with numpy."""
        assert self.keys is not None and self.key_columns is not None
        norm = [_WHITE_SPACES.sub(" ", t.lower() if self.lowercase else t) for t in texts]
        lengths = np.fromiter(map(len, norm), dtype=np.intp, count=len(norm))
        codes = _codes("".join(norm))
        row_of = np.repeat(np.arange(len(norm)), lengths)
        left = np.cumsum(lengths)[row_of] - np.arange(len(codes))  # chars to the text's end
        lo, hi = self.ngram_range
        found_keys, found_rows = [], []
        for n in range(lo, hi + 1):
            at = np.flatnonzero(left >= n)
            key = codes[at]
            for j in range(1, n):
                key = (key << _CHAR_BITS) | codes[at + j]
            found_keys.append(key)
            found_rows.append(row_of[at])
        keys = np.concatenate(found_keys) if found_keys else np.zeros(0, dtype=np.int64)
        rows = np.concatenate(found_rows) if found_rows else np.zeros(0, dtype=np.intp)
        pos = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        known = self.keys[pos] == keys if len(self.keys) else np.zeros(len(keys), dtype=bool)
        return _tally(rows[known], self.key_columns[pos[known]], len(self.idf))

    def _counted(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and count of every known term of ``texts`` (rows in text order)."""
        if self.keys is not None:
            return self._keyed_counts(texts)
        get = self.vocabulary.get
        cols: list[int] = []
        lengths = []
        for text in texts:
            known = [c for c in map(get, self._terms(text)) if c is not None]
            cols.extend(known)
            lengths.append(len(known))
        rows = np.repeat(np.arange(len(texts)), lengths)
        return _tally(rows, np.asarray(cols, dtype=np.intp), len(self.idf))

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, this part's share of ``w·x``: the terms of all texts are counted first,
        then weighted, normalised and summed in one pass."""
        row, col, counts = self._counted(texts)
        tf = counts.astype(np.float32)
        if self.sublinear:
            tf = np.log(tf) + np.float32(1.0)
        x = (tf * self.idf[col]).astype(np.float64)
        norm = np.sqrt(np.bincount(row, weights=x * x, minlength=len(texts)))
        dot = np.bincount(row, weights=x * self.weights[col], minlength=len(texts))
        return np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)


@dataclass(frozen=True)
class Gate:
    """TF-IDF part(s) → logistic regression, one score per text, with no sparse matrices: the
    parts' contributions to ``w·x`` (each L2-normalised on its own, as ``FeatureUnion`` stacks
    them), plus the intercept, squashed."""

    parts: tuple[GatePart, ...]
    intercept: float

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """[P(not), P(yes)] per text, as the pipeline's ``predict_proba``."""
        texts = list(texts)
        dot = np.zeros(len(texts))
        for part in self.parts:
            dot += part.decision(texts)
        scores = _expit(dot + self.intercept)
        return np.column_stack([1 - scores, scores])


# --- reading the arrays out of fitted scikit-learn estimators (at save time) ----------------


def _linear(pipeline: Any) -> Linear:
    scaler, lr = (pipeline[0], pipeline[-1]) if len(pipeline) > 1 else (None, pipeline[-1])
    centre = scaler is not None and scaler.with_mean
    spread = scaler is not None and scaler.with_std
    return Linear(
        mean=np.asarray(scaler.mean_, dtype=np.float64) if centre else None,
        scale=np.asarray(scaler.scale_, dtype=np.float64) if spread else None,
        coef=np.asarray(lr.coef_, dtype=np.float64),
        intercept=np.asarray(lr.intercept_, dtype=np.float64),
        classes=np.asarray(lr.classes_),
    )


def _barrier(clf: Any) -> Barrier:
    folds: list[tuple[Linear, float, float]] = []
    detector = clf.detector_
    if detector is not None:
        for calibrated in detector.calibrated_classifiers_:
            if calibrated.method != "sigmoid" or len(calibrated.calibrators) != 1:
                raise ValueError(f"calibration {calibrated.method!r} is not compiled")
            cal = calibrated.calibrators[0]
            folds.append((_linear(calibrated.estimator), float(cal.a_), float(cal.b_)))
    return Barrier(
        folds=tuple(folds),
        barrier_rate=float(getattr(clf, "barrier_rate_", 1.0)),
        family=_linear(clf.family_) if clf.family_ is not None else None,
        families=tuple(str(f) for f in clf.families_),
    )


def _articles(clf: Any) -> Articles:
    return Articles(
        model=_linear(clf.model_) if clf.model_ is not None else None,
        classes=np.asarray(clf.classes_),
        prior=float(clf.prior),
    )


def _items(clf: Any) -> Items:
    return Items(
        model=_linear(clf.model_) if clf.model_ is not None else None,
        classes=np.asarray(clf.classes_),
    )


def _gate_part(vec: Any, weights: np.ndarray) -> GatePart:
    from .words import word_features

    if vec.analyzer == "char":
        analyzer = "char"
    elif vec.analyzer is word_features:
        analyzer = "words"
    else:
        raise ValueError(f"gate analyzer {vec.analyzer!r} is not compiled")
    if vec.norm != "l2" or not vec.use_idf or vec.preprocessor:
        raise ValueError("only an l2, idf TF-IDF gate is compiled")
    vocabulary = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    keys = columns = None
    if analyzer == "char" and vec.ngram_range[1] <= KEYED_NGRAM:
        terms = sorted(vocabulary, key=ngram_key)
        keys = np.array([ngram_key(t) for t in terms], dtype=np.int64)
        columns = np.array([vocabulary[t] for t in terms], dtype=np.intp)
    return GatePart(
        analyzer=analyzer,
        vocabulary=vocabulary,
        idf=np.asarray(vec.idf_, dtype=vec.dtype),
        weights=np.asarray(weights, dtype=np.float64),
        ngram_range=tuple(vec.ngram_range),
        lowercase=bool(vec.lowercase),
        sublinear=bool(vec.sublinear_tf),
        keys=keys,
        key_columns=columns,
    )


def _gate(pipeline: Any) -> Gate:
    """``Pipeline(TfidfVectorizer | FeatureUnion of them, LogisticRegression)``."""
    features, lr = pipeline[0], pipeline[-1]
    coef = np.asarray(lr.coef_[0], dtype=np.float64)
    if hasattr(features, "transformer_list"):
        if features.transformer_weights:
            raise ValueError("a weighted FeatureUnion gate is not compiled")
        vecs = [t for _, t in features.transformer_list]
    else:
        vecs = [features]
    parts, start = [], 0
    for vec in vecs:
        width = len(vec.vocabulary_)
        parts.append(_gate_part(vec, coef[start : start + width]))
        start += width
    if start != len(coef):
        raise ValueError(f"gate: {start} TF-IDF columns for {len(coef)} coefficients")
    return Gate(parts=tuple(parts), intercept=float(lr.intercept_[0]))


def compile_barrier(classifier: Any) -> Barrier:
    """A fitted ``BarrierClassifier`` as its runtime ``Barrier``."""
    return _barrier(classifier)


def compile_parts(gate: Any, classifier: Any, articles: Any, items: Any = None) -> dict[str, Any]:
    """The fitted gate, barrier classifier, article and item models as runtime objects (no
    item model: None, as in models trained before it)."""
    return {
        "format": RUNTIME_FORMAT,
        "gate": _gate(gate),
        "classifier": _barrier(classifier),
        "articles": _articles(articles),
        "items": _items(items) if items is not None else None,
    }


__all__ = [
    "RUNTIME_FORMAT",
    "Articles",
    "Barrier",
    "Gate",
    "GatePart",
    "Items",
    "Linear",
    "compile_barrier",
    "compile_parts",
]
