"""Read a permit catalogue (许可事项目录) from XLSX, XLS, CSV or a DOCX table into PermitItems.

Catalogues come in many local layouts: a title row or two above the header, column names such
as 事项名称/许可事项名称, 实施机关/主管部门, 审批层级/管理层级, and merged cells — 主管部门 and
事项名称 merged down over the rows of their sub-items. As in the hotline importer, the header
row is found by counting known column names in the first rows, each field has its usual names
and ``columns`` (``--map`` or the config file's ``catalogue_columns``) adds local ones. Merged
cells are filled down and right; a row without a 事项名称 is reported with its row number and
reason, and the others are read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import (
    CatalogueColumnsError,
    CatalogueFormatError,
    CatalogueIsListError,
    CatalogueMapError,
    CorruptFileError,
    EncryptedFileError,
    FileMissingError,
    NotAFileError,
    UnsupportedTypeError,
)
from ..neglist.importer import HEADER_VARIANTS as LIST_HEADERS
from ..neglist.importer import decode_bytes
from ..parse import ole2_kind, zip_kind
from .model import FIELD_LABELS, PermitItem

# field → usual column names, most specific first (whitespace and ＊:： removed before matching).
# Names of two characters match only exactly; longer ones also inside a longer heading.
FIELDS: dict[str, tuple[str, ...]] = {
    "name": (
        "事项名称",
        "许可事项名称",
        "行政许可事项名称",
        "审批事项名称",
        "行政许可事项",
        "许可事项",
        "审批事项",
        "主项名称",
        "主项",
        "事项",
    ),
    "subitem": ("子项名称", "子项", "业务办理项", "办理项"),
    "code": ("事项编码", "编码", "事项代码", "基本编码"),
    "basis": (
        "设立依据",
        "实施依据",
        "法律依据",
        "设定依据",
        "设定和实施依据",
        "许可依据",
        "政策依据",
        "依据",
    ),
    "department": (  # 主管部门 first: with both columns, 实施机关 stays an extra column
        "主管部门",
        "实施机关",
        "审批部门",
        "实施主体",
        "实施部门",
        "审批机关",
        "责任部门",
        "责任单位",
        "所属部门",
        "承办部门",
        "办理部门",
        "实施单位",
        "主管单位",
    ),
    "level": ("审批层级", "管理层级", "行使层级", "实施层级", "办理层级", "层级"),
    "process": ("审批流程", "办理流程", "办事流程", "审批程序", "办理程序", "流程", "程序"),
    "materials": ("申请材料", "申报材料", "提交材料", "所需材料", "材料"),
    "conditions": (
        "批准条件",
        "许可条件",
        "审批条件",
        "受理条件",
        "申请条件",
        "准予许可条件",
        "条件",
    ),
    "time_limit": ("办理时限", "承诺时限", "法定时限", "时限"),
    "fees": ("收费标准", "是否收费", "收费依据及标准", "收费"),
    "remark": ("备注", "说明"),
}
HEADER_SCAN_ROWS = 15
SUPPORTED_TEXT = "Excel（.xlsx、.xls）、CSV（.csv）、Word 表格（.docx）"
_RESAVE = "请用 Excel 或 WPS 打开后另存为 XLSX（未加密）再导入。"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Fields whose text is one line: wrapped lines are joined; the others keep their line breaks
# (申请材料 and 审批流程 are usually numbered lists).
_ONE_LINE = frozenset({"name", "subitem", "code", "department", "level", "time_limit"})


@dataclass
class ReadOutcome:
    """What was read from one file: items, rows not read (row, reason) and where things were."""

    items: list[PermitItem] = field(default_factory=list)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    sheet_titles: list[str] = field(default_factory=list)  # title above each table read
    sheets: list[str] = field(default_factory=list)  # the sheets/tables that had a header
    mapping: dict[str, str] = field(default_factory=dict)  # field → column name (first table)
    notes: list[str] = field(default_factory=list)
    format: str = ""


@dataclass(frozen=True)
class _Table:
    """One sheet or Word table with merged cells already filled in."""

    name: str
    rows: list[list[str]]
    title: str = ""  # text above the table (DOCX paragraphs); XLSX titles are rows of ``rows``


# --- column names ---------------------------------------------------------------------------


def _norm(name: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", "" if name is None else str(name))


def field_of(label: str) -> str:
    """A field key from ``name``, its Chinese label ``事项名称`` or any usual column name."""
    label = label.strip()
    if label in FIELDS:
        return label
    for key, cn in FIELD_LABELS.items():
        if label == cn:
            return key
    for key, names in FIELDS.items():
        if label in names:
            return key
    raise CatalogueMapError(
        value=label,
        detail="没有这个字段",
        fields="、".join(f"{k}（{v}）" for k, v in FIELD_LABELS.items()),
    )


def parse_mapping(pairs: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["行政许可事项=事项名称", "牵头单位=department"]`` → normalised column → field key."""
    if not pairs:
        return {}
    items = pairs.items() if isinstance(pairs, Mapping) else (p.split("=", 1) for p in pairs)
    out = {}
    for item in items:
        if len(item) != 2 or not _norm(item[0]):
            raise CatalogueMapError(
                value="=".join(item),
                detail="缺少“=”或列名为空",
                fields="、".join(f"{k}（{v}）" for k, v in FIELD_LABELS.items()),
            )
        out[_norm(item[0])] = field_of(item[1])
    return out


