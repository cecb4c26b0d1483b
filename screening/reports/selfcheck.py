"""自查整改报告 draft: 基本情况, 存在的问题, 整改措施及成效, 下一步工作安排, 工作台账 annex."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..domain import FAMILIES
from ..ledger.cases import CLOSED, CONFIRMED, RECTIFYING, REVIEWING, is_overdue
from ..localnames import JOINT_OFFICE_SUFFIX, PLACEHOLDERS, LocalNames
from ..privacy import Redactor
from .citations import Citations, book, quoted, where
from .layout import OfficialDocument, title_lines
from .ledger_table import annex_rows
from .queries import (
    COMPLAINT_REPLY_DAYS,
    CONFIRMED_STATES,
    DOC_TYPES_ALL,
    NO_FAMILY,
    Figures,
    Period,
    Scope,
    Snapshot,
    Written,
    case_facts,
    cases_of,
    cn_date,
    figures,
    snapshot,
    write_sidecar,
)
from .scorecard import scorecard, scorecard_chart, scorecard_table

CN_ORDINALS = "一二三四五六七八九十"
# The county report goes up to the city's joint office: no setting names the city.
CITY_JOINT_OFFICE = "××市公平竞争审查工作联席会议办公室"


def joint_office_ref(names: LocalNames) -> str:
    """The county's joint office as running text names it: the configured name, else the short
    form 县公平竞争审查工作联席会议办公室 a county's own documents use."""
    if names.issuing_office or names.county:
        return names.joint_office
    return f"县{JOINT_OFFICE_SUFFIX}"


def period_title(head: str, subject: str, period: Period) -> tuple[str, str]:
    """The title (one line, for the file's properties) and its lines as printed.

    ××县关于 + 2025年第四季度 + 公平竞争审查自查整改情况的报告; an open period follows the title on
    a line of its own instead: ××县关于公平竞争审查自查整改情况的报告 / （截至2026年1月5日）.
    """
    if not period.is_open:
        title = f"{head}{period.label}{subject}"
        return title, title_lines(title)
    dated = f"（{period.label}）"
    return f"{head}{subject}{dated}", f"{title_lines(head + subject)}\n{dated}"


def ordinal(n: int) -> str:
    """（一）…（十）, then （11） and on: sub-headings rarely run that long."""
    return CN_ORDINALS[n - 1] if n <= len(CN_ORDINALS) else str(n)


class _Report:
    """Builds the document from one snapshot; ``self.n(key)`` prints a figure."""

    def __init__(
        self, db: Database, scope: Scope, corpus_dir: str | Path, names: LocalNames
    ) -> None:
        self.db, self.scope, self.names = db, scope, names
        self.unit = scope.department or names.county_name
        self.snap: Snapshot = snapshot(db, scope)
        self.figs: Figures = figures(self.snap, scope.department)
        self.cites = Citations(corpus_dir)
        self.redact = Redactor.from_ledger(db)
        self.cases = cases_of(self.snap, scope.department)
        self.warnings: list[str] = []
        title, self.title_lines = period_title(
            f"{self.unit}关于", "公平竞争审查自查整改情况的报告", scope.period
        )
        self.doc = OfficialDocument(redact=self.redact, title=title)
        self.title = title

    def n(self, key: str) -> str:
        return self.figs[key].text()

    def counts(self, prefix: str, values: tuple[str, ...], unit: str) -> str:
        parts = [
            f"{v}{self.n(f'{prefix}.{v}')}{unit}"
            for v in values
            if f"{prefix}.{v}" in self.figs.items
        ]
        return "、".join(parts)


