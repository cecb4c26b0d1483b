"""Find a government document's title, 文号, issuer and 成文日期 in its first and last lines."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

from ..lang.zh.doctypes import TITLE_TYPES, doc_type
from ..lang.zh.numerals import to_int
from ..lang.zh.tenderkinds import doc_kind
from ..types import Metadata

# --- 文号 -------------------------------------------------------------------------------------

_OPEN = re.escape("〔[［(（【")
_CLOSE = re.escape("〕]］)）】")
# e.g. 襄发改〔2025〕12号, 国发〔2024〕5号, 发改体改规〔2025〕466号, 京政办发[2022]3号
DOC_NUMBER = re.compile(
    rf"[\u4e00-\u9fffA-Za-z]{{1,14}}\s*[{_OPEN}]\s*((?:19|20)\d\d)\s*[{_CLOSE}]\s*第?\s*\d{{1,5}}\s*号"
)
_DOC_NUMBER_LABEL = re.compile(r"^(?:发文字号|文号|发文号|索引号|文件编号)\s*[:：]\s*")

# --- dates --------------------------------------------------------------------------------------

_CN_YEAR = "〇○零Ｏ0一二三四五六七八九"
_CN_NUM = "一二三四五六七八九十"
DATE_ARABIC = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_CHINESE = re.compile(
    rf"([{_CN_YEAR}]{{4}})\s*年\s*([{_CN_NUM}]{{1,2}})\s*月\s*([{_CN_NUM}]{{1,3}})\s*日"
)
DATE_ISO = re.compile(r"((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})")
_DATE_LABEL = re.compile(r"(?:成文日期|印发日期|发文日期|发布日期|发布时间|日期)\s*[:：]\s*")


def _iso(year: int | None, month: int | None, day: int | None) -> str | None:
    if year is None or month is None or day is None:
        return None
    if 1 <= month <= 12 and 1 <= day <= 31 and 1949 <= year <= 2100:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def parse_date(text: str) -> str | None:
    """The first full date in ``text`` as ISO yyyy-mm-dd (2025年3月12日, 二〇二五年三月十二日)."""
    m = DATE_ARABIC.search(text)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = DATE_CHINESE.search(text)
    if m:
        month, day = (to_int(m[i], digit_by_digit=False) for i in (2, 3))
        return _iso(to_int(m[1]), month, day)
    m = DATE_ISO.search(text)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    return None


def _is_date_line(line: str) -> bool:
    """A line that is only a date, maybe in brackets or followed by a 公开属性 note."""
    core = re.sub(r"[（(][^）)]*[）)]\s*$", "", line).strip(" （）()")
    for rx in (DATE_ARABIC, DATE_CHINESE):
        m = rx.fullmatch(core)
        if m:
            return True
    return False


# --- titles and issuers ----------------------------------------------------------------------

# A title ends in a 文种 (lang.zh.doctypes.TITLE_TYPES), maybe with a bracketed qualifier.
_TYPE_END = re.compile(
    r"(?:" + "|".join(sorted(TITLE_TYPES, key=len, reverse=True)) + r")(?:[（(][^）)]{1,12}[）)])?$"
)
ORG_SUFFIX = re.compile(
    r"(?:人民政府|人民代表大会常务委员会|委员会|管委会|办公室|办公厅|政府|局|厅|委|部|署|院|中心|"
    r"办事处|公司|集团|协会|联合会|商会|银行|医院|学校|大学|所|站|总队|支队|大队)$"
)
_HEADER_SUFFIX = re.compile(r"^(.{2,40}?)(?:文件|函件|通知|公文|简报|电报)$")
_PUNCT = re.compile(r"[，。；：！？,;:!?、“”\"]")


def _looks_org(line: str) -> bool:
    line = line.strip()
    return 2 <= len(line) <= 40 and not _PUNCT.search(line) and bool(ORG_SUFFIX.search(line))


def _org_prefix(title: str) -> str | None:
    """The issuer named before 关于 in a title like "XX局关于…的通知"."""
    head, sep, _ = title.partition("关于")
    parts = [p for p in re.split(r"[\s、]+", head) if p]
    if sep and parts and all(_looks_org(p) for p in parts):
        return "、".join(parts)
    return None


def find_title(lines: Sequence[str]) -> tuple[str | None, str | None]:
    """(title, issuer-from-header) from the first lines; a title may span two lines."""
    head = [ln.strip() for ln in lines[:20]]
    issuer = None
    for i, line in enumerate(head):
        if not line or len(line) > 120:
            continue
        if DOC_NUMBER.fullmatch(line):
            continue
        m = _HEADER_SUFFIX.match(line)
        if m and _looks_org(m[1]) and "关于" not in line:
            issuer = m[1]
            continue
        nxt = head[i + 1] if i + 1 < len(head) else ""
        starts = "关于" in line or (
            i < 3 and _TYPE_END.search(line) and not _PUNCT.search(line[-1])
        )
        if not starts:
            continue
        if _TYPE_END.search(line) and not line.endswith(("。", "；", "：")):
            title = line
        elif (
            nxt
            and len(line) + len(nxt) <= 120
            and _TYPE_END.search(nxt)
            and not DOC_NUMBER.fullmatch(nxt)
            and not nxt.endswith(("。", "；", "：", ":"))
        ):
            title = line + nxt
        else:
            continue
        if title.startswith("关于") and i > 0 and _looks_org(head[i - 1]):
            issuer = issuer or head[i - 1]
            title = head[i - 1] + title
        return title, issuer
    return None, issuer


def find_doc_number(lines: Sequence[str]) -> str | None:
    """The document's own 文号: a line that is only a 文号, or one labelled 发文字号/文号."""
    for line in lines[:25]:
        line = line.strip()
        labelled = _DOC_NUMBER_LABEL.match(line)
        if labelled:
            m = DOC_NUMBER.search(line, labelled.end())
            if m:
                return _norm_number(m[0])
            continue
        m = DOC_NUMBER.fullmatch(line) or DOC_NUMBER.fullmatch(re.sub(r"^[^\s]{0,20}\s+", "", line))
        if m:
            return _norm_number(m[0])
    return None


