"""Draft review (增量审查) in the ledger: 审查对象, their versions, review items and the trail.

A department sends a policy draft before it is issued; the reviewer settles every suspect clause
(构成问题 / 不构成问题 / 适用例外) and writes the 书面审查结论 (《公平竞争审查条例》第十七条,
《实施办法》第二十六条至第三十四条). A revised draft is a new version of the same 审查对象: items on
unchanged clauses keep their settlement, items whose clause was reworded or deleted become
已修改待确认, and a substantial change re-opens a concluded review (实施办法第二十七条).

Every change is one transaction and leaves a row in ``review_actions``. Functions take the
screening results as plain values (``NewItem``); parsing and the engine are the caller's
(``screening.drafts``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..errors import (
    ConclusionMismatchError,
    InvalidValueError,
    MissingFieldError,
    ReviewConcludedError,
    ReviewItemNotFoundError,
    ReviewNotConcludedError,
    ReviewNotFoundError,
    ReviewRuleError,
    UnsettledItemsError,
)
from ..types import Clause
from .clausediff import ADDED, CHANGED, DELETED, SAME, ClauseChange, clause_key
from .clausediff import summary as clause_counts
from .db import dumps, insert_row, now, update_row

# Review status
OPEN = "审查中"
CONCLUDED = "已结论"

# Item states
PENDING = "待认定"
PROBLEM = "构成问题"
NOT_PROBLEM = "不构成问题"
EXCEPTION = "适用例外"
CHANGED_PENDING = "已修改待确认"  # the clause was reworded or deleted in a later version
REVISED = "已修改"  # confirmed: the revision removed the problem
ITEM_STATES = (PENDING, PROBLEM, NOT_PROBLEM, EXCEPTION, CHANGED_PENDING, REVISED)
SETTLEMENTS = (PROBLEM, NOT_PROBLEM, EXCEPTION, REVISED)
UNSETTLED = (PENDING, CHANGED_PENDING)

# Conclusions (书面审查结论)
COMPLIANT = "符合"
NON_COMPLIANT = "不符合"
EXCEPTED = "适用例外"
RESULTS = (COMPLIANT, NON_COMPLIANT, EXCEPTED)

# 条例第十二条 items a 适用例外 settlement names, and the 实施办法第二十九条 explanations it needs.
EXCEPTION_CODES = ("EXC-TL12-1", "EXC-TL12-2", "EXC-TL12-3", "EXC-TL12-4")
EXPLANATIONS = {
    "1": "政策措施具有或者可能具有的排除、限制竞争效果",
    "2": "适用条例第十二条规定的具体情形",
    "3": "政策措施对公平竞争不利影响最小的理由",
    "4": "政策措施实施期限或者终止条件的合理性",
    "5": "其他需要说明的内容",
}
REQUIRED_EXPLANATIONS = ("1", "3", "4")  # （二） is the chosen 条例第十二条 item; （五） optional

# Materials a draft headed to the 市场监督管理部门 comes with (实施办法第三十一条).
# The documents a concluded review can be written up as (reports.review_docs drafts them).
KIND_CONCLUSION = "审查结论"
KIND_LETTER = "修改建议函"
KINDS = (KIND_CONCLUSION, KIND_LETTER)
MATERIAL_KINDS = ("政策措施起草说明", "公平竞争审查初审意见", "其他材料")

# A concluded review re-opens when a new version brings new or reworded suspect clauses, or when
# at least this share of its clauses changed (实施办法第二十七条 "重大变化").
SUBSTANTIAL_SHARE = 0.2


@dataclass(frozen=True)
class DraftInfo:
    """What identifies a draft and is printed on its 审查表."""

    title: str
    drafter: str  # 起草单位
    doc_number: str | None = None
    doc_date: str | None = None
    department: str | None = None  # 审查机构 handling it
    kind: str | None = None  # 性质类别
    domain: str | None = None  # 涉及行业领域
    to_samr: bool = False
    # The fields the reviewer typed: on a revision they replace the recorded values; the
    # others (read from the document) only fill fields still empty.
    explicit: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DraftVersion:
    """One submitted file of a draft, with its clauses."""

    path: str
    sha256: str
    format: str
    metadata: dict[str, Any]
    clauses: tuple[Clause, ...]
    engine: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NewItem:
    """A suspect clause to settle: from the engine (``finding`` set) or added by the reviewer."""

    clause_index: int
    standard: str | None
    standards: tuple[str, ...] = ()
    score: float | None = None
    finding: dict[str, Any] | None = None
    suggestions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SubmitResult:
    review_id: int
    version: int
    created: bool = False  # a new 审查对象
    unchanged: bool = False  # the same file as the current version: nothing recorded
    items_new: int = 0
    items_carried: int = 0  # kept with their settlement on unchanged clauses
    items_changed: int = 0  # now 已修改待确认
    clauses: dict[str, int] = field(default_factory=dict)  # diff counts (same/changed/…)
    screened: int = 0  # clauses the engine looked at
    substantial: bool = False
    reopened: bool = False


def seq_list(seqs: Sequence[int]) -> str:
    """2、3、5至9: item numbers with runs collapsed (a long list reads badly)."""
    parts: list[str] = []
    run: list[int] = []
    for n in [*sorted(seqs), 0]:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(f"{run[0]}至{run[-1]}" if len(run) > 2 else "、".join(str(k) for k in run))
        run = [n]
    return "、".join(parts)


# --- reading -----------------------------------------------------------------------------


def _review_row(db: Database, review_id: int) -> dict[str, Any]:
    rows = list(db.query("select * from reviews where id = ?", [review_id]))
    if not rows:
        raise ReviewNotFoundError(review_id=review_id)
    return rows[0]


def find_review(db: Database, title: str, drafter: str) -> int | None:
    """The 审查对象 with this title and drafting unit (the newest one), if any."""
    rows = list(
        db.query(
            "select id from reviews where title = ? and drafter = ? order by id desc limit 1",
            [title.strip(), drafter.strip()],
        )
    )
    return int(rows[0]["id"]) if rows else None


def current_version(db: Database, review_id: int) -> dict[str, Any]:
    """The newest version row of a review, with ``clauses`` decoded into Clause objects."""
    rows = list(
        db.query(
            "select * from review_versions where review_id = ? order by version desc limit 1",
            [review_id],
        )
    )
    if not rows:
        raise ReviewNotFoundError(review_id=review_id)
    return _decode_version(rows[0])


def _decode_version(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["clauses"] = [Clause.from_dict(c) for c in json.loads(row["clauses"] or "[]")]
    out["metadata"] = json.loads(row["metadata"] or "{}")
    out["diff"] = json.loads(row["diff"] or "null")
    out["engine"] = json.loads(row["engine"] or "{}")
    return out


def _decode_item(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key, empty in (("standards", "[]"), ("explanations", "{}"), ("suggestions", "[]")):
        out[key] = json.loads(row[key] or empty)
    out["finding"] = json.loads(row["finding"]) if row["finding"] else None
    return out


def items_of(db: Database, review_id: int) -> list[dict[str, Any]]:
    rows = db.query("select * from review_items where review_id = ? order by seq", [review_id])
    return [_decode_item(r) for r in rows]


def get_item(db: Database, review_id: int, seq: int) -> dict[str, Any]:
    rows = list(
        db.query("select * from review_items where review_id = ? and seq = ?", [review_id, seq])
    )
    if not rows:
        raise ReviewItemNotFoundError(review_id=review_id, item_id=seq)
    return _decode_item(rows[0])


def get_review(db: Database, review_id: int) -> dict[str, Any]:
    """The review with its items, versions (newest last), materials and trail."""
    review = _review_row(db, review_id)
    review["items"] = items_of(db, review_id)
    review["versions"] = [
        _decode_version(r)
        for r in db.query(
            "select * from review_versions where review_id = ? order by version", [review_id]
        )
    ]
    review["materials"] = list(
        db.query("select * from review_materials where review_id = ? order by id", [review_id])
    )
    review["actions"] = review_actions(db, review_id)
    return review


def review_actions(db: Database, review_id: int) -> list[dict[str, Any]]:
    rows = db.query(
        "select a.*, i.seq as item_seq from review_actions a "
        "left join review_items i on i.id = a.item_id where a.review_id = ? order by a.id",
        [review_id],
    )
    return [{**r, "data": json.loads(r["data"] or "{}")} for r in rows]


def list_reviews(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    """One row per 审查对象: id, title, version, status, result and the item counts."""
    where, args = ("where r.status = ?", [status]) if status else ("", [])
    sql = (
        "select r.id, r.title, r.drafter, r.department, r.version, r.status, r.result, "
        "r.created_at, r.updated_at, r.concluded_at, "
        "count(i.id) as items, "
        f"sum(case when i.state in ('{PENDING}', '{CHANGED_PENDING}') then 1 else 0 end) "
        "as unsettled, "
        f"sum(case when i.state = '{PROBLEM}' then 1 else 0 end) as problems "
        f"from reviews r left join review_items i on i.review_id = r.id {where} "
        "group by r.id order by r.id"
    )
    return [
        {**r, "unsettled": r["unsettled"] or 0, "problems": r["problems"] or 0}
        for r in db.query(sql, args)
    ]


def materials_checklist(db: Database, review_id: int) -> list[dict[str, Any]]:
    """实施办法第三十一条: 草案, 起草说明, 初审意见 (and other materials), each present or not."""
    review = _review_row(db, review_id)
    have: dict[str, list[dict[str, Any]]] = {}
    for m in db.query("select * from review_materials where review_id = ?", [review_id]):
        have.setdefault(m["kind"], []).append(m)
    version = current_version(db, review_id)
    rows = [
        {
            "material": "政策措施草案",
            "present": True,
            "detail": f"第 {review['version']} 稿：{version['path']}",
        }
    ]
    for kind in MATERIAL_KINDS:
        found = have.get(kind, [])
        rows.append(
            {
                "material": kind,
                "present": bool(found),
                "detail": "；".join(m["path"] for m in found)
                if found
                else (
                    "可用 screening review document --kind 修改建议函 生成初审意见草稿后补充"
                    if kind == "公平竞争审查初审意见"
                    else "未提供"
                ),
            }
        )
    return rows


# --- the trail ---------------------------------------------------------------------------


def _log(
    db: Database,
    review_id: int,
    action: str,
    operator: str,
    note: str = "",
    item_id: int | None = None,
    data: dict[str, Any] | None = None,
    stamp: str | None = None,
) -> None:
    insert_row(
        db,
        "review_actions",
        {
            "review_id": review_id,
            "item_id": item_id,
            "at": stamp or now(),
            "operator": operator,
            "action": action,
            "note": note,
            "data": dumps(data or {}),
        },
    )


def _touch(db: Database, review_id: int, stamp: str, **values: Any) -> None:
    db.execute(
        "update reviews set revision = revision + 1, updated_at = ? where id = ?",
        [stamp, review_id],
    )
    if values:
        update_row(db, "reviews", review_id, values)


# --- submitting drafts and their versions -------------------------------------------------


def _insert_version(
    db: Database,
    review_id: int,
    number: int,
    v: DraftVersion,
    *,
    diff: list[ClauseChange] | None,
    screened: int,
    substantial: bool,
    operator: str,
    stamp: str,
) -> None:
    insert_row(
        db,
        "review_versions",
        {
            "review_id": review_id,
            "version": number,
            "path": v.path,
            "sha256": v.sha256,
            "format": v.format,
            "metadata": dumps(v.metadata),
            "clauses": dumps([c.to_dict() for c in v.clauses]),
            "diff": dumps([c.__dict__ for c in diff]) if diff is not None else None,
            "screened": screened,
            "substantial": int(substantial),
            "engine": dumps(v.engine),
            "submitted_at": stamp,
            "operator": operator,
        },
    )


def _next_seq(db: Database, review_id: int) -> int:
    row = db.execute(
        "select coalesce(max(seq), 0) from review_items where review_id = ?", [review_id]
    ).fetchone()
    return int(row[0]) + 1


def _insert_item(
    db: Database,
    review_id: int,
    version: int,
    clause: Clause,
    item: NewItem,
    *,
    origin: str,
    state: str,
    stamp: str,
    operator: str | None = None,
    reason: str | None = None,
) -> tuple[int, int]:
    seq = _next_seq(db, review_id)
    item_id = insert_row(
        db,
        "review_items",
        {
            "review_id": review_id,
            "seq": seq,
            "version_raised": version,
            "version_seen": version,
            "clause_key": clause_key(clause.text),
            "clause_index": clause.index,
            "clause": clause.text,
            "article_path": clause.article_path,
            "page": clause.page,
            "standard": item.standard,
            "standards": dumps(list(item.standards) or ([item.standard] if item.standard else [])),
            "score": item.score,
            "finding": dumps(item.finding) if item.finding is not None else None,
            "origin": origin,
            "state": state,
            "reason": reason,
            "suggestions": dumps(list(item.suggestions)),
            "settled_by": operator if state != PENDING else None,
            "settled_at": stamp if state != PENDING else None,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    return item_id, seq


def submit(
    db: Database,
    info: DraftInfo,
    version: DraftVersion,
    items: Sequence[NewItem],
    *,
    operator: str,
    review_id: int | None = None,
    diff: list[ClauseChange] | None = None,
    screened: int = 0,
) -> SubmitResult:
    """Record a draft: a new 审查对象 (``review_id`` None), or a new version of one.

    For a new version, ``diff`` compares the current version's clauses with ``version.clauses``
    and ``items`` are the suspect clauses found among the added and changed ones. The same file
    as the current version records nothing (``unchanged``).
    """
    if not info.title.strip():
        raise MissingFieldError(action="提交审查", field="政策措施名称", option="--title")
    if not info.drafter.strip():
        raise MissingFieldError(action="提交审查", field="起草单位", option="--drafter")
    by_index = {c.index: c for c in version.clauses}
    for it in items:
        if it.clause_index not in by_index:
            raise ReviewRuleError(detail=f"第 {it.clause_index + 1} 条款不在送审稿中。")
    stamp = now()
    with db.atomic():
        if review_id is None:
            return _create(db, info, version, items, by_index, operator, stamp, screened)
        return _revise(
            db, review_id, info, version, items, by_index, diff, operator, stamp, screened
        )


def _create(
    db: Database,
    info: DraftInfo,
    version: DraftVersion,
    items: Sequence[NewItem],
    by_index: dict[int, Clause],
    operator: str,
    stamp: str,
    screened: int,
) -> SubmitResult:
    review_id = insert_row(
        db,
        "reviews",
        {
            "title": info.title.strip(),
            "doc_number": info.doc_number,
            "doc_date": info.doc_date,
            "drafter": info.drafter.strip(),
            "department": info.department,
            "kind": info.kind,
            "domain": info.domain,
            "to_samr": int(info.to_samr),
            "version": 1,
            "status": OPEN,
            "created_at": stamp,
            "updated_at": stamp,
            "revision": 1,
        },
    )
    _insert_version(
        db,
        review_id,
        1,
        version,
        diff=None,
        screened=screened,
        substantial=False,
        operator=operator,
        stamp=stamp,
    )
    for it in items:
        _insert_item(
            db,
            review_id,
            1,
            by_index[it.clause_index],
            it,
            origin="engine",
            state=PENDING,
            stamp=stamp,
        )
    _log(
        db,
        review_id,
        "提交审查",
        operator,
        f"第 1 稿：{version.path}；条款 {len(version.clauses)} 条，待认定事项 {len(items)} 个",
        data={"version": 1, "sha256": version.sha256, "items": len(items)},
        stamp=stamp,
    )
    return SubmitResult(
        review_id,
        1,
        created=True,
        items_new=len(items),
        clauses={"added": len(by_index)},
        screened=screened,
    )


def _revise(
    db: Database,
    review_id: int,
    info: DraftInfo,
    version: DraftVersion,
    items: Sequence[NewItem],
    by_index: dict[int, Clause],
    diff: list[ClauseChange] | None,
    operator: str,
    stamp: str,
    screened: int,
) -> SubmitResult:
    review = _review_row(db, review_id)
    prev = current_version(db, review_id)
    if prev["sha256"] == version.sha256:
        return SubmitResult(review_id, int(review["version"]), unchanged=True)
    if diff is None:
        raise ReviewRuleError(detail="提交修订稿时缺少与上一稿的条款对比结果。")
    number = int(review["version"]) + 1
    by_old = {c.old: c for c in diff if c.old is not None}
    carried = changed = 0
    for item in items_of(db, review_id):
        if item["clause_index"] is None or item["version_seen"] != number - 1:
            continue  # already off the text (deleted in an earlier version)
        change = by_old.get(item["clause_index"])
        if change is None:
            continue
        values: dict[str, Any] = {"version_seen": number, "updated_at": stamp}
        if change.kind == SAME:
            assert change.new is not None
            values["clause_index"] = change.new
            carried += 1
            update_row(db, "review_items", item["id"], values)
            continue
        changed += 1
        if change.kind == CHANGED:
            assert change.new is not None
            values.update(clause_index=change.new, revised_clause=by_index[change.new].text)
            note = f"条款已修改为：{by_index[change.new].text}"
        else:
            values.update(clause_index=None, revised_clause=None)
            note = "条款已在修订稿中删除"
        # Reworded again before anyone confirmed: the settlement it had stays the one to show.
        prior = item["prior_state"] if item["state"] == CHANGED_PENDING else item["state"]
        values.update(state=CHANGED_PENDING, prior_state=prior)
        update_row(db, "review_items", item["id"], values)
        _log(
            db,
            review_id,
            "条款已修改待确认",
            operator,
            note,
            item_id=item["id"],
            data={"version": number, "change": change.kind, "prior_state": item["state"]},
            stamp=stamp,
        )
    for it in items:
        _insert_item(
            db,
            review_id,
            number,
            by_index[it.clause_index],
            it,
            origin="engine",
            state=PENDING,
            stamp=stamp,
        )
    counts = clause_counts(diff)
    total = max(len(prev["clauses"]), 1)
    share = (counts[CHANGED] + counts[DELETED] + counts[ADDED]) / total
    substantial = bool(items) or changed > 0 or share >= SUBSTANTIAL_SHARE
    reopened = review["status"] == CONCLUDED and substantial
    _insert_version(
        db,
        review_id,
        number,
        version,
        diff=diff,
        screened=screened,
        substantial=reopened,
        operator=operator,
        stamp=stamp,
    )
    changes: dict[str, Any] = {"version": number}
    for key in ("doc_number", "doc_date", "department", "kind", "domain"):
        if getattr(info, key) and (key in info.explicit or not review[key]):
            changes[key] = getattr(info, key)
    if info.to_samr:
        changes["to_samr"] = 1
    if reopened:
        changes.update(status=OPEN, result=None, concluded_at=None, concluded_by=None)
    _touch(db, review_id, stamp, **changes)
    _log(
        db,
        review_id,
        "提交修订稿",
        operator,
        f"第 {number} 稿：{version.path}；条款未变 {counts[SAME]} 条、修改 {counts[CHANGED]} 条、"
        f"删除 {counts[DELETED]} 条、新增 {counts[ADDED]} 条；沿用认定 {carried} 个，"
        f"已修改待确认 {changed} 个，新增待认定 {len(items)} 个",
        data={"version": number, "sha256": version.sha256, "diff": counts},
        stamp=stamp,
    )
    if reopened:
        _log(
            db,
            review_id,
            "重新审查",
            operator,
            f"审查结论作出后政策措施内容发生重大变化，依据《实施办法》第二十七条重新开展审查"
            f"（原结论：{review['result']}）",
            data={"previous_result": review["result"]},
            stamp=stamp,
        )
    elif review["status"] == CONCLUDED:
        _log(
            db,
            review_id,
            "修订稿未作重大修改",
            operator,
            f"第 {number} 稿与上一稿相比无新的疑似问题条款，审查结论（{review['result']}）继续有效",
            stamp=stamp,
        )
    return SubmitResult(
        review_id,
        number,
        items_new=len(items),
        items_carried=carried,
        items_changed=changed,
        clauses=counts,
        screened=screened,
        substantial=substantial,
        reopened=reopened,
    )


# --- settling items ----------------------------------------------------------------------


def _open_review(db: Database, review_id: int, action: str) -> dict[str, Any]:
    review = _review_row(db, review_id)
    if review["status"] == CONCLUDED:
        raise ReviewConcludedError(review_id=review_id, result=review["result"], action=action)
    return review


def check_settlement(
    item: dict[str, Any],
    state: str,
    reason: str | None,
    exception_code: str | None,
    explanations: dict[str, str],
) -> None:
    """Why a settlement cannot be recorded (raises), as the rules of the 审查表 require."""
    if state not in SETTLEMENTS:
        raise InvalidValueError(
            field="认定结果", value=state, hint=f"可选：{'、'.join(SETTLEMENTS)}。"
        )
    if state == NOT_PROBLEM and not (reason or "").strip():
        raise MissingFieldError(action="认定为不构成问题", field="理由", option="--reason")
    if state == REVISED and item["state"] != CHANGED_PENDING:
        raise ReviewRuleError(
            detail=f"事项 {item['seq']} 的条款没有在修订稿中修改或删除，不能认定为“已修改”。"
            "请认定为构成问题、不构成问题或适用例外。"
        )
    if state == EXCEPTION:
        if exception_code not in EXCEPTION_CODES:
            raise MissingFieldError(
                action="认定为适用例外",
                field="所适用的《公平竞争审查条例》第十二条情形（1–4）",
                option="--exception",
            )
        missing = [k for k in REQUIRED_EXPLANATIONS if not (explanations.get(k) or "").strip()]
        if missing:
            need = "；".join(f"（{'一二三四五'[int(k) - 1]}）{EXPLANATIONS[k]}" for k in missing)
            raise MissingFieldError(
                action="认定为适用例外",
                field=f"《实施办法》第二十九条要求说明的内容：{need}",
                option="--effect、--least-harm、--term",
            )


def settle(
    db: Database,
    review_id: int,
    seq: int,
    state: str,
    *,
    operator: str,
    reason: str | None = None,
    exception_code: str | None = None,
    explanations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Record the reviewer's settlement of item ``seq``; returns the updated item."""
    explanations = {k: v.strip() for k, v in (explanations or {}).items() if v and v.strip()}
    with db.atomic():
        _open_review(db, review_id, "认定事项")
        item = get_item(db, review_id, seq)
        check_settlement(item, state, reason, exception_code, explanations)
        stamp = now()
        values = {
            "state": state,
            "reason": (reason or "").strip() or None,
            "exception_code": exception_code if state == EXCEPTION else None,
            "explanations": dumps(explanations) if state == EXCEPTION else None,
            "settled_by": operator,
            "settled_at": stamp,
            "updated_at": stamp,
        }
        update_row(db, "review_items", item["id"], values)
        _touch(db, review_id, stamp)
        _log(
            db,
            review_id,
            f"认定：{state}",
            operator,
            (reason or "").strip(),
            item_id=item["id"],
            data={
                "from": item["state"],
                "to": state,
                "exception": values["exception_code"],
                "explanations": explanations if state == EXCEPTION else {},
            },
            stamp=stamp,
        )
        return get_item(db, review_id, seq)


