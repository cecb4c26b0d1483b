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
from sklearn.utils.validation import check_is_fitted

from ..corpus.schema import FAMILIES

COMPLIANT = ""  # label of compliant examples
UNKNOWN_FAMILY = "?"  # label of barriers whose family is unknown


class BarrierClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated barrier detector plus a family model (labels: "", "?", or a family name)."""

    def __init__(
        self,
        *,
        C: float = 0.1,
        family_C: float = 0.1,
        cv: int = 3,
        calibration: str = "sigmoid",
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.family_C = family_C
        self.cv = cv
        self.calibration = calibration
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> BarrierClassifier:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=object)
        barrier = y != COMPLIANT
        base = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000),
        )
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        self.detector_ = CalibratedClassifierCV(base, method=self.calibration, cv=folds)
        self.detector_.fit(X, barrier)
        known = np.isin(y, FAMILIES)
        self.families_ = np.array([f for f in FAMILIES if (y == f).any()], dtype=object)
        if len(self.families_) >= 2:
            self.family_ = make_pipeline(
                StandardScaler(), LogisticRegression(C=self.family_C, max_iter=5000)
            )
            self.family_.fit(X[known], y[known])
        else:
            self.family_ = None
        self.classes_ = np.array([COMPLIANT, *FAMILIES], dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def barrier_proba(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "detector_")
        return self.detector_.predict_proba(np.asarray(X, dtype=np.float64))[:, 1]

    def family_proba(self, X: np.ndarray) -> np.ndarray:
        """P(family | barrier), columns in FAMILIES order (absent families get 0)."""
        check_is_fitted(self, "detector_")
        X = np.asarray(X, dtype=np.float64)
        out = np.zeros((X.shape[0], len(FAMILIES)))
        if self.family_ is None:
            if len(self.families_):
                out[:, FAMILIES.index(self.families_[0])] = 1.0
            return out
        probs = self.family_.predict_proba(X)
        for j, fam in enumerate(self.family_.classes_):
            out[:, FAMILIES.index(fam)] = probs[:, j]
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = self.barrier_proba(X)
        return np.column_stack([1 - p, p[:, None] * self.family_proba(X)])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class ArticleClassifier(ClassifierMixin, BaseEstimator):
    """Which 实施办法 article (9–23) a barrier most likely breaches, from the same features.

    Trained on barriers whose case cites a standard; ``article_proba`` spreads the probability
    over every article of the standards so an unseen article is never impossible.
    """

    def __init__(self, *, C: float = 0.1, prior: float = 0.02) -> None:
        self.C = C
        self.prior = prior

    def fit(self, X: np.ndarray, y: np.ndarray) -> ArticleClassifier:
        y = np.asarray(y, dtype=int)
        self.classes_ = np.unique(y)
        if len(self.classes_) >= 2:
            self.model_ = make_pipeline(
                StandardScaler(), LogisticRegression(C=self.C, max_iter=5000)
            ).fit(np.asarray(X, dtype=np.float64), y)
        else:
            self.model_ = None
        return self

    def article_proba(
        self, X: np.ndarray, articles: range = range(9, 24)
    ) -> list[dict[int, float]]:
        check_is_fitted(self, "classes_")
        X = np.asarray(X, dtype=np.float64)
        no_model = self.model_ is None
        probs = np.ones((X.shape[0], 1)) if no_model else self.model_.predict_proba(X)
        out = []
        for row in probs:
            d = {a: self.prior / len(articles) for a in articles}
            for cls, p in zip(self.classes_, row, strict=True):
                d[int(cls)] = d.get(int(cls), 0.0) + (1 - self.prior) * float(p)
            out.append(d)
        return out
