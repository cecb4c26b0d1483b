"""Every console route goes through the gate: its roles, its department scope, anonymous visitors.

``EXPECTED`` is written out by hand: a route registered without an entry here (or with other
roles) fails ``test_routes_are_exactly_the_expected_table``, so nobody adds a page without
deciding who may use it. The role matrix then asks every route as every account with real ids
of 县商务局 things; the scope tests ask 县商务局's reviewer for 县工业和信息化局 things (403,
ledger unchanged) and 县工业和信息化局's reviewer for the same things (let through).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlite_utils import Database
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from web_fixtures import USERS, csrf_of, login, make_client

from screening.config import Settings
from screening.corpus import load_cases
from screening.ledger import add_attachment, add_complaint, open_ledger
from screening.web import app as web_app_module
from screening.web import jobs
from screening.web.core import ROUTES, PageRoute

SW, GX = "县商务局", "县工业和信息化局"
ADMIN, REVIEWER, VIEWER = "admin", "reviewer", "viewer"
ALL = {ADMIN, REVIEWER, VIEWER}
WORKERS = {ADMIN, REVIEWER}
ADMIN_ONLY = {ADMIN}

# (method, path as registered) → the roles allowed to use it.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/"): ALL,
    ("POST", "/logout"): ALL,
    # 筛查
    ("GET", "/screen"): WORKERS,
    ("POST", "/screen"): WORKERS,
    ("POST", "/screen/folder"): ADMIN_ONLY,
    ("GET", "/jobs/{job_id:int}"): WORKERS,
    ("GET", "/jobs/{job_id:int}.json"): WORKERS,
    ("POST", "/jobs/{job_id:int}/cancel"): WORKERS,
    # 文件
    ("GET", "/documents"): WORKERS,
    ("GET", "/documents/{document_id:int}"): WORKERS,
    ("GET", "/documents/{document_id:int}/original"): WORKERS,
    # 案件
    ("GET", "/cases"): WORKERS,
    ("POST", "/cases/assign"): WORKERS,
    ("GET", "/cases/{case_id:int}"): WORKERS,
    ("POST", "/cases/{case_id:int}/assign"): WORKERS,
    ("POST", "/cases/{case_id:int}/decide"): WORKERS,
    ("POST", "/cases/{case_id:int}/rectify"): WORKERS,
    ("POST", "/cases/{case_id:int}/review"): WORKERS,
    ("POST", "/cases/{case_id:int}/close"): WORKERS,
    ("POST", "/cases/{case_id:int}/reopen"): WORKERS,
    ("POST", "/cases/{case_id:int}/note"): WORKERS,
    ("POST", "/cases/{case_id:int}/attach"): WORKERS,
    ("GET", "/cases/{case_id:int}/attachments/{attachment_id:int}"): WORKERS,
    # 投诉举报
    ("GET", "/complaints"): WORKERS,
    ("POST", "/complaints/import"): ADMIN_ONLY,
    ("POST", "/complaints/add"): ADMIN_ONLY,
    ("POST", "/complaints/{complaint_id:int}/reply"): WORKERS,
    # 报告
    ("GET", "/reports"): ALL,
    ("GET", "/reports/download"): ALL,
    # 知识库
    ("GET", "/knowledge"): ALL,
    ("GET", "/knowledge/standards/{code}"): ALL,
    ("GET", "/knowledge/cases/{case_id}"): ALL,
    # 模型
    ("GET", "/model"): ADMIN_ONLY,
    ("POST", "/model/promote"): ADMIN_ONLY,
    ("POST", "/model/rollback"): ADMIN_ONLY,
    ("POST", "/model/retrain"): ADMIN_ONLY,
    # 用户
    ("GET", "/users"): ADMIN_ONLY,
    ("POST", "/users/add"): ADMIN_ONLY,
    ("POST", "/users/{name:str}/passwd"): ADMIN_ONLY,
    ("POST", "/users/{name:str}/disable"): ADMIN_ONLY,
}
KEYS = sorted(EXPECTED, key=lambda k: (k[1], k[0]))
ACCOUNTS = tuple(USERS)  # admin, shangwu, gongxin, leader
ROLE_OF = {name: role for name, (role, _) in USERS.items()}

# Routes whose handler limits the request to the user's departments (the ``scope=`` routes,
# plus those that check a form's department themselves and the lists).
LISTS = ("/", "/cases", "/documents", "/complaints", "/screen")


# The role matrix's requests that name a 县商务局 thing (a case, document, job, complaint,
# attachment, or the department of an upload): 县工业和信息化局's reviewer, whose role may use
# the route, is refused these by the department scope instead.
NAMES_SW_THING = {k for k in EXPECTED if ":int}" in k[1]} | {("POST", "/screen")}
MY_DEPARTMENTS = {name: set(depts) for name, (_, depts) in USERS.items()}


def _routes() -> list[PageRoute]:
    web_app_module._load_pages()  # every page module registers its routes on import
    return list(ROUTES)


def _key_of(route: PageRoute) -> list[tuple[str, str]]:
    return [(m, route.path) for m in route.methods]


# --- the world the requests are made in ------------------------------------------------------


@dataclass
class Things:
    """Ids of one department's things in the ledger (cases, documents, jobs, …)."""

    case: int  # any case of the department
    document: int
    job: int
    complaint: int
    complaint_case: int
    attachment: int
    attachment_case: int


