"""Tender screening quality: ZB codes on held-out tender cases, and false alarms on neutral clauses.

1. The grouped split of ``benchmarks/quality.py`` (``screen.labels.split_cases``); the model is
   trained on the training side only, so the labelled tender precedents that vote for ZB codes
   are training-side cases. The tender rules were written from the rule text and the procurement
   samples, not from the case labels.
2. Held-out cases labelled with ZB items (``corpus/tender/case_labels.jsonl``, a hand
   annotation): each case's offending spans form one document, as in quality.py. Per span:
   found (a finding overlaps it), the finding's ZB codes against the labels — the first ZB code
   right (item), any ZB code of a labelled article (article, top 3) — and recall per ZB article.
   The training side is reported beside it (its own case is among the precedents: optimistic).
   The fixed split holds out few labelled cases, so the same figures are also cross-validated:
   the labelled cases' groups in ``--folds`` folds (by a hash of the group id), a model trained
   without each fold (all other cases kept), each fold screened by its own model.
3. Neutral procurement clauses (``tests/fixtures/tender/neutral_clauses.jsonl``: the conditions
   of 政府采购法第二十二条, technical and procedural clauses): share flagged.
4. The eight real procurement announcements of ``../shared`` (when present): findings, and the
   share of findings that carry a ZB code.
Each figure is given for the engine with tender screening and without it (``tender_rules=False``:
the engine before this work), in the same run.

Usage: python benchmarks/tender.py [--shared ../shared] [--embedders e5-small.v1,use-m.v1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.screen.evaluate import case_documents  # noqa: E402


def _article(code: str) -> str:
    return code.split("-")[1]


def labelled_documents(cases, labels):
    """Documents of the labelled spans: the offending texts holding the label's quote (all of
    them when the label quotes nothing)."""
    import dataclasses

    out = []
    for c in cases:
        quote = labels[c.id].get("quote")
        spans = [s for s in c.offending_text if quote and quote in s] or list(c.offending_text)
        spans = spans or ([quote] if quote else [])  # a quote from the case description
        out.append(dataclasses.replace(c, offending_text=tuple(spans)))
    return case_documents(out)


def eval_tender_cases(screener, docs, labels) -> dict:
    spans = found = zb_any = zb_item = zb_article = 0
    per_article_total: dict[str, int] = defaultdict(int)
    per_article_found: dict[str, int] = defaultdict(int)
    misses = []
    for case, doc, offsets in docs:
        wanted = labels[case.id]["zb"]
        arts = {_article(z) for z in wanted}
        findings = screener.screen_document(doc)
        for s, e in offsets:
            spans += 1
            for a in arts:
                per_article_total[a] += 1
            over = [f for f in findings if f.start < e and f.end > s]
            if not over:
                misses.append((case.id, wanted, doc.text[s:e][:60]))
                continue
            found += 1
            best = max(over, key=lambda f: f.score)
            codes = [z.code for z in best.tender_standards]
            zb_any += bool(codes)
            zb_item += bool(codes) and codes[0] in wanted
            got_arts = {_article(c) for c in codes}
            zb_article += bool(got_arts & arts)
            for a in arts & got_arts:
                per_article_found[a] += 1
    counts = {
        "spans": spans,
        "found": found,
        "zb_any": zb_any,
        "zb_item": zb_item,
        "zb_article": zb_article,
        "per_article": {
            a: {"spans": per_article_total[a], "found_with_article": per_article_found[a]}
            for a in sorted(per_article_total, key=int)
        },
        "misses": misses,
    }
    return with_ratios(counts)


def with_ratios(c: dict) -> dict:
    spans, found = c["spans"], c["found"]
    return {
        **c,
        "span_recall": found / spans if spans else 0.0,
        "found_with_zb_code": c["zb_any"] / found if found else 0.0,
        "zb_item_top1_of_found": c["zb_item"] / found if found else 0.0,
        "zb_article_top3_of_found": c["zb_article"] / found if found else 0.0,
        "zb_article_recall_of_spans": c["zb_article"] / spans if spans else 0.0,
    }


def merged(parts: list[dict]) -> dict:
    """Counts of several folds added up, ratios recomputed."""
    out: dict = {k: sum(p[k] for p in parts) for k in ("spans", "found", "zb_any", "zb_item")}
    out["zb_article"] = sum(p["zb_article"] for p in parts)
    arts: dict = defaultdict(lambda: {"spans": 0, "found_with_article": 0})
    for p in parts:
        for a, v in p["per_article"].items():
            arts[a]["spans"] += v["spans"]
            arts[a]["found_with_article"] += v["found_with_article"]
    out["per_article"] = {a: arts[a] for a in sorted(arts, key=int)}
    out["misses"] = [m for p in parts for m in p["misses"]]
    return with_ratios(out)


def cv_groups(cases, labels, k: int) -> dict[str, int]:
    """Fold of each labelled case's group (stable: a hash of the group id)."""
    import hashlib

    groups = sorted({c.group_id or c.id for c in cases if c.id in labels})
    return {g: int(hashlib.sha256(g.encode()).hexdigest(), 16) % k for g in groups}


