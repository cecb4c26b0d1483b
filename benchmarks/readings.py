"""What the screening-time readings do to one document's findings: scores with them and without.

The readings (``screen.adjust``: objective rewards, sanction clauses, permits in a 地方性法规 or
政府规章; the section-heading and act-gate readings of ``Screener.adjustments``) scale a clause's
learned score or change its code after the model has spoken. This prints, for every clause that
reaches the threshold either way, its score and first code without them (``adjustments=False``)
and with them (the shipped screener), and the kind of reward basis ``screen.rewards`` reads in it
— the before/after list issue 14 asks for on the 柳河 demo document:

    python benchmarks/readings.py samples/docs/柳河县支持重点产业加快发展实施意见.docx
    python benchmarks/readings.py --only-changed 文件1 文件2 ...

Uses the current model (trained on first use, like ``screening scan``). Figures, not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from screening.config import Settings
from screening.errors import ScreeningError
from screening.learning.first_use import load_or_train
from screening.parse import parse_file
from screening.screen.rewards import reward_basis

KINDS = {"objective": "客观标准", "local": "与本地挂钩", None: "—"}


def rows(screener, path: Path) -> list[dict]:
    """One row per clause flagged with or without the readings, in document order."""
    doc = parse_file(path)
    on = {(f.start, f.end): f for f in screener.screen_document(doc)}
    bare = dataclasses.replace(screener, adjustments=False)
    off = {(f.start, f.end): f for f in bare.screen_document(doc)}
    out = []
    for span in sorted(set(on) | set(off)):
        f = on.get(span) or off[span]
        out.append(
            {
                "span": span,
                "clause": f.clause,
                "basis": reward_basis(f.clause).kind,
                "off": (off[span].score, off[span].standard) if span in off else None,
                "on": (on[span].score, on[span].standard) if span in on else None,
            }
        )
    return out


def _cell(pair: tuple[float, str] | None) -> str:
    return "（未报出）" if pair is None else f"{pair[0]:.2f} {pair[1]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument(
        "--only-changed", action="store_true", help="only rows whose score or code moved"
    )
    args = ap.parse_args()
    screener = load_or_train(Settings(), threshold=None)
    print(f"模型 {screener.model.model_id}，阈值 {screener.threshold:.3f}")
    for path in args.paths:
        try:
            table = rows(screener, path)
        except ScreeningError as err:  # unreadable, encrypted, scanned…: say so, go on
            print(f"\n{path.name}：无法读取：{err}", file=sys.stderr)
            continue
        flagged_off = sum(r["off"] is not None for r in table)
        flagged_on = sum(r["on"] is not None for r in table)
        print(f"\n{path.name}：报出 {flagged_off} 条（不作调整）→ {flagged_on} 条（现行）")
        print(f"{'不作调整':>16}  {'现行':>16}  {'奖励依据':<6}  条款")
        for r in table:
            if args.only_changed and r["off"] == r["on"]:
                continue
            clause = " ".join(r["clause"].split())[:60]
            print(f"{_cell(r['off']):>16}  {_cell(r['on']):>16}  {KINDS[r['basis']]:<6}  {clause}")
        by_kind: dict[str | None, list[tuple[float, float]]] = {}
        for r in table:
            if r["off"] is not None and r["on"] is not None:
                by_kind.setdefault(r["basis"], []).append((r["off"][0], r["on"][0]))
        for kind, pairs in sorted(by_kind.items(), key=lambda kv: str(kv[0])):
            lo_off, hi_off = min(p[0] for p in pairs), max(p[0] for p in pairs)
            lo_on, hi_on = min(p[1] for p in pairs), max(p[1] for p in pairs)
            print(
                f"  奖励依据“{KINDS[kind]}”{len(pairs)} 条：{lo_off:.2f}–{hi_off:.2f} → "
                f"{lo_on:.2f}–{hi_on:.2f}"
            )


if __name__ == "__main__":
    main()
