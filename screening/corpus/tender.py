"""The second standard set: 《招标投标领域公平竞争审查规则》 (国家发展改革委等部门令2024年第16号).

Its articles 5–11 list 44 review items, coded ``ZB-<article>-<item>`` (``ZB-10-3`` is 第十条第
（三）项). Article 20 makes government bodies acting as 招标人 apply them to their own tender
announcements, pre-qualification and tender documents; this project applies them by analogy
to government-procurement documents too.

``ZB_TO_FCR`` is a hand-made table: for each ZB item, the 《实施办法》 items whose wording covers
the same conduct, with a note saying why (the same way ``xize2021`` maps the 2021 细则). An empty
tuple means no FCR item covers it specifically (the 招标人自主权 and 定标权 items govern how
authorities treat 招标人, which the 实施办法 does not address item by item); such a finding is
cited under FCR-24 only when the screening engine also finds a general barrier.
"""

from __future__ import annotations

import re

TENDER_LAW = "招标投标领域公平竞争审查规则"
TENDER_LAW_FILE = "招标投标领域公平竞争审查规则.txt"
ZB_ARTICLES = range(5, 12)

# Short labels of the articles' subject (from each article's lead-in), shown as the ZB family.
ZB_FAMILIES: dict[int, str] = {
    5: "招标人自主权",
    6: "统一市场准入条件",
    7: "差异性得分",
    8: "招标人定标权",
    9: "信用评价",
    10: "交易流程",
    11: "保证金",
}

ZB_CODE = re.compile(r"^ZB-(\d+)(?:-(\d+))?$")

