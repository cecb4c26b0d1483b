"""Lexicon triggers and modality: the explicit signals embeddings cannot give.

A clause is read for *trigger families* (region words, designation, registration/tax/statistics
conditions, approvals, rewards, scoring, deposits, prices, exit barriers …) and for *modality*:
whether the clause forbids the barrier (不得要求外地企业…), rests on a legal basis (依法,
按照国家规定), or states equal treatment — wording that embeddings place right next to the
violation it forbids. Every hit keeps its span so a finding can say what triggered it.
"""

# Versioned as screening.versions.LEXICON: bump it there when triggers or modality change.
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..domain import Family
from ..lang.zh.regions import FOREIGN_WORDS, LOCAL_WORDS

# Trigger families (not the four standard families of ``domain.Family``): (key, Chinese label,
# patterns). Region words that tie a condition to "here" (本地) or mark "elsewhere" (外地) are
# language data in ``lang.zh.regions``.
TRIGGER_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("region", "地域限定", (LOCAL_WORDS, FOREIGN_WORDS)),
    (
        "registration",
        "注册、纳税、统计等条件",
        (
            r"注册地|注册在|登记注册|工商注册|税务登记|税收征管|征管关系|纳税关系|税务关系|统计关系"
            r"|纳入(?:本地|本市|本县|本区|我[市县区])?统计|入统|独立法人|法人资格|社保缴纳|缴纳社保|缴纳税收"
            r"|在本地纳税|本地纳税|落户|迁入|总部设在|分支机构|子公司|设立公司|注册资本|实缴"
            r"|注册(?!商标)|纳税|缴税|税收关系",
        ),
    ),
    (
        "designation",
        "指定、限定经营者或商品",
        (
            r"指定|限定|唯一|独家|统一由|统一(?:采购|供应|配送|安装|使用|购买|办理|组织|发行|代理)"
            r"|定点|推荐(?:品牌|名录|目录|单位)|备选库|名录库|项目库|资格库|短名单|入围|优先(?:采购|选用|使用|购买|选择|安排)"
            r"|只能|必须(?:从|向|由|使用|购买|采购)|仅限|不再引进|(?:特定|某)(?:公司|企业|品牌)",
        ),
    ),
    (
        "approval",
        "审批、许可、备案、前置",
        (
            r"审批|许可|核准|批准|备案|前置|准入|资质(?:认定|审查|审核|证书)?|认定|年检|年审|登记证"
            r"|(?:取得|获得|办理)[\u4e00-\u9fff]{0,10}(?:证|证明|证书|手续)|方可|才能|经[\u4e00-\u9fff]{1,12}同意",
        ),
    ),
    (
        "reward",
        "奖励、补贴、返还",
        (
            r"奖励|补贴|补助|奖补|资助|扶持资金|专项资金|贴息|返还|先征后返|即征即退|列收列支"
            r"|(?:地方|区级|县级|市级|综合|财政|税收)贡献|留成|减免|免征|缓征|优惠|一事一议",
        ),
    ),
    (
        "scoring",
        "业绩、荣誉、评分条件",
        (
            r"业绩|奖项|荣誉|获奖|加分|得分|评分|评标|评审|信用等级|成立年限|经营年限|注册年限"
            r"|投标人(?:须|必须|应)|供应商(?:须|必须|应)|资格条件|资格要求|申报条件|申请条件|申报主体",
        ),
    ),
    (
        "procurement",
        "政府采购、招标投标",
        (r"政府采购|采购|招标|投标|中标|成交|供应商|竞标|比选|遴选|谈判|询价|磋商",),
    ),
    (
        "deposit",
        "保证金、押金",
        (r"保证金|押金|质保金|质量保证金|履约保函|风险金|抵押金|预留金",),
    ),
    (
        "price",
        "价格、收费",
        (
            r"定价|指导价|限价|建议价|最高价|最低价|收费标准|价格|费率|手续费|保费|折扣|(?:统一|同一)(?:价格|收费)",
        ),
    ),
    (
        "exit",
        "迁出、退出限制",
        (
            r"迁出|迁离|迁移|迁址|外迁|变更注册地|注销|退出|转让|撤资|经营期限"
            r"|(?:\d+|[一二三四五六七八九十]+)年(?:内|以上)?(?:不得|不|不会)?(?:迁|变更|撤)"
            r"|收回|追回|退还(?:已|全部)?|全额退回|承诺(?:[\u4e00-\u9fff]{0,8})(?:年|期)",
        ),
    ),
    (
        "quantity",
        "数量、经营权限制",
        (
            r"总量控制|数量控制|不再(?:新增|审批|受理)|经营权|特许经营|专营|垄断|拍卖|独占|布局|间距|限额",
        ),
    ),
    (
        "ownership",
        "所有制、组织形式、规模",
        (r"国有|国企|民营|私营|外资|所有制|组织形式|规模以上|限额以上|龙头企业|股权比例",),
    ),
)

FAMILY_LABELS = {key: label for key, label, _ in TRIGGER_FAMILIES}
_FAMILY_RE = {
    key: re.compile("|".join(f"(?:{p})" for p in pats)) for key, _, pats in TRIGGER_FAMILIES
}