def _norm_number(s: str) -> str:
    return re.sub(r"\s+", "", s)


def find_signature(lines: Sequence[str]) -> tuple[str | None, str | None]:
    """(issuer, iso date) from the signature block: org lines just above a date line at the end."""
    tail = [ln.strip() for ln in lines[-12:]]
    for i in range(len(tail) - 1, -1, -1):
        if not _is_date_line(tail[i]):
            continue
        date = parse_date(tail[i])
        orgs: list[str] = []
        j = i - 1
        while j >= 0 and _looks_org_line(tail[j]) and len(orgs) < 4:
            orgs.insert(0, tail[j])
            j -= 1
        issuer = "、".join(part for org in orgs for part in org.split())
        return (issuer or None), date
    return None, None


def _looks_org_line(line: str) -> bool:
    parts = [p for p in re.split(r"\s+", line) if p]
    return bool(parts) and all(_looks_org(p) for p in parts)


def find_labelled_date(lines: Sequence[str]) -> str | None:
    for line in lines[:25]:
        m = _DATE_LABEL.search(line)
        if m:
            d = parse_date(line[m.end() :])
            if d:
                return d
    return None


# --- provenance headers ------------------------------------------------------------------------

_EDITORIAL = re.compile(
    r"[（(][^（）()]*(?:整理者|据|推断|原文|转载|版本|未载明|拟定)[^（）()]*[）)]"
)


def clean_header_value(value: str) -> str | None:
    """Drop editorial notes like "（标题由整理者据正文拟定）" and placeholders like unknown."""
    v = _EDITORIAL.sub("", value).strip()
    if not v or v.lower() in {"unknown", "none", "n/a", "null", "-", "未知"}:
        return None
    return v


_PLACEHOLDER_TITLE = re.compile(
    r"^(?:untitled|无标题|新建.*文档|文档\d*|document\d*)$"
    r"|^microsoft word\s*-|\.(?:docx?|wps|pdf|ofd)$",
    re.I,
)


def extract_metadata(
    lines: Sequence[str],
    *,
    title: str | None = None,
    issuer: str | None = None,
    date: str | None = None,
    extra: dict[str, str] | None = None,
) -> Metadata:
    """Metadata from the text lines of a document (in reading order).

    Values found in the text win over the hints (``title``, ``issuer``, ``date``), which come from
    file properties or a provenance header and are used when the text has nothing.
    """
    lines = [ln for ln in (s.strip() for s in lines) if ln]
    if title and _PLACEHOLDER_TITLE.search(title.strip()):
        title = None  # "untitled", "Microsoft Word - 1.doc" and the like say nothing
    text_title, header_issuer = find_title(lines)
    sig_issuer, sig_date = find_signature(lines)
    doc_title = text_title or (title.strip() if title and title.strip() else None)
    doc_issuer = sig_issuer or (_org_prefix(doc_title) if doc_title else None) or header_issuer
    return Metadata(
        title=doc_title,
        doc_number=find_doc_number(lines),
        issuer=doc_issuer or issuer,
        date=sig_date or find_labelled_date(lines) or (parse_date(date) if date else None),
        extra=dict(extra or {}),
    )


def with_doc_type(meta: Metadata, path: str | Path, text: str = "") -> Metadata:
    """``meta`` with ``doc_type`` set: the report 文种 of its title, else of the file name at
    ``path`` (the file as the user named it, not a converted copy); and ``doc_kind``: a tender
    document's kind, or 政策措施 (``lang.zh.tenderkinds``)."""
    return dataclasses.replace(
        meta,
        doc_type=doc_type(meta.title, str(path)),
        doc_kind=doc_kind(meta.title, str(path), text),
    )


__all__ = [
    "DOC_NUMBER",
    "clean_header_value",
    "extract_metadata",
    "find_doc_number",
    "find_signature",
    "find_title",
    "parse_date",
    "with_doc_type",
]
