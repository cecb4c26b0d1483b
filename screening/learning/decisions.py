"""Reviewers' decisions in the ledger, read as training examples for ``screening model retrain``.

A case whose clause a reviewer confirmed (已认定, and the later states 整改中 / 待复核 / 已销号)
is a positive example, labelled with the family of the standards the reviewer kept (else the
family the engine suggested); a dismissed case (已排除) is a hard negative — exactly the
wording the model flagged and a person judged compliant — and keeps the reviewer's reason.
Open cases (待核查, 核查中) teach nothing yet. Only cases that came from screening have clause
text (the ``findings`` rows); cases from complaints, referrals and the like have none and are
skipped and counted. When the same clause text was decided both ways, the latest decision wins.

The ledger is opened read-only and only if the file exists: retraining never creates or
migrates a ledger. The ledger records decisions; turning them into examples is learning's job,
so this module sits in ``learning`` and the ledger package knows nothing of screening models.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..domain import FAMILIES
from ..errors import LedgerOpenError
from ..ledger.cases import CLOSED, CONFIRMED, DISMISSED, PENDING, RECTIFYING, REVIEWING, VERIFYING
from ..screen.classifier import COMPLIANT, UNKNOWN_FAMILY
from ..screen.labels import family_of_code
from .card import DecisionCounts
from .train import Example

POSITIVE_STATES = (CONFIRMED, RECTIFYING, REVIEWING, CLOSED)
NEGATIVE_STATES = (DISMISSED,)
OPEN_STATES = (PENDING, VERIFYING)
MIN_TEXT = 6  # shorter clause texts are not learned from (as with case spans)


@dataclass(frozen=True)
class Decision:
    """One reviewer decision on one clause text, with where it came from."""

    case_id: int
    finding_id: str
    state: str
    label: str  # COMPLIANT or a family (UNKNOWN_FAMILY when none is known)
    text: str
    reason: str
    standards: tuple[str, ...]
    doc_sha256: str
    decided_at: str

    def example(self) -> Example:
        kind = "dismissed" if self.label == COMPLIANT else "confirmed"
        return Example(
            text=self.text,
            label=self.label,
            group=f"ledger:doc:{self.doc_sha256}",
            source="decision",
            codes=self.standards if self.label != COMPLIANT else (),
            ref=f"ledger:{kind}:{self.case_id}:{self.finding_id}",
        )


@dataclass
class Decisions:
    """What the ledger contributes to training, and what it could not."""

    ledger: str | None
    decisions: list[Decision] = field(default_factory=list)
    skipped_no_clause: int = 0  # decided cases without findings (complaints, referrals …)
    open_cases: int = 0  # 待核查 / 核查中
    conflicts: int = 0  # clause texts decided both ways (the latest decision is used)
    too_short: int = 0

    @property
    def examples(self) -> list[Example]:
        return [d.example() for d in self.decisions]

    def counts(self) -> DecisionCounts:
        by_state = Counter(d.state for d in self.decisions)
        return DecisionCounts(
            ledger=self.ledger,
            positives=sum(1 for d in self.decisions if d.label != COMPLIANT),
            hard_negatives=sum(1 for d in self.decisions if d.label == COMPLIANT),
            by_state=dict(sorted(by_state.items())),
            skipped_no_clause_text=self.skipped_no_clause,
            open_cases_not_used=self.open_cases,
            conflicting_texts_latest_used=self.conflicts,
            too_short=self.too_short,
        )

    def records(self) -> list[dict[str, Any]]:
        return [asdict(d) for d in self.decisions]


def _family(standards: list[str], finding: dict[str, Any]) -> str:
    fams = [f for f in (family_of_code(c) for c in standards) if f]
    if fams:
        return max(set(fams), key=lambda f: (fams.count(f), -FAMILIES.index(f)))
    fam = finding.get("family")
    return fam if fam in FAMILIES else UNKNOWN_FAMILY


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read_decisions(path: str | Path | None) -> Decisions:
    """Decisions in the ledger at ``path``; an empty result when there is no such file."""
    if path is None or not Path(path).is_file():
        return Decisions(ledger=None)
    target = Path(path)
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise LedgerOpenError(path=str(target), detail=str(exc)) from None
    conn.row_factory = sqlite3.Row
    try:
        cases = [dict(r) for r in conn.execute("select * from cases order by id")]
        rows = [
            dict(r)
            for r in conn.execute(
                "select case_id, finding_id, doc_sha256, clause, standard, data from findings "
                "where case_id is not null order by id"
            )
        ]
    except sqlite3.Error as exc:
        raise LedgerOpenError(path=str(target), detail=f"无法读取案件和筛查结果：{exc}") from None
    finally:
        conn.close()
    return decisions_from_rows(cases, rows, ledger=str(target))


def decisions_from_rows(
    cases: list[dict[str, Any]], findings: list[dict[str, Any]], *, ledger: str | None = None
) -> Decisions:
    """The pure part of :func:`read_decisions`: ledger rows → decisions (tested table-driven)."""
    out = Decisions(ledger=ledger)
    by_case: dict[int, list[dict[str, Any]]] = {}
    for f in findings:
        by_case.setdefault(int(f["case_id"]), []).append(f)
    latest: dict[str, Decision] = {}
    labels_seen: dict[str, set[str]] = {}
    for case in sorted(cases, key=lambda c: (str(c.get("updated_at") or ""), int(c["id"]))):
        state = case["status"]
        if state in OPEN_STATES:
            out.open_cases += 1
            continue
        if state not in POSITIVE_STATES and state not in NEGATIVE_STATES:
            continue
        rows = by_case.get(int(case["id"]), [])
        if not rows:
            out.skipped_no_clause += 1
            continue
        standards = json.loads(case["standards"]) if case.get("standards") else []
        for f in rows:
            text = (f.get("clause") or "").strip()
            if len(text) < MIN_TEXT:
                out.too_short += 1
                continue
            try:
                data = json.loads(f["data"]) if f.get("data") else {}
            except ValueError:
                data = {}
            if state in NEGATIVE_STATES:
                label = COMPLIANT
            else:
                codes = standards or [c for c in [f.get("standard")] if c]
                label = _family(codes, data)
            key = _norm(text)
            labels_seen.setdefault(key, set()).add(COMPLIANT if label == COMPLIANT else "+")
            latest[key] = Decision(
                case_id=int(case["id"]),
                finding_id=str(f.get("finding_id") or ""),
                state=state,
                label=label,
                text=text,
                reason=str(case.get("decision_reason") or ""),
                standards=tuple(standards or ([f["standard"]] if f.get("standard") else [])),
                doc_sha256=str(f.get("doc_sha256") or ""),
                decided_at=str(case.get("updated_at") or ""),
            )
    out.conflicts = sum(1 for v in labels_seen.values() if len(v) > 1)
    out.decisions = sorted(latest.values(), key=lambda d: (d.case_id, d.finding_id, d.text))
    return out
