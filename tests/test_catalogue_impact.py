"""Impact of a list change on the catalogue (to-do rows, XLSX) and ledger cases opened from them.

Test data only: the test list editions of ``neglist_fixtures`` (“测试用清单（非官方）”, its
variant: 测试事项乙 removed, 丙's measures changed, 戊 renamed, 己 added) with the permit links
of ``test_catalogue_match``, and its synthetic catalogue “测试用目录（合成数据，非官方）”.
"""

from __future__ import annotations

import copy

import pytest
from neglist_fixtures import canonical_items, variant_items
from openpyxl import load_workbook
from test_catalogue_match import HOUSING, LABEL, _derive, catalogue, test_list

from screening.catalogue.cases import KEY_NOTE, KEY_TABLE, open_cases
from screening.catalogue.impact import (
    HEADER,
    NO_DEPARTMENT,
    SUMMARY_SHEET,
    ImpactRow,
    catalogue_impact,
    write_impact_xlsx,
)
from screening.catalogue.match import ListMatcher, list_problems
from screening.catalogue.model import PermitItem, Problem
from screening.errors import InvalidValueError
from screening.ledger.cases import get_case
from screening.ledger.db import open_ledger
from screening.ledger.departments import add_department
from screening.neglist.diff import diff_items
from screening.neglist.model import PROHIBITED


@pytest.fixture
def matcher(fake_settings) -> ListMatcher:
    return ListMatcher(fake_settings, embedder="fake.v1")


def impact(matcher, new=None, cat=None) -> list[ImpactRow]:
    old = test_list()
    new = test_list(variant=True) if new is None else new
    diff = diff_items(old, new, "测试旧版", "测试新版")
    return catalogue_impact(diff, old, new, catalogue() if cat is None else cat, matcher)


def test_impact_rows(matcher):
    rows = impact(matcher)
    got = [(r.department, r.item.name, r.change, r.list_item["code"]) for r in rows]
    assert got == [
        ("县住房和城乡建设局", "燃气经营许可证核发", "修改", "900101"),
        ("县住房和城乡建设局", "商品房预售许可证核发", "修改", "900103"),
        ("县文化广电和旅游局", "旅行社业务经营许可", "新增", "900104"),
        ("县烟草专卖局", "烟草专卖零售许可证核发", "删除", "900002"),
    ]  # 建筑工程施工 (测试事项丁 unchanged) and the unmatched items give no row
    assert {r.editions for r in rows} == {"测试旧版→测试新版"}
    gas, house, travel, tobacco = rows
    assert gas.list_item["changes"] == "新增措施 1 条；修改措施 1 条"
    assert "清单修改该事项（新增措施 1 条；修改措施 1 条）" in gas.todo
    assert "事项名称“测试事项戊（非官方）”改为“测试事项戊（非官方，已更名）”" in house.todo
    assert house.list_item["name"] == "测试事项戊（非官方，已更名）"
    assert tobacco.todo.startswith("清单删除该事项：核查本县是否仍在实施")
    assert tobacco.list_item == {
        "code": "900002",
        "name": "测试事项乙（非官方）",
        "category": PROHIBITED,
    }
    assert travel.todo.startswith("清单新增该事项")
    assert 0.6 <= travel.score < 0.9 and tobacco.score == 0.9 and gas.score == 1.0


def test_impact_category_becomes_prohibited(matcher):
    items = variant_items()
    items[1]["category"] = PROHIBITED  # 测试事项丙 becomes 禁止准入类 (test data)
    rows = impact(matcher, new=_derive(items))
    gas = next(r for r in rows if r.item.name == "燃气经营许可证核发")
    assert gas.change == "修改"
    assert gas.list_item["old_category"] == "许可准入类"
    assert gas.todo.startswith("清单将该事项改为禁止准入类（类别“许可准入类”改为“禁止准入类”")


def test_impact_added_prohibited_and_no_department(matcher):
    items = copy.deepcopy(canonical_items())
    items.append({**copy.deepcopy(variant_items()[-1]), "category": PROHIBITED})
    cat = [PermitItem("旅行社业务经营许可", row=30)]  # no department in the catalogue
    rows = impact(matcher, new=_derive(items), cat=cat)
    assert [(r.department, r.change) for r in rows] == [(NO_DEPARTMENT, "新增")]
    assert rows[0].todo.startswith("清单新增该禁止准入事项")


def test_impact_nothing_changed(matcher):
    old = test_list()
    diff = diff_items(old, old)
    assert catalogue_impact(diff, old, old, catalogue(), matcher) == []


def test_write_impact_xlsx(matcher, tmp_path):
    rows = impact(matcher)
    evil = PermitItem(
        '=HYPERLINK("http://example.invalid","点击")', department="县/局:测试?", row=99
    )
    rows.append(ImpactRow("县/局:测试?", evil, "删除", rows[-1].list_item, 0.9, "-1+1", "x→y"))
    out = write_impact_xlsx(rows, tmp_path / "影响" / "impact.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == [
        SUMMARY_SHEET,
        "县_局_测试_",
        "县住房和城乡建设局",
        "县文化广电和旅游局",
        "县烟草专卖局",
    ]
    summary = wb[SUMMARY_SHEET]
    assert [c.value for c in summary[1]] == list(HEADER)
    assert all(c.font.bold for c in summary[1])
    assert summary.freeze_panes == "A2"
    assert summary.column_dimensions["H"].width == 60
    assert summary.max_row == len(rows) + 1
    housing = wb[HOUSING]
    assert [c.value for c in housing[2]] == [
        HOUSING,
        "燃气经营许可证核发",
        None,
        "修改",
        "900101",
        "测试事项丙（非官方）",
        1,
        rows[0].todo,
        3,
    ]
    assert housing.max_row == 3 and housing.freeze_panes == "A2"
    weird = wb["县_局_测试_"]
    name, todo = weird["B2"], weird["H2"]
    assert name.data_type == "s" and name.value.startswith("=HYPERLINK")
    assert name.quotePrefix and todo.data_type == "s" and todo.value == "-1+1"


