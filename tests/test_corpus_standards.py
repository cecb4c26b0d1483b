"""Review standards in the committed corpus: verbatim against the bundled law texts, complete."""

from __future__ import annotations

from collections import Counter

import pytest

from screening.config import default_corpus_dir
from screening.corpus import get_standard, load_standards
from screening.corpus.schema import FAMILIES
from screening.errors import UnknownStandardError
from tools.corpus_build.build import parse_articles

CORPUS = default_corpus_dir()
BANFA = (CORPUS / "laws" / "公平竞争审查条例实施办法.txt").read_text(encoding="utf-8")
STANDARDS = load_standards(CORPUS)


@pytest.mark.parametrize("record", STANDARDS, ids=lambda s: s.code)
def test_text_and_chapeau_are_verbatim(record) -> None:
    law = (CORPUS / "laws" / record.law_file).read_text(encoding="utf-8")
    assert record.text and record.text in law
    if record.chapeau:
        assert record.chapeau in law
    if record.tiaoli_text:
        assert record.tiaoli_text in (CORPUS / "laws" / "公平竞争审查条例.txt").read_text(
            encoding="utf-8"
        )


def test_codes_complete_and_unique() -> None:
    articles = parse_articles(BANFA)
    expected = {f"FCR-{a}-{i}" for a in range(9, 24) for i, _ in articles[a]["items"]}
    expected.add("FCR-24")
    codes = [s.code for s in STANDARDS if s.kind == "standard" and s.code.startswith("FCR-")]
    assert len(codes) == len(set(codes)) == 67
    assert set(codes) == expected
    assert not [c for c, n in Counter(s.code for s in STANDARDS).items() if n > 1]


@pytest.mark.parametrize(
    ("articles", "family"),
    [
        (range(9, 13), FAMILIES[0]),
        (range(13, 18), FAMILIES[1]),
        (range(18, 21), FAMILIES[2]),
        (range(21, 24), FAMILIES[3]),
    ],
)
def test_families_follow_section_headings(articles: range, family: str) -> None:
    assert {
        s.family
        for s in STANDARDS
        if s.kind == "standard" and s.article in articles and s.code.startswith("FCR-")
    } == {family}


@pytest.mark.parametrize(
    ("code", "tiaoli_ref"),
    [
        ("FCR-9-1", "第八条第（一）项"),
        ("FCR-12-4", "第八条第（四）项"),
        ("FCR-13-1", "第九条第（一）项"),
        ("FCR-17-2", "第九条第（五）项"),
        ("FCR-19-4", "第十条第（二）项"),
        ("FCR-23-1", "第十一条第（三）项"),
        ("FCR-24", None),
    ],
)
def test_tiaoli_reference(code: str, tiaoli_ref: str | None) -> None:
    assert get_standard(CORPUS, code).tiaoli_ref == tiaoli_ref


def test_known_wording_and_kinds() -> None:
    s = get_standard(CORPUS, "fcr-14-3")
    assert (
        s.text
        == "将在本地投资或者设立分支机构作为参与本地政府采购、招标投标、开展生产经营的必要条件"
    )
    assert s.chapeau.startswith("起草涉及经营者经济活动的政策措施，不得含有下列排斥")
    assert get_standard(CORPUS, "FCR-24").item is None
    kinds = Counter(s.kind for s in STANDARDS)
    assert kinds == {"standard": 67 + 44, "exception": 8, "definition": 4}  # FCR + ZB items
    assert "特定经营者，是指在政策措施中直接或者变相确定" in get_standard(CORPUS, "DEF-46").text


def test_unknown_code_message() -> None:
    with pytest.raises(UnknownStandardError, match="screening standards list"):
        get_standard(CORPUS, "FCR-14-9")


def test_paraphrases_are_flagged() -> None:
    import json

    data = json.loads((CORPUS / "standards" / "paraphrases.json").read_text(encoding="utf-8"))
    assert data["concrete_forms_count"] == len(data["concrete_forms"]) == 66
    assert all(f["is_paraphrase"] for f in data["concrete_forms"])
    assert data["legacy_2021_xize"]["is_legacy"] is True
