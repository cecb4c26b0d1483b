"""``screening model …``: embedding-model caches and the screening models (train, list, promote)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..embed import REGISTRY, get_spec
from . import format_option, get_settings

if TYPE_CHECKING:
    from ..learning.store import StoredModel

# Embedders that have an on-disk cache to build; the others need no build step.
BUILDABLE = {"e5-small.v1"}


@click.group("model")
def model_group() -> None:
    """管理模型：构建嵌入模型缓存；训练、查看、切换和回退筛查模型。"""


@model_group.command("build-embedder")
@click.option(
    "--name",
    default="e5-small.v1",
    show_default=True,
    help=f"嵌入模型名称。可选：{'、'.join(REGISTRY)}。",
)
@click.option("--force", is_flag=True, help="即使缓存完好也重新构建（缓存损坏时使用）。")
@click.pass_context
def build_embedder(ctx: click.Context, name: str, force: bool) -> None:
    """离线构建嵌入模型缓存（从已安装的软件包中重建，无需联网）。"""
    get_spec(name)  # unknown name → ConfigError listing valid names
    settings = get_settings(ctx)
    if name not in BUILDABLE:
        click.echo(f"{name} 无需构建：{get_spec(name).load_class().status(settings)}。")
        return
    from ..embed import e5

    result = e5.build(settings.models, force=force)
    size = f"{result.size_bytes / 1e6:.0f} MB"
    if result.built:
        click.echo(f"已构建 {name}：{result.path}（{size}，用时 {result.seconds:.1f} 秒）。")
    else:
        click.echo(f"{name} 已构建，无需重建：{result.path}（{size}）。如需重建请加 --force。")


@model_group.command("embedders")
@click.pass_context
def list_embedders(ctx: click.Context) -> None:
    """列出可用的嵌入模型及其状态。"""
    settings = get_settings(ctx)
    for name, spec in REGISTRY.items():
        click.echo(f"{name}\t{spec.load_class().status(settings)}")
        click.echo(f"\t{spec.description}")


COMMANDS = [model_group]


# --- screening models (classifier + precedent index) -------------------------------------------


def _card_line(entry: StoredModel) -> str:
    if entry.damaged or entry.card is None:
        # A broken model is never starred as if it were in use.
        if entry.current:
            return (
                f"✗ {entry.model_id}  当前模型已损坏（{entry.damaged}）：请运行 "
                "screening model rollback 回到上一版本，或 screening model retrain 重新训练"
            )
        return f"  {entry.model_id}  已损坏（{entry.damaged}；可删除该目录，或重新训练）"
    card = entry.card
    mark = "★" if entry.current else " "
    fa = card.oof_false_alarm_rate_regulations
    evaluated = ""
    if card.evaluation is not None:
        m = card.evaluation.metrics
        evaluated = (
            f"  评估集案例召回 {m.case_recall or 0:.3f}"
            f"  合规样本误报率 {m.false_alarm_rate or 0:.4f}"
        )
    gated = "  ✗未通过晋级检查" if card.gate_refusal() is not None else ""
    cases = card.data.cases if card.data.cases is not None else "-"
    return (
        f"{mark} {entry.model_id}  阈值 {card.threshold:.4f}  "
        f"训练集交叉验证召回 {card.oof_recall:.3f}  "
        f"法规误报率 {fa if fa is not None else '-'}  "
        f"案例 {cases} 个" + evaluated + gated
    )


@model_group.command("retrain")
@click.option(
    "--seed", default=0, show_default=True, help="随机种子（相同数据和种子得到相同模型）。"
)
@click.option("--no-promote", is_flag=True, help="只训练、评估和保存，不设为当前模型。")
@click.option(
    "--embedders",
    default="e5-small.v1,use-m.v1",
    show_default=True,
    help="所用嵌入模型，逗号分隔（默认即软件附带的组合；更改后与现有模型的比较仍在同一评估集上进行）。",
)
@click.option(
    "--no-ledger-decisions",
    is_flag=True,
    help="不读取审查台账中的认定/排除决定（默认读取 --ledger 指定的台账，文件不存在时跳过）。",
)
@click.option(
    "--max-recall-drop",
    type=float,
    default=None,
    help="晋级检查：评估集案例召回率允许下降的最大值（绝对值，默认 0.02，"
    "配置项 promote_max_recall_drop）。",
)
@click.option(
    "--max-family-drop",
    type=float,
    default=None,
    help="晋级检查：各审查标准类别案例召回率允许下降的最大值（默认 0.05，"
    "配置项 promote_max_family_drop）。",
)
@click.option(
    "--family-min-cases",
    type=int,
    default=None,
    help="晋级检查：评估案例不少于此数的类别才逐类比较（默认 10，"
    "配置项 promote_family_min_cases）。",
)
@click.option(
    "--max-false-alarm-rise",
    type=float,
    default=None,
    help="晋级检查：固定合规样本误报率允许上升的最大值（默认 0.002，"
    "配置项 promote_max_false_alarm_rise）。",
)
@click.pass_context
def retrain_cmd(
    ctx: click.Context,
    seed: int,
    no_promote: bool,
    embedders: str,
    no_ledger_decisions: bool,
    max_recall_drop: float | None,
    max_family_drop: float | None,
    family_min_cases: int | None,
    max_false_alarm_rise: float | None,
) -> None:
    """重新训练筛查模型，在固定评估集上与当前模型比较，不退步才设为当前模型。

    训练数据：通报案例、审查台账中的认定（正例）和排除（难负例）决定、合规文本。

    先用评估集划分中的训练部分训练“评估副本”，在评估案例和固定合规样本上评估；

    再用全部数据训练实际使用的模型。退步超过允许范围时只保存、不设为当前模型，并说明原因。
    """
    from ..learning.gate import Tolerances
    from ..learning.report import describe
    from ..learning.retrain import retrain

    settings = get_settings(ctx)
    base = Tolerances.from_settings(settings)
    tol = Tolerances(
        base.max_recall_drop if max_recall_drop is None else max_recall_drop,
        base.max_family_drop if max_family_drop is None else max_family_drop,
        base.family_min_cases if family_min_cases is None else family_min_cases,
        base.max_false_alarm_rise if max_false_alarm_rise is None else max_false_alarm_rise,
    )
    click.echo("正在重新训练筛查模型（首次需计算全部样本的嵌入，约 3–6 分钟）……", err=True)
    result = retrain(
        settings,
        seed=seed,
        embedder_names=tuple(n.strip() for n in embedders.split(",") if n.strip()),
        tolerances=tol,
        promote=not no_promote,
        use_ledger=not no_ledger_decisions,
        say=lambda m: click.echo(m, err=True),
    )
    for line in describe(result.card):
        click.echo(line)
    mid = result.model.model_id
    if result.promoted:
        click.echo(f"结论：新模型 {mid} 已设为当前模型。")
    elif not result.passed:
        click.echo(
            f"结论：新模型 {mid} 未设为当前模型（已保存）。原因：{'；'.join(result.reasons)}。"
            f"如确需使用：screening model promote {mid} --force；"
            "查看比较：screening model show " + mid
        )
    else:
        click.echo(
            f"结论：新模型 {mid} 通过晋级检查，已保存（--no-promote，未设为当前模型）。"
            f"启用：screening model promote {mid}"
        )


@model_group.command("list")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    """列出已训练的筛查模型（★ 为当前模型）。"""
    from ..learning import store

    models = store.list_models(get_settings(ctx))
    if not models:
        click.echo("尚无已训练的筛查模型。首次筛查时会自动训练，也可运行 screening model retrain。")
    for card in models:
        click.echo(_card_line(card))


HIDDEN = ("features", "training_case_ids")


@model_group.command("show")
@click.argument("model_id", required=False)
@format_option("text", "json", help="text：评估与比较摘要；json：完整的模型卡片。")
@click.pass_context
def show_cmd(ctx: click.Context, model_id: str | None, fmt: str) -> None:
    """显示一个筛查模型的模型卡片（默认当前模型），包括与当时的当前模型的比较。"""
    import json

    from ..errors import ModelError
    from ..learning import store
    from ..learning.report import describe

    settings = get_settings(ctx)
    model_id = model_id or store.current_id(settings)
    if model_id is None:
        raise ModelError(detail="尚无当前模型。运行 `screening model retrain` 训练。")
    entry = next((m for m in store.list_models(settings) if m.model_id == model_id), None)
    if entry is None:
        raise ModelError(detail=f"没有编号为 {model_id} 的模型。运行 `screening model list` 查看。")
    if entry.damaged or entry.card is None:
        raise ModelError(
            detail=f"模型 {model_id} 已损坏（{entry.damaged}）。"
            "请运行 `screening model rollback` 回到上一版本，"
            "或 `screening model retrain` 重新训练。"
        )
    card = entry.card
    if fmt == "json":
        shown = {k: v for k, v in card.to_dict().items() if k not in HIDDEN}
        shown["current"] = entry.current
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2, sort_keys=True))
        return
    click.echo(("★ 当前模型  " if entry.current else "") + f"策略 {card.strategy}")
    for line in describe(card):
        click.echo(line)
    click.echo(f"  阈值规则：{card.threshold_rule or '—'}")
    click.echo(f"  合规样本（负例）取样：{card.negative_sampling or '—'}")
    click.echo(
        f"  训练集交叉验证：召回 {card.oof_recall:.3f}，"
        f"法规条款误报率 {card.oof_false_alarm_rate_regulations or 0:.4f}"
    )
    if card.cascade is not None:
        c = card.cascade
        figures = [f"阈值 {c.threshold}"] if c.threshold is not None else []
        if c.oof_miss is not None:
            figures.append(f"交叉验证中漏过完整模型报出的违规样本 {c.oof_miss:.2%}")
        if c.oof_pass_rate_regulations is not None:
            figures.append(f"放过训练用法规条款 {c.oof_pass_rate_regulations:.0%}")
        click.echo(f"  第 2a 级：{c.rule}（{'，'.join(figures)}）")
    click.echo(
        "  软件版本："
        + "，".join(f"{k} {v}" for k, v in sorted(card.versions.items()))
        + f"，嵌入模型 {'+'.join(card.embedders)}"
    )
    click.echo("完整卡片：screening model show " + str(model_id) + " --format json")


@model_group.command("promote")
@click.argument("model_id")
@click.option("--force", is_flag=True, help="即使该模型在重新训练时未通过晋级检查也设为当前模型。")
@click.pass_context
def promote_cmd(ctx: click.Context, model_id: str, force: bool) -> None:
    """把指定模型设为当前模型。"""
    from ..learning import store

    settings = get_settings(ctx)
    refusal = store.gate_refusal(store.read_card(settings, model_id))
    store.promote(settings, model_id, force=force)
    if refusal:
        click.echo(f"当前模型：{model_id}（强制启用；该模型曾未通过晋级检查：{refusal}）。")
    else:
        click.echo(f"当前模型：{model_id}。")


@model_group.command("rollback")
@click.pass_context
def rollback_cmd(ctx: click.Context) -> None:
    """回到上一个当前模型。"""
    from ..learning import store

    model_id = store.rollback(get_settings(ctx))
    click.echo(f"已回退，当前模型：{model_id}。")