def _dept_things(db: Database, dept: str, case: int, folder: Path) -> Things:
    doc = db.execute(
        "select id from documents where department = ? order by id limit 1", [dept]
    ).fetchone()[0]
    job = jobs.submit(
        db,
        "screen",
        operator="admin",
        user_id=None,
        department=dept,
        total=0,
        params={"files": [], "refused": []},
    )
    complaint_case = add_complaint(
        db,
        content=f"反映{dept}某通知限定本地企业参与（路由测试投诉）。",
        operator="admin",
        channel="12345",
        department=dept,
    )
    complaint = db.execute(
        "select id from complaints where case_id = ?", [complaint_case]
    ).fetchone()[0]
    material = folder / f"核查材料-{dept}.txt"
    material.write_text(f"{dept}的核查材料", encoding="utf-8")
    attachment = add_attachment(db, case, material, operator="admin", note=material.name)
    return Things(case, doc, job, complaint, complaint_case, attachment, case)


@dataclass
class World:
    settings: Settings
    ids: dict[str, int]
    sw: Things
    gx: Things
    corpus_case: str


def build_world(settings: Settings, ids: dict[str, int], folder: Path) -> World:
    db = open_ledger(settings.ledger)
    try:
        sw = _dept_things(db, SW, ids["dongying"], folder)
        gx = _dept_things(db, GX, ids["hefei_subsidy"], folder)
    finally:
        db.close()
    return World(settings, ids, sw, gx, load_cases(settings.corpus)[0].id)


def _fill(pattern: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), pattern)


