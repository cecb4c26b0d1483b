"""Checks of a permit catalogue: information elements, the legal basis, duplicates, the list.

Bases below are written the way catalogues cite them (real titles of laws, 行政法规 and 国务院
决定; local instruments with ×× placeholders or from the shared local-regulation samples). The
catalogue is the SYNTHETIC test catalogue of ``catalogue_fixtures``; the list is the test list
“测试用清单（非官方）” of ``neglist_fixtures``.
"""

from __future__ import annotations

import catalogue_fixtures as cf
import pytest
from neglist_fixtures import canonical_items

from screening.catalogue.checks import (
    check_basis,
    check_catalogue,
    check_duplicates,
    check_elements,
    classify_basis,
)
from screening.catalogue.importer import read_catalogue
from screening.catalogue.match import ListMatcher, list_problems
from screening.catalogue.model import BASIS_KINDS, PROBLEMS, PermitItem
from screening.neglist.model import Item

BASES = [
    ("《中华人民共和国食品安全法》第三十五条", "法律"),
    ("《中华人民共和国建筑法》第七条", "法律"),
    ("食品安全法第三十五条", "法律"),
    ("《中华人民共和国城乡规划法》第四十条、第四十一条", "法律"),
    ("《危险化学品安全管理条例》", "行政法规"),
    ("《城镇燃气管理条例》第十五条", "行政法规"),
    ("《中华人民共和国道路运输条例》第八条", "行政法规"),
    ("《城市供水条例》第二十条", "行政法规"),
    ("《取水许可和水资源费征收管理条例》第二条", "行政法规"),
    ("《中华人民共和国食品安全法实施条例》第十条", "行政法规"),
    (
        "《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）第101项",
        "国务院决定",
    ),
    ("国务院对确需保留的行政审批项目设定行政许可的决定（国务院令第412号）附件第37项", "国务院决定"),
    ("《国务院关于第六批取消和调整行政审批项目的决定》", "国务院决定"),
    ("《矿产资源开采登记管理办法》（国务院令第241号）第三条", "行政法规"),
    ("《江苏省燃气管理条例》第十八条", "地方性法规"),
    ("《信阳市河道采砂管理条例》第八条", "地方性法规"),
    ("《山东省供热条例》第十五条", "地方性法规"),
    ("《彭水苗族土家族自治县城乡建设管理条例》第二十条", "地方性法规"),
    ("《××市城镇燃气管理条例》第十二条", "地方性法规"),
    ("《河南省实施〈中华人民共和国水法〉办法》第十九条", "地方性法规"),
    ("《××市城市建筑垃圾管理办法》（××市人民政府令第×号）第八条", "政府规章"),
    ("《××省机动车维修管理规定》（省政府令第×号）", "政府规章"),
    ("《××市户外广告设置管理办法》（市政府令第×号）", "政府规章"),
    ("《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）", "政府规章"),
    ("《××市临时占道经营管理暂行规定》（××市人民政府令第×号，有效期一年）", "政府规章"),
    ("《关于进一步加强户外广告管理的通知》（×政办发〔2021〕×号）", "规范性文件"),
    ("《××县户外广告设置管理办法》（×政办〔2021〕×号）", "规范性文件"),
    ("《××县农村供水工程管理实施意见》", "规范性文件"),
    ("县政府常务会议纪要", "规范性文件"),
    ("《关于印发××县砂石资源管理工作方案的通知》", "规范性文件"),
    # 行政许可法 sets no permit itself
    ("《中华人民共和国行政许可法》；《关于规范×××的通知》（×发〔2023〕×号）", "规范性文件"),
    # counties make no 规章 (立法法 第九十三条): a county's 办法 is a 规范性文件, 令 or not
    ("《××县建筑垃圾处置管理办法》", "规范性文件"),
    ("《××县建筑垃圾处置管理办法》（县人民政府令第1号）", "规范性文件"),
    ("《××自治县集贸市场管理办法》", "规范性文件"),
    ("《中华人民共和国行政许可法》第十二条", "无"),
    ("《行政许可法》第十四条、第十五条", "无"),
    ("《国务院关于取消和下放一批行政许可事项的决定》（国发〔2020〕13号）", "国务院决定"),
    ("《城市市容和环境卫生管理条例》第十四条", "行政法规"),
    ("《城市道路管理条例》第三十条", "行政法规"),
    ("《长江河道采砂管理条例》第七条", "行政法规"),
    ("《危险废物经营许可证管理办法》（国务院令第408号）", "行政法规"),
    ("《国务院办公厅关于加强户外广告管理的通知》", "规范性文件"),
    ("", "无"),
    ("无", "无"),
    ("/", "无"),
    ("根据上级部门要求", "规范性文件"),
    ("全国人民代表大会常务委员会关于修改《中华人民共和国建筑法》的决定", "法律"),
    ("《集贸市场管理办法》", "规范性文件"),
]


