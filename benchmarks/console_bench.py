"""Console figures: page latency on a ledger with 100,000 findings, and 20 users working at once.

    python benchmarks/console_bench.py [--findings 100000] [--users 20] [--seconds 60] [--out DIR]

1. Builds the ledger the way ``ledger_bench.py`` does (engine-shaped findings, one transaction
   per document, five departments), adds an administrator and one reviewer per department,
   assigns 2,000 cases.
2. Starts ``screening serve`` on 127.0.0.1 (a real uvicorn process, as users run it) and times,
   as a logged-in administrator, the case list (first page and a filtered page), a case page and
   a document view: median and p95 over ``--samples`` requests each.
3. ``--users`` simulated users (threads with their own sessions, loopback only, a bounded loop of
   ``--seconds``) work cases: open a case page, add a note carrying a unique token, and move the
   case one lifecycle step with the version they saw. Two users deliberately share cases, so
   some moves meet a newer version and must be refused with a message (a conflict, not an
   error). Afterwards the ledger is checked: every note a user was told was saved is there
   exactly once (no lost or duplicated updates), no refused move left a trace, and each case's
   version equals 1 + its state-changing actions.

Prints requests/s, errors (answers ≥ 500 or broken connections; target 0), conflicts, and lost
or duplicated updates (target 0). Not a timed test: figures for the issue notes.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ledger_bench import DEPARTMENTS, make  # noqa: E402

from screening import ledger as lg  # noqa: E402
from screening.corpus import load_standards  # noqa: E402
from screening.ledger.users import add_user  # noqa: E402

PASSWORD = "Bench-2026-pass"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="expect_version" value="(\d+)"')
RUN = f"run{int(time.time())}"  # notes of earlier runs on a reused ledger are not counted


def build(path: Path, findings: int, per_doc: int) -> None:
    codes = [(s.code, s.text) for s in load_standards(ROOT / "corpus") if s.code.count("-") == 2]
    rng = random.Random(0)
    db = lg.open_ledger(path)
    for d in DEPARTMENTS:
        lg.add_department(db, d)
    t0 = time.perf_counter()
    for i in range(findings // per_doc):
        doc, found = make(i, per_doc, codes, rng)
        lg.record_findings(
            db, doc, found, operator="基准", department=DEPARTMENTS[i % 5], engine="bench"
        )
    for k, row in enumerate(db.query("select id from cases order by id limit 2000")):
        lg.assign(
            db, row["id"], department=DEPARTMENTS[k % 5], assignee="张三", operator="基准",
            deadline="2026-01-10",
        )  # fmt: skip
    add_user(db, "admin", role="admin", password=PASSWORD)
    for k, d in enumerate(DEPARTMENTS):
        add_user(db, f"reviewer{k}", role="reviewer", password=PASSWORD, departments=[d])
    db.close()
    print(f"ledger built in {time.perf_counter() - t0:.0f} s: {path}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(ledger: Path, port: int) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "screening"
    proc = subprocess.Popen(
        [str(exe), "--ledger", str(ledger), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start: " + proc.stderr.read().decode()[-2000:])


def client(base: str, name: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    r = c.post("/login", data={"username": name, "password": PASSWORD})
    assert r.status_code == 303, r.text[:300]
    page = c.get("/cases")
    m = CSRF.search(page.text)
    assert m, "no CSRF field on /cases"
    return c, m.group(1)


def latency(c: httpx.Client, label: str, urls: list[str]) -> tuple[str, float, float, int]:
    times = []
    bad = 0
    for url in urls:
        t0 = time.perf_counter()
        r = c.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        bad += r.status_code != 200
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return label, statistics.median(times), p95, bad


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.errors = 0
        self.conflicts = 0
        self.moves = 0
        self.notes: list[str] = []
        self.refused_notes: list[str] = []
        self.error_samples: list[str] = []

    def add(self, **kw: int) -> None:
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


# the next step a worker takes from each state: (route, form fields)
STEPS = {
    "待核查": ("assign", {"assignee": "李四", "days": "3"}),
    "核查中": ("decide", {"result": "认定", "reason": "基准测试认定"}),
    "已认定": (
        "rectify",
        {"measures": "删除该条款", "responsible": "王五", "deadline": "2027-01-31"},
    ),
    "整改中": ("review", {"note": "已整改"}),
    "待复核": ("close", {"note": "复核通过"}),
    "已销号": ("reopen", {"reason": "基准测试：重新打开"}),  # keeps every case cycling
}


def worker(base: str, name: str, dept: str, cases: list[int], stop: float, tally: Tally,
           seed: int) -> None:  # fmt: skip
    rng = random.Random(seed)
    c, csrf = client(base, name)
    n = 0
    while time.time() < stop:
        case_id = rng.choice(cases)
        try:
            page = c.get(f"/cases/{case_id}")
            tally.add(requests=1)
            if page.status_code != 200:
                tally.add(errors=1)
                tally.error_samples.append(f"GET {case_id}: {page.status_code}")
                continue
            version = VERSION.search(page.text)
            state = re.search(r'class="badge status-([^" ]+)', page.text)
            n += 1
            token = f"{RUN}-{name}-{seed}-{n}"
            r = c.post(
                f"/cases/{case_id}/note",
                data={"csrf": csrf, "text": f"基准备注 {token}", "back": f"/cases/{case_id}"},
            )
            tally.add(requests=1)
            if r.status_code == 303:
                with tally.lock:
                    tally.notes.append(token)
            else:
                tally.add(errors=1)
                tally.error_samples.append(f"note {case_id}: {r.status_code}")
            if version and state and state.group(1) in STEPS:
                action, fields = STEPS[state.group(1)]
                data = {"csrf": csrf, "expect_version": version.group(1),
                        "back": f"/cases/{case_id}", **fields}  # fmt: skip
                if action == "assign":
                    data["department"] = dept
                r = c.post(f"/cases/{case_id}/{action}", data=data)
                tally.add(requests=1)
                if r.status_code >= 500:
                    tally.add(errors=1)
                    tally.error_samples.append(f"{action} {case_id}: {r.status_code}")
                    continue
                follow = c.get(r.headers.get("location", f"/cases/{case_id}"))
                tally.add(requests=1)
                if "已被他人修改" in follow.text:
                    tally.add(conflicts=1)
                elif "flash-error" in follow.text:
                    tally.add(conflicts=1)  # e.g. the other user already moved it past this step
                else:
                    tally.add(moves=1)
        except httpx.HTTPError as err:
            tally.add(errors=1)
            tally.error_samples.append(f"{type(err).__name__}: {err}")
    c.close()


def check_ledger(ledger: Path, tally: Tally, cases: list[int]) -> tuple[int, int, int]:
    db = lg.open_ledger(ledger)
    try:
        found: dict[str, int] = {}
        for row in db.query(
            "select note from actions where action = 'note' and note like ?", [f"基准备注 {RUN}-%"]
        ):
            token = row["note"].split(" ", 1)[1]
            found[token] = found.get(token, 0) + 1
        lost = sum(1 for t in tally.notes if t not in found)
        duplicated = sum(1 for v in found.values() if v > 1)
        inconsistent = 0
        marks = ",".join("?" * len(cases))
        for row in db.query(
            "select c.id, c.version, (select count(*) from actions a where a.case_id = c.id and "
            "a.action in ('assign', 'decide', 'rectify', 'review', 'close', 'reopen')) as moves "
            f"from cases c where c.id in ({marks})",
            cases,
        ):
            inconsistent += row["version"] != 1 + row["moves"]
        return lost, duplicated, inconsistent
    finally:
        db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=10)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--samples", type=int, default=60)
    ap.add_argument("--out", type=Path, default=None, help="keep (and reuse) the ledger here")
    args = ap.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="console-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ledger = folder / f"console-{args.findings}.db"
    if not ledger.exists():
        build(ledger, args.findings, args.per_doc)
    else:
        print(f"reusing {ledger}")
    db = lg.open_ledger(ledger)
    n_findings = db.execute("select count(*) from findings").fetchone()[0]
    n_cases = db.execute("select count(*) from cases").fetchone()[0]
    case_ids = [r[0] for r in db.execute("select id from cases order by id").fetchall()]
    doc_ids = [r[0] for r in db.execute("select id from documents order by id").fetchall()]
    db.close()
    print(f"ledger: {n_findings:,} findings, {n_cases:,} cases, {len(doc_ids):,} documents")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(ledger, port)
    try:
        c, _ = client(base, "admin")
        rng = random.Random(1)
        rows = [
            latency(c, "case list, first page (/cases)", ["/cases"] * args.samples),
            latency(
                c,
                "case list, filtered (status + department, page 3)",
                [
                    f"/cases?status=待核查&department={DEPARTMENTS[i % 5]}&page=3"
                    for i in range(args.samples)
                ],
            ),
            latency(c, "case list, text search (q=分支机构)", ["/cases?q=分支机构"] * args.samples),
            latency(
                c,
                "case page (/cases/{id})",
                [f"/cases/{rng.choice(case_ids)}" for _ in range(args.samples)],
            ),
            latency(
                c,
                "document view (/documents/{id})",
                [f"/documents/{rng.choice(doc_ids)}" for _ in range(args.samples)],
            ),
            latency(c, "dashboard (/)", ["/"] * max(10, args.samples // 3)),
        ]
        c.close()
        print(f"\n{'page':<52}{'median ms':>10}{'p95 ms':>10}{'non-200':>9}")
        for label, med, p95, bad in rows:
            print(f"{label:<52}{med:>10.1f}{p95:>10.1f}{bad:>9}")

        # 20 users on 40 cases of five departments: pairs of users share each department's cases.
        work_cases: dict[str, list[int]] = {}
        db = lg.open_ledger(ledger)
        for d in DEPARTMENTS:
            work_cases[d] = [
                r["id"]
                for r in db.query(
                    "select c.id from cases c join documents d on d.id = c.document_id "
                    "where c.status = '待核查' and d.department = ? order by c.id desc limit 8",
                    [d],
                )
            ]
        db.close()
        tally = Tally()
        stop = time.time() + args.seconds
        threads = []
        for k in range(args.users):
            dept_index = k % len(DEPARTMENTS)
            dept = DEPARTMENTS[dept_index]
            name = "admin" if k % 4 == 3 else f"reviewer{dept_index}"
            t = threading.Thread(
                target=worker,
                args=(base, name, dept, work_cases[dept], stop, tally, k),
                daemon=True,
            )
            threads.append(t)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 120)
        elapsed = time.perf_counter() - t0
        all_cases = [i for ids in work_cases.values() for i in ids]
        lost, duplicated, inconsistent = check_ledger(ledger, tally, all_cases)
        print(
            f"\n{args.users} users × {args.seconds:.0f} s on {len(all_cases)} shared cases: "
            f"{tally.requests:,} requests, {tally.requests / elapsed:.1f} requests/s"
        )
        print(
            f"errors {tally.errors}, notes saved {len(tally.notes):,}, case moves {tally.moves:,}, "
            f"refused as stale/illegal {tally.conflicts:,}"
        )
        print(
            f"lost notes {lost}, duplicated notes {duplicated}, "
            f"cases whose version ≠ 1 + moves {inconsistent}"
        )
        for sample in tally.error_samples[:5]:
            print("  error:", sample)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)


if __name__ == "__main__":
    main()
