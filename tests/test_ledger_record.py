"""record_findings: idempotent, decisions survive re-screening, vanished findings marked 'gone'."""

from __future__ import annotations

import json

import pytest
from ledger_fixtures import CLAUSES, TITLE, make_doc, make_findings

from screening import ledger as lg
from screening.errors import MissingFieldError

DEPT = "东营经济技术开发区经济发展局"
TEXTS = [c[0] for c in CLAUSES]


@pytest.fixture
def db():
    d = lg.open_ledger()
    lg.add_department(d, DEPT)
    yield d
    d.close()


def counts(db):
    return {t: db[t].count for t in ("documents", "clauses", "findings", "cases", "actions")}


def first_version():
    doc = make_doc(TEXTS[:2])
    return doc, make_findings(doc, CLAUSES[:2])


def test_first_record_creates_cases(db):
    doc, findings = first_version()
    res = lg.record_findings(db, doc, findings, operator="筛查程序", department=DEPT)
    assert (res.new, res.updated, res.gone, res.cases_created) == (2, 0, 0, 2)
    cases = lg.list_cases(db)
    assert [c["status"] for c in cases] == ["待核查", "待核查"]
    assert all(c["source"] == "筛查发现" and c["department"] == DEPT for c in cases)
    assert cases[0]["standards"] == ["FCR-21-1"]
    assert cases[0]["class_1670"] == "隐性壁垒"
    assert cases[0]["title"].startswith(f"《{TITLE}》：第一条")
    row = db["documents"].get(res.document_id)
    assert json.loads(row["metadata"])["doc_number"] == "东开管发〔2023〕5号"
    stored = json.loads(next(db["findings"].rows)["data"])
    assert stored["finding_id"] == findings[0].finding_id
    assert next(db["findings"].rows)["engine_version"] == "test-1"


def test_record_twice_is_idempotent(db):
    doc, findings = first_version()
    lg.record_findings(db, doc, findings, operator="筛查程序")
    before = counts(db)
    res = lg.record_findings(db, doc, findings, operator="筛查程序")
    assert (res.new, res.updated, res.gone, res.cases_created) == (0, 2, 0, 0)
    assert counts(db) == before


def test_duplicate_findings_in_one_call_count_once(db):
    doc, findings = first_version()
    res = lg.record_findings(db, doc, [*findings, findings[0]], operator="筛查程序")
    assert (res.new, res.cases_created) == (2, 2)
    assert db["findings"].count == 2


def test_decision_survives_rerecord(db):
    doc, findings = first_version()
    lg.record_findings(db, doc, findings, operator="筛查程序")
    case_id = lg.list_cases(db)[0]["id"]
    lg.assign(db, case_id, department=DEPT, assignee="李四", operator="张三")
    lg.decide(db, case_id, confirmed=True, reason="以注册地、纳税地为享受政策条件", operator="张三")
    decided = lg.get_case(db, case_id)
    lg.record_findings(db, doc, findings, operator="筛查程序")
    assert lg.get_case(db, case_id) == decided


def test_document_unchanged(db):
    doc, findings = first_version()
    assert not lg.document_unchanged(db, doc.path, doc.sha256)
    lg.record_findings(db, doc, findings, operator="筛查程序")
    assert lg.document_unchanged(db, doc.path, doc.sha256)
    assert not lg.document_unchanged(db, doc.path, "0" * 64)
    assert not lg.document_unchanged(db, "/政策/别的文件.docx", doc.sha256)


def test_changed_document_marks_gone_and_carries_decisions(db):
    doc1, findings1 = first_version()
    lg.record_findings(db, doc1, findings1, operator="筛查程序")
    first, second = lg.list_cases(db)
    lg.assign(db, first["id"], department=DEPT, assignee="李四", operator="张三")
    lg.decide(db, first["id"], confirmed=True, reason="注册地限制", operator="张三")
    decided = lg.get_case(db, first["id"])

    # Revised text: clause 2 deleted, clause 1 kept (at a new offset), clause 3 added.
    doc2 = make_doc([TEXTS[0], TEXTS[2]])
    assert doc2.sha256 != doc1.sha256
    findings2 = make_findings(doc2, [CLAUSES[0], CLAUSES[2]])
    assert not lg.document_unchanged(db, doc2.path, doc2.sha256)
    res = lg.record_findings(db, doc2, findings2, operator="筛查程序")
    assert (res.new, res.updated, res.gone, res.cases_created, res.carried_over) == (2, 0, 2, 1, 1)
    assert db["documents"].count == 1
    assert lg.document_unchanged(db, doc2.path, doc2.sha256)

    status = {r["finding_id"]: r["status"] for r in db["findings"].rows}
    assert [status[f.finding_id] for f in findings1] == ["gone", "gone"]
    assert [status[f.finding_id] for f in findings2] == ["active", "active"]
    # The kept clause's new finding joined the decided case; the decision is unchanged.
    assert lg.get_case(db, first["id"]) == decided
    new_first = db["findings"].rows_where("finding_id = ?", [findings2[0].finding_id])
    assert next(new_first)["case_id"] == first["id"]
    # The deleted clause's case is not deleted; its trail says the clause is gone.
    trail = lg.case_actions(db, second["id"])
    assert trail[-1]["action"] == "gone" and "不再被筛出" in trail[-1]["note"]
    assert lg.get_case(db, second["id"])["status"] == "待核查"
    assert len(lg.list_cases(db)) == 3

    # Recording the revised version again changes nothing.
    before = counts(db)
    res = lg.record_findings(db, doc2, findings2, operator="筛查程序")
    assert (res.new, res.updated, res.gone) == (0, 2, 0)
    assert counts(db) == before


def test_document_with_no_findings_left(db):
    doc, findings = first_version()
    lg.record_findings(db, doc, findings, operator="筛查程序")
    res = lg.record_findings(db, doc, [], operator="筛查程序")
    assert (res.new, res.gone) == (0, 2)
    assert {r["status"] for r in db["findings"].rows} == {"gone"}
    res = lg.record_findings(db, doc, findings, operator="筛查程序")
    assert (res.new, res.updated, res.gone, res.cases_created) == (0, 2, 0, 0)
    assert {r["status"] for r in db["findings"].rows} == {"active"}
    case_id = lg.list_cases(db)[0]["id"]
    trail = [a["action"] for a in lg.case_actions(db, case_id)]
    assert trail == ["create", "gone", "reappear"]


def test_operator_required(db):
    doc, findings = first_version()
    with pytest.raises(MissingFieldError, match="经办人"):
        lg.record_findings(db, doc, findings, operator="")
    assert db["documents"].count == 0
