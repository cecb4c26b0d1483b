"""Case library and guidance in the committed corpus: counts, codes, duplicate groups, loaders."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from screening.config import default_corpus_dir
from screening.corpus import load_cases, load_guidance, load_standards
from screening.corpus.store import case_stats, filter_cases
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
