"""Ledger figures for reports: the scope (period, department, date) and the rows behind each number.

Every number a report prints is a :class:`Figure` that carries the ids of the ledger rows it
counts, and the definitions below say how rows are chosen; the sidecar JSON written beside each
report is ``Figures.sidecar()``. Complainants' names and contacts are never selected here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from sqlite_utils import Database

from ..domain import CONFIRMED_STATES, FAMILIES, OPEN_STATES
from ..errors import PeriodError
from ..lang.zh.doctypes import REPORT_TYPES_ALL, doc_type
from ..ledger.cases import (
    CLOSED,
    DISMISSED,
    RECTIFYING,
    REVIEWING,
    VERIFYING,
    cases_as_of,
    decode_case,
    is_overdue,
)
from ..ledger.complaints import first_reply_sql
from ..ledger.db import calendar
from ..ledger.export import case_context
from ..ledger.intake import DEFAULT_REPLY_DAYS
from ..ledger.workdays import parse_date
from ..tables import output_file

# Reply period for complaints registered before the ledger stored their deadline; the ledger
# records each complaint's own deadline (setting ``reply_days``) since migration 0002.
COMPLAINT_REPLY_DAYS = DEFAULT_REPLY_DAYS
NO_DEPARTMENT = "（未指定部门）"
NO_FAMILY = "其他（兜底条款或未归类）"
RECTIFIED_STATES = (REVIEWING, CLOSED)
DOC_TYPES_ALL = REPORT_TYPES_ALL  # 文种 rows of the reports, 其他 last (lang.zh.doctypes)

DEFINITIONS = {
    "统计期间": "起止日期均含当日，台账中的时间按日期比较。",
    "报告日期": "按台账在报告日期当日结束时的状况统计：此后的筛查、操作和反馈不计入，同一台账、"
    "期间、部门和报告日期生成的报告始终相同。案件状态、期限等根据操作记录还原。",
    "审查文件": "在统计期间内（截至报告日期）经筛查登记的文件（含再次筛查），按文件所属部门统计。"
    "文种按标题末尾"
    "的文种词判断（标题中书名号内的文件名优先，其次为标题、文件名）。",
    "疑似问题条款": "首次筛出日期在统计期间内的条款（含此后因文件修改而不再筛出的），类别为筛查时"
    "主要审查标准所属的四类标准之一，按所属文件的部门统计。",
    "案件": "登记日期在统计期间内的案件，按责任单位统计，状态为报告日期当日结束时的状态。",
    "已认定": "状态为已认定、整改中、待复核或已销号的案件。",
    "已排除": "状态为已排除的案件。",
    "已整改": "状态为待复核或已销号的案件（整改完成并已提交复核）。",
    "按期整改": "已整改，且操作记录中最近一次提交复核的日期不晚于整改期限。",
    "按期整改率": "按期整改数 ÷ 应完成整改数；应完成整改数 = 已整改数 + 整改中且整改期限早于报告"
    "日期的案件数。没有应完成整改的案件时记为“—”。",
    "逾期": "截至报告日期，核查中且核查期限早于报告日期，或整改中且整改期限早于报告日期的案件"
    "（与“screening ledger list --overdue”相同）。",
    "投诉举报按期答复": "在台账记录的反馈期限内（登记时按配置项 reply_days 计算，默认受理后"
    f"{COMPLAINT_REPLY_DAYS}个工作日，受理当日不计，按台账中的节假日和调休上班日计算）有首次"
    "反馈记录。投诉举报按受理日期计入统计期间，按其案件的责任单位统计。",
    "投诉举报按期答复率": "按期答复数 ÷ 应答复数；应答复数 = 已答复数 + 未答复且答复期限早于报告"
    "日期的件数。没有应答复的件时记为“—”。",
    "无法读取的文件": "筛查时无法读取（扫描件无文字层、加密、损坏、空文件等）的文件：首次登记不晚于"
    "统计期间结束和报告日期，最近一次筛查不早于统计期间开始，且截至报告日期未重新筛查成功；按筛查时"
    "指定的部门统计。这些文件未经自动筛查，需人工审查。",
    "个人信息": "投诉举报人姓名、联系方式不写入任何报告和说明文件；正文中出现的，以“＊＊＊”代替。",
}
# The ledger columns each definition reads (written to the sidecar beside the wording above).
LEDGER_FIELDS = {
    "审查文件": "screenings.at, documents.department, documents.title",
    "疑似问题条款": "findings.first_seen, findings.data→family, documents.department",
    "案件": "cases.created_at, actions（data.set 中记录的字段和 to_state，按报告日期还原）",
    "按期整改": "actions.at（action = review, to_state = 待复核，取最近一次）, "
    "cases.rectify_deadline",
    "逾期": "cases.status, cases.verify_deadline, cases.rectify_deadline",
    "无法读取的文件": "unreadable.first_seen, unreadable.last_seen, unreadable.resolved_at, "
    "unreadable.department",
    "投诉举报按期答复": "complaints.received_at, complaints.reply_due, feedback.at（complaint_id "
    "对应或同一案件）, calendar, cases.department",
}


# --- period and scope ---------------------------------------------------------------------------


# Start of a period with no start date: everything in the ledger up to its end.
OPEN_START = dt.date.min


@dataclass(frozen=True)
class Period:
    """A date range with its Chinese label (2025年第四季度 style, Arabic numerals).

    An open period (no period given) starts at :data:`OPEN_START`, so it holds every ledger row
    up to ``end``; it is labelled 截至2026年1月5日 and coded ``to_2026-01-05``.
    """

    start: dt.date
    end: dt.date
    code: str  # 2025 / 2025Q4 / 2025-11 / 2025-10-01_2025-12-31 / to_2026-01-05
    label: str  # 2025年第四季度 / 截至2026年1月5日

    @property
    def is_open(self) -> bool:
        """No start date: the report covers the whole ledger up to ``end``."""
        return self.start == OPEN_START

    def contains(self, stamp: str | None) -> bool:
        if not stamp:
            return False
        return self.start <= parse_date(str(stamp)[:10]) <= self.end


_QUARTERS = "一二三四"


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(
    value: str | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    until: dt.date | None = None,
) -> Period:
    """``2025``, ``2025Q4``, ``2025-11``, or explicit ``start``/``end`` dates; PeriodError else.

    With ``until`` (the report date) a missing period is allowed: nothing given is the open
    period 截至 ``until`` (the whole ledger), only ``end`` the open period 截至 ``end``, and only
    ``start`` the range from ``start`` to ``until``. Without ``until`` both dates are required.
    """
    if value and (start or end):
        raise PeriodError(value=f"{value} 与 --from/--to 同时给出")
    if value:
        text = value.strip().upper()
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m[1])
            return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), text, f"{y}年")
        if m := re.fullmatch(r"(\d{4})[-\s]?Q([1-4])", text):
            y, q = int(m[1]), int(m[2])
            first = dt.date(y, 3 * q - 2, 1)
            return Period(first, _month_end(y, 3 * q), f"{y}Q{q}", f"{y}年第{_QUARTERS[q - 1]}季度")
        if (m := re.fullmatch(r"(\d{4})-(\d{1,2})", text)) and 1 <= int(m[2]) <= 12:
            y, mo = int(m[1]), int(m[2])
            return Period(dt.date(y, mo, 1), _month_end(y, mo), f"{y}-{mo:02d}", f"{y}年{mo}月")
        raise PeriodError(value=value)
    if until is None and not (start and end):
        raise PeriodError(value="（未指定）")
    b = parse_date(end, "截止日期") if end else until
    if b is None:  # not reached: without an end date ``until`` was given
        raise PeriodError(value="（未指定）")
    if not start:
        return Period(OPEN_START, b, f"to_{b.isoformat()}", f"截至{cn_date(b)}")
    a = parse_date(start, "起始日期")
    if a > b:
        raise PeriodError(value=f"{a.isoformat()} 至 {b.isoformat()}")
    label = f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"
    return Period(a, b, f"{a.isoformat()}_{b.isoformat()}", label)


def cn_date(day: dt.date) -> str:
    """成文日期 as GB/T 9704 writes it: 2026年1月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- figures and their provenance --------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One printed number: the rows it counts and, for a rate, the rows it is a share of."""

    key: str
    label: str
    value: int | float | None
    rows: dict[str, tuple[int, ...]]
    base: dict[str, tuple[int, ...]] | None = None

    def text(self) -> str:
        """How the number is printed: a count, or a rate as 75.0% (— when nothing was due)."""
        if self.base is None:
            return str(self.value)
        return "—" if self.value is None else f"{self.value * 100:.1f}%"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "value": self.value}
        out["rows"] = {t: list(ids) for t, ids in self.rows.items()}
        if self.base is not None:
            out["base"] = {t: list(ids) for t, ids in self.base.items()}
            out["printed"] = self.text()
        return out


def _ids(rows: Iterable[dict[str, Any]]) -> tuple[int, ...]:
    return tuple(sorted(int(r["id"]) for r in rows))


@dataclass
class Figures:
    """Figures in the order a report prints them; ``sidecar()`` is the provenance JSON."""

    items: dict[str, Figure] = field(default_factory=dict)

    def count(self, key: str, label: str, table: str, rows: Iterable[dict[str, Any]]) -> Figure:
        ids = _ids(rows)
        return self._add(Figure(key, label, len(ids), {table: ids}))

    def rate(
        self,
        key: str,
        label: str,
        table: str,
        hits: Iterable[dict[str, Any]],
        due: Iterable[dict[str, Any]],
    ) -> Figure:
        num, den = _ids(hits), _ids(due)
        value = round(len(num) / len(den), 4) if den else None
        return self._add(Figure(key, label, value, {table: num}, {table: den}))

    def _add(self, fig: Figure) -> Figure:
        self.items[fig.key] = fig
        return fig

    def __getitem__(self, key: str) -> Figure:
        return self.items[key]

    def merge(self, other: Figures) -> None:
        self.items.update(other.items)

    def sidecar(self, report: str, scope: Scope, **extra: Any) -> dict[str, Any]:
        return {
            "report": report,
            "scope": scope.to_dict(),
            **extra,
            "definitions": DEFINITIONS,
            "ledger_fields": LEDGER_FIELDS,
            "figures": [f.to_dict() for f in self.items.values()],
        }


# --- rows in scope -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a report covers: a period, optionally one department, judged as of ``date``."""

    period: Period
    date: dt.date  # the date printed on the report; overdue and "due" are judged against it
    department: str | None = None

    def covers(self, stamp: str | None) -> bool:
        """In the period, and not after the report date (the ledger as it stood that day)."""
        return self.period.contains(stamp) and parse_date(str(stamp)[:10]) <= self.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": None if self.period.is_open else self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "period": self.period.code,
            "period_label": self.period.label,
            "department": self.department,
            "date": self.date.isoformat(),
            "complaint_reply_workdays": COMPLAINT_REPLY_DAYS,
        }


