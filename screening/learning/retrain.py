"""Retraining with an evaluation and a promotion gate (``screening model retrain``).

1. Data: every corpus case (positives, labelled by standard family), reviewers' decisions from
   the ledger (``learning.decisions``: confirmed clauses are positives, dismissed ones hard
   negatives) and the compliant text of the corpus (regulation clauses, rule texts).
2. The *evaluation twin*: the same training on the train side of the fixed evaluation split
   (``evalset``) only. It is measured on the evaluation side (case recall, per family) and on
   the fixed compliant sample (false alarms), and saved beside the model (``<id>/twin/``) so a
   later retrain can measure it again on a newer version of the split.
3. The deployed candidate: trained on everything, so the product learns from every case. Its
   false-alarm rate on the compliant sample is honest (no model trains on those clauses); its
   recall on evaluation cases is not (it has seen them), so recall is compared twin to twin.
4. The current model is measured on the same evaluation set: its stored figures are reused
   when the set is unchanged (same digest), else its twin and the model are measured again.
5. The gate (``learning.gate``): the candidate is promoted unless it falls behind the current
   model by more than the tolerances (settings ``promote_*``). Otherwise it is saved but not
   made current, and the reasons are given in Chinese; ``screening model promote ID --force``
   overrides.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..corpus import load_cases
from ..corpus.schema import Case
from ..errors import ModelError
from ..screen.evaluate import case_documents, eval_cases, false_alarms, summarise_cases
from ..screen.model import ScreeningModel, load_model
from . import store
from .card import (
    Comparison,
    Evaluation,
    ModelCard,
    ModelEvaluation,
    NewCases,
    Promotion,
    TwinEvaluation,
)
from .decisions import Decisions, read_decisions
from .evalset import EvalSet, load_evalset, spans_of
from .gate import GateMetrics, Tolerances, gate
from .train import EMBEDDERS, TrainedModel, train

# --- evaluation --------------------------------------------------------------------------------


class Evaluator:
    """Screens evaluation inputs with any model, embedding through the persistent cache."""

    def __init__(self, settings: Settings, embedders: dict[str, Any]) -> None:
        from ..screen.embcache import CachedEmbedder

        self.settings = settings
        self.embedders = {
            n: CachedEmbedder(e, Path(settings.models) / "embeddings") for n, e in embedders.items()
        }

    def screener(self, model: ScreeningModel) -> Any:
        from ..embed import get_embedder
        from ..screen.embcache import CachedEmbedder
        from ..screen.engine import Screener

        for name in model.embedder_names:  # e.g. a current model built on other embedders
            if name not in self.embedders:
                self.embedders[name] = CachedEmbedder(
                    get_embedder(name, self.settings), Path(self.settings.models) / "embeddings"
                )
        return Screener(self.settings, model, {n: self.embedders[n] for n in model.embedder_names})

    def cases(self, model: ScreeningModel, cases: Sequence[Case]) -> dict[str, Any]:
        return summarise_cases(eval_cases(self.screener(model), case_documents(cases)))

    def compliant(self, model: ScreeningModel, evalset: EvalSet) -> dict[str, Any]:
        return false_alarms(self.screener(model), evalset.compliant)

    def save(self) -> None:
        for e in self.embedders.values():
            e.save()


def current_metrics(
    settings: Settings, evalset: EvalSet, ev: Evaluator, say: Callable[[str], None]
) -> tuple[str | None, GateMetrics | None, str, str | None]:
    """(current model id, its gate metrics on ``evalset``, basis, note when not comparable)."""
    try:
        cur = store.current_id(settings)
    except ModelError as err:
        return None, None, "none", f"当前模型指针无法读取（{err}）"
    if cur is None:
        return None, None, "none", "尚无当前模型"
    card = store.read_card(settings, cur)
    if card is None:
        return cur, None, "none", f"当前模型 {cur} 的模型卡片缺失或已损坏，无法比较"
    if card.is_stale():
        return (
            cur,
            None,
            "none",
            f"当前模型 {cur} 由旧版软件训练，新版软件不会再使用它"
            "（筛查时会自动重新训练），无法比较",
        )
    stored = card.evaluation
    if stored is not None and stored.split.digest == evalset.digest and stored.twin.model_id:
        return cur, GateMetrics.of(stored.twin.cases, stored.model.compliant), "stored", None
    say(f"评估集已更新（或当前模型没有评估结果），正在重新评估当前模型 {cur}……")
    notes = []
    cases = compliant = None
    twin = store.twin_dir(settings, cur)
    if twin.is_dir():
        try:
            cases = ev.cases(load_model(twin), evalset.eval)
        except ModelError as err:
            notes.append(f"当前模型的评估副本无法读取（{err}），不比较召回率")
    else:
        notes.append("当前模型没有评估副本（由旧版本或首次筛查自动训练），不比较召回率")
    try:
        compliant = ev.compliant(load_model(store.root(settings) / cur), evalset)
    except ModelError as err:
        notes.append(f"当前模型文件无法读取（{err}），不比较误报率")
    if cases is None and compliant is None:
        return cur, None, "none", "；".join(notes)
    return cur, GateMetrics.of(cases, compliant), "re-evaluated", "；".join(notes) or None


# --- retraining --------------------------------------------------------------------------------


@dataclass
class RetrainResult:
    model: TrainedModel
    twin: TrainedModel | None
    passed: bool
    promoted: bool
    reasons: list[str]
    card: ModelCard
    seconds: dict[str, float] = field(default_factory=dict)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _library_versions() -> dict[str, str]:
    from contextlib import suppress
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("scipy", "joblib", "sqlite-utils"):
        with suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def _quiet(_: str) -> None:
    return None


def retrain(
    settings: Settings,
    *,
    seed: int = 0,
    embedder_names: Sequence[str] = EMBEDDERS,
    embedders: dict[str, Any] | None = None,
    tolerances: Tolerances | None = None,
    promote: bool = True,
    use_ledger: bool = True,
    say: Callable[[str], None] | None = None,
) -> RetrainResult:
    """Train twin and candidate, evaluate both against the current model, save, maybe promote."""
    from ..embed import get_embedder

    say = say or _quiet
    tol = tolerances or Tolerances.from_settings(settings)
    t_start = time.perf_counter()
    corpus = Path(settings.corpus)
    cases = load_cases(corpus)
    decisions = read_decisions(settings.ledger) if use_ledger else Decisions(ledger=None)
    examples = decisions.examples
    evalset = load_evalset(corpus, cases)
    embedders = embedders or {n: get_embedder(n, settings) for n in embedder_names}
    seconds: dict[str, float] = {}

    twin = None
    twin_examples = examples
    if evalset is not None:
        held = {_norm(s) for c in evalset.eval for s in spans_of(c)}
        held |= {_norm(c.text) for c in evalset.compliant}
        twin_examples = [e for e in examples if _norm(e.text) not in held]
        say(
            f"正在训练评估副本（评估集划分 {evalset.version} 的训练部分："
            f"{len(evalset.train)} 个案例）……"
        )
        t = time.perf_counter()
        twin = train(
            settings,
            cases=evalset.train,
            decisions=twin_examples,
            seed=seed,
            embedders=embedders,
        )
        seconds["twin_train"] = round(time.perf_counter() - t, 1)
    say(f"正在训练新模型（全部 {len(cases)} 个案例，台账决定 {len(examples)} 条）……")
    t = time.perf_counter()
    model = train(settings, cases=cases, decisions=examples, seed=seed, embedders=embedders)
    seconds["model_train"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    ev = Evaluator(settings, embedders)
    counts = decisions.counts()
    card = replace(
        model.card,
        training_case_ids=tuple(sorted(c.id for c in cases)),
        versions={**model.card.versions, **_library_versions()},
        decisions=counts,
        negative_sampling=model.card.negative_sampling
        + "审查台账中审查人员已排除（已排除）的条款作为难负例"
        f"（本次 {counts.hard_negatives} 条），"
        f"已认定及其后状态（整改中、待复核、已销号）的条款作为正例（{counts.positives} 条）；"
        "未结案件和没有条款原文的案件（投诉举报、上级交办等）不使用。",
    )
    reasons: list[str]
    note: str | None
    if evalset is None:
        passed, reasons = False, []
        try:
            cur = store.current_id(settings)
        except ModelError:
            cur = None
        note = "知识库中没有评估集（eval/split.v1.json），无法与当前模型比较"
        if cur is None:
            passed, note = True, note + "；尚无当前模型，直接设为当前模型"
        else:
            reasons = [note]
        card = replace(
            card,
            evaluation=None,
            comparison=Comparison(current_model_id=cur, basis="none", note=note),
        )
    else:
        assert twin is not None
        say("正在评估（评估集案例与固定合规样本）……")
        twin_cases = ev.cases(twin, evalset.eval)
        twin_compliant = ev.compliant(twin, evalset)
        model_compliant = ev.compliant(model, evalset)
        cand = GateMetrics.of(twin_cases, model_compliant)
        evaluation = Evaluation(
            split=evalset.info(),
            twin=TwinEvaluation(
                model_id=twin.model_id,
                train_cases=len(evalset.train),
                decisions_used=len(twin_examples),
                decisions_held_out=len(examples) - len(twin_examples),
                threshold=round(twin.threshold, 6),
                cases=twin_cases,
                compliant=twin_compliant,
            ),
            model=ModelEvaluation(compliant=model_compliant),
            metrics=cand,
        )
        cur, cur_metrics, basis, note = current_metrics(settings, evalset, ev, say)
        if cur is not None and cur == model.model_id:
            same = "新模型与当前模型相同（数据、代码和种子都未改变）"
            note = f"{same}；{note}" if note else same
        passed, checks, reasons = gate(cand, cur_metrics, tol)
        card = replace(
            card,
            evaluation=evaluation,
            comparison=Comparison(
                current_model_id=cur,
                basis=basis,
                note=note,
                current_metrics=cur_metrics,
                checks=tuple(checks),
            ),
            new_cases=new_case_recall(settings, cases, evalset, cur, model, twin, ev),
        )
    if cur is not None and cur == model.model_id:  # retrained to the very same model
        passed, reasons = True, []
    ev.save()
    seconds["evaluation"] = round(time.perf_counter() - t, 1)
    seconds["total"] = round(time.perf_counter() - t_start, 1)
    promoted = bool(passed and promote)
    card = replace(
        card,
        promotion=Promotion(
            rule=tol.describe(),
            tolerances=tol,
            passed=passed,
            reasons=tuple(reasons),
            promoted_at_retrain=promoted,
        ),
        timing_seconds=seconds,
    )
    model.card = card
    extra = {
        "decisions.jsonl": "".join(
            json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in decisions.records()
        )
    }
    store.save(settings, model, twin, extra)
    if promoted:
        store.promote(settings, model.model_id)
    return RetrainResult(model, twin, passed, promoted, reasons, card, seconds)


def new_case_recall(
    settings: Settings,
    cases: Sequence[Case],
    evalset: EvalSet,
    current_id: str | None,
    model: ScreeningModel,
    twin: ScreeningModel,
    ev: Evaluator,
) -> NewCases | None:
    """Recall on the cases the current model never trained on: before (current) and after.

    "After" is the new model, which has learned these very cases; for the new cases on the
    evaluation side the twin's recall (it has not seen them) shows how well they generalise.
    """
    if current_id is None:
        return None
    card = store.read_card(settings, current_id) or ModelCard()
    if card.training_case_ids is None:
        return NewCases(note="当前模型的模型卡片未记录训练案例，无法确定新增案例")
    known = set(card.training_case_ids)
    new = [c for c in cases if c.id not in known]
    out = NewCases(
        current_model_id=current_id,
        cases=len(new),
        cases_with_text=sum(1 for c in new if spans_of(c)),
        ids=tuple(c.id for c in new),
    )
    if not out.cases_with_text:
        return out
    try:
        out = replace(out, before=ev.cases(load_model(store.root(settings) / current_id), new))
    except ModelError as err:
        out = replace(out, note=f"当前模型文件无法读取（{err}）")
    out = replace(out, after=ev.cases(model, new))
    on_eval = [c for c in new if c in evalset.eval]
    if any(spans_of(c) for c in on_eval):
        out = replace(out, twin_on_eval_side=ev.cases(twin, on_eval))
    return out
