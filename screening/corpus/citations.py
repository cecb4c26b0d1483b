"""Citation parser: turns legal-basis strings of notices into 《实施办法》 standard codes (FCR-…).

Entry point: :func:`map_citation` ``(text) -> (codes, basis)``. It understands

* 《公平竞争审查条例实施办法》 / 《实施办法》 / 实施办法 / 《办法》 / 本办法
  ``第X条第（Y）项``, ``第X条（Y）``, ``第X条第Y项``, ``第X条第Y款`` → ``FCR-X-Y``
  (articles 9–24; 第二十四条 → ``FCR-24``);
* 《公平竞争审查条例》 / 《条例》 / 条例 ``第X条（Y）`` for the standards articles 8–11 → the
  《实施办法》 article elaborating that item (``FCR-<article>``, article level, or ``FCR-24``
  for the catch-all items), see :data:`TIAOLI_TO_BANFA`;
* the 2021 《公平竞争审查制度实施细则》 / 《实施细则》 ``第十四条第（三）项``,
  ``第十三条第一款第2项``, ``第十三条第二项第一点`` and verbatim quotations such as
  ``第十四条 商品和要素自由流动标准。（三）……：3.……；5.……`` → codes through the reviewed
  table :data:`~screening.corpus.xize2021.XIZE2021_MAP`;
* several citations in one string (``第八条（四）、第十条（四）``,
  ``第十三条第（一）项、第（三）项``, ``第一款第2项“…”和第3项“…”``), Chinese or Arabic
  numerals, full- or half-width brackets.

Citations of other laws (反垄断法, 招标投标法, the 2017 暂行细则, the negative list) are recognised
and yield no code. Codes without an item (``FCR-19``) mean "that article, item not determinable";
they are dropped when an item of the same article is also cited. ``basis`` names how the codes
were obtained: ``cited`` (实施办法 cited directly), ``tiaoli_mapped`` (via the 条例 item) and
``xize2021_mapped`` (via the 2021 细则 table), joined with ``+``; it is ``None`` when no code was
found. :func:`parse_citations` returns the individual references.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..lang.zh.numerals import to_cn, to_int
from .xize2021 import XIZE2021_MAP

BANFA, TIAOLI, XIZE, OTHER = "banfa", "tiaoli", "xize2021", "other"

# Number of items of each standards article of the 实施办法 (checked against the law text by tests).
ITEM_COUNTS: dict[int, int] = {
    9: 6,
    10: 4,
    11: 5,
    12: 4,
    13: 4,
    14: 4,
    15: 7,
    16: 4,
    17: 4,
    18: 4,
    19: 5,
    20: 4,
    21: 4,
    22: 4,
    23: 3,
    24: 0,
}

# 条例 article 8–11 item -> 实施办法 article; catch-all items ("其他……的内容") -> 24.
# Verified at build time: each 办法 article's last item is "其他<条例 item text>的内容".
TIAOLI_TO_BANFA: dict[tuple[int, int], int] = {
    (8, 1): 9,
    (8, 2): 10,
    (8, 3): 11,
    (8, 4): 12,
    (8, 5): 24,
    (9, 1): 13,
    (9, 2): 14,
    (9, 3): 15,
    (9, 4): 16,
    (9, 5): 17,
    (9, 6): 24,
    (10, 1): 18,
    (10, 2): 19,
    (10, 3): 20,
    (10, 4): 24,
    (11, 1): 21,
    (11, 2): 22,
    (11, 3): 23,
    (11, 4): 24,
}

# Item headings of the 2021 细则, used when a citation names the item only by its words.
XIZE_ITEM_PHRASES: dict[str, str] = {
    "不得设置不合理或者歧视性的准入和退出条件": "13-1",
    "未经公平竞争不得授予经营者特许经营权": "13-2",
    "不得限定经营、购买、使用特定经营者提供的商品和服务": "13-3",
    "不得限定经营、购买、使用经营者提供的商品和服务": "13-3",
    "不得设置没有法律、行政法规或者国务院规定依据的审批": "13-4",
    "不得对外地和进口商品、服务实行歧视性价格和歧视性补贴政策": "14-1",
    "不得限制外地和进口商品、服务进入本地市场": "14-2",
    "不得排斥或者限制外地经营者参加本地招标投标活动": "14-3",
    "不得排斥、限制或者强制外地经营者在本地投资或者设立分支机构": "14-4",
    "不得对外地经营者在本地的投资或者设立的分支机构实行歧视性待遇": "14-5",
    "不得违法给予特定经营者优惠政策": "15-1",
    "安排财政支出一般不得与特定经营者缴纳的税收或非税收入挂钩": "15-2",
    "安排财政支出一般不得与特定经营者缴纳的税收或者非税收入挂钩": "15-2",
    "不得违法违规减免或者缓征特定经营者应当缴纳的社会保险费用": "15-3",
    "不得在法律规定之外要求经营者提供或扣留经营者各类保证金": "15-4",
    "不得强制经营者从事《中华人民共和国反垄断法》禁止的垄断行为": "16-1",
    "不得违法披露或者违法要求经营者披露生产经营敏感信息": "16-2",
    "不得超越定价权限进行政府定价": "16-3",
    "不得违法干预实行市场调节价的商品和服务的价格水平": "16-4",
}

# Headings that only the 2021 细则 uses; they identify it when a citation omits the title.
_XIZE_HEADINGS = (
    "市场准入和退出标准",
    "商品和要素自由流动标准",
    "影响生产经营成本标准",
    "影响生产经营行为标准",
)

_NUM = r"[0-9零〇一二两三四五六七八九十百]+"
_CN_NUM = r"[一二三四五六七八九十]+"

_TOKEN = re.compile(
    r"(?P<title>《[^《》\n]{1,60}》)"
    r"|(?P<bare>公平竞争审查条例实施办法|公平竞争审查制度实施细则|公平竞争审查条例|实施办法|本办法"
    r"|实施细则|细则|本条例|条例|反垄断法)"
    rf"|(?P<article>第(?P<art_n>{_NUM})条)"
    rf"|(?P<qual>第\(?(?P<q_n>{_NUM})\)?(?P<q_kind>项|款|点)|第\((?P<q_n2>{_NUM})\)"
    rf"|\((?P<q_n3>{_CN_NUM})\)(?P<q_kind3>项|款))"
    rf"|(?P<item>\((?P<i_n>{_CN_NUM}|[0-9]{{1,2}})\))"
    r"|(?P<point>(?<![0-9.])(?P<p_n>[0-9]{1,2})(?:[.、](?![0-9])))"
    r"|(?P<qopen>[“「])|(?P<qclose>[”」])|(?P<qtoggle>\")|(?P<nl>\n)"
)
_ITEM_REACH = 80  # a bare (Y) further than this from its article is an enumeration, not an item
_POINT_REACH = 260  # a bare "N." further than this from its item is not a sub-point
_ITEM_LEAD = set(' \t\n:：。.，,、；;“"「和及与')


@dataclass(frozen=True)
class Citation:
    """One reference found in a citation string: law, article and (item, point) levels."""

    law: str  # banfa | tiaoli | xize2021 | other | unknown
    article: int | None
    levels: tuple[int, ...] = ()  # item, then point (细则 only)
    title: str | None = None  # the law title as written, for "other"


def cn_to_int(text: str) -> int:
    """Chinese or Arabic numeral → int: 十四 → 14, 二十三 → 23, 一百零二 → 102, 3 → 3
    (``lang.zh.numerals.to_int``); ValueError when ``text`` is not a numeral."""
    n = to_int(text)
    if n is None:
        raise ValueError(f"not a numeral: {text!r}")
    return n


# int → Chinese numeral for article and item numbers: 14 → 十四, 23 → 二十三, 102 → 一百零二.
int_to_cn = to_cn


def classify_title(title: str) -> str:
    """Which law a title (with or without 《》) refers to."""
    t = title.strip("《》")
    if "暂行" in t and "细则" in t:
        return OTHER  # the 2017 暂行细则 numbers its articles differently
    if ("实施办法" in t and ("公平竞争" in t or t in ("实施办法",))) or t in ("办法", "本办法"):
        return BANFA
    if "细则" in t and ("公平竞争" in t or t in ("实施细则", "细则")):
        return XIZE
    if t in ("公平竞争审查条例", "条例", "本条例"):
        return TIAOLI
    return OTHER


@dataclass
class _Ref:
    law: str
    article: int | None
    levels: list[int]
    last_pos: int  # end offset of the last token that extended this reference
    title: str | None


def parse_citations(text: str | None) -> list[Citation]:
    """Every article reference in ``text``, in order, with the law it belongs to."""
    if not text:
        return []
    s = unicodedata.normalize("NFKC", text)
    refs: list[_Ref] = []
    law: str | None = None
    title: str | None = None
    last: _Ref | None = None
    in_quote = False
    prev_end = 0
    for m in _TOKEN.finditer(s):
        kind = _kind(m)
        gap = s[prev_end : m.start()]
        adjacent = last is not None and not gap.strip() and last.last_pos == prev_end
        if kind in ("qopen", "qclose", "qtoggle", "nl"):
            in_quote = {"qopen": True, "qclose": False, "qtoggle": not in_quote, "nl": False}[kind]
        elif kind in ("title", "bare") and not in_quote:
            title = m.group(0)
            law = classify_title(title)
            last = None
        elif kind == "article" and not in_quote:
            last = _Ref(law or "unknown", cn_to_int(m.group("art_n")), [], m.end(), title)
            refs.append(last)
        elif kind == "qual" and last is not None and not in_quote:
            n = cn_to_int(m.group("q_n") or m.group("q_n2") or m.group("q_n3"))
            last = _extend(refs, last, n, m.end(), adjacent)
        elif kind == "item" and last is not None and _item_ok(s, m, last):
            last = _extend(
                refs, last, cn_to_int(m.group("i_n")), m.end(), adjacent or not last.levels, depth=0
            )
        elif kind == "point" and last is not None and _point_ok(s, m, last):
            last = _extend(refs, last, int(m.group("p_n")), m.end(), len(last.levels) == 1, depth=1)
        prev_end = m.end()
    if any(r.law == "unknown" for r in refs) and any(h in s for h in _XIZE_HEADINGS):
        for r in refs:
            if r.law == "unknown":
                r.law = XIZE
    out = [
        Citation(r.law, r.article, tuple(r.levels), r.title if r.law == OTHER else None)
        for r in refs
    ]
    return out + _xize_phrase_refs(s, law_seen=_mentions_xize(s), refs=out)


def _kind(m: re.Match[str]) -> str:
    for name in (
        "title",
        "bare",
        "article",
        "qual",
        "item",
        "point",
        "qopen",
        "qclose",
        "qtoggle",
        "nl",
    ):
        if m.group(name) is not None:
            return name
    raise AssertionError("unreachable")


def _extend(
    refs: list[_Ref], last: _Ref, n: int, end: int, append: bool, depth: int | None = None
) -> _Ref:
    """Append a level to ``last`` or start a sibling reference at the same depth."""
    if append and (depth is None or len(last.levels) == depth):
        last.levels.append(n)
        last.last_pos = end
        return last
    keep = len(last.levels) - 1 if depth is None else depth
    sibling = _Ref(last.law, last.article, [*last.levels[: max(keep, 0)], n], end, last.title)
    refs.append(sibling)
    return sibling


def _item_ok(s: str, m: re.Match[str], last: _Ref) -> bool:
    before = s[m.start() - 1] if m.start() else " "
    return m.start() - last.last_pos <= _ITEM_REACH and (
        before in _ITEM_LEAD or m.start() == last.last_pos
    )


def _point_ok(s: str, m: re.Match[str], last: _Ref) -> bool:
    before = s[m.start() - 1] if m.start() else " "
    after = s[m.end()] if m.end() < len(s) else ""
    lead_ok = before in _ITEM_LEAD or (m.group(0).endswith(".") and after.isspace())
    return (
        len(last.levels) >= 1
        and last.law in (XIZE, "unknown")
        and m.start() - last.last_pos <= _POINT_REACH
        and lead_ok
    )


def _mentions_xize(s: str) -> bool:
    return bool(re.search(r"(?<!暂行)细则(?!（暂行）|\(暂行\))", s)) and "暂行" not in s


def _xize_phrase_refs(s: str, law_seen: bool, refs: list[Citation]) -> list[Citation]:
    """细则 items cited only by their words (no item number): match the item headings."""
    if not law_seen:
        return []
    numbered = {(r.article, r.levels[0]) for r in refs if r.law == XIZE and r.levels}
    flat = re.sub(r"\s", "", s)
    found: list[Citation] = []
    for phrase, key in XIZE_ITEM_PHRASES.items():
        art, item = (int(x) for x in key.split("-"))
        if phrase in flat and (art, item) not in numbered:
            numbered.add((art, item))
            found.append(Citation(XIZE, art, (item,)))
    return found


def citation_codes(c: Citation) -> tuple[tuple[str, ...], str | None]:
    """Codes for one reference and how they were derived."""
    if c.article is None:
        return (), None
    if c.law == BANFA and c.article in ITEM_COUNTS:
        item = _banfa_item(c.levels)
        if c.article == 24 or item is None or not 1 <= item <= ITEM_COUNTS[c.article]:
            return (f"FCR-{c.article}",), "cited"
        return (f"FCR-{c.article}-{item}",), "cited"
    if c.law == TIAOLI and c.levels:
        target = TIAOLI_TO_BANFA.get((c.article, _banfa_item(c.levels) or 0))
        return ((f"FCR-{target}",), "tiaoli_mapped") if target else ((), None)
    if c.law == XIZE:
        for depth in (2, 1):
            if len(c.levels) >= depth:
                key = "-".join(str(x) for x in (c.article, *c.levels[:depth]))
                if key in XIZE2021_MAP:
                    return XIZE2021_MAP[key][0], "xize2021_mapped"
    return (), None


def _banfa_item(levels: tuple[int, ...]) -> int | None:
    # "第一款第（三）项" in a one-paragraph article means item 3; "第三款" alone is used for item 3.
    if not levels:
        return None
    return levels[1] if len(levels) >= 2 and levels[0] == 1 else levels[0]


_BASIS_ORDER = ("cited", "tiaoli_mapped", "xize2021_mapped")


def map_citation(text: str | None) -> tuple[tuple[str, ...], str | None]:
    """Standard codes cited by ``text`` and how they were derived (``None`` if no code).

    >>> map_citation("《实施办法》第十四条第（三）项")
    (('FCR-14-3',), 'cited')
    >>> map_citation("《公平竞争审查条例》第八条（四）、第十条（四）")
    (('FCR-12', 'FCR-24'), 'tiaoli_mapped')
    >>> map_citation("《实施细则》第十四条第三款第五项")
    (('FCR-14-3', 'FCR-15-3'), 'xize2021_mapped')
    """
    codes: list[str] = []
    bases: set[str] = set()
    for c in parse_citations(text):
        found, basis = citation_codes(c)
        codes.extend(found)
        if basis and found:
            bases.add(basis)
    specific = {c.rsplit("-", 1)[0] for c in codes if c.count("-") == 2}
    # An article-level code adds nothing when an item of that article is also cited.
    unique = sorted({c for c in codes if c not in specific}, key=code_sort_key)
    basis = "+".join(b for b in _BASIS_ORDER if b in bases) or None
    return tuple(unique), basis


def code_sort_key(code: str) -> tuple[int, int]:
    """Numeric order of FCR codes: FCR-9-2 < FCR-9-10 < FCR-10 < FCR-10-1."""
    parts = code.split("-")[1:]
    return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
