"""Console page: 报告 — the four drafts of ``screening report …``, downloaded from a form.

``/reports/download`` calls exactly the library functions the CLI commands call (period parsed
by ``reports.parse_period``, names from the settings), writes into a temporary folder and sends
the file back. A reviewer's reports are limited to their own departments; the county-wide
效能评估统计 is for the 发展改革局 and leaders only.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from starlette.responses import Response

from ... import reports
from ...domain import CONFIRMED_STATES
from ...errors import ReportError, ScreeningError
from ...ledger import STATES
from ...ledger.cases import list_cases
from ...ledger.departments import list_departments
from ...ledger.workdays import parse_date
from ...localnames import LocalNames
from ..core import ALL, Ctx, Forbidden, case_departments, page

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {
    "selfcheck": "自查整改报告（DOCX）",
    "notice": "典型案例通报（DOCX）",
    "ledger": "工作台账（XLSX）",
    "stats": "效能评估统计（XLSX / DOCX）",
}
COUNTY_WIDE = ("stats",)  # every department's figures side by side


def _kinds_for(ctx: Ctx) -> dict[str, str]:
    if ctx.departments is None:
        return KINDS
    return {k: v for k, v in KINDS.items() if k not in COUNTY_WIDE}


def _departments(ctx: Ctx) -> list[str]:
    if ctx.departments is not None:
        return list(ctx.departments)
    return [d["name"] for d in list_departments(ctx.db)]


def _form(ctx: Ctx, error: str | None = None, status: int = 200) -> Response:
    values = {
        k: ctx.query(k) for k in ("kind", "period", "department", "date", "cases", "status", "fmt")
    }
    return ctx.render(
        "reports.html",
        status=status,
        title="报告",
        error=error,
        kinds=_kinds_for(ctx),
        departments=_departments(ctx),
        all_departments=ctx.departments is None,
        states=STATES,
        values=values,
        today=dt.date.today().isoformat(),
    )


@page("/reports", roles=ALL)
def reports_form(ctx: Ctx) -> Response:
    return _form(ctx)


def _attachment(path: Path, content_type: str, name: str) -> Response:
    data = path.read_bytes()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, media_type=content_type, headers={"Content-Disposition": disposition})


def _case_ids(text: str) -> list[int]:
    ids = []
    for token in re.split(r"[\s,，、;；]+", text):
        if not token:
            continue
        if not token.isdigit():
            raise ReportError(detail=f"“{token}”不是案件编号，请填写数字，如 3,5,8")
        ids.append(int(token))
    return ids


def _notice_cases(ctx: Ctx, period: reports.Period, department: str | None) -> list[int]:
    """The cases to notify: those named in the form (each must be in the reviewer's scope),
    else every confirmed case registered in the period (of the department, or the reviewer's)."""
    named = _case_ids(ctx.query("cases"))
    if named:
        for cid in named:
            depts = case_departments(ctx.db, cid)
            if ctx.departments is not None and not all(d in ctx.departments for d in depts):
                raise Forbidden(f"案件 {cid} 不属于您所在的部门，不能写入通报。")
        return named
    wanted = [department] if department else ctx.departments
    ids = []
    for status in CONFIRMED_STATES:  # the department rule is list_cases' own (one query each)
        for case in list_cases(ctx.db, status=status, departments=wanted):
            if period.contains(case["created_at"]):
                ids.append(case["id"])
    ids.sort()
    if not ids:
        where = f"{department}" if department else "所选范围"
        raise ReportError(
            detail=f"{where}在{period.label}没有已认定违规的案件，无法生成典型案例通报"
            "（可在“案件编号”中直接填写要通报的已认定案件）"
        )
    return ids


def _write(ctx: Ctx, kind: str, folder: Path) -> tuple[Path, str, str]:
    """(the file written, its content type, the download name)."""
    raw_date = ctx.query("date")
    date = parse_date(raw_date, "报告日期") if raw_date else dt.date.today()
    period = reports.parse_period(ctx.query("period") or None, until=date)
    department = ctx.query("department") or None
    if ctx.departments is not None:
        if department is None and len(ctx.departments) == 1:
            department = ctx.departments[0]
        if department is None:
            raise ReportError(detail="请选择您所在的部门（审查员只能生成本部门的报告）")
        if department not in ctx.departments:
            raise Forbidden("审查员只能生成本部门的报告，不能生成其他部门的报告。")
    settings = ctx.settings
    names = LocalNames.from_settings(settings)
    corpus = settings.corpus
    suffix = f"_{department}" if department else ""
    if kind == "selfcheck":
        out = folder / f"自查整改报告_{period.code}{suffix}.docx"
        reports.write_self_inspection(
            ctx.db,
            out,
            period=period,
            date=date,
            corpus_dir=corpus,
            department=department,
            names=names,
        )
        return out, DOCX, out.name
    if kind == "notice":
        ids = _notice_cases(ctx, period, department)
        out = folder / f"典型案例通报_{date.isoformat()}.docx"
        reports.write_notice(ctx.db, out, case_ids=ids, date=date, corpus_dir=corpus, names=names)
        return out, DOCX, out.name
    if kind == "ledger":
        status = ctx.query("status") or None
        if status is not None and status not in STATES:
            raise ReportError(detail=f"案件状态“{status}”无效，可选：{'、'.join(STATES)}")
        out = folder / f"工作台账_{date.isoformat()}{suffix}.xlsx"
        reports.write_ledger_table(
            ctx.db, out, date=date, corpus_dir=corpus, department=department, status=status
        )
        return out, XLSX, out.name
    if kind == "stats":
        if ctx.departments is not None:
            raise Forbidden("效能评估统计列出各部门的数字，仅管理员和领导可以下载。")
        written = reports.write_stats(ctx.db, folder, period=period, date=date, names=names)
        want = ".docx" if ctx.query("fmt") == "docx" else ".xlsx"
        out = next(p for p in written.paths if p.suffix == want)
        return out, DOCX if want == ".docx" else XLSX, out.name
    raise ReportError(detail=f"未知的报告种类“{kind}”，可选：{'、'.join(KINDS.values())}")


@page("/reports/download", roles=ALL)
def reports_download(ctx: Ctx) -> Response:
    kind = ctx.query("kind")
    with tempfile.TemporaryDirectory(prefix="screening-report-") as tmp:
        try:
            path, content_type, name = _write(ctx, kind, Path(tmp))
        except Forbidden:
            raise
        except ScreeningError as err:
            return _form(ctx, str(err), 400)
        return _attachment(path, content_type, name)
