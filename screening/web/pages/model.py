"""Console page: 模型 — the current screening model's card, the stored models, promote, roll back
and retrain (a background job), through the same store functions as ``screening model …``."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database
from starlette.responses import Response

from ...errors import ModelError
from ...learning import store
from ...learning.report import describe
from ...ledger.users import ADMIN
from ..core import Ctx, page
from ..jobs import Progress, job_kind, submit

ADMIN_ONLY = (ADMIN,)


def _row(entry: store.StoredModel) -> dict[str, Any]:
    card = entry.card
    row: dict[str, Any] = {"id": entry.model_id, "current": entry.current, "damaged": entry.damaged}
    if card is not None and not entry.damaged:
        m = card.evaluation.metrics if card.evaluation is not None else None
        row.update(
            strategy=card.strategy,
            threshold=f"{card.threshold:.4f}",
            oof_recall=f"{card.oof_recall:.3f}",
            false_alarm=card.oof_false_alarm_rate_regulations,
            cases=card.data.cases,
            case_recall=None if m is None else m.case_recall,
            false_alarm_eval=None if m is None else m.false_alarm_rate,
            refused=card.gate_refusal(),
            stale=card.is_stale(),
            embedders="+".join(card.embedders),
        )
    return row


@page("/model", roles=ADMIN_ONLY)
def model_page(ctx: Ctx) -> Response:
    settings = ctx.settings
    problem = None
    try:
        models = store.list_models(settings)
        current = store.current_id(settings)
    except ModelError as err:
        models, current, problem = [], None, str(err)
    entry = next((m for m in models if m.current), None)
    card = entry.card if entry is not None and not entry.damaged else None
    details = None
    if card is not None:
        details = {
            "lines": describe(card),
            "strategy": card.strategy,
            "threshold_rule": card.threshold_rule or "—",
            "negative_sampling": card.negative_sampling or "—",
            "oof": f"召回 {card.oof_recall:.3f}，法规条款误报率 "
            f"{card.oof_false_alarm_rate_regulations or 0:.4f}",
            "versions": "，".join(f"{k} {v}" for k, v in sorted(card.versions.items())),
            "embedders": "+".join(card.embedders),
            "stale": card.is_stale(),
        }
    return ctx.render(
        "model.html",
        title="模型",
        models=[_row(m) for m in models],
        current=current,
        current_damaged=entry.damaged if entry is not None else None,
        details=details,
        problem=problem,
        can_rollback=bool(store.read_pointer(settings).get("history")) if not problem else False,
    )


@page("/model/promote", roles=ADMIN_ONLY, methods=("POST",))
def model_promote(ctx: Ctx) -> Response:
    model_id = ctx.field("model_id")
    force = ctx.field("force") == "1"
    if not model_id:
        raise ModelError(detail="请选择要设为当前模型的模型。")
    refusal = store.gate_refusal(store.read_card(ctx.settings, model_id))
    store.promote(ctx.settings, model_id, force=force)
    ctx.console.services.pop("screener", None)
    if refusal:
        ctx.flash(f"当前模型：{model_id}（强制启用；该模型曾未通过晋级检查：{refusal}）。", "warn")
    else:
        ctx.flash(f"当前模型：{model_id}。")
    return ctx.back("/model")


@page("/model/rollback", roles=ADMIN_ONLY, methods=("POST",))
def model_rollback(ctx: Ctx) -> Response:
    model_id = store.rollback(ctx.settings)
    ctx.console.services.pop("screener", None)
    ctx.flash(f"已回退，当前模型：{model_id}。")
    return ctx.back("/model")


@page("/model/retrain", roles=ADMIN_ONLY, methods=("POST",))
def model_retrain(ctx: Ctx) -> Response:
    promote = ctx.field("promote", "1") != "0"
    job_id = submit(
        ctx.db,
        "retrain",
        operator=ctx.operator,
        user_id=ctx.user["id"],
        params={"promote": promote},
    )
    jobs = ctx.console.services.get("jobs")
    if jobs is not None:
        jobs.wake()
    return ctx.redirect(f"/jobs/{job_id}")


@job_kind("retrain")
def run_retrain(
    console: Any, db: Database, job: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """``screening model retrain`` in the background: messages go to the job's page."""
    from ...learning import retrain as retraining

    progress.update(message="正在重新训练筛查模型（首次需计算全部样本的嵌入，约 3–6 分钟）……")
    promote = bool(job["params"].get("promote", True))
    try:
        result = retraining.retrain(
            console.settings, promote=promote, say=lambda m: progress.update(message=m)
        )
    finally:
        console.services.pop("screener", None)  # the next screening loads the current model
    mid = result.model.model_id
    if result.promoted:
        message = f"新模型 {mid} 已设为当前模型。"
    elif not result.passed:
        message = f"新模型 {mid} 未设为当前模型（已保存）。原因：{'；'.join(result.reasons)}。"
    else:
        message = f"新模型 {mid} 通过晋级检查，已保存（未设为当前模型）。"
    progress.update(message=message)
    return {
        "model_id": mid,
        "passed": bool(result.passed),
        "promoted": bool(result.promoted),
        "reasons": list(result.reasons),
        "card": describe(result.card),
    }
