"""The console's complaint pages: the list (masked, reply deadlines, department scope),
importing a hotline export, registering one by hand, and recording replies — with role checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from report_fixtures import SECRETS
from web_fixtures import login

from screening.ledger.complaints import complaint_rows
from screening.ledger.intake import reply_due


def db_of(client):
    return client.app.state.console.pool.db()


def complaints(client) -> list[dict]:
    with db_of(client) as db:
        return list(db.query("select * from complaints order by id"))


def main_html(client, url: str = "/complaints") -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return r.text.split("<main>", 1)[1]


def listed(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'action="/complaints/(\d+)/reply"', html)]


def export_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["工单编号", "受理时间", "诉求人", "联系电话", "诉求内容", "承办单位"])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


ROWS = [
    [
        "GD-001",
        "2026-02-02 09:30",
        "钱某",
        "13800001111",
        "反映某镇招标要求本地注册企业才能参加。",
        "县商务局",
    ],
    ["GD-002", "2026-02-03", "孙某", "13800002222", "反映县里补贴只给本地纳税大户。", ""],
]


# --- the list -----------------------------------------------------------------------------------


def test_admin_sees_every_complaint_masked_with_deadlines(web_app, web_ledger):
    login(web_app, "admin")
    html = main_html(web_app)
    with db_of(web_app) as db:
        rows = complaint_rows(db)
    assert listed(html) == [r["id"] for r in rows] and len(rows) == 4
    for secret in (*SECRETS, "周某某", "13000000000"):
        assert secret not in html, secret
    for r in rows:
        assert f'href="/cases/{r["case_id"]}"' in html
        assert r["reply_due"] in html
    # 李四娘's complaint (due 2025-12-22) was never answered: overdue
    testing = next(r for r in rows if r["case_id"] == web_ledger[1]["complaint_testing"])
    assert f'<span class="overdue">{testing["reply_due"]}（逾期未反馈）</span>' in html
    # the recorded replies are listed
    assert "已受理，正在核查。" in html and "已核查属实，正在整改。" in html
    assert 'action="/complaints/import"' in html and 'action="/complaints/add"' in html


def test_reviewer_sees_only_complaints_of_own_departments(web_app, web_ledger):
    login(web_app, "admin")
    with db_of(web_app) as db:
        from screening.ledger import add_complaint

        own = add_complaint(
            db, content="反映商务局某政策限定本地企业。", operator="admin", department="县商务局"
        )
    web_app.cookies.clear()
    login(web_app, "shangwu")
    html = main_html(web_app)
    shown = listed(html)
    assert len(shown) == 1
    assert f'href="/cases/{own}"' in html and "反映商务局某政策限定本地企业。" in html
    for other in ("complaint_hospital", "complaint_testing", "complaint_project"):
        assert f'href="/cases/{web_ledger[1][other]}"' not in html
    # no admin forms for a reviewer
    assert 'action="/complaints/import"' not in html and 'action="/complaints/add"' not in html


def test_viewer_has_no_complaints_page(web_app):
    login(web_app, "leader")
    assert web_app.get("/complaints").status_code == 403


# --- register by hand -------------------------------------------------------------------------------


def test_admin_adds_a_complaint(web_app, web_settings):
    csrf = login(web_app, "admin")
    before = len(complaints(web_app))
    r = web_app.post(
        "/complaints/add",
        data={
            "csrf": csrf,
            "received": "2026-03-02",
            "channel": "信访",
            "complainant": "吴某人",
            "contact": "13711112222",
            "respondent": "某乡镇",
            "content": "反映某乡镇限定使用本地建材企业产品。",
            "department": "县商务局",
            "back": "/complaints",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    rows = complaints(web_app)
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["channel"] == "信访" and row["complainant"] == "吴某人"
    assert row["received_at"] == "2026-03-02" and row["respondent"] == "某乡镇"
    with db_of(web_app) as db:
        assert row["reply_due"] == reply_due(db, "2026-03-02", web_settings.reply_days)
        case = db["cases"].get(row["case_id"])
        first = next(db.query("select * from actions where case_id = ?", [row["case_id"]]))
    assert case["source"] == "投诉举报" and case["department"] == "县商务局"
    assert first["operator"] == "admin"
    html = main_html(web_app)
    assert f"已登记投诉举报（案件 {row['case_id']}）" in html
    assert "吴某人" not in html and "13711112222" not in html


def test_add_joins_an_existing_case(web_app, web_ledger):
    csrf = login(web_app, "admin")
    case_id = web_ledger[1]["complaint_testing"]
    r = web_app.post(
        "/complaints/add",
        data={"csrf": csrf, "content": "再次反映检测机构备案问题。", "case_id": str(case_id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert complaints(web_app)[-1]["case_id"] == case_id


@pytest.mark.parametrize(
    "data, message",
    [
        ({"content": ""}, "请填写投诉举报内容"),
        ({"content": "x", "received": "三月二日"}, "受理时间"),
        ({"content": "x", "case_id": "abc"}, "案件编号"),
    ],
)
def test_add_refuses_bad_forms(web_app, data, message):
    csrf = login(web_app, "admin")
    before = len(complaints(web_app))
    r = web_app.post(
        "/complaints/add",
        data={"csrf": csrf, "back": "/complaints", **data},
        follow_redirects=False,
    )
    assert r.status_code == 303 and len(complaints(web_app)) == before
    assert message in web_app.get("/complaints").text


# --- import ---------------------------------------------------------------------------------------


def post_import(client, csrf, name, data):
    return client.post(
        "/complaints/import",
        data={"csrf": csrf, "channel": "12345", "back": "/complaints"},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_admin_imports_a_hotline_export_once(web_app):
    csrf = login(web_app, "admin")
    before = len(complaints(web_app))
    r = post_import(web_app, csrf, "热线工单.csv", export_csv(ROWS))
    assert r.status_code == 303 and r.headers["location"] == "/complaints"
    rows = complaints(web_app)[before:]
    assert [r["external_id"] for r in rows] == ["GD-001", "GD-002"]
    assert rows[0]["complainant"] == "钱某" and rows[0]["received_at"].startswith("2026-02-02")
    with db_of(web_app) as db:
        ops = {a["operator"] for a in db.query(
            "select operator from actions where case_id in (?, ?)",
            [rows[0]["case_id"], rows[1]["case_id"]],
        )}  # fmt: skip
    assert ops == {"admin"}
    html = main_html(web_app)
    assert "导入完成：新建案件 2 件" in html and "未导入 0 行" in html
    assert "钱某" not in html and "13800001111" not in html
    # the same file again changes nothing
    post_import(web_app, csrf, "热线工单.csv", export_csv(ROWS))
    assert len(complaints(web_app)) == before + 2
    assert "此前已导入跳过 2 条" in main_html(web_app)


def test_import_reports_bad_rows_and_bad_files(web_app):
    csrf = login(web_app, "admin")
    before = len(complaints(web_app))
    post_import(
        web_app, csrf, "e.csv", export_csv([*ROWS[:1], ["GD-003", "2026-02-04", "", "", "", ""]])
    )
    html = main_html(web_app)
    assert "新建案件 1 件" in html and "未导入 1 行" in html and "第 3 行未导入" in html
    assert len(complaints(web_app)) == before + 1
    post_import(web_app, csrf, "notes.txt", b"hello")
    assert "只能导入 XLSX、XLS 或 CSV" in main_html(web_app)
    post_import(web_app, csrf, "cols.csv", "单号,日期,备注\n1,2026-01-01,x\n".encode())
    assert "诉求内容" in main_html(web_app)
    assert len(complaints(web_app)) == before + 1


def test_import_size_limit(web_app):
    csrf = login(web_app, "admin")
    r = post_import(web_app, csrf, "big.csv", b"x" * (21 * 1024 * 1024))
    assert r.status_code == 413


@pytest.mark.parametrize("name", ["shangwu", "leader"])
def test_only_admin_imports_or_adds(web_app, name):
    csrf = login(web_app, name)
    before = len(complaints(web_app))
    assert post_import(web_app, csrf, "e.csv", export_csv(ROWS)).status_code == 403
    r = web_app.post("/complaints/add", data={"csrf": csrf, "content": "x"}, follow_redirects=False)
    assert r.status_code == 403
    assert len(complaints(web_app)) == before


# --- reply ----------------------------------------------------------------------------------------


def reply(client, csrf, complaint_id, content="已电话告知核查进展。", back="/complaints"):
    return client.post(
        f"/complaints/{complaint_id}/reply",
        data={"csrf": csrf, "content": content, "channel": "短信", "back": back},
        follow_redirects=False,
    )


def test_admin_records_a_reply(web_app, web_ledger):
    csrf = login(web_app, "admin")
    case_id = web_ledger[1]["complaint_testing"]
    q = next(c for c in complaints(web_app) if c["case_id"] == case_id)
    r = reply(web_app, csrf, q["id"])
    assert r.status_code == 303 and r.headers["location"] == "/complaints"
    with db_of(web_app) as db:
        fb = list(db.query("select * from feedback where complaint_id = ?", [q["id"]]))
        last = list(db.query("select * from actions where case_id = ? order by id", [case_id]))[-1]
    assert len(fb) == 1 and fb[0]["operator"] == "admin" and fb[0]["channel"] == "短信"
    assert last["action"] == "note" and last["operator"] == "admin"
    html = main_html(web_app)
    assert f"已登记对投诉举报 {q['id']} 的反馈" in html
    assert f'<span class="overdue">{q["reply_due"]}（逾期未反馈）</span>' not in html
    assert "超过反馈期限后反馈" in html
    # an empty reply is refused with a message
    reply(web_app, csrf, q["id"], content="")
    assert "请填写反馈内容" in main_html(web_app)
    # from the case page, back to the case page
    r = reply(web_app, csrf, q["id"], back=f"/cases/{case_id}")
    assert r.headers["location"] == f"/cases/{case_id}"


def test_reviewer_replies_only_within_own_departments(web_app, web_ledger):
    login(web_app, "admin")
    with db_of(web_app) as db:
        from screening.ledger import add_complaint

        own_case = add_complaint(
            db, content="反映商务局政策问题。", operator="admin", department="县商务局"
        )
    own = next(c for c in complaints(web_app) if c["case_id"] == own_case)
    foreign = next(
        c for c in complaints(web_app) if c["case_id"] == web_ledger[1]["complaint_testing"]
    )
    web_app.cookies.clear()
    csrf = login(web_app, "shangwu")
    assert reply(web_app, csrf, foreign["id"]).status_code == 403
    assert reply(web_app, csrf, own["id"]).status_code == 303
    with db_of(web_app) as db:
        assert db["feedback"].count_where("complaint_id = ?", [foreign["id"]]) == 0
        fb = list(db.query("select * from feedback where complaint_id = ?", [own["id"]]))
    assert [f["operator"] for f in fb] == ["shangwu"]
    assert reply(web_app, csrf, 99999).status_code == 404


def test_reply_needs_csrf(web_app, web_ledger):
    login(web_app, "admin")
    q = complaints(web_app)[0]
    r = web_app.post(f"/complaints/{q['id']}/reply", data={"content": "x"}, follow_redirects=False)
    assert r.status_code == 403
    with db_of(web_app) as db:
        assert db["feedback"].count_where("complaint_id = ?", [q["id"]]) == 0


def test_reply_due_is_highlighted_only_when_unanswered_and_past(web_app):
    login(web_app, "admin")
    html = main_html(web_app)
    today = dt.date.today().isoformat()
    for q in complaint_rows_of(web_app):
        late = not q["replied_at"] and q["reply_due"] < today
        assert (f'<span class="overdue">{q["reply_due"]}（逾期未反馈）' in html) == late


def complaint_rows_of(client):
    with db_of(client) as db:
        return complaint_rows(db)