# ZB item -> (FCR items covering the same conduct, note).
ZB_TO_FCR: dict[str, tuple[tuple[str, ...], str]] = {
    "ZB-5-1": (("FCR-11-1",), "指定招标代理机构即限定选择特定经营者的服务"),
    "ZB-5-2": (("FCR-12-1",), "替招标人指定投标资格、技术、商务条件，易设置不必要的准入条件"),
    "ZB-5-3": ((), "指定资格审查方法或评标方法，实施办法无专门项"),
    "ZB-5-4": ((), "指定具体资格审查标准或评标标准，实施办法无专门项"),
    "ZB-5-5": ((), "指定评标委员会成员，实施办法无专门项"),
    "ZB-5-6": (("FCR-11-1",), "限制自主选择电子交易系统即限定使用特定经营者的服务"),
    "ZB-5-7": (("FCR-11-1",), "强制选择电子认证服务即限定使用特定经营者的服务"),
    "ZB-5-8": (("FCR-11-1",), "指定特定交易工具即限定使用特定经营者的商品"),
    "ZB-5-9": (("FCR-11-3",), "指定预选库、资格库、备选名录，对应不合理的名录库、备选库、资格库"),
    "ZB-5-10": (
        ("FCR-15-2", "FCR-11-3"),
        "依本地区创新产品名单、优先采购产品名单招标，即变相优先采购本地经营者的商品",
    ),
    "ZB-5-11": ((), "其他限制招标人自主权的措施，实施办法无专门项"),
    "ZB-6-1": (("FCR-9-2",), "负面清单以外要求投标前取得行政许可，即违规设立准入许可"),
    "ZB-6-2": (
        ("FCR-14-3", "FCR-15-3"),
        "本地设立分支机构、缴纳税收社保、与本地经营者组成联合体作为投标条件",
    ),
    "ZB-6-3": (("FCR-15-3",), "取得本地区业绩或奖项作为投标条件"),
    "ZB-6-4": (
        ("FCR-12-1", "FCR-17-1"),
        "要求特定地区或行业组织颁发的证书，属不必要或歧视性的资质要求",
    ),
    "ZB-6-5": (("FCR-12-1",), "要求特定行业组织成员身份，属明显不必要的条件"),
    "ZB-6-6": (("FCR-15-7", "FCR-12-4"), "其他限制参与投标的不合理条件"),
    "ZB-7-1": (("FCR-15-3",), "按业绩取得区域设置差异性得分，即以业绩区域作为加分条件"),
    "ZB-7-2": (("FCR-12-2",), "按所有制形式设置差异性得分，属歧视性条件"),
    "ZB-7-3": (("FCR-15-5", "FCR-15-3"), "按投标产品产地设置差异性得分"),
    "ZB-7-4": (
        ("FCR-12-2", "FCR-15-3"),
        "按规模、注册地址、注册资金等设置差异性得分，属按规模、注册地设置的歧视性条件",
    ),
    "ZB-7-5": (("FCR-15-3", "FCR-12-2"), "按联合体成员的注册地址、所有制形式设置差异性得分"),
    "ZB-7-6": (("FCR-15-7",), "示范文本中其他排除限制竞争的内容"),
    "ZB-8-1": ((), "指定定标方法，实施办法无专门项"),
    "ZB-8-2": ((), "指定定标单位或定标人员，实施办法无专门项"),
    "ZB-8-3": ((), "定标权交由其他单位或人员行使，实施办法无专门项"),
    "ZB-8-4": ((), "直接以抽签、摇号等方式确定中标人，实施办法无专门项"),
    "ZB-8-5": ((), "其他限制定标权的措施，实施办法无专门项"),
    "ZB-9-1": (("FCR-15-4",), "信用信息方面对不同地区经营者作出区别规定"),
    "ZB-9-2": (("FCR-15-4",), "对不同地区或所有制经营者采用不同信用评价标准"),
    "ZB-9-3": (("FCR-17-2",), "按所在地区或所有制采取差异化信用监管，即歧视性的监管执法"),
    "ZB-9-4": ((), "限制经营主体使用信用评价结果的自主权，实施办法无专门项"),
    "ZB-9-5": (("FCR-15-4",), "其他信用评价方面排除限制竞争的措施"),
    "ZB-10-1": ((), "交易服务机构行使行政管理职能，实施办法无专门项"),
    "ZB-10-2": (("FCR-11-1",), "强制非公共资源交易项目进入平台，即限定使用特定平台的服务"),
    "ZB-10-3": (
        ("FCR-15-6", "FCR-15-7"),
        "投标环节强制提供原件，与要求现场报名一样增加外地经营者参与成本",
    ),
    "ZB-10-4": (("FCR-15-6",), "获取招标文件、开标环节要求特定人员到场，即要求现场报名或现场购买"),
    "ZB-10-5": (("FCR-15-7",), "其他不当限制参与招标投标的交易流程措施"),
    "ZB-11-1": ((), "限制招标人依法收取保证金，实施办法无专门项"),
    "ZB-11-2": (("FCR-24",), "要求四类法定保证金以外的保证金，增加经营成本，实施办法无专门项"),
    "ZB-11-3": (("FCR-24",), "限定保证金缴纳形式，实施办法无专门项"),
    "ZB-11-4": (("FCR-11-1",), "要求从特定机构开具保函，即限定使用特定经营者的服务"),
    "ZB-11-5": (("FCR-24",), "在招标文件之外设定保证金退还前置条件，实施办法无专门项"),
    "ZB-11-6": (("FCR-24",), "其他涉及保证金的不合理限制，实施办法无专门项"),
}


def is_zb(code: str) -> bool:
    return bool(ZB_CODE.match(code))


def related_fcr(code: str) -> tuple[str, ...]:
    """The FCR items the table maps a ZB item to (empty for unknown codes)."""
    return ZB_TO_FCR.get(code, ((), ""))[0]


def zb_for_fcr(code: str) -> tuple[str, ...]:
    """The ZB items mapped to an FCR item, in ZB code order."""
    return tuple(z for z, (fcrs, _) in ZB_TO_FCR.items() if code in fcrs)


__all__ = [
    "TENDER_LAW",
    "TENDER_LAW_FILE",
    "ZB_ARTICLES",
    "ZB_FAMILIES",
    "ZB_TO_FCR",
    "is_zb",
    "related_fcr",
    "zb_for_fcr",
]
