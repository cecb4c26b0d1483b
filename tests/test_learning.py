"""The learning loop: ledger decisions, the evaluation split, the gate, the card, retrain.

Retraining runs on a small copy of the corpus with the fake embedder (a few seconds); quality
is measured by benchmarks/learning.py, not here.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from ledger_fixtures import CLAUSES, make_doc, make_findings

from screening import ledger as lg
from screening.cli import main
from screening.config import Settings
from screening.corpus import load_cases
from screening.corpus.schema import Case
from screening.corpus.store import REGULATION_NEGATIVES_PATH, read_rows
from screening.embed import get_embedder
from screening.errors import ModelError
from screening.learning import store
from screening.learning.card import ModelCard
from screening.learning.decisions import decisions_from_rows, read_decisions
from screening.learning.evalset import (
    COMPLIANT_FILE,
    SPEC_FILE,
    load_evalset,
    load_spec,
    training_sources,
)
from screening.learning.gate import GateMetrics, Tolerances, gate
from screening.learning.report import describe
from screening.learning.retrain import retrain
from screening.screen.classifier import COMPLIANT
from screening.screen.engine import Screener
from screening.screen.features import feature_names, similarity_names
from screening.screen.model import MODEL_FILE

ROOT = Path(__file__).resolve().parent.parent
DEPT = "县市场监管局"
FAKE = ("fake.v1",)


# --- ledger decisions → training examples ------------------------------------------------------


def _walk(db, case_id: int, state: str) -> None:
    """Move a case from 待核查 to ``state`` through the legal transitions."""
    if state == "待核查":
        return
    lg.assign(db, case_id, department=DEPT, assignee="张三", operator="李四")
    if state == "核查中":
        return
    lg.decide(
        db,
        case_id,
        confirmed=state != "已排除",
        reason="依据法规授权，不构成壁垒" if state == "已排除" else "以注册地为奖励条件",
        operator="李四",
        standards=["FCR-19-1"] if state != "已排除" else None,
    )
    if state in ("已认定", "已排除"):
        return
    lg.rectify(
        db,
        case_id,
        measures="删除该条款",
        responsible="王五",
        deadline="2030-12-31",
        operator="李四",
    )
    if state == "整改中":
        return
    lg.submit_review(db, case_id, operator="王五")
    if state == "待复核":
        return
    lg.close(db, case_id, operator="李四")


@pytest.mark.parametrize(
    ("state", "label", "counted_as"),
    [
        ("待核查", None, "open"),
        ("核查中", None, "open"),
        ("已认定", "影响生产经营成本", "positive"),
        ("整改中", "影响生产经营成本", "positive"),
        ("待复核", "影响生产经营成本", "positive"),
        ("已销号", "影响生产经营成本", "positive"),
        ("已排除", COMPLIANT, "negative"),
    ],
)
def test_ledger_decisions_by_state(tmp_path, state, label, counted_as):
    path = tmp_path / "ledger.db"
    db = lg.open_ledger(path)
    lg.add_department(db, DEPT)
    doc = make_doc([CLAUSES[1][0]])
    lg.record_findings(db, doc, make_findings(doc, [CLAUSES[1]]), operator="筛查程序")
    complaint = lg.create_case(db, source="投诉举报", title="12345 工单", operator="李四")
    _walk(db, 1, state)
    _walk(db, complaint, state)
    db.close()

    got = read_decisions(path)
    counts = got.counts()
    if counted_as == "open":
        assert got.decisions == [] and counts.open_cases_not_used == 2
        return
    assert counts.skipped_no_clause_text == 1  # the complaint: no clause to learn from
    (d,) = got.decisions
    assert (d.state, d.label, d.text) == (state, label, CLAUSES[1][0])
    ex = d.example()
    assert ex.source == "decision" and ex.label == label
    assert ex.group == f"ledger:doc:{doc.sha256}"
    if counted_as == "negative":
        assert counts.hard_negatives == 1 and d.reason == "依据法规授权，不构成壁垒"
        assert ex.codes == ()
    else:
        assert counts.positives == 1 and d.standards == ("FCR-19-1",)
        assert ex.codes == ("FCR-19-1",)


def test_missing_ledger_is_not_created(tmp_path):
    path = tmp_path / "no-ledger.db"
    got = read_decisions(path)
    assert got.decisions == [] and got.ledger is None
    assert not path.exists()


def test_same_clause_decided_both_ways_latest_wins():
    text = "对在本县注册的企业给予奖励。"
    cases = [
        {
            "id": 1,
            "status": "已排除",
            "updated_at": "2025-01-02 10:00:00",
            "standards": "[]",
            "decision_reason": "旧的判断",
        },
        {
            "id": 2,
            "status": "已认定",
            "updated_at": "2025-03-01 10:00:00",
            "standards": '["FCR-21-1"]',
            "decision_reason": "新的判断",
        },
    ]
    findings = [
        {
            "case_id": 1,
            "finding_id": "a",
            "doc_sha256": "d1",
            "clause": text,
            "standard": None,
            "data": "{}",
        },
        {
            "case_id": 2,
            "finding_id": "b",
            "doc_sha256": "d2",
            "clause": text,
            "standard": None,
            "data": "{}",
        },
    ]
    got = decisions_from_rows(cases, findings)
    (d,) = got.decisions
    assert d.label == "影响生产经营行为" and d.reason == "新的判断"
    assert got.counts().conflicting_texts_latest_used == 1


# --- the fixed evaluation split -----------------------------------------------------------------


def _new_case(cid: str, notice: str, spans=("申报企业须在本县注册并纳税满三年",), group=None):
    return Case(
        id=cid,
        source="NDRC",
        notice_title=notice,
        date=None,
        region=None,
        sector=None,
        class_1670=None,
        subtype=None,
        standards=(),
        legal_basis_raw=None,
        offending_text=tuple(spans),
        description=None,
        rectification=None,
        group_id=group,
    )


def test_split_file_is_followed_and_new_cases_never_move_old_assignments():
    corpus = ROOT / "corpus"
    cases = load_cases(corpus)
    spec = load_spec(corpus)
    base = load_evalset(corpus, cases)
    assert {c.id for c in base.eval} == set(spec["eval_cases"])
    assert {c.id for c in base.train} == set(spec["train_cases"])
    assert base.assigned == {}

    an_eval = next(c for c in base.eval if c.group_id)
    a_train = next(c for c in base.train if c.offending_text)
    first = [_new_case(f"imp-new-{i}", f"新通报（第{i}期）") for i in range(40)]
    linked = [
        _new_case("imp-dup-eval", "另一通报", group=an_eval.group_id),
        _new_case("imp-dup-train", "又一通报", spans=(a_train.offending_text[0],)),
        _new_case("imp-same-notice", a_train.notice_title),
    ]
    step1 = load_evalset(corpus, cases + first + linked)
    # listed cases keep their side
    assert {c.id for c in base.eval} <= {c.id for c in step1.eval}
    assert {c.id for c in base.train} <= {c.id for c in step1.train}
    assert step1.assigned["imp-dup-eval"] == "eval"
    assert step1.assigned["imp-dup-train"] == "train"
    assert step1.assigned["imp-same-notice"] == "train"
    share = sum(step1.assigned[c.id] == "eval" for c in first) / len(first)
    assert 0.05 < share < 0.5  # ~25 % of new notices by hash
    # a later import moves nothing assigned before
    later = [_new_case(f"imp-later-{i}", f"后来的通报{i}") for i in range(10)]
    step2 = load_evalset(corpus, cases + first + linked + later)
    assert {k: step2.assigned[k] for k in step1.assigned} == step1.assigned
    # the digest names the evaluation side: equal sides, equal digests
    assert load_evalset(corpus, cases).digest == base.digest
    assert step1.digest != base.digest


def test_tampered_compliant_sample_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus" / "eval", corpus / "eval")
    with (corpus / COMPLIANT_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "cmp-x", "text": "新增的一条", "leadin": None}) + "\n")
    with pytest.raises(ModelError, match="哈希值不符"):
        load_evalset(corpus, [])


def test_compliant_sample_leaves_out_regulations_that_train(tmp_path):
    """A corpus whose negatives take more regulations (a larger training share) keeps only the
    sample's clauses of regulations it does not train on; the file stays as it is."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus" / "eval", corpus / "eval")
    (corpus / "negatives").mkdir()
    full = load_evalset(corpus, [])  # no negatives: the whole sample
    assert len(full.compliant) == full.info().compliant_clauses == 7499
    shipped = load_evalset(ROOT / "corpus", [])  # trains on 40 % (the sample was drawn at 20 %)
    trained = training_sources(ROOT / "corpus")
    assert 5000 < len(shipped.compliant) < len(full.compliant)
    assert not {c.source for c in shipped.compliant} & trained
    sources = sorted({c.source for c in full.compliant})[:3]
    rows = [
        {
            "id": f"neg-{i}",
            "text": "条款",
            "label": "compliant_presumed",
            "provenance": {"source": src},
        }
        for i, src in enumerate(sources)
    ]
    (corpus / "negatives" / "local_regulations.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    used = load_evalset(corpus, [])
    dropped = {c.id for c in full.compliant if c.source in sources}
    assert dropped and {c.id for c in used.compliant} == {c.id for c in full.compliant} - dropped
    assert used.digest != full.digest  # a different sample: not comparable


def test_committed_compliant_sample_matches_split_file():
    spec = json.loads((ROOT / "corpus" / SPEC_FILE).read_text(encoding="utf-8"))
    data = (ROOT / "corpus" / COMPLIANT_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == spec["compliant_sample"]["sha256"]
    assert spec["compliant_sample"]["clauses"] == data.count(b"\n") > 5000


# --- the promotion gate -------------------------------------------------------------------------

FAM_A, FAM_B, FAM_C = "限制市场准入和退出", "影响生产经营成本", "影响生产经营行为"


def _metrics(recall, fam_a, fam_b, fa, fam_c=0.0):
    return GateMetrics(
        case_recall=recall,
        cases=62,
        case_recall_by_family={FAM_A: fam_a, FAM_B: fam_b, FAM_C: fam_c},
        cases_by_family={FAM_A: 38, FAM_B: 12, FAM_C: 1},
        false_alarm_rate=fa,
        compliant_clauses=7499,
    )


CURRENT = _metrics(0.85, 0.80, 0.90, 0.0020)


@pytest.mark.parametrize(
    ("candidate", "current", "passed", "reason_bits"),
    [
        (_metrics(0.85, 0.80, 0.90, 0.0020), CURRENT, True, []),
        (_metrics(0.90, 0.85, 0.95, 0.0010), CURRENT, True, []),  # better everywhere
        (_metrics(0.83, 0.80, 0.90, 0.0020), CURRENT, True, []),  # −0.02: at the tolerance
        (
            _metrics(0.82, 0.80, 0.90, 0.0020),
            CURRENT,
            False,
            ["评估集案例召回率", "0.850", "0.820"],
        ),
        (_metrics(0.85, 0.74, 0.90, 0.0020), CURRENT, False, ["“限制市场准入和退出”类"]),
        (_metrics(0.85, 0.80, 0.84, 0.0020), CURRENT, False, ["“影响生产经营成本”类"]),
        # a family with one evaluation case is not compared on its own
        (_metrics(0.85, 0.80, 0.90, 0.0020, fam_c=-1.0), CURRENT, True, []),
        (_metrics(0.85, 0.80, 0.90, 0.0040), CURRENT, True, []),  # +0.002: at the tolerance
        (_metrics(0.85, 0.80, 0.90, 0.0041), CURRENT, False, ["合规样本误报率", "上升"]),
        (_metrics(0.70, 0.60, 0.50, 0.0500), None, True, []),  # no current model
        # a current model without a twin: only the false-alarm rate is compared
        (
            _metrics(0.10, 0.10, 0.10, 0.0020),
            replace(CURRENT, case_recall=None, case_recall_by_family={}),
            True,
            [],
        ),
    ],
)
def test_gate(candidate, current, passed, reason_bits):
    ok, checks, reasons = gate(candidate, current, Tolerances())
    assert ok is passed
    text = "；".join(reasons)
    for bit in reason_bits:
        assert bit in text
    if current is not None:
        assert {c.metric for c in checks} >= {"case_recall", "false_alarm_rate"}
        assert f"family:{FAM_C}" not in {c.metric for c in checks}


def test_tolerances_come_from_settings():
    s = Settings(promote_max_recall_drop=0.1, promote_family_min_cases=3)
    tol = Tolerances.from_settings(s)
    assert tol.max_recall_drop == 0.1 and tol.family_min_cases == 3
    assert "0.100" in tol.describe()


# --- the typed model card -------------------------------------------------------------------------

TRAINED_CARD = {  # what training wrote before component versions (a source-file hash instead)
    "model_id": "hybrid.v1-0123456789-abcdef-1a2b-s0",
    "strategy": "hybrid.v1",
    "engine_code_sha256": "f" * 64,
    "screening_version": "0.1.0",
    "embedders": ["e5-small.v1", "use-m.v1"],
    "embedder_info": {"e5-small.v1": {"dim": 384}},
    "embedding_set": "e5-small.v1+use-m.v1",
    "data_sha256": "a" * 64,
    "data": {
        "positives": 310,
        "negatives_regulations": 6000,
        "negatives_policy_documents": 120,
        "negatives_laws": 700,
        "decisions": 0,
        "cases": 420,
        "precedents": 430,
        "by_family": {FAM_A: 100, "?": 3},
        "barriers_with_article": 250,
    },
    "negative_sampling": "推定合规",
    "threshold": 0.31,
    "threshold_rule": "误报率不超过 0.2%",
    "oof_recall": 0.81,
    "oof_recall_by_family": {FAM_A: 0.8},
    "oof_false_alarm_rate": 0.01,
    "oof_false_alarm_rate_regulations": 0.002,
    "features": ["e5-small.v1:sim_max"],
    "seed": 0,
    "train_seconds": 120.5,
    "versions": {"python": "3.11.7", "numpy": "2.0"},
    "gate": {
        "threshold": 0.12,
        "rule": "TF-IDF",
        "oof_pass_rate_regulations": 0.3,
        "oof_recall": 0.975,
    },
}
RETRAINED_CARD = {
    **TRAINED_CARD,
    "training_case_ids": ["c1", "c2"],
    "decisions": {
        "ledger": None,
        "positives": 0,
        "hard_negatives": 0,
        "by_state": {},
        "skipped_no_clause_text": 0,
        "open_cases_not_used": 0,
        "conflicting_texts_latest_used": 0,
        "too_short": 0,
    },
    "evaluation": {
        "split": {
            "version": "split.v1",
            "digest": "0123456789abcdef",
            "rule": "按通报划分",
            "train_cases": 300,
            "eval_cases": 100,
            "eval_cases_with_text": 62,
            "new_cases_assigned": {"eval": ["imp-1"], "train": 2},
            "compliant_sample": {
                "file": "eval/compliant.v1.jsonl",
                "sha256": "b" * 64,
                "clauses": 7499,
            },
        },
        "twin": {
            "model_id": "hybrid.v1-twin",
            "train_cases": 300,
            "decisions_used": 0,
            "decisions_held_out": 0,
            "threshold": 0.3,
            "cases": {"case_recall": 0.85, "span_recall": 0.8},
            "compliant": {"false_alarm_rate": 0.002},
        },
        "model": {"compliant": {"false_alarm_rate": 0.0021}},
        "metrics": _metrics(0.85, 0.80, 0.90, 0.0021).to_dict(),
    },
    "comparison": {
        "current_model_id": "hybrid.v1-older",
        "basis": "stored",
        "note": None,
        "current_metrics": {**CURRENT.to_dict(), "case_recall": None},
        "checks": [
            {
                "metric": "false_alarm_rate",
                "label": "合规样本误报率",
                "candidate": 0.0021,
                "current": 0.002,
                "allowed": 0.002,
                "n": 7499,
                "ok": True,
                "delta": 0.0001,
            }
        ],
    },
    "new_cases": {
        "current_model_id": "hybrid.v1-older",
        "cases": 0,
        "cases_with_text": 0,
        "ids": [],
    },
    "promotion": {
        "rule": "不退步",
        "tolerances": Tolerances().to_dict(),
        "passed": False,
        "reasons": ["评估集案例召回率下降"],
        "promoted_at_retrain": False,
    },
    "timing_seconds": {"twin_train": 60.0, "total": 150.0},
}


@pytest.mark.parametrize("old", [TRAINED_CARD, RETRAINED_CARD], ids=["trained", "retrained"])
def test_older_cards_load_typed_and_are_written_back_unchanged(old):
    card = ModelCard.from_dict(json.loads(json.dumps(old)))
    assert card.to_dict() == old
    assert card.extra == {"engine_code_sha256": "f" * 64}
    assert card.is_stale()  # no component versions: retrained before use
    assert card.data.cases == 420 and card.gate.oof_recall == 0.975
    lines = describe(card)
    assert lines[0] == f"模型 {old['model_id']}"
    if old is TRAINED_CARD:
        assert "台账决定：（模型卡片未记录" in lines[1] and card.gate_refusal() is None
    else:
        assert card.evaluation.split.new_eval_cases == ["imp-1"]
        assert card.comparison.checks[0].delta == pytest.approx(0.0001)
        assert card.gate_refusal() == "评估集案例召回率下降"
        assert any("晋级检查：未通过——评估集案例召回率下降" in line for line in lines)


@pytest.mark.parametrize(
    ("data", "ok"),
    [({"model_id": "x"}, True), ({}, True), ([], False), ("card", False)],
)
def test_partial_or_malformed_cards(data, ok):
    if not ok:
        with pytest.raises(ValueError):
            ModelCard.from_dict(data)
        return
    card = ModelCard.from_dict(data)
    assert card.is_stale() and card.evaluation is None and describe(card)


# --- layers point one way -----------------------------------------------------------------------


def _imported(path: Path) -> set[str]:
    """Every screening module ``path`` imports, relative imports resolved."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            out.add(name)
            out |= {f"{name}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


@pytest.mark.parametrize(
    ("layer", "must_not_import"),
    [
        ("screen", ("learning", "ledger", "reports", "cli")),
        ("ledger", ("screen", "learning", "cli")),
        ("learning", ("cli", "reports")),
    ],
)
def test_layers_point_one_way(layer, must_not_import):
    bad = [
        f"{path.relative_to(ROOT)} → {name}"
        for path in sorted((ROOT / "screening" / layer).rglob("*.py"))
        for name in _imported(path)
        if any(name.startswith(f"screening.{other}") for other in must_not_import)
    ]
    assert not bad


# --- retraining on a small corpus with the fake embedder --------------------------------------


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """Every third case with offending text, a twentieth of the regulation negatives, the rule
    texts, and the evaluation split with a 400-clause compliant sample (hash recomputed)."""
    src, out = ROOT / "corpus", tmp_path_factory.mktemp("corpus")
    for sub in ("standards", "guidance", "laws", "negative_list"):
        shutil.copytree(src / sub, out / sub)
    (out / "cases").mkdir()
    (out / "negatives").mkdir()
    (out / "eval").mkdir()
    lines = (src / "cases" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    keep = [ln for ln in lines if json.loads(ln)["offending_text"]][::3]
    (out / "cases" / "cases.jsonl").write_text("\n".join(keep) + "\n", encoding="utf-8")
    negs = read_rows(src / REGULATION_NEGATIVES_PATH)[::20]
    (out / "negatives" / "local_regulations.jsonl").write_text(  # plain: readers take both
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in negs), encoding="utf-8"
    )
    sample = (src / COMPLIANT_FILE).read_text(encoding="utf-8").splitlines()[::18]
    (out / COMPLIANT_FILE).write_text("\n".join(sample) + "\n", encoding="utf-8")
    spec = json.loads((src / SPEC_FILE).read_text(encoding="utf-8"))
    spec["compliant_sample"]["sha256"] = hashlib.sha256(
        (out / COMPLIANT_FILE).read_bytes()
    ).hexdigest()
    spec["compliant_sample"]["clauses"] = len(sample)
    (out / SPEC_FILE).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return out


def _settings(corpus: Path, models: Path, ledger: Path | None = None) -> Settings:
    return Settings(corpus=corpus, models=models, ledger=ledger or models / "no-ledger.db")


@pytest.fixture(scope="module")
def warm_embeddings(small_corpus, tmp_path_factory):
    """A fake-embedding cache of the small corpus, copied into each test's models directory."""
    models = tmp_path_factory.mktemp("warm")
    retrain(_settings(small_corpus, models), embedder_names=FAKE)
    return models / "embeddings"


def _models(tmp_path: Path, name: str, warm: Path) -> Path:
    shutil.copytree(warm, tmp_path / name / "embeddings")
    return tmp_path / name


@pytest.mark.slow
def test_retrain_is_deterministic(small_corpus, warm_embeddings, tmp_path):
    a = retrain(
        _settings(small_corpus, _models(tmp_path, "a", warm_embeddings)), embedder_names=FAKE
    )
    b = retrain(
        _settings(small_corpus, _models(tmp_path, "b", warm_embeddings)), embedder_names=FAKE
    )
    assert a.model.model_id == b.model.model_id
    assert a.twin.model_id == b.twin.model_id
    assert a.card.evaluation.metrics == b.card.evaluation.metrics
    texts = ["申报企业须在本县注册并纳税。", "对新引进企业按其地方经济发展贡献的80%给予奖励。"]
    fake = {"fake.v1": get_embedder("fake.v1")}
    scores = []
    for name in ("a", "b"):
        settings = _settings(small_corpus, tmp_path / name)
        scores.append(Screener(settings, store.load_current(settings), fake).score_clauses(texts))
    assert np.array_equal(scores[0], scores[1]) and scores[0].max() > 0
    assert a.promoted and a.card.promotion.passed
    assert (tmp_path / "a" / "screener" / a.model.model_id / "twin" / MODEL_FILE).is_file()
    assert not (tmp_path / "a" / "no-ledger.db").exists()  # retrain never creates a ledger


def cases_file_lines(corpus: Path) -> list[str]:
    return (corpus / "cases" / "cases.jsonl").read_text(encoding="utf-8").splitlines()


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.slow
def test_cli_retrain_gate_show_promote_force(small_corpus, warm_embeddings, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(small_corpus, corpus)
    models, ledger = _models(tmp_path, "models", warm_embeddings), tmp_path / "ledger.db"
    common = ["--corpus", str(corpus), "--models", str(models), "--ledger", str(ledger)]

    # a reviewer dismissed a clause: it becomes a hard negative of the next model
    db = lg.open_ledger(ledger)
    lg.add_department(db, DEPT)
    doc = make_doc([CLAUSES[1][0]])
    lg.record_findings(db, doc, make_findings(doc, [CLAUSES[1]]), operator="筛查程序")
    _walk(db, 1, "已排除")
    db.close()

    first = _cli(*common, "model", "retrain", "--embedders", "fake.v1")
    assert first.exit_code == 0, first.output
    assert "晋级检查：通过，已设为当前模型" in first.stdout
    assert "排除 1 条" in first.stdout
    first_id = store.current_id(Settings(models=models))

    # Pretend the current model did much better on the same evaluation set (its stored figures
    # are reused while the set is unchanged), and give the candidate new data: it is kept.
    card_path = models / "screener" / first_id / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["evaluation"]["twin"]["cases"]["case_recall"] = 1.0
    card_path.write_text(json.dumps(card, ensure_ascii=False), encoding="utf-8")
    db = lg.open_ledger(ledger)
    doc = make_doc([CLAUSES[2][0]], path="/政策/柳河.docx")
    lg.record_findings(db, doc, make_findings(doc, [CLAUSES[2]]), operator="筛查程序")
    _walk(db, 2, "已认定")
    db.close()
    second = _cli(*common, "model", "retrain", "--embedders", "fake.v1")
    assert second.exit_code == 0, second.output
    assert "未设为当前模型" in second.stdout and "评估集案例召回率从 1.000 降到" in second.stdout
    assert "沿用其卡片中的评估结果" in second.stdout
    assert store.current_id(Settings(models=models)) == first_id
    new_id = next(m.model_id for m in store.list_models(Settings(models=models)) if not m.current)
    listing = _cli(*common, "model", "list")
    assert "✗未通过晋级检查" in listing.stdout
    shown = _cli(*common, "model", "show", new_id)
    assert (
        shown.exit_code == 0 and "当前模型" in shown.stdout and "晋级检查：未通过" in shown.stdout
    )
    as_json = json.loads(_cli(*common, "model", "show", new_id, "--format", "json").stdout)
    assert as_json["comparison"]["current_model_id"] == first_id
    assert as_json["promotion"]["passed"] is False

    refused = _cli(*common, "model", "promote", new_id)
    assert refused.exit_code == 1 and "--force" in refused.stderr
    forced = _cli(*common, "model", "promote", new_id, "--force")
    assert forced.exit_code == 0 and "强制启用" in forced.stdout
    back = _cli(*common, "model", "rollback")
    assert back.exit_code == 0 and first_id in back.stdout

    # A newly imported notice: the evaluation set changes, the current model is measured again
    # (its twin on the new set) and the card shows recall on the new cases before and after.
    rows = [json.loads(r) for r in cases_file_lines(corpus)]
    row = next(r for r in rows if r["id"] in set(load_spec(corpus)["eval_cases"]))
    row.update(id="imp-000000000001", group_id=None)  # same notice as an evaluation case
    (corpus / "cases" / "imported.jsonl").write_text(
        json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    third = _cli(*common, "model", "retrain", "--embedders", "fake.v1", "--no-promote")
    assert third.exit_code == 0, third.output
    assert "已在本评估集上重新评估" in third.stdout
    assert "新增案例（当前模型" in third.stdout and "学习前（当前模型）" in third.stdout
    assert "分到评估侧" in third.stdout  # the new case joined its notice on the evaluation side
    assert store.current_id(Settings(models=models)) == first_id  # --no-promote (or kept)


# --- damaged or missing model files -----------------------------------------------------------


def test_damaged_current_model_says_how_to_recover(tmp_path, warm_embeddings):
    warm = warm_embeddings.parent
    model_id = store.current_id(Settings(models=warm))
    models = tmp_path / "models"
    root = store.root(Settings(models=models))
    shutil.copytree(store.root(Settings(models=warm)) / model_id, root / model_id)
    shutil.copytree(store.root(Settings(models=warm)) / model_id, root / "older-model")
    store.promote(Settings(models=models), "older-model")
    store.promote(Settings(models=models), model_id)
    (root / model_id / MODEL_FILE).write_bytes(b"\x80\x04 damaged")

    r = _cli("--models", str(models), "check", "申报企业须在本县注册并纳税")
    assert r.exit_code == 1
    assert "已损坏或与当前软件版本不兼容" in r.stderr
    assert "screening model retrain" in r.stderr and "screening model rollback" in r.stderr
    back = _cli("--models", str(models), "model", "rollback")
    assert back.exit_code == 0 and "older-model" in back.stdout

    shutil.rmtree(root / "older-model")  # the current model's directory vanished
    r = _cli("--models", str(models), "check", "申报企业须在本县注册并纳税")
    assert r.exit_code == 1 and "不完整" in r.stderr and "rollback" in r.stderr

    (root / model_id / "card.json").write_text("{", encoding="utf-8")
    r = _cli("--models", str(models), "model", "show", model_id)
    assert r.exit_code == 1 and "模型卡片已损坏" in r.stderr and "rollback" in r.stderr


def test_compliant_sample_is_scored_as_in_a_document(warm_embeddings):
    """score_clauses (used for the false-alarm rate) gives the scores screen_document gives."""
    from screening.screen.features import leadins
    from screening.segment import segment

    settings = Settings(models=warm_embeddings.parent)
    screener = Screener(
        settings, store.load_current(settings), {"fake.v1": get_embedder("fake.v1")}, threshold=0.0
    )
    text = (
        "第三条 政策制定机关不得含有下列内容：\n（一）限定经营者在本地注册登记；\n"
        "（二）对外地企业设置歧视性收费标准。\n第四条 申报企业须在本县注册并纳税。\n"
        "第五条 本办法自发布之日起施行。"
    )
    findings = {f.clause: f.score for f in screener.check_text(text)}
    doc_clauses = segment(screener_doc(text))
    leads = leadins(doc_clauses)
    scores = screener.score_clauses([c.text for c in doc_clauses], leads)
    assert findings
    for c, s in zip(doc_clauses, scores, strict=True):
        if c.text in findings:
            assert s == pytest.approx(findings[c.text], abs=1e-4)
        else:
            assert s == 0.0


def screener_doc(text: str):
    from screening.parse._build import DocumentBuilder

    b = DocumentBuilder()
    for line in text.splitlines():
        b.add(line)
    return b.build(path=Path("<x>"), sha256=hashlib.sha256(text.encode()).hexdigest(), fmt="txt")


def test_training_features_in_slices_equal_all_at_once(small_corpus, tmp_path, monkeypatch):
    """Similarity features are computed FEATURE_ROWS examples at a time (memory); the matrix
    is the same as computing every row at once."""
    from screening.learning import train as tr
    from screening.screen.embcache import EmbeddingCache

    settings = _settings(small_corpus, tmp_path)
    data = tr.training_data(small_corpus)
    caches = {n: EmbeddingCache(get_embedder(n, settings), tmp_path / "emb") for n in FAKE}
    monkeypatch.setattr(tr, "FEATURE_ROWS", 10**9)
    whole, y, _ = tr._fit_features(data, caches)
    monkeypatch.setattr(tr, "FEATURE_ROWS", 37)
    sliced, y2, _ = tr._fit_features(data, caches)
    assert len(data.examples) > 3 * 37
    assert np.array_equal(whole, sliced) and np.array_equal(y, y2)


# --- stage 2a: a classifier without the first embedder ----------------------------------------


class _Counting:
    """An embedder that remembers every text it was asked to embed."""

    def __init__(self, inner, name: str) -> None:
        self.inner, self.name, self.dim, self.seen = inner, name, inner.dim, []

    def encode(self, texts, **kwargs):
        self.seen += list(texts)
        return self.inner.encode(texts, **kwargs)

    def version_info(self) -> dict:
        return {**self.inner.version_info(), "name": self.name}


@pytest.fixture(scope="module")
def two_embedder_model(small_corpus, tmp_path_factory):
    from screening.embed.fake import FakeEmbedder
    from screening.learning.train import train

    settings = _settings(small_corpus, tmp_path_factory.mktemp("cascade"))
    embedders = {"fake-wide": _Counting(FakeEmbedder(96), "fake-wide"), "fake.v1": FakeEmbedder()}
    return settings, train(settings, embedders=embedders)


def _cascade_docs(small_corpus: Path) -> list:
    cases = load_cases(small_corpus)
    offending = [t for c in cases for t in c.offending_text][:30]
    negs = (small_corpus / "negatives" / "local_regulations.jsonl").read_text(encoding="utf-8")
    compliant = [json.loads(ln)["text"] for ln in negs.splitlines()][:150]
    return [
        screener_doc("\n".join(compliant[i * 25 : (i + 1) * 25] + offending[i * 5 : (i + 1) * 5]))
        for i in range(6)
    ]


def _run(settings, model, cascade, docs, threshold=None):
    from screening.embed.fake import FakeEmbedder

    first = _Counting(FakeEmbedder(96), "fake-wide")
    screener = Screener(
        settings, model, {"fake-wide": first, "fake.v1": FakeEmbedder()}, threshold, cascade=cascade
    )
    found = {f.finding_id: f.to_dict() for _, fs in screener.screen_many(docs) for f in fs}
    return found, screener.stats, first.seen


def test_stage_2a_spares_the_first_embedder_and_keeps_the_full_models_scores(
    two_embedder_model, small_corpus
):
    settings, model = two_embedder_model
    cascade = model.cascade
    assert cascade is not None and cascade.embedder == "fake-wide"
    # its classifier reads every column but the first embedder's similarities and vector
    width = 2 * len(feature_names()) + 96 + 64
    assert len(cascade.columns) == width - len(similarity_names()) - 96
    assert 0.0 < cascade.threshold < model.threshold
    docs = _cascade_docs(small_corpus)
    full, full_stats, full_seen = _run(settings, model, False, docs)
    fast, fast_stats, fast_seen = _run(settings, model, True, docs)
    assert full_stats.stage2 == full_stats.stage1 == fast_stats.stage1
    assert 0 < fast_stats.stage2 < fast_stats.stage1  # some clauses never reach the first embedder
    assert len(set(fast_seen)) <= fast_stats.stage2 < len(set(full_seen))
    # what the cascade lets through is scored exactly as without it; what it stops is nothing
    # the full model finds here
    assert fast and set(fast) <= set(full)
    assert all(fast[k] == full[k] for k in fast)
    # by default it is on at the model's threshold, off below it (not what it was set for)
    assert _run(settings, model, None, docs)[1].stage2 == fast_stats.stage2
    low = _run(settings, model, None, docs, threshold=model.threshold / 2)[1]
    assert low.stage2 == low.stage1


def test_stage_2a_survives_save_and_load(two_embedder_model, small_corpus, tmp_path):
    from screening.screen.model import load_model
    from screening.screen.runtime import Barrier

    settings, model = two_embedder_model
    saved = store.save(replace(settings, models=tmp_path), model)
    loaded = load_model(saved)
    assert isinstance(loaded.cascade.classifier, Barrier)  # runtime.pkl: no scikit-learn
    assert np.array_equal(loaded.cascade.columns, model.cascade.columns)
    assert loaded.cascade.threshold == model.cascade.threshold
    assert loaded.cascade.gate is False  # Recipe.cascade_gate is off by default
    docs = _cascade_docs(small_corpus)
    assert _run(settings, loaded, True, docs)[0] == _run(settings, model, True, docs)[0]
    # the model card shows it: its rule and out-of-fold figures
    shown = _cli("--models", str(tmp_path), "model", "show", model.model_id)
    assert shown.exit_code == 0, shown.output
    line = next(ln for ln in shown.stdout.splitlines() if "第 2a 级" in ln)
    assert "不用 fake-wide 的分类器" in line and f"阈值 {round(model.cascade.threshold, 6)}" in line
    assert "交叉验证中漏过完整模型报出的违规样本" in line and "放过训练用法规条款" in line


def test_stage_2a_with_the_gate_lever_reads_the_stage_1_gate_score(small_corpus, tmp_path_factory):
    from screening.embed.fake import FakeEmbedder
    from screening.learning.train import Recipe, train
    from screening.screen.tender import read_structure
    from screening.segment import segment

    settings = _settings(small_corpus, tmp_path_factory.mktemp("cascade-gate"))
    embedders = {"fake-wide": FakeEmbedder(96), "fake.v1": FakeEmbedder()}
    model = train(settings, embedders=embedders, recipe=Recipe(cascade_gate=True))
    assert model.cascade.gate is True
    probe = Screener(settings, model, {"fake-wide": FakeEmbedder(96), "fake.v1": FakeEmbedder()})
    doc = _cascade_docs(small_corpus)[0]
    clauses = segment(doc)
    first = probe.stage1(clauses, read_structure(doc, clauses))
    assert len(first.gate) == len(first.picked) > 2
    want = model.gate_scores([c.text for c in first.picked])
    assert np.allclose(first.gate, want)  # the score stage 1 computed, carried along
    vectors = probe._encode([c.text for c in first.picked], ["fake.v1"])
    X = model.cheap_features(first.views, vectors, None, first.gate)
    assert X.shape[1] == len(model.cascade.columns) + 1
    clf = model.cascade.classifier
    p = clf.barrier_proba(X)
    # a clause the gate found barrier-like looks more so to stage 2a, all else equal
    assert np.all(clf.barrier_proba(np.hstack([X[:, :-1], X[:, -1:] + 5])) >= p)
    assert not np.allclose(clf.barrier_proba(np.hstack([X[:, :-1], X[:, -1:] - 5])), p)
    with pytest.raises(ValueError, match="gate scores"):
        model.cheap_features(first.views, vectors, None, first.gate[:-1])
    # a cascade without the lever (or pickled before it) reads no gate column
    old = replace(model, cascade=replace(model.cascade, gate=False))
    assert old.cheap_features(first.views, vectors).shape[1] == len(model.cascade.columns)
    # the stage-1 result of a few of the clauses keeps their own gate scores
    keep = {first.picked[0].index, first.picked[-1].index}
    assert first.only(keep).gate == [first.gate[0], first.gate[-1]]


def test_stage_2a_that_stops_everything_leaves_only_tender_rule_matches(
    two_embedder_model, small_corpus
):
    from screening.embed.fake import FakeEmbedder
    from screening.screen.tender import read_structure
    from screening.segment import segment

    settings, model = two_embedder_model
    closed = replace(model, cascade=replace(model.cascade, threshold=1.1))
    tender = screener_doc("投标人须在本县设立分支机构，否则不得参加投标。")
    docs = [tender, *_cascade_docs(small_corpus)]
    found, stats, seen = _run(settings, closed, True, docs)
    # only the clauses a tender rule matched reach the first embedder and can be findings
    probe = Screener(settings, model, {"fake-wide": FakeEmbedder(96), "fake.v1": FakeEmbedder()})
    ruled, unruled = set(), []
    for doc in docs:
        clauses = segment(doc)
        first = probe.stage1(clauses, read_structure(doc, clauses))
        ruled |= {c.text for c, hits in zip(first.picked, first.hits, strict=True) if hits}
        unruled += [c.text for c, hits in zip(first.picked, first.hits, strict=True) if not hits]
    assert stats.stage1 > len(ruled) > 0
    assert set(seen) == ruled and stats.stage2 == len(ruled)
    assert "投标人须在本县设立分支机构，否则不得参加投标。" in ruled
    assert {f["clause"] for f in found.values()} <= ruled
    # and a document whose stage-1 clauses stage 2a stops entirely screens to nothing, without
    # calling the first embedder
    plain = screener_doc("\n".join(unruled[:4]))
    found, stats, seen = _run(settings, closed, True, [plain])
    assert (found, seen, stats.stage2) == ({}, [], 0) and stats.stage1 == 4
