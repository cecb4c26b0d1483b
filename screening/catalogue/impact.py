"""Dynamic adjustment (动态调整): the catalogue items a change of the negative list touches.

For every list item added, removed or changed between two editions, the catalogue items that
match it (``ListMatcher`` at or above its threshold) become to-do rows for their department;
``write_impact_xlsx`` writes them as one sheet per department plus a summary sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..neglist.diff import EditionDiff, ItemChange
from ..neglist.model import PROHIBITED, Item
from ..tables import append_row, format_table, output_file
from .match import ListMatcher, brief
from .model import PermitItem

CHANGES = ("新增", "删除", "修改")
NO_DEPARTMENT = "（未填写主管部门）"
SUMMARY_SHEET = "汇总"
HEADER = (
    "部门",
    "事项名称",
    "子项",
    "清单变化",
    "清单事项编码",
    "清单事项名称",
    "相似度",
    "待办事项",
    "来源行号",
)
WIDTHS = (18, 28, 16, 10, 14, 28, 9, 60, 10)

_TASK_TEXT = {
    "新增": "清单新增该事项：核对本县对应许可是否按清单所列准入措施实施，"
    "更新事项名称、设立依据和办事指南并向社会公布",
    "新增禁止": "清单新增该禁止准入事项：核查本县是否仍在办理，如仍在办理须立即停止受理审批，"
    "并清理相关设立依据",
    "删除": "清单删除该事项：核查本县是否仍在实施，如仍在实施须停止或调整设立依据，"
    "并更新办事指南向社会公布",
    "修改": "清单修改该事项（{what}）：核对本县事项名称、设立依据、申请材料、批准条件是否与"
    "新的准入措施一致，及时更新办事指南并向社会公布",
    "修改禁止": "清单将该事项改为禁止准入类（{what}）：核查本县是否仍在办理，如仍在办理须停止"
    "受理审批并清理相关设立依据",
}


@dataclass(frozen=True)
class ImpactRow:
    """One catalogue item touched by one list change, with the department's to-do.

    ``editions`` ("旧版→新版") says which comparison the row came from (ledger case keys use it).
    """

    department: str
    item: PermitItem
    change: str  # one of CHANGES
    list_item: dict[str, Any]  # code, name, category; for 修改 also "changes" (Chinese)
    score: float
    todo: str
    editions: str = ""

    def to_record(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "item": self.item.label,
            "row": self.item.row,
            "sheet": self.item.sheet,
            "change": self.change,
            "list_item": self.list_item,
            "score": self.score,
            "todo": self.todo,
            "editions": self.editions,
        }


def describe_change(c: ItemChange) -> str:
    """What changed in a list item, in a few Chinese words (for the to-do and the table)."""
    labels = {"name": "事项名称", "code": "事项编码", "category": "类别"}
    parts = [f"{labels[f]}“{a}”改为“{b}”" for f, (a, b) in c.fields.items() if f in labels]
    counts = (
        ("新增措施", len(c.measures_added)),
        ("删除措施", len(c.measures_removed)),
        ("修改措施", len(c.measures_changed)),
        ("主管部门变化", len(c.departments_changed)),
        ("新增地方性措施", len(c.local_added)),
        ("删除地方性措施", len(c.local_removed)),
    )
    parts += [f"{label} {n} 条" for label, n in counts if n]
    return "；".join(parts) or "内容调整"


def _find(items: Sequence[Item], d: dict[str, Any]) -> Item | None:
    """The Item a diff entry (its brief dict) stands for: by code, else by name."""
    code, name = d.get("code"), d.get("name")
    for it in items:
        if code and it.code == code:
            return it
    for it in items:
        if it.name == name:
            return it
    return None


def _targets(
    diff: EditionDiff, old_items: Sequence[Item], new_items: Sequence[Item]
) -> list[tuple[str, dict[str, Any], list[Item]]]:
    """(change, list_item dict, versions of the item to match against) per list change."""
    out: list[tuple[str, dict[str, Any], list[Item]]] = []
    for d in diff.added:
        it = _find(new_items, d)
        if it is not None:
            out.append(("新增", brief(it), [it]))
    for d in diff.removed:
        it = _find(old_items, d)
        if it is not None:
            out.append(("删除", brief(it), [it]))
    for c in diff.changed:
        versions = [v for v in (_find(old_items, c.old), _find(new_items, c.new)) if v]
        if versions:
            info = {**brief(versions[-1]), "changes": describe_change(c)}
            if "category" in c.fields:
                info["old_category"] = c.fields["category"][0]
            out.append(("修改", info, versions))
    return out


def _todo(change: str, info: dict[str, Any]) -> str:
    prohibited = info.get("category") == PROHIBITED
    if change == "新增":
        return _TASK_TEXT["新增禁止" if prohibited else "新增"]
    if change == "修改":
        became_banned = prohibited and info.get("old_category") not in (None, PROHIBITED)
        return _TASK_TEXT["修改禁止" if became_banned else "修改"].format(what=info["changes"])
    return _TASK_TEXT[change]


def catalogue_impact(
    diff: EditionDiff,
    old_items: list[Item],
    new_items: list[Item],
    catalogue: list[PermitItem],
    matcher: ListMatcher,
) -> list[ImpactRow]:
    """Catalogue items affected by each added, removed or changed list item, by department."""
    targets = _targets(diff, old_items, new_items)
    versions = [v for _, _, vs in targets for v in vs]
    owner = {id(v): k for k, (_, _, vs) in enumerate(targets) for v in vs}
    editions = f"{diff.old}→{diff.new}"
    rows = []
    matches = matcher.match_all(catalogue, versions, top=len(versions))
    for p, found in zip(catalogue, matches, strict=True):
        best: dict[int, float] = {}
        for li, score, _ in found:
            if score >= matcher.threshold:
                k = owner[id(li)]
                best[k] = max(best.get(k, 0.0), score)
        for k, score in best.items():
            change, info, _ = targets[k]
            rows.append(
                ImpactRow(
                    p.department or NO_DEPARTMENT,
                    p,
                    change,
                    info,
                    round(score, 2),
                    _todo(change, info),
                    editions,
                )
            )
    rows.sort(
        key=lambda r: (
            r.department,
            CHANGES.index(r.change),
            r.list_item.get("code") or "",
            r.item.row or 0,
        )
    )
    return rows


# --- XLSX -----------------------------------------------------------------------------


def _sheet_title(name: str, used: set[str]) -> str:
    """A legal, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "未命名"
    base = base[:31]
    title, n = base, 2
    while title in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def _cells(r: ImpactRow) -> list[Any]:
    return [
        r.department,
        r.item.name,
        r.item.subitem,
        r.change,
        r.list_item.get("code", ""),
        r.list_item.get("name", ""),
        r.score,
        r.todo,
        r.item.row if r.item.row is not None else "",
    ]


def _fill(ws: Any, rows: Sequence[ImpactRow]) -> None:
    append_row(ws, HEADER)
    for r in rows:
        append_row(ws, _cells(r))
    format_table(ws, 1, WIDTHS)


def write_impact_xlsx(rows: list[ImpactRow], out: Path) -> Path:
    """汇总 sheet with every row, then one sheet per department (the to-do table to hand out)."""
    from openpyxl import Workbook

    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_title(SUMMARY_SHEET, used)
    _fill(ws, rows)
    departments: dict[str, list[ImpactRow]] = {}
    for r in rows:
        departments.setdefault(r.department, []).append(r)
    for dept in sorted(departments):
        _fill(wb.create_sheet(_sheet_title(dept, used)), departments[dept])
    with output_file(out) as dest:
        wb.save(dest)
    return dest
