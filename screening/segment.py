"""Clause segmentation: split a Document into clauses with exact offsets and article paths."""

# Versioned as screening.versions.SEGMENTER: bump it there when cuts or offsets change.
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .domain import ClauseKind
from .lang.zh.doctypes import HEADING_TYPES
from .types import HEADING, TABLE_ROW, Clause, Document

# Article path format (``Clause.article_path``): the structural labels that enclose a clause, from
# the outermost level inwards, joined by ``/``. Levels, in order:
#
# * ``附件1`` / ``附件一`` / ``附件`` — an annex section; it starts a new top-level path;
# * ``第一编``, ``第三章``, ``第二节`` — as written, inner whitespace removed;
# * ``第十二条`` (also ``第12条``, ``第十条之一``) — a new article resets every lower level;
# * numbering inside an article or a plain document, nested in the order it appears:
#   ``一、`` ``（一）`` ``1.`` ``（1）`` ``1）`` ``①``. Labels are normalised (half-width brackets
#   become full-width, ``1、``/``1．`` become ``1.``, full-width digits become ASCII), so
#   ``第三章/第十二条/（二）`` and ``一、/（三）/2.`` are typical paths.
#
# A level changes only on numbering at the start of a block (paragraph) or at the start of a
# sentence inside a block (inline lists such as ``下列行为：（一）……；（二）……。``);
# cross-references like ``依照本条例第十条规定`` never do, and ``第X条`` counts only at the start
# of a block.
# An unnumbered paragraph after a list leaves the finished items (those ending in 。/；, and a
# ``……：`` lead-in item whose sub-list is over, when it is nested or inside an article) and stays
# under the nearest heading-like item (no final punctuation, or one that has sub-items) or article.
#
# Clause kinds: ``heading`` (document title and its notes before the body, 编/章/节 headings,
# annex labels, parser headings — the text parser marks short numbered lines such as ``一、总则``
# as headings and they still set the path — title-like lines such as ``……办法``, and a short
# unpunctuated line just before a ``第X条`` (a chapter title that lost its label)),
# ``list_item`` (the sentence that carries an item number, or an unnumbered ``；``-terminated
# entry after a ``：`` lead-in), ``table_row`` (one per table row, path of the enclosing text) and
# ``sentence`` (everything else, including the lead-in sentence and further sentences of a
# numbered item, which keep the item's path).
#
# Sentences split after 。！？；; (and ! ? not inside URLs), and after ： when a list number
# follows, never inside matched quotes or brackets 「」『』“”‘’《》（）()【】〔〕[]. Offsets are
# exact: ``doc.text[c.start:c.end] == c.text`` with surrounding whitespace trimmed by moving the
# offsets, never by editing the text.

SENTENCE = ClauseKind.SENTENCE.value
LIST_ITEM = ClauseKind.LIST_ITEM.value
HEADING_KIND = ClauseKind.HEADING.value
TABLE_ROW_KIND = ClauseKind.TABLE_ROW.value

_CN = "零〇一二三四五六七八九十百千两"
_CN_NUM = f"[{_CN}]+"
_NUM = f"(?:[{_CN}]+|[0-9０-９]+)"
_SP = r"[ \t\u3000\u00a0]*"

_TERMINATORS = frozenset("。！？；;!?")
_HALF_WIDTH_GUARDED = frozenset("!?")  # split only when not followed by URL-ish characters
_COLONS = frozenset("：:")
_CLOSERS_TRAILING = frozenset("”’」』）)】》〕]")
_PAIRS = {
    "（": "）",
    "(": ")",
    "《": "》",
    "「": "」",
    "『": "』",
    "“": "”",
    "‘": "’",
    "【": "】",
    "〔": "〕",
    "[": "]",
}
_CLOSER_TO_OPENER = {v: k for k, v in _PAIRS.items()}
_MAX_PROTECTED_SPAN = 400  # a "pair" wider than this is most likely a stray quote
_WHITESPACE = " \t\r\n\f\v\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９]")
_SENTENCE_PUNCT = re.compile(r"[。；！？;!?]")
_ANY_PUNCT = re.compile(r"[。；！？;!?：:]")
_TITLE_PUNCT = re.compile(r"[。；！？;!?：:，,]")

