"""The library's sweep summary is what ``screening scan`` prints (the CLI no longer counts).

The same documents are swept twice — by the CLI into one ledger and by ``sweep()`` into
another — in two rounds (a first sweep; then one document changed, one unreadable file fixed,
the rest unchanged): the summary's totals, findings and failures equal the CLI's JSON and
its closing lines, and the sweep row logged in the ledger.
"""

from __future__ import annotations

import json

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
