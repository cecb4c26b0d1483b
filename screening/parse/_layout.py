"""Turn positioned text lines of fixed-layout pages (PDF, OFD) back into paragraphs."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..types import HEADING, PARAGRAPH


@dataclass
class Line:
    """One visual line; coordinates grow rightwards (x) and downwards (top/bottom)."""

    page: int  # 1-based
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float


@dataclass
class Para:
    page: int
    text: str
    top: float = 0.0  # position of the first line, to place tables between paragraphs
    kind: str = PARAGRAPH


# Line ends after which a paragraph is over even if the line is full.
_TERMINAL = tuple("。；：！？;:!?…")
# Starts of a new numbered paragraph: 第X章/条, 一、, （一）, 1. 1、 (1) ①.
NUMBERED = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条款部分]|[一二三四五六七八九十百]+、|"
    r"[（(][一二三四五六七八九十百\d]+[）)]|\d{1,3}[.．、](?!\d)|[①-⑳]|附件\s*\d*[:：]?$)"
)
# Page numbers: "— 1 —", "- 1 -", "第 1 页 共 3 页", "第1页/共3页", "1/3", "1".
PAGE_NUMBER = re.compile(
    r"^(?:[—－\-–~～·\s]*\d{1,4}[—－\-–~～·\s]*|第\s*\d{1,4}\s*页\s*[,，/／]?\s*(?:共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$"
)
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_HEADING_MAX = 40
_HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节编部分]|[一二三四五六七八九十]+、)"
)


def _norm_running(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_running(pages: Sequence[list[Line]], heights: Sequence[float]) -> list[list[Line]]:
    """Remove page numbers and headers/footers that repeat at the top or bottom of pages."""
    edge: Counter[str] = Counter()
    for lines in pages:
        seen = {_norm_running(ln.text) for ln in _edges(lines)}
        edge.update(seen)
    n = len(pages)
    need = 2 if n <= 3 else max(2, round(n * 0.4))
    out = []
    for lines, height in zip(pages, heights, strict=True):
        edges = {id(ln) for ln in _edges(lines)}
        kept = []
        for ln in lines:
            if id(ln) in edges:
                t = ln.text.strip()
                in_margin = ln.top < height * 0.11 or ln.bottom > height * 0.89
                if PAGE_NUMBER.match(t) and (in_margin or ln is lines[-1]):
                    continue
                if in_margin and n > 1 and edge[_norm_running(t)] >= need:
                    continue
            kept.append(ln)
        out.append(kept)
    return out


def _edges(lines: list[Line]) -> list[Line]:
    """First two and last two lines of a page (by position), where running text lives."""
    return lines[:2] + lines[-2:] if len(lines) > 4 else list(lines)


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


def _margins(lines: list[Line]) -> tuple[float, float, float]:
    """(left margin, right margin, body font size) of the running text."""
    body = [ln for ln in lines if len(ln.text) >= 6] or lines
    size = statistics.median(ln.size for ln in body)
    left = Counter(round(ln.x0) for ln in body).most_common(1)[0][0]
    rights = sorted(ln.x1 for ln in body)
    right = rights[int(len(rights) * 0.9)] if len(rights) > 3 else rights[-1]
    return float(left), right, size


def paragraphs(pages: Sequence[list[Line]]) -> list[Para]:
    """Join lines broken by the layout into paragraphs; lines must be in reading order."""
    lines = [ln for page in pages for ln in page]
    if not lines:
        return []
    left, right, size = _margins(lines)
    indented = _indent_style(lines, left, size)
    out: list[Para] = []
    prev: Line | None = None
    for ln in lines:
        text = ln.text.strip()
        if not text:
            continue
        if prev is not None and _continues(prev, ln, left, right, size, indented):
            out[-1].text = _join(out[-1].text, text)
        else:
            out.append(Para(page=ln.page, text=text, top=ln.top))
        prev = ln
    for p in out:
        p.kind = guess_kind(p.text)
    return out


def _indent_style(lines: list[Line], left: float, size: float) -> bool:
    """True when paragraphs start with a two-character indent (公文 style): then a full line
    followed by an unindented one continues the paragraph even after 。 or ；."""
    starts = sum(1 for ln in lines if abs(ln.x0 - (left + 2 * ln.size)) < 0.5 * ln.size)
    return starts >= 2 and starts >= 0.05 * len(lines)


def _continues(
    prev: Line, ln: Line, left: float, right: float, size: float, indent_style: bool
) -> bool:
    prev_text, text = prev.text.strip(), ln.text.strip()
    if NUMBERED.match(text):
        return False
    if prev_text.endswith(_TERMINAL) and not indent_style:
        return False
    if abs(prev.size - ln.size) > 0.15 * size:
        return False
    same_page = prev.page == ln.page
    if same_page and ln.top - prev.bottom > 1.6 * max(prev.size, ln.size):
        return False
    if not same_page and ln.page != prev.page + 1:
        return False
    # Titles are larger and centred: consecutive title lines belong together.
    if prev.size > 1.15 * size and ln.size > 1.15 * size:
        return True
    reaches_right = prev.x1 >= right - 1.5 * size
    indented = ln.x0 > left + 0.8 * size
    return reaches_right and not indented


def guess_kind(text: str) -> str:
    """Short numbered lines without sentence punctuation (一、总则 / 第一章 总则) are headings."""
    if len(text) > _HEADING_MAX or re.search(r"[。；;，,]", text):
        return PARAGRAPH
    return HEADING if _HEADING_START.match(text) else PARAGRAPH


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


__all__ = ["NUMBERED", "PAGE_NUMBER", "Line", "Para", "drop_running", "guess_kind", "paragraphs"]
