"""Citation parser: real legal-basis strings from notified cases and SAMR Q&A → FCR codes."""

from __future__ import annotations

import pytest

from screening.config import default_corpus_dir
from screening.corpus.citations import (
    ITEM_COUNTS,
    TIAOLI_TO_BANFA,
    cn_to_int,
    int_to_cn,
    map_citation,
    parse_citations,
)
from screening.corpus.xize2021 import XIZE2021_MAP
from tools.corpus_build.build import parse_articles, parse_xize

LAWS = default_corpus_dir() / "laws"

CASES = [
    # 实施办法 cited directly (SAMR Q&A wording)
    ("《实施办法》第十四条第（三）项", ("FCR-14-3",), "cited"),
    ("《公平竞争审查条例实施办法》第十九条", ("FCR-19",), "cited"),
    ("涉嫌违反违反《条例》第八条和《实施办法》第十二条第一项的规定", ("FCR-12-1",), "cited"),
    ("《办法》第15条(3)", ("FCR-15-3",), "cited"),
    ("《某某市招商引资管理办法》第十五条（三）", (), None),  # other 办法: no code
    ("《实施办法》第二十四条", ("FCR-24",), "cited"),
    ("《实施办法》第九条第（九）项", ("FCR-9",), "cited"),  # no such item: article level
    ("《实施办法》第三十条", (), None),  # not a standards article
    # 条例 items → 实施办法 article
    (
        "《公平竞争审查条例》第十条（二）给予特定经营者选择性、差异化的财政奖励或者补贴",
        ("FCR-19",),
        "tiaoli_mapped",
    ),
    ("《公平竞争审查条例》第八条（四）、第十条（四）", ("FCR-12", "FCR-24"), "tiaoli_mapped"),
    (
        "《公平竞争审查条例》第九条（二）、第十条（一）、第十条（二）",
        ("FCR-14", "FCR-18", "FCR-19"),
        "tiaoli_mapped",
    ),
    ("《公平竞争审查条例》第十条第一项", ("FCR-18",), "tiaoli_mapped"),
    (
        "《公平竞争审查条例》\n第十一条 起草单位起草的政策措施，不得含有下列影响生产经营行为的内容：\n（三）决定或者变相决定实行市场调节价的商品、要素的价格水平。",
        ("FCR-23",),
        "tiaoli_mapped",
    ),
    (
        "《公平竞争审查条例》\n第八条 ...（四）设置不合理或者歧视性的准入、退出条件。\n第九条 ...（二）排斥、限制、强制或者变相强制外地经营者在本地投资经营或者设立分支机构。",
        ("FCR-12", "FCR-14"),
        "tiaoli_mapped",
    ),
    (
        "涉嫌违反《条例》第十条第（二）项及《实施办法》第十九条第（三）项的规定",
        ("FCR-19-3",),
        "cited+tiaoli_mapped",
    ),
    ("《条例》第八条", (), None),  # article without item: family only, no code
    ("适用条例第十二条", (), None),  # exception article
    # 2021 细则
    ("《实施细则》第十四条第（三）项", ("FCR-15",), "xize2021_mapped"),
    ("《实施细则》第十三条第（一）项、第（三）项", ("FCR-11", "FCR-12"), "xize2021_mapped"),
    ("《实施细则》第十五条第二款", ("FCR-19-4",), "xize2021_mapped"),
    (
        "《实施细则》第十五条第（二）项、第十三条第（一）项",
        ("FCR-12", "FCR-19-4"),
        "xize2021_mapped",
    ),
    (
        '《实施细则》第十四条第三款第二项"直接规定外地经营者不能参与本地特定的招标投标活动"',
        ("FCR-15-1",),
        "xize2021_mapped",
    ),
    (
        "《实施细则》第十三条市场准入和退出标准中第一款第2项“对不同地区、组织形式的经营者实施差别化待遇”和第3项“以备案、登记等形式，设定或变相设定市场准入障碍”",
        ("FCR-9-2", "FCR-12-2"),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》第十三条第二项第一点（未经公平竞争不得授予经营者特许经营权）",
        ("FCR-10-1",),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》第十三条“（一）不得设置不合理或者歧视性的准入和退出条件”及“（三）不得限定经营、购买、使用特定经营者提供的商品和服务”",
        ("FCR-11", "FCR-12"),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》第十四条 商品和要素自由流动标准。（三）不得排斥或者限制外地经营者参加本地招标投标活动，包括但不限于：3.对外地经营者设定歧视性的资质资格要求或者评标评审标准；5.没有法律、行政法规或者国务院规定依据，要求经营者在本地注册设立分支机构，在本地拥有一定办公面积，在本地缴纳社会保险等，限制或者变相限制外地经营者参加本地招标投标活动。",
        ("FCR-14-3", "FCR-15-3"),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》第十三条 市场准入和退出标准。（一）不得设置不合理或者歧视性的准入和退出条件，包括但不限于：1.设置明显不必要或者超出实际需要的准入和退出条件，排斥或者限制经营者参与市场竞争。第十四条 商品和要素自由流动标准。（三）不得排斥或者限制外地经营者参加本地招标投标活动，包括但不限于：3.对外地经营者设定歧视性的资质资格要求或者评标评审标准。",
        ("FCR-12-1", "FCR-15-3"),
        "xize2021_mapped",
    ),
    (
        "第十五条 影响生产经营成本标准 （二）安排财政支出一般不得与特定经营者缴纳的税收或非税收入挂钩。",
        ("FCR-19-4",),
        "xize2021_mapped",
    ),
    (
        "第十三条 市场准入和退出标准 （三）不得限定经营、购买、使用特定经营者提供的商品和服务2. 在招标投标、政府采购中限定投标人所在地、所有制形式、组织形式，或者设定其他不合理的条件排斥或者限制经营者参与招标投标、政府采购活动。",
        ("FCR-11-2",),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》“违反生产经营成本”中关于“安排财政支出一般不得与特定经营者缴纳的税收或非税收入挂钩”的规定",
        ("FCR-19-4",),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》第十五条 影响生产经营成本标准。（四）不得在法律规定之外要求经营者提供或扣留经营者各类保证金。",
        ("FCR-24",),
        "xize2021_mapped",
    ),
    (
        "《公平竞争审查制度实施细则》第十六条“（一）不得强制经营者从事《中华人民共和国反垄断法》禁止的垄断行为”",
        ("FCR-21-1",),
        "xize2021_mapped",
    ),
    (
        '《公平竞争审查条例》第八条第三款"限定经营、购买或者使用特定经营者提供的商品或者服务"、《实施细则》第十三条第三款第一项',
        ("FCR-11-1",),
        "tiaoli_mapped+xize2021_mapped",
    ),
    # other laws: recognised, no code
    ("《中华人民共和国反垄断法》第三十九条、第四十五条", (), None),
    (
        "《中华人民共和国反垄断法》第三十三条“行政机关和法律、法规授权的具有管理公共事务职能的组织不得滥用行政权力，实施下列行为，妨碍商品在地区之间的自由流通：（五）妨碍商品在地区之间自由流通的其他行为”和第三十七条",
        (),
        None,
    ),
    (
        "《中华人民共和国反垄断法》第三十四条和《公平竞争审查制度实施细则（暂行）》的相关规定",
        (),
        None,
    ),
    ("《市场准入负面清单（2022 年版）》禁止准入类措施“禁止违规开展金融相关经营活动”", (), None),
    ("市场准入负面清单制度有关要求", (), None),
    ("", (), None),
    (None, (), None),
]


