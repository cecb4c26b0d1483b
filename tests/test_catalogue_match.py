"""Catalogue items matched to negative-list items (rules + fake embedder), and list problems.

Test data, none of it official:

- the list is the test edition of ``neglist_fixtures`` (“测试用清单（非官方）”); ``test_list``
  adds to it, still marked as test data, a sentence naming a real permit to some measures and
  renames two test items after real permits, so that rule and embedding matches can be tested;
- the catalogue (“测试用目录（合成数据，非官方）”) is synthetic: the permit names are real names
  taken from local regulations in /work/shared/corpus-samples/local-regulations (燃气经营许可证:
  郑州市燃气管理条例; 建筑工程施工许可: 彭水苗族土家族自治县城乡建设管理条例; 河道采砂许可证:
  信阳市河道采砂管理条例; 烟草专卖零售许可证: 河南省烟草专卖管理条例; 商品房预售许可证:
  河南省城市房地产开发经营管理条例; 旅行社业务经营许可: 郑州市旅游业管理条例; 司法鉴定许可证:
  河南省司法鉴定管理条例); departments, bases and row numbers are made up for the tests.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from neglist_fixtures import TEST_EDITION_NAME, canonical_items, variant_items

from screening.catalogue.match import (
    DEFAULT_EMBEDDER,
    MATCH_THRESHOLD,
    ListMatcher,
    core_name,
    instruments,
    list_problems,
)
from screening.catalogue.model import PermitItem
from screening.embed import get_embedder
from screening.neglist.model import PROHIBITED, Item

CATALOGUE_TITLE = "测试用目录（合成数据，非官方）"
LABEL = "县级-2026-01-01"

# Test list item code → a real permit its first measure is made to name (test data).
LINKS = {
    "900001": "河道采砂",
    "900002": "烟草专卖零售",
    "900101": "燃气经营",
    "900103": "商品房预售",
}
RENAMED = {
    "900102": "建筑工程施工许可（测试事项丁，非官方）",
    "900104": "旅行社设立许可（测试事项己，非官方）",
}
HOUSING = "县住房和城乡建设局"

# (row, 事项名称, 设立依据, 主管部门) of the synthetic catalogue.
CATALOGUE_ROWS = [
    (3, "燃气经营许可证核发", "《城镇燃气管理条例》第十五条", HOUSING),
    (4, "建筑工程施工许可证核发", "《中华人民共和国建筑法》第七条", HOUSING),
    (5, "河道采砂许可证核发", "《信阳市河道采砂管理条例》第八条", "县水利局"),
    (6, "烟草专卖零售许可证核发", "《中华人民共和国烟草专卖法》第十六条", "县烟草专卖局"),
    (7, "商品房预售许可证核发", "《中华人民共和国城市房地产管理法》第四十五条", HOUSING),
    (8, "旅行社业务经营许可", "《旅行社条例》第六条", "县文化广电和旅游局"),
    (9, "司法鉴定机构设立许可", "", "县司法局"),
]


def _derive(items: list[dict]) -> list[Item]:
    out = []
    for d in copy.deepcopy(items):
        permit = LINKS.get(d["code"])
        if permit:
            d["measures"][0]["text"] += (
                f"；测试关联：未取得{permit}许可不得从事{permit}（测试数据，非官方）"
            )
        if d["code"] == "900101":
            d["measures"][0]["text"] += "，依据《城镇燃气管理条例》"
        d["name"] = RENAMED.get(d["code"], d["name"])
        out.append(Item.from_dict(d))
    return out


def test_list(variant: bool = False) -> list[Item]:
    """The test edition (or its variant) with the permit links above; test data only."""
    return _derive(variant_items() if variant else canonical_items())


test_list.__test__ = False  # a helper, not a test


def catalogue() -> list[PermitItem]:
    return [
        PermitItem(name, basis=basis, department=dept, row=row, sheet=CATALOGUE_TITLE)
        for row, name, basis, dept in CATALOGUE_ROWS
    ]


def by_name(name: str) -> PermitItem:
    return next(p for p in catalogue() if p.name == name)


@pytest.fixture
def matcher(fake_settings) -> ListMatcher:
    return ListMatcher(fake_settings, embedder="fake.v1")


def test_fixture_is_marked_as_test_data():
    items = test_list()
    assert TEST_EDITION_NAME == "测试用清单（非官方）"
    assert all("非官方" in i.name for i in items)
    assert all("测试数据" in m.text for i in items for m in i.measures)


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("燃气经营许可证核发", "燃气经营"),
        ("建筑工程施工许可证核发", "建筑工程施工"),
        ("从事供热经营活动审批", "供热经营活动"),
        ("食品经营许可", "食品经营"),
        ("无人驾驶航空器运营合格证核发（微型除外）", "无人驾驶航空器运营"),
        ("测试事项丙（非官方）", "测试事项丙"),
        ("采矿权审批", "采矿权"),
        ("许可", "许可"),  # never stripped to nothing
        ("", ""),
    ],
)
def test_core_name(text, core):
    assert core_name(text) == core


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("《中华人民共和国建筑法》第七条", {"建筑法"}),
        (
            "《城镇燃气管理条例》第十五条、《郑州市燃气管理条例》",
            {"城镇燃气管理条例", "郑州市燃气管理条例"},
        ),
        ("《中华人民共和国行政许可法》", set()),  # too generic to relate two items
        ("县政府会议纪要", set()),
    ],
)
def test_instruments(text, expected):
    assert instruments(text) == expected


@pytest.mark.parametrize(
    ("name", "variant", "code", "reason", "min_score"),
    [
        # exact: the normalised names are equal
        ("建筑工程施工许可证核发", False, "900102", "名称一致", 1.0),
        # the measure names the permit, and both cite the same regulation
        ("燃气经营许可证核发", False, "900101", "依据同为《城镇燃气管理条例》", 1.0),
        ("商品房预售许可证核发", True, "900103", "准入措施提及“商品房预售”", 0.9),
        # near: only the fake embedder relates 旅行社业务经营 and 旅行社设立
        ("旅行社业务经营许可", True, "900104", "名称相近", MATCH_THRESHOLD),
    ],
)
def test_match_finds_the_item(matcher, name, variant, code, reason, min_score):
    top = matcher.match(by_name(name), test_list(variant))
    li, score, why = top[0]
    assert li.code == code
    assert reason in why
    assert min_score <= score <= 1.0


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("司法鉴定机构设立许可", False),  # nothing like it in the test list
        ("旅行社业务经营许可", False),  # 旅行社设立 is only in the variant
        ("烟草专卖零售许可证核发", True),  # its test item was removed in the variant
    ],
)
def test_match_none(matcher, name, variant):
    top = matcher.match(by_name(name), test_list(variant))
    assert all(score < MATCH_THRESHOLD for _, score, _ in top)


def test_match_top_and_order(matcher):
    top = matcher.match(by_name("建筑工程施工许可证核发"), test_list(), top=2)
    assert len(top) <= 2
    assert [s for _, s, _ in top] == sorted((s for _, s, _ in top), reverse=True)
    assert matcher.match(by_name("建筑工程施工许可证核发"), []) == []


def test_subitem_and_basis_rules(matcher):
    items = test_list()
    sub = PermitItem("城镇燃气许可", subitem="燃气经营许可证核发", row=20)
    assert matcher.match(sub, items)[0][0].code == "900101"
    cites = PermitItem("某项审批", basis="参照测试事项乙（非官方）办理", row=21)
    li, score, why = matcher.match(cites, items)[0]
    assert (li.code, score) == ("900002", 0.85)
    assert "设立依据提及“测试事项乙”" in why


def test_default_embedder_is_lazy_and_cheap(fake_settings):
    m = ListMatcher(fake_settings)
    assert m.embedder_name == DEFAULT_EMBEDDER == "use-m.v1"
    assert m._embedder is None  # nothing loaded until a match needs it


class CountingEmbedder:
    """The fake embedder, counting the texts it encodes."""

    name = "fake.v1"

    def __init__(self) -> None:
        self.inner = get_embedder("fake.v1")
        self.texts = 0

    def encode(self, texts, **kw):
        self.texts += len(texts)
        return self.inner.encode(texts)


def test_list_vectors_cached_per_edition(fake_settings):
    ListMatcher._cache.clear()
    counting = CountingEmbedder()
    m = ListMatcher(fake_settings, embedder=counting)
    items = test_list()
    list_texts = sum(1 + len(i.measures) + len(i.local_measures) for i in items)
    m.match_all(catalogue(), items)
    assert counting.texts == list_texts + len(CATALOGUE_ROWS)
    m.match_all(catalogue(), items)  # same edition: only the catalogue is encoded again
    assert counting.texts == list_texts + 2 * len(CATALOGUE_ROWS)
    m.match_all(catalogue()[:1], test_list(variant=True))  # another edition: encoded once
    assert counting.texts > list_texts + 2 * len(CATALOGUE_ROWS) + 1


def test_match_returns_the_callers_items(matcher):
    matcher.match_all(catalogue(), test_list())  # caches an equal edition made of other objects
    items = test_list()
    assert matcher.match(by_name("建筑工程施工许可证核发"), items)[0][0] is items[3]


def test_match_all_equals_match(matcher):
    items = test_list()
    many = matcher.match_all(catalogue(), items)
    one = [matcher.match(p, items) for p in catalogue()]
    assert [[(li.code, s) for li, s, _ in r] for r in many] == [
        [(li.code, s) for li, s, _ in r] for r in one
    ]
    assert np.isfinite([s for r in many for _, s, _ in r]).all()


def test_list_problems(matcher):
    problems = list_problems(catalogue(), test_list(), matcher)
    got = {(p.item.name, p.problem) for p in problems}
    assert got == {
        ("河道采砂许可证核发", "banned_item_granted"),
        ("烟草专卖零售许可证核发", "banned_item_granted"),
        ("旅行社业务经营许可", "not_in_list"),
        ("司法鉴定机构设立许可", "not_in_list"),
    }
    banned = next(p for p in problems if p.item.name == "河道采砂许可证核发")
    assert banned.related == {
        "code": "900001",
        "name": "测试事项甲（非官方）",
        "category": PROHIBITED,
    }
    assert banned.standard == ""  # no 实施办法 item covers granting a prohibited item
    assert banned.score == 0.9
    assert "禁止准入类事项“测试事项甲（非官方）”（事项编码 900001）" in banned.detail
    assert "不予审批" in banned.detail
    for p in problems:
        if p.problem == "not_in_list":
            assert p.standard == "FCR-9-2"
            assert p.score is None or p.score < MATCH_THRESHOLD
            record = p.to_record()
            assert record["row"] == p.item.row and record["department"] == p.item.department


def test_not_in_list_names_the_best_candidate_or_none(matcher):
    lone = PermitItem("旅行社业务经营许可", row=8)
    problem = list_problems([lone], test_list(), matcher)[0]
    assert problem.problem == "not_in_list"
    assert "无相近事项" in problem.detail and problem.related == {} and problem.score is None
    weak = by_name("司法鉴定机构设立许可")  # some shared characters, far below the threshold
    problem = list_problems([weak], test_list(), matcher)[0]
    assert problem.problem == "not_in_list"
    assert problem.related["code"] == "900103"
    assert 0 < problem.score < MATCH_THRESHOLD
    assert f"最相近的是“{problem.related['name']}”" in problem.detail
    assert f"相似度 {problem.score:.2f}" in problem.detail


def test_banned_needs_the_best_match(matcher):
    """A prohibited item far below a permitted best match is not reported."""
    items = test_list()
    gas = by_name("燃气经营许可证核发")
    assert list_problems([gas], items, matcher) == []
    assert matcher.match(gas, items)[0][0].category != PROHIBITED


def test_empty_list_makes_everything_not_in_list(matcher):
    problems = list_problems(catalogue(), [], matcher)
    assert [p.problem for p in problems] == ["not_in_list"] * len(CATALOGUE_ROWS)
    assert all("无相近事项" in p.detail for p in problems)


@pytest.mark.model
def test_default_embedder_separates_real_permit_names(fake_settings):
    """The figures CALIBRATION rests on, with the real use-m.v1: four of the five permits named
    two ways pass the threshold by embedding alone (食品经营/食品销售和餐饮服务 does not), and
    none of the 156 pairs of different permits does."""
    import itertools

    from catalogue_fixtures import PERMIT_NAMES, SAME_PERMIT

    m = ListMatcher(fake_settings)  # DEFAULT_EMBEDDER; needs no build

    def scores(pairs):
        a = m.embedder.encode([core_name(x) for x, _ in pairs])
        b = m.embedder.encode([core_name(y) for _, y in pairs])
        return m._calibrate(np.sum(a * b, axis=1))

    same = scores(SAME_PERMIT)
    assert [bool(s >= MATCH_THRESHOLD) for s in same] == [True, True, True, True, False]
    different = scores(list(itertools.permutations(PERMIT_NAMES, 2)))
    assert len(different) == 156 and float(different.max()) < MATCH_THRESHOLD
