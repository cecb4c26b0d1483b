"""Retraining with an evaluation and a promotion gate (``screening model retrain``).

1. Data: every corpus case (positives, labelled by standard family), reviewers' decisions from
   the ledger (``ledger.decisions``: confirmed clauses are positives, dismissed ones hard
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
5. The gate: the candidate is promoted unless it falls behind the current model by more than
   the tolerances (settings ``promote_*``). Otherwise it is saved but not made current, and the
   reasons are given in Chinese; ``screening model promote ID --force`` overrides.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..corpus import load_cases
from ..corpus.schema import FAMILIES, Case
from ..errors import ModelError
from . import store
from .evalset import EvalSet, load_evalset, spans_of
from .evaluate import case_documents, eval_cases, false_alarms, summarise_cases
from .model import EMBEDDERS, ScreeningModel, engine_code_sha256, load_model, train

EPS = 1e-9


# --- the gate ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerances:
    """How far a candidate may fall behind the current model and still be promoted."""

    max_recall_drop: float = 0.02
    max_family_drop: float = 0.05
    family_min_cases: int = 10
    max_false_alarm_rise: float = 0.002

    @classmethod
    def from_settings(cls, settings: Settings) -> Tolerances:
        return cls(
            settings.promote_max_recall_drop,
            settings.promote_max_family_drop,
            settings.promote_family_min_cases,
            settings.promote_max_false_alarm_rise,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"与当前模型在同一评估集上比较（绝对差）：评估集案例召回率下降不超过 "
            f"{self.max_recall_drop:.3f}；评估案例不少于 {self.family_min_cases} 个的审查标准"
            f"类别，案例召回率下降不超过 {self.max_family_drop:.3f}；固定合规样本误报率上升不超过 "
            f"{self.max_false_alarm_rise:.4f}。召回率比较评估副本（只用评估集划分中的训练部分训练），"
            "误报率比较实际使用的模型。"
        )


@dataclass
class Check:
    """One comparison of the gate."""

    metric: str  # case_recall | family:<name> | false_alarm_rate
    label: str  # Chinese
    candidate: float | None
    current: float | None
    allowed: float  # allowed change: negative = drop, positive = rise
    n: int | None = None  # evaluation cases behind the figure
    ok: bool = True

    @property
    def delta(self) -> float | None:
        if self.candidate is None or self.current is None:
            return None
        return self.candidate - self.current

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["delta"] = None if self.delta is None else round(self.delta, 5)
        return d

    def reason(self) -> str:
        assert self.candidate is not None and self.current is not None
        if self.allowed < 0:
            return (
                f"{self.label}从 {self.current:.3f} 降到 {self.candidate:.3f}（下降 "
                f"{-self.delta:.3f}，超过允许的 {-self.allowed:.3f}）"  # type: ignore[operator]
            )
        return (
            f"{self.label}从 {self.current:.4f} 升到 {self.candidate:.4f}（上升 "
            f"{self.delta:.4f}，超过允许的 {self.allowed:.4f}）"
        )


def gate(
    candidate: dict[str, Any], current: dict[str, Any] | None, tol: Tolerances
) -> tuple[bool, list[Check], list[str]]:
    """(passed, checks, reasons for failing) for two sets of evaluation metrics.

    Metrics: ``case_recall``, ``case_recall_by_family``, ``cases_by_family`` (of the twins, on
    the evaluation cases) and ``false_alarm_rate`` (of the models, on the compliant sample).
    A figure missing on either side is not compared.
    """
    if current is None:
        return True, [], []
    checks = [
        Check(
            "case_recall",
            "评估集案例召回率",
            candidate.get("case_recall"),
            current.get("case_recall"),
            -tol.max_recall_drop,
            candidate.get("cases"),
        )
    ]
    counts = candidate.get("cases_by_family") or {}
    for fam in FAMILIES:
        n = min(counts.get(fam, 0), (current.get("cases_by_family") or {}).get(fam, 0))
        if n >= tol.family_min_cases:
            checks.append(
                Check(
                    f"family:{fam}",
                    f"“{fam}”类案例召回率",
                    (candidate.get("case_recall_by_family") or {}).get(fam),
                    (current.get("case_recall_by_family") or {}).get(fam),
                    -tol.max_family_drop,
                    n,
                )
            )
    checks.append(
        Check(
            "false_alarm_rate",
            "合规样本误报率",
            candidate.get("false_alarm_rate"),
            current.get("false_alarm_rate"),
            tol.max_false_alarm_rise,
            candidate.get("compliant_clauses"),
        )
    )
    reasons = []
    for c in checks:
        d = c.delta
        if d is None:
            continue
        c.ok = d >= c.allowed - EPS if c.allowed < 0 else d <= c.allowed + EPS
        if not c.ok:
            reasons.append(c.reason())
    return not reasons, checks, reasons


# --- evaluation --------------------------------------------------------------------------------


class Evaluator:
    """Screens evaluation inputs with any model, embedding through the persistent cache."""

    def __init__(self, settings: Settings, embedders: dict[str, Any]) -> None:
        from .embcache import CachedEmbedder

        self.settings = settings
        self.embedders = {
            n: CachedEmbedder(e, Path(settings.models) / "embeddings") for n, e in embedders.items()
        }

    def screener(self, model: ScreeningModel) -> Any:
        from ..embed import get_embedder
        from .embcache import CachedEmbedder
        from .engine import Screener

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


def gate_metrics(cases: dict[str, Any] | None, compliant: dict[str, Any] | None) -> dict[str, Any]:
    cases = cases or {}
    return {
        "case_recall": cases.get("case_recall"),
        "cases": cases.get("cases"),
        "case_recall_by_family": cases.get("case_recall_by_family", {}),
        "cases_by_family": cases.get("cases_by_family", {}),
        "false_alarm_rate": (compliant or {}).get("false_alarm_rate"),
        "compliant_clauses": (compliant or {}).get("clauses"),
    }


def _load(path: Path) -> ScreeningModel:
    return load_model(path)


def current_metrics(
    settings: Settings, evalset: EvalSet, ev: Evaluator, say: Callable[[str], None]
) -> tuple[str | None, dict[str, Any] | None, str, str | None]:
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
    if card.get("engine_code_sha256") != engine_code_sha256():
        return (
            cur,
            None,
            "none",
            f"当前模型 {cur} 由旧版软件训练，新版软件不会再使用它"
            "（筛查时会自动重新训练），无法比较",
        )
    stored = card.get("evaluation") or {}
    if (stored.get("split") or {}).get("digest") == evalset.digest and stored.get("twin"):
        metrics = gate_metrics(
            stored["twin"].get("cases"), (stored.get("model") or {}).get("compliant")
        )
        return cur, metrics, "stored", None
    say(f"评估集已更新（或当前模型没有评估结果），正在重新评估当前模型 {cur}……")
    notes = []
    cases = compliant = None
    twin = store.twin_dir(settings, cur)
    if twin.is_dir():
        try:
            cases = ev.cases(_load(twin), evalset.eval)
        except ModelError as err:
            notes.append(f"当前模型的评估副本无法读取（{err}），不比较召回率")
    else:
        notes.append("当前模型没有评估副本（由旧版本或首次筛查自动训练），不比较召回率")
    try:
        compliant = ev.compliant(_load(store.root(settings) / cur), evalset)
    except ModelError as err:
        notes.append(f"当前模型文件无法读取（{err}），不比较误报率")
    if cases is None and compliant is None:
        return cur, None, "none", "；".join(notes)
    return cur, gate_metrics(cases, compliant), "re-evaluated", "；".join(notes) or None


# --- retraining --------------------------------------------------------------------------------


@dataclass
class RetrainResult:
    model: ScreeningModel
    twin: ScreeningModel | None
    passed: bool
    promoted: bool
    reasons: list[str]
    card: dict[str, Any]
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
    from ..ledger.decisions import Decisions, read_decisions

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
    card = model.card
    card["training_case_ids"] = sorted(c.id for c in cases)
    card.setdefault("versions", {}).update(_library_versions())
    card["decisions"] = decisions.counts()
    counts = decisions.counts()
    card["negative_sampling"] = (
        card.get("negative_sampling", "") + "审查台账中审查人员已排除（已排除）的条款作为难负例"
        f"（本次 {counts['hard_negatives']} 条），"
        f"已认定及其后状态（整改中、待复核、已销号）的条款作为正例（{counts['positives']} 条）；"
        "未结案件和没有条款原文的案件（投诉举报、上级交办等）不使用。"
    )
    if evalset is None:
        passed, checks, reasons = False, [], []
        try:
            cur = store.current_id(settings)
        except ModelError:
            cur = None
        note = "知识库中没有评估集（eval/split.v1.json），无法与当前模型比较"
        if cur is None:
            passed, note = True, note + "；尚无当前模型，直接设为当前模型"
        else:
            reasons = [note]
        card["evaluation"] = None
        card["comparison"] = {"current_model_id": cur, "basis": "none", "note": note, "checks": []}
    else:
        assert twin is not None
        say("正在评估（评估集案例与固定合规样本）……")
        twin_cases = ev.cases(twin, evalset.eval)
        twin_compliant = ev.compliant(twin, evalset)
        model_compliant = ev.compliant(model, evalset)
        cand = gate_metrics(twin_cases, model_compliant)
        card["evaluation"] = {
            "split": evalset.info(),
            "twin": {
                "model_id": twin.model_id,
                "train_cases": len(evalset.train),
                "decisions_used": len(twin_examples),
                "decisions_held_out": len(examples) - len(twin_examples),
                "threshold": round(twin.threshold, 6),
                "cases": twin_cases,
                "compliant": twin_compliant,
            },
            "model": {"compliant": model_compliant},
            "metrics": cand,
        }
        cur, cur_metrics, basis, note = current_metrics(settings, evalset, ev, say)
        if cur is not None and cur == model.model_id:
            same = "新模型与当前模型相同（数据、代码和种子都未改变）"
            note = f"{same}；{note}" if note else same
        passed, checks, reasons = gate(cand, cur_metrics, tol)
        card["comparison"] = {
            "current_model_id": cur,
            "basis": basis,  # stored | re-evaluated | none
            "note": note,
            "current_metrics": cur_metrics,
            "checks": [c.to_dict() for c in checks],
        }
        card["new_cases"] = new_case_recall(settings, cases, evalset, cur, model, twin, ev)
    if cur is not None and cur == model.model_id:  # retrained to the very same model
        passed, reasons = True, []
    ev.save()
    seconds["evaluation"] = round(time.perf_counter() - t, 1)
    seconds["total"] = round(time.perf_counter() - t_start, 1)
    promoted = bool(passed and promote)
    card["promotion"] = {
        "rule": tol.describe(),
        "tolerances": tol.to_dict(),
        "passed": passed,
        "reasons": reasons,
        "promoted_at_retrain": promoted,
    }
    card["timing_seconds"] = seconds
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
) -> dict[str, Any] | None:
    """Recall on the cases the current model never trained on: before (current) and after.

    "After" is the new model, which has learned these very cases; for the new cases on the
    evaluation side the twin's recall (it has not seen them) shows how well they generalise.
    """
    if current_id is None:
        return None
    card = store.read_card(settings, current_id) or {}
    known = card.get("training_case_ids")
    if known is None:
        return {"note": "当前模型的模型卡片未记录训练案例，无法确定新增案例"}
    new = [c for c in cases if c.id not in set(known)]
    out: dict[str, Any] = {
        "current_model_id": current_id,
        "cases": len(new),
        "cases_with_text": sum(1 for c in new if spans_of(c)),
        "ids": [c.id for c in new],
    }
    if not out["cases_with_text"]:
        return out
    try:
        out["before"] = ev.cases(load_model(store.root(settings) / current_id), new)
    except ModelError as err:
        out["before"] = None
        out["note"] = f"当前模型文件无法读取（{err}）"
    out["after"] = ev.cases(model, new)
    on_eval = [c for c in new if c in evalset.eval]
    if any(spans_of(c) for c in on_eval):
        out["twin_on_eval_side"] = ev.cases(twin, on_eval)
    return out


# --- presentation --------------------------------------------------------------------------------


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _f(x: Any, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def describe(card: dict[str, Any]) -> list[str]:
    """Chinese lines summarising a card's evaluation, comparison and promotion decision."""
    lines = [f"模型 {card.get('model_id')}"]
    data = card.get("data") or {}
    dec = card.get("decisions") or {}
    lines.append(
        f"  训练数据：案例 {data.get('cases', '—')} 个（正例片段 "
        f"{data.get('positives', '—')} 条），合规样本：法规条款 "
        f"{data.get('negatives_regulations', '—')} 条、规则文本 "
        f"{data.get('negatives_laws', '—')} 条、政策文件 "
        f"{data.get('negatives_policy_documents', '—')} 条；"
        + (
            "台账决定：（模型卡片未记录，由旧版本或首次筛查自动训练）"
            if "decisions" not in card
            else f"台账决定：认定 {dec.get('positives', 0)} 条、排除 "
            f"{dec.get('hard_negatives', 0)} 条"
            + (
                f"（无条款原文而跳过的案件 {dec.get('skipped_no_clause_text', 0)} 个，"
                f"未结案件 {dec.get('open_cases_not_used', 0)} 个）"
                if dec.get("ledger")
                else "（未找到审查台账文件，或未要求读取）"
            )
        )
    )
    lines.append(
        f"  阈值 {_f(card.get('threshold'), 4)}；数据哈希 {str(card.get('data_sha256', ''))[:16]}；"
        f"种子 {card.get('seed')}"
    )
    ev = card.get("evaluation")
    if ev:
        sp = ev["split"]
        lines.append(
            f"  评估集 {sp['version']}（摘要 {sp['digest']}）：评估案例 {sp['eval_cases']} 个"
            f"（含违规原文 {sp['eval_cases_with_text']} 个，新导入后分到评估侧 "
            f"{len(sp['new_cases_assigned']['eval'])} 个），合规样本 "
            f"{sp['compliant_sample']['clauses']} 条"
        )
    comp = card.get("comparison") or {}
    checks = comp.get("checks") or []
    if ev:
        m = ev["metrics"]
        cur_id = comp.get("current_model_id")
        cm = comp.get("current_metrics") or {}
        lines.append(
            "  "
            + _pad("指标", 34)
            + _pad("新模型", 10, True)
            + _pad("当前模型", 10, True)
            + _pad("允许变化", 12, True)
        )
        tw = ev["twin"]
        fams = m.get("cases_by_family") or {}
        rows = [
            (
                "case_recall",
                "评估集案例召回率（评估副本）",
                m.get("case_recall"),
                cm.get("case_recall"),
                3,
            ),
            ("", "评估集片段召回率（评估副本）", tw["cases"].get("span_recall"), None, 3),
        ]
        rows += [
            (
                f"family:{fam}",
                f"  {fam}（{fams[fam]} 个）",
                (m.get("case_recall_by_family") or {}).get(fam),
                (cm.get("case_recall_by_family") or {}).get(fam),
                3,
            )
            for fam in FAMILIES
            if fams.get(fam)
        ]
        rows += [
            (
                "false_alarm_rate",
                "合规样本误报率（实际模型）",
                m.get("false_alarm_rate"),
                cm.get("false_alarm_rate"),
                4,
            ),
            (
                "",
                "合规样本误报率（评估副本）",
                (tw.get("compliant") or {}).get("false_alarm_rate"),
                None,
                4,
            ),
        ]
        by_metric = {c["metric"]: c for c in checks}
        for key, label, a, b, d in rows:
            chk = by_metric.get(key)
            lim = "—"
            if chk is not None and chk["candidate"] is not None and chk["current"] is not None:
                lim = f"{chk['allowed']:+.{d}f}" + ("" if chk["ok"] else " ✗")
            lines.append(
                "  "
                + _pad(label, 34)
                + _pad(_f(a, d), 10, True)
                + _pad(_f(b, d), 10, True)
                + _pad(lim, 12, True)
            )
        if cur_id:
            basis = {
                "stored": "沿用其卡片中的评估结果",
                "re-evaluated": "已在本评估集上重新评估",
            }.get(comp.get("basis"), "无法比较")
            lines.append(f"  当前模型：{cur_id}（{basis}）")
    if comp.get("note"):
        lines.append(f"  说明：{comp['note']}")
    nc = card.get("new_cases")
    if nc and nc.get("cases_with_text"):
        before, after = nc.get("before") or {}, nc.get("after") or {}
        lines.append(
            f"  新增案例（当前模型 {nc['current_model_id']} 未学过）{nc['cases']} 个，含违规原文 "
            f"{nc['cases_with_text']} 个：案例召回率 学习前（当前模型）"
            f"{_f(before.get('case_recall'))}"
            f" → 学习后（新模型）{_f(after.get('case_recall'))}；片段召回率 "
            f"{_f(before.get('span_recall'))} → {_f(after.get('span_recall'))}"
        )
        tw = nc.get("twin_on_eval_side")
        if tw:
            lines.append(
                f"    其中分到评估侧的 {tw['cases']} 个，评估副本（未学过）案例召回率 "
                f"{_f(tw.get('case_recall'))}"
            )
    elif nc and nc.get("cases") == 0:
        lines.append("  新增案例：无（与当前模型的训练案例相同）")
    promo = card.get("promotion") or {}
    if promo:
        lines.append(f"  晋级规则：{promo.get('rule', '')}")
        if promo.get("passed"):
            lines.append(
                "  晋级检查：通过"
                + ("，已设为当前模型。" if promo.get("promoted_at_retrain") else "。")
            )
        else:
            lines.append("  晋级检查：未通过——" + "；".join(promo.get("reasons") or []) + "。")
    t = card.get("timing_seconds") or {}
    if t:
        lines.append(
            f"  用时：评估副本训练 {t.get('twin_train', '—')} 秒，新模型训练 "
            f"{t.get('model_train', '—')} 秒，评估 {t.get('evaluation', '—')} 秒，"
            f"共 {t.get('total', '—')} 秒"
        )
    return lines
