"""Does the screener learn? Replayed history, reviewer dismissals, and the batch-5 import.

Replay (default). For each NDRC batch b = 1…6, in publication order:
  * "before" model: trained on the non-NDRC cases and the NDRC batches published before b.
    Rule ``--rule all-other`` (default): every non-NDRC case, except those in the duplicate
    group of an NDRC case of batch ≥ b that were published on or after batch b's date (the
    same incident, reported by SAMR or a province only later, was not known yet; the count is
    printed as non_ndrc_excluded). Other non-NDRC cases are kept whatever their date: they
    are different incidents, and the question is whether NDRC batches teach the model.
    ``--rule dated`` is the strict variant: non-NDRC cases only when their date is before
    batch b's, undated ones never.
  * "after" model: the same plus batch b (the import).
  Recall is case-level detection: a case counts as found when a finding overlaps one of its
  offending spans (NDRC cases cite the negative list, not FCR codes, so the standard named is
  not checked). Reported on batch b (before = generalisation to an unseen batch, after = the
  batch once learned) and on the later batches b+1…6 (before/after importing b), plus the
  false-alarm rate on the fixed compliant sample and the training time.

``--dismissals``: a false-alarm pattern of the deployed model on held-out compliant regulation
text (reward/subsidy clauses: the 奖励/补贴 trigger family), ten reviewer dismissals (已排除)
recorded in a temporary ledger, retrain, and the pattern's false alarms measured on other
held-out regulations (different documents from the ten), plus the evaluation recall of the
twins and the compliant-sample false-alarm rate before/after (from the retrain's card).

``--batch5-demo``: a copy of the corpus without NDRC batch 5, a model trained on it, then
``screening cases import ndrc-typical-cases-5.pdf`` and ``screening model retrain``; the card
shows batch-5 recall before (the current model) and after (the new one). Commands are printed
and run as a user would type them.

Usage:
  python benchmarks/learning.py --models /tmp/learn_models [--rule all-other|dated]
  python benchmarks/learning.py --dismissals --shared ../shared --models /tmp/learn_models
  python benchmarks/learning.py --batch5-demo --shared ../shared --models /tmp/learn_models
``--models`` should be a scratch directory: its embeddings/ cache is reused (copy
models/cache/embeddings there, and link models/cache/e5-small-v1, to skip re-embedding).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build-time package tools/ (train/held-out split)
EMBEDDERS = "e5-small.v1,use-m.v1"


def batch_no(case) -> int | None:
    m = re.search(r"(\d+)", case.batch or "")
    return int(m.group(1)) if case.source == "NDRC" and m else None


def iso_date(text: str | None) -> str | None:
    m = re.match(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})", text or "")
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


# --- replay -------------------------------------------------------------------------------------


def replay(args) -> None:
    from screening.config import Settings
    from screening.corpus import load_cases
    from screening.embed import get_embedder
    from screening.learning.evalset import load_evalset, spans_of
    from screening.learning.retrain import Evaluator
    from screening.learning.train import train

    settings = Settings(models=args.models, ledger=args.models / "no-ledger.db")
    cases = load_cases(settings.corpus)
    evalset = load_evalset(Path(settings.corpus), cases)
    embedders = {n: get_embedder(n, settings) for n in args.embedders.split(",")}
    batches = sorted({b for c in cases if (b := batch_no(c))})
    by_batch = {b: [c for c in cases if batch_no(c) == b] for b in batches}
    date = {b: min(iso_date(c.date) or "9999" for c in by_batch[b]) for b in batches}
    others = [c for c in cases if batch_no(c) is None]
    group_batch: dict[str, int] = {}
    for c in cases:
        if (b := batch_no(c)) and c.group_id:
            group_batch[c.group_id] = min(b, group_batch.get(c.group_id, 99))

    def known_before(b: int) -> list:
        out = []
        for c in others:
            d = iso_date(c.date)
            if args.rule == "dated":
                if d is None or d >= date[b]:
                    continue
            elif (
                c.group_id in group_batch
                and group_batch[c.group_id] >= b
                and (d is None or d >= date[b])
            ):
                continue  # a duplicate of batch ≥ b published after batch b: not known yet
            out.append(c)
        return out + [c for x in batches if x < b for c in by_batch[x]]

    models: dict[frozenset, tuple] = {}

    def model_for(train_cases: list):
        key = frozenset(c.id for c in train_cases)
        if key not in models:
            models.clear()  # keep memory bounded: only the latest model is reused
            t = time.perf_counter()
            m = train(settings, cases=train_cases, embedders=embedders, seed=args.seed)
            models[key] = (m, time.perf_counter() - t)
        return models[key]

    ev = Evaluator(settings, embedders)
    rows = []
    print(
        f"rule {args.rule}; embedders {args.embedders}; seed {args.seed}; "
        f"non-NDRC cases {len(others)}; NDRC batches {batches}",
        flush=True,
    )
    for b in batches:
        before_cases = known_before(b)
        excluded = len(others) - sum(1 for c in before_cases if batch_no(c) is None)
        after_cases = before_cases + by_batch[b]
        later = [c for x in batches if x > b for c in by_batch[x]]
        m0, s0 = model_for(before_cases)
        r_b0 = ev.cases(m0, by_batch[b])
        r_l0 = ev.cases(m0, later) if later else None
        fa0 = ev.compliant(m0, evalset)["false_alarm_rate"] if evalset else None
        m1, s1 = model_for(after_cases)
        r_b1 = ev.cases(m1, by_batch[b])
        r_l1 = ev.cases(m1, later) if later else None
        fa1 = ev.compliant(m1, evalset)["false_alarm_rate"] if evalset else None
        ev.save()
        row = {
            "batch": b,
            "date": date[b],
            "cases": len(by_batch[b]),
            "cases_with_text": sum(1 for c in by_batch[b] if spans_of(c)),
            "spans": r_b0["spans"],
            "train_cases_before": len(before_cases),
            "non_ndrc_excluded": excluded,
            "recall_before": r_b0["case_recall"],
            "recall_after": r_b1["case_recall"],
            "span_recall_before": r_b0["span_recall"],
            "span_recall_after": r_b1["span_recall"],
            "later_cases_with_text": r_l0["cases"] if r_l0 else 0,
            "later_recall_before": r_l0["case_recall"] if r_l0 else None,
            "later_recall_after": r_l1["case_recall"] if r_l1 else None,
            "false_alarm_before": fa0,
            "false_alarm_after": fa1,
            "train_seconds_before": round(s0, 1),
            "train_seconds_after": round(s1, 1),
            "missed_before": r_b0["missed_cases"],
            "missed_after": r_b1["missed_cases"],
        }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    out = ROOT / "benchmarks" / "out" / f"learning-replay-{args.rule}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print_replay(rows)


def _p(x, digits: int = 3) -> str:
    return "  -  " if x is None else f"{x:.{digits}f}"


def print_replay(rows) -> None:
    print()
    print(
        "batch  date        cases(text) train  recall b: before→after   "
        "later batches (cases): before→after   FA compliant before→after  train s"
    )
    for r in rows:
        print(
            f"{r['batch']:>5}  {r['date']}  {r['cases']:>3} ({r['cases_with_text']:>2})  "
            f"{r['train_cases_before']:>5}   {_p(r['recall_before'])} → {_p(r['recall_after'])}"
            f" (spans {r['span_recall_before']:.2f}→{r['span_recall_after']:.2f})"
            f"   ({r['later_cases_with_text']:>2}) {_p(r['later_recall_before'])} → "
            f"{_p(r['later_recall_after'])}      {_p(r['false_alarm_before'], 4)} → "
            f"{_p(r['false_alarm_after'], 4)}    {r['train_seconds_before']}/"
            f"{r['train_seconds_after']}"
        )
    n = sum(r["cases_with_text"] for r in rows)
    found0 = sum(round(r["recall_before"] * r["cases_with_text"]) for r in rows)
    found1 = sum(round(r["recall_after"] * r["cases_with_text"]) for r in rows)
    print(
        f"all batches: {n} cases with offending text; found before import {found0} "
        f"({found0 / n:.3f}), after import {found1} ({found1 / n:.3f})"
    )


# --- dismissals -----------------------------------------------------------------------------------


REASON = "法规依授权设立的普遍性奖励条款，未限定经营者所在地或身份，不构成壁垒（试验性排除）"


def dismissals(args) -> None:
    from screening import ledger as lg
    from screening.config import Settings
    from screening.embed import get_embedder
    from screening.learning.evalset import load_evalset
    from screening.learning.gate import GateMetrics
    from screening.learning.report import describe
    from screening.learning.retrain import Evaluator, retrain
    from screening.parse import parse_file
    from screening.screen.engine import Screener
    from screening.screen.features import leadins
    from screening.screen.lexicon import read_signals
    from screening.segment import segment
    from tools.corpus_build.negatives import is_training_regulation, regulation_files

    work = args.models / "dismissals"
    if work.exists():
        shutil.rmtree(work)
    models = work / "models"
    models.mkdir(parents=True)
    if (args.models / "embeddings").is_dir():
        shutil.copytree(args.models / "embeddings", models / "embeddings")
    if (args.models / "e5-small-v1").exists():
        (models / "e5-small-v1").symlink_to((args.models / "e5-small-v1").resolve())
    ledger = work / "ledger.db"
    settings = Settings(models=models, ledger=ledger)
    embedders = {n: get_embedder(n, settings) for n in args.embedders.split(",")}

    print("baseline: retrain without decisions …", flush=True)
    base = retrain(settings, embedders=embedders, seed=args.seed)
    model_a = base.model
    cases_evalset = load_evalset(Path(settings.corpus), [])
    compliant_texts = {c.text for c in cases_evalset.compliant} if cases_evalset else set()

    # Held-out regulations (never training negatives), halved by document hash: the ten
    # dismissals come from one half, the pattern's false alarms are measured on the other.
    pool: dict[str, list] = {"select": [], "measure": []}
    docs = {}
    for path in regulation_files(args.shared):
        rel = path.relative_to(args.shared).as_posix()
        if is_training_regulation(rel):
            continue
        half = (
            "select"
            if int(hashlib.sha256(f"dismiss:{rel}".encode()).hexdigest(), 16) % 2
            else ("measure")
        )
        doc = parse_file(path)
        clauses = segment(doc)
        for c, lead in zip(clauses, leadins(clauses), strict=True):
            if c.kind not in ("sentence", "list_item") or not 8 <= len(c.text) <= 300:
                continue
            if c.text in compliant_texts or "reward" not in read_signals(c.text).families:
                continue
            pool[half].append((rel, c.text, lead))
        docs[rel] = path
    ev = Evaluator(settings, embedders)
    scr_a = ev.screener(model_a)

    def flagged(screener, items):
        scores = screener.score_clauses([t for _, t, _ in items], [ld for _, _, ld in items])
        return scores >= screener.threshold, scores

    sel_hits, sel_scores = flagged(scr_a, pool["select"])
    candidates = [
        (item, s) for item, h, s in zip(pool["select"], sel_hits, sel_scores, strict=True) if h
    ]
    candidates.sort(key=lambda x: hashlib.sha256(x[0][1].encode()).hexdigest())
    chosen, used_docs = [], set()
    for item, s in candidates:  # one clause per document, in hash order (not cherry-picked)
        if item[0] in used_docs:
            continue
        chosen.append((item, s))
        used_docs.add(item[0])
        if len(chosen) == 10:
            break
    print(
        f"reward/subsidy clauses in held-out regulations: select half {len(pool['select'])} "
        f"(flagged {int(sel_hits.sum())}), measure half {len(pool['measure'])}",
        flush=True,
    )

    # Record the findings of those documents and dismiss the ten clauses, as a reviewer would.
    db = lg.open_ledger(ledger)
    lg.add_department(db, "县司法局")
    full = Screener(settings, model_a, ev.embedders)
    dismissed = 0
    for (rel, text, _), score in chosen:
        doc = parse_file(docs[rel])
        findings = full.screen_document(doc)
        lg.record_findings(db, doc, findings, operator="试验", department="县司法局")
        row = next(db.query("select case_id from findings where clause = ?", [text]), None)
        if row is None:
            print(f"  (not a finding in its document, skipped) {text[:50]}")
            continue
        lg.assign(db, row["case_id"], department="县司法局", assignee="审查员甲", operator="试验")
        lg.decide(db, row["case_id"], confirmed=False, reason=REASON, operator="试验")
        dismissed += 1
        print(f"  dismissed [{score:.2f}] {rel.split('/')[-1][:24]}: {text[:70]}")
    db.close()

    print(f"retrain with {dismissed} dismissals …", flush=True)
    after = retrain(settings, embedders=embedders, seed=args.seed)
    ev = Evaluator(settings, embedders)
    meas_a, _ = flagged(ev.screener(model_a), pool["measure"])
    meas_b, _ = flagged(ev.screener(after.model), pool["measure"])
    ten_items = [item for item, _ in chosen]
    ten_b, _ = flagged(ev.screener(after.model), ten_items)
    ev.save()
    for line in describe(after.card):
        print(line)
    n = len(pool["measure"])
    comparison, evaluation = after.card.comparison, after.card.evaluation
    assert comparison is not None and evaluation is not None  # the corpus has an eval split
    cur = comparison.current_metrics or GateMetrics()
    m = evaluation.metrics
    result = {
        "dismissed": dismissed,
        "measure_clauses": n,
        "pattern_false_alarms_before": int(meas_a.sum()),
        "pattern_false_alarms_after": int(meas_b.sum()),
        "pattern_rate_before": round(float(meas_a.mean()), 4),
        "pattern_rate_after": round(float(meas_b.mean()), 4),
        "ten_still_flagged_after": int(ten_b.sum()),
        "eval_case_recall_before": cur.case_recall,
        "eval_case_recall_after": m.case_recall,
        "compliant_false_alarm_before": cur.false_alarm_rate,
        "compliant_false_alarm_after": m.false_alarm_rate,
        "promoted": after.promoted,
        "model_before": model_a.model_id,
        "model_after": after.model.model_id,
        "seconds": after.seconds,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = ROOT / "benchmarks" / "out" / "learning-dismissals.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


# --- batch-5 demo ---------------------------------------------------------------------------------


def batch5_demo(args) -> None:
    work = args.models / "batch5-demo"
    if work.exists():
        shutil.rmtree(work)
    corpus, models = work / "corpus", work / "models"
    shutil.copytree(ROOT / "corpus", corpus)
    cases = corpus / "cases" / "cases.jsonl"
    lines = cases.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if not json.loads(ln)["id"].startswith("ndrc-b5-")]
    cases.write_text("\n".join(kept) + "\n", encoding="utf-8")
    (corpus / "cases" / "imported.jsonl").unlink(missing_ok=True)
    models.mkdir(parents=True)
    if (args.models / "embeddings").is_dir():
        shutil.copytree(args.models / "embeddings", models / "embeddings")
    if (args.models / "e5-small-v1").exists():
        (models / "e5-small-v1").symlink_to((args.models / "e5-small-v1").resolve())
    print(f"# corpus copy without NDRC batch 5: {len(lines)} → {len(kept)} cases", flush=True)
    exe = str(Path(sys.executable).parent / "screening")
    common = ["--corpus", str(corpus), "--models", str(models), "--ledger", str(work / "none.db")]
    pdf = args.shared / "reference" / "notices" / "ndrc-typical-cases-5.pdf"
    steps = [
        ["model", "retrain"],
        ["cases", "import", str(pdf)],
        ["model", "retrain"],
        ["model", "list"],
    ]
    for step in steps:
        print(f"\n$ screening {' '.join(common)} {' '.join(step)}", flush=True)
        t = time.perf_counter()
        proc = subprocess.run([exe, *common, *step], capture_output=True, text=True)
        print(proc.stdout, end="")
        if proc.returncode:
            print(proc.stderr, end="")
            raise SystemExit(proc.returncode)
        print(f"# ({time.perf_counter() - t:.0f} s)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", type=Path, required=True, help="scratch models directory")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--embedders", default=EMBEDDERS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rule", choices=["all-other", "dated"], default="all-other")
    ap.add_argument("--dismissals", action="store_true")
    ap.add_argument("--batch5-demo", action="store_true")
    args = ap.parse_args()
    if args.dismissals:
        dismissals(args)
    elif args.batch5_demo:
        batch5_demo(args)
    else:
        replay(args)


if __name__ == "__main__":
    main()
