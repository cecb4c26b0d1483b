"""Place names and region words: provinces and their short forms, administrative-unit suffixes,
and the words that tie a condition to "here" (本地) or mark "elsewhere" (外地).

Only what the code base uses: ``corpus.notices.extract_region`` reads the region of a notified
case with the province tables and unit suffixes; ``screen.lexicon`` finds region conditions in a
clause with ``LOCAL_WORDS`` and ``FOREIGN_WORDS``.
"""

from __future__ import annotations

# Provincial-level divisions by their full names.
PROVINCES: tuple[str, ...] = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "新疆生产建设兵团",
    "香港特别行政区",
    "澳门特别行政区",
)

# Autonomous regions as commonly shortened (the ethnic name, or also 自治区, left out).
PROVINCE_SHORT_NAMES: dict[str, str] = {
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
}

# Suffixes of administrative units below the province (泉州市, 恩施土家族苗族自治州, 神农架林区).
ADMIN_UNIT_SUFFIXES: tuple[str, ...] = (
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "新区",
    "市",
    "州",
    "盟",
    "县",
    "区",
    "旗",
)

# Region words that tie a condition to "here" (本地, 本县, 辖区内, 在X市注册 …), as a regex.
LOCAL_WORDS = (
    r"(?:本|我|该|当)(?:地|市|县|区|省|镇|乡|街道|州|盟|旗|园区|开发区|新区)(?!场|方|位|级|面)"
    r"|辖区(?:内)?|区域内|行政区域(?:内|范围内)|境内|县内|市内|区内|省内|园区内|县域|市域|区域范围内"
    r"|(?:在|于)[\u4e00-\u9fff]{1,8}(?:市|县|区|省|镇|新区|开发区|高新区|园区)(?:内|境内|辖区)?"
    r"(?:注册|登记|设立|纳税|缴纳|投资|落户|成立|建设|生产)"
)
# Region words that mark "elsewhere" (外地, 外省, 异地 …) and imports, as a regex.
FOREIGN_WORDS = r"外地|外省|外市|外县|区外|县外|市外|省外|非本地|异地|本地以外|进口"

__all__ = [
    "ADMIN_UNIT_SUFFIXES",
    "FOREIGN_WORDS",
    "LOCAL_WORDS",
    "PROVINCES",
    "PROVINCE_SHORT_NAMES",
]
