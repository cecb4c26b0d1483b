"""Generators of a small negative list MADE FOR THE TESTS (not official) in the official layout.

Every name, code and measure below is invented and marked as test data; none of it is an item
of the real 市场准入负面清单. The same canonical items are rendered as PDF (ruled table over two
pages, one measure continuing across the page break, merged 项目号/事项 cells), DOCX (vertically
merged cells), XLSX (merged cells) and CSV (GB18030), so tests can check that every reader
yields identical items.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

TEST_EDITION_NAME = "测试用清单（非官方）"
TEST_DOC_NO = "测试文号〔0000〕1号（非官方）"
HEADERS = (
    "项目号",
    "禁止或许可事项",
    "事项编码",
    "禁止或许可准入措施描述",
    "主管部门",
    "地方性许可措施",
)
# Header variants seen in other editions / spreadsheets, used for the CSV.
CSV_HEADERS = (
    "序号",
    "事项名称",
    "事项编码",
    "禁止或许可准入措施",
    "主管部门（单位）",
    "地方性许可事项",
)

# The measure of 测试事项丁 that the PDF splits across the page break.
SPLIT_HEAD = "测试措施丁-12：在测试区域内从事测试丁业务，须取得测试主管部门"
SPLIT_TAIL = "核发的测试许可证（本条为测试数据，非官方）"


def _measures(prefix: str, n: int, dept: str) -> list[dict]:
    return [
        {
            "text": f"测试措施{prefix}-{i}：未获得测试许可，不得从事测试{prefix}第{i}类业务（测试数据）",
            "departments": dept,
        }
        for i in range(1, n + 1)
    ]


def canonical_items() -> list[dict]:
    """The test list as plain dicts: what every reader must produce."""
    ding = _measures("丁", 11, "测试部门丙")
    ding.append({"text": SPLIT_HEAD + SPLIT_TAIL, "departments": "测试部门丙"})
    ding += [
        {
            "text": f"测试措施丁-{i}：测试丁业务须经测试备案后开展（测试数据）",
            "departments": "测试部门丁",
        }
        for i in (13, 14)
    ]
    return [
        {
            "item_no": 1,
            "category": "禁止准入类",
            "name": "测试事项甲（非官方）",
            "code": "900001",
            "measures": _measures("甲", 2, "测试部门甲"),
            "local_measures": [],
        },
        {
            "item_no": 2,
            "category": "禁止准入类",
            "name": "测试事项乙（非官方）",
            "code": "900002",
            "measures": _measures("乙", 1, "测试部门乙"),
            "local_measures": [],
        },
        {
            "item_no": 3,
            "category": "许可准入类",
            "name": "测试事项丙（非官方）",
            "code": "900101",
            "measures": _measures("丙", 3, "测试部门甲、测试部门乙"),
            "local_measures": [],
        },
        {
            "item_no": 4,
            "category": "许可准入类",
            "name": "测试事项丁（非官方）",
            "code": "900102",
            "measures": ding,
            "local_measures": [],
        },
        {
            "item_no": 5,
            "category": "许可准入类",
            "name": "测试事项戊（非官方）",
            "code": "900103",
            "measures": _measures("戊", 2, "测试部门戊"),
            "local_measures": ["测试省：从事测试戊业务须取得测试省级许可（测试数据）"],
        },
    ]


def variant_items() -> list[dict]:
    """A second test edition: one item removed, one added, one renamed, measures changed."""
    items = copy.deepcopy(canonical_items())
    del items[1]  # 测试事项乙 removed
    items[1]["measures"][0]["text"] = (
        "测试措施丙-1：未获得测试许可，不得从事测试丙第1类业务（测试数据，已修改）"
    )
    items[1]["measures"].append(
        {"text": "测试措施丙-4：新增的测试措施（测试数据）", "departments": "测试部门甲"}
    )
    items[3]["name"] = "测试事项戊（非官方，已更名）"
    items[3]["local_measures"] = []
    items.append(
        {
            "item_no": 6,
            "category": "许可准入类",
            "name": "测试事项己（非官方）",
            "code": "900104",
            "measures": _measures("己", 1, "测试部门己"),
            "local_measures": [],
        }
    )
    for i, item in enumerate(items, 1):
        item["item_no"] = i
    return items


SECTIONS = {"禁止准入类": "一、禁止准入类", "许可准入类": "二、许可准入类"}


def table_rows(items: list[dict]) -> list[tuple[str, ...] | str]:
    """Rows in the official layout; a str is a section row. Item cells repeat on every row."""
    rows: list[tuple[str, ...] | str] = []
    category = None
    for item in items:
        if item["category"] != category:
            category = item["category"]
            rows.append(SECTIONS[category])
        for k, m in enumerate(item["measures"]):
            local = "；".join(item["local_measures"]) if k == 0 else ""
            rows.append(
                (
                    str(item["item_no"]),
                    item["name"],
                    item["code"],
                    m["text"],
                    m["departments"],
                    local,
                )
            )
    return rows


def _item_runs(rows: list) -> list[tuple[int, int]]:
    """(first, last) row indexes of each item's run, for merging cells."""
    runs, start, prev = [], None, 0
    for i, row in enumerate(rows):
        if isinstance(row, str):
            continue
        if start is None or rows[start][0] != row[0]:
            if start is not None:
                runs.append((start, prev))
            start = i
        prev = i
    runs.append((start, prev))
    return runs


