"""PDF parser (pdfplumber): page-aware paragraphs, no running headers or page numbers, tables."""

from __future__ import annotations

import itertools
import logging
import re
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import CorruptFileError, EncryptedFileError, NoTextLayerError
from ..types import Document
from . import _layout
from ._build import DocumentBuilder, clean_line
from .metadata import extract_metadata

# pdfminer logs every odd object at WARNING; a batch over real files would drown in it.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def _open(path: Path) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return pdfplumber.open(path)
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedFileError(str(path)) from None
        if isinstance(cause, PSException):
            raise CorruptFileError(str(path), detail=_describe(cause)) from None
        raise CorruptFileError(str(path), detail=_describe(cause)) from None
    except (PSException, ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        raise CorruptFileError(str(path), detail=_describe(exc)) from None


def _describe(exc: BaseException) -> str:
    from pdfminer.pdfdocument import PDFNoValidXRef
    from pdfminer.psexceptions import PSEOF

    if isinstance(exc, PSEOF | EOFError):
        return "PDF 文件不完整，可能下载或复制时被截断"
    if isinstance(exc, PDFNoValidXRef):
        return "PDF 交叉引用表损坏"
    name = type(exc).__name__
    return f"PDF 结构错误：{name}" + (f"：{exc}" if str(exc) else "")


def _outside(char: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (char["x0"] + char["x1"]) / 2
    cy = (char["top"] + char["bottom"]) / 2
    return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def _page_lines(chars: list[dict[str, Any]], number: int, boxes: list[Any]) -> list[_layout.Line]:
    """Cluster a page's characters (outside its tables) into lines in reading order."""
    # Space characters are kept: they separate words where the producer wrote them.
    chars = [c for c in chars if (c["text"].strip() or c["text"] == " ") and _outside(c, boxes)]
    chars.sort(key=lambda c: (c["bottom"], c["x0"]))
    groups: list[list[dict[str, Any]]] = []
    for c in chars:
        if groups:
            last = groups[-1]
            base = sum(x["bottom"] for x in last) / len(last)
            if abs(c["bottom"] - base) <= 0.5 * max(c["size"], last[0]["size"], 1.0):
                last.append(c)
                continue
        groups.append([c])
    lines = []
    for group in groups:
        inked = [c for c in group if c["text"].strip()]
        if not inked:
            continue
        size = sorted(c["size"] for c in inked)[len(inked) // 2]
        lines.append(
            _layout.Line(
                page=number,
                x0=min(c["x0"] for c in inked),
                x1=max(c["x1"] for c in inked),
                top=min(c["top"] for c in inked),
                bottom=max(c["bottom"] for c in inked),
                text=_chars_text(group, size),
                size=size,
            )
        )
    lines.sort(key=lambda ln: (round(ln.bottom / 2), ln.x0))
    return lines


def _garbled(chars: list[dict[str, Any]]) -> bool:
    """pdfminer shows glyphs it cannot map to Unicode as "(cid:123)"."""
    bad = sum(1 for c in chars if c["text"].startswith("(cid:"))
    return bad > 0.3 * max(len(chars), 1)


class _Pdfium:
    """Second opinion from PDFium for pages whose text pdfminer cannot decode (seen with
    encrypted PDFs using predefined CJK CMaps)."""

    def __init__(self, path: Path) -> None:
        import pypdfium2

        self.doc = pypdfium2.PdfDocument(str(path))

    def chars(self, index: int) -> list[dict[str, Any]]:
        import pypdfium2.raw as raw

        page = self.doc[index]
        height = page.get_height()
        tp = page.get_textpage()
        out = []
        for i in range(tp.count_chars()):
            text = tp.get_text_range(i, 1)
            left, bottom, right, top = tp.get_charbox(i, loose=True)
            size = raw.FPDFText_GetFontSize(tp.raw, i) or (top - bottom)
            out.append(
                {"text": text, "x0": left, "x1": right, "top": height - top,
                 "bottom": height - bottom, "size": size}
            )  # fmt: skip
        return out

    def text_in(self, index: int, bbox: tuple[float, float, float, float]) -> str:
        page = self.doc[index]
        height = page.get_height()
        x0, top, x1, bottom = bbox
        return str(page.get_textpage().get_text_bounded(x0, height - bottom, x1, height - top))

    def close(self) -> None:
        self.doc.close()


def _chars_text(chars: list[dict[str, Any]], size: float) -> str:
    """Rebuild a line from its characters: a space only where the gap is a real gap, so justified
    CJK text (with stretched spacing) does not get spaces between characters."""
    chars = sorted(chars, key=lambda c: c["x0"])
    out = [chars[0]["text"]]
    for prev, ch in itertools.pairwise(chars):
        if ch["x0"] - prev["x1"] > 0.6 * size and prev["text"] != " ":
            out.append(" ")
        out.append(ch["text"])
    return clean_line("".join(out))


def _table_rows(table: Any, pdfium: _Pdfium | None = None, index: int = 0) -> list[list[str]]:
    if pdfium is None:
        rows = table.extract()
    else:
        rows = [[pdfium.text_in(index, c) if c else "" for c in row.cells] for row in table.rows]
    return [[clean_line(re.sub(r"\s*\n\s*", "", c or "")) for c in row] for row in rows]


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "pdf") -> Document:
    from pdfminer.psexceptions import PSException

    pdf = _open(path)
    warnings: list[str] = []
    pdfium: _Pdfium | None = None
    pages: list[list[_layout.Line]] = []
    heights: list[float] = []
    tables: list[tuple[int, float, list[list[str]]]] = []  # page, top, rows
    textless: list[int] = []
    try:
        for number, page in enumerate(pdf.pages, 1):
            found = [t for t in page.find_tables() if len(t.rows) >= 2 or len(t.columns) >= 2]
            chars = page.chars
            use_pdfium = None
            if _garbled(chars):
                pdfium = pdfium or _Pdfium(path)
                chars, use_pdfium = pdfium.chars(number - 1), pdfium
            boxes = [t.bbox for t in found]
            lines = _page_lines(chars, number, boxes)
            tables.extend(
                (number, t.bbox[1], _table_rows(t, use_pdfium, number - 1)) for t in found
            )
            if not lines and not found:
                textless.append(number)
            pages.append(lines)
            heights.append(float(page.height))
        title_hint = (pdf.metadata or {}).get("Title")
        n_pages = len(pdf.pages)
    except PSException as exc:
        raise CorruptFileError(str(path), detail=_describe(exc)) from None
    finally:
        pdf.close()
        if pdfium is not None:
            pdfium.close()
    if n_pages and len(textless) == n_pages:
        raise NoTextLayerError(str(path), fmt="PDF")
    if textless:
        listed = "、".join(str(n) for n in textless[:10])
        warnings.append(f"第 {listed} 页没有文字层（可能是扫描页），这些页的内容未能读取。")
    pages = _layout.drop_running(pages, heights)
    builder = DocumentBuilder()
    paras = _layout.paragraphs(pages)
    _emit(builder, paras, pages, tables)
    meta = extract_metadata(
        [p.text for p in paras], title=title_hint if isinstance(title_hint, str) else None
    )
    return builder.build(
        path=path, sha256=sha256, fmt=fmt, metadata=meta, pages=n_pages, warnings=tuple(warnings)
    )


def _emit(
    builder: DocumentBuilder,
    paras: list[_layout.Para],
    pages: list[list[_layout.Line]],
    tables: list[tuple[int, float, list[list[str]]]],
) -> None:
    """Interleave paragraphs and tables by page and vertical position."""
    keyed: list[tuple[int, float, int, Any]] = [(p.page, p.top, i, p) for i, p in enumerate(paras)]
    for j, (page, top, rows) in enumerate(tables):
        keyed.append((page, top, len(paras) + j, rows))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    for page, _top, _i, item in keyed:
        if isinstance(item, _layout.Para):
            builder.add(item.text, page=page, kind=item.kind)
        else:
            builder.add_table(item, page=page)
