"""Two real procurement announcements read as tender documents: golden rule hits (model-free)
and, with the real model, findings that carry their ZB items beside the FCR code.

Regenerate the golden files with ``python scripts/regen_golden.py --only tender`` and review the
diff: each row is a clause a reviewer agreed is a tender barrier of the named item.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import regen_golden  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "tender"


@pytest.mark.parametrize("name", regen_golden.TENDER_DOCS)
def test_tender_reading_matches_golden(name: str) -> None:
    golden = GOLDEN / f"{Path(name).stem}.jsonl"
    expected = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines()]
    actual = [json.loads(line) for line in regen_golden.tender_lines(name)]
    assert actual == expected


@pytest.mark.model
@pytest.mark.trains
@pytest.mark.parametrize("name", regen_golden.TENDER_DOCS)
def test_real_model_findings_carry_the_golden_items(name: str) -> None:
    from screening.config import Settings
    from screening.learning.first_use import load_or_train
    from screening.parse import parse_file

    screener = load_or_train(Settings(models=regen_golden.SCAN_MODELS))
    golden = GOLDEN / f"{Path(name).stem}.jsonl"
    expected = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines()]
    findings = screener.screen_document(parse_file(regen_golden.FIXTURES / "tender" / name))
    assert findings and all(f.doc_kind == "招标公告" for f in findings)
    by_span = {(f.start, f.end): f for f in findings}
    for row in expected:
        f = by_span.get((row["start"], row["end"]))
        assert f is not None, row["clause"]
        assert row["codes"][0] in [s.code for s in f.tender_standards], row["clause"]
        assert f.standard and f.standard.startswith("FCR-"), (f.standard, row["clause"])
