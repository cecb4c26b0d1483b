"""Data model of a market-access negative-list edition: edition facts, items, measures."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

PROHIBITED = "禁止准入类"
PERMITTED = "许可准入类"
CATEGORIES = (PROHIBITED, PERMITTED)


@dataclass(frozen=True)
class Measure:
    """One 禁止或许可准入措施描述 row with its 主管部门."""

    text: str
    departments: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Item:
    """One 事项 of the list; ``measures`` are national, ``local_measures`` 地方性许可措施."""

    item_no: int | None
    category: str | None  # one of CATEGORIES, None when no section row was seen
    name: str
    code: str  # 事项编码 as printed (6 digits when well-formed)
    measures: tuple[Measure, ...] = ()
    local_measures: tuple[str, ...] = ()
    locator: str | None = None  # where the item starts in the source (page/row/sheet)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Item:
        d = dict(d)
        d["measures"] = tuple(Measure(**m) for m in d.get("measures") or ())
        d["local_measures"] = tuple(d.get("local_measures") or ())
        return cls(**d)

    def content(self) -> dict[str, Any]:
        """The item without its locator: what identity and diffs compare."""
        d = self.to_dict()
        d.pop("locator", None)
        return d


@dataclass(frozen=True)
class SourceFile:
    """Provenance of an imported edition."""

    file_name: str
    sha256: str
    format: str
    imported_at: str
    size: int | None = None


@dataclass(frozen=True)
class Edition:
    """Edition-level facts (名称, 文号, 发布日期) plus where the imported table came from."""

    key: str  # the --edition value, e.g. "2025"; also the directory name
    name: str
    doc_no: str | None = None
    published: str | None = None  # ISO date
    source: SourceFile | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Edition:
        d = dict(d)
        if d.get("source"):
            d["source"] = SourceFile(**d["source"])
        d.setdefault("counts", {})
        return cls(**{k: v for k, v in d.items() if k in {f.name for f in dataclasses.fields(cls)}})


def count_items(items: list[Item] | tuple[Item, ...]) -> dict[str, int]:
    """Items per category and measure counts, the figures editions are announced with."""
    return {
        "items": len(items),
        "prohibited": sum(1 for i in items if i.category == PROHIBITED),
        "permitted": sum(1 for i in items if i.category == PERMITTED),
        "national_measures": sum(len(i.measures) for i in items),
        "local_measures": sum(len(i.local_measures) for i in items),
    }
