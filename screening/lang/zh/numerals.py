"""Chinese numerals ↔ int, on top of ``cn2an`` (the one numeral parser of the code base).

``to_int`` reads what documents write for article, item, heading and date numbers: Arabic digits
(half- or full-width), 一百二十三, 十二, 一十二, 一百零二, 两, 〇/零, and digit-by-digit years
(二〇二五). ``to_cn`` writes an int the way articles and list numbers are written (14 → 十四,
112 → 一百一十二); ``to_cn_digits`` writes it digit by digit (2025 → 二〇二五).

A label around the number (第十二条, （三）, 三、) is not stripped: callers cut the numeral out
with their own patterns, so ``to_int("第十二条")`` is None.

Fallbacks kept on top of ``cn2an`` (it refuses these; the parsers it replaced accepted them):

* ○ (U+25CB), Ｏ, O and 0 typed for 〇 in a written year (二○二五, 二０二五) are read as 〇;
* a leading 百 (百, 百零二) is read as 一百.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Digit-by-digit forms, as in years: 2025 → 二〇二五.
DIGITS = "〇一二三四五六七八九"
# 大写 digits (financial/legal style), for 零 一 … 九; 拾 is their 十.
LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
# Characters a Chinese numeral may contain (after the fallbacks below).
NUMERAL_CHARS = frozenset("〇零一二两三四五六七八九十百千万")
# Look-alikes typed for 〇 in written dates; cn2an knows only 〇 and 零.
_ZERO_LOOKALIKES = str.maketrans({"○": "〇", "Ｏ": "〇", "O": "〇", "0": "〇"})
_UNITS = frozenset("十百千万")


@functools.cache
def _cn2an() -> tuple[Callable[..., int | float], Callable[..., str]]:
    import cn2an  # on first use: the library takes about 0.1 s to import

    return cn2an.cn2an, cn2an.an2cn


@functools.lru_cache(maxsize=4096)
def to_int(text: str, *, digit_by_digit: bool = True) -> int | None:
    """Arabic or Chinese numeral → int; None when ``text`` is not exactly one numeral.

    ``digit_by_digit=False`` refuses Chinese digits written one by one (二二, 一二): months and
    days are always counted (二十二, 十二), so such a "date" is not read as one.
    """
    s = text.translate(FULLWIDTH_DIGITS)
    if s.isascii() and s.isdigit():
        return int(s)
    s = s.translate(_ZERO_LOOKALIKES)
    if not s or not NUMERAL_CHARS.issuperset(s):
        return None
    if not digit_by_digit and len(s) > 1 and not _UNITS.intersection(s):
        return None
    if s[0] == "百":
        s = "一" + s
    try:
        value = _cn2an()[0](s, "normal")
    except (ValueError, LookupError):  # cn2an raises either on malformed input (十十, 百十)
        return None
    return int(value)


def to_cn(n: int) -> str:
    """int (≥ 0) → Chinese numeral: 0 → 零, 10 → 十, 14 → 十四, 105 → 一百零五, 112 → 一百一十二."""
    if n < 0:
        raise ValueError(f"negative number: {n}")
    return _cn2an()[1](n, "low")


def to_cn_digits(n: int) -> str:
    """int (≥ 0) → Chinese digits one by one, as years are written: 2025 → 二〇二五."""
    if n < 0:
        raise ValueError(f"negative number: {n}")
    return "".join(DIGITS[int(d)] for d in str(n))


__all__ = [
    "DIGITS",
    "FULLWIDTH_DIGITS",
    "LEGAL_DIGITS",
    "NUMERAL_CHARS",
    "to_cn",
    "to_cn_digits",
    "to_int",
]
