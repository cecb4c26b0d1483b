"""The XLSX beside each portal table, byte-for-byte reproducible.

Cells go through ``screening.tables.append_row`` (text stays text, never a formula). openpyxl
stamps the clock into ``docProps/core.xml`` and every ZIP member's time; both are pinned to the
table's data date, so the same content always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from ..tables import append_row, format_table

_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
_EPOCH = dt.date(1980, 1, 1)  # the earliest time a ZIP member can carry


def pin(data: bytes, day: dt.date) -> bytes:
    """``data`` (an XLSX) with its core-property dates and member times set to ``day``."""
    day = max(day, _EPOCH)
    stamp = f"{day.isoformat()}T00:00:00Z".encode()
    when = (day.year, day.month, day.day, 0, 0, 0)
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATE.sub(lambda m: m[1] + stamp + m[3], body)
            out.writestr(zipfile.ZipInfo(info.filename, date_time=when), body, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def sheet(
    *,
    title: str,
    sheet_name: str,
    notes: Sequence[str],
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    day: dt.date,
) -> bytes:
    """One sheet: a bold title, note lines (source, data date), a frozen bold header, rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    for note in notes:
        append_row(ws, [note])
    append_row(ws, [])
    append_row(ws, header)
    head = ws.max_row
    for row in rows:
        append_row(ws, row)
    format_table(ws, head, widths)
    wb.properties.creator = "screening"
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return pin(buf.getvalue(), day)
