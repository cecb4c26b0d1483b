"""``screening model …``: build and list the embedding models (later: classifiers)."""

from __future__ import annotations

import click

from ..embed import REGISTRY, get_spec
from . import get_settings

# Embedders that have an on-disk cache to build; the others need no build step.
BUILDABLE = {"e5-small.v1"}


@click.group("model")
def model_group() -> None:
    """管理模型：构建嵌入模型缓存、查看可用模型。"""


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
