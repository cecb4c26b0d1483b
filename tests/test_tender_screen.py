"""Tender screening end to end with the small fake model: a tender file scanned from the CLI,
its findings in JSONL (the ``standards`` and ``doc_kind`` contract), the ledger, the draft-review
conclusion and the ledger reports. Quality is measured by ``benchmarks/tender.py``."""

from __future__ import annotations

import datetime as dt
import json

import docx
import pytest
from click.testing import CliRunner
from tender_fixtures import EXPECTED, write_tender_docx

from screening import ledger as lg
from screening.cli import main
from screening.config import default_corpus_dir
from screening.drafts import submit_draft
from screening.lang.zh.tenderkinds import DOC_KINDS
from screening.ledger import reviews as rv
from screening.reports.review_docs import write_conclusion, write_letter
from screening.screen.engine import Screener
from screening.screen.tender import SECTIONS

CORPUS = default_corpus_dir()


@pytest.fixture(scope="module")
def tender_file(tmp_path_factory):
    return write_tender_docx(tmp_path_factory.mktemp("tender-doc"))


def _scan(tmp_path, fake_settings, path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(
        main,
        ["--ledger", str(tmp_path / "l.db"), "--models", str(fake_settings.models), "scan",
         str(path), "--format", "jsonl", *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_scan_jsonl_carries_zb_codes_scores_and_doc_kind(
    tmp_path, fake_settings, fake_model, tender_file
):
    rows = _scan(tmp_path, fake_settings, tender_file)
    assert rows
    for row in rows:
        assert row["doc_kind"] == "招标文件" and row["doc_kind"] in DOC_KINDS
        assert row["tender_section"] is None or row["tender_section"] in SECTIONS
        assert row["standards"] and all(
            set(s) >= {"code", "score", "text"} and 0 <= s["score"] <= 1 for s in row["standards"]
        )
    for fragment, code in EXPECTED.items():
        row = next((r for r in rows if fragment in r["clause"]), None)
        assert row is not None, fragment
        codes = [s["code"] for s in row["standards"]]
        assert code in codes, (fragment, codes)
        assert row["standard"].startswith("FCR-"), row["standard"]  # the FCR code beside it
    rows_by = {r["clause"]: r for r in rows}
    performance = next(r for c, r in rows_by.items() if "在本县完成类似项目业绩" in c)
    assert performance["tender_section"] == "评分标准" and performance["points"] == "10分"
    assert performance["standard"] == "FCR-15-3"
    assert "评分表“类似业绩”（10分）一行" in performance["rationale"]
    originals = next(r for c, r in rows_by.items() if "营业执照副本原件" in c)
    assert originals["tender_section"] == "报名和获取文件"


def test_ledger_cases_cite_both_sets_and_reports_quote_the_tender_rules(
    tmp_path, fake_settings, fake_model, tender_file
):
    _scan(tmp_path, fake_settings, tender_file)
    db = lg.open_ledger(tmp_path / "l.db")
    cases = [lg.get_case(db, r["id"]) for r in db["cases"].rows]
    db.close()
    cited = [c["standards"] for c in cases]
    assert any(any(s.startswith("ZB-") for s in codes) for codes in cited)
    assert all(codes[0].startswith("FCR-") for codes in cited if codes)
    out = tmp_path / "台账.xlsx"
    result = CliRunner().invoke(
        main, ["--ledger", str(tmp_path / "l.db"), "report", "ledger", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    cells = " ".join(
        str(c.value) for ws in load_workbook(out) for row in ws.iter_rows() for c in row if c.value
    )
    assert "《招标投标领域公平竞争审查规则》第七条第（一）项（ZB-7-1）" in cells


def test_a_second_scan_duplicates_nothing(tmp_path, fake_settings, fake_model, tender_file):
    first = _scan(tmp_path, fake_settings, tender_file)
    _scan(tmp_path, fake_settings, tender_file)
    db = lg.open_ledger(tmp_path / "l.db")
    assert db["findings"].count == len(first)
    db.close()


def _docx_text(path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_review_conclusion_has_the_tender_table(tmp_path, fake_settings, fake_model, tender_file):
    screener = Screener.from_model(fake_settings, fake_model)
    db = lg.open_ledger(tmp_path / "l.db")
    rid = submit_draft(
        db, screener, tender_file, fake_settings, operator="甲", drafter="县人民医院"
    ).result.review_id
    items = rv.items_of(db, rid)
    assert any(any(s.startswith("ZB-") for s in i["standards"]) for i in items)
    written = write_conclusion(
        db, rid, tmp_path / "结论.docx", date=dt.date(2026, 12, 4), corpus_dir=CORPUS
    )
    letter = write_letter(
        db, rid, tmp_path / "建议函.docx", date=dt.date(2026, 12, 4), corpus_dir=CORPUS
    )
    db.close()
    letter_text = _docx_text(letter.paths[0])
    assert (
        "招标投标领域：该条款同时属于《招标投标领域公平竞争审查规则》第七条第（一）项（ZB-7-1）"
        in (letter_text)
    )
    text = _docx_text(written.paths[0])
    assert "该文件属于招标文件" in text and "表2-1" in text
    assert "第七条（一）根据经营主体取得业绩的区域设置差异性得分（ZB-7-1）" in text
    assert "（一）招标人自主权（第五条）" in text
    assert "ZB-7-1" in text.split("表3")[-1] or "ZB-7-1" in text  # the items table names it


def test_items_under_a_forbidding_lead_in_match_no_tender_rule(fake_settings, fake_model):
    """A regulation listing what is forbidden (不得有下列行为：（一）…) is not a tender barrier."""
    from screening.parse import DocumentBuilder
    from screening.screen.tender import read_structure
    from screening.segment import segment

    b = DocumentBuilder()
    for line in (
        "招标人不得有下列行为：",
        "（一）以指定、抽取或者其他方式为招标人确定招标代理机构；",
        "（二）违法限定潜在供应商或者投标人的所有制形式或者组织形式。",
        "投标保证金只接受银行转账，不接受银行保函。",
    ):
        b.add(line)
    doc = b.build(path=__import__("pathlib").Path("条例.txt"), sha256="x", fmt="txt")
    clauses = segment(doc)
    screener = Screener.from_model(fake_settings, fake_model)
    first = screener.stage1(clauses, read_structure(doc, clauses))
    hits = {c.text: [h.code for h in hs] for c, hs in zip(first.picked, first.hits, strict=True)}
    assert not any(codes for text, codes in hits.items() if text.startswith("（"))
    assert hits["投标保证金只接受银行转账，不接受银行保函。"] == ["ZB-11-3"]
