"""``screening report …``: drafts from the ledger — 自查整改报告, 典型案例通报, 工作台账, 统计."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import reports
from ..errors import OutputFormatError
from ..ledger import STATES
from ..ledger.workdays import parse_date
from ..localnames import LocalNames, placeholder_hint
from ._common import case_ids, echo_written, get_settings, ledger_db


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    return parse_date(value, "报告日期") if value else dt.date.today()


date_option = click.option(
    "--date",
    default=None,
    callback=_date,
    metavar="YYYY-MM-DD",
    help="印在报告上的日期，也是判断是否逾期的日期。默认今天。同一台账、期间、部门和日期"
    "生成的文件逐字节相同。",
)


def period_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--period or --from/--to, handed to the command as one ``span`` (a reports.Period).

    The command must also take ``--date``: with no period the span is everything up to it.
    """

    @functools.wraps(f)
    def command(*args: Any, period: str | None, start: str | None, end: str | None, **kw: Any):
        span = reports.parse_period(period, start=start, end=end, until=kw["date"])
        return f(*args, span=span, **kw)

    options = (
        click.option(
            "--period",
            default=None,
            help="统计期间：2025（全年）、2025Q4（季度）、2025-11（月份）。不填期间则统计截至"
            "报告日期台账中的全部记录。",
        ),
        click.option(
            "--from",
            "start",
            default=None,
            metavar="YYYY-MM-DD",
            help="起始日期（含）；不填 --to 则截至报告日期。",
        ),
        click.option(
            "--to",
            "end",
            default=None,
            metavar="YYYY-MM-DD",
            help="截止日期（含）；只填 --to 则统计截至该日的全部记录。",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _local_names(ctx: click.Context) -> LocalNames:
    return LocalNames.from_settings(get_settings(ctx))


def _placeholder_hint(
    ctx: click.Context,
    names: LocalNames,
    date: dt.date,
    *,
    county: bool = False,
    office: bool = False,
    doc_number: bool = False,
) -> str | None:
    """Which settings would fill the placeholders a report printed, or None if it printed none.

    ``county``: the report prints the county name; ``office``: the joint office (named by
    ``issuing_office``, else derived from the county); ``doc_number``: the 文号.
    """
    keys = []
    if county or (office and names.issuing_office is None):
        keys.append("county")
    if doc_number:
        keys.append("doc_number_prefix")
    return placeholder_hint(names, keys, date.year, get_settings(ctx).config_file)


def _require_suffix(out: str, suffix: str, what: str) -> None:
    if Path(out).suffix.lower() != suffix:
        raise OutputFormatError(path=out, hint=f"{what}请以 {suffix} 结尾，例如 报告{suffix}。")


@click.group("report")
def report_group() -> None:
    """报告草稿：自查整改报告、典型案例通报、工作台账、效能评估统计。

    \b
    均根据工作台账生成，供人工修改，不是正式文件。
    每个文件旁另写一份同名 .json 说明文件，列出报告中每个数字对应的台账记录。
    投诉举报人姓名和联系方式不会写入任何报告。
    """


docx_out = click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="输出的 DOCX 文件路径。"
)


@report_group.command("self-inspection")
@click.option("--department", default=None, help="责任部门；不填则为全县汇总。")
@period_options
@date_option
@docx_out
@click.pass_context
def self_inspection_cmd(
    ctx: click.Context, department: str | None, span: reports.Period, date: dt.date, out: str
) -> None:
    """生成自查整改报告（DOCX，公文格式），附工作台账；统计图另存于同一文件夹。"""
    _require_suffix(out, ".docx", "自查整改报告")
    corpus = get_settings(ctx).corpus
    names = _local_names(ctx)
    with ledger_db(ctx, readonly=True) as db:
        written = reports.write_self_inspection(
            db,
            out,
            period=span,
            date=date,
            corpus_dir=corpus,
            department=department,
            names=names,
        )
    echo_written(written, _placeholder_hint(ctx, names, date, county=department is None))


@report_group.command("notice")
@click.option(
    "--cases",
    multiple=True,
    required=True,
    help="要通报的案件编号，可用逗号分隔或重复本选项：--cases 3,5,8 或 --cases 3 --cases 5。"
    "案件须已认定违规。",
)
@date_option
@docx_out
@click.pass_context
def notice_cmd(ctx: click.Context, cases: tuple[str, ...], date: dt.date, out: str) -> None:
    """根据已认定的案件生成典型案例通报草稿（DOCX，公文格式）。"""
    _require_suffix(out, ".docx", "典型案例通报")
    ids = case_ids(cases)
    corpus = get_settings(ctx).corpus
    names = _local_names(ctx)
    with ledger_db(ctx, readonly=True) as db:
        written = reports.write_notice(
            db, out, case_ids=ids, date=date, corpus_dir=corpus, names=names
        )
    echo_written(written, _placeholder_hint(ctx, names, date, office=True, doc_number=True))


@report_group.command("ledger")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="输出文件：.xlsx（冻结表头、可筛选）或 .csv（带 BOM 的 UTF-8，Excel 可直接打开）。",
)
@click.option("--department", default=None, help="只导出该责任单位的案件。")
@click.option("--status", type=click.Choice(STATES), default=None, help="只导出该状态的案件。")
@date_option
@click.pass_context
def ledger_cmd(
    ctx: click.Context, out: str, department: str | None, status: str | None, date: dt.date
) -> None:
    """导出工作台账（序号、问题来源、发现时间……整改状态、销号时间）。"""
    corpus = get_settings(ctx).corpus
    with ledger_db(ctx, readonly=True) as db:
        written = reports.write_ledger_table(
            db, out, date=date, corpus_dir=corpus, department=department, status=status
        )
    echo_written(written)


@report_group.command("stats")
@period_options
@date_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="输出文件夹：写入统计表（DOCX、XLSX）、统计图（PNG）和说明文件（JSON）。",
)
@click.pass_context
def stats_cmd(ctx: click.Context, span: reports.Period, date: dt.date, out: str) -> None:
    """各部门效能评估统计：审查文件、问题、认定、按期整改率、逾期、投诉举报按期答复率。"""
    names = _local_names(ctx)
    with ledger_db(ctx, readonly=True) as db:
        written = reports.write_stats(db, out, period=span, date=date, names=names)
    echo_written(written, _placeholder_hint(ctx, names, date, county=True))


COMMANDS = [report_group]
