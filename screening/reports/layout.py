"""公文 layout for DOCX drafts (GB/T 9704 habits): page, fonts, headings, tables, page numbers.

A4 with margins top 37 mm, bottom 35, left 28, right 26; title 方正小标宋简体 二号; body
仿宋_GB2312 三号 at a fixed 29 pt line pitch (22 lines a page); headings 黑体 (一、),
楷体_GB2312 (（一）) and bold 仿宋 (1.); page numbers "— 1 —" in 宋体 四号, outside edge
(odd pages right, even pages left). Fonts are named, East Asian slot included, whether or not
the machine has them, so the draft looks right on the office PC that opens it. Every text goes
through ``redact`` on its way in; ``save`` pins dates and ZIP timestamps (same input, same bytes).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

from ..tables import output_file

XBS = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONG = "宋体"
LATIN = "Times New Roman"

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NO_PT = 14  # 四号
LINE_PT = 29  # fixed line pitch: 22 lines in the 225 mm type area
TABLE_PT = 10.5  # 五号
ANNEX_TABLE_PT = 9  # 小五 (wide 台账 tables on landscape pages)

PORTRAIT_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
# Wide 台账 annexes: the page turned, narrower margins so fifteen columns fit.
LANDSCAPE_MARGINS_MM = {"top": 25, "bottom": 22, "left": 20, "right": 20}

# A picture stays with its caption below it, a table caption with its table.
_KEEP_WITH_NEXT = ("图片", "表格标题")
_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def set_fonts(rpr_parent: Any, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts of a style or run in all four slots; drop theme fonts that override them."""
    from docx.oxml.ns import qn

    rpr = rpr_parent.get_or_add_rPr() if hasattr(rpr_parent, "get_or_add_rPr") else rpr_parent
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr, name in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), name)


def _paragraph_style(
    document: Any,
    name: str,
    *,
    east_asia: str = FANGSONG,
    size: float = BODY_PT,
    bold: bool = False,
    align: str = "justify",
    indent_chars: float = 0,
    line_pt: float | None = LINE_PT,
    outline: int | None = None,
) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else None
    if style is None:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element, east_asia)
    pf = style.paragraph_format
    pf.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    pf.first_line_indent = Pt(size * indent_chars) if indent_chars else Pt(0)
    pf.left_indent = pf.right_indent = Pt(0)
    pf.space_before = pf.space_after = Pt(0)
    if line_pt:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line_pt)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.widow_control = True
    if outline is not None or name in _KEEP_WITH_NEXT:
        pf.keep_with_next = True
    return style


def _define_styles(document: Any) -> None:
    from docx.oxml.ns import qn

    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    _paragraph_style(document, "Normal", indent_chars=2)
    _paragraph_style(document, "Heading 1", east_asia=HEITI, indent_chars=2, outline=0)
    _paragraph_style(document, "Heading 2", east_asia=KAITI, indent_chars=2, outline=1)
    _paragraph_style(document, "Heading 3", bold=True, indent_chars=2, outline=2)
    _paragraph_style(document, "公文标题", east_asia=XBS, size=TITLE_PT, align="center", line_pt=36)
    _paragraph_style(document, "公文发文字号", align="center")
    _paragraph_style(document, "公文主送机关", align="left")
    _paragraph_style(document, "公文落款", align="right")
    _paragraph_style(document, "附件说明", indent_chars=2)
    _paragraph_style(document, "附件标识", east_asia=HEITI, align="left")
    _paragraph_style(document, "表格标题", east_asia=HEITI, size=14, align="center", line_pt=24)
    _paragraph_style(document, "图题", east_asia=HEITI, size=14, align="center", line_pt=24)
    _paragraph_style(document, "表格文字", size=TABLE_PT, align="left", line_pt=None)
    _paragraph_style(document, "台账表格文字", size=ANNEX_TABLE_PT, align="left", line_pt=None)
    _paragraph_style(document, "图片", align="center", line_pt=None)
    _paragraph_style(document, "页码", east_asia=SONG, size=PAGE_NO_PT, line_pt=None)
    for level in (1, 2, 3):  # the built-in heading styles carry theme colours and spacing
        document.styles[f"Heading {level}"].font.italic = False


def _mm(value: float) -> Any:
    from docx.shared import Mm

    return Mm(value)


