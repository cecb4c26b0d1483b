"""Checks of a permit catalogue: information elements, legal basis, duplicates, the list.

Each check turns catalogue items into ``Problem``s (codes in ``model.PROBLEMS``) that a
reviewer can open ledger cases from. The legal basis (设立依据) is read for the instruments it
cites and their rank (行政许可法 第十二条至第十七条: only 法律, 行政法规, 国务院决定, 地方性法规
and, temporarily, 省级政府规章 may set a permit; a 规范性文件 may not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain import Class1670
from .model import BASIS_KINDS, ELEMENTS, PROBLEMS, PermitItem, Problem

if TYPE_CHECKING:
    from ..neglist.model import Item
    from .match import ListMatcher

OUTSIDE_LIST = "FCR-9-2"  # 实施办法 第九条第二项: 在清单之外违规设立准入许可
PERMIT_LAW_15 = "《中华人民共和国行政许可法》第十五条"
DUPLICATE_JACCARD = 0.8

# --- reading the basis ----------------------------------------------------------------------

_TITLE = re.compile(r"《([^《》]{2,80})》")
_PROVINCES = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
)
# A local place at the start of a title: ××省, 信阳市, 彭水苗族土家族自治县 … (at least two
# characters before 市/县, so 城市供水条例 and 集市 are not places; 市场 is not 市).
_PLACE = re.compile(
    r"^(?:[\u4e00-\u9fff×＊*Ｘ]{2,14}?(?:自治区|自治州|自治县|特别行政区|新区|省|盟|旗)"
    r"|[\u4e00-\u9fff×＊*Ｘ]{2,10}?[市县](?!场))"
)
_NOT_PLACES = ("城市", "都市", "超市", "集市", "门市", "夜市", "股市", "城乡", "中华人民共和国")
_DOC_NO = re.compile(r"[〔\[（(]\s*(?:19|20)\d\d\s*[〕\]）)]\s*\S{0,4}号")
_NORMATIVE_TAILS = ("通知", "意见", "方案", "批复", "复函", "函", "公告", "通告", "纪要", "指引")
_RULE_TAILS = ("办法", "规定", "细则", "规则")
_GOV_ORDER = re.compile(r"(?:人民政府|政府)令|规章")
_DEPT_ORDER = re.compile(r"(?:部|委|总局|局|署|行|会)令|令第")
_LOCAL_CONGRESS = re.compile(r"人民代表大会|人大")
_EMPTY = frozenset({"", "无", "暂无", "/", "-", "—", "－", "空", "无依据", "不详"})
_SPLIT = re.compile(r"[；;，,、。\n]+")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇\d×]+[条款项号].*$")
_BARE_TAILS = ("法", "条例", "决定", *_RULE_TAILS, *_NORMATIVE_TAILS)
_IMPLEMENTS = re.compile(r"实施[〈<]?.*法[〉>]?办法$")
_PROCEDURAL = re.compile(r"^(?:中华人民共和国)?行政许可法$")
_TEMPORARY = re.compile(r"临时|期限|一年|暂行")


def _place(name: str) -> str:
    """The local place a title starts with (××省, 信阳市, ××县), or ""."""
    m = _PLACE.match(name)
    if m is not None and not m.group(0).startswith(_NOT_PLACES):
        return m.group(0)
    return next((p for p in _PROVINCES if name.startswith(p)), "")


def _is_place(name: str) -> bool:
    return bool(_place(name))


def _kind_of(name: str, context: str) -> str:
    """The rank of one cited instrument; ``context`` is the text after it (文号, 令 …)."""
    # 《××省实施〈中华人民共和国水法〉办法》: a local regulation passed by the people's congress
    implements_law = bool(_IMPLEMENTS.search(name))
    name = re.sub(r"[〈<][^〉>]*[〉>]", "", name)
    if name.startswith(("全国人民代表大会", "全国人大")):
        return "法律"
    if name.startswith("国务院") and name.endswith("决定"):
        return "国务院决定"
    if name.endswith("决定") and _LOCAL_CONGRESS.search(name):
        return "地方性法规"
    if name.endswith("法") and not name.endswith(("办法", "方法", "做法", "立法")):
        return "法律"
    place = _is_place(name)
    if name.endswith("条例"):
        return "地方性法规" if place else "行政法规"
    if name.endswith(_RULE_TAILS) and _place(name).endswith(("县", "旗")):
        # 立法法 第九十三条: counties make no 规章; a county 办法 is a 规范性文件 whatever its 文号
        return "规范性文件"
    if name.endswith(_RULE_TAILS):
        if "国务院令" in context:
            return "行政法规"
        if place and (implements_law or _LOCAL_CONGRESS.search(context)):
            return "地方性法规"
        if _GOV_ORDER.search(context) or _DEPT_ORDER.search(context):
            return "政府规章"
        if _DOC_NO.search(context):
            return "规范性文件"
        return "政府规章" if place else "规范性文件"
    if name.endswith("决定") and name.startswith("国务院"):
        return "国务院决定"
    return "规范性文件"


def _bare_names(text: str) -> list[str]:
    """Instrument names cited without 《》: 食品安全法第三十五条, 国务院令第412号 …"""
    names = []
    for part in _SPLIT.split(text):
        part = re.sub(r"^(?:依据|根据|按照|依照)", "", part.strip())
        part = _ARTICLE.sub("", part).strip(" （）()")
        if 2 < len(part) <= 60 and part.endswith(_BARE_TAILS):
            names.append(part)
    return names


def _citations(text: str) -> list[tuple[str, str]]:
    """(instrument name, the text after it up to the next one) for each instrument cited."""
    found = list(_TITLE.finditer(text))
    if not found:
        return [(n, text) for n in _bare_names(text)]
    out = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        out.append((m.group(1).strip(), text[m.end() : end]))
    return out


def classify_basis(text: str) -> tuple[str, list[str]]:
    """The rank (one of BASIS_KINDS) of the strongest instrument cited, and the names cited.

    An empty basis is ``无``; a non-empty one in which no instrument can be recognised counts as
    ``规范性文件`` (nothing shows a law or regulation behind it).
    """
    text = (text or "").strip()
    if text in _EMPTY:
        return "无", []
    cited = _citations(text)
    if not cited:
        if "国务院令" in text or "国务院决定" in text:
            return "国务院决定", []
        return "规范性文件", []
    names = list(dict.fromkeys(name for name, _ in cited))
    # 行政许可法 says who may set a permit; citing it sets none (a 规范性文件 often cites it).
    kinds = [_kind_of(n, context) for n, context in cited if _PROCEDURAL.sub("", n)]
    return (min(kinds, key=BASIS_KINDS.index) if kinds else "无"), names


# --- the checks -----------------------------------------------------------------------------


def _where(item: PermitItem, here: str = "") -> str:
    """Where ``item`` is, for a message about an item in sheet ``here``."""
    sheet = f"“{item.sheet}”" if item.sheet and item.sheet != here else ""
    return f"{sheet}第 {item.row} 行" if item.row is not None else sheet or "目录"


def check_elements(items: Sequence[PermitItem]) -> list[Problem]:
    """``missing_elements``: the information elements of ELEMENTS an item leaves empty."""
    out = []
    for item in items:
        missing = [label for f, label in ELEMENTS.items() if not str(getattr(item, f)).strip()]
        if missing:
            detail = (
                f"缺少信息要素：{'、'.join(missing)}"
                f"（应有 {len(ELEMENTS)} 项：{'、'.join(ELEMENTS.values())}）。"
                "请主管部门补齐后更新办事指南并向社会公布。"
            )
            out.append(Problem(item, "missing_elements", detail, related={"missing": missing}))
    return out


def check_basis(items: Sequence[PermitItem]) -> list[Problem]:
    """``basis_normative_doc``, ``basis_missing`` and ``basis_rule_permanent`` per item."""
    out = []
    approval = Class1670.APPROVAL.value
    for item in items:
        kind, names = classify_basis(item.basis)
        cited = "、".join(f"《{n}》" for n in names) or "（未识别出法律法规名称）"
        related = {"basis_kind": kind, "instruments": names}
        if kind == "无":
            what = f"设立依据仅引用 {cited}" if names else "设立依据为空"
            detail = (
                f"{what}：未列明设定该许可的法律、行政法规、国务院决定或地方性法规，"
                "涉嫌在市场准入负面清单之外违规设立准入许可（1670号 审批违规）。"
                "请主管部门补充设立依据；确无依据的，应停止实施并从目录中取消。"
            )
            out.append(
                Problem(
                    item,
                    "basis_missing",
                    detail,
                    OUTSIDE_LIST,
                    None,
                    {**related, "class_1670": approval},
                )
            )
        elif kind == "规范性文件":
            detail = (
                f"设立依据 {cited} 经识别为规范性文件，未见法律、行政法规、国务院决定或地方性法规"
                "依据。规范性文件不得设定行政许可（《中华人民共和国行政许可法》第十七条），"
                "涉嫌在市场准入负面清单之外违规设立准入许可（1670号 审批违规）。请核查上位依据。"
            )
            out.append(
                Problem(
                    item,
                    "basis_normative_doc",
                    detail,
                    OUTSIDE_LIST,
                    None,
                    {**related, "class_1670": approval},
                )
            )
        elif kind == "政府规章" and not _TEMPORARY.search(item.basis):
            detail = (
                f"设立依据 {cited} 经识别为政府规章，且未写明为临时性许可或实施期限。"
                f"依照{PERMIT_LAW_15}，省级人民政府规章只可设定临时性行政许可，实施满一年需要继续"
                "实施的，应当提请本级人民代表大会及其常务委员会制定地方性法规；设区的市和县级"
                "政府规章不得设定行政许可。请复核该许可是否仍有合法依据。"
            )
            out.append(
                Problem(
                    item,
                    "basis_rule_permanent",
                    detail,
                    "",
                    None,
                    {**related, "law": PERMIT_LAW_15},
                )
            )
    return out


_BRACKETS = re.compile(r"[（(【\[〔][^）)】\]〕]*[）)】\]〕]")
_GENERIC_TAILS = ("许可证核发", "许可证发放", "许可证", "核发", "审批", "许可", "核准", "认定")


def _norm_name(name: str) -> str:
    """The name without bracketed remarks, punctuation and generic tails (许可证核发 …)."""
    name = re.sub(r"[\W_]+", "", _BRACKETS.sub("", name)) or re.sub(r"[\W_]+", "", name)
    changed = True
    while changed:
        changed = False
        for tail in _GENERIC_TAILS:
            if name.endswith(tail) and len(name) > len(tail) + 1:
                name, changed = name[: -len(tail)], True
    return name


@dataclass(frozen=True)
class _Key:
    """What an item is compared on: the name, and the name with the 子项, with their bigrams."""

    name: str
    full: str
    name_grams: frozenset[str]
    full_grams: frozenset[str]
    has_sub: bool

    @classmethod
    def of(cls, item: PermitItem) -> _Key:
        name = _norm_name(item.name)
        full = name + "|" + re.sub(r"[\W_]+", "", item.subitem) if item.subitem else name
        return cls(name, full, _bigrams(name), _bigrams(full), bool(item.subitem))


def _similarity(a: _Key, b: _Key) -> tuple[bool, float]:
    """(same, Jaccard): on names, and on the 子项 too when both items have one."""
    both = a.has_sub and b.has_sub
    ka, kb = (a.full, b.full) if both else (a.name, b.name)
    if ka == kb:
        return True, 1.0
    ga, gb = (a.full_grams, b.full_grams) if both else (a.name_grams, b.name_grams)
    if min(len(ga), len(gb)) < DUPLICATE_JACCARD * max(len(ga), len(gb)):
        return False, 0.0  # too different in length to reach the threshold
    return False, len(ga & gb) / len(ga | gb)


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset({text})


def _dept(item: PermitItem) -> str:
    return re.sub(r"\s+", "", item.department)


def check_duplicates(items: Sequence[PermitItem]) -> list[Problem]:
    """``duplicate``: the same or nearly the same item under two departments, once per pair.

    Names are compared after removing punctuation and generic tails (许可证核发, 审批 …), with the
    子项; near means a character-bigram Jaccard of at least 0.8. The problem is on the later item
    and names the earlier one.
    """
    keys = [_Key.of(it) for it in items]
    depts = [_dept(it) for it in items]
    out = []
    for j, later in enumerate(items):
        reported: set[str] = set()  # one problem per department pair, on its first rows
        for i, earlier in enumerate(items[:j]):
            dept = depts[i]
            if not dept or not depts[j] or dept == depts[j] or dept in reported:
                continue
            same, score = _similarity(keys[i], keys[j])
            if score < DUPLICATE_JACCARD:
                continue
            reported.add(dept)
            how = "相同" if same else f"相近（相似度 {score:.2f}）"
            detail = (
                f"与{earlier.department}的“{earlier.label}”"
                f"（{_where(earlier, later.sheet)}）名称{how}，"
                "疑似同一许可事项由多个部门重复设立或实施。请核实实施主体，明确由一个部门办理，"
                "避免重复审批。"
            )
            related = {
                "name": earlier.label,
                "department": earlier.department,
                "row": earlier.row,
                "sheet": earlier.sheet,
                "similarity": round(score, 2),
            }
            out.append(Problem(later, "duplicate", detail, "", round(score, 2), related))
    return out


def check_catalogue(
    items: Sequence[PermitItem],
    *,
    list_items: Sequence[Item] | None = None,
    matcher: ListMatcher | None = None,
) -> list[Problem]:
    """Every check; with ``list_items`` (a negative-list edition) also the list checks.

    Problems come in file order (sheet, row), then in the order of PROBLEMS.
    """
    items = list(items)
    problems = check_elements(items) + check_basis(items) + check_duplicates(items)
    if list_items is not None:
        from .match import ListMatcher, list_problems

        if matcher is None:
            from ..config import Settings

            matcher = ListMatcher(Settings())
        problems += list_problems(items, list(list_items), matcher)
    sheets = {s: k for k, s in enumerate(dict.fromkeys(it.sheet for it in items))}
    order = {code: k for k, code in enumerate(PROBLEMS)}
    problems.sort(
        key=lambda p: (
            sheets.get(p.item.sheet, 0),
            p.item.row if p.item.row is not None else 0,
            order.get(p.problem, len(order)),
        )
    )
    return problems
