"""The console's one gate: every page is declared with ``page()`` and served through ``guard``.

``page(path, roles=…, scope=…)`` registers a handler. ``guard`` wraps each one and, for every
request, in this order:

1. finds the session (cookie → ``ledger.users.session_user``); an anonymous visitor is sent to
   ``/login`` (GET) or answered 401 (anything else) — no handler ever runs for them;
2. checks the role against the route's ``roles`` (403 otherwise);
3. on a state-changing request, limits the body size, reads the form and checks its CSRF token
   against the session's (403 otherwise);
4. runs the route's ``scope`` — the departments the requested thing belongs to (a case, a
   document, a job, the department a form names) — and refuses a reviewer (403) unless every
   one of them is among the reviewer's departments; a missing thing is 404 for everybody;
5. runs the handler in a worker thread with a ``Ctx`` (request, user, ledger connection, form).

Handlers call only library functions (ledger lifecycle, views, reports, sweep …) with
``ctx.operator`` as the operator, so the console's trail is the CLI's trail. A ScreeningError
raised by a form post becomes a message on the page it came from (a stale case version is
explained as such); nothing is half-written because each library call is one transaction.
"""

from __future__ import annotations

import hmac
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlite_utils import Database
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..config import Settings
from ..errors import (
    CaseNotFoundError,
    IllegalTransitionError,
    MissingFieldError,
    ReviewNotFoundError,
    ScreeningError,
    StaleVersionError,
    UserNotFoundError,
)
from ..ledger.db import connect
from ..ledger.users import ADMIN, REVIEWER, ROLES, VIEWER, session_user

ALL = (ADMIN, REVIEWER, VIEWER)
WORKERS = (ADMIN, REVIEWER)
SESSION_COOKIE = "screening_session"
FORM_LIMIT = 2 * 1024 * 1024  # an ordinary form (no files)
NOT_FOUND_ERRORS = (CaseNotFoundError, ReviewNotFoundError, UserNotFoundError)


class NotFound(Exception):
    """The requested thing does not exist (answered 404)."""

    def __init__(self, what: str = "页面") -> None:
        super().__init__(what)
        self.what = what


class Forbidden(Exception):
    """The user may not do this (answered 403)."""

    def __init__(self, why: str = "您没有权限访问此页面。") -> None:
        super().__init__(why)
        self.why = why


# --- the ledger connection pool ---------------------------------------------------------------


class Pool:
    """A few ledger connections shared by the server's worker threads (one thread at a time)."""

    def __init__(self, path: Path, size: int = 8) -> None:
        self.path = path
        self._free: queue.LifoQueue[Database] = queue.LifoQueue()
        self._all: list[Database] = []
        self._lock = threading.Lock()
        self._size = size

    @contextmanager
    def db(self) -> Iterator[Database]:
        try:
            db = self._free.get_nowait()
        except queue.Empty:
            with self._lock:
                grow = len(self._all) < self._size
                if grow:
                    db = connect(self.path)
                    self._all.append(db)
            if not grow:
                db = self._free.get()
        try:
            yield db
        finally:
            if db.conn.in_transaction:  # a handler that raised mid-way never leaves one open
                db.conn.rollback()
            self._free.put(db)

    def close(self) -> None:
        for db in self._all:
            db.close()
        self._all.clear()


# --- routes -------------------------------------------------------------------------------------

Scope = Callable[["Ctx"], Iterable[str | None]]


@dataclass(frozen=True)
class PageRoute:
    path: str
    handler: Callable[[Ctx], Response]
    roles: tuple[str, ...]
    methods: tuple[str, ...]
    scope: Scope | None
    max_body: int
    name: str


ROUTES: list[PageRoute] = []


def page(
    path: str,
    *,
    roles: tuple[str, ...],
    methods: tuple[str, ...] = ("GET",),
    scope: Scope | None = None,
    max_body: int = FORM_LIMIT,
) -> Callable[[Callable[[Ctx], Response]], Callable[[Ctx], Response]]:
    """Register ``handler`` for ``path``: who may use it, and whose data it touches."""

    def deco(handler: Callable[[Ctx], Response]) -> Callable[[Ctx], Response]:
        ROUTES.append(
            PageRoute(
                path, handler, tuple(roles), tuple(methods), scope, max_body, handler.__name__
            )
        )
        return handler

    return deco


# --- the console ------------------------------------------------------------------------------


