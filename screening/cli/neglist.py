"""``screening list …``: import, inspect, diff and export market-access negative-list editions."""

from __future__ import annotations

import json

import click

from ..neglist import (
    NO_EDITION_MESSAGE,
    current_edition,
    diff_editions,
    export_edition,
    format_diff,
    import_edition,
    list_editions,
    negative_list_status,
)
from ..neglist.editions import IMPORTED, REPLACED, UNCHANGED, ImportOutcome
from ..neglist.export import FORMATS
from ..neglist.model import count_items
from . import format_option, get_settings


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1)


@click.group("list")
def list_group() -> None:
    """市场准入负面清单：导入官方清单表格、查看、版本对比、导出公开。"""


def _counts_line(c: dict[str, int]) -> str:
    return (
        f"{c['items']} 项事项（禁止准入类 {c['prohibited']} 项、许可准入类 {c['permitted']} 项），"
        f"全国性措施 {c['national_measures']} 条，地方性措施 {c['local_measures']} 条"
    )


def _print_outcome(o: ImportOutcome, dry_run: bool) -> None:
    ed = o.edition
    if o.status == UNCHANGED:
        click.echo(f"清单版本“{ed.key}”已由同一文件（SHA-256 相同）导入，内容未变，未做任何修改。")
        return
    verb = {IMPORTED: "已导入", REPLACED: "已替换"}[o.status]
    if dry_run:
        verb = "试运行（未写入）："
    click.echo(f"{verb}清单版本“{ed.key}”：{ed.name}")
    click.echo(f"  文号：{ed.doc_no or '（未记录）'}；发布日期：{ed.published or '（未记录）'}")
    click.echo(f"  读到 {_counts_line(count_items(o.items))}")
    if o.expected:
        exp = "、".join(f"{k}={v}" for k, v in o.expected.items())
        click.echo(f"  公布数（核对用）：{exp}")
    else:
        click.echo("  未找到该版本的公布数，未核对事项和措施数量。")
    for issue in o.issues:
        where = f"（{issue.locator}）" if issue.locator else ""
        click.echo(f"  [{issue.level}] {issue.message}{where}")
    for p in o.problems:
        click.echo(f"  [未读取] {p['locator']}：{p['message']}")
    for note in o.notes:
        click.echo(f"  [说明] {note}")
    if not (o.issues or o.problems):
        click.echo("  校验通过：事项编码均为 6 位数字，项目号连续。")
    if o.path:
        click.echo(f"  保存位置：{o.path}")


@list_group.command("import")
@click.argument("file", type=click.Path())
@click.option(
    "--edition", required=True, help="版本名，例如 2025（用作目录名，并据此核对公布的事项数）。"
)
@click.option("--replace", is_flag=True, help="该版本已用另一文件导入时，用本文件替换。")
@click.option("--name", default=None, help="清单名称；默认取文件中的标题。")
@click.option(
    "--doc-no", default=None, help="文号，例如 发改体改规〔2025〕466号；默认取已知版本信息。"
)
@click.option(
    "--date", "published", default=None, help="发布日期（YYYY-MM-DD）；默认取已知版本信息。"
)
@click.option("--dry-run", is_flag=True, help="只读取和校验，不写入。")
@click.option("--strict", is_flag=True, help="校验有“错误”时退出码为 1（仍会保存，便于查看报告）。")
@format_option("text", "json")
@click.pass_context
def import_cmd(
    ctx: click.Context,
    file: str,
    edition: str,
    replace: bool,
    name: str | None,
    doc_no: str | None,
    published: str | None,
    dry_run: bool,
    strict: bool,
    fmt: str,
) -> None:
    """导入官方发布的市场准入负面清单表格（PDF、DOCX、XLSX、CSV）。

    表格列为：项目号、禁止或许可事项、事项编码、禁止或许可准入措施描述、主管部门、地方性许可措施；
    跨行、跨页的事项会合并，“一、禁止准入类”“二、许可准入类”分节行确定类别。导入后校验事项编码、
    项目号连续性和公布的事项数，并报告未能读取的内容。同一文件重复导入不做修改。
    """
    settings = get_settings(ctx)
    o = import_edition(
        settings.corpus,
        file,
        edition,
        replace=replace,
        name=name,
        doc_no=doc_no,
        published=published,
        dry_run=dry_run,
    )
    if fmt == "json":
        click.echo(_dumps(o.to_dict()))
    else:
        _print_outcome(o, dry_run)
    if strict and o.errors:
        raise click.exceptions.Exit(1)