@pytest.mark.parametrize(("text", "codes", "basis"), CASES)
def test_map_citation(text: str | None, codes: tuple[str, ...], basis: str | None) -> None:
    assert map_citation(text) == (codes, basis)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十四", 14),
        ("二十", 20),
        ("二十三", 23),
        ("四十六", 46),
        ("一百零二", 102),
        ("7", 7),
    ],
)
def test_cn_numerals(numeral: str, value: int) -> None:
    assert cn_to_int(numeral) == value
    if value < 100 and not numeral.isdigit():
        assert int_to_cn(value) == numeral


def test_parse_citations_keeps_law_and_levels() -> None:
    found = parse_citations("《实施细则》第十三条第一款第2项和第3项、《条例》第九条（六）")
    assert [(c.law, c.article, c.levels) for c in found] == [
        ("xize2021", 13, (1, 2)),
        ("xize2021", 13, (1, 3)),
        ("tiaoli", 9, (6,)),
    ]


def test_item_counts_match_law_text() -> None:
    banfa = parse_articles((LAWS / "公平竞争审查条例实施办法.txt").read_text(encoding="utf-8"))
    assert {a: len(banfa[a]["items"]) for a in range(9, 25)} == ITEM_COUNTS


def test_tiaoli_catch_all_items_map_to_article_24() -> None:
    tiaoli = parse_articles((LAWS / "公平竞争审查条例.txt").read_text(encoding="utf-8"))
    for (art, item), target in TIAOLI_TO_BANFA.items():
        text = dict(tiaoli[art]["items"])[item]
        assert (target == 24) == text.startswith("其他"), (art, item)


def test_xize_map_keys_exist_in_2021_text() -> None:
    texts = parse_xize(
        (LAWS / "公平竞争审查制度实施细则_2021_前身文件.txt").read_text(encoding="utf-8")
    )
    assert set(XIZE2021_MAP) <= set(texts)
    # every item and every numbered point of articles 13–16 has a row
    assert {k for k in texts if "-" in k} == set(XIZE2021_MAP)
    for key, (codes, note) in XIZE2021_MAP.items():
        assert codes and note, key
