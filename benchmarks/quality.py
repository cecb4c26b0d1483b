"""Screening quality on a held-out split of notified cases, on compliant text, and vs keywords.

1. Cases are split by notice, linked duplicates kept together (``screen.labels.split_cases``).
   Each model is trained on the training side only; its threshold comes from out-of-fold scores
   of the training side. Nothing here is tuned on the test side.
2. Test cases: each case's offending spans form one document; a span counts as found when a
   finding overlaps it. Reported: span recall, case recall, recall per family, the primary
   standard (item- and article-level, top-1 and top-3 of the finding's FCR codes) on found
   spans, and how many spans the first stage never passes to the model.
3. Local regulations held out from training (those outside the corpus's training share of
   the 1,180, by path hash: 60 % since hybrid.v6, 80 % before): share of documents flagged
   and findings per 10,000 characters.
4. The rule texts (corpus/laws, full of 不得… wording): findings count, with the new model
   trained without them too (honest) and with them (the shipped configuration).
5. Three engines in the same run, on the same inputs:
   * ``v1`` — issue 4's model: trigger words are a wall in stage 1, no item exemplars, the
     article model alone ranks articles, rewards scored without reading their basis, only the
     random sample of training regulations as negatives, a gate on characters alone
     (``Recipe(gate_alone=False, exemplars=False, item_model=False, hard_negatives=False,
     word_gate=False, cascade=False)``,
     ``Screener(adjustments=False, article_mix=0, procurement_setting=False)``);
   * ``v2`` — the new one (issue 14: trigger-less clauses may pass on a rare gate score, item
     exemplars vote on items and train the article model, an item model ranks items within an
     article beside the votes, the nearest precedents' articles blended in at
     ``explain.ARTICLE_VOTE_MIX``, article 15 only in a procurement setting, objective-criterion
     rewards and permits of a 地方性法规 halved, the training regulations' other
     trigger-bearing clauses as hard negatives, jieba words beside characters in the stage-1
     gate). The test documents are the case spans alone,
     without the case document's title, so the procurement setting is read from the span only
     (a real document's title can only add to it);
   * ``keyword`` — the plain keyword baseline (``keyword.v1``).

   On request (``--engines``), levers measured and not shipped or shipped since:
   * ``v2r`` — ``v2`` without the hard negatives (the random sample only: hybrid.v3);
   * ``v2c`` — ``v2`` with the gate on character n-grams alone (hybrid.v4; since hybrid.v5 the
     gate reads jieba words too, ``benchmarks/words.py``);
   * ``v2ft`` — ``v2`` over an e5 first fine-tuned on the training side
     (``benchmarks/finetune_e5.py``; ``--ft-epochs``, ``--ft-lr``; needs torch and
     sentence-transformers, the ``dev`` extra); ``v2rft`` the same without hard negatives.
   * ``v2x`` — ``v2``'s own model (trained once for both when both run) with stage 2a off:
     every clause stage 1 passes gets an e5 vector (issue 15: the cascade must leave quality
     within 0.01). ``v2`` runs with stage 2a on, as a sweep at the model's threshold does, so
     the clauses it stops count as not flagged at any threshold;
   * ``v2g`` — ``v2`` whose stage 2a also reads the stage-1 gate's score
     (``Recipe(cascade_gate=True)``): fewer clauses get e5; not shipped (a held-out span lost);
   * ``v2n`` (with ``--train-share N``) — ``v2`` trained on a copy of the corpus whose
     regulation negatives (random sample and hard negatives) come from N % of the regulations
     instead of the corpus's own share (``tools.corpus_build.negatives``: same fixed buckets,
     so N % holds the corpus's documents and more); every engine is then measured on the
     regulations outside N %, the same documents for all.

Every clause stage 1 passes is scored (threshold 0) and kept in the result file, so the
notebook (notebooks/evaluation.py) can draw recall–false-alarm curves over any threshold; the
figures printed here are at each model's own threshold, except the "matched operating points",
which sweep it (the best recall at a given flagged share and the reverse). Last, issue 14's
targets (``TARGETS``) beside each model's figures, met or not; docs/quality.md analyses what
blocks those not met.

``--e5-backend torch`` runs the same with e5 on the torch reference backend (models and the
embedding cache in ``benchmarks/out/models-torch``, so no vector is shared), and
``--engines v2`` only the new model: together they compare the onnxruntime backend (the
default since issue 15) with torch on the same model recipe (issue 15's quality check).

Usage: python benchmarks/quality.py [--shared ../shared] [--regs-limit N] [--out FILE]
                                    [--engines v1,v2,keyword] [--e5-backend onnx|torch]
                                    [--ft-epochs N] [--ft-lr LR] [--train-share N]
       python benchmarks/quality.py --print FILE    (the tables of an earlier result file)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the build-time package tools/ (train/held-out split)

# and on request: "v2r" (no hard negatives), "v2ft" / "v2rft" (e5 fine-tuned first; minutes),
# "v2c" (the gate without jieba words)
CONFIGS = ("v1", "v2", "keyword")


def finding_row(f) -> dict:
    """What the result file keeps of one finding (threshold 0: every scored clause)."""
    return {
        "start": f.start,
        "end": f.end,
        "score": round(float(f.score), 4),
        "codes": [s.code for s in f.standards if s.code.startswith("FCR-")][:3],
        "family": f.family,
        "triggers": list(f.triggers[:4]),
        "text": f.clause[:80],
    }


def run_cases(screener, docs) -> list[dict]:
    """One row per test span: its case, truth, family and the findings over it."""
    from screening.screen.labels import case_family

    rows = []
    for case, doc, offsets in docs:
        findings = screener.screen_document(doc)
        for s, e in offsets:
            over = [finding_row(f) for f in findings if f.start < e and f.end > s]
            rows.append(
                {
                    "case": case.id,
                    "family": case_family(case) or "（未知）",
                    "truth": [c for c in case.standards if c.startswith("FCR-")],
                    "text": doc.text[s:e][:80],
                    "findings": sorted(over, key=lambda r: -r["score"]),
                }
            )
    return rows


def run_docs(screener, paths) -> list[dict]:
    """One row per document: its size and every finding (threshold 0)."""
    from screening.parse import parse_file

    rows = []
    for p in paths:
        doc = parse_file(p)
        findings = screener.screen_document(doc)
        rows.append(
            {
                "doc": p.name,
                "chars": len(doc.text),
                "findings": [finding_row(f) for f in findings],
            }
        )
    return rows


def summarise(result: dict, threshold: float | None = None) -> dict:
    """The figures of one engine's rows at ``threshold`` (default: the model's own)."""
    from screening.screen.evaluate import count_codes

    t = result["threshold"] if threshold is None else threshold
    spans = result["cases"]
    found = [r for r in spans if r["findings"] and r["findings"][0]["score"] >= t]
    by_family, found_family = Counter(r["family"] for r in spans), Counter()
    for r in found:
        found_family[r["family"]] += 1
    cases_all = {r["case"] for r in spans}
    cases_found = {r["case"] for r in found}
    codes: Counter = Counter()
    for r in found:
        if r["truth"]:
            count_codes(codes, r["findings"][0]["codes"], r["truth"])

    def rate(a: str, b: str) -> float | None:
        return round(codes[a] / codes[b], 4) if codes[b] else None

    def flagged(rows: list[dict]) -> tuple[float, int, float]:
        n = len(rows)
        hit = sum(1 for r in rows if any(f["score"] >= t for f in r["findings"]))
        count = sum(1 for r in rows for f in r["findings"] if f["score"] >= t)
        chars = sum(r["chars"] for r in rows)
        return (hit / n if n else 0.0), count, (count / chars * 1e4 if chars else 0.0)

    regs_share, regs_n, regs_density = flagged(result["regulations"])
    return {
        "threshold": t,
        "spans": len(spans),
        "span_recall": round(len(found) / len(spans), 4) if spans else 0.0,
        "case_recall": round(len(cases_found) / len(cases_all), 4) if cases_all else 0.0,
        "recall_by_family": {
            f: round(found_family[f] / n, 3) for f, n in sorted(by_family.items())
        },
        "spans_by_family": dict(sorted(by_family.items())),
        "found_spans_with_code": codes["article_spans"],
        "found_spans_with_item": codes["item_spans"],
        "item_top1": rate("item_top1", "item_spans"),
        "item_top3": rate("item_top3", "item_spans"),
        "article_top1": rate("article_top1", "article_spans"),
        "article_top3": rate("article_top3", "article_spans"),
        "stage1_dropped": result.get("stage1", {}).get("dropped"),
        "stage1_dropped_share": result.get("stage1", {}).get("dropped_share"),
        "regulations": len(result["regulations"]),
        "regulations_flagged_share": round(regs_share, 4),
        "regulation_findings": regs_n,
        "findings_per_10k_chars": round(regs_density, 3),
        "laws_findings": flagged(result["laws"])[1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument(
        "--regs-limit", type=int, default=None, help="only the first N held-out regulations"
    )
    ap.add_argument("--cases-limit", type=int, default=None, help="only the first N test cases")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "quality.json")
    ap.add_argument(
        "--engines",
        default=",".join(CONFIGS),
        help="comma list: v1 v2 keyword v2x v2g v2r v2ft v2rft v2c",
    )
    ap.add_argument("--e5-backend", default=None, help="onnx (default) or torch")
    ap.add_argument("--ft-epochs", type=int, default=1, help="v2ft: fine-tuning epochs")
    ap.add_argument("--ft-lr", type=float, default=1e-5, help="v2ft: fine-tuning learning rate")
    ap.add_argument(
        "--train-share",
        type=int,
        default=None,
        help="v2n: train on the regulations of this share (percent, above the corpus's own); "
        "every engine is then measured on the regulations outside it",
    )
    ap.add_argument(
        "--shrink",
        nargs=2,
        type=Path,
        metavar=("FULL", "SMALL"),
        help="write a small copy of a result file (what CI runs the notebook on) and stop",
    )
    ap.add_argument("--print", type=Path, metavar="FILE", help="print a result file's tables")
    args = ap.parse_args()
    if args.print:
        print_table(json.loads(args.print.read_text(encoding="utf-8")))
        return
    if args.shrink:
        full, small = args.shrink
        report = shrink(json.loads(full.read_text(encoding="utf-8")))
        small.parent.mkdir(parents=True, exist_ok=True)
        small.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
        print_table(report)
        return

    from screening.config import Settings
    from screening.corpus import load_cases
    from screening.embed import get_embedder
    from screening.learning.train import EMBEDDERS, Recipe, train
    from screening.screen.baseline import KeywordScreener
    from screening.screen.engine import Screener
    from screening.screen.evaluate import case_documents, stage1_drops
    from screening.screen.labels import split_cases
    from tools.corpus_build.negatives import (
        TRAIN_SHARE,
        is_training_regulation,
        regulation_files,
    )

    models = ROOT / "benchmarks" / "out" / "models"
    if args.e5_backend:
        os.environ["SCREENING_E5_BACKEND"] = args.e5_backend
        if args.e5_backend != "onnx":  # own embedding cache: vectors of one backend only
            models = models.with_name(f"models-{args.e5_backend}")
    settings = Settings(models=models)
    cases = load_cases(settings.corpus)
    train_cases, test_cases = split_cases(cases)
    embedders = {n: get_embedder(n, settings) for n in EMBEDDERS}
    test_docs = case_documents(test_cases)[: args.cases_limit]
    share = args.train_share or TRAIN_SHARE
    regs = [
        p
        for p in regulation_files(args.shared)
        if not is_training_regulation(p.relative_to(args.shared).as_posix(), share)
    ][: args.regs_limit]
    laws = sorted((Path(settings.corpus) / "laws").glob("*.txt"))
    report: dict = {
        "train_cases": len(train_cases),
        "test_cases": len(test_cases),
        "engines": {},
        "train_share": share,
        "held_out_regulations": len(regs),
    }
    recipes = {
        "v1": Recipe(
            gate_alone=False,
            exemplars=False,
            item_model=False,
            hard_negatives=False,
            word_gate=False,
            cascade=False,
        ),
        "v2": Recipe(),
        "v2r": Recipe(hard_negatives=False),
        "v2ft": Recipe(),
        "v2c": Recipe(word_gate=False),
        "v2rft": Recipe(hard_negatives=False),
        "v2n": Recipe(),
        "v2x": Recipe(),
        "v2g": Recipe(cascade_gate=True),
    }
    trained: dict = {}  # v2 and v2x share one model
    engines = args.engines.split(",")
    if args.train_share and "v2n" not in engines:
        engines.append("v2n")
    report["e5_backend"] = args.e5_backend or os.environ.get("SCREENING_E5_BACKEND") or "onnx"
    for name in engines:
        t0 = time.perf_counter()
        if name == "keyword":
            screener, threshold, card = KeywordScreener(settings), 0.5, {}
        else:
            used = embedders
            if name.endswith("ft"):  # the same recipe over an e5 fine-tuned on the training side
                used = {
                    "e5-small-ft": finetuned_e5(
                        settings,
                        train_cases,
                        recipes[name].hard_negatives,
                        epochs=args.ft_epochs,
                        lr=args.ft_lr,
                    ),
                    "use-m.v1": embedders["use-m.v1"],
                }
            fit = settings
            if name == "v2n":  # the same recipe, more regulations as negatives
                if share <= TRAIN_SHARE:
                    raise SystemExit(f"v2n needs --train-share above {TRAIN_SHARE}")
                fit = Settings(models=models, corpus=share_corpus(settings, args.shared, share))
            shared = "v2" if name in ("v2", "v2x") else name
            if shared not in trained:
                trained[shared] = train(
                    fit, cases=train_cases, embedders=used, recipe=recipes[name]
                )
            model = trained[shared]
            threshold = model.threshold
            card = {k: v for k, v in model.card.to_dict().items() if k != "features"}
            screener = Screener(
                settings,
                model,
                used,
                threshold=0.0,
                adjustments=name != "v1",
                article_mix=0.0 if name == "v1" else None,
                procurement_setting=name != "v1",
                cascade=name != "v2x",  # on whatever the threshold 0 (the model has it or not)
            )
        result = {
            "threshold": threshold,
            "card": card,
            "cases": run_cases(screener, test_docs),
            "regulations": run_docs(screener, regs),
            "laws": run_docs(screener, laws),
        }
        if name != "keyword":
            result["stage1"] = stage1_drops(screener, test_docs)
            result["stages"] = screener.stats.to_dict()
        if name == "v2":
            without = train(
                settings,
                cases=train_cases,
                embedders=embedders,
                recipe=recipes[name],
                include_laws=False,
            )
            lawless = Screener(settings, without, embedders, threshold=without.threshold)
            result["laws_model_without_laws"] = sum(
                len(r["findings"]) for r in run_docs(lawless, laws)
            )
        result["seconds"] = round(time.perf_counter() - t0, 1)
        report["engines"][name] = result
        print(f"{name} done in {result['seconds']:.0f}s", file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    print_table(report)


def share_corpus(settings, shared: Path, share: int) -> Path:
    """A copy of the corpus whose regulation negatives (the random sample and the hard
    negatives) come from ``share`` percent of the regulations instead of the corpus's own share
    (``tools.corpus_build.negatives``, same buckets, same sampling); built once per share."""
    import shutil

    from screening.corpus.store import HARD_NEGATIVES_PATH, REGULATION_NEGATIVES_PATH
    from tools.corpus_build.build import _write_jsonl
    from tools.corpus_build.negatives import sample_hard_negatives, sample_negatives

    out = ROOT / "benchmarks" / "out" / f"corpus-share{share}"
    done = out / "negatives" / f".share{share}"
    if not done.exists():
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(settings.corpus, out)
        _write_jsonl(out / REGULATION_NEGATIVES_PATH, sample_negatives(shared, share))
        _write_jsonl(out / HARD_NEGATIVES_PATH, sample_hard_negatives(shared, share))
        done.write_text("", encoding="utf-8")
    return out


def finetuned_e5(settings, train_cases, hard_negatives, **options):
    """e5 fine-tuned on the training cases' triplets (``finetune_e5``), as an embedder; its
    hard negatives come from the sample the recipe trains on."""
    from benchmarks.finetune_e5 import FineTune, build
    from screening.learning.train import training_data

    data = training_data(settings.corpus, cases=train_cases, hard_negatives=hard_negatives)
    return build(settings, data, FineTune(**options))


def shrink(report: dict, documents: int = 150, floor: float = 0.05) -> dict:
    """Every test span, the first ``documents`` regulations, findings scoring at least ``floor``
    and no clause texts of regulations: a result small enough to commit for the notebook."""

    def keep(findings: list[dict], text: bool) -> list[dict]:
        return [{**f, "text": f["text"] if text else ""} for f in findings if f["score"] >= floor]

    out = {**report, "shrunk": {"documents": documents, "floor": floor}, "engines": {}}
    for name, r in report["engines"].items():
        out["engines"][name] = {
            **{k: v for k, v in r.items() if k not in ("cases", "regulations", "laws", "card")},
            "cases": [{**c, "findings": keep(c["findings"], True)} for c in r["cases"]],
            "regulations": [
                {**d, "findings": keep(d["findings"], False)} for d in r["regulations"][:documents]
            ],
            "laws": [{**d, "findings": keep(d["findings"], False)} for d in r["laws"]],
        }
    return out


GRID = [round(0.01 * i, 2) for i in range(1, 100)]  # thresholds for the operating points


def operating_points(result: dict) -> dict:
    """The engine at matched operating points, whatever its own threshold: the best span
    recall with at most 5 % / 8 % of held-out regulations flagged, and the least flagged share
    with span recall at least 0.80 / 0.87 (thresholds on a 0.01 grid; None: not reached)."""
    rows = [summarise(result, t) for t in GRID]
    out: dict = {}
    for cap in (0.05, 0.08):
        ok = [r for r in rows if r["regulations_flagged_share"] <= cap]
        out[f"recall_at_flagged_{cap}"] = max((r["span_recall"] for r in ok), default=None)
    for floor in (0.80, 0.87):
        ok = [r for r in rows if r["span_recall"] >= floor]
        out[f"flagged_at_recall_{floor}"] = min(
            (r["regulations_flagged_share"] for r in ok), default=None
        )
    return out


# Issue 14's targets: (label, figure, direction, goal). "summary" figures are at the engine's own
# threshold; "swept" ones at the best grid threshold (``operating_points``), which is how the
# joint target — recall 0.90 with at most 5 % of held-out regulations flagged — is read.
TARGETS = (
    ("span recall", "summary", "span_recall", ">=", 0.90),
    ("held-out regulations flagged", "summary", "regulations_flagged_share", "<=", 0.05),
    ("span recall, <= 5 % flagged", "swept", "recall_at_flagged_0.05", ">=", 0.90),
    ("found-span article right (top 1)", "summary", "article_top1", ">=", 0.85),
    ("found-span item right (top 1)", "summary", "item_top1", ">=", 0.80),
    ("spans stage 1 never passes", "summary", "stage1_dropped_share", "<=", 0.03),
)


def target_rows(summary: dict, points: dict) -> list[tuple[str, float | None, str, bool]]:
    """(label, figure, goal as text, met) for each of issue 14's targets; a figure that was not
    measured (None) is not met."""
    out = []
    for label, source, key, direction, goal in TARGETS:
        value = (summary if source == "summary" else points).get(key)
        met = value is not None and (value >= goal if direction == ">=" else value <= goal)
        out.append((label, value, f"{direction} {goal:.2f}", met))
    return out


def print_targets(engines: dict) -> None:
    """Issue 14's targets beside each model's figures; what blocks the unmet ones is analysed,
    with the figures of the run it was written from, in docs/quality.md."""
    names = [n for n in engines if n != "keyword"]
    if not names:
        return
    rows = {n: target_rows(summarise(engines[n]), operating_points(engines[n])) for n in names}
    print(f"{'issue 14 targets':34}{'goal':>10}" + "".join(f"{n:>16}" for n in names))
    for i, (label, *_rest) in enumerate(TARGETS):
        goal = rows[names[0]][i][2]
        cells = []
        for n in names:
            _, value, _, met = rows[n][i]
            shown = "-" if value is None else f"{value:.3f}"
            cells.append(f"{shown} {'met' if met else 'not met':>7}")
        print(f"  {label:32}{goal:>10}" + "".join(f"{c:>16}" for c in cells))
    print("  (what blocks the unmet targets: docs/quality.md)")


def print_operating_points(engines: dict) -> None:
    points = {n: operating_points(r) for n, r in engines.items() if n != "keyword"}
    if not points:
        return
    print(
        f"{'matched operating points':34}"
        + "".join(f"{n:>10}" for n in points)
        + "\n  (threshold swept on a 0.01 grid; not each model's own)"
    )
    labels = {
        "recall_at_flagged_0.05": "  span recall, <= 5 % flagged",
        "recall_at_flagged_0.08": "  span recall, <= 8 % flagged",
        "flagged_at_recall_0.8": "  flagged, span recall >= 0.80",
        "flagged_at_recall_0.87": "  flagged, span recall >= 0.87",
    }
    for key, label in labels.items():
        cells = [points[n][key] for n in points]
        print(f"{label:34}" + "".join(f"{'-' if v is None else f'{v:.3f}':>10}" for v in cells))


def print_table(report: dict) -> None:
    engines = report["engines"]
    sums = {name: summarise(r) for name, r in engines.items()}
    print(
        f"train cases {report['train_cases']}, test cases {report['test_cases']}; thresholds "
        + ", ".join(f"{n} {s['threshold']:.4f}" for n, s in sums.items())
        + " (chosen on train, out-of-fold)"
    )
    rows = [
        ("test spans", "spans"),
        ("span recall", "span_recall"),
        ("case recall", "case_recall"),
        ("found spans with an FCR code", "found_spans_with_code"),
        ("  article right (top 1)", "article_top1"),
        ("  article in top 3", "article_top3"),
        ("found spans with an item code", "found_spans_with_item"),
        ("  item right (top 1)", "item_top1"),
        ("  item in top 3", "item_top3"),
        ("spans stage 1 never passes", "stage1_dropped"),
        ("  share", "stage1_dropped_share"),
        ("regulations (held out)", "regulations"),
        ("  share flagged", "regulations_flagged_share"),
        ("  findings / 10k chars", "findings_per_10k_chars"),
        ("rule texts: findings", "laws_findings"),
    ]
    print(f"{'':34}" + "".join(f"{n:>10}" for n in sums))
    for label, key in rows:
        cells = []
        for s in sums.values():
            v = s.get(key)
            cells.append("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v))
        print(f"{label:34}" + "".join(f"{c:>10}" for c in cells))
    if "v2" in engines and "laws_model_without_laws" in engines["v2"]:
        print(f"{'  (v2 trained without them)':34}{engines['v2']['laws_model_without_laws']:>20}")
    print("recall by family (" + " / ".join(sums) + "):")
    first = next(iter(sums.values()))
    for fam, n in first["spans_by_family"].items():
        vals = " / ".join(f"{s['recall_by_family'].get(fam, 0.0):.3f}" for s in sums.values())
        print(f"  {fam:20} n={n:3}  {vals}")
    for name, r in engines.items():
        st = r.get("stages")
        if st:
            print(
                f"{name} stages: {st['clauses']} clauses; stage 1 passed {st['stage1']} "
                f"({st['stage1'] / max(st['clauses'], 1):.1%}, "
                f"{st['stage1_chars'] / max(st['chars'], 1):.1%} of chars) to the model"
            )
    print_operating_points(engines)
    print_targets(engines)
    misses = defaultdict(list)
    for name in ("v1", "v2"):
        for row in engines.get(name, {}).get("stage1", {}).get("examples", [])[:20]:
            misses[name].append(row)
    for name, rows_ in misses.items():
        print(
            f"{name}: spans stage 1 never passes: " + "; ".join(f"{c} {t[:24]}" for c, t in rows_)
        )


if __name__ == "__main__":
    main()
