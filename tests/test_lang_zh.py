"""Chinese language data (screening.lang.zh): numerals, document types, regions, heading styles.

The numeral tests keep verbatim copies of the five functions ``lang.zh.numerals`` replaced (as
of commit 0d9e59d) and check that every well-formed numeral they handled gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from screening.lang.zh import doctypes, headings, numerals, regions
from screening.lang.zh.numerals import to_cn, to_cn_digits, to_int

# --- the five replaced functions, verbatim (reference only) -------------------------------------

_NOTICES_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def old_notices_cn_number(text: str) -> int | None:  # corpus/notices.py cn_number
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace("〇", "零")
    if text.isdigit():
        return int(text)
    total, cur = 0, 0
    for ch in text:
        if ch in _NOTICES_DIGITS:
            cur = _NOTICES_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


_CIT_DIGITS = dict(
    zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_CIT_UNITS = {"十": 10, "百": 100}


def old_cn_to_int(text: str) -> int:  # corpus/citations.py cn_to_int
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CIT_DIGITS:
            current = _CIT_DIGITS[ch]
        elif ch in _CIT_UNITS:
            total += (current or 1) * _CIT_UNITS[ch]
            current = 0
        else:
            raise ValueError(f"not a numeral: {text!r}")
    return total + current


def old_int_to_cn(n: int) -> str:  # corpus/citations.py int_to_cn (1–99)
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def old_chinese_number(n: int, digits: str = "零一二三四五六七八九", ten: str = "十") -> str:
    # parse/docx.py chinese_number
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + ten + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = (
            ""
            if rest == 0
            else (digits[0] if rest < 10 else "") + old_chinese_number(rest, digits, ten)
        )
        if 10 <= rest < 20:
            tail = digits[1] + tail
        return digits[n // 100] + "百" + tail
    return str(n)


_META_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0}
_META_DIGIT |= {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def old_cn_small(s: str) -> int:  # parse/metadata.py _cn_small (months and days)
    if s == "十":
        return 10
    if "十" in s:
        tens, _, units = s.partition("十")
        return (_META_DIGIT[tens] if tens else 1) * 10 + (_META_DIGIT[units] if units else 0)
    return _META_DIGIT[s]


def old_cn_year(s: str) -> int:  # parse/metadata.py parse_date, year part
    return int("".join(str(_META_DIGIT[c]) for c in s))


# --- numerals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("一十二", 12),
        ("二十", 20),
        ("三十一", 31),
        ("一百", 100),
        ("一百零二", 102),
        ("一百〇二", 102),
        ("一百一十二", 112),
        ("一百二十三", 123),
        ("九百九十九", 999),
        ("百", 100),  # fallback: cn2an wants 一百
        ("百零二", 102),  # fallback
        ("零", 0),
        ("〇", 0),
        ("两", 2),
        ("二〇二五", 2025),
        ("二零二五", 2025),
        ("一九四九", 1949),
        ("二〇〇〇", 2000),
        ("二○二五", 2025),  # fallback: ○ (U+25CB) typed for 〇
        ("二Ｏ二五", 2025),  # fallback: full-width O
        ("二O二五", 2025),  # fallback: Latin O
        ("二0二五", 2025),  # fallback: Arabic 0
        ("7", 7),
        ("12", 12),
        ("１２", 12),
        ("007", 7),
        ("第十二条", None),  # labels are not stripped: callers cut the numeral out
        ("（三）", None),
        ("(三)", None),
        ("三、", None),
        ("", None),
        ("十二 ", None),
        ("一点五", None),
        ("负五", None),
        ("十十", None),  # malformed
        ("abc", None),
    ],
)
def test_to_int(text, value):
    assert to_int(text) == value


def _well_formed() -> dict[str, int]:
    """Every numeral 0–999 as the replaced functions wrote it, with the usual variants."""
    forms: dict[str, int] = {}
    for n in range(1000):
        text = old_chinese_number(n)
        forms[text] = n
        forms[text.replace("零", "〇")] = n
        if 10 <= n < 20:
            forms["一" + text] = n  # 一十二
        if n < 100:
            forms[old_int_to_cn(n)] = n
    return forms


WELL_FORMED = _well_formed()


def test_well_formed_numerals_agree_with_replaced_parsers():
    for text, n in WELL_FORMED.items():
        assert to_int(text) == n, text
        assert old_cn_to_int(text) == n, text
        assert old_notices_cn_number(text) == n, text
        if text == "二" or text.startswith("二百"):
            assert to_int("两" + text[1:]) == old_cn_to_int("两" + text[1:]) == n, text
        if n and set(text) <= set("一二三四五六七八九十") and n <= 31:
            assert old_cn_small(text) == n, text
    for n in range(1000):
        for digits in (
            str(n),
            str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        ):
            assert to_int(digits) == old_notices_cn_number(digits) == n
        assert to_int(str(n)) == old_cn_to_int(str(n))


def test_written_years_agree_with_replaced_parser():
    for year in range(1949, 2101):
        written = to_cn_digits(year)
        assert to_int(written) == old_cn_year(written) == year
        for zero in "○Ｏ0O零":
            variant = written.replace("〇", zero)
            assert to_int(variant) == old_cn_year(variant) == year


def test_month_and_day_numerals_agree_with_replaced_parser():
    for n in range(1, 32):
        written = old_int_to_cn(n)
        assert to_int(written, digit_by_digit=False) == old_cn_small(written) == n
    for text in ("一二", "二二", "三一", "一一一"):  # the date parser never read these
        with pytest.raises(KeyError):
            old_cn_small(text)
        assert to_int(text, digit_by_digit=False) is None
    assert to_int("一十一", digit_by_digit=False) == old_cn_small("一十一") == 11


@pytest.mark.parametrize(
    ("text", "old", "new"),
    [
        # Malformed sequences the replaced parsers read by accident; cn2an reads them digit by
        # digit. No document numbers headings or dates like this.
        ("一二", 2, 12),
        ("九九", 9, 99),
        ("十十", 20, None),
    ],
)
def test_malformed_numerals_differ_on_purpose(text, old, new):
    assert old_notices_cn_number(text) == old
    assert to_int(text) == new


def test_to_cn_matches_replaced_renderers():
    for n in range(100):
        assert to_cn(n) == old_int_to_cn(n)
    for n in range(1000):
        assert to_cn(n) == old_chinese_number(n)
    assert to_cn(1001) == "一千零一"
    with pytest.raises(ValueError):
        to_cn(-1)


def test_docx_numbering_renders_as_before():
    from screening.parse.docx import chinese_number, format_number

    legal = "零壹贰叁肆伍陆柒捌玖"
    for n in range(-2, 1100):
        assert chinese_number(n) == old_chinese_number(n)
        assert chinese_number(n, legal=True) == old_chinese_number(n, legal, "拾")
    for n in range(0, 3000, 7):
        assert format_number(n, "ideographDigital") == "".join(
            "〇一二三四五六七八九"[int(d)] for d in str(n)
        )


def test_citation_wrappers_keep_their_contract():
    from screening.corpus.citations import cn_to_int, int_to_cn

    assert cn_to_int("二十三") == 23
    assert cn_to_int("两") == 2
    assert int_to_cn(14) == "十四"
    assert int_to_cn(100) == "一百"  # the old renderer stopped at 99
    with pytest.raises(ValueError):
        cn_to_int("第三")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("二〇二五年三月十二日", "2025-03-12"),
        ("二○二五年十二月三十一日", "2025-12-31"),
        ("二Ｏ二四年十月一日", "2024-10-01"),
        ("二0二四年十月一日", "2024-10-01"),
        ("二〇二五年二月三十二日", None),
        ("二〇二五年一二月二二日", None),  # digit by digit is for years only
        ("一九〇〇年一月一日", None),
    ],
)
def test_chinese_dates(text, iso):
    from screening.parse.metadata import parse_date

    assert parse_date(text) == iso


# --- document types -------------------------------------------------------------------------------

# The three lists the table replaced (parse/metadata.py, segment.py, reports/queries.py).
OLD_TITLE_TYPES = {
    *("通知", "通告", "公告", "意见", "实施意见", "指导意见", "办法", "规定", "决定", "措施"),
    *("若干措施", "细则", "方案", "规划", "批复", "报告", "请示", "函", "复函", "纪要", "条例"),
    *("规则", "政策", "指引", "清单", "目录", "标准", "公示", "通报", "命令", "议案", "决议"),
    "公报",
}
OLD_HEADING_TYPES = {
    *("办法", "通知", "意见", "规定", "细则", "方案", "条例", "决定", "公告", "规划", "措施"),
    *("政策", "通告", "决议", "章程", "规则", "目录", "清单", "指南", "计划", "公示", "函"),
    *("批复", "报告"),
}
OLD_REPORT_TYPES_ALL = (
    *("办法", "规定", "细则", "意见", "方案", "规划", "决定", "通知", "通告", "公告", "批复"),
    *("函", "其他"),
)


def test_doc_type_table_keeps_the_three_lists():
    assert set(doctypes.TITLE_TYPES) == OLD_TITLE_TYPES
    assert set(doctypes.HEADING_TYPES) == OLD_HEADING_TYPES
    assert doctypes.REPORT_TYPES_ALL == OLD_REPORT_TYPES_ALL  # order = report row order
    names = [name for name, _ in doctypes.DOC_TYPES]
    assert len(names) == len(set(names))
    assert all(uses and set(uses) <= set("THR") for _, uses in doctypes.DOC_TYPES)


@pytest.mark.parametrize(
    ("title", "path", "expected"),
    [
        ("关于印发《某市招商引资若干措施》的通知", "a.docx", "通知"),  # 措施 is not counted
        ("关于印发《某县产业扶持办法（试行）》的通知", "a.docx", "办法"),
        ("某县支持重点产业发展的实施意见", "a.docx", "意见"),
        ("某市人民政府关于同意设立开发区的复函", "a.docx", "函"),
        ("某县招商引资优惠政策实施细则（征求意见稿）", "a.docx", "细则"),
        ("某县2025年政府工作报告", "a.docx", "其他"),
        (None, "/x/某县规划（草案）.pdf", "规划"),
        (None, "/x/材料.pdf", "其他"),
    ],
)
def test_doc_type(title, path, expected):
    assert doctypes.doc_type(title, path) == expected


def test_doc_type_is_detected_at_parse_time(tmp_path):
    from screening.parse import parse_file

    path = tmp_path / "某县招商引资优惠政策.txt"
    path.write_text(
        "某县人民政府关于印发《某县招商引资优惠政策实施办法》的通知\n\n各乡镇：现印发给你们。\n",
        encoding="utf-8",
    )
    assert parse_file(path).metadata.doc_type == "办法"
    plain = tmp_path / "某县补贴申报通知.txt"
    plain.write_text("各有关企业：请于月底前申报。\n", encoding="utf-8")
    assert parse_file(plain).metadata.doc_type == "通知"  # from the file name


def test_metadata_recorded_before_doc_type_still_loads():
    from screening.types import Document, Metadata

    old = {
        "path": "a.txt",
        "sha256": "0" * 64,
        "format": "txt",
        "text": "正文",
        "blocks": [],
        "tables": [],
        "metadata": {"title": "某某办法", "doc_number": None, "issuer": None, "date": None,
                     "extra": {}},
    }  # fmt: skip
    doc = Document.from_dict(old)
    assert doc.metadata == Metadata(title="某某办法")
    assert doc.metadata.doc_type is None
    assert Document.from_dict(json.loads(doc.to_json())) == doc


def test_reports_use_stored_doc_type_and_detect_it_for_old_rows(tmp_path):
    import report_fixtures as rf

    from screening.ledger import open_ledger
    from screening.reports import queries

    path = tmp_path / "台账.db"
    rf.build_ledger(path)
    db = open_ledger(path)
    try:
        scope = queries.Scope(queries.parse_period("2025Q4"), dt.date(2026, 1, 5))
        rows = list(db.query("select id, title, path, metadata from documents order by id"))
        for r in rows:  # the fixture parses the sample files: every row has its 文种 stored
            stored = json.loads(r["metadata"])["doc_type"]
            assert stored == doctypes.doc_type(r["title"], r["path"])
        stored_types = {d["id"]: d["doc_type"] for d in queries.snapshot(db, scope).documents}
        assert stored_types
        for r in rows:  # as a ledger written before the 文种 was stored
            meta = json.loads(r["metadata"])
            del meta["doc_type"]
            db["documents"].update(r["id"], {"metadata": json.dumps(meta, ensure_ascii=False)})
        detected = {d["id"]: d["doc_type"] for d in queries.snapshot(db, scope).documents}
        assert detected == stored_types
        # a stored value wins over the title
        target = next(iter(stored_types))
        meta = json.loads(db["documents"].get(target)["metadata"])
        meta["doc_type"] = "批复"
        db["documents"].update(target, {"metadata": json.dumps(meta, ensure_ascii=False)})
        docs = {d["id"]: d["doc_type"] for d in queries.snapshot(db, scope).documents}
        assert docs[target] == "批复" != stored_types[target]
    finally:
        db.close()


# --- regions --------------------------------------------------------------------------------------


def test_province_tables():
    assert len(regions.PROVINCES) == len(set(regions.PROVINCES)) == 35
    assert set(regions.PROVINCE_SHORT_NAMES.values()) <= set(regions.PROVINCES)
    for short, full in regions.PROVINCE_SHORT_NAMES.items():
        assert full.startswith(short)


@pytest.mark.parametrize(
    ("text", "local", "foreign"),
    [
        ("对在本地注册的企业给予奖励", True, False),
        ("本县企业优先", True, False),
        ("辖区内的经营者", True, False),
        ("在襄阳市注册的企业", True, False),
        ("本地方政府", False, False),  # 本地 followed by 方 is not "here"
        ("限制外地企业", False, True),
        ("外省生产的商品", False, True),
        ("异地经营者", False, True),
        ("进口商品", False, True),
        ("各类经营者", False, False),
    ],
)
def test_region_words(text, local, foreign):
    assert bool(re.search(regions.LOCAL_WORDS, text)) is local
    assert bool(re.search(regions.FOREIGN_WORDS, text)) is foreign


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("湖北省襄阳市发展和改革委员会", "湖北省襄阳市"),
        ("广西南宁市某局", "广西壮族自治区南宁市"),
        ("新疆自治区某县", "新疆维吾尔自治区"),
        ("某某公司", None),
    ],
)
def test_region_extraction_uses_the_tables(text, region):
    from screening.corpus.notices import extract_region

    assert extract_region(text) == region


# --- heading styles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style", "number"),
    [
        ("案例3：某市限定交易案", "案例N", "3"),
        ("【典型案例十二】某县案", "案例N", "十二"),
        ("一、某县指定经营者案", "一、", "一"),
        ("（二）某区设置壁垒案", "（一）", "二"),
        ("1. 某市案", "1.", "1"),
        ("（１）某县案", "（1）", "１"),
    ],
)
def test_notice_heading_styles(text, style, number):
    matched = [(name, p.match(text)) for name, _, p in headings.NOTICE_HEADING_STYLES]
    name, m = next((name, m) for name, m in matched if m)
    assert (name, m.group(1)) == (style, number)
    assert to_int(m.group(1)) is not None
    levels = [level for _, level, _ in headings.NOTICE_HEADING_STYLES]
    assert levels == sorted(levels)


def test_numbering_symbols():
    assert len(headings.TIANGAN) == 10
    assert len(headings.CIRCLED) == 20
    assert [ord(c) - 0x245F for c in headings.CIRCLED] == list(range(1, 21))
    assert numerals.LEGAL_DIGITS[0] == "零"
