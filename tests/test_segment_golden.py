"""Golden test: real regulations and policy documents parse and segment to hand-checked clauses."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from screening.parse import parse_file
from screening.segment import segment

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "segment"
GOLDEN = HERE / "golden" / "segment"
INPUTS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".md", ".txt"))
REGEN = "python scripts/regen_golden.py --only segment"


def _lines(path: Path) -> tuple[list[str], str]:
    doc = parse_file(path)
    clauses = segment(doc)
    for c in clauses:
        assert doc.text[c.start : c.end] == c.text, (path.name, c.index)
    lines = [json.dumps(c.to_dict(), ensure_ascii=False, sort_keys=True) for c in clauses]
    return lines, doc.text


def test_golden_set_is_large_and_complete() -> None:
    regs = [p for p in INPUTS if p.suffix == ".md"]
    policies = [p for p in INPUTS if p.suffix == ".txt"]
    assert len(regs) >= 10 and len(policies) >= 5
    missing = [p.name for p in INPUTS if not (GOLDEN / f"{p.stem}.jsonl").exists()]
    assert not missing, f"golden files missing for {missing}; run {REGEN}"
    for p in regs:
        assert p.read_text(encoding="utf-8").startswith("<!-- source: shared/corpus-samples/")


@pytest.mark.parametrize("fixture", INPUTS, ids=lambda p: p.stem)
def test_segment_matches_golden(fixture: Path) -> None:
    got, _ = _lines(fixture)
    golden = GOLDEN / f"{fixture.stem}.jsonl"
    want = golden.read_text(encoding="utf-8").splitlines()
    if got != want:
        diff = "\n".join(difflib.unified_diff(want, got, "golden", "segment()", lineterm="", n=1))
        pytest.fail(f"{fixture.name}: output differs from {golden.name} ({REGEN}):\n{diff}")


@pytest.mark.parametrize("fixture", INPUTS, ids=lambda p: p.stem)
def test_golden_clauses_are_exact_slices(fixture: Path) -> None:
    """The stored golden files themselves satisfy the offset invariant and are ordered."""
    _, text = _lines(fixture)
    rows = [json.loads(line) for line in (GOLDEN / f"{fixture.stem}.jsonl").open(encoding="utf-8")]
    assert [r["index"] for r in rows] == list(range(len(rows)))
    prev_end = 0
    for r in rows:
        assert text[r["start"] : r["end"]] == r["text"]
        assert r["text"] == r["text"].strip()
        assert r["start"] >= prev_end
        prev_end = r["end"]
