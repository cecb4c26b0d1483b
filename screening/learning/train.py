"""Training data, fitting and the card of a screening model (classifier + precedent index).

Positives are the offending wordings of notified cases; negatives are presumed-compliant
clauses of local regulations (the corpus sample) and the clauses of the bundled rule texts
(full of 不得… wording, read with their list lead-ins). Similarity features of a training
example are computed with its own group (notice, duplicate group, source document) hidden, so
no example learns from itself. The threshold is chosen on out-of-fold scores of the training
data only. Scoring with the fitted model is ``screening.screen``'s job; this module only fits.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import versions
from ..config import Settings
from ..corpus import load_cases, load_exemplars, load_guidance, load_negatives, load_standards
from ..corpus.schema import Case
from ..corpus.store import REGULATION_TRAIN_SHARE
from ..domain import FAMILIES
from ..errors import ModelError
from ..screen.classifier import (
    COMPLIANT,
    UNKNOWN_FAMILY,
    ArticleClassifier,
    BarrierClassifier,
    ItemClassifier,
)
from ..screen.embcache import EmbeddingCache
from ..screen.features import ClauseView, feature_names, leadins
from ..screen.labels import article_of, case_family, is_item_code
from ..screen.lexicon import read_signals
from ..screen.model import (
    Cascade,
    ScreeningModel,
    combined_features,
    embedder_columns,
    gate_logit,
    item_vectors,
)
from ..screen.precedents import (
    Entry,
    PrecedentIndex,
    case_entries,
    exemplar_entries,
    guidance_entries,
    standard_entries,
)
from .card import CascadeInfo, GateInfo, ModelCard, TrainingCounts

# Two embedders: e5 (best retrieval, slow on CPU) and USE (fast); their features together
# separate barriers from compliant wording markedly better than either alone (benchmarks).
EMBEDDERS = ("e5-small.v1", "use-m.v1")
GATE_RECALL = 0.975  # the cheap first stage keeps this share of training barriers (out of fold)
# A clause with no trigger word passes the first stage when its gate score is as rare as this
# share of the trigger-less training regulation clauses (out of fold): +0.3 % of a sweep's
# clauses, against +3.2 % for the trigger-word threshold (benchmarks/quality.py, issue 14).
GATE_ALONE_BUDGET = 0.005
# The default threshold keeps the out-of-fold false-alarm rate on presumed-compliant regulation
# clauses at or under this budget: reviewers read every finding, so precision is the constraint.
FALSE_ALARM_BUDGET = 0.002
# Stage 2a (``screen.model.Cascade``): a classifier without the first embedder (e5, about 60 %
# of a sweep's time) lets through all but this share of the barriers the full model finds in
# training (out of fold); the rest of the clauses are never embedded by e5. Half of issue 15's
# quality tolerance (span recall within 0.01).
CASCADE_MISS = 0.005


@dataclass(frozen=True)
class Recipe:
    """Which of issue 14's levers a model is trained with. All on by default; the benchmarks
    switch them off to show today's model beside the new one, trained in the same run."""

    gate_alone: bool = True  # trigger-less clauses may pass stage 1 on a rare gate score
    exemplars: bool = True  # item exemplars vote on items and train the article model
    item_model: bool = True  # an item model ranks items within an article beside the votes
    # the training regulations' other trigger-bearing clauses train the model too (the
    # false-alarm budget stays measured on the random sample)
    hard_negatives: bool = True
    # the stage-1 gate reads jieba words beside character n-grams (``screen.words``)
    word_gate: bool = True
    # with two or more embedders: stage 2a, a classifier without the first (``CASCADE_MISS``)
    cascade: bool = True
    # stage 2a also reads the stage-1 gate's score. Off: measured to embed 42 % fewer clauses
    # with e5 but to lose one held-out span of 76 (recall -0.014, outside issue 15's 0.01;
    # ``benchmarks/quality.py --engines v2,v2g``)
    cascade_gate: bool = False

    @property
    def tag(self) -> str:
        """ "" for the default recipe, else the switched-off levers (part of the model id)."""
        levers = (
            ("gate_alone", self.gate_alone),
            ("exemplars", self.exemplars),
            ("item_model", self.item_model),
            ("hard_negatives", self.hard_negatives),
            ("word_gate", self.word_gate),
            ("cascade", self.cascade),
        )
        off = [f"no_{name}" for name, on in levers if not on]
        on = ["cascade_gate"] if self.cascade_gate else []  # the lever that is off by default
        return "-".join(off + on)


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # COMPLIANT, UNKNOWN_FAMILY or a family name
    group: str
    source: str  # case | negative | law | decision
    leadin: str | None = None
    codes: tuple[str, ...] = ()
    ref: str = ""  # case id / negative id / law file


