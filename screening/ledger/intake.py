"""Cases that do not come from screening: complaints and clues, referrals, self-inspection."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlite_utils import Database

from ..errors import FileMissingError
from .cases import _require, add_note, create_case
from .db import now


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
) -> int:
    """Register a complaint or clue (投诉举报) and open its case; returns the case id."""
    content = _require(content, "登记投诉举报", "投诉举报内容", "--content")
    title = content if len(content) <= 40 else content[:40] + "…"
    with db.atomic():
        case_id = create_case(
            db,
            source="投诉举报",
            title=title,
            summary=content,
            operator=operator,
            department=department,
        )
        db["complaints"].insert(
            {
                "case_id": case_id,
                "received_at": received_at or now(),
                "channel": channel,
                "complainant": complainant,
                "contact": contact,
                "respondent": respondent,
                "content": content,
                "created_at": now(),
            }
        )
    return case_id


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
    content = _require(content, "登记反馈", "反馈内容", "--content")
    with db.atomic():
        add_note(db, case_id, note=f"反馈投诉举报人：{content}", operator=operator)
        pk = (
            db["feedback"]
            .insert(
                {
                    "case_id": case_id,
                    "complaint_id": complaint_id,
                    "at": now(),
                    "operator": operator,
                    "channel": channel,
                    "content": content,
                }
            )
            .last_pk
        )
    return int(pk)


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
        pk = (
            db["attachments"]
            .insert(
                {
                    "case_id": case_id,
                    "path": str(p),
                    "sha256": digest,
                    "note": note,
                    "added_at": now(),
                    "operator": operator,
                }
            )
            .last_pk
        )
    return int(pk)