@pytest.mark.parametrize(("text", "kind"), BASES)
def test_classify_basis(text, kind):
    assert classify_basis(text)[0] == kind


def test_enough_bases_of_every_kind():
    kinds = [k for _, k in BASES]
    assert len(BASES) >= 25 and set(kinds) == set(BASIS_KINDS)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》（总局令第78号）",
            ["中华人民共和国食品安全法", "食品经营许可和备案管理办法"],
        ),
        ("依据食品安全法第三十五条", ["食品安全法"]),
        ("《城镇燃气管理条例》第十五条、《城镇燃气管理条例》第十六条", ["城镇燃气管理条例"]),
        ("", []),
        ("根据上级部门要求", []),
    ],
)
def test_cited_names(text, names):
    assert classify_basis(text)[1] == names


def item(name="燃气经营许可证核发", dept=cf.HOUSING, row=3, **kw) -> PermitItem:
    full = {
        "basis": "《城镇燃气管理条例》第十五条",
        "process": cf.PROCESS,
        "level": "县级",
        "materials": cf.MATERIALS,
        "conditions": "符合法定条件",
    }
    return PermitItem(name=name, department=dept, row=row, sheet="目录", **{**full, **kw})


def test_missing_elements_lists_the_labels():
    assert check_elements([item()]) == []
    (p,) = check_elements([item(process="", materials=" ", dept="")])
    assert p.problem == "missing_elements"
    assert p.related == {"missing": ["审批流程", "主管部门", "申请材料"]}
    assert p.detail.startswith("缺少信息要素：审批流程、主管部门、申请材料（应有 7 项")


@pytest.mark.parametrize(
    ("basis", "code", "standard"),
    [
        ("", "basis_missing", "FCR-9-2"),
        ("《中华人民共和国行政许可法》第十二条", "basis_missing", "FCR-9-2"),
        ("无", "basis_missing", "FCR-9-2"),
        ("《关于加强户外广告管理的通知》（×政办发〔2021〕×号）", "basis_normative_doc", "FCR-9-2"),
        ("《××市城市建筑垃圾管理办法》（××市人民政府令第×号）", "basis_rule_permanent", ""),
        ("《中华人民共和国建筑法》第七条", None, None),
        ("《山东省供热条例》第十五条", None, None),
        # a 政府规章 that says it sets a temporary permit is not flagged
        ("《××省临时占道管理规定》（省政府令第×号，临时性行政许可，实施期限一年）", None, None),
    ],
)
def test_basis_problems(basis, code, standard):
    problems = check_basis([item(basis=basis)])
    if code is None:
        assert problems == []
        return
    (p,) = problems
    assert (p.problem, p.standard) == (code, standard)
    if code != "basis_rule_permanent":
        assert p.related["class_1670"] == "审批违规"
    else:
        assert "第十五条" in p.detail and p.related["law"].endswith("第十五条")
    assert p.related["basis_kind"] in BASIS_KINDS