@list_group.command("editions")
@format_option("text", "json")
@click.pass_context
def editions_cmd(ctx: click.Context, fmt: str) -> None:
    """列出已导入的清单版本。"""
    corpus = get_settings(ctx).corpus
    eds = list_editions(corpus)
    if fmt == "json":
        click.echo(
            _dumps(
                {
                    "status": negative_list_status(corpus).to_dict(),
                    "editions": [e.to_dict() for e in eds],
                }
            )
        )
        return
    if not eds:
        click.echo(NO_EDITION_MESSAGE)
        return
    for i, e in enumerate(eds):
        mark = "（当前使用）" if i == 0 else ""
        click.echo(
            f"{e.key}{mark}：{e.name}；文号 {e.doc_no or '未记录'}；发布 {e.published or '未记录'}"
        )
        if e.counts:
            click.echo(f"  {_counts_line(e.counts)}")
        if e.source:
            click.echo(
                f"  来源文件：{e.source.file_name}（SHA-256 {e.source.sha256[:12]}…，导入于 "
                f"{e.source.imported_at}）"
            )


@list_group.command("show")
@click.option("--edition", default=None, help="版本名；默认为发布日期最新的版本。")
@click.option(
    "--item", "query", default=None, help="只显示项目号、事项编码或名称包含该文字的事项。"
)
@format_option("text", "json")
@click.pass_context
def show_cmd(ctx: click.Context, edition: str | None, query: str | None, fmt: str) -> None:
    """显示某一清单版本的事项和措施。"""
    corpus = get_settings(ctx).corpus
    if edition is None and not negative_list_status(corpus).available:
        click.echo(NO_EDITION_MESSAGE)
        return
    ed, items = current_edition(corpus, edition)
    if query:
        items = [i for i in items if query in (str(i.item_no), i.code) or query in i.name]
    if fmt == "json":
        click.echo(_dumps({"edition": ed.to_dict(), "items": [i.to_dict() for i in items]}))
        return
    click.echo(
        f"{ed.name}（版本 {ed.key}；文号 {ed.doc_no or '未记录'}；发布 {ed.published or '未记录'}）"
    )
    for it in items:
        click.echo(f"{it.item_no}. [{it.category or '类别未知'}] {it.name}（{it.code}）")
        for m in it.measures:
            dept = f"【{m.departments}】" if m.departments else ""
            click.echo(f"    - {m.text}{dept}")
        for x in it.local_measures:
            click.echo(f"    · 地方性：{x}")


@list_group.command("diff")
@click.argument("old")
@click.argument("new")
@format_option("text", "json")
@click.pass_context
def diff_cmd(ctx: click.Context, old: str, new: str, fmt: str) -> None:
    """对比两个已导入版本：新增、删除、修改的事项和措施（按事项编码匹配，无编码时按名称）。"""
    d = diff_editions(get_settings(ctx).corpus, old, new)
    if fmt == "json":
        click.echo(_dumps({**d.to_dict(), "summary": d.summary}))
    else:
        click.echo(format_diff(d))


@list_group.command("export")
@click.option("--edition", default=None, help="版本名；默认为发布日期最新的版本。")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="导出格式。")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="输出文件路径。")
@click.pass_context
def export_cmd(ctx: click.Context, edition: str | None, fmt: str, out: str) -> None:
    """导出清单供门户网站公开：中文表头、清单名称、文号、日期和来源文件说明（HTML 为单一文件）。"""
    ed, items = current_edition(get_settings(ctx).corpus, edition)
    path = export_edition(ed, items, fmt, out)
    click.echo(f"已导出清单版本“{ed.key}”（{len(items)} 项事项）到 {path}")


COMMANDS = [list_group]
