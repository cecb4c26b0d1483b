"""CLI of the corpus: ``screening standards``, ``cases`` and ``corpus`` via CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from screening.cli import corpus as corpus_cli
from screening.cli import main

for _command in corpus_cli.COMMANDS:  # the lead registers the module; make the tests independent
    if _command.name not in main.commands:
        main.add_command(_command)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_standards_list() -> None:
    code, out, err = run("standards", "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 67 + 44  # 《实施办法》 items, then the tender rules' ZB items
    assert lines[0].startswith("FCR-9-1") and "限制市场准入和退出" in lines[0]
    assert lines[67].startswith("ZB-5-1") and "招标人自主权" in lines[67]
    assert "共 111 条" in err


def test_standards_list_json_and_kind() -> None:
    code, out, _ = run("standards", "list", "--kind", "exception", "--format", "json")
    assert code == 0
    codes = [r["code"] for r in json.loads(out)]
    assert codes == [f"EXC-TL12-{i}" for i in range(1, 5)] + [f"EXC-25-{i}" for i in range(1, 5)]


def test_standards_show() -> None:
    code, out, _ = run("standards", "show", "FCR-14-3")
    assert code == 0
    assert out.splitlines()[:3] == [
        "编号：FCR-14-3（审查标准）",
        "类别：限制商品要素自由流动",
        "条文：《公平竞争审查条例实施办法》第十四条第（三）项",
    ]
    assert (
        "内容：将在本地投资或者设立分支机构作为参与本地政府采购、招标投标、开展生产经营的必要条件"
        in out
    )
    assert "对应《公平竞争审查条例》：第九条第（二）项" in out
    assert "来源：corpus/laws/公平竞争审查条例实施办法.txt" in out


def test_standards_show_article_and_json() -> None:
    code, out, _ = run("standards", "show", "FCR-19")
    assert code == 0 and out.count("编号：FCR-19-") == 5
    code, out, _ = run("standards", "show", "FCR-24", "--format", "json")
    assert code == 0 and json.loads(out)["item"] is None


@pytest.mark.parametrize("bad", ["FCR-99-1", "FCR-14-9", "abc"])
def test_standards_show_unknown(bad: str) -> None:
    code, out, err = run("standards", "show", bad)
    assert code == 1 and out == ""
    assert err.startswith(f"错误：没有编号为 {bad} 的审查标准")
    assert "screening standards list" in err


def test_cases_list_filters() -> None:
    code, out, err = run("cases", "list", "--source", "NDRC", "--class", "主体违规", "--limit", "3")
    assert code == 0
    assert len(out.splitlines()) == 3 and all(" NDRC " in line for line in out.splitlines())
    assert "符合条件的案例 9 个，显示 3 个" in err


def test_cases_list_jsonl_by_standard() -> None:
    code, out, _ = run(
        "cases", "list", "--standard", "FCR-19-4", "--limit", "0", "--format", "jsonl"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 40 and all("FCR-19-4" in r["standards"] for r in rows)


def test_cases_show_and_unknown() -> None:
    code, out, _ = run("cases", "show", "ndrc-b5-14")
    assert code == 0
    assert "编号：ndrc-b5-14" in out and "关联案例：samr-r7-11" in out
    code, _, err = run("cases", "show", "no-such-case")
    assert code == 1 and "没有编号为 no-such-case 的案例" in err


def test_cases_stats() -> None:
    code, out, _ = run("cases", "stats", "--format", "json")
    stats = json.loads(out)
    assert code == 0 and stats["总数"]["案例"] == 389 and stats["来源"]["NDRC"] == 87


def test_missing_corpus_message(tmp_path) -> None:
    code, _, err = run("--corpus", str(tmp_path), "standards", "list")
    assert code == 1
    assert "找不到知识库文件" in err and "screening corpus build" in err and "--corpus" in err


def test_corpus_info() -> None:
    code, out, _ = run("corpus", "info")
    from tools.corpus_build import BUILDER_VERSION

    assert code == 0 and f"构建器版本：{BUILDER_VERSION}" in out


def test_corpus_build_bad_shared(tmp_path) -> None:
    code, _, err = run(
        "corpus", "build", "--shared", str(tmp_path / "nope"), "--out", str(tmp_path / "o")
    )
    assert code == 1 and "找不到共享资料目录" in err


def test_help_is_chinese() -> None:
    for group in ("standards", "cases", "corpus"):
        code, out, _ = run(group, "--help")
        assert code == 0 and "用法" in out