def test_write_impact_xlsx_empty(tmp_path):
    wb = load_workbook(write_impact_xlsx([], tmp_path / "empty.xlsx"))
    assert wb.sheetnames == [SUMMARY_SHEET]
    assert [c.value for c in wb[SUMMARY_SHEET][1]] == list(HEADER)


@pytest.fixture
def ledger():
    db = open_ledger()
    add_department(db, HOUSING)
    return db


def _problems(matcher) -> list[Problem]:
    return list_problems(catalogue(), test_list(), matcher)


def test_open_cases_from_problems(ledger, matcher):
    problems = _problems(matcher)
    ids = open_cases(ledger, problems, operator="张审查", source="效能评估", label=LABEL)
    assert len(ids) == len(problems) == 4
    cases = {get_case(ledger, i)["title"]: get_case(ledger, i) for i in ids}
    travel = cases[
        "许可事项“旅行社业务经营许可”：与负面清单事项均不对应（目录 县级-2026-01-01 第8行）"
    ]
    assert travel["status"] == "待核查" and travel["source"] == "效能评估"
    assert travel["standards"] == ["FCR-9-2"] and travel["class_1670"] == "审批违规"
    assert travel["department"] is None  # not a department of the ledger …
    assert (
        "目录所列主管部门“县文化广电和旅游局”不在台账部门名录中" in travel["summary"]
    )  # … said so
    assert travel["summary"].startswith("未找到与该许可事项对应的市场准入负面清单事项")
    banned = next(c for t, c in cases.items() if "河道采砂" in t)
    assert banned["standards"] == [] and banned["class_1670"] == "审批违规"
    assert "仍在办理禁止准入类事项" in banned["title"]
    notes = [r["note"] for r in ledger.query("select note from actions where action = 'note'")]
    assert len(notes) == 4 and all(n.startswith(KEY_NOTE + "catalogue:" + LABEL) for n in notes)
    # idempotent: the same problems again open nothing; another catalogue edition does
    assert open_cases(ledger, problems, operator="张审查", source="效能评估", label=LABEL) == []
    again = open_cases(ledger, problems[:1], operator="张审查", source="自查", label="县级-2027")
    assert len(again) == 1
    assert ledger["cases"].count == 5


def test_open_cases_department_known(ledger, matcher):
    p = Problem(catalogue()[0], "basis_normative_doc", "仅以规范性文件设立（测试）", "FCR-9-2")
    (case_id,) = open_cases(ledger, [p, p], operator="张审查", source="自查", label=LABEL)
    case = get_case(ledger, case_id)
    assert case["department"] == HOUSING
    assert case["summary"] == "仅以规范性文件设立（测试）"
    assert (
        case["title"]
        == "许可事项“燃气经营许可证核发”：仅以规范性文件设立（目录 县级-2026-01-01 第3行）"
    )


def test_open_cases_from_impact_rows(ledger, matcher):
    rows = impact(matcher)
    ids = open_cases(ledger, rows, operator="张审查", source="效能评估", label=LABEL)
    assert len(ids) == len(rows) == 4
    cases = [get_case(ledger, i) for i in ids]
    tobacco = next(c for c in cases if "烟草" in c["title"])
    assert tobacco["title"].startswith(
        "许可事项“烟草专卖零售许可证核发”：清单删除事项“测试事项乙（非官方）”（900002）"
    )
    assert tobacco["class_1670"] == "隐性壁垒"
    assert tobacco["subtype"] == "国家层面已放开但地方仍在审批"
    assert "清单版本：测试旧版→测试新版" in tobacco["summary"]
    gas = next(c for c in cases if "燃气" in c["title"])
    assert gas["department"] == HOUSING and gas["class_1670"] is None and gas["standards"] == []
    assert open_cases(ledger, rows, operator="张审查", source="效能评估", label=LABEL) == []


def test_open_cases_keys_in_table(ledger, matcher):
    problems = _problems(matcher)
    ids = open_cases(ledger, problems, operator="张审查", source="效能评估", label=LABEL)
    assert sorted(r["case_id"] for r in ledger[KEY_TABLE].rows) == sorted(ids)
    ledger.execute("delete from actions where action = 'note'")  # the table alone suffices
    assert open_cases(ledger, problems, operator="张审查", source="效能评估", label=LABEL) == []


def test_open_cases_bad_source(ledger, matcher):
    with pytest.raises(InvalidValueError, match="案件来源"):
        open_cases(ledger, _problems(matcher), operator="张审查", source="随便", label=LABEL)
    assert ledger["cases"].count == 0
