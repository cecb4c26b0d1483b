"""CLI contract: Chinese help everywhere, every command documented, errors as one Chinese line."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from screening.cli import main

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _walk(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, path)


ALL_COMMANDS = list(_walk(main))


def test_root_help_is_chinese():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "用法：" in result.output
    assert "公平竞争审查" in result.output
    for opt in ("--ledger", "--corpus", "--models", "--config"):
        assert opt in result.output


@pytest.mark.parametrize("path", [p for p, _ in ALL_COMMANDS], ids=" ".join)
def test_every_command_has_chinese_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    body = result.output.split("\n", 2)[-1]
    assert CJK.search(body), f"help of {' '.join(path)} has no Chinese text"


@pytest.mark.parametrize("path", [p for p, _ in ALL_COMMANDS], ids=" ".join)
def test_every_command_is_in_readme(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"screening {' '.join(path)}" in readme


def test_unknown_command_is_usage_error_in_chinese():
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2
    assert "没有名为 'frobnicate' 的命令" in result.output


def test_missing_file_is_reported_and_exit_1(tmp_path):
    missing = tmp_path / "不存在.docx"
    result = CliRunner().invoke(main, ["parse", str(missing)])
    assert result.exit_code == 1
    assert f"无法读取：文件不存在：{missing}。" in result.stderr
    assert "共 1 个文件：成功 0 个，失败 1 个。" in result.stderr


def test_bad_file_in_batch_does_not_stop_it(tmp_path):
    (tmp_path / "a.txt").write_text("第一条 为了规范管理，制定本办法。\n", encoding="utf-8")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4\n%broken")
    result = CliRunner().invoke(main, ["segment", "--format", "jsonl", str(tmp_path)])
    assert result.exit_code == 0
    assert '"article_path": "第一条"' in result.stdout
    assert "b.pdf" in result.stderr
    assert "成功 1 个，失败 1 个" in result.stderr


def test_config_error_is_one_chinese_line(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("max_file_mb = 'abc'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(cfg), "parse", str(cfg)])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("错误：配置错误：")
    assert "Traceback" not in result.output
