"""Screening-time readings (``screen.adjust``): a reward's basis (local tie vs objective
criterion), a document's legal rank, and what each does to a score and a rationale."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from screening import versions
from screening.lang.zh.doctypes import GOVERNMENT_RULE, LOCAL_REGULATION, legal_rank
from screening.screen import adjust
from screening.screen.adjust import OBJECTIVE_REWARD_FACTOR, PERMIT_FACTOR, SANCTION_FACTOR
from screening.screen.engine import Screener
from screening.screen.features import ClauseView
from screening.screen.rewards import reward_basis

ROOT = Path(__file__).resolve().parent.parent

# (clause, expected kind, one expected evidence word or None)
BASIS = [
    # local ties: fiscal contribution, tax, statistics, registration, settlement, place words
    ("参照其年度地方财政贡献给予企业连续5年奖励。", "local", "财政贡献"),
    ("对年度纳税 额超过500万元的企业，按其地方财政贡献额的20%给予奖励。", "local", "纳税"),
    ("对新增并纳入统 计口径的规模以上服务业企业，给予企业10万元奖励。", "local", "纳入统计"),
    ("对外地企业将注册地迁入本县的，给予一次性奖励50万元。", "local", "注册地"),
    ("对在某市注册的国家级制造业创新中心，给予200万元奖励。", "local", None),
    ("采购在萧企业首台（套）产品的按其采购额10%给予资助。", "local", "在萧企业"),
    ("对中药大品种二次开发项目在县域内投产后，按研发实际发生额的20%给予奖励。", "local", "县域"),
    ("重大产业项目投资奖励可实行“一事一议”。", "local", "一事一议"),
    # objective criteria, open to any operator
    ("对年度新获认定中国驰名商标的，当年给予企业50万元奖励；", "objective", "驰名商标"),
    ("对初次认定为国家高新技术企业的，给予企业20 万元奖励；", "objective", "高新技术企业"),
    ("对在中小板、创业板、科创板上市企业， 给予企业200万元奖励；", "objective", "上市"),
    ("对牵头制定并新获批国家标准的，给予企业50万元奖励。", "objective", "国家标准"),
    # a list, pool or priority picks the beneficiaries: not objective
    ("建立重点上市企业资源库，对入库企业产生的上市费用给予补贴。", None, None),
    ("政策性扶持资金优先向上市后备企业倾斜。", None, None),
    # ... and so does a size or growth threshold beside the criterion (SAMR 答疑)
    ("对新开发和引进一类新药，年销售额在1亿元及以上的，单品种奖励企业200万元；", None, None),
    (
        "新开发和引进二类新药、全国独家品种，年销售额在 5000万元及以上的，单品种奖励企业100万元；",
        None,
        None,
    ),
    ("专精特新企业营业收入同比增长20%以上的，给予10万元奖励。", None, None),
    ("对首台（套）产品，按其销售额的10%给予奖励。", "objective", "首台"),
    # no reward, or a reward with neither kind of basis
    ("申报企业须取得驰名商标。", None, None),
    ("对规上工业企业年产值同比增长超过1000万元的，给予企业0.5%的奖励。", None, None),
]


@pytest.mark.parametrize(("text", "kind", "word"), BASIS, ids=[t[:14] for t, _, _ in BASIS])
def test_reward_basis(text, kind, word):
    basis = reward_basis(text)
    assert basis.kind == kind
    if word:
        assert word in basis.evidence
    assert bool(basis.evidence) == (kind is not None)


def test_no_notified_case_reads_as_an_objective_reward():
    """The factor only ever lowers clauses unlike every notified violation in the corpus."""
    objective = []
    for line in (ROOT / "corpus/cases/cases.jsonl").open(encoding="utf-8"):
        case = json.loads(line)
        for span in case.get("offending_text") or ():
            if reward_basis(span).kind == "objective":
                objective.append((case["id"], span[:40]))
    assert objective == []


def test_factors_and_note():
    texts = [
        "对年度新获认定中国驰名商标的，给予企业50万元奖励。",
        "按地方财政贡献给予奖励。",
        "其他",
    ]
    views = [ClauseView.of(t) for t in texts]
    assert list(adjust.factors(views, None)) == [OBJECTIVE_REWARD_FACTOR, 1.0, 1.0]
    note = adjust.notes(views[0], None)
    assert "“驰名商标”" in note and "评分已减半" in note
    assert adjust.notes(views[1], None) == ""


REGULATION_HEAD = (
    "某市燃气管理条例\n2019年11月29日 某省第十三届人民代表大会常务委员会第十五次会议通过\n"
)
RULE_HEAD = "某市出租汽车管理办法\n（2020年3月1日某市人民政府令第12号公布）\n"
RANKS = [
    (REGULATION_HEAD, LOCAL_REGULATION),
    ("某市养犬管理规定\n1995年6月8日 某市第十届人大常委会第十七次会议通过\n", LOCAL_REGULATION),
    (RULE_HEAD, GOVERNMENT_RULE),
    ("某市噪声防治办法\n2006年11月17日 某市人民政府第56次常务会议审议通过\n", GOVERNMENT_RULE),
    ("柳河县支持重点产业加快发展实施意见\n为抢抓国家新一轮东北振兴战略机遇……\n", None),
    ("关于印发某县招商引资优惠政策的通知\n各乡镇人民政府：\n", None),
    # a 规范性文件 that cites a congress deep in its body is not a regulation
    ("关于做好燃气管理的通知\n" + "各单位：" * 200 + "经市人民代表大会常务委员会通过", None),
]


@pytest.mark.parametrize(("text", "rank"), RANKS, ids=[str(r) + t[:6] for t, r in RANKS])
def test_legal_rank(text, rank):
    assert legal_rank(text) == rank


PERMITS = [
    ("从事燃气经营活动的，应当依法取得燃气经营许可证。", True),
    ("燃气经营许可证有效期届满需要延续的，应当在届满前三十日向原发证机关提出延续申请。", True),
    ("燃气经营者注销的，应当向原发证机关办理燃气经营许可证注销手续。", True),
    ("申请燃气经营许可的企业，须在本市注册并设有分支机构。", False),  # region + registration
    ("燃气经营许可由市燃气主管部门指定的企业统一办理。", False),  # designation
    ("对取得许可的企业给予奖励。", False),  # reward
]


@pytest.mark.parametrize(("text", "permit"), PERMITS, ids=[t[:10] for t, _ in PERMITS])
def test_permit_clauses_of_a_regulation_are_scaled_with_a_note(text, permit):
    view = ClauseView.of(text)
    assert adjust.is_permit_clause(view) == permit
    in_regulation = adjust.factors([view], LOCAL_REGULATION)[0]
    in_policy = adjust.factors([view], None)[0]
    assert in_policy == 1.0  # a 规范性文件 may not set permits: never scaled
    assert in_regulation == (PERMIT_FACTOR if permit else 1.0)
    assert ("《行政许可法》第十五条" in adjust.notes(view, LOCAL_REGULATION)) == permit


SANCTIONS = [
    # a penalty for breaking a duty set elsewhere: scaled, in any kind of document
    ("未办理建筑垃圾相关许可证件运输建筑垃圾的，对建筑施工单位处五千元以上三万元以下罚款。", True),
    ("施工单位未取得资质证书通过挂靠承揽工程的，从重处罚。", True),
    (
        "检测单位出具虚假报告的，由住房城乡建设行政主管部门责令改正，处5万元以上10万元以下的罚款。",
        True,
    ),
    ("经营者擅自停业的，由主管部门予以处罚；情节严重的，吊销其燃气经营许可证。", True),
    # naming out-of-area, designated or ownership-specific operators: the sanction may be what
    # enforces a discriminatory duty
    (
        "省外注册的消防技术服务机构在本省开展活动未依法备案的，责令限期改正，处一万元以上五万元以下罚款。",
        False,
    ),
    ("未从指定供应商处采购的，处一万元罚款。", False),
    ("民营企业未报告的，处五千元罚款。", False),
    # a duty of its own before the condition
    ("新开工工程均应在开工前参保，未按规定参保的，处一万元罚款。", False),
    # penalty words without the "……的，处……" shape
    ("本条例规定的吊销测绘资质证书的行政处罚，由市测绘行政主管部门实施。", False),
    ("申报企业须在本县注册并纳税。", False),
]


@pytest.mark.parametrize(("text", "sanction"), SANCTIONS, ids=[t[:10] for t, _ in SANCTIONS])
def test_sanction_clauses_are_scaled_with_a_note(text, sanction):
    view = ClauseView.of(text)
    assert adjust.is_sanction_clause(view) == sanction
    assert adjust.factors([view], None)[0] == (SANCTION_FACTOR if sanction else 1.0)
    assert ("条款为罚则" in adjust.notes(view, None)) == sanction
    if sanction:  # in a regulation too, and never halved again as a permit clause (吊销……许可证)
        assert adjust.factors([view], LOCAL_REGULATION)[0] == SANCTION_FACTOR
        assert "《行政许可法》" not in adjust.notes(view, LOCAL_REGULATION)


def test_no_notified_case_reads_as_a_sanction_clause():
    """As for objective rewards: the factor never lowers a notified violation's own span."""
    found = []
    for line in (ROOT / "corpus/cases/cases.jsonl").open(encoding="utf-8"):
        case = json.loads(line)
        for span in case.get("offending_text") or ():
            if adjust.is_sanction_clause(ClauseView.of(span)):
                found.append((case["id"], span[:40]))
    assert found == []