@dataclass
class Console:
    """What every request shares: settings, ledger pool, templates, flashes, background jobs."""

    settings: Settings
    pool: Pool
    env: Environment
    services: dict[str, Any] = field(default_factory=dict)
    flashes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    flash_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def files_dir(self) -> Path:
        """Where the console keeps uploaded files: beside the ledger, in its own folder."""
        ledger = Path(self.settings.ledger)
        return ledger.parent / f"{ledger.stem}-files"

    def flash(self, token: str, kind: str, message: str) -> None:
        with self.flash_lock:
            self.flashes.setdefault(token, []).append((kind, message))

    def take_flashes(self, token: str) -> list[tuple[str, str]]:
        with self.flash_lock:
            return self.flashes.pop(token, [])


def make_env() -> Environment:
    env = Environment(
        loader=PackageLoader("screening.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["ROLES"] = ROLES
    env.filters["urlq"] = lambda s: quote(str(s or ""), safe="")
    return env


@dataclass
class Ctx:
    """One request as a handler sees it."""

    request: Request
    console: Console
    db: Database
    user: dict[str, Any]
    form: FormData | None
    token: str

    @property
    def settings(self) -> Settings:
        return self.console.settings

    @property
    def operator(self) -> str:
        return str(self.user["name"])

    @property
    def is_admin(self) -> bool:
        return bool(self.user["role"] == ADMIN)

    @property
    def departments(self) -> list[str] | None:
        """The departments this user's lists are limited to; None for everything (admin, viewer
        dashboards)."""
        if self.user["role"] == REVIEWER:
            return list(self.user["departments"])
        return None

    def param(self, name: str) -> Any:
        return self.request.path_params[name]

    def query(self, name: str, default: str = "") -> str:
        return str(self.request.query_params.get(name, default)).strip()

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default) if self.form is not None else default
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]

    def flash(self, message: str, kind: str = "ok") -> None:
        self.console.flash(self.token, kind, message)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.console.env.get_template(template).render(
            user=self.user,
            csrf=self.user.get("csrf", ""),
            path=self.request.url.path,
            full_path=_full_path(self.request),
            flashes=self.console.take_flashes(self.token),
            nav=nav_for(self.user["role"]),
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(safe_next(url), status_code=303)

    def back(self, default: str = "/") -> RedirectResponse:
        """Where a form came from (its ``back`` field), else ``default``."""
        return self.redirect(self.field("back") or default)


NAV = (
    ("/", "工作台", ALL),
    ("/screen", "筛查", WORKERS),
    ("/documents", "文件", WORKERS),
    ("/cases", "案件", WORKERS),
    ("/complaints", "投诉举报", WORKERS),
    ("/reports", "报告", ALL),
    ("/knowledge", "知识库", ALL),
    ("/model", "模型", (ADMIN,)),
    ("/users", "用户", (ADMIN,)),
)


def nav_for(role: str) -> list[tuple[str, str]]:
    return [(href, label) for href, label, roles in NAV if role in roles]


def safe_next(url: str | None, default: str = "/") -> str:
    """A local path to go to next; anything pointing off this site becomes ``default``."""
    if not url:
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return default
    if "\\" in url or any(ord(c) < 32 for c in url):
        return default
    return url


def _full_path(request: Request) -> str:
    q = request.url.query
    return request.url.path + (f"?{q}" if q else "")


def wants_html(request: Request) -> bool:
    return request.method == "GET" and "application/json" not in request.headers.get("accept", "")


def error_page(
    console: Console,
    request: Request,
    status: int,
    title: str,
    message: str,
    user: dict[str, Any] | None = None,
) -> Response:
    if not wants_html(request) and request.method != "POST":
        return JSONResponse({"error": message}, status_code=status)
    html = console.env.get_template("error.html").render(
        user=user,
        csrf=(user or {}).get("csrf", ""),
        path=request.url.path,
        flashes=[],
        nav=nav_for(user["role"]) if user else [],
        title=title,
        message=message,
        status=status,
    )
    return HTMLResponse(html, status_code=status)


def console_message(err: ScreeningError) -> str:
    """The error as a console user should read it: the library's messages for the CLI name
    command-line options and commands, which mean nothing on a web page."""
    k = err.kwargs
    if isinstance(err, MissingFieldError):
        return f"“{k['action']}”必须填写{k['field']}，请填写后重试。"
    if isinstance(err, IllegalTransitionError):
        return (
            f"案件 {k['case_id']} 当前状态为“{k['state']}”，不能执行“{k['action']}”"
            "（可能刚被他人办理）。页面已更新为最新内容，请确认后再操作。"
        )
    return str(err)


def _in_scope(user: dict[str, Any], departments: Iterable[str | None]) -> bool:
    if user["role"] != REVIEWER:
        return True
    mine = set(user["departments"])
    wanted = list(departments)
    return bool(wanted) and all(d in mine for d in wanted)


def guard(route: PageRoute, console: Console) -> Callable[[Request], Any]:
    """The ASGI endpoint of ``route``: session, role, CSRF, scope, then the handler."""

    async def endpoint(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")

        def lookup() -> dict[str, Any] | None:
            with console.pool.db() as db:
                return session_user(db, token)

        user = await run_in_threadpool(lookup) if token else None
        if user is None:
            if request.method == "GET":
                return RedirectResponse(
                    "/login?next=" + quote(_full_path(request), safe=""), status_code=303
                )
            return error_page(console, request, 401, "请先登录", "登录已失效，请重新登录。")
        if user["role"] not in route.roles:
            return error_page(console, request, 403, "无权访问", "您的角色无权使用此页面。", user)
        form = None
        if request.method == "POST":
            size = request.headers.get("content-length")
            if size is None or not size.isdigit() or int(size) > route.max_body:
                limit = f"{route.max_body / 1024 / 1024:.0f} MB"
                return error_page(
                    console,
                    request,
                    413,
                    "内容过大",
                    f"提交的内容超过上限（{limit}），请分批上传或压缩后重试。",
                    user,
                )
            form = await request.form(max_files=200, max_fields=2000)
            sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
            if not isinstance(sent, str) or not hmac.compare_digest(sent, user["csrf"]):
                return error_page(
                    console,
                    request,
                    403,
                    "页面已过期",
                    "页面已过期或来源不明（安全校验未通过），请刷新页面后重试。",
                    user,
                )

        def run() -> Response:
            with console.pool.db() as db:
                ctx = Ctx(request, console, db, user, form, token)
                try:
                    if route.scope is not None:
                        depts = list(route.scope(ctx))
                        if not _in_scope(user, depts):
                            raise Forbidden("该内容不属于您所在的部门，您无权查看或办理。")
                    return route.handler(ctx)
                except NotFound as err:
                    return error_page(
                        console, request, 404, "未找到", f"没有找到该{err.what}。", user
                    )
                except NOT_FOUND_ERRORS as err:
                    return error_page(console, request, 404, "未找到", str(err), user)
                except Forbidden as err:
                    return error_page(console, request, 403, "无权访问", err.why, user)
                except StaleVersionError as err:
                    if request.method != "POST":
                        raise
                    k = err.kwargs
                    ctx.flash(
                        f"案件 {k['case_id']} 已被他人修改（您看到的是第 {k['expected']} 版，"
                        f"当前为第 {k['actual']} 版），您的操作未保存。页面已更新为最新内容，"
                        "请确认后再操作。",
                        "error",
                    )
                    return ctx.back()
                except ScreeningError as err:
                    if request.method != "POST":
                        return error_page(console, request, 400, "无法完成", str(err), user)
                    ctx.flash(console_message(err), "error")
                    return ctx.back()
                finally:
                    if form is not None:
                        for _, value in form.multi_items():
                            close = getattr(value, "file", None)
                            if close is not None:
                                close.close()

        response: Response = await run_in_threadpool(run)
        return response

    endpoint.__name__ = route.name
    return endpoint


# --- scopes: the departments a requested thing belongs to ----------------------------------------


def case_departments(db: Database, case_id: int) -> list[str | None]:
    """A case belongs to the department it was assigned to, else its document's department."""
    rows = list(
        db.query(
            "select c.department as dept, d.department as doc_dept from cases c "
            "left join documents d on d.id = c.document_id where c.id = ?",
            [case_id],
        )
    )
    if not rows:
        raise NotFound("案件")
    return [rows[0]["dept"] or rows[0]["doc_dept"]]


def document_departments(db: Database, document_id: int) -> list[str | None]:
    rows = list(db.query("select department from documents where id = ?", [document_id]))
    if not rows:
        raise NotFound("文件")
    return [rows[0]["department"]]


def scope_case(ctx: Ctx) -> list[str | None]:
    return case_departments(ctx.db, int(ctx.param("case_id")))


def scope_document(ctx: Ctx) -> list[str | None]:
    return document_departments(ctx.db, int(ctx.param("document_id")))
