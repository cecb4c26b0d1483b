"""Issue 14's levers, checked one by one: stage 1 is no wall, item exemplars vote on items and
train the article model, and recipes keep their models apart.

The model-level tests use the fake embedder (plumbing, not quality); quality is measured by
benchmarks/quality.py and benchmarks/ranking.py.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from screening.corpus import load_exemplars, load_standards
from screening.learning.train import GATE_ALONE_BUDGET, Recipe
from screening.screen.engine import Screener
from screening.screen.explain import rank_codes
from screening.screen.features import ClauseView
from screening.screen.precedents import Entry, PrecedentIndex, exemplar_entries
from screening.types import Clause

ROOT = Path(__file__).resolve().parent.parent
STANDARDS = {s.code: s for s in load_standards(ROOT / "corpus")}


# --- ranking: who votes, and the article blend --------------------------------------------


def _entry(id_, kind, code):
    return Entry(id_, kind, id_, (code,), None, None, id_)


def _index(entries):
    return PrecedentIndex(entries, np.eye(len(entries), dtype=np.float32))


def _rank(entries, sims, article_probs, **kw):
    index = _index(entries)
    return [s.code for s in rank_codes(1.0, article_probs, np.array(sims), index, STANDARDS, **kw)]


FLAT = {a: 1 / 15 for a in range(9, 24)}


@pytest.mark.parametrize(
    ("entries", "sims", "article_probs", "mix", "first"),
    [
        # a case of one item and a closer exemplar of another item in the same article:
        # the exemplar's wording wins the item
        (
            [_entry("c1", "case", "FCR-19-4"), _entry("FCR-19-3#ex1", "exemplar", "FCR-19-3")],
            [0.80, 0.90],
            {**FLAT, 19: 0.5},
            0.0,
            "FCR-19-3",
        ),
        # without exemplars the same case decides alone (today's ranking)
        ([_entry("c1", "case", "FCR-19-4")], [0.80], {**FLAT, 19: 0.5}, 0.0, "FCR-19-4"),
        # the article model picks the article; votes pick the item inside it
        (
            [_entry("c1", "case", "FCR-12-3"), _entry("e1", "exemplar", "FCR-19-3")],
            [0.90, 0.88],
            {**FLAT, 12: 0.6, 19: 0.2},
            0.0,
            "FCR-12-3",
        ),
        # with the article blend, strong votes for another article can win
        (
            [_entry("c1", "case", "FCR-12-3"), _entry("e1", "exemplar", "FCR-19-3")],
            [0.70, 0.95],
            {**FLAT, 12: 0.4, 19: 0.3},
            0.5,
            "FCR-19-3",
        ),
        # negatives and standards never vote as precedents
        (
            [_entry("n1", "negative", "FCR-9-1"), _entry("c1", "case", "FCR-15-3")],
            [0.99, 0.60],
            FLAT,
            0.0,
            "FCR-15-3",
        ),
    ],
    ids=["exemplar-wins-item", "case-alone", "article-model-decides", "blend", "no-negatives"],
)
def test_rank_codes_votes(entries, sims, article_probs, mix, first):
    assert _rank(entries, sims, article_probs, article_mix=mix)[0] == first


@pytest.mark.parametrize(
    ("item_probs", "first"),
    [
        (None, "FCR-19-4"),  # no item model: the closer case's item
        ({"FCR-19-3": 0.9, "FCR-19-4": 0.05, "FCR-12-2": 0.05}, "FCR-19-3"),  # the model's wins
        ({"FCR-19-3": 0.3, "FCR-19-4": 0.3, "FCR-12-2": 0.4}, "FCR-19-4"),  # a tie: votes decide
        ({"FCR-12-2": 1.0}, "FCR-19-4"),  # no mass in the article: votes alone
    ],
    ids=["votes-only", "model-decides-item", "tie-votes-decide", "model-elsewhere"],
)
def test_the_item_model_ranks_items_within_the_article(item_probs, first):
    entries = [_entry("c1", "case", "FCR-19-4"), _entry("c2", "case", "FCR-19-3")]
    ranked = _rank(entries, [0.9, 0.8], {**FLAT, 19: 0.9}, article_mix=0.0, item_probs=item_probs)
    assert ranked[0] == first
    assert all(code.startswith("FCR-19-") for code in ranked[:2])  # the article stays first


@pytest.mark.parametrize(
    ("entries", "sims", "item_probs", "expected"),
    [
        # the residual item's closer case loses to a listed item of the same article
        (
            [_entry("c1", "case", "FCR-11-5"), _entry("c2", "case", "FCR-11-1")],
            [0.95, 0.80],
            None,
            ["FCR-11-1", "FCR-11-5"],
        ),
        # the same when the item model prefers it
        (
            [_entry("c1", "case", "FCR-11-5"), _entry("c2", "case", "FCR-11-1")],
            [0.95, 0.80],
            {"FCR-11-5": 0.9, "FCR-11-1": 0.1},
            ["FCR-11-1", "FCR-11-5"],
        ),
        # alone in its article, the residual item keeps its place
        ([_entry("c1", "case", "FCR-11-5")], [0.95], None, ["FCR-11-5"]),
    ],
    ids=["votes", "item-model", "alone"],
)
def test_the_residual_item_ranks_after_the_listed_items(entries, sims, item_probs, expected):
    ranked = _rank(entries, sims, {**FLAT, 11: 0.9}, article_mix=0.0, item_probs=item_probs)
    assert [c for c in ranked if c.startswith("FCR-11-")] == expected
    assert ranked[0] == expected[0]


def test_the_residual_item_leaves_the_article_chosen_alone():
    """The residual item's votes stay with its article: the best listed item takes its place
    even when its own share is small, and another article does not move ahead."""
    entries = [
        _entry("c1", "case", "FCR-11-5"),
        _entry("c2", "case", "FCR-11-1"),
        _entry("c3", "case", "FCR-19-4"),
    ]
    probs = {**FLAT, 11: 0.5, 19: 0.45}
    before = _rank(entries, [0.95, 0.6, 0.9], probs, article_mix=0.0, residual_last=False)
    after = _rank(entries, [0.95, 0.6, 0.9], probs, article_mix=0.0)
    assert before[:2] == ["FCR-11-5", "FCR-19-4"]
    assert after[:2] == ["FCR-11-1", "FCR-19-4"]


def test_reviewers_rarely_cite_the_residual_item():
    """The reason for ranking it last: 1 of the 128 item citations of the training cases."""
    from screening.corpus import load_cases
    from screening.screen.explain import is_residual
    from screening.screen.labels import split_cases

    train, _ = split_cases(load_cases(ROOT / "corpus"))
    items = [c for case in train for c in case.standards if c in STANDARDS and c.count("-") == 2]
    items = [c for c in items if c.startswith("FCR-")]
    assert (sum(is_residual(STANDARDS[c]) for c in items), len(items)) == (1, 128)


def test_residual_items_are_the_closing_other_items():
    from screening.screen.explain import is_residual

    residual = sorted(c for c, s in STANDARDS.items() if c.startswith("FCR-") and is_residual(s))
    assert "FCR-11-5" in residual and "FCR-15-7" in residual and "FCR-19-5" in residual
    articles = {int(c.split("-")[1]) for c in residual}
    assert len(articles) == len(residual)  # one per article
    for code in residual:  # and it is the article's last item
        article = code.rsplit("-", 1)[0]
        items = [s.item for c, s in STANDARDS.items() if c.startswith(article + "-")]
        assert STANDARDS[code].item == max(items)


@pytest.mark.parametrize(
    ("text", "closed", "open_"),
    [
        # a condition to register and pay tax locally: no exit, no move, no tax relief
        (
            "申报企业须在本县注册并纳税",
            {"FCR-12-3", "FCR-13-3", "FCR-18-1", "FCR-18-2", "FCR-18-3", "FCR-18-4"},
            {"FCR-19-3", "FCR-12-2", "FCR-13-1", "FCR-14-3"},
        ),
        ("企业享受扶持政策后十年内不得将注册地迁出本县", {"FCR-12-3", "FCR-18-1"}, {"FCR-13-3"}),
        ("入驻企业须承诺在本县连续经营不少于15年", {"FCR-18-1"}, {"FCR-13-3"}),
        ("企业申请减少注册资本的，须经园区管委会同意", {"FCR-18-1"}, {"FCR-13-3"}),
        ("企业办理注销登记前须经县招商局同意", {"FCR-13-3", "FCR-18-4"}, {"FCR-12-3"}),
        ("对入驻园区的企业，前三年免征房产税", {"FCR-12-3"}, {"FCR-18-1", "FCR-18-4"}),
        ("对园区内企业实行核定征收", set(), {"FCR-18-3"}),
        ("企业缴纳的增值税地方留成部分全额返还", set(), {"FCR-18-1"}),
        ("税收优惠政策按国家规定执行", set(), {"FCR-18-4"}),
    ],
    ids=[
        "local-tax-condition",
        "move",
        "years",
        "capital",
        "exit",
        "exemption",
        "核定征收",
        "refund",
        "preference",
    ],
)
def test_act_gates_close_the_items_whose_act_the_clause_does_not_speak_of(text, closed, open_):
    from screening.screen.explain import gated_codes

    gated = gated_codes(text, STANDARDS)
    assert closed <= gated
    assert not open_ & gated
    assert gated_codes(None, STANDARDS) == set()  # no clause text: no gates


def test_every_act_gate_names_standard_items():
    from screening.screen.explain import ACT_GATES, gated_codes

    for prefix, _ in ACT_GATES:
        assert any(c == prefix or c.startswith(prefix + "-") for c in STANDARDS), prefix
    # a gate never closes an item of another article (FCR-18 is not FCR-18x, FCR-12-3 not 12-30)
    assert {c.rsplit("-", 1)[0] for c in gated_codes("", STANDARDS)} == {
        "FCR-12",
        "FCR-13",
        "FCR-18",
    }


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (None, "FCR-13-3"),  # no text: the closer case's item, as before the gates
        ("申报企业须在本县注册并纳税", "FCR-19-3"),  # nothing moves away: 13-3 is closed
        ("享受奖励的企业十年内不得迁出本县", "FCR-13-3"),  # it speaks of moving away
    ],
    ids=["no-text", "gated", "open"],
)
def test_a_gated_item_gives_way_to_an_open_one(text, first):
    entries = [_entry("c1", "case", "FCR-13-3"), _entry("c2", "case", "FCR-19-3")]
    probs = {**FLAT, 13: 0.4, 19: 0.3}
    assert _rank(entries, [0.92, 0.85], probs, article_mix=0.0, text=text)[0] == first


@pytest.mark.parametrize(
    ("procurement", "first_article"),
    [(None, "15"), (True, "15"), (False, "19")],
    ids=["unknown", "procurement-setting", "no-procurement-setting"],
)
def test_article_15_needs_a_procurement_setting(procurement, first_article):
    entries = [_entry("c1", "case", "FCR-15-2"), _entry("c2", "case", "FCR-19-3")]
    ranked = _rank(
        entries, [0.9, 0.9], {**FLAT, 15: 0.5, 19: 0.3}, article_mix=0.0, procurement=procurement
    )
    assert ranked[0].split("-")[1] == first_article


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("投标人须在本县注册",), True),
        (("申报企业须在本县注册并纳税",), False),
        (("申报企业须在本县注册并纳税", "某县政府采购项目招标公告"), True),  # the title says it
        (("对新认定的企业给予奖励", None, ""), False),
        (("纳入预选库的服务商",), True),
    ],
)
def test_mentions_procurement(texts, expected):
    from screening.lang.zh.tenderkinds import mentions_procurement

    assert mentions_procurement(*texts) is expected


def test_the_item_model_is_trained_and_saved(fake_model):
    assert fake_model.items is not None
    assert {c for c in fake_model.items.classes_} <= set(STANDARDS)
    assert len(fake_model.items.classes_) >= 60  # every item has exemplars and its own text


def test_exemplars_in_the_corpus_cover_every_item_and_are_not_case_text():
    exemplars = load_exemplars(ROOT / "corpus")
    items = {c for c in STANDARDS if c.startswith("FCR-") and c.count("-") == 2}
    per_item = {c: sum(1 for code, _ in exemplars if code == c) for c in items}
    assert min(per_item.values()) >= 3, per_item
    assert {code for code, _ in exemplars} <= items
    spans = set()
    for line in (ROOT / "corpus/cases/cases.jsonl").open(encoding="utf-8"):
        spans.update(s.strip() for s in json.loads(line).get("offending_text") or ())
    assert not [t for _, t in exemplars if t in spans]  # written, not copied from cases
    entries = exemplar_entries(exemplars)
    assert {e.kind for e in entries} == {"exemplar"}
    assert len({e.id for e in entries}) == len(entries)


# --- stage 1: trigger words are a fast path, not a wall -----------------------------------


def test_a_clause_without_trigger_words_passes_on_a_rare_gate_score(fake_settings, fake_model):
    text = "在某液化气公司新站建成使用前，由某液化气站负责经营区域液化石油气。"
    assert not ClauseView.of(text).signals.families  # no trigger word at all
    clause = Clause(0, text, 0, len(text), None, "", "clause")
    gate = float(fake_model.gate_scores([text])[0])
    wall = dataclasses.replace(fake_model, gate_threshold_alone=float("inf"))
    door = dataclasses.replace(fake_model, gate_threshold_alone=gate)
    assert (
        not Screener(fake_settings, wall, fake_model_embedders(fake_settings))
        .stage1([clause], None)
        .picked
    )
    assert (
        Screener(fake_settings, door, fake_model_embedders(fake_settings))
        .stage1([clause], None)
        .picked
    )


@pytest.mark.parametrize(
    ("text", "kind", "passes"),
    [
        ("由某液化气站负责经营区域液化石油气。", "sentence", True),
        ("由某液化气站负责经营区域液化石油气", "heading", True),  # a first line may be a clause
        ("关于开展2017年度新经济企业入库工作的通知", "heading", False),
        ("关于征集2022年全省5G典型应用场景的通知", "sentence", False),  # reads as a title
        (
            "为尽快摸清新经济企业发展现状，加强新经济企业培育，现决定开展2018年度入库工作。",
            "sentence",
            False,
        ),
        ("安排财政支出一般不得与特定经营者缴纳的税收挂钩。", "sentence", False),
    ],
    ids=["clause", "first-line", "heading-title", "title", "preamble", "prohibition"],
)
def test_titles_preambles_and_prohibitions_never_take_the_trigger_less_path(
    fake_settings, fake_model, text, kind, passes
):
    assert not ClauseView.of(text).signals.families
    open_door = dataclasses.replace(fake_model, gate_threshold_alone=0.0)
    screener = Screener(fake_settings, open_door, fake_model_embedders(fake_settings))
    clause = Clause(0, text, 0, len(text), None, "", kind)
    assert bool(screener.stage1([clause], None).picked) == passes


def test_chapter_headings_never_go_on_from_stage_1(fake_settings, fake_model):
    """A chapter title names the articles under it; barrier words in it set nothing. The
    articles themselves still go on, and so does the heading with the readings switched off."""
    from screening.parse._build import DocumentBuilder
    from screening.segment import segment

    b = DocumentBuilder()
    for line in (
        "第一条 为了规范管理，制定本条例。",
        "本地企业优先采购",
        "第二条 优先采购本地企业产品。",
    ):
        b.add(line)
    clauses = segment(b.build(path=Path("t.txt"), sha256="0" * 64, fmt="txt"))
    assert [c.kind for c in clauses][1] == "heading"
    open_door = dataclasses.replace(fake_model, gate_threshold=0.0, gate_threshold_alone=0.0)
    embedders = fake_model_embedders(fake_settings)
    on = Screener(fake_settings, open_door, embedders).stage1(clauses, None).picked
    off = Screener(fake_settings, open_door, embedders, adjustments=False).stage1(clauses, None)
    assert "本地企业优先采购" not in [c.text for c in on]
    assert "第二条 优先采购本地企业产品。" in [c.text for c in on]
    assert "本地企业优先采购" in [c.text for c in off.picked]


@pytest.mark.parametrize("adjustments", [True, False])
def test_the_readings_switch_shapes_the_ranking_of_codes(
    fake_settings, fake_model, monkeypatch, adjustments
):
    """``adjustments=False`` is the engine before the readings: no act gates (no clause text
    reaches the ranking) and the residual item "其他……" ranked like any other, as in issue 4."""
    from screening.screen import engine

    seen: list[dict] = []

    def recording(*args, **options):
        seen.append(options)
        return rank_codes(*args, **options)

    monkeypatch.setattr(engine, "rank_codes", recording)
    embedders = fake_model_embedders(fake_settings)
    screener = Screener(
        fake_settings, fake_model, embedders, threshold=0.0, adjustments=adjustments
    )
    screener.check_text("申报企业须在本县注册并纳税，优先采购本地企业产品。")
    assert seen, "no clause reached the code ranking"
    for options in seen:
        assert options["residual_last"] is adjustments
        assert (options["text"] is not None) is adjustments


def test_no_notified_span_reads_as_a_chapter_heading():
    """Case spans often segment as headings (a lone line without final punctuation), but
    none as a chapter heading, so stage 1 never stops one for being a heading."""
    from screening.corpus import load_cases
    from screening.screen.evaluate import case_documents
    from screening.segment import segment, structural_headings

    headings = 0
    for _, doc, _ in case_documents(load_cases(ROOT / "corpus")):
        clauses = segment(doc)
        headings += sum(c.kind == "heading" for c in clauses)
        assert not any(structural_headings(clauses)), doc.path
    assert headings > 100


def fake_model_embedders(settings):
    from screening.embed import get_embedder

    return {"fake.v1": get_embedder("fake.v1", settings)}


def test_the_trigger_less_threshold_is_learned_and_recorded(fake_model):
    assert fake_model.gate_threshold <= fake_model.gate_threshold_alone < 1.0
    gate = fake_model.card.gate
    assert gate.threshold_alone == pytest.approx(fake_model.gate_threshold_alone, abs=1e-6)
    assert f"{GATE_ALONE_BUDGET:.1%}" in gate.rule


def test_recipes_are_part_of_the_model_identity():
    assert Recipe().tag == ""
    assert Recipe(gate_alone=False).tag == "no_gate_alone"
    assert Recipe(gate_alone=False, exemplars=False).tag == "no_gate_alone-no_exemplars"
    assert Recipe(item_model=False).tag == "no_item_model"
    assert Recipe(hard_negatives=False).tag == "no_hard_negatives"
    assert Recipe(exemplars=False, hard_negatives=False).tag == "no_exemplars-no_hard_negatives"
    assert Recipe(word_gate=False).tag == "no_word_gate"
    assert Recipe(cascade=False).tag == "no_cascade"
    assert Recipe(cascade_gate=True).tag == "cascade_gate"  # off by default: named when on
    assert Recipe(word_gate=False, cascade_gate=True).tag == "no_word_gate-cascade_gate"


def test_hard_negatives_join_training_by_recipe_and_not_the_budget_sample():
    from screening.config import default_corpus_dir
    from screening.learning.train import training_data

    corpus = default_corpus_dir()
    plain = training_data(corpus, exemplars=False, hard_negatives=False)
    hard = training_data(corpus, exemplars=False)
    sources = Counter(e.source for e in hard.examples)
    assert not any(e.source == "negative_hard" for e in plain.examples)
    assert plain.info.negatives_regulations_hard is None
    assert sources["negative_hard"] == hard.info.negatives_regulations_hard > 1000
    # the false-alarm budget's sample (source "negative") is the same random sample
    assert sources["negative"] == plain.info.negatives_regulations
    assert len(hard.examples) == len(plain.examples) + sources["negative_hard"]
