"""效能评估 statistics for a period: per-department scorecard as DOCX (with charts) and XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlite_utils import Database

from ..localnames import PLACEHOLDERS, LocalNames
from ..privacy import Redactor
from .layout import OfficialDocument
from .ledger_table import write_sheet
from .queries import DEFINITIONS, Period, Scope, Written, cn_date, snapshot, write_sidecar
from .scorecard import SCORE_COLUMNS, rates_chart, scorecard, scorecard_chart, scorecard_table
from .selfcheck import period_title

SHOWN_DEFINITIONS = (
    "报告日期",
    "审查文件",
    "疑似问题条款",
    "案件",
    "已认定",
    "按期整改率",
    "逾期",
    "投诉举报按期答复",
    "投诉举报按期答复率",
)


def write_stats(
    db: Database,
    out_dir: str | Path,
    *,
    period: Period,
    date: dt.date,
    names: LocalNames = PLACEHOLDERS,
) -> Written:
    """Write ``效能评估统计_<period>.docx/.xlsx/.json`` and the chart PNGs into ``out_dir``.

    ``names`` give the county and the signing office; unset ones stay ××县 placeholders.
    """
    folder = Path(out_dir)
    stem = f"效能评估统计_{period.code}"
    scope = Scope(period, date)
    snap = snapshot(db, scope)
    rows, figs = scorecard(db, snap)
    departments = [r[0] for r in rows[:-1]]
    redact = Redactor.from_ledger(db)
    header = [c[0] for c in SCORE_COLUMNS]
    warnings = []
    charts = []
    for n, (name, draw) in enumerate(
        (("各部门问题情况", scorecard_chart), ("各部门按期率", rates_chart)), start=1
    ):
        png, warning = draw(folder / f"{stem}_图{n}_{name}.png", departments, figs)
        charts.append(png)
        if warning and warning not in warnings:
            warnings.append(warning)

    title, lines = period_title(names.county_name, "公平竞争审查工作效能评估统计", period)
    d = OfficialDocument(redact=redact, title=title)
    d.title(lines)
    d.blank()
    if period.is_open:
        covered = f"本统计涵盖截至{cn_date(period.end)}工作台账中的全部记录"
        as_of = "。" if period.end == date else f"，按台账截至{cn_date(date)}的状况统计。"
        d.para(
            "根据工作台账，现将各部门公平竞争审查和违规案例处置情况统计如下，供效能评估和工作落实"
            f"激励抽查参考。{covered}{as_of}"
        )
    else:
        d.para(
            f"根据工作台账，现将{period.label}（{period.start.isoformat()}至"
            f"{period.end.isoformat()}）各部门公平竞争审查和违规案例处置情况统计如下，供效能评估和"
            f"工作落实激励抽查参考。统计截至{cn_date(date)}。"
        )
    d.heading(1, "一、各部门统计")
    table, widths = scorecard_table(rows)
    d.table(
        table,
        widths_mm=widths,
        center_cols=range(1, len(widths)),
        caption="表1　各部门公平竞争审查工作情况",
    )
    d.heading(1, "二、统计口径")
    for i, key in enumerate(SHOWN_DEFINITIONS, start=1):
        d.para(f"{i}. {key}：{DEFINITIONS[key]}")
    d.heading(1, "三、统计图")
    d.picture(charts[0], width_mm=150, caption="图1　各部门问题发现、认定和逾期情况")
    d.picture(charts[1], width_mm=150, caption="图2　各部门按期整改率和投诉举报按期答复率")
    d.heading(1, "四、评估意见")
    d.para("【请根据上述统计，结合抽查情况提出评估意见和激励建议。】")
    d.blank()
    d.sign(names.joint_office, cn_date(date))
    docx_path = d.save(folder / f"{stem}.docx", date)
    xlsx_path = write_sheet(
        folder / f"{stem}.xlsx",
        header,
        [[redact(v) for v in r] for r in rows],
        date=date,
        widths=[24, 10, 14, 10, 12, 12, 20],
        title="部门统计",
    )
    side = write_sidecar(docx_path, figs.sidecar("效能评估统计", scope), redact)
    summary = f"效能评估统计：{len(departments)} 个部门"
    return Written((docx_path, xlsx_path, *charts), side, summary, tuple(warnings))
