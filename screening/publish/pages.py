"""The portal's pages and tables: page contexts, the XLSX of each table, and ``render``.

``render(portal, manifest)`` returns every file of the site but the manifest, by name; the
folder handling and the manifest are ``site.py``'s.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

from ..catalogue.model import ELEMENTS, FIELD_LABELS, PermitItem
from ..neglist.export import HEADINGS as LIST_HEADINGS
from ..neglist.export import facts as list_facts
from ..neglist.export import source_statement as list_source
from ..neglist.export import to_xlsx
from ..neglist.model import CATEGORIES, Item, Measure
from ..neglist.validate import META_PATH
from ..reports.selfcheck import ordinal
from . import changes, templates, xlsx
from .data import Portal

STYLE = "style.css"
# file, page title, nav label
PAGES = (
    ("index.html", "首页"),
    ("negative-list.html", "市场准入负面清单"),
    ("catalogue.html", "许可事项目录"),
    ("changes.html", "变更记录"),
    ("cases.html", "典型案例"),
)
XLSX = {
    "negative-list": "negative-list.xlsx",
    "catalogue": "catalogue.xlsx",
    "changes": "changes.xlsx",
    "cases": "cases.xlsx",
}
# Catalogue columns shown on the page (名称 is the row header; 主管部门 is the section).
PAGE_FIELDS = (
    "name",
    "subitem",
    "code",
    "basis",
    "level",
    "process",
    "materials",
    "conditions",
    "time_limit",
    "fees",
)
LONG_FIELDS = {"basis", "process", "materials", "conditions"}
XLSX_FIELDS = ("department", *PAGE_FIELDS, "remark")
SECTION_NO = {CATEGORIES[0]: "一、", CATEGORIES[1]: "二、"}  # as the official table numbers them
OFFICIAL_SITE = "国家发展改革委门户网站（www.ndrc.gov.cn）"


# --- page contexts -----------------------------------------------------------------------------


def _day(text: str | None, fallback: str) -> dt.date:
    for value in (text, fallback):
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            continue
    return dt.date(1980, 1, 1)


def _site(portal: Portal) -> dict[str, Any]:
    county = portal.names.county_name
    return {
        "name": f"{county}市场准入信息公开",
        "subtitle": "市场准入负面清单　许可事项目录　典型案例",
        "pages": [{"file": f, "title": t} for f, t in PAGES],
        "footer": f"{county}市场准入信息公开页面。页面由离线工具根据本县工作台账和已导入的"
        "清单、目录生成，不含脚本，不引用外部资源；如与正式发布文本不一致，以正式发布文本为准。",
    }


def _bundled_rows(facts: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not facts:
        return []
    e = facts.get("expected", {})
    rows = [("清单名称", facts.get("name")), ("文号", facts.get("doc_no"))]
    rows.append(("发布", facts.get("issued") or facts.get("published")))
    if e.get("items"):
        rows.append(
            (
                "事项数",
                f"{e['items']} 项（禁止准入类 {e.get('prohibited')} 项、许可准入类 "
                f"{e.get('permitted')} 项）",
            )
        )
    if e.get("national_measures"):
        rows.append(("全国性管理措施", f"{e['national_measures']} 条"))
    if e.get("local_measures"):
        rows.append(("地方性管理措施", f"{e['local_measures']} 条"))
    rows.append(("废止", facts.get("supersedes")))
    return [(k, str(v)) for k, v in rows if v]


def _missing_list_text(facts: dict[str, Any] | None) -> list[str]:
    name = (facts or {}).get("name") or "市场准入负面清单（2025年版）"
    doc = (facts or {}).get("doc_no") or "发改体改规〔2025〕466号"
    count = (facts or {}).get("expected", {}).get("items") or 106
    return [
        f"本页尚未载入负面清单事项表。{name}（{doc}）的 {count} 项事项表不随本软件附带，"
        "本页不转录、不编写任何清单事项。",
        f"请以国家发展改革委、商务部、市场监管总局发布的正式文本为准，可在{OFFICIAL_SITE}"
        f"查阅和下载《{name.strip('《》')}》（{doc}）全文。",
        "本县导入正式文本后，本页将列出全部事项。",
    ]


def _list_page(portal: Portal, dated: dict[str, Any]) -> dict[str, Any]:
    ed = portal.edition
    if ed is None:
        return {
            "edition": None,
            "missing": _missing_list_text(portal.bundled),
            "bundled": _bundled_rows(portal.bundled),
            "dated": dated,
        }
    rows = list_rows(portal.list_items)
    return {
        "edition": ed,
        "facts": list_facts(ed),
        "item_count": len(portal.list_items),
        "headings": LIST_HEADINGS,
        "rows": rows,
        "dated": dated,
    }


def list_rows(items: list[Item]) -> list[dict[str, Any]]:
    """Section rows and one row per measure; an item's number, name, code and local measures
    span its measures' rows (as the official table merges them)."""
    rows: list[dict[str, Any]] = []
    category: str | None = ""
    for it in items:
        if it.category != category:
            category = it.category
            rows.append(
                {"section": f"{SECTION_NO.get(category or '', '')}{category or '类别未知'}"}
            )
        measures = it.measures or (Measure(""),)
        for k, m in enumerate(measures):
            rows.append(
                {
                    "section": None,
                    "first": k == 0,
                    "span": len(measures),
                    "no": str(it.item_no or ""),
                    "name": it.name,
                    "code": it.code,
                    "measure": m.text,
                    "departments": m.departments,
                    "local": it.local_measures,
                }
            )
    return rows


