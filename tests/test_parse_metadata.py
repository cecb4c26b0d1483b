"""Metadata: title, 文号, issuer and date from the opening and closing lines of real-looking notices."""

from __future__ import annotations

import pytest

from screening.parse.metadata import (
    clean_header_value,
    extract_metadata,
    find_doc_number,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025年3月12日", "2025-03-12"),
        ("2023年1月28日", "2023-01-28"),
        ("二〇二五年三月十二日", "2025-03-12"),
        ("二○二三年十二月三十一日", "2023-12-31"),
        ("二〇一九年十月一日", "2019-10-01"),
        ("二〇二四年十一月二十日", "2024-11-20"),
        ("2016 年 11 月 7 日", "2016-11-07"),
        ("发布日期：2023-06-19", "2023-06-19"),
        ("2023/5/22", "2023-05-22"),
        ("2025年13月1日", None),
        ("unknown", None),
        ("2023", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("襄发改〔2025〕12号", "襄发改〔2025〕12号"),
        ("国发〔2024〕5号", "国发〔2024〕5号"),
        ("发改体改规〔2025〕466号", "发改体改规〔2025〕466号"),
        ("京政办发[2022]3号", "京政办发[2022]3号"),
        ("鲁政字（2023）18号", "鲁政字（2023）18号"),
        ("东开管发〔2023〕5号", "东开管发〔2023〕5号"),
        ("发文字号：湘工信函〔2022〕211号", "湘工信函〔2022〕211号"),
        ("襄发改 〔 2025 〕 12 号", "襄发改〔2025〕12号"),
        # A 文号 quoted inside a sentence is another document's, not this one's.
        ("根据《国务院关于在市场体系建设中建立公平竞争审查制度的意见》(国发〔2016〕34号)", None),
        ("各县（市、区）发展改革局：", None),
    ],
)
def test_doc_number(line, number):
    assert find_doc_number([line]) == number


@pytest.mark.parametrize(
    ("lines", "title", "number", "issuer", "date"),
    [
        (
            [
                "襄阳市发展和改革委员会文件",
                "襄发改〔2025〕12号",
                "襄阳市发展和改革委员会关于印发《襄阳市支持县域经济",
                "高质量发展若干措施》的通知",
                "各县（市、区）发展改革局，市直有关单位：",
                "现将《襄阳市支持县域经济高质量发展若干措施》印发给你们，请认真贯彻执行。",
                "襄阳市发展和改革委员会",
                "2025年3月12日",
                "（此件公开发布）",
            ],
            "襄阳市发展和改革委员会关于印发《襄阳市支持县域经济高质量发展若干措施》的通知",
            "襄发改〔2025〕12号",
            "襄阳市发展和改革委员会",
            "2025-03-12",
        ),
        (
            [
                "东营经济技术开发区管理委员会",
                "关于修订《东营经济技术开发区现代服务业高质量发展扶持办法》的通知",
                "东开管发〔2023〕5号",
                "各街道办事处,各部门、单位,各区属企业:",
                "为推进现代服务业高质量发展,结合开发区实际,对《东营经济技术开发区现代服务业高质量发展扶持办法》进行了修订,现印发给你们,请认真贯彻执行。",
                "东营经济技术开发区管理委员会",
                "2023年1月28日",
            ],
            "东营经济技术开发区管理委员会关于修订《东营经济技术开发区现代服务业高质量发展扶持办法》的通知",
            "东开管发〔2023〕5号",
            "东营经济技术开发区管理委员会",
            "2023-01-28",
        ),
        (
            [
                "国务院关于进一步优化营商环境更好服务市场主体的实施意见",
                "国发〔2020〕24号",
                "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
                "现提出以下意见。",
                "国务院",
                "二〇二〇年七月十五日",
                "（此件公开发布）",
            ],
            "国务院关于进一步优化营商环境更好服务市场主体的实施意见",
            "国发〔2020〕24号",
            "国务院",
            "2020-07-15",
        ),
        (
            [
                "关于公开征求五个规范性文件的部分条款修改、废止意见的通知",
                "各街道办事处,区政府、开发区管委会各部门、各直属单位,驻区垂直管理各单位:",
                "本通知自印发之日起施行。",
                "宁波市北仑区人民政府      宁波经济技术开发区管委会",
                "2023年6月19日",
            ],
            "关于公开征求五个规范性文件的部分条款修改、废止意见的通知",
            None,
            "宁波市北仑区人民政府、宁波经济技术开发区管委会",
            "2023-06-19",
        ),
        (
            [
                "湖南省工业和信息化厅关于征集2022年全省5G典型应用场景的通知",
                "各市州工业和信息化局：",
                "请于8月30日前报送。",
            ],
            "湖南省工业和信息化厅关于征集2022年全省5G典型应用场景的通知",
            None,
            "湖南省工业和信息化厅",
            None,
        ),
        (
            ["一、财政支持", "设立规模不低于1亿元的重点产业发展引导资金。", "二、支持范围"],
            None,
            None,
            None,
            None,
        ),
    ],
)
def test_extract_metadata(lines, title, number, issuer, date):
    meta = extract_metadata(lines)
    assert (meta.title, meta.doc_number, meta.issuer, meta.date) == (title, number, issuer, date)


def test_hints_used_only_when_text_has_nothing():
    lines = ["一、财政支持", "设立规模不低于1亿元的重点产业发展引导资金。"]
    meta = extract_metadata(lines, title="柳河县加快重点产业实施意见", issuer="柳河县人民政府")
    assert (meta.title, meta.issuer) == ("柳河县加快重点产业实施意见", "柳河县人民政府")
    lines = ["国务院关于进一步优化营商环境更好服务市场主体的实施意见", "正文。"]
    assert extract_metadata(lines, title="别的标题").title == lines[0]


@pytest.mark.parametrize(
    ("value", "clean"),
    [
        ("柳河县加快重点产业实施意见（较早版本，标题据小程序页面）", "柳河县加快重点产业实施意见"),
        (
            "关于受理……申报的通知（标题由整理者据正文拟定）",
            "关于受理……申报的通知",
        ),
        ("合肥市经济和信息化局（据正文“推荐至市经信局”推断）", "合肥市经济和信息化局"),
        ("unknown", None),
        ("2023-06-19", "2023-06-19"),
    ],
)
def test_clean_header_value(value, clean):
    assert clean_header_value(value) == clean


@pytest.mark.parametrize(
    "hint", ["untitled", "Microsoft Word - 附件1.doc", "新建 DOCX 文档", "1.docx"]
)
def test_placeholder_title_hints_ignored(hint):
    assert (
        extract_metadata(["设立规模不低于1亿元的重点产业发展引导资金。"], title=hint).title is None
    )
