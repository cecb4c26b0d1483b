"""``screening users …`` (console accounts) and ``screening serve`` (the review console)."""

from __future__ import annotations

import secrets
import string
import sys

import click

from ..ledger.users import ROLES, add_user, list_users, set_disabled, set_password
from ._common import dumps, format_option, get_settings, ledger_db, warn

ROLE_HELP = (
    "角色：admin（管理员，发展改革局/联席会议办公室）、reviewer（审查员，只能处理所属部门）、"
    "viewer（只读，领导查看）。"
)


def _generated() -> str:
    """A random password of letters and digits (shown once)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def _read_password(from_stdin: bool, *, confirm: bool = True) -> tuple[str, bool]:
    """(password, generated): from stdin, else asked twice at the terminal, else generated."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        pw = click.prompt(
            "密码", hide_input=True, confirmation_prompt="再次输入密码" if confirm else False
        )
        return pw, False
    return _generated(), True


@click.group("users")
def users_group() -> None:
    """工作台（screening serve）的用户账号：添加、列出、改密码、停用。"""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(list(ROLES)), required=True, help=ROLE_HELP)
@click.option(
    "--department",
    "departments",
    multiple=True,
    help="审查员所属部门，可多次指定。台账中还没有的部门会一并登记。",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="从标准输入读取密码（一行）。不指定时在终端提示输入；非终端时自动生成并显示一次。",
)
@click.pass_context
def users_add(
    ctx: click.Context, name: str, role: str, departments: tuple[str, ...], password_stdin: bool
) -> None:
    """添加用户 NAME。"""
    password, generated = _read_password(password_stdin)
    with ledger_db(ctx) as db:
        add_user(db, name, role=role, password=password, departments=departments, operator="命令行")
    depts = f"，部门：{'、'.join(departments)}" if departments else ""
    click.echo(f"已添加用户“{name}”（{ROLES[role]}{depts}）。")
    if generated:
        click.echo(f"初始密码：{password}")
        click.echo("请妥善保管，登录后可请管理员用 screening users passwd 修改。")


@users_group.command("list")
@format_option("table", "json")
@click.pass_context
def users_list(ctx: click.Context, fmt: str) -> None:
    """列出用户。"""
    with ledger_db(ctx, readonly=True) as db:
        rows = list_users(db)
    if fmt == "json":
        click.echo(dumps(rows, indent=2))
        return
    if not rows:
        click.echo("还没有用户。用 screening users add 名字 --role admin 添加第一个管理员。")
        return
    for r in rows:
        state = "已停用" if r["disabled"] else ("暂停登录" if r["locked_until"] else "正常")
        depts = "、".join(r["departments"]) or "—"
        last = r["last_login"] or "从未登录"
        click.echo(f"{r['name']}\t{r['role_label']}\t{depts}\t{state}\t最近登录：{last}")


@users_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行）。")
@click.pass_context
def users_passwd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """修改用户 NAME 的密码（同时解除登录暂停，并让其已登录的会话失效）。"""
    password, generated = _read_password(password_stdin)
    with ledger_db(ctx) as db:
        set_password(db, name, password, operator="命令行")
    click.echo(f"已修改用户“{name}”的密码。")
    if generated:
        click.echo(f"新密码：{password}")


@users_group.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="重新启用已停用的账号。")
@click.pass_context
def users_disable(ctx: click.Context, name: str, enable: bool) -> None:
    """停用用户 NAME（立即退出登录）；加 --enable 重新启用。"""
    with ledger_db(ctx) as db:
        set_disabled(db, name, not enable, operator="命令行")
    click.echo(f"已{'启用' if enable else '停用'}用户“{name}”。")


@click.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址。办公局域网使用时填 0.0.0.0。"
)
@click.option(
    "--port", default=8000, type=click.IntRange(1, 65535), show_default=True, help="端口。"
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """启动审查工作台（网页），浏览器打开 http://127.0.0.1:8000 登录使用。"""
    import uvicorn

    from ..web.app import create_app

    settings = get_settings(ctx)
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(
            f"工作台将在 {host}:{port} 上对局域网开放，请确认只在单位内网使用，"
            "并为每位用户设置强密码；如需加密传输，请在前面配置 HTTPS 反向代理。"
        )
    app = create_app(settings)
    with ledger_db(ctx, readonly=True) as db:
        if not list(db.query("select 1 from users where role = 'admin' and disabled = 0 limit 1")):
            warn("还没有管理员账号。请先运行：screening users add 名字 --role admin")
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"审查工作台已启动：http://{shown_host}:{port}/ （按 Ctrl+C 停止）")
    click.echo(f"台账：{settings.ledger}")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, workers=1)


COMMANDS = [users_group, serve]
