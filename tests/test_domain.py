"""The domain vocabulary (screening.domain): enum values are the strings stored everywhere."""

from __future__ import annotations

import json
import sqlite3

import pytest

from screening import domain
from screening.domain import BlockKind, CaseState, Class1670, ClauseKind, Family, Source

# The strings existing ledgers, corpus files and findings hold (as of commit 0d9e59d).
STORED = {
    Family: ("限制市场准入和退出", "限制商品要素自由流动", "影响生产经营成本", "影响生产经营行为"),
    Class1670: ("审批违规", "主体违规", "隐性壁垒", "其他"),
    CaseState: ("待核查", "核查中", "已认定", "已排除", "整改中", "待复核", "已销号"),
    Source: ("筛查发现", "投诉举报", "上级交办", "效能评估", "公开信息搜集", "自查"),
    BlockKind: ("heading", "paragraph", "table_row"),
    ClauseKind: ("sentence", "list_item", "heading", "table_row"),
}


@pytest.mark.parametrize("enum", list(STORED), ids=lambda e: e.__name__)
def test_enum_values_are_the_stored_strings(enum):
    assert tuple(m.value for m in enum) == STORED[enum]
    for value in STORED[enum]:
        member = enum(value)  # a stored string reads back as its member
        assert member == value and str(member) == value and f"{member}" == value


def test_case_state_from_ledger_string():
    assert CaseState("待核查") is CaseState.PENDING
    with pytest.raises(ValueError):
        CaseState("pending")


def test_plain_tuples_keep_order_and_type():
    assert STORED[Family] == domain.FAMILIES
    assert STORED[Class1670] == domain.CLASSES_1670
    assert STORED[CaseState] == domain.STATES
    assert STORED[Source] == domain.SOURCES
    for values in (domain.FAMILIES, domain.CLASSES_1670, domain.STATES, domain.SOURCES):
        assert all(type(v) is str for v in values)  # sqlite_utils needs plain str


def test_old_names_are_the_single_definition():
    from screening import ledger, types
    from screening.corpus import schema
    from screening.ledger import cases
    from screening.reports import queries

    assert schema.FAMILIES is domain.FAMILIES
    assert schema.CLASSES_1670 is domain.CLASSES_1670
    assert ledger.STATES is cases.STATES is domain.STATES
    assert ledger.SOURCES is domain.SOURCES
    assert ledger.CLASSES_1670 is domain.CLASSES_1670
    assert queries.FAMILIES is domain.FAMILIES
    assert queries.CONFIRMED_STATES is domain.CONFIRMED_STATES
    assert domain.CONFIRMED_STATES == ("已认定", "整改中", "待复核", "已销号")
    assert domain.OPEN_STATES == ("待核查", "核查中")
    assert cases.PENDING == CaseState.PENDING and type(cases.PENDING) is str
    assert cases.CLOSED == CaseState.CLOSED and type(cases.CLOSED) is str
    assert STORED[BlockKind] == (types.HEADING, types.PARAGRAPH, types.TABLE_ROW)


def test_trigger_families_are_not_the_standard_families():
    from screening.screen import lexicon

    keys = [key for key, _, _ in lexicon.TRIGGER_FAMILIES]
    assert "region" in keys and not set(keys) & set(domain.FAMILIES)
    assert not hasattr(lexicon, "FAMILIES")
    assert {family for _, _, family in lexicon.COMBOS} <= set(domain.FAMILIES)


def test_members_store_as_their_strings():
    assert json.dumps({"status": CaseState.CONFIRMED}, ensure_ascii=False) == '{"status": "已认定"}'
    con = sqlite3.connect(":memory:")
    con.execute("create table t (x text)")
    con.execute("insert into t values (?)", [Source.COMPLAINT])
    assert con.execute("select x from t where x = ?", ["投诉举报"]).fetchone() == ("投诉举报",)


def test_domain_is_the_bottom_layer():
    import ast
    from pathlib import Path

    import screening.lang.zh as zh

    for path in [Path(domain.__file__), *Path(zh.__file__).parent.glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, path  # no relative imports
                assert not (node.module or "").startswith("screening"), path
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("screening") for a in node.names), path
