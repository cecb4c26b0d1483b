"""Fix templates: one per review standard, article fallbacks, and the shape of every text."""

from __future__ import annotations

import dataclasses
import re

import pytest

from screening.config import default_corpus_dir
from screening.corpus import load_cases, load_guidance, load_standards
from screening.screen.fix_templates import (
    ACTIONS,
    EXCEPTION_NOTE,
    TEMPLATES,
    FixTemplate,
    template_for,
)

CORPUS = default_corpus_dir()  # the committed corpus/ beside the package
# The templates cover 《实施办法》 items; a tender finding (ZB-…) is fixed under its mapped FCR item.
STANDARDS = [s for s in load_standards(CORPUS, kind="standard") if s.code.startswith("FCR-")]
ARTICLES = range(9, 24)  # articles with items; FCR-24 has none and is its own article template
CASES = load_cases(CORPUS)
CASE_IDS = {c.id for c in CASES}
ALL = sorted(TEMPLATES.values(), key=lambda t: t.id)

ZH_NUM = dict(enumerate("零一二三四五六七八九十", start=0))


def zh_article(n: int) -> str:
    """Chinese numeral of an article number 9–24 (九, 十二, 二十四)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else ZH_NUM[tens] + "十")
    return head + (ZH_NUM[ones] if ones else "")


def article_of(code: str) -> int:
    return int(code.split("-")[1])


# --- coverage ---------------------------------------------------------------------------------


def test_corpus_has_the_standards() -> None:
    codes = {s.code for s in STANDARDS}
    assert "FCR-24" in codes and "FCR-9-1" in codes and "FCR-23-3" in codes
    assert all(s.kind == "standard" for s in STANDARDS)


@pytest.mark.parametrize("standard", STANDARDS, ids=lambda s: s.code)
def test_every_standard_has_its_own_template(standard) -> None:
    tpl = template_for(standard.code)
    assert tpl is not None
    assert tpl.code == standard.code
    assert tpl.id == f"TPL-{standard.code}"
    assert TEMPLATES[tpl.id] is tpl


@pytest.mark.parametrize("article", ARTICLES)
def test_every_article_has_a_fallback(article: int) -> None:
    tpl = TEMPLATES[f"TPL-FCR-{article}"]
    assert tpl.code == f"FCR-{article}"


def test_no_template_without_a_standard_or_article() -> None:
    expected = {s.code for s in STANDARDS} | {f"FCR-{a}" for a in ARTICLES}
    assert {t.code for t in ALL} == expected
    assert len(TEMPLATES) == len(STANDARDS) + len(ARTICLES)


def test_every_code_cited_in_the_corpus_resolves() -> None:
    """Case and guidance labels (items or articles only) all find a template."""
    cited = {code for c in CASES for code in c.standards or ()}
    cited |= {code for g in load_guidance(CORPUS) for code in g.standards or ()}
    fcr = sorted(c for c in cited if c.startswith("FCR-"))
    assert fcr
    assert [c for c in fcr if template_for(c) is None] == []


# --- lookup -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("FCR-12-3", "TPL-FCR-12-3"),
        (" fcr-12-3 ", "TPL-FCR-12-3"),
        ("FCR-9-1", "TPL-FCR-9-1"),
        ("FCR-12", "TPL-FCR-12"),
        ("FCR-12-9", "TPL-FCR-12"),
        ("FCR-9-7", "TPL-FCR-9"),
        ("FCR-23-4", "TPL-FCR-23"),
        ("FCR-24", "TPL-FCR-24"),
        ("FCR-24-1", "TPL-FCR-24"),
        ("FCR-8", None),
        ("FCR-8-1", None),
        ("FCR-25", None),
        ("FCR-25-1", None),
        ("EXC-25-1", None),
        ("EXC-TL12-3", None),
        ("DEF-46", None),
        ("NL-2025-001", None),
        ("ZB-12-3", None),
        ("TPL-FCR-12-3", None),
        ("FCR-", None),
        ("FCR-12-x", None),
        ("FCR12-3", None),
        ("garbage", None),
        ("", None),
    ],
)
def test_template_for(code: str, expected: str | None) -> None:
    tpl = template_for(code)
    assert (tpl.id if tpl else None) == expected


# --- ids, actions, frozen ---------------------------------------------------------------------


def test_actions_are_the_three_categories() -> None:
    assert ACTIONS == ("删除", "修改", "删除或修改")
    assert {t.action for t in ALL} == set(ACTIONS)


@pytest.mark.parametrize("tpl", ALL, ids=lambda t: t.id)
def test_id_and_action(tpl: FixTemplate) -> None:
    assert tpl.id == f"TPL-{tpl.code}"
    assert re.fullmatch(r"FCR-\d+(-\d+)?", tpl.code)
    assert tpl.action in ACTIONS


def test_templates_are_immutable() -> None:
    tpl = TEMPLATES["TPL-FCR-12-2"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        tpl.text = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        TEMPLATES["TPL-X"] = tpl  # type: ignore[index]


# --- wording ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tpl", ALL, ids=lambda t: t.id)
def test_text_shape(tpl: FixTemplate) -> None:
    text = tpl.text
    assert text and text == text.strip()
    assert text.endswith("。")
    assert len(text) <= 160
    assert 1 <= text.count("。") <= 3  # one to three sentences
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert cjk >= 0.75 * len(text)
    assert not re.search(r"[A-Za-z]", text)  # no codes, case ids or placeholders
    for placeholder in ("××", "XX", "xx", "＊", "…"):
        assert placeholder not in text
    assert not [cid for cid in CASE_IDS if cid in text]


def test_texts_are_distinct() -> None:
    texts = [t.text for t in ALL]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("tpl", ALL, ids=lambda t: t.id)
def test_action_matches_wording(tpl: FixTemplate) -> None:
    text = tpl.text
    if tpl.action == "删除":
        assert text.startswith("删除") and "改为" not in text
    elif tpl.action == "修改":
        assert "改为" in text or text.startswith("修改")
    else:
        assert "删除" in text and "改为" in text


@pytest.mark.parametrize("tpl", ALL, ids=lambda t: t.id)
def test_cited_provisions_are_real(tpl: FixTemplate) -> None:
    """Only the standard's own article (《实施办法》) or the exception note (《条例》第十二条)."""
    text = tpl.text
    for numeral in re.findall(r"《实施办法》第([一二三四五六七八九十]+)条", text):
        assert numeral == zh_article(article_of(tpl.code))
    if "《条例》" in text or "第十二条" in text:
        assert text.endswith(EXCEPTION_NOTE)
        assert text.count("《条例》") == 1
    assert "案例" not in text and "通报" not in text


