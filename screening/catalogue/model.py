"""Data model of a local market-access permit catalogue (市场准入许可事项目录) and its checks.

A catalogue edition is one imported file (a county, city or province list of permit items);
editions are kept side by side, like negative-list editions. Checks turn catalogue items into
problems a reviewer can open ledger cases from; ``impact`` relates a change of the negative list
to the catalogue items it touches.

This module is the contract between the importer/storage, the checks, the impact table and the
portal pages: plain frozen dataclasses, no I/O.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

LEVELS = ("县", "市", "省")

# The seven information elements the county work plan names (名称 is always present), and the
# other columns catalogues usually carry. Field name → Chinese label.
ELEMENTS = {
    "name": "事项名称",
    "basis": "设立依据",
    "process": "审批流程",
    "department": "主管部门",
    "level": "管理层级",
    "materials": "申请材料",
    "conditions": "批准条件",
}
OTHER_FIELDS = {
    "subitem": "子项名称",
    "code": "事项编码",
    "time_limit": "办理时限",
    "fees": "收费标准",
    "remark": "备注",
}
FIELD_LABELS = {**ELEMENTS, **OTHER_FIELDS}

# Legal rank of a 设立依据 (行政许可法 第十二条至第十七条): who may set a permit.
BASIS_KINDS = (
    "法律",
    "行政法规",
    "国务院决定",
    "地方性法规",
    "政府规章",
    "规范性文件",
    "无",
)

# Problem codes of ``screening catalogue check`` (a contract: printed in --format jsonl).
PROBLEMS = {
    "missing_elements": "信息要素缺失",
    "basis_normative_doc": "仅以规范性文件设立许可（涉嫌清单之外违规设立准入许可）",
    "basis_missing": "无设立依据（涉嫌清单之外违规设立准入许可）",
    "basis_rule_permanent": "政府规章设定的许可，需复核是否为临时性许可（行政许可法第十五条）",
    "not_in_list": "与市场准入负面清单事项均不对应",
    "banned_item_granted": "仍在办理负面清单禁止准入类事项",
    "duplicate": "与其他部门事项重复或近似重复",
}


@dataclass(frozen=True)
class PermitItem:
    """One row of a catalogue: a permit item (or sub-item) with its information elements.

    Empty strings mean "not given". ``row`` is where the item came from in the source file
    (1-based row number of the sheet/table, after merged cells were filled down), ``sheet``
    the sheet or table it is in; ``extra`` keeps unmapped columns by their header.
    """

    name: str
    subitem: str = ""
    code: str = ""
    basis: str = ""
    department: str = ""
    level: str = ""
    process: str = ""
    materials: str = ""
    conditions: str = ""
    time_limit: str = ""
    fees: str = ""
    remark: str = ""
    row: int | None = None
    sheet: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """事项名称, with the 子项 when there is one: how an item is named in messages."""
        return f"{self.name}（{self.subitem}）" if self.subitem else self.name

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PermitItem:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def content(self) -> dict[str, Any]:
        """The item without where it sat in the file: what identity and diffs compare."""
        d = self.to_dict()
        for key in ("row", "sheet"):
            d.pop(key, None)
        return d


@dataclass(frozen=True)
class CatalogueEdition:
    """One imported catalogue file: its label, level, date and provenance."""

    label: str  # the --edition value (default: derived from level and as-of date)
    level: str  # one of LEVELS
    as_of: str  # ISO date the catalogue is valid from (--as-of)
    file_name: str
    sha256: str
    imported_at: str
    item_count: int = 0
    id: int | None = None  # the ledger row id once stored

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Problem:
    """One finding of ``screening catalogue check``.

    ``problem`` is a key of PROBLEMS; ``detail`` explains it in Chinese (which elements are
    missing, what the basis was read as, which list item and score, which other item);
    ``standard`` the FCR code when there is one (FCR-9-2 for a permit outside the list);
    ``related`` the other side (list item, duplicate item) as a dict.
    """

    item: PermitItem
    problem: str
    detail: str
    standard: str = ""
    score: float | None = None
    related: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The JSON object ``catalogue check --format jsonl`` prints for this problem."""
        return {
            "item": self.item.label,
            "department": self.item.department,
            "problem": self.problem,
            "problem_label": PROBLEMS.get(self.problem, self.problem),
            "detail": self.detail,
            "row": self.item.row,
            "sheet": self.item.sheet,
            "standard": self.standard,
            "score": self.score,
            "related": self.related,
        }
