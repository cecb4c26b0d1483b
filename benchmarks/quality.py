"""Screening quality on a held-out split of notified cases, on compliant text, and vs keywords.

1. Cases are split by notice, linked duplicates kept together (``screen.labels.split_cases``).
   The model is trained on the training side only; its threshold comes from out-of-fold scores
   of the training side. Nothing here is tuned on the test side.
2. Test cases: each case's offending spans form one document; a span counts as found when a
   finding overlaps it. Reported: span recall, case recall, recall per family, and primary-
   standard accuracy on found spans whose case has a known code.
3. Local regulations held out from training (80 % of the 1,180, by path hash): share of
   documents flagged and findings per 10,000 characters.
4. The rule texts (corpus/laws, full of 不得… wording): findings count, with a model trained
   without them (honest) and with them (the shipped configuration).
5. The plain keyword baseline (``keyword.v1``) through the same code on the same inputs.

Usage: python benchmarks/quality.py --shared ../shared [--embedder e5-small.v1] [--regs-limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build-time package tools/ (train/held-out split)

# The metric code is shared with `screening model retrain` (the promotion gate).
from screening.screen.evaluate import case_documents, eval_cases  # noqa: E402


def eval_docs(screener, paths):
    from screening.parse import parse_file

    flagged = n_findings = chars = n = 0
    for p in paths:
        doc = parse_file(p)
        f = screener.screen_document(doc)
        n += 1
        flagged += bool(f)
        n_findings += len(f)
        chars += len(doc.text)
    return {
        "documents": n,
        "flagged_share": flagged / n if n else 0.0,
        "findings": n_findings,
        "findings_per_10k_chars": n_findings / chars * 1e4 if chars else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument(
        "--embedders",
        default="e5-small.v1,use-m.v1",
        help="comma-separated embedder names (default: the shipped pair)",
    )
    ap.add_argument(
        "--regs-limit", type=int, default=None, help="only the first N held-out regulations"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "quality.json")
    args = ap.parse_args()

    from screening.config import Settings
    from screening.corpus import load_cases
    from screening.embed import get_embedder
    from screening.learning.train import train
    from screening.screen.baseline import KeywordScreener
    from screening.screen.engine import Screener
    from screening.screen.labels import split_cases
    from tools.corpus_build.negatives import is_training_regulation, regulation_files

    settings = Settings(models=ROOT / "benchmarks" / "out" / "models")
    cases = load_cases(settings.corpus)
    train_cases, test_cases = split_cases(cases)
    embedders = {n: get_embedder(n, settings) for n in args.embedders.split(",")}
    t0 = time.perf_counter()
    model = train(settings, cases=train_cases, embedders=embedders)
    t_train = time.perf_counter() - t0
    model_nolaws = train(settings, cases=train_cases, embedders=embedders, include_laws=False)
    hybrid = Screener(settings, model, embedders)
    hybrid_nolaws = Screener(settings, model_nolaws, embedders)
    keyword = KeywordScreener(settings)

    test_docs = case_documents(test_cases)
    regs = [
        p
        for p in regulation_files(args.shared)
        if not is_training_regulation(p.relative_to(args.shared).as_posix())
    ]
    regs = regs[: args.regs_limit] if args.regs_limit else regs
    laws = sorted((Path(settings.corpus) / "laws").glob("*.txt"))

    report = {
        "embedder": args.embedders,
        "threshold": model.threshold,
        "train_seconds": t_train,
        "card": {k: v for k, v in model.card.to_dict().items() if k not in ("features",)},
        "train_cases": len(train_cases),
        "test_cases": len(test_cases),
    }
    for name, scr in (("hybrid", hybrid), ("keyword", keyword)):
        t = time.perf_counter()
        report[name] = {
            "cases": eval_cases(scr, test_docs),
            "regulations": eval_docs(scr, regs),
            "laws": eval_docs(scr, laws),
            "seconds": time.perf_counter() - t,
        }
        print(f"{name} done in {report[name]['seconds']:.0f}s", file=sys.stderr, flush=True)
    report["hybrid"]["laws_model_without_laws"] = eval_docs(hybrid_nolaws, laws)
    report["hybrid"]["stages"] = hybrid.stats.to_dict()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(report)


def print_table(r) -> None:
    h, k = r["hybrid"], r["keyword"]
    print(
        f"embedder {r['embedder']}; train cases {r['train_cases']}, test cases {r['test_cases']}; "
        f"threshold {r['threshold']:.4f} (chosen on train, out-of-fold)"
    )
    rows = [
        ("test spans", h["cases"]["spans"], k["cases"]["spans"]),
        ("span recall", h["cases"]["span_recall"], k["cases"]["span_recall"]),
        ("case recall", h["cases"]["case_recall"], k["cases"]["case_recall"]),
        (
            "primary standard accuracy",
            h["cases"]["primary_standard_accuracy"],
            k["cases"]["primary_standard_accuracy"],
        ),
        (
            "  (found spans with a known code)",
            h["cases"]["found_spans_with_code"],
            k["cases"]["found_spans_with_code"],
        ),
        ("regulations (held out)", h["regulations"]["documents"], k["regulations"]["documents"]),
        ("  share flagged", h["regulations"]["flagged_share"], k["regulations"]["flagged_share"]),
        (
            "  findings / 10k chars",
            h["regulations"]["findings_per_10k_chars"],
            k["regulations"]["findings_per_10k_chars"],
        ),
        ("rule texts: findings", h["laws"]["findings"], k["laws"]["findings"]),
        ("  (model trained without them)", h["laws_model_without_laws"]["findings"], "-"),
    ]
    print(f"{'':38} {'hybrid':>10} {'keyword':>10}")
    for label, a, b in rows:
        fa = f"{a:.3f}" if isinstance(a, float) else str(a)
        fb = f"{b:.3f}" if isinstance(b, float) else str(b)
        print(f"{label:38} {fa:>10} {fb:>10}")
    print("recall by family (hybrid / keyword):")
    for fam, n in h["cases"]["spans_by_family"].items():
        print(
            f"  {fam:20} n={n:3}  {h['cases']['recall_by_family'][fam]:.3f} / "
            f"{k['cases']['recall_by_family'][fam]:.3f}"
        )
    st = h["stages"]
    print(
        f"stages: {st['clauses']} clauses ({st['chars']} chars); stage 1 passed "
        f"{st['stage1']} clauses ({st['stage1'] / max(st['clauses'], 1):.1%}, "
        f"{st['stage1_chars'] / max(st['chars'], 1):.1%} of chars) to the embedding model"
    )


if __name__ == "__main__":
    main()
