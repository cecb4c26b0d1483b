"""The ``screening`` command: a thin click layer over the library.

Each command module in this package defines its commands and is attached to :data:`main` at the
bottom of this file. Commands parse options, call one library function and format the result;
:class:`~screening.errors.ScreeningError` becomes one Chinese line on stderr and exit status 1.
"""

from __future__ import annotations

import sqlite3
import sys

import click

from ..config import Settings, load_settings
from ..errors import ScreeningError

# Shared by the command modules (which import them from ._common); kept importable from here.
from ._common import format_option, get_settings, shown

__all__ = ["ScreeningGroup", "format_option", "get_settings", "localize_click", "main", "shown"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class ScreeningGroup(click.Group):
    """A group that turns ScreeningError into a clear message instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ScreeningError as err:
            click.echo(f"错误：{err}", err=True)
            ctx.exit(1)
        except sqlite3.Error as exc:
            # A damaged, locked or read-only ledger met in the middle of a command: say so in
            # Chinese (every write is one transaction, so nothing was half-written).
            from ..ledger.db import translate

            settings = ctx.find_root().obj
            explained = translate(exc, settings.ledger if isinstance(settings, Settings) else "")
            if explained is None:
                raise
            click.echo(f"错误：{explained}", err=True)
            ctx.exit(1)


def localize_click() -> None:
    """Chinese wording for click's own usage errors and help headings."""
    import gettext as _gettext

    translations = {
        "Usage:": "用法：",
        "Options": "选项",
        "Commands": "命令",
        "Show this message and exit.": "显示本帮助并退出。",
        "Show the version and exit.": "显示版本并退出。",
        "Error": "错误",
        "Error: {message}": "错误：{message}",
        "Aborted!": "已中止。",
        "default: {default}": "默认：{default}",
        "env var: {var}": "环境变量：{var}",
        "required": "必填",
        "Missing argument": "缺少参数",
        "Missing option": "缺少选项",
        "Missing parameter: {param_name}": "缺少参数：{param_name}",
        "No such option {name!r}.": "没有此选项 {name!r}。",
        "Invalid value: {message}": "取值无效：{message}",
        "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数值。",
        "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
        "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
        "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，这里需要文件夹。",
        "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，这里需要文件。",
        "file": "文件",
        "directory": "文件夹",
        "path": "路径",
        "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
        "No such command {name!r}.": "没有名为 {name!r} 的命令。",
        "Missing argument {param_hint}.": "缺少参数 {param_hint}。",
        "Missing option {param_hint}.": "缺少选项 {param_hint}。",
        "No such option: {name}": "没有此选项：{name}",
        "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
        "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 之中。",
        "{value!r} is not a valid float.": "{value!r} 不是有效的数字。",
        "{value!r} is not a valid integer.": "{value!r} 不是有效的整数。",
        "Path {name} does not exist.": "路径 {name} 不存在。",
        "Got unexpected extra argument ({args})": "多余的参数（{args}）",
        "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
        "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    }

    class _T(_gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return translations.get(message, message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return translations.get(singular if n == 1 else plural, singular if n == 1 else plural)

    t = _T()
    for mod_name in (
        "click.core",
        "click.exceptions",
        "click.formatting",
        "click.types",
        "click.decorators",
        "click.parser",
        "click._optparse",
    ):
        mod = sys.modules.get(mod_name)
        if mod is not None and hasattr(mod, "_"):
            mod._ = t.gettext  # type: ignore[attr-defined]
        if mod is not None and hasattr(mod, "ngettext"):
            mod.ngettext = t.ngettext  # type: ignore[attr-defined]


localize_click()


@click.group(cls=ScreeningGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False),
    default=None,
    help="审查台账数据库文件（SQLite）路径。环境变量 SCREENING_LEDGER。"
    "默认 ./screening-ledger.db。",
)
@click.option(
    "--corpus",
    type=click.Path(file_okay=False),
    default=None,
    help="知识库目录（审查标准、案例、负面清单）。环境变量 SCREENING_CORPUS。"
    "默认随软件附带的 corpus/。",
)
@click.option(
    "--models",
    type=click.Path(file_okay=False),
    default=None,
    help="模型缓存目录。环境变量 SCREENING_MODELS。默认 models/cache（不纳入版本库）。",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="配置文件（TOML）路径。环境变量 SCREENING_CONFIG。默认依次查找 ./screening.toml、"
    "~/.config/screening/config.toml。",
)
@click.version_option(package_name="screening", message="screening %(version)s")
@click.pass_context
def main(
    ctx: click.Context,
    ledger: str | None,
    corpus: str | None,
    models: str | None,
    config: str | None,
) -> None:
    """公平竞争审查与市场准入负面清单筛查工具。

    解析政策文件、切分条款，对照《公平竞争审查条例实施办法》审查标准、市场准入负面清单
    和全国通报的违规案例，筛查涉嫌排除、限制竞争的条款。全部离线运行。
    """
    ctx.obj = load_settings(config=config, ledger=ledger, corpus=corpus, models=models)


def _register() -> None:
    from . import (
        catalogue_cmd,
        complaints_cmd,
        console_cmd,
        corpus,
        documents,
        ledger_cmd,
        models_cmd,
        neglist,
        publish_cmd,
        report_cmd,
        review_cmd,
        screen_cmd,
    )

    modules = (
        screen_cmd,
        documents,
        corpus,
        neglist,
        catalogue_cmd,
        models_cmd,
        ledger_cmd,
        complaints_cmd,
        report_cmd,
        publish_cmd,
        review_cmd,
        console_cmd,
    )
    for module in modules:
        for command in module.COMMANDS:
            main.add_command(command)


_register()
