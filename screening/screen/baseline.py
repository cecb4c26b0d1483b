"""``keyword.v1``: the plain keyword screen that prototypes use, run through the same interface.

It flags any clause containing a word from a fixed list, with no modality, no precedents and
no model — the comparison every figure of the hybrid engine is reported against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..config import Settings
from ..domain import FAMILIES
from ..segment import segment
from ..types import Clause, Document, Finding
from .engine import Stats, located

# Keyword → family, the kind of list a reviewer writes on day one.
KEYWORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "本地企业",
            "本地注册",
            "注册地",
            "在本地设立",
            "分支机构",
            "指定",
            "限定",
            "唯一",
            "准入",
            "前置",
            "审批",
            "许可",
            "备案",
        ),
        FAMILIES[0],
    ),
    **dict.fromkeys(
        ("外地", "本地产品", "优先采购", "本地供应商", "业绩", "本地纳税", "迁出", "迁离"),
        FAMILIES[1],
    ),
    **dict.fromkeys(
        ("奖励", "补贴", "返还", "先征后返", "地方贡献", "综合贡献", "减免", "保证金"), FAMILIES[2]
    ),
    **dict.fromkeys(("指导价", "定价", "统一价格", "收费标准"), FAMILIES[3]),
}
_RE = re.compile("|".join(sorted(map(re.escape, KEYWORDS), key=len, reverse=True)))


@dataclass
class KeywordScreener:
    settings: Settings
    threshold: float = 0.5
    stats: Stats = field(default_factory=Stats)
    engine: dict[str, str] = field(default_factory=lambda: {"strategy": "keyword.v1"})

    def screen_document(
        self, doc: Document, clauses: Sequence[Clause] | None = None
    ) -> list[Finding]:
        clauses = list(segment(doc) if clauses is None else clauses)
        out = []
        for c in clauses:
            words = list(dict.fromkeys(m.group(0) for m in _RE.finditer(c.text)))
            if not words:
                continue
            family = KEYWORDS[words[0]]
            out.append(
                Finding(
                    **located(doc, c, None),
                    score=1.0,
                    standard=None,
                    standards=(),
                    family=family,
                    class_1670=None,
                    precedents=(),
                    rationale=f"条款含关键词{'、'.join(f'“{w}”' for w in words[:3])}。",
                    triggers=tuple(words),
                    engine=dict(self.engine),
                )
            )
        self.stats.add(
            Stats(
                documents=1,
                clauses=len(clauses),
                chars=len(doc.text),
                stage1=len(out),
                findings=len(out),
            )
        )
        return out