@dataclass(frozen=True)
class Snapshot:
    """The ledger rows of one period, before any department filter."""

    scope: Scope
    documents: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    unreadable: list[dict[str, Any]] = field(default_factory=list)

    def departments(self, db: Database) -> list[str]:
        """Departments registered by the report date in their order, then any other name the
        rows use."""
        names = [
            r["name"]
            for r in db.query("select name, created_at from departments order by id")
            if not r["created_at"] or parse_date(r["created_at"][:10]) <= self.scope.date
        ]
        used = {r["department"] for rows in (*self.tables(), self.unreadable) for r in rows}
        extra = sorted(n for n in used if n not in names and n != NO_DEPARTMENT)
        tail = [NO_DEPARTMENT] if NO_DEPARTMENT in used else []
        return names + extra + tail

    def tables(self) -> tuple[list[dict[str, Any]], ...]:
        return (self.documents, self.findings, self.cases, self.complaints)


def _dept(value: str | None) -> str:
    return value or NO_DEPARTMENT


def _documents(db: Database, scope: Scope) -> list[dict[str, Any]]:
    """Documents screened (recorded by a sweep) in the period, up to the report date."""
    screened = {
        r["document_id"]
        for r in db.query("select document_id, at from screenings")
        if scope.covers(r["at"])
    }
    out = []
    for r in db.query("select * from documents order by id"):
        if r["id"] in screened:
            meta = json.loads(r["metadata"] or "{}")
            out.append(
                {
                    **r,
                    "department": _dept(r["department"]),
                    "meta": meta,
                    # detected at parse time; recomputed for documents recorded before that
                    "doc_type": meta.get("doc_type") or doc_type(r["title"], r["path"]),
                }
            )
    return out


