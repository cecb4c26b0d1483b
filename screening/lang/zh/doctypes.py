"""文种 (document types): one table of the type words and where each is recognised.

Columns of ``DOC_TYPES`` (a letter in the second field means the use applies):

* ``T`` — the word ends a document title: ``parse.metadata`` finds the title line by it;
* ``H`` — the word ends a short title-like line inside a body (an attached 办法, a 清单):
  ``segment`` makes such a line a heading clause;
* ``R`` — reports count the 文种 on its own. A document whose name ends in another word falls
  under the report 文种 its name ends with (实施意见 → 意见, 复函 → 函), otherwise under 其他.

``doc_type`` gives a document's report 文种; the parsers store it as ``Metadata.doc_type``.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# (文种, uses); report 文种 first, in the order reports list them.
DOC_TYPES: tuple[tuple[str, str], ...] = (
    ("办法", "THR"),
    ("规定", "THR"),
    ("细则", "THR"),
    ("意见", "THR"),
    ("方案", "THR"),
    ("规划", "THR"),
    ("决定", "THR"),
    ("通知", "THR"),
    ("通告", "THR"),
    ("公告", "THR"),
    ("批复", "THR"),
    ("函", "THR"),
    ("实施意见", "T"),
    ("指导意见", "T"),
    ("措施", "TH"),
    ("若干措施", "T"),
    ("报告", "TH"),
    ("请示", "T"),
    ("复函", "T"),
    ("纪要", "T"),
    ("条例", "TH"),
    ("规则", "TH"),
    ("政策", "TH"),
    ("指引", "T"),
    ("清单", "TH"),
    ("目录", "TH"),
    ("标准", "T"),
    ("公示", "TH"),
    ("通报", "T"),
    ("命令", "T"),
    ("议案", "T"),
    ("决议", "TH"),
    ("公报", "T"),
    ("章程", "H"),
    ("指南", "H"),
    ("计划", "H"),
)

TITLE_TYPES: tuple[str, ...] = tuple(name for name, uses in DOC_TYPES if "T" in uses)
HEADING_TYPES: tuple[str, ...] = tuple(name for name, uses in DOC_TYPES if "H" in uses)
REPORT_TYPES: tuple[str, ...] = tuple(name for name, uses in DOC_TYPES if "R" in uses)
OTHER = "其他"  # report 文种 of a document whose name ends in no report 文种
REPORT_TYPES_ALL: tuple[str, ...] = (*REPORT_TYPES, OTHER)

# Qualifiers in brackets after the 文种 that do not change it: ……办法（试行）.
TITLE_QUALIFIERS: tuple[str, ...] = ("试行", "暂行", "征求意见稿", "修订稿", "修订", "草案")

_REPORT_END = re.compile("(" + "|".join(REPORT_TYPES) + ")$")
_QUALIFIER_END = re.compile(r"[（(](" + "|".join(TITLE_QUALIFIERS) + r")[)）]$")


def doc_type(title: str | None, path: str) -> str:
    """Report 文种 of a document: of the last 《name》 cited in its title first (关于印发《…办法》的
    通知 is a 办法), then of the title, then of the file name; ``OTHER`` when none ends in one."""
    name = title or ""
    candidates = [*re.findall(r"《([^》]+)》", name)[-1:], name, PurePath(path).stem]
    for cand in candidates:
        m = _REPORT_END.search(_QUALIFIER_END.sub("", cand.strip()))
        if m:
            return m[1]
    return OTHER


# 法的位阶 of a document, from its opening lines: a 地方性法规 is passed (or approved) by a
# people's congress standing committee; a 政府规章 is promulgated by a government order.
LOCAL_REGULATION = "地方性法规"
GOVERNMENT_RULE = "政府规章"
_CONGRESS = re.compile(
    r"(?:人民代表大会(?:常务委员会)?|人大常委会)[^。\n]{0,30}(?:通过|批准|修订|修正)"
)
_GOVERNMENT_ORDER = re.compile(
    r"人民政府令|政府令第|(?:省|市|州|区|县)长令|第\s*\d+\s*号令"
    r"|人民政府[^。\n]{0,12}常务会议[^。\n]{0,12}通过"
)
HEAD_CHARS = 600  # the rank is stated in the title block, never further down


def legal_rank(text: str) -> str | None:
    """``LOCAL_REGULATION``, ``GOVERNMENT_RULE`` or None (a 规范性文件 or policy document, or
    unknown). Both may lawfully set what a 规范性文件 may not (《行政许可法》第十五条、第十六条)."""
    head = text[:HEAD_CHARS]
    if _CONGRESS.search(head):  # 条例, and the congresses' 规定, 办法 and 决定 alike
        return LOCAL_REGULATION
    if _GOVERNMENT_ORDER.search(head):
        return GOVERNMENT_RULE
    return None


__all__ = [
    "DOC_TYPES",
    "GOVERNMENT_RULE",
    "HEADING_TYPES",
    "LOCAL_REGULATION",
    "OTHER",
    "REPORT_TYPES",
    "REPORT_TYPES_ALL",
    "TITLE_QUALIFIERS",
    "TITLE_TYPES",
    "doc_type",
    "legal_rank",
]
