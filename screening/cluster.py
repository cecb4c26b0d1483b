"""Where a sweep's documents are parsed and screened: in this process, a local process pool, or
a Dask cluster.

The sweep (``screening.sweep``) decides which files must be screened (hashes first) and is the
single writer of the ledger; an executor here turns those files into :class:`Outcome`s, in the
order of the files, whatever order the work finishes in:

- :class:`InProcess` parses and screens here (the screener is loaded on the first file);
- :class:`ParsePool` parses in ``N`` worker processes while this process screens (parsing PDFs
  and Word files is the per-document CPU work outside the models; the embedders already use
  every core for their batches);
- :class:`DaskCluster` ships parse + screen to the workers of a Dask distributed cluster
  (``local[N]`` starts one on this machine). Each worker loads the current model once and keeps
  it; a worker that dies mid-task has its task retried elsewhere; a file whose task kills
  workers repeatedly is tried alone and, if it kills again, reported as unreadable.

Dask rather than Ray: Dask distributed is pure Python (the wheel is small, installs offline from
the bundle and runs on Windows office PCs), a cluster is one scheduler and plain worker
processes started with ``dask scheduler`` / ``dask worker ADDRESS``, and it needs nothing but
the files and a shared path; Ray brings a several-hundred-MB wheel, its own object store and
daemons per node.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ClusterError, ClusterWorkerError
from .parse import parse_file
from .types import Document, Failure, Finding

CHUNK = 16  # files per cluster task: the size of the screener's embedding groups
MIN_POOL_JOBS = 8  # fewer files are parsed here: starting worker processes costs more
LOCAL = re.compile(r"^local(?:\[(\d+)\])?$")


@dataclass(frozen=True)
class Job:
    """One file to screen, with its content hash when the sweep computed it."""

    path: str
    sha256: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A screened document and its findings, or why the file could not be read."""

    path: str
    document: Document | None = None
    findings: tuple[Finding, ...] = ()
    failure: Failure | None = None


def failure_of(path: str | Path, err: BaseException) -> Failure:
    """The per-file report of an error: its code and Chinese message, or an internal error."""
    if hasattr(err, "code"):
        return Failure(str(path), str(err.code), str(err))  # type: ignore[attr-defined]
    return Failure(str(path), "internal", f"读取时发生内部错误（{err}）：{path}")


def _parse(job: Job, settings: Settings) -> Document | Failure:
    try:
        return parse_file(Path(job.path), settings, sha256=job.sha256)
    except Exception as err:  # reported per file, the batch goes on
        return failure_of(job.path, err)


def _screened(
    get_screener: Callable[[], Any], parsed: Iterable[tuple[Job, Document | Failure]]
) -> Iterator[Outcome]:
    """Screen the parsed documents in the screener's groups, failures kept in file order.

    The screener is asked for only when the first document has parsed: a batch of files that
    are all unreadable loads no model.
    """
    parsed = iter(parsed)
    for job, result in parsed:
        if isinstance(result, Failure):
            yield Outcome(job.path, failure=result)
            continue
        yield from _in_groups(get_screener(), itertools.chain([(job, result)], parsed))
        return


def _in_groups(
    screener: Any, parsed: Iterator[tuple[Job, Document | Failure]]
) -> Iterator[Outcome]:
    queue: deque[Outcome | None] = deque()  # failures, and None where a document goes

    def documents() -> Iterator[Document]:
        for job, result in parsed:
            if isinstance(result, Failure):
                queue.append(Outcome(job.path, failure=result))
            else:
                queue.append(None)
                yield result

    for doc, findings in screener.screen_many(documents()):
        while queue and queue[0] is not None:
            yield queue.popleft()  # type: ignore[misc]
        queue.popleft()
        yield Outcome(doc.path, doc, tuple(findings))
    while queue:
        yield queue.popleft()  # type: ignore[misc]


class InProcess:
    """Parse and screen in this process; ``get_screener`` is called on the first file."""

    def __init__(self, get_screener: Callable[[], Any]) -> None:
        self.get_screener = get_screener

    def run(self, jobs: Iterable[Job], settings: Settings) -> Iterator[Outcome]:
        return _screened(self.get_screener, ((job, _parse(job, settings)) for job in jobs))

    def close(self) -> None:
        pass


def _parse_in_worker(job: Job, settings: Settings) -> Document | Failure:
    return _parse(job, settings)


class ParsePool:
    """Parse in ``workers`` processes (in file order), screen in this process."""

    def __init__(self, get_screener: Callable[[], Any], workers: int) -> None:
        self.get_screener = get_screener
        self.workers = max(1, workers)
        self._pool: Any = None

    def run(self, jobs: Iterable[Job], settings: Settings) -> Iterator[Outcome]:
        jobs = list(jobs)
        if len(jobs) < MIN_POOL_JOBS or self.workers == 1:
            return InProcess(self.get_screener).run(jobs, settings)
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # forkserver/spawn: never fork a process that holds model threads
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context(method))
        window = 4 * self.workers

        def parsed() -> Iterator[tuple[Job, Document | Failure]]:
            pending: deque[tuple[Job, Any]] = deque()
            for job in jobs:
                pending.append((job, self._pool.submit(_parse_in_worker, job, settings)))
                if len(pending) >= window:
                    head, future = pending.popleft()
                    yield head, _result(head, future)
            while pending:
                head, future = pending.popleft()
                yield head, _result(head, future)

        return _screened(self.get_screener, parsed())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _result(job: Job, future: Any) -> Document | Failure:
    try:
        return future.result()
    except Exception as err:  # a worker that died: BrokenProcessPool and the like
        return failure_of(job.path, err)


