"""Cases that do not come from screening: complaints and clues, referrals, self-inspection."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..domain import SOURCES, Source
from ..errors import FileMissingError, InvalidValueError, LedgerError
from .cases import add_note, create_case, excerpt, get_case, require_field
from .db import calendar, insert_row, now
from .workdays import parse_date

DEFAULT_REPLY_DAYS = 15  # 投诉举报反馈时限：默认 15 个工作日
# Sources a person registers by hand; 筛查发现 comes from sweeps, 投诉举报 from complaints.
MANUAL_SOURCES = tuple(s for s in SOURCES if s not in (Source.SCREENING, Source.COMPLAINT))


def reply_due(db: Database, received_at: str, days: int) -> str:
    """The date by which a complaint received at ``received_at`` must be answered."""
    return calendar(db).add_workdays(parse_date(received_at[:10], "受理时间"), days).isoformat()


def add_complaint(
    db: Database,
    *,
    content: str,
    operator: str,
    channel: str = "",
    complainant: str = "",
    contact: str = "",
    respondent: str = "",
    received_at: str | None = None,
    department: str | None = None,
    reply_days: int = DEFAULT_REPLY_DAYS,
    case_id: int | None = None,
    title: str = "",
    standards: list[str] | tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
) -> int:
    """Register a complaint or clue (投诉举报); returns its case id.

    A new case (source 投诉举报) is opened unless ``case_id`` names an existing case the complaint
    joins (a repeat complaint about the same matter); either way the case's trail records it.
    The reply deadline is ``reply_days`` working days after ``received_at``.
    """
    content = require_field(content, "登记投诉举报", "投诉举报内容", "--content")
    received = received_at or now()
    short = title or excerpt(content)
    with db.atomic():
        if case_id is None:
            case_id = create_case(
                db,
                source=Source.COMPLAINT.value,
                title=short,
                summary=content,
                operator=operator,
                department=department,
                standards=list(standards),
            )
        else:
            get_case(db, case_id)  # raises when missing
            ext = (extra or {}).get("external_id")
            where = "、".join(x for x in (channel, f"工单 {ext}" if ext else "") if x)
            note = "合并同一事项的投诉举报" + (f"（{where}）" if where else "") + f"：{short}"
            add_note(db, case_id, note=note, operator=operator)
        db.table("complaints").insert(
            {
                "case_id": case_id,
                "received_at": received,
                "channel": channel,
                "complainant": complainant,
                "contact": contact,
                "respondent": respondent,
                "content": content,
                "created_at": now(),
                "title": title,
                "content_hash": content_hash(content),
                "reply_due": reply_due(db, received, reply_days),
                **(extra or {}),
            }
        )
    return case_id


def content_hash(content: str) -> str:
    """Whitespace-insensitive hash of a complaint's text (re-import of exports without ids)."""
    return hashlib.sha256(re.sub(r"\s+", "", content).encode()).hexdigest()[:32]


def add_feedback(
    db: Database,
    case_id: int,
    *,
    content: str,
    operator: str,
    channel: str = "",
    complaint_id: int | None = None,
) -> int:
    """Record the reply given to a complainant (反馈); also noted in the case's trail."""
    content = require_field(content, "登记反馈", "反馈内容", "--content")
    with db.atomic():
        add_note(db, case_id, note=f"反馈投诉举报人：{content}", operator=operator)
        pk = insert_row(
            db,
            "feedback",
            {
                "case_id": case_id,
                "complaint_id": complaint_id,
                "at": now(),
                "operator": operator,
                "channel": channel,
                "content": content,
            },
        )
    return pk


def add_attachment(
    db: Database, case_id: int, path: str | Path, *, operator: str, note: str = ""
) -> int:
    """Link a file (核查材料、整改文件) to a case by path and SHA-256 of its current content."""
    p = Path(path)
    if not p.is_file():
        raise FileMissingError(path=str(p))
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    with db.atomic():
        add_note(
            db,
            case_id,
            note=f"添加附件：{p.name}（{note}）" if note else f"添加附件：{p.name}",
            operator=operator,
        )
        pk = insert_row(
            db,
            "attachments",
            {
                "case_id": case_id,
                "path": str(p),
                "sha256": digest,
                "note": note,
                "added_at": now(),
                "operator": operator,
            },
        )
    return pk


def register_case(
    db: Database,
    *,
    source: str,
    content: str,
    operator: str,
    title: str = "",
    department: str | None = None,
    standards: list[str] | tuple[str, ...] = (),
    class_1670: str | None = None,
    subtype: str | None = None,
    document: str | Path | None = None,
    similar: tuple[int | None, float] = (None, 0.0),
    notes: tuple[str, ...] = (),
) -> int:
    """Open a case found another way: 上级交办 (a referral), 效能评估, 公开信息搜集 or 自查.

    ``document`` links the case to a document already in the ledger (by path); ``similar`` is
    the most similar open case and its similarity, noted when given; ``notes`` (e.g. the engine's
    suggestion) go to the trail. Returns the case id.
    """
    if source not in MANUAL_SOURCES:
        hint = (
            f"可选：{'、'.join(MANUAL_SOURCES)}。筛查发现的问题由 screening scan 登记，"
            "投诉举报用 screening complaints add 或 import 登记。"
        )
        raise InvalidValueError(field="案件来源", value=source, hint=hint)
    content = require_field(content, "登记案件", "问题描述", "--content")
    document_id = None
    if document is not None:
        from .record import ledger_path

        rows = list(db.query("select id from documents where path = ?", [ledger_path(document)]))
        if not rows:
            raise LedgerError(
                detail=f"文件 {document} 尚未登记到台账。请先运行 screening scan {document} "
                "筛查并登记该文件，或不加 --document 登记案件。"
            )
        document_id = int(rows[0]["id"])
    short = title or excerpt(content)
    with db.atomic():
        case_id = create_case(
            db,
            source=source,
            title=short,
            summary=content,
            operator=operator,
            department=department,
            standards=list(standards),
            class_1670=class_1670,
            subtype=subtype,
            document_id=document_id,
        )
        other, sim = similar
        if other is not None:
            add_note(
                db,
                case_id,
                note=f"可能与案件 {other} 重复（文字相似度 {sim:.2f}），请核对。",
                operator=operator,
            )
        for note in notes:
            add_note(db, case_id, note=note, operator=operator)
    return case_id
