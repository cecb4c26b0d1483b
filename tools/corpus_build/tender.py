"""The tender standard set (ZB-<article>-<item>) and the hand ZB labels of tender-related cases.

The 44 items of 《招标投标领域公平竞争审查规则》 articles 5–11 are parsed from the shared law text
like the FCR items; the FCR mapping comes from ``screening.corpus.tender.ZB_TO_FCR``. The case
labels are a hand annotation kept in ``zb_case_labels.json`` beside this file (the notified cases
carry FCR citations only; no notice cites the tender rules item by item).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from screening.corpus.schema import Case, Standard
from screening.corpus.tender import (
    TENDER_LAW,
    TENDER_LAW_FILE,
    ZB_ARTICLES,
    ZB_FAMILIES,
    ZB_TO_FCR,
    is_zb,
)
from screening.errors import CorpusError

TENDER_FILE = f"reference/laws/{TENDER_LAW_FILE}"
LABELS_FILE = Path(__file__).with_name("zb_case_labels.json")
# Items per article of the 2024 rules (11 + 6 + 6 + 5 + 5 + 5 + 6 = 44).
EXPECTED_ITEMS = {5: 11, 6: 6, 7: 6, 8: 5, 9: 5, 10: 5, 11: 6}


def build_tender_standards(src: Any, parse_articles: Any) -> list[Standard]:
    """The ZB items, verbatim, with family, chapeau, related FCR items and provenance."""
    articles = parse_articles(src.text(TENDER_FILE))
    out: list[Standard] = []
    for art in ZB_ARTICLES:
        a = articles.get(art)
        got = len(a["items"]) if a else 0
        if got != EXPECTED_ITEMS[art]:
            raise CorpusError(
                detail=f"《{TENDER_LAW}》第{art}条应有 {EXPECTED_ITEMS[art]} 项，"
                f"文本中读到 {got} 项。"
            )
        assert a is not None
        prov = src.prov(TENDER_FILE, locator=f"第{art}条（第 {a['line']} 行）")
        for item, text in a["items"]:
            code = f"ZB-{art}-{item}"
            related, why = ZB_TO_FCR[code]
            mapped = "、".join(related) if related else "无专门项"
            out.append(
                Standard(
                    code=code,
                    kind="standard",
                    law=TENDER_LAW,
                    law_file=TENDER_LAW_FILE,
                    article=art,
                    item=item,
                    family=ZB_FAMILIES[art],
                    chapeau=a["chapeau"],
                    text=text,
                    note=f"对应《实施办法》：{mapped}（{why}）",
                    provenance=prov,
                    related=related,
                )
            )
    unknown = sorted(set(ZB_TO_FCR) - {s.code for s in out})
    if unknown:
        raise CorpusError(detail=f"ZB_TO_FCR 中有规则文本里没有的编号：{unknown}")
    return out


def labels_method(labels_file: Path = LABELS_FILE) -> str:
    """How the hand labels were made (kept once, in the manifest)."""
    return str(json.loads(labels_file.read_text(encoding="utf-8"))["method"])


def build_tender_labels(
    cases: list[Case], known: set[str], labels_file: Path = LABELS_FILE
) -> list[dict[str, Any]]:
    """The hand ZB labels, checked against the cases and codes; one row per candidate case."""
    data = json.loads(labels_file.read_text(encoding="utf-8"))
    by_id = {c.id: c for c in cases}
    rows = []
    for r in data["rows"]:
        case = by_id.get(r["case_id"])
        if case is None:
            raise CorpusError(detail=f"招标投标标注中的案例 {r['case_id']} 不在案例库中。")
        bad = [z for z in r["zb"] if not is_zb(z) or z not in known]
        if bad or (r["zb"] and not r["tender"]):
            raise CorpusError(detail=f"案例 {r['case_id']} 的招标投标标注有误：{bad or r['zb']}")
        quote = r.get("quote")
        if quote and not any(quote in t for t in (*case.offending_text, case.description or "")):
            raise CorpusError(detail=f"案例 {r['case_id']} 的标注引文不是案例原文。")
        rows.append(
            {
                "case_id": case.id,
                "group_id": case.group_id,
                "tender": bool(r["tender"]),
                "zb": list(r["zb"]),
                "quote": quote,
                "reason": r["reason"],
                "provenance": {
                    "source": f"tools/corpus_build/{labels_file.name}",
                    "rule_file": data["rule_file"],
                    "note": "人工标注（方法见 MANIFEST.json 的 tender_labels_method）",
                },
            }
        )
    return sorted(rows, key=lambda r: r["case_id"])


__all__ = ["build_tender_labels", "build_tender_standards", "labels_method"]
