"""The console's case pages: the list (filters, paging, scope, bulk assignment), one case (its
forms per state, the lifecycle through POSTs, stale versions, CSRF, XSS, attachments, contacts),
and the ledger queries under them (``list_cases``/``count_cases`` paging and filters)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from report_fixtures import SECRETS
from web_fixtures import login, make_client

from screening import ledger as lg
from screening.ledger import open_ledger
from screening.ledger.cases import (
    CLOSED,
    CONFIRMED,
    DISMISSED,
    PENDING,
    RECTIFYING,
    REVIEWING,
    TRANSITIONS,
    VERIFYING,
    count_cases,
    is_overdue,
    list_cases,
)
from screening.web.core import case_departments

BUTTONS = {
    "assign": ["交办核查"],
    "decide": ["认定", "排除"],
    "rectify": ["部署整改"],
    "review": ["提交复核"],
    "close": ["复核销号"],
    "reopen": ["重新打开"],
}


# --- helpers ----------------------------------------------------------------------------------


def db_of(client):
    return client.app.state.console.pool.db()


def case_row(client, case_id: int) -> dict:
    with db_of(client) as db:
        return lg.get_case(db, case_id)


def trail(client, case_id: int) -> list[dict]:
    with db_of(client) as db:
        return lg.case_actions(db, case_id)


def pending_cases(client) -> list[int]:
    with db_of(client) as db:
        return [c["id"] for c in list_cases(db, status=PENDING)]


def shown_version(html: str) -> int:
    versions = set(re.findall(r'name="expect_version" value="(\d+)"', html))
    assert len(versions) == 1, versions
    return int(versions.pop())


def post(client, url: str, csrf: str, **data):
    return client.post(url, data={"csrf": csrf, **data}, follow_redirects=False)


def move(client, csrf: str, case_id: int, action: str, **data):
    """Post a move with the version the case page shows, as a browser would."""
    version = shown_version(client.get(f"/cases/{case_id}").text)
    r = post(
        client,
        f"/cases/{case_id}/{action}",
        csrf,
        expect_version=str(version),
        back=f"/cases/{case_id}",
        **data,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/cases/{case_id}"
    return r


def main_html(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return r.text.split("<main>", 1)[1]


# --- the lifecycle through the forms ------------------------------------------------------------


def test_admin_works_a_case_from_pending_to_closed(web_app):
    csrf = login(web_app, "admin")
    case_id = pending_cases(web_app)[0]
    steps = [
        ("assign", {"department": "县商务局", "assignee": "核查员丁", "days": "5"}, VERIFYING),
        (
            "decide",
            {
                "result": "认定",
                "reason": "以本地注册为条件",
                "class_1670": "隐性壁垒",
                "standards": "fcr-14-3, FCR-16-3",
            },
            CONFIRMED,
        ),
        (
            "rectify",
            {"measures": "删除该条款", "responsible": "科长丙", "deadline": "2031-06-30"},
            RECTIFYING,
        ),
        ("review", {"note": "整改完成"}, REVIEWING),
        ("close", {"note": "复核通过"}, CLOSED),
    ]
    before = len(trail(web_app, case_id))
    for action, data, state in steps:
        r = move(web_app, csrf, case_id, action, **data)
        assert case_row(web_app, case_id)["status"] == state, action
        page = web_app.get(r.headers["location"]).text
        assert f"案件 {case_id}" in page and f"status-{state}" in page
    case = case_row(web_app, case_id)
    assert case["department"] == "县商务局" and case["assignee"] == "核查员丁"
    assert case["standards"] == ["FCR-14-3", "FCR-16-3"] and case["class_1670"] == "隐性壁垒"
    assert case["rectify_deadline"] == "2031-06-30" and case["closed_at"]
    rows = trail(web_app, case_id)[before:]
    assert [a["action"] for a in rows] == ["assign", "decide", "rectify", "review", "close"]
    assert {a["operator"] for a in rows} == {"admin"}
    html = main_html(web_app, f"/cases/{case_id}")
    assert "已复核销号" in html or "复核销号" in html
    for label in ("交办核查", "认定或排除", "部署整改", "提交复核", "复核销号"):
        assert label in html  # the trail's Chinese action labels
    assert "复核通过" in html and "以本地注册为条件" in html


def test_dismiss_then_reopen(web_app):
    csrf = login(web_app, "admin")
    case_id = pending_cases(web_app)[0]
    move(web_app, csrf, case_id, "assign", department="县科技局", assignee="甲", days="3")
    move(web_app, csrf, case_id, "decide", result="排除", reason="不构成违规", standards="")
    assert case_row(web_app, case_id)["status"] == DISMISSED
    move(web_app, csrf, case_id, "reopen", reason="发现新情况")
    case = case_row(web_app, case_id)
    assert case["status"] == PENDING and case["assignee"] is None
    assert trail(web_app, case_id)[-1]["note"] == "发现新情况"


def test_success_flash_names_the_case(web_app):
    csrf = login(web_app, "admin")
    case_id = pending_cases(web_app)[0]
    r = move(web_app, csrf, case_id, "assign", department="县商务局", assignee="乙", days="3")
    page = web_app.get(r.headers["location"]).text
    assert re.search(rf'class="flash flash-ok"[^>]*>案件 {case_id} 已交办县商务局核查', page)


# --- forms offered per state --------------------------------------------------------------------

STATE_CASES = {
    PENDING: None,  # the first 待核查 case
    VERIFYING: "hefei_subsidy",
    CONFIRMED: "liuhe_quality",
    DISMISSED: "hefei_platform",
    RECTIFYING: "chengdu",
    REVIEWING: "hefei_reward",
    CLOSED: "dongying",
}


@pytest.mark.parametrize("state", list(STATE_CASES))
def test_case_page_offers_exactly_the_allowed_moves(web_app, web_ledger, state):
    login(web_app, "admin")
    name = STATE_CASES[state]
    case_id = web_ledger[1][name] if name else pending_cases(web_app)[0]
    case = case_row(web_app, case_id)
    assert case["status"] == state
    html = main_html(web_app, f"/cases/{case_id}")
    allowed = {n for n, (_, table) in TRANSITIONS.items() if state in table}
    for action in TRANSITIONS:
        form = f'action="/cases/{case_id}/{action}"'
        assert (form in html) == (action in allowed), (state, action)
        for label in BUTTONS[action]:
            button = re.search(rf"<button[^>]*>{label}</button>", html)
            if action in allowed:
                assert button, (state, label)
    if state not in TRANSITIONS["decide"][1]:
        assert not re.search(r"<button[^>]*>(认定|排除)</button>", html)
    # every move form carries the version shown, the CSRF token and the way back
    assert html.count('name="expect_version"') == len(allowed)
    if allowed:
        assert shown_version(html) == case["version"]
    assert f'action="/cases/{case_id}/note"' in html and "添加备注" in html
    assert f'action="/cases/{case_id}/attach"' in html and 'enctype="multipart/form-data"' in html
    assert "上传附件" in html
    assert f'name="back" value="/cases/{case_id}"' in html
    assert html.count('name="csrf"') == html.count("<form") - html.count('method="get"')


# --- concurrency and CSRF -------------------------------------------------------------------------


def test_stale_version_changes_nothing_and_says_so(web_app, web_ledger):
    csrf = login(web_app, "admin")
    case_id = web_ledger[1]["hefei_reward"]  # 待复核
    before = case_row(web_app, case_id)
    n = len(trail(web_app, case_id))
    r = post(
        web_app,
        f"/cases/{case_id}/close",
        csrf,
        expect_version=str(before["version"] - 1),
        back=f"/cases/{case_id}",
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}"
    assert case_row(web_app, case_id) == before and len(trail(web_app, case_id)) == n
    page = web_app.get(f"/cases/{case_id}").text
    assert "已被他人修改" in page and "flash-error" in page
    assert shown_version(page) == before["version"]  # the page now shows the latest version


def test_missing_csrf_is_refused(web_app, web_ledger):
    login(web_app, "admin")
    case_id = web_ledger[1]["hefei_reward"]
    before = case_row(web_app, case_id)
    for action, data in (("close", {}), ("note", {"text": "x"})):
        r = web_app.post(
            f"/cases/{case_id}/{action}",
            data={"expect_version": str(before["version"]), **data},
            follow_redirects=False,
        )
        assert r.status_code == 403
    r = web_app.post("/cases/assign", data={"case_ids": [str(case_id)]}, follow_redirects=False)
    assert r.status_code == 403
    assert case_row(web_app, case_id) == before
    assert trail(web_app, case_id)[-1]["action"] == "review"


# --- department scope -----------------------------------------------------------------------------


def test_reviewer_never_sees_or_touches_another_departments_case(web_app, web_ledger):
    ids = web_ledger[1]
    csrf = login(web_app, "shangwu")
    foreign = ids["hefei_subsidy"]  # 县工业和信息化局, 核查中
    with db_of(web_app) as db:
        assert case_departments(db, foreign) == ["县工业和信息化局"]
    assert web_app.get(f"/cases/{foreign}").status_code == 403
    before = case_row(web_app, foreign)
    posts = {
        "note": {"text": "x"},
        "assign": {"department": "县商务局", "assignee": "甲", "days": "3"},
        "decide": {"result": "排除", "reason": "x"},
        "close": {},
        "reopen": {"reason": "x"},
    }
    for action, data in posts.items():
        r = post(web_app, f"/cases/{foreign}/{action}", csrf, expect_version="1", **data)
        assert r.status_code == 403, action
    r = web_app.post(
        f"/cases/{foreign}/attach",
        data={"csrf": csrf},
        files={"file": ("a.txt", b"hello", "text/plain")},
        follow_redirects=False,
    )
    assert r.status_code == 403
    r = post(
        web_app, "/cases/assign", csrf, case_ids=str(foreign), department="县商务局", assignee="甲"
    )
    assert r.status_code == 403
    assert case_row(web_app, foreign) == before
    # the list: only 商务局's cases, on every page and filter
    html = main_html(web_app, "/cases")
    listed = {int(x) for x in re.findall(r'name="case_ids" value="(\d+)"', html)}
    with db_of(web_app) as db:
        mine = {c["id"] for c in list_cases(db) if case_departments(db, c["id"]) == ["县商务局"]}
    assert listed == mine and ids["dongying"] in listed and foreign not in listed
    for query in ("?department=县工业和信息化局", "?q=合肥", f"?status={VERIFYING}"):
        html = main_html(web_app, "/cases" + query)
        assert f'value="{foreign}"' not in html and "县工业和信息化局</td>" not in html
    # the department choices are the reviewer's own
    assert 'value="县工业和信息化局"' not in html


def test_reviewer_may_assign_own_case_only_within_own_departments(web_app, web_ledger):
    csrf = login(web_app, "shangwu")
    with db_of(web_app) as db:
        own = lg.create_case(
            db, source="自查", title="商务局自查发现", operator="admin", department="县商务局"
        )
    version = shown_version(web_app.get(f"/cases/{own}").text)
    r = post(
        web_app,
        f"/cases/{own}/assign",
        csrf,
        expect_version=str(version),
        department="县科技局",
        assignee="甲",
    )
    assert r.status_code == 403 and case_row(web_app, own)["status"] == PENDING
    move(web_app, csrf, own, "assign", department="县商务局", assignee="甲", days="3")
    assert case_row(web_app, own)["status"] == VERIFYING
    assert trail(web_app, own)[-1]["operator"] == "shangwu"


# --- bulk assignment ----------------------------------------------------------------------------


def test_bulk_assign_reports_successes_and_failures(web_app, web_ledger):
    csrf = login(web_app, "admin")
    pending = pending_cases(web_app)[:2]
    closed = web_ledger[1]["dongying"]
    html = main_html(web_app, "/cases")
    assert 'data-check-all="case_ids"' in html and 'action="/cases/assign"' in html
    r = web_app.post(
        "/cases/assign",
        data={
            "csrf": csrf,
            "case_ids": [str(i) for i in [*pending, closed]],
            "department": "县市场监管局",
            "assignee": "核查员戊",
            "deadline": "2031-03-31",
            "back": "/cases?status=待核查",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and unquote(r.headers["location"]) == "/cases?status=待核查"
    for case_id in pending:
        case = case_row(web_app, case_id)
        assert case["status"] == VERIFYING and case["department"] == "县市场监管局"
        assert case["verify_deadline"] == "2031-03-31"
        assert trail(web_app, case_id)[-1]["operator"] == "admin"
    assert case_row(web_app, closed)["status"] == CLOSED
    page = web_app.get(r.headers["location"]).text
    assert "已交办 2 件案件" in page
    assert f"1 件未能交办：案件 {closed}：" in page and "已销号" in page


def test_bulk_assign_default_days_come_from_settings(web_app):
    csrf = login(web_app, "admin")
    case_id = pending_cases(web_app)[0]
    r = post(
        web_app,
        "/cases/assign",
        csrf,
        case_ids=str(case_id),
        department="县商务局",
        assignee="甲",
        back="/cases",
    )
    assert r.status_code == 303
    due = dt.date.fromisoformat(case_row(web_app, case_id)["verify_deadline"])
    assert due > dt.date.today()
    with db_of(web_app) as db:
        from screening.ledger.db import calendar

        expected = calendar(db).add_workdays(dt.date.today(), 3)
    assert due == expected


def test_bulk_assign_without_selection_says_so(web_app):
    csrf = login(web_app, "admin")
    r = post(web_app, "/cases/assign", csrf, department="县商务局", assignee="甲", back="/cases")
    assert r.status_code == 303
    assert "请先勾选要交办的案件" in web_app.get("/cases").text


# --- filters and paging ---------------------------------------------------------------------------


def listed_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'name="case_ids" value="(\d+)"', html)]


@pytest.mark.parametrize(
    "query, filters",
    [
        (f"status={VERIFYING}", {"status": VERIFYING}),
        ("department=县发展改革局", {"department": "县发展改革局"}),
        ("source=投诉举报", {"source": "投诉举报"}),
        ("standard=FCR-14-3", {"standard": "FCR-14-3"}),
        ("overdue=1", {"overdue": True}),
        ("q=注册", {"text": "注册"}),
        (f"status={RECTIFYING}&overdue=1", {"status": RECTIFYING, "overdue": True}),
    ],
)
def test_filters_match_the_ledger_query(web_app, query, filters):
    login(web_app, "admin")
    html = main_html(web_app, "/cases?" + query)
    with db_of(web_app) as db:
        expected = [c["id"] for c in list_cases(db, **filters)]
    assert expected, query
    assert listed_ids(html) == expected
    assert f"共 {len(expected)} 件" in html


def test_overdue_rows_are_highlighted(web_app, web_ledger):
    login(web_app, "admin")
    html = main_html(web_app, "/cases?overdue=1")
    rows = html.split("<tr>")[2:]
    assert rows and all('class="overdue"' in r and "已逾期" in r for r in rows)
    assert f'value="{web_ledger[1]["hefei_subsidy"]}"' in html


def test_paging_fifty_a_page(web_app, web_settings):
    db = open_ledger(web_settings.ledger)
    try:
        for i in range(70):
            lg.create_case(db, source="自查", title=f"分页测试案件{i:02d}", operator="t")
        total = count_cases(db)
        expected = [c["id"] for c in list_cases(db)]
    finally:
        db.close()
    login(web_app, "admin")
    first = main_html(web_app, "/cases")
    assert listed_ids(first) == expected[:50] and f"共 {total} 件" in first
    pages = -(-total // 50)
    assert total > 100 and 'href="/cases?page=2"' in first and f"第 1 / {pages} 页" in first
    second = main_html(web_app, "/cases?page=2")
    assert listed_ids(second) == expected[50:100] and 'href="/cases?page=1"' in second
    assert listed_ids(main_html(web_app, "/cases?page=99")) == expected[(pages - 1) * 50 :]
    assert listed_ids(main_html(web_app, "/cases?page=x")) == expected[:50]
    # filters are kept from page to page
    found = main_html(web_app, "/cases?q=分页测试")
    assert "共 70 件" in found and 'href="/cases?q=%E5%88%86' in found
    assert "page=2" in found
    later = main_html(web_app, "/cases?q=分页测试&page=2")
    assert len(listed_ids(later)) == 20


# --- escaping -------------------------------------------------------------------------------------


def test_note_with_markup_is_shown_escaped(web_app, web_ledger):
    csrf = login(web_app, "admin")
    case_id = web_ledger[1]["chengdu"]
    r = post(
        web_app, f"/cases/{case_id}/note", csrf, text="<script>alert(1)</script>", back="/cases"
    )
    assert r.status_code == 303
    assert trail(web_app, case_id)[-1]["note"] == "<script>alert(1)</script>"
    html = web_app.get(f"/cases/{case_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


# --- attachments ----------------------------------------------------------------------------------


def upload(client, csrf, case_id, name, data, note=""):
    return client.post(
        f"/cases/{case_id}/attach",
        data={"csrf": csrf, "note": note, "back": f"/cases/{case_id}"},
        files={"file": (name, data, "text/html")},
        follow_redirects=False,
    )


def test_attachment_upload_and_download(web_app, web_ledger, web_settings):
    csrf = login(web_app, "admin")
    case_id = web_ledger[1]["chengdu"]
    data = b"<html><script>alert(1)</script></html>"
    r = upload(web_app, csrf, case_id, "../../整改报告<1>.html", data, note="整改完成材料")
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}"
    with db_of(web_app) as db:
        row = next(
            db.query("select * from attachments where case_id = ? order by id desc", [case_id])
        )
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    folder = web_app.app.state.console.files_dir / "attachments"
    assert row["path"] == str(folder / f"{digest}.html") and row["sha256"] == digest
    assert (folder / f"{digest}.html").read_bytes() == data
    assert row["operator"] == "admin" and "整改报告<1>.html" in row["note"]
    assert not any(p.name.startswith("整改") for p in folder.parent.rglob("*"))
    assert trail(web_app, case_id)[-1]["action"] == "note"
    page = web_app.get(f"/cases/{case_id}").text
    link = f"/cases/{case_id}/attachments/{row['id']}"
    assert f'href="{link}"' in page and "整改报告&lt;1&gt;.html" in page
    got = web_app.get(link)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/octet-stream"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "整改报告<1>.html"
    assert got.headers["x-content-type-options"] == "nosniff"
    # not this case's attachment, or no such attachment
    other = web_ledger[1]["dongying"]
    assert web_app.get(f"/cases/{other}/attachments/{row['id']}").status_code == 404
    assert web_app.get(f"/cases/{case_id}/attachments/99999").status_code == 404


def test_attachment_size_limit(web_app, web_ledger):
    csrf = login(web_app, "admin")
    case_id = web_ledger[1]["chengdu"]
    n = len(trail(web_app, case_id))
    r = upload(web_app, csrf, case_id, "big.pdf", b"x" * (21 * 1024 * 1024))
    assert r.status_code == 413
    assert len(trail(web_app, case_id)) == n
    r = upload(web_app, csrf, case_id, "empty.pdf", b"")
    assert r.status_code == 303 and len(trail(web_app, case_id)) == n
    assert "空文件" in web_app.get(f"/cases/{case_id}").text


def test_reviewer_downloads_only_own_departments_attachments(web_app, web_ledger, web_settings):
    ids = web_ledger[1]
    csrf = login(web_app, "admin")
    upload(web_app, csrf, ids["hefei_subsidy"], "核查.txt", b"abc")
    with db_of(web_app) as db:
        att = next(db.query("select id from attachments order by id desc"))["id"]
    with make_client(web_settings) as other:
        login(other, "shangwu")
        r = other.get(f"/cases/{ids['hefei_subsidy']}/attachments/{att}")
        assert r.status_code == 403
    with make_client(web_settings) as own:
        login(own, "gongxin")
        assert own.get(f"/cases/{ids['hefei_subsidy']}/attachments/{att}").content == b"abc"


# --- complainants' contacts -------------------------------------------------------------------------


def test_contacts_hidden_by_default_and_shown_to_admin_with_audit(web_app, web_ledger):
    login(web_app, "admin")
    case_id = web_ledger[1]["complaint_hospital"]
    html = web_app.get(f"/cases/{case_id}").text
    for secret in SECRETS:
        assert secret not in html, secret
    assert f'href="/cases/{case_id}?contacts=1"' in html
    with db_of(web_app) as db:
        assert db["audit"].count_where("action = 'view_contacts'") == 0
    full = web_app.get(f"/cases/{case_id}?contacts=1").text
    assert "王小明" in full and "13912345678" in full
    with db_of(web_app) as db:
        rows = list(db.query("select * from audit where action = 'view_contacts'"))
    assert len(rows) == 1
    assert rows[0]["operator"] == "admin" and rows[0]["target"] == f"case:{case_id}"


def test_reviewer_may_not_ask_for_contacts(web_app, web_ledger):
    login(web_app, "shangwu")
    case_id = web_ledger[1]["dongying"]  # 县商务局: the reviewer's own
    page = web_app.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "contacts=1" not in page.text
    assert web_app.get(f"/cases/{case_id}?contacts=1").status_code == 403
    with db_of(web_app) as db:
        assert db["audit"].count_where("action = 'view_contacts'") == 0


def test_viewer_has_no_case_pages(web_app, web_ledger):
    login(web_app, "leader")
    assert web_app.get("/cases").status_code == 403
    assert web_app.get(f"/cases/{web_ledger[1]['dongying']}").status_code == 403


def test_missing_case_is_404(web_app):
    login(web_app, "admin")
    assert web_app.get("/cases/999999").status_code == 404


# --- the ledger queries under the list --------------------------------------------------------------


def test_list_cases_new_filters_and_count(web_settings, web_ledger):
    db = open_ledger(web_settings.ledger)
    try:
        everything = list_cases(db)
        assert count_cases(db) == len(everything)
        assert [c["id"] for c in list_cases(db, limit=5, offset=3)] == [
            c["id"] for c in everything[3:8]
        ]
        assert [c["id"] for c in list_cases(db, offset=40)] == [c["id"] for c in everything[40:]]
        # departments: assigned there, or not assigned and about a document of theirs
        for depts in (["县商务局"], ["县工业和信息化局", "县科技局"], []):
            want = [c["id"] for c in everything if case_departments(db, c["id"])[0] in depts]
            got = [c["id"] for c in list_cases(db, departments=depts)]
            assert got == want and count_cases(db, departments=depts) == len(want)
        # text: title, summary or a finding's clause; LIKE wildcards are literal
        clause_only = "第二年、第三年"
        hits = list_cases(db, text=clause_only)
        assert hits and all(clause_only not in (c["title"] + (c["summary"] or "")) for c in hits)
        clauses: dict[int, str] = {}
        for f in db.query("select case_id, clause from findings"):
            clauses[f["case_id"]] = clauses.get(f["case_id"], "") + (f["clause"] or "")
        for literal in ("%", "_", "50%"):
            want = [
                c["id"]
                for c in everything
                if literal in c["title"] + (c["summary"] or "") + clauses.get(c["id"], "")
            ]
            assert [c["id"] for c in list_cases(db, text=literal)] == want
            assert count_cases(db, text=literal) == len(want)
        assert count_cases(db, text="%") > 0 and count_cases(db, text="_") == 0
        # overdue in SQL is the Python rule
        for day in (dt.date(2025, 12, 1), dt.date(2026, 1, 5), dt.date(2027, 1, 1)):
            want = [c["id"] for c in everything if is_overdue(c, day)]
            assert [c["id"] for c in list_cases(db, overdue=True, today=day)] == want
            assert count_cases(db, overdue=True, today=day) == len(want)
    finally:
        db.close()
