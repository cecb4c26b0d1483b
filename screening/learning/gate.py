"""The promotion gate: a candidate model is promoted unless it falls behind the current one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..domain import FAMILIES
from .records import Record

EPS = 1e-9


@dataclass(frozen=True)
class Tolerances(Record):
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

    def describe(self) -> str:
        return (
            f"与当前模型在同一评估集上比较（绝对差）：评估集案例召回率下降不超过 "
            f"{self.max_recall_drop:.3f}；评估案例不少于 {self.family_min_cases} 个的审查标准"
            f"类别，案例召回率下降不超过 {self.max_family_drop:.3f}；固定合规样本误报率上升不超过 "
            f"{self.max_false_alarm_rise:.4f}。召回率比较评估副本（只用评估集划分中的训练部分训练），"
            "误报率比较实际使用的模型。"
        )


@dataclass(frozen=True)
class GateMetrics(Record):
    """The figures the gate compares: the twin's recall on the evaluation cases and the
    deployed model's false-alarm rate on the compliant sample. None = not measured."""

    OMIT_NONE = False

    case_recall: float | None = None
    cases: int | None = None
    case_recall_by_family: dict[str, float] = field(default_factory=dict)
    cases_by_family: dict[str, int] = field(default_factory=dict)
    false_alarm_rate: float | None = None
    compliant_clauses: int | None = None

    @classmethod
    def of(cls, cases: dict[str, Any] | None, compliant: dict[str, Any] | None) -> GateMetrics:
        """From a case-recall summary (``evaluate.summarise_cases``) and a false-alarm one."""
        cases = cases or {}
        return cls(
            case_recall=cases.get("case_recall"),
            cases=cases.get("cases"),
            case_recall_by_family=cases.get("case_recall_by_family", {}),
            cases_by_family=cases.get("cases_by_family", {}),
            false_alarm_rate=(compliant or {}).get("false_alarm_rate"),
            compliant_clauses=(compliant or {}).get("clauses"),
        )


@dataclass
class Check(Record):
    """One comparison of the gate."""

    OMIT_NONE = False

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
        d = super().to_dict()
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
    candidate: GateMetrics, current: GateMetrics | None, tol: Tolerances
) -> tuple[bool, list[Check], list[str]]:
    """(passed, checks, reasons for failing) for two sets of evaluation metrics.

    A figure missing on either side is not compared; a family is compared on its own only
    when both sides have at least ``tol.family_min_cases`` evaluation cases of it.
    """
    if current is None:
        return True, [], []
    checks = [
        Check(
            "case_recall",
            "评估集案例召回率",
            candidate.case_recall,
            current.case_recall,
            -tol.max_recall_drop,
            candidate.cases,
        )
    ]
    for fam in FAMILIES:
        n = min(candidate.cases_by_family.get(fam, 0), current.cases_by_family.get(fam, 0))
        if n >= tol.family_min_cases:
            checks.append(
                Check(
                    f"family:{fam}",
                    f"“{fam}”类案例召回率",
                    candidate.case_recall_by_family.get(fam),
                    current.case_recall_by_family.get(fam),
                    -tol.max_family_drop,
                    n,
                )
            )
    checks.append(
        Check(
            "false_alarm_rate",
            "合规样本误报率",
            candidate.false_alarm_rate,
            current.false_alarm_rate,
            tol.max_false_alarm_rise,
            candidate.compliant_clauses,
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
