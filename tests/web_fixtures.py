"""Builders for console tests: a filled ledger with one account per role, and logged-in clients.

The ledger is ``report_fixtures.build_ledger`` (real sample documents of six departments, cases
through every lifecycle state, complaints with planted personal data) plus these accounts:

=========  ========  ==================
name       role      departments
=========  ========  ==================
admin      admin     —
shangwu    reviewer  县商务局
gongxin    reviewer  县工业和信息化局
leader     viewer    —
=========  ========  ==================

It is built once per test session and copied for each test that asks for ``web_ledger``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixtures import build_ledger
from starlette.testclient import TestClient

from screening.config import Settings
from screening.ledger import open_ledger
from screening.ledger.users import add_user

PASSWORD = "Passw0rd-2026"
USERS = {
    "admin": ("admin", ()),
    "shangwu": ("reviewer", ("县商务局",)),
    "gongxin": ("reviewer", ("县工业和信息化局",)),
    "leader": ("viewer", ()),
}


def add_accounts(path: Path) -> None:
    db = open_ledger(path)
    try:
        for name, (role, depts) in USERS.items():
            add_user(db, name, role=role, password=PASSWORD, departments=depts)
    finally:
        db.close()


@pytest.fixture(scope="session")
def web_ledger_template(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("web") / "ledger.db"
    ids = build_ledger(path)
    add_accounts(path)
    return path, ids


@pytest.fixture
def web_ledger(web_ledger_template, tmp_path) -> tuple[Path, dict[str, int]]:
    """(a fresh copy of the filled ledger, the named case ids of report_fixtures)."""
    src, ids = web_ledger_template
    dest = tmp_path / "ledger.db"
    shutil.copy(src, dest)
    return dest, ids


@pytest.fixture
def web_settings(web_ledger, fake_settings) -> Settings:
    """Settings over the copied ledger and the tiny fake model (no real embedding model)."""
    return fake_settings.replace(ledger=web_ledger[0])


def make_client(settings: Settings, services: dict | None = None) -> TestClient:
    from screening.web.app import create_app

    return TestClient(create_app(settings, services=services), base_url="http://127.0.0.1")


@pytest.fixture
def web_app(web_settings) -> Iterator[TestClient]:
    """A console client (not logged in) over ``web_settings``; the app runs its lifespan."""
    with make_client(web_settings) as client:
        yield client


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log ``client`` in as ``name``; returns the session's CSRF token."""
    r = client.post("/login", data={"username": name, "password": password}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session, read from the ledger by the cookie's hash."""
    token = client.cookies.get("screening_session")
    console = client.app.state.console
    with console.pool.db() as db:
        row = db.execute(
            "select csrf from sessions where token_hash = ?",
            [hashlib.sha256(token.encode()).hexdigest()],
        ).fetchone()
    return row[0]


def form_csrf(html: str) -> str:
    """The CSRF token as a page's forms carry it (what a browser would post)."""
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)
