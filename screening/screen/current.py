"""Which model is current, read without loading it (no scikit-learn, no torch, no weights).

``screening scan`` asks this first: a re-sweep of unchanged documents compares each file's hash
and the current model's id with the ledger and loads the model only when something must be
screened. ``screen.model`` loads the model itself and re-exports these names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import versions
from ..config import Settings
from ..errors import ModelError

CARD_FILE = "card.json"
POINTER = "current.json"


def models_root(settings: Settings) -> Path:
    return Path(settings.models) / "screener"


def read_pointer(settings: Settings) -> dict[str, Any]:
    p = models_root(settings) / POINTER
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


def recorded_components(directory: Path) -> dict[str, str] | None:
    """The component versions in a model's card ({} if it has none); None if unreadable."""
    try:
        card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(card, dict):
        return None
    return dict(card.get("components") or {})


def usable_model_id(settings: Settings) -> str | None:
    """The current model's id when loading it would not have to train first, else None.

    None when there is no current model, its folder is missing, or it was trained with other
    component versions (stale): then the sweep must load (and train) before it can tell which
    documents the current model already screened.
    """
    mid = current_id(settings)
    if mid is None:
        return None
    directory = models_root(settings) / mid
    if not directory.is_dir() or recorded_components(directory) != versions.COMPONENTS:
        return None
    return mid
