"""``screening cases import``: add the cases of a newly published notice to the corpus."""

from __future__ import annotations

import json

import click

from ..corpus.notices import NoticeImport, import_notice
from . import format_option, get_settings, shown


def _print(r: NoticeImport) -> None:
    s = r.summary()
    head = "试运行（未写入）" if r.dry_run else "导入完成"
    click.echo(f"{head}：{shown(r.path)}")
    if r.notice_title:
        click.echo(f"  通报：{r.notice_title}")
    n_dup = sum(1 for k in r.skipped if k.code.startswith("duplicate"))
    click.echo(
        f"  识别案例 {s['cases'] + n_dup} 个："
        f"新案例 {s['cases']} 个，其中含违规原文 {s['with_offending_text']} 个、"
        f"可对应审查标准 {s['with_standards']} 个、含整改情况 {s['with_rectification']} 个；"
        f"跳过 {s['skipped']} 个。"
    )
    for c in r.cases:
        codes = "、".join(c.standards) if c.standards else "未分类"
        cls = f"；1670号类别（推断）：{c.class_1670}" if c.class_1670 else ""
        click.echo(f"  + {c.id} {c.title}（{c.region or '地区未识别'}；标准：{codes}{cls}）")
    if r.unclassified:
        click.echo(f"  未分类（无法对应到审查标准编码，已导入）{len(r.unclassified)} 个：")
        for c in r.unclassified:
            click.echo(f"    {c.id} {c.title}：{c.extra.get('unclassified_reason', '')}")
    for k in r.skipped:
        click.echo(f"  - 跳过 {k.locator}「{k.heading[:30]}」：{k.reason}")
    if not r.cases and r.skipped and all(k.code.startswith("duplicate") for k in r.skipped):
        click.echo("  该通报的案例均已在知识库中，本次未新增任何案例。")
    elif not r.dry_run:
        click.echo(f"  已写入 {r.written} 个案例到知识库 cases/imported.jsonl。")


@click.command("import")
@click.argument("file", type=click.Path())
@click.option("--dry-run", is_flag=True, help="只显示将导入的案例，不写入知识库。")
@format_option("text", "json", help='输出格式；json 输出 {"cases": [...], "skipped": [...]}。')
@click.pass_context
def import_cmd(ctx: click.Context, file: str, dry_run: bool, fmt: str) -> None:
    """从新发布的通报（PDF、DOCX、TXT、OFD、HTML 或 JSONL）导入违规案例。

    按“案例1：”“典型案例一：”“一、”“（一）”等标题拆分案例，提取地区、违规原文（引号内、
    非法规条文和文件名的文字）、引用的审查标准和处理/整改情况；与知识库已有案例及本文件内
    其他案例按内容去重。无法对应到审查标准编码的案例仍会导入，并列为“未分类”。
    """
    r = import_notice(file, get_settings(ctx), dry_run=dry_run)
    if fmt == "json":
        click.echo(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True, indent=1))
    else:
        _print(r)


COMMANDS: list[click.Command] = []  # attached to the ``cases`` group by screening/cli/corpus.py
