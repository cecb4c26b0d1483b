"""Typed values passed between pipeline stages (parse → segment → screen → ledger).

All are frozen dataclasses, JSON round-trippable through ``to_dict``/``from_dict``
(UTF-8, ``ensure_ascii=False``). Offsets are Python string indices into ``Document.text``,
half-open ``[start, end)``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from .domain import BlockKind

# Block kinds produced by parsers (plain strings; see ``domain.BlockKind``).
HEADING = BlockKind.HEADING.value
PARAGRAPH = BlockKind.PARAGRAPH.value
TABLE_ROW = BlockKind.TABLE_ROW.value

# Separator between cells when a table row is rendered into Document.text.
CELL_SEP = " | "


@dataclass(frozen=True)
class Block:
    """One paragraph, heading or table row as it appears in ``Document.text``."""

    kind: str
    text: str
    start: int
    end: int
    page: int | None = None  # 1-based; None for formats without pages (txt, docx, html)
    paragraph: int = 0  # 0-based index of the block in reading order
    table: int | None = None  # index into Document.tables for table rows
    row: int | None = None  # row index inside that table
    style: str | None = None  # source style name or numbering label, when known


@dataclass(frozen=True)
class Table:
    """A table as rows of cell texts, with its span in ``Document.text``."""

    index: int
    rows: tuple[tuple[str, ...], ...]
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class Metadata:
    """Document metadata reviewers care about; every field optional."""

    title: str | None = None
    doc_number: str | None = None  # 文号, e.g. 襄发改〔2025〕12号
    issuer: str | None = None  # 发文机关
    date: str | None = None  # 成文日期, ISO yyyy-mm-dd
    extra: dict[str, str] = field(default_factory=dict)  # e.g. a provenance header
    # 文种 as reports count it (lang.zh.doctypes.doc_type), set by parse_file; None in metadata
    # recorded before it was detected at parse time.
    doc_type: str | None = None
    # 招标公告 / 资格预审文件 / 招标文件 / 磋商谈判文件 / 政策措施
    # (lang.zh.tenderkinds.doc_kind), set by parse_file; None in metadata recorded before it
    # was detected at parse time.
    doc_kind: str | None = None


@dataclass(frozen=True)
class Document:
    """A parsed file: full text plus the blocks, tables and metadata it was built from."""

    path: str
    sha256: str
    format: str  # detected format: docx, pdf, txt, md, html, ofd, doc, wps
    text: str
    blocks: tuple[Block, ...]
    tables: tuple[Table, ...] = ()
    metadata: Metadata = field(default_factory=Metadata)
    pages: int | None = None
    warnings: tuple[str, ...] = ()  # non-fatal remarks in Chinese (e.g. encoding guessed)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(
            path=d["path"],
            sha256=d["sha256"],
            format=d["format"],
            text=d["text"],
            blocks=tuple(Block(**b) for b in d["blocks"]),
            tables=tuple(
                Table(**{**t, "rows": tuple(tuple(r) for r in t["rows"])}) for t in d["tables"]
            ),
            metadata=Metadata(**d["metadata"]),
            pages=d.get("pages"),
            warnings=tuple(d.get("warnings", ())),
        )


@dataclass(frozen=True)
class Clause:
    """A reviewable unit of text: a sentence, list item, heading or table row."""

    index: int  # 0-based position in the document
    text: str  # == Document.text[start:end]
    start: int
    end: int
    page: int | None
    article_path: str  # e.g. "第三章/第十二条/（二）"; "" when the document has no structure
    kind: str  # sentence | list_item | heading | table_row

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Clause:
        return cls(**d)


@dataclass(frozen=True)
class Failure:
    """A file that could not be processed, with a machine code and a Chinese reason."""

    path: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class StandardScore:
    """A review standard suspected for a clause, with its score and the bundled text quoted."""

    code: str  # FCR-<article>-<item> (FCR-14-3; FCR-24 catch-all) or ZB-<article>-<item>
    score: float
    text: str = ""  # verbatim item text from corpus/standards (checkable citation)


@dataclass(frozen=True)
class Precedent:
    """A notified case (or Q&A / standard wording) that resembles the clause."""

    case_id: str
    similarity: float
    notice_title: str | None = None
    wording: str = ""  # the precedent's offending wording that matched
    kind: str = "case"  # case | guidance | standard


@dataclass(frozen=True)
class Finding:
    """A clause that deserves a second look, with the evidence that makes it suspect."""

    finding_id: str  # stable: derived from (doc sha256, clause span, primary standard)
    path: str
    doc_sha256: str
    clause_index: int
    clause: str
    start: int
    end: int
    page: int | None
    article_path: str
    score: float  # 0–1, calibrated probability that the clause is a barrier
    standard: str | None  # primary FCR code, or None
    standards: tuple[StandardScore, ...]
    family: str | None  # one of the four standard families
    class_1670: str | None  # 审批违规 / 主体违规 / 隐性壁垒 / 其他, when it applies
    precedents: tuple[Precedent, ...]
    rationale: str  # one Chinese sentence: what triggered it
    triggers: tuple[str, ...] = ()  # matched trigger words
    exception_note: str | None = None  # 条例第十二条 / 办法第二十五条 considerations
    negative_list_note: str | None = None
    engine: dict[str, str] = field(default_factory=dict)
    # 招标公告 / 资格预审文件 / 招标文件 / 磋商谈判文件 / 政策措施 (Metadata.doc_kind); None in
    # findings recorded before document kinds were read.
    doc_kind: str | None = None
    tender_section: str | None = None  # 评分标准 / 资格要求 / 报名和获取文件 / 保证金 / 开标
    points: str | None = None  # a scoring-table row's 分值, as written
    # 地方性法规 / 政府规章 (lang.zh.doctypes.legal_rank), which may set what a 规范性文件 may
    # not; None for other documents and in findings recorded before it was read.
    legal_rank: str | None = None

    @property
    def tender_standards(self) -> tuple[StandardScore, ...]:
        """The codes of 《招标投标领域公平竞争审查规则》 (ZB-…) among ``standards``."""
        return tuple(s for s in self.standards if s.code.startswith("ZB-"))

    @property
    def review_standards(self) -> tuple[StandardScore, ...]:
        """The other codes (《实施办法》 FCR-…) among ``standards``, best first."""
        return tuple(s for s in self.standards if not s.code.startswith("ZB-"))

    def cited_codes(self) -> list[str]:
        """What a case opened from this finding cites: the primary code and the best ZB code."""
        zb = self.tender_standards
        return [c for c in (self.standard, zb[0].code if zb else None) if c]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(
            **{
                **d,
                "standards": tuple(StandardScore(**s) for s in d.get("standards", ())),
                "precedents": tuple(Precedent(**p) for p in d.get("precedents", ())),
                "triggers": tuple(d.get("triggers", ())),
                "engine": dict(d.get("engine", {})),
            }
        )
