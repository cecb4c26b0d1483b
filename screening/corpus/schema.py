"""Record types of the knowledge corpus (standards, cases, guidance), shared by all builders."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

# The standard families and 1670号 classes live in ``screening.domain``; these names stay for the
# modules that still import them from here.
from ..domain import CLASSES_1670 as CLASSES_1670
from ..domain import FAMILIES as FAMILIES


@dataclass(frozen=True)
class Provenance:
    """Where a record came from, so every item in corpus/ can be traced to its source."""

    source: (
        str  # file or notice it was taken from (path relative to shared/, or an imported file name)
    )
    sha256: str | None = None  # hash of that source file
    locator: str | None = None  # line number, record id, page, heading … inside the source
    note: str | None = None  # caveats: transcription, paraphrase, unverified …
    imported_at: str | None = None  # ISO timestamp for records added by an import command


@dataclass(frozen=True)
class Case:
    """A notified violation case, normalised from any source (dev set, imported notice, JSONL)."""

    id: str
    source: str  # NDRC | SAMR | provincial | local | other
    notice_title: str | None
    date: str | None  # ISO date of the notice or the case
    region: str | None
    sector: str | None
    class_1670: str | None  # one of CLASSES_1670 or None
    subtype: str | None
    standards: tuple[str, ...]  # FCR codes (e.g. "FCR-14-3"); may be empty
    legal_basis_raw: str | None  # the citation exactly as the source wrote it
    offending_text: tuple[str, ...]  # verbatim offending wording spans; may be empty
    description: str | None
    rectification: str | None
    title: str | None = None  # the case's own heading
    batch: str | None = None  # e.g. "第5批"
    document_name: str | None = None
    document_issuer: str | None = None
    group_id: str | None = None  # linked duplicates share a group (split by group, never leak)
    related_case_ids: tuple[str, ...] = ()
    fidelity: str | None = None  # official_pdf_text | transcribed | … as given by the source
    standards_basis: str | None = None  # how `standards` were derived (cited, mapped from 细则, …)
    provenance: Provenance = field(default_factory=lambda: Provenance(source="unknown"))
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Case:
        d = dict(d)
        for key in ("standards", "offending_text", "related_case_ids"):
            d[key] = tuple(d.get(key) or ())
        d["provenance"] = Provenance(**(d.get("provenance") or {"source": "unknown"}))
        return cls(**d)


STANDARD_KINDS = ("standard", "exception", "definition")


@dataclass(frozen=True)
class Standard:
    """A review standard item (FCR-14-3, ZB-10-3), exception (EXC-…) or definition (DEF-46),
    verbatim."""

    code: str  # FCR-<article>-<item>, FCR-24, ZB-<article>-<item>, EXC-…, DEF-46
    kind: str  # one of STANDARD_KINDS
    law: str  # 公平竞争审查条例实施办法 | 公平竞争审查条例 | 招标投标领域公平竞争审查规则
    law_file: str  # file under corpus/laws/ whose text contains chapeau and text verbatim
    article: int
    item: int | None  # None for an article without items (FCR-24, DEF-46)
    family: (
        str | None
    )  # one of FAMILIES (ZB: ZB_FAMILIES); None for FCR-24, exceptions, definitions
    chapeau: str | None  # the article's lead text, verbatim
    text: str  # the item's text, verbatim (trailing ；。 removed)
    tiaoli_ref: str | None = None  # corresponding 《条例》 item, e.g. "第八条第（一）项"
    tiaoli_text: str | None = None  # that item's text, verbatim from the 条例
    note: str | None = None
    provenance: Provenance = field(default_factory=lambda: Provenance(source="unknown"))
    # For a ZB item (招标投标领域公平竞争审查规则): the closest FCR items (corpus.tender.ZB_TO_FCR).
    related: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Standard:
        d = dict(d)
        d["provenance"] = Provenance(**(d.get("provenance") or {"source": "unknown"}))
        d["related"] = tuple(d.get("related") or ())
        return cls(**d)


@dataclass(frozen=True)
class Guidance:
    """An official Q&A answer (SAMR 答疑) on how the standards apply to concrete wording."""

    id: str
    question: str
    answer: str
    standards: tuple[str, ...]  # FCR codes the answer cites (via citations.map_citation)
    standards_basis: str | None
    clause_wording: tuple[str, ...] = ()  # quoted clause wording the question is about
    cited: tuple[str, ...] = ()  # every article reference found, e.g. "条例 第10条 (2)"
    batch: int | None = None
    no: int | None = None
    provenance: Provenance = field(default_factory=lambda: Provenance(source="unknown"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Guidance:
        d = dict(d)
        for key in ("standards", "clause_wording", "cited"):
            d[key] = tuple(d.get(key) or ())
        d["provenance"] = Provenance(**(d.get("provenance") or {"source": "unknown"}))
        return cls(**d)
