"""Tender screening: the items of 《招标投标领域公平竞争审查规则》 (``ZB-<article>-<item>``).

Three parts, each small and testable on its own:

* **Structure** (``read_structure``): which section of a tender document a clause is in
  (资格要求, 报名/获取招标文件, 评分标准, 保证金 …, from the headings above it) and, for a row of a
  scoring table (评分因素 | 分值 | 评分标准), its factor, points and criterion.
* **Rules** (``RULES``): tender-specific barrier constructions, each tied to one ZB item — local
  performance or a local branch as a condition or as points, points by ownership, origin, size or
  registered capital, originals at registration, named persons present, in-person registration,
  narrow sale windows, deposit forms and banks, deposits beyond the four lawful kinds, preselection
  pools. A rule fires only in a tender context (a tender document, or a clause that speaks of
  bidding) and never on a clause that forbids the construction (不得要求…原件).
* **Codes** (``TenderCodes``): the ZB codes of a clause with their scores — the rules' items, the
  ZB items the hand-labelled tender precedents nearest to the clause carry, and, for a finding in
  a tender context that no rule explains, the ZB items mapped to its FCR codes.

Versioned as ``screening.versions.TENDER``: bump it when rules, sections or scoring change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..corpus.schema import Standard
from ..corpus.store import load_tender_labels
from ..corpus.tender import is_zb, related_fcr, zb_for_fcr
from ..lang.zh.regions import LOCAL_WORDS
from ..lang.zh.tenderkinds import doc_kind, is_tender_kind
from ..types import CELL_SEP, Clause, Document, StandardScore
from .precedents import PrecedentIndex

# -- structure ----------------------------------------------------------------------------------

SCORING = "评分标准"
QUALIFICATION = "资格要求"
REGISTRATION = "报名和获取文件"
DEPOSIT = "保证金"
OPENING = "开标"
SECTIONS = (SCORING, QUALIFICATION, REGISTRATION, DEPOSIT, OPENING)

_SECTION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (SCORING, re.compile(r"评分|评标办法|评审(?:办法|标准|因素)|综合评估|打分")),
    (DEPOSIT, re.compile(r"保证金|保函")),
    (QUALIFICATION, re.compile(r"资格(?:要求|条件|审查)|资质要求|合格(?:的)?(?:投标人|供应商)")),
    (
        REGISTRATION,
        re.compile(
            r"报名|(?:获取|购买|领取|发售)[\u4e00-\u9fff]{0,4}(?:招标|采购|磋商|谈判)?文件"
            r"|文件(?:的)?(?:获取|购买|领取|发售)"
        ),
    ),
    (OPENING, re.compile(r"开标|递交投标文件|投标文件(?:的)?递交")),
)
_SCORE_HEADER = re.compile(r"评分|评审|分值|分数|权重|得分")
_FACTOR_HEADER = re.compile(r"评分(?:因素|项目|内容|项)|评审(?:因素|项目|内容)|因素|项目|内容")
_POINTS_HEADER = re.compile(r"分值|分数|权重|满分")
_CRITERION_HEADER = re.compile(r"评分(?:标准|细则|办法|说明)|评审标准|标准|细则|说明")
_FORBIDDING_LEADIN = re.compile(
    r"(?:不得|禁止|严禁|不准|不应当?)[^。；]*(?:下列|以下|如下)[^。；]*[：:]\s*$"
)
_HEADING_LIKE = re.compile(r"^[^。；;，,]{1,40}[：:]?$")


@dataclass(frozen=True)
class ScoringRow:
    """A row of a scoring table read as a clause: factor, points and criterion."""

    factor: str
    points: str
    criterion: str


@dataclass(frozen=True)
class TenderContext:
    """What tender screening knows about one clause of a document."""

    doc_kind: str | None
    section: str | None = None
    row: ScoringRow | None = None
    forbidden: bool = False  # an item listed under a forbidding lead-in (不得有下列行为：)

    @property
    def is_tender_doc(self) -> bool:
        return is_tender_kind(self.doc_kind)


def section_of(heading: str) -> str | None:
    for name, pattern in _SECTION_WORDS:
        if pattern.search(heading):
            return name
    return None


def _scoring_columns(header: Sequence[str]) -> tuple[int, int, int] | None:
    """(factor, points, criterion) column indexes of a scoring table's header row, or None."""
    cells = [c.strip() for c in header]
    if not any(_SCORE_HEADER.search(c) for c in cells) or len(cells) < 2:
        return None
    points = next((i for i, c in enumerate(cells) if _POINTS_HEADER.search(c)), None)
    criterion = next(
        (i for i, c in enumerate(cells) if i != points and _CRITERION_HEADER.search(c)), None
    )
    factor = next(
        (
            i
            for i, c in enumerate(cells)
            if i not in (points, criterion) and _FACTOR_HEADER.search(c)
        ),
        None,
    )
    if criterion is None or (points is None and factor is None):
        return None
    rest = [i for i in range(len(cells)) if i not in (points, criterion)]
    factor = factor if factor is not None else (rest[0] if rest else criterion)
    return factor, (points if points is not None else -1), criterion


