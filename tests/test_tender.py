"""Tender screening (《招标投标领域公平竞争审查规则》, ZB codes): the standard set in the corpus,
document kinds, the structure of tender files, and the rules, table-driven; no model needed."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from tender_fixtures import EXPECTED, NEUTRAL, SCORING_TABLE, write_tender_docx

from screening.cli import corpus as corpus_cli
from screening.cli import main
from screening.config import default_corpus_dir
from screening.corpus import load_standards
from screening.corpus.tender import ZB_FAMILIES, ZB_TO_FCR, related_fcr, zb_for_fcr
from screening.lang.zh import tenderkinds as tk
from screening.parse import parse_file
from screening.screen.tender import (
    SCORING,
    ScoringRow,
    TenderContext,
    read_structure,
    rule_hits,
    sale_window_days,
)
from screening.segment import segment

for _command in corpus_cli.COMMANDS:
    if _command.name not in main.commands:
        main.add_command(_command)

CORPUS = default_corpus_dir()
LAW = (CORPUS / "laws" / "招标投标领域公平竞争审查规则.txt").read_text(encoding="utf-8")
ZB = [s for s in load_standards(CORPUS) if s.code.startswith("ZB-")]
FIXTURES = Path(__file__).parent / "fixtures" / "tender"
TENDER_DOC = TenderContext(tk.TENDER_FILE)


def _jsonl(name: str) -> list[dict]:
    path = FIXTURES / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# --- the standard set -----------------------------------------------------------------------


def test_all_44_items_with_article_counts() -> None:
    counts = Counter(s.article for s in ZB)
    assert len(ZB) == len({s.code for s in ZB}) == 44
    assert dict(counts) == {5: 11, 6: 6, 7: 6, 8: 5, 9: 5, 10: 5, 11: 6}
    assert [s.code for s in ZB if s.article == 10] == [f"ZB-10-{i}" for i in range(1, 6)]


@pytest.mark.parametrize("record", ZB, ids=lambda s: s.code)
def test_items_are_verbatim_with_family_and_mapping(record) -> None:
    assert record.law == "招标投标领域公平竞争审查规则" and record.kind == "standard"
    assert record.text in LAW and record.chapeau in LAW
    # the item is the article's (n) line, exactly
    assert re.search(rf"（[一二三四五六七八九十]+）{re.escape(record.text)}[；。]", LAW)
    assert record.family == ZB_FAMILIES[record.article]
    assert record.related == related_fcr(record.code)
    assert record.provenance.source == "reference/laws/招标投标领域公平竞争审查规则.txt"


def test_fcr_mapping_points_at_real_items() -> None:
    fcr = {s.code for s in load_standards(CORPUS, "standard") if s.code.startswith("FCR-")}
    assert set(ZB_TO_FCR) == {s.code for s in ZB}
    for code, (related, why) in ZB_TO_FCR.items():
        assert set(related) <= fcr, code
        assert why, code
    assert related_fcr("ZB-6-2") == ("FCR-14-3", "FCR-15-3")  # the issue's own example
    assert "ZB-10-3" in zb_for_fcr("FCR-15-6")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_standards_show_zb_prints_the_verbatim_text() -> None:
    code, out, _ = run("standards", "show", "ZB-10-3")
    assert code == 0
    assert "对能够通过告知承诺和事后核验核实真伪的事项，强制投标人在投标环节提供原件" in out
    assert "《招标投标领域公平竞争审查规则》第十条第（三）项" in out
    assert "对应《实施办法》：FCR-15-6、FCR-15-7" in out


def test_standards_show_article_and_list_by_set() -> None:
    code, out, _ = run("standards", "show", "zb-11")
    assert code == 0 and out.count("编号：ZB-11-") == 6
    code, out, err = run("standards", "list", "--set", "ZB")
    assert code == 0 and len(out.splitlines()) == 44 and "共 44 条" in err
    code, out, _ = run("standards", "list")
    assert code == 0 and len(out.splitlines()) == 67 + 44
    code, out, _ = run("standards", "show", "FCR-15-6")
    assert "对应《招标投标领域公平竞争审查规则》：ZB-10-3、ZB-10-4" in out


def test_unknown_zb_code_says_how_codes_look() -> None:
    code, _, err = run("standards", "show", "ZB-12-1")
    assert code != 0 and "ZB-10-3" in err


# --- document kinds -------------------------------------------------------------------------

KINDS = [
    ("××县人民医院医用耗材采购项目招标文件", "x.docx", "", tk.TENDER_FILE),
    ("某某项目竞争性磋商文件", "x.docx", "", tk.NEGOTIATION),
    ("某某工程资格预审公告", "x.pdf", "", tk.PREQUALIFICATION),
    ("平罗县中医医院血液透析机设备项目（采购/招标公告）", "x.txt", "", tk.ANNOUNCEMENT),
    (None, "某项目招标公告.pdf", "", tk.ANNOUNCEMENT),
    (
        None,
        "x.txt",
        "受采购人委托，现对该项目进行公开招标，欢迎合格的供应商参加投标。投标截止时间：……",
        tk.ANNOUNCEMENT,
    ),
    (None, "x.docx", "第一章 投标人须知\n……\n第三章 评标办法\n……", tk.TENDER_FILE),
    ("关于进一步规范招标投标活动的通知", "x.docx", "各投标人……投标截止时间……", tk.POLICY),
    ("柳河县支持重点产业加快发展的实施意见", "x.docx", "对新引进企业……", tk.POLICY),
    (None, "note.txt", "申报企业须在本县注册并纳税", tk.POLICY),
]


@pytest.mark.parametrize(("title", "path", "text", "kind"), KINDS)
def test_doc_kind(title, path, text, kind) -> None:
    assert tk.doc_kind(title, path, text) == kind


# --- structure --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tender_doc(tmp_path_factory):
    doc = parse_file(write_tender_docx(tmp_path_factory.mktemp("tender")))
    clauses = segment(doc)
    return doc, clauses, read_structure(doc, clauses)


def test_tender_file_kind_sections_and_scoring_rows(tender_doc) -> None:
    doc, clauses, contexts = tender_doc
    assert doc.metadata.doc_kind == tk.TENDER_FILE
    by_text = {c.text: ctx for c, ctx in zip(clauses, contexts, strict=True)}

    def ctx_of(fragment: str) -> TenderContext:
        return next(ctx for text, ctx in by_text.items() if fragment in text)

    assert ctx_of("在本县设立分支机构").section == "资格要求"
    assert ctx_of("营业执照副本原件").section == "报名和获取文件"
    assert ctx_of("只接受银行转账").section == "保证金"
    rows = [ctx.row for ctx in contexts if ctx.row]
    assert [r.factor for r in rows] == [r[0] for r in SCORING_TABLE[1:]]
    assert rows[2] == ScoringRow("类似业绩", "10分", SCORING_TABLE[3][2])
    assert all(ctx.section == SCORING for ctx in contexts if ctx.row)


@pytest.mark.parametrize(("fragment", "code"), sorted(EXPECTED.items()))
def test_tender_file_barriers_hit_their_item(tender_doc, fragment, code) -> None:
    _, clauses, contexts = tender_doc
    clause, ctx = next((c, x) for c, x in zip(clauses, contexts, strict=True) if fragment in c.text)
    assert code in [h.code for h in rule_hits(clause.text, ctx)]


@pytest.mark.parametrize("fragment", NEUTRAL)
def test_tender_file_neutral_clauses_hit_nothing(tender_doc, fragment) -> None:
    _, clauses, contexts = tender_doc
    clause, ctx = next((c, x) for c, x in zip(clauses, contexts, strict=True) if fragment in c.text)
    assert rule_hits(clause.text, ctx) == []


# --- rules, table-driven --------------------------------------------------------------------

SCORING_ROWS = _jsonl("scoring_rows.jsonl") if (FIXTURES / "scoring_rows.jsonl").is_file() else []


def _row_context(cells: list[str]) -> tuple[str, TenderContext]:
    row = ScoringRow(cells[0], cells[1], cells[2])
    return " | ".join(cells), TenderContext(tk.TENDER_FILE, SCORING, row)


@pytest.mark.parametrize(
    "row", [r for r in SCORING_ROWS if r["differentiated"]], ids=lambda r: r["cells"][0]
)
def test_differentiated_scoring_rows_are_hit_with_their_article(row) -> None:
    text, ctx = _row_context(row["cells"])
    hits = [h.code for h in rule_hits(text, ctx)]
    assert hits, row["note"]
    # the labelled item, or another item of the same article (7 差异性得分 / 6 准入条件)
    articles = {z.split("-")[1] for z in row["zb"]}
    assert {h.split("-")[1] for h in hits} & articles, (hits, row["zb"], row["note"])


@pytest.mark.parametrize(
    "row", [r for r in SCORING_ROWS if not r["differentiated"]], ids=lambda r: r["cells"][0]
)
def test_neutral_scoring_rows_are_not_hit(row) -> None:
    text, ctx = _row_context(row["cells"])
    assert rule_hits(text, ctx) == [], row["note"]


NEUTRAL_CLAUSES = (
    _jsonl("neutral_clauses.jsonl") if (FIXTURES / "neutral_clauses.jsonl").is_file() else []
)


@pytest.mark.parametrize("clause", NEUTRAL_CLAUSES, ids=lambda c: c["text"][:20])
def test_neutral_procurement_clauses_are_not_hit(clause) -> None:
    assert rule_hits(clause["text"], TENDER_DOC) == [], clause["note"]


RULE_CASES = [
    # (clause, tender document?, expected codes (subset), or () for none)
    ("投标人近三年在本市完成类似项目业绩的，每个加2分，最高6分。", False, ("ZB-7-1",)),
    ("投标人须具有本省范围内的类似项目业绩。", True, ("ZB-6-3",)),
    ("投标人须提供近三年全国范围内类似项目业绩。", True, ()),
    ("投标人在本县设有售后服务网点的得5分。", True, ("ZB-6-2",)),
    ("中标人须在本县设立分公司并在本地缴纳税收。", True, ("ZB-6-2",)),
    ("报名时须携带营业执照原件、资质证书原件。", True, ("ZB-10-3",)),
    ("营业执照复印件加盖公章，原件备查。", True, ()),
    ("投标人的法定代表人须亲自到场报名并购买招标文件。", True, ("ZB-10-4",)),
    ("法定代表人或其授权代表须携带身份证参加开标会议。", True, ()),
    ("投标人须到县公共资源交易中心现场报名，不接受邮寄报名。", True, ("ZB-10-5",)),
    ("投标人可登录县公共资源交易平台免费下载招标文件。", True, ()),
    ("投标保证金须以银行转账方式缴纳，其他形式概不接受。", True, ("ZB-11-3",)),
    ("投标保证金可以银行转账、银行保函或者保证保险等形式提交。", True, ()),
    ("投标保函须由本县农村商业银行出具。", True, ("ZB-11-4",)),
    ("中标人须另行缴纳诚信保证金5万元。", True, ("ZB-11-2",)),
    ("中标人应按规定缴纳履约保证金。", True, ()),
    ("招标人须从县建设工程预选承包商库中选取投标人。", True, ("ZB-5-9",)),
    ("中标人由招标人从中标候选人中以摇号方式确定。", True, ("ZB-8-4",)),
    ("投标人须为本县注册的企业。", True, ("ZB-6-6",)),
    ("投标人为国有企业的加3分。", True, ("ZB-7-2",)),
    ("投标产品为本市生产的得5分。", True, ("ZB-7-3",)),
    ("注册资金不少于1000万元。", True, ("ZB-6-6",)),
    ("不得要求投标人提供原件，不得将本地业绩作为加分条件。", True, ()),
    ("政府采购应当平等对待各类供应商，不论所有制形式。", True, ()),
    # the same words outside any tender context are not tender barriers
    ("对在本县设立分支机构的企业给予一次性奖励。", False, ()),
    ("报名时须携带身份证原件。", True, ()),
]


@pytest.mark.parametrize(("text", "tender_doc", "codes"), RULE_CASES, ids=lambda x: str(x)[:16])
def test_rules(text, tender_doc, codes) -> None:
    ctx = TenderContext(tk.TENDER_FILE if tender_doc else tk.POLICY)
    hits = [h.code for h in rule_hits(text, ctx)]
    if codes:
        assert set(codes) <= set(hits), hits
    else:
        assert hits == []


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # an establishment here: 14-3 "设立分支机构作为…招标投标的必要条件"
        ("投标人须在本县设立分公司。", "FCR-14-3"),
        ("投标人在本县设有售后服务网点的得5分。", "FCR-14-3"),
        # taxes, social insurance or a local consortium: 15-3 "缴纳税收社保的区域…组成联合体"
        ("投标人须在本县注册并纳税。", "FCR-15-3"),
        ("项目负责人须在本市缴纳社保满一年。", "FCR-15-3"),
        ("投标人须与本县企业组成联合体投标。", "FCR-15-3"),
        # both at once: the establishment construction comes first in the rules
        ("中标人须在本县设立分公司并在本地缴纳税收。", "FCR-14-3"),
    ],
)
def test_zb_6_2_cites_the_fcr_item_its_construction_is_worded_as(text, first) -> None:
    hits = [h for h in rule_hits(text, TENDER_DOC) if h.code == "ZB-6-2"]
    assert len(hits) == 1
    assert hits[0].fcr[0] == first and set(hits[0].fcr) == {"FCR-14-3", "FCR-15-3"}


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("获取时间：2026年3月2日至2026年3月3日。", 2),
        ("请于2015年8月14日至2015年8月20日报名。", 7),
        ("招标文件发售时间：2016年2月29日-2016年3月4日", 5),
        ("开标时间：2026年3月20日", None),
    ],
)
def test_sale_window(text, days) -> None:
    assert sale_window_days(text) == days