def match_columns(header: list[str], custom: Mapping[str, str]) -> dict[str, int]:
    """field → column index: custom names first, then exact usual names, then containment."""
    cells = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell in custom and custom[cell] not in found:
            found[custom[cell]] = i
    for key, names in FIELDS.items():
        if key in found:
            continue
        taken = set(found.values())
        hit = next(
            (i for name in names for i, c in enumerate(cells) if c == name and i not in taken),
            None,
        )
        if hit is None:
            hit = next(
                (
                    i
                    for name in names
                    if len(name) >= 3
                    for i, c in enumerate(cells)
                    if name in c and i not in taken
                ),
                None,
            )
        if hit is not None:
            found[key] = hit
    return found


# --- format readers -------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").replace("\r\n", "\n").strip()


def _fill(rows: list[list[str]], spans: Iterable[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's top-left value into all its cells (0-based, inclusive)."""
    for r0, r1, c0, c1 in spans:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value


def _read_xlsx(path: Path) -> list[_Table]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged or encrypted files
        raise CatalogueFormatError(
            path=str(path), detail=f"XLSX 文件损坏或已加密（{type(exc).__name__}）", hint=_RESAVE
        ) from None
    tables = []
    for ws in wb.worksheets:
        rows = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        spans = [
            (m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1)
            for m in ws.merged_cells.ranges
        ]
        _fill(rows, spans)
        tables.append(_Table(ws.title, rows))
    wb.close()
    return tables


def _read_xls(path: Path) -> list[_Table]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors …
        raise CatalogueFormatError(
            path=str(path), detail=f"XLS 文件损坏或已加密（{type(exc).__name__}）", hint=_RESAVE
        ) from None
    tables = []
    for sheet in book.sheets():
        rows = [[_text(c.value) for c in sheet.row(r)] for r in range(sheet.nrows)]
        spans = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
        _fill(rows, spans)
        tables.append(_Table(sheet.name, rows))
    return tables


def _read_csv(path: Path) -> list[_Table]:
    text = decode_bytes(path.read_bytes(), path)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [[_text(c) for c in r] for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    return [_Table(path.stem, rows)]


def _read_docx(path: Path) -> list[_Table]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise CatalogueFormatError(
            path=str(path),
            detail=f"Word 文件损坏或已加密（{type(exc).__name__}）",
            hint="请用 Word 或 WPS 打开后另存为 DOCX（未加密）再导入。",
        ) from None
    tables: list[_Table] = []
    above: list[str] = []  # paragraphs since the previous table: the table's title
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")).strip()
            if text:
                above = [*above[-2:], text]
        elif tag == "tbl":
            table = Table(block, document)
            # python-docx gives a vertically merged cell's top cell for each row it covers and
            # repeats a horizontally merged cell: reading every position fills both ways.
            rows = [[_text(cell.text) for cell in row.cells] for row in table.rows]
            tables.append(_Table(f"表{len(tables) + 1}", rows, " ".join(above)))
            above = []
    return tables


def detect_format(path: Path) -> str:
    """xlsx | xls | csv | docx, by content first; a mismatching extension is a damaged file."""
    if not path.exists():
        raise FileMissingError(str(path))
    if not path.is_file():
        raise NotAFileError(str(path))
    with path.open("rb") as fh:
        sample = fh.read(4096)
    head = sample[:8]
    if not head:
        raise CatalogueFormatError(
            path=str(path), detail="文件为空", hint="请重新导出或另存目录文件后再导入。"
        )
    suffix = path.suffix.lower()
    if head.startswith(b"PK"):
        kind = zip_kind(path)
        if kind == "zip?":
            raise CorruptFileError(str(path), detail="ZIP 结构损坏")
        if kind in ("docx", "xlsx"):
            return kind
        raise UnsupportedTypeError(str(path), detected="ZIP 压缩包", supported=SUPPORTED_TEXT)
    if head == OLE2:
        if ole2_kind(path, None) == "encrypted-ooxml":
            raise EncryptedFileError(str(path))
        if suffix in (".doc", ".wps"):
            raise UnsupportedTypeError(
                str(path), detected="Word 97-2003（.doc）", supported=SUPPORTED_TEXT
            )
        return "xls"
    if head.startswith(b"%PDF"):
        raise UnsupportedTypeError(str(path), detected="PDF", supported=SUPPORTED_TEXT)
    if suffix in (".xlsx", ".xlsm", ".docx", ".xls"):
        raise CorruptFileError(str(path), detail=f"扩展名为 {suffix}，但内容不是该格式")
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedTypeError(str(path), detected=suffix or "未知", supported=SUPPORTED_TEXT)
    return "csv"


READERS = {"xlsx": _read_xlsx, "xls": _read_xls, "csv": _read_csv, "docx": _read_docx}


# --- rows → items ---------------------------------------------------------------------------


def _find_header(rows: list[list[str]], custom: Mapping[str, str]) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] = (-1, {})
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = match_columns(row, custom)
        if "name" in found and len(found) >= 2 and len(found) > len(best[1]):
            best = (i, found)
    return best


# Columns only a catalogue has: a table with the list's 措施描述 column and none of these is the
# negative list itself, given to the wrong command.
_CATALOGUE_ONLY = ("basis", "process", "materials", "conditions", "level", "subitem")


def _list_column(header: list[str], found: dict[str, int]) -> str:
    """The negative list's measures heading in ``header`` when the table has no catalogue-only
    column, else ""."""
    if any(key in found for key in _CATALOGUE_ONLY):
        return ""
    measures = {_norm(v) for v in LIST_HEADERS["measures"]}
    return next((h for h in header if _norm(h) in measures), "")


def _value(raw: str, key: str) -> str:
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    return ("" if key in _ONE_LINE else "\n").join(lines)


def _section_row(cells: list[str]) -> bool:
    """A row whose cells all hold the same text: a group heading merged across the table."""
    texts = {c for c in cells if c}
    return len(texts) == 1 and sum(1 for c in cells if c) >= 3


def _items_of(
    table: _Table, header_at: int, found: dict[str, int], out: ReadOutcome, prefix: str
) -> None:
    header = table.rows[header_at]
    used = set(found.values())
    extras = {i: _norm(h) for i, h in enumerate(header) if i not in used and _norm(h)}
    header_norm = [_norm(h) for h in header]
    for r, raw in enumerate(table.rows[header_at + 1 :], start=header_at + 2):
        if not any(raw):
            continue
        if [_norm(c) for c in raw[: len(header_norm)]] == header_norm:
            continue  # the header repeated (a table continued on a new page)
        if _section_row(raw):
            out.bad_rows.append((r, f"{prefix}整行为同一段文字（分组标题行），未作为事项读取"))
            continue
        values = {k: _value(raw[i], k) if i < len(raw) else "" for k, i in found.items()}
        if not values.get("name"):
            shown = "；".join(" ".join(c.split()) for c in raw if c)[:40]
            out.bad_rows.append((r, f"{prefix}事项名称为空（该行内容：{shown}）"))
            continue
        if values.get("subitem") == values["name"]:
            values["subitem"] = ""  # the 事项名称 cell merged over the 子项 column
        extra = {name: _value(raw[i], "") for i, name in extras.items() if i < len(raw) and raw[i]}
        out.items.append(PermitItem(**values, row=r, sheet=table.name, extra=extra))


def _title_of(table: _Table, header_at: int) -> str:
    lines = [table.title] if table.title else []
    for row in table.rows[:header_at]:
        texts = list(dict.fromkeys(c for c in row if c))
        if texts:
            lines.append(" ".join(texts))
    return " ".join(lines) or table.name


def _seen(tables: list[_Table]) -> str:
    rows = [row for t in tables for row in t.rows[:HEADER_SCAN_ROWS]]
    widest = max(rows, key=lambda r: sum(1 for c in r if c), default=[])
    seen = list(dict.fromkeys(_norm(c)[:20] for c in widest if c))
    return "、".join(seen[:20]) or "（空）"


def read_catalogue(path: Path, *, columns: Mapping[str, str] | None = None) -> ReadOutcome:
    """Read every sheet (or Word table) of ``path`` that has a catalogue header.

    ``columns`` maps local column names to fields (field keys or Chinese labels). Raises when
    the file cannot be read or no sheet has a header with 事项名称.
    """
    path = Path(path)
    custom = parse_mapping(columns)
    fmt = detect_format(path)
    tables = READERS[fmt](path)
    out = ReadOutcome(format=fmt)
    several = len(tables) > 1
    for table in tables:
        header_at, found = _find_header(table.rows, custom)
        if header_at < 0:
            if any(any(r) for r in table.rows):
                out.notes.append(f"“{table.name}”中未找到目录表头，已跳过。")
            continue
        header = table.rows[header_at]
        heading = _list_column(header, found)
        if heading:
            raise CatalogueIsListError(path=str(path), heading=heading)
        if not out.sheets:
            out.mapping = {k: header[i] for k, i in sorted(found.items(), key=lambda kv: kv[1])}
        out.sheets.append(table.name)
        out.sheet_titles.append(_title_of(table, header_at))
        _items_of(table, header_at, found, out, f"“{table.name}”：" if several else "")
    if not out.sheets:
        raise CatalogueColumnsError(path=str(path), seen=_seen(tables))
    return out


__all__ = ["FIELDS", "ReadOutcome", "detect_format", "parse_mapping", "read_catalogue"]
