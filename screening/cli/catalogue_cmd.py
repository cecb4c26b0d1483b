"""``screening catalogue …``: the county's market-access permit catalogue (许可事项目录).

Import catalogue editions, show them, check them (information elements, legal basis,
duplicates, the negative list) and list the items a change of the negative list touches.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from ..catalogue.importer import parse_mapping
from ..catalogue.model import FIELD_LABELS, LEVELS, PROBLEMS, CatalogueEdition, PermitItem, Problem
from ..catalogue.storage import (
    UNCHANGED,
    ImportResult,
    import_catalogue,
    list_catalogues,
    load_catalogue,
)
from ..errors import CatalogueNotFoundError, CatalogueOptionError
from ._common import dumps, format_option, get_settings, ledger_db, operator_name, operator_option

CASE_SOURCES = ("自查", "效能评估")
source_option = click.option(
    "--source",
    type=click.Choice(CASE_SOURCES),
    default="自查",
    show_default=True,
    help="--open-cases 建立的案件来源：部门自查，或发展改革局组织的效能评估。",
)
EMBEDDER_HELP = "事项与清单匹配所用的嵌入模型（默认 use-m.v1，随软件安装、无需联网）。"


@click.group("catalogue")
def catalogue_group() -> None:
    """市场准入许可事项目录：导入本地目录、查看、核查（信息要素、设立依据、重复、对照负面清单）、
    清单调整影响。"""


def _print_import(r: ImportResult) -> None:
    ed = r.edition
    if r.status == UNCHANGED:
        click.echo(
            f"该文件（SHA-256 相同）已导入为目录“{ed.label}”（{ed.imported_at}），"
            f"共 {ed.item_count} 项事项，未做任何修改。"
        )
        return
    depts = len({i.department for i in r.items if i.department})
    click.echo(
        f"已导入许可事项目录“{ed.label}”（{ed.level}级，{ed.as_of}）：读到 {len(r.items)} 项事项，"
        f"涉及 {depts} 个主管部门；{len(r.bad_rows)} 行未读取。"
    )
    if r.mapping:
        cols = "、".join(f"{FIELD_LABELS.get(k, k)}←“{v}”" for k, v in r.mapping.items())
        click.echo(f"  列对应：{cols}")
    for title in r.sheet_titles:
        click.echo(f"  表格标题：{title}")
    for row, reason in r.bad_rows:
        click.echo(f"  [未读取] 第 {row} 行：{reason}")
    for note in r.notes:
        click.echo(f"  [说明] {note}")
    click.echo(f"  核查：screening catalogue check --catalogue {ed.label}")


@catalogue_group.command("import")
@click.argument("file", type=click.Path())
@click.option(
    "--level", required=True, type=click.Choice(LEVELS), help="目录层级：县、市或省级目录。"
)
@click.option("--as-of", "as_of", required=True, help="目录公布或施行的日期，例如 2026-01-01。")
@click.option(
    "--edition",
    "label",
    default=None,
    help="目录版本名；默认为“层级级-日期”，例如 县级-2026-01-01。",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    help="补充列名对应关系，可多次使用，如 --map 行政许可事项=事项名称。可用字段："
    + "、".join(FIELD_LABELS.values())
    + "。也可在配置文件的 catalogue_columns 中设置。",
)
@format_option("text", "json")
@click.pass_context
def import_cmd(
    ctx: click.Context,
    file: str,
    level: str,
    as_of: str,
    label: str | None,
    mapping: tuple[str, ...],
    fmt: str,
) -> None:
    """导入本地市场准入许可事项目录（XLSX、XLS、CSV 或 Word 表格）。

    在前几行中找表头（标题行可在表头之上），列名如事项名称、子项、设立依据、实施机关/主管部门、
    审批层级、审批流程、申请材料、批准条件、办理时限、收费；合并单元格按所跨的行和列填充。
    事项名称为空的行逐行说明原因，其余照常导入。各版本并存；同一文件再次导入不做修改。
    """
    settings = get_settings(ctx)
    columns = parse_mapping(settings.catalogue_columns) | parse_mapping(mapping)
    with ledger_db(ctx) as db:
        result = import_catalogue(
            db,
            file,
            level=level,
            as_of=as_of,
            label=label,
            columns=columns,
            max_file_mb=settings.max_file_mb,
        )
    if fmt == "json":
        click.echo(dumps(result.to_dict(), indent=1))
    else:
        _print_import(result)


@catalogue_group.command("list")
@format_option("text", "json")
@click.pass_context
def list_cmd(ctx: click.Context, fmt: str) -> None:
    """列出已导入的许可事项目录版本（早的在前）。"""
    with ledger_db(ctx) as db:
        editions = list_catalogues(db)
    if fmt == "json":
        click.echo(dumps([e.to_dict() for e in editions], indent=1))
        return
    if not editions:
        click.echo(
            "尚未导入许可事项目录。导入方法：screening catalogue import 目录.xlsx --level 县 "
            "--as-of 2026-01-01"
        )
        return
    latest = max(editions, key=lambda e: (e.as_of, e.id or 0))
    for e in editions:
        mark = "（最新）" if e is latest else ""
        click.echo(
            f"{e.label}{mark}：{e.level}级，{e.as_of}，{e.item_count} 项事项；"
            f"来源文件 {e.file_name}（SHA-256 {e.sha256[:12]}…，导入于 {e.imported_at}）"
        )


def _item_line(item: PermitItem) -> str:
    row = f"第{item.row}行 " if item.row is not None else ""
    return f"{row}{item.label}【{item.department or '未填写主管部门'}】"


@catalogue_group.command("show")
@click.argument("label", required=False)
@format_option("table", "jsonl")
@click.pass_context
def show_cmd(ctx: click.Context, label: str | None, fmt: str) -> None:
    """显示一个目录版本的事项及其信息要素（默认为最新的版本）。"""
    with ledger_db(ctx) as db:
        edition, items = load_catalogue(db, label)
    if fmt == "jsonl":
        for item in items:
            click.echo(dumps(item.to_dict()))
        return
    click.echo(
        f"许可事项目录“{edition.label}”（{edition.level}级，{edition.as_of}，"
        f"{len(items)} 项事项，来源文件 {edition.file_name}）"
    )
    for item in items:
        click.echo(_item_line(item))
        for key in ("basis", "level", "process", "materials", "conditions", "time_limit", "fees"):
            value = getattr(item, key)
            shown = " ".join(value.split()) if value else "（未填写）"
            click.echo(f"    {FIELD_LABELS[key]}：{shown}")


# --- check ----------------------------------------------------------------------------------


def _resolve(
    db: Any,
    corpus: Path,
    edition: str | None,
    catalogue: str | None,
    list_edition: str | None,
) -> tuple[str | None, str | None]:
    """(catalogue label, list edition key) from --edition / --catalogue / --list-edition."""
    if edition is None:
        return catalogue, list_edition
    labels = [e.label for e in list_catalogues(db)]
    if edition in labels:
        return edition, list_edition
    from ..neglist.storage import list_edition_keys

    keys = list_edition_keys(corpus)
    if edition in keys:
        return catalogue, edition
    raise CatalogueNotFoundError(
        label=edition,
        available=("、".join(labels) or "无")
        + "；已导入的负面清单版本："
        + ("、".join(keys) or "无"),
    )


def _list_side(corpus: Path, key: str | None) -> tuple[str | None, list[Any] | None]:
    """The list edition to check against, or (None, None) with a note on stderr."""
    from ..neglist import NO_EDITION_MESSAGE, current_edition, negative_list_status

    if key is None and not negative_list_status(corpus).available:
        click.echo(
            "说明：未导入市场准入负面清单，已跳过与清单的对照（not_in_list、banned_item_granted）。"
            "软件不附带清单的 106 项事项表，" + NO_EDITION_MESSAGE.split("。", 1)[1],
            err=True,
        )
        return None, None
    ed, items = current_edition(corpus, key)
    return ed.key, items


def _cell(value: str, width: int) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _write_problems(problems: list[Problem], fmt: str, out: str | None, meta: str) -> None:
    records = [p.to_record() for p in problems]
    if fmt == "jsonl":
        text = "".join(dumps(r) + "\n" for r in records)
        if out:
            from ..tables import output_file

            with output_file(out) as path:
                path.write_text(text, encoding="utf-8")
            click.echo(f"已写入：{path}", err=True)
        else:
            sys.stdout.write(text)
        return
    if fmt == "xlsx":
        from ..tables import write_xlsx

        header = ("行号", "工作表", "主管部门", "事项名称", "问题", "说明", "审查标准", "相似度")
        rows = [
            [
                r["row"] if r["row"] is not None else "",
                r["sheet"],
                r["department"],
                r["item"],
                r["problem_label"],
                r["detail"],
                r["standard"],
                r["score"] if r["score"] is not None else "",
            ]
            for r in records
        ]
        path = write_xlsx(
            out or "目录核查结果.xlsx",
            header,
            rows,
            title="目录核查结果",
            widths=(8, 14, 18, 28, 24, 70, 10, 8),
            autofilter=True,
        )
        click.echo(f"已写入：{path}（{len(rows)} 条问题；{meta}）")
        return
    lines = [f"目录核查：{meta}"]
    for p in problems:
        row = f"第{p.item.row}行" if p.item.row is not None else "-"
        lines.append(
            f"{row}\t{_cell(p.item.department or '（未填写）', 14)}\t{_cell(p.item.label, 24)}"
            f"\t{PROBLEMS.get(p.problem, p.problem)}"
        )
        lines.append(f"\t{p.detail}")
    counts = Counter(p.problem for p in problems)
    summary = "；".join(f"{PROBLEMS[k]} {counts[k]} 条" for k in PROBLEMS if counts[k])
    lines.append(f"共 {len(problems)} 条问题" + (f"：{summary}" if summary else "。"))
    text = "\n".join(lines) + "\n"
    if out:
        from ..tables import output_file

        with output_file(out) as path:
            path.write_text(text, encoding="utf-8")
        click.echo(f"已写入：{path}")
    else:
        click.echo(text, nl=False)


@catalogue_group.command("check")
@click.option(
    "--edition",
    default=None,
    help="目录版本名或负面清单版本名：与某一目录版本同名时核查该目录，否则视为负面清单版本，"
    "用它核对最新的目录。",
)
@click.option("--catalogue", "catalogue", default=None, help="目录版本名；默认为最新的目录。")
@click.option("--list-edition", default=None, help="对照的负面清单版本；默认为最新导入的清单版本。")
@format_option("table", "jsonl", "xlsx")
@click.option(
    "-o",
    "--out",
    default=None,
    type=click.Path(dir_okay=False),
    help="写入文件（xlsx 格式默认 目录核查结果.xlsx）。",
)
@click.option(
    "--open-cases", is_flag=True, help="为每条问题在工作台账建立案件（同一问题不重复建立）。"
)
@source_option
@click.option("--embedder", default=None, help=EMBEDDER_HELP)
@operator_option
@click.pass_context
def check_cmd(
    ctx: click.Context,
    edition: str | None,
    catalogue: str | None,
    list_edition: str | None,
    fmt: str,
    out: str | None,
    open_cases: bool,
    source: str,
    embedder: str | None,
    operator: str | None,
) -> None:
    """核查许可事项目录：信息要素缺失、设立依据（仅规范性文件或无依据、政府规章设定的长期许可）、
    跨部门重复事项，以及（已导入负面清单时）与清单事项的对应和禁止准入类事项。

    --format jsonl 每行输出一个问题（item、department、problem、detail、row 等字段），
    说明文字只写到标准错误。
    """
    from ..catalogue.checks import check_catalogue

    settings = get_settings(ctx)
    with ledger_db(ctx) as db:
        label, key = _resolve(db, settings.corpus, edition, catalogue, list_edition)
        cat, items = load_catalogue(db, label)
        key, list_items = _list_side(settings.corpus, key)
        matcher = None
        if list_items is not None:
            from ..catalogue.match import ListMatcher

            matcher = ListMatcher(settings, embedder=embedder)
        problems = check_catalogue(items, list_items=list_items, matcher=matcher)
        meta = f"目录“{cat.label}”（{len(items)} 项事项）" + (
            f"，对照负面清单版本“{key}”" if key else "，未对照负面清单"
        )
        _write_problems(problems, fmt, out, meta)
        if open_cases:
            from ..catalogue.cases import open_cases as open_catalogue_cases

            ids = open_catalogue_cases(
                db, problems, operator=operator_name(ctx, operator), source=source, label=cat.label
            )
            _echo_cases(ids, len(problems), source)


def _echo_cases(ids: list[int], total: int, source: str) -> None:
    shown = "、".join(str(i) for i in ids)
    known = total - len(ids)
    click.echo(
        f"已在工作台账建立 {len(ids)} 件案件（来源“{source}”）"
        + (f"：{shown}" if ids else "")
        + (f"；{known} 条此前已建立案件，未重复建立" if known else "")
        + "。",
        err=True,
    )


# --- impact ---------------------------------------------------------------------------------


@catalogue_group.command("impact")
@click.argument("old")
@click.argument("new")
@click.option("--catalogue", "catalogue", default=None, help="目录版本名；默认为最新的目录。")
@click.option(
    "-o",
    "--out",
    default="影响清单.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="按部门分表的待办清单（XLSX）。",
)
@click.option(
    "--open-cases", is_flag=True, help="为每条待办在工作台账建立案件（同一待办不重复建立）。"
)
@source_option
@click.option("--embedder", default=None, help=EMBEDDER_HELP)
@operator_option
@click.pass_context
def impact_cmd(
    ctx: click.Context,
    old: str,
    new: str,
    catalogue: str | None,
    out: str,
    open_cases: bool,
    source: str,
    embedder: str | None,
    operator: str | None,
) -> None:
    """负面清单调整后（OLD、NEW 为两个已导入的清单版本），列出受清单新增、删除、修改事项影响的
    目录事项，按主管部门生成待办清单（XLSX），可为之建立台账案件。"""
    from ..catalogue.impact import catalogue_impact, write_impact_xlsx
    from ..catalogue.match import ListMatcher
    from ..neglist import diff_editions, load_edition

    settings = get_settings(ctx)
    if old == new:
        raise CatalogueOptionError(
            option="OLD NEW", value=f"{old} {new}", hint="请给出两个不同的负面清单版本名。"
        )
    diff = diff_editions(settings.corpus, old, new)
    _, old_items = load_edition(settings.corpus, old)
    _, new_items = load_edition(settings.corpus, new)
    with ledger_db(ctx) as db:
        cat, items = load_catalogue(db, catalogue)
        matcher = ListMatcher(settings, embedder=embedder)
        rows = catalogue_impact(diff, old_items, new_items, items, matcher)
        path = write_impact_xlsx(rows, Path(out))
        _echo_impact(cat, old, new, diff, rows, path)
        if open_cases:
            from ..catalogue.cases import open_cases as open_catalogue_cases

            ids = open_catalogue_cases(
                db, rows, operator=operator_name(ctx, operator), source=source, label=cat.label
            )
            _echo_cases(ids, len(rows), source)


def _echo_impact(
    cat: CatalogueEdition, old: str, new: str, diff: Any, rows: list[Any], path: Path
) -> None:
    changes = f"新增 {len(diff.added)} 项、删除 {len(diff.removed)} 项、修改 {len(diff.changed)} 项"
    click.echo(
        f"负面清单“{old}”→“{new}”：{changes}。目录“{cat.label}”中受影响的事项 {len(rows)} 条。"
    )
    per_dept: dict[str, Counter[str]] = {}
    for r in rows:
        per_dept.setdefault(r.department, Counter())[r.change] += 1
    for dept, counts in per_dept.items():
        parts = "、".join(f"{c} {counts[c]} 条" for c in ("新增", "删除", "修改") if counts[c])
        click.echo(f"  {dept}：{sum(counts.values())} 条（{parts}）")
    click.echo(f"已写入：{path}")


COMMANDS = [catalogue_group]