def _findings(db: Database, scope: Scope) -> list[dict[str, Any]]:
    rows = db.query(
        "select f.id, f.document_id, f.case_id, f.first_seen, f.standard, "
        "json_extract(f.data, '$.family') as family, d.department "
        "from findings f join documents d on d.id = f.document_id order by f.id"
    )
    return [
        {**r, "department": _dept(r["department"]), "family": r["family"] or NO_FAMILY}
        for r in rows
        if scope.covers(r["first_seen"])
    ]


def _cases(db: Database, scope: Scope) -> list[dict[str, Any]]:
    """Cases registered in the period, as they stood at the end of the report date."""
    day = scope.date.isoformat()
    done = {
        r["case_id"]: r["at"]
        for r in db.query(
            "select case_id, max(at) as at from actions where to_state = ? and action = 'review' "
            "and date(at) <= ? group by case_id",
            [REVIEWING, day],
        )
    }
    rows = [decode_case(r) for r in db.query("select * from cases order by id")]
    in_period = [r for r in rows if scope.covers(r["created_at"])]
    return [
        {**case, "department": _dept(case["department"]), "done_at": done.get(case["id"])}
        for case in cases_as_of(db, in_period, scope.date)
    ]


def _complaints(db: Database, scope: Scope) -> list[dict[str, Any]]:
    cal = calendar(db)
    rows = db.query(
        "select c.id, c.case_id, c.received_at, c.channel, c.reply_due, k.department, "
        f"{first_reply_sql(':day')} as first_feedback "
        "from complaints c left join cases k on k.id = c.case_id order by c.id",
        {"day": scope.date.isoformat()},
    )
    out = []
    for r in rows:
        if not scope.covers(r["received_at"]):
            continue
        stored = r.pop("reply_due")
        due = (
            parse_date(stored)
            if stored
            else cal.add_workdays(parse_date(r["received_at"][:10]), COMPLAINT_REPLY_DAYS)
        )
        out.append({**r, "department": _dept(r["department"]), "reply_due": due})
    return out


