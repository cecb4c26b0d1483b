"""Ledger cases from catalogue problems and impact rows, opened once each.

Each problem (``catalogue check``) or to-do row (``catalogue impact``) becomes one case in
待核查. A key naming the catalogue edition, the source row and the problem is written to the
case's trail as a note (``目录核查标识：<key>``, for the reviewer) and to the
``catalogue_case_keys`` table (migration 0008); a key already recorded opens nothing, so
running the same command twice gives the same cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from ..domain import Class1670
from ..ledger.cases import add_note, create_case
from ..ledger.db import now
from .impact import NO_DEPARTMENT, ImpactRow
from .model import PermitItem, Problem

KEY_NOTE = "目录核查标识："
KEY_TABLE = "catalogue_case_keys"  # key TEXT primary key, case_id, created_at

# Short titles of the problems (PROBLEMS holds the long labels).
TITLES = {
    "missing_elements": "信息要素缺失",
    "basis_normative_doc": "仅以规范性文件设立",
    "basis_missing": "无设立依据",
    "basis_rule_permanent": "政府规章设定许可需复核",
    "not_in_list": "与负面清单事项均不对应",
    "banned_item_granted": "仍在办理禁止准入类事项",
    "duplicate": "与其他部门事项重复或近似重复",
}
# 1670号 class per problem: setting or granting a permit without a legal basis or against the
# list is 审批违规; missing elements and duplicates are work items, not a class of violation.
CLASS_1670 = {
    "basis_normative_doc": Class1670.APPROVAL.value,
    "basis_missing": Class1670.APPROVAL.value,
    "basis_rule_permanent": Class1670.APPROVAL.value,
    "not_in_list": Class1670.APPROVAL.value,
    "banned_item_granted": Class1670.APPROVAL.value,
}
# A list item removed (opened up nationally) that the county still grants is 1670号's hidden
# barrier example “国家层面已放开但地方仍在审批”.
STILL_APPROVING = "国家层面已放开但地方仍在审批"


def _where(item: PermitItem, label: str) -> str:
    row = f" 第{item.row}行" if item.row is not None else ""
    return f"（目录 {label}{row}）"  # the sheet is in the case key, not the title


def problem_key(p: Problem, label: str) -> str:
    other = p.related.get("code") or p.related.get("row") or p.related.get("name") or ""
    row = p.item.row if p.item.row is not None else p.item.label
    return f"catalogue:{label}:{p.item.sheet}:{row}:{p.problem}:{other}"


def impact_key(r: ImpactRow, label: str) -> str:
    row = r.item.row if r.item.row is not None else r.item.label
    list_item = r.list_item.get("code") or r.list_item.get("name") or ""
    return f"impact:{label}:{r.editions}:{r.item.sheet}:{row}:{r.change}:{list_item}"


def _case_fields(entry: Problem | ImpactRow, label: str) -> dict[str, Any]:
    item = entry.item
    if isinstance(entry, Problem):
        return {
            "key": problem_key(entry, label),
            "title": f"许可事项“{item.label}”：{TITLES.get(entry.problem, entry.problem)}"
            + _where(item, label),
            "summary": entry.detail,
            "standards": [entry.standard] if entry.standard else [],
            "class_1670": CLASS_1670.get(entry.problem),
            "subtype": None,
        }
    li = entry.list_item
    code = f"（{li['code']}）" if li.get("code") else ""
    removed = entry.change == "删除"
    return {
        "key": impact_key(entry, label),
        "title": f"许可事项“{item.label}”：清单{entry.change}事项“{li.get('name', '')}”{code}"
        + _where(item, label),
        "summary": f"{entry.todo}。清单版本：{entry.editions}；相似度 {entry.score:.2f}。",
        "standards": [],
        "class_1670": Class1670.HIDDEN_BARRIER.value if removed else None,
        "subtype": STILL_APPROVING if removed else None,
    }


def _known_keys(db: Database) -> set[str]:
    return {row["key"] for row in db.query(f"select key from {KEY_TABLE}")}


def _department(db: Database, name: str) -> str | None:
    if not name or name == NO_DEPARTMENT:
        return None
    found = db["departments"].exists() and db.table("departments").count_where("name = ?", [name])
    return name if found else None


def open_cases(
    db: Database,
    problems: Sequence[Problem] | Sequence[ImpactRow],
    *,
    operator: str,
    source: str,
    label: str,
) -> list[int]:
    """One case per problem or impact row not opened before; returns the new cases' ids.

    ``label`` names the catalogue edition (it is in every title and key). The department is the
    item's 主管部门 when the ledger knows it; otherwise the case has none and the summary says
    why. ``source`` is one of ``domain.SOURCES`` (效能评估 or 自查 for these).
    """
    known = _known_keys(db)
    new_ids: list[int] = []
    for entry in problems:
        fields = _case_fields(entry, label)
        key = fields.pop("key")
        if key in known:
            continue
        item_dept = entry.department if isinstance(entry, ImpactRow) else entry.item.department
        department = _department(db, item_dept)
        summary = fields.pop("summary")
        if department is None:
            named = item_dept if item_dept and item_dept != NO_DEPARTMENT else ""
            summary += (
                f"（目录所列主管部门“{named}”不在台账部门名录中，未填写责任部门；"
                "请用 screening departments add 登记该部门，或交办时指定部门。）"
                if named
                else "（目录未填写主管部门，未填写责任部门；交办时请指定部门。）"
            )
        with db.atomic():
            case_id = create_case(
                db,
                source=source,
                operator=operator,
                summary=summary,
                department=department,
                **fields,
            )
            add_note(db, case_id, note=KEY_NOTE + key, operator=operator)
            db.table(KEY_TABLE).insert({"key": key, "case_id": case_id, "created_at": now()})
        known.add(key)
        new_ids.append(case_id)
    return new_ids
