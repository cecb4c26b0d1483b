"""Sweeps into the ledger: recorded by default, idempotent, resumable after Ctrl-C or kill -9.

Runs the real CLI (in-process for the behaviour tests, as a subprocess for the crash tests) with
the session's fake-embedder model, on documents built from real corpus wording: notified cases'
offending clauses among presumed-compliant local-regulation clauses.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening import ledger as lg
from screening.cli import main
from screening.corpus.store import REGULATION_NEGATIVES_PATH, read_rows
from screening.sweep import stored_findings

ROOT = Path(__file__).resolve().parent.parent


def write_docs(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` text documents of 28 clauses each: 3 offending case wordings among 25 compliant."""
    cases = [json.loads(x) for x in (ROOT / "corpus/cases/cases.jsonl").open(encoding="utf-8")]
    offending = sorted({t for c in cases for t in c.get("offending_text") or () if len(t) > 8})
    negatives = ROOT / "corpus" / REGULATION_NEGATIVES_PATH
    compliant = [row["text"] for row in read_rows(negatives)]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        items = rng.sample(compliant, 25) + rng.sample(offending, 3)
        rng.shuffle(items)
        body = "\n".join(f"第{k + 1}条 {t}" for k, t in enumerate(items))
        path = folder / f"doc{i:03d}.txt"
        path.write_text(f"关于印发第{i}号扶持办法的通知\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def scan(settings, ledger: Path, *args: str):
    result = CliRunner().invoke(
        main,
        ["--models", str(settings.models), "--ledger", str(ledger), "scan", *args],
    )
    assert result.exit_code == 0, result.output
    return result


def counts(ledger: Path) -> dict[str, int]:
    db = lg.open_ledger(ledger)
    try:
        return {
            t: db[t].count for t in ("documents", "clauses", "findings", "cases", "actions")
        } | {
            "active": db["findings"].count_where("status = 'active'"),
            "distinct_ids": next(db.query("select count(distinct finding_id) n from findings"))[
                "n"
            ],
        }
    finally:
        db.close()


def per_document(ledger: Path) -> dict[str, list[str]]:
    """document path → sorted finding ids (active), for exact comparisons between ledgers."""
    db = lg.open_ledger(ledger)
    try:
        out: dict[str, list[str]] = {}
        for row in db.query(
            "select d.path, f.finding_id from findings f join documents d on d.id = f.document_id "
            "where f.status = 'active' order by d.path, f.finding_id"
        ):
            out.setdefault(Path(row["path"]).name, []).append(row["finding_id"])
        return out
    finally:
        db.close()


@pytest.fixture()
def docs(tmp_path):
    return write_docs(tmp_path / "docs", 6)


def test_scan_records_by_default_and_rerun_changes_nothing(
    tmp_path, docs, fake_settings, fake_model
):
    ledger = tmp_path / "ledger.db"
    first = scan(fake_settings, ledger, "--format", "jsonl", str(docs[0].parent))
    rows = [json.loads(x) for x in first.stdout.splitlines()]
    assert rows, "the planted case wordings must produce findings"
    before = counts(ledger)
    assert before["documents"] == 6
    assert before["findings"] == before["cases"] == before["distinct_ids"] == len(rows)
    assert f"新增疑似问题 {len(rows)} 条" in first.stderr
    assert f"新建待核查案件 {len(rows)} 件" in first.stderr

    second = scan(fake_settings, ledger, "--format", "jsonl", str(docs[0].parent))
    assert second.stdout == first.stdout  # unchanged files: findings read back from the ledger
    assert "未改动跳过 6 个" in second.stderr
    assert counts(ledger) == before


def test_rescan_keeps_decisions_and_does_not_duplicate(tmp_path, docs, fake_settings, fake_model):
    ledger = tmp_path / "ledger.db"
    scan(fake_settings, ledger, str(docs[0].parent))
    db = lg.open_ledger(ledger)
    lg.add_department(db, "县发展改革局")
    case_id = next(db.query("select id from cases order by id"))["id"]
    lg.assign(db, case_id, department="县发展改革局", assignee="张三", operator="李四")
    lg.decide(db, case_id, confirmed=False, reason="属于依法设定的条件", operator="李四")
    db.close()
    before = counts(ledger)

    result = scan(fake_settings, ledger, "--rescan", str(docs[0].parent))
    assert f"更新 {before['findings']} 条" in result.stderr
    after = counts(ledger)
    assert after == before
    db = lg.open_ledger(ledger)
    assert lg.get_case(db, case_id)["status"] == "已排除"
    db.close()


def test_changed_document_marks_gone_and_carries_cases(tmp_path, docs, fake_settings, fake_model):
    ledger = tmp_path / "ledger.db"
    scan(fake_settings, ledger, str(docs[0]))
    db = lg.open_ledger(ledger)
    _, findings = stored_findings(db, docs[0])
    db.close()
    assert len(findings) >= 2
    dropped, kept = findings[0], findings[1:]
    text = docs[0].read_text(encoding="utf-8")
    docs[0].write_text(text.replace(dropped.clause, "本办法由县发展改革局负责解释。"), "utf-8")

    result = scan(fake_settings, ledger, str(docs[0]))
    # offsets moved, so every old finding is superseded; the kept clauses join their old cases
    assert f"不再筛出 {len(findings)} 条" in result.stderr
    assert "新建待核查案件 0 件" in result.stderr
    db = lg.open_ledger(ledger)
    assert db["cases"].count == len(findings)
    assert db["findings"].count_where("status = 'active'") == len(kept)

    def case_of(finding_id: str) -> int:
        sql = "select case_id from findings where finding_id = ?"
        return next(db.query(sql, [finding_id]))["case_id"]

    trail = [a["action"] for a in lg.case_actions(db, case_of(dropped.finding_id))]
    assert trail[-1] == "gone"
    for f in kept:
        assert [a["action"] for a in lg.case_actions(db, case_of(f.finding_id))][-1] == (
            "carry_over"
        )
    db.close()


def test_no_ledger_writes_nothing(tmp_path, docs, fake_settings, fake_model):
    ledger = tmp_path / "ledger.db"
    result = scan(fake_settings, ledger, "--no-ledger", str(docs[0].parent))
    assert not ledger.exists()
    assert "台账" not in result.stderr


def test_same_document_by_relative_and_absolute_path(
    tmp_path, docs, fake_settings, fake_model, monkeypatch
):
    ledger = tmp_path / "ledger.db"
    monkeypatch.chdir(tmp_path)
    scan(fake_settings, ledger, "docs/doc000.txt")
    result = scan(fake_settings, ledger, str(docs[0].resolve()))
    assert "未改动跳过 1 个" in result.stderr
    assert counts(ledger)["documents"] == 1


def test_unreadable_files_are_kept_in_the_ledger_until_read(
    tmp_path, docs, fake_settings, fake_model
):
    folder = docs[0].parent
    (folder / "扫描件.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (folder / "空白.docx").write_bytes(b"")
    ledger = tmp_path / "ledger.db"
    first = scan(
        fake_settings, ledger, "--operator", "王五", "--department", "县商务局", str(folder)
    )
    assert "无法读取的 2 个文件已记入台账" in first.stderr
    db = lg.open_ledger(ledger)
    rows = {Path(r["path"]).name: r for r in db["unreadable"].rows}
    assert {n: r["code"] for n, r in rows.items()} == {
        "扫描件.pdf": "corrupt",
        "空白.docx": "empty",
    }
    assert all(r["department"] == "县商务局" and r["resolved_at"] is None for r in rows.values())
    run = next(db.query("select * from sweeps"))
    assert (run["status"], run["operator"], run["department"]) == ("finished", "王五", "县商务局")
    assert (run["files"], run["screened"], run["failed"]) == (8, 6, 2)
    assert run["findings_new"] == run["cases_created"] == db["cases"].count > 0
    assert json.loads(run["roots"]) == [str(folder.resolve())]
    db.close()

    # a second sweep: the same two files again, listed once, each with its latest sighting
    scan(fake_settings, ledger, str(folder))
    # the empty file gets its text: the next sweep reads it and takes it off the list
    (folder / "空白.docx").unlink()
    from docgen import write_docx

    write_docx(folder / "空白.docx", ["关于印发扶持办法的通知", "第一条 本办法自印发之日起施行。"])
    scan(fake_settings, ledger, str(folder))

    runner = CliRunner()
    base = ["--ledger", str(ledger), "ledger"]
    listed = runner.invoke(main, [*base, "unreadable"])
    assert listed.exit_code == 0, listed.output
    assert "扫描件.pdf" in listed.stdout and "空白.docx" not in listed.stdout
    assert "文件已损坏或不完整" in listed.stdout
    assert "共 1 个文件未能筛查，需人工审查" in listed.stderr
    every = json.loads(
        runner.invoke(main, [*base, "unreadable", "--all", "--format", "json"]).stdout
    )
    assert [(Path(r["path"]).name, bool(r["resolved_at"])) for r in every] == [
        ("扫描件.pdf", False),
        ("空白.docx", True),
    ]
    runs = runner.invoke(main, [*base, "sweeps"])
    assert runs.exit_code == 0, runs.output
    assert runs.stdout.count("已完成") == 3 and "经办人 王五" in runs.stdout
    assert "无法读取 2；" in runs.stdout and "无法读取 1；" in runs.stdout
    assert len(json.loads(runner.invoke(main, [*base, "sweeps", "--format", "json"]).stdout)) == 3


def test_sweep_log_commands_on_an_empty_ledger(tmp_path):
    runner = CliRunner()
    lg.open_ledger(tmp_path / "new.db").close()
    base = ["--ledger", str(tmp_path / "new.db"), "ledger"]
    assert "台账中还没有筛查记录" in runner.invoke(main, [*base, "sweeps"]).stdout
    assert runner.invoke(main, [*base, "unreadable"]).stdout == "没有无法读取的文件。\n"
    assert runner.invoke(main, [*base, "unreadable", "--format", "json"]).stdout == "[]\n"


def test_moved_folder_keeps_documents_and_cases(tmp_path, docs, fake_settings, fake_model):
    ledger = tmp_path / "ledger.db"
    scan(fake_settings, ledger, str(docs[0].parent))
    before = counts(ledger)
    moved = docs[0].parent.rename(tmp_path / "归档")
    result = scan(fake_settings, ledger, str(moved))
    assert "新建待核查案件 0 件" in result.stderr
    after = counts(ledger)
    assert {k: after[k] for k in ("documents", "findings", "cases", "active")} == {
        k: before[k] for k in ("documents", "findings", "cases", "active")
    }
    db = lg.open_ledger(ledger)
    assert all(Path(r["path"]).parent == moved.resolve() for r in db["documents"].rows)
    notes = [a for a in db["actions"].rows if a["action"] == "moved"]
    assert len(notes) == before["cases"]
    assert "文件已移动或改名" in notes[0]["note"] and str(moved.resolve()) in notes[0]["note"]
    db.close()
    # a copy (the original still in place) is a document of its own, not a move
    copy = tmp_path / "副本"
    copy.mkdir()
    (copy / docs[1].name).write_bytes((moved / docs[1].name).read_bytes())
    scan(fake_settings, ledger, str(copy))
    assert counts(ledger)["documents"] == before["documents"] + 1


# --- crash tests: a real process, interrupted for real ------------------------------------------


def _start(fake_settings, ledger: Path, folder: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SCREENING_MODELS": str(fake_settings.models),
        "SCREENING_LEDGER": str(ledger),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "screening", "scan", "--format", "jsonl", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=str(folder.parent),
        # Ctrl-C as at a terminal: a parent that ignores SIGINT (a CI runner, a background job
        # without job control) passes that on, and Python then never raises KeyboardInterrupt.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _documents_recorded(ledger: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=0.05)
        try:
            return con.execute("select count(*) from documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _interrupt_midway(proc: subprocess.Popen, ledger: Path, total: int, sig: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _documents_recorded(ledger) >= 1:
            break
        # 80 documents take tens of seconds; a tighter loop only competes with the sweep for
        # the CPU and the ledger's lock.
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    done = _documents_recorded(ledger)
    assert 0 < done < total, f"interrupted after {done} of {total} documents"
    return done


@pytest.fixture(scope="module")
def crash_corpus(tmp_path_factory, fake_settings, fake_model):
    """80 documents and the ledger of one uninterrupted sweep over them (the reference)."""
    base = tmp_path_factory.mktemp("crash")
    folder = base / "docs"
    write_docs(folder, 80, seed=1)
    reference = base / "reference.db"
    proc = _start(fake_settings, reference, folder)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return folder, reference


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "returncode"),
    [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130)],
    ids=["kill-9", "ctrl-c"],
)
def test_interrupted_sweep_resumes_to_exact_counts(
    tmp_path, crash_corpus, fake_settings, sig, returncode
):
    folder, reference = crash_corpus
    ledger = tmp_path / "ledger.db"
    proc = _start(fake_settings, ledger, folder)
    done = _interrupt_midway(proc, ledger, 80, sig)
    assert proc.returncode == returncode
    if sig == signal.SIGINT:
        assert "重新运行同一命令即可继续" in proc.stderr.read().decode()

    con = sqlite3.connect(ledger)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    con.close()
    # every document recorded so far is complete: exactly its reference findings
    partial, full = per_document(ledger), per_document(reference)
    recorded = {Path(r["path"]).name for r in lg.open_ledger(ledger)["documents"].rows}
    assert len(recorded) == done
    assert all(partial.get(name, []) == full.get(name, []) for name in recorded)

    # the sweep log shows the cut: kill -9 leaves the row unfinished, Ctrl-C marks it
    con = sqlite3.connect(ledger)
    status, finished = con.execute("select status, finished_at from sweeps").fetchone()
    con.close()
    if sig == signal.SIGKILL:
        assert (status, finished) == ("running", None)
    else:
        assert status == "interrupted" and finished

    proc = _start(fake_settings, ledger, folder)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    assert f"未改动跳过 {done} 个" in err.decode()
    rerun = lg.open_ledger(ledger)
    last = next(rerun.query("select * from sweeps order by id desc limit 1"))
    rerun.close()
    assert (last["status"], last["files"], last["skipped"]) == ("finished", 80, done)
    assert last["screened"] == 80 - done
    assert per_document(ledger) == full
    mine, theirs = counts(ledger), counts(reference)
    assert mine == theirs


def test_reviewer_day_end_to_end(tmp_path, docs, fake_settings, fake_model):
    """Sweep → work a case to 已销号 → import a hotline export; all of it in the audit trail."""
    from openpyxl import Workbook

    ledger = tmp_path / "ledger.db"
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(
            main, ["--models", str(fake_settings.models), "--ledger", str(ledger), *args]
        )
        assert result.exit_code == 0, result.output
        return result

    run("scan", "--department", "县商务局", str(docs[0].parent))
    run("departments", "add", "县商务局")
    op = ("--operator", "张科长")
    run("ledger", "assign", "1", "--department", "县商务局", "--assignee", "王五", *op)
    run("ledger", "decide", "1", "--confirm", "--reason", "以本地注册为享受奖励的条件", *op)
    run("ledger", "rectify", "1", "--measures", "删除该条款", "--responsible", "王五",
        "--deadline", "2099-12-31", *op)  # fmt: skip
    run("ledger", "review", "1", *op)
    run("ledger", "close", "1", *op)
    wb = Workbook()
    wb.active.append(["工单编号", "来电时间", "诉求人", "联系方式", "诉求内容", "承办单位"])
    wb.active.append(
        ["GD1", "2025-11-03 09:00", "王", "139", "县商务局的补贴只给本地注册企业", "县商务局"]
    )
    wb.save(tmp_path / "hotline.xlsx")
    run("complaints", "import", str(tmp_path / "hotline.xlsx"), *op)

    db = lg.open_ledger(ledger)
    case = lg.get_case(db, 1)
    assert case["status"] == "已销号" and case["closed_at"]
    moves = [(a["from_state"], a["to_state"], a["operator"]) for a in lg.case_actions(db, 1)]
    assert moves == [
        (None, "待核查", "审查员"),
        ("待核查", "核查中", "张科长"),
        ("核查中", "已认定", "张科长"),
        ("已认定", "整改中", "张科长"),
        ("整改中", "待复核", "张科长"),
        ("待复核", "已销号", "张科长"),
    ]
    complaint_case = next(db.query("select case_id from complaints"))["case_id"]
    assert [a["operator"] for a in lg.case_actions(db, complaint_case)] == ["张科长"]
    assert db["documents"].count == 6
    assert {r["department"] for r in db["documents"].rows} == {"县商务局"}
    db.close()
