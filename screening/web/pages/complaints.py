"""Console pages: complaints and clues (投诉举报) — the list with reply deadlines, importing a
hotline export, registering one complaint by hand, and recording the reply to a complainant.

The calls are those of ``screening complaints list/import --no-screen/reply``; complainants'
names and contacts are never shown here (the case page shows them to an admin on request).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ...errors import InvalidValueError, ScreeningError
from ...ledger import add_complaint, add_feedback
from ...ledger.complaints import complaint_case, complaint_replies, complaint_rows, import_export
from ...ledger.hotline import parse_time, read_export
from ...ledger.users import ADMIN
from ..core import WORKERS, Ctx, NotFound, case_departments, page

IMPORT_LIMIT = 20 * 1024 * 1024
IMPORT_BODY = IMPORT_LIMIT + 256 * 1024
IMPORT_SUFFIXES = (".xlsx", ".xls", ".csv")
ADMINS = (ADMIN,)


class FormError(ScreeningError):
    """A form was filled in wrongly (shown as a message on the page it came from)."""

    code = "web_form"
    template = "{detail}"


@page("/complaints", roles=WORKERS)
def complaints_page(ctx: Ctx) -> Response:
    today = dt.date.today().isoformat()
    rows = complaint_rows(ctx.db, departments=ctx.departments)
    replies = complaint_replies(ctx.db, [int(r["id"]) for r in rows])
    for r in rows:
        r["replies"] = replies.get(int(r["id"]), [])
        due = r.get("reply_due")
        if r["replied_at"]:
            r["late"] = bool(due and r["replied_at"][:10] > due)
            r["overdue"] = False
        else:
            r["late"] = False
            r["overdue"] = bool(due and due < today)
    departments = []
    if ctx.is_admin:
        named = ctx.db.table("departments").rows_where(select="name", order_by="id")
        departments = [str(d["name"]) for d in named]
    return ctx.render(
        "complaints.html",
        title="投诉举报",
        complaints=rows,
        overdue_count=sum(1 for r in rows if r["overdue"]),
        waiting_count=sum(1 for r in rows if not r["replied_at"]),
        departments=departments,
        today=today,
        reply_days=ctx.settings.reply_days,
        back="/complaints",
    )


# --- admin: import and register -----------------------------------------------------------------


@page("/complaints/import", roles=ADMINS, methods=("POST",), max_body=IMPORT_BODY)
def complaints_import(ctx: Ctx) -> Response:
    upload = ctx.form.get("file") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormError(detail="请选择要导入的工单导出文件（XLSX、XLS 或 CSV）。")
    suffix = Path(upload.filename.replace("\\", "/")).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise FormError(detail="只能导入 XLSX、XLS 或 CSV 格式的工单导出文件。")
    data = upload.file.read(IMPORT_LIMIT + 1)
    if len(data) > IMPORT_LIMIT:
        raise FormError(detail="文件超过 20 MB 上限，请拆分后分批导入。")
    channel = ctx.field("channel") or "12345"
    with tempfile.TemporaryDirectory(prefix="screening-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        export = read_export(path, ctx.settings)
        result = import_export(
            ctx.db,
            export,
            operator=ctx.operator,
            channel=channel,
            reply_days=ctx.settings.reply_days,
            suggest=None,
            received_default=dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
        )
    flagged = sum(1 for o in result.outcomes if o.similar_case)
    ctx.flash(
        f"导入完成：新建案件 {result.count('new')} 件，并入已有案件 {result.count('joined')} 条，"
        f"此前已导入跳过 {result.count('skipped')} 条，疑似重复待核对 {flagged} 件，"
        f"未导入 {len(export.bad)} 行。"
    )
    notes = [f"提示：{w}" for w in export.warnings]
    notes += [f"第 {b.row} 行未导入：{b.reason}" for b in export.bad[:20]]
    if len(export.bad) > 20:
        notes.append(f"另有 {len(export.bad) - 20} 行未导入。")
    if notes:
        ctx.flash("；".join(notes), "warn")
    return ctx.redirect("/complaints")


def _optional_int(raw: str, label: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidValueError(field=label, value=raw, hint="请填写数字编号。")
    return int(raw)


@page("/complaints/add", roles=ADMINS, methods=("POST",))
def complaints_add(ctx: Ctx) -> Response:
    content = ctx.field("content")
    if not content:
        raise FormError(detail="请填写投诉举报内容。")
    received = ctx.field("received")
    stamp = parse_time(received) if received else None
    if received and not stamp:
        raise InvalidValueError(
            field="受理时间", value=received, hint="请使用 YYYY-MM-DD 或 YYYY-MM-DD HH:MM 格式。"
        )
    case_id = add_complaint(
        ctx.db,
        content=content,
        operator=ctx.operator,
        channel=ctx.field("channel") or "投诉箱",
        complainant=ctx.field("complainant"),
        contact=ctx.field("contact"),
        respondent=ctx.field("respondent"),
        received_at=stamp,
        department=ctx.field("department") or None,
        reply_days=ctx.settings.reply_days,
        case_id=_optional_int(ctx.field("case_id"), "案件编号"),
    )
    ctx.flash(f"已登记投诉举报（案件 {case_id}）。")
    return ctx.redirect("/complaints")


# --- reply ----------------------------------------------------------------------------------------


def _case_of(ctx: Ctx) -> int:
    case_id = complaint_case(ctx.db, int(ctx.param("complaint_id")))
    if case_id is None:
        raise NotFound("投诉举报")
    return case_id


def scope_complaint(ctx: Ctx) -> list[str | None]:
    """A complaint belongs to the departments of its case."""
    return case_departments(ctx.db, _case_of(ctx))


@page(
    "/complaints/{complaint_id:int}/reply",
    roles=WORKERS,
    methods=("POST",),
    scope=scope_complaint,
)
def complaint_reply(ctx: Ctx) -> Response:
    complaint_id = int(ctx.param("complaint_id"))
    case_id = _case_of(ctx)
    if not ctx.field("content"):
        raise FormError(detail="请填写反馈内容。")
    add_feedback(
        ctx.db,
        case_id,
        content=ctx.field("content"),
        operator=ctx.operator,
        channel=ctx.field("channel") or "电话",
        complaint_id=complaint_id,
    )
    ctx.flash(f"已登记对投诉举报 {complaint_id} 的反馈（案件 {case_id}）。")
    return ctx.back("/complaints")