def scoring_row(cells: Sequence[str], columns: tuple[int, int, int]) -> ScoringRow | None:
    factor, points, criterion = columns
    if max(factor, points, criterion) >= len(cells):
        return None
    return ScoringRow(
        factor=cells[factor].strip(),
        points=cells[points].strip() if points >= 0 else "",
        criterion=cells[criterion].strip(),
    )


def document_kind(doc: Document) -> str:
    """The kind recorded at parse time, or detected now (Documents built from typed text, or
    recorded before kinds were read)."""
    return doc.metadata.doc_kind or doc_kind(doc.metadata.title, doc.path, doc.text)


def read_structure(doc: Document, clauses: Sequence[Clause]) -> list[TenderContext]:
    """The tender context of each clause: document kind, section and scoring-table row."""
    kind = document_kind(doc)
    tables = {}
    for t in doc.tables:
        cols = _scoring_columns(t.rows[0]) if t.rows else None
        if cols:
            tables[t.index] = (t, cols)
    out: list[TenderContext] = []
    headings: dict[str, str] = {}  # article path -> the section named by the heading there
    forbid: tuple[str, int] | None = None  # (path, index) of a forbidding lead-in
    for c in clauses:
        forbidden = False
        if forbid is not None:
            path, idx = forbid
            inside = not path or c.article_path == path or c.article_path.startswith(path + "/")
            if inside and c.kind == "list_item" and c.index - idx <= 40:
                forbidden = True
            elif c.kind != "list_item":
                forbid = None
        if _FORBIDDING_LEADIN.search(c.text):
            forbid = (c.article_path, c.index)
        section = None
        text = c.text.strip()
        if c.kind == "heading" or (_HEADING_LIKE.match(text) and len(text) <= 30):
            found = section_of(text)
            if found:
                headings[c.article_path] = found
        for path, name in headings.items():
            if c.article_path == path or c.article_path.startswith(path + "/"):
                section = name
        row = None
        if c.kind == "table_row":
            for t, cols in tables.values():
                if t.start <= c.start < t.end:
                    cells = c.text.split(CELL_SEP.strip())
                    row = scoring_row([x.strip() for x in cells], cols)
                    if row and (row.criterion == t.rows[0][cols[2]].strip()):
                        row = None  # the header row itself
                    section = SCORING
        out.append(TenderContext(kind, section, row, forbidden))
    return out


# -- rules --------------------------------------------------------------------------------------

