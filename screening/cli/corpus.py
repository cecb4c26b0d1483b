"""``screening standards`` / ``cases`` / ``corpus``: browse and build the knowledge corpus."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..config import SOURCE_ROOT
from ..corpus import store
from ..corpus.citations import int_to_cn
from ..corpus.schema import CLASSES_1670, Case, Standard
from ..corpus.tender import is_zb, zb_for_fcr
from ..errors import CorpusBuilderMissingError, CorpusMissingError, UnknownStandardError
from . import get_settings

FORMAT = click.Choice(["table", "json"])
KIND_LABEL = {"standard": "审查标准", "exception": "例外情形", "definition": "定义"}


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1)


def _short(text: str | None, width: int = 40) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _corpus(ctx: click.Context) -> Path:
    return Path(get_settings(ctx).corpus)


# --- standards -------------------------------------------------------------------------------


@click.group("standards")
def standards_group() -> None:
    """审查标准：《公平竞争审查条例实施办法》第九条至第二十四条（编号 FCR-条-项）和
    《招标投标领域公平竞争审查规则》第五条至第十一条（编号 ZB-条-项）。"""


@standards_group.command("list")
@click.option(
    "--kind",
    type=click.Choice(["standard", "exception", "definition", "all"]),
    default="standard",
    show_default=True,
    help="记录类型：standard 审查标准，exception 例外情形，definition 定义，all 全部。",
)
@click.option(
    "--set",
    "std_set",
    type=click.Choice(["FCR", "ZB", "all"], case_sensitive=False),
    default="all",
    show_default=True,
    help="标准体系：FCR《实施办法》，ZB《招标投标领域公平竞争审查规则》，all 两者。",
)
@click.option("--family", default=None, help="只列出某一类标准，如“影响生产经营成本”“保证金”。")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True, help="输出格式。")
@click.pass_context
def standards_list(
    ctx: click.Context, kind: str, std_set: str, family: str | None, fmt: str
) -> None:
    """列出审查标准（编号、类别、条文摘要）。"""
    rows = store.load_standards(_corpus(ctx), kind=None if kind == "all" else kind)
    if std_set.upper() != "ALL":
        rows = [s for s in rows if s.code.startswith(std_set.upper() + "-")]
    if family:
        rows = [s for s in rows if s.family and family in s.family]
    if fmt == "json":
        click.echo(_dumps([s.to_dict() for s in rows]))
        return
    for s in rows:
        label = s.family or ("兜底条款" if s.kind == "standard" else KIND_LABEL[s.kind])
        click.echo(f"{s.code:<11} {label:<12} {_short(s.text)}")
    click.echo(f"共 {len(rows)} 条。查看详情：screening standards show 编号", err=True)


def _standard_lines(s: Standard) -> list[str]:
    lines = [f"编号：{s.code}（{KIND_LABEL.get(s.kind, s.kind)}）"]
    if s.family:
        lines.append(f"类别：{s.family}")
    elif s.code == "FCR-24":
        lines.append("类别：兜底条款（适用于四类审查标准）")
    where = f"《{s.law}》第{int_to_cn(s.article)}条" + (
        f"第（{int_to_cn(s.item)}）项" if s.item else ""
    )
    lines.append(f"条文：{where}")
    if s.tiaoli_ref:
        lines.append(f"对应《公平竞争审查条例》：{s.tiaoli_ref}　{s.tiaoli_text}")
    if is_zb(s.code):
        lines.append(f"对应《实施办法》：{'、'.join(s.related) if s.related else '无专门项'}")
    elif zb_for_fcr(s.code):
        lines.append(f"对应《招标投标领域公平竞争审查规则》：{'、'.join(zb_for_fcr(s.code))}")
    if s.chapeau:
        lines.append(f"引语：{s.chapeau}")
    lines.append(f"内容：{s.text}")
    if s.note and not is_zb(s.code):
        lines.append(f"说明：{s.note}")
    elif s.note:
        lines.append(f"说明：{s.note.split('（', 1)[-1].rstrip('）')}")
    p = s.provenance
    lines.append(f"来源：corpus/laws/{s.law_file}（原始资料 {p.source}，{p.locator}）")
    return lines


@standards_group.command("show")
@click.argument("code")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True, help="输出格式。")
@click.pass_context
def standards_show(ctx: click.Context, code: str, fmt: str) -> None:
    """显示一条标准的完整原文，如 screening standards show FCR-14-3 或 ZB-10-3；FCR-19、ZB-10
    显示整条各项。"""
    corpus = _corpus(ctx)
    try:
        items, is_article = [store.get_standard(corpus, code)], False
    except UnknownStandardError:
        if not re.fullmatch(r"(FCR|ZB)-\d+", code.strip().upper()):
            raise
        items, is_article = store.get_article(corpus, code), True
    if fmt == "json":
        click.echo(_dumps([s.to_dict() for s in items] if is_article else items[0].to_dict()))
        return
    for n, s in enumerate(items):
        if n:
            click.echo("")
        click.echo("\n".join(_standard_lines(s)))


# --- cases -----------------------------------------------------------------------------------


@click.group("cases")
def cases_group() -> None:
    """通报案例库：国家发展改革委、市场监管总局和各地通报的违规案例。"""


@cases_group.command("list")
@click.option("--source", default=None, help="来源：NDRC、SAMR、provincial、other。")
@click.option(
    "--class", "class_1670", type=click.Choice(CLASSES_1670), default=None, help="1670号分类。"
)
@click.option("--standard", default=None, help="审查标准编号，如 FCR-19（含各项）或 FCR-19-4。")
@click.option("--year", type=int, default=None, help="通报年份，如 2023。")
@click.option(
    "--limit", type=int, default=50, show_default=True, help="最多列出多少条（0 为不限）。"
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="输出格式。",
)
@click.pass_context
def cases_list(
    ctx: click.Context,
    source: str | None,
    class_1670: str | None,
    standard: str | None,
    year: int | None,
    limit: int,
    fmt: str,
) -> None:
    """列出案例，可按来源、分类、标准编号、年份筛选。"""
    cases = store.filter_cases(
        store.load_cases(_corpus(ctx)),
        source=source,
        class_1670=class_1670,
        standard=standard,
        year=year,
    )
    shown = cases[:limit] if limit > 0 else cases
    if fmt == "json":
        click.echo(_dumps([c.to_dict() for c in shown]))
    elif fmt == "jsonl":
        for c in shown:
            click.echo(c.to_json())
    else:
        for c in shown:
            codes = ",".join(c.standards) or "-"
            click.echo(
                f"{c.id:<16} {c.source:<10} {c.date or '-':<10} {codes:<18} "
                f"{_short(c.title or c.description, 36)}"
            )
    click.echo(f"符合条件的案例 {len(cases)} 个，显示 {len(shown)} 个。", err=True)


def _case_lines(c: Case) -> list[str]:
    fields: list[tuple[str, Any]] = [
        ("编号", c.id),
        ("来源", c.source),
        ("通报", c.notice_title),
        ("批次", c.batch),
        ("日期", c.date),
        ("地区", c.region),
        ("行业", c.sector),
        ("标题", c.title),
        ("1670号分类", c.class_1670),
        ("细分", c.subtype),
        ("审查标准", "、".join(c.standards) or None),
        ("标准依据", c.standards_basis),
        ("原文引用的依据", c.legal_basis_raw),
        ("涉案文件", c.document_name),
        ("制发单位", c.document_issuer),
        ("案情", c.description),
        ("违规原文", "\n  ".join(f"“{t}”" for t in c.offending_text) or None),
        ("整改", c.rectification),
        ("关联案例组", c.group_id),
        ("关联案例", "、".join(c.related_case_ids) or None),
        ("文本可信度", c.fidelity),
        ("出处", f"{c.provenance.source}（{c.provenance.locator}）"),
    ]
    return [f"{k}：{v}" for k, v in fields if v]


@cases_group.command("show")
@click.argument("case_id")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True, help="输出格式。")
@click.pass_context
def cases_show(ctx: click.Context, case_id: str, fmt: str) -> None:
    """显示一个案例的全部内容。"""
    case = store.get_case(_corpus(ctx), case_id)
    click.echo(_dumps(case.to_dict()) if fmt == "json" else "\n".join(_case_lines(case)))


@cases_group.command("stats")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True, help="输出格式。")
@click.pass_context
def cases_stats(ctx: click.Context, fmt: str) -> None:
    """按来源、1670号分类、审查标准、年份统计案例数量。"""
    stats = store.case_stats(store.load_cases(_corpus(ctx)))
    if fmt == "json":
        click.echo(_dumps(stats))
        return
    for section, counts in stats.items():
        click.echo(f"{section}：")
        for k, v in counts.items():
            click.echo(f"  {k:<20} {v}")


# --- corpus ----------------------------------------------------------------------------------


BUILDER_PACKAGE = "tools.corpus_build"


def _builder() -> Callable[[str | Path, str | Path], dict[str, Any]]:
    """``build_corpus`` of the source checkout's build-time package (``tools/corpus_build``).

    The builder is not part of the installed package: it is imported here, lazily, from the
    checkout beside ``screening/``; an installed wheel has none and gets a clear message.
    """
    added = BUILDER_PACKAGE not in sys.modules
    if added:
        if not (SOURCE_ROOT / "tools" / "corpus_build" / "__init__.py").is_file():
            raise CorpusBuilderMissingError()
        sys.path.insert(0, str(SOURCE_ROOT))
    try:
        from tools.corpus_build import build_corpus
    except ModuleNotFoundError as err:
        if err.name not in ("tools", BUILDER_PACKAGE):
            raise
        raise CorpusBuilderMissingError() from err
    finally:
        if added:
            sys.path.remove(str(SOURCE_ROOT))
    return build_corpus


@click.group("corpus")
def corpus_group() -> None:
    """知识库的生成与检查。"""


@corpus_group.command("build")
@click.option(
    "--shared",
    required=True,
    type=click.Path(file_okay=False),
    help="开发用共享资料目录 shared/（含 reference/ 和 cases/）。",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(file_okay=False),
    help="输出目录；默认为当前知识库目录（--corpus）。",
)
@click.pass_context
def corpus_build(ctx: click.Context, shared: str, out: str | None) -> None:
    """从 shared/ 重新生成知识库（结果可复现，逐字节一致）。"""
    target = Path(out) if out else _corpus(ctx)
    manifest = _builder()(shared, target)
    counts = manifest["counts"]
    click.echo(f"知识库已生成：{target}")
    click.echo(
        f"  审查标准等 {counts['standards']} 条，案例 {counts['cases']} 个，"
        f"答疑 {counts['guidance']} 条，法规文本 {counts['laws']} 个，"
        f"细则对照 {counts['xize2021_map_rows']} 行。"
    )


@corpus_group.command("info")
@click.pass_context
def corpus_info(ctx: click.Context) -> None:
    """显示知识库目录、构建器版本和各类数量（读取 MANIFEST.json）。"""
    path = _corpus(ctx) / "MANIFEST.json"
    if not path.is_file():
        raise CorpusMissingError(str(path))
    manifest = json.loads(path.read_text(encoding="utf-8"))
    click.echo(f"知识库：{_corpus(ctx)}")
    click.echo(f"构建器版本：{manifest['builder_version']}")
    for k, v in manifest["counts"].items():
        click.echo(f"  {k:<20} {v}")


COMMANDS = [standards_group, cases_group, corpus_group]

from .cases_import import import_cmd  # noqa: E402 - the notice importer (its own module)

cases_group.add_command(import_cmd)
