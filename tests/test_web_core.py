"""The console's gate: login, throttling, sessions, CSRF, roles, headers, `users` and `serve`."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from click.testing import CliRunner
from web_fixtures import PASSWORD, csrf_of, login, make_client

from screening.cli import main
from screening.errors import LoginFailedError, LoginLockedError, WeakPasswordError
from screening.ledger import open_ledger
from screening.ledger.users import (
    LOCK_MINUTES,
    MAX_FAILURES,
    SESSION_IDLE,
    SESSION_MAX,
    add_user,
    authenticate,
    create_session,
    list_users,
    session_user,
)
from screening.web.core import safe_next


def test_anonymous_visitor_is_sent_to_login(web_app):
    r = web_app.get("/cases?status=核查中", follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/login?next=%2Fcases%3Fstatus%3D")
    login_page = web_app.get(location)
    r = web_app.post(
        location,
        data={"username": "admin", "password": PASSWORD, "next": _hidden(login_page.text, "next")},
        follow_redirects=True,
    )
    assert r.url.path == "/cases" and r.url.params["status"] == "核查中"  # back where they were


def _hidden(html: str, name: str) -> str:
    import html as h
    import re

    return h.unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


@pytest.mark.parametrize("path", ["/", "/cases", "/documents", "/reports", "/users", "/model"])
def test_anonymous_gets_no_data(web_app, path):
    r = web_app.get(path, follow_redirects=True)
    assert r.url.path == "/login"
    assert "县商务局" not in r.text and "案件" not in r.text.split("<main>")[1]


def test_anonymous_post_is_401(web_app):
    r = web_app.post("/cases/1/note", data={"text": "x"}, follow_redirects=False)
    assert r.status_code == 401


def test_login_page_posts_username_and_password(web_app):
    html = web_app.get("/login").text
    assert 'method="post"' in html and 'action="/login"' in html
    assert 'name="username"' in html and 'name="password"' in html


def test_login_sets_a_strict_httponly_cookie_and_goes_to_next(web_app):
    r = web_app.post(
        "/login?next=/cases",
        data={"username": "admin", "password": PASSWORD, "next": "/cases"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/cases"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/cases?x=1", "/cases?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_never_leaves_the_site(url, expected):
    assert safe_next(url) == expected


def test_wrong_password_says_nothing_about_the_account(web_app):
    bad = web_app.post("/login", data={"username": "admin", "password": "wrong-1234"})
    unknown = web_app.post("/login", data={"username": "nobody", "password": "wrong-1234"})
    assert bad.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in bad.text and "用户名或密码不正确" in unknown.text


def test_login_from_another_site_is_refused(web_app):
    r = web_app.post(
        "/login",
        data={"username": "admin", "password": PASSWORD},
        headers={"origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "screening_session" not in r.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_account(web_settings):
    db = open_ledger(web_settings.ledger)
    try:
        t0 = dt.datetime(2026, 3, 2, 9, 0, 0)
        for _ in range(MAX_FAILURES):
            with pytest.raises(LoginFailedError):
                authenticate(db, "leader", "wrong-1234", at=t0)
        with pytest.raises(LoginLockedError) as err:  # even the right password, while locked
            authenticate(db, "leader", PASSWORD, at=t0 + dt.timedelta(minutes=1))
        assert "暂停登录" in str(err.value)
        later = t0 + dt.timedelta(minutes=LOCK_MINUTES, seconds=1)
        assert authenticate(db, "leader", PASSWORD, at=later)["name"] == "leader"
        actions = [
            r["action"] for r in db.query("select action from audit where target = 'leader'")
        ]
        assert actions.count("login_failed") == MAX_FAILURES and "login_locked" in actions
    finally:
        db.close()


def test_sessions_expire_when_idle_and_after_a_day(web_settings):
    db = open_ledger(web_settings.ledger)
    try:
        user_id = next(db.query("select id from users where name = 'admin'"))["id"]
        t0 = dt.datetime(2026, 3, 2, 9, 0, 0)
        token = create_session(db, user_id, at=t0)
        assert session_user(db, token, at=t0 + dt.timedelta(minutes=5))["name"] == "admin"
        assert session_user(db, token, at=t0 + SESSION_IDLE + dt.timedelta(minutes=6)) is None
        token = create_session(db, user_id, at=t0)
        step = t0
        while step < t0 + SESSION_MAX - dt.timedelta(hours=1):  # kept busy all day …
            step += dt.timedelta(hours=1)
            assert session_user(db, token, at=step) is not None
        assert session_user(db, token, at=t0 + SESSION_MAX) is None  # … still ends
        stored = [r["token_hash"] for r in db.query("select token_hash from sessions")]
        assert token not in stored  # only the hash is kept
    finally:
        db.close()


def test_logout_ends_the_session(web_app):
    csrf = login(web_app, "admin")
    token = web_app.cookies.get("screening_session")
    r = web_app.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    web_app.cookies.set("screening_session", token)  # a copied cookie is worth nothing now
    assert web_app.get("/", follow_redirects=False).status_code == 303


def test_post_without_the_csrf_token_is_refused(web_app):
    login(web_app, "admin")
    r = web_app.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403 and "安全校验" in r.text
    r = web_app.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert web_app.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_disabling_an_account_ends_its_sessions(web_settings):
    with make_client(web_settings) as client:
        login(client, "leader")
        assert client.get("/", follow_redirects=False).status_code == 200
        result = CliRunner().invoke(
            main, ["--ledger", str(web_settings.ledger), "users", "disable", "leader"]
        )
        assert result.exit_code == 0, result.output
        assert client.get("/", follow_redirects=False).status_code == 303


def test_security_headers_on_every_answer(web_app):
    login(web_app, "admin")
    for path in ("/", "/login", "/static/console.css"):
        h = web_app.get(path).headers
        assert "script-src 'self'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
    assert web_app.get("/").headers["cache-control"] == "no-store"


def test_oversized_form_is_refused_before_it_is_read(web_app):
    csrf = login(web_app, "admin")
    r = web_app.post("/logout", data={"csrf": csrf, "pad": "x" * (3 * 1024 * 1024)})
    assert r.status_code == 413 and "超过上限" in r.text


def test_session_token_is_stored_hashed(web_app):
    login(web_app, "admin")
    token = web_app.cookies.get("screening_session")
    with web_app.app.state.console.pool.db() as db:
        hashes = [r["token_hash"] for r in db.query("select token_hash from sessions")]
    assert hashlib.sha256(token.encode()).hexdigest() in hashes and token not in hashes
    assert csrf_of(web_app)


# --- screening users … -------------------------------------------------------------------------


def test_users_add_reads_the_password_from_stdin(tmp_path):
    ledger = tmp_path / "l.db"
    r = CliRunner().invoke(
        main,
        ["--ledger", str(ledger), "users", "add", "张三", "--role", "reviewer",
         "--department", "县商务局", "--department", "县科技局", "--password-stdin"],
        input="Secret-2026\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "已添加用户“张三”（审查员" in r.output and "Secret-2026" not in r.output
    db = open_ledger(ledger)
    try:
        assert authenticate(db, "张三", "Secret-2026")["departments"] == ["县商务局", "县科技局"]
        depts = {r["name"] for r in db.query("select name from departments")}
        assert {"县商务局", "县科技局"} <= depts
        stored = next(db.query("select password_hash from users"))["password_hash"]
        assert stored.startswith("$argon2id$") and "Secret-2026" not in stored
    finally:
        db.close()


def test_users_add_generates_a_password_when_none_is_given(tmp_path):
    ledger = tmp_path / "l.db"
    r = CliRunner().invoke(
        main, ["--ledger", str(ledger), "users", "add", "admin", "--role", "admin"]
    )
    assert r.exit_code == 0, r.output
    password = r.output.split("初始密码：")[1].split()[0]
    db = open_ledger(ledger)
    try:
        assert authenticate(db, "admin", password)["role"] == "admin"
    finally:
        db.close()


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["users", "add", "a", "--role", "admin", "--password-stdin"], "short1\n", "只有 6 位"),
        (
            ["users", "add", "a", "--role", "admin", "--password-stdin"],
            "onlyletters\n",
            "字母和数字",
        ),
        (
            ["users", "add", "r", "--role", "reviewer", "--password-stdin"],
            "Secret-2026\n",
            "--department",
        ),
        (["users", "add", "a", "--role", "boss", "--password-stdin"], "Secret-2026\n", "boss"),
        (
            ["users", "passwd", "nobody", "--password-stdin"],
            "Secret-2026\n",
            "没有名为“nobody”的用户",
        ),
    ],
)
def test_users_errors_are_clear(tmp_path, args, stdin, message):
    r = CliRunner().invoke(main, ["--ledger", str(tmp_path / "l.db"), *args], input=stdin)
    assert r.exit_code != 0
    assert message in r.output


def test_users_add_twice_and_list(tmp_path):
    ledger = str(tmp_path / "l.db")
    run = CliRunner().invoke
    args = ["--ledger", ledger, "users", "add", "a", "--role", "viewer", "--password-stdin"]
    assert run(main, args, input="Secret-2026\n").exit_code == 0
    again = run(main, args, input="Secret-2026\n")
    assert again.exit_code == 1 and "已存在" in again.output
    listed = run(main, ["--ledger", ledger, "users", "list"])
    assert "a\t只读" in listed.output and "从未登录" in listed.output


def test_passwd_unlocks_and_signs_out(web_settings):
    db = open_ledger(web_settings.ledger)
    try:
        user_id = next(db.query("select id from users where name = 'leader'"))["id"]
        token = create_session(db, user_id)
        for _ in range(MAX_FAILURES):
            with pytest.raises(LoginFailedError):
                authenticate(db, "leader", "wrong-1234")
    finally:
        db.close()
    r = CliRunner().invoke(
        main,
        ["--ledger", str(web_settings.ledger), "users", "passwd", "leader", "--password-stdin"],
        input="Another-2027\n",
    )
    assert r.exit_code == 0, r.output
    db = open_ledger(web_settings.ledger)
    try:
        assert session_user(db, token) is None
        assert authenticate(db, "leader", "Another-2027")["name"] == "leader"
        assert [u["failed_logins"] for u in list_users(db) if u["name"] == "leader"] == [0]
    finally:
        db.close()


def test_weak_password_is_refused_in_the_library(tmp_path):
    db = open_ledger(tmp_path / "l.db")
    try:
        with pytest.raises(WeakPasswordError):
            add_user(db, "x", role="admin", password="12345678")
    finally:
        db.close()