def write_csv(
    path: Path, items: list[dict], *, encoding: str = "gb18030", headers=CSV_HEADERS
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for row in table_rows(items):
            w.writerow([row, "", "", "", "", ""] if isinstance(row, str) else row)
    return path


def write_xlsx(path: Path, items: list[dict]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([TEST_EDITION_NAME])
    ws.append(list(HEADERS))
    rows = table_rows(items)
    offset = 3  # sheet row of rows[0]
    for row in rows:
        ws.append([row] if isinstance(row, str) else list(row))
    for i, row in enumerate(rows):
        if isinstance(row, str):
            ws.merge_cells(start_row=offset + i, end_row=offset + i, start_column=1, end_column=6)
    for a, b in _item_runs(rows):
        if b > a:
            for col in (1, 2, 3, 6):
                for r in range(a + 1, b + 1):
                    ws.cell(row=offset + r, column=col).value = None
                ws.merge_cells(
                    start_row=offset + a, end_row=offset + b, start_column=col, end_column=col
                )
    wb.save(path)
    return path


def write_docx(path: Path, items: list[dict]) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(TEST_EDITION_NAME)
    rows = table_rows(items)
    table = d.add_table(rows=len(rows) + 1, cols=6)
    table.style = "Table Grid"
    for j, h in enumerate(HEADERS):
        table.cell(0, j).text = h
    for i, row in enumerate(rows, start=1):
        if isinstance(row, str):
            merged = table.cell(i, 0).merge(table.cell(i, 5))
            merged.text = row
            continue
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    for a, b in _item_runs(rows):
        if b > a:
            for col in (0, 1, 2, 5):
                keep = table.cell(a + 1, col).text
                merged = table.cell(a + 1, col).merge(table.cell(b + 1, col))
                merged.text = keep
    d.save(path)
    return path


def write_pdf(path: Path, items: list[dict]) -> Path:
    """Two pages; 测试事项丁's measure 12 is split across the page break like the official PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=8, leading=10)
    title = ParagraphStyle("title", fontName="STSong-Light", fontSize=14, leading=18)
    rows = table_rows(items)
    split_at = next(
        i for i, r in enumerate(rows) if not isinstance(r, str) and r[3].startswith(SPLIT_HEAD)
    )
    head_row = rows[split_at]
    tail_row = (*head_row[:3], SPLIT_TAIL, "", "")
    pages = [
        [*rows[:split_at], (*head_row[:3], SPLIT_HEAD, *head_row[4:])],
        [tail_row, *rows[split_at + 1 :]],
    ]
    widths = [40, 110, 55, 260, 110, 120]

    def render(page_rows: list, continued: bool) -> Table:
        data = [[Paragraph(h, style) for h in HEADERS]]
        cmds = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for row in page_rows:
            r = len(data)
            if isinstance(row, str):
                data.append([Paragraph(row, style), "", "", "", "", ""])
                cmds.append(("SPAN", (0, r), (-1, r)))
            else:
                data.append([Paragraph(v, style) if v else "" for v in row])
        # Merge each item's 项目号/事项/编码/地方性 cells vertically within the page; an item
        # continued from the previous page shows blank item cells, as Word renders a split merge.
        for first, (a, b) in enumerate(_item_runs(page_rows)):
            a, b = a + 1, b + 1
            for col in (0, 1, 2, 5):
                for rr in range(a + 1, b + 1):
                    data[rr][col] = ""
                if continued and first == 0:
                    data[a][col] = ""
                if b > a:
                    cmds.append(("SPAN", (col, a), (col, b)))
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle(cmds))
        return t

    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), topMargin=30, bottomMargin=30)
    story = [
        Paragraph(TEST_EDITION_NAME, title),
        render(pages[0], False),
        PageBreak(),
        render(pages[1], True),
    ]
    doc.build(story)
    return path


WRITERS = {"pdf": write_pdf, "docx": write_docx, "xlsx": write_xlsx, "csv": write_csv}


def write(
    fmt: str, directory: Path, items: list[dict] | None = None, stem: str = "test-list"
) -> Path:
    items = canonical_items() if items is None else items
    return WRITERS[fmt](directory / f"{stem}.{fmt}", items)
