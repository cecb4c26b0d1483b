"""``screening publish``: the county portal pages (信息公开) as a static website folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from sqlite_utils import Database

from ..ledger.workdays import parse_date
from ..localnames import LocalNames
from ..publish import Published, publish_portal
from ..reports import parse_period
from ._common import case_ids, get_settings, ledger_db, shown


@click.command("publish")
@click.option(
    "--out",
    required=True,
    type=click.Path(),
    help="网站文件夹：写入 index.html、各栏目页面、style.css、各表格的 XLSX 和 publish.json。"
    "须为空文件夹、新文件夹或此前发布过的文件夹。",
)
@click.option("--edition", default=None, help="公开的负面清单版本；默认最新导入的版本。")
@click.option("--catalogue", default=None, help="公开的许可事项目录版本；默认当前目录。")
@click.option(
    "--cases",
    multiple=True,
    help="公示的典型案例（案件编号，须已认定违规），如 --cases 3,5,8。不填则用 --period "
    "期间内认定的案件；都不填则沿用该文件夹上次发布的案例。",
)
@click.option(
    "--period",
    default=None,
    help="公示该期间登记且已认定违规的全部案件：2025、2025Q4、2025-11。",
)
@click.option(
    "--date",
    default=None,
    metavar="YYYY-MM-DD",
    help="发布日期，记入内容有变化的栏目和变更记录。默认今天。内容没有变化时重新发布，"
    "文件逐字节不变。",
)
@click.option("--force", is_flag=True, help="文件夹中已有其他文件（不是此前发布的网站）时仍写入。")
@click.pass_context
def publish_cmd(
    ctx: click.Context,
    out: str,
    edition: str | None,
    catalogue: str | None,
    cases: tuple[str, ...],
    period: str | None,
    date: str | None,
    force: bool,
) -> None:
    """生成信息公开网页（静态网站）：负面清单、许可事项目录、变更记录、典型案例。

    \b
    页面不含脚本、不引用外部资源，可直接拷贝到门户网站；每个表格另附 XLSX。
    投诉举报人姓名、联系方式等个人信息不会写入任何页面或表格。
    """
    settings = get_settings(ctx)
    day = parse_date(date, "发布日期") if date else dt.date.today()
    span = parse_period(period) if period else None
    names = LocalNames.from_settings(settings)
    ids = case_ids(cases, required=False) if cases else None

    def run(db: Database | None) -> Published:
        return publish_portal(
            db,
            settings.corpus,
            out,
            date=day,
            names=names,
            case_ids=ids,
            period=span,
            edition=edition,
            catalogue=catalogue,
            force=force,
        )

    if Path(settings.ledger).is_file():
        with ledger_db(ctx, readonly=True) as db:
            done = run(db)
    else:
        done = run(None)
        click.echo("提示：未找到工作台账，许可事项目录和典型案例栏目为空。", err=True)
    for note in done.notes:
        click.echo(f"提示：{note}", err=True)
    click.echo(
        f"已发布到 {shown(done.out)}：写入 {len(done.written)} 个文件，"
        f"{len(done.unchanged)} 个未变，删除 {len(done.removed)} 个。"
    )
    for name in done.written:
        click.echo(f"  已写入：{shown(name)}")
    for name in done.removed:
        click.echo(f"  已删除：{shown(name)}")
    click.echo(f"{done.summary}。首页：{shown(done.out / 'index.html')}")


COMMANDS = [publish_cmd]