@dataclass
class TrainingData:
    examples: list[Example]
    entries: list[Entry]  # the precedent index (positives and negatives)
    info: TrainingCounts = field(default_factory=TrainingCounts)

    def digest(self) -> str:
        h = hashlib.sha256()
        for e in self.examples:
            h.update(f"{e.label}\t{e.group}\t{e.text}\n".encode())
        for x in self.entries:  # exemplars are no examples, but they shape the model
            if x.kind == "exemplar":
                h.update(f"exemplar\t{x.codes[0]}\t{x.text}\n".encode())
        return h.hexdigest()


NEGATIVE_KINDS = {"compliant_weak": "negative_policy", "compliant_presumed_hard": "negative_hard"}


# The rule texts whose clauses are compliant training examples. Listed, not globbed: a law
# text added to corpus/laws changes every model trained from it, so it joins training only by
# a decision with measured figures. 招标投标领域公平竞争审查规则 is in the corpus (issue 19
# makes it a second standard set) but not here: as compliant examples its 不得… clauses moved
# the held-out regulations flagged from 14.2 % to 16.5 % (span recall 0.763 → 0.776) in
# benchmarks/quality.py.
TRAINING_LAWS = (
    "公平竞争审查制度实施细则_2021_前身文件.txt",
    "公平竞争审查条例.txt",
    "公平竞争审查条例实施办法.txt",
    "关于完善市场准入制度的意见_2024_不完整.txt",
    "国家发展改革委关于建立违背市场准入负面清单案例归集和通报制度的通知_发改体改2021_1670号_不完整.txt",
)


def law_examples(corpus_dir: Path) -> list[Example]:
    """Every clause of the training rule texts (``TRAINING_LAWS``), as compliant examples."""
    from ..parse import parse_file
    from ..segment import segment

    out = []
    laws = corpus_dir / "laws"
    for path in sorted(laws / name for name in TRAINING_LAWS if (laws / name).is_file()):
        doc = parse_file(path)
        clauses = [c for c in segment(doc) if c.kind != "heading"]
        for clause, lead in zip(clauses, leadins(clauses), strict=True):
            if len(clause.text) >= 8:
                out.append(
                    Example(clause.text, COMPLIANT, f"law:{path.name}", "law", lead, ref=path.name)
                )
    return out


def training_data(
    corpus_dir: Path,
    *,
    cases: Sequence[Case] | None = None,
    include_laws: bool = True,
    decisions: Sequence[Example] = (),
    exemplars: bool = True,
    hard_negatives: bool = True,
) -> TrainingData:
    """Assemble examples and the precedent index from the corpus (and reviewers' decisions)."""
    cases = list(load_cases(corpus_dir) if cases is None else cases)
    standards = load_standards(corpus_dir)
    guidance = load_guidance(corpus_dir)
    examples: list[Example] = []
    for c in cases:
        fam = case_family(c) or UNKNOWN_FAMILY
        for span in c.offending_text:
            if len(span.strip()) >= 6:
                examples.append(
                    Example(
                        span.strip(), fam, c.group_id or c.id, "case", codes=c.standards, ref=c.id
                    )
                )
    negatives = load_negatives(corpus_dir)
    for n in negatives:
        # "negative": a regulation clause of the random sample (the false-alarm budget is set on
        # these); "negative_hard": the training regulations' other trigger-bearing clauses;
        # "negative_policy": weakly-labelled boilerplate of policy documents and notices.
        kind = NEGATIVE_KINDS.get(n.get("label"), "negative")
        if kind == "negative_hard" and not hard_negatives:
            continue
        group = f"doc:{n['provenance']['source']}"
        examples.append(Example(n["text"], COMPLIANT, group, kind, ref=n["id"]))
    if include_laws:
        examples.extend(law_examples(corpus_dir))
    examples.extend(decisions)
    entries = case_entries(cases) + guidance_entries(guidance) + standard_entries(standards)
    if exemplars:
        entries += exemplar_entries(load_exemplars(corpus_dir))
    for e in examples:
        if e.label == COMPLIANT:
            entries.append(Entry(e.ref, "negative", e.text, (), None, None, e.group))
        elif e.source == "decision":
            entries.append(
                Entry(
                    e.ref,
                    "case",
                    e.text,
                    e.codes,
                    e.label if e.label in FAMILIES else None,
                    "审查台账已认定",
                    e.group,
                )
            )
    info = TrainingCounts(
        positives=sum(1 for e in examples if e.label != COMPLIANT),
        negatives_regulations=sum(1 for e in examples if e.source == "negative"),
        negatives_regulations_hard=sum(1 for e in examples if e.source == "negative_hard") or None,
        negatives_policy_documents=sum(1 for e in examples if e.source == "negative_policy"),
        negatives_laws=sum(1 for e in examples if e.source == "law"),
        decisions=len(decisions),
        cases=len(cases),
        precedents=sum(1 for e in entries if e.kind != "negative"),
        by_family={f: sum(1 for e in examples if e.label == f) for f in (*FAMILIES, "?")},
    )
    return TrainingData(examples, entries, info)


