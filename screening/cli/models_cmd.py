"""``screening model …``: embedding-model caches and the screening models (train, list, promote)."""

from __future__ import annotations

import click

from ..embed import REGISTRY, get_spec
from . import get_settings

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


def _card_line(card: dict) -> str:
    mark = "★" if card.get("current") else " "
    fa = card.get("oof_false_alarm_rate_regulations")
    return (
        f"{mark} {card.get('model_id')}  阈值 {card.get('threshold', 0):.4f}  "
        f"训练集交叉验证召回 {card.get('oof_recall', 0):.3f}  "
        f"法规误报率 {fa if fa is not None else '-'}  "
        f"案例 {card.get('data', {}).get('cases', '-')} 个"
    )


@model_group.command("retrain")
@click.option(
    "--seed", default=0, show_default=True, help="随机种子（相同数据和种子得到相同模型）。"
)
@click.option("--no-promote", is_flag=True, help="只训练和保存，不设为当前模型。")
@click.pass_context
def retrain_cmd(ctx: click.Context, seed: int, no_promote: bool) -> None:
    """根据知识库（通报案例、合规文本）重新训练筛查模型并设为当前模型。"""
    from ..screen import store
    from ..screen.model import train

    settings = get_settings(ctx)
    click.echo("正在训练筛查模型（首次需计算全部样本的嵌入，约 3–6 分钟）……", err=True)
    model = train(settings, seed=seed)
    store.save(settings, model)
    if not no_promote:
        store.promote(settings, model.model_id)
    card = model.card
    click.echo(
        f"模型 {model.model_id}：阈值 {model.threshold:.4f}，"
        f"训练集交叉验证召回 {card['oof_recall']:.3f}，"
        f"推定合规法规条款误报率 {card['oof_false_alarm_rate_regulations']:.4f}，"
        f"用时 {card['train_seconds']} 秒" + ("。" if no_promote else "，已设为当前模型。")
    )


@model_group.command("list")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    """列出已训练的筛查模型（★ 为当前模型）。"""
    from ..screen import store

    models = store.list_models(get_settings(ctx))
    if not models:
        click.echo("尚无已训练的筛查模型。首次筛查时会自动训练，也可运行 screening model retrain。")
    for card in models:
        click.echo(_card_line(card))


@model_group.command("show")
@click.argument("model_id", required=False)
@click.pass_context
def show_cmd(ctx: click.Context, model_id: str | None) -> None:
    """显示一个筛查模型的模型卡片（默认当前模型）。"""
    import json

    from ..errors import ModelError
    from ..screen import store

    settings = get_settings(ctx)
    model_id = model_id or store.current_id(settings)
    card = next((c for c in store.list_models(settings) if c.get("model_id") == model_id), None)
    if card is None:
        raise ModelError(detail=f"没有编号为 {model_id} 的模型。运行 `screening model list` 查看。")
    card.pop("features", None)
    click.echo(json.dumps(card, ensure_ascii=False, indent=2, sort_keys=True))


@model_group.command("promote")
@click.argument("model_id")
@click.pass_context
def promote_cmd(ctx: click.Context, model_id: str) -> None:
    """把指定模型设为当前模型。"""
    from ..screen import store

    store.promote(get_settings(ctx), model_id)
    click.echo(f"当前模型：{model_id}。")


@model_group.command("rollback")
@click.pass_context
def rollback_cmd(ctx: click.Context) -> None:
    """回到上一个当前模型。"""
    from ..screen import store

    model_id = store.rollback(get_settings(ctx))
    click.echo(f"已回退，当前模型：{model_id}。")