def _page_setup(section: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT

    long, short = _mm(297), _mm(210)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    margins = LANDSCAPE_MARGINS_MM if landscape else PORTRAIT_MARGINS_MM
    section.top_margin = _mm(margins["top"])
    section.bottom_margin = _mm(margins["bottom"])
    section.left_margin = _mm(margins["left"])
    section.right_margin = _mm(margins["right"])
    section.header_distance = _mm(15)
    section.footer_distance = _mm(24 if not landscape else 10)


def _page_number(paragraph: Any) -> None:
    """ "— 1 —": em dashes around a PAGE field (the field shows 1 until the reader updates it)."""
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph.add_run("— ")
    for xml in (
        f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {w}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        f'<w:r {w}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {w}><w:t>1</w:t></w:r>",
        f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))
    paragraph.add_run(" —")


def _footers(document: Any, section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        p.style = document.styles["页码"]
        p.alignment = align
        p.paragraph_format.first_line_indent = Pt(0)
        # GB/T 9704: one character in from the outside edge.
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_NO_PT)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_NO_PT)
        _page_number(p)


def _cell_margins(table: Any, twips: int) -> None:
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mar = parse_xml(
        f"<w:tblCellMar {w}>"
        + "".join(f'<w:{side} w:w="{twips}" w:type="dxa"/>' for side in ("left", "right"))
        + "</w:tblCellMar>"
    )
    table._tbl.tblPr.append(mar)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


class OfficialDocument:
    """A 公文 draft built block by block; text passes through ``redact``."""

    def __init__(self, *, redact: Callable[[Any], str] = str, title: str = "") -> None:
        import docx

        self.redact = redact
        self.document = docx.Document()
        self.title_text = title
        _define_styles(self.document)
        section = self.document.sections[0]
        _page_setup(section, landscape=False)
        _footers(self.document, section)
        self.tables = 0
        self.figures = 0

    # --- blocks ---------------------------------------------------------------------------

    def _para(self, text: str, style: str) -> Any:
        return self.document.add_paragraph(self.redact(text), style=style)

    def docno(self, text: str) -> Any:
        return self._para(text, "公文发文字号")

    def title(self, text: str) -> list[Any]:
        """The 标题; ``\\n`` splits a long title into lines (GB/T 9704 prefers a trapezoid)."""
        return [self._para(line, "公文标题") for line in text.split("\n")]

    def blank(self) -> Any:
        return self.document.add_paragraph("", style="公文主送机关")

    def addressee(self, text: str) -> Any:
        return self._para(text, "公文主送机关")

    def heading(self, level: int, text: str) -> Any:
        return self._para(text, f"Heading {level}")

    def para(self, text: str) -> Any:
        return self._para(text, "Normal")

    def attachment_note(self, text: str) -> Any:
        """附件说明 below the body: 附件：名称."""
        return self._para(text, "附件说明")

    def sign(self, *lines: str) -> list[Any]:
        """署名 and 成文日期, right-aligned four characters in from the right margin."""
        from docx.shared import Pt

        # GB/T 9704: the signature never stands on a page without body text, so everything
        # from the last body paragraph on is kept with it.
        for previous in reversed(self.document.paragraphs):
            previous.paragraph_format.keep_with_next = True
            if previous.style.name == "Normal" and previous.text.strip():
                break
        out = []
        for n, line in enumerate(lines, start=1):
            p = self._para(line, "公文落款")
            p.paragraph_format.right_indent = Pt(BODY_PT * 4)
            p.paragraph_format.keep_with_next = n < len(lines)
            out.append(p)
        return out

    def caption(self, text: str) -> Any:
        return self._para(text, "表格标题")

    def table(
        self,
        rows: Sequence[Sequence[Any]],
        *,
        widths_mm: Sequence[float],
        style: str = "表格文字",
        center_cols: Sequence[int] = (),
        caption: str | None = None,
    ) -> Any:
        """A ruled table; the first row is a bold header repeated on every page."""
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        if caption:
            self.tables += 1
            self.caption(caption)
        table = self.document.add_table(rows=len(rows), cols=len(widths_mm))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _cell_margins(table, 57)
        for i, width in enumerate(widths_mm):
            table.columns[i].width = _mm(width)
        style_id = self.document.styles[style].style_id
        # row.cells, not table.cell(r, c): the latter rescans the whole table on every call.
        for r, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
            for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = _mm(widths_mm[c])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p._p.style = style_id  # direct: Paragraph.style re-resolves the id per call
                p.text = self.redact(value)
                if r == 0 or c in center_cols:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if r == 0:
                    for run in p.runs:
                        run.font.bold = True
        _repeat_header(table.rows[0])
        return table

    def picture(self, path: str | Path, *, width_mm: float, caption: str) -> Any:
        p = self.document.add_paragraph(style="图片")
        # From memory, so the document does not record (and depend on) the PNG's file name.
        p.add_run().add_picture(io.BytesIO(Path(path).read_bytes()), width=_mm(width_mm))
        self.figures += 1
        return self._para(caption, "图题")

    def annex(self, label: str, title: str, *, landscape: bool = False) -> None:
        """Start an 附件 on a new page (its own section, landscape for wide tables)."""
        from docx.enum.section import WD_SECTION

        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        _page_setup(section, landscape=landscape)
        self._para(label, "附件标识")
        self.blank()
        self.title(title)
        self.blank()

    # --- output ---------------------------------------------------------------------------

    def save(self, path: str | Path, date: dt.date) -> Path:
        """Write the DOCX; core properties and ZIP member times are pinned (reproducible bytes)."""
        out = Path(path)
        props = self.document.core_properties
        pin_core_dates(self.document)
        props.created = props.modified = dt.datetime(date.year, date.month, date.day)
        props.title = self.redact(self.title_text)
        props.comments = "由 screening 根据工作台账生成的草稿，请核改后使用。"
        props.language = "zh-CN"
        with output_file(out):
            self.document.save(str(out))
            pin_zip_times(out)
        return out


