"""The domain vocabulary: standard families, 1670号 classes, case states and sources, block kinds.

This is the bottom layer (it imports nothing from ``screening``); every other module takes these
names from here. The enums are ``StrEnum``s whose values are the strings the ledger, the corpus
and the findings have always stored, so ``CaseState("待核查")`` works, a member compares equal
to its Chinese string and JSON holds the plain string.

The tuples (``FAMILIES``, ``STATES`` …) hold the plain ``str`` values in the fixed order that
reports, model columns and command-line choices rely on. Code that writes to SQLite through
``sqlite_utils`` must pass plain strings (``member.value`` or these tuples): ``sqlite_utils``
cannot choose a column type for an enum member.
"""

from __future__ import annotations

from enum import StrEnum


class Family(StrEnum):
    """The four standard families of 《公平竞争审查条例实施办法》 (chapter 2, sections 1–4:
    articles 9–12, 13–17, 18–20, 21–23; article 24, section 5, is the catch-all for all four)."""

    MARKET_ACCESS = "限制市场准入和退出"
    FREE_FLOW = "限制商品要素自由流动"
    PRODUCTION_COST = "影响生产经营成本"
    BUSINESS_CONDUCT = "影响生产经营行为"


class Class1670(StrEnum):
    """1670号 classes of market-access violations."""

    APPROVAL = "审批违规"
    ENTITY = "主体违规"
    HIDDEN_BARRIER = "隐性壁垒"
    OTHER = "其他"


class CaseState(StrEnum):
    """States of a case in the ledger (一案一核查); see ``ledger.cases`` for the transitions."""

    PENDING = "待核查"
    VERIFYING = "核查中"
    CONFIRMED = "已认定"
    DISMISSED = "已排除"
    RECTIFYING = "整改中"
    REVIEWING = "待复核"
    CLOSED = "已销号"


class Source(StrEnum):
    """How a case came to the ledger."""

    SCREENING = "筛查发现"
    COMPLAINT = "投诉举报"
    ASSIGNED = "上级交办"
    EVALUATION = "效能评估"
    PUBLIC_INFO = "公开信息搜集"
    SELF_CHECK = "自查"


class BlockKind(StrEnum):
    """Kinds of ``types.Block`` produced by the parsers."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE_ROW = "table_row"


class ClauseKind(StrEnum):
    """Kinds of ``types.Clause`` produced by ``segment``."""

    SENTENCE = "sentence"
    LIST_ITEM = "list_item"
    HEADING = "heading"
    TABLE_ROW = "table_row"


# Plain-string tuples in the fixed order used for report rows, model columns and CLI choices.
FAMILIES: tuple[str, ...] = tuple(f.value for f in Family)
CLASSES_1670: tuple[str, ...] = tuple(c.value for c in Class1670)
STATES: tuple[str, ...] = tuple(s.value for s in CaseState)
SOURCES: tuple[str, ...] = tuple(s.value for s in Source)
# Case states grouped by outcome: still being verified, and found to be a violation.
OPEN_STATES: tuple[str, ...] = (CaseState.PENDING.value, CaseState.VERIFYING.value)
CONFIRMED_STATES: tuple[str, ...] = tuple(
    s.value
    for s in (CaseState.CONFIRMED, CaseState.RECTIFYING, CaseState.REVIEWING, CaseState.CLOSED)
)

__all__ = [
    "CLASSES_1670",
    "CONFIRMED_STATES",
    "FAMILIES",
    "OPEN_STATES",
    "SOURCES",
    "STATES",
    "BlockKind",
    "CaseState",
    "Class1670",
    "ClauseKind",
    "Family",
    "Source",
]
