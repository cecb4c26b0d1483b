"""Compliant-text sample for training: clauses of real local regulations, with a fixed split.

Local regulations are mostly compliant wording, full of the same words as violations (许可,
备案, 本市, 奖励 …), which makes them the hard negatives a screener must learn from. A fixed
share of the 1,180 shared regulations (``TRAIN_SHARE`` percent, chosen by a hash of their
path, so a document's bucket never moves; 40 % since hybrid.v6, 20 % before) is sampled into
the corpus; the rest stay held out for measuring false alarms.

Build-time code (:mod:`tools.corpus_build`): it may use the screen layer (the lexicon picks
policy-document negatives, the lead-in features shape the evaluation sample); nothing at
runtime imports it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from screening.corpus.store import REGULATION_TRAIN_SHARE

REGULATIONS_DIR = "corpus-samples/local-regulations"
TRAIN_SHARE = REGULATION_TRAIN_SHARE  # percent of regulation documents whose clauses enter
PER_DOC = 30  # at most this many clauses per document
MIN_LEN, MAX_LEN = 8, 300


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def is_training_regulation(relpath: str, share: int = TRAIN_SHARE) -> bool:
    """True when a regulation (path relative to shared/) belongs to the training share.

    A larger ``share`` (``benchmarks/quality.py --train-share``) takes the same documents and
    more: the buckets are fixed, so a share's held-out part is inside every smaller share's."""
    return _bucket(relpath) < share


def regulation_files(shared: Path) -> list[Path]:
    return sorted((shared / REGULATIONS_DIR).rglob("*.md"))


def _training_clauses(
    shared: Path, share: int = TRAIN_SHARE
) -> Iterator[tuple[str, Any, list[Any]]]:
    """(relative path, document, its clauses in hash order) of the training share."""
    from screening.parse import parse_file
    from screening.segment import segment

    for path in regulation_files(shared):
        rel = path.relative_to(shared).as_posix()
        if not is_training_regulation(rel, share):
            continue
        doc = parse_file(path)
        clauses = [
            c
            for c in segment(doc)
            if c.kind in ("sentence", "list_item") and MIN_LEN <= len(c.text) <= MAX_LEN
        ]
        clauses.sort(key=lambda c: hashlib.sha256(f"{rel}#{c.start}".encode()).hexdigest())
        yield rel, doc, clauses


def _record(rel: str, doc: Any, c: Any, label: str, prefix: str = "neg") -> dict[str, Any]:
    """One negative clause record with its provenance (id: ``prefix`` + hash of its place)."""
    return {
        "id": f"{prefix}-{hashlib.sha256(f'{rel}#{c.start}'.encode()).hexdigest()[:12]}",
        "text": c.text,
        "article_path": c.article_path,
        "label": label,
        "provenance": {
            "source": rel,
            "sha256": doc.sha256,
            "locator": f"字符 {c.start}-{c.end}",
            "note": None,
            "imported_at": None,
        },
    }


def sample_negatives(shared: Path, share: int = TRAIN_SHARE) -> Iterator[dict[str, Any]]:
    """Yield negative clause records from the training share, in a stable order."""
    for rel, doc, clauses in _training_clauses(shared, share):
        for c in sorted(clauses[:PER_DOC], key=lambda c: c.start):
            yield _record(rel, doc, c, "compliant_presumed")  # not checked clause by clause


HARD_LABEL = "compliant_presumed_hard"


def sample_hard_negatives(shared: Path, share: int = TRAIN_SHARE) -> Iterator[dict[str, Any]]:
    """The rest of the training share's clauses that carry a trigger word (lexicon.v1).

    :func:`sample_negatives` takes at most :data:`PER_DOC` clauses per document at random, so
    of the clauses a sweep's first stage passes to the model (those with trigger words: 许可,
    本市, 注册资本 …) it sees about one in four. These are the clauses false alarms come from.
    They are a separate sample (label ``compliant_presumed_hard``): a model may train on them,
    but the false-alarm budget is still measured on the random sample, whose mix of clauses is
    a sweep's. Same documents, so the held-out part stays unseen.
    """
    from screening.screen.lexicon import read_signals

    for rel, doc, clauses in _training_clauses(shared, share):
        for c in sorted(clauses[PER_DOC:], key=lambda c: c.start):
            if read_signals(c.text).families:
                yield _record(rel, doc, c, HARD_LABEL)


POLICY_DIR = "corpus-samples/policy-docs"
# Trigger families that carry barrier meaning; clauses with only genre words (采购, 申报条件,
# 许可) and none of these are boilerplate of procurement notices and policy documents.
BARRIER_TRIGGERS = frozenset(
    {
        "region",
        "registration",
        "designation",
        "reward",
        "deposit",
        "price",
        "exit",
        "quantity",
        "ownership",
    }
)


def sample_policy_negatives(shared: Path, exclude: set[str]) -> Iterator[dict[str, Any]]:
    """Weakly-labelled compliant clauses in the genre users screen (notices, procurement).

    The regulations alone teach the model that anything in policy-document or procurement
    style is suspect. Clauses of the shared policy documents that contain none of the
    barrier-type triggers (contact lines, procedures, document lists, titles) are added as
    presumed-compliant examples. Documents in ``exclude`` (the demo samples) are left out.
    """
    from screening.parse import parse_file
    from screening.screen.lexicon import read_signals
    from screening.segment import segment

    for path in sorted((shared / POLICY_DIR).glob("*.txt")):
        rel = path.relative_to(shared).as_posix()
        if path.name in exclude:
            continue
        doc = parse_file(path)
        for c in segment(doc):
            if not MIN_LEN <= len(c.text) <= MAX_LEN:
                continue
            if read_signals(c.text).families & BARRIER_TRIGGERS:
                continue
            # no barrier-type trigger word (lexicon.v1)
            yield _record(rel, doc, c, "compliant_weak", prefix="negp")


EVAL_PER_DOC = 8  # compliant evaluation sample: at most this many clauses per held-out document


def sample_compliant_eval(
    shared: Path, per_doc: int = EVAL_PER_DOC, exclude_texts: frozenset[str] = frozenset()
) -> Iterator[dict[str, Any]]:
    """The fixed compliant sample for evaluation: clauses of the held-out regulations.

    Written once (scripts/build_eval_split.py), when the share was 20 %: the committed sample
    holds clauses of the other 80 %; ``learning.evalset`` leaves out those of documents a
    larger share now trains on.

    Same clause filter as :func:`sample_negatives`, a differently salted hash picks at most
    ``per_doc`` clauses per document, and each clause keeps its list lead-in (the "……如下："
    line that governs it), so it is scored exactly as in a scanned document. No document of the
    training share is used, and clauses whose exact text also occurs among the training
    negatives (``exclude_texts``: boilerplate such as "本条例自……起施行") are left out, so no
    model has seen these clauses.
    """
    from screening.parse import parse_file
    from screening.screen.features import leadins
    from screening.segment import segment

    for path in regulation_files(shared):
        rel = path.relative_to(shared).as_posix()
        if is_training_regulation(rel):
            continue
        doc = parse_file(path)
        clauses = segment(doc)
        leads = dict(zip((c.index for c in clauses), leadins(clauses), strict=True))
        picked = [
            c
            for c in clauses
            if c.kind in ("sentence", "list_item")
            and MIN_LEN <= len(c.text) <= MAX_LEN
            and c.text not in exclude_texts
        ]
        picked.sort(key=lambda c: hashlib.sha256(f"eval:{rel}#{c.start}".encode()).hexdigest())
        for c in sorted(picked[:per_doc], key=lambda c: c.start):
            yield {
                "id": f"cmp-{hashlib.sha256(f'{rel}#{c.start}'.encode()).hexdigest()[:12]}",
                "text": c.text,
                "leadin": leads[c.index],
                "article_path": c.article_path,
                "provenance": {"source": rel, "locator": f"字符 {c.start}-{c.end}"},
            }
