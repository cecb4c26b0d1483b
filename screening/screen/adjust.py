"""Readings that scale a clause's learned score at screening time, each with the note it adds.

* A reward whose only condition is an objective criterion set outside the county (驰名商标,
  国家高新技术企业, 上市; ``screen.rewards``) keeps ``OBJECTIVE_REWARD_FACTOR`` of its score:
  第十九条 forbids *selective* rewards, and such a criterion is open to any operator.
* In a 地方性法规 or 政府规章 (``lang.zh.doctypes.legal_rank``), a clause that only sets,
  transfers or ends a permit — approval or exit wording and no region, ownership or designation
  word — keeps ``PERMIT_FACTOR``: those ranks may lawfully set administrative permits and their
  conditions (《行政许可法》第十五条、第十六条), which a 规范性文件 may not.

Nothing is dropped: a scaled clause still becomes a finding when it reaches the threshold, and
its rationale says what was read. Versioned as ``screening.versions.ADJUSTMENTS``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..lang.zh.doctypes import GOVERNMENT_RULE, LOCAL_REGULATION
from .features import ClauseView
from .rewards import reward_basis

# No notified case's offending span reads as an objective reward (tests/test_rewards.py), so
# recall on cases cannot depend on this factor.
OBJECTIVE_REWARD_FACTOR = 0.5
PERMIT_FACTOR = 0.5
PERMIT_RANKS = (LOCAL_REGULATION, GOVERNMENT_RULE)
_PERMIT_FAMILIES = frozenset({"approval", "exit"})


def is_permit_clause(view: ClauseView) -> bool:
    """Approval or exit wording only: setting, transferring, renewing or ending a permit."""
    families = view.signals.families
    return bool(families) and families <= _PERMIT_FAMILIES


def factors(views: Sequence[ClauseView], legal_rank: str | None) -> np.ndarray:
    """The share of its learned score each clause keeps (1.0: unchanged)."""
    out = np.ones(len(views))
    for i, view in enumerate(views):
        if reward_basis(view.text).kind == "objective":
            out[i] *= OBJECTIVE_REWARD_FACTOR
        if legal_rank in PERMIT_RANKS and is_permit_clause(view):
            out[i] *= PERMIT_FACTOR
    return out


def notes(view: ClauseView, legal_rank: str | None) -> str:
    """What the readings that scaled this clause say (appended to its rationale)."""
    out = ""
    basis = reward_basis(view.text)
    if basis.kind == "objective":
        words = "、".join(f"“{w}”" for w in basis.evidence[:3])
        out += (
            f"奖励条件为{words}等客观标准，未与本地纳税、注册、统计或财政贡献挂钩，"
            "一般不属于选择性、差异化奖补，评分已减半；请核实申报范围是否仅限本地企业。"
        )
    if legal_rank in PERMIT_RANKS and is_permit_clause(view):
        out += (
            f"本文件为{legal_rank}，可依法设定行政许可及其条件（《行政许可法》第十五条、第十六条），"
            "条款未含地域、所有制或指定经营者等歧视性内容，评分已减半；请核实条件是否必要、是否超出上位法。"
        )
    return out