def departments(items: list[PermitItem]) -> OrderedDict[str, list[PermitItem]]:
    """Items by 主管部门, departments in order of first appearance in the catalogue."""
    out: OrderedDict[str, list[PermitItem]] = OrderedDict()
    for item in items:
        out.setdefault(changes.department_of(item), []).append(item)
    return out


def page_fields(items: list[PermitItem]) -> list[str]:
    """The columns shown: every information element, the other columns only when filled in."""
    return [
        f for f in PAGE_FIELDS if f in ELEMENTS or any(str(getattr(i, f)).strip() for i in items)
    ]


def _cells(item: PermitItem, fields: list[str]) -> list[Any]:
    cells = []
    for name in fields:
        text = str(getattr(item, name) or "").strip()
        kind = "long" if name in LONG_FIELDS else "short"
        cells.append({"text": text or ("" if name in ELEMENTS else "—"), "kind": kind})
    return [cells[0]["text"], *cells[1:]]


def _catalogue_page(portal: Portal, dated: dict[str, Any]) -> dict[str, Any]:
    cat = portal.catalogue
    if cat is None:
        return {
            "edition": None,
            "missing": [
                "尚未导入本县市场准入许可事项目录，本页暂无内容。",
                "目录导入后，本页将按主管部门列出每个许可事项及其设立依据、审批流程、"
                "申请材料、批准条件等信息要素。",
            ],
            "dated": dated,
        }
    groups = departments(portal.permits)
    fields = page_fields(portal.permits)
    return {
        "edition": cat,
        "facts": [
            ("目录名称", cat.label),
            ("目录层级", f"{cat.level}级"),
            ("施行日期", cat.as_of),
            ("事项数", f"{len(portal.permits)} 项，{len(groups)} 个主管部门"),
        ],
        "headings": [FIELD_LABELS[f] for f in fields],
        "departments": [
            {
                "name": name,
                "anchor": f"dept-{i}",
                "entries": [{"cells": _cells(it, fields)} for it in items],
            }
            for i, (name, items) in enumerate(groups.items(), start=1)
        ],
        "dated": dated,
    }


