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
from .model import CARD_FILE, ScreeningModel, load_model, save_model

POINTER = "current.json"


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


def save(settings: Settings, model: ScreeningModel) -> Path:
    return save_model(model, root(settings) / model.model_id)


def promote(settings: Settings, model_id: str) -> None:
    if not (root(settings) / model_id / CARD_FILE).is_file():
        raise ModelError(detail=f"没有编号为 {model_id} 的模型。运行 `screening model list` 查看。")
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
    path = root(settings) / mid / CARD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


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
        if d.is_dir() and card.is_file():
            try:
                info = json.loads(card.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                info = {"model_id": d.name, "damaged": True}
            info["current"] = d.name == cur
            out.append(info)
    return out


def rollback(settings: Settings) -> str:
    """Make the previously current model current again; returns its id."""
    ptr = read_pointer(settings)
    history = [h for h in ptr.get("history", []) if (root(settings) / h / CARD_FILE).is_file()]
    if not history:
        raise ModelError(detail="没有可以回退的上一版本模型。运行 `screening model list` 查看。")
    previous = history.pop()
    _write_pointer(settings, {"current": previous, "history": history})
    return previous
