"""Exporting the ledger's cases as a 工作台账 table (CSV or XLSX); complainant contacts hidden."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .cases import is_overdue, list_cases

COLUMNS = [
    ("id", "案件编号"),
    ("source", "来源"),
    ("status", "状态"),
    ("title", "案件标题"),
    ("document", "涉及文件"),
    ("clause", "涉嫌条款"),
    ("standards", "涉嫌违反的审查标准"),
    ("class_1670", "1670号文分类"),
    ("subtype", "细分类型"),
    ("department", "责任部门"),
    ("assignee", "核查人"),
    ("verify_deadline", "核查期限"),
    ("decision_reason", "认定/排除理由"),
    ("measures", "整改措施"),
    ("responsible", "整改责任人"),
    ("rectify_deadline", "整改期限"),
    ("overdue", "是否逾期"),
    ("created_at", "登记时间"),
    ("updated_at", "最近更新"),
    ("closed_at", "销号时间"),
]
CONTACT_COLUMNS = [("complainant", "投诉举报人"), ("contact", "联系方式")]


def export_rows(
    db: Database,
    *,
    include_contacts: bool = False,
    today: dt.date | None = None,
    **filters: Any,
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the case table; complainant columns only with ``include_contacts``."""
    day = today or dt.date.today()
    columns = COLUMNS + (CONTACT_COLUMNS if include_contacts else [])
    rows = []
    for case in list_cases(db, today=day, **filters):
        doc = db["documents"].get(case["document_id"]) if case["document_id"] else None
        clauses = [
            r["clause"]
            for r in db.query(
                "select clause from findings where case_id = ? and status = 'active' order by id",
                [case["id"]],
            )
        ]
        complaints = list(
            db.query("select * from complaints where case_id = ? order by id", [case["id"]])
        )
        values = {
            **case,
            "document": (doc["title"] or doc["path"]) if doc else "",
            "clause": "\n".join(clauses),
            "standards": "、".join(case["standards"]),
            "overdue": "是" if is_overdue(case, day) else "",
            "complainant": "；".join(c["complainant"] or "" for c in complaints),
            "contact": "；".join(c["contact"] or "" for c in complaints),
        }
        rows.append([values.get(key) if values.get(key) is not None else "" for key, _ in columns])
    return [label for _, label in columns], rows


def export(
    db: Database,
    dest: str | Path,
    fmt: str,
    *,
    include_contacts: bool = False,
    today: dt.date | None = None,
    **filters: Any,
) -> int:
    """Write the table to ``dest`` as ``csv`` (UTF-8 with BOM, opens in Excel) or ``xlsx``."""
    header, rows = export_rows(db, include_contacts=include_contacts, today=today, **filters)
    out = Path(dest)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        wb = Workbook()
        ws = wb.active
        ws.title = "工作台账"
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for col in ws.columns:
            for cell in col[1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        wb.save(out)
    return len(rows)
