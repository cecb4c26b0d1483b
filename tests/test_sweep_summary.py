"""The library's sweep summary is what ``screening scan`` prints (the CLI no longer counts).

The same documents are swept twice — by the CLI into one ledger and by ``sweep()`` into
another — in two rounds (a first sweep; then one document changed, one unreadable file fixed,
the rest unchanged): the summary's totals, findings and failures equal the CLI's JSON and
its closing lines, and the sweep row logged in the ledger.
"""

from __future__ import annotations

import json

import pytest
from test_sweep import scan, write_docs

from screening import ledger as lg
from screening.parse import iter_files
from screening.screen.engine import Screener
from screening.sweep import Sweep, SweepSummary, sweep


def as_json(obj):
    return json.loads(json.dumps(obj, ensure_ascii=False))


def _library_sweep(settings, ledger, folder) -> SweepSummary:
    db = lg.open_ledger(ledger)
    try:
        run = sweep(
            Screener.load(settings),
            list(iter_files([str(folder)])),
            db=db,
            operator=settings.operator,
            roots=[str(folder)],
        )
        assert isinstance(run, Sweep) and run.summary.counts.screened == 0  # nothing run yet
        items = list(run)
        summary = run.summary
        assert summary.finished and len(items) == summary.counts.files
        logged = next(db.query("select * from sweeps order by id desc limit 1"))
        assert {k: logged[k] for k in summary.counts.to_dict()} == summary.counts.to_dict()
        return summary
    finally:
        db.close()


def test_sweep_summary_equals_what_scan_prints(tmp_path, fake_settings, fake_model):
    folder = tmp_path / "docs"
    docs = write_docs(folder, 5, seed=11)
    (folder / "空白.docx").write_bytes(b"")  # unreadable in round 1
    cli_ledger, lib_ledger = tmp_path / "cli.db", tmp_path / "lib.db"
    for round_ in (1, 2):
        if round_ == 2:
            lines = docs[0].read_text(encoding="utf-8").splitlines()
            docs[0].write_text("\n".join(lines[:-4]) + "\n", encoding="utf-8")
            (folder / "空白.docx").unlink()
            (folder / "空白.txt").write_text("第一条 本办法自印发之日起施行。\n", encoding="utf-8")
        result = scan(fake_settings, cli_ledger, "--format", "json", str(folder))
        printed = json.loads(result.stdout)
        summary = _library_sweep(fake_settings, lib_ledger, folder)

        totals = summary.ledger_totals()
        assert totals == {k: v for k, v in printed["ledger"].items() if k != "path"}
        assert as_json([f.to_dict() for f in summary.findings]) == printed["findings"]
        assert as_json([f.to_dict() for f in summary.failures]) == printed["failures"]
        assert (
            f"新增疑似问题 {totals['new']} 条，更新 {totals['updated']} 条，"
            f"不再筛出 {totals['gone']} 条；新建待核查案件 {totals['cases_created']} 件。"
        ) in result.stderr
        assert f"疑似问题 {len(summary.findings)} 条" in result.stderr
        assert f"无法读取 {len(summary.failures)} 个；" in result.stderr
        if round_ == 1:
            assert len(summary.failures) == 1 and totals["new"] > 0 and totals["skipped"] == 0
        else:
            assert not summary.failures and totals["skipped"] == 4
            assert f"未改动跳过 {totals['skipped']} 个" in result.stderr
            assert totals["gone"] + totals["updated"] > 0  # the changed document


def test_a_closed_sweep_is_logged_as_interrupted_and_not_finished(
    tmp_path, fake_settings, fake_model
):
    folder = tmp_path / "docs"
    write_docs(folder, 3, seed=12)
    db = lg.open_ledger(tmp_path / "l.db")
    run = sweep(Screener.load(fake_settings), sorted(folder.iterdir()), db=db, operator="甲")
    first = next(run)
    run.close()
    assert run.summary.findings == list(first.findings) and not run.summary.finished
    status = next(db.query("select status from sweeps"))["status"]
    db.close()
    assert status == "interrupted"


def test_ctrl_c_inside_a_ledger_write_still_logs_the_sweep_as_interrupted(
    tmp_path, fake_settings, fake_model, monkeypatch
):
    """Ctrl-C is raised when the SQLite call that received it returns — possibly just after a
    ``BEGIN`` whose transaction nobody will end. The sweep row must still close (before the
    fix it was written into that transaction, and lost with it when the ledger was closed)."""
    import screening.sweep as sweep_module

    folder = tmp_path / "docs"
    write_docs(folder, 3, seed=13)
    db = lg.open_ledger(tmp_path / "l.db")
    real_record = sweep_module.record_findings
    calls = {"n": 0}

    def cut_after_begin(db_, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            db_.conn.execute("BEGIN IMMEDIATE")
            raise KeyboardInterrupt
        return real_record(db_, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "record_findings", cut_after_begin)
    run = sweep(Screener.load(fake_settings), sorted(folder.iterdir()), db=db, operator="甲")
    with pytest.raises(KeyboardInterrupt):
        list(run)
    db.close()
    db = lg.open_ledger(tmp_path / "l.db")
    status, finished = next(db.query("select status, finished_at from sweeps")).values()
    documents = db["documents"].count
    db.close()
    assert (status, bool(finished)) == ("interrupted", True)
    assert documents == 1  # the cut document is not half-recorded


def test_ctrl_c_while_begin_waits_leaves_no_open_transaction(tmp_path):
    """The same cut inside ``atomic()`` itself: the BEGIN is rolled back with the block."""

    class Cut:  # a connection whose BEGIN is interrupted as it returns
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            result = self._conn.execute(sql, *args)
            if sql == "BEGIN IMMEDIATE":
                raise KeyboardInterrupt
            return result

        def __getattr__(self, name):
            return getattr(self._conn, name)

    db = lg.open_ledger(tmp_path / "l.db")
    real = db.conn
    db.conn = Cut(real)
    with pytest.raises(KeyboardInterrupt), db.atomic():
        pass
    db.conn = real
    assert not real.in_transaction
    db.close()
