"""Corpus build: reproducible bytes, manifest, committed corpus up to date, clear errors.

The builder is build-time code (tools/corpus_build, not in the wheel); the last tests check that
the runtime package keeps it, the test helpers and reportlab out of its imports.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.config import SOURCE_ROOT, default_corpus_dir
from screening.corpus.store import HARD_NEGATIVES_PATH, REGULATION_NEGATIVES_PATH, read_rows
from screening.errors import CorpusError
from tools.corpus_build.build import BUILDER_VERSION, OUTPUT_FILES, build_corpus

SHARED = SOURCE_ROOT.parent / "shared"
needs_shared = pytest.mark.skipif(
    not (SHARED / "reference").is_dir(),
    reason="../shared (development material) is not available; the committed corpus is used as is",
)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (SHARED / "reference").is_dir():
        pytest.skip("../shared is not available")
    out = tmp_path_factory.mktemp("corpus-a")
    build_corpus(SHARED, out)
    return out


@needs_shared
def test_build_is_byte_identical(built: Path, tmp_path: Path) -> None:
    build_corpus(SHARED, tmp_path)
    assert _tree(built) == _tree(tmp_path)


@needs_shared
def test_committed_corpus_is_up_to_date(built: Path) -> None:
    committed = default_corpus_dir()
    for rel, data in _tree(built).items():
        assert (committed / rel).read_bytes() == data, (
            f"corpus/{rel} 已过期：请运行 scripts/build_corpus.py"
        )


@needs_shared
def test_manifest(built: Path) -> None:
    manifest = json.loads((built / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["builder_version"] == BUILDER_VERSION
    assert set(OUTPUT_FILES) <= set(manifest["outputs"])
    assert "cases/dev_cases.jsonl" in manifest["sources"]
    assert manifest["counts"]["cases"] == 389
    assert manifest["counts"]["standards"] == 79 + 44  # FCR, exceptions, definitions + ZB
    assert manifest["counts"]["tender_case_labels"] == manifest["stats"]["tender_cases"] + sum(
        1
        for line in (built / "tender" / "case_labels.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if '"tender": false' in line
    )
    assert manifest["stats"]["tender_standards_per_article"] == {
        "5": 11, "6": 6, "7": 6, "8": 5, "9": 5, "10": 5, "11": 6
    }  # fmt: skip
    assert manifest["counts"]["xize2021_map_rows"] == 67
    text = (built / "MANIFEST.json").read_text(encoding="utf-8")
    assert 'imported_at": "2' not in text  # no timestamps


def test_committed_manifest_hashes_match_files() -> None:
    import hashlib

    corpus = default_corpus_dir()
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    for rel, digest in manifest["outputs"].items():
        assert hashlib.sha256((corpus / rel).read_bytes()).hexdigest() == digest, rel


def test_hard_negatives_are_the_training_share_trigger_clauses_not_yet_sampled() -> None:
    from screening.screen.lexicon import read_signals
    from tools.corpus_build.negatives import HARD_LABEL, is_training_regulation

    corpus = default_corpus_dir()
    sample = read_rows(corpus / REGULATION_NEGATIVES_PATH)
    hard = read_rows(corpus / HARD_NEGATIVES_PATH)
    assert len(hard) > 1000
    assert not {r["id"] for r in sample} & {r["id"] for r in hard}
    assert {r["provenance"]["source"] for r in hard} <= {r["provenance"]["source"] for r in sample}
    for r in hard:
        assert r["label"] == HARD_LABEL
        assert is_training_regulation(r["provenance"]["source"])  # never a held-out regulation
        assert read_signals(r["text"]).families, r["text"]


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0, False), (20, False), (25, False), (26, True), (40, True), (100, True)],
)
def test_training_share_takes_fixed_buckets(share: int, expected: bool) -> None:
    """Buckets are fixed (sha256 of the path, first 8 hex digits, mod 100; this path's is 25),
    so a larger share (quality.py --train-share) only adds documents: what a larger share
    holds out, every smaller share holds out too, and results over it compare."""
    from tools.corpus_build.negatives import TRAIN_SHARE, is_training_regulation

    rel = "corpus-samples/local-regulations/a.md"
    assert is_training_regulation(rel, share) is expected
    assert is_training_regulation(rel) is is_training_regulation(rel, TRAIN_SHARE)


def test_laws_are_copied_verbatim() -> None:
    corpus = default_corpus_dir()
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    for name in ("公平竞争审查条例实施办法.txt", "公平竞争审查条例.txt"):
        assert manifest["sources"][f"reference/laws/{name}"] == manifest["outputs"][f"laws/{name}"]


def test_missing_shared_dir(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="--shared"):
        build_corpus(tmp_path / "nope", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="缺少文件"):
        build_corpus(tmp_path / "empty", tmp_path / "out")


def test_build_command_finds_the_builder_of_the_checkout(tmp_path: Path) -> None:
    """`screening corpus build` imports tools/corpus_build beside screening/ (not on sys.path)."""
    result = subprocess.run(
        [sys.executable, "-m", "screening", "corpus", "build", "--shared", "nope", "--out", "o"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "找不到共享资料目录" in result.stderr  # the builder ran and checked --shared


def test_build_command_without_the_builder(tmp_path: Path, monkeypatch) -> None:
    """An installed wheel has no builder: the command says where the corpus is built instead."""
    from click.testing import CliRunner

    from screening.cli import corpus as corpus_cli
    from screening.cli import main

    if "corpus" not in main.commands:
        main.add_command(corpus_cli.corpus_group)
    monkeypatch.setattr(corpus_cli, "SOURCE_ROOT", tmp_path)  # as in site-packages
    monkeypatch.delitem(sys.modules, corpus_cli.BUILDER_PACKAGE)
    result = CliRunner().invoke(
        main, ["corpus", "build", "--shared", str(SHARED), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "不含知识库构建程序" in result.stderr
    assert "python scripts/build_corpus.py --shared DIR" in result.stderr
    assert not (tmp_path / "out").exists()


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_runtime_imports_no_build_or_test_code() -> None:
    """screening/ never imports tools/ (but for the lazy builder import), tests/ or reportlab."""
    package = SOURCE_ROOT / "screening"
    found = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(SOURCE_ROOT).as_posix()
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = rel == "screening/cli/corpus.py" and name == "tools.corpus_build"
            if top in ("tools", "tests", "docgen", "reportlab") and not allowed:
                found.setdefault(rel, []).append(name)
    assert found == {}
    assert not (package / "docgen.py").exists()
    assert not (package / "corpus" / "build.py").exists()
