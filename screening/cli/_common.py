"""What the command modules share: settings, the ledger opener, common options and formatting.

Every command module imports these from here (never from another command module), so the
command modules do not depend on one another.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from ..config import Settings, load_settings


def get_settings(ctx: click.Context) -> Settings:
    """The Settings resolved by the top-level group (CLI > env > config file > defaults)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = load_settings()
    return root.obj


def warn(message: str) -> None:
    """One ``警告：…`` line on stderr."""
    click.echo(f"警告：{message}", err=True)


@contextlib.contextmanager
def ledger_db(
    ctx: click.Context,
    *,
    readonly: bool = False,
    on_damage: Callable[[str], None] | None = None,
) -> Iterator[Database]:
    """The ledger for one command, closed afterwards.

    A folder given as the ledger path is refused. ``readonly`` commands need an existing file
    and go on (with a warning on stderr, or ``on_damage``) when it is damaged; the others refuse
    a damaged file.
    """
    from ..errors import LedgerOpenError
    from ..ledger import open_ledger

    path = get_settings(ctx).ledger
    if Path(path).exists() and not Path(path).is_file():
        raise LedgerOpenError(path=str(path), detail="这是文件夹，不是台账文件")
    db = open_ledger(path, readonly=readonly, on_damage=on_damage or warn)
    try:
        yield db
    finally:
        db.close()


def operator_name(ctx: click.Context, value: str | None) -> str:
    """The ``--operator`` given, else the configured operator."""
    return value or get_settings(ctx).operator


def operator_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--operator`` option of commands that write to the ledger's trail."""
    return click.option(
        "--operator", default=None, help="经办人姓名，写入操作记录。默认取配置项 operator。"
    )(f)


def version_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--expect-version`` option of commands that change a case."""
    return click.option(
        "--expect-version",
        type=int,
        default=None,
        help="您查看时的案件版本号（ledger show 中显示）。填写后，若案件已被他人修改则拒绝操作。",
    )(f)


def format_option(*choices: str, help: str = "输出格式。") -> Callable[[Any], Any]:
    """The ``--format`` option (stored as ``fmt``) every listing command takes; first is default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def dumps(obj: object, *, indent: int | None = None) -> str:
    """``obj`` as JSON the way every command prints it: keys sorted, Chinese kept readable."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=indent)


# Control characters and the bidirectional-override marks (U+202A–E, U+2066–9 …): in a file name
# they break a table line or make the text after them read right-to-left (a "txt.exe" trick).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text: object) -> str:
    """``text`` (a file name, or a message quoting one) safe to print in a table line."""
    return _UNSAFE.sub(lambda m: _NAMED.get(m[0], f"\\u{ord(m[0]):04x}"), str(text))


def suggester(
    ctx: click.Context,
) -> tuple[Callable[[str], dict[str, Any] | None], float]:
    """The engine's suggestion for a complaint or clue text, and the report threshold (loads the
    model once)."""
    from ..learning.first_use import load_or_train

    screener = load_or_train(get_settings(ctx))  # first use trains explicitly, saying so

    def run(text: str) -> dict[str, Any] | None:
        s = screener.suggest(text)
        return s.to_dict() if s else None

    return run, float(screener.threshold)


def suggestion_text(s: dict[str, Any] | None, threshold: float) -> str:
    """The indented ``研判：…`` line for a suggestion (empty when there is none)."""
    if not s:
        return ""
    if s["score"] < threshold:
        return f"    研判：未发现与审查标准明显对应的表述（评分 {s['score']:.2f}）"
    codes = "、".join(x["code"] for x in s["standards"])
    prec = "、".join(p["case_id"] for p in s["precedents"][:2])
    return f"    研判：评分 {s['score']:.2f}，建议对照 {codes}；相似案例 {prec}"


def echo_written(
    written: Any, hint: str | None = None, traced: str = "每个数字对应的台账记录"
) -> None:
    """What a draft-writing command prints: the files, the sidecar, hints, the summary.

    ``written`` is a ``reports.Written``; ``traced`` says what the sidecar traces.
    """
    for path in written.paths:
        click.echo(f"已生成：{path}")
    click.echo(f"数据来源说明：{written.sidecar}（{traced}）")
    for warning in (*written.warnings, *([hint] if hint else [])):
        click.echo(f"提示：{warning}", err=True)
    click.echo(f"{written.summary}。这是草稿，请核改后使用。", err=True)


def case_ids(values: tuple[str, ...], *, required: bool = True) -> list[int]:
    """Case numbers from ``--cases 3,5,8`` (commas, 、, ；or spaces; the option may repeat)."""
    ids = []
    for token in re.split(r"[\s,，、;；]+", " ".join(values)):
        if not token:
            continue
        if not token.isdigit():
            raise click.BadParameter(f"“{token}”不是案件编号，请填写数字，如 --cases 3,5,8。")
        ids.append(int(token))
    if required and not ids:
        raise click.BadParameter("请至少填写一个案件编号，如 --cases 3,5,8。")
    return ids
