"""Catalogue items matched to negative-list items: rules first, then sentence embeddings.

A permit item of the county catalogue is compared with every item of a list edition:

1. rules on the normalised names (generic tails such as 许可证核发/审批/许可 and bracketed
   remarks removed): one name containing the other; a list item's measure texts naming the
   permit; the permit's name or basis naming the list item;
2. the embedder's cosine between the permit's name and the list item's name and measure texts,
   mapped to [0, 1] with a per-embedder calibration (cosines of unrelated permit names differ a
   lot between embedders: median ~0 for ``fake.v1``, ~0.17 for ``use-m.v1``, ~0.84 for
   ``e5-small.v1``);
3. a shared instrument (《…》 in the permit's 设立依据 and the list item's measures) adds a little.

``MATCH_THRESHOLD`` (0.6) separates "this list item" from "no list item": every rule scores
0.85 or more, an embedding alone passes only when its cosine is clearly above the cosines of
unrelated permit names (measured on real permit-name pairs, see ``CALIBRATION``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..neglist.model import PROHIBITED, Item
from .model import PermitItem, Problem

if TYPE_CHECKING:
    from ..config import Settings
    from ..embed import Embedder

# The product's cheap embedder: pure numpy, weights in an installed package, loads in well under
# a second (e5-small.v1 takes over a second to load and separates permit names worse, see
# benchmarks/catalogue_bench.py).
DEFAULT_EMBEDDER = "use-m.v1"
MATCH_THRESHOLD = 0.6
# Score of each rule (before the instrument bonus).
RULE_EQUAL = 1.0
RULE_CONTAINS = 0.85  # … up to 1.0 as the shorter name covers more of the longer one
RULE_MEASURE = 0.9
RULE_BASIS_NAMES_ITEM = 0.85
INSTRUMENT_BONUS = 0.1
MIN_CORE = 3  # shorter cores ("经营", "采矿") are too generic for the containment rules
# A prohibited item is reported when it is the best match or within this of the best.
BANNED_MARGIN = 0.1

# cosine → score: (cosine of unrelated names, cosine that maps to MATCH_THRESHOLD). Measured on
# real permit names from local regulations, normalised with ``core_name``: 5 pairs naming one
# permit two ways (供热经营/供热经营活动, 旅行社业务经营/旅行社设立, 采矿/采矿权, 司法鉴定机构设立/
# 司法鉴定, 食品经营/食品销售和餐饮服务) and 156 mismatched pairs. use-m.v1: positives 0.63–0.92,
# mismatches median 0.17, 95th percentile 0.43, max 0.74 (建设工程规划 / 建筑工程施工) → 0.75 keeps
# 4 of 5 and no mismatch. fake.v1: positives 0.46–0.78, mismatches max 0.50 → 0.55. e5-small.v1
# separates worst (positives ≥ 0.94, mismatches up to 0.94): usable, not the default.
CALIBRATION: dict[str, tuple[float, float]] = {
    "fake.v1": (0.2, 0.55),
    "use-m.v1": (0.4, 0.75),
    "e5-small.v1": (0.88, 0.95),
}
_DEFAULT_CALIBRATION = (0.3, 0.75)

_BRACKETS = re.compile(r"[（(【\[〔][^）)】\]〕]*[）)】\]〕]")
_NON_WORD = re.compile(r"[\W_]+")
_GENERIC_TAILS = (
    "许可证核发",
    "许可证发放",
    "许可证",
    "合格证",
    "核发",
    "审批",
    "审核",
    "许可",
    "核准",
    "批准",
    "认定",
    "的",
)
_GENERIC_HEADS = ("从事", "开展", "申请")
_INSTRUMENT = re.compile(r"《([^《》]{2,80})》")
_CN_PREFIX = "中华人民共和国"
# Instruments too common to say anything about which item two texts are about.
_GENERIC_INSTRUMENTS = frozenset({"行政许可法", "国务院对确需保留的行政审批项目设定行政许可的决定"})


def core_name(text: str) -> str:
    """A name without bracketed remarks, punctuation and generic heads/tails (许可证核发 …)."""
    s = _NON_WORD.sub("", _BRACKETS.sub("", text or ""))
    changed = True
    while changed and s:
        changed = False
        for tail in _GENERIC_TAILS:
            if s.endswith(tail) and len(s) > len(tail) + 1:
                s, changed = s[: -len(tail)], True
        for head in _GENERIC_HEADS:
            if s.startswith(head) and len(s) > len(head) + 1:
                s, changed = s[len(head) :], True
    return s


def instruments(text: str) -> set[str]:
    """Names of the laws, regulations and documents cited as 《…》, without 中华人民共和国."""
    out = set()
    for name in _INSTRUMENT.findall(text or ""):
        name = name.strip()
        name = name[len(_CN_PREFIX) :] if name.startswith(_CN_PREFIX) else name
        if name and name not in _GENERIC_INSTRUMENTS:
            out.add(name)
    return out


def brief(item: Item) -> dict[str, Any]:
    """The list item as a finding's ``related``: code, name, category."""
    return {"code": item.code, "name": item.name, "category": item.category}