def _change_entries(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for entry in history:
        label = "首次发布" if entry["first"] else "本次发布与上次发布相比"
        groups: OrderedDict[str, list[str]] = OrderedDict()
        for section, kind, item, detail in entry["rows"]:
            line = f"{kind}：{item}" + (f"（{detail}）" if detail else "")
            groups.setdefault(section, []).append(line)
        if not groups:
            groups["说明"] = ["首次发布时尚无可公布的内容。"]
        out.append(
            {
                "title": f"{entry['date']}　{label}",
                "groups": [{"title": k, "lines": v} for k, v in groups.items()],
            }
        )
    return out


def _case_views(portal: Portal) -> list[dict[str, Any]]:
    return [
        {
            "number": f"（{ordinal(i)}）",
            "heading": c.heading,
            "department": c.department,
            "status": c.status,
            "paragraphs": c.paragraphs,
        }
        for i, c in enumerate(portal.cases, start=1)
    ]


# --- the tables as XLSX ------------------------------------------------------------------------


def _catalogue_xlsx(portal: Portal, notes: list[str], day: dt.date) -> bytes:
    cat = portal.catalogue
    assert cat is not None
    header = ["序号", *(FIELD_LABELS[f] for f in XLSX_FIELDS)]
    ordered = [it for items in departments(portal.permits).values() for it in items]
    rows = [
        [
            i,
            *(
                changes.department_of(it) if f == "department" else getattr(it, f)
                for f in XLSX_FIELDS
            ),
        ]
        for i, it in enumerate(ordered, start=1)
    ]
    widths = (6, 18, 24, 16, 12, 36, 10, 36, 40, 40, 12, 14, 20)
    return xlsx.sheet(
        title=f"{cat.label}（许可事项目录）",
        sheet_name="许可事项目录",
        notes=notes,
        header=header,
        rows=rows,
        widths=widths,
        day=day,
    )


def _cases_xlsx(portal: Portal, notes: list[str], day: dt.date) -> bytes:
    header = ["序号", "案例", "责任单位", "基本情况", "违反的审查标准", "整改情况", "办理状态"]
    rows = []
    for i, c in enumerate(portal.cases, start=1):
        facts, breach, rectify = (*c.paragraphs, "", "", "")[:3]
        rows.append([i, c.heading, c.department, facts, c.refs or breach, rectify, c.status])
    return xlsx.sheet(
        title=f"{portal.names.county_name}典型案例",
        sheet_name="典型案例",
        notes=notes,
        header=header,
        rows=rows,
        widths=(6, 30, 16, 50, 40, 40, 10),
        day=day,
    )


def render(portal: Portal, manifest: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the site but the manifest, by name."""
    site = _site(portal)
    tables = manifest["tables"]
    files: dict[str, bytes] = {STYLE: templates.STYLE.encode("utf-8")}
    list_dated = _list_files(portal, site, tables["negative-list"], files)
    cat_dated = _catalogue_files(portal, site, tables["catalogue"], files)
    latest = _changes_files(portal, site, manifest, files)
    case_dated = _cases_files(portal, site, tables["cases"], files)
    files["index.html"] = _index_page(
        portal, site, manifest, latest, list_dated, cat_dated, case_dated
    )
    return files


def _list_files(
    portal: Portal, site: dict[str, Any], t: dict[str, Any], files: dict[str, bytes]
) -> dict[str, Any]:
    """negative-list.html (and its XLSX when an edition is imported); returns its dates."""
    ed = portal.edition
    if ed is not None:
        list_date = ed.published or (ed.source.imported_at[:10] if ed.source else t["changed"])
        list_dated = {
            "data_date": list_date,
            "updated": t["changed"],
            "source": list_source(ed),
            "xlsx": XLSX["negative-list"],
            "xlsx_label": ed.name,
        }
        files[XLSX["negative-list"]] = xlsx.pin(
            to_xlsx(ed, portal.list_items), _day(list_date, t["changed"])
        )
    else:
        list_date = (portal.bundled or {}).get("published") or "（未导入）"
        list_dated = {
            "data_date": list_date,
            "updated": t["changed"],
            "source": f"数据来源：版本信息摘自软件附带的 {META_PATH.as_posix()}（据公开报道整理），"
            "仅供参考，以国家正式发布文本为准。",
            "xlsx": None,
        }
    files["negative-list.html"] = templates.render(
        "negative-list.html",
        site=site,
        current="negative-list.html",
        title="市场准入负面清单",
        **_list_page(portal, list_dated),
    )
    return list_dated


def _catalogue_files(
    portal: Portal, site: dict[str, Any], t: dict[str, Any], files: dict[str, bytes]
) -> dict[str, Any]:
    """catalogue.html (and its XLSX when a catalogue is imported); returns its dates."""
    cat = portal.catalogue
    if cat is not None:
        cat_source = (
            f"数据来源：本目录根据{cat.level}级许可事项目录文件“{cat.file_name}”"
            f"（SHA-256：{cat.sha256}）于 {cat.imported_at} 导入生成，自 {cat.as_of} 起施行。"
            "“（未填写）”表示目录中该信息要素空缺，有关部门正在补充完善。"
            "如与正式发布文本不一致，以正式发布文本为准。"
        )
        cat_dated = {
            "data_date": cat.as_of,
            "updated": t["changed"],
            "source": cat_source,
            "xlsx": XLSX["catalogue"],
            "xlsx_label": "许可事项目录",
        }
        files[XLSX["catalogue"]] = _catalogue_xlsx(
            portal, [cat_source, f"数据日期：{cat.as_of}"], _day(cat.as_of, t["changed"])
        )
    else:
        cat_dated = {
            "data_date": "（未导入）",
            "updated": t["changed"],
            "source": "数据来源：本县工作台账中尚无已导入的许可事项目录。",
            "xlsx": None,
        }
    files["catalogue.html"] = templates.render(
        "catalogue.html",
        site=site,
        current="catalogue.html",
        title=f"{portal.names.county_name}市场准入许可事项目录",
        **_catalogue_page(portal, cat_dated),
    )
    return cat_dated


def _changes_files(
    portal: Portal, site: dict[str, Any], manifest: dict[str, Any], files: dict[str, bytes]
) -> str:
    """changes.html and changes.xlsx from the manifest's history; returns the latest date."""
    history = manifest["history"]
    rows = changes.change_rows(history)
    latest = history[0]["date"] if history else manifest["tables"]["cases"]["changed"]
    change_source = (
        "数据来源：每次发布时与上一次发布的内容逐项比对（记录保存在本文件夹的 publish.json 中）。"
    )
    files[XLSX["changes"]] = xlsx.sheet(
        title=f"{portal.names.county_name}市场准入信息公开变更记录",
        sheet_name="变更记录",
        notes=[change_source, f"最近一次变更：{latest}"],
        header=changes.HEADINGS,
        rows=rows,
        widths=(6, 12, 18, 14, 40, 50),
        day=_day(latest, latest),
    )
    files["changes.html"] = templates.render(
        "changes.html",
        site=site,
        current="changes.html",
        title="变更记录",
        dated={
            "data_date": latest,
            "updated": latest,
            "source": change_source,
            "xlsx": XLSX["changes"],
            "xlsx_label": "变更记录",
        },
        intro="因清单调整、目录修订或案例更新导致公开内容变化的，按发布日期列出变更事项，最近的在前。",
        entries=_change_entries(history),
        headings=changes.HEADINGS,
        rows=rows,
    )
    return latest


def _cases_files(
    portal: Portal, site: dict[str, Any], t: dict[str, Any], files: dict[str, bytes]
) -> dict[str, Any]:
    """cases.html (and cases.xlsx when cases are shown); returns its dates."""
    case_date = max((c.date for c in portal.cases), default="") or "（暂无）"
    case_source = (
        "数据来源：本县公平竞争审查工作台账中经核查认定违反公平竞争审查标准的案件"
        "（与典型案例通报同一口径）。已删除投诉举报人姓名、联系方式、身份证号码等个人信息。"
    )
    case_dated = {
        "data_date": case_date,
        "updated": t["changed"],
        "source": case_source,
        "xlsx": XLSX["cases"] if portal.cases else None,
        "xlsx_label": "典型案例",
    }
    if portal.cases:
        files[XLSX["cases"]] = _cases_xlsx(
            portal, [case_source, f"数据日期：{case_date}"], _day(case_date, t["changed"])
        )
    files["cases.html"] = templates.render(
        "cases.html",
        site=site,
        current="cases.html",
        title=f"{portal.names.county_name}妨碍统一市场和公平竞争典型案例",
        dated=case_dated,
        intro=f"以下为{portal.names.county_name}核查认定的违反公平竞争审查标准典型案例，"
        "向社会公示，接受社会监督。",
        cases=_case_views(portal),
        empty="本次发布暂无公示的典型案例。",
    )
    return case_dated


def _index_page(
    portal: Portal,
    site: dict[str, Any],
    manifest: dict[str, Any],
    latest: str,
    list_dated: dict[str, Any],
    cat_dated: dict[str, Any],
    case_dated: dict[str, Any],
) -> bytes:
    """index.html: one card per section with its dates and download."""
    ed, cat, tables = portal.edition, portal.catalogue, manifest["tables"]
    history = manifest["history"]
    cards = [
        {
            "file": "negative-list.html",
            "title": "市场准入负面清单",
            "summary": (
                f"{ed.name}，共 {len(portal.list_items)} 项事项。"
                if ed
                else "负面清单事项表尚未载入本网站，页面说明了正式文本的查阅途径。"
            ),
            "data_date": list_dated["data_date"],
            "updated": tables["negative-list"]["changed"],
            "xlsx": list_dated["xlsx"],
        },
        {
            "file": "catalogue.html",
            "title": "许可事项目录",
            "summary": (
                f"{cat.label}：{len(portal.permits)} 项许可事项，"
                f"{len(departments(portal.permits))} 个主管部门，"
                "列明设立依据、审批流程、申请材料等信息要素。"
                if cat
                else "尚未导入本县许可事项目录。"
            ),
            "data_date": cat_dated["data_date"],
            "updated": tables["catalogue"]["changed"],
            "xlsx": cat_dated["xlsx"],
        },
        {
            "file": "changes.html",
            "title": "变更记录",
            "summary": f"共 {len(history)} 次发布有内容变化，最近一次为 {latest}。",
            "data_date": latest,
            "updated": latest,
            "xlsx": XLSX["changes"],
        },
        {
            "file": "cases.html",
            "title": "典型案例",
            "summary": f"公示典型案例 {len(portal.cases)} 起。",
            "data_date": case_dated["data_date"],
            "updated": tables["cases"]["changed"],
            "xlsx": case_dated["xlsx"],
        },
    ]
    return templates.render(
        "index.html",
        site=site,
        current="index.html",
        title=site["name"],
        intro="根据市场准入负面清单制度和公平竞争审查制度要求，向社会公开国家统一发布的市场准入"
        f"负面清单、{portal.names.county_name}市场准入许可事项目录及其变更情况，并公示典型案例。",
        cards=cards,
        disclaimer="各栏目均注明数据日期和数据来源；表格可下载为 XLSX 文件。如与正式发布文本"
        "不一致，以正式发布文本为准。",
    )
