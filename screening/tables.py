"""Spreadsheet output shared by every export (CSV and XLSX): text cells always stay text.

Documents, hotline work orders and what reviewers type come from outside, so a clause such as
``=HYPERLINK("http://…")`` or ``=cmd|' /C calc'!A0`` must never reach Excel or WPS as a live
formula. In XLSX every ``str`` is written as a string cell (never a formula or error cell); one
that looks like a formula also gets the quote-prefix style, so editing it keeps it text. CSV
has no cell types, so a text cell that starts like a formula gets a leading ``'`` (the OWASP
CSV-injection guidance); real numbers, dates and empty cells are written as before.

Low layer: imports only the standard library, openpyxl and the error hierarchy.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import OutputWriteError

# First characters that make Excel, WPS or LibreOffice read a cell as a formula or DDE call:
# OWASP's = + - @ TAB CR, plus LF and NUL (OWASP ASVS 1.2.10). Also the fullwidth forms a
# Chinese input method types: spreadsheets in CJK locales may fold them to = + - @ on entry,
# and a quote before a rare fullwidth sign costs nothing.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")
# Spaces a spreadsheet may trim on import (LibreOffice's "trim spaces") before it looks.
_TRIMMED = " \u3000"


def looks_like_formula(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet would evaluate when it opens the file."""
    return isinstance(value, str) and value.lstrip(_TRIMMED).startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """``value`` ready for a CSV cell: formula-like text gets a leading ``'``, the rest as is."""
    return "'" + value if looks_like_formula(value) else value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as CSV (CRLF) in UTF-8 with BOM, so Excel and WPS open the Chinese text correctly."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


@contextlib.contextmanager
def output_file(dest: str | Path) -> Iterator[Path]:
    """``dest`` with its folder made; an OSError while writing it becomes ``OutputWriteError``.

    Every file the package writes for a user (exports, report drafts, sidecars, charts) goes
    through here, so a full disk, a missing permission or a file held open by WPS gives the
    same Chinese message everywhere instead of a traceback.
    """
    out = Path(dest)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        yield out
    except OSError as exc:
        raise OutputWriteError(path=str(out), detail=exc.strerror or str(exc)) from None


def write_csv(dest: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """A header and rows as a CSV file (see ``csv_bytes``)."""
    with output_file(dest) as out:
        out.write_bytes(csv_bytes([header, *rows]))
    return out


def _cell(ws: Any, value: Any) -> Any:
    from openpyxl.cell.cell import Cell

    cell = Cell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """Append ``values`` as the next row of ``ws``; every ``str`` becomes a string cell."""
    ws.append([_cell(ws, v) for v in values])


LINE_HEIGHT = 15.0  # points per text line at the default 11-point font
MAX_LINES = 30  # a row never grows past this many lines (Excel's limit is 409 points)


def _text_width(text: str) -> int:
    """Width in Excel's column units: wide (CJK) characters count two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_row_heights(ws: Any, first: int = 1) -> None:
    """Give each row from ``first`` on the height its wrapped text needs.

    Excel and LibreOffice do not grow a row for wrapped text written by openpyxl; without a
    height, a long 说明 shows as one clipped line in print and in the PDF render.
    """
    from openpyxl.utils import get_column_letter

    widths = {}
    for line in ws.iter_rows(min_row=first):
        lines = 1
        for cell in line:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            letter = get_column_letter(cell.column)
            if letter not in widths:
                widths[letter] = ws.column_dimensions[letter].width or 8.43
            room = max(1.0, widths[letter] - 1)
            needed = sum(
                max(1, math.ceil(_text_width(part) / room)) for part in cell.value.split("\n")
            )
            lines = max(lines, needed)
        if lines > 1:
            ws.row_dimensions[line[0].row].height = LINE_HEIGHT * min(lines, MAX_LINES)


def format_table(
    ws: Any, head: int = 1, widths: Sequence[float] | None = None, *, landscape: bool = True
) -> None:
    """Bold centred header in row ``head``, wrapped top-aligned cells below it, frozen header,
    column widths; with ``landscape`` also the print set-up (A4 landscape, header repeated on
    every page, all columns fitted to the page width)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for line in ws.iter_rows(min_row=head + 1):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
    for i, width in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    fit_row_heights(ws, head)
    if landscape:
        ws.print_title_rows = f"{head}:{head}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_xlsx(
    dest: str | Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "工作台账",
    widths: Sequence[float] | None = None,
    autofilter: bool = False,
) -> Path:
    """One sheet: bold frozen header, wrapped cells; optional column widths and autofilter
    (a filtered table is one meant for print too: A4 landscape, fitted to the page width)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    append_row(ws, header)
    for row in rows:
        append_row(ws, row)
    format_table(ws, 1, widths, landscape=autofilter)
    if autofilter:
        ws.auto_filter.ref = ws.dimensions
    with output_file(dest) as out:
        wb.save(out)
    return out
