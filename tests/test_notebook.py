"""The evaluation notebook runs on the committed small result and draws its five figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "notebooks" / "data" / "quality-small.json"
FIGURES = (
    "1-recall-false-alarm.png",
    "2-recall-by-family-and-item.png",
    "3-code-confusion.png",
    "4-false-alarm-patterns.png",
    "5-threshold-tradeoff.png",
)


def _run(result_file: Path, out: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "notebooks" / "evaluation.py")]
    cmd += ["--result", str(result_file), "--out", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(ROOT))


def test_the_evaluation_notebook_executes(tmp_path):
    result = _run(SMALL, tmp_path, 300)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in FIGURES:
        path = tmp_path / name
        assert path.is_file() and path.stat().st_size > 10_000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the printed summary names every engine with its recall and false-alarm figures
    for engine in ("v1 今日模型", "v2 新模型", "关键词基线"):
        assert engine in result.stdout
    assert "条款召回" in result.stdout and "法规误报" in result.stdout


def test_a_missing_result_file_is_one_chinese_line(tmp_path):
    result = _run(tmp_path / "无.json", tmp_path, 120)
    assert result.returncode == 1
    assert "结果文件" in result.stderr and "不存在" in result.stderr
    assert "Traceback" not in result.stderr
