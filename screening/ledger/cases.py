"""Case lifecycle (一案一核查): states, legal transitions, optimistic locking and the audit trail.

States: 待核查 → 核查中 → 已认定 / 已排除; 已认定 → 整改中 → 待复核 → 已销号.
Also legal: re-assigning a case that is 核查中 (核查中 → 核查中), and a failed review sending a case
back to rectification (待复核 → 整改中). Reopening (``reopen``) is allowed only from the two end
states 已排除 and 已销号 and always returns the case to 待核查: the earlier assignment and deadline
are cleared so the case must be assigned again, while the full history stays in ``actions``.
Every change writes one ``actions`` row in the same transaction and bumps ``cases.version``; a
caller that passes a stale ``expected_version`` is refused. Notes do not change the version.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlite_utils import Database

from ..domain import CLASSES_1670, SOURCES, STATES, CaseState
from ..errors import (
    CaseNotFoundError,
    DepartmentNotFoundError,
    IllegalTransitionError,
    InvalidValueError,
    MissingFieldError,
    StaleVersionError,
)
from .db import calendar, dumps, insert_row, now
from .workdays import DEFAULT_VERIFY_DAYS, parse_date

# Case states as plain strings (the values of domain.CaseState), as the ledger stores them.
# STATES, SOURCES and CLASSES_1670 are re-exported from domain for the modules that import them
# from here.
PENDING = CaseState.PENDING.value
VERIFYING = CaseState.VERIFYING.value
CONFIRMED = CaseState.CONFIRMED.value
DISMISSED = CaseState.DISMISSED.value
RECTIFYING = CaseState.RECTIFYING.value
REVIEWING = CaseState.REVIEWING.value
CLOSED = CaseState.CLOSED.value

# action → (Chinese label, {from_state: allowed target states})
TRANSITIONS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "assign": ("交办核查", {PENDING: (VERIFYING,), VERIFYING: (VERIFYING,)}),
    "decide": ("认定或排除", {VERIFYING: (CONFIRMED, DISMISSED)}),
    "rectify": ("部署整改", {CONFIRMED: (RECTIFYING,), REVIEWING: (RECTIFYING,)}),
    "review": ("提交复核", {RECTIFYING: (REVIEWING,)}),
    "close": ("复核销号", {REVIEWING: (CLOSED,)}),
    "reopen": ("重新打开", {DISMISSED: (PENDING,), CLOSED: (PENDING,)}),
}

# Chinese names of every action that can appear in the audit trail.
ACTION_LABELS = {
    "create": "登记",
    **{name: label for name, (label, _) in TRANSITIONS.items()},
    "note": "备注",
    "gone": "条款不再筛出",
    "reappear": "条款再次筛出",
    "carry_over": "文件更新沿用案件",
    "moved": "文件移动或改名",
}


def allowed_actions(state: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(action, label, targets) that are legal from ``state``."""
    return [
        (name, label, table[state])
        for name, (label, table) in TRANSITIONS.items()
        if state in table
    ]


def _allowed_text(state: str) -> str:
    steps = [
        f"{label}（screening ledger {name}）→ {'/'.join(targets)}"
        for name, label, targets in allowed_actions(state)
    ]
    return "；".join(steps) if steps else "无（该状态下只能添加备注）"


# The case columns an action sets are kept in its data under SET_KEY, so the trail replays a
# case as it stood on any day: who changed a deadline and from what, and reports dated in the
# past that do not move when the ledger does.
SET_KEY = "set"
# (source, title, summary and document are set once, at registration, and never change.)
TRACKED = (
    "class_1670",
    "subtype",
    "standards",
    "department",
    "assignee",
    "verify_deadline",
    "decision_reason",
    "measures",
    "responsible",
    "rectify_deadline",
    "closed_at",
)


def cases_as_of(db: Database, cases: list[dict[str, Any]], day: dt.date) -> list[dict[str, Any]]:
    """``cases`` (decoded rows) as they stood at the end of ``day``, replayed from the trail.

    A case registered after ``day`` is left out. The status always comes from the trail; the
    other columns too when the case's 'create' action recorded them (ledgers written since the
    trail kept columns). For older cases those columns keep their current values.
    """
    wanted = {c["id"]: c for c in cases}
    trails: dict[int, list[dict[str, Any]]] = {}
    for row in db.query(
        "select case_id, at, to_state, data from actions where date(at) <= ? order by id",
        [day.isoformat()],
    ):
        if row["case_id"] in wanted:
            trails.setdefault(row["case_id"], []).append(row)
    out = []
    for case_id, case in wanted.items():
        trail = trails.get(case_id)
        if not trail:
            continue
        first = json.loads(trail[0]["data"] or "{}")
        state = dict(case)
        if SET_KEY in first:
            state.update(dict.fromkeys(TRACKED))
        for action in trail:
            data = json.loads(action["data"] or "{}")
            state.update(data.get(SET_KEY, {}))
            if action["to_state"]:
                state["status"] = action["to_state"]
            state["updated_at"] = action["at"]
        if not isinstance(state["standards"], list):
            state = decode_case(state)
        out.append(state)
    return out


