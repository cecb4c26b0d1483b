"""Importing complaints and clues into the ledger: duplicates, suggestions, reply deadlines.

Each work order becomes a complaint row. Before it opens a case it is compared with every open
case (its title, summary, complaints and the clauses of its findings) by character-bigram cosine
similarity: a near-identical text (≥ ``join_at``) joins that case, as repeat complaints about one
matter do; a similar one (≥ ``flag_at``) opens its own case but is flagged as a likely duplicate
for the reviewer. The comparison with all open cases is a sparse matrix product over exact
integer bigram counts: the very similarities a case-by-case loop gives, fast for tens of
thousands of open cases. Orders already imported — same channel and 工单编号, or for exports
without ids the same text — are skipped, so importing the same export twice changes nothing.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from .cases import CLOSED, DISMISSED, case_filter_sql
from .hotline import Export, WorkOrder
from .intake import DEFAULT_REPLY_DAYS, add_complaint, content_hash
from .views import FEEDBACK_TEXT, redactor, shown_complaint


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


def _squares(counts: Counter[str]) -> int:
    return sum(v * v for v in counts.values())


class _Block:
    """Bigram counts of some rows of open-case text, stored by bigram (column): for bigram
    column ``c``, entries ``indptr[c]:indptr[c + 1]`` hold the rows' case positions and counts.
    Scoring a text reads only the columns of the text's bigrams."""

    __slots__ = ("counts", "indptr", "positions", "rows")

    def __init__(
        self, cols: np.ndarray, positions: np.ndarray, counts: np.ndarray, n_cols: int, rows: int
    ) -> None:
        order = np.argsort(cols, kind="stable")
        self.indptr = np.zeros(n_cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=n_cols), out=self.indptr[1:])
        self.positions = positions[order]
        self.counts = counts[order]
        self.rows = rows  # how many texts the block holds

    def triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(column, position, count) of every entry."""
        cols = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return cols, self.positions, self.counts

    def dots(self, cols: np.ndarray, values: np.ndarray, n: int) -> np.ndarray | None:
        """Per case position: the dot product of these rows with the text's count vector
        (``values`` at bigram columns ``cols``)."""
        known = cols < len(self.indptr) - 1  # bigrams first met after this block was built
        cols, values = cols[known], values[known]
        starts = self.indptr[cols]
        lengths = self.indptr[cols + 1] - starts
        total = int(lengths.sum())
        if not total:
            return None
        entries = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        weights = self.counts[entries] * np.repeat(values, lengths)
        return np.bincount(self.positions[entries], weights=weights, minlength=n)


class OpenCases:
    """Bag-of-bigram count vectors of the open cases' texts, updated as the import opens cases.

    The counts are kept by bigram in a few blocks (the cases loaded at the start, then the
    texts added since, packed every :data:`BLOCK` texts and merged as they grow; a case that
    gains a complaint has entries in more than one block, which add up to its vector).
    :meth:`best` reads, per block, only the entries of the text's own bigrams. Counts are
    integers, so the cosines are exactly those of the former case-by-case loop (kept as
    the reference in tests/test_complaints_dedup.py).
    """

    BLOCK = 32  # texts added before they are packed into a block

    def __init__(self, db: Database) -> None:
        texts: dict[int, list[str]] = {}
        for row in db.query(
            "select id, title, summary from cases where status not in (?, ?)", [DISMISSED, CLOSED]
        ):
            texts[row["id"]] = [row["title"] or "", row["summary"] or ""]
        for table, column in (("complaints", "content"), ("findings", "clause")):
            for row in db.query(f"select case_id, {column} as text from {table}"):
                if row["case_id"] in texts:
                    texts[row["case_id"]].append(row["text"] or "")
        self._vocab: dict[str, int] = {}
        self._position: dict[int, int] = {}  # case id → position
        self._vectors: list[Counter[str]] = []  # per position: the case's whole vector
        self._ids = np.zeros(max(16, len(texts)), dtype=np.int64)  # per position (capacity)
        self._norms2 = np.zeros(len(self._ids))  # per position: squared norm of its vector
        self._blocks: list[_Block] = []
        self._pending: list[tuple[int, Counter[str]]] = []  # (position, counts) not yet packed
        rows = []
        for case_id, parts in texts.items():
            counts = _bigrams("\n".join(parts))
            rows.append((self._place(case_id, counts), counts))
        self._pack(rows)

    def __len__(self) -> int:
        return len(self._vectors)

    @property
    def ids(self) -> list[int]:
        """The open cases' ids, in the order :meth:`similarities` scores them."""
        return [int(i) for i in self._ids[: len(self)]]

    @property
    def vectors(self) -> dict[int, Counter[str]]:
        """Case id → its bigram count vector."""
        return dict(zip(self.ids, self._vectors, strict=True))

    def _place(self, case_id: int, counts: Counter[str]) -> int:
        """Add ``counts`` to the vector of ``case_id`` (a new position for a new case)."""
        pos = self._position.get(case_id)
        if pos is None:
            pos = self._position[case_id] = len(self)
            if pos == len(self._ids):
                self._ids = np.concatenate([self._ids, np.zeros_like(self._ids)])
                self._norms2 = np.concatenate([self._norms2, np.zeros_like(self._norms2)])
            self._ids[pos] = case_id
            self._vectors.append(counts)  # never changed in place: an addition makes a new one
        else:
            self._vectors[pos] = self._vectors[pos] + counts
        self._norms2[pos] = _squares(self._vectors[pos])
        return pos

    def _pack(self, rows: list[tuple[int, Counter[str]]]) -> None:
        """Put ``rows`` (position, counts) into a block, merging the newest blocks while the
        last one is no bigger (so there are only a few blocks, a large one first)."""
        if not rows:
            return
        vocab = self._vocab
        cols: list[int] = []
        positions: list[int] = []
        counts: list[int] = []
        for pos, row in rows:
            cols.extend(vocab.setdefault(k, len(vocab)) for k in row)
            counts.extend(row.values())
            positions.extend([pos] * len(row))
        parts = [
            (
                np.array(cols, dtype=np.int64),
                np.array(positions, dtype=np.int64),
                np.array(counts, dtype=np.float64),
            )
        ]
        n_rows = len(rows)
        while self._blocks and self._blocks[-1].rows <= n_rows:
            block = self._blocks.pop()
            parts.insert(0, block.triplets())
            n_rows += block.rows
        cols_, positions_, counts_ = (np.concatenate(x) for x in zip(*parts, strict=True))
        self._blocks.append(_Block(cols_, positions_, counts_, n_cols=len(vocab), rows=n_rows))

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of ``text`` with every open case (in the order of :attr:`ids`)."""
        n = len(self)
        query = _bigrams(text)
        out = np.zeros(n)
        if not query or not n:
            return out
        known = [(self._vocab[k], v) for k, v in query.items() if k in self._vocab]
        dots = np.zeros(n)
        if known:
            cols = np.array([c for c, _ in known], dtype=np.int64)
            values = np.array([v for _, v in known], dtype=np.float64)
            for block in self._blocks:
                part = block.dots(cols, values, n)
                if part is not None:
                    dots += part
        for pos, counts in self._pending:
            dots[pos] += sum(v * counts[k] for k, v in query.items() if k in counts)
        norms2 = self._norms2[:n] * float(_squares(query))
        nonzero = norms2 > 0
        out[nonzero] = dots[nonzero] / np.sqrt(norms2[nonzero])
        return out

    def best(self, text: str) -> tuple[int | None, float]:
        """The most similar open case (the lowest id among equals) and its similarity."""
        if not len(self):
            return None, 0.0
        sims = self.similarities(text)
        top = sims.max()
        case_id = int(self._ids[: len(self)][sims == top].min())
        return case_id, round(float(top), 4)

    def add(self, case_id: int, text: str) -> None:
        """Add ``text`` to the open case ``case_id`` (a new case, or one a complaint joined)."""
        counts = _bigrams(text)
        self._pending.append((self._place(case_id, counts), counts))
        if len(self._pending) >= self.BLOCK:
            self._pack(self._pending)
            self._pending = []


def similar_open_case(
    db: Database, text: str, flag_at: float = FLAG_AT
) -> tuple[int | None, float]:
    """The open case most similar to ``text`` and the similarity, when it reaches ``flag_at``;
    else ``(None, 0.0)`` (a case registered by hand is flagged, never joined)."""
    other, sim = OpenCases(db).best(text)
    return (other, sim) if other is not None and sim >= flag_at else (None, 0.0)


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
    departments: list[str] | tuple[str, ...] | set[str] | None = None,
) -> list[dict[str, Any]]:
    """Complaints with their reply status; complainant name and contact only when asked for,
    and without ``include_contacts`` the personal data in their text masked (see ``views``).

    ``overdue_on`` (an ISO date) keeps complaints without a reply whose deadline is before it;
    ``departments`` the complaints whose case belongs to one of them (as ``list_cases``).
    """
    redact = redactor(db, include_contacts)
    rows = []
    where: str = ""
    params: list[Any] = []
    if departments is not None:
        cases_where, params = case_filter_sql(departments=departments)
        where = f" where c.case_id in (select cases.id from cases{cases_where})"
    sql = f"select c.*, {FIRST_REPLY_SQL} as replied_at from complaints c{where} order by c.id"
    for r in db.query(sql, params):
        r = shown_complaint(r, redact, include_contacts)
        if unanswered and r["replied_at"]:
            continue
        if overdue_on and (r["replied_at"] or not r["reply_due"] or r["reply_due"] >= overdue_on):
            continue
        rows.append(r)
    return rows


def complaint_replies(
    db: Database, complaint_ids: list[int], *, include_contacts: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """Per complaint id: the replies recorded for it (feedback naming it, or its whole case),
    oldest first, their text masked unless asked (as ``complaint_rows``)."""
    if not complaint_ids:
        return {}
    redact = redactor(db, include_contacts)
    out: dict[int, list[dict[str, Any]]] = {int(i): [] for i in complaint_ids}
    marks = ", ".join("?" for _ in out)
    sql = (
        "select c.id as complaint, f.* from complaints c join feedback f "
        "on f.complaint_id = c.id or (f.complaint_id is null and f.case_id = c.case_id) "
        f"where c.id in ({marks}) order by f.at, f.id"
    )
    for row in db.query(sql, list(out)):
        key = int(row.pop("complaint"))
        out[key].append(redact.fields(row, FEEDBACK_TEXT))
    return out


def complaint_case(db: Database, complaint_id: int) -> int | None:
    """The case a complaint belongs to (None when there is no such complaint)."""
    rows = list(db.query("select case_id from complaints where id = ?", [complaint_id]))
    return int(rows[0]["case_id"]) if rows else None
