"""Console pages: the case list (filters, paging, bulk assignment) and one case (its clause in
context, complaints, attachments, trail, and a form for every move its state allows).

Every move calls the ledger lifecycle function the CLI calls (``screening ledger assign`` …)
with the logged-in user as operator and the version the page showed as ``expected_version``,
so a case changed by someone else in the meantime is refused, not overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, Response

from ...corpus.store import load_standards
from ...domain import CLASSES_1670, SOURCES, STATES
from ...errors import InvalidValueError, ScreeningError
from ...ledger import (
    add_attachment,
    add_note,
    assign,
    close,
    decide,
    rectify,
    reopen,
    submit_review,
)
from ...ledger.cases import ACTION_LABELS, RECTIFYING, allowed_actions, count_cases, is_overdue
from ...ledger.export import FIELD_LABELS
from ...ledger.users import audit
from ...ledger.views import case_detail, case_list
from ..core import WORKERS, Ctx, Forbidden, NotFound, case_departments, page, scope_case

PAGE_SIZE = 50
ATTACHMENT_LIMIT = 20 * 1024 * 1024  # the file itself
UPLOAD_BODY = ATTACHMENT_LIMIT + 256 * 1024  # the form around it (fields, multipart framing)

# The case fields shown on the case page, in this order (labels from the export's columns).
SHOWN_FIELDS = (
    "source",
    "summary",
    "class_1670",
    "subtype",
    "department",
    "assignee",
    "verify_deadline",
    "decision_reason",
    "measures",
    "responsible",
    "rectify_deadline",
    "created_at",
    "updated_at",
    "closed_at",
)


class FormError(ScreeningError):
    """A form was filled in wrongly (shown as a message on the page it came from)."""

    code = "web_form"
    template = "{detail}"


# --- the list ---------------------------------------------------------------------------------


def _filters(ctx: Ctx) -> dict[str, Any]:
    """The list filters from the query string (unknown values are ignored)."""
    status = ctx.query("status")
    source = ctx.query("source")
    return {
        "status": status if status in STATES else None,
        "department": ctx.query("department") or None,
        "source": source if source in SOURCES else None,
        "standard": ctx.query("standard").upper() or None,
        "overdue": ctx.query("overdue") in ("1", "on", "true"),
        "text": ctx.query("q") or None,
    }


def _page_number(ctx: Ctx) -> int:
    raw = ctx.query("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def _department_names(ctx: Ctx) -> list[str]:
    """The departments this user may choose: a reviewer's own, else all the ledger's."""
    mine = ctx.departments
    if mine is not None:
        return list(mine)
    rows = ctx.db.table("departments").rows_where(select="name", order_by="id")
    return [str(r["name"]) for r in rows]


def deadline_of(case: dict[str, Any]) -> str | None:
    """The deadline that matters in the case's state (rectification while 整改中)."""
    if case["status"] == RECTIFYING:
        return case.get("rectify_deadline")
    return case.get("verify_deadline")


@page("/cases", roles=WORKERS)
def cases_page(ctx: Ctx) -> Response:
    filters = _filters(ctx)
    today = dt.date.today()
    scope = ctx.departments
    number = _page_number(ctx)

    def fetch(n: int) -> list[dict[str, Any]]:
        return case_list(
            ctx.db,
            today=today,
            departments=scope,
            limit=PAGE_SIZE,
            offset=(n - 1) * PAGE_SIZE,
            **filters,
        )

    rows = fetch(number)
    if (rows and len(rows) < PAGE_SIZE) or (number == 1 and not rows):
        total = (number - 1) * PAGE_SIZE + len(rows)  # the last page: no need to count
    else:
        total = count_cases(ctx.db, today=today, departments=scope, **filters)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if number > pages:  # past the end (an old link): show the last page
        number = pages
        rows = fetch(number)
    for c in rows:
        c["deadline"] = deadline_of(c)
        c["is_overdue"] = is_overdue(c, today)
    query = {
        "status": filters["status"] or "",
        "department": filters["department"] or "",
        "source": filters["source"] or "",
        "standard": filters["standard"] or "",
        "overdue": "1" if filters["overdue"] else "",
        "q": filters["text"] or "",
    }
    kept = {k: v for k, v in query.items() if v}
    base = "/cases?" + (urlencode(kept) + "&" if kept else "")
    return ctx.render(
        "cases.html",
        title="案件",
        cases=rows,
        total=total,
        page=number,
        pages=pages,
        base=base,
        query=query,
        states=STATES,
        sources=SOURCES,
        departments=_department_names(ctx),
        verify_days=ctx.settings.verify_days,
        back=ctx.request.url.path + ("?" + ctx.request.url.query if ctx.request.url.query else ""),
    )


