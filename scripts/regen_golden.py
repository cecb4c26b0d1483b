"""Regenerate golden files under tests/golden/ from the fixtures in tests/fixtures/.

Review the resulting ``git diff`` like code: a golden file records what a human checked.

    python scripts/regen_golden.py [--shared ../shared] [--only segment]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"

SEGMENT_SUFFIXES = (".md", ".txt")


def segment_fixtures() -> list[Path]:
    """The inputs of the segmentation golden test, in a stable order."""
    folder = FIXTURES / "segment"
    return sorted(p for p in folder.iterdir() if p.suffix in SEGMENT_SUFFIXES)


def segment_lines(path: Path) -> list[str]:
    """One JSON line per clause (sorted keys, readable Chinese), as stored in the golden file."""
    from screening.parse import parse_file
    from screening.segment import segment

    doc = parse_file(path)
    return [json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) for c in segment(doc)]


def golden_path(fixture: Path) -> Path:
    return GOLDEN / "segment" / f"{fixture.stem}.jsonl"


def regen_segment() -> int:
    out_dir = GOLDEN / "segment"
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for fixture in segment_fixtures():
        lines = segment_lines(fixture)
        golden_path(fixture).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"segment: {fixture.name} -> {len(lines)} clauses")
        count += 1
    return count


SCAN_MODELS = ROOT / "models" / "cache" / "test-suite"  # git-ignored; shared with the test


def scan_lines() -> list[str]:
    """Findings on the bundled samples: where, which standard, and the score to two decimals."""
    from screening.config import Settings
    from screening.learning.first_use import load_or_train
    from screening.parse import iter_files, parse_file

    screener = load_or_train(Settings(models=SCAN_MODELS))  # trains once, saying so
    lines = []
    for path in iter_files([ROOT / "samples" / "docs"]):
        for f in screener.screen_document(parse_file(path)):
            row = {
                "file": path.name,
                "start": f.start,
                "end": f.end,
                "article_path": f.article_path,
                "standard": f.standard,
                "family": f.family,
                "score": round(f.score, 2),
                "clause": f.clause,
            }
            lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return lines


def regen_scan() -> int:
    out = GOLDEN / "scan" / "samples.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = scan_lines()
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"scan: samples/docs -> {len(lines)} findings")
    return 1


TENDER_DOCS = ("procurement-proc-05.txt", "procurement-proc-08.txt")


def tender_lines(name: str) -> list[str]:
    """Tender reading of a real procurement document, model-free: each clause a tender rule
    matches, with its section and the ZB items (``screen.tender``)."""
    from screening.parse import parse_file
    from screening.screen.tender import read_structure, rule_hits
    from screening.segment import segment

    doc = parse_file(FIXTURES / "tender" / name)
    clauses = segment(doc)
    lines = []
    for clause, ctx in zip(clauses, read_structure(doc, clauses), strict=True):
        hits = rule_hits(clause.text, ctx)
        if hits:
            row = {
                "doc_kind": doc.metadata.doc_kind,
                "start": clause.start,
                "end": clause.end,
                "section": ctx.section,
                "codes": [h.code for h in hits],
                "clause": clause.text,
            }
            lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return lines


def regen_tender() -> int:
    for name in TENDER_DOCS:
        out = GOLDEN / "tender" / f"{Path(name).stem}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        lines = tender_lines(name)
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"tender: {name} -> {len(lines)} clauses")
    return len(TENDER_DOCS)


GENERATORS: dict[str, Callable[[], int]] = {
    "segment": regen_segment,
    "scan": regen_scan,
    "tender": regen_tender,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", help="path to ../shared (not needed by current generators)")
    parser.add_argument("--only", choices=sorted(GENERATORS), action="append")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    for name in args.only or sorted(GENERATORS):
        n = GENERATORS[name]()
        print(f"{name}: {n} golden files written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