def test_an_objective_reward_scores_half_and_says_why(fake_settings, fake_model, monkeypatch):
    screener = Screener.load(fake_settings, threshold=0.0)
    texts = ["对年度新获认定中国驰名商标的企业，当年给予企业50万元奖励。"]
    halved = screener.score_clauses(texts)
    monkeypatch.setattr(adjust, "OBJECTIVE_REWARD_FACTOR", 1.0)
    full = screener.score_clauses(texts)
    assert full[0] > 0
    assert np.isclose(halved[0], full[0] * OBJECTIVE_REWARD_FACTOR)
    monkeypatch.undo()
    findings = screener.check_text(texts[0])
    assert findings and "评分已减半" in findings[0].rationale
    assert findings[0].engine["adjustments"] == versions.ADJUSTMENTS == "adjust.v5"
    assert findings[0].legal_rank is None


def test_a_permit_in_a_local_regulation_scores_half_and_names_its_rank(fake_settings, fake_model):
    screener = Screener.load(fake_settings, threshold=0.0)
    body = "第五条 燃气经营者注销的，应当向原发证机关办理燃气经营许可证注销手续。"
    plain = {f.clause: f for f in screener.check_text(body)}
    ranked = {f.clause: f for f in screener.check_text(REGULATION_HEAD + body)}
    clause = next(c for c in ranked if "燃气经营许可证" in c)
    assert ranked[clause].legal_rank == LOCAL_REGULATION
    assert np.isclose(ranked[clause].score, plain[clause].score * PERMIT_FACTOR, atol=1e-4)
    assert "本文件为地方性法规" in ranked[clause].rationale


SHARED = ROOT.parent / "shared"


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "corpus-samples").is_dir(), reason="../shared is not available")
def test_legal_rank_of_the_shared_regulations_and_policy_documents():
    """The figure the README and the issue note quote: every shared local regulation reads as a
    地方性法规 or 政府规章, no policy document does."""
    from collections import Counter

    from screening.parse import parse_file

    samples = SHARED / "corpus-samples"
    regulations = Counter(
        legal_rank(parse_file(p).text)
        for p in sorted((samples / "local-regulations").rglob("*"))
        if p.is_file() and p.suffix in (".md", ".txt")
    )
    assert regulations == {LOCAL_REGULATION: 1179, GOVERNMENT_RULE: 1}, regulations
    policies = [
        p.name
        for p in sorted(samples.rglob("*"))
        if p.is_file()
        and "local-regulations" not in p.parts
        and p.suffix != ".json"
        and legal_rank(parse_file(p).text) is not None
    ]
    assert policies == []
