"""e5-small.v1 on onnxruntime (the default backend): torch-free, same vectors as torch, cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from screening.config import Settings
from screening.embed import e5 as e5mod
from screening.embed import get_embedder
from screening.errors import ModelError

TEXTS = [
    "要求企业在本地注册",
    "申报单位须在本市登记注册",
    "加强食品安全监管",
    "第三条　本办法所称企业，是指在本市（含所辖区县）依法设立的ＡＢＣ公司，注册资本不低于１０００万元。",
    "对符合条件的①外地企业、②个体工商户，补贴期限为1～3年。",
    "政府采购项目限定本地供应商参与投标" * 40,  # > 512 tokens: truncated like torch
    "",
]
TOKEN_IDS = [
    ("要求企业在本地注册", [0, 6, 5207, 2997, 213, 65992, 26264, 2]),
    ("Hello world", [0, 35378, 8999, 2]),
    ("补贴期限为1～3年\u200b。", [0, 6, 120651, 66981, 1064, 418, 6087, 363, 470, 6, 30, 2]),
]


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory) -> Iterator[Path]:
    models = tmp_path_factory.mktemp("onnx-models")
    e5mod.build(models, backend="onnx")
    yield models
    shutil.rmtree(models, ignore_errors=True)


@pytest.fixture(scope="session")
def e5_onnx(onnx_models):
    return get_embedder("e5-small.v1", Settings(models=onnx_models), backend="onnx")


def run_python(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_backend_is_onnx(monkeypatch):
    monkeypatch.delenv(e5mod.BACKEND_ENV, raising=False)
    assert e5mod.backend_of().name == "onnx"
    monkeypatch.setenv(e5mod.BACKEND_ENV, "torch")
    assert e5mod.backend_of().name == "torch"


def test_unknown_backend_is_a_chinese_error(tmp_path):
    with pytest.raises(ModelError, match="未知的 e5 运行方式 'cuda'"):
        e5mod.E5SmallEmbedder(tmp_path, backend="cuda")


@pytest.mark.model
def test_onnx_load_and_encode_import_no_torch(onnx_models, monkeypatch):
    monkeypatch.delenv(e5mod.BACKEND_ENV, raising=False)
    result = run_python(
        "import sys, json\nfrom pathlib import Path\n"
        "import screening.embed\nfrom screening.embed import get_embedder\n"
        "from screening.config import Settings\n"
        f"emb = get_embedder('e5-small.v1', Settings(models=Path({str(onnx_models)!r})))\n"
        "v = emb.encode(['要求企业在本地注册', '加强食品安全监管'])\n"
        "print(json.dumps({'mods': sorted(m for m in ('torch', 'transformers',\n"
        "  'sentence_transformers', 'onnx') if m in sys.modules),\n"
        "  'backend': emb.version_info()['backend'], 'shape': list(v.shape),\n"
        "  'built': emb.build_result.built}))\n"
    )
    # onnx (the graph-writing package) is needed only to build; the cache was built already.
    assert result == {"mods": [], "backend": "onnx", "shape": [2, 384], "built": False}


@pytest.mark.model
def test_onnx_vectors(e5_onnx):
    v = e5_onnx.encode(TEXTS)
    assert v.shape == (len(TEXTS), 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    again = e5_onnx.encode(TEXTS[::-1], batch_size=2)[::-1]  # other batches, other padding
    np.testing.assert_allclose(again, v, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.02


@pytest.mark.model
@pytest.mark.parametrize(("text", "ids"), TOKEN_IDS)
def test_onnx_tokenizer_ids(e5_onnx, text, ids):
    assert e5_onnx.tokenizer(text)["input_ids"] == ids


@pytest.mark.model
def test_onnx_matches_torch(e5_onnx, onnx_models):
    torch_e5 = get_embedder("e5-small.v1", Settings(models=onnx_models), backend="torch")
    ours, ref = e5_onnx.encode(TEXTS), torch_e5.encode(TEXTS)
    assert ((ours * ref).sum(axis=1) >= 0.9999).all()
    long = e5mod.PROMPT + TEXTS[5]
    assert (
        e5_onnx.tokenizer._tok.encode(long).ids
        == torch_e5.tokenizer(long, truncation=True, max_length=512)["input_ids"]
    )


@pytest.mark.model
def test_onnx_version_info_and_cache_key(e5_onnx):
    info = e5_onnx.version_info()
    assert info["name"] == "e5-small.v1" and info["backend"] == "onnx" and info["dim"] == 384
    assert len(info["weights_sha256"]) == 64
    assert e5_onnx.cache_key == "e5-small.v1"  # same vectors as torch: one embedding cache


@pytest.fixture
def onnx_copy(e5_onnx, tmp_path) -> Iterator[Path]:
    shutil.copytree(e5_onnx.path, tmp_path / "e5-small-v1-onnx")
    yield tmp_path
    shutil.rmtree(tmp_path / "e5-small-v1-onnx", ignore_errors=True)


def _truncate(p: Path) -> None:
    with open(p, "r+b") as fh:
        fh.truncate(p.stat().st_size // 2)


def _zero_inside(p: Path) -> None:
    with open(p, "r+b") as fh:
        fh.seek(20_000_000)
        fh.write(b"\0" * 1_000_000)


def _torch_marker(p: Path) -> None:
    marker = p.parent / e5mod.MARKER
    info = json.loads(marker.read_text(encoding="utf-8"))
    info["backend"] = "torch"
    marker.write_text(json.dumps(info), encoding="utf-8")


@pytest.mark.model
@pytest.mark.parametrize(
    ("damage", "state"),
    [(_truncate, "corrupt"), (_zero_inside, "corrupt"), (_torch_marker, "stale")],
)
def test_onnx_damaged_cache_is_detected_and_rebuilt_on_load(e5_onnx, onnx_copy, damage, state):
    target = onnx_copy / "e5-small-v1-onnx"
    damage(target / "model.q4.onnx")
    assert e5mod.cache_state(target)[0] == state
    assert "需重建" in e5mod.E5SmallEmbedder.status(Settings(models=onnx_copy))
    emb = e5mod.E5SmallEmbedder(onnx_copy, backend="onnx")
    assert emb.build_result.built and e5mod.cache_state(target)[0] == "ok"
    assert not list(onnx_copy.glob(".e5-small-v1-onnx.*"))
    np.testing.assert_allclose(emb.encode(TEXTS[:2]), e5_onnx.encode(TEXTS[:2]), atol=1e-6)


@pytest.mark.model
def test_onnx_int8_backend_is_close_but_keyed_apart(e5_onnx, onnx_models):
    int8 = get_embedder("e5-small.v1", Settings(models=onnx_models), backend="onnx-int8")
    assert int8.cache_key != e5_onnx.cache_key  # its vectors differ: never mixed in a cache
    cos = (int8.encode(TEXTS) * e5_onnx.encode(TEXTS)).sum(axis=1)
    assert (cos > 0.98).all()


@pytest.mark.model
def test_onnx_q4i8_backend_keeps_the_4bit_weights_and_is_keyed_apart(e5_onnx, onnx_models):
    import onnx

    q4i8 = get_embedder("e5-small.v1", Settings(models=onnx_models), backend="onnx-q4i8")
    assert q4i8.cache_key != e5_onnx.cache_key  # its vectors differ: never mixed in a cache
    graphs = {
        name: onnx.load(str(onnx_models / d / f), load_external_data=False)
        for name, d, f in (
            ("onnx", "e5-small-v1-onnx", "model.q4.onnx"),
            ("onnx-q4i8", "e5-small-v1-onnx-q4i8", "model.q4i8.onnx"),
        )
    }
    levels = {
        name: {
            a.i
            for n in g.graph.node
            if n.op_type == "MatMulNBits"
            for a in n.attribute
            if a.name == "accuracy_level"
        }
        for name, g in graphs.items()
    }
    assert levels == {"onnx": {0}, "onnx-q4i8": {4}}
    weights = {
        name: {i.name: i.raw_data for i in g.graph.initializer if i.name.endswith(".q4")}
        for name, g in graphs.items()
    }
    assert weights["onnx"] and weights["onnx"] == weights["onnx-q4i8"]  # the same 4-bit blocks
    cos = (q4i8.encode(TEXTS) * e5_onnx.encode(TEXTS)).sum(axis=1)
    assert (cos > 0.9995).all()
