"""The barrier classifier: a scikit-learn estimator giving a calibrated score per standard family.

Two stock pipelines inside one estimator: a calibrated detector (is this wording a barrier at
all?) trained on every example, and a family model trained only on barriers whose family is
known. ``predict_proba`` returns P(compliant) and, per family, P(barrier) × P(family | barrier),
so the columns sum to one and each family score is a calibrated probability.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from ..domain import FAMILIES

COMPLIANT = ""  # label of compliant examples
UNKNOWN_FAMILY = "?"  # label of barriers whose family is unknown


class BarrierClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated barrier detector plus a family model.

    Labels: ``compliant_label`` (""), ``unknown_label`` ("?", a barrier whose family is not
    known) or a family name. ``classes_`` are the labels seen in ``fit`` and ``predict_proba``
    has one column per class: P(compliant) = 1 − P(barrier), a family P(barrier) ×
    P(family | barrier); the unknown label gets the barrier mass only when no family was seen.
    The engine reads :meth:`barrier_proba` and :meth:`family_proba` (columns in ``FAMILIES``
    order). A training set with one side only (no compliant or no barrier example) gives a
    constant detector instead of failing, so the estimator honours scikit-learn's contract for
    any labels (checked by ``parametrize_with_checks`` in the tests).
    """

    def __init__(
        self,
        *,
        C: float = 0.1,
        family_C: float = 0.1,
        cv: int = 3,
        calibration: str = "sigmoid",
        random_state: int = 0,
        compliant_label: str = COMPLIANT,
        unknown_label: str = UNKNOWN_FAMILY,
    ) -> None:
        self.C = C
        self.family_C = family_C
        self.cv = cv
        self.calibration = calibration
        self.random_state = random_state
        self.compliant_label = compliant_label
        self.unknown_label = unknown_label

    def fit(self, X: np.ndarray, y: np.ndarray) -> BarrierClassifier:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        barrier = np.array([label != self.compliant_label for label in y], dtype=bool)
        self.barrier_rate_ = float(barrier.mean())
        if 0 < barrier.sum() < len(barrier) and min(barrier.sum(), (~barrier).sum()) >= 2:
            base = make_pipeline(
                StandardScaler(),
                LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000),
            )
            cv = min(self.cv, int(barrier.sum()), int((~barrier).sum()))
            folds = StratifiedKFold(cv, shuffle=True, random_state=self.random_state)
            self.detector_ = CalibratedClassifierCV(base, method=self.calibration, cv=folds)
            self.detector_.fit(X, barrier)
        else:
            self.detector_ = None  # one side only: P(barrier) is the training rate
        labels = [c for c in self.classes_ if c not in (self.compliant_label, self.unknown_label)]
        self.families_ = np.array(labels, dtype=object)
        family_set = set(labels)
        known = np.array([label in family_set for label in y], dtype=bool)
        if len(self.families_) >= 2:
            self.family_ = make_pipeline(
                StandardScaler(), LogisticRegression(C=self.family_C, max_iter=5000)
            )
            self.family_.fit(X[known], y[known])
        else:
            self.family_ = None
        return self

    def barrier_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "detector_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.detector_ is None:
            return np.full(X.shape[0], getattr(self, "barrier_rate_", 1.0))
        return self.detector_.predict_proba(X)[:, 1]

    def _label_proba(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P(family | barrier) with columns ``families_``, the family labels)."""
        families = self.families_
        if self.family_ is not None:
            return self.family_.predict_proba(X), self.family_.classes_
        return np.ones((X.shape[0], len(families))), families

    def family_proba(self, X: np.ndarray) -> np.ndarray:
        """P(family | barrier), columns in FAMILIES order (absent families get 0)."""
        check_is_fitted(self, "detector_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = np.zeros((X.shape[0], len(FAMILIES)))
        probs, labels = self._label_proba(X)
        for j, fam in enumerate(labels):
            if fam in FAMILIES:
                out[:, FAMILIES.index(fam)] = probs[:, j]
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = self.barrier_proba(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = np.zeros((X.shape[0], len(self.classes_)))
        column = {c: i for i, c in enumerate(self.classes_)}
        if self.compliant_label in column:
            out[:, column[self.compliant_label]] = 1 - p
        probs, labels = self._label_proba(X)
        if len(labels):
            for j, fam in enumerate(labels):
                out[:, column[fam]] = p * probs[:, j]
        elif self.unknown_label in column:
            out[:, column[self.unknown_label]] = p
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        proba = self.predict_proba(X)  # first: an unfitted estimator raises NotFittedError
        return self.classes_[np.argmax(proba, axis=1)]


class _ScaledLogistic(ClassifierMixin, BaseEstimator):
    """StandardScaler → LogisticRegression over the labels seen, or a constant with one label:
    what the article and item models share (subclasses define ``C`` and their readings)."""

    C: float

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> _ScaledLogistic:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) >= 2:
            self.model_ = make_pipeline(
                StandardScaler(), LogisticRegression(C=self.C, max_iter=5000)
            ).fit(
                X,
                y,
                standardscaler__sample_weight=sample_weight,
                logisticregression__sample_weight=sample_weight,
            )
        else:
            self.model_ = None
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """One column per label seen in ``fit`` (``classes_``)."""
        check_is_fitted(self, "classes_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.model_ is None:
            return np.ones((X.shape[0], 1))
        return self.model_.predict_proba(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        proba = self.predict_proba(X)  # first: an unfitted estimator raises NotFittedError
        return self.classes_[np.argmax(proba, axis=1)]


class ArticleClassifier(_ScaledLogistic):
    """Which 实施办法 article (9–23) a barrier most likely breaches, from the same features.

    Trained on barriers whose case cites a standard; ``article_proba`` spreads the probability
    over every article of the standards so an unseen article is never impossible.
    """

    def __init__(self, *, C: float = 0.1, prior: float = 0.02) -> None:
        self.C = C
        self.prior = prior

    def article_proba(
        self, X: np.ndarray, articles: range = range(9, 24)
    ) -> list[dict[int, float]]:
        out = []
        for row in self.predict_proba(X):
            d = {a: self.prior / len(articles) for a in articles}
            for cls, p in zip(self.classes_, row, strict=True):
                d[int(cls)] = d.get(int(cls), 0.0) + (1 - self.prior) * float(p)
            out.append(d)
        return out


class ItemClassifier(_ScaledLogistic):
    """Which standard item (``FCR-a-i``) a barrier's wording fits, from its sentence vectors.

    Trained on the offending spans of cases that cite exactly one item, the item exemplars and
    the items' own texts (``learning.train``); the ranking reads it only *within* an article
    (``explain.rank_codes``), beside the nearest precedents' votes. Vectors alone, not the
    engine's similarity features: those measure closeness to the training cases themselves.
    """

    def __init__(self, *, C: float = 0.05) -> None:
        self.C = C

    def item_proba(self, X: np.ndarray) -> list[dict[str, float]]:
        return [
            {str(c): float(p) for c, p in zip(self.classes_, row, strict=True)}
            for row in self.predict_proba(X)
        ]
