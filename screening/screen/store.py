"""Where screening models live: ``<models>/screener/<model_id>/`` plus a pointer to the current one.

The pointer file ``current.json`` names the promoted model and keeps the previous ones, so a
bad promotion can be rolled back. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ModelError
from .model import CARD_FILE, MODEL_FILE, SIZES_FILE, ScreeningModel, load_model, save_model

POINTER = "current.json"
TWIN_DIR = "twin"


def root(settings: Settings) -> Path:
    return Path(settings.models) / "screener"


def _write_pointer(settings: Settings, data: dict[str, Any]) -> None:
    r = root(settings)
    r.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=r, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, r / POINTER)


def read_pointer(settings: Settings) -> dict[str, Any]:
    p = root(settings) / POINTER
    if not p.is_file():
        return {"current": None, "history": []}
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(
            detail=f"模型指针文件 {p} 已损坏。请删除该文件后运行 `screening model list` "
            "查看可用模型，再用 `screening model promote 模型编号` 指定当前模型。"
        ) from None


def current_id(settings: Settings) -> str | None:
    return read_pointer(settings).get("current")


def save(
    settings: Settings,
    model: ScreeningModel,
    twin: ScreeningModel | None = None,
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


def read_card(settings: Settings, model_id: str) -> dict[str, Any] | None:
    path = root(settings) / model_id / CARD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def gate_refusal(card: dict[str, Any] | None) -> str | None:
    """Why a model failed its promotion gate at retrain time (None if it passed or had none)."""
    promotion = (card or {}).get("promotion") or {}
    if promotion.get("passed") is False:
        return "；".join(promotion.get("reasons") or ["未通过晋级检查"])
    return None


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


def current_card(settings: Settings) -> dict[str, Any] | None:
    """The current model's card, read without loading the model itself."""
    mid = current_id(settings)
    if mid is None:
        return None
    return read_card(settings, mid)


def load_current(settings: Settings) -> ScreeningModel | None:
    mid = current_id(settings)
    if mid is None:
        return None
    return load_model(root(settings) / mid)


def list_models(settings: Settings) -> list[dict[str, Any]]:
    out = []
    r = root(settings)
    if not r.is_dir():
        return out
    cur = current_id(settings)
    for d in sorted(r.iterdir()):
        card = d / CARD_FILE
        if d.is_dir() and not d.name.startswith(".") and card.is_file():
            try:
                info = json.loads(card.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                info = {"model_id": d.name, "damaged": "模型卡片已损坏"}
            if not info.get("damaged"):
                problem = _model_file_problem(d)
                if problem:
                    info["damaged"] = problem
            info["current"] = d.name == cur
            out.append(info)
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
