"""Import a newly published violation-case notice (PDF/DOCX/TXT/…/JSONL) into corpus cases.

A notice is split into cases at its case headings (``案例1：``, ``典型案例一：``, ``一、``,
``（一）``, ``1.``; the style that yields the most case-like sections wins). For each case the
importer extracts the title, region, offending wording (quoted “…” spans that are not titles or
quotations of legal provisions), the cited standards (through
:func:`screening.corpus.citations.map_citation`) and the rectification paragraph.

Vocabulary of the result:

* **imported** cases are written to ``corpus/cases/imported.jsonl`` with content-derived ids
  (``imp-<12 hex>``);
* an imported case is **unclassified** when no review-standard code (``FCR-…``) could be derived
  from what the notice cites (NDRC negative-list notices cite "市场准入负面清单制度有关要求",
  antitrust-law articles have no FCR code). It is still imported; a 1670号 class may be
  *inferred* from the title wording and is then marked ``class_1670_basis = "inferred…"``;
* **skipped** sections are not imported: duplicates (of a corpus case or of another section of
  the same file), sections that do not read like a case (introductions, closing remarks) and
  JSONL lines without text.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..domain import CLASSES_1670, Class1670
from ..errors import CorpusError, FileMissingError, NoticeFormatError
from ..lang.zh.headings import NOTICE_HEADING_STYLES
from ..lang.zh.numerals import to_int
from ..lang.zh.regions import ADMIN_UNIT_SUFFIXES, PROVINCE_SHORT_NAMES, PROVINCES
from ..parse import file_sha256
from ..types import Document
from .citations import map_citation
from .schema import Case, Provenance

IMPORTED_FILE = Path("cases") / "imported.jsonl"

# --- headings ---------------------------------------------------------------------------------

_CASE_MARKERS = re.compile(r"违反|违背|排除|限制|妨碍|障碍|壁垒|滥用|未经许可|违规|指定|限定|规定“")
_RECT_LABEL = re.compile(
    r"^\s*(处理情况|整改情况|处理结果|整改结果|处置情况|整改落实情况|纠正情况|整改措施|处理措施)\s*[：:]\s*"
)
_RECT_SENTENCE = re.compile(
    r"(?:^|[。；])((?:目前|截至目前|现|调查期间|立案调查后|经督促|经约谈|收到)[^。]*?"
    r"(?:废止|修订|修改|停止执行|整改|撤销|删除|纠正|终止|解除)[^。]*。)"
)
_ORIGIN_LABEL = re.compile(r"^\s*(案例来源|线索来源|问题来源)\s*[：:]\s*")
_VIOLATION = re.compile(r"(?:违反了?|违背了?|不符合)[^。；]*")


@dataclass
class Section:
    """One candidate case: heading block, following blocks, and where it is in the file."""

    style: str
    number: int
    heading: str  # heading block without its label
    body: list[str]
    locator: str


def _heading(text: str, style: tuple[str, int, re.Pattern[str]]) -> tuple[int, str] | None:
    m = style[2].match(text)
    if not m:
        return None
    n = to_int(m.group(1))
    rest = text[m.end() :].strip()
    return (n, rest) if n is not None and rest else None


def split_sections(
    paras: list[tuple[str, str]], style: tuple[str, int, re.Pattern[str]]
) -> list[Section]:
    """Split (text, locator) paragraphs at headings of ``style``; numbering must run 1, 2, 3 …

    A numbering restart at 1 is allowed (cases grouped under higher-level sections); a heading
    of a higher-level style ends the current section.
    """
    sections: list[Section] = []
    expected = 1
    for text, loc in paras:
        h = _heading(text, style)
        # Explicit "案例N" labels may skip numbers (excerpts); bare numbering must run on.
        ok = h is not None and (h[0] == expected or (style[1] == 0 and h[0] > expected))
        if h is not None and (ok or (h[0] == 1 and sections)):
            sections.append(Section(style[0], h[0], h[1], [], loc))
            expected = h[0] + 1
            continue
        if sections and _higher_heading(text, style[1]):
            sections[-1].body.append("\x00")  # a higher-level heading closes the section
        if sections:
            sections[-1].body.append(text)
    for s in sections:
        if "\x00" in s.body:
            s.body = s.body[: s.body.index("\x00")]
    return sections


def _higher_heading(text: str, level: int) -> bool:
    return any(lv < level and _heading(text, (n, lv, p)) for n, lv, p in NOTICE_HEADING_STYLES)


def _case_like(s: Section) -> bool:
    """A case has a title-like heading (not "总体情况") and says what was violated."""
    text = s.heading + "".join(s.body)
    if s.style == NOTICE_HEADING_STYLES[0][0]:
        return len(text) >= 20  # labelled 案例N: the notice itself says it is a case
    title = _split_title(s.heading)[0]
    return len(title) >= 8 and len(text) >= 40 and bool(_CASE_MARKERS.search(text))


def best_split(paras: list[tuple[str, str]]) -> list[Section]:
    """The heading style whose sections most often read like cases (ties: higher style)."""
    best: list[Section] = []
    best_score = 0
    for style in NOTICE_HEADING_STYLES:
        sections = split_sections(paras, style)
        score = sum(1 for s in sections if _case_like(s))
        if score > best_score:
            best, best_score = sections, score
    return best


# --- field extraction -------------------------------------------------------------------------

_OPEN_CLOSE = {"“": "”", "「": "」", "『": "』"}
_LAW_BEFORE = re.compile(
    r"(?:《[^》]{2,60}》|[法条例细则办法规定])[^“”。；]{0,12}?第[一二三四五六七八九十百零〇0-9]+条"
    r"(?:第?[一二三四五六七八九十0-9（）()]+[款项])*[^“”。；，]{0,6}$"
)
_ALIAS_BEFORE = re.compile(r"(?:简称|以下称|下称|统称|称为)$")
_NAME_AFTER = re.compile(r"^(?:名义|为名)")  # 以“…”名义: how the act was labelled, not a clause


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Top-level quoted spans (start, end of the inner text); nested quotes stay inside."""
    spans, stack = [], []
    for i, ch in enumerate(text):
        if ch in _OPEN_CLOSE:
            stack.append((ch, i))
        elif stack and ch == _OPEN_CLOSE[stack[-1][0]]:
            _, start = stack.pop()
            if not stack:
                spans.append((start + 1, i))
    return spans


def offending_spans(text: str) -> list[str]:
    """Quoted wording that is not a document title, an alias or a quoted legal provision."""
    out: list[str] = []
    for s, e in quote_spans(text):
        inner = text[s:e].strip()
        before = text[max(0, s - 61) : s - 1]
        if len(inner) < 4 or re.fullmatch(r"《[^》]*》", inner):
            continue  # a term (“奖励”) or a bare document title
        if (
            _ALIAS_BEFORE.search(before)
            or _LAW_BEFORE.search(before)
            or _NAME_AFTER.match(text[e + 1 :])
        ):
            continue  # （以下简称“…”）or 《反垄断法》第三十九条“…”
        if any(inner in kept for kept in out):
            continue  # a back-reference to part of an earlier quotation
        out.append(inner)
    return out


_PROV_RE = re.compile(
    "|".join(
        [
            *sorted(PROVINCES, key=len, reverse=True),
            *(f"{k}(?:自治区)?" for k in PROVINCE_SHORT_NAMES),
        ]
    )
)
_UNIT_STOP = set("局厅委办会司所院心部处站队组府馆中某等各和与及的在对有关")
_AFTER_STOP = set("场政民级直属委域内外")


def extract_region(text: str | None) -> str | None:
    """Administrative-region prefix: province (if any) then city, county units in a row."""
    if not text:
        return None
    m = _PROV_RE.search(text[:60])
    if m:
        prov = m.group(0)
        base = prov if prov in PROVINCES else PROVINCE_SHORT_NAMES[prov.removesuffix("自治区")]
        pos = m.end()
    else:
        base, pos = "", 0
    units: list[str] = []
    while len(units) < 3:
        unit = _next_unit(text, pos)
        if unit is None:
            break
        units.append(unit)
        pos += len(unit)
    if not base and not units:
        return None
    return base + "".join(units)


def _next_unit(text: str, pos: int) -> str | None:
    """The shortest admissible administrative unit starting at ``pos`` (泉州 is not 泉+州)."""
    for end in range(pos + 2, min(pos + 10, len(text)) + 1):
        cand = text[pos:end]
        if not ("\u4e00" <= cand[-1] <= "\u9fff"):
            return None
        for suffix in ADMIN_UNIT_SUFFIXES:
            name = cand[: -len(suffix)]
            if cand.endswith(suffix) and name and _unit_ok(name, suffix, text[end : end + 1]):
                return cand
        if cand[-1] in _UNIT_STOP:
            return None
    return None


def _unit_ok(name: str, suffix: str, nxt: str) -> bool:
    if any(ch in _UNIT_STOP for ch in name):
        return False
    if len(name) == 1 and suffix != "县":
        return False
    return nxt not in _AFTER_STOP


_DOC_TITLE = re.compile(
    r"(?:出台|印发|制定|发布|下发|转发|出具|签订|组织)(?:了)?《([^》]{4,120})》"
)
_NEGLIST_REF = re.compile(r"《市场准入负面清单[（(](\d{4})\s*年版[）)]》第\s*(\d+)\s*[条项]")
_EVENT_DATE = re.compile(r"(20\d{2}|19\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")


def _class_1670(title: str, text: str) -> str | None:
    """A 1670号 class from title wording; only for market-access (negative-list) cases."""
    if "负面清单" not in text and "准入" not in text:
        return None
    rules = (
        (Class1670.ENTITY, r"未经许可|违规(?:从事|进入|经营)|违背《市场准入负面清单|市场主体违规"),
        (
            Class1670.APPROVAL,
            r"审批(?:超时|不规范|时限)|未按.{0,8}规定开展审批|未及时.{0,12}办理|受理流程不规范|办件超时",
        ),
        (
            Class1670.HIDDEN_BARRIER,
            r"准入障碍|准入条件|准入门槛|壁垒|限制|排除|指定|限定|独家|特许经营|增设|前置条件|干预|垄断",
        ),
    )
    for cls, pattern in rules:
        if re.search(pattern, title):
            return cls.value
    return None


# --- notice-level facts -----------------------------------------------------------------------


@dataclass
class NoticeInfo:
    title: str | None
    source: str  # NDRC | SAMR | provincial | local | other
    region: str | None
    date: str | None
    is_negative_list: bool


def _notice_info(preamble: list[str], doc: Document | None) -> NoticeInfo:
    lines = [p for p in preamble if p and not re.fullmatch(r"附件\s*\d*[:：]?", p)]
    head = []
    for p in lines[:3]:
        if (
            p.endswith(("。", "：", ":"))
            or len(p) > 60
            or any(st[2].match(p) for st in NOTICE_HEADING_STYLES)
        ):
            break  # the notice's first sentence, not its title
        head.append(p)
    title = "".join(head)[:120] or (doc.metadata.title if doc else None)
    t = title or ""
    neg = "负面清单" in t
    if neg and ("典型案例" in t or "违背" in t):
        source = "NDRC"
    elif "市场监管总局" in t or "国家市场监督管理总局" in t:
        source = "SAMR"
    elif _PROV_RE.search(t):
        source = "provincial"
    else:
        source = "other"
    date = doc.metadata.date if doc else None
    return NoticeInfo(
        title or None,
        source,
        extract_region(t[t.find("年") + 1 :] if "年" in t else t) or extract_region(t),
        date,
        neg,
    )


# --- building cases ---------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    return re.sub(r"[\s\W_]+", "", text or "")


def content_id(title: str | None, description: str | None) -> str:
    key = _norm(title) + "\n" + _norm(description)
    return "imp-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _split_title(heading: str) -> tuple[str, str]:
    """Heading block → (title, rest). Long headings carry the case text after the first 。."""
    heading = heading.strip()
    if len(heading) <= 90 and heading.count("。") <= 1 and not heading.endswith("。"):
        return heading, ""
    m = re.search(r"[。]", heading)
    if m and m.start() <= 150:
        return heading[: m.start()].strip(), heading[m.end() :].strip()
    return heading[:60], heading


def build_case(
    section: Section,
    notice: NoticeInfo,
    provenance: Provenance,
) -> Case:
    title, rest = _split_title(section.heading)
    desc_parts: list[str] = [rest] if rest else []
    rect_parts: list[str] = []
    origin = None
    for para in section.body:
        if _RECT_LABEL.match(para):
            rect_parts.append(_RECT_LABEL.sub("", para, count=1))
        elif rect_parts and not _ORIGIN_LABEL.match(para):
            rect_parts.append(para)  # the rectification paragraph continues
        elif _ORIGIN_LABEL.match(para):
            origin = _ORIGIN_LABEL.sub("", para, count=1)
        else:
            desc_parts.append(para)
    description = "\n".join(p for p in desc_parts if p) or None
    rectification = "\n".join(rect_parts) or None
    if rectification is None and description:
        found = _RECT_SENTENCE.findall(description)
        rectification = "".join(found) or None
    violations = _VIOLATION.findall(description or "")
    legal_basis = "；".join(v.strip("，, ") for v in violations) or None
    codes, basis = map_citation(legal_basis) if legal_basis else ((), None)
    full = (title or "") + (description or "")
    region = extract_region(title) or extract_region(description) or notice.region
    cls = _class_1670(title, (notice.title or "") + full) if notice.is_negative_list else None
    doc_title = _DOC_TITLE.search(description or "")
    event = _EVENT_DATE.search(description or "")
    extra: dict[str, Any] = {"heading_style": section.style, "number_in_notice": section.number}
    if origin:
        extra["case_origin"] = origin
    if event:
        extra["event_date"] = f"{event.group(1)}-{int(event.group(2)):02d}" + (
            f"-{int(event.group(3)):02d}" if event.group(3) else ""
        )
    ref = _NEGLIST_REF.search(full)
    if ref:
        extra["negative_list_ref"] = {"edition": ref.group(1), "item_no": int(ref.group(2))}
    if cls:
        extra["class_1670_basis"] = "inferred_from_title_keywords (the notice does not label cases)"
    if not codes:
        extra["unclassified_reason"] = (
            "通报未引用审查标准条款"
            if not legal_basis
            else f"引用的依据无对应审查标准编码：{legal_basis[:60]}"
        )
    return Case(
        id=content_id(title, description),
        source=notice.source,
        notice_title=notice.title,
        date=notice.date,
        region=region,
        sector=None,
        class_1670=cls if cls in CLASSES_1670 else None,
        subtype=None,
        standards=tuple(codes),
        legal_basis_raw=legal_basis,
        offending_text=tuple(offending_spans(description or "")),
        description=description,
        rectification=rectification,
        title=title,
        document_name=f"《{doc_title.group(1)}》" if doc_title else None,
        standards_basis=basis,
        provenance=replace(provenance, locator=section.locator),
        fidelity="imported_notice_text",
        extra=extra,
    )


# --- the import -------------------------------------------------------------------------------


@dataclass
class Skipped:
    locator: str
    heading: str
    code: str  # duplicate_in_corpus | duplicate_in_file | not_a_case | no_text
    reason: str  # Chinese
    duplicate_of: str | None = None


@dataclass
class NoticeImport:
    """Result of :func:`import_notice`: cases (new ones), what was skipped, and counts."""

    path: str
    sha256: str
    cases: list[Case] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    written: int = 0
    dry_run: bool = False
    notice_title: str | None = None
    heading_style: str | None = None

    @property
    def unclassified(self) -> list[Case]:
        return [c for c in self.cases if not c.standards]

    def summary(self) -> dict[str, int]:
        return {
            "cases": len(self.cases),
            "with_offending_text": sum(1 for c in self.cases if c.offending_text),
            "with_standards": sum(1 for c in self.cases if c.standards),
            "with_rectification": sum(1 for c in self.cases if c.rectification),
            "with_class_1670": sum(1 for c in self.cases if c.class_1670),
            "unclassified": len(self.unclassified),
            "skipped": len(self.skipped),
            "written": self.written,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": [{**c.to_dict(), "unclassified": not c.standards} for c in self.cases],
            "skipped": [asdict(s) for s in self.skipped],
            "summary": self.summary(),
            "file": self.path,
            "sha256": self.sha256,
            "notice_title": self.notice_title,
            "heading_style": self.heading_style,
            "dry_run": self.dry_run,
        }


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def cases_from_document(
    doc: Document, provenance: Provenance
) -> tuple[list[Case], list[Skipped], NoticeInfo, str | None]:
    """Split a parsed notice into cases; sections that are not cases come back as skipped."""
    paras = _paragraphs(doc)
    sections = best_split(paras)
    first_loc = sections[0].locator if sections else None
    preamble = []
    for text, loc in paras:
        if loc == first_loc:
            break
        preamble.append(text)
    notice = _notice_info(preamble, doc)
    cases, skipped = [], []
    for s in sections:
        if not _case_like(s):
            skipped.append(
                Skipped(
                    s.locator,
                    s.heading[:60],
                    "not_a_case",
                    "该节不像案例（无违规行为或处理情况的表述），未导入。",
                )
            )
            continue
        cases.append(build_case(s, notice, provenance))
    return cases, skipped, notice, sections[0].style if sections else None


def _paragraphs(doc: Document) -> list[tuple[str, str]]:
    out = []
    for b in doc.blocks:
        text = b.text.strip()
        if not text:
            continue
        loc = (f"第{b.page}页" if b.page else f"第{b.paragraph + 1}段") + f"：{text[:24]}"
        out.append((text, loc))
    return out


_SOURCE_TYPES = {
    "ndrc_negative_list": "NDRC",
    "samr_admin_monopoly": "SAMR",
    "fcr_spot_check": "provincial",
    "provincial": "provincial",
}


def cases_from_jsonl(path: Path, provenance: Provenance) -> tuple[list[Case], list[Skipped]]:
    """One case per line, in corpus (schema.Case) or dev-set field names."""
    cases, skipped = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        loc = f"第{n}行"
        try:
            d = json.loads(line)
        except ValueError as exc:
            skipped.append(
                Skipped(loc, line[:40], "bad_json", f"不是有效的 JSON（{exc.msg}），未导入。")
            )
            continue
        if not isinstance(d, dict) or not (d.get("description") or d.get("title")):
            skipped.append(
                Skipped(loc, line[:40], "no_text", "没有 title 或 description 字段，未导入。")
            )
            continue
        cases.append(_case_from_record(d, replace(provenance, locator=loc)))
    return cases, skipped


def _case_from_record(d: dict[str, Any], provenance: Provenance) -> Case:
    offending = d.get("offending_text") or ()
    if isinstance(offending, str):
        offending = (offending,)
    basis_raw = d.get("legal_basis_raw") or d.get("legal_basis")
    codes = tuple(d.get("standards") or ())
    basis = d.get("standards_basis")
    if not codes and basis_raw:
        codes, basis = map_citation(basis_raw)
    cls = d.get("class_1670") or (d.get("category") if d.get("category") in CLASSES_1670 else None)
    extra = {
        k: v
        for k, v in d.items()
        if k in ("id", "batch", "case_origin", "sector_tags", "subtype_tags")
    }
    return Case(
        id=content_id(d.get("title"), d.get("description")),
        source=d.get("source")
        if d.get("source") in ("NDRC", "SAMR", "provincial", "local", "other")
        else _SOURCE_TYPES.get(d.get("source_type", ""), "other"),
        notice_title=d.get("notice_title") or d.get("publication"),
        date=d.get("date"),
        region=d.get("region") or extract_region(d.get("title")),
        sector=d.get("sector"),
        class_1670=cls,
        subtype=d.get("subtype"),
        standards=tuple(codes),
        legal_basis_raw=basis_raw,
        offending_text=tuple(offending) or tuple(offending_spans(d.get("description") or "")),
        description=d.get("description"),
        rectification=d.get("rectification"),
        title=d.get("title"),
        batch=d.get("batch"),
        document_name=d.get("document_name"),
        document_issuer=d.get("document_issuer"),
        fidelity=d.get("fidelity") or d.get("text_fidelity") or "imported_jsonl",
        standards_basis=basis,
        provenance=provenance,
        extra={"source_record": extra} if extra else {},
    )


def _existing_cases(corpus_dir: Path) -> list[dict[str, Any]]:
    """Every case record under corpus/cases/*.jsonl (built corpus and earlier imports)."""
    out = []
    for f in sorted((Path(corpus_dir) / "cases").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if isinstance(d, dict):
                out.append(d)
    return out


class _Deduper:
    """Same content: equal normalised description (title when there is none), one contained in
    the other (≥ 60 % of its length), or ≥ 0.92 alike."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.keys: dict[str, str] = {}
        self.texts: list[tuple[str, str]] = []
        for d in records:
            self.add(d.get("id", "?"), d.get("title"), d.get("description"))

    @staticmethod
    def _key(title: str | None, description: str | None) -> str:
        return _norm(description) or _norm(title)

    def find(self, title: str | None, description: str | None) -> str | None:
        key = self._key(title, description)
        if not key:
            return None
        if key in self.keys:
            return self.keys[key]
        for other, cid in self.texts:
            short, long_ = sorted((key, other), key=len)
            if len(short) >= 40 and len(short) >= 0.6 * len(long_) and short in long_:
                return cid  # the same case, one copy without its closing citation sentence
            if abs(len(other) - len(key)) > 0.15 * max(len(key), 1):
                continue
            sm = difflib.SequenceMatcher(None, key, other, autojunk=False)
            if sm.real_quick_ratio() >= 0.92 and sm.quick_ratio() >= 0.92 and sm.ratio() >= 0.92:
                return cid
        return None

    def add(self, cid: str, title: str | None, description: str | None) -> None:
        key = self._key(title, description)
        if key:
            self.keys.setdefault(key, cid)
            self.texts.append((key, cid))


def import_notice(
    path: str | Path, settings: Settings | None = None, *, dry_run: bool = False
) -> NoticeImport:
    """Split ``path`` into cases, deduplicate, and append the new ones to imported.jsonl."""
    settings = settings or Settings()
    path = Path(path)
    if not path.is_file():
        raise FileMissingError(str(path))
    sha = file_sha256(path)
    prov = Provenance(source=path.name, sha256=sha, imported_at=_now(), note="imported from notice")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        cases, skipped = cases_from_jsonl(path, prov)
        title, style = None, "jsonl"
    else:
        from ..parse import parse_file

        doc = parse_file(path, settings)
        cases, skipped, notice, style = cases_from_document(doc, prov)
        title = notice.title
    if not cases and not skipped:
        raise NoticeFormatError(str(path), detail="没有找到案例标题。")
    result = NoticeImport(str(path), sha, dry_run=dry_run, notice_title=title, heading_style=style)
    result.skipped.extend(skipped)
    dedup = _Deduper(_existing_cases(settings.corpus))
    batch = _Deduper([])
    for case in cases:
        hit = dedup.find(case.title, case.description)
        if hit is not None:
            result.skipped.append(
                Skipped(
                    case.provenance.locator or "",
                    case.title or "",
                    "duplicate_in_corpus",
                    f"知识库中已有相同案例（{hit}），未重复导入。",
                    hit,
                )
            )
            continue
        hit = batch.find(case.title, case.description)
        if hit is not None:
            result.skipped.append(
                Skipped(
                    case.provenance.locator or "",
                    case.title or "",
                    "duplicate_in_file",
                    f"与本文件中另一案例（{hit}）内容相同，未重复导入。",
                    hit,
                )
            )
            continue
        batch.add(case.id, case.title, case.description)
        result.cases.append(case)
    if result.cases and not dry_run:
        result.written = append_cases(settings.corpus, result.cases)
    return result


def append_cases(corpus_dir: Path, cases: list[Case]) -> int:
    """Append to corpus/cases/imported.jsonl by atomic rewrite (temp file + os.replace)."""
    target = Path(corpus_dir) / IMPORTED_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.read_text(encoding="utf-8") if target.is_file() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    have = {json.loads(ln).get("id") for ln in old.splitlines() if ln.strip().startswith("{")}
    new = [c for c in cases if c.id not in have]
    fd, tmp = tempfile.mkstemp(prefix=".imported.", suffix=".jsonl", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(old + "".join(c.to_json() + "\n" for c in new))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise CorpusError(
            detail=f"无法写入 {target}（{exc.strerror}）。请检查知识库目录的写入权限。"
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(new)
