"""Everything said about a finding besides its score: codes, rationale, 1670 class, exceptions."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..corpus.schema import Standard
from ..domain import Class1670, Family
from ..types import Precedent, StandardScore
from .labels import is_item_code
from .lexicon import FAMILY_LABELS, Signals
from .precedents import PrecedentIndex

# Standard families whose wording is about market access; only these get a 1670号 class.
_APPROVAL_WORDS = re.compile(r"审批|许可|核准|批准|备案|前置|资质|准入|登记|年检|年审|方可|才能")

# Wording that touches an exception ground → the 《条例》 art. 12 item it may fall under.
_EXCEPTION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("国家安全|国防", "EXC-TL12-1"),
    ("科技进步|自主创新|科技创新|技术创新", "EXC-TL12-2"),
    ("节能|节约能源|环保|环境保护|生态环境|救灾|救助|公共利益|公共卫生", "EXC-TL12-3"),
    ("法律、行政法规规定|国务院批准", "EXC-TL12-4"),
)


# Who votes on a finding's item: the nearest cases, Q&A wordings and item exemplars.
VOTE_KINDS = ("case", "guidance", "exemplar")
# P(article) is blended with the share of the votes each article got (0: the article model alone).
ARTICLE_VOTE_MIX = 0.5
# Within an article, the item model's share is blended with the votes' share (0: votes alone).
ITEM_MODEL_MIX = 0.5
# 第十五条 governs tendering and government procurement: without a word of either in the clause,
# its document's title or kind (``lang.zh.tenderkinds.mentions_procurement``), its articles'
# scores are scaled by this.
PROCUREMENT_ARTICLE = 15
OUT_OF_SETTING = 0.1
# Items and articles whose standard names the one act it forbids: a clause that says nothing of
# that act cannot breach them, so their scores are scaled by OUT_OF_SETTING too. Each pattern is
# the standard's own wording and its common variants:
# * FCR-12-3 "在经营者注销、破产、挂牌转让等方面……设置市场退出障碍": an exit;
# * FCR-13-3 "妨碍经营者变更注册地址、减少注册资本，或者对经营者在本地经营年限提出要求": moving
#   away, reducing capital, or a number of years to stay;
# * 第十八条 (all its items: 减轻或者免除税收缴纳义务, 少缴或者不缴税款, 核定征收, 税收优惠): a tax
#   relief — a tax named beside a relief, or 核定征收. A clause that makes paying tax locally a
#   condition ("须在本县注册并纳税") relieves no tax.
ACT_GATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("FCR-12-3", re.compile(r"注销|破产|转让|退出|清算|歇业|停业|关闭|撤销|终止|兼并|重组")),
    (
        "FCR-13-3",
        re.compile(
            r"迁|注册地址|变更注册|注册资本|减资|年限|存续|年内|年以上|不少于[^，。；]{0,6}年|连续经营"
        ),
    ),
    (
        "FCR-18",
        re.compile(
            r"税[^。；]{0,12}(?:减|免|优惠|少缴|不缴|退|返|缓)"
            r"|(?:减|免|优惠|退|返|缓)[^。；]{0,12}税|核定征收"
        ),
    ),
)


def rank_codes(
    barrier: float,
    article_probs: dict[int, float],
    sims_row: np.ndarray,
    index: PrecedentIndex,
    standards: dict[str, Standard],
    **options: Any,
) -> list[StandardScore]:
    """Score item codes as P(barrier) × P(article) × P(item | article), the top five.

    ``options`` are :func:`code_factors`' (``k``, ``article_mix``, ``item_probs``,
    ``procurement``, ``residual_last``, ``text``), which say how the two probabilities are
    formed.
    """
    factors = code_factors(article_probs, sims_row, index, standards, **options)
    scored = [
        StandardScore(code, round(barrier * p * share, 4), standards[code].text)
        for code, p, share, _ in factors
    ]
    scored.sort(key=lambda s: (-s.score, s.code))
    return scored[:5]


def item_votes(sims_row: np.ndarray, index: PrecedentIndex, k: int = 10) -> dict[str, float]:
    """Item code → votes: the ``k`` nearest precedents and exemplars (sharpened by similarity,
    shared among the items each cites) and, at half weight, the standards' own wording."""
    votes: dict[str, float] = defaultdict(float)
    for entry, sim in index.top(sims_row, k, kinds=VOTE_KINDS):
        item_codes = [c for c in entry.codes if is_item_code(c)]
        for code in item_codes:
            votes[code] += max(sim, 0.0) ** 8 / len(item_codes)
    std_mask = index.mask(("standard",))
    for i in np.flatnonzero(std_mask):
        votes[index.entries[i].id] += 0.5 * max(float(sims_row[i]), 0.0) ** 8
    return votes


