"""A fitted screening model as scoring sees it: its parts, its files, and the current one.

Models live in ``<models>/screener/<model_id>/`` (model.joblib, card.json, sizes.json) and the
pointer ``current.json`` names the current one. Scoring only reads them: training, saving,
promoting and rolling back belong to ``screening.learning``. A current model trained with other
component versions (``screening.versions``) is stale: it is not even unpickled, and loading
raises :class:`~screening.errors.ModelNotTrainedError`, as it does when there is no model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import versions
from ..config import Settings
from ..errors import ModelError, ModelNotTrainedError
from .classifier import ArticleClassifier, BarrierClassifier
from .current import (  # the light read side (which model is current)
    CARD_FILE,
    current_id,
    models_root,
    recorded_components,
)
from .features import ClauseView, build_features
from .precedents import PrecedentIndex

MODEL_FILE = "model.joblib"
SIZES_FILE = "sizes.json"  # byte size of the model file as saved: a truncated copy is spotted
RECOVER = (
    "请运行 `screening model retrain` 重新训练，或用 `screening model rollback` 回到上一版本。"
)
STALE_TEMP_SECONDS = 3600  # temp folders of saves older than this were left by a killed run


@dataclass
class ScreeningModel:
    """The cheap gate, the classifier, one precedent index per embedder, thresholds and identity
    (the full card is ``learning.card.ModelCard``, read by ``learning.store``)."""

    gate: Any  # sklearn Pipeline: character TF-IDF → logistic regression
    gate_threshold: float
    # A clause with no trigger word passes stage 1 when its gate score reaches this (the
    # trigger words are a fast path, not a wall); infinite: never (models before hybrid.v2).
    gate_threshold_alone: float
    classifier: BarrierClassifier
    articles: ArticleClassifier
    indexes: dict[str, PrecedentIndex]  # same entries, vectors of each embedder
    threshold: float
    embedder_names: tuple[str, ...]
    model_id: str
    strategy: str  # versions.STRATEGY when it was trained
    components: dict[str, str]  # versions.COMPONENTS when it was trained

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
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feature matrix over all embedders, and the first embedder's similarity matrix."""
        return combined_features(self.indexes, self.embedder_names, views, vectors, exclude_groups)


def combined_features(
    indexes: dict[str, PrecedentIndex],
    names: Sequence[str],
    views: Sequence[ClauseView],
    vectors: dict[str, np.ndarray],
    exclude_groups: Sequence[str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    blocks, first_sims = [], None
    for name in names:
        sims = indexes[name].similarities(vectors[name], exclude_groups)
        first_sims = sims if first_sims is None else first_sims
        blocks.append(build_features(views, sims, indexes[name]))
    # The clause embeddings themselves are features too: a linear model over them separates
    # barrier wording from compliant wording far better than similarities alone (measured).
    blocks.extend(vectors[name] for name in names)
    assert first_sims is not None
    return np.hstack(blocks), first_sims


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


def load_model(directory: Path) -> ScreeningModel:
    import joblib

    if not directory.exists():
        restore_or_sweep(directory)
    card_path, model_path = directory / CARD_FILE, directory / MODEL_FILE
    if not (card_path.is_file() and model_path.is_file()):
        raise ModelError(
            detail=f"模型目录 {directory} 不完整（缺少 {MODEL_FILE} 或 {CARD_FILE}）。" + RECOVER
        )
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        payload = joblib.load(model_path)
        indexes = {n: PrecedentIndex(payload["entries"], v) for n, v in payload["vectors"].items()}
        return ScreeningModel(
            gate=payload["gate"],
            gate_threshold=float(payload["gate_threshold"]),
            gate_threshold_alone=float(payload.get("gate_threshold_alone", float("inf"))),
            classifier=payload["classifier"],
            articles=payload["articles"],
            indexes=indexes,
            threshold=float(payload["threshold"]),
            embedder_names=tuple(payload["embedder_names"]),
            model_id=str(card["model_id"]),
            strategy=str(card.get("strategy") or versions.STRATEGY),
            components=dict(card.get("components") or {}),
        )
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
