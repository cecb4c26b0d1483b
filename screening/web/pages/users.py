"""Console page: 用户 — accounts, roles and departments, passwords, disabling; the console trail.

Every change goes through ``screening.ledger.users`` with the administrator as the operator, so
the trail is the one ``screening users …`` writes.
"""

from __future__ import annotations

import re

from starlette.responses import Response

from ...errors import InvalidValueError, ScreeningError
from ...ledger.departments import list_departments
from ...ledger.users import (
    ADMIN,
    REVIEWER,
    ROLES,
    add_user,
    audit_rows,
    get_user,
    list_users,
    set_disabled,
    set_password,
)
from ..core import Ctx, page

ADMIN_ONLY = (ADMIN,)
AUDIT_ROWS = 200
AUDIT_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "账户锁定中登录",
    "user_add": "添加用户",
    "user_passwd": "重设密码",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
}


def _passwords(ctx: Ctx) -> str:
    password = ctx.form.get("password", "") if ctx.form is not None else ""
    confirm = ctx.form.get("password2", "") if ctx.form is not None else ""
    if not isinstance(password, str) or password != confirm:
        raise InvalidValueError(field="密码", value="（未显示）", hint="两次输入的密码不一致。")
    return password


def _departments(ctx: Ctx) -> list[str]:
    """Departments from the multi-select and the free-text list (comma or 、 separated)."""
    picked = ctx.fields("departments")
    typed = [t for t in re.split(r"[\s,，、;；]+", ctx.field("departments_text")) if t]
    return list(dict.fromkeys([*picked, *typed]))


@page("/users", roles=ADMIN_ONLY)
def users_page(ctx: Ctx) -> Response:
    return ctx.render(
        "users.html",
        title="用户",
        users=list_users(ctx.db),
        roles=ROLES,
        reviewer=REVIEWER,
        departments=[d["name"] for d in list_departments(ctx.db)],
        audit=audit_rows(ctx.db, AUDIT_ROWS),
        audit_labels=AUDIT_LABELS,
    )


@page("/users/add", roles=ADMIN_ONLY, methods=("POST",))
def users_add(ctx: Ctx) -> Response:
    name = ctx.field("name")
    role = ctx.field("role")
    depts = _departments(ctx) if role == REVIEWER else []
    add_user(
        ctx.db, name, role=role, password=_passwords(ctx), departments=depts, operator=ctx.operator
    )
    ctx.flash(f"已添加用户 {name}（{ROLES[role]}）。")
    return ctx.back("/users")


@page("/users/{name:str}/passwd", roles=ADMIN_ONLY, methods=("POST",))
def users_passwd(ctx: Ctx) -> Response:
    name = get_user(ctx.db, str(ctx.param("name")))["name"]
    set_password(ctx.db, name, _passwords(ctx), operator=ctx.operator)
    ctx.flash(f"已重设 {name} 的密码，其已登录的会话均已退出。")
    return ctx.back("/users")


@page("/users/{name:str}/disable", roles=ADMIN_ONLY, methods=("POST",))
def users_disable(ctx: Ctx) -> Response:
    name = get_user(ctx.db, str(ctx.param("name")))["name"]
    disable = ctx.field("enable") != "1"
    if disable and name == ctx.operator:
        raise ScreeningError(detail="不能停用自己的账户。")
    set_disabled(ctx.db, name, disable, operator=ctx.operator)
    ctx.flash(f"已{'停用' if disable else '启用'}用户 {name}。")
    return ctx.back("/users")