def scope_bulk_assign(ctx: Ctx) -> list[str | None]:
    """Every posted case's department, and the department the cases are to be assigned to."""
    depts: list[str | None] = []
    for raw in ctx.fields("case_ids"):
        if not raw.isdigit():
            raise NotFound("案件")
        depts += case_departments(ctx.db, int(raw))
    target = ctx.field("department")
    if target:
        depts.append(target)
    if not depts:  # nothing chosen: nothing is touched, the handler explains
        return list(ctx.departments or [None])
    return depts


def _days(ctx: Ctx) -> int:
    raw = ctx.field("days")
    if not raw:
        return int(ctx.settings.verify_days)
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        raise FormError(detail=f"核查期限（工作日）“{raw}”无效，请填写 1 到 365 之间的整数。")
    return int(raw)


@page("/cases/assign", roles=WORKERS, methods=("POST",), scope=scope_bulk_assign)
def bulk_assign(ctx: Ctx) -> Response:
    ids = [int(x) for x in ctx.fields("case_ids")]
    if not ids:
        raise FormError(detail="请先勾选要交办的案件。")
    department = ctx.field("department")
    if not department:
        raise FormError(detail="请选择负责核查的部门。")
    assignee = ctx.field("assignee")
    if not assignee:
        raise FormError(detail="请填写核查人。")
    deadline = ctx.field("deadline") or None
    days = None if deadline else _days(ctx)
    done: list[int] = []
    failed: list[str] = []
    for case_id in dict.fromkeys(ids):
        try:
            assign(
                ctx.db,
                case_id,
                department=department,
                assignee=assignee,
                operator=ctx.operator,
                days=days,
                deadline=deadline,
            )
            done.append(case_id)
        except ScreeningError as err:
            failed.append(f"案件 {case_id}：{err}")
    if done:
        ctx.flash(f"已交办 {len(done)} 件案件给{department}（{assignee}）核查。")
    if failed:
        ctx.flash(f"{len(failed)} 件未能交办：" + "；".join(failed), "error")
    return ctx.back("/cases")


# --- one case ---------------------------------------------------------------------------------


def _case_url(ctx: Ctx) -> str:
    return f"/cases/{int(ctx.param('case_id'))}"


@page("/cases/{case_id:int}", roles=WORKERS, scope=scope_case)
def case_page(ctx: Ctx) -> Response:
    case_id = int(ctx.param("case_id"))
    contacts = ctx.query("contacts") in ("1", "on", "true")
    if contacts:
        if not ctx.is_admin:
            raise Forbidden("只有管理员可以查看投诉举报人的姓名和联系方式。")
        with ctx.db.atomic():
            audit(ctx.db, ctx.operator, "view_contacts", f"case:{case_id}")
    detail = case_detail(ctx.db, case_id, include_contacts=contacts)
    case = detail["case"]
    today = dt.date.today()
    actions = {name: label for name, label, _ in allowed_actions(case["status"])}
    fields = [
        (FIELD_LABELS.get(key, key), case[key])
        for key in SHOWN_FIELDS
        if case.get(key) not in (None, "")
    ]
    findings = []
    for f in detail["findings"]:
        try:
            data = json.loads(f.get("data") or "{}")
        except ValueError:
            data = {}
        path = data.get("article_path") if isinstance(data, dict) else None
        findings.append({**f, "article_path": " › ".join(path) if isinstance(path, list) else path})
    return ctx.render(
        "case.html",
        findings=findings,
        title=f"案件 {case_id}",
        case=case,
        detail=detail,
        fields=fields,
        deadline=deadline_of(case),
        overdue=is_overdue(case, today),
        actions=actions,
        action_labels=ACTION_LABELS,
        classes=CLASSES_1670,
        departments=_department_names(ctx),
        verify_days=ctx.settings.verify_days,
        contacts=contacts,
        back=_case_url(ctx),
        today=today.isoformat(),
    )