@dataclass
class TrainedModel(ScreeningModel):
    """A freshly fitted model together with its card (what ``card.json`` will hold)."""

    card: ModelCard


def make_gate(seed: int = 0, words: bool = True) -> Any:
    """Stage 1: character 1–3-gram TF-IDF and, with ``words``, a TF-IDF of jieba word 1–2-grams
    beside it (``screen.words``; each part L2-normalised on its own), then a logistic
    regression. Characters alone: ~18,000 clauses/s; with words ~5,000 (jieba)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from ..screen.words import word_features

    chars = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, dtype=np.float32
    )
    lr = LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000, random_state=seed)
    if not words:
        return make_pipeline(chars, lr)
    word = TfidfVectorizer(analyzer=word_features, sublinear_tf=True, min_df=2, dtype=np.float32)
    return make_pipeline(make_union(chars, word), lr)


# Training examples whose similarity rows are computed together (benchmarks/train_memory.py).
FEATURE_ROWS = 1024


def _fit_features(
    data: TrainingData, caches: dict[str, EmbeddingCache]
) -> tuple[np.ndarray, np.ndarray, dict[str, PrecedentIndex]]:
    indexes, vectors = {}, {}
    texts = [e.text for e in data.examples]
    for name, cache in caches.items():
        indexes[name] = PrecedentIndex(data.entries, cache.encode([e.text for e in data.entries]))
        vectors[name] = cache.encode(texts)
    views = [ClauseView.of(e.text, e.leadin) for e in data.examples]
    groups = [e.group for e in data.examples]
    # Every example against every index entry (the negatives are entries too) is quadratic in
    # the corpus: in slices, so memory stays ~FEATURE_ROWS × entries, not examples × entries.
    X = np.vstack(
        [
            combined_features(
                indexes,
                list(caches),
                views[start : start + FEATURE_ROWS],
                {n: v[start : start + FEATURE_ROWS] for n, v in vectors.items()},
                groups[start : start + FEATURE_ROWS],
            )[0]
            for start in range(0, len(views), FEATURE_ROWS)
        ]
    )
    y = np.array([e.label for e in data.examples], dtype=object)
    return X, y, indexes


def choose_threshold(
    scores: np.ndarray, compliant: np.ndarray, budget: float = FALSE_ALARM_BUDGET
) -> float:
    """The lowest threshold whose false-alarm rate on ``compliant`` scores is within ``budget``."""
    neg = np.sort(scores[compliant])[::-1]
    if not len(neg):
        return 0.5
    allowed = int(np.floor(budget * len(neg)))
    return float(np.nextafter(neg[allowed], 1.0)) if allowed < len(neg) else 0.0


def out_of_fold(X: Any, y: np.ndarray, groups: Sequence[str], make: Any) -> np.ndarray:
    """Barrier scores for every training example from models that did not see its group."""
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(y))
    target = y != COMPLIANT
    for train_idx, test_idx in GroupKFold(n_splits=5).split(np.zeros(len(y)), y, groups):
        model = make()
        if isinstance(model, BarrierClassifier):
            scores[test_idx] = model.fit(X[train_idx], y[train_idx]).barrier_proba(X[test_idx])
        else:
            part = [X[i] for i in train_idx]
            model.fit(part, target[train_idx])
            scores[test_idx] = model.predict_proba([X[i] for i in test_idx])[:, 1]
    return scores


def fit_cascade(
    X: np.ndarray,
    y: np.ndarray,
    groups: Sequence[str],
    indexes: dict[str, PrecedentIndex],
    names: list[str],
    flagged: np.ndarray,
    counted: np.ndarray,
    gate_oof: np.ndarray | None,
    seed: int,
) -> tuple[Cascade, CascadeInfo]:
    """Stage 2a: a barrier classifier over every feature but the first embedder's, and the
    threshold that lets through all but ``CASCADE_MISS`` of the training barriers the full
    model flags out of fold (``flagged``; the same folds score the cascade's classifier).
    With ``gate_oof`` (``Recipe.cascade_gate``), the stage-1 gate's out-of-fold scores are
    one more column: stacked as out-of-fold scores, they stand for what the gate fitted on
    everything gives unseen text.

    The threshold is an observed score (``method="lower"``), so the out-of-fold miss it
    reports is at most ``CASCADE_MISS``; ``counted`` marks the training regulation clauses
    whose out-of-fold pass rate the card reports."""
    cols = np.setdiff1d(np.arange(X.shape[1]), embedder_columns(indexes, names, names[0]))
    Z = X[:, cols] if gate_oof is None else np.hstack([X[:, cols], gate_logit(gate_oof)])
    cheap = out_of_fold(Z, y, groups, lambda: BarrierClassifier(random_state=seed))
    found = flagged & (y != COMPLIANT)
    threshold = 0.0
    if found.any():
        threshold = float(np.quantile(cheap[found], CASCADE_MISS, method="lower"))
    clf = BarrierClassifier(random_state=seed).fit(Z, y)
    cascade = Cascade(
        embedder=names[0],
        columns=cols,
        classifier=clf,
        threshold=threshold,
        gate=gate_oof is not None,
    )
    kept = cheap >= threshold
    info = CascadeInfo(
        embedder=cascade.embedder,
        threshold=round(threshold, 6),
        rule=f"不用 {cascade.embedder}{'、读第一级门控评分' if cascade.gate else ' '}的分类器；"
        "训练集分组交叉验证中，完整模型报出的违规样本"
        f"至多漏掉 {CASCADE_MISS:.1%}，其余条款不再计算 {cascade.embedder} 句向量",
        oof_pass_rate_regulations=round(float(kept[counted].mean()), 4) if counted.any() else None,
        oof_miss=round(float((~kept[found]).mean()), 4) if found.any() else None,
    )
    return cascade, info


def train(
    settings: Settings,
    *,
    embedder_names: Sequence[str] = EMBEDDERS,
    cases: Sequence[Case] | None = None,
    include_laws: bool = True,
    decisions: Sequence[Example] = (),
    seed: int = 0,
    embedders: dict[str, Any] | None = None,
    recipe: Recipe = Recipe(),
) -> TrainedModel:
    """Fit a model from the corpus in ``settings.corpus``; deterministic for a given seed."""
    from ..embed import get_embedder

    t0 = time.perf_counter()
    data = training_data(
        Path(settings.corpus),
        cases=cases,
        include_laws=include_laws,
        decisions=decisions,
        exemplars=recipe.exemplars,
        hard_negatives=recipe.hard_negatives,
    )
    if not data.info.positives:
        raise ModelError(detail="知识库中没有带违规原文的案例，无法训练筛查模型。请检查 --corpus。")
    embedders = embedders or {n: get_embedder(n, settings) for n in embedder_names}
    caches = {
        n: EmbeddingCache(e, Path(settings.models) / "embeddings") for n, e in embedders.items()
    }
    X, y, indexes = _fit_features(data, caches)
    for cache in caches.values():
        cache.save()
    groups = [e.group for e in data.examples]
    texts = [e.text for e in data.examples]
    positive = y != COMPLIANT
    regulation = np.array([e.source == "negative" for e in data.examples])
    gate_oof = out_of_fold(texts, y, groups, lambda: make_gate(seed, recipe.word_gate))
    gate_threshold = float(np.quantile(gate_oof[positive], 1 - GATE_RECALL))
    oof = out_of_fold(X, y, groups, lambda: BarrierClassifier(random_state=seed))
    oof = np.where(gate_oof >= gate_threshold, oof, 0.0)  # what the cascade would report
    threshold = choose_threshold(oof, regulation)
    gate_alone = np.inf
    if recipe.gate_alone:
        free = regulation & np.array([not read_signals(t).families for t in texts])
        if free.any():
            quantile = float(np.quantile(gate_oof[free], 1 - GATE_ALONE_BUDGET))
            gate_alone = max(quantile, gate_threshold)
    gate = make_gate(seed, recipe.word_gate).fit(texts, positive)
    clf = BarrierClassifier(random_state=seed).fit(X, y)
    cascade, cascade_info = None, None
    if recipe.cascade and len(caches) > 1:
        counted = regulation & (gate_oof >= gate_threshold)
        cascade, cascade_info = fit_cascade(
            X,
            y,
            groups,
            indexes,
            list(caches),
            oof >= threshold,
            counted,
            gate_oof if recipe.cascade_gate else None,
            seed,
        )
    article_rows, article_labels = [], []
    for i, e in enumerate(data.examples):
        article = article_label(e)
        if article is not None:
            article_rows.append(i)
            article_labels.append(article)
    X_articles = X[article_rows]
    exemplars = [e for e in data.entries if e.kind == "exemplar"]
    if exemplars:  # five wordings per item: the articles the cases rarely cite get examples
        vectors = {n: c.encode([e.text for e in exemplars]) for n, c in caches.items()}
        views = [ClauseView.of(e.text) for e in exemplars]
        X_ex, _ = combined_features(indexes, list(caches), views, vectors)
        X_articles = np.vstack([X_articles, X_ex])
        article_labels += [article_of(e.codes[0]) for e in exemplars]
    articles = ArticleClassifier().fit(X_articles, np.array(article_labels))
    items = _fit_items(data, caches) if recipe.item_model else None
    seconds = time.perf_counter() - t0
    card = model_card(
        data, embedders, threshold, oof, positive, regulation, y, seconds, seed, recipe
    )
    card = replace(
        card,
        gate=GateInfo(
            threshold=round(gate_threshold, 6),
            threshold_alone=round(gate_alone, 6) if np.isfinite(gate_alone) else None,
            rule=(
                "字符 1–3 元组与结巴分词词语 1–2 元组 TF-IDF"
                if recipe.word_gate
                else "字符 1–3 元组 TF-IDF"
            )
            + " + 逻辑回归；训练集分组交叉验证中"
            f"保留 {GATE_RECALL:.1%} 违规样本的阈值"
            + (
                f"；不含触发词的条款须达到训练法规中此类条款分数最高的 {GATE_ALONE_BUDGET:.1%}"
                if np.isfinite(gate_alone)
                else "；不含触发词的条款不送入第二阶段"
            ),
            oof_pass_rate_regulations=round(
                float((gate_oof[regulation] >= gate_threshold).mean()), 4
            ),
            oof_recall=round(float((gate_oof[positive] >= gate_threshold).mean()), 4),
        ),
        data=replace(card.data, barriers_with_article=len(article_rows)),
        cascade=cascade_info,
    )
    return TrainedModel(
        gate=gate,
        gate_threshold=gate_threshold,
        gate_threshold_alone=float(gate_alone),
        classifier=clf,
        articles=articles,
        items=items,
        cascade=cascade,
        indexes=indexes,
        threshold=threshold,
        embedder_names=tuple(embedders),
        model_id=card.model_id,
        strategy=card.strategy,
        components=dict(card.components or {}),
        card=card,
    )


def article_label(example: Example) -> int | None:
    """The 实施办法 article (9–23) a barrier example teaches the article model: the one its
    case's codes cite most; None for compliant examples and barriers without an FCR article."""
    arts = [a for a in (article_of(c) for c in example.codes) if a is not None and 9 <= a <= 23]
    if example.label == COMPLIANT or not arts:
        return None
    return max(set(arts), key=arts.count)


# An offending span weighs twice an exemplar or an item's own text in the item model: it is
# real wording, and there are few of them per item.
ITEM_CASE_WEIGHT = 2.0


def _fit_items(data: TrainingData, caches: dict[str, EmbeddingCache]) -> ItemClassifier | None:
    """The item model: offending spans of cases citing exactly one item, the item exemplars
    and the items' own texts, over the embedders' sentence vectors (``model.item_vectors``)."""
    texts, labels, weights = [], [], []
    for e in data.examples:
        items = [c for c in e.codes if is_item_code(c)]
        if e.label != COMPLIANT and len(set(items)) == 1:
            texts.append(e.text)
            labels.append(items[0])
            weights.append(ITEM_CASE_WEIGHT)
    for x in data.entries:
        code = x.id if x.kind == "standard" else (x.codes[0] if x.kind == "exemplar" else "")
        if is_item_code(code):
            texts.append(x.text)
            labels.append(code)
            weights.append(1.0)
    if len(set(labels)) < 2:
        return None
    vectors = {n: c.encode(texts) for n, c in caches.items()}
    X = item_vectors(vectors, list(caches))
    return ItemClassifier().fit(X, np.array(labels), sample_weight=np.array(weights))


def model_card(
    data: TrainingData,
    embedders: dict[str, Any],
    threshold: float,
    oof: np.ndarray,
    positive: np.ndarray,
    regulation: np.ndarray,
    y: np.ndarray,
    seconds: float,
    seed: int,
    recipe: Recipe = Recipe(),
) -> ModelCard:
    import sklearn

    from .. import __version__

    fams = {}
    for f in FAMILIES:
        m = y == f
        if m.any():
            fams[f] = round(float((oof[m] >= threshold).mean()), 3)
    neg = ~positive
    data_hash = data.digest()
    if recipe.tag:  # another recipe on the same data is another model
        data_hash = hashlib.sha256(f"{data_hash}\n{recipe.tag}".encode()).hexdigest()
    names = "+".join(embedders)
    return ModelCard(
        model_id=model_id(data_hash, names, seed),
        strategy=versions.STRATEGY,
        components=dict(versions.COMPONENTS),
        screening_version=__version__,
        embedders=tuple(embedders),
        embedder_info={n: e.version_info() for n, e in embedders.items()},
        embedding_set=names,
        data_sha256=data_hash,
        data=data.info,
        negative_sampling=(
            f"地方性法规：按路径哈希固定选出 {REGULATION_TRAIN_SHARE}% 的法规，"
            "每篇随机至多 30 条条款（corpus/negatives），推定合规；"
            + (
                "同一批法规中其余含触发词的条款作为难例（local_regulations_hard.jsonl.gz），"
                "推定合规，只用于训练、不计入误报预算；"
                if recipe.hard_negatives
                else ""
            )
            + "政策文件与采购公告中不含壁垒类触发词的条款，弱标注为合规；"
            "规则文本（corpus/laws）全部条款，连同其列举引语一并读取，作为合规样本。"
        ),
        threshold=round(threshold, 6),
        threshold_rule="训练集分组交叉验证（按通报/重复组/来源文件分组，5 折）中，"
        f"推定合规的地方性法规条款（随机样本）误报率不超过 {FALSE_ALARM_BUDGET:.1%} 的最低阈值",
        oof_recall=round(float((oof[positive] >= threshold).mean()), 3),
        oof_recall_by_family=fams,
        oof_false_alarm_rate=round(float((oof[neg] >= threshold).mean()), 4),
        oof_false_alarm_rate_regulations=round(float((oof[regulation] >= threshold).mean()), 4),
        features=tuple(f"{n}:{f}" for n in embedders for f in feature_names())
        + tuple(f"{n}:embedding[{embedder_dim(e)}]" for n, e in embedders.items()),
        seed=seed,
        train_seconds=round(seconds, 1),
        versions={
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    )


def model_id(data_hash: str, embedding_set: str, seed: int) -> str:
    """Strategy, data, component versions, embedder set and seed: equal ids, equal models.

    The component part comes from the registered names (``screening.versions``), not from
    hashing source files: reformatting a module keeps the model; changing a component's output
    means bumping its name, which makes the model stale and gives the retrained one a new id.
    The embedder set is part of the identity too: the same data with other vectors is another
    model (and must not pass for it, e.g. in the ledger's re-sweep check).
    """
    return (
        f"{versions.STRATEGY}-{data_hash[:10]}-{versions.components_digest()[:6]}"
        f"-{hashlib.sha256(embedding_set.encode()).hexdigest()[:4]}-s{seed}"
    )


def embedder_dim(embedder: Any) -> int:
    return int(getattr(embedder, "dim", 0) or 0)
