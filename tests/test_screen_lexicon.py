"""Lexicon and modality: the explicit signals that embeddings cannot give (table-driven)."""

from __future__ import annotations

import pytest

from screening.screen.features import leadins
from screening.screen.lexicon import combos, is_candidate, read_signals
from screening.types import Clause

# (clause, trigger families that must be seen, combination expected, compliant modality)
CASES = [
    ("申报企业须在本县注册并纳税", {"region", "registration"}, "local_registration", False),
    ("不得要求外地企业在本地设立分支机构", {"region", "registration"}, "local_registration", True),
    ("对新引进企业按其区级地方经济发展贡献的80%给予奖励", {"reward"}, None, False),
    (
        "企业承诺十年内不得迁离本区，否则收回已享受的奖励资金",
        {"exit", "reward"},
        "exit_clawback",
        False,
    ),
    (
        "同等条件下优先采购本地产品",
        {"designation", "procurement", "region"},
        "local_procurement",
        False,
    ),
    ("政府采购应当平等对待各类市场主体，不得限定投标人的所有制形式", {"procurement"}, None, True),
    (
        "中标供应商须缴纳中标价5%的履约保证金",
        {"deposit", "procurement"},
        "deposit_procurement",
        False,
    ),
    ("依法保护各类经营主体的合法权益", set(), None, True),
]


@pytest.mark.parametrize(("text", "families", "combo", "compliant"), CASES)
def test_signals(text, families, combo, compliant):
    s = read_signals(text)
    assert families <= s.families, (text, s.families)
    if combo:
        assert combo in combos(s)
    assert s.compliant_modality is compliant


@pytest.mark.parametrize(
    ("text", "prohibits", "operator_ban", "legal"),
    [
        ("各部门不得设置不合理的准入条件", True, False, False),
        ("严禁以备案名义变相设立许可", True, False, False),
        ("企业五年内不得迁出本区", False, True, False),
        ("非金融企业不得使用“银行”“保险”字样", False, True, False),
        ("依法取得许可后方可经营", False, False, True),
        ("按照国家有关规定执行", False, False, True),
    ],
)
def test_modality(text, prohibits, operator_ban, legal):
    s = read_signals(text)
    assert bool(s.prohibits) is prohibits
    assert bool(s.operator_ban) is operator_ban
    assert bool(s.legal_basis) is legal


def test_operator_ban_is_not_compliant_even_with_prohibitive_words():
    s = read_signals("享受政策的企业不得迁出本县，不得变更注册地")
    assert s.operator_ban and not s.compliant_modality
    assert is_candidate(s)


def test_plain_sentence_is_not_a_candidate():
    assert not is_candidate(read_signals("本条例自公布之日起施行"))


def test_hits_point_at_the_words():
    text = "申报单位注册地须在本市"
    for hit in read_signals(text).hits:
        assert text[hit.start : hit.end] == hit.text


def _clause(i, text, path, kind="sentence"):
    return Clause(
        index=i,
        text=text,
        start=i * 100,
        end=i * 100 + len(text),
        page=None,
        article_path=path,
        kind=kind,
    )


def test_leadins_govern_their_list_items_only():
    clauses = [
        _clause(0, "第十四条 起草政策措施，不得含有下列内容：", "第十四条"),
        _clause(1, "（一）强制外地经营者在本地投资；", "第十四条/（一）", "list_item"),
        _clause(2, "（二）将在本地设立分支机构作为必要条件。", "第十四条/（二）", "list_item"),
        _clause(3, "第十五条 申报企业须在本地注册。", "第十五条"),
    ]
    leads = leadins(clauses)
    assert leads[0] is None
    assert leads[1] == leads[2] == clauses[0].text
    assert leads[3] is None
