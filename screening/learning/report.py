"""A model card in Chinese lines: training data, evaluation, comparison and promotion decision."""

from __future__ import annotations

import unicodedata
from typing import Any

from ..domain import FAMILIES
from .card import Evaluation, ModelCard


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _f(x: Any, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _n(x: Any) -> Any:
    return "—" if x is None else x


def describe(card: ModelCard) -> list[str]:
    """Chinese lines summarising a card's evaluation, comparison and promotion decision."""
    lines = [f"模型 {card.model_id}", _data_line(card)]
    lines.append(
        f"  阈值 {_f(card.threshold, 4)}；数据哈希 {card.data_sha256[:16]}；种子 {card.seed}"
    )
    if card.evaluation is not None:
        lines += _evaluation_lines(card, card.evaluation)
    comp = card.comparison
    if comp is not None and comp.note:
        lines.append(f"  说明：{comp.note}")
    lines += _new_case_lines(card)
    promo = card.promotion
    if promo is not None:
        lines.append(f"  晋级规则：{promo.rule}")
        if promo.passed:
            lines.append(
                "  晋级检查：通过" + ("，已设为当前模型。" if promo.promoted_at_retrain else "。")
            )
        else:
            lines.append("  晋级检查：未通过——" + "；".join(promo.reasons) + "。")
    t = card.timing_seconds or {}
    if t:
        lines.append(
            f"  用时：评估副本训练 {t.get('twin_train', '—')} 秒，新模型训练 "
            f"{t.get('model_train', '—')} 秒，评估 {t.get('evaluation', '—')} 秒，"
            f"共 {t.get('total', '—')} 秒"
        )
    return lines


def _data_line(card: ModelCard) -> str:
    data, dec = card.data, card.decisions
    if dec is None:
        decisions = "台账决定：（模型卡片未记录，由旧版本或首次筛查自动训练）"
    else:
        decisions = f"台账决定：认定 {dec.positives} 条、排除 {dec.hard_negatives} 条" + (
            f"（无条款原文而跳过的案件 {dec.skipped_no_clause_text} 个，"
            f"未结案件 {dec.open_cases_not_used} 个）"
            if dec.ledger
            else "（未找到审查台账文件，或未要求读取）"
        )
    return (
        f"  训练数据：案例 {_n(data.cases)} 个（正例片段 "
        f"{_n(data.positives)} 条），合规样本：法规条款 "
        f"{_n(data.negatives_regulations)} 条"
        + (
            f"（另含触发词的法规条款 {data.negatives_regulations_hard} 条）"
            if data.negatives_regulations_hard
            else ""
        )
        + "、规则文本 "
        f"{_n(data.negatives_laws)} 条、政策文件 "
        f"{_n(data.negatives_policy_documents)} 条；" + decisions
    )


def _evaluation_lines(card: ModelCard, ev: Evaluation) -> list[str]:
    sp = ev.split
    lines = [
        f"  评估集 {sp.version}（摘要 {sp.digest}）：评估案例 {sp.eval_cases} 个"
        f"（含违规原文 {sp.eval_cases_with_text} 个，新导入后分到评估侧 "
        f"{len(sp.new_eval_cases)} 个），合规样本 "
        f"{sp.compliant_clauses} 条"
    ]
    m, comp = ev.metrics, card.comparison
    cm = comp.current_metrics if comp is not None else None
    lines.append(
        "  "
        + _pad("指标", 34)
        + _pad("新模型", 10, True)
        + _pad("当前模型", 10, True)
        + _pad("允许变化", 12, True)
    )
    rows: list[tuple[str, str, Any, Any, int]] = [
        (
            "case_recall",
            "评估集案例召回率（评估副本）",
            m.case_recall,
            cm.case_recall if cm else None,
            3,
        ),
        ("", "评估集片段召回率（评估副本）", ev.twin.cases.get("span_recall"), None, 3),
    ]
    rows += [
        (
            f"family:{fam}",
            f"  {fam}（{m.cases_by_family[fam]} 个）",
            m.case_recall_by_family.get(fam),
            cm.case_recall_by_family.get(fam) if cm else None,
            3,
        )
        for fam in FAMILIES
        if m.cases_by_family.get(fam)
    ]
    rows += [
        (
            "false_alarm_rate",
            "合规样本误报率（实际模型）",
            m.false_alarm_rate,
            cm.false_alarm_rate if cm else None,
            4,
        ),
        (
            "",
            "合规样本误报率（评估副本）",
            (ev.twin.compliant or {}).get("false_alarm_rate"),
            None,
            4,
        ),
    ]
    by_metric = {c.metric: c for c in (comp.checks if comp is not None else ())}
    for key, label, a, b, d in rows:
        chk = by_metric.get(key)
        lim = "—"
        if chk is not None and chk.candidate is not None and chk.current is not None:
            lim = f"{chk.allowed:+.{d}f}" + ("" if chk.ok else " ✗")
        lines.append(
            "  "
            + _pad(label, 34)
            + _pad(_f(a, d), 10, True)
            + _pad(_f(b, d), 10, True)
            + _pad(lim, 12, True)
        )
    if comp is not None and comp.current_model_id:
        basis = {
            "stored": "沿用其卡片中的评估结果",
            "re-evaluated": "已在本评估集上重新评估",
        }.get(comp.basis, "无法比较")
        lines.append(f"  当前模型：{comp.current_model_id}（{basis}）")
    return lines


def _new_case_lines(card: ModelCard) -> list[str]:
    nc = card.new_cases
    if nc is None:
        return []
    if nc.cases_with_text:
        before, after = nc.before or {}, nc.after or {}
        lines = [
            f"  新增案例（当前模型 {nc.current_model_id} 未学过）{nc.cases} 个，含违规原文 "
            f"{nc.cases_with_text} 个：案例召回率 学习前（当前模型）"
            f"{_f(before.get('case_recall'))}"
            f" → 学习后（新模型）{_f(after.get('case_recall'))}；片段召回率 "
            f"{_f(before.get('span_recall'))} → {_f(after.get('span_recall'))}"
        ]
        tw = nc.twin_on_eval_side
        if tw:
            lines.append(
                f"    其中分到评估侧的 {tw['cases']} 个，评估副本（未学过）案例召回率 "
                f"{_f(tw.get('case_recall'))}"
            )
        return lines
    if nc.cases == 0:
        return ["  新增案例：无（与当前模型的训练案例相同）"]
    return []
