"""Importing complaints and clues into the ledger: duplicates, suggestions, reply deadlines.

Each work order becomes a complaint row. Before it opens a case it is compared with every open
case (its title, summary, complaints and the clauses of its findings) by character-bigram cosine
similarity: a near-identical text (≥ ``join_at``) joins that case, as repeat complaints about one
matter do; a similar one (≥ ``flag_at``) opens its own case but is flagged as a likely duplicate
for the reviewer. Orders already imported — same channel and 工单编号, or for exports without ids
the same text — are skipped, so importing the same export twice changes nothing.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .cases import CLOSED, DISMISSED
from .hotline import Export, WorkOrder
from .intake import DEFAULT_REPLY_DAYS, add_complaint, content_hash
from .views import redactor, shown_complaint


# When a complaint ``c`` was first answered: a reply to it, or to its whole case.
def first_reply_sql(until: str | None = None) -> str:
    """SQL for the time of a complaint's (alias ``c``) first reply: feedback linked to it, or to
    its case without naming a complaint. With ``until`` (a named parameter such as ``:day``),
    only replies given on or before that date count."""
    bound = f" and date(f.at) <= {until}" if until else ""
    return (
        "(select min(f.at) from feedback f where (f.complaint_id = c.id "
        f"or (f.complaint_id is null and f.case_id = c.case_id)){bound})"
    )


FIRST_REPLY_SQL = first_reply_sql()
JOIN_AT = 0.8
FLAG_AT = 0.4


def _bigrams(text: str) -> Counter[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。；：、,.;:（）()“”\"'"]
    return Counter(a + b for a, b in itertools.pairwise(chars))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


class OpenCases:
    """Bag-of-bigram vectors of the open cases' texts, updated as the import opens cases."""

    def __init__(self, db: Database) -> None:
        self.vectors: dict[int, Counter[str]] = {}
        texts: dict[int, list[str]] = {}
        for row in db.query(
            "select id, title, summary from cases where status not in (?, ?)", [DISMISSED, CLOSED]
        ):
            texts[row["id"]] = [row["title"] or "", row["summary"] or ""]
        for table, column in (("complaints", "content"), ("findings", "clause")):
            for row in db.query(f"select case_id, {column} as text from {table}"):
                if row["case_id"] in texts:
                    texts[row["case_id"]].append(row["text"] or "")
        for case_id, parts in texts.items():
            self.vectors[case_id] = _bigrams("\n".join(parts))

    def best(self, text: str) -> tuple[int | None, float]:
        v = _bigrams(text)
        scored = [(cosine(v, w), -cid) for cid, w in self.vectors.items()]
        if not scored:
            return None, 0.0
        sim, neg = max(scored)
        return -neg, round(sim, 4)

    def add(self, case_id: int, text: str) -> None:
        self.vectors[case_id] = self.vectors.get(case_id, Counter()) + _bigrams(text)


@dataclass(frozen=True)
class Outcome:
    """What happened to one work order."""

    row: int
    external_id: str
    action: str  # new | joined | skipped
    case_id: int | None
    similar_case: int | None = None  # the most similar open case, when ≥ FLAG_AT
    similarity: float = 0.0
    suggestion: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        if self.action == "skipped":
            return f"已导入过，跳过（案件 {self.case_id}）"
        if self.action == "joined":
            return f"与案件 {self.case_id} 为同一事项（相似度 {self.similarity:.2f}），已并入"
        flag = (
            f"；可能与案件 {self.similar_case} 重复（相似度 {self.similarity:.2f}），请核对"
            if self.similar_case
            else ""
        )
        return f"新建案件 {self.case_id}{flag}"


@dataclass(frozen=True)
class ImportResult:
    path: str
    outcomes: tuple[Outcome, ...]
    export: Export

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.outcomes)


def _already(db: Database, channel: str, order: WorkOrder) -> int | None:
    if order.external_id:
        sql = "select case_id from complaints where channel = ? and external_id = ?"
        rows = list(db.query(sql, [channel, order.external_id]))
    else:
        sql = "select case_id from complaints where content_hash = ? and received_at = ?"
        rows = list(db.query(sql, [content_hash(order.content), order.received_at or ""]))
    return int(rows[0]["case_id"]) if rows else None


def import_export(
    db: Database,
    export: Export,
    *,
    operator: str,
    channel: str = "12345",
    reply_days: int = DEFAULT_REPLY_DAYS,
    suggest: Callable[[str], dict[str, Any] | None] | None = None,
    threshold: float = 1.0,
    join_at: float = JOIN_AT,
    flag_at: float = FLAG_AT,
    received_default: str | None = None,
) -> ImportResult:
    """Register every work order of ``export``; each in its own transaction.

    ``suggest`` maps a complaint text to the engine's suggestion (score, standards, precedents);
    a new case takes the suggested standards only when the score reaches ``threshold``.
    """
    index = OpenCases(db)
    outcomes = []
    for order in export.orders:
        source_channel = order.channel or channel
        seen = _already(db, source_channel, order)
        if seen is not None:
            outcomes.append(Outcome(order.row, order.external_id, "skipped", seen))
            continue
        suggestion = suggest(order.content) if suggest else None
        similar, sim = index.best(order.content)
        join = similar if similar is not None and sim >= join_at else None
        flagged = similar if join is None and similar is not None and sim >= flag_at else None
        standards: list[str] = []
        if suggestion and suggestion["score"] >= threshold:
            standards = [s["code"] for s in suggestion["standards"][:1]]
        case_id = add_complaint(
            db,
            content=order.content,
            operator=operator,
            channel=source_channel,
            complainant=order.complainant,
            contact=order.contact,
            respondent=order.respondent,
            received_at=order.received_at or received_default,
            department=order.department or None,
            reply_days=reply_days,
            case_id=join,
            title=order.title,
            standards=standards,
            extra={
                "external_id": order.external_id or None,
                "screening": json.dumps(suggestion, ensure_ascii=False) if suggestion else None,
                "source_file": export.path,
                "source_row": order.row,
                "duplicate_of": flagged,
            },
        )
        index.add(case_id, order.content)
        outcomes.append(
            Outcome(
                order.row,
                order.external_id,
                "joined" if join else "new",
                case_id,
                similar_case=flagged,
                similarity=sim if (join or flagged) else 0.0,
                suggestion=suggestion,
            )
        )
    return ImportResult(export.path, tuple(outcomes), export)


def complaint_rows(
    db: Database,
    *,
    include_contacts: bool = False,
    unanswered: bool = False,
    overdue_on: str | None = None,
) -> list[dict[str, Any]]:
    """Complaints with their reply status; complainant name and contact only when asked for,
    and without ``include_contacts`` the personal data in their text masked (see ``views``).

    ``overdue_on`` (an ISO date) keeps complaints without a reply whose deadline is before it.
    """
    redact = redactor(db, include_contacts)
    rows = []
    sql = f"select c.*, {FIRST_REPLY_SQL} as replied_at from complaints c order by c.id"
    for r in db.query(sql):
        r = shown_complaint(r, redact, include_contacts)
        if unanswered and r["replied_at"]:
            continue
        if overdue_on and (r["replied_at"] or not r["reply_due"] or r["reply_due"] >= overdue_on):
            continue
        rows.append(r)
    return rows