def excerpt(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (case titles, list lines)."""
    return text if len(text) <= limit else text[:limit] + "…"


def require_field(value: str | None, action: str, field: str, option: str) -> str:
    if value is None or not str(value).strip():
        raise MissingFieldError(action=action, field=field, option=option)
    return str(value).strip()


def decode_case(row: dict[str, Any]) -> dict[str, Any]:
    """A ``cases`` row as the ledger functions return it: ``standards`` decoded to a list."""
    row = dict(row)
    row["standards"] = json.loads(row["standards"]) if row.get("standards") else []
    return row


def get_case(db: Database, case_id: int) -> dict[str, Any]:
    rows = list(db.query("select * from cases where id = ?", [case_id]))
    if not rows:
        raise CaseNotFoundError(case_id=case_id)
    return decode_case(rows[0])


def log_action(
    db: Database,
    case_id: int,
    action: str,
    operator: str,
    from_state: str | None,
    to_state: str | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: str | None = None,
) -> None:
    insert_row(
        db,
        "actions",
        {
            "case_id": case_id,
            "at": at or now(),
            "operator": operator,
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
            "note": note,
            "data": dumps(data or {}),
        },
    )


def create_case(
    db: Database,
    *,
    source: str,
    title: str,
    operator: str,
    summary: str = "",
    department: str | None = None,
    standards: list[str] | tuple[str, ...] = (),
    class_1670: str | None = None,
    subtype: str | None = None,
    document_id: int | None = None,
) -> int:
    """A new case in 待核查, with its 'create' action; returns the case id."""
    operator = require_field(operator, "新建案件", "经办人", "--operator")
    if source not in SOURCES:
        raise InvalidValueError(
            field="案件来源", value=source, hint=f"可选：{'、'.join(SOURCES)}。"
        )
    if class_1670 is not None and class_1670 not in CLASSES_1670:
        raise InvalidValueError(
            field="1670号文分类", value=class_1670, hint=f"可选：{'、'.join(CLASSES_1670)}。"
        )
    stamp = now()
    with db.atomic():
        row = {
            "status": PENDING,
            "source": source,
            "title": title,
            "summary": summary,
            "document_id": document_id,
            "class_1670": class_1670,
            "subtype": subtype,
            "standards": dumps(list(standards)),
            "department": department,
            "created_at": stamp,
            "updated_at": stamp,
            "version": 1,
        }
        case_id = insert_row(db, "cases", row)
        fields = {k: v for k, v in row.items() if k in TRACKED}
        data = {SET_KEY: fields}
        log_action(
            db, case_id, "create", operator, None, PENDING, f"来源：{source}", data, at=stamp
        )
    return int(case_id)


def _transition(
    db: Database,
    case_id: int,
    action: str,
    target: str,
    *,
    operator: str,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    label, table = TRANSITIONS[action]
    operator = require_field(operator, label, "经办人", "--operator")
    with db.atomic():
        case = get_case(db, case_id)
        state = case["status"]
        if target not in table.get(state, ()):
            raise IllegalTransitionError(
                case_id=case_id, state=state, action=label, allowed=_allowed_text(state)
            )
        if expected_version is not None and expected_version != case["version"]:
            raise StaleVersionError(
                case_id=case_id, expected=expected_version, actual=case["version"]
            )
        stamp = now()
        values = {**(changes or {}), "status": target, "updated_at": stamp}
        sets = ", ".join(f"[{k}] = ?" for k in values)
        cur = db.execute(
            f"update cases set {sets}, version = version + 1 where id = ? and version = ?",
            [*values.values(), case_id, case["version"]],
        )
        if cur.rowcount != 1:  # changed between our read and our write
            actual = get_case(db, case_id)["version"]
            raise StaleVersionError(case_id=case_id, expected=case["version"], actual=actual)
        if changes:
            data = {**(data or {}), SET_KEY: {k: v for k, v in changes.items() if k in TRACKED}}
        log_action(db, case_id, action, operator, state, target, note, data, at=stamp)
        return get_case(db, case_id)


def assign(
    db: Database,
    case_id: int,
    *,
    department: str,
    assignee: str,
    operator: str,
    days: int | None = None,
    deadline: str | dt.date | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """待核查/核查中 → 核查中: assign to a department and person with a verification deadline.

    The deadline is ``deadline`` when given, else ``days`` (default 3) working days after
    ``today``, skipping weekends and the ledger's holiday calendar.
    """
    department = require_field(department, "交办核查", "责任部门", "--department")
    assignee = require_field(assignee, "交办核查", "核查人", "--assignee")
    if db["departments"].count_where("name = ?", [department]) == 0:
        raise DepartmentNotFoundError(name=department)
    if deadline is not None:
        due = parse_date(deadline, "核查期限")
    else:
        n = DEFAULT_VERIFY_DAYS if days is None else days
        due = calendar(db).add_workdays(today or dt.date.today(), n)
    return _transition(
        db,
        case_id,
        "assign",
        VERIFYING,
        operator=operator,
        expected_version=expected_version,
        changes={
            "department": department,
            "assignee": assignee,
            "verify_deadline": due.isoformat(),
        },
        note=f"交由{department}（{assignee}）核查，期限 {due.isoformat()}",
        data={"department": department, "assignee": assignee, "deadline": due.isoformat()},
    )


def decide(
    db: Database,
    case_id: int,
    *,
    confirmed: bool,
    reason: str,
    operator: str,
    class_1670: str | None = None,
    subtype: str | None = None,
    standards: list[str] | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """核查中 → 已认定 (``confirmed``) or 已排除; the reason is required either way."""
    reason = require_field(reason, "认定或排除", "认定/排除理由", "--reason")
    changes: dict[str, Any] = {"decision_reason": reason}
    if class_1670 is not None:
        if class_1670 not in CLASSES_1670:
            raise InvalidValueError(
                field="1670号文分类", value=class_1670, hint=f"可选：{'、'.join(CLASSES_1670)}。"
            )
        changes["class_1670"] = class_1670
    if subtype is not None:
        changes["subtype"] = subtype
    if standards is not None:
        changes["standards"] = dumps(list(standards))
    target = CONFIRMED if confirmed else DISMISSED
    return _transition(
        db,
        case_id,
        "decide",
        target,
        operator=operator,
        expected_version=expected_version,
        changes=changes,
        note=reason,
    )


def rectify(
    db: Database,
    case_id: int,
    *,
    measures: str,
    responsible: str,
    deadline: str | dt.date,
    operator: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """已认定/待复核 → 整改中 with measures, responsible person and deadline."""
    measures = require_field(measures, "部署整改", "整改措施", "--measures")
    responsible = require_field(responsible, "部署整改", "整改责任人", "--responsible")
    if deadline is None or not str(deadline).strip():
        raise MissingFieldError(action="部署整改", field="整改期限", option="--deadline")
    due = parse_date(deadline, "整改期限").isoformat()
    with db.atomic():
        case = _transition(
            db,
            case_id,
            "rectify",
            RECTIFYING,
            operator=operator,
            expected_version=expected_version,
            changes={"measures": measures, "responsible": responsible, "rectify_deadline": due},
            note=f"整改措施：{measures}；责任人：{responsible}；期限：{due}",
        )
        db.table("rectifications").insert(
            {
                "case_id": case_id,
                "measures": measures,
                "responsible": responsible,
                "deadline": due,
                "created_at": case["updated_at"],
                "operator": operator,
            }
        )
    return case


def submit_review(
    db: Database,
    case_id: int,
    *,
    operator: str,
    note: str = "",
    expected_version: int | None = None,
) -> dict[str, Any]:
    """整改中 → 待复核: the department reports rectification done."""
    return _transition(
        db,
        case_id,
        "review",
        REVIEWING,
        operator=operator,
        expected_version=expected_version,
        note=note,
    )


def close(
    db: Database,
    case_id: int,
    *,
    operator: str,
    note: str = "",
    expected_version: int | None = None,
) -> dict[str, Any]:
    """待复核 → 已销号: review passed, the case is closed out."""
    return _transition(
        db,
        case_id,
        "close",
        CLOSED,
        operator=operator,
        expected_version=expected_version,
        changes={"closed_at": now()},
        note=note,
    )


def reopen(
    db: Database, case_id: int, *, reason: str, operator: str, expected_version: int | None = None
) -> dict[str, Any]:
    """已排除/已销号 → 待核查; the reason is required and the old assignment is cleared."""
    reason = require_field(reason, "重新打开", "重新打开的理由", "--reason")
    return _transition(
        db,
        case_id,
        "reopen",
        PENDING,
        operator=operator,
        expected_version=expected_version,
        changes={"closed_at": None, "verify_deadline": None, "assignee": None},
        note=reason,
    )


def add_note(db: Database, case_id: int, *, note: str, operator: str) -> None:
    """A remark in the audit trail; the state and version do not change."""
    note = require_field(note, "添加备注", "备注内容", "--text")
    operator = require_field(operator, "添加备注", "经办人", "--operator")
    with db.atomic():
        state = get_case(db, case_id)["status"]
        log_action(db, case_id, "note", operator, state, state, note)


def is_overdue(case: dict[str, Any], today: dt.date) -> bool:
    """Past its verification deadline while 核查中, or its rectification deadline while 整改中."""
    field = {VERIFYING: "verify_deadline", RECTIFYING: "rectify_deadline"}.get(case["status"])
    return bool(field and case.get(field) and parse_date(case[field]) < today)


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere (``\\`` escapes wildcards)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def case_filter_sql(
    *,
    status: str | None = None,
    department: str | None = None,
    source: str | None = None,
    standard: str | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    text: str | None = None,
    departments: list[str] | tuple[str, ...] | set[str] | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (with leading " where ", or "") and parameters of the case filters."""
    if status is not None and status not in STATES:
        raise InvalidValueError(field="案件状态", value=status, hint=f"可选：{'、'.join(STATES)}。")
    if source is not None and source not in SOURCES:
        raise InvalidValueError(
            field="案件来源", value=source, hint=f"可选：{'、'.join(SOURCES)}。"
        )
    where: list[str] = []
    params: list[Any] = []
    for col, value in (("status", status), ("department", department), ("source", source)):
        if value is not None:
            where.append(f"cases.{col} = ?")
            params.append(value)
    if standard is not None:
        where.append("exists (select 1 from json_each(cases.standards) where value = ?)")
        params.append(standard)
    if overdue:
        day = (today or dt.date.today()).isoformat()
        where.append(
            "((cases.status = ? and coalesce(cases.verify_deadline, '') != '' "
            "and substr(cases.verify_deadline, 1, 10) < ?) or "
            "(cases.status = ? and coalesce(cases.rectify_deadline, '') != '' "
            "and substr(cases.rectify_deadline, 1, 10) < ?))"
        )
        params += [VERIFYING, day, RECTIFYING, day]
    if text is not None and text.strip():
        pattern = _like(text.strip())
        where.append(
            "(cases.title like ? escape '\\' or cases.summary like ? escape '\\' or exists "
            "(select 1 from findings f where f.case_id = cases.id and f.clause like ? escape '\\'))"
        )
        params += [pattern, pattern, pattern]
    if departments is not None:
        # A case belongs to the department it was assigned to, else its document's department.
        names = sorted(set(departments))
        if not names:
            where.append("0")
        else:
            marks = ", ".join("?" for _ in names)
            where.append(
                f"(cases.department in ({marks}) or (coalesce(cases.department, '') = '' "
                "and cases.document_id in "
                f"(select id from documents where department in ({marks}))))"
            )
            params += names + names
    return (" where " + " and ".join(where) if where else ""), params


def list_cases(
    db: Database,
    *,
    status: str | None = None,
    department: str | None = None,
    source: str | None = None,
    standard: str | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    text: str | None = None,
    departments: list[str] | tuple[str, ...] | set[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Cases matching every given filter, oldest first.

    ``text`` is a substring of the title, summary or one of the case's findings' clauses;
    ``departments`` keeps the cases of those departments (assigned to one, or not assigned and
    about a document of one); ``overdue`` the cases past their verification deadline while 核查中
    or their rectification deadline while 整改中 on ``today``. ``limit``/``offset`` page the
    result (see ``count_cases`` for the total).
    """
    where, params = case_filter_sql(
        status=status,
        department=department,
        source=source,
        standard=standard,
        overdue=overdue,
        today=today,
        text=text,
        departments=departments,
    )
    sql = "select * from cases" + where + " order by cases.id"
    if limit is not None or offset:
        sql += " limit ? offset ?"
        params += [-1 if limit is None else max(0, int(limit)), max(0, int(offset))]
    return [decode_case(r) for r in db.query(sql, params)]


def count_cases(
    db: Database,
    *,
    status: str | None = None,
    department: str | None = None,
    source: str | None = None,
    standard: str | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    text: str | None = None,
    departments: list[str] | tuple[str, ...] | set[str] | None = None,
) -> int:
    """How many cases ``list_cases`` with the same filters returns (without paging)."""
    where, params = case_filter_sql(
        status=status,
        department=department,
        source=source,
        standard=standard,
        overdue=overdue,
        today=today,
        text=text,
        departments=departments,
    )
    row = db.execute("select count(*) from cases" + where, params).fetchone()
    return int(row[0])


def case_actions(db: Database, case_id: int) -> list[dict[str, Any]]:
    return list(db.query("select * from actions where case_id = ? order by id", [case_id]))