_ANNEX = re.compile(rf"^附件{_SP}([0-9０-９]+|{_CN_NUM})?{_SP}(?:[:：]{_SP})?(.*)$", re.S)
_DIVISION = re.compile(rf"^第{_SP}({_NUM}){_SP}([编章节])")
_ARTICLE = re.compile(rf"^第{_SP}({_NUM}){_SP}条(?:之{_SP}({_CN_NUM}))?")
# Text right after "第X条" that shows a cross-reference rather than an article label.
_XREF_AFTER = re.compile(
    r"^(?:规定|的|第|至|到|、|，|,|和|及|或|中|所|款|项|以|之外|（[^）]*）规定)"
)
# A line ending in a 文种 (lang.zh.doctypes.HEADING_TYPES), maybe with a bracketed qualifier.
_TITLE_SUFFIX = re.compile(
    r"(?:" + "|".join(HEADING_TYPES) + r")(?:（[^（）]{1,8}）|\([^()]{1,8}\))?$"
)

_ENUM = re.compile(
    "|".join(
        [
            rf"(?P<cn_dun>[{_CN}]{{1,4}}){_SP}[、．.](?![{_CN}])",
            rf"[（(]{_SP}(?P<cn_paren>[{_CN}]{{1,4}}){_SP}[）)]",
            rf"[（(]{_SP}(?P<ar_paren>[0-9０-９]{{1,2}}){_SP}[）)]",
            r"(?P<ar_paren_c>[\u2474-\u2487])",
            rf"(?P<ar_rparen>[0-9０-９]{{1,2}}){_SP}[）)]",
            rf"(?P<ar_dot>[0-9０-９]{{1,3}}){_SP}(?:[、．](?![0-9０-９])|\.(?![0-9０-９]))",
            r"(?P<ar_dot_c>[\u2488-\u249b])",
            r"(?P<circled>[\u2460-\u2473\u3251-\u325f])",
        ]
    )
)
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass
class _Item:
    style: str
    label: str
    open: bool  # an unnumbered paragraph after it still belongs to it
    colon_list: bool  # an entry of a list introduced by "："
    inline: bool = False  # numbered in the middle of a block, after a sentence break
    lead_in: bool = False  # the item's own text ends with "：" and introduces a sub-list
    after_semicolon: bool = False  # inline item that follows a sibling ending with "；"


@dataclass
class _Enum:
    style: str
    label: str
    end: int  # offset just after the number


def _digits(s: str) -> str:
    return re.sub(r"\s+", "", s).translate(_FULLWIDTH_DIGITS)


def match_enumerator(text: str, pos: int = 0) -> _Enum | None:
    """Recognise a list number (一、 （一） 1. （1） 1） ①) at ``text[pos]``."""
    m = _ENUM.match(text, pos)
    if m is None:
        return None
    kind = m.lastgroup
    value = m.group(kind) if kind else ""
    if kind == "cn_dun":
        return _Enum("cn_dun", f"{value}、", m.end())
    if kind == "cn_paren":
        return _Enum("cn_paren", f"（{value}）", m.end())
    if kind == "ar_paren":
        return _Enum("ar_paren", f"（{_digits(value)}）", m.end())
    if kind == "ar_paren_c":
        return _Enum("ar_paren", f"（{ord(value) - 0x2473}）", m.end())
    if kind == "ar_rparen":
        return _Enum("ar_rparen", f"{_digits(value)}）", m.end())
    if kind == "ar_dot":
        return _Enum("ar_dot", f"{_digits(value)}.", m.end())
    if kind == "ar_dot_c":
        return _Enum("ar_dot", f"{ord(value) - 0x2487}.", m.end())
    return _Enum("circled", value, m.end())


def match_article(text: str) -> str | None:
    """Return the normalised ``第X条`` label if ``text`` starts with an article number."""
    m = _ARTICLE.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    if rest[:1] not in tuple(_WHITESPACE) and _XREF_AFTER.match(rest):
        return None  # "第十条规定的……" at a block start is a cross-reference
    label = f"第{_digits(m.group(1))}条"
    if m.group(2):
        label += f"之{m.group(2)}"
    return label


