"""The documents of a draft review: 公平竞争审查书面结论 (审查表) and 修改建议函 (初审意见).

Both are drafts from the ledger (``ledger.reviews``), in 公文 layout, each with a ``.json``
sidecar naming the ledger rows behind every statement: the review, its version, the items by
number and id, the trail entries of their settlement, the standards and cases cited. They can be
written at any point of the review; before the conclusion the 审查结论 says 结论待定.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..corpus.citations import int_to_cn
from ..corpus.store import load_cases, load_standards, review_standards
from ..corpus.tender import ZB_FAMILIES, is_zb
from ..domain import FAMILIES
from ..lang.zh.tenderkinds import is_tender_kind
from ..ledger import reviews as rv
from ..ledger.reviews import KIND_CONCLUSION, KIND_LETTER, seq_list
from ..localnames import PLACEHOLDERS, LocalNames
from ..privacy import Redactor
from .citations import Citations, book, quoted, where
from .layout import OfficialDocument, title_lines
from .queries import Written, cn_date, write_sidecar

FAMILY_HEADINGS = {
    FAMILIES[0]: "（一）市场准入和退出标准（《实施办法》第九条至第十二条）",
    FAMILIES[1]: "（二）商品要素自由流动标准（《实施办法》第十三条至第十七条）",
    FAMILIES[2]: "（三）影响生产经营成本标准（《实施办法》第十八条至第二十条）",
    FAMILIES[3]: "（四）影响生产经营行为标准（《实施办法》第二十一条至第二十三条）",
    None: "（五）兜底条款（《实施办法》第二十四条）",
}
ZB_HEADINGS = {
    family: f"（{int_to_cn(n - 4)}）{family}（第{int_to_cn(n)}条）"
    for n, family in ZB_FAMILIES.items()
}
FILL = "【请填写：{}】"
CHINESE_ITEM = "一二三四五"


def _placeholder(value: Any, what: str) -> str:
    return str(value) if value not in (None, "") else FILL.format(what)


def _clause_where(item: dict[str, Any]) -> str:
    loc = where(item["article_path"] or "")
    page = f"（第{item['page']}页）" if item.get("page") else ""
    if loc == "该文件":
        return f"第{item['clause_index'] + 1}条款{page}" if item["clause_index"] is not None else ""
    return loc + page


def _settlement(item: dict[str, Any], cites: Citations) -> str:
    state = item["state"]
    if state == rv.PROBLEM:
        return "构成问题" + (f"：{item['reason']}" if item["reason"] else "")
    if state == rv.NOT_PROBLEM:
        return f"不构成问题：{item['reason']}"
    if state == rv.EXCEPTION:
        exc = cites[item["exception_code"]]
        number = int(item["exception_code"].rsplit("-", 1)[1])
        return f"适用例外（《条例》第十二条第（{int_to_cn(number)}）项：{exc.quote or exc.ref}）"
    if state == rv.REVISED:
        return "已按修改意见修改" + (f"：{item['reason']}" if item["reason"] else "")
    if state == rv.CHANGED_PENDING:
        return "条款已修改，待确认"
    return "待认定"


class _Review:
    """One review read from the ledger, with what both documents cite."""

    def __init__(self, db: Database, review_id: int, corpus_dir: str | Path) -> None:
        self.review = rv.get_review(db, review_id)
        self.items: list[dict[str, Any]] = self.review["items"]
        self.version = self.review["versions"][-1]
        self.cites = Citations(corpus_dir)
        self.standards = review_standards(corpus_dir)
        self.zb_standards = [s for s in load_standards(corpus_dir, "standard") if is_zb(s.code)]
        self.doc_kind = (self.version.get("metadata") or {}).get("doc_kind")
        self.exceptions = {s.code: s for s in load_standards(corpus_dir, kind="exception")}
        self.cases = {c.id: c for c in load_cases(corpus_dir)}
        self.redact = Redactor.from_ledger(db)
        self.statements: list[dict[str, Any]] = []  # the sidecar: what each part rests on

    @property
    def concluded(self) -> bool:
        return bool(self.review["status"] == rv.CONCLUDED)

    def trace(self, part: str, **refs: Any) -> None:
        self.statements.append({"part": part, **refs})

    def actions_of(self, item: dict[str, Any]) -> list[int]:
        return [a["id"] for a in self.review["actions"] if a["item_id"] == item["id"]]

    def item_ref(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "seq": item["seq"],
            "item_id": item["id"],
            "state": item["state"],
            "standard": item["standard"],
            "actions": self.actions_of(item),
        }

    def row_code(self, item: dict[str, Any]) -> str:
        """The table row an item belongs to: its standard, or FCR-24 for any other code."""
        codes = {s.code for s in self.standards}
        return item["standard"] if item["standard"] in codes else "FCR-24"

    def zb_code(self, item: dict[str, Any]) -> str | None:
        """The tender-rules item an item belongs to: the first ZB code among its standards."""
        return next((c for c in item["standards"] if is_zb(c)), None)

    @property
    def is_tender(self) -> bool:
        """A tender-type draft, or one with items coded to the tender rules."""
        return is_tender_kind(self.doc_kind) or any(self.zb_code(i) for i in self.items)

    def sidecar(self, kind: str, out: Path, date: dt.date, placeholders: list[str]) -> Path:
        r = self.review
        data = {
            "document": kind,
            "generated_for_date": date.isoformat(),
            "review": {
                k: r[k]
                for k in ("id", "title", "drafter", "version", "status", "result", "revision")
            },
            "version": {
                k: self.version[k] for k in ("version", "path", "sha256", "submitted_at", "engine")
            },
            "items": [self.item_ref(i) for i in self.items],
            "statements": self.statements,
            "placeholders": placeholders,  # config keys whose placeholder the draft printed
        }
        return write_sidecar(out, data, self.redact)


# --- 书面审查结论 ----------------------------------------------------------------------------


def _info_table(d: OfficialDocument, x: _Review, names: LocalNames) -> None:
    r, v = x.review, x.version
    reviewer = r["department"] or names.review_office
    rows = [
        ["项目", "内容"],
        ["政策措施名称", book(r["title"])],
        ["文号", r["doc_number"] or "（草案，尚未编号）"],
        ["起草单位", r["drafter"]],
        ["审查机构", _placeholder(reviewer, "审查机构名称")],
        ["涉及行业领域", _placeholder(r["domain"], "涉及的行业、领域")],
        ["性质类别", _placeholder(r["kind"], "规范性文件／其他政策性文件等")],
        [
            "送审稿",
            f"第{v['version']}稿（{v['submitted_at'][:10]}提交，共{len(v['clauses'])}条款）",
        ],
        [
            "听取意见情况",
            _placeholder(
                r["consultation"],
                "听取利害关系人和社会公众意见的方式、范围，意见及采纳情况（《实施办法》第二十八条）",
            ),
        ],
    ]
    d.table(rows, widths_mm=(36, 120), center_cols=(0,), caption="表1　审查对象基本情况")
    x.trace("基本情况", review_id=r["id"], version=v["version"])


def _tally(found: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for i in found:
        counts[i["state"]] = counts.get(i["state"], 0) + 1
    return "；".join(f"{s}{counts[s]}个" for s in rv.ITEM_STATES if s in counts)


def _standards_table(d: OfficialDocument, x: _Review) -> None:
    _item_by_item(
        d,
        x,
        x.standards,
        x.row_code,
        FAMILY_HEADINGS,
        "表2　逐项审查情况（《实施办法》第九条至第二十四条）",
    )


def _tender_table(d: OfficialDocument, x: _Review) -> None:
    """招标投标领域 item by item (《招标投标领域公平竞争审查规则》第五条至第十一条), for tender
    documents (its art. 20) and drafts with items coded to those rules."""
    if not x.is_tender or not x.zb_standards:
        return
    found = {c for c in (x.zb_code(i) for i in x.items) if c}
    kind = f"该文件属于{x.doc_kind}，" if is_tender_kind(x.doc_kind) else ""
    d.para(
        f"{kind}依照《招标投标领域公平竞争审查规则》第二十条，参照该规则第五条至第十一条规定的"
        f"{len(x.zb_standards)}项审查事项逐项审查，"
        + (f"涉及{len(found)}项，" if found else "均不涉及，")
        + "逐项情况见表2-1。"
    )
    _item_by_item(
        d,
        x,
        x.zb_standards,
        x.zb_code,
        ZB_HEADINGS,
        "表2-1　招标投标领域逐项审查情况（《招标投标领域公平竞争审查规则》第五条至第十一条）",
    )


def _item_by_item(
    d: OfficialDocument,
    x: _Review,
    standards: list[Any],
    code_of: Any,
    headings: dict[Any, str],
    caption: str,
) -> None:
    by_code: dict[str | None, list[dict[str, Any]]] = {}
    for item in x.items:
        by_code.setdefault(code_of(item), []).append(item)
    rows: list[list[str]] = [["序号", "审查标准", "是否涉及", "涉及事项", "认定情况"]]
    group_rows: list[int] = []
    n = 0
    family = "start"
    for s in standards:
        if s.family != family:
            family = s.family
            group_rows.append(len(rows))
            rows.append([headings.get(family, family or ""), "", "", "", ""])
        n += 1
        found = by_code.get(s.code, [])
        item_ref = f"第{int_to_cn(s.article)}条" + (f"（{int_to_cn(s.item)}）" if s.item else "")
        standard = f"{item_ref}{s.text}（{s.code}）"
        if not found:
            rows.append([str(n), standard, "不涉及", "—", "—"])
            continue
        rows.append(
            [str(n), standard, "涉及", "事项" + seq_list([i["seq"] for i in found]), _tally(found)]
        )
        x.trace("逐项审查表", standard=s.code, items=[x.item_ref(i) for i in found])
    table = d.table(rows, widths_mm=(10, 70, 14, 30, 32), center_cols=(0, 2), caption=caption)
    for r in group_rows:
        cells = table.rows[r].cells
        merged = cells[0].merge(cells[-1])
        merged.paragraphs[0].runs[0].font.bold = True
        for extra in merged.paragraphs[1:]:
            extra._p.getparent().remove(extra._p)


def _items_table(d: OfficialDocument, x: _Review) -> None:
    """Every item: where, the wording (and its revision), the standard, the settlement."""
    if not x.items:
        return
    rows = [["事项", "条款位置", "条款原文", "审查标准", "认定"]]
    for i in x.items:
        text = quoted(i["clause"])
        if i["revised_clause"]:
            text += f"\n修改稿：{quoted(i['revised_clause'])}"
        elif i["state"] in (rv.CHANGED_PENDING, rv.REVISED) and i["clause_index"] is None:
            text += "\n（修改稿已删除该条款）"
        origin = "（审查人员补充）" if i["origin"] == "reviewer" else ""
        rows.append(
            [
                str(i["seq"]),
                _clause_where(i) or "—",
                text,
                (i["standard"] or "—")
                + (f"\n{zb}" if (zb := x.zb_code(i)) and zb != i["standard"] else "")
                + origin,
                _settlement(i, x.cites),
            ]
        )
        x.trace("审查事项明细", **x.item_ref(i))
    d.table(
        rows,
        widths_mm=(11, 22, 67, 24, 32),
        center_cols=(0, 1),
        caption="表3　审查事项明细",
    )


def _exceptions(d: OfficialDocument, x: _Review) -> None:
    excepted = [i for i in x.items if i["state"] == rv.EXCEPTION]
    if not excepted:
        return
    d.heading(1, "三、适用例外情况")
    d.para(
        "以下条款具有或者可能具有排除、限制竞争效果，经评估符合《公平竞争审查条例》第十二条规定的"
        "情形，按照《实施办法》第二十九条说明如下。"
    )
    for k, item in enumerate(excepted, start=1):
        d.heading(2, f"（{CHINESE_ITEM[k - 1] if k <= 5 else k}）事项{item['seq']}")
        d.para(f"条款：{_clause_where(item)}{quoted(item['revised_clause'] or item['clause'])}。")
        exp = item["explanations"]
        exc = x.exceptions.get(item["exception_code"])
        number = int(item["exception_code"].rsplit("-", 1)[1])
        situation = (
            f"《公平竞争审查条例》第十二条第（{int_to_cn(number)}）项“{exc.text if exc else ''}”"
        )
        lines = {
            "1": exp.get("1"),
            "2": situation + (f"：{exp['2']}" if exp.get("2") else ""),
            "3": exp.get("3"),
            "4": exp.get("4"),
            "5": exp.get("5") or "无",
        }
        for key in "12345":
            d.para(f"{int(key)}. {rv.EXPLANATIONS[key]}：{(lines[key] or '').rstrip('。')}。")
        x.trace("适用例外说明", **x.item_ref(item), exception=item["exception_code"])


def _conclusion(d: OfficialDocument, x: _Review, heading: str) -> None:
    r = x.review
    d.heading(1, heading)
    problems = [i for i in x.items if i["state"] == rv.PROBLEM]
    excepted = [i for i in x.items if i["state"] == rv.EXCEPTION]
    if not x.concluded:
        open_items = [i for i in x.items if i["state"] in rv.UNSETTLED]
        d.para(
            "结论待定。"
            + (
                f"尚有{len(open_items)}个事项未认定（事项"
                + seq_list([i["seq"] for i in open_items])
                + "），全部认定后方可作出审查结论。"
                if open_items
                else "各事项已认定，尚未作出审查结论。"
            )
        )
        x.trace("审查结论", status=r["status"], result=None)
        return
    if r["result"] == rv.COMPLIANT:
        text = (
            "经审查，该政策措施不含有《公平竞争审查条例》第八条至第十一条及《实施办法》第九条至"
            "第二十四条规定的排除、限制竞争的内容，符合公平竞争审查标准，可以出台。"
        )
    elif r["result"] == rv.NON_COMPLIANT:
        seqs = seq_list([i["seq"] for i in problems])
        codes = "、".join(dict.fromkeys(x.cites[i["standard"]].short for i in problems))
        text = (
            f"经审查，该政策措施存在违反公平竞争审查标准的内容（见表2事项{seqs}，涉及{codes}），"
            "不符合公平竞争审查标准。依据《公平竞争审查条例》第十八条和《实施办法》第三十四条，"
            "应当按照审查意见修改，修改后重新提请审查；未修改的，不得出台。"
        )
    else:
        seqs = seq_list([i["seq"] for i in excepted])
        text = (
            f"经审查，该政策措施中事项{seqs}所涉条款具有或者可能具有排除、限制竞争效果，但符合"
            "《公平竞争审查条例》第十二条规定的情形，且没有对公平竞争影响更小的替代方案，能够确定"
            "合理的实施期限或者终止条件，可以出台；期限届满或者终止条件满足后应当及时停止实施。"
        )
    if r["conclusion_note"]:
        text += f"{r['conclusion_note'].rstrip('。')}。"
    d.para(text)
    x.trace(
        "审查结论",
        status=r["status"],
        result=r["result"],
        concluded_at=r["concluded_at"],
        concluded_by=r["concluded_by"],
        actions=[a["id"] for a in x.review["actions"] if a["action"].startswith("作出审查结论")],
    )


def _materials(d: OfficialDocument, x: _Review, db: Database) -> None:
    rows = [["序号", "材料", "是否提供", "说明"]]
    checklist = rv.materials_checklist(db, x.review["id"])
    for n, m in enumerate(checklist, start=1):
        rows.append([str(n), m["material"], "已提供" if m["present"] else "未提供", m["detail"]])
    d.para(
        "本政策措施拟提请市场监督管理部门开展公平竞争审查，按照《实施办法》第三十一条，"
        "报送材料情况如下。"
    )
    d.table(rows, widths_mm=(12, 44, 20, 80), center_cols=(0, 2), caption="表4　报送材料清单")
    x.trace("报送材料清单", materials=checklist)


def write_conclusion(
    db: Database,
    review_id: int,
    out: str | Path,
    *,
    date: dt.date,
    corpus_dir: str | Path,
    names: LocalNames = PLACEHOLDERS,
) -> Written:
    """公平竞争审查书面结论 (审查表) of review ``review_id``, its state as of now."""
    x = _Review(db, review_id, corpus_dir)
    r = x.review
    title = f"关于{book(r['title'])}的公平竞争审查结论"
    d = OfficialDocument(redact=x.redact, title=title)
    d.title(title_lines(title))
    if not x.concluded:
        d.para("（结论待定：本稿反映审查过程中的认定情况，不作为正式审查结论。）")
    d.blank()
    d.para(
        f"根据《公平竞争审查条例》第十七条和《公平竞争审查条例实施办法》第二十六条至第二十九条，"
        f"对{r['drafter']}起草的{book(r['title'])}（第{r['version']}稿）开展公平竞争审查，"
        "在评估对公平竞争的影响后，作出书面审查结论如下。"
    )
    d.heading(1, "一、基本情况")
    _info_table(d, x, names)
    d.heading(1, "二、逐项审查情况")
    total = len(x.standards)
    involved_codes = {x.row_code(i) for i in x.items}
    d.para(
        f"对照《实施办法》第九条至第二十四条规定的{total}项审查标准逐项审查，"
        + (
            f"涉及{len(involved_codes)}项标准、审查事项{len(x.items)}个（其中筛查发现"
            f"{sum(1 for i in x.items if i['origin'] == 'engine')}个，审查人员补充"
            f"{sum(1 for i in x.items if i['origin'] == 'reviewer')}个），其余标准不涉及。"
            if x.items
            else "均不涉及。"
        )
        + "逐项情况见表2。"
    )
    _standards_table(d, x)
    _tender_table(d, x)
    if x.items:
        d.para("各审查事项的条款原文和认定情况见表3。")
    _items_table(d, x)
    _exceptions(d, x)
    n = "四" if any(i["state"] == rv.EXCEPTION for i in x.items) else "三"
    _conclusion(d, x, f"{n}、审查结论")
    if r["to_samr"]:
        d.heading(1, f"{'五' if n == '四' else '四'}、报送材料")
        _materials(d, x, db)
    d.blank()
    reviewer = r["department"] or names.review_office or "审查机构"
    concluded = (
        cn_date(dt.date.fromisoformat(r["concluded_at"][:10])) if x.concluded else "　　年　月　日"
    )
    d.sign(f"{reviewer}（盖章）", f"审查人员：{r['concluded_by'] or '　　　　'}", concluded)
    path = d.save(out, date)
    side = x.sidecar(KIND_CONCLUSION, path, date, placeholders(KIND_CONCLUSION, r, names))
    status = r["result"] if x.concluded else "结论待定"
    summary = (
        f"审查结论：审查对象 {review_id}（第 {r['version']} 稿），{status}，事项 {len(x.items)} 个"
    )
    return Written((path,), side, summary)


# --- 修改建议函 (初审意见) -----------------------------------------------------------------------


def _letter_item(d: OfficialDocument, x: _Review, k: int, item: dict[str, Any]) -> None:
    where_ = _clause_where(item)
    pending = "（待进一步认定）" if item["state"] in rv.UNSETTLED else ""
    d.heading(2, f"（{int_to_cn(k)}）{where_ or '条款'}{pending}")
    d.para(f"原文：{quoted(item['clause'])}。")
    if item["revised_clause"]:
        d.para(f"修改稿表述：{quoted(item['revised_clause'])}。")
    cite = x.cites[item["standard"]] if item["standard"] else None
    if cite is not None:
        d.para(
            f"问题：该条款涉嫌违反{cite.ref}（{cite.code}）的规定："
            f"{quoted(cite.quote) if cite.quote else cite.ref}。"
            + (f"{item['reason'].rstrip('。')}。" if item["reason"] else "")
        )
    zb = x.zb_code(item)
    if zb and zb != item["standard"]:
        rule = x.cites[zb]
        d.para(
            f"招标投标领域：该条款同时属于{rule.ref}（{zb}）所列情形："
            f"{quoted(rule.quote) if rule.quote else rule.ref}。"
        )
    cited_cases = []
    for p in (item["finding"] or {}).get("precedents", [])[:2]:
        case = x.cases.get(p["case_id"])
        if case is None:
            continue
        wording = (case.offending_text[0] if case.offending_text else "") or p.get("wording", "")
        d.para(
            f"类似案例：{case.title}（案例编号 {case.id}，{book(case.notice_title)}）"
            + (f"，涉及表述{quoted(wording[:80])}" if wording else "")
            + "。"
        )
        cited_cases.append(case.id)
    fixes = item["suggestions"]
    if fixes:
        d.para("修改建议：").paragraph_format.keep_with_next = True
        for n, fix in enumerate(fixes, start=1):
            if fix["source"] == "case":
                text = f"参照案例 {fix['ref']} 的整改做法：{quoted(fix['text'])}。"
            else:
                text = f"{fix['text'].rstrip('。')}。（建议模板 {fix['ref']}）"
            d.para(f"{n}. {text}")
    x.trace(
        "修改意见",
        **x.item_ref(item),
        cases=cited_cases,
        suggestions=[{"source": f["source"], "ref": f["ref"]} for f in fixes],
    )


def write_letter(
    db: Database,
    review_id: int,
    out: str | Path,
    *,
    date: dt.date,
    corpus_dir: str | Path,
    names: LocalNames = PLACEHOLDERS,
) -> Written:
    """初审意见 / 修改建议函 to the drafting unit: each problem clause with standard, precedents
    and suggested fixes."""
    x = _Review(db, review_id, corpus_dir)
    r = x.review
    title = f"关于{book(r['title'])}公平竞争审查修改意见的函"
    d = OfficialDocument(redact=x.redact, title=title)
    d.docno(names.doc_number(date.year))
    d.blank()
    d.title(title_lines(title))
    d.blank()
    d.addressee(f"{r['drafter']}：")
    listed = [i for i in x.items if i["state"] in (rv.PROBLEM, rv.PENDING, rv.CHANGED_PENDING)]
    revised = [i for i in x.items if i["state"] == rv.REVISED]
    d.para(
        f"你单位报送的{book(r['title'])}（第{r['version']}稿）收悉。根据《公平竞争审查条例》和"
        "《公平竞争审查条例实施办法》，我们对照审查标准对其进行了逐项审查。"
        + (
            f"前稿中涉嫌违反公平竞争审查标准的{len(revised)}处条款（事项"
            f"{seq_list([i['seq'] for i in revised])}）已作修改或删除。"
            if revised
            else ""
        )
        + (
            f"经审查，发现{len(listed)}处条款涉嫌违反公平竞争审查标准，现提出修改意见如下。"
            if listed
            else "经审查，未发现违反公平竞争审查标准的内容。"
        )
    )
    if revised:
        x.trace("已修改事项", items=[x.item_ref(i) for i in revised])
    for k, item in enumerate(listed, start=1):
        _letter_item(d, x, k, item)
    if listed:
        d.para(
            "请你单位根据以上意见对相关条款进行修改，确需保留的，请书面说明理由及是否符合"
            "《公平竞争审查条例》第十二条规定的情形；修改后将修改稿及修改情况说明一并报送我们，"
            "我们将对修改内容重新审查。"
        )
    d.para(f"联系人：{FILL.format('姓名')}，联系电话：{FILL.format('电话')}。")
    d.blank()
    office = r["department"] or names.review_office or FILL.format("审查机构名称")
    d.sign(office, cn_date(date))
    path = d.save(out, date)
    side = x.sidecar(KIND_LETTER, path, date, placeholders(KIND_LETTER, r, names))
    summary = f"修改建议函：审查对象 {review_id}（第 {r['version']} 稿），修改意见 {len(listed)} 条"
    return Written((path,), side, summary)


def placeholders(kind: str, review: dict[str, Any], names: LocalNames) -> list[str]:
    """The config keys whose placeholder the document prints for this review (unset ones)."""
    keys = ["doc_number_prefix"] if kind == KIND_LETTER else []
    if not review["department"]:
        keys.append("review_office")
    return [k for k in keys if getattr(names, k) is None]


def write_review_document(
    db: Database,
    review_id: int,
    kind: str,
    out: str | Path,
    *,
    date: dt.date,
    corpus_dir: str | Path,
    names: LocalNames = PLACEHOLDERS,
) -> Written:
    writer = write_conclusion if kind == KIND_CONCLUSION else write_letter
    return writer(db, review_id, out, date=date, corpus_dir=corpus_dir, names=names)
