"""Reading hotline work-order exports (12345 热线、信访、投诉举报平台): XLSX, XLS and CSV.

Exports differ from county to county: a title row or two above the header, column names
such as 工单编号/受理编号, 来电时间/受理时间, 诉求内容/来电内容, GBK- or UTF-8-encoded CSV. The
header row is found by counting known column names in the first rows; each field has a list
of usual names, and ``columns`` (from ``--map`` or the config file) adds local ones. A row
that cannot be used is reported with its row number and reason; the others are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import HotlineColumnsError, HotlineFileError

# field → (Chinese label, usual column names, most specific first)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "external_id": (
        "工单编号",
        ("工单编号", "工单号", "受理编号", "信件编号", "流水号", "件号", "工单ID", "编号"),
    ),
    "received_at": (
        "受理时间",
        (
            "来电时间",
            "受理时间",
            "登记时间",
            "来信时间",
            "诉求时间",
            "投诉时间",
            "举报时间",
            "接收时间",
            "派单时间",
            "创建时间",
            "日期",
        ),
    ),
    "complainant": (
        "诉求人",
        ("诉求人", "来电人", "反映人", "投诉人", "举报人", "来信人", "市民姓名", "姓名"),
    ),
    "contact": (
        "联系方式",
        ("联系方式", "联系电话", "来电号码", "手机号码", "电话号码", "手机号", "手机", "电话"),
    ),
    "content": (
        "诉求内容",
        (
            "诉求内容",
            "来电内容",
            "反映内容",
            "投诉内容",
            "举报内容",
            "来信内容",
            "诉求描述",
            "事项内容",
            "问题描述",
            "内容",
        ),
    ),
    "department": (
        "承办单位",
        ("承办单位", "办理单位", "责任单位", "转办单位", "主办单位", "处理单位"),
    ),
    "respondent": (
        "被投诉对象",
        ("被投诉对象", "被投诉单位", "被举报对象", "被举报单位", "被反映单位", "涉及单位"),
    ),
    "channel": ("来源渠道", ("来源渠道", "受理渠道", "诉求渠道", "来电渠道", "渠道", "来源")),
    "title": ("标题", ("诉求标题", "工单标题", "标题", "主题")),
}
REQUIRED = ("content",)
HEADER_SCAN_ROWS = 10

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class WorkOrder:
    """One usable row of an export."""

    row: int  # 1-based row number in the file, as a spreadsheet shows it
    content: str
    external_id: str = ""
    received_at: str = ""  # ISO "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD"
    complainant: str = ""
    contact: str = ""
    department: str = ""
    respondent: str = ""
    channel: str = ""
    title: str = ""


@dataclass(frozen=True)
class BadRow:
    row: int
    reason: str


@dataclass(frozen=True)
class Export:
    """What was read from one file: the usable rows, the rejected rows and the column mapping."""

    path: str
    orders: tuple[WorkOrder, ...]
    bad: tuple[BadRow, ...]
    mapping: dict[str, str]  # field → column name found in the file
    warnings: tuple[str, ...] = ()


def _norm(name: Any) -> str:
    text = "" if name is None else str(name)
    return re.sub(r"[\s*＊:：]", "", text)


def _field_of(label: str) -> str:
    """A field key from ``content`` or its Chinese label ``诉求内容``."""
    if label in FIELDS:
        return label
    for key, (cn, names) in FIELDS.items():
        if label == cn or label in names:
            return key
    raise HotlineColumnsError(
        path="--map",
        field=label,
        columns="、".join(FIELDS),
        key="字段名",
    )


def parse_mapping(pairs: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """``["事项描述=content", "登记日期=受理时间"]`` → column → field key."""
    items = pairs.items() if isinstance(pairs, Mapping) else (p.split("=", 1) for p in pairs)
    out = {}
    for item in items:
        if len(item) != 2 or not item[0].strip():
            raise HotlineColumnsError(
                path="--map", field=str(item), columns="列名=字段名", key="字段名"
            )
        out[_norm(item[0])] = _field_of(item[1].strip())
    return out


def match_columns(header: list[Any], custom: Mapping[str, str]) -> dict[str, int]:
    """field → column index, custom names first, then exact usual names, then containment."""
    cells = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell in custom and custom[cell] not in found:
            found[custom[cell]] = i
    for key, (_, names) in FIELDS.items():
        if key in found:
            continue
        taken = set(found.values())
        for name in names:
            exact = [i for i, c in enumerate(cells) if c == name and i not in taken]
            if exact:
                found[key] = exact[0]
                break
        else:
            for name in names:
                if len(name) < 3:
                    continue
                part = [i for i, c in enumerate(cells) if name in c and i not in taken]
                if part:
                    found[key] = part[0]
                    break
    return found


# --- reading the table --------------------------------------------------------------------------


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise HotlineFileError(
            path=str(path), detail=f"XLSX 文件损坏或已加密：{exc}", hint=_RESAVE
        ) from None
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _read_xls(path: Path) -> list[list[Any]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors …
        raise HotlineFileError(
            path=str(path), detail=f"XLS 文件损坏或已加密：{exc}", hint=_RESAVE
        ) from None
    sheet = book.sheet_by_index(0)
    rows = []
    for r in range(sheet.nrows):
        row: list[Any] = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            else:
                row.append(cell.value)
        rows.append(row)
    return rows


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise HotlineFileError(
        path=str(path),
        detail="无法识别文字编码",
        hint="请用 Excel 或 WPS 另存为“CSV UTF-8”或 XLSX 后重试。",
    )


def _read_csv(path: Path) -> list[list[Any]]:
    text = _decode(path.read_bytes(), path)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]


_RESAVE = "请用 Excel 或 WPS 打开后另存为 XLSX（未加密）再导入。"


def read_table(path: Path) -> list[list[Any]]:
    """All rows of the first sheet (or the CSV), by content rather than extension."""
    if not path.is_file():
        raise HotlineFileError(path=str(path), detail="文件不存在", hint="请检查路径。")
    head = path.open("rb").read(8)
    if not head:
        raise HotlineFileError(path=str(path), detail="文件为空", hint="请重新导出工单。")
    if head.startswith(b"PK"):
        return _read_xlsx(path)
    if head == OLE2:
        return _read_xls(path)
    return _read_csv(path)


# --- cells → work orders --------------------------------------------------------------------------

_DATE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?)?"
)


def parse_time(value: Any) -> str | None:
    """An export's date or date-time cell as ISO text; None when it is not a date."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            # Spreadsheets store a date-only cell as midnight: keep it a date, not 00:00:00.
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and 20000 < float(value) < 80000:  # Excel serial day
        base = dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))
        return base.replace(microsecond=0).isoformat(sep=" ")
    m = _DATE.match(str(value or "").strip())
    if not m:
        return None
    try:
        y, mo, d = (int(m.group(i)) for i in (1, 2, 3))
        if m.group(4) is None:
            return dt.date(y, mo, d).isoformat()
        h, mi, s = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
        return dt.datetime(y, mo, d, h, mi, s).isoformat(sep=" ")
    except ValueError:
        return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _find_header(rows: list[list[Any]], custom: Mapping[str, str]) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] = (-1, {})
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = match_columns(row, custom)
        if "content" in found and len(found) >= 2 and len(found) > len(best[1]):
            best = (i, found)
    return best


