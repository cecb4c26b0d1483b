"""Loads the built knowledge corpus (standards, cases, guidance) from a corpus directory."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..errors import CorpusCorruptError, CorpusMissingError, UnknownCaseError, UnknownStandardError
from .schema import Case, Guidance, Standard

T = TypeVar("T")

STANDARDS_PATH = "standards/standards.jsonl"
CASES_DIR = "cases"
GUIDANCE_PATH = "guidance/samr_qa.jsonl"
TENDER_LABELS_PATH = "tender/case_labels.jsonl"
EXEMPLARS_PATH = "standards/exemplars.jsonl"
NEGATIVES_DIR = "negatives"
# The two large regulation samples are stored gzip-compressed (deterministic: no name, mtime 0);
# every other corpus file is plain JSON lines. Readers take either form.
REGULATION_NEGATIVES_PATH = "negatives/local_regulations.jsonl.gz"
HARD_NEGATIVES_PATH = "negatives/local_regulations_hard.jsonl.gz"
# Percent of the shared local regulations (fixed by a hash of their path) whose clauses the
# corpus builder samples into negatives/; the rest are held out for measuring false alarms.
# 20 until hybrid.v6: 40 moved recall at <= 5 % of held-out regulations flagged from 0.776 to
# 0.842 (benchmarks/quality.py --train-share 40, both on the same 700 held-out documents).
REGULATION_TRAIN_SHARE = 40


def _read_jsonl(path: Path, make: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    if not path.is_file():
        raise CorpusMissingError(str(path))
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        lines = raw.decode("utf-8").splitlines()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as err:
        raise CorpusCorruptError(str(path), detail=f"无法读取：{err}") from err
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield make(json.loads(line))
        except (ValueError, TypeError, KeyError) as err:
            raise CorpusCorruptError(str(path), detail=f"第 {n} 行无法解析：{err}") from err


def load_standards(corpus_dir: str | Path, kind: str | None = None) -> list[Standard]:
    """All standard, exception and definition records, in code order (``kind`` filters)."""
    rows = list(_read_jsonl(Path(corpus_dir) / STANDARDS_PATH, Standard.from_dict))
    return [s for s in rows if kind is None or s.kind == kind]


def get_standard(corpus_dir: str | Path, code: str) -> Standard:
    """One record by code (case-insensitive); UnknownStandardError if there is none."""
    wanted = code.strip().upper()
    for s in load_standards(corpus_dir):
        if s.code == wanted:
            return s
    raise UnknownStandardError(code=code)


def get_article(corpus_dir: str | Path, code: str) -> list[Standard]:
    """The items of an article-level code such as ``FCR-19``; UnknownStandardError if none."""
    wanted = code.strip().upper()
    items = [
        s
        for s in load_standards(corpus_dir, kind="standard")
        if s.code == wanted or s.code.startswith(wanted + "-")
    ]
    if not items:
        raise UnknownStandardError(code=code)
    return items


def load_cases(corpus_dir: str | Path) -> list[Case]:
    """Every case in ``cases/*.jsonl`` (built and imported files), files in name order."""
    folder = Path(corpus_dir) / CASES_DIR
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise CorpusMissingError(str(folder / "cases.jsonl"))
    return [c for f in files for c in _read_jsonl(f, Case.from_dict)]


def get_case(corpus_dir: str | Path, case_id: str) -> Case:
    for c in load_cases(corpus_dir):
        if c.id == case_id.strip():
            return c
    raise UnknownCaseError(case_id=case_id)


def load_guidance(corpus_dir: str | Path) -> list[Guidance]:
    """The SAMR Q&A guidance records."""
    return list(_read_jsonl(Path(corpus_dir) / GUIDANCE_PATH, Guidance.from_dict))


def load_tender_labels(corpus_dir: str | Path) -> dict[str, tuple[str, ...]]:
    """Case id -> ZB codes of the hand-labelled tender cases (``tender/case_labels.jsonl``);
    empty for a corpus built before the tender rules were added."""
    path = Path(corpus_dir) / TENDER_LABELS_PATH
    if not path.is_file():
        return {}
    return {row["case_id"]: tuple(row["zb"]) for row in _read_jsonl(path, dict) if row.get("zb")}


def load_negatives(corpus_dir: str | Path) -> list[dict[str, Any]]:
    """Every presumed-compliant sample in ``negatives/*.jsonl`` and ``*.jsonl.gz`` (rows with
    ``text``, ``label`` and ``provenance``), files in name order (``.gz`` aside)."""
    folder = Path(corpus_dir) / NEGATIVES_DIR
    paths = [*folder.glob("*.jsonl"), *folder.glob("*.jsonl.gz")]
    names = [p.name.removesuffix(".gz") for p in paths]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CorpusCorruptError(
            str(folder),
            detail=f"{twice[0]} 同时有压缩（.gz）和未压缩两份，样本会重复，请删除旧的一份",
        )
    rows: list[dict[str, Any]] = []
    for path in sorted(paths, key=lambda p: p.name.removesuffix(".gz")):
        rows.extend(_read_jsonl(path, dict))
    return rows


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """The rows of one JSON-lines corpus file, plain or ``.gz``."""
    return list(_read_jsonl(Path(path), dict))


def load_exemplars(corpus_dir: str | Path) -> list[tuple[str, str]]:
    """(item code, wording) of the hand-written item exemplars (``standards/exemplars.jsonl``),
    used to rank items only; empty for a corpus built before they were added."""
    path = Path(corpus_dir) / EXEMPLARS_PATH
    if not path.is_file():
        return []
    return [(row["code"], row["text"]) for row in _read_jsonl(path, dict)]


def code_matches(code: str, wanted: str) -> bool:
    """``FCR-19`` matches FCR-19 and FCR-19-3; ``FCR-19-3`` matches only itself."""
    wanted = wanted.strip().upper()
    return code == wanted or code.startswith(wanted + "-")


def filter_cases(
    cases: list[Case],
    *,
    source: str | None = None,
    class_1670: str | None = None,
    standard: str | None = None,
    year: int | None = None,
) -> list[Case]:
    """Cases matching every given criterion (source case-insensitive, standard by prefix)."""
    out = []
    for c in cases:
        if source and c.source.lower() != source.lower():
            continue
        if class_1670 and c.class_1670 != class_1670:
            continue
        if standard and not any(code_matches(s, standard) for s in c.standards):
            continue
        if year and not (c.date or "").startswith(str(year)):
            continue
        out.append(c)
    return out


def case_stats(cases: list[Case]) -> dict[str, dict[str, int]]:
    """Counts by source, 1670 class, standard code, standard article, year and fidelity."""
    from collections import Counter

    from .citations import code_sort_key

    def counted(values: list[str], key: Callable[[str], Any] | None = None) -> dict[str, int]:
        c = Counter(values)
        return {k: c[k] for k in sorted(c, key=key)}

    return {
        "总数": {
            "案例": len(cases),
            "有标准编号": sum(1 for c in cases if c.standards),
            "有违规原文": sum(1 for c in cases if c.offending_text),
            "重复案例组": len({c.group_id or c.id for c in cases}),
        },
        "来源": counted([c.source for c in cases]),
        "1670号分类": counted([c.class_1670 or "（无）" for c in cases]),
        "标准编号": counted([s for c in cases for s in c.standards], key=code_sort_key),
        "标准条": counted(
            [f"第{s.split('-')[1]}条" for c in cases for s in c.standards],
            key=lambda k: int(k[1:-1]),
        ),
        "年份": counted([(c.date or "")[:4] or "（无）" for c in cases]),
        "可信度": counted([c.fidelity or "（无）" for c in cases]),
    }


# The standards a draft is reviewed against item by item: 实施办法第九条至第二十四条.
REVIEW_ARTICLES = range(9, 25)


def review_standards(corpus_dir: str | Path) -> list[Standard]:
    """The standards of 实施办法第九条至第二十四条, in article and item order."""
    return [
        s
        for s in load_standards(corpus_dir, kind="standard")
        if s.article in REVIEW_ARTICLES and s.law.endswith("实施办法")
    ]
