"""Document kinds for tender screening: which documents are tender-type and which kind.

A tender announcement, a pre-qualification document, a tender file and a competitive
negotiation/consultation document are screened against 《招标投标领域公平竞争审查规则》 as the
招标人's own documents (its article 20); everything else is a policy measure, where the same
rules apply to clauses that govern tendering. Recognised from the title (or file name) first,
then from the opening text and the structure (投标人须知 with a scoring method is a tender file).
"""

from __future__ import annotations

import re
from pathlib import PurePath

ANNOUNCEMENT = "招标公告"
PREQUALIFICATION = "资格预审文件"
TENDER_FILE = "招标文件"
NEGOTIATION = "磋商谈判文件"
POLICY = "政策措施"
TENDER_KINDS: tuple[str, ...] = (ANNOUNCEMENT, PREQUALIFICATION, TENDER_FILE, NEGOTIATION)
DOC_KINDS: tuple[str, ...] = (*TENDER_KINDS, POLICY)

_NEGOTIATION_NAME = re.compile(r"竞争性(?:磋商|谈判)|询价(?:公告|文件|采购)|单一来源采购")
_NEGOTIATION_HEAD = re.compile(r"竞争性(?:磋商|谈判)(?:公告|文件|采购)|(?:磋商|谈判)文件")
_PREQUAL = re.compile(r"资格预审(?:公告|文件)?")
_FILE_NAME = re.compile(r"(?:招标|采购|比选|遴选)文件(?:[（(][^）)]{0,20}[）)])?$")
_ANNOUNCE_NAME = re.compile(
    r"(?:招标|采购|比选|遴选|竞价|询比)(?:公告|启事)|(?:中标|成交)(?:结果)?公(?:告|示)|招标项目"
)
_ANNOUNCE_HEAD = re.compile(
    r"(?:进行|组织|实施)(?:国内)?(?:公开|邀请)?(?:招标|采购)|欢迎[^。]{0,16}(?:供应商|投标人)"
    r"|(?:投标人|供应商)资格(?:要求|条件)|(?:获取|购买|领取)(?:招标|采购)文件|投标截止(?:时间)?"
)
_TENDER_FILE_PARTS = (
    re.compile(r"投标人须知|供应商须知"),
    re.compile(r"评标办法|评分标准|评审标准"),
)
_POLICY_TITLE = re.compile(r"(?:办法|规定|细则|意见|通知|方案|措施|决定|规则|条例)$")


def doc_kind(title: str | None, path: str, text: str) -> str:
    """The kind of a document: one of ``TENDER_KINDS`` or ``POLICY``."""
    name = f"{title or ''} {PurePath(path).stem}"
    head = text[:800]
    if _NEGOTIATION_NAME.search(name) or _NEGOTIATION_HEAD.search(head):
        return NEGOTIATION
    if _PREQUAL.search(name) or re.search(r"资格预审(?:公告|文件)", head):
        return PREQUALIFICATION
    stems = [s.strip() for s in (title or "", PurePath(path).stem) if s.strip()]
    if any(_FILE_NAME.search(s) for s in stems) or all(p.search(text) for p in _TENDER_FILE_PARTS):
        return TENDER_FILE
    if _ANNOUNCE_NAME.search(name):
        return ANNOUNCEMENT
    # A policy measure may talk about tendering; its title says what it is.
    if title and _POLICY_TITLE.search(title.strip()) and "公告" not in title:
        return POLICY
    if len(_ANNOUNCE_HEAD.findall(text[:3000])) >= 2:
        return ANNOUNCEMENT
    return POLICY


# Words of tendering and government procurement: the setting of 实施办法 第十五条. Of the notified
# cases' 39 offending spans citing article 15, all 39 have one in the span or in the document's
# name or title (of the 256 other spans, 85).
_PROCUREMENT = re.compile(
    r"采购|招标|投标|招投标|供应商|中标|成交|评标|评审|比选|遴选|入围|定点|询价|磋商|谈判|"
    r"单一来源|承包商|施工|服务商|政府购买|工程|货物|框架协议|预选库|备选库"
)


def mentions_procurement(*texts: str | None) -> bool:
    """Whether any of ``texts`` speaks of tendering or procurement."""
    return any(t and _PROCUREMENT.search(t) for t in texts)


def is_tender_kind(kind: str | None) -> bool:
    return kind in TENDER_KINDS


__all__ = [
    "ANNOUNCEMENT",
    "DOC_KINDS",
    "NEGOTIATION",
    "POLICY",
    "PREQUALIFICATION",
    "TENDER_FILE",
    "TENDER_KINDS",
    "doc_kind",
    "is_tender_kind",
    "mentions_procurement",
]
