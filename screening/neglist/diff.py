"""Compare two editions: items and measures added, removed, changed (basis of 动态调整)."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import Item

_SIMILAR = 0.6  # measures at least this similar are reported as changed, not removed + added


@dataclass
class ItemChange:
    """One matched item whose content differs between the editions."""

    key: str  # 事项编码, or the name when matched by name
    matched_by: str  # code | name
    old: dict[str, Any]  # item_no, name, code, category
    new: dict[str, Any]
    fields: dict[str, list[Any]] = field(default_factory=dict)  # field -> [old, new]
    measures_added: list[str] = field(default_factory=list)
    measures_removed: list[str] = field(default_factory=list)
    measures_changed: list[list[str]] = field(default_factory=list)  # [old, new]
    departments_changed: list[list[str]] = field(default_factory=list)  # [measure, old->new]
    local_added: list[str] = field(default_factory=list)
    local_removed: list[str] = field(default_factory=list)


@dataclass
class EditionDiff:
    old: str
    new: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    unchanged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "measures_added": sum(len(c.measures_added) for c in self.changed)
            + sum(len(i["measures"]) for i in self.added),
            "measures_removed": sum(len(c.measures_removed) for c in self.changed)
            + sum(len(i["measures"]) for i in self.removed),
            "measures_changed": sum(len(c.measures_changed) for c in self.changed),
        }


def _brief(it: Item) -> dict[str, Any]:
    return {"item_no": it.item_no, "name": it.name, "code": it.code, "category": it.category}


def _full(it: Item) -> dict[str, Any]:
    return {
        **_brief(it),
        "measures": [m.text for m in it.measures],
        "local_measures": list(it.local_measures),
    }


def match_items(
    old: list[Item], new: list[Item]
) -> tuple[list[tuple[Item, Item, str]], list[Item], list[Item]]:
    """Pairs by 事项编码 first, then by item name among the rest; returns pairs, removed, added."""
    pairs: list[tuple[Item, Item, str]] = []
    new_by_code = {it.code: it for it in new if it.code}
    used: set[int] = set()
    rest_old = []
    for it in old:
        other = new_by_code.get(it.code) if it.code else None
        if other is not None and id(other) not in used:
            pairs.append((it, other, "code"))
            used.add(id(other))
        else:
            rest_old.append(it)
    new_by_name = {it.name: it for it in new if id(it) not in used}
    removed = []
    for it in rest_old:
        other = new_by_name.get(it.name)
        if other is not None and id(other) not in used:
            pairs.append((it, other, "name"))
            used.add(id(other))
        else:
            removed.append(it)
    added = [it for it in new if id(it) not in used]
    return pairs, removed, added


def _measure_changes(a: Item, b: Item, change: ItemChange) -> None:
    old_m = {m.text: m.departments for m in a.measures}
    new_m = {m.text: m.departments for m in b.measures}
    gone = [t for t in old_m if t not in new_m]
    came = [t for t in new_m if t not in old_m]
    for t in list(gone):
        best = max(came, key=lambda c: difflib.SequenceMatcher(None, t, c).ratio(), default=None)
        if best is not None and difflib.SequenceMatcher(None, t, best).ratio() >= _SIMILAR:
            change.measures_changed.append([t, best])
            gone.remove(t)
            came.remove(best)
    change.measures_removed = gone
    change.measures_added = came
    for t, dept in old_m.items():
        if t in new_m and new_m[t] != dept:
            change.departments_changed.append([t, f"{dept} → {new_m[t]}"])
    change.local_removed = [x for x in a.local_measures if x not in b.local_measures]
    change.local_added = [x for x in b.local_measures if x not in a.local_measures]


def diff_items(
    old: list[Item], new: list[Item], old_name: str = "旧版", new_name: str = "新版"
) -> EditionDiff:
    pairs, removed, added = match_items(old, new)
    result = EditionDiff(old_name, new_name, [_full(i) for i in added], [_full(i) for i in removed])
    for a, b, how in pairs:
        change = ItemChange(a.code if how == "code" else a.name, how, _brief(a), _brief(b))
        for f in ("name", "code", "category", "item_no"):
            if getattr(a, f) != getattr(b, f):
                change.fields[f] = [getattr(a, f), getattr(b, f)]
        _measure_changes(a, b, change)
        substantive = (change.fields.keys() - {"item_no"}) or any(
            (
                change.measures_added,
                change.measures_removed,
                change.measures_changed,
                change.departments_changed,
                change.local_added,
                change.local_removed,
            )
        )
        if substantive:
            result.changed.append(change)
        else:
            result.unchanged += 1  # renumbering alone is not a content change
    return result


_FIELD_LABELS = {"name": "事项名称", "code": "事项编码", "category": "类别", "item_no": "项目号"}


def format_diff(d: EditionDiff) -> str:
    """Plain-text report in Chinese."""
    s = d.summary
    lines = [
        f"清单版本对比：{d.old} → {d.new}",
        f"新增事项 {s['added']} 项，删除事项 {s['removed']} 项，修改事项 {s['changed']} 项，"
        f"未变 {s['unchanged']} 项；措施新增 {s['measures_added']} 条，"
        f"删除 {s['measures_removed']} 条，"
        f"修改 {s['measures_changed']} 条。",
    ]
    for title, rows in (("新增事项", d.added), ("删除事项", d.removed)):
        if rows:
            lines += ["", f"【{title}】"]
            for it in rows:
                lines.append(
                    f"  {it['item_no']}. {it['name']}（{it['code'] or '无编码'}，"
                    f"{it['category'] or '类别未知'}，"
                    f"{len(it['measures'])} 条措施）"
                )
    if d.changed:
        lines += ["", "【修改事项】"]
    for c in d.changed:
        how = "按事项编码匹配" if c.matched_by == "code" else "按事项名称匹配"
        lines.append(f"  {c.new['item_no']}. {c.new['name']}（{c.new['code'] or '无编码'}，{how}）")
        for f, (a, b) in c.fields.items():
            lines.append(f"    {_FIELD_LABELS[f]}：{a} → {b}")
        lines += [f"    + 措施：{t}" for t in c.measures_added]
        lines += [f"    - 措施：{t}" for t in c.measures_removed]
        for a, b in c.measures_changed:
            lines += [f"    ~ 措施：{a}", f"        改为：{b}"]
        lines += [f"    ~ 主管部门（{t}）：{x}" for t, x in c.departments_changed]
        lines += [f"    + 地方性措施：{t}" for t in c.local_added]
        lines += [f"    - 地方性措施：{t}" for t in c.local_removed]
    return "\n".join(lines)
