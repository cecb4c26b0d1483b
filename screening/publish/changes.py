"""What changed since the last publication: content snapshots, their diff and the dated history.

The manifest (``publish.json`` in the output folder) keeps, per table, a content hash and the
date it last changed, a snapshot of the catalogue, list and case contents (hashes per item and
per information element, so a diff can name what changed), and the history of changes, newest
first. Nothing in it comes from the clock: a date enters only when content changed, so
publishing again with nothing changed writes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ..catalogue.model import ELEMENTS, FIELD_LABELS, PermitItem
from ..neglist.model import Item
from .data import Portal

GENERATOR = "screening publish"
FORMAT = 1
TABLES = ("negative-list", "catalogue", "cases")
# Columns of the change table (the page and its XLSX).
HEADINGS = ("序号", "日期", "栏目", "变更", "事项", "说明")
SECTION_TITLES = {
    "negative-list": "市场准入负面清单",
    "catalogue": "许可事项目录",
    "cases": "典型案例",
}
NO_DEPARTMENT = "（未填主管部门）"


def digest(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _short(obj: Any) -> str:
    return digest(obj)[:16]


def _keyed(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Keys made unique in order of appearance (a second 食品经营许可 of a department is #2)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        k, n = key, 1
        while k in out:
            n += 1
            k = f"{key}#{n}"
        out[k] = value
    return out


def department_of(item: PermitItem) -> str:
    return item.department.strip() or NO_DEPARTMENT


def _permit(item: PermitItem) -> dict[str, Any]:
    fields = {k: _short(v) for k, v in sorted(item.content().items()) if k != "department"}
    return {"label": item.label, "department": department_of(item), "fields": fields}


def _list_item(item: Item) -> dict[str, Any]:
    return {"label": item.name, "hash": _short(item.content())}


def snapshot(portal: Portal) -> dict[str, Any]:
    """Per table: a description of its version, and per item what a later diff compares."""
    ed, cat = portal.edition, portal.catalogue
    neglist = None
    if ed is not None:
        meta = {"key": ed.key, "name": ed.name, "doc_no": ed.doc_no, "published": ed.published}
        meta["source"] = ed.source.sha256 if ed.source else None
        items = _keyed((i.code or i.name, _list_item(i)) for i in portal.list_items)
        neglist = {"meta": meta, "items": items}
    catalogue = None
    if cat is not None:
        meta = {"label": cat.label, "level": cat.level, "as_of": cat.as_of, "sha256": cat.sha256}
        pairs = ((f"{department_of(i)}｜{i.name}｜{i.subitem}", _permit(i)) for i in portal.permits)
        catalogue = {"meta": meta, "items": _keyed(pairs)}
    cases = {
        str(c.case_id): {"label": c.heading, "hash": _short(c.content())} for c in portal.cases
    }
    return {"negative-list": neglist, "catalogue": catalogue, "cases": cases or None}


def table_hashes(portal: Portal, bundled_text: str) -> dict[str, str]:
    """The full content of each table (what its page and XLSX show), hashed."""
    ed = portal.edition
    return {
        "negative-list": digest(
            [ed.to_dict(), [i.content() for i in portal.list_items]] if ed else bundled_text
        ),
        "catalogue": digest(
            [
                portal.catalogue.to_dict() if portal.catalogue else None,
                [i.content() for i in portal.permits],
            ]
        ),
        "cases": digest([c.content() for c in portal.cases]),
    }


# --- the diff -------------------------------------------------------------------------------


Row = list[str]  # 栏目, 变更, 事项, 说明


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = sorted(set(old["fields"]) | set(new["fields"]), key=_field_order)
    names = [FIELD_LABELS.get(k, k) for k in keys if old["fields"].get(k) != new["fields"].get(k)]
    return "、".join(names) + "有变化" if names else "内容有变化"


def _field_order(key: str) -> tuple[int, str]:
    order = [*ELEMENTS, *FIELD_LABELS]
    return (order.index(key) if key in order else len(order), key)


def _catalogue_rows(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Row]:
    t = SECTION_TITLES["catalogue"]
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        m = new["meta"]
        return [[t, "首次公布", m["label"], f"{len(new['items'])} 项，{m['as_of']} 起施行"]]
    if new is None:
        return [[t, "停止公布", old["meta"]["label"], "本次发布未包含许可事项目录"]]
    rows: list[Row] = []
    om, nm = old["meta"], new["meta"]
    if om["label"] != nm["label"] or om["as_of"] != nm["as_of"]:
        rows.append([t, "目录版本更新", nm["label"], f"原为“{om['label']}”（{om['as_of']}）"])
    a, b = old["items"], new["items"]
    for key in sorted(b.keys() - a.keys()):
        rows.append([t, "新增事项", b[key]["label"], b[key]["department"]])
    for key in sorted(a.keys() - b.keys()):
        rows.append([t, "取消事项", a[key]["label"], a[key]["department"]])
    for key in sorted(k for k in a.keys() & b.keys() if a[k] != b[k]):
        detail = f"{b[key]['department']}：{_changed_fields(a[key], b[key])}"
        rows.append([t, "信息要素变更", b[key]["label"], detail])
    return rows


def _list_rows(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Row]:
    t = SECTION_TITLES["negative-list"]
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        m = new["meta"]
        return [[t, "公布清单", m["name"], f"版本 {m['key']}，{len(new['items'])} 项事项"]]
    if new is None:
        return [[t, "停止公布", old["meta"]["name"], "本次发布未包含负面清单事项表"]]
    rows: list[Row] = []
    om, nm = old["meta"], new["meta"]
    if om != nm:
        detail = (
            f"原为版本 {om['key']}（{om['name']}）" if om["key"] != nm["key"] else "版本信息更新"
        )
        rows.append([t, "清单版本更新", nm["name"], detail])
    a, b = old["items"], new["items"]
    for key in sorted(b.keys() - a.keys()):
        rows.append([t, "新增事项", b[key]["label"], f"事项编码/名称：{key}"])
    for key in sorted(a.keys() - b.keys()):
        rows.append([t, "删除事项", a[key]["label"], f"事项编码/名称：{key}"])
    for key in sorted(k for k in a.keys() & b.keys() if a[k] != b[k]):
        rows.append([t, "事项内容调整", b[key]["label"], f"事项编码/名称：{key}"])
    return rows


def _case_rows(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Row]:
    t = SECTION_TITLES["cases"]
    a, b = old or {}, new or {}
    order = sorted(set(a) | set(b), key=int)
    rows: list[Row] = []
    for key in order:
        if key not in a:
            rows.append([t, "新增案例", b[key]["label"], ""])
        elif key not in b:
            rows.append([t, "撤下案例", a[key]["label"], ""])
        elif a[key] != b[key]:
            rows.append([t, "案例内容更新", b[key]["label"], "整改进展等内容有更新"])
    return rows


def diff(old: dict[str, Any] | None, new: dict[str, Any], date: str) -> dict[str, Any] | None:
    """The history entry for this publication, or None when nothing changed."""
    if old is None:
        rows = [
            *_list_rows(None, new["negative-list"]),
            *_catalogue_rows(None, new["catalogue"]),
            *_case_rows(None, new["cases"]),
        ]
        return {"date": date, "first": True, "rows": rows}
    rows = [
        *_list_rows(old.get("negative-list"), new["negative-list"]),
        *_catalogue_rows(old.get("catalogue"), new["catalogue"]),
        *_case_rows(old.get("cases"), new["cases"]),
    ]
    return {"date": date, "first": False, "rows": rows} if rows else None


def manifest(
    previous: dict[str, Any] | None,
    portal: Portal,
    bundled_text: str,
    date: str,
    case_ids: list[int],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The new manifest (files filled in by the writer) and this publication's history entry."""
    prev = previous or {}
    snap = snapshot(portal)
    entry = diff(prev.get("snapshot") if previous else None, snap, date)
    old_tables = prev.get("tables", {})
    tables = {}
    for name, sha in table_hashes(portal, bundled_text).items():
        before = old_tables.get(name, {})
        same = before.get("sha256") == sha and before.get("changed")
        tables[name] = {"sha256": sha, "changed": before["changed"] if same else date}
    history = ([entry] if entry else []) + list(prev.get("history", []))
    data = {
        "generator": GENERATOR,
        "format": FORMAT,
        "case_ids": case_ids,
        "tables": tables,
        "snapshot": snap,
        "history": history,
    }
    return data, entry


def change_rows(history: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Every recorded change, newest publication first, numbered: the change table."""
    out: list[tuple[str, ...]] = []
    for entry in history:
        for row in entry["rows"]:
            out.append((str(len(out) + 1), entry["date"], *row))
    return out
