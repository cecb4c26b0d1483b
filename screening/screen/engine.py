"""The screening engine: a cheap first stage, then embeddings and the classifier, then findings.

Stage 1 (every clause, ~18,000 clauses/s): a clause goes on when it has a barrier-shaped
combination of lexicon triggers, or at least one trigger word and a passing score from the
character TF-IDF gate learned from the corpus, or no trigger word but a gate score as rare on
compliant regulations as the model's ``gate_threshold_alone``, or a match of a tender rule
(``screen.tender``: the items of 《招标投标领域公平竞争审查规则》, read with the tender document's
structure). A clause with none of these is never scored.
Stage 2 (the rest): both embedders, precedent similarities, lexicon and modality features, and
the calibrated classifier. Since hybrid.v7 it starts with stage 2a (``model.Cascade``): a
classifier over the same features without the first embedder's (e5, most of a sweep's time;
with ``Recipe.cascade_gate``, also the stage-1 gate's score);
a clause it scores below its threshold — set in training to let through all but 0.5 % of the
barriers the full model finds — and that no tender rule matched gets no e5 vector and no score.
A tender rule's match scores at least the rule's weight. A clause whose score reaches the
threshold becomes a Finding with its standards (quoting the bundled text; FCR codes, then the ZB
codes of a clause in a tender context), nearest precedents, a one-sentence rationale, its 1670号
class, an exception note and the negative-list check. Nothing is silently dropped: exceptions
are notes, not filters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import versions
from ..config import Settings
from ..corpus import load_standards
from ..corpus.schema import FAMILIES
from ..lang.zh.doctypes import legal_rank
from ..lang.zh.tenderkinds import is_tender_kind, mentions_procurement
from ..parse import DocumentBuilder
from ..segment import segment, structural_headings
from ..types import Clause, Document, Finding, StandardScore
from . import adjust
from .explain import (
    class_1670,
    exception_note,
    precedents_for,
    rank_codes,
    rationale,
    trigger_words,
)
from .features import ClauseView, leadins
from .labels import family_of_code
from .lexicon import is_candidate
from .model import Cascade, ScreeningModel, load_current
from .neglist_check import NegativeListChecker
from .suggest import Suggestion, sentences_of, suggestion
from .tender import (
    RuleHit,
    TenderCodes,
    TenderContext,
    document_kind,
    in_tender_context,
    read_structure,
    rule_hits,
    tender_rationale,
)

MIN_CLAUSE_CHARS = 6
# Clauses whose similarity matrices are computed together in a sweep (~27 MB per embedder).
SIMILARITY_ROWS = 256
# "为……，现决定开展……" / "为……，制定本办法": a document's purpose, not a condition it sets.
_PREAMBLE = re.compile(
    r"^(?:为了?|根据|按照)[^。；]{2,120}?[，,][^。；]{0,60}?(?:现|特|决定|制定|印发)"
)
# A trigger-less clause that forbids something is a rule about barriers, not one.
_FORBIDS = re.compile(r"不得|禁止|严禁|不准|不应|不允许")


@dataclass
class Stage1:
    """The clauses that passed the first stage, with their views, tender contexts and rules."""

    views: list[ClauseView] = field(default_factory=list)
    picked: list[Clause] = field(default_factory=list)
    contexts: list[TenderContext] = field(default_factory=list)
    hits: list[list[RuleHit]] = field(default_factory=list)
    gate: list[float] = field(default_factory=list)  # the gate's score (stage 2a reads it)

    def only(self, indexes: set[int]) -> Stage1:
        """The part of this stage-1 result whose clauses have an index in ``indexes``."""
        keep = [i for i, c in enumerate(self.picked) if c.index in indexes]
        return Stage1(
            [self.views[i] for i in keep],
            [self.picked[i] for i in keep],
            [self.contexts[i] for i in keep],
            [self.hits[i] for i in keep],
            [self.gate[i] for i in keep],
        )


@dataclass(frozen=True)
class Scored:
    """Stage 2 of one document's stage-1 clauses: ``rows`` (indexes into ``Stage1.picked``)
    are the clauses scored with every embedder, with their feature rows, first-embedder
    similarity rows and vectors; the others stage 2a left alone (``model.Cascade``)."""

    rows: np.ndarray
    X: np.ndarray
    sims: np.ndarray
    vectors: dict[str, np.ndarray]

    @staticmethod
    def empty() -> Scored:
        none = np.zeros(0, dtype=np.intp)
        return Scored(none, np.zeros((0, 0)), np.zeros((0, 0)), {})


@dataclass
class Stats:
    """How much of the text reached each stage (reported by scan and the benchmarks)."""

    documents: int = 0
    clauses: int = 0
    chars: int = 0
    stage1: int = 0  # clauses passing the cheap first stage → stage 2
    stage1_chars: int = 0
    stage2: int = 0  # of those, clauses scored with every embedder (the rest: stage 2a left them)
    findings: int = 0

    def add(self, other: Stats) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def finding_id(doc_sha256: str, start: int, end: int, standard: str | None) -> str:
    return hashlib.sha256(f"{doc_sha256}:{start}:{end}:{standard or ''}".encode()).hexdigest()[:16]


def located(doc: Document, clause: Clause, standard: str | None) -> dict[str, Any]:
    """The fields of a Finding that say which clause of which document it is about."""
    return {
        "finding_id": finding_id(doc.sha256, clause.start, clause.end, standard),
        "path": doc.path,
        "doc_sha256": doc.sha256,
        "clause_index": clause.index,
        "clause": clause.text,
        "start": clause.start,
        "end": clause.end,
        "page": clause.page,
        "article_path": clause.article_path,
    }


@dataclass
class Screener:
    """Screens Documents with a fitted model; holds the per-run embedding cache and stats."""

    settings: Settings
    model: ScreeningModel
    embedders: dict[str, Any]
    threshold: float | None = None
    stats: Stats = field(default_factory=Stats)
    # False: the engine as it was before tender screening (benchmarks compare the two)
    tender_rules: bool = True
    # False: no screening-time readings (reward basis, legal rank, sanctions: ``screen.adjust``;
    # chapter headings: ``segment.structural_headings``; act gates on codes: ``explain.
    # ACT_GATES``; the residual item "其他……" ranked after its article's listed items) — the
    # engine as it was before them (benchmarks compare the two)
    adjustments: bool = True
    # How much the nearest precedents' articles weigh beside the article model when ranking
    # codes (None: ``explain.ARTICLE_VOTE_MIX``; 0 the article model alone, as before issue 14)
    article_mix: float | None = None
    # False: article 15 is ranked whatever the clause's setting (``explain.OUT_OF_SETTING``)
    procurement_setting: bool = True
    # Stage 2a (``model.Cascade``): None — on when the model has one and the threshold is at
    # least the model's (a lower one asks for what the cascade was not set for); True / False:
    # on (when the model has one) / off, whatever the threshold (the benchmarks compare them).
    cascade: bool | None = None

    def __post_init__(self) -> None:
        self.standards = {s.code: s for s in load_standards(self.settings.corpus)}
        self.neglist = NegativeListChecker(Path(self.settings.corpus))
        self.tender = TenderCodes(self.settings.corpus, self.standards)
        self._vectors: dict[str, dict[str, np.ndarray]] = {n: {} for n in self.embedders}
        if self.threshold is None:
            self.threshold = self.model.threshold
        # What produced a finding: the model, and the registered component versions of the
        # running code (a loaded model never differs from them: a stale one is not loaded).
        self.engine = {
            "strategy": self.model.strategy,
            "model_id": self.model.model_id,
            "embedders": "+".join(self.model.embedder_names),
            "segmenter": versions.SEGMENTER,
            "lexicon": versions.LEXICON,
            "tender": versions.TENDER,
            "adjustments": versions.ADJUSTMENTS,
            "features": versions.FEATURES,
            "threshold": f"{self.threshold:.4f}",
            "negative_list": self.neglist.status.edition or "未导入",
        }

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, settings: Settings, *, threshold: float | None = None) -> Screener:
        """The current model from ``settings.models``. Never trains: with no model, or a stale
        one, raises ``ModelNotTrainedError`` (``learning.first_use`` trains explicitly)."""
        return cls.from_model(settings, load_current(settings), threshold=threshold)

    @classmethod
    def from_model(
        cls, settings: Settings, model: ScreeningModel, *, threshold: float | None = None
    ) -> Screener:
        """A screener for ``model`` with the embedders it was trained with."""
        from ..embed import get_embedder

        embedders = {n: get_embedder(n, settings) for n in model.embedder_names}
        return cls(settings, model, embedders, threshold)

    # -- scoring ---------------------------------------------------------------------------

    def _encode(
        self, texts: Sequence[str], names: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Vectors per embedder (``names``: only these); texts repeated across documents
        (boilerplate) embed once."""
        out = {}
        for name in names if names is not None else list(self.embedders):
            embedder = self.embedders[name]
            memo = self._vectors[name]
            if len(memo) > 100_000:  # bounded memory on province-wide sweeps
                memo.clear()
            missing = [t for t in dict.fromkeys(texts) if t not in memo]
            if missing:
                for t, v in zip(missing, embedder.encode(missing), strict=True):
                    memo[t] = v
            if texts:
                out[name] = np.stack([memo[t] for t in texts])
            else:  # e.g. stage 2a let nothing through
                dim = self.model.indexes[name].vectors.shape[1]
                out[name] = np.zeros((0, dim), dtype=np.float32)
        return out

    def stage1(
        self, clauses: Sequence[Clause], contexts: Sequence[TenderContext] | None = None
    ) -> Stage1:
        """The cheap first stage: which clauses go on to the embedders and the classifier.

        A clause a tender rule matches always goes on (``contexts``: its document's structure,
        from ``tender.read_structure``; without it, only the clause's own words count)."""
        leads = leadins(clauses)
        ctxs = list(contexts) if contexts is not None else [TenderContext(None)] * len(clauses)
        # A chapter or section heading names the articles under it and sets nothing itself
        # (``segment.structural_headings``); a screening-time reading, off with the others.
        structural = structural_headings(clauses) if self.adjustments else [False] * len(clauses)
        candidates = [
            (c, lead, ctx)
            for c, lead, ctx, heading in zip(clauses, leads, ctxs, structural, strict=True)
            if len(c.text) >= MIN_CLAUSE_CHARS and not heading
        ]
        gate = (
            self.model.gate_scores([c.text for c, _, _ in candidates])
            if candidates
            else np.zeros(0)
        )
        out = Stage1()
        for (clause, lead, ctx), g in zip(candidates, gate, strict=True):
            view = ClauseView.of(clause.text, lead)
            hits = self._tender_hits(clause.text, ctx, view)
            if hits or self._passes(view, float(g)):
                out.views.append(view)
                out.picked.append(clause)
                out.contexts.append(ctx)
                out.hits.append(hits)
                out.gate.append(float(g))
        return out

    def _tender_hits(self, text: str, ctx: TenderContext, view: ClauseView) -> list[RuleHit]:
        """Tender rule matches, none for an item under a forbidding lead-in (不得有下列行为：)."""
        if not self.tender_rules or (view.leadin and view.leadin.prohibits):
            return []
        return rule_hits(text, ctx)

    def _factors(self, views: Sequence[ClauseView], rank: str | None) -> np.ndarray:
        return adjust.factors(views, rank) if self.adjustments else np.ones(len(views))

    def _passes(self, view: ClauseView, gate_score: float) -> bool:
        # Barrier-shaped trigger combinations always pass; with a trigger word the learned gate
        # decides; with none, only a gate score as rare on compliant text as the model's
        # ``gate_threshold_alone`` (clauses like "由某液化气站负责经营本区域" have no trigger) —
        # and never a title (……的通知), a purpose preamble or a prohibition (安排财政支出不得与
        # ……挂钩), which impose nothing. (Not every heading-kind clause: a document's first
        # line is one, and may be the clause itself.)
        if is_candidate(view.signals):
            return True
        if view.signals.families:
            return gate_score >= self.model.gate_threshold
        return (
            gate_score >= self.model.gate_threshold_alone
            and not view.signals.looks_like_title
            and not _PREAMBLE.match(view.text)
            and not _FORBIDS.search(view.text)
        )

    def score_clauses(
        self, texts: Sequence[str], leadin_texts: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Barrier scores of isolated clauses (with their list lead-ins), through both stages.

        A clause stage 1 leaves alone scores 0, exactly as it would never become a finding in
        a document; used to measure false alarms on the fixed compliant sample.
        """
        leads = list(leadin_texts) if leadin_texts is not None else [None] * len(texts)
        scores = np.zeros(len(texts))
        idx = [i for i, t in enumerate(texts) if len(t) >= MIN_CLAUSE_CHARS]
        gate = self.model.gate_scores([texts[i] for i in idx]) if idx else np.zeros(0)
        views, keep = [], []
        rules = np.zeros(len(texts))
        for i, g in zip(idx, gate, strict=True):
            view = ClauseView.of(texts[i], leads[i])
            hits = self._tender_hits(texts[i], TenderContext(None), view)
            rules[i] = max((h.weight for h in hits), default=0.0)
            if hits or self._passes(view, float(g)):
                views.append(view)
                keep.append(i)
        for start in range(0, len(keep), 512):  # bounded memory on large samples
            part = keep[start : start + 512]
            vectors = self._encode([texts[i] for i in part])
            X, _ = self.model.features(views[start : start + 512], vectors)
            scores[part] = self.model.classifier.barrier_proba(X) * self._factors(
                views[start : start + 512], None
            )
        return np.maximum(scores, rules)

    def screen_document(
        self,
        doc: Document,
        clauses: Sequence[Clause] | None = None,
        stage1: Stage1 | None = None,
        scored: Scored | None = None,
    ) -> list[Finding]:
        """The findings of ``doc`` (``clauses``, ``stage1``, ``scored``: already computed for
        it, as :meth:`screen_many` does for a group of documents)."""
        clauses = list(segment(doc) if clauses is None else clauses)
        stats = Stats(documents=1, clauses=len(clauses), chars=len(doc.text))
        first = stage1 if stage1 is not None else self.stage1(clauses, read_structure(doc, clauses))
        picked = first.picked
        stats.stage1 = len(picked)
        stats.stage1_chars = sum(len(c.text) for c in picked)
        findings: list[Finding] = []
        scored = scored if scored is not None else self._stage2([first])[0]
        stats.stage2 = len(scored.rows)
        if len(scored.rows):
            rows, X, vectors = scored.rows, scored.X, scored.vectors
            views = [first.views[r] for r in rows]
            # A tender rule's match is evidence of its own: the clause scores at least its weight.
            rule_score = np.array(
                [max((h.weight for h in first.hits[r]), default=0.0) for r in rows]
            )
            rank = legal_rank(doc.text)
            setting = mentions_procurement(doc.metadata.title, Path(doc.path).name) or any(
                is_tender_kind(c.doc_kind) for c in first.contexts
            )
            learned = self.model.classifier.barrier_proba(X) * self._factors(views, rank)
            barrier = np.maximum(learned, rule_score)
            hits = np.flatnonzero(barrier >= self.threshold)
            if len(hits):
                fam_probs = self.model.classifier.family_proba(X[hits])
                art_probs = self.model.articles.article_proba(X[hits])
                item_probs = self.model.item_probs({n: v[hits] for n, v in vectors.items()})
                for j, k in enumerate(hits):
                    i = rows[k]
                    findings.append(
                        self._finding(
                            doc,
                            picked[i],
                            first.views[i],
                            float(barrier[k]),
                            fam_probs[j],
                            art_probs[j],
                            scored.sims[k],
                            first.contexts[i],
                            first.hits[i],
                            rank,
                            item_probs[j] if item_probs else None,
                            setting or mentions_procurement(picked[i].text),
                        )
                    )
        stats.findings = len(findings)
        self.stats.add(stats)
        return findings

    def ranking_options(self, text: str, procurement: bool | None) -> dict[str, Any]:
        """How this screener ranks the codes of ``text`` (``explain.code_factors``' options):
        its article blend, and the readings it has switched on (the procurement setting; the
        act gates and the residual item's place with ``adjustments``). One place, so that
        ``scan``/``check`` and the draft-review suggestion rank alike."""
        return {
            "article_mix": self.article_mix,
            "procurement": procurement if self.procurement_setting else None,
            "text": text if self.adjustments else None,
            "residual_last": self.adjustments,
        }

    def _finding(
        self,
        doc: Document,
        clause: Clause,
        view: ClauseView,
        score: float,
        fam_probs: np.ndarray,
        art_probs: dict[int, float],
        sims_row: np.ndarray,
        ctx: TenderContext,
        tender_hits: Sequence[RuleHit] = (),
        rank: str | None = None,
        item_probs: dict[str, float] | None = None,
        procurement: bool | None = None,
    ) -> Finding:
        ranked = rank_codes(
            score,
            art_probs,
            sims_row,
            self.model.index,
            self.standards,
            item_probs=item_probs,
            **self.ranking_options(clause.text, procurement),
        )
        if tender_hits:  # the FCR items the matched tender construction maps to
            by_rule = self.tender.fcr_for_hits(score, tender_hits)
            ranked = sorted(
                [*by_rule, *[r for r in ranked if r.code not in {b.code for b in by_rule}]],
                key=lambda s: (-s.score, s.code),
            )[:5]
        family = FAMILIES[int(np.argmax(fam_probs))]
        list_check = self.neglist.check(clause.text)
        if list_check and list_check.code and list_check.code in self.standards:
            fam9 = score * float(fam_probs[0])
            extra = StandardScore(
                list_check.code, round(fam9, 4), self.standards[list_check.code].text
            )
            ranked = sorted(
                [extra, *[r for r in ranked if r.code != extra.code]],
                key=lambda s: (-s.score, s.code),
            )
        primary = ranked[0] if ranked else None
        if primary is not None:  # keep the family consistent with the cited standard
            family = family_of_code(primary.code) or family
        precedents = precedents_for(sims_row, self.model.index)
        compliant_hint = (
            view.signals.compliant_modality
            or bool(view.signals.legal_basis and not view.signals.operator_ban)
            or bool(view.leadin and (view.leadin.prohibits or view.leadin.equal))
        )
        zb: list[StandardScore] = []
        if self.tender_rules and (
            tender_hits
            or in_tender_context(clause.text, ctx)
            or self.tender.near_tender_case(sims_row, self.model.index)
        ):
            zb = self.tender.codes(score, tender_hits, ranked, sims_row, self.model.index)
        why = rationale(view.signals, primary, family, precedents, compliant_hint)
        if self.adjustments and not tender_hits:
            why += adjust.notes(view, rank)
        if tender_hits or zb:
            why = tender_rationale(ctx, tender_hits, zb) + why
        return Finding(
            **located(doc, clause, primary.code if primary else None),
            score=round(score, 4),
            standard=primary.code if primary else None,
            standards=(*ranked, *zb),
            family=family,
            class_1670=class_1670(family, clause.text, view.signals),
            precedents=precedents,
            rationale=why,
            triggers=(
                *dict.fromkeys(
                    [*(h.evidence for h in tender_hits), *trigger_words(view.signals, 8)]
                ),
            )[:8],
            exception_note=exception_note(clause.text, self.standards),
            negative_list_note=list_check.note if list_check else None,
            engine=dict(self.engine),
            doc_kind=ctx.doc_kind or document_kind(doc),
            tender_section=ctx.section,
            points=ctx.row.points if ctx.row else None,
            legal_rank=rank,
        )

    # -- conveniences ----------------------------------------------------------------------

    def check_text(self, text: str, path: str = "<输入文本>") -> list[Finding]:
        """Screen a piece of text typed or pasted by a reviewer (``screening check``)."""
        builder = DocumentBuilder()
        for line in text.splitlines() or [text]:
            builder.add(line)
        doc = builder.build(
            path=Path(path), sha256=hashlib.sha256(text.encode()).hexdigest(), fmt="txt"
        )
        return self.screen_document(doc)

    def suggest(self, text: str) -> Suggestion | None:
        """Which standards and precedents a complaint or clue resembles (``screen.suggest``):
        every sentence is scored, trigger words or not; None when none is long enough to judge."""
        sentences = sentences_of(text)
        return suggestion(self, sentences, self._encode(sentences)) if sentences else None

    def screen_many(
        self, docs: Iterable[Document], batch: int = 16
    ) -> Iterable[tuple[Document, list[Finding]]]:
        """Screen documents in groups whose stage-2 clauses are embedded together.

        Embedding a few clauses per call wastes most of e5's time on per-call overhead and
        padding; batching across documents roughly doubles the sweep rate.
        """
        group: list[tuple[Document, list[Clause]]] = []
        for doc in docs:
            group.append((doc, segment(doc)))
            if len(group) >= batch:
                yield from self._screen_group(group)
                group = []
        yield from self._screen_group(group)

    def _screen_group(
        self, group: list[tuple[Document, list[Clause]]]
    ) -> Iterable[tuple[Document, list[Finding]]]:
        firsts = [self.stage1(clauses, read_structure(doc, clauses)) for doc, clauses in group]
        scored = self._stage2(firsts)
        for (doc, clauses), first, done in zip(group, firsts, scored, strict=True):
            yield doc, self.screen_document(doc, clauses, first, done)

    def _cascading(self) -> Cascade | None:
        """The model's stage 2a when this screener uses it (see :attr:`cascade`)."""
        cascade = getattr(self.model, "cascade", None)  # absent from models before hybrid.v7
        if cascade is None or self.cascade is False:
            return None
        if self.cascade is None and (self.threshold or 0.0) < self.model.threshold:
            return None
        return cascade

    def _stage2(self, firsts: Sequence[Stage1]) -> list[Scored]:
        """Stage 2 of several documents' stage-1 clauses, computed together: the embedders
        stage 2a does not skip are called once for all of them, the one it may skip once per
        chunk (a few clauses per call waste most of e5's time on per-call overhead and
        padding), the similarity matrices for at most SIMILARITY_ROWS clauses at a
        time (a few rows against tens of thousands of index entries is bound by memory traffic,
        a few hundred by arithmetic; a larger document alone). With stage 2a, the clauses its
        classifier scores below its threshold, and that no tender rule matched, are never
        embedded by the embedder it does without, and get no score."""
        cascade = self._cascading()
        names = list(self.model.embedder_names)
        cheap = [n for n in names if cascade is None or n != cascade.embedder]
        texts = [c.text for first in firsts for c in first.picked]
        if texts:
            self._encode(texts, cheap)  # fills the per-run caches in one call per embedder
        out: list[Scored] = []
        start = 0
        while start < len(firsts):
            end, size = start, 0
            while end < len(firsts) and (
                end == start or size + len(firsts[end].picked) <= SIMILARITY_ROWS
            ):
                size += len(firsts[end].picked)
                end += 1
            out += self._stage2_part(firsts[start:end], cascade, cheap)
            start = end
        return out

    def _stage2_part(
        self, firsts: Sequence[Stage1], cascade: Cascade | None, cheap: list[str]
    ) -> list[Scored]:
        texts = [c.text for first in firsts for c in first.picked]
        views = [v for first in firsts for v in first.views]
        if not texts:
            return [Scored.empty() for _ in firsts]
        vectors = self._encode(texts, cheap)
        sims = self.model.similarities(vectors, cheap)
        keep = np.arange(len(texts))
        if cascade is not None:
            gate = [g for first in firsts for g in first.gate]
            p = cascade.classifier.barrier_proba(
                self.model.cheap_features(views, vectors, sims, gate)
            )
            ruled = np.array([bool(h) for first in firsts for h in first.hits], dtype=bool)
            keep = np.flatnonzero((p >= cascade.threshold) | ruled)
            rest = self._encode([texts[i] for i in keep], [cascade.embedder])
            vectors = {**{n: v[keep] for n, v in vectors.items()}, **rest}
            sims = {
                **{n: m[keep] for n, m in sims.items()},
                **self.model.similarities(rest, [cascade.embedder]),
            }
        X, first_sims = (
            self.model.features([views[i] for i in keep], vectors, sims=sims)
            if len(keep)
            else (np.zeros((0, 0)), np.zeros((0, 0)))
        )
        out, offset = [], 0
        for first in firsts:
            n = len(first.picked)
            mine = np.flatnonzero((keep >= offset) & (keep < offset + n))
            out.append(
                Scored(
                    rows=keep[mine] - offset,
                    X=X[mine],
                    sims=first_sims[mine],
                    vectors={name: v[mine] for name, v in vectors.items()},
                )
            )
            offset += n
        return out
