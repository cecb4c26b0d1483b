"""DOCX parser (python-docx): body paragraphs and tables in order, automatic numbering rendered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import CorruptFileError, EncryptedFileError
from ..lang.zh.headings import CIRCLED, TIANGAN, WORD_HEADING_STYLE_PREFIXES
from ..lang.zh.numerals import LEGAL_DIGITS, to_cn, to_cn_digits
from ..types import HEADING, Document
from ._build import DocumentBuilder, open_zip_guarded
from ._layout import guess_kind
from .metadata import extract_metadata

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


# --- numbering ----------------------------------------------------------------------------------

# 大写 digits as this parser renders Word's legal numbering: digit for digit, 十 → 拾, 百 kept.
_LEGAL = str.maketrans("零一二三四五六七八九十", LEGAL_DIGITS + "拾")


def chinese_number(n: int, *, legal: bool = False) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (what Word's chineseCounting shows);
    0 and below → 零, 1000 and above stay Arabic. ``legal``: 壹, 拾贰 … (chineseLegalSimplified)."""
    if n >= 1000:
        return str(n)
    text = to_cn(max(n, 0))
    return text.translate(_LEGAL) if legal else text


def _roman(n: int) -> str:
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
    vals += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _letter(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_CN_COUNTING = {
    "chineseCounting",
    "chineseCountingThousand",
    "taiwaneseCounting",
    "taiwaneseCountingThousand",
    "japaneseCounting",
    "koreanCounting",
}
_CUSTOM_FORMATS = {
    "一": "chineseCounting",
    "壹": "chineseLegalSimplified",
    "甲": "ideographTraditional",
}
_CUSTOM_FORMATS |= {"①": "decimalEnclosedCircle", "01": "decimalZero", "001": "decimalZero"}


def format_number(n: int, fmt: str) -> str:
    """Render counter ``n`` in a w:numFmt style."""
    if fmt in _CN_COUNTING:
        return chinese_number(n)
    if fmt == "ideographDigital":
        return to_cn_digits(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return chinese_number(n, legal=True)
    if fmt in ("ideographTraditional",):
        return TIANGAN[(n - 1) % 10]
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return CIRCLED[n - 1] if 1 <= n <= len(CIRCLED) else str(n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    return str(n)


def _num_fmt(lvl: Any) -> str:
    """The level's numFmt; LibreOffice wraps some in mc:AlternateContent as val="custom"
    with a w:format sample such as "一, 二, 三, ..."."""
    fmt = lvl.find(_w("numFmt"))
    if fmt is None:
        fmt = next((el for el in lvl.iter(_w("numFmt"))), None)
    if fmt is None:
        return "decimal"
    val = fmt.get(_w("val"), "decimal")
    if val == "custom":
        sample = (fmt.get(_w("format")) or "").split(",")[0].strip()
        return _CUSTOM_FORMATS.get(sample, "decimal")
    return str(val)


class Numbering:
    """Counters for automatic list numbering, read from numbering.xml."""

    def __init__(self, numbering_el: Any) -> None:
        self.abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_el is None:
            return
        for an in numbering_el.findall(_w("abstractNum")):
            self.abstract[an.get(_w("abstractNumId"))] = self._levels(an)
        for num in numbering_el.findall(_w("num")):
            ref = num.find(_w("abstractNumId"))
            overrides = {}
            for ov in num.findall(_w("lvlOverride")):
                start = ov.find(_w("startOverride"))
                if start is not None:
                    overrides[int(ov.get(_w("ilvl"), "0"))] = int(start.get(_w("val"), "1"))
            if ref is not None:
                self.nums[num.get(_w("numId"))] = (ref.get(_w("val")), overrides)

    @staticmethod
    def _levels(an: Any) -> dict[int, tuple[str, str, int]]:
        levels = {}
        for lvl in an.findall(_w("lvl")):
            text = lvl.find(_w("lvlText"))
            start = lvl.find(_w("start"))
            levels[int(lvl.get(_w("ilvl"), "0"))] = (
                _num_fmt(lvl),
                text.get(_w("val"), "") if text is not None else "",
                int(start.get(_w("val"), "1")) if start is not None else 1,
            )
        return levels

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the counter of (num_id, ilvl) and return the rendered label, e.g. "（二）"."""
        if num_id not in self.nums:
            return None
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if ilvl not in levels:
            return None
        fmt, text, _ = levels[ilvl]
        counters = self.counters.setdefault(num_id, {})
        start = overrides.get(ilvl, levels[ilvl][2])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt in ("bullet", "none") or not text:
            return None

        def repl(m: re.Match[str]) -> str:
            lvl = int(m[1]) - 1
            lvl_fmt, _, lvl_start = levels.get(lvl, ("decimal", "", 1))
            value = counters.get(lvl, overrides.get(lvl, lvl_start))
            return format_number(value, lvl_fmt)

        return re.sub(r"%(\d)", repl, text)


# --- styles -------------------------------------------------------------------------------------


class Styles:
    """Style names, heading levels and inherited numbering from styles.xml."""

    def __init__(self, styles_el: Any) -> None:
        self.by_id: dict[str, Any] = {}
        if styles_el is not None:
            for st in styles_el.findall(_w("style")):
                self.by_id[st.get(_w("styleId"))] = st

    def _chain(self, style_id: str | None) -> Iterator[Any]:
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            st = self.by_id[style_id]
            yield st
            based = st.find(_w("basedOn"))
            style_id = based.get(_w("val")) if based is not None else None

    def name(self, style_id: str | None) -> str | None:
        st = self.by_id.get(style_id or "")
        el = st.find(_w("name")) if st is not None else None
        return el.get(_w("val")) if el is not None else style_id

    def is_heading(self, style_id: str | None) -> bool:
        for st in self._chain(style_id):
            name = (self.name(st.get(_w("styleId"))) or "").lower()
            if name.startswith(WORD_HEADING_STYLE_PREFIXES):
                return True
            if st.find(f"{_w('pPr')}/{_w('outlineLvl')}") is not None:
                return True
        return False

    def num_pr(self, style_id: str | None) -> Any:
        for st in self._chain(style_id):
            num_pr = st.find(f"{_w('pPr')}/{_w('numPr')}")
            if num_pr is not None:
                return num_pr
        return None


# --- body ---------------------------------------------------------------------------------------


def _run_text(p: Any) -> str:
    """Visible text of a paragraph: runs, hyperlinks, insertions, fields; not deletions."""
    parts: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == _w("t"):
            if not _inside(el, p, {_w("del"), f"{{{MC}}}Fallback"}):
                parts.append(el.text or "")
        elif tag in (_w("tab"), _w("ptab")) and _inside(el, p, {_w("r")}):
            parts.append("\t")
        elif tag in (_w("br"), _w("cr")) and el.get(_w("type")) != "page":
            parts.append("\u2028")
    text = "".join(parts)
    # A manual line break inside a paragraph is layout, not structure: join CJK directly.
    if _mostly_cjk(text):
        text = re.sub(r"\s*\u2028\s*", "", text)
    return text.replace("\u2028", " ")


def _mostly_cjk(text: str) -> bool:
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return cjk * 2 >= len(text.replace(" ", ""))


def _inside(el: Any, stop: Any, tags: set[str]) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


class _BodyReader:
    def __init__(self, numbering: Numbering, styles: Styles) -> None:
        self.numbering = numbering
        self.styles = styles

    def paragraph(self, p: Any, builder: DocumentBuilder) -> None:
        ppr = p.find(_w("pPr"))
        style_el = ppr.find(_w("pStyle")) if ppr is not None else None
        style_id = style_el.get(_w("val")) if style_el is not None else None
        text = _run_text(p)
        label = self._label(ppr, style_id)
        if label and text.strip():
            sep = "" if re.search(r"[、.．)）:：]$", label) else " "
            text = label + sep + text.lstrip()
        style_name = self.styles.name(style_id)
        heading = self.styles.is_heading(style_id) or (
            ppr is not None and ppr.find(_w("outlineLvl")) is not None
        )
        kind = HEADING if heading else guess_kind(text.strip())
        builder.add(text, kind=kind, style=style_name)

    def _label(self, ppr: Any, style_id: str | None) -> str | None:
        num_pr = ppr.find(_w("numPr")) if ppr is not None else None
        if num_pr is None:
            num_pr = self.styles.num_pr(style_id)
        if num_pr is None:
            return None
        num_el = num_pr.find(_w("numId"))
        ilvl_el = num_pr.find(_w("ilvl"))
        num_id = num_el.get(_w("val")) if num_el is not None else None
        if not num_id or num_id == "0":
            return None
        ilvl = int(ilvl_el.get(_w("val"), "0")) if ilvl_el is not None else 0
        return self.numbering.label(num_id, ilvl)

    def table(self, tbl: Any) -> list[list[str]]:
        rows = []
        for tr in tbl.findall(_w("tr")):
            cells = []
            for tc in tr.iter(_w("tc")):
                if _nearest(tc, _w("tbl")) is not tbl:
                    continue  # cells of nested tables are read with their outer cell
                cells.append("".join(_run_text(p) for p in tc.iter(_w("p"))))
            rows.append(cells)
        return rows

    def walk(self, container: Any, builder: DocumentBuilder) -> None:
        for child in container:
            tag = child.tag
            if tag == _w("p"):
                self.paragraph(child, builder)
            elif tag == _w("tbl"):
                builder.add_table(self.table(child))
            elif tag in (_w("sdt"), _w("customXml"), _w("sdtContent")):
                content = child.find(_w("sdtContent")) if tag == _w("sdt") else child
                if content is not None:
                    self.walk(content, builder)


def _nearest(el: Any, tag: str) -> Any:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _open_docx(path: Path) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as exc:
        raise CorruptFileError(str(path), detail=f"DOCX 结构错误：{exc}") from None
    except Exception as exc:  # zipfile and CRC errors surface as several types
        raise CorruptFileError(str(path), detail=f"{type(exc).__name__}: {exc}") from None


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "docx") -> Document:
    with path.open("rb") as fh:
        if fh.read(8) == _OLE2_MAGIC:
            raise EncryptedFileError(str(path))
    with open_zip_guarded(path, settings.max_unzipped_mb) as zf:
        if "word/document.xml" not in zf.namelist():
            raise CorruptFileError(str(path), detail="缺少 word/document.xml，不是 Word 文档")
    document = _open_docx(path)
    part = document.part
    try:
        numbering_el = part.numbering_part.element
    except (KeyError, NotImplementedError):
        numbering_el = None
    reader = _BodyReader(Numbering(numbering_el), Styles(part.styles.element))
    builder = DocumentBuilder()
    reader.walk(document.element.body, builder)
    core_title = document.core_properties.title or None
    meta = extract_metadata(builder.texts(), title=core_title)
    return builder.build(path=path, sha256=sha256, fmt=fmt, metadata=meta)