def _version(ctx: Ctx) -> int:
    raw = ctx.field("expect_version")
    if not raw.isdigit():
        raise FormError(detail="页面缺少案件版本号，请刷新页面后重试。")
    return int(raw)


def _standards(ctx: Ctx, raw: str) -> list[str] | None:
    """The FCR codes typed into a form (space, comma or 、 separated); unknown codes refused
    as ``screening ledger decide --standard`` refuses them."""
    codes = [c.upper() for c in re.split(r"[\s,，、;；]+", raw) if c]
    if not codes:
        return None
    known = {s.code for s in load_standards(ctx.settings.corpus, "standard")}
    bad = [c for c in codes if c not in known]
    if bad:
        raise InvalidValueError(
            field="审查标准编号",
            value="、".join(bad),
            hint="编号形如 FCR-14-3（《实施办法》第十四条第（三）项）。",
        )
    return list(dict.fromkeys(codes))


def _done(ctx: Ctx, case: dict[str, Any], what: str) -> Response:
    ctx.flash(f"案件 {case['id']} {what}（现为“{case['status']}”）。")
    return ctx.redirect(f"/cases/{case['id']}")


def scope_case_assign(ctx: Ctx) -> list[str | None]:
    """The case's department and the department it is to be assigned to."""
    target = ctx.field("department")
    return scope_case(ctx) + ([target] if target else [])


@page("/cases/{case_id:int}/assign", roles=WORKERS, methods=("POST",), scope=scope_case_assign)
def case_assign(ctx: Ctx) -> Response:
    department = ctx.field("department")
    if not department:
        raise FormError(detail="请选择负责核查的部门。")
    deadline = ctx.field("deadline") or None
    case = assign(
        ctx.db,
        int(ctx.param("case_id")),
        department=department,
        assignee=ctx.field("assignee"),
        operator=ctx.operator,
        days=None if deadline else _days(ctx),
        deadline=deadline,
        expected_version=_version(ctx),
    )
    return _done(ctx, case, f"已交办{department}核查，期限 {case['verify_deadline']}")


@page("/cases/{case_id:int}/decide", roles=WORKERS, methods=("POST",), scope=scope_case)
def case_decide(ctx: Ctx) -> Response:
    result = ctx.field("result")
    if result not in ("认定", "排除"):
        raise FormError(detail="请选择核查结论：认定或排除。")
    class_1670 = ctx.field("class_1670") or None
    case = decide(
        ctx.db,
        int(ctx.param("case_id")),
        confirmed=result == "认定",
        reason=ctx.field("reason"),
        operator=ctx.operator,
        class_1670=class_1670,
        subtype=ctx.field("subtype") or None,
        standards=_standards(ctx, ctx.field("standards")),
        expected_version=_version(ctx),
    )
    return _done(ctx, case, "已认定" if result == "认定" else "已排除")


@page("/cases/{case_id:int}/rectify", roles=WORKERS, methods=("POST",), scope=scope_case)
def case_rectify(ctx: Ctx) -> Response:
    case = rectify(
        ctx.db,
        int(ctx.param("case_id")),
        measures=ctx.field("measures"),
        responsible=ctx.field("responsible"),
        deadline=ctx.field("deadline"),
        operator=ctx.operator,
        expected_version=_version(ctx),
    )
    return _done(ctx, case, f"已部署整改，期限 {case['rectify_deadline']}")


@page("/cases/{case_id:int}/review", roles=WORKERS, methods=("POST",), scope=scope_case)
def case_review(ctx: Ctx) -> Response:
    case = submit_review(
        ctx.db,
        int(ctx.param("case_id")),
        operator=ctx.operator,
        note=ctx.field("note"),
        expected_version=_version(ctx),
    )
    return _done(ctx, case, "已提交复核")


