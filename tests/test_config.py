"""Settings resolution: CLI > environment > config file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.config import Settings, default_corpus_dir, load_settings
from screening.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for var in ("SCREENING_LEDGER", "SCREENING_CORPUS", "SCREENING_MODELS", "SCREENING_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./screening.toml here
    monkeypatch.setenv("HOME", str(tmp_path))


def test_defaults():
    s = load_settings()
    assert s.corpus == default_corpus_dir()
    assert s.ledger == Path("screening-ledger.db")
    assert s.max_file_mb == 100.0
    assert s.config_file is None


@pytest.mark.parametrize(
    ("file_value", "env_value", "cli_value", "expected"),
    [
        (None, None, None, "screening-ledger.db"),
        ("file.db", None, None, "file.db"),
        ("file.db", "env.db", None, "env.db"),
        ("file.db", "env.db", "cli.db", "cli.db"),
        (None, None, "cli.db", "cli.db"),
    ],
)
def test_precedence(tmp_path, monkeypatch, file_value, env_value, cli_value, expected):
    if file_value:
        (tmp_path / "screening.toml").write_text(
            f'[screening]\nledger = "{file_value}"\n', encoding="utf-8"
        )
    if env_value:
        monkeypatch.setenv("SCREENING_LEDGER", env_value)
    assert load_settings(ledger=cli_value).ledger == Path(expected)


def test_config_file_from_env_and_numbers(tmp_path, monkeypatch):
    cfg = tmp_path / "conf" / "my.toml"
    cfg.parent.mkdir()
    cfg.write_text("max_file_mb = 5\noperator = '李四'\n", encoding="utf-8")
    monkeypatch.setenv("SCREENING_CONFIG", str(cfg))
    s = load_settings()
    assert s.max_file_mb == 5.0
    assert s.operator == "李四"
    assert s.config_file == cfg


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("max_file_mb = 'big'\n", "中 max_file_mb 应为数字，实际为 'big'。"),
        ("colour = 'red'\n", "含有未知配置项：colour。"),
        ("ledger = \n", "格式有误"),
    ],
)
def test_bad_config_files(tmp_path, content, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(config=cfg)
    assert message in str(exc.value)
    assert str(exc.value).startswith("配置错误：")


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_settings(config=tmp_path / "nope.toml")


def test_settings_replace_is_a_copy():
    s = Settings()
    t = s.replace(max_file_mb=1)
    assert s.max_file_mb == 100.0 and t.max_file_mb == 1


def test_ledger_settings_from_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[screening]\nverify_days = 5\nreply_days = 10\n"
        '[screening.complaint_columns]\n"事项描述" = "content"\n',
        encoding="utf-8",
    )
    s = load_settings(config=cfg)
    assert (s.verify_days, s.reply_days, s.complaint_columns) == (5, 10, {"事项描述": "content"})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("verify_days = 0", "verify_days 应为正整数（工作日数）"),
        ('reply_days = "十五"', "reply_days 应为正整数（工作日数）"),
        ("verify_days = 2.5", "verify_days 应为正整数（工作日数）"),
        ('complaint_columns = "事项描述"', "complaint_columns 应为“列名 = 字段名”的表"),
    ],
)
def test_bad_ledger_settings(tmp_path, line, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[screening]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config=cfg)
