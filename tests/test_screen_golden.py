"""End to end with the real model: the bundled samples screen to the reviewed golden findings.

The model is trained (once per machine; ~5 minutes the first time) into the git-ignored
``models/cache/test-suite`` exactly as `make demo` trains its own, from the committed corpus.
Regenerate with ``python scripts/regen_golden.py --only scan`` and review the diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import regen_golden  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "scan" / "samples.jsonl"

# Training the real model takes minutes: `make test-model` (CI runs it after `make test`).
pytestmark = [pytest.mark.model, pytest.mark.trains]


def _key(row: dict) -> tuple:
    return (row["file"], row["start"], row["end"])


def test_samples_match_golden_findings():
    expected = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    actual = [json.loads(line) for line in regen_golden.scan_lines()]
    exp, act = {_key(r): r for r in expected}, {_key(r): r for r in actual}
    missing = [exp[k]["clause"] for k in exp.keys() - act.keys()]
    extra = [act[k]["clause"] for k in act.keys() - exp.keys()]
    assert not missing and not extra, f"missing {missing}\nextra {extra}"
    for k, row in exp.items():
        got = act[k]
        assert (got["standard"], got["family"], got["article_path"]) == (
            row["standard"],
            row["family"],
            row["article_path"],
        ), row["clause"]
        assert got["score"] == pytest.approx(row["score"], abs=0.02), row["clause"]


@pytest.fixture(scope="module")
def real_screener():
    from screening.config import Settings
    from screening.learning.first_use import load_or_train

    return load_or_train(Settings(models=regen_golden.SCAN_MODELS))


# Violations and their compliant look-alikes: embeddings place each pair side by side, the
# modality features must tell them apart.
LOOK_ALIKES = [
    ("申报企业须在本县注册并纳税。", True),
    # hybrid.v6 (twice the regulation negatives) scores compliant text lower, so the same
    # false-alarm budget allows a lower threshold (0.052) and this prohibition reaches it:
    # 0.085. Held-out regulations flagged 11.1 % → 12.4 % at the default threshold, recall
    # 0.855 → 0.882; at matched points the new model flags half as many (benchmarks/quality.py).
    pytest.param(
        "不得要求外地企业在本地设立分支机构。",
        False,
        marks=pytest.mark.xfail(strict=True, reason="hybrid.v6 to v8 false alarm (0.085 ≥ 0.052)"),
    ),
    ("对新引进企业按其地方经济发展贡献的80%给予奖励。", True),
    ("安排财政支出一般不得与特定经营者缴纳的税收挂钩。", False),
    ("同等条件下优先采购本地企业生产的产品。", True),
    ("政府采购活动应当平等对待各类供应商，不得限定投标人的注册地。", False),
    ("享受扶持政策的企业须承诺十年内不迁出本区，否则收回已享受的奖励资金。", True),
    # a false alarm of hybrid.v3 and hybrid.v5 (0.187 against its threshold 0.145); hybrid.v4
    # (hard negatives) and hybrid.v6 (twice the regulations) leave it alone
    ("企业依法自主选择经营场所和注册地。", False),
    ("县内所有公立医院的体检业务统一由县人民医院承担。", True),
    ("各类市场主体依法平等进入负面清单以外的行业、领域、业务。", False),
]


@pytest.mark.parametrize(("text", "flagged"), LOOK_ALIKES)
def test_violations_and_compliant_look_alikes(real_screener, text, flagged):
    findings = real_screener.check_text(text)
    assert bool(findings) is flagged, [(f.score, f.standard) for f in findings]


def test_the_readme_example_is_coded_by_what_it_asks(real_screener):
    """Issue 14: "申报企业须在本县注册并纳税" makes local registration and tax a condition, so
    its first code is 12-2 (注册地 as an entry condition) or an item of 19 (rewards on such a
    condition) — not 13-3 (moving away), 12-3 (exit) or 18 (tax relief), whose acts it does not
    speak of (``explain.ACT_GATES``) — and the rationale quotes that item's own text."""
    (finding,) = real_screener.check_text("申报企业须在本县注册并纳税")
    code = finding.standard or ""
    assert code == "FCR-12-2" or code.startswith("FCR-19-"), code
    assert real_screener.standards[code].text in finding.rationale
