"""Read the official negative-list table (PDF, DOCX, XLSX, CSV) into items, noting what failed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorruptFileError, DecodeError, NegativeListFormatError, UnsupportedTypeError
from ..parse import zip_kind
from .model import CATEGORIES, PERMITTED, PROHIBITED, Item, Measure

COLUMNS = ("item_no", "name", "code", "measures", "departments", "local")

# Header spellings seen in editions and spreadsheets (whitespace removed before matching).
HEADER_VARIANTS: dict[str, tuple[str, ...]] = {
    "item_no": ("项目号", "序号", "编号", "项目编号", "事项序号"),
    "name": ("禁止或许可事项", "禁止或许可准入事项", "事项名称", "事项", "准入事项"),
    "code": ("事项编码", "编码", "事项代码"),
    "measures": (
        "禁止或许可准入措施描述",
        "禁止或许可准入措施",
        "准入措施描述",
        "措施描述",
        "管理措施",
        "准入措施",
        "具体措施",
    ),
    "departments": ("主管部门", "主管部门（单位）", "主管部门(单位)", "主管单位", "实施部门"),
    "local": ("地方性许可措施", "地方性许可事项", "地方性措施", "地方性许可准入措施"),
    "category": ("类别", "准入类别", "事项类别"),
}

SUPPORTED = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv"}
SUPPORTED_TEXT = "PDF（.pdf）、Word（.docx）、Excel（.xlsx）、CSV（.csv）"

_SECTION_RE = re.compile(r"^[（(]?[一二三四五六七八九十]*[）)、.．]?\s*(禁止准入类|许可准入类)")
_TERMINAL = tuple("。；;！!？?")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class RawRow:
    """A table row as read, with where it came from; None marks a cell covered by a merge."""

    cells: tuple[str | None, ...]
    locator: str
    page: int | None = None
    first_on_page: bool = False


@dataclass
class ReadResult:
    """Rows of all tables plus text outside them (for the edition title) and reader notes."""

    rows: list[RawRow] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportParse:
    """Items read from a file and everything the reader could not use."""

    items: list[Item]
    title: str | None
    problems: list[dict[str, str]]  # {"locator", "message"}: rows or cells not understood
    notes: list[str]  # adjustments made (joined rows, header mapping) for the user to check
    rows_read: int


def clean(value: object) -> str:
    """Cell text with line wraps joined (Chinese has no spaces between wrapped lines)."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = ""
    for ln in lines:
        # Keep a space only between two Latin/digit runs broken by the wrap.
        if out and out[-1].isascii() and out[-1].isalnum() and ln[0].isascii() and ln[0].isalnum():
            out += " "
        out += ln
    return out


# --- format readers --------------------------------------------------------------------------


def read_pdf(path: Path) -> ReadResult:
    import pdfplumber

    result = ReadResult()
    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:
        raise CorruptFileError(str(path), detail=type(exc).__name__) from None
    with pdf:
        for pno, page in enumerate(pdf.pages, 1):
            tables = page.extract_tables()
            if not tables:
                text = page.extract_text() or ""
                result.text_lines += [ln.strip() for ln in text.splitlines() if ln.strip()]
                if text.strip():
                    result.notes.append(f"第{pno}页未识别到表格，已跳过该页文字。")
                continue
            if pno == 1:
                text = page.extract_text() or ""
                result.text_lines += [ln.strip() for ln in text.splitlines()[:5] if ln.strip()]
            first = True
            for tno, table in enumerate(tables, 1):
                for rno, row in enumerate(table, 1):
                    cells = tuple(None if c is None else clean(c) for c in row)
                    result.rows.append(
                        RawRow(cells, f"第{pno}页表{tno}第{rno}行", page=pno, first_on_page=first)
                    )
                    first = False
    return result


def read_docx(path: Path) -> ReadResult:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise CorruptFileError(str(path), detail=type(exc).__name__) from None
    result = ReadResult(
        text_lines=[p.text.strip() for p in document.paragraphs[:10] if p.text.strip()]
    )
    for tno, table in enumerate(document.tables, 1):
        above: list[object] = []
        for rno, row in enumerate(table.rows, 1):
            cells: list[str | None] = []
            seen: set[int] = set()
            row_cells = row.cells
            for j, cell in enumerate(row_cells):
                # A horizontal merge repeats the same cell; a vertical merge repeats the cell
                # object of the row above. Both are reported as None, like pdfplumber does.
                key = id(cell._tc)
                covered = key in seen or (j < len(above) and above[j] is cell._tc)
                seen.add(key)
                cells.append(None if covered else clean(cell.text))
            above = [c._tc for c in row_cells]
            result.rows.append(RawRow(tuple(cells), f"表{tno}第{rno}行"))
    return result


