"""What a reward or subsidy clause pays for: a local tie, or an objective, non-local criterion.

《实施办法》第十九条 forbids *selective, differentiated* rewards: those tied to moving the
registration here, paying tax here, being counted in local statistics (第十九条第（三）项) or
returning local tax revenue (第（四）项). A reward paid to whoever obtains a national
certification, a listing or a national standard (驰名商标, 国家高新技术企业, 上市) rests on a
criterion any operator can meet wherever it is registered; reviewers treat it very differently
from one computed on 地方财政贡献. This module reads which of the two a clause states.

Language patterns beside ``screen.lexicon``; the engine decides what a basis does to a score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lang.zh.regions import LOCAL_WORDS

# The clause pays something.
_REWARD = re.compile(r"奖励|补贴|补助|奖补|资助|扶持资金|贴息|返还|兑现")

# Ties to this place: local tax or fiscal contribution, local statistics, registration or
# settlement moved here, production or investment here, or a case-by-case deal; the region
# words of ``regions.LOCAL_WORDS``, and a county's one-character abbreviation (在萧企业).
# Size and growth thresholds (产值, 销售收入) are neither local nor objective: no basis.
_LOCAL_TIE = re.compile(
    r"(?:地方|区级|县级|市级|综合|财政|税收)贡献|地方留成|留成部分|纳税|税收|缴税|入统|纳入[^，。；]{0,6}统计"
    r"|统计口径|注册地|迁入|迁回|迁至|落户|结算|一事一议|亩均|(?:在|于)[\u4e00-\u9fff]{1,2}(?:企业|注册|纳税)"
    rf"|{LOCAL_WORDS}"
)

# A list, pool or priority picks the beneficiaries (第十九条第（一）项): never "objective".
_SELECTIVE = re.compile(r"库|名录|名单|后备|优先|倾斜|一企一策|指定")

# A size or growth threshold beside the criterion (年销售额在1亿元及以上, 营业收入同比增长20%)
# also picks the beneficiaries: only the few large operators reach it (SAMR Q&A 答疑 on
# 上一年度营业收入, 零售额达到一定规模, 达到一定销售业绩; corpus/guidance), so it is not objective.
_AMOUNT = r"[\d一二两三四五六七八九十百千]+(?:\.\d+)?(?:万|亿)?(?:元|%|％|个百分点)?"
_SIZE_THRESHOLD = re.compile(
    r"(?:销售额|销售收入|营业收入|主营业务收入|营收|产值|零售额|营业额|交易额|投资额|投资总额|增速|增幅|增长)"
    rf"[^，。；;]{{0,12}}?(?:(?:达到|超过|突破|不低于|不少于)[^，。；;]{{0,4}}?{_AMOUNT}|{_AMOUNT}及?以上)"
)

# Objective criteria set outside this place: national or provincial certifications,
# standards, listings, prizes and research milestones open to any operator.
_OBJECTIVE = re.compile(
    r"驰名商标|著名商标|高新技术企业|专精特新|小巨人|单项冠军|瞪羚|独角兽|上市|新三板|挂牌"
    r"|(?:国际|国家|行业|团体|地方)标准|质量奖|(?:技术|研发|工程)(?:研究)?中心|重点实验室|版权示范"
    r"|发明专利|一致性评价|新药|临床批件|首台(?:套)?|首批次|首版次|国家级|省级"
)


@dataclass(frozen=True)
class RewardBasis:
    """The basis a reward clause states: ``local`` (a tie to this place), ``objective`` (only
    criteria set outside it) or None (no reward, or neither kind of wording)."""

    kind: str | None
    evidence: tuple[str, ...] = ()


def reward_basis(text: str) -> RewardBasis:
    """Read the basis of a reward clause; a local tie wins over any objective criterion, and
    beneficiaries picked by a list, a priority or a size threshold are not an objective
    criterion either."""
    text = re.sub(r"\s+", "", text)  # line wraps of PDF/DOCX text split words
    if not _REWARD.search(text):
        return RewardBasis(None)
    local = tuple(dict.fromkeys(m.group(0) for m in _LOCAL_TIE.finditer(text)))
    if local:
        return RewardBasis("local", local)
    objective = tuple(dict.fromkeys(m.group(0) for m in _OBJECTIVE.finditer(text)))
    if objective and not _SELECTIVE.search(text) and not _SIZE_THRESHOLD.search(text):
        return RewardBasis("objective", objective)
    return RewardBasis(None)
