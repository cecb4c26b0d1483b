"""The gate's words (``screen.words``): barrier and region words stay whole, features are stable."""

from __future__ import annotations

import importlib.metadata
import itertools

import pytest

from screening.screen.words import RJIEBA_VERSION, user_words, word_features, words


def test_the_segmenter_is_the_version_the_words_were_measured_with():
    # a new rjieba may cut differently: bump versions.WORDS with RJIEBA_VERSION and the pin
    assert importlib.metadata.version("rjieba") == RJIEBA_VERSION


def test_user_dictionary_holds_the_barrier_vocabulary_and_region_words():
    vocabulary = set(user_words())
    for word in (
        "注册地",
        "统计关系",
        "先征后返",
        "本县",
        "我市",
        "区内",
        "外地",
        "广东省",
        "名录库",
    ):
        assert word in vocabulary, word
    assert all(len(w) >= 2 for w in vocabulary)  # single characters are the char n-grams' job
    assert user_words() == sorted(vocabulary)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        (
            "企业注册地、税务征管关系及统计关系应在本区。",
            ["注册地", "征管关系", "统计关系", "本区"],
        ),
        ("对外地企业实行先征后返。", ["外地", "先征后返"]),
        ("申报企业须在本县注册并纳税", ["本县", "纳税"]),
        ("纳入名录库的供应商由县财政给予贴息", ["名录库", "供应商", "贴息"]),
    ],
)
def test_barrier_words_are_not_cut(text, whole):
    got = words(text)
    for word in whole:
        assert word in got, (word, got)
    assert "".join(got) == "".join(text.split())  # nothing lost, nothing added


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ASCII runs are cut as the Python jieba cut them (jieba-rs keeps them whole)
        (
            "登录平台(https://hfcyzc.hfceloan.com/frontPage)",
            [
                "登录",
                "平台",
                "(",
                "https",
                ":",
                "/",
                "/",
                "hfcyzc",
                ".",
                "hfceloan",
                ".",
                "com",
                "/",
                "frontPage",
                ")",
            ],
        ),
        ("增长10.5%以上", ["增长", "10.5%", "以上"]),
        ("详见附件......", ["详见", "附件", "......"]),
    ],
)
def test_ascii_runs_are_cut_as_python_jieba_cut_them(text, expected):
    assert words(text) == expected


def test_features_are_words_then_adjacent_pairs():
    ws = words("申报企业须在本县注册并纳税")
    features = word_features("申报企业须在本县注册并纳税")
    assert features == ws + [f"{a} {b}" for a, b in itertools.pairwise(ws)]
    assert word_features("") == []
    assert word_features("  \n ") == []
