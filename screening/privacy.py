"""Keeping complainants' personal data out of every default view, export and report.

Hotline work orders routinely carry the caller's name and numbers inside the complaint text
("我叫…，电话…"), and that text becomes case titles, summaries, trail notes and replies. A
``Redactor`` replaces, in any free text:

* every registered complainant name and contact in the ledger, wherever it is repeated, with or
  without spaces and hyphens between the digits of a number;
* personal data recognised by its shape: mobile numbers (1[3-9]x, 11 digits, optionally +86),
  landlines with an area code (0xx/0xxx, with a hyphen or in brackets), bare 7–8 digit numbers
  right after 电话/手机/座机/联系方式…, resident ID numbers (18 and old 15 digits), e-mail
  addresses, QQ and WeChat ids after their keyword.

What is deliberately left alone: money and other figures (a number followed by 元/万/亿/年/个…
is never taken for a phone number), dates, 文号 such as 〔2025〕12号, article numbers, hotline and
service numbers (12345, 400-/800-, 95xxx), work-order numbers, and 统一社会信用代码 (an
enterprise's public registration number, which the review needs to name the respondent).

The ledger keeps the text intact; only what is shown or written out passes through here. This
module imports nothing from the ledger or the reports, so both layers can use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "＊＊＊"
MIN_DIGITS = 7  # a shorter run of digits identifies no one, and masking it could hit a figure

# Full-width digits and signs are read as their ASCII forms; the mapping is one character to one
# character, so a match in the normalised text has the same span in the original.
_NARROW = str.maketrans(
    "０１２３４５６７８９＋－（）＠．ＸｘＱｑ：",
    "0123456789+-()@.XxQq:",
)
_SEP = r"[ \t\-—]"  # between the digit groups of one number (never a line break)
_FREE_BEFORE = r"(?<![0-9A-Za-z_])"  # not the tail of a longer number or word
_FREE_AFTER = r"(?![0-9A-Za-z_])"
# A number followed by one of these is a figure (an amount, a count, a date), not a phone.
_FIGURE = (
    r"(?!\s*(?:元|万|亿|千|百|余|多|个|人|户|家|次|年|月|日|号|件|项|条|款|平方|亩|米|吨|公里|"
    r"千克|斤|倍|%|％|\.\d))"
)
_ELLIPSIS = r"(?:…|\.\.\.)"  # where an excerpt (a case title) cut the text

_MOBILE = (
    rf"{_FREE_BEFORE}(?:\(?(?:\+|00)?86\)?{_SEP}?)?"
    rf"1[3-9]\d(?:{_SEP}?\d{{4}}){{2}}{_FREE_AFTER}{_FIGURE}"
)
_AREA = r"0(?:10|2\d|[3-9]\d{2})"
_LOCAL = rf"[2-9]\d{{2,3}}{_SEP}?\d{{4}}"
_EXTENSION = rf"(?:{_SEP}?(?:转|分机|-|—){_SEP}?\d{{1,6}})?"
_LANDLINE = (
    rf"{_FREE_BEFORE}(?:"
    rf"\({_AREA}\){_SEP}?"  # (0431)85551234
    rf"|(?:\+|00)86{_SEP}?\(?0?(?:10|2\d|[3-9]\d{{2}})\)?{_SEP}?"  # +86 431 8555 1234
    rf"|{_AREA}{_SEP}?"  # 0431-85551234, 043185551234
    rf"){_LOCAL}{_EXTENSION}{_FREE_AFTER}{_FIGURE}"
)
_BIRTH = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_CARD = (
    rf"{_FREE_BEFORE}(?:"
    rf"[1-9]\d{{5}}{_SEP}?{_BIRTH}{_SEP}?\d{{3}}[\dXx]"  # 18 digits, the last may be X
    rf"|[1-9]\d{{5}}\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{{3}}"  # 15 (before 1999)
    rf"){_FREE_AFTER}"
)
_EMAIL = (
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"(?:[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9\-])"
    rf"|[A-Za-z0-9.\-]*(?={_ELLIPSIS}))"
)
# A keyword, then (optionally) 号码/是/为/a colon, then the number: group 1 is what is masked.
_LEAD = r"(?:号码|号)?\s*(?:是|为)?\s*:?\s*"
_PHONE_WORDS = r"(?:联系电话|电话|手机|座机|固话|联系方式|tel|Tel|TEL|phone|Phone)"
_BARE_PHONE = (
    rf"{_PHONE_WORDS}{_LEAD}"
    rf"(\d(?:{_SEP}?\d){{6,11}}{_FREE_AFTER}{_FIGURE}|\d(?:{_SEP}?\d)*(?={_ELLIPSIS}))"
)
_ID_WORDS = r"(?:公民身份号码|身份证|证件)"
_BARE_ID = rf"{_ID_WORDS}{_LEAD}([\dXx](?:{_SEP}?[\dXx]){{5,19}}|[\dXx]+(?={_ELLIPSIS}))"
_QQ = rf"(?<![A-Za-z])(?:QQ|qq){_LEAD}(\d{{5,12}}){_FREE_AFTER}"
_WECHAT = r"微信(?:号\s*(?:是|为)?\s*:?|\s*:)\s*([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])"
# An enterprise's registration number is public and needed: never masked.
_ENTERPRISE = (
    r"(?:统一社会信用代码|社会信用代码|信用代码|组织机构代码|纳税人识别号|税号)"
    r"\s*(?:是|为)?\s*:?\s*([0-9A-Za-z]{15,20})"
)

_WHOLE = [re.compile(p) for p in (_EMAIL, _ID_CARD, _MOBILE, _LANDLINE)]
_GROUPED = [re.compile(p) for p in (_BARE_PHONE, _BARE_ID, _QQ, _WECHAT)]
_PROTECTED = re.compile(_ENTERPRISE)


def _parts(value: str) -> list[str]:
    """The single names and numbers in a field such as "张三；13900000000"."""
    return [p.strip() for p in re.split(r"[；;，,、/]+", value) if p.strip()]


def _pattern(secret: str) -> str:
    """A phone number matches with or without spaces and hyphens between its digits."""
    secret = secret.translate(_NARROW)
    digits = re.sub(r"[\s\-－—]", "", secret)
    if digits.isdigit():
        return r"[\s\-－—]*".join(digits) if len(digits) >= MIN_DIGITS else ""
    return re.escape(secret)


def pattern_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds personal data recognised by its shape (unmerged, unordered)."""
    norm = text.translate(_NARROW)
    keep = [m.span(1) for m in _PROTECTED.finditer(norm)]
    spans = [m.span() for rx in _WHOLE for m in rx.finditer(norm)]
    spans += [m.span(1) for rx in _GROUPED for m in rx.finditer(norm)]
    return [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in keep)]


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