# "Here": 本地/本市/区内 … or a named place with an administrative suffix (银川市, 宁夏区内).
_PLACE = (
    r"(?:(?<=[在于由从向到、，,（(：:\s“\"的])|^)"
    r"[\u4e00-\u9fff]{1,6}?(?:(?<![全外各])省|(?<![上城超都门股全外各])市|(?<![全外各])县|自治区|自治州)"
    r"(?![级场值民政直属])(?:内|境内|辖区内|范围内|区域内)?"
)
LOCAL = rf"(?:{LOCAL_WORDS}|{_PLACE}|(?:自治)?区内|(?:项目|工程|采购人|招标人|服务)所在地)"
# Track record: 业绩, or the work itself (在本县完成过类似工程, 为本地区医疗机构供应同类设备).
_PERFORMANCE = (
    r"(?:类似|同类|相关)?(?:项目|工程)?业绩|(?:类似|同类)(?:项目|工程|设备|服务|合同)"
    r"|(?:完成|承接|承建|实施|主持|供应|供货)[^。；，]{0,12}(?:项目|工程|设备|合同)"
)
# A hard condition, not points: without it the bid is out.
_STRONG_CONDITION = (
    r"方可|才能|才可|否则|否决|不得参加|不得参与|不予受理|无效投标|资格(?:条件|要求)"
    r"|(?:须|必须|应当?)(?:具有|具备|取得)"
)
_NATIONWIDE = re.compile(r"全国|国内|境内外|中华人民共和国境内|不限(?:地域|区域|地区)")
_SCORE = (
    r"(?:加|得|计|给予?|奖励|扣)\s*[0-9０-９.．一二三四五六七八九十]+\s*分|加分|得分|分值|记分|计分|评分|打分"
    r"|[0-9０-９.]+\s*[-—~～至]\s*[0-9０-９.]+\s*分|最高[0-9０-９.]+分|[0-9０-９.]+分"
)
_TENDER_WORDS = re.compile(
    r"投标|招标|供应商|评标|中标|比选|遴选|入围|磋商|询价|竞标|开标|标书|政府采购"
    r"|采购(?:活动|项目|文件|人|公告|需求|合同|代理)"
)
_FORBIDS = re.compile(
    r"(?:不得|禁止|严禁|不应当?|不准|无需|无须|不需要?|不再|不予|取消|不作为|不得以|免于|不要求|不限)"
    r"[^。；]{0,24}?"
    r"(?:要求|提供|提交|设置|设定|作为|限定|限制|指定|到场|现场|原件|加分|得分|业绩|分支|保证金|注册|缴纳)"
)
_ANY_OWNERSHIP = re.compile(r"不论所有制|各类所有制|不区分|不分所有制|平等对待")
_CONDITION = (
    r"(?:须|必须|应当?|需|要求|具有|具备|拥有|设有|限于|仅限|只限|方可|才能|否则|不得参加|资格)"
)


@dataclass(frozen=True)
class Rule:
    """One tender barrier construction: every pattern in ``needs`` must match the clause."""

    code: str
    what: str  # what the construction is, for the rationale
    needs: tuple[re.Pattern[str], ...]
    weight: float  # how sure a match makes the rule (0–1); a rule match is a finding from 0.5
    unless: re.Pattern[str] | None = None
    scored: bool | None = None  # True: needs points; False: must not be about points
    fcr: tuple[str, ...] = ()  # FCR items of this construction, when not the ZB item's mapping


