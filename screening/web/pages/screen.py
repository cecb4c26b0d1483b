"""Console page: 筛查 — upload files, screen them in a background job, follow its progress.

Uploaded files are stored under the ledger's files folder by content hash (the browser's file
name is only shown, never used as a path), then a ``screen`` job runs the library sweep over
them — the same parse → screen → record steps, skips and failure log as ``screening scan``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response

from ...errors import ScreeningError
from ...ledger import list_departments
from ...ledger.db import insert_row, now
from ...ledger.docview import display_name
from ...ledger.record import ledger_path
from ...ledger.users import ADMIN, REVIEWER
from ...parse import file_sha256, iter_files
from ...sweep import sweep
from .. import jobs
from ..core import WORKERS, Ctx, NotFound, page

MAX_FILES = 100
MAX_BODY = 300 * 1024 * 1024
CHUNK = 1024 * 1024
RECENT_JOBS = 20
RESULT_EVERY_S = 2.0

SCREENED, UNCHANGED, UNREADABLE, REFUSED = "已筛查", "未变化（沿用上次结果）", "无法读取", "已拒收"
DUPLICATE, NOT_RUN = "内容重复", "未筛查（任务已取消）"
OUTCOME_CLASS = {
    SCREENED: "ok",
    UNCHANGED: "ok",
    UNREADABLE: "bad",
    REFUSED: "bad",
    DUPLICATE: "muted",
    NOT_RUN: "muted",
}


def clean_name(raw: str | None) -> str:
    """The browser's file name for display: no folders, no control characters, not too long."""
    name = display_name((raw or "").replace("\x00", ""))
    name = "".join(c for c in name if ord(c) >= 32 and c not in "\x7f").strip()
    return name[:200] or "（未命名文件）"


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def _store(upload: UploadFile, folder: Path, limit: float) -> tuple[str, Path, int] | str:
    """Copy ``upload`` into ``folder`` under a temporary name while hashing it: (sha256, temp
    path, size), or the Chinese reason it was refused (too large, empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            upload.file.seek(0)
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise OverflowError
                digest.update(chunk)
                out.write(chunk)
    except OverflowError:
        os.unlink(tmp)
        total = upload.size if upload.size is not None else size
        return f"文件过大（{_mb(total)}），超过上限 {limit / 1e6:g} MB，未保存。"
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if size == 0:
        os.unlink(tmp)
        return "文件为空（0 字节），未保存。"
    return digest.hexdigest(), Path(tmp), size


def _chosen_department(ctx: Ctx) -> str | None:
    """The form's department (None when not given), refused unless it is one of the choices."""
    department = ctx.field("department") or None
    if department is not None and department not in _department_choices(ctx):
        raise ScreeningError(detail=f"台账中没有部门“{department}”，请从列表中选择。")
    return department


def _department_choices(ctx: Ctx) -> list[str]:
    if ctx.departments is not None:
        return list(ctx.departments)
    return [d["name"] for d in list_departments(ctx.db)]


def _recent_jobs(ctx: Ctx) -> list[dict[str, Any]]:
    sql = "select id, kind, status, operator, department, total, done, created_at, finished_at "
    sql += "from jobs"
    args: list[Any] = []
    mine = ctx.departments
    if mine is not None:
        if not mine:
            return []
        sql += f" where department in ({', '.join('?' * len(mine))})"
        args += mine
    rows = [dict(r) for r in ctx.db.query(sql + " order by id desc limit ?", [*args, RECENT_JOBS])]
    for r in rows:
        r["kind_label"] = jobs.KIND_LABELS.get(r["kind"], r["kind"])
        r["active"] = r["status"] in jobs.ACTIVE
    return rows


@page("/screen", roles=WORKERS)
def screen_form(ctx: Ctx) -> Response:
    return ctx.render(
        "screen.html",
        title="筛查",
        departments=_department_choices(ctx),
        reviewer=ctx.user["role"] == REVIEWER,
        max_files=MAX_FILES,
        max_file_mb=ctx.settings.max_file_mb,
        recent=_recent_jobs(ctx),
        folders=[str(f) for f in ctx.settings.sweep_folders] if ctx.is_admin else [],
    )


@page("/screen/folder", roles=(ADMIN,), methods=("POST",))
def screen_folder(ctx: Ctx) -> Response:
    """An administrator's sweep of one of the configured folders (``sweep_folders``): every
    file in it and its subfolders, like ``screening scan FOLDER``. The page only sends the
    folder's number in the configured list, never a path."""
    folders = list(ctx.settings.sweep_folders)
    choice = ctx.field("folder")
    if not choice.isdigit() or not 0 <= int(choice) < len(folders):
        raise ScreeningError(detail="请从列表中选择一个配置的文件夹。")
    folder = folders[int(choice)]
    if not folder.is_dir():
        raise ScreeningError(
            detail=f"配置的文件夹不存在或无法访问：{folder}。请检查配置文件中的 sweep_folders。"
        )
    department = _chosen_department(ctx)
    files = [
        {"name": str(p.relative_to(folder)), "stored": str(p), "sha256": ""}
        for p in iter_files([folder])
    ]
    if not files:
        raise ScreeningError(detail=f"文件夹 {folder} 中没有文件。")
    job_id = _submit(ctx, department, files, [], folder=str(folder))
    ctx.console.services["jobs"].wake()
    ctx.flash(f"已提交：筛查文件夹 {folder} 中的 {len(files)} 个文件。")
    return ctx.redirect(f"/jobs/{job_id}")