def _unreadable(db: Database, scope: Scope) -> list[dict[str, Any]]:
    rows = db.query("select id, department, first_seen, last_seen, resolved_at from unreadable")
    until = min(scope.period.end, scope.date)

    def counted(r: dict[str, Any]) -> bool:
        first, last = parse_date(r["first_seen"][:10]), parse_date(r["last_seen"][:10])
        resolved = r["resolved_at"] and parse_date(r["resolved_at"][:10]) <= scope.date
        return first <= until and last >= scope.period.start and not resolved

    return [{**r, "department": _dept(r["department"])} for r in rows if counted(r)]


def snapshot(db: Database, scope: Scope) -> Snapshot:
    """All rows of the scope's period; departments are filtered later by :func:`figures`."""
    return Snapshot(
        scope,
        _documents(db, scope),
        _findings(db, scope),
        _cases(db, scope),
        _complaints(db, scope),
        _unreadable(db, scope),
    )


# --- classification of rows --------------------------------------------------------------------


def rectified_on_time(case: dict[str, Any]) -> bool:
    """Reached 待复核 on or before the rectification deadline (see DEFINITIONS)."""
    if case["status"] not in RECTIFIED_STATES or not case["done_at"]:
        return False
    deadline = case["rectify_deadline"]
    return bool(deadline) and parse_date(case["done_at"][:10]) <= parse_date(deadline)


def rectification_due(case: dict[str, Any], today: dt.date) -> bool:
    return case["status"] in RECTIFIED_STATES or (
        case["status"] == RECTIFYING and is_overdue(case, today)
    )


def replied_on_time(complaint: dict[str, Any]) -> bool:
    first = complaint["first_feedback"]
    return bool(first) and parse_date(first[:10]) <= complaint["reply_due"]


def reply_due(complaint: dict[str, Any], today: dt.date) -> bool:
    return bool(complaint["first_feedback"]) or complaint["reply_due"] < today


def _where(rows: list[dict[str, Any]], test: Callable[[dict[str, Any]], bool]) -> list[dict]:
    return [r for r in rows if test(r)]


def _grouped(
    figs: Figures, prefix: str, label: str, table: str, rows: list[dict], key: str, order: Iterable
) -> None:
    for value in order:
        group = [r for r in rows if r[key] == value]
        if group:
            figs.count(f"{prefix}.{value}", f"{label}：{value}", table, group)


