"""Writers that lay out Chinese government documents as DOCX, PDF and OFD for tests and demos.

A test helper, not part of the installed package (it is the only user of reportlab): the tests
import it as ``docgen`` (``tests/`` is on their path), ``scripts/build_samples.py`` and the
benchmarks put ``tests/`` on ``sys.path`` first.

A document is a list of *blocks*; each block is a ``(kind, value)`` tuple (a bare string is a
paragraph):

=============  ==============================  ==============================================
kind           value                           rendering
=============  ==============================  ==============================================
``title``      str                             centred, large (the 标题; may be repeated)
``docno``      str                             centred 文号 line, e.g. 襄发改〔2025〕12号
``heading``    str                             first-level heading (DOCX style Heading 1)
``subheading`` str                             second-level heading (DOCX style Heading 2)
``para``       str                             body paragraph, first line indented two chars
``item``       str                             list item; auto-numbered in DOCX when asked
``sign``       str                             right-aligned signature or date line
``table``      list[list[str]]                 ruled table, first row is the header
``pagebreak``  None                            forces a new page
=============  ==============================  ==============================================

Only the text matters to the parsers; the layout is close enough to the 党政机关公文格式
(GB/T 9704) that PDF line wrapping, page numbers and running headers behave like real files.
"""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from screening.reports.layout import PINNED_TIME, pin_core_dates, pin_zip_times

Block = tuple[str, Any] | str

KINDS = ("title", "docno", "heading", "subheading", "para", "item", "sign", "table", "pagebreak")


def _norm(blocks: Iterable[Block]) -> list[tuple[str, Any]]:
    out = []
    for b in blocks:
        kind, value = ("para", b) if isinstance(b, str) else b
        if kind not in KINDS:
            raise ValueError(f"unknown block kind {kind!r}; expected one of {KINDS}")
        out.append((kind, value))
    return out


# --- reproducible output ------------------------------------------------------------------------
# Same blocks → same bytes, so generated samples and fixtures diff cleanly in git. The pinning
# helpers are the report drafts' (screening.reports.layout), so both pin the same way.


# --- DOCX -------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# Numbering used when ``numbering=True``: headings "一、", subheadings "（一）", items "1.".
_NUMBERING_LEVELS = (("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."))
_NUM_LEVEL = {"heading": 0, "subheading": 1, "item": 2}
# A typed number that automatic numbering replaces, so the rendered text stays the same.
_TYPED_NUMBER = {
    "heading": re.compile(r"^[一二三四五六七八九十百]+、\s*"),
    "subheading": re.compile(r"^[（(][一二三四五六七八九十百]+[）)]\s*"),
    "item": re.compile(r"^\d+[.．]\s*"),
}


