"""Complaint de-duplication speed: 1,000 new complaints against 10,000 open cases.

    python benchmarks/dedup_bench.py [--cases 10000] [--queries 1000] [--seed 0]

Each new complaint is compared with every open case as ``complaints import`` does it
(``OpenCases.best``, then the decision — join at ``JOIN_AT``, flag at ``FLAG_AT``, else a new
case — and ``OpenCases.add`` of its text to the joined or new case), once with the case-by-case
Python loop the ledger used before (kept here as the reference) and once with the vectorised
``screening.ledger.complaints.OpenCases``. Prints both timings and checks that the two agree on
every complaint: the same most similar case, the same similarity, the same decision.

The texts are complaint-like, built from the wording of the notified cases in
``corpus/cases/cases.jsonl`` (their descriptions and offending clauses) with the openings
hotline work orders use; the new complaints are a mix of near-repeats of open cases (to join),
complaints sharing part of an open case's wording (to flag) and fresh ones.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the reference loop lives with its tests

from test_complaints_dedup import Reference as ReferenceOpenCases  # noqa: E402

from screening import ledger as lg  # noqa: E402
from screening.ledger.complaints import FLAG_AT, JOIN_AT, OpenCases  # noqa: E402

OPENINGS = [
    "我公司反映：",
    "来电人反映，",
    "企业举报：",
    "群众来信反映，",
    "某建筑企业投诉，",
    "外地供应商反映：",
    "",
]
CLOSINGS = ["希望有关部门调查处理。", "请求依法纠正。", "对外地企业不公平。", "", ""]


# --- data ---------------------------------------------------------------------------------------


def sentences() -> list[str]:
    """Sentences of the notified cases' descriptions and offending clauses."""
    out = []
    with (ROOT / "corpus/cases/cases.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            parts = re.split(r"[。\n！？]", case.get("description") or "")
            parts += list(case.get("offending_text") or ())
            out += [p.strip() + "。" for p in parts if 12 <= len(p.strip()) <= 160]
    return sorted(set(out))


def complaint(rng: random.Random, pool: list[str], k: int) -> str:
    return rng.choice(OPENINGS) + "".join(rng.sample(pool, k)) + rng.choice(CLOSINGS)


def build_ledger(n: int, pool: list[str], rng: random.Random):
    db = lg.open_ledger()
    texts = [complaint(rng, pool, rng.randint(1, 3)) for _ in range(n)]
    with db.atomic():
        db["cases"].insert_all(
            (
                {
                    "id": i + 1,
                    "source": "投诉举报",
                    "status": "待核查",
                    "title": text[:40],
                    "summary": text,
                    "standards": "[]",
                    "version": 1,
                    "created_at": "2026-01-05 09:00:00",
                }
                for i, text in enumerate(texts)
            ),
            batch_size=1000,
        )
    return db, texts


def new_complaints(n: int, open_texts: list[str], fresh: list[str], rng: random.Random):
    """Near-repeats of open cases, half an open case's text plus new wording, and complaints in
    wording no open case uses (``fresh`` sentences)."""
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.3:  # the same matter again, in slightly different words
            base = rng.choice(open_texts)
            out.append(rng.choice(OPENINGS) + "".join(c for c in base if rng.random() > 0.06))
        elif r < 0.6:  # part of an open case's wording, part new
            base = rng.choice(open_texts)
            cut = len(base) // 2
            out.append(base[:cut] + complaint(rng, fresh, 1))
        else:
            out.append(complaint(rng, fresh, rng.randint(1, 3)))
    return out


def decide(sim: float) -> str:
    return "join" if sim >= JOIN_AT else "flag" if sim >= FLAG_AT else "new"


def run(index, queries: list[str], first_new_id: int) -> tuple[float, list[tuple]]:
    """Match each query as ``import_export`` does; (seconds, per-query outcomes)."""
    outcomes = []
    next_id = first_new_id
    t0 = time.perf_counter()
    for text in queries:
        case_id, sim = index.best(text)
        decision = decide(sim) if case_id is not None else "new"
        if decision == "join":
            target = case_id
        else:
            target, next_id = next_id, next_id + 1
        index.add(target, text)
        outcomes.append((case_id, sim, decision))
    return time.perf_counter() - t0, outcomes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000, help="open cases in the ledger")
    ap.add_argument("--queries", type=int, default=1_000, help="new complaints to match")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pool = sentences()
    rng.shuffle(pool)
    held = len(pool) // 4  # wording kept out of the open cases, for the complaints that are new
    db, open_texts = build_ledger(args.cases, pool[held:], rng)
    queries = new_complaints(args.queries, open_texts, pool[:held], rng)
    print(
        f"{args.cases} open cases, {args.queries} new complaints "
        f"({len(pool)} distinct sentences of corpus/cases/cases.jsonl, {held} kept for new ones)"
    )

    t0 = time.perf_counter()
    reference = ReferenceOpenCases(db)
    ref_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    vectorised = OpenCases(db)
    new_load = time.perf_counter() - t0

    new_s, new_out = run(vectorised, queries, args.cases + 1)
    ref_s, ref_out = run(reference, queries, args.cases + 1)

    agree = sum(a == b for a, b in zip(ref_out, new_out, strict=True))
    decisions = Counter(d for _, _, d in new_out)
    print(f"{'':28}{'load':>10}{'match all':>12}{'per complaint':>16}")
    for name, load, total in (
        ("reference (Python loop)", ref_load, ref_s),
        ("OpenCases (sparse)", new_load, new_s),
    ):
        per = total / max(1, len(queries)) * 1000
        print(f"{name:28}{load:>9.2f}s{total:>11.2f}s{per:>13.2f} ms")
    print(f"speed-up of matching: {ref_s / new_s:.0f}×")
    print(f"decisions: join {decisions['join']}, flag {decisions['flag']}, new {decisions['new']}")
    print(f"agreement (case, similarity, decision): {agree}/{len(queries)}")
    if agree != len(queries):
        for i, (a, b) in enumerate(zip(ref_out, new_out, strict=True)):
            if a != b:
                print(f"  complaint {i}: reference {a}, vectorised {b}")
        sys.exit(1)


if __name__ == "__main__":
    main()
