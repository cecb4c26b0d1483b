"""The 工作台账 as a table: fixed columns, one row per case; XLSX or CSV, and the DOCX annex."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import OutputFormatError
from ..ledger import cases as lc
from ..privacy import Redactor
from ..tables import output_file, write_csv, write_xlsx
from .citations import Citations, where
from .layout import pin_zip
from .queries import Written, case_facts, write_sidecar

# (header, XLSX column width in characters, DOCX annex width in mm). Date columns are wide
# enough for 2025-12-31 on one line at 小五 even in a fallback font with wide digits.
COLUMNS = (
    ("序号", 6, 8),
    ("问题来源", 10, 10),
    ("发现时间", 12, 22),
    ("责任单位", 16, 16),
    ("文件名称", 30, 22),
    ("文号", 18, 16),
    ("问题条款", 50, 29),
    ("问题类型", 12, 11),
    ("违反标准", 28, 18),
    ("核查结论", 30, 18),
    ("整改措施", 30, 20),
    ("整改时限", 12, 22),
    ("责任人", 10, 11),
    ("整改状态", 12, 12),
    ("销号时间", 12, 22),
)
HEADER = [c[0] for c in COLUMNS]
FORMATS = (".xlsx", ".csv")


def conclusion(case: dict[str, Any], today: dt.date) -> str:
    """核查结论 column: where verification stands, with the reason once decided."""
    status = case["status"]
    if status == lc.PENDING:
        return "待核查"
    if status == lc.VERIFYING:
        late = "，已逾期" if lc.is_overdue(case, today) else ""
        return f"核查中（期限 {case['verify_deadline'] or '未定'}{late}）"
    verdict = "排除" if status == lc.DISMISSED else "认定违规"
    return f"{verdict}：{case['decision_reason']}" if case["decision_reason"] else verdict


def rectify_state(case: dict[str, Any], today: dt.date) -> str:
    """整改状态 column."""
    status = case["status"]
    if status == lc.RECTIFYING:
        return "整改中（已逾期）" if lc.is_overdue(case, today) else "整改中"
    return {
        lc.PENDING: "—",
        lc.VERIFYING: "—",
        lc.DISMISSED: "无需整改",
        lc.CONFIRMED: "待部署整改",
        lc.REVIEWING: "已整改，待复核",
        lc.CLOSED: "已销号",
    }[status]


def problem_type(case: dict[str, Any], cites: Citations) -> str:
    if case.get("class_1670"):
        return case["class_1670"] + (f"（{case['subtype']}）" if case.get("subtype") else "")
    families = [cites[c].family for c in case["standards"] if cites[c].family]
    return families[0] if families else ""


def clause_text(facts: dict[str, Any], case: dict[str, Any]) -> str:
    if facts["clauses"]:
        return "\n".join(f"{where(a)}：{c}" if a else c for a, c in facts["clauses"])
    return case.get("summary") or case.get("title") or ""


def found_on(case: dict[str, Any], facts: dict[str, Any]) -> str:
    """发现时间: when the case was registered, or the 受理时间 of a complaint in it if earlier
    (a hotline work order imported days after the call was found on the day it came in)."""
    days = [(case["created_at"] or "")[:10]]
    days += [(c["received_at"] or "")[:10] for c in facts["complaints"]]
    return min((d for d in days if d), default="")


def ledger_rows(
    db: Database, cases: list[dict[str, Any]], *, today: dt.date, cites: Citations
) -> list[list[str]]:
    """One row per case in ``HEADER`` order; every value a string."""
    rows = []
    for n, case in enumerate(cases, start=1):
        facts = case_facts(db, case)
        rows.append(
            [
                str(n),
                case["source"],
                found_on(case, facts),
                case["department"] or "",
                facts["title"],
                facts["doc_number"],
                clause_text(facts, case),
                problem_type(case, cites),
                cites.refs(case["standards"]),
                conclusion(case, today),
                case["measures"] or "",
                case["rectify_deadline"] or "",
                case["responsible"] or "",
                rectify_state(case, today),
                (case["closed_at"] or "")[:10],
            ]
        )
    return rows


def write_ledger_table(
    db: Database,
    out: str | Path,
    *,
    date: dt.date,
    corpus_dir: str | Path,
    department: str | None = None,
    status: str | None = None,
) -> Written:
    """Write the 工作台账 as ``.xlsx`` (frozen header, autofilter, widths) or ``.csv`` (BOM)."""
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise OutputFormatError(path=str(path), hint="工作台账请以 .xlsx 或 .csv 结尾。")
    redact = Redactor.from_ledger(db)
    cases = lc.list_cases(db, department=department, status=status)
    rows = [
        [redact(v) for v in row]
        for row in ledger_rows(db, cases, today=date, cites=Citations(corpus_dir))
    ]
    write_sheet(path, HEADER, rows, date=date, widths=[c[1] for c in COLUMNS])
    sidecar = {
        "report": "工作台账",
        "filters": {"department": department, "status": status, "date": date.isoformat()},
        "rows": [{"序号": i, "case_id": c["id"]} for i, c in enumerate(cases, start=1)],
        "figures": [
            {
                "key": "rows",
                "label": "案件数",
                "value": len(cases),
                "rows": {"cases": [c["id"] for c in cases]},
            }
        ],
    }
    return Written((path,), write_sidecar(path, sidecar, redact), f"工作台账 {len(rows)} 件")


def write_sheet(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    date: dt.date,
    widths: list[float],
    title: str = "工作台账",
) -> Path:
    """``.csv`` (UTF-8 with BOM) or ``.xlsx`` (frozen header, autofilter, widths, pinned bytes)."""
    if path.suffix.lower() == ".csv":
        return write_csv(path, header, rows)
    write_xlsx(path, header, rows, title=title, widths=widths, autofilter=True)
    with output_file(path):
        pin_zip(path, date)
    return path


def annex_rows(
    db: Database, cases: list[dict[str, Any]], *, today: dt.date, cites: Citations
) -> tuple[list[list[str]], list[float]]:
    """Header plus rows, and the column widths (mm) for the landscape DOCX annex."""
    return [HEADER, *ledger_rows(db, cases, today=today, cites=cites)], [c[2] for c in COLUMNS]