def test_exception_note_is_used_sparingly() -> None:
    with_note = {t.code for t in ALL if t.text.endswith(EXCEPTION_NOTE)}
    assert "FCR-24" in with_note
    assert 1 <= len(with_note) <= 10


def test_zh_article() -> None:
    assert [zh_article(n) for n in (9, 10, 12, 20, 24)] == ["九", "十", "十二", "二十", "二十四"]


# --- spot checks ------------------------------------------------------------------------------

RESIDENCE = ("注册", "纳税")


@pytest.mark.parametrize(
    "standard",
    [s for s in STANDARDS if any(w in s.text for w in RESIDENCE)],
    ids=lambda s: s.code,
)
def test_residence_or_tax_standards_name_it_in_the_fix(standard) -> None:
    """Standards about 注册地/纳税地 conditions (FCR-11-2, 12-2, 13-3, 15-2, 15-3, 19-3 …)."""
    tpl = template_for(standard.code)
    assert tpl is not None
    assert any(w in tpl.text for w in RESIDENCE)


def test_residence_spot_checks() -> None:
    assert {"FCR-12-2", "FCR-19-3"} <= {
        s.code for s in STANDARDS if any(w in s.text for w in RESIDENCE)
    }
    discriminatory_entry = template_for("FCR-12-2")
    assert discriminatory_entry and "注册" in discriminatory_entry.text
    assert discriminatory_entry.action == "删除或修改"
    relocation_subsidy = template_for("FCR-19-3")
    assert relocation_subsidy and "注册" in relocation_subsidy.text
    assert "纳税" in relocation_subsidy.text
    # SAMR Q&A maps "本地注册和纳税" as a precondition for benefits to FCR-14-1.
    forced_local = template_for("FCR-14-1")
    assert forced_local and "注册" in forced_local.text and "纳税" in forced_local.text


def test_other_spot_checks() -> None:
    franchise = template_for("FCR-10-2")
    assert franchise and "招标" in franchise.text
    onsite = template_for("FCR-15-6")
    assert onsite and "现场" in onsite.text
    tax = template_for("FCR-18-1")
    assert tax and tax.action == "删除" and "国家统一" in tax.text
    subsidy_pool = template_for("FCR-19-1")
    assert subsidy_pool and "客观明确且非排他性" in subsidy_pool.text
