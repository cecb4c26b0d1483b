"""Ledger speed: record 100,000 findings, re-record them (idempotent re-sweep), list and filter.

    python benchmarks/ledger_bench.py [--findings 100000] [--per-doc 10] [--out DIR]

Synthetic but engine-shaped data: documents of 10 clauses whose findings carry the JSON a real
Finding serialises to (standards with quoted text, three precedents, rationale), recorded with
``record_findings`` into a file ledger (WAL, as users run it), one transaction per document as
``screening scan`` does. Then some cases are worked (assigned, decided) and the list filters the
CLI offers are timed. Prints a table; peak RSS is from ``resource``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening import ledger as lg  # noqa: E402
from screening.corpus import load_standards  # noqa: E402
from screening.ledger.complaints import complaint_rows  # noqa: E402
from screening.types import (  # noqa: E402
    Block,
    Document,
    Finding,
    Metadata,
    Precedent,
    StandardScore,
)

DEPARTMENTS = ["县发展改革局", "县住建局", "县商务局", "县财政局", "县市场监管局"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make(i: int, per_doc: int, codes: list[tuple[str, str]], rng: random.Random):
    clauses = [
        f"第{k + 1}条 对在本县注册纳税的企业第{i}号项目给予{rng.randint(1, 99)}万元奖励，"
        f"外地企业须在本县设立分支机构方可申报（{k}）。"
        for k in range(per_doc)
    ]
    text = "\n".join([f"第{i}号扶持办法", *clauses])
    blocks, pos = [], 0
    for n, line in enumerate(text.split("\n")):
        blocks.append(Block("paragraph", line, pos, pos + len(line), paragraph=n))
        pos += len(line) + 1
    doc = Document(
        path=f"/bench/docs/{i:06d}.docx",
        sha256=_sha(text),
        format="docx",
        text=text,
        blocks=tuple(blocks),
        metadata=Metadata(title=f"第{i}号扶持办法", doc_number=f"县发〔2025〕{i}号"),
    )
    findings = []
    for k, clause in enumerate(clauses):
        start = text.index(clause)
        code, quote = codes[(i + k) % len(codes)]
        findings.append(
            Finding(
                finding_id=_sha(f"{doc.sha256}:{start}:{code}")[:16],
                path=doc.path,
                doc_sha256=doc.sha256,
                clause_index=k + 1,
                clause=clause,
                start=start,
                end=start + len(clause),
                page=None,
                article_path=f"第{k + 1}条",
                score=0.9,
                standard=code,
                standards=(StandardScore(code, 0.9, quote),),
                family="限制市场准入和退出",
                class_1670="隐性壁垒",
                precedents=tuple(
                    Precedent(f"prov-r{j}-0{j}", 0.9, "某省典型案例通报", "须在本地注册")
                    for j in range(3)
                ),
                rationale="条款以注册地作为享受奖励的条件。",
                triggers=("注册", "纳税"),
                engine={"model_version": "bench"},
            )
        )
    return doc, findings


def timed(label: str, fn, rows: list):
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    rows.append((label, seconds, result))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None, help="keep the ledger in this folder")
    args = ap.parse_args()
    n_docs = args.findings // args.per_doc
    codes = [(s.code, s.text) for s in load_standards(ROOT / "corpus") if s.code.count("-") == 2]
    rng = random.Random(0)
    folder = args.out or Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench-ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = lg.open_ledger(path)
    for d in DEPARTMENTS:
        lg.add_department(db, d)
    docs = [make(i, args.per_doc, codes, rng) for i in range(n_docs)]
    rows: list = []

    def record_all() -> int:
        total = 0
        for i, (doc, findings) in enumerate(docs):
            r = lg.record_findings(
                db, doc, findings, operator="基准", department=DEPARTMENTS[i % 5], engine="bench"
            )
            total += r.new + r.updated
        return total

    timed(f"record {args.findings:,} findings ({n_docs:,} documents, new)", record_all, rows)
    timed(f"re-record the same {args.findings:,} findings (idempotent)", record_all, rows)
    unchanged = timed(
        f"document_unchanged × {n_docs:,} (sweep skip check)",
        lambda: sum(lg.document_unchanged(db, d.path, d.sha256, "bench") for d, _ in docs),
        rows,
    )
    assert unchanged == n_docs

    case_ids = [r["id"] for r in db.query("select id from cases order by id limit 2000")]

    def work() -> int:
        for k, cid in enumerate(case_ids):
            lg.assign(
                db, cid, department=DEPARTMENTS[k % 5], assignee="张三", operator="基准",
                deadline="2025-01-10",
            )  # fmt: skip
            if k % 2:
                lg.decide(db, cid, confirmed=k % 4 == 1, reason="基准测试", operator="基准")
        return len(case_ids)

    timed("assign 2,000 cases, decide 1,000 (one transaction each)", work, rows)
    filters = [
        ("list all cases", {}),
        ("list status=核查中", {"status": "核查中"}),
        ("list department=县住建局", {"department": "县住建局"}),
        ("list standard=FCR-11-2", {"standard": "FCR-11-2"}),
        ("list source=筛查发现 + department", {"source": "筛查发现", "department": "县商务局"}),
        ("list overdue", {"overdue": True}),
    ]
    for label, kw in filters:
        timed(label, lambda kw=kw: len(lg.list_cases(db, **kw)), rows)
    timed("complaint rows (empty table)", lambda: len(complaint_rows(db)), rows)
    size_mb = (
        sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
        / 1e6
    )
    db.close()

    print(f"ledger {path}  size {size_mb:.0f} MB")
    print(f"{'operation':<62} {'seconds':>9} {'result':>9} {'per second':>12}")
    for label, seconds, result in rows:
        rate = f"{result / seconds:,.0f}" if isinstance(result, int) and seconds else "-"
        print(f"{label:<62} {seconds:>9.2f} {result!s:>9} {rate:>12}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
