"""Where screening models live: ``<models>/screener/<model_id>/`` plus a pointer to the current one.

The pointer file ``current.json`` names the promoted model and keeps the previous ones, so a
bad promotion can be rolled back. Writes are atomic (temp file or folder + rename). Reading the
current model for scoring is ``screening.screen.model``'s (re-exported here); saving, promoting,
listing and rolling back are here.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ModelError
from ..screen.current import CARD_FILE, POINTER, current_id, read_pointer
from ..screen.current import models_root as root
from ..screen.model import (
    MODEL_FILE,
    RUNTIME_FILE,
    SIZES_FILE,
    load_current,
    load_model,
    restore_or_sweep,
    write_runtime,
)
from .card import ModelCard
from .train import TrainedModel

__all__ = [
    "StoredModel",
    "current_card",
    "current_id",
    "gate_refusal",
    "list_models",
    "load_current",
    "load_model",
    "promote",
    "read_card",
    "read_pointer",
    "rollback",
    "root",
    "save",
    "save_model",
    "twin_dir",
]

TWIN_DIR = "twin"


@dataclass(frozen=True)
class StoredModel:
    """One model folder as ``screening model list`` shows it."""

    model_id: str
    card: ModelCard | None  # None when card.json cannot be read
    current: bool
    damaged: str | None = None  # why the model cannot be used, in Chinese


def save_model(model: TrainedModel, directory: Path) -> Path:
    """Write model.joblib, runtime.pkl, card.json and sizes.json into ``directory``, atomically.

    The files go to a temp folder first; the model already in ``directory`` (retraining on
    unchanged data gives the same id) is renamed aside, the new one renamed in, and only then
    is the old one deleted — at no moment is there no complete model under that name for longer
    than one rename, and :func:`load_model` puts the old one back if a crash fell in between.
    """
    import joblib

    directory.parent.mkdir(parents=True, exist_ok=True)
    restore_or_sweep(directory)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.tmp-"))
    try:
        payload = {
            "gate": model.gate,
            "gate_threshold": model.gate_threshold,
            "gate_threshold_alone": model.gate_threshold_alone,
            "classifier": model.classifier,
            "articles": model.articles,
            "items": model.items,
            "cascade": getattr(model, "cascade", None),
            "entries": model.index.entries,
            "vectors": {n: idx.vectors for n, idx in model.indexes.items()},
            "threshold": model.threshold,
            "embedder_names": model.embedder_names,
        }
        joblib.dump(payload, tmp / MODEL_FILE, compress=3)
        (tmp / CARD_FILE).write_text(
            json.dumps(model.card.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        sizes = {
            MODEL_FILE: (tmp / MODEL_FILE).stat().st_size,
            RUNTIME_FILE: write_runtime(model, tmp, atomic=False),
        }
        (tmp / SIZES_FILE).write_text(json.dumps(sizes) + "\n", encoding="utf-8")
        old = None
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old-{time.time_ns()}")
            directory.rename(old)
        os.replace(tmp, directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return directory


def _write_pointer(settings: Settings, data: dict[str, Any]) -> None:
    r = root(settings)
    r.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=r, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, r / POINTER)


def save(
    settings: Settings,
    model: TrainedModel,
    twin: TrainedModel | None = None,
    extra: dict[str, str] | None = None,
) -> Path:
    """Save ``model`` (and its evaluation twin in ``twin/``, and small text files ``extra``)."""
    directory = save_model(model, root(settings) / model.model_id)
    if twin is not None:
        save_model(twin, directory / TWIN_DIR)
    for name, text in (extra or {}).items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def twin_dir(settings: Settings, model_id: str) -> Path:
    """Where the evaluation twin of a model lives (trained on the evaluation split's train side)."""
    return root(settings) / model_id / TWIN_DIR


def _card_at(directory: Path) -> ModelCard:
    """The card in ``directory``; OSError or ValueError when it cannot be read."""
    return ModelCard.from_dict(json.loads((directory / CARD_FILE).read_text(encoding="utf-8")))


def read_card(settings: Settings, model_id: str) -> ModelCard | None:
    try:
        return _card_at(root(settings) / model_id)
    except (OSError, ValueError, TypeError):
        return None


def gate_refusal(card: ModelCard | None) -> str | None:
    """Why a model failed its promotion gate at retrain time (None if it passed or had none)."""
    return card.gate_refusal() if card is not None else None


def promote(settings: Settings, model_id: str, *, force: bool = False) -> None:
    """Make ``model_id`` current; a model that failed its promotion gate needs ``force``."""
    if not (root(settings) / model_id / CARD_FILE).is_file():
        raise ModelError(detail=f"没有编号为 {model_id} 的模型。运行 `screening model list` 查看。")
    refusal = gate_refusal(read_card(settings, model_id))
    if refusal and not force:
        raise ModelError(
            detail=f"模型 {model_id} 在重新训练时未通过晋级检查（{refusal}），未设为当前模型。"
            "如确需使用，请加 --force：screening model promote "
            f"{model_id} --force"
        )
    ptr = read_pointer(settings)
    history = [h for h in ptr.get("history", []) if h != model_id]
    if ptr.get("current") and ptr["current"] != model_id:
        history.append(ptr["current"])
    _write_pointer(settings, {"current": model_id, "history": history[-20:]})


def current_card(settings: Settings) -> ModelCard | None:
    """The current model's card, read without loading the model itself."""
    mid = current_id(settings)
    if mid is None:
        return None
    return read_card(settings, mid)


def list_models(settings: Settings) -> list[StoredModel]:
    out: list[StoredModel] = []
    r = root(settings)
    if not r.is_dir():
        return out
    cur = current_id(settings)
    for d in sorted(r.iterdir()):
        if not d.is_dir() or d.name.startswith(".") or not (d / CARD_FILE).is_file():
            continue
        try:
            card: ModelCard | None = _card_at(d)
        except (OSError, ValueError, TypeError):
            card = None
        damaged = "模型卡片已损坏" if card is None else _model_file_problem(d)
        model_id = card.model_id if card is not None and card.model_id else d.name
        out.append(StoredModel(model_id, card, d.name == cur, damaged))
    return out


def _model_file_problem(directory: Path) -> str | None:
    """Why the model file in ``directory`` cannot be the one that was saved (None if it can)."""
    weights = directory / MODEL_FILE
    if not weights.is_file() or not weights.stat().st_size:
        return f"缺少模型文件 {MODEL_FILE}"
    try:
        expected = json.loads((directory / SIZES_FILE).read_text(encoding="utf-8"))[MODEL_FILE]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # saved before sizes were recorded
    if weights.stat().st_size != expected:
        return f"模型文件 {MODEL_FILE} 大小与保存时不符（可能被截断或改动）"
    return None


def rollback(settings: Settings) -> str:
    """Make the previously current model current again; returns its id."""
    ptr = read_pointer(settings)
    history = [h for h in ptr.get("history", []) if (root(settings) / h / CARD_FILE).is_file()]
    if not history:
        raise ModelError(detail="没有可以回退的上一版本模型。运行 `screening model list` 查看。")
    previous = history.pop()
    _write_pointer(settings, {"current": previous, "history": history})
    return previous