def _basic(r: _Report, charts: Callable[[str], Path]) -> None:
    d, p = r.doc, r.scope.period
    d.heading(1, "一、基本情况")
    types = r.counts("documents.by_type", DOC_TYPES_ALL, "件")
    opening = (
        f"本报告统计截至{cn_date(p.end)}工作台账中的全部记录，累计"
        if p.is_open
        else f"{p.label}（{p.start.isoformat()}至{p.end.isoformat()}），共"
    )
    d.para(
        f"{opening}审查涉及经营者经济活动的政策文件{r.n('documents.total')}件"
        + (f"，其中{types}" if types else "")
        + "。"
        + (
            f"另有{r.n('unreadable.total')}件文件因扫描件无文字层、加密或损坏等原因未能自动筛查，"
            "已登记待人工审查。"
            if r.figs["unreadable.total"].value
            else ""
        )
        + f"经筛查，发现疑似违反公平竞争审查标准的条款{r.n('findings.total')}处"
        + (
            f"，其中{fam}"
            if (fam := r.counts("findings.by_family", (*FAMILIES, NO_FAMILY), "处"))
            else ""
        )
        + "。"
    )
    d.para(
        f"{'累计' if p.is_open else '本期'}登记核查案件{r.n('cases.total')}件，"
        f"经核查认定违规{r.n('cases.confirmed')}件，"
        f"排除{r.n('cases.dismissed')}件，尚在核查{r.n('cases.open')}件。已认定的问题中，已部署"
        f"整改{r.n('rectify.deployed')}件，完成整改{r.n('rectify.done')}件（其中按期完成"
        f"{r.n('rectify.on_time')}件，按期整改率{r.n('rectify.on_time_rate')}），复核销号"
        f"{r.n('rectify.closed')}件，正在整改{r.n('rectify.in_progress')}件。截至"
        f"{cn_date(r.scope.date)}，逾期未办结{r.n('overdue.total')}件（核查逾期"
        f"{r.n('overdue.verify')}件、整改逾期{r.n('overdue.rectify')}件）。"
    )
    complaints = (
        f"受理投诉举报{r.n('complaints.total')}件，已答复{r.n('complaints.replied')}件，其中按期"
        f"答复{r.n('complaints.on_time')}件，按期答复率{r.n('complaints.on_time_rate')}；逾期未答复"
        f"{r.n('complaints.overdue')}件。"
        if r.figs["complaints.total"].value
        else ("尚未受理投诉举报。" if p.is_open else "本期未受理投诉举报。")
    )
    d.para(
        f"{complaints}（按期整改指在整改期限内完成整改并提交复核；按期答复指受理后"
        f"{COMPLAINT_REPLY_DAYS}个工作日内首次反馈，节假日不计。）"
    )
    if r.scope.department is None:
        rows, figs = scorecard(r.db, r.snap)
        r.figs.merge(figs)
        table, widths = scorecard_table(rows)
        r.doc.table(
            table,
            widths_mm=widths,
            center_cols=range(1, len(widths)),
            caption="表1　各部门审查和整改情况",
        )
        names = [row[0] for row in rows[:-1]]
        path, warning = scorecard_chart(charts("各部门情况"), names, figs)
        r.doc.picture(path, width_mm=150, caption="图1　各部门问题发现、认定和逾期情况")
        if warning:
            r.warnings.append(warning)
    else:
        _documents_table(r)


def _documents_table(r: _Report) -> None:
    mine = [x for x in r.snap.documents if x["department"] == r.scope.department]
    rows = [["序号", "文件名称", "文号", "文种", "疑似\n问题条款"]]
    for i, doc in enumerate(mine, start=1):
        found = [f for f in r.snap.findings if f["document_id"] == doc["id"]]
        fig = r.figs.count(
            f"document[{doc['id']}].findings", "该文件疑似问题条款", "findings", found
        )
        rows.append(
            [
                str(i),
                doc["title"] or Path(doc["path"]).stem,
                doc["meta"].get("doc_number") or "",
                doc["doc_type"],
                fig.text(),
            ]
        )
    r.doc.table(
        rows, widths_mm=(12, 74, 34, 14, 22), center_cols=(0, 2, 3, 4), caption="表1　审查文件清单"
    )