def _match_division(text: str) -> tuple[str, str] | None:
    """Return (level, label) for 第X编/章/节 at the start of ``text``."""
    m = _DIVISION.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    if rest and rest[0] not in _WHITESPACE and _XREF_AFTER.match(rest):
        return None
    if _SENTENCE_PUNCT.search(text) and not (rest[:1] and rest[0] in _WHITESPACE):
        return None  # "第三章规定的……。" is a sentence, not a heading
    return m.group(2), f"第{_digits(m.group(1))}{m.group(2)}"


def structural_headings(clauses: Sequence[Clause]) -> list[bool]:
    """For each clause, whether it is a heading that only names the articles under it: a
    第X编/章/节 heading, or a heading right before a ``第X条`` article (a chapter title that lost
    its label, such as ``建设工程许可后管理``). Such a line sets no condition of its own; the
    articles it heads are screened where they stand. Other headings — a document's title, a
    numbered policy heading, a line the parser could not place — are not counted: a notified
    barrier can be one (``执行辖区配送烟花爆竹产品决定``)."""
    out = []
    for i, clause in enumerate(clauses):
        nxt = clauses[i + 1] if i + 1 < len(clauses) else None
        out.append(
            clause.kind == HEADING_KIND
            and not _ANY_PUNCT.search(clause.text)
            and match_article(clause.text) is None  # an article styled as a heading
            and (
                _match_division(clause.text) is not None
                or (nxt is not None and match_article(nxt.text) is not None)
            )
        )
    return out


def _match_annex(text: str) -> str | None:
    """Return the annex label if the block is an annex heading (附件 / 附件1 / 附件2 名称)."""
    m = _ANNEX.match(text)
    if m is None:
        return None
    number, title = m.group(1), m.group(2).strip(_WHITESPACE)
    colon = re.match(rf"^附件{_SP}[0-9０-９{_CN}]*{_SP}[:：]", text) is not None
    if title:
        if colon and not number:
            return None  # "附件：1.某某办法" lists the attachments in the body
        if len(title) > 40 or _SENTENCE_PUNCT.search(title) or match_enumerator(title):
            return None
    return "附件" + (_digits(number) if number else "")


_BRACKET = re.compile("[" + re.escape("".join(_PAIRS) + "".join(_PAIRS.values())) + "]")
_CANDIDATE = re.compile(r"[。！？；;!?：:]")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Disjoint, sorted (open, close) index pairs of matched brackets/quotes, outermost only."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for m in _BRACKET.finditer(text):
        ch, i = m.group(), m.start()
        if ch in _PAIRS:
            stack.append((ch, i))
            continue
        opener = _CLOSER_TO_OPENER[ch]
        for k in range(len(stack) - 1, max(-1, len(stack) - 9), -1):
            if stack[k][0] == opener:
                start = stack[k][1]
                del stack[k:]
                if i - start <= _MAX_PROTECTED_SPAN:
                    pairs.append((start, i))
                break
        # a closer without a near matching opener is a stray character
    pairs.sort()
    merged: list[tuple[int, int]] = []
    for a, b in pairs:
        if merged and a < merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split one block's text into sentence spans (relative, whitespace-trimmed, tiny merged)."""
    if not text:
        return []
    protected = _protected_spans(text)
    p = 0
    cuts: list[int] = []
    n = len(text)
    skip_to = 0
    for m in _CANDIDATE.finditer(text):
        i = m.start()
        if i < skip_to:
            continue
        while p < len(protected) and protected[p][1] < i:
            p += 1
        if p < len(protected) and protected[p][0] < i:
            continue  # inside quotes or brackets
        if not _is_boundary(text, i, m.group()):
            continue
        j = i + 1
        while j < n and (text[j] in _TERMINATORS or text[j] in _CLOSERS_TRAILING):
            j += 1
        if j < n:
            cuts.append(j)
        skip_to = j
    spans = []
    prev = 0
    for c in [*cuts, n]:
        span = _trim(text, prev, c)
        if span is not None:
            spans.append(span)
        prev = c
    return _merge_tiny(text, spans)