# Modality: wording that usually makes a clause compliant, and wording that imposes a condition.
_PROHIBIT = re.compile(
    r"(?:不得|禁止|严禁|不准|不应当?|不允许|不能|杜绝|防止|避免|纠正|清理|废止|取消|破除|消除|打破)"
    r"[^，。；！？]{0,16}?"
    r"(?:要求|限制|设置|设立|设定|增设|指定|限定|排斥|歧视|强制|阻碍|妨碍|拒绝|干预|给予|违法|违规"
    r"|擅自|滥用|变相|附加|收取|区别对待|差别|壁垒|门槛|障碍|垄断|排除|作为)"
)
_LEGAL_BASIS = re.compile(
    r"依法|依照(?:有关)?(?:法律|规定|本)|按照(?:国家|有关|法律|法定)|根据(?:国家|有关)?(?:法律|规定)"
    r"|法律、?(?:行政)?法规(?:另有|的)?规定|国务院(?:批准|决定|规定)|(?:国家|上级)(?:有关)?规定"
    r"|根据《[^》]{1,40}(?:法|条例)》|依据《[^》]{1,40}(?:法|条例)》|法定"
)
_EQUAL = re.compile(
    r"平等对待|一视同仁|公平竞争|平等参与|平等使用|同等对待|非歧视|不论所有制|各类(?:市场主体|所有制|经营主体)"
    r"|内外资企业|国内外企业"
)
_OBLIGATION = re.compile(
    r"应当|必须|须|需|要求|方可|才能|才可|以上|不低于|不少于|承诺|限于|为准|前提|条件"
)
# Operator-side prohibitions: 不得 applied to the business (不得迁出) is itself a barrier.
_OPERATOR_BAN = re.compile(
    r"(?:不得|禁止|严禁|不准)[^，。；]{0,6}?(?:迁出|迁离|迁移|外迁|变更注册|注销|撤离|转让|退出|使用[‘“'\"「])"
)
_QUESTION_OR_TITLE = re.compile(r"^[^。；]{0,40}(?:办法|条例|规定|通知|意见|细则|方案)$")


@dataclass(frozen=True)
class Hit:
    family: str
    start: int  # offset inside the clause text
    end: int
    text: str


@dataclass(frozen=True)
class Signals:
    """Everything the lexicon saw in one clause."""

    hits: tuple[Hit, ...] = ()
    prohibits: tuple[Hit, ...] = ()  # 不得/禁止 … aimed at barrier-making (compliant wording)
    operator_ban: tuple[Hit, ...] = ()  # 不得迁出 … aimed at the business (barrier wording)
    legal_basis: tuple[Hit, ...] = ()
    equal: tuple[Hit, ...] = ()
    obligation: bool = False
    looks_like_title: bool = False
    families: frozenset[str] = field(default_factory=frozenset)

    @property
    def compliant_modality(self) -> bool:
        """Forbids barriers or states equal treatment, and does not ban the operator's own exit."""
        return bool(self.prohibits or self.equal) and not self.operator_ban

    def count(self, family: str) -> int:
        return sum(1 for h in self.hits if h.family == family)


def _find(regex: re.Pattern[str], text: str, family: str) -> tuple[Hit, ...]:
    return tuple(Hit(family, m.start(), m.end(), m.group(0)) for m in regex.finditer(text))


def read_signals(text: str) -> Signals:
    """Read trigger families and modality from one clause."""
    hits: list[Hit] = []
    for key, regex in _FAMILY_RE.items():
        hits.extend(_find(regex, text, key))
    hits.sort(key=lambda h: (h.start, h.family))
    return Signals(
        hits=tuple(hits),
        prohibits=_find(_PROHIBIT, text, "prohibit"),
        operator_ban=_find(_OPERATOR_BAN, text, "operator_ban"),
        legal_basis=_find(_LEGAL_BASIS, text, "legal_basis"),
        equal=_find(_EQUAL, text, "equal"),
        obligation=bool(_OBLIGATION.search(text)),
        looks_like_title=bool(_QUESTION_OR_TITLE.match(text.strip())),
        families=frozenset(h.family for h in hits),
    )


# Combinations that, together, are the classic barrier shapes; used by the cheap first stage
# and as features. Each maps to the standard family it most often breaches.
_ACCESS = Family.MARKET_ACCESS.value
_FLOW = Family.FREE_FLOW.value
_COST = Family.PRODUCTION_COST.value
_CONDUCT = Family.BUSINESS_CONDUCT.value
COMBOS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("local_registration", frozenset({"region", "registration"}), _ACCESS),
    ("local_procurement", frozenset({"region", "procurement"}), _FLOW),
    ("local_scoring", frozenset({"region", "scoring"}), _FLOW),
    ("designated_supplier", frozenset({"designation", "procurement"}), _ACCESS),
    ("registration_reward", frozenset({"registration", "reward"}), _COST),
    ("local_reward", frozenset({"region", "reward"}), _COST),
    ("exit_clawback", frozenset({"exit", "reward"}), _FLOW),
    ("exit_region", frozenset({"exit", "region"}), _FLOW),
    ("approval_condition", frozenset({"approval", "registration"}), _ACCESS),
    ("deposit_procurement", frozenset({"deposit", "procurement"}), _COST),
    ("price_setting", frozenset({"price", "designation"}), _CONDUCT),
    ("quantity_control", frozenset({"quantity", "approval"}), _ACCESS),
)


def combos(signals: Signals) -> tuple[str, ...]:
    return tuple(name for name, need, _ in COMBOS if need <= signals.families)


def is_candidate(signals: Signals) -> bool:
    """The cheap first stage: could this clause matter at all?

    A clause is kept when it has a barrier-shaped combination of triggers, or a single strong
    trigger (designation, exit, operator ban) — wording with no trigger at all is left alone.
    """
    if signals.operator_ban:
        return True
    if combos(signals):
        return True
    return bool(signals.families & {"designation", "exit", "quantity", "deposit"})
