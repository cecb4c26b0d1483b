"""The basis of a reward clause (local tie vs objective criterion) and what it does to a score."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from screening.screen import engine
from screening.screen.engine import OBJECTIVE_REWARD_FACTOR, Screener, reward_factors
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
    assert list(reward_factors(texts)) == [OBJECTIVE_REWARD_FACTOR, 1.0, 1.0]
    note = engine.objective_reward_note(reward_basis(texts[0]).evidence)
    assert "“驰名商标”" in note and "评分已减半" in note


def test_an_objective_reward_scores_half_and_says_why(fake_settings, fake_model, monkeypatch):
    screener = Screener.load(fake_settings, threshold=0.0)
    texts = ["对年度新获认定中国驰名商标的企业，当年给予企业50万元奖励。"]
    halved = screener.score_clauses(texts)
    monkeypatch.setattr(engine, "OBJECTIVE_REWARD_FACTOR", 1.0)
    full = screener.score_clauses(texts)
    assert full[0] > 0
    assert np.isclose(halved[0], full[0] * OBJECTIVE_REWARD_FACTOR)
    monkeypatch.undo()
    findings = screener.check_text(texts[0])
    assert findings and "评分已减半" in findings[0].rationale
    assert findings[0].engine["rewards"] == "rewards.v1"