def figures(snap: Snapshot, department: str | None = None, prefix: str = "") -> Figures:
    """The figures of ``snap`` for one department (or all); keys start with ``prefix``."""
    today = snap.scope.date

    def mine(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows if department is None else [r for r in rows if r["department"] == department]

    docs, finds, cases, comps = (mine(t) for t in snap.tables())
    f = Figures()
    p = prefix
    f.count(f"{p}documents.total", "审查文件", "documents", docs)
    _grouped(
        f,
        f"{p}documents.by_type",
        "审查文件（按文种）",
        "documents",
        docs,
        "doc_type",
        DOC_TYPES_ALL,
    )
    f.count(
        f"{p}unreadable.total", "无法读取、待人工审查的文件", "unreadable", mine(snap.unreadable)
    )
    f.count(f"{p}findings.total", "疑似问题条款", "findings", finds)
    _grouped(
        f,
        f"{p}findings.by_family",
        "疑似问题条款（按类别）",
        "findings",
        finds,
        "family",
        (*FAMILIES, NO_FAMILY),
    )
    f.count(f"{p}cases.total", "登记案件", "cases", cases)
    by_status = {
        s: _where(cases, lambda c, s=s: c["status"] in s)
        for s in (CONFIRMED_STATES, (DISMISSED,), OPEN_STATES)
    }
    f.count(f"{p}cases.confirmed", "认定违规", "cases", by_status[CONFIRMED_STATES])
    f.count(f"{p}cases.dismissed", "排除", "cases", by_status[(DISMISSED,)])
    f.count(f"{p}cases.open", "尚在核查（待核查、核查中）", "cases", by_status[OPEN_STATES])
    deployed = _where(cases, lambda c: c["status"] in (RECTIFYING, *RECTIFIED_STATES))
    f.count(f"{p}rectify.deployed", "部署整改", "cases", deployed)
    f.count(
        f"{p}rectify.done",
        "完成整改",
        "cases",
        _where(cases, lambda c: c["status"] in RECTIFIED_STATES),
    )
    on_time = _where(cases, rectified_on_time)
    f.count(f"{p}rectify.on_time", "按期完成整改", "cases", on_time)
    f.count(
        f"{p}rectify.closed", "复核销号", "cases", _where(cases, lambda c: c["status"] == CLOSED)
    )
    f.count(
        f"{p}rectify.in_progress",
        "整改中",
        "cases",
        _where(cases, lambda c: c["status"] == RECTIFYING),
    )
    f.rate(
        f"{p}rectify.on_time_rate",
        "按期整改率",
        "cases",
        on_time,
        _where(cases, lambda c: rectification_due(c, today)),
    )
    f.count(
        f"{p}overdue.total", "逾期未办结", "cases", _where(cases, lambda c: is_overdue(c, today))
    )
    f.count(
        f"{p}overdue.verify",
        "核查逾期",
        "cases",
        _where(cases, lambda c: c["status"] == VERIFYING and is_overdue(c, today)),
    )
    f.count(
        f"{p}overdue.rectify",
        "整改逾期",
        "cases",
        _where(cases, lambda c: c["status"] == RECTIFYING and is_overdue(c, today)),
    )
    f.count(f"{p}complaints.total", "受理投诉举报", "complaints", comps)
    f.count(
        f"{p}complaints.replied",
        "已答复",
        "complaints",
        _where(comps, lambda c: bool(c["first_feedback"])),
    )
    replied = _where(comps, replied_on_time)
    f.count(f"{p}complaints.on_time", "按期答复", "complaints", replied)
    f.count(
        f"{p}complaints.overdue",
        "逾期未答复",
        "complaints",
        _where(comps, lambda c: not c["first_feedback"] and c["reply_due"] < today),
    )
    f.rate(
        f"{p}complaints.on_time_rate",
        "投诉举报按期答复率",
        "complaints",
        replied,
        _where(comps, lambda c: reply_due(c, today)),
    )
    return f


def cases_of(snap: Snapshot, department: str | None) -> list[dict[str, Any]]:
    return [c for c in snap.cases if department is None or c["department"] == department]


# --- one case as reports describe it -----------------------------------------------------------


def case_facts(db: Database, case: dict[str, Any]) -> dict[str, Any]:
    """Document, 文号, issuer and the clauses quoted for a case (complainant columns left out)."""
    ctx = case_context(db, case)
    doc = ctx["document"]
    meta = json.loads(doc["metadata"] or "{}") if doc else {}
    title = (doc["title"] or PurePath(doc["path"]).stem) if doc else ""
    return {
        "document_id": doc["id"] if doc else None,
        "title": title,
        "doc_number": meta.get("doc_number") or "",
        "issuer": meta.get("issuer") or "",
        "doc_date": meta.get("date") or "",
        "clauses": [(f["article_path"] or "", f["clause"]) for f in ctx["findings"]],
        "finding_ids": [f["id"] for f in ctx["findings"]],
        "complaints": [
            {"id": c["id"], "received_at": c["received_at"], "channel": c["channel"]}
            for c in ctx["complaints"]
        ],
    }


@dataclass(frozen=True)
class Written:
    """What a report function wrote: the files, the sidecar, warnings and a one-line summary."""

    paths: tuple[Path, ...]
    sidecar: Path
    summary: str
    warnings: tuple[str, ...] = ()


def write_sidecar(path: Path, data: dict[str, Any], redact: Callable[[Any], str]) -> Path:
    """``F.docx`` → ``F.json``: the provenance of every figure, sorted keys, readable Chinese."""
    out = path.with_suffix(".json")
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2, default=str)
    with output_file(out):
        out.write_text(redact(text) + "\n", encoding="utf-8")
    return out