def _edition_key(list_items: Sequence[Item]) -> str:
    data = [
        (i.code, i.name, [m.text for m in i.measures], list(i.local_measures)) for i in list_items
    ]
    return hashlib.sha1(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _ListSide:
    """What the rules and the embedder need of one list edition, computed once."""

    cores: tuple[str, ...]
    measure_texts: tuple[str, ...]  # all measures of an item joined, for containment
    instruments: tuple[frozenset[str], ...]
    vectors: np.ndarray  # rows: each item's core name, then its measures and local measures
    starts: np.ndarray  # first row of each item in ``vectors``


class ListMatcher:
    """Scores catalogue items against list items; list vectors are cached per edition content.

    ``embedder`` is an :class:`~screening.embed.Embedder`, an embedder name, or None for
    ``DEFAULT_EMBEDDER``; it is loaded on the first match that needs it.
    """

    # (embedder name, digest of the edition's item contents) → the list side, for all matchers
    _cache: ClassVar[dict[tuple[str, str], _ListSide]] = {}
    _CACHE_MAX: ClassVar[int] = 8

    def __init__(self, settings: Settings, *, embedder: Embedder | str | None = None) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None if isinstance(embedder, str | None) else embedder
        self.embedder_name: str = (
            (embedder or DEFAULT_EMBEDDER) if isinstance(embedder, str | None) else embedder.name
        )
        self.threshold = MATCH_THRESHOLD

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from ..embed import get_embedder

            self._embedder = get_embedder(self.embedder_name, self.settings)
        return self._embedder

    # --- scores -------------------------------------------------------------------------

    def _calibrate(self, cos: np.ndarray) -> np.ndarray:
        low, mid = CALIBRATION.get(self.embedder_name, _DEFAULT_CALIBRATION)
        below = MATCH_THRESHOLD * (cos - low) / (mid - low)
        above = MATCH_THRESHOLD + (1 - MATCH_THRESHOLD) * (cos - mid) / (1 - mid)
        return np.clip(np.where(cos < mid, below, above), 0.0, 1.0)

    def _list_side(self, list_items: Sequence[Item]) -> _ListSide:
        key = (self.embedder_name, _edition_key(list_items))
        side = self._cache.get(key)
        if side is not None:
            return side
        texts: list[str] = []
        starts = []
        for it in list_items:
            starts.append(len(texts))
            texts.append(core_name(it.name) or it.name)
            texts += [m.text for m in it.measures] + list(it.local_measures)
        vectors = self.embedder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        side = _ListSide(
            cores=tuple(core_name(i.name) for i in list_items),
            measure_texts=tuple(
                "\n".join([m.text for m in i.measures] + list(i.local_measures)) for i in list_items
            ),
            instruments=tuple(
                frozenset(instruments("\n".join(m.text for m in i.measures))) for i in list_items
            ),
            vectors=vectors,
            starts=np.asarray(starts, dtype=np.int64),
        )
        if len(self._cache) >= self._CACHE_MAX:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = side
        return side

    def _embedding_scores(self, items: Sequence[PermitItem], side: _ListSide) -> np.ndarray:
        """(len(items), len(list items)) calibrated scores: best over each item's name/measures."""
        if not items or not side.cores:
            return np.zeros((len(items), len(side.cores)), dtype=np.float32)
        queries = [core_name(p.name) or p.name for p in items]
        sims = self.embedder.encode(queries) @ side.vectors.T
        best = np.maximum.reduceat(sims, side.starts, axis=1)
        return self._calibrate(best)

    @staticmethod
    def _rules(p: PermitItem, side: _ListSide, j: int) -> tuple[float, str]:
        core = core_name(p.name)
        sub = core_name(p.subitem) if p.subitem else ""
        other = side.cores[j]
        if core and core == other:
            return RULE_EQUAL, "名称一致"
        for mine in (core, sub):
            if len(mine) < MIN_CORE or len(other) < MIN_CORE:
                continue
            if mine in other or other in mine:
                short, long_ = sorted((mine, other), key=len)
                return RULE_CONTAINS + 0.15 * len(short) / len(long_), f"名称包含“{short}”"
        for mine in (core, sub):
            if len(mine) >= MIN_CORE and mine in side.measure_texts[j]:
                return RULE_MEASURE, f"准入措施提及“{mine}”"
        if len(other) >= MIN_CORE and other in f"{p.name}{p.subitem}{p.basis}":
            return RULE_BASIS_NAMES_ITEM, f"事项名称或设立依据提及“{other}”"
        return 0.0, ""

    def match_all(
        self, items: Sequence[PermitItem], list_items: Sequence[Item], top: int = 3
    ) -> list[list[tuple[Item, float, str]]]:
        """``match`` for many items at once (one embedding call for all of them)."""
        side = self._list_side(list_items)
        emb = self._embedding_scores(items, side)
        out = []
        for i, p in enumerate(items):
            mine_instruments = instruments(p.basis)
            scored = []
            for j, li in enumerate(list_items):  # the caller's objects, not the cache's
                rule, reason = self._rules(p, side, j)
                e = float(emb[i, j])
                reasons = [reason] if reason else []
                if e > rule:
                    reasons.append(f"名称相近（{e:.2f}）")
                score = max(rule, e)
                shared = sorted(mine_instruments & side.instruments[j])
                if shared:
                    score = min(1.0, score + INSTRUMENT_BONUS)
                    reasons.append("依据同为" + "、".join(f"《{s}》" for s in shared))
                if score > 0:
                    scored.append((li, round(score, 4), "；".join(reasons)))
            scored.sort(key=lambda t: (-t[1], t[0].item_no or 0, t[0].code))
            out.append(scored[:top])
        return out

    def match(
        self, item: PermitItem, list_items: list[Item], top: int = 3
    ) -> list[tuple[Item, float, str]]:
        """The ``top`` best list items for ``item``: (list item, score in [0, 1], reason)."""
        return self.match_all([item], list_items, top)[0]


# --- problems -----------------------------------------------------------------------------


def _not_in_list(p: PermitItem, best: tuple[Item, float, str] | None) -> Problem:
    if best is None:
        near, score, related = "无相近事项", None, {}
    else:
        li, score, reason = best
        near = (
            f"最相近的是“{li.name}”（事项编码 {li.code or '无'}，相似度 {score:.2f}"
            f"{'，' + reason if reason else ''}），低于认定对应的阈值 {MATCH_THRESHOLD:.2f}"
        )
        related = brief(li)
    detail = (
        f"未找到与该许可事项对应的市场准入负面清单事项：{near}。"
        "如确无清单依据，涉嫌在清单之外违规设立准入许可，请核查设立依据。"
    )
    return Problem(p, "not_in_list", detail, "FCR-9-2", score, related)


def _banned(p: PermitItem, hit: tuple[Item, float, str]) -> Problem:
    li, score, reason = hit
    detail = (
        f"该许可事项与负面清单禁止准入类事项“{li.name}”（事项编码 {li.code or '无'}）对应"
        f"（相似度 {score:.2f}{'，' + reason if reason else ''}）。对禁止准入事项，政府依法"
        "不予审批、核准，不予办理有关手续（《关于完善市场准入制度的意见》），"
        "请核查本县是否仍在办理。"
    )
    return Problem(p, "banned_item_granted", detail, "", score, brief(li))


def list_problems(
    items: list[PermitItem], list_items: list[Item], matcher: ListMatcher
) -> list[Problem]:
    """``not_in_list`` and ``banned_item_granted`` problems of the catalogue against a list.

    ``banned_item_granted`` has no FCR code: 实施办法 第九条 covers permits set outside the list
    (FCR-9-2) and own negative lists (FCR-9-1), not granting a prohibited item, which is a
    breach of the list itself (1670号 第一类 “违背禁止准入类事项要求进行审批”).
    """
    problems: list[Problem] = []
    for p, matches in zip(items, matcher.match_all(items, list_items, top=3), strict=True):
        best = matches[0] if matches else None
        if best is None or best[1] < matcher.threshold:
            problems.append(_not_in_list(p, best))
            continue
        floor = max(matcher.threshold, best[1] - BANNED_MARGIN)
        for hit in matches:
            if hit[0].category == PROHIBITED and hit[1] >= floor:
                problems.append(_banned(p, hit))
                break
    return problems