# --- Dask ----------------------------------------------------------------------------------

# The screener of this worker process, by (models dir, model id, threshold): loaded once.
_WORKER_SCREENERS: dict[tuple[str, str, float | None], Any] = {}


def screen_chunk(
    jobs: list[Job], settings: Settings, model_id: str, threshold: float | None
) -> list[Outcome]:
    """A cluster task: parse and screen ``jobs`` on a worker with the model ``model_id``.

    The worker never trains: the sweep made sure ``model_id`` is current before it submitted.
    """
    from .screen.current import models_root
    from .screen.engine import Screener
    from .screen.model import load_model

    key = (str(settings.models), model_id, threshold)

    def screener() -> Any:
        if key not in _WORKER_SCREENERS:
            directory = models_root(settings) / model_id
            if not directory.is_dir():
                raise ClusterWorkerError(
                    host=socket.gethostname(), what=f"模型目录 {directory}", option="--models"
                )
            if not Path(settings.corpus).is_dir():
                raise ClusterWorkerError(
                    host=socket.gethostname(),
                    what=f"知识库目录 {settings.corpus}",
                    option="--corpus",
                )
            model = load_model(directory)
            _WORKER_SCREENERS.clear()  # one model per worker
            _WORKER_SCREENERS[key] = Screener.from_model(settings, model, threshold=threshold)
        return _WORKER_SCREENERS[key]

    return list(_screened(screener, ((job, _parse(job, settings)) for job in jobs)))


def parse_address(address: str) -> tuple[str | None, int]:
    """``local`` / ``local[N]`` → (None, N workers; default the cores); else (address, 0)."""
    m = LOCAL.match(address.strip())
    if m:
        return None, int(m.group(1) or 0) or (os.cpu_count() or 1)
    if not address.strip():
        raise ClusterError(address=address, detail="地址为空")
    return address.strip(), 0


class DaskCluster:
    """Parse + screen on the workers of a Dask cluster; results come back in file order."""

    def __init__(
        self,
        address: str,
        *,
        model_id: str,
        threshold: float | None = None,
        chunk: int = CHUNK,
        timeout_s: float = 30.0,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ClusterError(
                address=address,
                detail="未安装 dask[distributed]（pip install 'dask[distributed]'）",
            ) from None
        target, n = parse_address(address)
        self.model_id, self.threshold, self.chunk = model_id, threshold, max(1, chunk)
        self._local = None
        try:
            if target is None:
                self._local = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self.client = Client(self._local, timeout=timeout_s)
            else:
                self.client = Client(target, timeout=timeout_s)
        except OSError as err:
            raise ClusterError(address=address, detail=str(err)) from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or n or 1)

    def _submit(self, jobs: list[Job], settings: Settings) -> Any:
        return self.client.submit(
            screen_chunk,
            jobs,
            settings,
            self.model_id,
            self.threshold,
            pure=False,
            retries=1,
        )

    def _gather(self, jobs: list[Job], future: Any, settings: Settings) -> list[Outcome]:
        from distributed import KilledWorker

        try:
            return list(future.result())
        except KilledWorker:
            if len(jobs) == 1:
                return [
                    Outcome(
                        jobs[0].path,
                        failure=Failure(
                            jobs[0].path,
                            "worker_died",
                            "筛查该文件时集群工作进程多次异常退出（可能内存不足或文件触发了解析器"
                            f"缺陷），已跳过，请人工审查：{jobs[0].path}",
                        ),
                    )
                ]
            # Which file kills workers: try each alone.
            out: list[Outcome] = []
            for job in jobs:
                out += self._gather([job], self._submit([job], settings), settings)
            return out

    def run(self, jobs: Iterable[Job], settings: Settings) -> Iterator[Outcome]:
        jobs = list(jobs)
        chunks = [jobs[i : i + self.chunk] for i in range(0, len(jobs), self.chunk)]
        window = 2 * self.workers
        pending: deque[tuple[list[Job], Any]] = deque()
        for chunk in chunks:
            pending.append((chunk, self._submit(chunk, settings)))
            if len(pending) >= window:
                head, future = pending.popleft()
                yield from self._gather(head, future, settings)
        while pending:
            head, future = pending.popleft()
            yield from self._gather(head, future, settings)

    def close(self) -> None:
        self.client.close()
        if self._local is not None:
            self._local.close()


__all__ = [
    "CHUNK",
    "DaskCluster",
    "InProcess",
    "Job",
    "Outcome",
    "ParsePool",
    "failure_of",
    "parse_address",
    "screen_chunk",
]
