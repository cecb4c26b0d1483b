"""Complaint de-duplication: the vectorised ``OpenCases`` gives exactly what the case-by-case
bigram loop it replaced gave — the same most similar case, similarity and decision.

The reference below is the former implementation, kept verbatim; ``benchmarks/dedup_bench.py``
checks the same agreement (and the speed) on 10,000 open cases.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter
from pathlib import Path

import pytest
from test_complaints import BRANCH, BRANCH_AGAIN, ELEVATOR, SUBSIDY

from screening import ledger as lg
from screening.ledger.complaints import FLAG_AT, JOIN_AT, OpenCases, similar_open_case

ROOT = Path(__file__).resolve().parent.parent
SIMILAR = "参加道路项目投标，招标文件要求投标人在本县设立分公司，外地企业不公平，希望调查。"


def ref_bigrams(text: str) -> Counter[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。；：、,.;:（）()“”\"'"]
    return Counter(a + b for a, b in itertools.pairwise(chars))


def ref_cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


class Reference:
    """The former ``OpenCases``: one Counter per open case, scored one case at a time."""

    def __init__(self, db) -> None:
        texts: dict[int, list[str]] = {}
        for row in db.query(
            "select id, title, summary from cases where status not in ('已排除', '已销号')"
        ):
            texts[row["id"]] = [row["title"] or "", row["summary"] or ""]
        for table, column in (("complaints", "content"), ("findings", "clause")):
            for row in db.query(f"select case_id, {column} as text from {table}"):
                if row["case_id"] in texts:
                    texts[row["case_id"]].append(row["text"] or "")
        self.vectors = {cid: ref_bigrams("\n".join(p)) for cid, p in texts.items()}

    def best(self, text: str) -> tuple[int | None, float]:
        v = ref_bigrams(text)
        scored = [(ref_cosine(v, w), -cid) for cid, w in self.vectors.items()]
        if not scored:
            return None, 0.0
        sim, neg = max(scored)
        return -neg, round(sim, 4)

    def add(self, case_id: int, text: str) -> None:
        self.vectors[case_id] = self.vectors.get(case_id, Counter()) + ref_bigrams(text)


def decision(sim: float) -> str:
    return "join" if sim >= JOIN_AT else "flag" if sim >= FLAG_AT else "new"


def ledger_with(*summaries: str):
    """Open cases 1, 2 … with these summaries (and no title, so the text is just that)."""
    db = lg.open_ledger()
    for text in summaries:
        lg.create_case(db, source="上级交办", title="", summary=text, operator="甲")
    return db


@pytest.mark.parametrize(
    ("open_text", "new_text", "expected"),
    [
        (BRANCH, BRANCH, "join"),
        (BRANCH, BRANCH_AGAIN, "join"),  # the same matter, reworded a little
        (BRANCH, SIMILAR, "flag"),
        (BRANCH, ELEVATOR, "new"),
        (ELEVATOR, SUBSIDY, "new"),
        (BRANCH, "", "new"),  # nothing to compare
        (BRANCH, "，。；：", "new"),  # punctuation only: no bigrams
        (BRANCH, "县", "new"),  # one character: no bigrams
        ("", BRANCH, "new"),  # an open case without text
        (BRANCH, BRANCH.replace("，", "\n  "), "join"),  # whitespace and punctuation ignored
        ("甲乙甲乙甲乙", "甲乙", "join"),  # repeated bigrams: counts, not sets
        ("甲乙丙丁", "丁丙乙甲", "new"),  # same characters, no shared bigram
    ],
)
def test_same_similarity_and_decision_as_the_reference(open_text, new_text, expected):
    db = ledger_with(open_text)
    got, want = OpenCases(db).best(new_text), Reference(db).best(new_text)
    assert got == want
    assert decision(got[1]) == expected


def test_ties_go_to_the_lowest_case_id_and_no_open_case_gives_none():
    db = ledger_with(ELEVATOR, BRANCH, BRANCH, SUBSIDY)
    assert OpenCases(db).best(BRANCH) == Reference(db).best(BRANCH) == (2, 1.0)
    assert OpenCases(db).best("") == Reference(db).best("") == (1, 0.0)
    assert OpenCases(lg.open_ledger()).best(BRANCH) == (None, 0.0)


def test_closed_and_dismissed_cases_are_not_compared():
    db = ledger_with(BRANCH, ELEVATOR)
    lg.add_department(db, "县住建局")
    lg.assign(db, 1, department="县住建局", assignee="乙", operator="甲")
    lg.decide(db, 1, confirmed=False, reason="不构成违规", operator="甲")
    assert OpenCases(db).ids == [2]
    assert OpenCases(db).best(BRANCH) == Reference(db).best(BRANCH)
    assert similar_open_case(db, BRANCH) == (None, 0.0)  # ELEVATOR is not similar enough


def test_complaints_and_finding_clauses_count_towards_their_case():
    db = ledger_with(ELEVATOR)
    lg.add_complaint(db, content=BRANCH, operator="甲", case_id=1, received_at="2026-03-02")
    got = OpenCases(db).best(BRANCH_AGAIN)
    assert got == Reference(db).best(BRANCH_AGAIN) and got[0] == 1 and got[1] > FLAG_AT
    assert OpenCases(db).vectors == Reference(db).vectors


def corpus_sentences() -> list[str]:
    out = []
    with (ROOT / "corpus/cases/cases.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            description = json.loads(line).get("description") or ""
            out += [s.strip() for s in description.replace("\n", "。").split("。")]
    return sorted({s for s in out if len(s) >= 12})


@pytest.mark.parametrize("block", [1, 3, 32])
def test_an_import_sequence_agrees_with_the_reference_step_by_step(monkeypatch, block):
    """Cases opened and joined while importing (texts added in blocks, merged as they grow)."""
    monkeypatch.setattr(OpenCases, "BLOCK", block)
    rng = random.Random(block)
    pool = corpus_sentences()
    db = ledger_with(*("。".join(rng.sample(pool, rng.randint(1, 3))) for _ in range(60)))
    index, reference = OpenCases(db), Reference(db)
    next_id, seen = 1000, Counter()
    for step in range(150):
        r = rng.random()
        if r < 0.3:  # a near-repeat of an open case's text
            base = rng.choice(sorted(reference.vectors))
            text = rng.choice(pool) if base >= 1000 else lg.get_case(db, base)["summary"]
            text = "".join(c for c in text if rng.random() > 0.05)
        elif r < 0.35:
            text = rng.choice(["", "。", "县"])
        else:
            text = "。".join(rng.sample(pool, rng.randint(1, 2)))
        got, want = index.best(text), reference.best(text)
        assert got == want, step
        seen[decision(got[1])] += 1
        target = got[0] if got[1] >= JOIN_AT else next_id
        next_id += target == next_id
        index.add(target, text)
        reference.add(target, text)
    assert index.vectors == reference.vectors
    assert min(seen["join"], seen["flag"], seen["new"]) >= 5, seen  # every decision was taken
