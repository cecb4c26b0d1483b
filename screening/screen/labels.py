"""Labels for learning: standard families of codes and cases, and the grouped evaluation split."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from ..corpus.schema import Case
from ..domain import FAMILIES

# 实施办法 chapter 2, sections 1–4 (article 24 is the catch-all of all four).
_ARTICLE_FAMILY = {
    **dict.fromkeys(range(9, 13), FAMILIES[0]),
    **dict.fromkeys(range(13, 18), FAMILIES[1]),
    **dict.fromkeys(range(18, 21), FAMILIES[2]),
    **dict.fromkeys(range(21, 24), FAMILIES[3]),
}

# Source categories (2021 细则 families, SAMR case types) → 2025 families. The 2021 细则 put
# 限定交易 under market access, as 实施办法 art. 11 does now.
_CATEGORY_FAMILY = {
    "市场准入和退出": FAMILIES[0],
    "限定交易": FAMILIES[0],
    "隐性壁垒": FAMILIES[0],
    "审批违规": FAMILIES[0],
    "主体违规": FAMILIES[0],
    "商品和要素自由流动": FAMILIES[1],
    "妨碍商品自由流通": FAMILIES[1],
    "排斥限制外地经营者参加招投标/经营活动": FAMILIES[1],
    "排斥限制强制外地经营者投资或设立分支机构": FAMILIES[1],
    "影响生产经营成本": FAMILIES[2],
    "影响生产经营行为": FAMILIES[3],
}

_CODE = re.compile(r"^FCR-(\d+)(?:-(\d+))?$")


def article_of(code: str) -> int | None:
    m = _CODE.match(code)
    return int(m.group(1)) if m else None


def is_item_code(code: str) -> bool:
    """``FCR-19-3`` (an item) rather than ``FCR-19`` (a whole article) or another set's code."""
    m = _CODE.match(code)
    return bool(m and m.group(2))


def family_of_code(code: str) -> str | None:
    art = article_of(code)
    return _ARTICLE_FAMILY.get(art) if art is not None else None


def case_family(case: Case) -> str | None:
    """The family a case belongs to: from its standard codes, else from its source category."""
    fams = [f for f in (family_of_code(c) for c in case.standards) if f]
    if fams:
        return max(set(fams), key=lambda f: (fams.count(f), -FAMILIES.index(f)))
    category = case.extra.get("category") or case.class_1670
    return _CATEGORY_FAMILY.get(str(category)) if category else None


def code_matches(predicted: str | None, truth: Iterable[str]) -> bool:
    """A predicted item code is right when it equals a true code, or lies in a true article-only
    code (``FCR-19`` accepts any ``FCR-19-n``)."""
    if not predicted:
        return False
    for t in truth:
        if predicted == t:
            return True
        if "-" in t[4:] or article_of(t) is None:
            continue
        if article_of(predicted) == article_of(t):
            return True
    return False


def split_key(case: Case) -> str:
    """Cases split by notice; linked duplicates follow their group's first notice."""
    return case.notice_title or case.group_id or case.id


def split_cases(cases: list[Case], test_share: int = 25) -> tuple[list[Case], list[Case]]:
    """Deterministic grouped split: whole notices, with linked duplicates, go to one side.

    Notices that share a group of linked duplicates are joined into one component (so a
    duplicate never straddles the split). Components are visited in the order of a hash of
    their key and added to the test side while it holds fewer than ``test_share`` percent of
    the offending-wording spans. A component larger than half the test target (the big
    spreadsheet-style collections) always stays in training, so the test side is many distinct
    notices rather than one. The split depends only on the data, never on results.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    for c in cases:
        union("N:" + split_key(c), "G:" + (c.group_id or c.id))
    components: dict[str, list[Case]] = {}
    for c in cases:
        components.setdefault(find("N:" + split_key(c)), []).append(c)
    total = sum(len(c.offending_text) for c in cases)
    target = total * test_share / 100
    order = sorted(components, key=lambda k: hashlib.sha256(k.encode("utf-8")).hexdigest())
    test_keys: set[str] = set()
    held = 0
    for key in order:
        n = sum(len(c.offending_text) for c in components[key])
        if held < target and n <= target / 2 and held + n <= target * 1.2:
            test_keys.add(key)
            held += n
    train = [c for c in cases if find("N:" + split_key(c)) not in test_keys]
    test = [c for c in cases if find("N:" + split_key(c)) in test_keys]
    return train, test
