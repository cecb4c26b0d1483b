"""Console accounts: users and roles, password hashing, login throttling, sessions, console trail.

Three roles (the county's division of work):

* ``admin`` 管理员 — 发展改革局 / 联席会议办公室: everything, accounts, sweeps, the model;
* ``reviewer`` 审查员 — bound to one or more departments: sees and works only their documents
  and cases;
* ``viewer`` 只读 — leaders: dashboards and reports.

Passwords are hashed with argon2id (argon2-cffi defaults). After ``MAX_FAILURES`` consecutive
failed logins an account is locked for ``LOCK_MINUTES`` minutes; the answer to a failed login
never says whether the name exists. A session is a random token in an HttpOnly cookie; the
ledger keeps only its SHA-256, with a per-session CSRF token, an idle timeout and an absolute
lifetime. Console-level events (logins, account changes, views of complainants' contacts) go to
the ``audit`` table; everything done to a case still goes through the lifecycle functions and
their trail.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from ..errors import (
    InvalidValueError,
    LoginFailedError,
    LoginLockedError,
    UserExistsError,
    UserNotFoundError,
    WeakPasswordError,
)
from .db import insert_row, now

ADMIN, REVIEWER, VIEWER = "admin", "reviewer", "viewer"
ROLES = {ADMIN: "管理员", REVIEWER: "审查员", VIEWER: "只读"}

MIN_PASSWORD = 8
MAX_FAILURES = 5  # consecutive failed logins before the account is locked …
LOCK_MINUTES = 15  # … for this long
SESSION_IDLE = dt.timedelta(hours=4)  # a session unused this long ends
SESSION_MAX = dt.timedelta(hours=12)  # and none outlives a working day
_TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a login names no user, so both cases take as long; hashed on
    first use (argon2 takes ~0.2 s: not on every command's import)."""
    return _hasher.hash("dummy-password-0")


_NAME = re.compile(r"^[\w\u4e00-\u9fff.\-·]{1,40}$")


def _clock(at: dt.datetime | None) -> dt.datetime:
    return (at or dt.datetime.now()).replace(microsecond=0)


def _stamp(at: dt.datetime) -> str:
    return at.isoformat(sep=" ", timespec="seconds")


def check_password(password: str) -> None:
    """Refuse a password too short or without both letters and digits."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"只有 {len(password)} 位")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        problems.append("须同时包含字母和数字")
    if password != password.strip():
        problems.append("首尾不能有空格")
    if problems:
        raise WeakPasswordError(detail="，".join(problems), min_length=MIN_PASSWORD)


def _check_role(role: str) -> str:
    if role not in ROLES:
        hint = "可选：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()) + "。"
        raise InvalidValueError(field="角色", value=role, hint=hint)
    return role


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["departments"] = json.loads(row.get("departments") or "[]")
    out["role_label"] = ROLES.get(row["role"], row["role"])
    return out


def get_user(db: Database, name: str) -> dict[str, Any]:
    rows = list(db.query("select * from users where name = ?", [name]))
    if not rows:
        raise UserNotFoundError(name=name)
    return _decode(rows[0])


def user_by_id(db: Database, user_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from users where id = ?", [user_id]))
    return _decode(rows[0]) if rows else None


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every account (without its password hash), in the order they were added."""
    rows = db.query("select * from users order by id")
    return [{k: v for k, v in _decode(r).items() if k != "password_hash"} for r in rows]


