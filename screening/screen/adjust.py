"""Readings that scale a clause's learned score at screening time, each with the note it adds.

* A reward whose only condition is an objective criterion set outside the county (驰名商标,
  国家高新技术企业, 上市; ``screen.rewards``) keeps ``OBJECTIVE_REWARD_FACTOR`` of its score:
  第十九条 forbids *selective* rewards, and such a criterion is open to any operator.
* In a 地方性法规 or 政府规章 (``lang.zh.doctypes.legal_rank``), a clause that only sets,
  transfers or ends a permit — approval or exit wording and no region, ownership or designation
  word — keeps ``PERMIT_FACTOR``: those ranks may lawfully set administrative permits and their
  conditions (《行政许可法》第十五条、第十六条), which a 规范性文件 may not.
* A sanction clause — "……的，（由……）处……罚款／予以处罚／从重处罚" — keeps ``SANCTION_FACTOR``
  when it names no region, designated operator or ownership form: it punishes breaking a duty
  set elsewhere and imposes no condition of its own (the duty's own clause is screened where
  it stands). One that does name them ("省外注册的……未备案的，处……") is left whole, since the
  sanction may be what enforces a discriminatory duty. A sanction that revokes a permit is
  read as a sanction only, not also as a permit clause (the two halvings do not stack).

Nothing is dropped: a scaled clause still becomes a finding when it reaches the threshold, and
its rationale says what was read. Versioned as ``screening.versions.ADJUSTMENTS``.
"""

from __future__ import annotations

import re
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
SANCTION_FACTOR = 0.5
# "……的，" then, within the same sentence, a penalty as the clause's consequence.
_SANCTION = re.compile(
    r"的[，,][^。；;]{0,40}?(?:处[^。；;]{0,30}?罚款|予以(?:行政)?处罚|从重处罚|给予[^。；;]{0,8}处分"
    r"|吊销[^。；;]{0,12}(?:许可证|执照|证书))"
)
# A duty stated before the condition ("均应……参保，未按规定参保的，……处罚") is the clause's own.
# (须 alone, but not in 无须/毋须/不须, which lift a duty.)
_DUTY = re.compile(r"应当|必须|(?<![无毋不])须|一律|均应|不得")
_DISCRIMINATING = frozenset({"region", "designation", "ownership"})


def is_permit_clause(view: ClauseView) -> bool:
    """Approval or exit wording only: setting, transferring, renewing or ending a permit."""
    families = view.signals.families
    return bool(families) and families <= _PERMIT_FAMILIES


def is_sanction_clause(view: ClauseView) -> bool:
    """A penalty for breaking a duty set elsewhere, naming no region, designated operator or
    ownership form."""
    m = _SANCTION.search(view.text)
    return (
        m is not None
        and not _DUTY.search(view.text, 0, m.start())
        and not view.signals.families & _DISCRIMINATING
    )


def factors(views: Sequence[ClauseView], legal_rank: str | None) -> np.ndarray:
    """The share of its learned score each clause keeps (1.0: unchanged)."""
    out = np.ones(len(views))
    for i, view in enumerate(views):
        if reward_basis(view.text).kind == "objective":
            out[i] *= OBJECTIVE_REWARD_FACTOR
        if is_sanction_clause(view):
            out[i] *= SANCTION_FACTOR
        elif legal_rank in PERMIT_RANKS and is_permit_clause(view):
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
    if is_sanction_clause(view):
        out += (
            "条款为罚则，处罚违反其他条款所设义务的行为，本身不设定条件，且未含地域、所有制或指定经营者"
            "等内容，评分已减半；请核实被处罚的义务本身是否合理。"
        )
    elif legal_rank in PERMIT_RANKS and is_permit_clause(view):
        out += (
            f"本文件为{legal_rank}，可依法设定行政许可及其条件（《行政许可法》第十五条、第十六条），"
            "条款未含地域、所有制或指定经营者等歧视性内容，评分已减半；请核实条件是否必要、是否超出上位法。"
        )
    return out
