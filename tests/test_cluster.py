"""Sweeps off this process: a parse pool (``--workers``) and a Dask cluster (``--cluster``).

The same folder (40 generated documents, one unreadable file) is swept single-process, with a
two-process parse pool and on a local Dask cluster of two worker processes: the JSONL output is
byte for byte the same and the ledgers hold the same findings. A worker killed in the middle of
a task has the task retried; a file that kills every worker that touches it is recorded as
unreadable once, and the rest of the sweep goes on. Re-sweeping an unchanged folder loads no
model. The fake embedder is deterministic per text, so byte equality is a fair test here (see
docs/deploy.md for what that means with e5).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from distributed.diagnostics.plugin import WorkerPlugin
from test_sweep import counts, per_document, scan, write_docs

from screening import ledger as lg
from screening.cluster import DaskCluster, Job, ParsePool, parse_address, screen_chunk
from screening.errors import ClusterError, ClusterWorkerError
from screening.parse import iter_files
from screening.screen.engine import Screener
from screening.sweep import LazyScreener, sweep

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("cluster-docs")
    write_docs(d, 40, seed=5)
    (d / "损坏.docx").write_bytes(b"PK\x03\x04 not a zip")
    return d


@pytest.fixture(scope="module")
def single(tmp_path_factory, folder, fake_settings, fake_model):
    ledger = tmp_path_factory.mktemp("single") / "l.db"
    out = scan(fake_settings, ledger, "--format", "jsonl", "--workers", "1", str(folder)).stdout
    return ledger, out


def test_parse_pool_gives_the_same_bytes(tmp_path, folder, single, fake_settings):
    ledger = tmp_path / "l.db"
    out = scan(fake_settings, ledger, "--format", "jsonl", "--workers", "2", str(folder)).stdout
    assert out == single[1] and out.count("\n") > 20
    assert per_document(ledger) == per_document(single[0])
    assert counts(ledger) == counts(single[0])


def test_local_dask_cluster_gives_the_same_bytes(tmp_path, folder, single, fake_settings):
    ledger = tmp_path / "l.db"
    result = scan(fake_settings, ledger, "--format", "jsonl", "--cluster", "local[2]", str(folder))
    assert result.stdout == single[1]
    assert per_document(ledger) == per_document(single[0])
    db = lg.open_ledger(ledger)
    try:
        unreadable = [r["path"] for r in db.query("select path from unreadable")]
    finally:
        db.close()
    assert [Path(p).name for p in unreadable] == ["损坏.docx"]  # recorded once
    # Run again: nothing to screen, so no cluster work and no model in this process.
    again = scan(fake_settings, ledger, "--format", "jsonl", "--cluster", "local[2]", str(folder))
    assert again.stdout == single[1]
    assert "未改动跳过 40 个" in again.stderr


def _cluster(n: int = 2):
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
    return cluster, Client(cluster)


def _die_on(names: list[str], marker_dir: str, once: bool) -> None:
    """Installed on every worker: parsing one of ``names`` kills the worker process (the first
    time only when ``once``; the marker file remembers across worker restarts)."""
    import screening.cluster as c

    original = c._parse

    def dying(job, settings):
        name = Path(job.path).name
        marker = Path(marker_dir) / name
        if name in names and not (once and marker.exists()):
            marker.touch()
            os._exit(1)
        return original(job, settings)

    c._parse = dying


def _library_sweep(settings, ledger, folder, executor):
    db = lg.open_ledger(ledger)
    try:
        run = sweep(
            Screener.load(settings),
            list(iter_files([str(folder)])),
            db=db,
            operator="测试",
            executor=executor,
        )
        return list(run), run.summary
    finally:
        db.close()


def test_worker_killed_mid_task_is_retried(tmp_path, folder, single, fake_settings, fake_model):
    cluster, client = _cluster()
    try:
        # Restarted workers get the hook again (a plugin runs on every worker that starts).
        client.register_plugin(_Hook([("doc007.txt")], str(tmp_path), once=True))
        executor = DaskCluster(cluster.scheduler_address, model_id=fake_model.model_id)
        items, _ = _library_sweep(fake_settings, tmp_path / "l.db", folder, executor)
    finally:
        client.close()
        cluster.close()
    assert (tmp_path / "doc007.txt").exists()  # the worker did die on it
    assert [i.failure.path for i in items if i.failure] == [str(folder / "损坏.docx")]
    assert per_document(tmp_path / "l.db") == per_document(single[0])


def test_a_file_that_kills_every_worker_is_unreadable_once(tmp_path, folder, fake_settings):
    from screening.screen.current import current_id

    cluster, client = _cluster()
    try:
        client.register_plugin(_Hook(["doc003.txt"], str(tmp_path), once=False))
        executor = DaskCluster(cluster.scheduler_address, model_id=current_id(fake_settings))
        items, summary = _library_sweep(fake_settings, tmp_path / "l.db", folder, executor)
    finally:
        client.close()
        cluster.close()
    failed = {Path(i.failure.path).name: i.failure for i in items if i.failure}
    assert set(failed) == {"doc003.txt", "损坏.docx"}
    assert failed["doc003.txt"].code == "worker_died"
    assert "工作进程多次异常退出" in failed["doc003.txt"].message
    assert summary.counts.screened == 39 and summary.finished
    db = lg.open_ledger(tmp_path / "l.db")
    try:
        rows = list(db.query("select path from unreadable where path like '%doc003.txt'"))
    finally:
        db.close()
    assert len(rows) == 1


class _Hook(WorkerPlugin):
    """A Dask worker plugin installing ``_die_on`` in each worker process as it starts."""

    name = "screening-test-die"

    def __init__(self, names, marker_dir, once):
        self.names, self.marker_dir, self.once = names, marker_dir, once

    def setup(self, worker):
        _die_on(self.names, self.marker_dir, self.once)

    def teardown(self, worker):
        pass


def test_screen_chunk_loads_once_per_worker(folder, fake_settings, fake_model):
    import screening.cluster as c

    c._WORKER_SCREENERS.clear()
    jobs = [Job(str(p)) for p in sorted(folder.glob("doc00[0-2].txt"))]
    first = screen_chunk(jobs, fake_settings, fake_model.model_id, None)
    screener = next(iter(c._WORKER_SCREENERS.values()))
    second = screen_chunk(jobs, fake_settings, fake_model.model_id, None)
    assert next(iter(c._WORKER_SCREENERS.values())) is screener
    assert [o.findings for o in first] == [o.findings for o in second]
    assert all(o.document is not None for o in first)


def test_a_worker_without_the_model_says_where_to_put_it(tmp_path, folder, fake_settings):
    import dataclasses

    elsewhere = dataclasses.replace(fake_settings, models=tmp_path / "models")
    with pytest.raises(ClusterWorkerError) as err:
        screen_chunk([Job(str(folder / "doc000.txt"))], elsewhere, "no-such-model", None)
    assert "找不到模型目录" in str(err.value) and "--models" in str(err.value)


def test_parse_pool_reports_bad_files_in_order(folder, fake_settings, fake_model):
    lazy = LazyScreener(fake_settings, lambda: Screener.load(fake_settings), fake_model.model_id)
    pool = ParsePool(lazy.get, 2)
    try:
        jobs = [Job(str(p)) for p in sorted(folder.iterdir())]
        outcomes = list(pool.run(jobs, fake_settings))
    finally:
        pool.close()
    assert [o.path for o in outcomes] == [j.path for j in jobs]
    bad = [o for o in outcomes if o.failure]
    assert len(bad) == 1 and bad[0].path.endswith("损坏.docx")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("local[3]", (None, 3)),
        ("local", (None, os.cpu_count() or 1)),
        ("tcp://h:8786", ("tcp://h:8786", 0)),
    ],
)
def test_parse_address(address, expected):
    assert parse_address(address) == expected


def test_unreachable_scheduler_is_a_clear_error(fake_settings):
    with pytest.raises(ClusterError) as err:
        DaskCluster("tcp://127.0.0.1:9", model_id="m", timeout_s=2)
    assert "无法连接计算集群" in str(err.value)


def test_resweep_of_unchanged_files_loads_no_model(tmp_path, folder, single, fake_settings):
    """The hashes are compared first: no scikit-learn, no embedder, no model file is read."""
    ledger = tmp_path / "l.db"
    scan(fake_settings, ledger, "--workers", "1", str(folder))
    code = (
        "import sys\n"
        "from screening.cli import main\n"
        "try:\n"
        f"    main(['--models', {str(fake_settings.models)!r}, '--ledger', {str(ledger)!r},"
        f" 'scan', '--format', 'jsonl', {str(folder)!r}])\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
        "heavy = [m for m in ('sklearn', 'torch', 'joblib', 'onnxruntime') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == single[1]
    assert "HEAVY []" in done.stderr
    assert "未改动跳过 40 个" in done.stderr
    assert json.loads(done.stdout.splitlines()[0])["engine"]["model_id"]
