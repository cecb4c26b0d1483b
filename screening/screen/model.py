"""A fitted screening model as scoring sees it: its parts, its files, and the current one.

Models live in ``<models>/screener/<model_id>/`` (model.joblib, runtime.pkl, card.json,
sizes.json) and the pointer ``current.json`` names the current one. ``model.joblib`` holds the
fitted scikit-learn estimators; ``runtime.pkl`` the same parts as plain arrays
(``screen.runtime``), which is what scoring loads: no scikit-learn import, no joblib unpickling.
Scoring only reads them: training, saving, promoting and rolling back belong to
``screening.learning``. A current model trained with other component versions
(``screening.versions``) is stale: it is not even unpickled, and loading raises
:class:`~screening.errors.ModelNotTrainedError`, as it does when there is no model.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import versions
from ..config import Settings
from ..errors import ModelError, ModelNotTrainedError
from .current import (  # the light read side (which model is current)
    CARD_FILE,
    current_id,
    models_root,
    recorded_components,
)
from .features import ClauseView, build_features, feature_names, similarity_names
from .precedents import PrecedentIndex

MODEL_FILE = "model.joblib"
RUNTIME_FILE = "runtime.pkl"  # the scoring parts as plain arrays (screen.runtime)
SIZES_FILE = "sizes.json"  # byte size of the model file as saved: a truncated copy is spotted
RECOVER = (
    "请运行 `screening model retrain` 重新训练，或用 `screening model rollback` 回到上一版本。"
)
STALE_TEMP_SECONDS = 3600  # temp folders of saves older than this were left by a killed run


@dataclass
class ScreeningModel:
    """The cheap gate, the classifier, one precedent index per embedder, thresholds and identity
    (the full card is ``learning.card.ModelCard``, read by ``learning.store``)."""

    # Scoring parts: scikit-learn estimators as trained, or their runtime.Gate/Barrier/Articles
    # as loaded (the same probabilities; see screen.runtime).
    gate: Any  # character TF-IDF → logistic regression: predict_proba(texts)
    gate_threshold: float
    # A clause with no trigger word passes stage 1 when its gate score reaches this (the
    # trigger words are a fast path, not a wall); infinite: never (models before hybrid.v2).
    gate_threshold_alone: float
    classifier: Any  # barrier_proba(X), family_proba(X)
    articles: Any  # article_proba(X)
    indexes: dict[str, PrecedentIndex]  # same entries, vectors of each embedder
    threshold: float
    embedder_names: tuple[str, ...]
    model_id: str
    strategy: str  # versions.STRATEGY when it was trained
    components: dict[str, str]  # versions.COMPONENTS when it was trained
    # item_proba(sentence vectors): which item of an article the wording fits (None: models
    # trained before hybrid.v3, or without Recipe.item_model, rank items by votes alone)
    items: Any
    # Stage 2a: a classifier that does without the first (costliest) embedder; a clause it
    # scores below its threshold is never embedded by that one (None: models before hybrid.v7,
    # or with a single embedder).
    cascade: Cascade | None

    def item_probs(self, vectors: dict[str, np.ndarray]) -> list[dict[str, float]] | None:
        """P(item) per row of ``vectors`` (each embedder's, concatenated in model order)."""
        if self.items is None:
            return None
        return self.items.item_proba(item_vectors(vectors, self.embedder_names))

    @property
    def index(self) -> PrecedentIndex:
        """The index of the first embedder: used to show precedents and rank codes."""
        return self.indexes[self.embedder_names[0]]

    def gate_scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.gate.predict_proba(list(texts))[:, 1]

    def features(
        self,
        views: Sequence[ClauseView],
        vectors: dict[str, np.ndarray],
        exclude_groups: Sequence[str | None] | None = None,
        sims: dict[str, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feature matrix over all embedders, and the first embedder's similarity matrix
        (``sims``: each embedder's, already computed; see :meth:`similarities`)."""
        return combined_features(
            self.indexes, self.embedder_names, views, vectors, exclude_groups, sims
        )

    def similarities(
        self, vectors: dict[str, np.ndarray], names: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Each embedder's (rows × index entries) cosine matrix, for :meth:`features`
        (``names``: only these embedders')."""
        wanted = self.embedder_names if names is None else names
        return {n: self.indexes[n].similarities(vectors[n]) for n in wanted}

    def cheap_features(
        self,
        views: Sequence[ClauseView],
        vectors: dict[str, np.ndarray],
        sims: dict[str, np.ndarray] | None = None,
        gate: Sequence[float] | np.ndarray = (),
    ) -> np.ndarray:
        """What :attr:`cascade`'s classifier reads: the features of every embedder but the one it
        does without (``vectors`` and ``sims`` need not hold that one), and the clauses' stage-1
        gate scores (``gate``) when the cascade reads them."""
        cascade = self.cascade
        assert cascade is not None
        X = combined_features(
            self.indexes,
            self.embedder_names,
            views,
            vectors,
            None,
            sims,
            without=cascade.embedder,
        )[0][:, cascade.columns]
        if not getattr(cascade, "gate", False):  # absent from models pickled before it
            return X
        if len(gate) != len(views):
            raise ValueError(f"stage 2a reads {len(views)} gate scores, got {len(gate)}")
        return np.hstack([X, gate_logit(gate)])


def item_vectors(vectors: dict[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """What the item model reads: the embedders' sentence vectors side by side."""
    return np.hstack([vectors[n] for n in names])


def combined_features(
    indexes: dict[str, PrecedentIndex],
    names: Sequence[str],
    views: Sequence[ClauseView],
    vectors: dict[str, np.ndarray],
    exclude_groups: Sequence[str | None] | None = None,
    given: dict[str, np.ndarray] | None = None,
    without: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix over the embedders ``names``, and the first one's similarity matrix.

    ``given``: similarity matrices already computed. ``without``: an embedder whose vectors
    are not computed (``Cascade``): its similarity features and vector columns are zeros, the
    matrix keeps its layout (its similarity matrix, if first, is empty)."""
    blocks, first_sims = [], None
    n = len(views)
    for name in names:
        if name == without:
            sims = np.zeros((n, 0), dtype=np.float32)
            block = build_features(views, None, None)
        else:
            if given is not None and name in given:
                sims = given[name]
            else:
                sims = indexes[name].similarities(vectors[name], exclude_groups)
            block = build_features(views, sims, indexes[name])
        first_sims = sims if first_sims is None else first_sims
        blocks.append(block)
    # The clause embeddings themselves are features too: a linear model over them separates
    # barrier wording from compliant wording far better than similarities alone (measured).
    for name in names:
        if name == without:
            blocks.append(np.zeros((n, indexes[name].vectors.shape[1]), dtype=np.float32))
        else:
            blocks.append(vectors[name])
    assert first_sims is not None
    return np.hstack(blocks), first_sims


def embedder_columns(indexes: dict[str, PrecedentIndex], names: Sequence[str], name: str):
    """The columns of :func:`combined_features` computed from ``name``'s vectors: its
    similarity features and its vector (the lexicon columns of its block are not)."""
    block = len(feature_names())
    k = list(names).index(name)
    start = len(names) * block + sum(indexes[n].vectors.shape[1] for n in names[:k])
    return np.r_[
        k * block : k * block + len(similarity_names()),
        start : start + indexes[name].vectors.shape[1],
    ].astype(np.intp)


@dataclass(frozen=True)
class Cascade:
    """Stage 2a: ``classifier`` (``barrier_proba``) over the feature columns ``columns`` — all
    but ``embedder``'s. A clause it scores below ``threshold`` is not embedded by ``embedder``
    and is no finding; ``threshold`` lets through all but ``CASCADE_MISS`` of the barriers the
    full model finds in training (out of fold)."""

    embedder: str
    columns: np.ndarray
    classifier: Any
    threshold: float
    # The stage-1 gate's score (as a logit, ``gate_logit``) is one more column
    # (``Recipe.cascade_gate``, off by default); absent (False) in models pickled before it.
    gate: bool = False


def gate_logit(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """The stage-1 gate's probabilities as a feature column: logits, clipped to ±13.8."""
    p = np.clip(np.asarray(scores, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))[:, None]


def restore_or_sweep(directory: Path) -> None:
    """Undo what a save killed half-way left behind next to ``directory``.

    A save renames the model it replaces to ``.<name>.old-…`` before renaming the new one in;
    if it died between the two renames, the old model is put back. Hidden temp folders of saves
    that died (older than ``STALE_TEMP_SECONDS``, whatever model they were for) are removed.
    """
    import shutil
    import time

    olds = sorted(directory.parent.glob(f".{directory.name}.old-*"))
    if not directory.exists() and olds:
        olds[-1].rename(directory)
        olds = olds[:-1]
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)
    now = time.time()
    for leftover in directory.parent.glob(".*"):  # any model's: a killed retrain's id is new
        try:
            stale = now - leftover.stat().st_mtime > STALE_TEMP_SECONDS
        except OSError:
            continue
        if stale and leftover.is_dir() and ".old-" not in leftover.name:
            shutil.rmtree(leftover, ignore_errors=True)


def scoring_payload(model: ScreeningModel) -> dict[str, Any]:
    """What ``runtime.pkl`` holds: the scoring parts as plain arrays, the precedent index and
    the thresholds (``model`` has the fitted scikit-learn estimators: it is being saved)."""
    from .runtime import compile_barrier, compile_parts

    cascade = getattr(model, "cascade", None)  # absent from models pickled before hybrid.v7
    return {
        **compile_parts(model.gate, model.classifier, model.articles, model.items),
        "cascade": (
            None
            if cascade is None
            else replace(cascade, classifier=compile_barrier(cascade.classifier))
        ),
        "gate_threshold": model.gate_threshold,
        "gate_threshold_alone": model.gate_threshold_alone,
        "entries": model.index.entries,
        "vectors": {n: idx.vectors for n, idx in model.indexes.items()},
        "threshold": model.threshold,
        "embedder_names": model.embedder_names,
    }


def write_runtime(model: ScreeningModel, directory: Path, *, atomic: bool = True) -> int:
    """Write ``runtime.pkl`` into ``directory``; its size in bytes. ``atomic``: through a
    temp file and a rename (beside a model in use; a save writes into its own temp folder)."""
    target = directory / RUNTIME_FILE
    partial = target.with_name(f".{RUNTIME_FILE}.{os.getpid()}") if atomic else target
    with open(partial, "wb") as fh:
        pickle.dump(scoring_payload(model), fh, protocol=5)
    if atomic:
        os.replace(partial, target)
    return target.stat().st_size


def _recorded_size(directory: Path, name: str) -> int | None:
    try:
        return int(json.loads((directory / SIZES_FILE).read_text(encoding="utf-8"))[name])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read_runtime(directory: Path) -> dict[str, Any] | None:
    """The runtime payload, or None when it is missing, of another format, or not the file
    that was saved (then the model is read from ``model.joblib`` instead)."""
    from .runtime import RUNTIME_FORMAT

    path = directory / RUNTIME_FILE
    try:
        if path.stat().st_size != _recorded_size(directory, RUNTIME_FILE):
            return None  # missing from sizes.json (written after the save) or truncated
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except Exception:  # missing, unreadable or damaged: model.joblib still has everything
        return None
    if not isinstance(payload, dict) or payload.get("format") != RUNTIME_FORMAT:
        return None
    return payload


def _read_joblib(directory: Path) -> ScreeningModel | None:
    """A model saved before ``runtime.pkl`` (or whose copy is damaged): the scikit-learn
    estimators from ``model.joblib``; its runtime copy is written beside it when the folder is
    writable, so the next load is fast."""
    import joblib

    payload = joblib.load(directory / MODEL_FILE)
    model = _assemble(directory, payload)
    with contextlib.suppress(Exception):  # read-only or foreign estimators: load slowly again
        size = write_runtime(model, directory)
        sizes_path = directory / SIZES_FILE
        try:
            sizes = json.loads(sizes_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            sizes = {}
        sizes[RUNTIME_FILE] = size
        partial = sizes_path.with_name(f".{SIZES_FILE}.{os.getpid()}")
        partial.write_text(json.dumps(sizes) + "\n", encoding="utf-8")
        os.replace(partial, sizes_path)
    return model


def _assemble(directory: Path, payload: dict[str, Any]) -> ScreeningModel:
    card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    indexes = {n: PrecedentIndex(payload["entries"], v) for n, v in payload["vectors"].items()}
    return ScreeningModel(
        gate=payload["gate"],
        gate_threshold=float(payload["gate_threshold"]),
        gate_threshold_alone=float(payload.get("gate_threshold_alone", float("inf"))),
        classifier=payload["classifier"],
        articles=payload["articles"],
        items=payload.get("items"),
        cascade=payload.get("cascade"),
        indexes=indexes,
        threshold=float(payload["threshold"]),
        embedder_names=tuple(payload["embedder_names"]),
        model_id=str(card["model_id"]),
        strategy=str(card.get("strategy") or versions.STRATEGY),
        components=dict(card.get("components") or {}),
    )


def load_model(directory: Path) -> ScreeningModel:
    """The model in ``directory``, for scoring: from ``runtime.pkl`` (no scikit-learn), else
    from ``model.joblib``."""
    if not directory.exists():
        restore_or_sweep(directory)
    card_path, model_path = directory / CARD_FILE, directory / MODEL_FILE
    if not (card_path.is_file() and model_path.is_file()):
        raise ModelError(
            detail=f"模型目录 {directory} 不完整（缺少 {MODEL_FILE} 或 {CARD_FILE}）。" + RECOVER
        )
    recorded = _recorded_size(directory, MODEL_FILE)
    try:
        if recorded is not None and model_path.stat().st_size != recorded:
            raise ValueError("model.joblib is not the file that was saved")  # a damaged model
        payload = _read_runtime(directory)
        return _assemble(directory, payload) if payload else _read_joblib(directory)
    except Exception:  # any unpickling failure means a damaged or incompatible file
        raise ModelError(
            detail=f"模型文件 {model_path} 已损坏或与当前软件版本不兼容。" + RECOVER
        ) from None


# --- the current model (read side; learning.store writes the pointer) ---------------------------


def load_current(settings: Settings) -> ScreeningModel:
    """The current model. Never trains: with no model, or a stale one, raises
    :class:`ModelNotTrainedError` (``screening model retrain``; first use trains explicitly)."""
    mid = current_id(settings)
    if mid is None:
        raise ModelNotTrainedError(detail="尚无可用的筛查模型。")
    directory = models_root(settings) / mid
    if not directory.exists():
        restore_or_sweep(directory)  # a save killed between its two renames
    recorded = recorded_components(directory)
    # An unreadable card is reported by load_model (damaged, how to recover), not as stale.
    if recorded is not None and recorded != versions.COMPONENTS:
        # A model trained with other components is not even unpickled: its classes may differ.
        raise ModelNotTrainedError(
            detail=f"当前筛查模型 {mid} 由旧版本软件训练（"
            + "；".join(versions.differences(recorded))
            + "），本版本不再使用它。",
            stale=True,
        )
    return load_model(directory)