def eval_neutral(screener, clauses) -> dict:
    from screening.parse import DocumentBuilder

    flagged = []
    for c in clauses:
        b = DocumentBuilder()
        b.add(c["text"])
        doc = b.build(path=Path("neutral.txt"), sha256=str(hash(c["text"])), fmt="txt")
        if screener.screen_document(doc):
            flagged.append(c["text"][:60])
    return {"clauses": len(clauses), "flagged": len(flagged), "examples": flagged[:10]}


def eval_procurement_docs(screener, paths) -> dict:
    from screening.parse import parse_file

    n = with_zb = 0
    kinds: dict[str, int] = defaultdict(int)
    per_doc = {}
    for p in paths:
        doc = parse_file(p)
        kinds[doc.metadata.doc_kind or "?"] += 1
        found = screener.screen_document(doc)
        n += len(found)
        with_zb += sum(1 for f in found if f.tender_standards)
        per_doc[p.name] = [
            (f.standard, [z.code for z in f.tender_standards], f.clause[:50]) for f in found
        ]
    return {
        "documents": len(paths),
        "doc_kinds": dict(kinds),
        "findings": n,
        "findings_with_zb_code": with_zb,
        "share_with_zb_code": with_zb / n if n else 0.0,
        "per_document": per_doc,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--embedders", default="e5-small.v1,use-m.v1")
    ap.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "tender.json")
    args = ap.parse_args()

    from screening.config import Settings
    from screening.corpus import load_cases
    from screening.embed import get_embedder
    from screening.learning.train import train
    from screening.screen.engine import Screener
    from screening.screen.labels import split_cases

    settings = Settings(models=ROOT / "benchmarks" / "out" / "models")
    labels_path = Path(settings.corpus) / "tender" / "case_labels.jsonl"
    labels = {
        r["case_id"]: r
        for r in map(json.loads, labels_path.read_text(encoding="utf-8").splitlines())
        if r["tender"] and r["zb"]
    }
    cases = load_cases(settings.corpus)
    train_cases, test_cases = split_cases(cases)
    embedders = {n: get_embedder(n, settings) for n in args.embedders.split(",")}
    t0 = time.perf_counter()
    model = train(settings, cases=train_cases, embedders=embedders)
    print(f"trained in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    neutral_file = ROOT / "tests" / "fixtures" / "tender" / "neutral_clauses.jsonl"
    neutral = [
        json.loads(line)
        for line in neutral_file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    procurement = sorted((args.shared / "corpus-samples" / "policy-docs").glob("procurement-*"))
    report: dict = {
        "threshold": model.threshold,
        "labelled_tender_cases": len(labels),
        "held_out_labelled": sum(1 for c in test_cases if c.id in labels),
        "train_labelled": sum(1 for c in train_cases if c.id in labels),
    }
    for name, on in (("with_tender", True), ("without_tender", False)):
        scr = Screener(settings, model, embedders, tender_rules=on)
        report[name] = {
            "held_out": eval_tender_cases(
                scr, labelled_documents([c for c in test_cases if c.id in labels], labels), labels
            ),
            "train_side": eval_tender_cases(
                scr, labelled_documents([c for c in train_cases if c.id in labels], labels), labels
            ),
            "neutral_clauses": eval_neutral(scr, neutral),
            "procurement_documents": eval_procurement_docs(scr, procurement),
        }
    if args.folds:
        fold_of = cv_groups(cases, labels, args.folds)
        parts: dict[str, list] = {"with_tender": [], "without_tender": []}
        for fold in range(args.folds):
            held = {g for g, f in fold_of.items() if f == fold}
            fit = [c for c in cases if (c.group_id or c.id) not in held]
            test = [c for c in cases if (c.group_id or c.id) in held and c.id in labels]
            fold_model = train(settings, cases=fit, embedders=embedders)
            docs = labelled_documents(test, labels)
            for name, on in (("with_tender", True), ("without_tender", False)):
                scr = Screener(settings, fold_model, embedders, tender_rules=on)
                parts[name].append(eval_tender_cases(scr, docs, labels))
            print(f"fold {fold + 1}/{args.folds} done", file=sys.stderr, flush=True)
        for name in parts:
            report[name]["cross_validated"] = merged(parts[name])
        report["folds"] = args.folds
    for name in ("with_tender", "without_tender"):
        for side in ("held_out", "train_side", "cross_validated"):
            if side in report[name]:
                report[name][side]["misses"] = report[name][side]["misses"][:20]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(report)


def print_table(r: dict) -> None:
    print(
        f"threshold {r['threshold']:.3f}; labelled tender cases {r['labelled_tender_cases']} "
        f"(held out {r['held_out_labelled']}, training side {r['train_labelled']}; "
        f"cross-validated over {r.get('folds', 0)} folds of all of them)"
    )
    rows = [
        ("span recall", "span_recall"),
        ("found spans with a ZB code", "found_with_zb_code"),
        ("ZB item right (first code)", "zb_item_top1_of_found"),
        ("ZB article right (top 3)", "zb_article_top3_of_found"),
        ("spans found with right ZB article", "zb_article_recall_of_spans"),
    ]
    for side in ("held_out", "cross_validated", "train_side"):
        if side not in r["with_tender"]:
            continue
        print(f"\n{side} ({r['with_tender'][side]['spans']} spans)   with tender   without")
        for label, key in rows:
            a, b = r["with_tender"][side][key], r["without_tender"][side][key]
            print(f"  {label:<34} {a:>10.3f} {b:>10.3f}")
        print("  per ZB article: spans / found with that article (with tender)")
        for art, v in r["with_tender"][side]["per_article"].items():
            print(f"    第{art}条  {v['spans']:>3} / {v['found_with_article']:>3}")
    for key, label in (("neutral_clauses", "neutral procurement clauses flagged"),):
        a, b = r["with_tender"][key], r["without_tender"][key]
        print(f"\n{label}: {a['flagged']}/{a['clauses']} (without tender {b['flagged']})")
        for ex in a["examples"]:
            print(f"    {ex}")
    a, b = r["with_tender"]["procurement_documents"], r["without_tender"]["procurement_documents"]
    print(
        f"\nprocurement announcements ({a['documents']}, kinds {a['doc_kinds']}): findings "
        f"{a['findings']} (without tender {b['findings']}), with a ZB code "
        f"{a['findings_with_zb_code']} ({a['share_with_zb_code']:.0%})"
    )


if __name__ == "__main__":
    main()