def role_request(key: tuple[str, str], w: World) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(url, form fields, files) for asking ``key`` about 县商务局's things with a harmless form:
    the gate's answer is what matters; an allowed user's request fails validation or does
    nothing lasting (no account is disabled or re-passworded, no case moves)."""
    _, path = key
    t = w.sw
    values: dict[str, Any] = {
        "case_id": t.case,
        "document_id": t.document,
        "job_id": t.job,
        "complaint_id": t.complaint,
        "attachment_id": t.attachment,
        "code": "FCR-14-3",
        "name": "admin",  # disabling oneself is refused; nobody else reaches the handler
    }
    if path.startswith("/knowledge/cases/"):
        values["case_id"] = w.corpus_case
    if path.startswith("/cases/{case_id:int}/attachments/"):
        values["case_id"] = t.attachment_case
    form: dict[str, Any] = {}
    if key == ("POST", "/screen"):
        form = {"department": SW}  # no files: refused by the handler, nothing stored
    if key == ("POST", "/users/{name:str}/passwd"):
        form = {"password": "short", "password2": "short"}  # too weak: refused
    return _fill(path, values), form, {}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(web_ledger_template, fake_settings, tmp_path_factory) -> World:
    """One copy of the filled ledger for the read-mostly role matrix and anonymous checks."""
    src, ids = web_ledger_template
    folder = tmp_path_factory.mktemp("routes")
    path = folder / "ledger.db"
    shutil.copy(src, path)
    models = folder / "models"  # its own (empty) model store: promote/rollback touch nothing
    models.mkdir()
    settings = fake_settings.replace(ledger=path, models=models)
    return build_world(settings, dict(ids), folder)


@pytest.fixture(scope="module")
def clients(world) -> dict[str, TestClient]:
    """One logged-in client per account (and ``None`` for an anonymous visitor)."""
    out: dict[str, TestClient] = {}
    for name in ACCOUNTS:
        client = make_client(world.settings)
        login(client, name)
        out[name] = client
    return out


@pytest.fixture(scope="module")
def anonymous(world) -> TestClient:
    return make_client(world.settings)


@pytest.fixture
def fresh(web_settings, web_ledger, tmp_path) -> Iterator[tuple[World, dict[str, TestClient]]]:
    """A fresh ledger copy with both reviewers logged in (for requests that may change it)."""
    w = build_world(web_settings, dict(web_ledger[1]), tmp_path)
    reviewers = {}
    for name in ("shangwu", "gongxin"):
        client = make_client(web_settings)
        login(client, name)
        reviewers[name] = client
    yield w, reviewers


def send(
    client: TestClient,
    method: str,
    url: str,
    form: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
    *,
    csrf: bool = True,
):
    if method == "GET":
        return client.get(url, follow_redirects=False)
    data = dict(form or {})
    if csrf:
        data["csrf"] = csrf_of(client)
    data.setdefault("back", "/")
    return client.post(url, data=data, files=files or None, follow_redirects=False)


# --- 1. the table is the registry ---------------------------------------------------------------


def test_routes_are_exactly_the_expected_table():
    registered: dict[tuple[str, str], set[str]] = {}
    for route in _routes():
        for key in _key_of(route):
            assert key not in registered, f"{key} is registered twice"
            registered[key] = set(route.roles)
    assert set(registered) == set(EXPECTED), (
        f"not in EXPECTED: {sorted(set(registered) - set(EXPECTED))}; "
        f"no longer registered: {sorted(set(EXPECTED) - set(registered))}"
    )
    wrong = {k: (registered[k], EXPECTED[k]) for k in EXPECTED if registered[k] != EXPECTED[k]}
    assert not wrong, f"roles differ (registered, expected): {wrong}"


def test_every_app_route_but_login_and_static_goes_through_the_gate(world):
    app = make_client(world.settings).app
    by_path: dict[str, list[PageRoute]] = {}
    for route in _routes():
        by_path.setdefault(route.path, []).append(route)
    gated = 0
    for r in app.routes:
        if isinstance(r, Mount):
            assert r.path == "/static", f"unexpected mount {r.path}"
            continue
        assert isinstance(r, Route), r
        if r.path == "/login":
            continue
        methods = set(r.methods or ()) - {"HEAD"}
        match = [p for p in by_path.get(r.path, []) if set(p.methods) == methods]
        assert len(match) == 1, f"{sorted(methods)} {r.path} is not a gated page route"
        page = match[0]
        # the endpoint is core.guard's wrapper around the handler, never the handler itself
        assert r.endpoint is not page.handler
        assert r.endpoint.__name__ == page.name
        assert r.endpoint.__qualname__.startswith("guard."), r.endpoint.__qualname__
        gated += 1
    assert gated == len(ROUTES)


def test_every_route_naming_a_ledger_thing_has_a_scope():
    """A path with a case, document, job or complaint id must say whose thing it is."""
    ids = re.compile(r"\{(case_id|document_id|job_id|complaint_id|attachment_id):int\}")
    unscoped = [(r.methods, r.path) for r in _routes() if ids.search(r.path) and r.scope is None]
    assert not unscoped


# --- 2. every route × every account -------------------------------------------------------------


@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize("key", KEYS, ids=[f"{m} {p}" for m, p in KEYS])
def test_role_matrix(world, clients, key, account):
    method, _ = key
    url, form, files = role_request(key, world)
    if key == ("POST", "/logout"):  # ends the session: use a throwaway login
        client = make_client(world.settings)
        login(client, account)
    else:
        client = clients[account]
    r = send(client, method, url, form, files)
    role_ok = ROLE_OF[account] in EXPECTED[key]
    other_department = (
        ROLE_OF[account] == REVIEWER and key in NAMES_SW_THING and SW not in MY_DEPARTMENTS[account]
    )
    if role_ok and other_department:
        assert r.status_code == 403, (r.status_code, r.text[:300])
        assert "该内容不属于您所在的部门" in r.text
    elif role_ok:
        assert r.status_code not in (401, 403), (r.status_code, r.text[:300])
        if key == ("POST", "/logout"):  # logged out: the next page asks to log in again
            assert r.status_code == 303 and r.headers["location"] == "/login"
            assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
        elif r.status_code in (302, 303):
            assert not r.headers["location"].startswith("/login"), r.headers["location"]
    else:
        assert r.status_code == 403, (r.status_code, r.text[:300])
        assert "您的角色无权使用此页面" in r.text
        assert "东营" not in r.text  # the refusal carries none of the thing asked for


def test_role_matrix_left_every_account_usable(world, clients):
    """The matrix's harmless forms really were harmless: every account still works."""
    for name, client in clients.items():
        assert client.get("/", follow_redirects=False).status_code == 200, name
    db = open_ledger(world.settings.ledger)
    try:
        users = {r["name"]: r for r in db.query("select name, disabled from users")}
    finally:
        db.close()
    assert all(not users[name]["disabled"] for name in ACCOUNTS)