def add_item(
    db: Database,
    review_id: int,
    clause_index: int,
    item: NewItem,
    *,
    operator: str,
    reason: str | None = None,
) -> dict[str, Any]:
    """An item the engine missed: the reviewer picks a clause of the current version and the
    standard it breaches; it is recorded as 构成问题 by that reviewer."""
    if not item.standard:
        raise MissingFieldError(action="添加审查事项", field="审查标准编号", option="--standard")
    with db.atomic():
        review = _open_review(db, review_id, "添加事项")
        version = current_version(db, review_id)
        clauses = {c.index: c for c in version["clauses"]}
        if clause_index not in clauses:
            raise ReviewRuleError(
                detail=f"第 {review['version']} 稿没有第 {clause_index + 1} 条款"
                f"（共 {len(clauses)} 条）。"
                f"运行 screening review show {review_id} --clauses 查看条款编号。"
            )
        stamp = now()
        item_id, seq = _insert_item(
            db,
            review_id,
            int(review["version"]),
            clauses[clause_index],
            item,
            origin="reviewer",
            state=PROBLEM,
            stamp=stamp,
            operator=operator,
            reason=(reason or "").strip() or None,
        )
        _touch(db, review_id, stamp)
        _log(
            db,
            review_id,
            "补充审查事项",
            operator,
            (reason or "").strip(),
            item_id=item_id,
            data={"clause_index": clause_index, "standard": item.standard},
            stamp=stamp,
        )
        return get_item(db, review_id, seq)


