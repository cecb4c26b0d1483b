"""The command modules share helpers through ``screening.cli._common`` only: none imports
another command module, and every ledger command opens the ledger the same way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import main

CLI = Path(__file__).resolve().parent.parent / "screening" / "cli"
COMMAND_MODULES = {
    "catalogue_cmd",
    "complaints_cmd",
    "console_cmd",
    "corpus",
    "documents",
    "ledger_cmd",
    "models_cmd",
    "neglist",
    "publish_cmd",
    "report_cmd",
    "review_cmd",
    "screen_cmd",
}


def _imported_siblings(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(alias.name for alias in node.names)
    return out


@pytest.mark.parametrize("module", sorted(COMMAND_MODULES))
def test_no_command_module_imports_another(module):
    assert not (_imported_siblings(CLI / f"{module}.py") & (COMMAND_MODULES - {module}))


def test_the_registered_modules_are_the_command_modules():
    tree = ast.parse((CLI / "__init__.py").read_text(encoding="utf-8"))
    register = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_register"
    )
    imported = {
        a.name for n in ast.walk(register) if isinstance(n, ast.ImportFrom) for a in n.names
    }
    assert imported == COMMAND_MODULES


@pytest.mark.parametrize(
    "args",
    [
        ["ledger", "list"],
        ["ledger", "note", "1", "--text", "备注"],
        ["complaints", "list"],
        ["report", "ledger", "--out", "台账.xlsx"],
    ],
)
def test_a_folder_as_ledger_is_refused_by_every_ledger_command(tmp_path, monkeypatch, args):
    folder = tmp_path / "台账目录"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCREENING_LEDGER", str(folder))  # --ledger itself refuses folders
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "这是文件夹，不是台账文件" in result.output and "Traceback" not in result.output