def read_export(
    path: str | Path,
    settings: Settings | None = None,
    columns: Mapping[str, str] | Iterable[str] = (),
) -> Export:
    """Read a work-order export; raises when the file or its 诉求内容 column cannot be found."""
    settings = settings or Settings()
    path = Path(path)
    custom = parse_mapping(settings.complaint_columns) | parse_mapping(columns)
    rows = read_table(path)
    header_at, found = _find_header(rows, custom)
    if header_at < 0:
        widest = max(
            rows[:HEADER_SCAN_ROWS], key=lambda r: sum(bool(_cell(c)) for c in r), default=[]
        )
        seen = [_cell(c) for c in widest if _cell(c)]
        raise HotlineColumnsError(
            path=str(path),
            field="诉求内容",
            columns="、".join(seen[:20]) or "（空）",
            key="content",
        )
    header = rows[header_at]
    mapping = {k: _cell(header[i]) for k, i in sorted(found.items(), key=lambda kv: kv[1])}
    warnings = []
    if "received_at" not in found:
        warnings.append("文件中没有受理时间列，各工单的受理时间按导入当天登记。")
    orders: list[WorkOrder] = []
    bad: list[BadRow] = []
    ids: dict[str, int] = {}
    for offset, raw in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = {k: raw[i] if i < len(raw) else None for k, i in found.items()}
        if not any(_cell(v) for v in raw):
            continue  # blank line
        content = _cell(values.get("content"))
        if len(content) < 4:
            bad.append(BadRow(offset, "诉求内容为空或过短"))
            continue
        received = ""
        if "received_at" in found:
            received = parse_time(values.get("received_at")) or ""
            if not received:
                shown = _cell(values.get("received_at")) or "（空）"
                bad.append(BadRow(offset, f"受理时间“{shown}”无法识别，应为日期或日期时间"))
                continue
        ext = _cell(values.get("external_id"))
        if ext and ext in ids:
            bad.append(BadRow(offset, f"工单编号 {ext} 与第 {ids[ext]} 行重复"))
            continue
        if ext:
            ids[ext] = offset
        orders.append(
            WorkOrder(
                row=offset,
                content=content,
                external_id=ext,
                received_at=received,
                **{
                    k: _cell(values.get(k))
                    for k in ("complainant", "contact", "department", "respondent", "channel")
                },
                title=_cell(values.get("title")),
            )
        )
    return Export(str(path), tuple(orders), tuple(bad), mapping, tuple(warnings))