# --- 3. department scope ------------------------------------------------------------------------


def _version(db: Database, case_id: int) -> int:
    return int(db.execute("select version from cases where id = ?", [case_id]).fetchone()[0])


def snapshot(path: Path) -> dict[str, Any]:
    """What a request could change: every case's state, the trail, attachments, replies, jobs."""
    db = Database(path)
    try:
        return {
            "cases": list(
                db.execute(
                    "select id, version, status, department, assignee from cases order by id"
                ).fetchall()
            ),
            "actions": list(
                db.execute("select case_id, count(*) from actions group by case_id").fetchall()
            ),
            "attachments": db.execute("select count(*) from attachments").fetchone()[0],
            "feedback": db.execute("select count(*) from feedback").fetchone()[0],
            "complaints": db.execute("select count(*) from complaints").fetchone()[0],
            "jobs": list(db.execute("select id, status, cancel from jobs order by id").fetchall()),
            "uploads": db.execute("select count(*) from uploads").fetchone()[0],
        }
    finally:
        db.close()


@dataclass(frozen=True)
class ScopeCase:
    """A request for a 县工业和信息化局 thing: ``build(world, version_of)`` → (url, form, files)."""

    key: tuple[str, str]
    build: Callable[[World, Callable[[int], int]], tuple[str, dict[str, Any], dict[str, Any]]]
    changes: bool = True  # gongxin's request changes the ledger (proves the form is effective)
    gongxin_allowed: bool = True  # False: refused to both reviewers (mixes two departments)
    label: str = ""


def _case_post(action: str, case: str, **fields: str) -> Callable:
    def build(w: World, version: Callable[[int], int]):
        cid = w.ids[case]
        form = {"expect_version": str(version(cid)), **fields}
        return f"/cases/{cid}/{action}", form, {}

    return build