def _add_numbering(document: Any) -> int:
    """Add one abstractNum/num pair to the numbering part and return its numId."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element
    abstract_ids = [
        int(a.get(f"{{{_W}}}abstractNumId")) for a in numbering.findall(f"{{{_W}}}abstractNum")
    ]
    num_ids = [int(n.get(f"{{{_W}}}numId")) for n in numbering.findall(f"{{{_W}}}num")]
    abstract_id = max(abstract_ids, default=0) + 1
    num_id = max(num_ids, default=0) + 1
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, (fmt, text) in enumerate(_NUMBERING_LEVELS)
    )
    abstract = parse_xml(
        f'<w:abstractNum xmlns:w="{_W}" w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
    )
    num = parse_xml(
        f'<w:num xmlns:w="{_W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'
    )
    # abstractNum elements must precede num elements in numbering.xml.
    first_num = numbering.find(f"{{{_W}}}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return num_id


def _set_num(paragraph: Any, num_id: int, ilvl: int) -> None:
    from docx.oxml import parse_xml

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(
        parse_xml(
            f'<w:numPr xmlns:w="{_W}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


def write_docx(
    path: str | Path,
    blocks: Iterable[Block],
    *,
    header: str | None = None,
    footer: str | None = None,
    numbering: bool = False,
    title: str | None = None,
) -> Path:
    """Write a DOCX; ``header``/``footer`` go into the section header and footer.

    With ``numbering=True`` headings, subheadings and items get automatic numbering
    (一、 / （一） / 1.) from numbering.xml; a typed number at the start of their text is removed
    first, so the numbered output reads the same. ``title`` sets the core-properties title.
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    path = Path(path)
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    num_id = _add_numbering(document) if numbering else 0
    for kind, value in _norm(blocks):
        if kind == "table":
            rows = [list(r) for r in value]
            ncols = max(len(r) for r in rows)
            table = document.add_table(rows=len(rows), cols=ncols)
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = str(cell)
        elif kind == "pagebreak":
            document.add_page_break()
        elif kind == "title":
            p = document.add_paragraph(value, style="Title")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind in ("heading", "subheading"):
            if numbering:
                value = _TYPED_NUMBER[kind].sub("", value, count=1)
            p = document.add_heading(value, level=1 if kind == "heading" else 2)
            if numbering:
                _set_num(p, num_id, _NUM_LEVEL[kind])
        elif kind in ("docno", "sign"):
            p = document.add_paragraph(value)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if kind == "docno" else WD_ALIGN_PARAGRAPH.RIGHT
        else:
            if kind == "item" and numbering:
                value = _TYPED_NUMBER["item"].sub("", value, count=1)
            p = document.add_paragraph(value)
            if kind == "item" and numbering:
                _set_num(p, num_id, _NUM_LEVEL["item"])
            else:
                p.paragraph_format.first_line_indent = Pt(32)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    if title:
        document.core_properties.title = title
    pin_core_dates(document)
    document.save(str(path))
    pin_zip_times(path)
    return path


# --- PDF --------------------------------------------------------------------------------------

_PDF_FONT = "STSong-Light"
_PAGE_W, _PAGE_H = 595.27, 841.89  # A4 in points
_MARGIN_L, _MARGIN_R, _MARGIN_T, _MARGIN_B = 79.0, 73.0, 105.0, 99.0
_BODY_SIZE, _LEADING = 16.0, 28.0
_SIZES = {"title": 22.0, "docno": 16.0, "heading": 16.0, "subheading": 16.0, "sign": 16.0}


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))


