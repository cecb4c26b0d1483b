"""How reports cite a review standard: 《实施办法》第十九条第（四）项 and its bundled wording."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..corpus.citations import int_to_cn
from ..corpus.store import load_standards

BANFA_SHORT = "《实施办法》"


@dataclass(frozen=True)
class Citation:
    code: str
    ref: str  # 《公平竞争审查条例实施办法》第十九条第（四）项
    short: str  # 《实施办法》第十九条第（四）项
    quote: str  # the article's lead-in and the item, verbatim from corpus/standards
    family: str | None


class Citations:
    """Standards of a corpus by code; unknown codes are cited by their code alone."""

    def __init__(self, corpus_dir: str | Path) -> None:
        self._by_code: dict[str, Citation] = {}
        for s in load_standards(corpus_dir):
            where = f"第{int_to_cn(s.article)}条" + (
                f"第（{int_to_cn(s.item)}）项" if s.item else ""
            )
            self._by_code[s.code] = Citation(
                code=s.code,
                ref=f"《{s.law}》{where}",
                short=(BANFA_SHORT if s.law.endswith("实施办法") else f"《{s.law}》") + where,
                quote=(s.chapeau or "") + s.text,
                family=s.family,
            )

    def __getitem__(self, code: str) -> Citation:
        found = self._by_code.get(code)
        return found or Citation(code, f"审查标准 {code}", code, "", None)

    def refs(self, codes: list[str], *, short: bool = True) -> str:
        """``《实施办法》第十九条第（四）项（FCR-19-4）；…`` for a table cell."""
        parts = [f"{self[c].short if short else self[c].ref}（{c}）" for c in codes]
        return "；".join(parts)


def book(title: str) -> str:
    """《title》, with title marks inside it turned into 〈〉 as nested quotation requires."""
    inner = title.strip().strip("《》").replace("《", "〈").replace("》", "〉")
    return f"《{inner}》"


def quoted(text: str) -> str:
    """“text” without its closing punctuation, so a sentence can go on after it."""
    return f"“{text.strip().rstrip('。；;，,：:')}”"


_LEVEL = (
    (re.compile(r"^第.+[章节条款]$"), "{}"),
    (re.compile(r"^([一二三四五六七八九十百]+)[、.．]$"), "第{}部分"),
    (re.compile(r"^[（(]([一二三四五六七八九十百\d]+)[）)]$"), "第（{}）项"),
    (re.compile(r"^(\d+)[.．、]?$"), "第{}项"),
)


def where(article_path: str) -> str:
    """``第三条/（二）`` → 第三条第（二）项; ``一、/（1）`` → 第一部分第（1）项; "" → 该文件."""
    parts = []
    for seg in (s.strip() for s in article_path.split("/") if s.strip()):
        for pattern, fmt in _LEVEL:
            if m := pattern.match(seg):
                parts.append(fmt.format(m[1] if m.groups() else seg))
                break
        else:
            parts.append(seg)
    return "".join(parts) or "该文件"