SCOPE_CASES = [
    ScopeCase(
        ("GET", "/cases/{case_id:int}"),
        lambda w, v: (f"/cases/{w.ids['hefei_subsidy']}", {}, {}),
        changes=False,
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/assign"),
        _case_post("assign", "hefei_subsidy", department=GX, assignee="核查员", days="5"),
        label="工信局的案件交办给工信局",
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/assign"),
        _case_post("assign", "hefei_subsidy", department=SW, assignee="核查员", days="5"),
        gongxin_allowed=False,
        label="工信局的案件交办给商务局",
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/assign"),
        lambda w, v: (
            f"/cases/{w.sw.complaint_case}/assign",
            {
                "department": GX,
                "assignee": "核查员",
                "days": "5",
                "expect_version": str(v(w.sw.complaint_case)),
            },
            {},
        ),
        gongxin_allowed=False,
        label="商务局的案件交办给工信局",
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/decide"),
        _case_post("decide", "hefei_subsidy", result="排除", reason="经核查不涉及市场准入"),
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/rectify"),
        _case_post(
            "rectify",
            "hefei_reward",
            measures="重新整改",
            responsible="整改责任人",
            deadline="2099-12-31",
        ),
    ),
    ScopeCase(("POST", "/cases/{case_id:int}/review"), _case_post("review", "hefei_register")),
    ScopeCase(("POST", "/cases/{case_id:int}/close"), _case_post("close", "hefei_reward")),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/reopen"),
        _case_post("reopen", "hefei_platform", reason="发现新情况"),
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/note"),
        lambda w, v: (f"/cases/{w.ids['hefei_subsidy']}/note", {"text": "路由测试备注"}, {}),
    ),
    ScopeCase(
        ("POST", "/cases/{case_id:int}/attach"),
        lambda w, v: (
            f"/cases/{w.ids['hefei_subsidy']}/attach",
            {"note": "核查材料"},
            {"file": ("材料.txt", "工信局核查材料".encode(), "text/plain")},
        ),
    ),
    ScopeCase(
        ("GET", "/cases/{case_id:int}/attachments/{attachment_id:int}"),
        lambda w, v: (f"/cases/{w.gx.attachment_case}/attachments/{w.gx.attachment}", {}, {}),
        changes=False,
    ),
    ScopeCase(
        ("POST", "/cases/assign"),
        lambda w, v: (
            "/cases/assign",
            {"case_ids": [str(w.ids["hefei_subsidy"])], "department": GX, "assignee": "核查员"},
            {},
        ),
        label="批量交办工信局的案件",
    ),
    ScopeCase(
        ("POST", "/cases/assign"),
        lambda w, v: (
            "/cases/assign",
            {
                "case_ids": [str(w.sw.complaint_case), str(w.ids["hefei_subsidy"])],
                "department": SW,
                "assignee": "核查员",
            },
            {},
        ),
        gongxin_allowed=False,
        label="批量交办夹带工信局的案件",
    ),
    ScopeCase(
        ("GET", "/documents/{document_id:int}"),
        lambda w, v: (f"/documents/{w.gx.document}", {}, {}),
        changes=False,
    ),
    ScopeCase(
        ("GET", "/documents/{document_id:int}/original"),
        lambda w, v: (f"/documents/{w.gx.document}/original", {}, {}),
        changes=False,
    ),
    ScopeCase(
        ("GET", "/jobs/{job_id:int}"), lambda w, v: (f"/jobs/{w.gx.job}", {}, {}), changes=False
    ),
    ScopeCase(
        ("GET", "/jobs/{job_id:int}.json"),
        lambda w, v: (f"/jobs/{w.gx.job}.json", {}, {}),
        changes=False,
    ),
    ScopeCase(
        ("POST", "/jobs/{job_id:int}/cancel"),
        lambda w, v: (f"/jobs/{w.gx.job}/cancel", {}, {}),
    ),
    ScopeCase(
        ("POST", "/complaints/{complaint_id:int}/reply"),
        lambda w, v: (
            f"/complaints/{w.gx.complaint}/reply",
            {"content": "已受理，正在核查。", "channel": "电话"},
            {},
        ),
    ),
    ScopeCase(
        ("POST", "/screen"),
        lambda w, v: (
            "/screen",
            {"department": GX},
            {"files": ("通知.txt", "关于开展路由测试的通知。".encode(), "text/plain")},
        ),
    ),
    ScopeCase(
        ("GET", "/reports/download"),
        lambda w, v: (f"/reports/download?kind=ledger&department={quote(GX)}", {}, {}),
        changes=False,
        label="工信局的工作台账",
    ),
    ScopeCase(
        ("GET", "/reports/download"),
        lambda w, v: (f"/reports/download?kind=notice&cases={w.ids['hefei_reward']}", {}, {}),
        changes=False,
        label="通报工信局的案件",
    ),
]


def _scope_id(c: ScopeCase) -> str:
    return f"{c.key[0]} {c.key[1]}" + (f" [{c.label}]" if c.label else "")


def test_scope_table_covers_every_scoped_route():
    scoped = {k for r in _routes() if r.scope is not None for k in _key_of(r)}
    covered = {c.key for c in SCOPE_CASES}
    assert scoped <= covered, f"scoped routes without a scope case: {sorted(scoped - covered)}"