def code_factors(
    article_probs: dict[int, float],
    sims_row: np.ndarray,
    index: PrecedentIndex,
    standards: dict[str, Standard],
    k: int = 10,
    article_mix: float | None = None,
    item_probs: dict[str, float] | None = None,
    procurement: bool | None = None,
    residual_last: bool = True,
    text: str | None = None,
) -> list[tuple[str, float, float, float]]:
    """(code, P(article), P(item | article), the item's votes) for every item of the articles
    in ``article_probs`` that has a share; :func:`rank_codes` multiplies the first two.

    P(article) comes from the article model (blended with the votes' article shares by
    ``article_mix``). Within an article, items share the votes of the nearest precedents and
    item exemplars that cite them (sharpened by similarity) and of the standards' own wording;
    with an item model (``item_probs``, P(item) from the clause's sentence vectors) its shares
    within the article are blended in at :data:`ITEM_MODEL_MIX`, so the item whose wording the
    clause fits comes first even when the nearest precedents cite another.

    ``procurement`` False (nothing in the clause or its document speaks of tendering or
    procurement) scales article 15 by :data:`OUT_OF_SETTING`; None: not known, no scaling.
    ``residual_last``: the residual item ranks after its article's listed items (False: as
    before, for the benchmarks). ``text``: the clause; the codes of :data:`ACT_GATES` whose act
    it does not speak of are scaled by :data:`OUT_OF_SETTING` (None: no gates, as before).
    """
    mix = ARTICLE_VOTE_MIX if article_mix is None else article_mix
    votes = item_votes(sims_row, index, k)
    by_article: dict[int, dict[str, float]] = defaultdict(dict)
    for code, v in votes.items():
        if code in standards:
            by_article[int(code.split("-")[1])][code] = v
    article_votes = {a: sum(items.values()) for a, items in by_article.items()}
    gated = gated_codes(text, standards)
    all_votes = sum(article_votes.values()) or 1.0
    out = []
    for article, p_article in article_probs.items():
        shares = _item_shares(by_article.get(article, {}), article, standards, item_probs)
        if residual_last:
            shares = _residual_last(shares, standards)
        total = article_votes.get(article, 0.0)
        p = (1 - mix) * p_article + mix * total / all_votes
        if procurement is False and article == PROCUREMENT_ARTICLE:
            p *= OUT_OF_SETTING
        out.extend(
            (code, p, share * (OUT_OF_SETTING if code in gated else 1.0), votes.get(code, 0.0))
            for code, share in shares.items()
        )
    return out


def gated_codes(text: str | None, codes: Iterable[str]) -> set[str]:
    """The ``codes`` whose act (:data:`ACT_GATES`) ``text`` does not speak of."""
    if text is None:
        return set()
    closed = [prefix for prefix, pattern in ACT_GATES if not pattern.search(text)]
    return {c for c in codes if any(c == p or c.startswith(p + "-") for p in closed)}


def _item_shares(
    votes: dict[str, float],
    article: int,
    standards: dict[str, Standard],
    item_probs: dict[str, float] | None,
) -> dict[str, float]:
    """P(item | article): the votes' shares, blended with the item model's when there is one."""
    total = sum(votes.values())
    by_votes = {c: v / total for c, v in votes.items()} if total else {}
    if item_probs is None:
        return by_votes
    prefix = f"FCR-{article}-"
    model = {c: p for c, p in item_probs.items() if c.startswith(prefix) and c in standards}
    mass = sum(model.values())
    if not mass:
        return by_votes
    if not by_votes:
        return {c: p / mass for c, p in model.items()}
    return {
        c: (1 - ITEM_MODEL_MIX) * by_votes.get(c, 0.0) + ITEM_MODEL_MIX * model.get(c, 0.0) / mass
        for c in {*by_votes, *model}
    }


