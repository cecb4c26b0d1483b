"""Training as an explicit step on first use (and after an update made the model stale).

Loading a model never trains (:meth:`Screener.load` raises ``ModelNotTrainedError``). The
commands that screen (``scan``, ``check``, ``make demo``) call :func:`load_or_train`, which
catches exactly that error, says what it is doing and trains, saves and promotes a model.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import ModelNotTrainedError
from ..screen.engine import Screener

if TYPE_CHECKING:  # training imports scikit-learn: only when a model must be trained
    from .train import TrainedModel

FIRST_USE = "首次使用：正在根据知识库训练筛查模型（约需 3–6 分钟，只需一次）……"
STALE = "软件已更新，当前筛查模型由旧版本训练，正在按新版本重新训练……"


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def train_current(
    settings: Settings, *, stale: bool = False, say: Callable[[str], None] | None = None
) -> TrainedModel:
    """Train a model from the corpus, save it and make it current, saying so."""
    from . import store
    from .train import train

    say = say or _stderr
    say(STALE if stale else FIRST_USE)
    model = train(settings)
    store.save(settings, model)
    store.promote(settings, model.model_id)
    say(f"模型已训练：{model.model_id}（阈值 {model.threshold:.3f}）。")
    return model


def load_or_train(
    settings: Settings,
    *,
    threshold: float | None = None,
    say: Callable[[str], None] | None = None,
) -> Screener:
    """The current model's screener; with no model, or a stale one, trains one first."""
    try:
        return Screener.load(settings, threshold=threshold)
    except ModelNotTrainedError as err:
        model = train_current(settings, stale=err.stale, say=say)
    return Screener.from_model(settings, model, threshold=threshold)
