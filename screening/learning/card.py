"""The model card: what a saved screening model was trained on, how it measured, and its fate.

``card.json`` beside each model is this record as JSON (sorted keys, readable Chinese). Cards
written by older versions load too: missing parts are None or empty, unknown keys (such as the
``engine_code_sha256`` of cards from before component versions) are kept in ``extra`` and
written back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import versions
from .evalset import SplitInfo
from .gate import Check, GateMetrics, Tolerances
from .records import Record


@dataclass(frozen=True)
class TrainingCounts(Record):
    """The training examples and precedents behind a model (card ``data``)."""

    cases: int | None = None
    positives: int | None = None
    negatives_regulations: int | None = None
    # the training regulations' other trigger-bearing clauses (Recipe.hard_negatives)
    negatives_regulations_hard: int | None = None
    negatives_policy_documents: int | None = None
    negatives_laws: int | None = None
    decisions: int | None = None
    precedents: int | None = None
    by_family: dict[str, int] = field(default_factory=dict)
    barriers_with_article: int | None = None


@dataclass(frozen=True)
class DecisionCounts(Record):
    """What a model card records about the ledger decisions it was trained with."""

    OMIT_NONE = False

    ledger: str | None = None  # None: no ledger file, or reading it was not asked for
    positives: int = 0
    hard_negatives: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    skipped_no_clause_text: int = 0
    open_cases_not_used: int = 0
    conflicting_texts_latest_used: int = 0
    too_short: int = 0


@dataclass(frozen=True)
class GateInfo(Record):
    """The cheap first stage (character TF-IDF gate): its threshold and out-of-fold figures."""

    threshold: float | None = None
    threshold_alone: float | None = None  # for clauses with no trigger word (None: never pass)
    rule: str = ""
    oof_pass_rate_regulations: float | None = None
    oof_recall: float | None = None


@dataclass(frozen=True)
class CascadeInfo(Record):
    """Stage 2a (``screen.model.Cascade``): the embedder it does without, its threshold and
    out-of-fold figures on the training examples stage 1 lets through."""

    embedder: str = ""
    threshold: float | None = None
    rule: str = ""
    oof_pass_rate_regulations: float | None = None  # training regulation clauses it passes
    oof_miss: float | None = None  # barriers the full model flags that it stops


@dataclass(frozen=True)
class TwinEvaluation(Record):
    """The evaluation twin (trained on the split's train side) measured on the evaluation side."""

    model_id: str = ""
    train_cases: int | None = None
    decisions_used: int | None = None
    decisions_held_out: int | None = None
    threshold: float | None = None
    cases: dict[str, Any] = field(default_factory=dict)  # evaluate.summarise_cases
    compliant: dict[str, Any] | None = None  # evaluate.false_alarms


@dataclass(frozen=True)
class ModelEvaluation(Record):
    compliant: dict[str, Any] | None = None  # the deployed model's false alarms


@dataclass(frozen=True)
class Evaluation(Record):
    split: SplitInfo = field(default_factory=SplitInfo)
    twin: TwinEvaluation = field(default_factory=TwinEvaluation)
    model: ModelEvaluation = field(default_factory=ModelEvaluation)
    metrics: GateMetrics = field(default_factory=GateMetrics)  # what the gate compared


@dataclass(frozen=True)
class Comparison(Record):
    """The model that was current at retrain time, and the gate's checks against it."""

    OMIT_NONE = False

    current_model_id: str | None = None
    basis: str = "none"  # stored | re-evaluated | none
    note: str | None = None
    current_metrics: GateMetrics | None = None
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class NewCases(Record):
    """Recall on the cases the then-current model never trained on, before and after."""

    current_model_id: str | None = None
    cases: int | None = None
    cases_with_text: int | None = None
    ids: tuple[str, ...] | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    twin_on_eval_side: dict[str, Any] | None = None
    note: str | None = None


@dataclass(frozen=True)
class Promotion(Record):
    rule: str = ""
    tolerances: Tolerances = field(default_factory=Tolerances)
    passed: bool | None = None
    reasons: tuple[str, ...] = ()
    promoted_at_retrain: bool = False


@dataclass(frozen=True)
class ModelCard(Record):
    """Everything ``card.json`` holds. Training fills the first part, retraining the rest."""

    model_id: str = ""
    strategy: str = ""
    # versions.COMPONENTS at training time; None on cards from before component versions
    components: dict[str, str] | None = None
    screening_version: str = ""
    embedders: tuple[str, ...] = ()
    embedder_info: dict[str, Any] = field(default_factory=dict)
    embedding_set: str = ""
    data_sha256: str = ""
    data: TrainingCounts = field(default_factory=TrainingCounts)
    negative_sampling: str = ""
    threshold: float = 0.0
    threshold_rule: str = ""
    oof_recall: float = 0.0
    oof_recall_by_family: dict[str, float] = field(default_factory=dict)
    oof_false_alarm_rate: float | None = None
    oof_false_alarm_rate_regulations: float | None = None
    features: tuple[str, ...] = ()
    seed: int | None = None
    train_seconds: float | None = None
    versions: dict[str, str] = field(default_factory=dict)  # python and library versions
    gate: GateInfo | None = None
    cascade: CascadeInfo | None = None  # models since hybrid.v7 with two or more embedders
    # set by ``screening model retrain`` (absent on models trained at first use)
    training_case_ids: tuple[str, ...] | None = None
    decisions: DecisionCounts | None = None
    evaluation: Evaluation | None = None
    comparison: Comparison | None = None
    new_cases: NewCases | None = None
    promotion: Promotion | None = None
    timing_seconds: dict[str, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know

    def is_stale(self) -> bool:
        """Trained with other component versions than the running code's (retrain it)."""
        return self.components != versions.COMPONENTS

    def gate_refusal(self) -> str | None:
        """Why the model failed its promotion gate at retrain time (None if passed or none)."""
        if self.promotion is not None and self.promotion.passed is False:
            return "；".join(self.promotion.reasons or ("未通过晋级检查",))
        return None