def read_xlsx(path: Path) -> ReadResult:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:
        raise CorruptFileError(str(path), detail=type(exc).__name__) from None
    result = ReadResult()
    for ws in wb.worksheets:
        covered = set()
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        covered.add((r, c))
        for r, row in enumerate(ws.iter_rows(values_only=True), 1):
            cells = tuple(None if (r, c) in covered else clean(v) for c, v in enumerate(row, 1))
            result.rows.append(RawRow(cells, f"工作表“{ws.title}”第{r}行"))
    return result


def decode_bytes(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), then GB18030, then whatever charset-normalizer finds."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError(str(path))
    return str(best)


def read_csv(path: Path) -> ReadResult:
    text = decode_bytes(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    result = ReadResult()
    for r, row in enumerate(csv.reader(io.StringIO(text), dialect), 1):
        result.rows.append(RawRow(tuple(clean(c) for c in row), f"第{r}行"))
    return result


READERS = {"pdf": read_pdf, "docx": read_docx, "xlsx": read_xlsx, "csv": read_csv}


def detect_format(path: Path) -> str:
    """By content first (PDF/ZIP magic), then by extension."""
    with path.open("rb") as fh:
        head = fh.read(8)
    ext = SUPPORTED.get(path.suffix.lower())
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        kind = zip_kind(path)
        if kind == "zip?":
            raise CorruptFileError(str(path), detail="ZIP 结构损坏")
        if kind in ("docx", "xlsx"):
            return kind
    if ext == "csv" or (ext is None and b"\x00" not in head):
        return "csv"
    raise UnsupportedTypeError(str(path), detected=path.suffix or "未知", supported=SUPPORTED_TEXT)


# --- assembling items ------------------------------------------------------------------------


def _norm_header(text: str | None) -> str:
    return _WS.sub("", text or "")


def match_header(cells: Iterable[str | None]) -> dict[str, int] | None:
    """Column index per field if the row is a header row (at least 3 known headings)."""
    found: dict[str, int] = {}
    for j, cell in enumerate(cells):
        h = _norm_header(cell)
        if not h:
            continue
        for fieldname, variants in HEADER_VARIANTS.items():
            if fieldname not in found and h in variants:
                found[fieldname] = j
                break
    return found if len(found) >= 3 and "measures" in found else None


def _section(cells: tuple[str | None, ...]) -> str | None:
    texts = [c for c in cells if c]
    if not texts or len(set(texts)) > 1:
        return None
    m = _SECTION_RE.match(texts[0])
    return m.group(1) if m and len(texts[0]) <= 20 else None


@dataclass
class _Draft:
    item_no: int | None
    name: str
    code: str
    category: str | None
    locator: str
    measures: list[list[str]] = field(default_factory=list)  # [text, departments]
    local: list[str] = field(default_factory=list)

    def freeze(self) -> Item:
        return Item(
            item_no=self.item_no,
            category=self.category,
            name=self.name,
            code=self.code,
            measures=tuple(Measure(t, d) for t, d in self.measures if t),
            local_measures=tuple(self.local),
            locator=self.locator,
        )


def _int(text: str) -> int | None:
    t = text.strip().rstrip("．.、")
    return int(t) if t.isdigit() else None


class _Assembler:
    """Walks rows: header rows set the column map, section rows the category, the rest items."""

    def __init__(self) -> None:
        self.cols: dict[str, int] | None = None
        self.category: str | None = None
        self.items: list[_Draft] = []
        self.problems: list[dict[str, str]] = []
        self.notes: list[str] = []
        self.preamble: list[str] = []  # text above the first header row (title, 文号 …)

    def cell(self, row: RawRow, name: str) -> str | None:
        if self.cols is None or name not in self.cols or self.cols[name] >= len(row.cells):
            return None
        return row.cells[self.cols[name]]

    def feed(self, row: RawRow) -> None:
        if not any(row.cells):
            return
        header = match_header(row.cells)
        if header is not None:
            self.cols = header
            return
        section = _section(row.cells)
        if section is not None:
            self.category = section
            return
        if self.cols is None:
            self.preamble.append(" ".join(c for c in row.cells if c))
            return
        self.item_row(row)

    def item_row(self, row: RawRow) -> None:
        no_text = self.cell(row, "item_no") or ""
        name = self.cell(row, "name") or ""
        code = _WS.sub("", self.cell(row, "code") or "")
        measure = self.cell(row, "measures") or ""
        dept = self.cell(row, "departments") or ""
        local = self.cell(row, "local") or ""
        category = self.category
        cat_cell = self.cell(row, "category")
        if cat_cell and any(c in cat_cell for c in ("禁止", "许可")):
            category = PROHIBITED if "禁止" in cat_cell else PERMITTED
        cur = self.items[-1] if self.items else None
        new_item = bool(no_text or name or code) and not (
            cur is not None
            and (not no_text or _int(no_text) == cur.item_no)
            and (not name or name == cur.name)
            and (not code or code == cur.code)
        )
        if new_item:
            item_no = _int(no_text)
            if no_text and item_no is None:
                self.problems.append(
                    {"locator": row.locator, "message": f"项目号“{no_text}”不是数字"}
                )
            cur = _Draft(item_no, name, code, category, row.locator)
            self.items.append(cur)
        elif cur is None:
            self.problems.append(
                {"locator": row.locator, "message": "找不到所属事项，未读取：" + _cut(row)}
            )
            return
        if local and local not in cur.local:
            cur.local.append(local)
        if not measure:
            return
        if self._continues(row, cur, dept, local):
            cur.measures[-1][0] += measure
            self.notes.append(
                f"{row.locator}：该行位于新页首行、无项目号和主管部门，已视为上一页末条措施的续行并合并"
                f"（“…{cur.measures[-1][0][-20:]}”），请核对。"
            )
            return
        if not dept and cur.measures:
            dept = cur.measures[-1][1]  # a department cell merged over several measures
        cur.measures.append([measure, dept])

    def _continues(self, row: RawRow, cur: _Draft, dept: str, local: str) -> bool:
        """A measure cut by a page break: first row of a page, only the measure cell filled."""
        if not row.first_on_page or not cur.measures:
            return False
        only_measure = not (
            self.cell(row, "item_no") or self.cell(row, "name") or self.cell(row, "code")
        )
        return (
            only_measure and not dept and not local and not cur.measures[-1][0].endswith(_TERMINAL)
        )


def _cut(row: RawRow) -> str:
    text = " | ".join(c for c in row.cells if c)
    return text if len(text) <= 60 else text[:60] + "…"


def assemble(result: ReadResult, path: Path) -> ImportParse:
    asm = _Assembler()
    previous_header = False
    for row in result.rows:
        # In PDFs the repeated header row starts each page; the row after it is the page's first.
        if previous_header and row.page is not None:
            row = RawRow(row.cells, row.locator, row.page, True)
        previous_header = match_header(row.cells) is not None
        asm.feed(row)
    if asm.cols is None:
        raise NegativeListFormatError(
            str(path),
            detail="未找到表头（应含“项目号”“禁止或许可事项”“事项编码”“禁止或许可准入措施描述”等列）",
        )
    items = [d.freeze() for d in asm.items]
    return ImportParse(
        items=items,
        title=_title(result.text_lines + asm.preamble),
        problems=asm.problems,
        notes=result.notes + asm.notes,
        rows_read=len(result.rows),
    )


def _title(lines: list[str]) -> str | None:
    for ln in lines:
        text = re.sub(r"^(清单名称|名称)[:：]?", "", _WS.sub("", ln))
        if "清单" in text and len(text) <= 40:
            return text
    return None


def read_table(path: Path, fmt: str | None = None) -> ImportParse:
    """Read ``path`` (format detected by content unless given) into items and a problem list."""
    fmt = fmt or detect_format(path)
    return assemble(READERS[fmt](path), path)


__all__ = ["CATEGORIES", "HEADER_VARIANTS", "ImportParse", "detect_format", "read_table"]
