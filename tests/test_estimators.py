"""The scikit-learn estimators of the engine honour scikit-learn's estimator contract.

``parametrize_with_checks`` runs scikit-learn's own checks (cloning, pickling, unfitted
errors, label handling, NaN and sparse refusal, …) with generic labels. It caught
``BarrierClassifier.classes_`` being set to every family whatever the training labels were.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from screening.corpus.schema import FAMILIES
from screening.screen.classifier import ArticleClassifier, BarrierClassifier, ItemClassifier


@parametrize_with_checks([BarrierClassifier(), ArticleClassifier(), ItemClassifier()])
def test_scikit_learn_contract(estimator, check):
    check(estimator)


def _data(labels: list[str], n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.array([labels[i % len(labels)] for i in range(n * len(labels))], dtype=object)
    X = rng.normal(size=(len(y), 4)) + np.array([labels.index(v) for v in y])[:, None]
    return X, y


@pytest.mark.parametrize(
    ("labels", "classes"),
    [
        (["", FAMILIES[0], FAMILIES[1]], ["", FAMILIES[0], FAMILIES[1]]),
        (["", "?", FAMILIES[2]], ["", "?", FAMILIES[2]]),
        (["", "?"], ["", "?"]),
        ([FAMILIES[0], FAMILIES[3]], [FAMILIES[0], FAMILIES[3]]),
    ],
    ids=["two-families", "unknown-and-one", "unknown-only", "no-compliant"],
)
def test_classes_are_the_labels_seen(labels, classes):
    X, y = _data(labels)
    model = BarrierClassifier().fit(X, y)
    assert list(model.classes_) == sorted(classes)
    proba = model.predict_proba(X)
    assert proba.shape == (len(y), len(classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= set(classes)
    # the engine's view keeps the fixed FAMILIES columns, zero for families never seen
    fam = model.family_proba(X)
    assert fam.shape == (len(y), len(FAMILIES))
    unseen = [i for i, f in enumerate(FAMILIES) if f not in labels]
    assert not fam[:, unseen].any()