def _wrap(text: str, width: float, size: float, first_indent: float = 0.0) -> list[str]:
    """Break text into lines that fit ``width`` points, character by character (CJK style)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    line = ""
    avail = width - first_indent
    for ch in text:
        if line and stringWidth(line + ch, _PDF_FONT, size) > avail:
            # Keep closing punctuation off the start of a line (禁则), as Chinese layout does.
            if ch in "，。；：、！？）》”’" and len(line) > 1:
                lines.append(line[:-1])
                line = line[-1]
            else:
                lines.append(line)
                line = ""
            avail = width
        line += ch
    if line:
        lines.append(line)
    return lines or [""]


class _PdfWriter:
    def __init__(self, path: Path, header: str | None, page_numbers: bool, encrypt: Any) -> None:
        from reportlab.pdfgen import canvas

        _register_font()
        self.c = canvas.Canvas(
            str(path), pagesize=(_PAGE_W, _PAGE_H), encrypt=encrypt, invariant=encrypt is None
        )
        self.header = header
        self.page_numbers = page_numbers
        self.page = 1
        self.y = _PAGE_H - _MARGIN_T
        self.body_w = _PAGE_W - _MARGIN_L - _MARGIN_R
        self._decorate()

    def _decorate(self) -> None:
        if self.header:
            self.c.setFont(_PDF_FONT, 10.5)
            self.c.drawCentredString(_PAGE_W / 2, _PAGE_H - 60, self.header)
            self.c.setLineWidth(0.5)
            self.c.line(_MARGIN_L, _PAGE_H - 66, _PAGE_W - _MARGIN_R, _PAGE_H - 66)

    def new_page(self) -> None:
        if self.page_numbers:
            self.c.setFont(_PDF_FONT, 14)
            self.c.drawCentredString(_PAGE_W / 2, 60, f"— {self.page} —")
        self.c.showPage()
        self.page += 1
        self.y = _PAGE_H - _MARGIN_T
        self._decorate()

    def need(self, height: float) -> None:
        if self.y - height < _MARGIN_B:
            self.new_page()

    def text_block(self, kind: str, text: str) -> None:
        size = _SIZES.get(kind, _BODY_SIZE)
        indent = 2 * size if kind in ("para", "heading", "subheading", "item") else 0.0
        lines = _wrap(text, self.body_w, size, indent)
        if kind == "title":
            self.y -= 8
        for i, line in enumerate(lines):
            self.need(_LEADING if kind != "title" else 36)
            self.y -= _LEADING if kind != "title" else 36
            self.c.setFont(_PDF_FONT, size)
            if kind in ("title", "docno"):
                self.c.drawCentredString(_PAGE_W / 2, self.y, line)
            elif kind == "sign":
                self.c.drawRightString(_PAGE_W - _MARGIN_R - 2 * size, self.y, line)
            else:
                x = _MARGIN_L + (indent if i == 0 else 0.0)
                self.c.drawString(x, self.y, line)
        if kind in ("title", "docno"):
            self.y -= 10

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        size, leading, pad = 12.0, 16.0, 4.0
        ncols = max(len(r) for r in rows)
        rows = [list(r) + [""] * (ncols - len(r)) for r in rows]
        widest = [
            max(stringWidth(str(r[c]), _PDF_FONT, size) for r in rows) + 2 * pad
            for c in range(ncols)
        ]
        total = sum(widest)
        widths = (
            widest
            if total <= self.body_w
            else [self.body_w * (0.5 / ncols + 0.5 * w / total) for w in widest]
        )
        self.y -= 8
        for row in rows:
            cells = [_wrap(str(t), widths[c] - 2 * pad, size) for c, t in enumerate(row)]
            height = max(len(c) for c in cells) * leading + 2 * pad
            self.need(height)
            x = _MARGIN_L
            self.c.setLineWidth(0.8)
            for c, lines in enumerate(cells):
                self.c.rect(x, self.y - height, widths[c], height)
                self.c.setFont(_PDF_FONT, size)
                for i, line in enumerate(lines):
                    self.c.drawString(x + pad, self.y - pad - (i + 1) * leading + 4, line)
                x += widths[c]
            self.y -= height
        self.y -= 8

    def finish(self) -> None:
        if self.page_numbers:
            self.c.setFont(_PDF_FONT, 14)
            self.c.drawCentredString(_PAGE_W / 2, 60, f"— {self.page} —")
        self.c.showPage()
        self.c.save()


def write_pdf(
    path: str | Path,
    blocks: Iterable[Block],
    *,
    header: str | None = None,
    page_numbers: bool = True,
    encrypt: Any = None,
    title: str | None = None,
) -> Path:
    """Write an A4 PDF with a text layer (font STSong-Light, 16 pt body, 28 pt leading).

    Long paragraphs wrap mid-sentence as in real layouts; ``header`` is printed at the top of
    every page; page numbers appear as "— N —". ``encrypt`` is passed to reportlab's Canvas
    (a user password string or a ``reportlab.lib.pdfencrypt.StandardEncryption``); ``title`` sets
    the document-information title.
    """
    path = Path(path)
    w = _PdfWriter(path, header, page_numbers, encrypt)
    if title:
        w.c.setTitle(title)
    for kind, value in _norm(blocks):
        if kind == "table":
            w.table(value)
        elif kind == "pagebreak":
            w.new_page()
        else:
            w.text_block(kind, str(value))
    w.finish()
    return path


def write_image_pdf(path: str | Path, pages: int = 1) -> Path:
    """Write a PDF with drawn shapes only and no text layer, like a scanned document."""
    from reportlab.pdfgen import canvas

    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=(_PAGE_W, _PAGE_H), invariant=1)
    for _ in range(pages):
        for i in range(20):
            c.rect(_MARGIN_L, _PAGE_H - _MARGIN_T - i * 30, 300 + (i % 5) * 20, 12, fill=1)
        c.showPage()
    c.save()
    return path


# --- OFD --------------------------------------------------------------------------------------

_OFD_NS = "http://www.ofdspec.org/2016"
# Page box and type area in millimetres (OFD's unit).
_OFD_W, _OFD_H = 210.0, 297.0
_OFD_L, _OFD_R, _OFD_T, _OFD_B = 28.0, 26.0, 37.0, 35.0
_OFD_SIZE, _OFD_LEADING = 5.6, 9.8  # 三号 ≈ 16 pt ≈ 5.6 mm


def _ofd_wrap(text: str, width: float, size: float, indent: float) -> list[str]:
    per_line = int(width // size)
    first = int((width - indent) // size)
    lines, rest = [], text
    n = first
    while rest:
        lines.append(rest[:n])
        rest = rest[n:]
        n = per_line
    return lines or [""]


def _ofd_layout(
    blocks: list[tuple[str, Any]], page_numbers: bool
) -> list[list[tuple[float, float, str, float]]]:
    """Lay blocks out as (x, y_top, text, size) runs per page."""
    pages: list[list[tuple[float, float, str, float]]] = [[]]
    body_w = _OFD_W - _OFD_L - _OFD_R
    y = _OFD_T

    def need(h: float) -> None:
        nonlocal y
        if y + h > _OFD_H - _OFD_B:
            pages.append([])
            y = _OFD_T

    for kind, value in blocks:
        if kind == "pagebreak":
            pages.append([])
            y = _OFD_T
            continue
        if kind == "table":
            rows = [[str(c) for c in r] for r in value]
            ncols = max(len(r) for r in rows)
            col_w = body_w / ncols
            for row in rows:
                need(_OFD_LEADING)
                for c, cell in enumerate(row):
                    pages[-1].append((_OFD_L + c * col_w + 1, y, cell, 4.2))
                y += _OFD_LEADING
            continue
        size = 7.8 if kind == "title" else _OFD_SIZE
        indent = 2 * size if kind in ("para", "heading", "subheading", "item") else 0.0
        lines = _ofd_wrap(str(value), body_w, size, indent)
        for i, line in enumerate(lines):
            need(_OFD_LEADING)
            width = len(line) * size
            if kind in ("title", "docno"):
                x = (_OFD_W - width) / 2
            elif kind == "sign":
                x = _OFD_W - _OFD_R - 2 * size - width
            else:
                x = _OFD_L + (indent if i == 0 else 0.0)
            pages[-1].append((x, y, line, size))
            y += _OFD_LEADING
    if page_numbers:
        for n, runs in enumerate(pages, 1):
            label = f"— {n} —"
            runs.append(((_OFD_W - len(label) * 4.9) / 2, _OFD_H - 25, label, 4.9))
    return pages


def write_ofd(
    path: str | Path,
    blocks: Iterable[Block],
    *,
    page_numbers: bool = True,
    shuffle: bool = True,
    title: str | None = None,
) -> Path:
    """Write a minimal valid OFD (GB/T 33190): OFD.xml → Doc_0/Document.xml → Pages/Page_N.

    Each line becomes TextObjects with a Boundary and TextCode X/Y/DeltaX; long lines are split
    into two objects, and with ``shuffle`` the objects of a page are written out of reading order
    (as real producers do), so readers must sort by position.
    """
    path = Path(path)
    pages = _ofd_layout(_norm(blocks), page_numbers)
    rng = random.Random(20250312)
    ns = f'xmlns:ofd="{_OFD_NS}"'
    files: dict[str, str] = {}
    # Creator keeps the writer's old module name: the committed samples/*.ofd stay byte-identical.
    files["OFD.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD {ns} Version="1.1" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>6a1f0c1e8b5d4c2a9e7f3b1d2c4e5f60</ofd:DocID>"
        f"<ofd:Title>{escape(title or '')}</ofd:Title>"
        "<ofd:CreationDate>2025-03-12</ofd:CreationDate><ofd:Creator>screening.docgen</ofd:Creator>"
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    files["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res {ns} BaseLoc="Res">'
        '<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    next_id = 10
    page_refs = []
    for n, runs in enumerate(pages):
        objects = []
        for x, y, text, size in runs:
            pieces = [text]
            if len(text) > 12:
                cut = rng.randint(4, len(text) - 4)
                pieces = [text[:cut], text[cut:]]
            offset = 0
            for piece in pieces:
                px = x + offset * size
                offset += len(piece)
                w = len(piece) * size
                delta = f"g {len(piece) - 1} {size:g}" if len(piece) > 1 else ""
                delta_attr = f' DeltaX="{delta}"' if delta else ""
                box = f"{px:.3f} {y:.3f} {w:.3f} {size * 1.2:.3f}"
                objects.append(
                    f'<ofd:TextObject ID="{next_id}" Boundary="{box}"'
                    f' Font="2" Size="{size:g}"><ofd:FillColor Value="0 0 0"/>'
                    f'<ofd:TextCode X="0" Y="{size:g}"{delta_attr}>{escape(piece)}</ofd:TextCode>'
                    "</ofd:TextObject>"
                )
                next_id += 1
        if shuffle:
            rng.shuffle(objects)
        files[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page {ns}><ofd:Content>'
            f'<ofd:Layer ID="{next_id}" Type="Body">{"".join(objects)}</ofd:Layer>'
            "</ofd:Content></ofd:Page>"
        )
        next_id += 1
        page_refs.append(f'<ofd:Page ID="{next_id}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        next_id += 1
    files["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document {ns}><ofd:CommonData>'
        f"<ofd:MaxUnitID>{next_id}</ofd:MaxUnitID><ofd:PageArea>"
        f"<ofd:PhysicalBox>0 0 {_OFD_W:g} {_OFD_H:g}</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{''.join(page_refs)}</ofd:Pages></ofd:Document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=PINNED_TIME)
            zf.writestr(info, content.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return path


_HEADING_LINE = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十百]+[章节])")
_SUBHEADING_LINE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_DOCNO_LINE = re.compile(r"^[\u4e00-\u9fff]{1,14}[〔\[［(（【](?:19|20)\d\d[〕\]］)）】]\d{1,5}号$")
_DATE_LINE = re.compile(r"^(?:(?:19|20)\d\d|[〇○零一二三四五六七八九]{4})年.{1,3}月.{1,4}日$")


def blocks_from_text(text: str) -> list[tuple[str, Any]]:
    """Guess blocks from plain text, one paragraph per line: the first line is the title, short
    numbered lines are headings, a lone 文号 is docno, a trailing date and the short line above it
    are signature lines. Good enough to lay real sample texts out as DOCX/PDF/OFD."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    blocks: list[tuple[str, Any]] = []
    for i, line in enumerate(lines):
        short = len(line) <= 30 and not re.search(r"[。；，]", line)
        if (
            i == 0
            and not _HEADING_LINE.match(line)
            and (short or (len(line) <= 60 and "关于" in line))
        ):
            kind = "title"
        elif _DOCNO_LINE.match(line):
            kind = "docno"
        elif _DATE_LINE.match(line) or (
            short and i + 1 < len(lines) and _DATE_LINE.match(lines[i + 1]) and i >= len(lines) - 4
        ):
            kind = "sign"
        elif short and _HEADING_LINE.match(line):
            kind = "heading"
        elif short and _SUBHEADING_LINE.match(line):
            kind = "subheading"
        else:
            kind = "para"
        blocks.append((kind, line))
    return blocks


__all__ = ["KINDS", "blocks_from_text", "write_docx", "write_image_pdf", "write_ofd", "write_pdf"]
