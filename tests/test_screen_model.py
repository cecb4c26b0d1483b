"""Training, persistence, loading, the engine and the scan CLI — with the fake embedder (fast).

The real embedders are exercised by tests/test_screen_golden.py; here every stage runs on the
real corpus but with ``fake.v1`` vectors, so the tests check plumbing and contracts, not quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.base import clone

from screening import versions
from screening.cli import main
from screening.config import Settings
from screening.corpus import load_cases, load_standards
from screening.errors import ModelError, ModelNotTrainedError
from screening.learning import first_use, store
from screening.learning import train as train_module
from screening.learning.card import ModelCard
from screening.learning.train import FALSE_ALARM_BUDGET, train
from screening.screen.classifier import BarrierClassifier
from screening.screen.engine import Screener
from screening.screen.labels import code_matches, family_of_code, is_item_code, split_cases
from screening.screen.model import MODEL_FILE, load_model

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {
    "path",
    "doc_sha256",
    "clause",
    "start",
    "end",
    "page",
    "article_path",
    "score",
    "standard",
    "standards",
    "family",
    "class_1670",
    "precedents",
    "rationale",
    "exception_note",
    "engine",
}


@pytest.fixture(scope="session")
def screener(fake_settings, fake_model):
    return Screener.load(fake_settings)


def test_card_states_data_threshold_and_rule(fake_model):
    card = fake_model.card
    assert card.strategy == versions.STRATEGY
    assert card.data.positives > 250
    assert card.data.negatives_regulations > 5000
    assert "推定合规" in card.negative_sampling
    assert card.oof_false_alarm_rate_regulations <= FALSE_ALARM_BUDGET + 1e-9
    assert 0 < card.threshold < 1
    assert card.gate is not None and card.gate.oof_recall >= 0.97


def test_card_records_component_versions_and_round_trips(fake_settings, fake_model):
    card = fake_model.card
    assert card.components == versions.COMPONENTS and not card.is_stale()
    assert versions.components_digest()[:6] in card.model_id  # names, not source-file hashes
    saved = json.loads(
        (store.root(fake_settings) / card.model_id / "card.json").read_text(encoding="utf-8")
    )
    assert saved["components"]["segmenter"] == versions.SEGMENTER
    assert ModelCard.from_dict(saved) == card
    assert ModelCard.from_dict(card.to_dict()).to_dict() == card.to_dict()


# A second full-corpus training (~90 s since hybrid.v6 doubled the regulation negatives): in
# make test-model. make test keeps tests/test_learning.py::test_retrain_is_deterministic, the
# same property on a small corpus.
@pytest.mark.trains
def test_training_is_deterministic(fake_settings, fake_model):
    again = train(fake_settings, embedder_names=("fake.v1",))
    assert again.model_id == fake_model.model_id
    assert again.threshold == pytest.approx(fake_model.threshold)


def test_save_load_roundtrip_scores_identically(fake_settings, fake_model):
    loaded = load_model(store.root(fake_settings) / fake_model.model_id)
    X = np.random.default_rng(0).normal(size=(4, fake_model.classifier.n_features_in_))
    for part in ("barrier_proba", "family_proba"):  # scored from runtime.pkl (screen.runtime)
        got, want = getattr(loaded.classifier, part)(X), getattr(fake_model.classifier, part)(X)
        assert np.allclose(got, want)
    for got, want in zip(
        loaded.articles.article_proba(X), fake_model.articles.article_proba(X), strict=True
    ):
        assert got == pytest.approx(want)
    texts = ["申报企业须在本县注册并纳税。", "本办法自发布之日起施行。"]
    assert np.allclose(loaded.gate_scores(texts), fake_model.gate_scores(texts), atol=1e-6)
    assert loaded.gate_threshold == fake_model.gate_threshold


def test_damaged_model_file_says_how_to_recover(tmp_path, fake_settings, fake_model):
    import shutil

    copy = tmp_path / "broken"
    shutil.copytree(store.root(fake_settings) / fake_model.model_id, copy)
    (copy / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(ModelError) as err:
        load_model(copy)
    assert str(err.value) == (
        f"模型错误：模型文件 {copy / MODEL_FILE} 已损坏或与当前软件版本不兼容。"
        "请运行 `screening model retrain` 重新训练，或用 `screening model rollback` 回到上一版本。"
    )


def test_rollback_without_history(tmp_path):
    with pytest.raises(ModelError, match="没有可以回退的上一版本模型"):
        store.rollback(Settings(models=tmp_path))


def test_classifier_follows_estimator_contract():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = np.array(["", "限制市场准入和退出", "影响生产经营成本"] * 40, dtype=object)
    X[y != ""] += 2.0
    clf = BarrierClassifier(C=0.5, cv=3)
    assert clone(clf).get_params()["C"] == 0.5
    assert clf.fit(X, y) is clf
    proba = clf.predict_proba(X)
    # one column per label seen in fit (scikit-learn's contract; see tests/test_estimators.py)
    assert list(clf.classes_) == ["", "影响生产经营成本", "限制市场准入和退出"]
    assert proba.shape == (120, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_split_never_separates_linked_duplicates():
    cases = load_cases(ROOT / "corpus")
    train_cases, test_cases = split_cases(cases)
    assert {c.id for c in train_cases}.isdisjoint({c.id for c in test_cases})
    assert {c.group_id for c in train_cases}.isdisjoint({c.group_id for c in test_cases})
    assert {c.notice_title for c in train_cases}.isdisjoint({c.notice_title for c in test_cases})
    assert split_cases(cases) == (train_cases, test_cases)
    spans = sum(len(c.offending_text) for c in test_cases)
    assert 0.15 < spans / sum(len(c.offending_text) for c in cases) < 0.35


@pytest.mark.parametrize(
    ("predicted", "truth", "ok"),
    [
        ("FCR-19-3", ("FCR-19-3",), True),
        ("FCR-19-3", ("FCR-19",), True),
        ("FCR-19-3", ("FCR-19-4",), False),
        ("FCR-12-2", ("FCR-19", "FCR-12-2"), True),
        (None, ("FCR-19",), False),
    ],
)
def test_code_matches(predicted, truth, ok):
    assert code_matches(predicted, truth) is ok


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("FCR-9-2", "限制市场准入和退出"),
        ("FCR-12-3", "限制市场准入和退出"),
        ("FCR-13-1", "限制商品要素自由流动"),
        ("FCR-19-3", "影响生产经营成本"),
        ("FCR-23-1", "影响生产经营行为"),
        ("FCR-24", None),
    ],
)
def test_family_of_code(code, family):
    assert family_of_code(code) == family


@pytest.mark.parametrize(
    ("code", "item"),
    [("FCR-19-3", True), ("FCR-9-12", True), ("FCR-19", False), ("ZB-10-3", False), ("", False)],
)
def test_is_item_code(code, item):
    assert is_item_code(code) is item


def test_findings_are_checkable(screener):
    text = (
        "第一条 申报企业须在本县注册登记并在本县纳税，承诺十年内不迁出本县。\n"
        "第二条 对新引进企业按其地方经济发展贡献的80%给予奖励。\n"
        "第三条 政府采购中同等条件下优先采购本地企业产品。\n"
        "第四条 本办法自发布之日起施行。"
    )
    findings = screener.check_text(text)
    standards = {s.code: s.text for s in load_standards(ROOT / "corpus")}
    doc_text = text
    for f in findings:
        d = f.to_dict()
        assert set(d) >= FIELDS
        assert doc_text[f.start : f.end] == f.clause
        assert 0.0 <= f.score <= 1.0
        for s in f.standards:
            assert standards[s.code] == s.text  # quoted verbatim from the bundled law text
        if f.standard:
            assert f.standard in {s.code for s in f.standards}
        assert f.rationale.endswith("。")
        assert f.engine["strategy"] == versions.STRATEGY
        assert f.engine["segmenter"] == versions.SEGMENTER  # finding ids depend on the cuts
        assert (f.engine["lexicon"], f.engine["features"]) == (versions.LEXICON, versions.FEATURES)
    assert screener.stats.clauses >= 4


def _documents(n: int) -> list:
    """``n`` documents of real wording: offending case spans among regulation clauses, and
    one with nothing for stage 2 at all."""
    import hashlib
    import random

    from screening.corpus import load_negatives
    from screening.parse import DocumentBuilder

    offending = sorted({t for c in load_cases(ROOT / "corpus") for t in c.offending_text})
    compliant = [x["text"] for x in load_negatives(ROOT / "corpus")][:400]
    rng = random.Random(7)
    docs = []
    for i in range(n):
        lines = rng.sample(compliant, 4 + 6 * i) + rng.sample(offending, 1 + i % 3)
        if i == 2:
            lines = ["本办法自发布之日起施行。"]
        builder = DocumentBuilder()
        for line in lines:
            builder.add(line)
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        docs.append(builder.build(path=Path(f"doc{i}.txt"), sha256=digest, fmt="txt"))
    return docs


@pytest.mark.parametrize("rows", [1, 7, 10_000])
def test_screening_in_groups_finds_what_one_document_at_a_time_does(screener, monkeypatch, rows):
    # A sweep embeds and computes similarity matrices for several documents at once (at most
    # SIMILARITY_ROWS clauses, a larger document alone); the findings must not depend on it.
    from screening.screen import engine

    monkeypatch.setattr(engine, "SIMILARITY_ROWS", rows)
    docs = _documents(7)
    alone = [[f.to_dict() for f in screener.screen_document(d)] for d in docs]
    together = [[f.to_dict() for f in fs] for _, fs in screener.screen_many(docs, batch=5)]
    assert together == alone
    assert sum(map(len, alone)) >= 3 and alone[2] == []


def test_exception_and_negative_list_notes(screener):
    from screening.screen.explain import exception_note
    from screening.screen.neglist_check import NegativeListChecker

    standards = {s.code: s for s in load_standards(ROOT / "corpus")}
    note = exception_note("为保护生态环境，限定由本地企业承担垃圾处理", standards)
    assert "EXC-TL12-3" in note and "可以出台" in note
    assert exception_note("申报企业须在本县注册", standards) is None
    check = NegativeListChecker(ROOT / "corpus").check("从事该业务须经县住建局批准后方可经营")
    assert check is not None and check.code is None
    assert "尚未导入市场准入负面清单" in check.note


def test_scan_cli_jsonl_and_bad_files(tmp_path, fake_settings, fake_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "一、申报条件\n（一）企业须在本县注册并纳税；\n（二）承诺五年内不迁出本县。\n",
        encoding="utf-8",
    )
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    result = CliRunner().invoke(
        main,
        [
            "--models",
            str(fake_settings.models),
            "scan",
            "--format",
            "jsonl",
            "--threshold",
            "0",
            str(docs),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert rows, result.output
    for row in rows:
        assert set(row) >= FIELDS
        assert row["path"].endswith("a.txt")
    assert "无法读取：" in result.stderr and "broken.docx" in result.stderr
    assert "共 2 个文件：筛查 1 个，无法读取 1 个" in result.stderr


def test_check_cli(fake_settings, fake_model):
    result = CliRunner().invoke(
        main,
        [
            "--models",
            str(fake_settings.models),
            "check",
            "--format",
            "json",
            "--threshold",
            "0",
            "申报企业须在本县注册并纳税",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["findings"] and data["findings"][0]["clause"] == "申报企业须在本县注册并纳税"


def _current_copy(settings, fake_settings, fake_model, change) -> None:
    """A copy of the fake model made current in ``settings``, its card changed by ``change``
    and its pickle replaced by bytes no version could load."""
    import shutil

    target = store.root(settings) / "old-model"
    shutil.copytree(store.root(fake_settings) / fake_model.model_id, target)
    card = json.loads((target / "card.json").read_text(encoding="utf-8"))
    change(card)
    (target / "card.json").write_text(json.dumps(card), encoding="utf-8")
    (target / MODEL_FILE).write_bytes(b"an old, incompatible pickle")
    store.promote(settings, "old-model")


def _other(key: str, name: str):
    return lambda card: card["components"].update({key: name})


@pytest.mark.parametrize(
    ("change", "says"),
    [
        # a card from before component versions (it had a hash of the source files instead)
        (lambda card: card.pop("components"), "模型卡片未记录组件版本"),
        (_other("lexicon", "lexicon.v0"), f"lexicon：模型 lexicon.v0，当前 {versions.LEXICON}"),
        (
            _other("segmenter", "segmenter.v9"),
            f"segmenter：模型 segmenter.v9，当前 {versions.SEGMENTER}",
        ),
        (_other("features", "features.v0"), "features：模型 features.v0"),
        (_other("strategy", "hybrid.v0"), "strategy：模型 hybrid.v0"),
    ],
)
def test_model_trained_with_other_components_is_stale_and_not_loaded(
    tmp_path, fake_settings, fake_model, change, says
):
    """After a software update the old model is retrained, never unpickled and misread."""
    settings = Settings(models=tmp_path)
    _current_copy(settings, fake_settings, fake_model, change)
    with pytest.raises(ModelNotTrainedError) as err:
        Screener.load(settings)
    assert err.value.stale
    assert says in str(err.value) and "screening model retrain" in str(err.value)


def test_loading_never_trains(tmp_path):
    with pytest.raises(ModelNotTrainedError, match="尚无可用的筛查模型") as err:
        Screener.load(Settings(models=tmp_path))
    assert not err.value.stale
    assert not (tmp_path / "screener").exists()


@pytest.mark.parametrize(
    ("stale", "message"), [(False, first_use.FIRST_USE), (True, first_use.STALE)]
)
def test_check_trains_explicitly_on_first_use_and_after_an_update(
    tmp_path, monkeypatch, fake_settings, fake_model, stale, message
):
    settings = Settings(models=tmp_path)
    if stale:
        _current_copy(settings, fake_settings, fake_model, _other("features", "features.v0"))
    trained = []

    def fake_train(s, **kwargs):  # the real training takes minutes with the real embedders
        trained.append(s.models)
        return fake_model

    # first_use imports training only when it must train (no scikit-learn on a plain check)
    monkeypatch.setattr(train_module, "train", fake_train)
    command = ["--models", str(tmp_path), "check", "--threshold", "0", "申报企业须在本县注册并纳税"]
    first = CliRunner().invoke(main, command)
    assert first.exit_code == 0, first.output
    assert message in first.stderr and f"模型已训练：{fake_model.model_id}" in first.stderr
    assert "申报企业须在本县注册并纳税" in first.stdout
    assert store.current_id(settings) == fake_model.model_id
    again = CliRunner().invoke(main, command)  # the model is there now: loaded, not trained
    assert again.exit_code == 0 and again.stderr == "" and trained == [tmp_path]