def _problems(r: _Report) -> list[dict[str, Any]]:
    d = r.doc
    d.heading(1, "二、存在的问题")
    confirmed = [c for c in r.cases if c["status"] in CONFIRMED_STATES]
    if not confirmed:
        when = "" if r.scope.period.is_open else "本期"
        d.para(f"经核查，{when}未发现违反公平竞争审查标准的问题。")
        return []
    groups: dict[Any, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for case in confirmed:
        facts = case_facts(r.db, case)
        groups.setdefault(facts["document_id"], []).append((case, facts))
    docs = [{"id": k} for k in groups if k is not None]
    r.figs.count("problems.documents", "存在问题的文件", "documents", docs)
    d.para(
        f"经核查，认定违反公平竞争审查标准的问题{r.n('cases.confirmed')}件，"
        f"涉及{r.n('problems.documents')}件文件，具体如下。"
    )
    for g, items in enumerate(groups.values(), start=1):
        facts = items[0][1]
        if facts["document_id"] is None:
            d.heading(2, f"（{ordinal(g)}）投诉举报等渠道反映的问题")
        else:
            number = f"（{facts['doc_number']}）" if facts["doc_number"] else ""
            d.heading(2, f"（{ordinal(g)}）{book(facts['title'])}{number}")
        for i, (case, f) in enumerate(items, start=1):
            d.para(f"{i}. {_problem_text(r, case, f)}")
    return confirmed


def _problem_text(r: _Report, case: dict[str, Any], facts: dict[str, Any]) -> str:
    if facts["clauses"]:
        text = "；".join(f"{where(a)}规定：{quoted(c)}" for a, c in facts["clauses"]) + "。"
    else:
        text = f"群众投诉举报反映：{quoted(case['summary'] or case['title'])}。"
    for c in (r.cites[code] for code in case["standards"]):
        text += (
            f"该条款涉嫌违反{c.ref}的规定：{quoted(c.quote)}。" if c.quote else f"涉嫌违反{c.ref}。"
        )
    if case["decision_reason"]:
        text += f"核查认定：{case['decision_reason'].rstrip('。')}。"
    return text + f"（案件编号 {case['id']}）"


_STATE_TEXT = {
    CONFIRMED: "尚未部署整改",
    RECTIFYING: "正在整改",
    REVIEWING: "已完成整改，待复核",
    CLOSED: "已完成整改并复核销号",
}


def _measures(r: _Report, confirmed: list[dict[str, Any]]) -> None:
    d = r.doc
    d.heading(1, "三、整改措施及成效")
    d.para(
        f"针对认定的问题，{r.unit}逐件明确整改措施、责任人和整改时限，实行台账管理、对账销号。"
        f"已部署整改{r.n('rectify.deployed')}件，完成整改{r.n('rectify.done')}件，"
        f"复核销号{r.n('rectify.closed')}件。"
    )
    for i, case in enumerate((c for c in confirmed if c["measures"]), start=1):
        facts = case_facts(r.db, case)
        subject = book(facts["title"]) if facts["title"] else f"案件 {case['id']}"
        late = "，已逾期" if is_overdue(case, r.scope.date) else ""
        d.para(
            f"{i}. {subject}：{case['measures'].rstrip('。')}（责任人：{case['responsible']}；"
            f"整改时限：{case['rectify_deadline']}；{_STATE_TEXT[case['status']]}{late}）。"
        )
    d.para("【请补充：修订、废止文件情况，以及完善审查制度、开展培训等方面的成效。】")


def _next_steps(r: _Report) -> None:
    d = r.doc
    d.heading(1, "四、下一步工作安排")
    d.heading(2, "（一）抓好剩余问题整改")
    d.para(
        f"对正在整改的{r.n('rectify.in_progress')}件问题（其中逾期{r.n('overdue.rectify')}件）"
        f"和尚在核查的{r.n('cases.open')}件案件，逐件督办，确保按期整改到位、按时销号。"
    )
    d.heading(2, "（二）健全常态化审查机制")
    d.para(
        "新制定涉及经营者经济活动的政策措施，严格落实公平竞争审查制度，未经审查的不得出台；"
        "定期清理存量政策措施，发现问题及时整改。"
    )
    d.heading(2, "（三）畅通投诉举报渠道")
    d.para(
        "对12345政务服务便民热线等渠道反映的妨碍统一市场和公平竞争问题，依法及时核查处理，"
        "在规定时限内答复反馈。【请结合本单位实际补充。】"
    )


def write_self_inspection(
    db: Database,
    out: str | Path,
    *,
    period: Period,
    date: dt.date,
    corpus_dir: str | Path,
    department: str | None = None,
    names: LocalNames = PLACEHOLDERS,
) -> Written:
    """Write the DOCX (``out``), its charts beside it and the ``.json`` sidecar.

    ``names`` are the county and office names to print; unset ones stay ××县 placeholders.
    """
    path = Path(out)
    scope = Scope(period, date, department)
    r = _Report(db, scope, corpus_dir, names)
    charts: list[Path] = []

    def chart_path(name: str) -> Path:
        charts.append(path.with_name(f"{path.stem}_图{len(charts) + 1}_{name}.png"))
        return charts[-1]

    d = r.doc
    d.title(r.title_lines)
    d.blank()
    d.addressee(f"{joint_office_ref(names) if department else CITY_JOINT_OFFICE}：")
    when = f"截至{cn_date(period.end)}已" if period.is_open else period.label
    d.para(
        f"按照公平竞争审查工作要求，{r.unit}对{when}制定和审查的涉及经营者经济活动的政策措施"
        "开展了自查，对发现的问题逐件核查、整改。现将有关情况报告如下。"
    )
    _basic(r, chart_path)
    confirmed = _problems(r)
    _measures(r, confirmed)
    _next_steps(r)
    d.blank()
    d.attachment_note("附件：公平竞争审查工作台账")
    d.blank()
    d.sign(department or names.government, cn_date(date))
    rows, widths = annex_rows(db, r.cases, today=date, cites=r.cites)
    d.annex("附件", f"公平竞争审查工作台账（{period.label}）", landscape=True)
    d.table(rows, widths_mm=widths, style="台账表格文字", center_cols=(0, 1, 2, 11, 12, 13, 14))
    d.save(path, date)
    sidecar = r.figs.sidecar(
        "自查整改报告",
        scope,
        annex_rows=[{"序号": i, "case_id": c["id"]} for i, c in enumerate(r.cases, start=1)],
        problems=[{"case_id": c["id"], **_provenance(r, c)} for c in confirmed],
    )
    side = write_sidecar(path, sidecar, r.redact)
    summary = (
        f"自查整改报告：文件 {r.n('documents.total')} 件，案件 {r.n('cases.total')} 件，"
        f"认定 {r.n('cases.confirmed')} 件"
    )
    return Written((path, *charts), side, summary, tuple(r.warnings))


def _provenance(r: _Report, case: dict[str, Any]) -> dict[str, Any]:
    facts = case_facts(r.db, case)
    return {
        "document_id": facts["document_id"],
        "finding_ids": facts["finding_ids"],
        "standards": case["standards"],
    }
