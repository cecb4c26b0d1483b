"""``screening parse`` and ``screening segment``: read documents and split them into clauses."""

from __future__ import annotations

import json
from collections.abc import Iterable

import click

from ..parse import parse_many
from ..segment import segment
from ..types import Document, Failure
from . import get_settings, shown

FORMAT_CHOICE = click.Choice(["table", "json", "jsonl"])


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _report_failure(f: Failure) -> None:
    click.echo(f"无法读取：{shown(f.message)}", err=True)


def _finish(n_ok: int, failures: list[Failure], extra: str = "", quiet: bool = False) -> None:
    if not quiet:
        msg = f"共 {n_ok + len(failures)} 个文件：成功 {n_ok} 个，失败 {len(failures)} 个{extra}。"
        click.echo(msg, err=True)
    if failures and n_ok == 0:
        raise click.exceptions.Exit(1)


def _doc_summary(doc: Document, n_clauses: int | None = None) -> str:
    m = doc.metadata
    parts = [
        f"{shown(doc.path)}",
        f"  格式 {doc.format}"
        + (f"，{doc.pages} 页" if doc.pages else "")
        + f"，{len(doc.text)} 字，{len(doc.blocks)} 段，{len(doc.tables)} 个表格"
        + (f"，{n_clauses} 条条款" if n_clauses is not None else ""),
    ]
    for label, value in (
        ("标题", m.title),
        ("文号", m.doc_number),
        ("发文机关", m.issuer),
        ("成文日期", m.date),
    ):
        if value:
            parts.append(f"  {label}：{value}")
    parts.extend(f"  提示：{w}" for w in doc.warnings)
    return "\n".join(parts)


def _documents(paths: Iterable[str], ctx: click.Context) -> Iterable[Document | Failure]:
    return parse_many(paths, get_settings(ctx))


@click.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=FORMAT_CHOICE,
    default="table",
    show_default=True,
    help="输出格式：table 为摘要，json/jsonl 为完整解析结果（含全文、段落、表格、元数据）。",
)
@click.option("--text", "show_text", is_flag=True, help="table 格式下同时输出全文。")
@click.pass_context
def parse_cmd(ctx: click.Context, paths: tuple[str, ...], fmt: str, show_text: bool) -> None:
    """解析文件（或文件夹，递归）并输出文本与元数据。

    按文件内容识别格式（不只看扩展名），支持 DOCX、PDF、OFD、TXT、Markdown、HTML，
    安装 LibreOffice 后还支持 DOC、WPS。无法读取的文件在标准错误输出中列出原因，
    其余文件继续处理；全部文件都无法读取时退出码为 1。
    """
    n_ok, failures, docs = 0, [], []
    for item in _documents(paths, ctx):
        if isinstance(item, Failure):
            failures.append(item)
            _report_failure(item)
            continue
        n_ok += 1
        if fmt == "jsonl":
            click.echo(item.to_json())
        elif fmt == "json":
            docs.append(item.to_dict())
        else:
            click.echo(_doc_summary(item))
            if show_text:
                click.echo(item.text)
    if fmt == "json":
        click.echo(_dumps({"documents": docs, "failures": [f.to_dict() for f in failures]}))
    _finish(n_ok, failures)


@click.command("segment")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "summary", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="输出格式：table 逐条列出条款；summary 每个文件一段摘要；jsonl 每行一条条款。",
)
@click.pass_context
def segment_cmd(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> None:
    """把文件切分为条款，给出每条的字符位置、页码和条款路径（如 第三条/（二））。

    jsonl 格式每行一个 JSON 对象：path、doc_sha256、index、text、start、end、page、
    article_path、kind；start/end 是条款在解析全文中的字符位置。
    """
    n_ok, n_clauses, failures, out = 0, 0, [], []
    for item in _documents(paths, ctx):
        if isinstance(item, Failure):
            failures.append(item)
            _report_failure(item)
            continue
        n_ok += 1
        clauses = segment(item)
        n_clauses += len(clauses)
        if fmt in ("jsonl", "json"):
            rows = [{"path": item.path, "doc_sha256": item.sha256, **c.to_dict()} for c in clauses]
            if fmt == "jsonl":
                for row in rows:
                    click.echo(_dumps(row))
            else:
                out.extend(rows)
        elif fmt == "summary":
            click.echo(_doc_summary(item, len(clauses)))
        else:
            click.echo(_doc_summary(item, len(clauses)))
            for c in clauses:
                where = f"第{c.page}页 " if c.page else ""
                path = f"{c.article_path} " if c.article_path else ""
                click.echo(f"  [{c.index}] {where}{path}| {c.text}")
    if fmt == "json":
        click.echo(_dumps({"clauses": out, "failures": [f.to_dict() for f in failures]}))
    _finish(n_ok, failures, f"，共切分 {n_clauses} 条条款")


COMMANDS = [parse_cmd, segment_cmd]