def is_residual(standard: Standard) -> bool:
    """The item that closes an article's list: "其他……的内容"."""
    return standard.item is not None and standard.text.startswith("其他")


def _residual_last(shares: dict[str, float], standards: dict[str, Standard]) -> dict[str, float]:
    """The same shares, dealt again so that the residual item gets the smallest of them and the
    listed items keep their order: the article's best score and its total stay as they were,
    only which of its items comes first changes.

    Every article's list ends in a residual item, "其他……的内容" (FCR-11-5, FCR-15-7, …), and a
    reviewer cites it only when no listed item fits: 1 of the 128 item citations of the
    training cases."""
    positive = [c for c, v in shares.items() if v > 0]
    listed = [c for c in positive if not is_residual(standards[c])]
    if not listed or len(listed) == len(positive):
        return shares
    order = sorted(positive, key=lambda c: (is_residual(standards[c]), -shares[c], c))
    values = sorted((shares[c] for c in positive), reverse=True)
    return {**shares, **dict(zip(order, values, strict=True))}


def precedents_for(
    sims_row: np.ndarray, index: PrecedentIndex, k: int = 3
) -> tuple[Precedent, ...]:
    out = []
    for entry, sim in index.top(sims_row, k, kinds=("case", "guidance")):
        out.append(
            Precedent(entry.id, round(sim, 4), entry.notice_title, entry.text[:200], entry.kind)
        )
    return tuple(out)


def trigger_words(signals: Signals, limit: int = 4) -> tuple[str, ...]:
    seen: list[str] = []
    for h in signals.hits:
        if h.text not in seen:
            seen.append(h.text)
    return tuple(seen[:limit])


def class_1670(family: str | None, text: str, signals: Signals) -> str | None:
    """1670号 applies to market-access barriers: 审批违规 when the clause sets an approval-type
    condition, otherwise 隐性壁垒 (conditions that keep operators out without a formal permit)."""
    market_access = family == Family.MARKET_ACCESS
    if not market_access and not (family == Family.FREE_FLOW and "region" in signals.families):
        return None
    if "approval" in signals.families and _APPROVAL_WORDS.search(text):
        return Class1670.APPROVAL.value
    return Class1670.HIDDEN_BARRIER.value


def rationale(
    signals: Signals,
    primary: StandardScore | None,
    family: str | None,
    precedents: Sequence[Precedent],
    compliant_hint: bool,
) -> str:
    parts = []
    fams = [FAMILY_LABELS[f] for f in dict.fromkeys(h.family for h in signals.hits)][:3]
    words = "、".join(f"“{w}”" for w in trigger_words(signals, 3))
    if words:
        parts.append(f"条款含{words}等{('、'.join(fams))}用语")
    if precedents:
        p = precedents[0]
        parts.append(
            f"与{'通报案例' if p.kind == 'case' else '总局答疑'} {p.case_id}"
            f"（相似度 {p.similarity:.2f}）相近"
        )
    if primary:
        parts.append(f"疑似属于{primary.code}“{primary.text}”")
    elif family:
        parts.append(f"疑似属于“{family}”类问题")
    sentence = "，".join(parts) or "条款与通报案例措辞相近"
    if compliant_hint:
        sentence += "（条款含“不得”“依法”等措辞，可能属于合规表述，请结合上下文判断）"
    return sentence + "。"


def exception_note(text: str, standards: dict[str, Standard]) -> str | None:
    """Name the 条例 art. 12 / 办法 art. 25 grounds the wording touches; never drops a finding."""
    codes = [code for pat, code in _EXCEPTION_PATTERNS if re.search(pat, text)]
    if not codes:
        return None
    labels = "；".join(
        f"{code}“{standards[code].text if code in standards else ''}”" for code in codes
    )
    return (
        f"条款涉及例外情形：{labels}。如确属《公平竞争审查条例》第十二条、《实施办法》第二十五条规定的例外情形，"
        "且没有对公平竞争影响更小的替代方案、并明确实施期限或终止条件，可以出台；请核实后在台账中说明。"
    )
