"""The console application: routes, login and logout, static files and security headers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..errors import LoginFailedError, LoginLockedError
from ..ledger import open_ledger
from ..ledger.users import authenticate, create_session, end_session, session_user
from .core import (
    ALL,
    FORM_LIMIT,
    ROUTES,
    SESSION_COOKIE,
    Console,
    Ctx,
    Pool,
    guard,
    make_env,
    page,
    safe_next,
)

# Pages are declared in these modules (importing them registers their routes).
PAGE_MODULES = (
    "dashboard",
    "screen",
    "documents",
    "cases",
    "complaints",
    "reports",
    "knowledge",
    "model",
    "users",
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Headers on every answer: no framing, no sniffing, no inline script, no caching of pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                }
                if not static:
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _load_pages() -> None:
    import importlib

    for name in PAGE_MODULES:
        importlib.import_module(f"screening.web.pages.{name}")


def _same_origin(request: Request) -> bool:
    """A login post from another site is refused (when the browser says where it came from)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")


def create_app(settings: Settings, *, services: dict[str, Any] | None = None) -> Starlette:
    """The console over ``settings``' ledger, corpus and models.

    The ledger is opened (checked, migrated) once here; requests then share a small pool of
    connections. ``services`` lets tests hand in a ready screener (``{"screener": …}``).
    """
    open_ledger(settings.ledger).close()
    _load_pages()
    console = Console(settings=settings, pool=Pool(settings.ledger), env=make_env())
    console.services.update(services or {})

    async def login_form(request: Request) -> Response:
        return await run_in_threadpool(_login_page, console, request)

    async def login_post(request: Request) -> Response:
        if not _same_origin(request):
            return _login_page(console, request, "登录请求来源不明，请从本系统的登录页登录。", 403)
        size = request.headers.get("content-length", "")
        if not size.isdigit() or int(size) > 64 * 1024:
            return _login_page(console, request, "登录请求无效。", 400)
        form = await request.form(max_files=0, max_fields=10)
        name = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        target = safe_next(str(form.get("next") or request.query_params.get("next") or "/"))

        def check() -> tuple[str | None, str | None]:
            with console.pool.db() as db:
                try:
                    user = authenticate(db, name, password)
                except (LoginFailedError, LoginLockedError) as err:
                    return None, str(err)
                return create_session(db, user["id"]), None

        token, error = await run_in_threadpool(check)
        if token is None:
            return _login_page(console, request, error, 401, name)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    routes: list[Any] = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_post, methods=["POST"], max_body_size=64 * 1024),
        Mount("/static", StaticFiles(packages=[("screening.web", "static")]), name="static"),
    ]
    for route in ROUTES:
        routes.append(
            # The body limit is the gate's (core.guard): it answers in Chinese, before reading.
            Route(route.path, guard(route, console), methods=list(route.methods))
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs = console.services.get("jobs")
        if jobs is not None:
            jobs.start()
        yield
        if jobs is not None:
            jobs.stop()
        console.pool.close()

    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
    app.state.console = console
    from .jobs import JobRunner  # the background worker (screening uploads, retraining)

    console.services.setdefault("jobs", JobRunner(console))
    return app


def _login_page(
    console: Console, request: Request, error: str | None = None, status: int = 200, name: str = ""
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and request.method == "GET":
        with console.pool.db() as db:
            if session_user(db, token) is not None:
                return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    html = console.env.get_template("login.html").render(
        error=error,
        name=name,
        next=safe_next(request.query_params.get("next")),
        user=None,
        nav=[],
        flashes=[],
    )
    return HTMLResponse(html, status_code=status)


@page("/logout", roles=ALL, methods=("POST",))
def logout(ctx: Ctx) -> Response:
    end_session(ctx.db, ctx.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


__all__ = ["FORM_LIMIT", "create_app"]
