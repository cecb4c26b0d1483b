"""Faults, races and hostile input, in a loop: what a hostile user or an unlucky administrator does.

    python benchmarks/fault_bench.py [--rounds 3] [--docs 16] [--models DIR] [--out DIR]

Every scenario runs the real ``screening`` command in subprocesses (as users run it) against
file ledgers, and counts what must never happen:

- race:      two ``scan``s of one folder into one fresh ledger at the same time;
- kill:      a ``scan`` killed with SIGKILL half-way, then run again;
- busy:      a ``scan`` while another program holds the ledger's write lock longer than the
             scan's ``--lock-wait`` (it must stop cleanly) and shorter (it must wait and finish);
- damage:    8 KB overwritten in the middle of the ledger, then every kind of command; the file
             must not change and no command may crash;
- exports:   a document, complaint and reviewer fields that start like spreadsheet formulas
             (DDE, HYPERLINK, +, -, @, tab), exported by every CSV/XLSX export;
- privacy:   a 12345 work order whose text carries the caller's name, mobile, landline, ID
             number and e-mail, shown by every default list, show, export and report;
- weights:   3 MB zeroed inside a copy of the e5 cache's ``model.safetensors`` (same size).

Prints, per scenario and in total: runs, tracebacks (target 0), lost or duplicated rows
(target 0), formula cells in exports (target 0), personal data shown unmasked in default
outputs (target 0), undetected damage (target 0).

The screening model is a small one trained with the fake embedder into a temp folder (about
20 s) unless ``--models`` names a models folder with a trained model: the faults are in the
ledger, files and exports, not in the scores. The weights scenario needs the real e5 cache and
is skipped (said so) when ``--models`` does not hold one.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the tests' document and lock helpers

from test_ledger_safety import hold_write_lock  # noqa: E402
from test_sweep import write_docs  # noqa: E402

from screening.config import Settings  # noqa: E402
from screening.ledger import open_ledger  # noqa: E402
from screening.tables import looks_like_formula  # noqa: E402

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/x","点此查看")',
    "+86-1-2",
    "-2+3",
    "@SUM(A1:A3)",
    "\t=1+1",
]
PII = {
    "name": "王小明",
    "mobile": "13912345678",
    "landline": "0431-85551234",
    "id": "220102199001011234",
    "email": "wxm@example.com",
}
COMPLAINT = (
    "我叫王小明，电话13912345678，座机0431-85551234，身份证220102199001011234，"
    "邮箱wxm@example.com。反映某镇政府要求外地企业必须在本地设立分公司才能参与政府采购。"
)


class Tally:
    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, scenario: str, **values: int) -> None:
        self.counts.setdefault(scenario, Counter()).update(values)

    def total(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.counts.values():
            out.update(c)
        return out


def cli(models: Path, ledger: Path, *args: str, timeout: float = 600, **kw):
    env = {**os.environ, "SCREENING_MODELS": str(models), "SCREENING_LEDGER": str(ledger)}
    return subprocess.run(
        [sys.executable, "-m", "screening", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def popen(models: Path, ledger: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "SCREENING_MODELS": str(models), "SCREENING_LEDGER": str(ledger)}
    return subprocess.Popen(
        [sys.executable, "-m", "screening", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def tracebacks(*texts: str) -> int:
    return sum(t.count("Traceback (most recent call last)") for t in texts)


def ledger_rows(ledger: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "documents": one("select count(*) from documents"),
            "findings": one("select count(*) from findings"),
            "cases": one("select count(*) from cases"),
            "duplicate_findings": one(
                "select count(*) from (select finding_id from findings group by finding_id "
                "having count(*) > 1)"
            ),
            "duplicate_documents": one(
                "select count(*) from (select path from documents group by path "
                "having count(*) > 1)"
            ),
            "cases_without_finding": one(
                "select count(*) from cases c where c.source = '筛查' and not exists "
                "(select 1 from findings f where f.case_id = c.id)"
            ),
            "integrity": one("pragma integrity_check") == "ok",
        }
    finally:
        con.close()


def bad_rows(rows: dict[str, int], reference: dict[str, int]) -> int:
    """Lost or duplicated rows against a clean single run of the same folder."""
    lost = sum(max(0, reference[k] - rows[k]) for k in ("documents", "findings", "cases"))
    extra = sum(max(0, rows[k] - reference[k]) for k in ("documents", "findings", "cases"))
    dup = rows["duplicate_findings"] + rows["duplicate_documents"]
    return lost + extra + dup + rows["cases_without_finding"] + (0 if rows["integrity"] else 1)


# --- scenarios ----------------------------------------------------------------------------------


def race(models: Path, work: Path, docs: Path, reference: dict[str, int], tally: Tally) -> None:
    ledger = work / "race.db"
    procs = [popen(models, ledger, "scan", str(docs)) for _ in range(2)]
    errs = [p.communicate(timeout=900)[1] for p in procs]
    failed = sum(p.returncode != 0 for p in procs)
    tally.add(
        "race",
        runs=1,
        tracebacks=tracebacks(*errs),
        failed_commands=failed,
        bad_rows=bad_rows(ledger_rows(ledger), reference),
    )


def kill(models: Path, work: Path, docs: Path, reference: dict[str, int], tally: Tally) -> None:
    ledger = work / "kill.db"
    proc = popen(models, ledger, "scan", str(docs))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if ledger_rows(ledger)["documents"] >= reference["documents"] // 2:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    again = cli(models, ledger, "scan", str(docs))
    tally.add(
        "kill -9",
        runs=1,
        tracebacks=tracebacks(again.stderr),
        failed_commands=int(again.returncode != 0),
        bad_rows=bad_rows(ledger_rows(ledger), reference),
    )


def busy(models: Path, work: Path, docs: Path, reference: dict[str, int], tally: Tally) -> None:
    ledger = work / "busy.db"
    open_ledger(ledger).close()
    holder = hold_write_lock(ledger, 7)
    gave_up = cli(models, ledger, "scan", "--lock-wait", "1", str(docs))
    holder.join()
    clean_stop = gave_up.returncode == 1 and "正被其他人或程序写入" in gave_up.stderr
    holder = hold_write_lock(ledger, 7)
    waited = cli(models, ledger, "scan", str(docs))
    holder.join()
    tally.add(
        "busy ledger",
        runs=2,
        tracebacks=tracebacks(gave_up.stderr, waited.stderr),
        failed_commands=int(not clean_stop) + int(waited.returncode != 0),
        bad_rows=bad_rows(ledger_rows(ledger), reference),
    )


DAMAGE_COMMANDS = [
    (True, ["ledger", "note", "1", "--text", "补充"]),
    (True, ["ledger", "assign", "1", "--department", "县商务局", "--assignee", "张三"]),
    (True, ["complaints", "add", "--content", "反映某镇指定供应商", "--no-screen"]),
    (True, ["ledger", "backup", "{out}/backup.db"]),
    (True, ["scan", "{docs}"]),
    (False, ["ledger", "list"]),
    (False, ["ledger", "show", "1"]),
    (False, ["ledger", "export", "--output", "{out}/x.xlsx"]),
    (False, ["report", "ledger", "--out", "{out}/r.xlsx"]),
    (False, ["complaints", "list"]),
    (False, ["ledger", "check"]),
]


def damage(models: Path, work: Path, docs: Path, source: Path, tally: Tally) -> None:
    ledger = work / "damaged.db"
    shutil.copy(source, ledger)
    size = ledger.stat().st_size
    with open(ledger, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\xa5" * 8192)
    before = ledger.read_bytes()
    out = work / "damage-out"
    out.mkdir(exist_ok=True)
    tb = written = undetected = 0
    for writes, args in DAMAGE_COMMANDS:
        result = cli(models, ledger, *[a.format(out=out, docs=docs) for a in args])
        tb += tracebacks(result.stderr, result.stdout)
        undetected += int("已损坏" not in result.stderr)
        if writes:
            written += int(result.returncode == 0)
    changed = int(ledger.read_bytes() != before)
    backup_made = int((out / "backup.db").exists())
    tally.add(
        "damaged ledger",
        runs=len(DAMAGE_COMMANDS),
        tracebacks=tb,
        bad_rows=changed + written + backup_made,
        undetected_damage=undetected,
    )


def _formula_cells_xlsx(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(
            len(re.findall(rb"<f[ >]", z.read(n)))
            for n in z.namelist()
            if n.startswith("xl/worksheets/")
        )


def _formula_cells_csv(path: Path) -> int:
    import csv

    text = path.read_text(encoding="utf-8-sig")
    return sum(looks_like_formula(cell) for row in csv.reader(text.splitlines()) for cell in row)


def exports(models: Path, work: Path, tally: Tally) -> None:
    ledger = work / "exports.db"
    folder = work / "hostile"
    folder.mkdir(exist_ok=True)
    body = "\n".join(f"第{i + 1}条 {f}申报企业须在本县注册并纳税。" for i, f in enumerate(FORMULAS))
    (folder / "=HYPERLINK(恶意).txt").write_text(f"{FORMULAS[0]}\n{body}\n", encoding="utf-8")
    runs = [cli(models, ledger, "scan", str(folder))]
    runs.append(
        cli(
            models,
            ledger,
            "complaints",
            "add",
            "--content",
            f"{FORMULAS[1]}反映指定供应商",
            "--no-screen",
        )
    )
    runs.append(cli(models, ledger, "departments", "add", FORMULAS[2]))
    runs.append(
        cli(
            models,
            ledger,
            "ledger",
            "assign",
            "1",
            "--department",
            FORMULAS[2],
            "--assignee",
            FORMULAS[4],
        )
    )
    out = work / "exports-out"
    outputs = []
    for suffix in ("xlsx", "csv"):
        target = out / f"台账.{suffix}"
        runs.append(
            cli(models, ledger, "ledger", "export", "--format", suffix, "--output", str(target))
        )
        outputs.append(target)
        target = out / f"报告台账.{suffix}"
        runs.append(cli(models, ledger, "report", "ledger", "--out", str(target)))
        outputs.append(target)
    cells = 0
    for f in outputs:
        if f.exists():
            cells += _formula_cells_xlsx(f) if f.suffix == ".xlsx" else _formula_cells_csv(f)
    tally.add(
        "formula exports",
        runs=len(runs),
        tracebacks=tracebacks(*(r.stderr for r in runs)),
        failed_commands=sum(r.returncode != 0 for r in runs) + sum(not f.exists() for f in outputs),
        formula_cells=cells,
    )


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
        )


def privacy(models: Path, work: Path, tally: Tally) -> None:
    ledger = work / "privacy.db"
    add = cli(
        models, ledger, "complaints", "add", "--content", COMPLAINT, "--complainant", PII["name"],
        "--contact", PII["mobile"], "--channel", "12345热线",
    )  # fmt: skip
    out = work / "privacy-out"
    views = [
        ["ledger", "list"], ["ledger", "list", "--format", "json"],
        ["ledger", "show", "1"], ["ledger", "show", "1", "--format", "json"],
        ["complaints", "list"], ["complaints", "list", "--format", "json"],
    ]  # fmt: skip
    texts, runs = [], [add]
    for args in views:
        r = cli(models, ledger, *args)
        runs.append(r)
        texts.append(r.stdout)
    files = [out / "台账.xlsx", out / "台账.csv"]
    runs.append(cli(models, ledger, "ledger", "export", "--output", str(files[0])))
    runs.append(
        cli(models, ledger, "ledger", "export", "--format", "csv", "--output", str(files[1]))
    )
    runs.append(
        cli(
            models,
            ledger,
            "report",
            "self-inspection",
            "--from",
            "2000-01-01",
            "--to",
            "2099-12-31",
            "--out",
            str(out / "自查.docx"),
        )
    )
    runs.append(cli(models, ledger, "report", "ledger", "--out", str(out / "报告台账.xlsx")))
    for f in out.iterdir() if out.exists() else ():
        if f.suffix in (".xlsx", ".docx"):
            texts.append(_docx_text(f))
        elif f.suffix in (".csv", ".json"):
            texts.append(f.read_text(encoding="utf-8-sig"))
    shown = sum(t.count(v) for t in texts for v in PII.values())
    tally.add(
        "personal data",
        runs=len(runs),
        tracebacks=tracebacks(*(r.stderr for r in runs)),
        failed_commands=sum(r.returncode != 0 for r in runs),
        unmasked_personal_data=shown,
    )


def weights(models: Path, work: Path, tally: Tally) -> bool:
    from screening.embed import e5

    source = e5.cache_dir(models)
    if e5.cache_state(source)[0] != "ok":
        return False
    copy = work / "weights" / e5.CACHE_DIRNAME
    shutil.rmtree(copy.parent, ignore_errors=True)
    shutil.copytree(source, copy)
    with open(copy / "model.safetensors", "r+b") as fh:
        fh.seek(40_000_000)
        fh.write(b"\0" * 3_000_000)
    state, _ = e5.cache_state(copy)
    tally.add("e5 weights", runs=1, undetected_damage=int(state == "ok"))
    shutil.rmtree(copy.parent, ignore_errors=True)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--docs", type=int, default=16, help="documents in the swept folder")
    ap.add_argument("--models", type=Path, default=None, help="models folder (default: train fake)")
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temp dir)")
    args = ap.parse_args()
    work_root = Path(args.out or tempfile.mkdtemp(prefix="fault-bench-"))
    work_root.mkdir(parents=True, exist_ok=True)
    if args.models is None:
        from screening.learning import store
        from screening.learning.train import train

        models = work_root / "models"
        settings = Settings(models=models)
        start = time.perf_counter()
        model = train(settings, embedder_names=("fake.v1",))
        store.save(settings, model)
        store.promote(settings, model.model_id)
        print(f"small fake-embedder model trained in {time.perf_counter() - start:.0f} s")
        real_models = Settings().models
    else:
        models = real_models = args.models
    docs = work_root / "docs"
    write_docs(docs, args.docs, seed=7)
    reference_ledger = work_root / "reference.db"
    ref = cli(models, reference_ledger, "scan", str(docs))
    if ref.returncode != 0:
        sys.exit(f"reference scan failed:\n{ref.stderr}")
    reference = ledger_rows(reference_ledger)
    print(f"reference sweep: {reference['documents']} documents, {reference['findings']} findings")
    tally = Tally()
    start = time.perf_counter()
    for r in range(args.rounds):
        work = work_root / f"round{r}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        race(models, work, docs, reference, tally)
        kill(models, work, docs, reference, tally)
        busy(models, work, docs, reference, tally)
        damage(models, work, docs, reference_ledger, tally)
        exports(models, work, tally)
        privacy(models, work, tally)
        print(f"round {r + 1}/{args.rounds} done ({time.perf_counter() - start:.0f} s)")
    if not weights(real_models, work_root, tally):
        print("e5 weights scenario skipped: no built e5 cache in", real_models)
    keys = [
        "runs", "tracebacks", "failed_commands", "bad_rows", "formula_cells",
        "unmasked_personal_data", "undetected_damage",
    ]  # fmt: skip
    heads = [
        "runs",
        "tracebacks",
        "failed",
        "lost/dup rows",
        "formula cells",
        "unmasked PII",
        "undetected damage",
    ]
    print()
    print(f"{'scenario':<18}" + "".join(f"{h:>18}" for h in heads))
    for name, c in tally.counts.items():
        print(f"{name:<18}" + "".join(f"{c.get(k, 0):>18}" for k in keys))
    total = tally.total()
    print(f"{'TOTAL':<18}" + "".join(f"{total.get(k, 0):>18}" for k in keys))
    print(
        f"\n{sum(c['runs'] for c in tally.counts.values())} scenario runs in "
        f"{time.perf_counter() - start:.0f} s; work folder {work_root}"
    )


if __name__ == "__main__":
    main()