# --- concluding --------------------------------------------------------------------------


def check_conclusion(items: Sequence[dict[str, Any]], result: str) -> None:
    """Raise unless ``result`` follows from the settled ``items`` (the conclusion guard)."""
    if result not in RESULTS:
        raise InvalidValueError(
            field="审查结论", value=result, hint=f"可选：{'、'.join(RESULTS)}。"
        )
    open_items = [i for i in items if i["state"] in UNSETTLED]
    if open_items:
        raise UnsettledItemsError(
            review_id=items[0]["review_id"],
            count=len(open_items),
            items="；".join(
                f"{state}：事项{seq_list([i['seq'] for i in open_items if i['state'] == state])}"
                for state in UNSETTLED
                if any(i["state"] == state for i in open_items)
            ),
        )
    problems = [i["seq"] for i in items if i["state"] == PROBLEM]
    excepted = [i["seq"] for i in items if i["state"] == EXCEPTION]
    if result == COMPLIANT and (problems or excepted):
        detail = (
            f"事项 {'、'.join(map(str, problems))} 认定为构成问题，结论应为“不符合”。"
            if problems
            else f"事项 {'、'.join(map(str, excepted))} 认定为适用例外，结论应为“适用例外”。"
        )
        raise ConclusionMismatchError(result=result, detail=detail)
    if result == NON_COMPLIANT and not problems:
        raise ConclusionMismatchError(
            result=result, detail="没有认定为构成问题的事项。请先认定，或将结论改为“符合”。"
        )
    if result == EXCEPTED:
        if problems:
            raise ConclusionMismatchError(
                result=result,
                detail=f"事项 {'、'.join(map(str, problems))} 认定为构成问题且不适用例外，"
                "结论应为“不符合”。",
            )
        if not excepted:
            raise ConclusionMismatchError(
                result=result, detail="没有认定为适用例外的事项，结论应为“符合”。"
            )