def test_duplicates_across_departments():
    items = [
        item("燃气经营许可证核发", cf.HOUSING, 3, subitem="新申请"),
        item("燃气经营许可证核发", cf.HOUSING, 4, subitem="变更"),  # same department: fine
        item("燃气经营许可", cf.URBAN, 9),  # the same permit, other department
        item("户外广告设施设置许可", cf.URBAN, 10),
        item("大型户外广告设施设置许可", cf.LAND, 11),  # bigram Jaccard 0.78: not near enough
        item("城市生活垃圾经营性清扫、收集、运输、处理服务审批", cf.URBAN, 12),
        item("城市生活垃圾经营性清扫收集运输处置服务许可", cf.HOUSING, 13),  # Jaccard 0.8
        item("城市建筑垃圾处置核准", cf.URBAN, 15),
        item("城市建筑垃圾处置核准（含运输）", cf.LAND, 16),  # remarks in brackets ignored
        item("燃气经营许可证", cf.WATER, 17),  # a third department: one problem per pair
    ]
    got = [
        (p.item.row, p.related["department"], p.related["row"], p.score)
        for p in check_duplicates(items)
    ]
    assert got == [
        (9, cf.HOUSING, 3, 1.0),
        (13, cf.URBAN, 12, 0.8),
        (16, cf.URBAN, 15, 1.0),
        (17, cf.HOUSING, 3, 1.0),
        (17, cf.URBAN, 9, 1.0),
    ]
    first = check_duplicates(items)[0]
    assert first.problem == "duplicate"
    assert first.detail.startswith(
        "与县住房和城乡建设局的“燃气经营许可证核发（新申请）”（第 3 行）名称相同"
    )


def test_sub_items_split_between_departments_are_not_duplicates():
    items = [
        item("食品经营许可", cf.MARKET, 3, subitem="食品销售"),
        item("食品经营许可", cf.HOUSING, 4, subitem="餐饮服务"),
    ]
    assert check_duplicates(items) == []


@pytest.fixture(scope="module")
def fixture_items(tmp_path_factory) -> list[PermitItem]:
    path = cf.write_xlsx(tmp_path_factory.mktemp("cat") / "目录.xlsx")
    return read_catalogue(path).items


def test_check_catalogue_on_the_synthetic_catalogue(fixture_items):
    got = [(p.item.row, p.problem) for p in check_catalogue(fixture_items)]
    assert got == [
        (13, "duplicate"),  # 县城市管理局 燃气经营许可 ~ 县住建局 row 5
        (14, "basis_rule_permanent"),  # 城市建筑垃圾处置核准: 市政府令
        (15, "basis_normative_doc"),  # 户外广告设施设置许可: ×政办〔2021〕×号
        (17, "missing_elements"),  # 食品经营许可（食品销售）
        (18, "missing_elements"),  # 食品经营许可（餐饮服务）
        (19, "missing_elements"),  # 公章刻制业特种行业许可证核发: no basis
        (19, "basis_missing"),
    ]
    records = [p.to_record() for p in check_catalogue(fixture_items)]
    assert all(set(r) >= {"item", "department", "problem", "detail", "row"} for r in records)
    assert {r["problem"] for r in records} <= set(PROBLEMS)


def _list() -> list[Item]:
    """The test list; 测试事项甲 (禁止准入类) made to name 公章刻制 (test data, not official)."""
    items = canonical_items()
    items[0]["measures"][0]["text"] += (
        "；测试关联：不得从事公章刻制业特种行业经营（测试数据，非官方）"
    )
    return [Item.from_dict(d) for d in items]


def test_check_catalogue_adds_the_list_problems(fixture_items, fake_settings):
    matcher = ListMatcher(fake_settings, embedder="fake.v1")
    list_items = _list()
    base = check_catalogue(fixture_items)
    full = check_catalogue(fixture_items, list_items=list_items, matcher=matcher)
    added = list_problems(fixture_items, list_items, matcher)
    assert len(full) == len(base) + len(added)
    assert {(p.item.row, p.problem) for p in full} == {
        (p.item.row, p.problem) for p in base + added
    }
    banned = [p for p in full if p.problem == "banned_item_granted"]
    assert [(p.item.name, p.related["code"]) for p in banned] == [
        ("公章刻制业特种行业许可证核发", "900001")
    ]
    assert any(p.problem == "not_in_list" for p in full)
    rows = [p.item.row for p in full]
    assert rows == sorted(rows)