# --- reproducible output ------------------------------------------------------------------
# Same input, same bytes: python-docx and openpyxl stamp the clock into the core properties and
# the ZIP member times. These two helpers pin both (the test-fixture writer uses them too).

PINNED_TIME = (2025, 1, 1, 0, 0, 0)  # ZIP member times and the placeholder core dates


def pin_core_dates(document: Any) -> None:
    """Fixed core properties of a python-docx document: dates, author, revision."""
    props = document.core_properties
    props.created = props.modified = dt.datetime(*PINNED_TIME)
    props.last_modified_by = props.author = "screening"
    props.revision = 1


def pin_zip_times(path: Path, rewrite: Callable[[str, bytes], bytes] | None = None) -> None:
    """Rewrite a ZIP container with fixed member timestamps (python-docx stamps the clock).

    ``rewrite(name, data)``, when given, may change a member's bytes on the way (reports use it
    to pin the dates openpyxl writes into ``docProps/core.xml``).
    """
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            body = rewrite(name, data) if rewrite else data
            zf.writestr(zipfile.ZipInfo(name, date_time=PINNED_TIME), body, zipfile.ZIP_DEFLATED)


_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def pin_zip(path: Path, date: dt.date) -> None:
    """Pin an XLSX written by openpyxl: core-property dates to ``date``, member times fixed."""
    stamp = f"{date.isoformat()}T00:00:00Z".encode()

    def rewrite(name: str, data: bytes) -> bytes:
        if name == "docProps/core.xml":
            return _CORE_DATE.sub(lambda m: m[1] + stamp + m[3], data)
        return data

    pin_zip_times(path, rewrite)


# Where a 公文 title may break: before these words (never inside a word or a number).
_TITLE_BREAKS = ("关于", "公平竞争", "自查整改", "典型案例", "违反", "效能评估", "工作")


def _width(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def title_lines(text: str, width: float = 20) -> str:
    """Break a long title into balanced lines of at most ``width`` characters at word breaks.

    GB/T 9704 wants multi-line titles split where the meaning allows, lines of similar length;
    a title with no such break that fits is left to the word processor.
    """
    if _width(text) <= width:
        return text
    cuts = sorted({i for w in _TITLE_BREAKS for i in _find_all(text, w) if 0 < i < len(text)})
    best: tuple[float, list[int]] | None = None
    for k in range(1, 4):  # at most four lines
        for combo in combinations(cuts, k):
            bounds = [0, *combo, len(text)]
            widths = [_width(text[a:b]) for a, b in pairwise(bounds)]
            if max(widths) > width:
                continue
            score = (k, max(widths) - min(widths))
            if best is None or score < best[0]:
                best = (score, list(combo))  # type: ignore[assignment]
        if best:
            break
    if best is None:
        return text
    bounds = [0, *best[1], len(text)]
    return "\n".join(text[a:b] for a, b in pairwise(bounds))


def _find_all(text: str, word: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(word, i)]