def add_user(
    db: Database,
    name: str,
    *,
    role: str,
    password: str,
    departments: list[str] | tuple[str, ...] = (),
    operator: str = "",
) -> int:
    """A new account. A reviewer needs at least one department; departments not yet in the
    ledger are added to it (the county's departments are usually entered with their reviewers).
    """
    from .departments import add_department

    name = name.strip()
    if not _NAME.match(name):
        raise InvalidValueError(
            field="用户名", value=name, hint="请用 1–40 个汉字、字母、数字或 . - _ 组成的名字。"
        )
    _check_role(role)
    depts = list(dict.fromkeys(d.strip() for d in departments if d.strip()))
    if role == REVIEWER and not depts:
        raise InvalidValueError(
            field="审查员的部门",
            value="（未填写）",
            hint="审查员只能处理所属部门的文件和案件，请用 --department 指定至少一个部门。",
        )
    check_password(password)
    digest = _hasher.hash(password)
    with db.atomic():
        if db["users"].count_where("name = ?", [name]):
            raise UserExistsError(name=name)
        for dept in depts:
            if not db["departments"].count_where("name = ?", [dept]):
                add_department(db, dept, note="添加用户时登记")
        stamp = now()
        user_id = insert_row(
            db,
            "users",
            {
                "name": name,
                "password_hash": digest,
                "role": role,
                "departments": json.dumps(depts, ensure_ascii=False),
                "disabled": 0,
                "failed_logins": 0,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        audit(
            db, operator or name, "user_add", name, f"角色：{ROLES[role]}；部门：{'、'.join(depts)}"
        )
    return user_id


def set_password(db: Database, name: str, password: str, *, operator: str = "") -> None:
    """A new password; the account is unlocked and its open sessions end."""
    user = get_user(db, name)
    check_password(password)
    digest = _hasher.hash(password)
    with db.atomic():
        db.execute(
            "update users set password_hash = ?, failed_logins = 0, locked_until = null, "
            "updated_at = ? where id = ?",
            [digest, now(), user["id"]],
        )
        db.execute("delete from sessions where user_id = ?", [user["id"]])
        audit(db, operator or name, "user_passwd", name)


def set_disabled(db: Database, name: str, disabled: bool = True, *, operator: str = "") -> None:
    """Disable (or enable again) an account; disabling ends its open sessions."""
    user = get_user(db, name)
    with db.atomic():
        db.execute(
            "update users set disabled = ?, updated_at = ? where id = ?",
            [int(disabled), now(), user["id"]],
        )
        if disabled:
            db.execute("delete from sessions where user_id = ?", [user["id"]])
        audit(db, operator or name, "user_disable" if disabled else "user_enable", name)


def authenticate(
    db: Database, name: str, password: str, *, at: dt.datetime | None = None
) -> dict[str, Any]:
    """The account when ``password`` is right; otherwise LoginFailedError (or LoginLockedError
    while the account is locked). Failures are counted and logged; a good login resets them."""
    moment = _clock(at)
    rows = list(db.query("select * from users where name = ?", [name.strip()]))
    user = rows[0] if rows else None
    if user and user["locked_until"] and user["locked_until"] > _stamp(moment):
        audit(db, name, "login_locked", name)
        raise LoginLockedError(until=user["locked_until"])
    ok: bool
    try:
        ok = _hasher.verify(user["password_hash"] if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not user or not ok or user["disabled"]:
        with db.atomic():
            if user:
                failures = int(user["failed_logins"] or 0) + 1
                locked = None
                if failures >= MAX_FAILURES:
                    locked = _stamp(moment + dt.timedelta(minutes=LOCK_MINUTES))
                db.execute(
                    "update users set failed_logins = ?, locked_until = ? where id = ?",
                    [failures, locked, user["id"]],
                )
            audit(db, name[:40], "login_failed", name[:40])
        raise LoginFailedError()
    with db.atomic():
        changes: dict[str, Any] = {
            "failed_logins": 0,
            "locked_until": None,
            "last_login": _stamp(moment),
        }
        if _hasher.check_needs_rehash(user["password_hash"]):
            changes["password_hash"] = _hasher.hash(password)
        db.table("users").update(user["id"], changes)
        audit(db, user["name"], "login", user["name"])
    return _decode({**user, **changes})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_session(db: Database, user_id: int, *, at: dt.datetime | None = None) -> str:
    """A new session for ``user_id``; returns the cookie value (stored only as its hash)."""
    moment = _clock(at)
    token = secrets.token_urlsafe(32)
    with db.atomic():
        db.execute("delete from sessions where expires_at < ?", [_stamp(moment)])
        db.table("sessions").insert(
            {
                "token_hash": _token_hash(token),
                "user_id": user_id,
                "csrf": secrets.token_urlsafe(32),
                "created_at": _stamp(moment),
                "last_seen": _stamp(moment),
                "expires_at": _stamp(moment + SESSION_IDLE),
            }
        )
    return token


def session_user(
    db: Database, token: str | None, *, at: dt.datetime | None = None
) -> dict[str, Any] | None:
    """The logged-in account of a cookie value, with its session's ``csrf``; None when the
    session is unknown, expired or its account disabled. Use extends an idle session."""
    if not token:
        return None
    moment = _clock(at)
    rows = list(
        db.query(
            "select s.token_hash, s.csrf, s.created_at as session_created, s.last_seen, "
            "s.expires_at, u.* from sessions s join users u on u.id = s.user_id "
            "where s.token_hash = ?",
            [_token_hash(token)],
        )
    )
    if not rows:
        return None
    row = rows[0]
    started = dt.datetime.fromisoformat(row["session_created"])
    if row["expires_at"] <= _stamp(moment) or moment - started >= SESSION_MAX or row["disabled"]:
        with db.atomic():
            db.execute("delete from sessions where token_hash = ?", [row["token_hash"]])
        return None
    if moment - dt.datetime.fromisoformat(row["last_seen"]) >= _TOUCH_EVERY:
        with db.atomic():
            db.execute(
                "update sessions set last_seen = ?, expires_at = ? where token_hash = ?",
                [
                    _stamp(moment),
                    _stamp(min(moment + SESSION_IDLE, started + SESSION_MAX)),
                    row["token_hash"],
                ],
            )
    user = _decode(row)
    user.pop("password_hash", None)
    return user


def end_session(db: Database, token: str | None) -> None:
    if token:
        with db.atomic():
            db.execute("delete from sessions where token_hash = ?", [_token_hash(token)])


def audit(db: Database, operator: str, action: str, target: str = "", note: str = "") -> None:
    """One row of the console trail (in the caller's transaction when there is one)."""
    db.table("audit").insert(
        {"at": now(), "operator": operator, "action": action, "target": target, "note": note}
    )


def audit_rows(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    return list(db.query("select * from audit order by id desc limit ?", [limit]))
