"""Exporting the ledger's cases as a 工作台账 table (CSV or XLSX); complainants' data hidden."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..tables import write_csv, write_xlsx
from .cases import is_overdue, list_cases
from .views import redactor

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
# Chinese names of case columns wherever a case is shown field by field.
FIELD_LABELS = {**dict(COLUMNS), "summary": "摘要", "version": "版本"}


def case_context(db: Database, case: dict[str, Any]) -> dict[str, Any]:
    """The rows around a case: its document, active findings (clauses) and complaints."""
    doc = db.table("documents").get(case["document_id"]) if case["document_id"] else None
    findings = list(
        db.query(
            "select f.id, f.clause, f.standard, f.data, c.article_path from findings f "
            "left join clauses c on c.document_id = f.document_id "
            "and c.doc_sha256 = f.doc_sha256 and c.idx = f.clause_index "
            "where f.case_id = ? and f.status = 'active' order by f.id",
            [case["id"]],
        )
    )
    complaints = list(
        db.query("select * from complaints where case_id = ? order by id", [case["id"]])
    )
    return {"document": doc, "findings": findings, "complaints": complaints}


def export_rows(
    db: Database,
    *,
    include_contacts: bool = False,
    today: dt.date | None = None,
    **filters: Any,
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the case table; complainant columns only with ``include_contacts``.

    Without it, personal data in every cell (complaint wording repeated in titles, clauses,
    reasons…) is masked as in the ledger's views; the stored text is left as it is.
    """
    day = today or dt.date.today()
    columns = COLUMNS + (CONTACT_COLUMNS if include_contacts else [])
    redact = redactor(db, include_contacts)
    rows = []
    for case in list_cases(db, today=day, **filters):
        ctx = case_context(db, case)
        doc, complaints = ctx["document"], ctx["complaints"]
        values = {
            **case,
            "document": (doc["title"] or doc["path"]) if doc else "",
            "clause": "\n".join(f["clause"] for f in ctx["findings"]),
            "standards": "、".join(case["standards"]),
            "overdue": "是" if is_overdue(case, day) else "",
            "complainant": "；".join(c["complainant"] or "" for c in complaints),
            "contact": "；".join(c["contact"] or "" for c in complaints),
        }
        cells = [values.get(key) if values.get(key) is not None else "" for key, _ in columns]
        rows.append([redact.value(v) for v in cells])
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
    if fmt == "csv":
        write_csv(dest, header, rows)
    else:
        write_xlsx(dest, header, rows)
    return len(rows)
