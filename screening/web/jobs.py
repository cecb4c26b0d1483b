"""Background jobs of the console: screening uploaded files, retraining the model.

A job is a row of the ledger's ``jobs`` table, so its progress (files done / total, the current
file) survives a browser refresh and is the same for everyone who looks. One worker thread runs
the jobs one after another (two cores: a second screening at once would only slow both down).
Cancelling sets a flag the job checks between files; a screening job stops after the file it is
on, and every file finished so far stays recorded (the sweep's own guarantee). A job that was
running when the server stopped is marked 已中断 at the next start; running the same files again
skips the finished ones.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import ScreeningError
from ..ledger.db import insert_row, now

QUEUED, RUNNING, DONE, CANCELLED, FAILED, INTERRUPTED = (
    "排队中",
    "进行中",
    "已完成",
    "已取消",
    "失败",
    "已中断",
)
ACTIVE = (QUEUED, RUNNING)
KIND_LABELS = {"screen": "文件筛查", "retrain": "模型重新训练"}


class Progress:
    """What a running job reports through: counts, the current item, messages; and whether
    someone asked it to stop."""

    def __init__(self, db: Database, job_id: int) -> None:
        self.db = db
        self.job_id = job_id

    def update(self, **values: Any) -> None:
        with self.db.atomic():
            self.db["jobs"].update(self.job_id, values)

    def cancelled(self) -> bool:
        row = self.db.execute("select cancel from jobs where id = ?", [self.job_id]).fetchone()
        return bool(row and row[0])


# kind → handler(console, db, job row, progress) → result dict (stored as the job's result)
Handler = Callable[[Any, Database, dict[str, Any], Progress], dict[str, Any]]
KINDS: dict[str, Handler] = {}


def job_kind(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        KINDS[name] = fn
        return fn

    return deco


def submit(
    db: Database,
    kind: str,
    *,
    operator: str,
    user_id: int | None,
    department: str | None = None,
    total: int = 0,
    params: dict[str, Any] | None = None,
) -> int:
    with db.atomic():
        return insert_row(
            db,
            "jobs",
            {
                "kind": kind,
                "status": QUEUED,
                "operator": operator,
                "user_id": user_id,
                "department": department,
                "total": total,
                "done": 0,
                "cancel": 0,
                "params": json.dumps(params or {}, ensure_ascii=False),
                "created_at": now(),
            },
        )


def get_job(db: Database, job_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from jobs where id = ?", [job_id]))
    if not rows:
        return None
    job = dict(rows[0])
    job["params"] = json.loads(job["params"] or "{}")
    job["result"] = json.loads(job["result"] or "{}")
    job["kind_label"] = KIND_LABELS.get(job["kind"], job["kind"])
    return job


def request_cancel(db: Database, job_id: int) -> None:
    with db.atomic():
        db.execute(
            "update jobs set cancel = 1 where id = ? and status in (?, ?)", [job_id, *ACTIVE]
        )
        db.execute(
            "update jobs set status = ?, finished_at = ?, message = ? where id = ? and status = ?",
            [CANCELLED, now(), "已在开始前取消", job_id, QUEUED],
        )


class JobRunner:
    """The worker thread; ``wake()`` after submitting a job."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self._event = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self.console.pool.db() as db, db.atomic():
            db.execute(
                "update jobs set status = ?, finished_at = ?, "
                "message = '服务器在任务进行中停止；已完成的文件均已记录，重新提交即可续做' "
                "where status = ?",
                [INTERRUPTED, now(), RUNNING],
            )
        self._thread = threading.Thread(target=self._loop, name="screening-jobs", daemon=True)
        self._thread.start()
        self._event.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._event.set()

    def _next(self, db: Database) -> dict[str, Any] | None:
        with db.atomic():
            rows = list(
                db.query("select id from jobs where status = ? order by id limit 1", [QUEUED])
            )
            if not rows:
                return None
            job_id = rows[0]["id"]
            db.execute(
                "update jobs set status = ?, started_at = ? where id = ?",
                [RUNNING, now(), job_id],
            )
        return get_job(db, job_id)

    def run_pending(self) -> int:
        """Run every queued job now, in this thread (the worker's loop; also for tests)."""
        count = 0
        with self.console.pool.db() as db:
            while not self._stop.is_set():
                job = self._next(db)
                if job is None:
                    break
                self._run(db, job)
                count += 1
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._event.wait(timeout=5.0)
            self._event.clear()
            if self._stop.is_set():
                break
            try:
                self.run_pending()
            except Exception:  # the worker must survive anything one job does
                traceback.print_exc()

    def _run(self, db: Database, job: dict[str, Any]) -> None:
        progress = Progress(db, job["id"])
        handler = KINDS.get(job["kind"])
        try:
            if handler is None:
                raise ScreeningError(detail=f"未知的任务类型：{job['kind']}")
            result = handler(self.console, db, job, progress)
            status = CANCELLED if progress.cancelled() else DONE
            message = "已按要求停止，已完成的部分均已保存" if status == CANCELLED else ""
        except ScreeningError as err:
            result, status, message = {}, FAILED, str(err)
        except Exception as err:  # reported on the job's page, never lost in a log
            traceback.print_exc()
            result, status, message = {}, FAILED, f"内部错误：{type(err).__name__}: {err}"
        if db.conn.in_transaction:
            db.conn.rollback()
        with db.atomic():
            old = get_job(db, job["id"]) or {}
            merged = {**old.get("result", {}), **result}
            db["jobs"].update(
                job["id"],
                {
                    "status": status,
                    "finished_at": now(),
                    "current": None,
                    "message": message or old.get("message") or "",
                    "result": json.dumps(merged, ensure_ascii=False),
                },
            )


def screener_for(console: Any, progress: Progress | None = None) -> Any:
    """The console's screener, loaded (or first trained) once per server process."""
    from ..learning.first_use import load_or_train

    with console.flash_lock:
        screener = console.services.get("screener")
    if screener is None:
        if progress is not None:
            progress.update(message="正在加载筛查模型（首次使用需训练，约需数分钟）……")
        screener = load_or_train(console.settings, say=lambda _m: None)
        with console.flash_lock:
            console.services["screener"] = screener
        if progress is not None:
            progress.update(message="")
    return screener


def stored_path(console: Any, sha256: str, suffix: str) -> Path:
    """Where an uploaded file lives: the ledger's files folder, named by its content hash."""
    safe = "".join(c for c in suffix.lower() if c.isalnum() or c == ".")[:10]
    return Path(console.files_dir) / "uploads" / sha256[:2] / f"{sha256}{safe}"
