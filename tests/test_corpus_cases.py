"""Case library and guidance in the committed corpus: counts, codes, duplicate groups, loaders."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from screening.config import default_corpus_dir
from screening.corpus import load_cases, load_guidance, load_standards
from screening.corpus.store import case_stats, filter_cases, load_negatives, read_rows
from screening.errors import CorpusCorruptError, CorpusMissingError
from tools.corpus_build.build import group_ids

CORPUS = default_corpus_dir()
CASES = load_cases(CORPUS)
VALID = {s.code for s in load_standards(CORPUS)} | {f"FCR-{a}" for a in range(9, 25)}


def test_counts() -> None:
    assert len(CASES) == 389
    assert len({c.id for c in CASES}) == 389
    assert Counter(c.source for c in CASES) == {
        "NDRC": 87,
        "SAMR": 122,
        "provincial": 148,
        "other": 32,
    }
    assert sum(1 for c in CASES if c.standards) == 216
    assert sum(1 for c in CASES if c.offending_text) == 257
    assert sum(1 for c in CASES if c.fidelity == "spreadsheet_secondary_unverified") == 89


def test_codes_are_valid_and_basis_recorded() -> None:
    for c in CASES:
        assert set(c.standards) <= VALID, c.id
        assert (c.standards_basis is None) == (not c.standards), c.id
        assert c.provenance.sha256 and c.provenance.source == "cases/dev_cases.jsonl"


def test_groups_never_split_linked_duplicates() -> None:
    group = {c.id: c.group_id for c in CASES}
    linked = [(c.id, other) for c in CASES for other in c.related_case_ids if other in group]
    assert linked
    for a, b in linked:
        assert group[a] == group[b], (a, b)
    assert len(set(group.values())) == 373


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [
                {"id": "a", "related_case_ids": ["b"]},
                {"id": "b"},
                {"id": "c", "related_case_ids": ["b"]},
            ],
            {"a": "a", "b": "a", "c": "a"},
        ),
        ([{"id": "x"}, {"id": "y", "related_case_ids": ["missing"]}], {"x": "x", "y": "y"}),
        (
            [{"id": "s-r1-01", "also_published_in": "same as s-r2-02"}, {"id": "s-r2-02"}],
            {"s-r1-01": "s-r1-01", "s-r2-02": "s-r1-01"},
        ),
    ],
)
def test_union_find(rows: list[dict], expected: dict[str, str]) -> None:
    assert group_ids(rows) == expected


@pytest.mark.parametrize(
    ("kwargs", "count"),
    [
        ({"source": "ndrc"}, 87),
        ({"class_1670": "隐性壁垒"}, 66),
        ({"standard": "FCR-19-4"}, 40),
        ({"standard": "FCR-19"}, 62),
        ({"year": 2021}, 52),
    ],
)
def test_filter_cases(kwargs: dict, count: int) -> None:
    assert len(filter_cases(CASES, **kwargs)) == count


def test_stats_sections() -> None:
    stats = case_stats(CASES)
    assert stats["总数"]["案例"] == 389
    assert sum(stats["来源"].values()) == 389


def test_guidance() -> None:
    guidance = load_guidance(CORPUS)
    assert len(guidance) == 100
    by_id = {g.id: g for g in guidance}
    assert by_id["samr-qa-1-24"].standards == ("FCR-19-3",)
    assert by_id["samr-qa-2-20"].standards == ("FCR-24",)
    assert "在本地注册" in by_id["samr-qa-2-20"].clause_wording
    # statute wording quoted in an answer is not clause wording
    assert all("以明确要求、暗示等方式" not in w for g in guidance for w in g.clause_wording)
    assert sum(1 for g in guidance if g.standards) == 65


def test_imported_cases_are_loaded(tmp_path: Path) -> None:
    shutil.copytree(CORPUS / "cases", tmp_path / "cases")
    extra = CASES[0].to_dict() | {"id": "imported-1"}
    (tmp_path / "cases" / "imported.jsonl").write_text(
        json.dumps(extra, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    assert [c.id for c in load_cases(tmp_path)][-1] == "imported-1"


def test_missing_and_corrupt_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusMissingError, match="screening corpus build"):
        load_cases(tmp_path)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "cases.jsonl").write_text('{"id": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(CorpusCorruptError, match="第 1 行"):
        load_cases(tmp_path)


# --- the regulation negatives: stored gzip-compressed, read in either form --------------------


def _rows(n: int, prefix: str) -> list[dict]:
    return [
        {"id": f"{prefix}-{i}", "text": f"条款{i}", "label": "compliant_presumed"} for i in range(n)
    ]


def test_negatives_read_plain_and_gz_in_name_order(tmp_path: Path) -> None:
    from tools.corpus_build.build import _write_jsonl

    folder = tmp_path / "negatives"
    _write_jsonl(folder / "local_regulations.jsonl.gz", _rows(3, "a"))
    _write_jsonl(folder / "local_regulations_hard.jsonl.gz", _rows(2, "b"))
    _write_jsonl(folder / "policy_docs.jsonl", _rows(1, "c"))
    ids = [r["id"] for r in load_negatives(tmp_path)]
    assert ids == ["a-0", "a-1", "a-2", "b-0", "b-1", "c-0"]
    assert read_rows(folder / "local_regulations.jsonl.gz") == _rows(3, "a")


def test_gz_corpus_files_are_byte_for_byte_reproducible(tmp_path: Path) -> None:
    from tools.corpus_build.build import _write_jsonl

    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b" / "a.jsonl.gz"
    _write_jsonl(a, _rows(50, "x"))
    _write_jsonl(b, _rows(50, "x"))  # another folder, another moment
    assert a.read_bytes() == b.read_bytes()
    assert gzip.decompress(a.read_bytes()).decode("utf-8").count("\n") == 50


def test_the_shipped_negatives_are_compressed_and_complete() -> None:
    folder = CORPUS / "negatives"
    assert not (folder / "local_regulations.jsonl").exists()
    assert len(read_rows(folder / "local_regulations.jsonl.gz")) == 14275
    assert len(read_rows(folder / "local_regulations_hard.jsonl.gz")) == 10504


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"\x1f\x8b\x08\x00not really gzip", "无法读取"), (b"plain text, not gzip", "无法读取")],
    ids=["truncated", "not-gzip"],
)
def test_corrupt_gz_negatives_say_so(tmp_path: Path, content: bytes, match: str) -> None:
    (tmp_path / "negatives").mkdir()
    (tmp_path / "negatives" / "local_regulations.jsonl.gz").write_bytes(content)
    with pytest.raises(CorpusCorruptError, match=match):
        load_negatives(tmp_path)


def test_a_sample_stored_both_ways_is_refused(tmp_path: Path) -> None:
    from tools.corpus_build.build import _write_jsonl

    _write_jsonl(tmp_path / "negatives" / "local_regulations.jsonl", _rows(2, "a"))
    _write_jsonl(tmp_path / "negatives" / "local_regulations.jsonl.gz", _rows(2, "a"))
    with pytest.raises(CorpusCorruptError, match="样本会重复"):
        load_negatives(tmp_path)
