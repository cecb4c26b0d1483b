"""Example wordings of each FCR item (``standards/exemplars.jsonl``), for ranking items only.

The notified cases cite an item for only about half of their spans, and many items have none;
when a clause resembles the cases of several items of one article, nothing said which item's
*wording* it fits. ``item_exemplars.json`` beside this file holds five clause-like wordings per
item, written from the item's own text without access to the cases (its ``method`` says how).
They are not law and not cases: the engine lets them vote on which item a finding cites and
trains the article model on them, but never shows them as precedents or quotes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from screening.corpus.schema import Standard
from screening.errors import CorpusError
from screening.screen.labels import is_item_code

EXEMPLARS_FILE = Path(__file__).with_name("item_exemplars.json")
MIN_PER_ITEM = 3


def exemplars_method(exemplars_file: Path = EXEMPLARS_FILE) -> str:
    """How the exemplars were written (kept once, in the manifest)."""
    return str(json.loads(exemplars_file.read_text(encoding="utf-8"))["method"])


def build_exemplars(
    standards: list[Standard], exemplars_file: Path = EXEMPLARS_FILE
) -> list[dict[str, Any]]:
    """One row per exemplar, checked: every FCR item has at least ``MIN_PER_ITEM``, no code is
    unknown, no wording repeats."""
    data = json.loads(exemplars_file.read_text(encoding="utf-8"))
    items = [s.code for s in standards if s.kind == "standard" and is_item_code(s.code)]
    given: dict[str, list[str]] = data["items"]
    unknown = sorted(set(given) - set(items))
    short = [code for code in items if len(given.get(code, ())) < MIN_PER_ITEM]
    if unknown or short:
        raise CorpusError(
            detail=f"{exemplars_file.name}：未知编号 {unknown}；"
            f"示例不足 {MIN_PER_ITEM} 条的项 {short}"
        )
    seen: set[str] = set()
    rows = []
    for code in items:
        for n, text in enumerate(given[code], start=1):
            text = text.strip()
            if text in seen or not 8 <= len(text) <= 120:
                raise CorpusError(detail=f"{exemplars_file.name}：{code} 第 {n} 条重复或长度不当。")
            seen.add(text)
            rows.append(
                {
                    "id": f"{code}#ex{n}",
                    "code": code,
                    "text": text,
                    "provenance": {
                        "source": f"tools/corpus_build/{exemplars_file.name}",
                        "note": "示例表述，按审查标准原文撰写，非通报案例、非法规原文"
                        "（方法见 MANIFEST.json 的 exemplars_method）",
                    },
                }
            )
    return rows


__all__ = ["build_exemplars", "exemplars_method"]