def conclude(
    db: Database,
    review_id: int,
    result: str,
    *,
    operator: str,
    note: str | None = None,
    consultation: str | None = None,
) -> dict[str, Any]:
    """Write the 审查结论 into the ledger; refused while an item is unsettled."""
    with db.atomic():
        _open_review(db, review_id, "作出审查结论")
        items = items_of(db, review_id)
        if items:
            check_conclusion(items, result)
        elif result != COMPLIANT:
            raise ConclusionMismatchError(
                result=result, detail="未发现疑似问题条款，也没有补充事项，结论应为“符合”。"
            )
        stamp = now()
        values: dict[str, Any] = {
            "status": CONCLUDED,
            "result": result,
            "conclusion_note": (note or "").strip() or None,
            "concluded_at": stamp,
            "concluded_by": operator,
        }
        if consultation and consultation.strip():
            values["consultation"] = consultation.strip()
        _touch(db, review_id, stamp, **values)
        _log(
            db,
            review_id,
            f"作出审查结论：{result}",
            operator,
            (note or "").strip(),
            data={"result": result, "items": len(items)},
            stamp=stamp,
        )
        return _review_row(db, review_id)


def reopen(db: Database, review_id: int, *, operator: str, reason: str) -> dict[str, Any]:
    if not reason.strip():
        raise MissingFieldError(action="重新打开审查", field="理由", option="--reason")
    with db.atomic():
        review = _review_row(db, review_id)
        if review["status"] != CONCLUDED:
            raise ReviewNotConcludedError(review_id=review_id)
        stamp = now()
        _touch(db, review_id, stamp, status=OPEN, result=None, concluded_at=None, concluded_by=None)
        _log(
            db,
            review_id,
            "重新打开审查",
            operator,
            reason.strip(),
            data={"previous_result": review["result"]},
            stamp=stamp,
        )
        return _review_row(db, review_id)