@page("/cases/{case_id:int}/close", roles=WORKERS, methods=("POST",), scope=scope_case)
def case_close(ctx: Ctx) -> Response:
    case = close(
        ctx.db,
        int(ctx.param("case_id")),
        operator=ctx.operator,
        note=ctx.field("note"),
        expected_version=_version(ctx),
    )
    return _done(ctx, case, "已复核销号")


@page("/cases/{case_id:int}/reopen", roles=WORKERS, methods=("POST",), scope=scope_case)
def case_reopen(ctx: Ctx) -> Response:
    case = reopen(
        ctx.db,
        int(ctx.param("case_id")),
        reason=ctx.field("reason"),
        operator=ctx.operator,
        expected_version=_version(ctx),
    )
    return _done(ctx, case, "已重新打开，请重新交办核查")


@page("/cases/{case_id:int}/note", roles=WORKERS, methods=("POST",), scope=scope_case)
def case_note(ctx: Ctx) -> Response:
    case_id = int(ctx.param("case_id"))
    add_note(ctx.db, case_id, note=ctx.field("text"), operator=ctx.operator)
    ctx.flash(f"已为案件 {case_id} 添加备注。")
    return ctx.redirect(f"/cases/{case_id}")


# --- attachments ------------------------------------------------------------------------------

_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
NAME_SEP = "｜"  # between the uploaded file's name and the user's note in an attachment's note


def safe_suffix(name: str) -> str:
    """The file name's extension when it is a plain one (``.pdf``), else nothing."""
    suffix = Path(name).suffix.lower()
    return suffix if _SUFFIX.match(suffix) else ""


def display_name(name: str) -> str:
    """The uploaded file's own name (no folders, no control characters), for showing only."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).replace(NAME_SEP, "|").strip()
    return base[:120] or "附件"


@page(
    "/cases/{case_id:int}/attach",
    roles=WORKERS,
    methods=("POST",),
    scope=scope_case,
    max_body=UPLOAD_BODY,
)
def case_attach(ctx: Ctx) -> Response:
    case_id = int(ctx.param("case_id"))
    upload = ctx.form.get("file") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormError(detail="请选择要上传的附件文件。")
    data = upload.file.read(ATTACHMENT_LIMIT + 1)
    if len(data) > ATTACHMENT_LIMIT:
        raise FormError(detail="附件超过 20 MB 上限，请压缩或拆分后上传。")
    if not data:
        raise FormError(detail="上传的附件是空文件，请检查后重试。")
    name = display_name(upload.filename)
    digest = hashlib.sha256(data).hexdigest()
    folder = ctx.console.files_dir / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{digest}{safe_suffix(name)}"
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(dest)
    note = ctx.field("note")
    add_attachment(
        ctx.db,
        case_id,
        dest,
        operator=ctx.operator,
        note=f"{name}{NAME_SEP}{note}" if note else name,
    )
    ctx.flash(f"已为案件 {case_id} 上传附件“{name}”。")
    return ctx.redirect(f"/cases/{case_id}")


def download_name(row: dict[str, Any]) -> str:
    """The name an attachment is downloaded as: the uploaded file's name when it was kept."""
    stored = Path(str(row["path"]))
    shown = str(row["note"] or "").split(NAME_SEP, 1)[0].strip()
    if shown and safe_suffix(shown) == stored.suffix.lower() and "/" not in shown:
        return shown
    return f"附件{row['id']}{stored.suffix.lower() if safe_suffix(stored.name) else ''}"


@page(
    "/cases/{case_id:int}/attachments/{attachment_id:int}",
    roles=WORKERS,
    scope=scope_case,
)
def attachment_download(ctx: Ctx) -> Response:
    case_id = int(ctx.param("case_id"))
    rows = list(
        ctx.db.query(
            "select * from attachments where id = ? and case_id = ?",
            [int(ctx.param("attachment_id")), case_id],
        )
    )
    if not rows:
        raise NotFound("附件")
    path = Path(str(rows[0]["path"]))
    if not path.is_file():
        raise NotFound("附件文件（可能已被移动或删除）")
    name = download_name(rows[0])
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "attachment"
    return FileResponse(
        path,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )
