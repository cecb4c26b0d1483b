"""Builds the committed knowledge corpus (corpus/) from ../shared, reproducibly, with provenance.

Build-time only (see :mod:`tools.corpus_build`); the runtime reads the result via
:mod:`screening.corpus.store`.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from screening.corpus.citations import (
    TIAOLI_TO_BANFA,
    XIZE2021_MAP,
    citation_codes,
    cn_to_int,
    code_sort_key,
    int_to_cn,
    map_citation,
    parse_citations,
)
from screening.corpus.schema import CLASSES_1670, FAMILIES, Case, Guidance, Provenance, Standard
from screening.corpus.store import HARD_NEGATIVES_PATH, REGULATION_NEGATIVES_PATH
from screening.errors import CorpusError

BUILDER_VERSION = "corpus-build.v5"  # v2: local negatives; v3: policy_docs; v4: ZB set + labels;
# v5: regulation negatives from 40 % of the regulations (REGULATION_TRAIN_SHARE)

BANFA_FILE = "reference/laws/公平竞争审查条例实施办法.txt"
TIAOLI_FILE = "reference/laws/公平竞争审查条例.txt"
XIZE_FILE = "reference/laws/公平竞争审查制度实施细则_2021_前身文件.txt"
STANDARDS_JSON = "reference/fair_competition_standards.json"
CASES_FILE = "cases/dev_cases.jsonl"
QA_FILE = "reference/samr_fcr_qa.jsonl"
EDITIONS_FILE = "reference/negative_list_editions_meta.json"
BARRIERS_FILE = "reference/market_access_barrier_types.json"
LAWS_DIR = "reference/laws"

# Files the build writes besides laws/ (other tools may add files, e.g. cases/imported.jsonl).
OUTPUT_FILES = (
    "README.md",
    "standards/standards.jsonl",
    "standards/paraphrases.json",
    "standards/xize2021_map.json",
    "cases/cases.jsonl",
    "guidance/samr_qa.jsonl",
    "negative_list/editions_meta.json",
    "negative_list/barrier_types.json",
    REGULATION_NEGATIVES_PATH,
    HARD_NEGATIVES_PATH,
    "negatives/policy_docs.jsonl",
    "tender/case_labels.jsonl",
    "standards/exemplars.jsonl",
)

# Policy documents converted into samples/docs (scripts/build_samples.py): kept out of training
# so the demo screens documents the model has not learned from.
DEMO_SAMPLE_SOURCES = {
    "chengdu-chengdu-gxq-xjj-ruku.txt",
    "liuhe-2023chanye.txt",
    "page-dongying-kfq-fuwuye-fuchi-2023.txt",
    "page-hefei-jxj-shengui-jigai-2023.txt",
    "page-hunan-gxt-5g-changjing-2022.txt",
    "page-hainan-fgw-chongdian-zanxing-2016.txt",
    "procurement-proc-01.txt",
}

BANFA_NAME = "公平竞争审查条例实施办法"
TIAOLI_NAME = "公平竞争审查条例"

_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零]+)条\s+(.*)$")
_ITEM = re.compile(r"^（([一二三四五六七八九十]+)）(.*)$")
_SECTION = re.compile(r"^#+\s*第[一二三四五六七八九十]+[章节]\s*(.*)$")
_TRAILING = "；;。"


# --- helpers ---------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """JSON lines; gzip-compressed when ``path`` ends in ``.gz``, byte-for-byte reproducible
    (no file name or time in the gzip header), so MANIFEST.json's hashes stay stable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [_dumps(r) for r in rows]
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    if path.suffix == ".gz":
        with path.open("wb") as fh, gzip.GzipFile("", "wb", 9, fh, mtime=0) as gz:
            gz.write(data)
    else:
        path.write_bytes(data)
    return len(lines)


class _Sources:
    """Reads files under shared/ and remembers the hash of every file read."""

    def __init__(self, shared: Path) -> None:
        if not shared.is_dir():
            raise CorpusError(
                detail=f"找不到共享资料目录 {shared}。请用 --shared 指定 shared/ 目录"
                "（其中应有 reference/ 和 cases/）。"
            )
        self.shared = shared
        self.hashes: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        p = self.shared / rel
        if not p.is_file():
            raise CorpusError(
                detail=f"共享资料缺少文件 {rel}。请确认 --shared 指向完整的 shared/ 目录。"
            )
        self.hashes[rel] = sha256_file(p)
        return p

    def text(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def json(self, rel: str) -> Any:
        return json.loads(self.text(rel))

    def prov(self, rel: str, locator: str | None = None, note: str | None = None) -> Provenance:
        if rel not in self.hashes:
            self.path(rel)
        return Provenance(source=rel, sha256=self.hashes[rel], locator=locator, note=note)


# --- law texts -------------------------------------------------------------------------------


def parse_articles(text: str) -> dict[int, dict[str, Any]]:
    """Articles of a law text: number → {line, section, chapeau, items[(n, text)], paras[]}."""
    articles: dict[int, dict[str, Any]] = {}
    section: str | None = None
    current: dict[str, Any] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if m := _SECTION.match(line):
            section = m.group(1).strip() if "节" in line else None
            current = None
            continue
        if m := _ARTICLE.match(line):
            current = {
                "line": lineno,
                "section": section,
                "chapeau": m.group(2).strip(),
                "items": [],
                "paras": [],
            }
            articles[cn_to_int(m.group(1))] = current
        elif current is not None and (m := _ITEM.match(line)):
            current["items"].append((cn_to_int(m.group(1)), m.group(2).rstrip(_TRAILING)))
        elif current is not None:
            current["paras"].append(line)
    return articles


def _family(section: str | None) -> str | None:
    if not section:
        return None
    flat = section.replace("、", "")
    found = [f for f in FAMILIES if f in flat]
    return found[0] if len(found) == 1 else None


def _norm(s: str) -> str:
    return re.sub(r"[\s，。；;、：:（）()“”]", "", s)


def verify_tiaoli_mapping(
    banfa: dict[int, dict[str, Any]], tiaoli: dict[int, dict[str, Any]]
) -> dict[tuple[int, int], int]:
    """Match each 条例 art. 8–11 item to the 办法 article whose chapeau/last item repeats it."""
    found: dict[tuple[int, int], int] = {}
    for art in (8, 9, 10, 11):
        for item, text in tiaoli[art]["items"]:
            if text.startswith("其他"):
                found[(art, item)] = 24
                continue
            target = _norm(text)

            def score(n: int, target: str = target) -> float:
                a = banfa[n]
                cands = [_norm(a["chapeau"])] + [_norm(t) for _, t in a["items"][-1:]]
                best = 0
                for c in cands:
                    sm = difflib.SequenceMatcher(None, target, c, autojunk=False)
                    best = max(best, sum(b.size for b in sm.get_matching_blocks() if b.size >= 2))
                return best / len(target)

            ranked = sorted(range(9, 24), key=score, reverse=True)
            first, second = score(ranked[0]), score(ranked[1])
            found[(art, item)] = ranked[0] if first >= 0.85 and first > second else -1
    return found


def build_standards(src: _Sources) -> tuple[list[Standard], dict[str, Any]]:
    banfa = parse_articles(src.text(BANFA_FILE))
    tiaoli = parse_articles(src.text(TIAOLI_FILE))
    missing = [n for n in range(1, 49) if n not in banfa]
    if missing:
        raise CorpusError(detail=f"《实施办法》文本缺少第 {missing} 条，无法生成审查标准。")
    mapping = verify_tiaoli_mapping(banfa, tiaoli)
    if mapping != TIAOLI_TO_BANFA:
        diff = {k: v for k, v in mapping.items() if TIAOLI_TO_BANFA.get(k) != v}
        raise CorpusError(detail=f"《条例》与《实施办法》条文对应关系与内置表不一致：{diff}")
    tiaoli_by_banfa = {v: k for k, v in TIAOLI_TO_BANFA.items() if v != 24}
    json_map = {
        s["implementing_measures_article_no"]: s["code"]
        for s in src.json(STANDARDS_JSON)["standards"]
        if s.get("implementing_measures_article_no")
    }
    out: list[Standard] = []
    for art in range(9, 25):
        a = banfa[art]
        prov = src.prov(BANFA_FILE, locator=f"第{art}条（第 {a['line']} 行）")
        ref = tiaoli_by_banfa.get(art)
        tl_ref = f"第{int_to_cn(ref[0])}条第（{int_to_cn(ref[1])}）项" if ref else None
        tl_text = dict(tiaoli[ref[0]]["items"])[ref[1]] if ref else None
        if ref and json_map.get(art) != f"TL-{ref[0]}-{ref[1]}":
            raise CorpusError(
                detail=f"fair_competition_standards.json 对第{art}条的对应关系与条文不符。"
            )
        if not a["items"]:
            out.append(
                Standard(
                    code=f"FCR-{art}",
                    kind="standard",
                    law=BANFA_NAME,
                    law_file=_law_name(BANFA_FILE),
                    article=art,
                    item=None,
                    family=_family(a["section"]),
                    chapeau=None,
                    text=a["chapeau"].rstrip(_TRAILING),
                    tiaoli_ref=None,
                    tiaoli_text=None,
                    note="兜底条款：适用于四类审查标准；对应《条例》第八条至第十一条各条的“其他”项。",
                    provenance=prov,
                )
            )
            continue
        for item, text in a["items"]:
            out.append(
                Standard(
                    code=f"FCR-{art}-{item}",
                    kind="standard",
                    law=BANFA_NAME,
                    law_file=_law_name(BANFA_FILE),
                    article=art,
                    item=item,
                    family=_family(a["section"]),
                    chapeau=a["chapeau"],
                    text=text,
                    tiaoli_ref=tl_ref,
                    tiaoli_text=tl_text,
                    provenance=prov,
                )
            )
    out.extend(_exceptions(src, banfa, tiaoli))
    out.extend(_definitions(src, banfa))
    facts = {"tiaoli_to_banfa": {f"{k[0]}-{k[1]}": v for k, v in sorted(mapping.items())}}
    return out, facts


def _exceptions(src: _Sources, banfa: dict[int, Any], tiaoli: dict[int, Any]) -> list[Standard]:
    out = []
    for law, rel, art, prefix in (
        (TIAOLI_NAME, TIAOLI_FILE, 12, "EXC-TL12"),
        (BANFA_NAME, BANFA_FILE, 25, "EXC-25"),
    ):
        a = (tiaoli if law == TIAOLI_NAME else banfa)[art]
        prov = src.prov(rel, locator=f"第{art}条（第 {a['line']} 行）")
        for item, text in a["items"]:
            out.append(
                Standard(
                    code=f"{prefix}-{item}",
                    kind="exception",
                    law=law,
                    law_file=_law_name(rel),
                    article=art,
                    item=item,
                    family=None,
                    chapeau=a["chapeau"],
                    text=text,
                    note="例外情形：符合时政策措施可以出台，但须在审查结论中说明；不因此删除审查发现。",
                    provenance=prov,
                )
            )
    return out


def _definitions(src: _Sources, banfa: dict[int, Any]) -> list[Standard]:
    out = []
    defs = [
        (46, None, banfa[46]["chapeau"], "特定经营者"),
        (47, None, banfa[47]["chapeau"], "法律、法规授权的具有管理公共事务职能的组织"),
        (25, 2, banfa[25]["paras"][0], "没有对公平竞争影响更小的替代方案"),
        (25, 3, banfa[25]["paras"][1], "合理的实施期限、终止条件"),
    ]
    for art, para, text, term in defs:
        code = f"DEF-{art}" if para is None else f"DEF-{art}-{para}"
        locator = f"第{art}条" + (f"第{int_to_cn(para)}款" if para else "")
        out.append(
            Standard(
                code=code,
                kind="definition",
                law=BANFA_NAME,
                law_file=_law_name(BANFA_FILE),
                article=art,
                item=None,
                family=None,
                chapeau=None,
                text=text.rstrip(_TRAILING),
                note=f"术语：{term}",
                provenance=src.prov(BANFA_FILE, locator=locator),
            )
        )
    return out


def _law_name(rel: str) -> str:
    return Path(rel).name


# --- paraphrases and the 2021 细则 map -------------------------------------------------------


def build_paraphrases(src: _Sources) -> dict[str, Any]:
    data = src.json(STANDARDS_JSON)
    forms = []
    for s in data["standards"]:
        for f in s.get("concrete_forms") or []:
            forms.append(
                {
                    **f,
                    "tiaoli_code": s["code"],
                    "is_paraphrase": True,
                    "banfa_article": s.get("implementing_measures_article_no"),
                }
            )
    return {
        "warning": "非官方转述，仅供关键词设计和分类参考，不得作为法律原文引用或向用户展示为引文。"
        " Unofficial paraphrases: never show them as quotes of the law.",
        "concrete_forms": forms,
        "concrete_forms_count": len(forms),
        "catch_all_paraphrase": {**data["catch_all"], "is_paraphrase": True},
        "legacy_2021_xize": {
            **data["legacy_2021_xize"],
            "is_legacy": True,
            "legacy_note": "2021年《公平竞争审查制度实施细则》原文（前身文件），"
            "仅供措辞对照；现行标准以《实施办法》为准。",
        },
        "provenance": dataclass_dict(
            src.prov(
                STANDARDS_JSON, locator="standards[].concrete_forms, catch_all, legacy_2021_xize"
            )
        ),
    }


def parse_xize(text: str) -> dict[str, str]:
    """细则 articles 13–16: key "13", "13-1", "13-1-1" → verbatim text."""
    out: dict[str, str] = {}
    art = item = None
    for line in text.splitlines():
        line = line.strip()
        if m := _ARTICLE.match(line):
            art, item = cn_to_int(m.group(1)), None
            if 13 <= art <= 16:
                out[str(art)] = m.group(2).strip()
        elif art and 13 <= art <= 16 and (m := _ITEM.match(line)):
            item = cn_to_int(m.group(1))
            out[f"{art}-{item}"] = m.group(2).strip()
        elif art and 13 <= art <= 16 and item and (m := re.match(r"^(\d+)\.(.*)$", line)):
            out[f"{art}-{item}-{m.group(1)}"] = m.group(2).strip()
    return out


def build_xize_map(src: _Sources, standards: list[Standard]) -> dict[str, Any]:
    texts = parse_xize(src.text(XIZE_FILE))
    known = {s.code for s in standards} | {f"FCR-{a}" for a in range(9, 25)}
    by_code = {s.code: s.text for s in standards}
    rows = []
    for key in sorted(XIZE2021_MAP, key=lambda k: tuple(int(x) for x in k.split("-"))):
        codes, note = XIZE2021_MAP[key]
        bad = [c for c in codes if c not in known]
        if bad or key not in texts:
            raise CorpusError(detail=f"细则对照表第 {key} 行有误：未知编号 {bad} 或细则无此项。")
        parts = [int(x) for x in key.split("-")]
        ref = (
            f"第{int_to_cn(parts[0])}条"
            + (f"（{int_to_cn(parts[1])}）" if len(parts) > 1 else "")
            + (f"{parts[2]}." if len(parts) > 2 else "")
        )
        rows.append(
            {
                "key": key,
                "xize_ref": ref,
                "xize_text": texts[key],
                "codes": list(codes),
                "code_texts": {c: by_code.get(c) for c in codes},
                "note": note,
            }
        )
    unmapped = sorted(k for k in texts if k not in XIZE2021_MAP and k.count("-") >= 1)
    return {
        "title": "2021年《公平竞争审查制度实施细则》第十三条至第十六条"
        " → 2025年《实施办法》审查标准对照表",
        "method": "逐项比对两份文本的措辞人工编制（screening/corpus/xize2021.py）；编号不带项号"
        "（如 FCR-19）表示只能确定到条。细则中无对应项的情形归入相应条的“其他”项或第二十四条兜底，"
        "并在 note 中注明。",
        "rows": rows,
        "unmapped_keys": unmapped,
        "provenance": dataclass_dict(
            src.prov(XIZE_FILE, locator="第十三条至第十六条", note="非官方副本，条内分段已丢失")
        ),
    }


# --- cases -----------------------------------------------------------------------------------


def _case_source(r: dict[str, Any]) -> str:
    st, pub = r.get("source_type") or "", r.get("publisher") or ""
    if st == "ndrc_negative_list":
        return "NDRC"
    if st == "samr_admin_monopoly" or "国家市场监督管理" in pub:
        return "SAMR"
    if st == "provincial":
        return "provincial"
    return "other"


def group_ids(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Union-find over related_case_ids and ids named in also_published_in; group = smallest id."""
    ids = {r["id"] for r in rows}
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rows:
        linked = list(r.get("related_case_ids") or [])
        linked += [
            i
            for i in re.findall(r"[a-z]+-[a-z0-9]+-\d+", r.get("also_published_in") or "")
            if i in ids
        ]
        for other in linked:
            if other in ids:
                a, b = find(r["id"]), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {i: find(i) for i in ids}


_CASE_EXTRA = (
    "source_type",
    "category",
    "case_kind",
    "publisher",
    "document_date",
    "case_origin",
    "category_basis",
    "sector_tags",
    "subtype_tags",
    "offending_text_note",
    "also_published_in",
)


def normalise_case(r: dict[str, Any], lineno: int, group: str, prov: Provenance) -> Case:
    codes, basis = map_citation(r.get("legal_basis"))
    category = r.get("category")
    extra = {k: r.get(k) for k in _CASE_EXTRA if r.get(k) not in (None, [], "")}
    return Case(
        id=r["id"],
        source=_case_source(r),
        notice_title=r.get("publication"),
        date=r.get("date") or r.get("document_date"),
        region=r.get("region"),
        sector=r.get("sector"),
        class_1670=category if category in CLASSES_1670 else None,
        subtype=r.get("subtype"),
        standards=codes,
        legal_basis_raw=r.get("legal_basis"),
        offending_text=tuple(r.get("offending_text") or ()),
        description=r.get("description"),
        rectification=r.get("rectification"),
        title=r.get("title"),
        batch=r.get("batch"),
        document_name=r.get("document_name"),
        document_issuer=r.get("document_issuer"),
        group_id=group,
        related_case_ids=tuple(r.get("related_case_ids") or ()),
        fidelity=r.get("text_fidelity"),
        standards_basis=basis,
        provenance=Provenance(
            source=prov.source,
            sha256=prov.sha256,
            locator=f"第 {lineno} 行，id={r['id']}",
            note=r.get("source"),
        ),
        extra=extra,
    )


def build_cases(src: _Sources) -> list[Case]:
    lines = src.text(CASES_FILE).splitlines()
    rows = [(n, json.loads(line)) for n, line in enumerate(lines, start=1) if line.strip()]
    groups = group_ids([r for _, r in rows])
    prov = src.prov(CASES_FILE)
    return [normalise_case(r, n, groups[r["id"]], prov) for n, r in rows]


# --- guidance --------------------------------------------------------------------------------

_QUOTE = re.compile(r"[“\"]([^“”\"]{2,200})[”\"]")
_STATUTE_LEAD = ("规定", "明确", "指出", "要求", "条", "提出")


def clause_wording(question: str, answer: str, law_text: str = "") -> tuple[str, ...]:
    """Quoted wording that is a clause under review (not a law title or a quoted statute).

    ``law_text`` is the normalised text of the bundled laws; quotes found in it are law wording.
    """
    found: list[str] = []
    for is_answer, text in ((False, question), (True, answer)):
        for m in _QUOTE.finditer(text):
            q = m.group(1).strip()
            lead = text[max(0, m.start() - 3) : m.start()]
            if "《" in q or len(q) < 4 or any(lead.endswith(x) for x in _STATUTE_LEAD):
                continue
            in_law = bool(law_text) and _norm(q).rstrip("的") in law_text
            if in_law and (is_answer or len(_norm(q)) >= 10):
                continue  # law wording, not a clause under review
            if q not in found:
                found.append(q)
    return tuple(found)


def _cited_label(c: Any) -> str:
    names = {"banfa": "实施办法", "tiaoli": "条例", "xize2021": "实施细则(2021)"}
    label = f"{names.get(c.law, c.law)} 第{c.article}条"
    return label + "".join(f"({x})" for x in c.levels)


def build_guidance(src: _Sources) -> list[Guidance]:
    law_text = "".join(_norm(src.text(rel)) for rel in (BANFA_FILE, TIAOLI_FILE, XIZE_FILE))
    out = []
    for n, line in enumerate(src.text(QA_FILE).splitlines(), start=1):
        if not line.strip():
            continue
        r = json.loads(line)
        text = f"{r['question']}\n{r['answer']}"
        codes, basis = map_citation(text)
        cited = tuple(
            dict.fromkeys(
                _cited_label(c)
                for c in parse_citations(text)
                if c.law in ("banfa", "tiaoli", "xize2021")
            )
        )
        out.append(
            Guidance(
                id=r["id"],
                question=r["question"],
                answer=r["answer"],
                standards=codes,
                standards_basis=basis,
                clause_wording=clause_wording(r["question"], r["answer"], law_text),
                cited=cited,
                batch=r.get("batch"),
                no=r.get("no"),
                provenance=src.prov(
                    QA_FILE, locator=f"第 {n} 行，id={r['id']}", note=r.get("source")
                ),
            )
        )
    return out


# --- orchestration ---------------------------------------------------------------------------


def dataclass_dict(obj: Any) -> dict[str, Any]:
    import dataclasses

    return dataclasses.asdict(obj)


def build_corpus(shared: str | Path, out: str | Path) -> dict[str, Any]:
    """Build every corpus file from ``shared`` into ``out``; returns the manifest written."""
    from .exemplars import build_exemplars, exemplars_method
    from .negatives import sample_hard_negatives, sample_negatives, sample_policy_negatives
    from .readme import render_readme
    from .tender import build_tender_labels, build_tender_standards, labels_method

    src = _Sources(Path(shared))
    out = Path(out)
    standards, facts = build_standards(src)
    standards += build_tender_standards(src, parse_articles)
    cases = build_cases(src)
    guidance = build_guidance(src)
    xize = build_xize_map(src, standards)
    paraphrases = build_paraphrases(src)
    counts: dict[str, Any] = {}
    counts["standards"] = _write_jsonl(
        out / "standards" / "standards.jsonl", (s.to_dict() for s in _ordered(standards))
    )
    _write_json(out / "standards" / "paraphrases.json", paraphrases)
    _write_json(out / "standards" / "xize2021_map.json", xize)
    counts["cases"] = _write_jsonl(out / "cases" / "cases.jsonl", (c.to_dict() for c in cases))
    counts["guidance"] = _write_jsonl(
        out / "guidance" / "samr_qa.jsonl", (g.to_dict() for g in guidance)
    )
    for rel, name in ((EDITIONS_FILE, "editions_meta.json"), (BARRIERS_FILE, "barrier_types.json")):
        _write_json(
            out / "negative_list" / name,
            {
                "provenance": dataclass_dict(src.prov(rel, note="原样收录，未改动")),
                "data": src.json(rel),
            },
        )
    for path in (REGULATION_NEGATIVES_PATH, HARD_NEGATIVES_PATH):  # stored plain before
        (out / path.removesuffix(".gz")).unlink(missing_ok=True)
    counts["negatives"] = _write_jsonl(
        out / REGULATION_NEGATIVES_PATH, sample_negatives(src.shared)
    )
    counts["negatives_hard"] = _write_jsonl(
        out / HARD_NEGATIVES_PATH, sample_hard_negatives(src.shared)
    )
    counts["negatives_policy"] = _write_jsonl(
        out / "negatives" / "policy_docs.jsonl",
        sample_policy_negatives(src.shared, exclude=DEMO_SAMPLE_SOURCES),
    )
    tender_labels = build_tender_labels(cases, {s.code for s in standards})
    counts["tender_case_labels"] = _write_jsonl(out / "tender" / "case_labels.jsonl", tender_labels)
    counts["exemplars"] = _write_jsonl(
        out / "standards" / "exemplars.jsonl", build_exemplars(standards)
    )
    laws = _copy_laws(src, out / "laws")
    stats = corpus_stats(standards, cases, guidance, xize, paraphrases, tender_labels)
    manifest = {
        "builder_version": BUILDER_VERSION,
        "sources": dict(sorted(src.hashes.items())),
        "counts": {
            **counts,
            "laws": len(laws),
            "xize2021_map_rows": len(xize["rows"]),
            "paraphrased_forms": paraphrases["concrete_forms_count"],
        },
        "stats": stats,
        "tiaoli_to_banfa_verified": facts["tiaoli_to_banfa"],
        "tender_labels_method": labels_method(),
        "exemplars_method": exemplars_method(),
    }
    (out / "README.md").write_text(render_readme(manifest), encoding="utf-8")
    written = [*OUTPUT_FILES, *(f"laws/{name}" for name in laws)]
    manifest["outputs"] = {rel: sha256_file(out / rel) for rel in sorted(written)}
    _write_json(out / "MANIFEST.json", manifest)
    return manifest


def _ordered(standards: list[Standard]) -> list[Standard]:
    kinds = {"standard": 0, "exception": 1, "definition": 2}
    return sorted(
        standards,
        key=lambda s: (kinds[s.kind], s.code.split("-")[0], s.article, s.item or 0, s.code),
    )


def _copy_laws(src: _Sources, dest: Path) -> list[str]:
    dest.mkdir(parents=True, exist_ok=True)
    names = []
    for p in sorted((src.shared / LAWS_DIR).glob("*.txt")):
        rel = f"{LAWS_DIR}/{p.name}"
        src.path(rel)
        shutil.copyfile(p, dest / p.name)
        names.append(p.name)
    return names


def corpus_stats(
    standards: list[Standard],
    cases: list[Case],
    guidance: list[Guidance],
    xize: dict[str, Any],
    paraphrases: dict[str, Any],
    tender_labels: list[dict[str, Any]],
) -> dict[str, Any]:
    fcr = [s for s in standards if s.kind == "standard" and s.code.startswith("FCR-")]
    per_article = Counter(s.article for s in fcr)
    zb = [s for s in standards if s.code.startswith("ZB-")]
    zb_labelled = [r for r in tender_labels if r["zb"]]
    by_source = Counter(c.source for c in cases)
    coded_by_source = Counter(c.source for c in cases if c.standards)
    return {
        "standards_per_article": {str(k): v for k, v in sorted(per_article.items())},
        "standards_total": sum(per_article.values()),
        "exceptions": sum(1 for s in standards if s.kind == "exception"),
        "definitions": sum(1 for s in standards if s.kind == "definition"),
        "cases_by_source": dict(sorted(by_source.items())),
        "cases_by_class_1670": dict(
            sorted(Counter(c.class_1670 or "（无）" for c in cases).items())
        ),
        "cases_by_fidelity": dict(sorted(Counter(c.fidelity or "（无）" for c in cases).items())),
        "cases_with_codes": sum(1 for c in cases if c.standards),
        "cases_with_codes_by_source": {k: coded_by_source.get(k, 0) for k in sorted(by_source)},
        "cases_by_basis": dict(
            sorted(Counter(c.standards_basis or "（无）" for c in cases).items())
        ),
        "cases_with_offending_text": sum(1 for c in cases if c.offending_text),
        "case_groups": len({c.group_id for c in cases}),
        "case_groups_multi": sum(1 for v in Counter(c.group_id for c in cases).values() if v > 1),
        "guidance_with_codes": sum(1 for g in guidance if g.standards),
        "guidance_with_clause_wording": sum(1 for g in guidance if g.clause_wording),
        "xize2021_map_rows": len(xize["rows"]),
        "paraphrased_forms": paraphrases["concrete_forms_count"],
        "tender_standards_total": len(zb),
        "tender_standards_per_article": dict(sorted(Counter(str(s.article) for s in zb).items())),
        "tender_cases": sum(1 for r in tender_labels if r["tender"]),
        "tender_cases_with_zb": len(zb_labelled),
        "tender_case_codes_per_article": dict(
            sorted(
                Counter(z.split("-")[1] for r in zb_labelled for z in r["zb"]).items(),
                key=lambda kv: int(kv[0]),
            )
        ),
    }


def codes_in_use(cases: Iterable[Case]) -> list[str]:
    """Every standard code used by cases, in numeric order (for reports and tests)."""
    return sorted({c for case in cases for c in case.standards}, key=code_sort_key)


__all__ = ["BUILDER_VERSION", "build_corpus", "citation_codes", "parse_articles"]