def update_info(db: Database, review_id: int, *, operator: str, **values: str | None) -> None:
    """Set printed fields (听取意见情况, 涉及行业领域, 性质类别, 审查机构 …) of a review."""
    # Not the title or drafter: they are what links a revised draft to its review.
    allowed = {"consultation", "domain", "kind", "department", "doc_number", "doc_date"}
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    unknown = set(given) - allowed
    if unknown:
        raise ReviewRuleError(detail=f"不能修改的字段：{'、'.join(sorted(unknown))}。")
    if not given:
        return
    with db.atomic():
        _open_review(db, review_id, "修改审查对象信息")
        stamp = now()
        _touch(db, review_id, stamp, **given)
        _log(db, review_id, "修改信息", operator, "", data=given, stamp=stamp)


def add_material(
    db: Database,
    review_id: int,
    kind: str,
    path: str,
    sha256: str,
    *,
    operator: str,
    note: str | None = None,
) -> int:
    if kind not in MATERIAL_KINDS:
        raise InvalidValueError(
            field="材料类别", value=kind, hint=f"可选：{'、'.join(MATERIAL_KINDS)}。"
        )
    with db.atomic():
        _review_row(db, review_id)
        stamp = now()
        dup = db.execute(
            "select id from review_materials where review_id = ? and kind = ? and sha256 = ?",
            [review_id, kind, sha256],
        ).fetchone()
        if dup:
            return int(dup[0])
        mid = insert_row(
            db,
            "review_materials",
            {
                "review_id": review_id,
                "kind": kind,
                "path": path,
                "sha256": sha256,
                "note": note,
                "added_at": stamp,
                "operator": operator,
            },
        )
        _touch(db, review_id, stamp)
        _log(db, review_id, f"补充材料：{kind}", operator, path, stamp=stamp)
        return mid
