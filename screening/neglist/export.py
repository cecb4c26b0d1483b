"""Export an edition as a public listing (信息公开): self-contained HTML, CSV or XLSX."""

from __future__ import annotations

import html
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from ..tables import append_row, csv_bytes
from .model import CATEGORIES, Edition, Item

HEADINGS = (
    "项目号",
    "禁止或许可事项",
    "事项编码",
    "禁止或许可准入措施描述",
    "主管部门",
    "地方性许可措施",
)
FORMATS = ("html", "csv", "xlsx")
_SECTION_NO = {CATEGORIES[0]: "一、", CATEGORIES[1]: "二、"}


def source_statement(ed: Edition) -> str:
    """The visible statement of where the listing came from."""
    if ed.source is None:
        return "数据来源：未记录导入文件。如与官方发布文本不一致，以官方发布文本为准。"
    s = ed.source
    return (
        f"数据来源：本表根据文件“{s.file_name}”（SHA-256：{s.sha256}）于 {s.imported_at} 导入生成，"
        "如与官方发布文本不一致，以官方发布文本为准。"
    )


def facts(ed: Edition) -> list[tuple[str, str]]:
    return [
        ("清单名称", ed.name),
        ("文号", ed.doc_no or "（未记录）"),
        ("发布日期", ed.published or "（未记录）"),
        ("事项数", _count_text(ed)),
    ]


def _count_text(ed: Edition) -> str:
    c = ed.counts
    if not c:
        return "（未统计）"
    return (
        f"{c.get('items', 0)} 项（禁止准入类 {c.get('prohibited', 0)} 项、许可准入类 "
        f"{c.get('permitted', 0)} 项），全国性措施 {c.get('national_measures', 0)} 条，"
        f"地方性措施 {c.get('local_measures', 0)} 条"
    )


def table_rows(items: list[Item]) -> list[tuple[str, ...] | str]:
    """Official layout: section rows (str) and one row per measure; local measures fill down."""
    rows: list[tuple[str, ...] | str] = []
    category: str | None = None
    for it in items:
        if it.category != category:
            category = it.category
            rows.append(f"{_SECTION_NO.get(category or '', '')}{category or '类别未知'}")
        n = max(len(it.measures), len(it.local_measures), 1)
        for k in range(n):
            m = it.measures[k] if k < len(it.measures) else None
            local = it.local_measures[k] if k < len(it.local_measures) else ""
            rows.append(
                (
                    str(it.item_no or ""),
                    it.name,
                    it.code,
                    m.text if m else "",
                    m.departments if m else "",
                    local,
                )
            )
    return rows


def to_csv(ed: Edition, items: list[Item]) -> bytes:
    rows: list[Sequence[str]] = [[label, value] for label, value in facts(ed)]
    rows += [[source_statement(ed)], [], HEADINGS]
    rows += [[row] if isinstance(row, str) else row for row in table_rows(items)]
    return csv_bytes(rows)  # the BOM lets Excel open it as UTF-8


def to_xlsx(ed: Edition, items: list[Item]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "负面清单"
    append_row(ws, [ed.name])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in facts(ed)[1:]:
        append_row(ws, [label, value])
    append_row(ws, [source_statement(ed)])
    append_row(ws, [])
    append_row(ws, HEADINGS)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for row in table_rows(items):
        append_row(ws, [row] if isinstance(row, str) else row)
        if isinstance(row, str):
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for col, width in zip("ABCDEF", (8, 28, 12, 60, 24, 36), strict=True):
        ws.column_dimensions[col].width = width
    for r in ws.iter_rows(min_row=header_row + 1):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",SimSun,sans-serif;
margin:24px;color:#222}
h1{font-size:22px;margin:0 0 12px}
dl.facts{display:grid;grid-template-columns:7em 1fr;gap:4px 12px;margin:0 0 12px}
dl.facts dt{font-weight:bold}
p.source{background:#fff8e1;border-left:4px solid #f0ad4e;padding:8px 12px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eef2f7}
tr.section td{background:#f5f5f5;font-weight:bold}
"""


def to_html(ed: Edition, items: list[Item]) -> bytes:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(ed.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(ed.name)}</h1>",
        '<dl class="facts">',
    ]
    out += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts(ed)[1:]]
    out += ["</dl>", f'<p class="source">{e(source_statement(ed))}</p>', "<table>", "<thead><tr>"]
    out += [f"<th>{e(h)}</th>" for h in HEADINGS]
    out += ["</tr></thead><tbody>"]
    out += _html_body(items)
    out += ["</tbody></table>", "</body></html>", ""]
    return "\n".join(out).encode("utf-8")


def _html_body(items: list[Item]) -> list[str]:
    e = html.escape
    out: list[str] = []
    category: str | None = None
    for it in items:
        if it.category != category:
            category = it.category
            label = f"{_SECTION_NO.get(category or '', '')}{category or '类别未知'}"
            out.append(f'<tr class="section"><td colspan="6">{e(label)}</td></tr>')
        n = max(len(it.measures), 1)
        local = "<br>".join(e(x) for x in it.local_measures)
        for k in range(n):
            m = it.measures[k] if k < len(it.measures) else None
            cells = []
            if k == 0:
                span = f' rowspan="{n}"' if n > 1 else ""
                cells += [
                    f"<td{span}>{e(str(it.item_no or ''))}</td>",
                    f"<td{span}>{e(it.name)}</td>",
                    f"<td{span}>{e(it.code)}</td>",
                ]
            cells += [
                f"<td>{e(m.text if m else '')}</td>",
                f"<td>{e(m.departments if m else '')}</td>",
            ]
            if k == 0:
                cells.append(f"<td{span}>{local}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
    return out


RENDERERS = {"html": to_html, "csv": to_csv, "xlsx": to_xlsx}


def export_edition(ed: Edition, items: list[Item], fmt: str, out: str | Path) -> Path:
    """Render and write atomically; returns the output path."""
    if fmt not in RENDERERS:
        raise ConfigError(detail=f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。")
    data = RENDERERS[fmt](ed, items)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
