"""Case lifecycle: every legal and illegal transition, required fields, optimistic locking."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest

from screening import ledger as lg
from screening.errors import (
    CaseNotFoundError,
    DepartmentExistsError,
    DepartmentNotFoundError,
    FileMissingError,
    IllegalTransitionError,
    InvalidValueError,
    MissingFieldError,
    StaleVersionError,
)

PENDING, VERIFYING, CONFIRMED, DISMISSED = "待核查", "核查中", "已认定", "已排除"
RECTIFYING, REVIEWING, CLOSED = "整改中", "待复核", "已销号"
DEPT = "县市场监督管理局"
MONDAY = dt.date(2026, 3, 2)


def run(db, case_id, op):
    """Perform one operation by name with valid arguments."""
    kw = {"operator": "张三"}
    if op == "assign":
        return lg.assign(db, case_id, department=DEPT, assignee="李四", today=MONDAY, **kw)
    if op == "confirm":
        return lg.decide(db, case_id, confirmed=True, reason="以注册地作为奖励条件", **kw)
    if op == "dismiss":
        return lg.decide(db, case_id, confirmed=False, reason="依据国家规定，不构成违规", **kw)
    if op == "rectify":
        return lg.rectify(
            db,
            case_id,
            measures="删除第一条中“注册地、税务征管关系及统计关系”的限定",
            responsible="王五",
            deadline="2026-04-30",
            **kw,
        )
    if op == "review":
        return lg.submit_review(db, case_id, note="已印发修订稿", **kw)
    if op == "close":
        return lg.close(db, case_id, note="复核通过", **kw)
    if op == "reopen":
        return lg.reopen(db, case_id, reason="上级交办复查", **kw)
    raise AssertionError(op)


PATHS = {
    PENDING: [],
    VERIFYING: ["assign"],
    CONFIRMED: ["assign", "confirm"],
    DISMISSED: ["assign", "dismiss"],
    RECTIFYING: ["assign", "confirm", "rectify"],
    REVIEWING: ["assign", "confirm", "rectify", "review"],
    CLOSED: ["assign", "confirm", "rectify", "review", "close"],
}
OPS = ["assign", "confirm", "dismiss", "rectify", "review", "close", "reopen"]
LEGAL = {
    (PENDING, "assign"): VERIFYING,
    (VERIFYING, "assign"): VERIFYING,
    (VERIFYING, "confirm"): CONFIRMED,
    (VERIFYING, "dismiss"): DISMISSED,
    (CONFIRMED, "rectify"): RECTIFYING,
    (REVIEWING, "rectify"): RECTIFYING,
    (RECTIFYING, "review"): REVIEWING,
    (REVIEWING, "close"): CLOSED,
    (DISMISSED, "reopen"): PENDING,
    (CLOSED, "reopen"): PENDING,
}
ILLEGAL = [p for p in itertools.product(PATHS, OPS) if p not in LEGAL]
# A command the refusal message must suggest for each state.
HINT = {
    PENDING: "screening ledger assign",
    VERIFYING: "screening ledger decide",
    CONFIRMED: "screening ledger rectify",
    DISMISSED: "screening ledger reopen",
    RECTIFYING: "screening ledger review",
    REVIEWING: "screening ledger close",
    CLOSED: "screening ledger reopen",
}


@pytest.fixture
def db():
    d = lg.open_ledger()
    lg.add_department(d, DEPT)
    yield d
    d.close()


def case_in(db, state):
    case_id = lg.create_case(db, source="筛查发现", title="《扶持办法》第一条", operator="系统")
    for op in PATHS[state]:
        run(db, case_id, op)
    assert lg.get_case(db, case_id)["status"] == state
    return case_id


def test_table_covers_every_pair():
    assert len(LEGAL) + len(ILLEGAL) == len(PATHS) * len(OPS) == 49


@pytest.mark.parametrize(("state", "op"), list(LEGAL), ids="-".join)
def test_legal_transition(db, state, op):
    case_id = case_in(db, state)
    before = lg.get_case(db, case_id)
    n_actions = len(lg.case_actions(db, case_id))
    after = run(db, case_id, op)
    assert after["status"] == LEGAL[(state, op)]
    assert after["version"] == before["version"] + 1
    trail = lg.case_actions(db, case_id)
    assert len(trail) == n_actions + 1
    last = trail[-1]
    assert (last["from_state"], last["to_state"], last["operator"]) == (
        state,
        LEGAL[(state, op)],
        "张三",
    )


@pytest.mark.parametrize(("state", "op"), ILLEGAL, ids="-".join)
def test_illegal_transition_refused(db, state, op):
    case_id = case_in(db, state)
    before = lg.get_case(db, case_id)
    n_actions = len(lg.case_actions(db, case_id))
    with pytest.raises(IllegalTransitionError) as exc:
        run(db, case_id, op)
    msg = str(exc.value)
    assert f"当前状态为“{state}”" in msg
    assert HINT[state] in msg
    assert lg.get_case(db, case_id) == before
    assert len(lg.case_actions(db, case_id)) == n_actions


def test_create_case_writes_action(db):
    case_id = lg.create_case(
        db, source="投诉举报", title="12345 热线反映招标设本地门槛", operator="赵六"
    )
    (act,) = lg.case_actions(db, case_id)
    assert (act["action"], act["from_state"], act["to_state"], act["operator"]) == (
        "create",
        None,
        PENDING,
        "赵六",
    )


@pytest.mark.parametrize(
    ("state", "call", "field"),
    [
        (
            VERIFYING,
            lambda db, c: lg.decide(db, c, confirmed=False, reason=" ", operator="张三"),
            "理由",
        ),
        (
            VERIFYING,
            lambda db, c: lg.decide(db, c, confirmed=True, reason="", operator="张三"),
            "理由",
        ),
        (
            CONFIRMED,
            lambda db, c: lg.rectify(
                db, c, measures="", responsible="王五", deadline="2026-04-30", operator="张三"
            ),
            "整改措施",
        ),
        (
            CONFIRMED,
            lambda db, c: lg.rectify(
                db, c, measures="删除", responsible="", deadline="2026-04-30", operator="张三"
            ),
            "整改责任人",
        ),
        (
            CONFIRMED,
            lambda db, c: lg.rectify(
                db, c, measures="删除", responsible="王五", deadline="", operator="张三"
            ),
            "整改期限",
        ),
        (DISMISSED, lambda db, c: lg.reopen(db, c, reason="", operator="张三"), "理由"),
        (
            PENDING,
            lambda db, c: lg.assign(db, c, department=DEPT, assignee="", operator="张三"),
            "核查人",
        ),
        (
            PENDING,
            lambda db, c: lg.assign(db, c, department=DEPT, assignee="李四", operator=""),
            "经办人",
        ),
        (PENDING, lambda db, c: lg.add_note(db, c, note="", operator="张三"), "备注内容"),
    ],
)
def test_required_fields(db, state, call, field):
    case_id = case_in(db, state)
    before = lg.get_case(db, case_id)
    with pytest.raises(MissingFieldError) as exc:
        call(db, case_id)
    assert field in str(exc.value)
    assert lg.get_case(db, case_id) == before


def test_bad_values(db):
    case_id = case_in(db, VERIFYING)
    with pytest.raises(InvalidValueError, match="1670号文分类"):
        lg.decide(db, case_id, confirmed=True, reason="x", class_1670="乱填", operator="张三")
    with pytest.raises(InvalidValueError, match="YYYY-MM-DD"):
        lg.assign(db, case_id, department=DEPT, assignee="李四", deadline="下周五", operator="张三")
    with pytest.raises(DepartmentNotFoundError, match="departments add"):
        lg.assign(db, case_id, department="县教育局", assignee="李四", operator="张三")
    with pytest.raises(InvalidValueError, match="案件来源"):
        lg.create_case(db, source="网上冲浪", title="x", operator="张三")
    with pytest.raises(CaseNotFoundError, match="999"):
        lg.get_case(db, 999)
    with pytest.raises(DepartmentExistsError):
        lg.add_department(db, DEPT)


def test_decide_sets_classification(db):
    case_id = case_in(db, VERIFYING)
    case = lg.decide(
        db,
        case_id,
        confirmed=True,
        reason="以在本区注册作为享受奖励的前提",
        class_1670="隐性壁垒",
        subtype="以注册地限定享受政策",
        standards=["FCR-21-1"],
        operator="张三",
    )
    assert (case["class_1670"], case["subtype"], case["standards"]) == (
        "隐性壁垒",
        "以注册地限定享受政策",
        ["FCR-21-1"],
    )
    assert case["decision_reason"] == "以在本区注册作为享受奖励的前提"


def test_reopen_clears_assignment_keeps_history(db):
    case_id = case_in(db, CLOSED)
    assert lg.get_case(db, case_id)["closed_at"]
    case = lg.reopen(db, case_id, reason="群众再次投诉", operator="张三")
    assert (
        case["closed_at"] is None and case["assignee"] is None and case["verify_deadline"] is None
    )
    actions = [a["action"] for a in lg.case_actions(db, case_id)]
    assert actions == ["create", "assign", "decide", "rectify", "review", "close", "reopen"]
    assert db["rectifications"].count == 1


def test_note_does_not_change_state_or_version(db):
    case_id = case_in(db, VERIFYING)
    before = lg.get_case(db, case_id)
    lg.add_note(db, case_id, note="已电话联系起草单位", operator="李四")
    assert lg.get_case(db, case_id) == before
    last = lg.case_actions(db, case_id)[-1]
    assert (last["action"], last["from_state"], last["to_state"], last["note"]) == (
        "note",
        VERIFYING,
        VERIFYING,
        "已电话联系起草单位",
    )


def test_stale_version_refused(db):
    case_id = case_in(db, PENDING)
    v1 = lg.get_case(db, case_id)["version"]
    lg.assign(db, case_id, department=DEPT, assignee="李四", operator="张三", expected_version=v1)
    with pytest.raises(StaleVersionError) as exc:
        lg.decide(
            db, case_id, confirmed=False, reason="不构成", operator="王五", expected_version=v1
        )
    msg = str(exc.value)
    assert "已被他人修改" in msg and f"第 {v1} 版" in msg and f"第 {v1 + 1} 版" in msg
    assert lg.get_case(db, case_id)["status"] == VERIFYING


def test_stale_version_across_connections(tmp_path):
    path = tmp_path / "台账.db"
    a, b = lg.open_ledger(path), lg.open_ledger(path)
    try:
        lg.add_department(a, DEPT)
        case_id = lg.create_case(a, source="自查", title="自查发现", operator="甲")
        seen_by_b = lg.get_case(b, case_id)["version"]
        lg.assign(a, case_id, department=DEPT, assignee="李四", operator="甲")
        with pytest.raises(StaleVersionError):
            lg.assign(
                b,
                case_id,
                department=DEPT,
                assignee="王五",
                operator="乙",
                expected_version=seen_by_b,
            )
        assert lg.get_case(b, case_id)["assignee"] == "李四"
    finally:
        a.close()
        b.close()


def test_overdue_listing(db):
    late = case_in(db, PENDING)
    lg.assign(db, late, department=DEPT, assignee="李四", today=MONDAY, operator="张三")
    assert lg.get_case(db, late)["verify_deadline"] == "2026-03-05"
    rect = case_in(db, RECTIFYING)  # rectification deadline 2026-04-30
    done = case_in(db, CLOSED)
    assert lg.list_cases(db, overdue=True, today=dt.date(2026, 3, 5)) == []
    ids = [c["id"] for c in lg.list_cases(db, overdue=True, today=dt.date(2026, 3, 6))]
    assert late in ids and rect not in ids and done not in ids
    ids = [c["id"] for c in lg.list_cases(db, overdue=True, today=dt.date(2026, 5, 1))]
    assert rect in ids and done not in ids


def test_list_filters(db):
    a = lg.create_case(db, source="筛查发现", title="a", standards=["FCR-14-3"], operator="甲")
    b = lg.create_case(db, source="上级交办", title="b", standards=["FCR-21-1"], operator="甲")
    lg.assign(db, b, department=DEPT, assignee="李四", operator="甲")
    assert [c["id"] for c in lg.list_cases(db, standard="FCR-14-3")] == [a]
    assert [c["id"] for c in lg.list_cases(db, source="上级交办")] == [b]
    assert [c["id"] for c in lg.list_cases(db, department=DEPT)] == [b]
    assert [c["id"] for c in lg.list_cases(db, status=PENDING)] == [a]
    with pytest.raises(InvalidValueError, match="案件状态"):
        lg.list_cases(db, status="处理中")
    depts = lg.list_departments(db)
    assert [(d["name"], d["open_cases"]) for d in depts] == [(DEPT, 1)]


def test_failed_audit_write_rolls_back_state_change(db, monkeypatch):
    case_id = case_in(db, PENDING)
    before = lg.get_case(db, case_id)

    def broken_log(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("screening.ledger.cases.log_action", broken_log)
    with pytest.raises(RuntimeError):
        run(db, case_id, "assign")
    assert lg.get_case(db, case_id) == before
    assert not db.conn.in_transaction


def test_feedback_and_attachments(db, tmp_path):
    case_id = lg.add_complaint(
        db,
        content="举报某县招标文件要求投标企业在本县设立分公司",
        channel="投诉箱",
        complainant="刘某",
        contact="13800000000",
        operator="受理员",
    )
    case = lg.get_case(db, case_id)
    assert (case["source"], case["status"]) == ("投诉举报", PENDING)
    complaint = next(db["complaints"].rows)
    assert (complaint["case_id"], complaint["contact"]) == (case_id, "13800000000")
    lg.add_feedback(
        db,
        case_id,
        content="已转县财政局核查，将于10个工作日内答复",
        operator="受理员",
        complaint_id=complaint["id"],
        channel="电话",
    )
    material = tmp_path / "核查报告.txt"
    material.write_text("经核查，该招标文件第三条已删除。", encoding="utf-8")
    lg.add_attachment(db, case_id, material, operator="李四", note="核查报告")
    att = next(db["attachments"].rows)
    assert att["sha256"] == hashlib.sha256(material.read_bytes()).hexdigest()
    notes = [a["note"] for a in lg.case_actions(db, case_id)]
    assert notes[1].startswith("反馈投诉举报人") and "核查报告.txt" in notes[2]
    assert lg.get_case(db, case_id)["version"] == case["version"]
    with pytest.raises(FileMissingError):
        lg.add_attachment(db, case_id, tmp_path / "不存在.pdf", operator="李四")
