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


def write_xlsx(
    dest: str | Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "工作台账",
    widths: Sequence[float] | None = None,
    autofilter: bool = False,
) -> Path:
    """One sheet: bold frozen header, wrapped cells; optional column widths and autofilter."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in rows:
        append_row(ws, row)
    for col in ws.columns:
        for cell in col[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if autofilter:
        ws.auto_filter.ref = ws.dimensions
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    with output_file(dest) as out:
        wb.save(out)
    return out