def _is_boundary(text: str, i: int, ch: str) -> bool:
    if ch in _TERMINATORS:
        if ch in _HALF_WIDTH_GUARDED:
            nxt = text[i + 1 : i + 2]
            return not (nxt.isascii() and (nxt.isalnum() or nxt in "=&/%#"))
        return True
    if ch in _COLONS:
        j = i + 1
        while j < len(text) and text[j] in _WHITESPACE:
            j += 1
        return j < len(text) and match_enumerator(text, j) is not None
    return False


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    return (start, end) if start < end else None


def _is_tiny(text: str, span: tuple[int, int]) -> bool:
    piece = text[span[0] : span[1]]
    return len(piece) < 2 or _CONTENT.search(piece) is None


def _merge_tiny(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for span in spans:
        if out and (_is_tiny(text, span) or _is_tiny(text, out[-1])):
            out[-1] = (out[-1][0], span[1])
        else:
            out.append(span)
    return out


class _Segmenter:
    """Walks blocks in order, keeping the structural state that forms article paths."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.text
        self.clauses: list[Clause] = []
        self.levels: dict[str, str | None] = dict.fromkeys(("附件", "编", "章", "节", "条"))
        self.items: list[_Item] = []
        self.preamble = True
        self.prev_end = ""  # last character of the previous text block
        self.bare_list = False
        self.next_is_article = False

    # -- state -----------------------------------------------------------------------------
    def path(self) -> str:
        parts = [v for v in self.levels.values() if v]
        parts.extend(item.label for item in self.items)
        return "/".join(parts)

    def set_level(self, level: str, label: str) -> None:
        order = list(self.levels)
        for name in order[order.index(level) :]:
            self.levels[name] = None
        self.levels[level] = label
        self.items = []
        self.bare_list = False

    def push_item(self, enum: _Enum, *, after_colon: bool, open_: bool, inline: bool) -> None:
        for idx, item in enumerate(self.items):
            if item.style == enum.style:
                after_colon = after_colon or item.colon_list
                del self.items[idx:]
                break
        else:
            if self.items:
                self.items[-1].open = True  # it now has children
        self.items.append(_Item(enum.style, enum.label, open_, after_colon, inline))
        self.bare_list = False

    def leave_inline_list(self) -> None:
        """After ``：（1）……；（2）……。`` a further sentence of the block is outside the list."""
        while self.items and self.items[-1].inline and self.items[-1].after_semicolon:
            self.items.pop()

    def leave_finished_items(self) -> None:
        """Before an unnumbered paragraph: drop finished entries and a lead-in whose list ended."""
        popped = False
        while self.items:
            top = self.items[-1]
            finished_lead_in = (
                popped and top.lead_in and (len(self.items) > 1 or self.levels["条"] is not None)
            )
            if top.open and not finished_lead_in:
                break
            self.items.pop()
            popped = True

    # -- output ----------------------------------------------------------------------------
    def emit(self, start: int, end: int, page: int | None, kind: str) -> None:
        self.clauses.append(
            Clause(
                index=len(self.clauses),
                text=self.text[start:end],
                start=start,
                end=end,
                page=page,
                article_path=self.path(),
                kind=kind,
            )
        )

    # -- blocks ----------------------------------------------------------------------------
    def run(self) -> list[Clause]:
        blocks = self.doc.blocks
        for n, block in enumerate(blocks):
            nxt = blocks[n + 1] if n + 1 < len(blocks) else None
            self.next_is_article = nxt is not None and match_article(nxt.text.lstrip()) is not None
            span = _trim(self.text, block.start, block.end)
            if span is None:
                continue
            if block.kind == TABLE_ROW:
                self.emit(span[0], span[1], block.page, TABLE_ROW_KIND)
                self.prev_end = ""
                continue
            self.block(span[0], span[1], block.page, block.kind == HEADING)
            self.prev_end = self.text[span[1] - 1]
        return self.clauses

    def block(self, start: int, end: int, page: int | None, is_heading: bool) -> None:
        s = self.text[start:end]
        heading_like = len(s) <= 40 and not _SENTENCE_PUNCT.search(s)
        if is_heading and len(s) > 60 and _SENTENCE_PUNCT.search(s):
            is_heading = False  # a mislabelled body paragraph
        annex = _match_annex(s) if (is_heading or len(s) <= 60) else None
        if annex is not None:
            for name in self.levels:
                self.levels[name] = None
            self.set_level("附件", annex)
            self.preamble = False
            self.emit(start, end, page, HEADING_KIND)
            return
        division = _match_division(s)
        if division is not None:
            self.set_level(*division)
            self.preamble = False
            if is_heading or heading_like:
                self.emit(start, end, page, HEADING_KIND)
            else:
                self.sentences(start, end, page, first_kind=SENTENCE)
            return
        article = match_article(s)
        enum = None if article else match_enumerator(s)
        if is_heading:
            if article:
                self.set_level("条", article)
            elif enum:
                self.push_item(enum, after_colon=False, open_=True, inline=False)
            self.emit(start, end, page, HEADING_KIND)
            return
        if article:
            self.set_level("条", article)
            self.preamble = False
            self.sentences(start, end, page, first_kind=SENTENCE)
            return
        if enum:
            ends_open = s[-1] in _COLONS or s[-1] not in _TERMINATORS
            self.push_item(
                enum, after_colon=self.prev_end in _COLONS, open_=ends_open, inline=False
            )
            self.items[-1].lead_in = s[-1] in _COLONS
            self.preamble = False
            self.sentences(start, end, page, first_kind=LIST_ITEM)
            return
        self.plain(start, end, page, s)

    def plain(self, start: int, end: int, page: int | None, s: str) -> None:
        if self.preamble and not _ANY_PUNCT.search(s) and len(s) <= 300:
            self.emit(start, end, page, HEADING_KIND)  # title, issuer, document number, notes
            return
        self.preamble = False
        if (
            len(s) <= 60
            and self.prev_end not in _COLONS
            and not _TITLE_PUNCT.search(s)
            and _TITLE_SUFFIX.search(s)
        ):
            self.emit(start, end, page, HEADING_KIND)  # e.g. the title of an attached 办法
            return
        if (
            self.next_is_article
            and len(s) <= 20
            and self.prev_end not in _COLONS
            and not _TITLE_PUNCT.search(s)
            and "、" not in s
        ):
            # A chapter title that lost its "第X章" label ends the previous article.
            self.levels["条"] = None
            self.items = []
            self.emit(start, end, page, HEADING_KIND)
            return
        self.leave_finished_items()
        # An unnumbered "……；" entry after a "：" lead-in (or after another such entry).
        if s[-1] in "；;" and (self.prev_end in _COLONS or self.bare_list):
            self.bare_list = True
            self.sentences(start, end, page, first_kind=LIST_ITEM)
            return
        if self.bare_list and s[-1] in "。.":
            self.bare_list = False
            self.sentences(start, end, page, first_kind=LIST_ITEM)
            return
        self.bare_list = False
        self.sentences(start, end, page, first_kind=SENTENCE)

    def sentences(self, start: int, end: int, page: int | None, *, first_kind: str) -> None:
        block_text = self.text[start:end]
        prev_sentence_end = ""
        for n, (a, b) in enumerate(split_sentences(block_text)):
            kind = first_kind if n == 0 else SENTENCE
            if n > 0:
                enum = match_enumerator(block_text, a)
                if enum is not None:
                    after_colon = prev_sentence_end in _COLONS
                    # A bare number ending the block ("……；（6）") owns the next paragraph.
                    bare = not block_text[enum.end : b].strip(_WHITESPACE)
                    self.push_item(enum, after_colon=after_colon, open_=bare, inline=True)
                    top = self.items[-1]
                    top.after_semicolon = top.colon_list and prev_sentence_end in "；;"
                    kind = LIST_ITEM
                elif prev_sentence_end in "。！？!?":
                    self.leave_inline_list()
            self.emit(start + a, start + b, page, kind)
            prev_sentence_end = block_text[b - 1]


def segment(doc: Document) -> list[Clause]:
    """Split ``doc`` into clauses in reading order; pure and deterministic."""
    return _Segmenter(doc).run()


__all__ = ["match_article", "match_enumerator", "segment", "split_sentences"]