@pytest.mark.parametrize("case", SCOPE_CASES, ids=[_scope_id(c) for c in SCOPE_CASES])
def test_reviewer_is_kept_to_their_department(fresh, case):
    w, reviewers = fresh
    ledger = Path(w.settings.ledger)

    def version(case_id: int) -> int:
        db = open_ledger(ledger)
        try:
            return _version(db, case_id)
        finally:
            db.close()

    url, form, files = case.build(w, version)
    method = case.key[0]
    before = snapshot(ledger)
    r = send(reviewers["shangwu"], method, url, form, files)
    assert r.status_code == 403, (r.status_code, r.text[:300])
    assert "合肥" not in r.text and "核查材料" not in r.text
    assert snapshot(ledger) == before, "a refused request changed the ledger"

    r = send(reviewers["gongxin"], method, url, form, files)
    if not case.gongxin_allowed:
        assert r.status_code == 403, (r.status_code, r.text[:300])
        assert snapshot(ledger) == before
        return
    assert r.status_code not in (401, 403, 404), (r.status_code, r.text[:300])
    if r.status_code == 303:
        assert not r.headers["location"].startswith("/login")
    after = snapshot(ledger)
    if case.changes:
        assert after != before, "the allowed request did nothing: the form is not effective"
    else:
        assert after == before


@pytest.mark.parametrize("path", LISTS)
def test_lists_show_a_reviewer_only_their_departments(world, clients, path):
    db = open_ledger(world.settings.ledger)
    try:
        gx_cases = [
            int(r[0])
            for r in db.execute(
                "select c.id from cases c left join documents d on d.id = c.document_id "
                "where coalesce(c.department, d.department) = ?",
                [GX],
            ).fetchall()
        ]
    finally:
        db.close()
    other = ("合肥市达产升规与技术改造补贴申报通知", "5G典型应用场景", f"反映{GX}某通知")
    shown = clients["shangwu"].get(path).text
    assert clients["shangwu"].get(path).status_code == 200
    for text in other:
        assert text not in shown, (path, text)
    for cid in gx_cases:
        assert f'href="/cases/{cid}"' not in shown, (path, cid)
    assert f'href="/documents/{world.gx.document}"' not in shown
    assert f'href="/jobs/{world.gx.job}"' not in shown
    # … and the same page does list them for their own reviewer (the check looks at the right
    # place): a case link, the document, the complaint or the job, as the page shows them.
    theirs = clients["gongxin"].get(path).text
    expected = {
        "/": [f'href="/cases/{world.ids["hefei_subsidy"]}"'],  # overdue verification
        "/cases": ["合肥市达产升规与技术改造补贴申报通知"],
        "/documents": [f'href="/documents/{world.gx.document}"'],
        "/complaints": [f"反映{GX}某通知"],
        "/screen": [f'href="/jobs/{world.gx.job}"'],
    }[path]
    for text in expected:
        assert text in theirs, (path, text)


@pytest.mark.parametrize(
    "url",
    [
        f"/cases?department={quote(GX)}",
        "/cases?q=" + quote("合肥"),
        f"/documents?department={quote(GX)}",
        "/documents?q=" + quote("合肥"),
    ],
)
def test_a_filter_naming_another_department_shows_nothing_of_it(clients, url):
    r = clients["shangwu"].get(url)
    assert r.status_code in (200, 403)
    assert "合肥市达产升规与技术改造补贴申报通知" not in r.text


# Refusals a handler makes itself, beyond its route's roles: (account, url, expected status).
HANDLER_REFUSALS = [
    ("shangwu", "/cases/{sw_case}?contacts=1", 403),  # complainants' contacts: admin only
    ("admin", "/cases/{sw_case}?contacts=1", 200),
    ("shangwu", "/reports/download?kind=stats", 403),  # county-wide figures
    ("leader", "/reports/download?kind=stats", 200),
]


@pytest.mark.parametrize("account, url, status", HANDLER_REFUSALS)
def test_handler_level_refusals(world, clients, account, url, status):
    r = clients[account].get(url.format(sw_case=world.sw.complaint_case), follow_redirects=False)
    assert r.status_code == status, r.text[:300]
    if status == 403:
        assert "12345" not in r.text and "路由测试" not in r.text


# --- 4. anonymous visitors ----------------------------------------------------------------------

SECRETS = ("县商务局", "东营", "合肥", "核查材料", "路由测试")


@pytest.mark.parametrize("key", KEYS, ids=[f"{m} {p}" for m, p in KEYS])
def test_anonymous_visitor_gets_nothing(world, anonymous, key):
    method, _ = key
    url, form, files = role_request(key, world)
    r = send(anonymous, method, url, form, files, csrf=False)
    if method == "GET":
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=" + quote(url, safe="")
    else:
        assert r.status_code == 401
    for text in SECRETS:
        assert text not in r.text, (key, text)