class Redactor:
    """Replaces complainants' personal data in a text with ``MASK``.

    ``secrets`` are the registered names and contacts (see ``from_ledger``); ``patterns`` also
    masks numbers, ID numbers and addresses recognised by their shape. A redactor built with
    ``enabled=False`` (``Redactor.off()``) returns every text unchanged: the views a user asked
    to see in full (``--show-contacts``, ``--include-contacts``).
    """

    def __init__(
        self, secrets: Iterable[str] = (), *, patterns: bool = True, enabled: bool = True
    ) -> None:
        words = sorted({s.strip() for s in secrets if len(s.strip()) >= 2}, key=len, reverse=True)
        alternatives = [p for p in (_pattern(w) for w in words) if p]
        self._secrets = re.compile("|".join(alternatives)) if alternatives else None
        self.patterns = patterns
        self.enabled = enabled

    @classmethod
    def off(cls) -> Redactor:
        """Shows everything: for a user who asked for the complainants' data."""
        return cls(enabled=False)

    @classmethod
    def from_ledger(cls, db: Any, *, include_contacts: bool = False) -> Redactor:
        """Every complainant name and contact registered in ``db`` (a sqlite-utils Database),
        plus the patterns; with ``include_contacts``, a redactor that masks nothing."""
        if include_contacts:
            return cls.off()
        secrets: list[str] = []
        for row in db.query("select complainant, contact from complaints"):
            for value in (row["complainant"] or "", row["contact"] or ""):
                secrets += [value, *_parts(value)]
        return cls(secrets)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The merged spans of ``text`` this redactor masks."""
        if not self.enabled or not text:
            return []
        found = pattern_spans(text) if self.patterns else []
        if self._secrets is not None:
            found += [m.span() for m in self._secrets.finditer(text.translate(_NARROW))]
        return _merged(s for s in found if s[1] > s[0])

    def mask(self, text: str) -> str:
        out, last = [], 0
        for start, end in self.spans(text):
            out += [text[last:start], MASK]
            last = end
        return "".join(out) + text[last:]

    def __call__(self, text: Any) -> str:
        """``text`` as a masked string (None becomes ""): for documents and tables."""
        return self.mask("" if text is None else str(text))

    def value(self, value: Any) -> Any:
        """A string masked; None, numbers and other values unchanged (for JSON rows)."""
        return self.mask(value) if isinstance(value, str) else value

    def fields(self, row: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
        """A copy of ``row`` with the string values under ``keys`` masked."""
        out = dict(row)
        if self.enabled:
            for key in keys:
                if key in out:
                    out[key] = self.value(out[key])
        return out
