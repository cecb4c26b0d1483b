"""Corpus build: reproducible bytes, manifest, committed corpus up to date, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screening.config import SOURCE_ROOT, default_corpus_dir
from screening.corpus.build import BUILDER_VERSION, OUTPUT_FILES, build_corpus
from screening.errors import CorpusError

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
    assert manifest["counts"]["standards"] == 79
    assert manifest["counts"]["xize2021_map_rows"] == 67
    text = (built / "MANIFEST.json").read_text(encoding="utf-8")
    assert 'imported_at": "2' not in text  # no timestamps


def test_committed_manifest_hashes_match_files() -> None:
    import hashlib

    corpus = default_corpus_dir()
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    for rel, digest in manifest["outputs"].items():
        assert hashlib.sha256((corpus / rel).read_bytes()).hexdigest() == digest, rel


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
