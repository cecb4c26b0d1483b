"""A sweep: parse → screen → record in the ledger, one document at a time, safe to interrupt.

The sweep itself is logged in the ledger (``ledger.sweeps``) with the files it could not read.

Each document is recorded in its own transaction as soon as it has been screened, so a sweep
stopped by Ctrl-C, kill -9 or a power cut leaves every finished document complete and nothing
half-written; running the same sweep again skips the finished ones (same content hash, screened
by the same model) and does the rest. An unchanged document is not parsed again: its findings
are read back from the ledger, so the output of a re-run equals that of the first run.

Hashes first: every file's hash is compared with the ledger before anything is screened, and
the screener (a :class:`LazyScreener`) is loaded only when some file must be screened, so a
re-sweep of an unchanged folder never loads a model. Where the files are parsed and screened is
the executor's business (``screening.cluster``: this process, a parse pool, a Dask cluster);
this module stays the single writer of the ledger, in file order.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from . import versions
from .cluster import InProcess, Job, Outcome
from .config import Settings
from .errors import InputError, LedgerBusyError
from .ledger.db import when_free
from .ledger.record import (
    RecordResult,
    document_unchanged,
    ledger_path,
    record_findings,
    resolve_unreadable,
)
from .ledger.sweeps import (
    FINISHED,
    INTERRUPTED,
    SweepCounts,
    finish_sweep,
    note_unreadable,
    start_sweep,
)
from .parse import check_file, file_sha256
from .types import Document, Failure, Finding


@dataclass(frozen=True)
class SweepItem:
    """What happened to one file of a sweep."""

    path: str
    document: Document | None = None  # None when skipped or unreadable
    findings: tuple[Finding, ...] = ()
    failure: Failure | None = None
    skipped: bool = False  # unchanged since the same model screened it; findings from the ledger
    title: str | None = None
    recorded: RecordResult | None = None


@dataclass
class SweepSummary:
    """What a whole sweep did; complete once every item of the sweep has been read.

    ``counts`` are the totals logged in the ledger's sweep row (all zero without a ledger);
    ``findings`` are those of every screened or skipped file, in the order the items came;
    ``failures`` those of the files that could not be read.
    """

    counts: SweepCounts
    findings: list[Finding] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    finished: bool = False  # every file was done (not stopped by Ctrl-C or an error)

    def add(self, item: SweepItem) -> SweepItem:
        """Take ``item`` into the summary (as it is handed out); returns it."""
        if item.failure is not None:
            self.failures.append(item.failure)
        else:
            self.findings.extend(item.findings)
        return item

    def ledger_totals(self) -> dict[str, int]:
        """What the sweep did to the ledger: files skipped as unchanged; findings new, updated
        and no longer produced; cases created."""
        c = self.counts
        return {
            "skipped": c.skipped,
            "new": c.findings_new,
            "updated": c.findings_updated,
            "gone": c.findings_gone,
            "cases_created": c.cases_created,
        }


class Sweep(Iterator[SweepItem]):
    """The items of a running sweep, one per file as it finishes, and its :attr:`summary`.

    Iterate it to run the sweep; ``close()`` (or Ctrl-C while iterating) ends it early, logging
    it as interrupted. ``summary`` fills in as items are read.
    """

    def __init__(self, items: Iterator[SweepItem], summary: SweepSummary) -> None:
        self._items = items
        self.summary = summary

    def __iter__(self) -> Sweep:
        return self

    def __next__(self) -> SweepItem:
        return next(self._items)

    def close(self) -> None:
        self._items.close()  # type: ignore[attr-defined]


@dataclass
class LazyScreener:
    """A screener loaded on first need: ``model_id`` names the model it will be (None when
    loading must train first, so the id is not known until then)."""

    settings: Settings
    load: Callable[[], Any]
    model_id: str | None = None
    _screener: Any = None

    @classmethod
    def of(cls, screener: Any) -> LazyScreener:
        """A loaded :class:`~screening.screen.engine.Screener` as a lazy one."""
        if isinstance(screener, LazyScreener):
            return screener
        return cls(screener.settings, lambda: screener, screener.model.model_id, screener)

    @property
    def loaded(self) -> bool:
        return self._screener is not None

    def get(self) -> Any:
        if self._screener is None:
            self._screener = self.load()
            self.model_id = self._screener.model.model_id
        return self._screener


def stored_findings(db: Database, path: str | Path) -> tuple[str | None, tuple[Finding, ...]]:
    """The title and active findings the ledger holds for ``path`` (in clause order)."""
    rows = list(db.query("select id, title from documents where path = ?", [ledger_path(path)]))
    if not rows:
        return None, ()
    data = db.query(
        "select data from findings where document_id = ? and status = 'active' "
        "order by clause_index, finding_id",
        [rows[0]["id"]],
    )
    return rows[0]["title"], tuple(Finding.from_dict(json.loads(r["data"])) for r in data)


def sweep(
    screener: Any,
    paths: Iterable[str | Path],
    *,
    db: Database | None = None,
    operator: str = "",
    department: str | None = None,
    rescan: bool = False,
    roots: Iterable[str] = (),
    lock_wait_s: float = 0.0,
    on_wait: Callable[[float], None] | None = None,
    executor: Any = None,
) -> Sweep:
    """Screen ``paths`` with ``screener``; with ``db``, record each document as it finishes.

    ``screener`` is a loaded :class:`~screening.screen.engine.Screener` or a
    :class:`LazyScreener` (loaded only if some file must be screened). ``executor`` says where
    files are parsed and screened (``screening.cluster``; default: this process). Items come back
    in file order; a file skipped as unchanged comes from the ledger without a model. Exceptions
    other than bad input propagate (after every document finished so far has been recorded).
    With ``db`` the sweep is also logged (see ``ledger.sweeps``): its row, with ``roots`` (the
    paths the user gave), and every file it could not read.

    Another program writing to the same ledger (a second sweep, a reviewer's command) makes
    each write wait up to ``lock_wait_s`` seconds, calling ``on_wait(seconds_waited)`` while
    it waits; after that :class:`~screening.errors.LedgerBusyError` ends the sweep cleanly
    (every document recorded so far stays recorded, and a re-run resumes).

    The returned :class:`Sweep` is iterated for the items; its ``summary`` (a
    :class:`SweepSummary`) holds the totals, findings and failures once the items are read.
    """
    paths = list(paths)
    summary = SweepSummary(SweepCounts(files=len(paths)))
    return Sweep(
        _run(
            LazyScreener.of(screener),
            paths,
            summary,
            db=db,
            operator=operator,
            department=department,
            rescan=rescan,
            roots=roots,
            lock_wait_s=lock_wait_s,
            on_wait=on_wait,
            executor=executor,
        ),
        summary,
    )


def _digest(path: Path, settings: Settings) -> str | None:
    """The file's hash, or None when parsing would refuse it (parsing then says why)."""
    try:
        check_file(path, settings)  # never hash a file parsing would refuse
        return file_sha256(path)
    except (InputError, OSError):
        return None


def _run(
    screener: LazyScreener,
    paths: list[str | Path],
    summary: SweepSummary,
    *,
    db: Database | None,
    operator: str,
    department: str | None,
    rescan: bool,
    roots: Iterable[str],
    lock_wait_s: float,
    on_wait: Callable[[float], None] | None,
    executor: Any,
) -> Iterator[SweepItem]:
    """The sweep itself (see :func:`sweep`)."""
    settings = screener.settings
    # The model is loaded here only when its id is unknown (no usable model: training first).
    engine = versions.screened_with(screener.model_id or screener.get().model.model_id)
    counts = summary.counts
    sweep_id = None
    ledger_file = db.conn.execute("PRAGMA database_list").fetchall()[0][2] if db else ""

    def write(step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One ledger transaction, waiting its turn while another program writes."""
        return when_free(
            lambda: step(*args, **kwargs), path=ledger_file, wait_s=lock_wait_s, on_wait=on_wait
        )

    if db is not None:
        sweep_id = write(
            start_sweep,
            db,
            operator=operator,
            department=department,
            engine=engine,
            roots=roots or paths,
        )
    # Hashes first: which files the current model already screened (nothing is loaded yet).
    plan: list[tuple[Path, str | None, bool]] = []
    for raw in paths:
        path = Path(raw)
        digest = _digest(path, settings) if db is not None and not rescan else None
        unchanged = bool(digest) and document_unchanged(db, str(path), digest, engine)
        plan.append((path, digest, unchanged))
    jobs = [Job(str(path), digest) for path, digest, unchanged in plan if not unchanged]
    executor = executor or InProcess(screener.get)
    status = INTERRUPTED
    try:
        outcomes: Iterator[Outcome] = iter(executor.run(jobs, settings)) if jobs else iter(())
        for path, _, unchanged in plan:
            if unchanged:
                title, findings = stored_findings(db, path)  # type: ignore[arg-type]
                write(_resolve, db, path)
                counts.skipped += 1
                yield summary.add(
                    SweepItem(str(path), findings=findings, skipped=True, title=title)
                )
                continue
            outcome = next(outcomes)
            if outcome.failure is not None:
                counts.failed += 1
                if db is not None:
                    write(
                        note_unreadable,
                        db,
                        outcome.failure,
                        sweep_id=sweep_id,
                        department=department,
                    )
                yield summary.add(SweepItem(str(path), failure=outcome.failure))
                continue
            doc = outcome.document
            assert doc is not None
            recorded = None
            if db is not None:
                recorded = write(
                    record_findings,
                    db,
                    doc,
                    list(outcome.findings),
                    operator=operator,
                    department=department,
                    engine=engine,
                )
                counts.add(recorded)
            yield summary.add(
                SweepItem(
                    doc.path,
                    document=doc,
                    findings=outcome.findings,
                    title=doc.metadata.title,
                    recorded=recorded,
                )
            )
        status = FINISHED
        summary.finished = True
    finally:
        with contextlib.suppress(Exception):
            executor.close()
        if sweep_id is not None:
            with contextlib.suppress(sqlite3.Error, LedgerBusyError):  # never mask the error
                if db.conn.in_transaction:  # type: ignore[union-attr]
                    db.rollback()  # type: ignore[union-attr]  # a write the interrupt cut short
                write(finish_sweep, db, sweep_id, counts, status=status)  # that ended it


def _resolve(db: Database, path: Path) -> None:
    with db.atomic():
        resolve_unreadable(db, path)
