"""A constructed tender file (招标文件) with a scoring table, written as DOCX and as text.

Written for the tests (not a real document): a county 招标文件 whose qualification section,
registration instructions, deposit rules and 评分标准 table mix barrier constructions with
neutral ones, so each can be checked where a reviewer would expect it. ``EXPECTED`` names the
clauses that must be found and the ZB item each must carry; ``NEUTRAL`` the ones that must not.
"""

from __future__ import annotations

from pathlib import Path

import docgen

TITLE = "××县人民医院医用耗材采购项目招标文件"

SCORING_TABLE = [
    ["评分因素", "分值", "评分标准"],
    ["投标报价", "30分", "满足招标文件要求且投标价格最低的投标报价为评标基准价，其价格分为满分。"],
    ["技术参数", "25分", "完全满足技术参数要求的得25分，每有一项负偏离扣2分，扣完为止。"],
    [
        "类似业绩",
        "10分",
        "投标人近三年在本县完成类似项目业绩的，每个得2分，最高得10分；县外业绩不得分。",
    ],
    ["企业性质", "5分", "投标人为国有企业的得5分，其他企业得2分。"],
    ["注册资本", "5分", "注册资本在1000万元以上的得5分，500万元以上的得3分，其余不得分。"],
    ["售后服务", "10分", "在本县设有售后服务网点的得10分，承诺中标后设立的得5分。"],
    ["实施方案", "15分", "实施方案科学合理、措施得当的得11-15分，基本可行的得6-10分。"],
]

BLOCKS: list[tuple[str, object]] = [
    ("title", TITLE),
    ("heading", "一、投标人资格要求"),
    ("para", "1．具有独立承担民事责任的能力。"),
    ("para", "2．具有良好的商业信誉和健全的财务会计制度。"),
    ("para", "3．投标人须在本县设立分支机构，否则不得参加本项目投标。"),
    ("heading", "二、招标文件的获取"),
    ("para", "1．获取时间：2026年3月2日至2026年3月3日。"),
    ("para", "2．报名时须携带营业执照副本原件、资质证书原件到县公共资源交易中心现场报名。"),
    ("heading", "三、投标保证金"),
    ("para", "投标保证金只接受银行转账，不接受银行保函或者保证保险。"),
    ("para", "投标保证金金额为人民币壹万元整。"),
    ("heading", "四、评标办法"),
    ("para", "本项目采用综合评分法，评分标准如下："),
    ("table", SCORING_TABLE),
]

# clause text (a substring) -> the ZB item that must be among the finding's codes
EXPECTED = {
    "在本县设立分支机构": "ZB-6-2",
    "2026年3月2日至2026年3月3日": "ZB-10-5",
    "营业执照副本原件": "ZB-10-3",
    "只接受银行转账": "ZB-11-3",
    "在本县完成类似项目业绩": "ZB-7-1",
    "国有企业的得5分": "ZB-7-2",
    "注册资本在1000万元以上": "ZB-7-4",
    "在本县设有售后服务网点": "ZB-6-2",
}
NEUTRAL = ("具有独立承担民事责任的能力", "投标价格最低的投标报价为评标基准价", "实施方案科学合理")


def write_tender_docx(folder: Path) -> Path:
    return docgen.write_docx(folder / f"{TITLE}.docx", BLOCKS, title=TITLE)


__all__ = ["BLOCKS", "EXPECTED", "NEUTRAL", "SCORING_TABLE", "TITLE", "write_tender_docx"]