def _submit(
    ctx: Ctx,
    department: str | None,
    files: list[dict[str, Any]],
    refused: list[dict[str, Any]],
    **extra: Any,
) -> int:
    """Queue a screening job over ``files`` (name, stored path, sha256 each)."""
    return jobs.submit(
        ctx.db,
        "screen",
        operator=ctx.operator,
        user_id=ctx.user["id"],
        department=department,
        total=len(files),
        params={
            "files": [{k: f[k] for k in ("name", "stored", "sha256")} for f in files],
            "refused": refused,
            **extra,
        },
    )


def _scope_upload(ctx: Ctx) -> list[str | None]:
    return [ctx.field("department") or None]


@page("/screen", roles=WORKERS, methods=("POST",), scope=_scope_upload, max_body=MAX_BODY)
def screen_upload(ctx: Ctx) -> Response:
    department = _chosen_department(ctx)
    uploads = [
        f
        for f in (ctx.form.getlist("files") if ctx.form is not None else [])
        if isinstance(f, UploadFile) and (f.filename or f.size)
    ]
    if not uploads:
        raise ScreeningError(detail="请先选择要筛查的文件。")
    if len(uploads) > MAX_FILES:
        raise ScreeningError(
            detail=f"一次最多上传 {MAX_FILES} 个文件（本次 {len(uploads)} 个），请分批上传。"
        )
    limit = ctx.settings.max_file_mb * 1e6
    folder = Path(ctx.console.files_dir) / "uploads"
    files: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    by_hash: dict[str, str] = {}
    for upload in uploads:
        name = clean_name(upload.filename)
        stored = _store(upload, folder, limit)
        if isinstance(stored, str):
            refused.append({"name": name, "outcome": REFUSED, "reason": stored})
            continue
        sha, tmp, size = stored
        if sha in by_hash:
            os.unlink(tmp)
            reason = f"与同批文件“{by_hash[sha]}”内容完全相同，只筛查一次。"
            refused.append({"name": name, "outcome": DUPLICATE, "reason": reason})
            continue
        by_hash[sha] = name
        target = jobs.stored_path(ctx.console, sha, Path(name).suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        files.append({"name": name, "stored": str(target), "sha256": sha, "size": size})
    with ctx.db.atomic():
        job_id = _submit(ctx, department, files, refused)
        for f in files:
            insert_row(
                ctx.db,
                "uploads",
                {
                    "sha256": f["sha256"],
                    "name": f["name"],
                    "stored": f["stored"],
                    "size": f["size"],
                    "user_id": ctx.user["id"],
                    "department": department,
                    "job_id": job_id,
                    "added_at": now(),
                },
            )
    ctx.console.services["jobs"].wake()
    if refused:
        ctx.flash(f"{len(refused)} 个文件未筛查（原因见下表），其余文件已开始筛查。", "warn")
    return ctx.redirect(f"/jobs/{job_id}")


# --- the background job ---------------------------------------------------------------------


def _reason(message: str, stored: str, name: str) -> str:
    """A failure message naming the uploaded file instead of its stored path."""
    for form in {stored, ledger_path(stored)}:
        message = message.replace(form, name)
    return message


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def _screen_path(db: Database, f: dict[str, Any]) -> str:
    """Where to screen an uploaded file: a document already recorded with this content at a
    path that still holds it is screened there (one document per content, its findings and
    cases kept together, unchanged files skipped); otherwise the stored copy."""
    stored = ledger_path(f["stored"])
    for (path,) in db.execute(
        "select path from documents where sha256 = ? and path != ? order by id desc",
        [f["sha256"], stored],
    ).fetchall():
        try:
            if Path(path).is_file() and file_sha256(Path(path)) == f["sha256"]:
                return str(path)
        except OSError:
            continue
    return str(f["stored"])


@jobs.job_kind("screen")
def run_screen(
    console: Any, db: Database, job: dict[str, Any], progress: jobs.Progress
) -> dict[str, Any]:
    """Sweep the job's stored files; one row per uploaded file in the result."""
    params = job["params"]
    todo = list(params.get("files", []))
    refused = list(params.get("refused", []))
    rows: list[dict[str, Any]] = []
    if not todo:
        return {"files": refused}
    by_path: dict[str, dict[str, Any]] = {}
    handled: set[str] = set()
    paths = []
    order: dict[str, int] = {f["stored"]: i for i, f in enumerate(todo)}
    for f in todo:
        path = _screen_path(db, f)
        paths.append(path)
        by_path[path] = f
        by_path[ledger_path(path)] = f
    screener = jobs.screener_for(console, progress)
    items = sweep(
        screener,
        paths,
        db=db,
        operator=job["operator"],
        department=job["department"],
        roots=[params["folder"]]
        if params.get("folder")
        else [f"网页上传（任务 {job['id']}）：{f['name']}" for f in todo],
        lock_wait_s=console.settings.lock_wait_s,
    )
    written = 0.0
    try:
        for item in items:
            f = by_path.get(item.path) or by_path.get(ledger_path(item.path)) or {}
            name = f.get("name") or display_name(item.path)
            if f:
                handled.add(f["stored"])
            row: dict[str, Any] = {
                "_stored": f.get("stored", ""),
                "name": name,
                "title": item.title,
                "findings": len(item.findings),
                "new_cases": 0,
                "document_id": None,
                "reason": "",
            }
            if item.failure is not None:
                row["outcome"] = UNREADABLE
                row["reason"] = _reason(item.failure.message, item.path, name)
            else:
                row["outcome"] = UNCHANGED if item.skipped else SCREENED
                if item.recorded is not None:
                    row["new_cases"] = item.recorded.cases_created
                    row["document_id"] = item.recorded.document_id
                else:
                    found = db.execute(
                        "select id from documents where path = ?", [ledger_path(item.path)]
                    ).fetchone()
                    row["document_id"] = found[0] if found else None
            rows.append(row)
            update: dict[str, Any] = {"done": len(rows), "current": name}
            # The per-file table grows with the job: on a folder of thousands of files it is
            # rewritten every RESULT_EVERY_S, not after each file (the final result is complete).
            if time.monotonic() - written >= RESULT_EVERY_S:
                update["result"] = json.dumps({"files": _shown(rows) + refused}, ensure_ascii=False)
                written = time.monotonic()
            progress.update(**update)
            if progress.cancelled():
                items.close()
                break
    except BaseException:
        items.close()
        raise
    for f in todo:
        if f["stored"] not in handled:
            rows.append(
                {
                    "name": f["name"],
                    "outcome": NOT_RUN,
                    "findings": 0,
                    "new_cases": 0,
                    "title": None,
                    "document_id": None,
                    "reason": "任务在处理该文件前已取消。",
                    "_stored": f["stored"],
                }
            )
    rows.sort(key=lambda r: order.get(r.pop("_stored", ""), len(order)))
    return {"files": rows + refused}


# --- the job's page ---------------------------------------------------------------------------


def _job(ctx: Ctx) -> dict[str, Any]:
    job = jobs.get_job(ctx.db, int(ctx.param("job_id")))
    if job is None:
        raise NotFound("任务")
    return job


def _scope_job(ctx: Ctx) -> list[str | None]:
    return [_job(ctx)["department"]]


def _job_json(job: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": job["id"],
        "kind": job["kind"],
        "status": job["status"],
        "done": job["done"] or 0,
        "total": job["total"] or 0,
        "current": job["current"] or "",
        "message": job["message"] or "",
        "active": job["status"] in jobs.ACTIVE,
    }


@page("/jobs/{job_id:int}", roles=WORKERS, scope=_scope_job)
def job_page(ctx: Ctx) -> Response:
    job = _job(ctx)
    result = job["result"] if isinstance(job["result"], dict) else {}
    files = result.get("files") if job["kind"] == "screen" else None
    other = {k: v for k, v in result.items() if k != "files"}
    if files is None and job["kind"] == "screen":
        files = list(job["params"].get("refused", []))
    counts: dict[str, int] = {}
    for f in files or []:
        counts[f["outcome"]] = counts.get(f["outcome"], 0) + 1
    return ctx.render(
        "job.html",
        title=f"任务 {job['id']} · {job['kind_label']}",
        job=job,
        active=job["status"] in jobs.ACTIVE,
        files=files,
        counts=counts,
        outcome_class=OUTCOME_CLASS,
        other={
            k: (v if isinstance(v, str | int | float) else json.dumps(v, ensure_ascii=False))
            for k, v in other.items()
        },
        problems=[f for f in files or [] if f["outcome"] in (UNREADABLE, REFUSED, DUPLICATE)],
    )


@page("/jobs/{job_id:int}.json", roles=WORKERS, scope=_scope_job)
def job_json(ctx: Ctx) -> Response:
    return JSONResponse(_job_json(_job(ctx)))


@page("/jobs/{job_id:int}/cancel", roles=WORKERS, methods=("POST",), scope=_scope_job)
def job_cancel(ctx: Ctx) -> Response:
    job = _job(ctx)
    if job["status"] in jobs.ACTIVE:
        jobs.request_cancel(ctx.db, job["id"])
        ctx.flash("已请求取消：当前文件处理完后停止，已完成的文件均已记入台账。")
    else:
        ctx.flash(f"任务已{job['status'].removeprefix('已')}，无需取消。", "warn")
    return ctx.back(f"/jobs/{job['id']}")