def _r(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


_NEAR = r"[^。；]{0,16}?"
_BRANCH = (
    r"(?:分支机构|分公司|子公司|办事处|服务网点|售后服务(?:机构|网点|中心|站|点)|常驻机构"
    r"|营业网点|维修(?:站|网点|中心)|(?:固定)?(?:办公|经营|营业)(?:场所|地点|用房))"
)
_LOCAL_BRANCH = (
    rf"{LOCAL}{_NEAR}(?:设立|设有|设置|成立|建立|拥有|具有|有|配备|配置)[^。；]{{0,8}}?"
    rf"{_BRANCH}|{_BRANCH}[^。；]{{0,6}}(?:设在|位于|在){LOCAL}"
)

_ZB_6_2 = "要求在本地区设立分支机构、缴纳税收社保或者与本地经营者组成联合体"

RULES: tuple[Rule, ...] = (
    Rule(
        "ZB-7-1",
        "按业绩取得的区域设置差异性得分",
        _r(
            rf"{LOCAL}{_NEAR}(?:{_PERFORMANCE})|业绩{_NEAR}(?:在|位于|属于){LOCAL}"
            rf"|{LOCAL}(?:以)?外(?:的)?业绩[^。；]{{0,6}}(?:不|减)"
        ),
        0.85,
        unless=_NATIONWIDE,
        scored=True,
    ),
    Rule(
        "ZB-6-3",
        "要求取得本地区业绩或者奖项",
        _r(
            rf"{LOCAL}{_NEAR}(?:业绩|奖项|获奖|荣誉|表彰|[\u4e00-\u9fff]{{0,10}}奖(?![励金]))"
            rf"|(?:业绩|奖项|获奖|荣誉){_NEAR}(?:在|位于){LOCAL}",
            _STRONG_CONDITION,
        ),
        0.8,
        unless=_NATIONWIDE,
    ),
    Rule(
        "ZB-7-6",
        "按本地区奖项、荣誉设置差异性得分",
        _r(
            rf"{LOCAL}{_NEAR}(?:奖项|获奖|荣誉|表彰|称号|名牌|著名商标|守合同重信用"
            r"|[\u4e00-\u9fff]{0,10}奖(?![励金]))"
        ),
        0.75,
        unless=_NATIONWIDE,
        scored=True,
    ),
    # ZB-6-2 names two constructions, and 实施办法 words them as two items: an establishment
    # here as the condition is FCR-14-3 ("将在本地投资或者设立分支机构作为…招标投标的必要条件");
    # taxes or social insurance paid here, or a consortium with a local firm, is FCR-15-3
    # ("缴纳税收社保的区域…与本地经营者组成联合体等作为投标条件"). Each cites its own item first.
    Rule(
        "ZB-6-2",
        _ZB_6_2,
        _r(_LOCAL_BRANCH),
        0.85,
        unless=_NATIONWIDE,
        fcr=("FCR-14-3", "FCR-15-3"),
    ),
    Rule(
        "ZB-6-2",
        _ZB_6_2,
        _r(
            rf"{LOCAL}{_NEAR}(?:缴纳|缴|交纳)(?:税收|税款|社保|社会保险|社保资金)|{LOCAL}{_NEAR}纳税"
            rf"|(?:与|和){LOCAL}{_NEAR}(?:企业|单位|经营者|公司){_NEAR}(?:组成|组建)?联合体"
        ),
        0.85,
        unless=_NATIONWIDE,
        fcr=("FCR-15-3", "FCR-14-3"),
    ),
    # Points for an establishment here: a score by location (art. 7 is about scoring), and
    # an indirect demand to set one up (the ZB-6-2 match above, second).
    Rule(
        "ZB-7-4",
        "根据在本地区设立的分支机构、办公场所等营业地址设置差异性得分",
        _r(_LOCAL_BRANCH),
        0.9,
        unless=_NATIONWIDE,
        scored=True,
        fcr=("FCR-15-3", "FCR-14-3"),
    ),
    Rule(
        "ZB-7-2",
        "根据所有制形式设置差异性得分",
        _r(
            r"国有企业|国有(?:独资|控股|全资)|国企|央企|中央企业|民营企业|私营企业|集体企业"
            r"|外资企业|所有制"
        ),
        0.85,
        unless=_ANY_OWNERSHIP,
        scored=True,
    ),
    Rule(
        "ZB-6-6",
        "以所有制形式作为投标条件",
        _r(
            r"国有(?:企业|独资|控股)|国企|央企|中央企业|民营企业|私营企业|集体企业|所有制",
            _CONDITION,
        ),
        0.75,
        unless=_ANY_OWNERSHIP,
        scored=False,
        fcr=("FCR-12-2",),
    ),
    Rule(
        "ZB-7-3",
        "根据投标产品的产地设置差异性得分",
        _r(
            rf"{LOCAL}{_NEAR}(?:(?:生产|制造|出产|种植|养殖|加工)(?:的)?"
            r"|产(?:的)?(?=产品|商品|货物|设备|材料|品))"
            r"|产地|原产地|(?:来源于|来自|产自|产于|出自|采购自)[^。；]{0,4}"
            rf"{LOCAL}"
        ),
        0.8,
        unless=_NATIONWIDE,
        scored=True,
    ),
    Rule(
        "ZB-7-4",
        "根据规模、注册地址、注册资金、市场占有率、负债率、净资产等设置差异性得分",
        _r(
            r"注册资本|注册资金|注册地址|注册地|资产总额|资产规模|净资产|市场占有率|负债率|营业收入"
            r"|营业额|年产值|从业人员|职工人数|员工人数|企业规模|规模以上|纳税额|纳税总额|利润"
        ),
        0.85,
        scored=True,
    ),
    Rule(
        "ZB-6-6",
        "以注册资本、资产、营业收入、从业人员等规模条件作为投标资格",
        _r(
            r"(?:注册资本|注册资金|资产总额|净资产|营业收入|营业额|年产值|从业人员|职工人数|员工人数|纳税额)"
            r"[^。；]{0,12}(?:不少于|不低于|不小于|以上|达到|≥|大于|超过)"
        ),
        0.75,
        scored=False,
        fcr=("FCR-12-2", "FCR-12-1"),
    ),
    Rule(
        "ZB-6-6",
        "限定本地经营者参加投标或者排斥外地经营者",
        _r(
            rf"(?:仅限|只限|限于|限定|仅接受|只接受|须为|必须为|应为){_NEAR}{LOCAL}{_NEAR}"
            r"(?:注册|登记|企业|单位|供应商|投标人|经营者|公司)"
            rf"|{LOCAL}{_NEAR}(?:注册|登记)(?:的)?(?:企业|单位|供应商|投标人|公司){_NEAR}(?:方可|才能|参加|参与)"
            r"|外地(?:企业|供应商|投标人|经营者)[^。；]{0,10}(?:不得|不能|不予|不允许)"
        ),
        0.85,
        unless=_NATIONWIDE,
        fcr=("FCR-15-1", "FCR-12-2"),
    ),
    Rule(
        "ZB-7-5",
        "根据联合体成员的注册地址、所有制形式设置差异性得分",
        _r(r"联合体", rf"注册地|注册地址|所有制|国有|民营|{LOCAL}"),
        0.85,
        scored=True,
    ),
    Rule(
        "ZB-10-3",
        "强制投标人在投标环节提供原件",
        _r(
            # an original of a certificate or record; not the bid's own letters or an ID card
            r"(?<!身份证)(?<!身份证（)(?<!身份证\()(?<!委托书)(?<!委托书（)(?<!委托书\()"
            r"(?<!投标函)(?<!报名函)(?<!证明书)原件(?!(?:的)?(?:复印件|扫描件|备查))",
            r"报名|投标|递交|提交|提供|携带|查验|核验|审验|审查|出示|资格",
        ),
        0.8,
        unless=re.compile(
            r"原件备查|中标后|签订合同|合同签订|复印件或原件|原件或复印件|扫描件|电子件|告知承诺"
        ),
    ),
    Rule(
        "ZB-10-4",
        "在获取招标文件、开标环节要求特定人员到场",
        _r(
            r"法定代表人|法人代表|项目负责人|技术负责人|项目经理|建造师|总监|本人",
            r"到场|亲自|出席|现场|前来|参加开标|到达",
            r"报名|获取|购买|领取|开标|招标文件|采购文件|资格审查|签到",
        ),
        0.8,
        unless=re.compile(
            r"(?:或|或者)(?:其)?(?:授权|委托)|授权代表|委托代理人|被授权人|可以|可派|自愿"
        ),
    ),
    Rule(
        "ZB-10-5",
        "要求现场报名或者现场购买招标文件",
        _r(
            r"(?:现场|亲自|(?:到|在)[^。；]{2,60}?(?:处|室|部|中心|公司|大厅|楼|窗口))[^。；]{0,20}?"
            r"(?:报名|购买|领取|获取|发售)"
            r"|(?:报名|购买|领取|获取)[^。；]{0,8}(?:仅限|只接受|一律)?现场"
            r"|不接受(?:邮寄|网上|电子|传真)(?:报名|购买)?"
        ),
        0.75,
        unless=re.compile(
            # another way offered (not one refused: 不接受邮寄报名)
            r"^(?!.*不(?:接受|受理|办理)(?:邮寄|网上|电子|传真))"
            r".*(?:网上|线上|网站|平台|下载|邮寄|电子(?:交易|招标|投标)|传真|电子邮件|邮箱)"
        ),
        fcr=("FCR-15-6",),
    ),
    Rule(
        "ZB-11-3",
        "限定经营主体缴纳保证金的形式",
        _r(
            r"保证金|保函",
            r"(?:只能|只接受|仅接受|仅限|必须|须|一律|应当|(?<!供)应)[^。；]{0,24}?"
            r"(?:以|通过|采用|采取|用)[^。；]{0,10}(?:转账|电汇|汇款|现金|支票|汇票)"
            r"|不接受[^。；]{0,12}(?:保函|保证保险|担保)"
            r"|其[它他](?:的)?(?:形式|方式)[^。；]{0,8}概?不(?:予)?接受",
        ),
        0.7,
        unless=re.compile(
            # the law's own rule (招标投标法实施条例第二十六条: 现金或者支票 from the basic account)
            r"以现金或者支票形式提交的"
            # an alternative offered (not one refused: 不接受保函或者保证保险)
            r"|^(?!.*不接受).*(?:或|或者|以及|及)[^。；]{0,10}(?:保函|保证保险)"
            r"|(?:保函|保证保险)[^。；]{0,6}(?:均可|亦可|也可|可以)"
        ),
    ),
    Rule(
        "ZB-11-4",
        "要求经营主体从特定机构开具保函（保险）",
        _r(
            r"保函|保证保险|保险单",
            rf"(?:指定|特定|本地|{LOCAL}){_NEAR}(?:银行|金融机构|担保(?:机构|公司)|保险(?:机构|公司))"
            r"|(?:由|从|在)[\u4e00-\u9fff]{2,12}(?:银行|担保公司|保险公司)[^。；]{0,6}(?:开具|出具)",
        ),
        0.75,
        unless=_NATIONWIDE,
    ),
    Rule(
        "ZB-11-2",
        "要求缴纳法定四类以外的保证金",
        _r(
            r"(?:诚信|信誉|廉政|文明施工|安全(?:生产)?|报名|标书|资料|服务|管理|信用|工期|进场|投诉|风险|合同)"
            r"(?:保证金|押金)"
        ),
        0.7,
    ),
    Rule(
        "ZB-5-9",
        "指定承包商（供应商）预选库、资格库或者备选名录",
        _r(
            r"预选库|资格库|备选库|备选名录|入围库|供应商库|承包商库|名录库|短名单|中介(?:机构|服务)库",
            r"从|在|纳入|入库|限|须|应当?|方可|选取|抽取",
        ),
        0.75,
    ),
    Rule(
        "ZB-5-1",
        "为招标人指定招标代理机构",
        _r(r"招标代理(?:机构)?|采购代理(?:机构)?", r"指定|统一由|统一委托|必须委托|只能委托|限定"),
        0.75,
    ),
    Rule(
        "ZB-5-10",
        "要求依照本地区创新产品名单、优先采购产品名单等开展招标投标",
        _r(rf"{LOCAL}{_NEAR}(?:创新产品|优先采购|推荐产品|首台套|产品)(?:名单|目录|名录)"),
        0.8,
        unless=_NATIONWIDE,
    ),
    Rule(
        "ZB-6-1",
        "要求在投标前取得行政许可、备案或者登记",
        _r(
            r"(?:备案|登记|入库|注册|许可|信息库)[^。；]{0,16}(?:后|之后)?(?:方可|才能|才可|方能)"
            r"[^。；]{0,8}(?:投标|报名|参加|参与|承接|进入)"
        ),
        0.7,
    ),
    Rule(
        "ZB-6-4",
        "要求取得特定地区或者特定行业组织颁发的证书",
        _r(
            rf"(?:{LOCAL}|协会|商会|学会|联合会){_NEAR}(?:颁发|核发|发放|认定|出具)?{_NEAR}"
            r"(?:培训合格证|上岗证|合格证|从业证|资格证|证书|会员证)",
            _CONDITION,
        ),
        0.7,
        unless=_NATIONWIDE,
    ),
    Rule(
        "ZB-6-5",
        "要求取得特定行业组织成员身份",
        _r(r"(?:协会|商会|学会|联合会)(?:的)?(?:会员|成员|理事)", _CONDITION),
        0.75,
    ),
    Rule(
        "ZB-8-4",
        "直接以抽签、摇号、抓阄等方式确定中标人",
        _r(
            r"抽签|摇号|抓阄|随机抽取",
            r"(?:确定|选定|产生)[^。；]{0,6}(?:中标人|中标候选人|成交|合格投标人|承包商|供应商)"
            r"|(?:中标人|中标候选人|成交(?:供应商|人)|合格投标人)[^。；]{0,24}(?:确定|产生|选定)",
        ),
        0.7,
    ),
    Rule(
        "ZB-9-2",
        "对不同地区或者所有制形式的经营主体采用不同信用评价标准",
        _r(
            r"信用(?:评价|等级|评分|得分|分|记录|信息|档案|监管)",
            rf"{LOCAL}|外地|所有制|国有|民营",
            r"评分|得分|加分|扣分|[0-9０-９.]+分|不同|差异|区别|另行",
        ),
        0.7,
        unless=_NATIONWIDE,
    ),
    Rule(
        "ZB-10-2",
        "强制非公共资源交易项目进入公共资源交易平台交易",
        _r(
            r"(?:一律|全部|所有|均须|必须|均应)[^。；]{0,20}进入[^。；]{0,10}(?:公共资源交易|交易中心|交易平台)"
        ),
        0.55,
        unless=re.compile(r"依法必须(?:进行)?招标|依法应当"),
    ),
    Rule(
        "ZB-10-1",
        "规定招标投标交易服务机构行使审批、备案、监管、处罚等职能",
        _r(
            r"(?:公共资源)?交易(?:服务)?(?:中心|机构)",
            r"(?:负责|行使|进行|实施)[^。；]{0,8}(?:审批|备案|监管|处罚|核准|监督管理)",
        ),
        0.55,
    ),
)

# Sale or registration windows shorter than the legal minimum (招标投标法实施条例第十六条:
# 不得少于5日; 政府采购货物和服务招标投标管理办法第十九条: 不得少于5个工作日).
_WINDOW = re.compile(
    r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日[^。；至到]{0,20}?(?:至|到|—|-|～|~)\s*"
    r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
_WINDOW_CONTEXT = re.compile(r"报名|获取|购买|领取|发售|出售")
WINDOW_CODE = "ZB-10-5"
MIN_WINDOW_DAYS = 5


def sale_window_days(text: str) -> int | None:
    """Days (both ends counted) of a registration or document-sale window in ``text``."""
    if not _WINDOW_CONTEXT.search(text):
        return None
    m = _WINDOW.search(text)
    if not m:
        return None
    y1 = int(m[1]) if m[1] else None
    y2 = int(m[4]) if m[4] else y1
    year = y1 or y2 or 2000
    try:
        start = dt.date(y1 or year, int(m[2]), int(m[3]))
        end = dt.date(y2 or year, int(m[5]), int(m[6]))
    except ValueError:
        return None
    days = (end - start).days + 1
    return days if 0 < days < 400 else None


@dataclass(frozen=True)
class RuleHit:
    code: str
    weight: float
    what: str
    evidence: str  # the matched words, for the triggers and the rationale
    fcr: tuple[str, ...] = ()  # the FCR items of the construction (else the ZB item's mapping)


def in_tender_context(text: str, ctx: TenderContext) -> bool:
    return ctx.is_tender_doc or ctx.section is not None or bool(_TENDER_WORDS.search(text))


def rule_hits(text: str, ctx: TenderContext) -> list[RuleHit]:
    """The tender rules a clause matches (strongest first; one hit per code)."""
    if ctx.forbidden or not in_tender_context(text, ctx) or _FORBIDS.search(text):
        return []
    scored_text = text if ctx.row is None else f"{text} {ctx.row.points}"
    has_points = bool(re.search(_SCORE, scored_text)) or (
        ctx.row is not None and ctx.section == SCORING
    )
    hits: dict[str, RuleHit] = {}
    for rule in RULES:
        if rule.scored is True and not has_points:
            continue
        if rule.scored is False and has_points:
            continue
        matches = [p.search(text) for p in rule.needs]
        if not all(matches) or (rule.unless is not None and rule.unless.search(text)):
            continue
        evidence = "、".join(dict.fromkeys(m[0] for m in matches if m))
        if rule.code not in hits or hits[rule.code].weight < rule.weight:
            hits[rule.code] = RuleHit(rule.code, rule.weight, rule.what, evidence[:40], rule.fcr)
    days = sale_window_days(text)
    if days is not None and days < MIN_WINDOW_DAYS and WINDOW_CODE not in hits:
        hits[WINDOW_CODE] = RuleHit(
            WINDOW_CODE,
            0.7,
            f"报名或发售招标文件期限仅 {days} 日，少于法定的 5 日",
            f"{days} 日",
            ("FCR-15-6",),
        )
    return sorted(hits.values(), key=lambda h: (-h.weight, h.code))


def tender_rationale(
    ctx: TenderContext, hits: Sequence[RuleHit], zb: Sequence[StandardScore]
) -> str:
    """The tender part of a finding's rationale: where the clause is and which ZB item fits."""
    where = ""
    if ctx.row is not None:
        pts = f"（{ctx.row.points}）" if ctx.row.points else ""
        where = f"评分表“{ctx.row.factor}”{pts}一行"
    elif ctx.section:
        where = f"“{ctx.section}”部分的条款"
    parts = []
    if hits:
        h = hits[0]
        parts.append(f"{where or '条款'}属于“{h.what}”（命中“{h.evidence}”）")
    elif where:
        parts.append(where)
    if zb:
        parts.append(f"对应招标投标规则 {zb[0].code}“{zb[0].text}”")
    return "；".join(parts) + "。" if parts else ""


# -- codes --------------------------------------------------------------------------------------


# How much the evidence of each source counts toward a ZB code's score.
PRECEDENT_WEIGHT = 0.8  # nearest labelled tender precedents (sharpened cosine votes)
MAPPED_WEIGHT = 0.6  # the ZB items the FCR codes of a finding map to
MAX_ZB_CODES = 3
MIN_ZB_VOTE = 0.15
NEAR_TENDER_CASE = 0.9  # cosine of the nearest case above which its tender context carries over


class TenderCodes:
    """ZB codes of a clause from rule hits, labelled tender precedents and the FCR codes."""

    def __init__(self, corpus_dir: str | Path, standards: dict[str, Standard]) -> None:
        self.labels = load_tender_labels(corpus_dir)
        self.standards = standards

    def _score(self, code: str, value: float) -> StandardScore:
        return StandardScore(code, round(value, 4), self.standards[code].text)

    def codes(
        self,
        score: float,
        hits: Sequence[RuleHit],
        fcr: Sequence[StandardScore],
        sims_row: np.ndarray | None,
        index: PrecedentIndex | None,
    ) -> list[StandardScore]:
        """The ZB codes of a finding with score ``score`` (at most ``MAX_ZB_CODES``)."""
        votes: dict[str, float] = defaultdict(float)
        for h in hits:
            votes[h.code] = max(votes[h.code], h.weight)
        if sims_row is not None and index is not None and self.labels:
            # absolute, sharpened similarity: a weak neighbour adds little, however alone it is
            for entry, sim in index.top(sims_row, 10, kinds=("case",)):
                codes = self.labels.get(entry.id, ())
                for code in codes:
                    votes[code] += (
                        PRECEDENT_WEIGHT * max(sim, 0.0) ** 8 / len(codes) * (0.5 if hits else 1.0)
                    )
        if not hits:
            for s in fcr[:2]:
                mapped = [z for z in zb_for_fcr(s.code) if related_fcr(z)[:1] == (s.code,)]
                for z in mapped:
                    votes[z] += MAPPED_WEIGHT * s.score / max(score, 1e-6) / len(mapped)
        # A matched rule names the construction: its items come first, and a code that only
        # precedents or the FCR mapping suggest ranks below the weakest of them.
        ruled = {h.code for h in hits}
        cap = min((h.weight for h in hits), default=1.0) * 0.9
        ranked = sorted(
            (
                (c, min(v, 1.0 if c in ruled else cap))
                for c, v in votes.items()
                if c in self.standards and is_zb(c)
            ),
            key=lambda kv: (kv[0] not in ruled, -kv[1], kv[0]),
        )
        if not ranked:
            return []
        floor = max(MIN_ZB_VOTE, ranked[0][1] / 2)  # a distant second is noise, not a reading
        return [
            self._score(c, score * v) for c, v in ranked[:MAX_ZB_CODES] if v >= floor or c in ruled
        ]

    def near_tender_case(self, sims_row: np.ndarray, index: PrecedentIndex) -> bool:
        """Whether the clause closely resembles a notified tender barrier (a ZB-labelled case)."""
        top = index.top(sims_row, 1, kinds=("case",))
        return bool(top) and top[0][0].id in self.labels and top[0][1] >= NEAR_TENDER_CASE

    def fcr_for_hits(self, score: float, hits: Sequence[RuleHit]) -> list[StandardScore]:
        """The FCR items the rule hits map to, scored like the hits (for the FCR ranking)."""
        out: dict[str, float] = {}
        for h in hits:
            for n, code in enumerate(h.fcr or related_fcr(h.code)):
                if code in self.standards:
                    out[code] = max(out.get(code, 0.0), score * h.weight * (0.9 if n else 1.0))
        return [self._score(c, v) for c, v in sorted(out.items(), key=lambda kv: -kv[1])]


__all__ = [
    "RULES",
    "SECTIONS",
    "Rule",
    "RuleHit",
    "ScoringRow",
    "TenderCodes",
    "TenderContext",
    "document_kind",
    "in_tender_context",
    "read_structure",
    "rule_hits",
    "sale_window_days",
    "section_of",
    "tender_rationale",
]
