"""Console pages: 工作台, 报告, 知识库, 模型, 用户 — numbers from the library, scope, downloads."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import time
from html import unescape
from types import SimpleNamespace
from urllib.parse import quote

import docx
import openpyxl
import pytest
from web_fixtures import PASSWORD, login, make_client

from screening.ledger import open_ledger
from screening.ledger.users import get_user
from screening.reports import Scope, parse_period
from screening.reports.queries import snapshot
from screening.reports.scorecard import scorecard
from screening.web.jobs import ACTIVE, get_job

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def main_of(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


def table_rows(html: str, table_class: str) -> list[list[str]]:
    """The body rows of the table with ``table_class`` as lists of cell texts."""
    m = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S)
    assert m, f"no table {table_class}"
    body = m.group(1).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def xlsx_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


# --- 工作台 -----------------------------------------------------------------------------------


def test_dashboard_stats_equal_report_stats(web_app, web_settings):
    login(web_app, "admin")
    html = web_app.get("/").text
    today = dt.date.today()
    db = open_ledger(web_settings.ledger)
    try:
        rows, _ = scorecard(db, snapshot(db, Scope(parse_period(None, until=today), today)))
    finally:
        db.close()
    shown = table_rows(html, "dash-stats")
    assert shown == rows
    assert rows[-1][0] == "合计" and int(rows[-1][2]) > 0  # findings are counted
    # the bars carry the same numbers, drawn with <meter> (no inline style)
    assert '<meter min="0"' in html and "style=" not in main_of(html)
    assert "效能评估统计（截至" in html


def test_dashboard_stats_follow_ledger_changes(web_app, web_settings):
    from screening.ledger.departments import add_department

    login(web_app, "admin")
    before = table_rows(web_app.get("/").text, "dash-stats")
    assert "县教育局" not in [r[0] for r in before]
    db = open_ledger(web_settings.ledger)
    try:
        add_department(db, "县教育局")
    finally:
        db.close()
    after = table_rows(web_app.get("/").text, "dash-stats")
    assert "县教育局" in [r[0] for r in after]  # the cached figures were not reused


def test_dashboard_counts_overdue_and_links(web_app, web_settings):
    login(web_app, "admin")
    html = web_app.get("/").text
    today = dt.date.today().isoformat()
    db = open_ledger(web_settings.ledger)
    try:
        open_cases = db.execute(
            "select count(*) from cases where status not in ('已排除', '已销号')"
        ).fetchone()[0]
        overdue = db.execute(
            "select count(*) from cases where (status = '核查中' and verify_deadline < ?) "
            "or (status = '整改中' and rectify_deadline < ?)",
            [today, today],
        ).fetchone()[0]
    finally:
        db.close()
    rows = table_rows(html, "dash-counts")
    assert sum(int(r[-1]) for r in rows) == open_cases
    assert f"逾期案件（{overdue} 件）" in html
    assert 'href="/cases?overdue=1"' in html and 'href="/complaints"' in html
    assert re.search(r'href="/cases\?status=%E[0-9A-F%]+&amp;department=%E', html)
    assert re.search(r'href="/cases/\d+"', html)
    assert "最近的筛查" in html and "无法读取的文件" in html


def test_dashboard_of_a_reviewer_shows_only_their_departments(web_app):
    login(web_app, "shangwu")
    page = main_of(web_app.get("/").text)
    assert "县商务局" in page
    for other in ("县发展改革局", "县工业和信息化局", "县科技局", "县市场监管局"):
        assert other not in page
    assert "效能评估统计" not in page  # county-wide figures are for the DRC and leaders
    rows = table_rows(page, "dash-counts")
    assert [r[0] for r in rows] == ["县商务局"]


def test_dashboard_of_a_viewer_has_stats_but_no_work_links(web_app):
    login(web_app, "leader")
    page = main_of(web_app.get("/").text)
    assert "效能评估统计" in page
    assert 'href="/cases' not in page and 'href="/complaints"' not in page


# --- 报告 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "content_type", "reader", "expected", "name"),
    [
        ("kind=selfcheck&period=2025Q4", DOCX, docx_text, "自查", "自查整改报告_2025Q4.docx"),
        (
            "kind=selfcheck&period=2025Q4&department=县商务局",
            DOCX,
            docx_text,
            "县商务局",
            "自查整改报告_2025Q4_县商务局.docx",
        ),
        ("kind=notice&period=2025Q4&date=2026-01-05", DOCX, docx_text, "典型案例", None),
        ("kind=ledger&date=2026-01-05", XLSX, xlsx_text, "整改", "工作台账_2026-01-05.xlsx"),
        ("kind=stats&period=2025Q4", XLSX, xlsx_text, "县发展改革局", None),
        ("kind=stats&period=2025Q4&fmt=docx", DOCX, docx_text, "统计口径", None),
    ],
)
def test_report_downloads(web_app, query, content_type, reader, expected, name):
    login(web_app, "admin")
    r = web_app.get(f"/reports/download?{query}")
    assert r.status_code == 200, r.text[-2000:]
    assert r.headers["content-type"] == content_type
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    if name:
        assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert expected in reader(r.content)


def test_report_form_lists_kinds_and_departments(web_app):
    login(web_app, "admin")
    html = web_app.get("/reports").text
    assert 'action="/reports/download"' in html and 'method="get"' in html
    for kind in ("selfcheck", "notice", "ledger", "stats"):
        assert f'value="{kind}"' in html
    assert "全部部门" in html and '<option value="县科技局"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=selfcheck&period=abc", "统计期间“abc”无法识别"),
        ("kind=stats&period=2025Q5", "统计期间“2025Q5”无法识别"),
        ("kind=ledger&date=2026-13-01", "YYYY-MM-DD"),
        ("kind=notice&period=2020", "没有已认定违规的案件"),
        ("kind=notice&cases=1,x", "不是案件编号"),
        ("kind=other", "未知的报告种类"),
    ],
)
def test_report_bad_input_is_the_form_with_a_message(web_app, query, message):
    login(web_app, "admin")
    r = web_app.get(f"/reports/download?{query}")
    assert r.status_code == 400
    assert "text/html" in r.headers["content-type"]
    assert message in unescape(r.text) and 'action="/reports/download"' in r.text


def test_reviewer_reports_are_their_department_only(web_app):
    login(web_app, "shangwu")
    form = web_app.get("/reports").text
    assert '<option value="县商务局"' in form and "县科技局" not in form
    assert 'value="stats"' not in form and "全部部门" not in form
    r = web_app.get("/reports/download?kind=ledger&date=2026-01-05")
    assert r.status_code == 200
    assert quote("工作台账_2026-01-05_县商务局.xlsx", safe="") in r.headers["content-disposition"]
    sheet = xlsx_text(r.content)
    assert "县商务局" in sheet and "县工业和信息化局" not in sheet
    for query in (
        "kind=ledger&department=县科技局",
        "kind=selfcheck&department=县工业和信息化局",
        "kind=stats",
    ):
        assert web_app.get(f"/reports/download?{query}").status_code == 403, query


def test_reviewer_cannot_notify_another_departments_case(web_app, web_settings):
    db = open_ledger(web_settings.ledger)
    try:
        other = db.execute(
            "select id from cases where department = '县工业和信息化局' limit 1"
        ).fetchone()[0]
    finally:
        db.close()
    login(web_app, "shangwu")
    r = web_app.get(f"/reports/download?kind=notice&cases={other}")
    assert r.status_code == 403


# --- 知识库 -----------------------------------------------------------------------------------


def test_knowledge_tabs(web_app):
    login(web_app, "leader")
    standards = web_app.get("/knowledge").text
    assert 'href="/knowledge/standards/FCR-14-3"' in standards and "FCR-24" in standards
    assert 'class="active">审查标准' in standards
    found = web_app.get("/knowledge?tab=standards&q=FCR-14").text
    assert "FCR-14-3" in found and "FCR-9-2" not in found
    words = web_app.get("/knowledge?tab=standards&q=" + quote("外地")).text
    assert "FCR-" in words and len(table_rows(words, "kb-standards")) < 79
    cases = web_app.get("/knowledge?tab=cases").text
    first = re.findall(r'href="/knowledge/cases/([^"]+)"', cases)
    assert len(first) == 30 and "第 1 / " in cases
    second = re.findall(
        r'href="/knowledge/cases/([^"]+)"', web_app.get("/knowledge?tab=cases&page=2").text
    )
    assert len(second) == 30 and not set(first) & set(second)
    qa = web_app.get("/knowledge?tab=qa").text
    assert "重要政策措施" in qa and "kb-qa" in qa
    neg = web_app.get("/knowledge?tab=neglist").text
    assert "screening list import" in neg and "106 项" in neg
    assert "发改体改规〔2022〕397号" in neg  # the bundled edition facts with their sources


def test_knowledge_case_search_and_detail(web_app):
    login(web_app, "shangwu")
    found = web_app.get("/knowledge?tab=cases&q=ndrc-b1-01").text
    assert re.findall(r'href="/knowledge/cases/([^"]+)"', found) == ["ndrc-b1-01"]
    by_code = web_app.get("/knowledge?tab=cases&q=FCR-14-3").text
    ids = re.findall(r'href="/knowledge/cases/([^"]+)"', by_code)
    assert ids
    detail = web_app.get(f"/knowledge/cases/{ids[0]}").text
    assert 'href="/knowledge/standards/FCR-14-3"' in detail
    assert "案情" in detail and "整改情况" in detail
    assert web_app.get("/knowledge/cases/no-such-case").status_code == 404


def test_knowledge_standard_detail(web_app):
    login(web_app, "admin")
    page = web_app.get("/knowledge/standards/FCR-14-3").text
    assert "第14条第（3）项" in page and "引用本标准的通报案例" in page
    assert re.search(r'href="/knowledge/cases/[^"]+"', page)
    article = web_app.get("/knowledge/standards/FCR-19").text
    assert "FCR-19-1" in article and "FCR-19-4" in article
    assert web_app.get("/knowledge/standards/FCR-99-9").status_code == 404


def test_corpus_is_loaded_once(web_app, monkeypatch):
    login(web_app, "admin")
    web_app.get("/knowledge")
    from screening.web.pages import knowledge

    def boom(*_a, **_k):
        raise AssertionError("corpus read again")

    monkeypatch.setattr(knowledge, "load_cases", boom)
    assert web_app.get("/knowledge?tab=cases").status_code == 200


# --- 模型 -------------------------------------------------------------------------------------


@pytest.fixture
def model_client(web_settings, fake_model, tmp_path):
    """A console whose models folder holds two stored models, the first one current."""
    from screening.learning import store

    settings = web_settings.replace(models=tmp_path / "models")
    store.save(settings, fake_model)
    first = fake_model.model_id
    second = "second-model"
    root = store.root(settings)
    shutil.copytree(root / first, root / second)
    card = json.loads((root / second / "card.json").read_text(encoding="utf-8"))
    card["model_id"] = second
    (root / second / "card.json").write_text(json.dumps(card), encoding="utf-8")
    store.promote(settings, first)
    with make_client(settings) as client:
        yield client, settings, first, second


@pytest.mark.parametrize("name", ["leader", "shangwu"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/model"),
        ("post", "/model/promote"),
        ("post", "/model/rollback"),
        ("post", "/model/retrain"),
    ],
)
def test_model_is_admin_only(web_app, name, method, path):
    csrf = login(web_app, name)
    r = getattr(web_app, method)(path, **({"data": {"csrf": csrf}} if method == "post" else {}))
    assert r.status_code == 403


def test_model_page_promote_and_rollback(model_client):
    from screening.learning import store

    client, settings, first, second = model_client
    csrf = login(client, "admin")
    page = client.get("/model").text
    assert f"★ {first}" in page and second in page and "当前模型" in page
    assert "模型 " + first in page  # describe()'s lines
    assert 'data-confirm="确定把 second-model' in page
    r = client.post(
        "/model/promote",
        data={"csrf": csrf, "model_id": second, "back": "/model"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and store.current_id(settings) == second
    assert f"当前模型：{second}" in client.get("/model").text
    missing = client.post(
        "/model/promote", data={"csrf": csrf, "model_id": "nope", "back": "/model"}
    )
    assert "没有编号为 nope 的模型" in missing.text
    client.post("/model/rollback", data={"csrf": csrf, "back": "/model"})
    assert store.current_id(settings) == first
    no_csrf = client.post("/model/rollback", data={"back": "/model"})
    assert no_csrf.status_code == 403


def test_model_retrain_is_a_job(model_client, fake_model, monkeypatch):
    from screening.learning import retrain as retraining

    client, settings, _, _ = model_client
    calls = []

    def fake_retrain(s, *, promote=True, say=None, **kw):
        calls.append((s.models, promote))
        say("正在训练新模型（测试）……")
        return SimpleNamespace(
            model=SimpleNamespace(model_id="new-model"),
            passed=False,
            promoted=False,
            reasons=["评估集案例召回下降 0.05"],
            card=fake_model.card,
        )

    monkeypatch.setattr(retraining, "retrain", fake_retrain)
    console = client.app.state.console
    console.services["screener"] = object()
    csrf = login(client, "admin")
    r = client.post("/model/retrain", data={"csrf": csrf, "back": "/model"}, follow_redirects=False)
    assert r.status_code == 303
    job_id = int(re.fullmatch(r"/jobs/(\d+)", r.headers["location"]).group(1))
    console.services["jobs"].run_pending()
    deadline = time.time() + 10
    with console.pool.db() as db:
        job = get_job(db, job_id)
        while job["status"] in ACTIVE and time.time() < deadline:
            time.sleep(0.05)
            job = get_job(db, job_id)
    assert job["kind"] == "retrain" and job["operator"] == "admin"
    assert job["status"] == "已完成", job["message"]
    assert job["result"]["model_id"] == "new-model"
    assert job["result"]["passed"] is False and job["result"]["promoted"] is False
    assert job["result"]["reasons"] == ["评估集案例召回下降 0.05"]
    assert "未设为当前模型" in job["message"]
    assert calls == [(settings.models, True)]
    assert "screener" not in console.services  # the next screening loads the current model


# --- 用户 -------------------------------------------------------------------------------------


def test_users_page_is_admin_only(web_app):
    for name in ("shangwu", "leader"):
        web_app.cookies.clear()
        login(web_app, name)
        assert web_app.get("/users").status_code == 403


def test_users_page_lists_accounts_and_trail(web_app):
    login(web_app, "admin")
    page = web_app.get("/users").text
    for name in ("admin", "shangwu", "gongxin", "leader"):
        assert f"<td>{name}" in page
    assert "审查员" in page and "县工业和信息化局" in page
    assert "操作记录" in page and "登录" in page  # the admin's own login is in the trail
    assert page.count('name="csrf"') >= 5


def test_add_user_with_departments(web_app, web_settings):
    csrf = login(web_app, "admin")
    r = web_app.post(
        "/users/add",
        data={
            "csrf": csrf,
            "back": "/users",
            "name": "张三",
            "role": "reviewer",
            "departments": ["县科技局", "县商务局"],
            "departments_text": "县教育局",
            "password": "Zhangsan2026",
            "password2": "Zhangsan2026",
        },
    )
    assert "已添加用户 张三（审查员）" in r.text
    db = open_ledger(web_settings.ledger)
    try:
        user = get_user(db, "张三")
    finally:
        db.close()
    assert user["departments"] == ["县科技局", "县商务局", "县教育局"]
    assert "添加用户" in r.text and "张三" in table_rows(r.text, "small")[0][3]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short1", "password2": "short1"}, "密码不符合要求"),
        ({"password": "onlyletters", "password2": "onlyletters"}, "须同时包含字母和数字"),
        ({"password": "Abcdefg123", "password2": "Abcdefg124"}, "两次输入的密码不一致"),
        ({"role": "boss"}, "角色的取值“boss”无效"),
        ({"departments": []}, "审查员的部门"),
        ({"name": "admin"}, "admin"),
    ],
)
def test_add_user_refusals(web_app, fields, message):
    csrf = login(web_app, "admin")
    data = {
        "csrf": csrf,
        "back": "/users",
        "name": "李四",
        "role": "reviewer",
        "departments": ["县科技局"],
        "password": "Lisi20260",
        "password2": "Lisi20260",
        **fields,
    }
    r = web_app.post("/users/add", data=data)
    assert r.url.path == "/users"
    assert 'class="flash flash-error"' in r.text and message in unescape(r.text)
    assert "已添加用户" not in r.text


def test_add_user_needs_csrf(web_app):
    login(web_app, "admin")
    r = web_app.post(
        "/users/add",
        data={
            "name": "王五",
            "role": "viewer",
            "password": "Wangwu2026",
            "password2": "Wangwu2026",
        },
    )
    assert r.status_code == 403
    assert "王五" not in web_app.get("/users").text


def test_reset_password_of_a_chinese_name(web_app):
    csrf = login(web_app, "admin")
    web_app.post(
        "/users/add",
        data={
            "csrf": csrf,
            "back": "/users",
            "name": "赵六",
            "role": "viewer",
            "password": "Zhaoliu2026",
            "password2": "Zhaoliu2026",
        },
    )
    r = web_app.post(
        f"/users/{quote('赵六')}/passwd",
        data={
            "csrf": csrf,
            "back": "/users",
            "password": "NewPass2027",
            "password2": "NewPass2027",
        },
    )
    assert "已重设 赵六 的密码" in r.text
    weak = web_app.post(
        f"/users/{quote('赵六')}/passwd",
        data={"csrf": csrf, "back": "/users", "password": "123", "password2": "123"},
    )
    assert "密码不符合要求" in weak.text
    assert (
        web_app.post(
            f"/users/{quote('没有此人')}/passwd",
            data={
                "csrf": csrf,
                "back": "/users",
                "password": "NewPass2027",
                "password2": "NewPass2027",
            },
        ).status_code
        == 404
    )
    web_app.cookies.clear()
    login(web_app, "赵六", "NewPass2027")


def test_disable_and_enable(web_app):
    csrf = login(web_app, "admin")
    r = web_app.post("/users/leader/disable", data={"csrf": csrf, "back": "/users"})
    assert "已停用用户 leader" in r.text and "已停用" in r.text
    other = make_client_login_fails(web_app, "leader")
    assert other
    r = web_app.post("/users/leader/disable", data={"csrf": csrf, "back": "/users", "enable": "1"})
    assert "已启用用户 leader" in r.text
    self_disable = web_app.post("/users/admin/disable", data={"csrf": csrf, "back": "/users"})
    assert "不能停用自己的账户" in self_disable.text
    assert "停用用户" in self_disable.text  # the trail shows the change


def make_client_login_fails(client, name: str) -> bool:
    r = client.post(
        "/login",
        data={"username": name, "password": PASSWORD},
        follow_redirects=False,
    )
    return r.status_code == 401
