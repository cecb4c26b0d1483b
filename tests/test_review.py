"""Draft review (增量审查): settlement rules, the conclusion guard, clause diff, revisions, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document as Docx

from screening import ledger as lg
from screening.cli import main
from screening.drafts import add_reviewer_item, submit_draft
from screening.errors import (
    ConclusionMismatchError,
    InvalidValueError,
    MissingFieldError,
    ReviewConcludedError,
    ReviewNotConcludedError,
    ReviewRuleError,
    UnsettledItemsError,
)
from screening.ledger import reviews as rv
from screening.ledger.clausediff import ADDED, CHANGED, DELETED, SAME, diff_clauses
from screening.ledger.reviews import seq_list
from screening.reports.review_docs import write_conclusion, write_letter
from screening.screen.engine import Screener
from screening.screen.fixes import FixAdvisor, fix_sentences

DOCS = Path(__file__).parent / "fixtures" / "docs"
DONGYING = DOCS / "page-dongying-kfq-fuwuye-fuchi-2023.txt"  # a real policy document
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EXPLAINED = {"1": "限制了部分经营者", "3": "已比较替代方案", "4": "实施期限两年"}

# --- settlement rules ------------------------------------------------------------------------

SETTLE_CASES = [
    # (item state, settlement, reason, exception, explanations, error or None)
    (rv.PENDING, rv.PROBLEM, None, None, {}, None),
    (rv.PENDING, rv.NOT_PROBLEM, "属于法定条件", None, {}, None),
    (rv.PENDING, rv.NOT_PROBLEM, None, None, {}, MissingFieldError),
    (rv.PENDING, rv.NOT_PROBLEM, "  ", None, {}, MissingFieldError),
    (rv.PENDING, rv.EXCEPTION, None, "EXC-TL12-3", EXPLAINED, None),
    (rv.PENDING, rv.EXCEPTION, None, None, EXPLAINED, MissingFieldError),
    (rv.PENDING, rv.EXCEPTION, None, "EXC-TL12-9", EXPLAINED, MissingFieldError),
    (rv.PENDING, rv.EXCEPTION, None, "EXC-TL12-1", {"1": "x", "3": "y"}, MissingFieldError),
    (rv.PENDING, rv.REVISED, None, None, {}, ReviewRuleError),
    (rv.CHANGED_PENDING, rv.REVISED, None, None, {}, None),
    (rv.CHANGED_PENDING, rv.PROBLEM, None, None, {}, None),
    (rv.PROBLEM, rv.NOT_PROBLEM, "复核后改认定", None, {}, None),
    (rv.PENDING, rv.PENDING, None, None, {}, InvalidValueError),
    (rv.PENDING, "违规", None, None, {}, InvalidValueError),
]


@pytest.mark.parametrize(("current", "state", "reason", "exc", "explain", "error"), SETTLE_CASES)
def test_settlement_rules(current, state, reason, exc, explain, error):
    item = {"seq": 1, "state": current}
    if error is None:
        rv.check_settlement(item, state, reason, exc, explain)
    else:
        with pytest.raises(error):
            rv.check_settlement(item, state, reason, exc, explain)


# --- the conclusion guard ----------------------------------------------------------------------

CONCLUDE_CASES = [
    # (item states, result, error or None)
    ([rv.NOT_PROBLEM, rv.REVISED], rv.COMPLIANT, None),
    ([rv.PROBLEM, rv.NOT_PROBLEM], rv.NON_COMPLIANT, None),
    ([rv.EXCEPTION, rv.NOT_PROBLEM], rv.EXCEPTED, None),
    ([rv.PROBLEM, rv.PENDING], rv.NON_COMPLIANT, UnsettledItemsError),
    ([rv.CHANGED_PENDING], rv.COMPLIANT, UnsettledItemsError),
    ([rv.PROBLEM], rv.COMPLIANT, ConclusionMismatchError),
    ([rv.EXCEPTION], rv.COMPLIANT, ConclusionMismatchError),
    ([rv.NOT_PROBLEM], rv.NON_COMPLIANT, ConclusionMismatchError),
    ([rv.PROBLEM, rv.EXCEPTION], rv.EXCEPTED, ConclusionMismatchError),
    ([rv.NOT_PROBLEM], rv.EXCEPTED, ConclusionMismatchError),
    ([rv.NOT_PROBLEM], "基本符合", InvalidValueError),
]


@pytest.mark.parametrize(("states", "result", "error"), CONCLUDE_CASES)
def test_conclusion_guard(states, result, error):
    items = [{"review_id": 1, "seq": n, "state": s} for n, s in enumerate(states, start=1)]
    if error is None:
        rv.check_conclusion(items, result)
    else:
        with pytest.raises(error):
            rv.check_conclusion(items, result)


def test_unsettled_message_lists_the_items():
    items = [{"review_id": 7, "seq": n, "state": rv.PENDING} for n in (2, 5)]
    with pytest.raises(UnsettledItemsError) as err:
        rv.check_conclusion(items, rv.COMPLIANT)
    assert "待认定：事项2、5" in str(err.value)
    assert "screening review settle 7" in str(err.value)


# --- clause diff -----------------------------------------------------------------------------

A, B, C = "申报企业须在本县注册。", "奖励资金按季度拨付。", "本办法自印发之日起施行。"
DIFF_CASES = [
    ([A, B, C], [A, B, C], [SAME, SAME, SAME]),
    ([A, B, C], [A, C], [SAME, DELETED, SAME]),
    ([A, B, C], [A, B, "新增条款，对企业给予奖励。", C], [SAME, SAME, ADDED, SAME]),
    ([A, B, C], ["申报企业须依法登记注册。", B, C], [CHANGED, SAME, SAME]),
    ([A, B, C], [B, C, A], [SAME, SAME, SAME]),  # moved, not changed
    ([A, B, C], [" 申报企业须在本县注册 。", B, C], [SAME, SAME, SAME]),  # whitespace only
    ([A, B], [A, "完全不同的另一项规定内容。"], [SAME, DELETED, ADDED]),
]


@pytest.mark.parametrize(("old", "new", "kinds"), DIFF_CASES)
def test_clause_diff(old, new, kinds):
    changes = diff_clauses(old, new)
    assert sorted(c.kind for c in changes) == sorted(kinds)
    assert sorted(c.old for c in changes if c.old is not None) == list(range(len(old)))
    assert sorted(c.new for c in changes if c.new is not None) == list(range(len(new)))


@pytest.mark.parametrize(
    ("seqs", "text"),
    [([1], "1"), ([1, 2], "1、2"), ([2, 3, 4, 7], "2至4、7"), ([9, 1, 2, 3, 5], "1至3、5、9")],
)
def test_seq_list(seqs, text):
    assert seq_list(seqs) == text


# --- suggested fixes -------------------------------------------------------------------------

FIX_CASES = [
    ("调查期间，当事人认识到问题。后废止了该文件。", ["后废止了该文件。"]),
    ("向省局提交了整改报告。明确凡具备资质的企业均可办理。", ["明确凡具备资质的企业均可办理。"]),
    ("当事人修订了相关文件。", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), FIX_CASES)
def test_fix_sentences_keep_what_changed_the_text(text, expected):
    assert fix_sentences(text)[1] == expected


def test_suggestions_cite_real_cases_and_a_template():
    advisor = FixAdvisor(CORPUS)
    fixes = advisor.suggest("申报企业须在本县注册并纳税", "FCR-12-2")
    assert fixes[-1].source == "template" and fixes[-1].ref == "TPL-FCR-12-2"
    for fix in fixes[:-1]:
        case = advisor.cases[fix.ref]
        assert fix.source == "case" and fix.basis == "same_standard"
        for sentence in fix.text.replace("…", "").split("。"):
            assert sentence.strip("。") in case.rectification


# --- the workflow on a real policy document ----------------------------------------------------


@pytest.fixture
def screener(fake_settings, fake_model):
    # Threshold 0: every clause stage 1 passes becomes an item, so the small fake model gives
    # the workflow several items to settle (engine quality is measured elsewhere).
    return Screener.from_model(fake_settings, fake_model, threshold=0.0)


def _reword(clause: str) -> str:
    reworded = clause.replace("注册地", "经营地").replace("东营经济技术开发区", "本区")
    return reworded.replace("企业", "经营主体", 1)


def _revise(text: str, delete: str, reword: str) -> str:
    """The document with one clause deleted and another reworded (a revised draft)."""
    assert text.count(delete) == 1 and text.count(reword) == 1
    reworded = _reword(reword)
    assert reworded != reword
    return text.replace(delete, "").replace(reword, reworded)


def test_revision_carries_settled_items_and_marks_changed_ones(tmp_path, screener, fake_settings):
    db = lg.open_ledger(tmp_path / "l.db")
    v1 = tmp_path / "v1.txt"
    v1.write_text(DONGYING.read_text(encoding="utf-8"), encoding="utf-8")
    first = submit_draft(db, screener, v1, fake_settings, operator="甲", drafter="管委会")
    assert first.result.created and first.result.version == 1
    items = rv.items_of(db, first.result.review_id)
    assert len(items) == len(first.findings) >= 3
    rid = first.result.review_id
    # Settle every item (alternating), then revise two of the flagged clauses.
    for i in items:
        state = rv.PROBLEM if i["seq"] % 2 else rv.NOT_PROBLEM
        rv.settle(db, rid, i["seq"], state, operator="甲", reason="测试理由")
    by_clause: dict[int, list[dict]] = {}
    for i in items:
        by_clause.setdefault(i["clause_index"], []).append(i)
    clauses = rv.current_version(db, rid)["clauses"]
    text = v1.read_text(encoding="utf-8")
    # Two flagged clauses of substance (a clause the rewording changes, found once in the text;
    # at threshold 0 a date line may be an item too).
    revisable = [
        k
        for k in sorted(by_clause)
        if _reword(clauses[k].text) != clauses[k].text and text.count(clauses[k].text) == 1
    ]
    deleted_idx, reworded_idx = revisable[:2]
    v2 = tmp_path / "v2.txt"
    v2.write_text(
        _revise(text, clauses[deleted_idx].text, clauses[reworded_idx].text), encoding="utf-8"
    )
    second = submit_draft(db, screener, v2, fake_settings, operator="乙", drafter="管委会")
    res = second.result
    assert res.review_id == rid and res.version == 2 and not res.created
    assert res.clauses["deleted"] == 1 and res.clauses["changed"] == 1
    assert res.screened == res.clauses["changed"] + res.clauses["added"]
    after = {i["seq"]: i for i in rv.items_of(db, rid)}
    changed_seqs = {i["seq"] for i in by_clause[deleted_idx] + by_clause[reworded_idx]}
    assert res.items_changed == len(changed_seqs)
    assert res.items_carried == len(items) - len(changed_seqs)
    for old in items:
        now = after[old["seq"]]
        if old["seq"] in changed_seqs:
            assert now["state"] == rv.CHANGED_PENDING
            assert now["prior_state"] == (rv.PROBLEM if old["seq"] % 2 else rv.NOT_PROBLEM)
            if old["clause_index"] == deleted_idx:
                assert now["clause_index"] is None and now["revised_clause"] is None
            else:
                revised = now["revised_clause"]
                assert revised != old["clause"] and revised in v2.read_text(encoding="utf-8")
        else:
            assert now["state"] == (rv.PROBLEM if old["seq"] % 2 else rv.NOT_PROBLEM)
            assert now["clause"] == old["clause"] and now["version_seen"] == 2
    new_items = [i for i in after.values() if i["version_raised"] == 2]
    assert len(new_items) == res.items_new
    # The same file again: nothing recorded twice.
    again = submit_draft(db, screener, v2, fake_settings, operator="乙", drafter="管委会")
    assert again.result.unchanged and len(rv.items_of(db, rid)) == len(after)
    assert db["review_versions"].count == 2
    # The guard: changed items must be confirmed before the conclusion.
    with pytest.raises(UnsettledItemsError):
        rv.conclude(db, rid, rv.NON_COMPLIANT, operator="乙")
    for seq in sorted(changed_seqs):
        rv.settle(db, rid, seq, rv.REVISED, operator="乙")
    for i in new_items:
        rv.settle(db, rid, i["seq"], rv.NOT_PROBLEM, operator="乙", reason="修改后表述")
    done = rv.conclude(db, rid, rv.NON_COMPLIANT, operator="乙", note="请按意见修改")
    assert done["status"] == rv.CONCLUDED and done["result"] == rv.NON_COMPLIANT
    with pytest.raises(ReviewConcludedError):
        rv.settle(db, rid, 1, rv.PROBLEM, operator="乙")
    trail = [a["action"] for a in rv.review_actions(db, rid)]
    assert trail[0] == "提交审查" and "提交修订稿" in trail and trail[-1].startswith("作出审查结论")
    db.close()


def test_substantial_revision_reopens_a_concluded_review(tmp_path, screener, fake_settings):
    db = lg.open_ledger(tmp_path / "l.db")
    v1 = tmp_path / "v1.txt"
    v1.write_text("关于促进服务业发展的若干措施\n一、鼓励企业加大研发投入。\n", encoding="utf-8")
    first = submit_draft(
        db, screener, v1, fake_settings, operator="甲", drafter="县商务局", kind="规范性文件"
    )
    rid = first.result.review_id
    assert rv.items_of(db, rid) == []
    rv.conclude(db, rid, rv.COMPLIANT, operator="甲")
    with pytest.raises(ReviewConcludedError):
        rv.conclude(db, rid, rv.COMPLIANT, operator="甲")
    v2 = tmp_path / "v2.txt"
    v2.write_text(
        v1.read_text(encoding="utf-8")
        + "二、申报企业须在本县注册并纳税，外地企业不得参与本县政府采购。\n",
        encoding="utf-8",
    )
    res = submit_draft(db, screener, v2, fake_settings, operator="甲", drafter="县商务局").result
    review = rv.get_review(db, rid)
    assert res.substantial and res.reopened
    assert review["status"] == rv.OPEN and review["result"] is None
    assert review["actions"][-1]["action"] == "重新审查"
    assert review["kind"] == "规范性文件"  # typed by the reviewer: not replaced by the file's 文种
    with pytest.raises(ReviewNotConcludedError):
        rv.reopen(db, rid, operator="甲", reason="再审")
    db.close()


def test_reviewer_adds_a_missed_item(tmp_path, screener, fake_settings):
    db = lg.open_ledger(tmp_path / "l.db")
    v1 = tmp_path / "v1.txt"
    v1.write_text("关于加强管理的通知\n一、各单位应加强管理。\n二、本通知自印发之日起施行。\n")
    rid = submit_draft(db, screener, v1, fake_settings, operator="甲", drafter="县局").result
    item = add_reviewer_item(
        db, rid.review_id, fake_settings, clause_index=1, standard="fcr-12-2", operator="乙"
    )
    assert item["origin"] == "reviewer" and item["state"] == rv.PROBLEM
    assert item["standard"] == "FCR-12-2" and item["suggestions"][-1]["ref"] == "TPL-FCR-12-2"
    with pytest.raises(InvalidValueError):
        add_reviewer_item(
            db, rid.review_id, fake_settings, clause_index=1, standard="FCR-99", operator="乙"
        )
    with pytest.raises(ReviewRuleError):
        add_reviewer_item(
            db, rid.review_id, fake_settings, clause_index=99, standard="FCR-24", operator="乙"
        )
    db.close()


# --- documents -----------------------------------------------------------------------------


def _docx_text(path: Path) -> str:
    doc = Docx(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_documents_before_and_after_the_conclusion(tmp_path, screener, fake_settings):
    db = lg.open_ledger(tmp_path / "l.db")
    v1 = tmp_path / "v1.txt"
    v1.write_text(DONGYING.read_text(encoding="utf-8"), encoding="utf-8")
    rid = submit_draft(
        db, screener, v1, fake_settings, operator="甲", drafter="管委会", to_samr=True
    ).result.review_id
    day = __import__("datetime").date(2026, 12, 1)
    pending = write_conclusion(db, rid, tmp_path / "c.docx", date=day, corpus_dir=CORPUS)
    text = _docx_text(pending.paths[0])
    assert "结论待定" in text and "FCR-9-1" in text and "FCR-24" in text
    assert "报送材料清单" in text and "政策措施起草说明" in text
    items = rv.items_of(db, rid)
    for i in items:
        rv.settle(db, rid, i["seq"], rv.PROBLEM, operator="甲")
    rv.conclude(db, rid, rv.NON_COMPLIANT, operator="甲")
    final = write_conclusion(db, rid, tmp_path / "c2.docx", date=day, corpus_dir=CORPUS)
    text = _docx_text(final.paths[0])
    assert "结论待定" not in text and "不符合公平竞争审查标准" in text
    side = json.loads(final.sidecar.read_text(encoding="utf-8"))
    assert side["review"]["result"] == rv.NON_COMPLIANT
    assert {s["seq"] for s in side["items"]} == {i["seq"] for i in items}
    assert all(s["actions"] for s in side["items"])  # every settlement is in the trail
    letter = write_letter(db, rid, tmp_path / "l.docx", date=day, corpus_dir=CORPUS)
    text = _docx_text(letter.paths[0])
    assert "管委会：" in text and "修改建议" in text and "TPL-FCR-" in text
    traced = json.loads(letter.sidecar.read_text(encoding="utf-8"))["statements"]
    assert len([s for s in traced if s["part"] == "修改意见"]) == len(items)
    # same ledger, same date: same bytes
    again = write_letter(db, rid, tmp_path / "l2.docx", date=day, corpus_dir=CORPUS)
    assert again.paths[0].read_bytes() == letter.paths[0].read_bytes()
    db.close()


# --- the command line ----------------------------------------------------------------------


def test_cli_review_round_trip(tmp_path, fake_settings, fake_model):
    base = ["--ledger", str(tmp_path / "l.db"), "--models", str(fake_settings.models)]
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(main, [*base, *args])
        assert result.exit_code == code, result.output
        return result

    v1 = tmp_path / "草案.txt"
    v1.write_text(DONGYING.read_text(encoding="utf-8"), encoding="utf-8")
    out = run("review", "submit", str(v1), "--drafter", "管委会", "--title", "扶持办法").stdout
    assert "已登记审查对象 1，第 1 稿" in out
    listed = json.loads(run("review", "list", "--format", "json").stdout)
    assert [{k: r[k] for k in ("id", "title", "version", "status", "result")} for r in listed] == [
        {"id": 1, "title": "扶持办法", "version": 1, "status": "审查中", "result": None}
    ]
    pending = run(
        "review", "document", "1", "--kind", "审查结论", "--out", str(tmp_path / "a.docx")
    )
    assert "结论待定" in pending.stderr
    refused = run("review", "conclude", "1", "--result", "符合", code=1)
    assert "未认定" in refused.output and "screening review settle 1" in refused.output
    for item in rv.items_of(lg.open_ledger(tmp_path / "l.db"), 1):
        run("review", "settle", "1", str(item["seq"]), "--as", "不构成问题", "--reason", "合规")
    run("review", "conclude", "1", "--result", "符合", "--operator", "张三")
    listed = json.loads(run("review", "list", "--format", "json").stdout)
    assert listed[0]["status"] == "已结论" and listed[0]["result"] == "符合"
    for kind, name in (("审查结论", "b.docx"), ("修改建议函", "c.docx")):
        run("review", "document", "1", "--kind", kind, "--out", str(tmp_path / name))
        assert (tmp_path / name).is_file() and (tmp_path / name).with_suffix(".json").is_file()
    run("review", "document", "1", "--kind", "审查结论", "--out", str(tmp_path / "x.pdf"), code=1)
    run("review", "reopen", "1", "--reason", "起草单位补充材料")
    shown = run("review", "show", "1").stdout
    assert "重新打开审查" in shown and "张三" in shown


@pytest.mark.soffice
def test_review_documents_render_through_libreoffice(tmp_path, screener, fake_settings, soffice):
    """Both documents open in LibreOffice and lay out as pages with their key text."""
    import subprocess

    import pdfplumber

    db = lg.open_ledger(tmp_path / "l.db")
    v1 = tmp_path / "v1.txt"
    v1.write_text(DONGYING.read_text(encoding="utf-8"), encoding="utf-8")
    rid = submit_draft(db, screener, v1, fake_settings, operator="甲", drafter="管委会")
    day = __import__("datetime").date(2026, 12, 1)
    paths = [
        write_conclusion(db, rid.result.review_id, tmp_path / "结论.docx", date=day,
                         corpus_dir=CORPUS).paths[0],
        write_letter(db, rid.result.review_id, tmp_path / "函.docx", date=day,
                     corpus_dir=CORPUS).paths[0],
    ]  # fmt: skip
    db.close()
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *map(str, paths)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    with pdfplumber.open(tmp_path / "结论.pdf") as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    joined = "".join(pages).replace(" ", "").replace("\n", "")
    assert len(pages) >= 3  # 67 standards in the table run over several pages
    assert "公平竞争审查结论" in joined and "结论待定" in joined and "FCR-24" in joined
    with pdfplumber.open(tmp_path / "函.pdf") as pdf:
        letter = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "管委会：" in letter.replace(" ", "") and "修改建议" in letter


# --- bad input and the second look -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("空文件.docx", b"", "内容为空"),
        ("损坏.docx", b"PK\x03\x04 not really a zip", "损坏"),
        ("不存在.docx", None, "文件不存在"),
    ],
)
def test_cli_submit_refuses_bad_files_before_anything_is_written(
    tmp_path, fake_settings, fake_model, name, content, message
):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    ledger = tmp_path / "l.db"
    result = CliRunner().invoke(
        main,
        ["--ledger", str(ledger), "--models", str(fake_settings.models), "review", "submit",
         str(path), "--drafter", "县局"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    if ledger.exists():
        db = lg.open_ledger(ledger)
        assert db["reviews"].count == 0
        db.close()


def test_cli_submit_without_drafter_is_refused_unless_revising(tmp_path, fake_settings, fake_model):
    base = ["--ledger", str(tmp_path / "l.db"), "--models", str(fake_settings.models)]
    runner = CliRunner()
    draft = tmp_path / "草案.txt"
    draft.write_text("关于加强管理的通知\n一、各单位应加强管理。\n", encoding="utf-8")
    refused = runner.invoke(main, [*base, "review", "submit", str(draft)])
    assert refused.exit_code == 1 and "--drafter" in refused.output
    ok = runner.invoke(main, [*base, "review", "submit", str(draft), "--drafter", "县局"])
    assert ok.exit_code == 0, ok.output
    draft.write_text("关于加强管理的通知\n一、各单位应依法加强管理。\n", encoding="utf-8")
    revised = runner.invoke(main, [*base, "review", "submit", str(draft), "--revises", "1"])
    assert revised.exit_code == 0, revised.output
    assert "已登记修订稿：审查对象 1，第 2 稿" in revised.stdout
    unknown = runner.invoke(main, [*base, "review", "submit", str(draft), "--revises", "9"])
    assert unknown.exit_code == 1 and "没有编号为 9 的审查对象" in unknown.output


@pytest.mark.parametrize(
    ("config", "kind", "hinted"),
    [
        ("", "修改建议函", ["doc_number_prefix", "review_office"]),
        ("", "审查结论", ["review_office"]),
        ('review_office = "襄城县市场监督管理局"\n', "审查结论", []),
        ('review_office = "某局"\ndoc_number_prefix = "襄公审办"\n', "修改建议函", []),
    ],
)
def test_review_document_names_the_settings_for_its_placeholders(
    tmp_path, fake_settings, fake_model, config, kind, hinted
):
    cfg = tmp_path / "screening.toml"
    cfg.write_text(f"[screening]\n{config}", encoding="utf-8")
    base = ["--config", str(cfg), "--ledger", str(tmp_path / "l.db"), "--models",
            str(fake_settings.models)]  # fmt: skip
    runner = CliRunner()
    draft = tmp_path / "草案.txt"
    draft.write_text("关于加强管理的通知\n一、各单位应加强管理。\n", encoding="utf-8")
    assert (
        runner.invoke(main, [*base, "review", "submit", str(draft), "--drafter", "县局"]).exit_code
        == 0
    )
    out = tmp_path / "x.docx"
    result = runner.invoke(
        main, [*base, "review", "document", "1", "--kind", kind, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    hints = [line for line in result.stderr.splitlines() if line.startswith("提示：草稿中的")]
    side = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["placeholders"] == hinted
    if hinted:
        assert len(hints) == 1 and all(f"{k} = " in hints[0] for k in hinted)
        assert str(cfg) in hints[0]
    else:
        assert hints == [] and "【请填写：审查机构名称】" not in _docx_text(out)


def test_a_clause_reworded_twice_keeps_its_first_settlement(tmp_path, screener, fake_settings):
    db = lg.open_ledger(tmp_path / "l.db")
    v = tmp_path / "v.txt"
    base = "关于扶持产业发展的通知\n一、鼓励企业加大研发投入。\n"
    v.write_text(base + "二、申报企业须在本县注册并纳税，方可享受奖励。\n", encoding="utf-8")
    rid = submit_draft(db, screener, v, fake_settings, operator="甲", drafter="县局").result
    item = next(
        i for i in rv.items_of(db, rid.review_id) if "本县注册" in i["clause"]
    )  # the barrier clause is an item even for the small model (threshold 0)
    rv.settle(db, rid.review_id, item["seq"], rv.PROBLEM, operator="甲")
    for wording in (
        "申报企业须在本县注册，方可享受奖励。",
        "申报企业须在本县登记注册，方可享受奖励。",
    ):
        v.write_text(base + f"二、{wording}\n", encoding="utf-8")
        submit_draft(db, screener, v, fake_settings, operator="甲", drafter="县局")
        now = rv.get_item(db, rid.review_id, item["seq"])
        assert now["state"] == rv.CHANGED_PENDING and now["prior_state"] == rv.PROBLEM
        assert wording.rstrip("。") in now["revised_clause"]
    db.close()
