"""The 文件 pages: the document list (filters, scope, counts), one document with its findings
highlighted in place (escaped), the side panel, and the original file's download."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from ledger_fixtures import make_doc, make_findings
from report_fixtures import SAMPLES
from web_fixtures import login, make_client

from screening.ledger import open_ledger, record_findings
from screening.ledger.docview import Segment, clause_segments, highlight, list_documents, spans_of

DONGYING = "东营经开区现代服务业扶持办法.pdf"
HEFEI = "合肥市达产升规与技术改造补贴申报通知.pdf"
SCRIPT = "<script>alert(1)</script>"


def doc_id(client, file: str) -> int:
    with client.app.state.console.pool.db() as db:
        return db.execute("select id from documents where path like ?", [f"%{file}"]).fetchone()[0]


@pytest.fixture
def admin(web_settings):
    client = make_client(web_settings)
    login(client, "admin")
    return client


@pytest.fixture
def shangwu(web_settings):
    client = make_client(web_settings)
    login(client, "shangwu")
    return client


def test_list_shows_counts_and_filters(admin):
    html = admin.get("/documents").text
    assert "共 7 个文件" in html
    for name in (DONGYING, HEFEI, "湖南省5G典型应用场景征集通知.ofd"):
        assert name in html
    with admin.app.state.console.pool.db() as db:
        rows, total = list_documents(db)
        expected = {
            r["name"]: (
                db.execute(
                    "select count(*) from findings where document_id = ? and status = 'active'",
                    [r["id"]],
                ).fetchone()[0],
                db.execute(
                    "select count(*) from cases where document_id = ? "
                    "and status not in ('已销号', '已排除')",
                    [r["id"]],
                ).fetchone()[0],
            )
            for r in rows
        }
    assert total == 7 and {r["name"]: (r["findings"], r["open_cases"]) for r in rows} == expected
    assert expected[HEFEI] == (4, 3)  # 4 findings; reward, register, subsidy still open
    filtered = admin.get("/documents", params={"department": "县工业和信息化局"}).text
    assert HEFEI in filtered and DONGYING not in filtered and "共 2 个文件" in filtered
    searched = admin.get("/documents", params={"q": "东营"}).text
    assert DONGYING in searched and HEFEI not in searched and "共 1 个文件" in searched


def test_reviewer_sees_only_their_departments_documents(shangwu):
    html = shangwu.get("/documents").text
    assert DONGYING in html and HEFEI not in html and "共 1 个文件" in html
    other = shangwu.get("/documents", params={"department": "县工业和信息化局"}).text
    assert HEFEI not in other and "共 0 个文件" in other
    hefei = doc_id(shangwu, HEFEI)
    for url in (f"/documents/{hefei}", f"/documents/{hefei}/original"):
        r = shangwu.get(url)
        assert r.status_code == 403 and "无权" in r.text
    assert shangwu.get(f"/documents/{doc_id(shangwu, DONGYING)}").status_code == 200


def test_document_page_highlights_findings_in_the_full_text(admin):
    html = admin.get(f"/documents/{doc_id(admin, HEFEI)}").text
    text = html.split('<div class="doc-text">')[1].split("</div>")[0]
    marks = re.findall(r'<mark data-finding="(\d+)" id="finding-(\d+)">', text)
    assert [a for a, b in marks] == [b for a, b in marks] == ["0", "1", "2", "3"]
    assert "申报" in re.sub(r"<[^>]+>", "", text)  # the document's own text around the marks
    assert "原文件已不在" not in html
    side = html.split('<aside class="side">')[1]
    assert len(re.findall(r'class="finding panel" data-finding="\d"', side)) == 4
    assert 'data-nav="prev"' in side and 'data-nav="next"' in side and "data-finding-label" in side
    assert re.search(r"<code>FCR-\d+-\d+</code>", side)
    assert "与通报案例相似" in side  # the rationale recorded with the finding
    assert re.search(r'href="/cases/\d+">案件 \d+</a> <span class="badge status-', side)
    assert 'href="/documents/' in html and "打开原文件" in html


def test_standard_text_comes_from_the_corpus(admin):
    html = admin.get(f"/documents/{doc_id(admin, DONGYING)}").text
    side = html.split('<aside class="side">')[1]
    quoted = re.findall(r"<blockquote>(.*?)</blockquote>", side, re.S)
    assert quoted and all(q.strip() for q in quoted)


def test_clause_text_is_escaped_and_a_missing_file_falls_back_to_clauses(web_settings, admin):
    doc = make_doc([f"第五条 对本地企业给予奖励。{SCRIPT}", "第六条 本办法自发布之日起施行。"])
    db = open_ledger(web_settings.ledger)
    try:
        clause = f"第五条 对本地企业给予奖励。{SCRIPT}"
        recorded = record_findings(
            db,
            doc,
            make_findings(doc, [(clause, "FCR-21-3", "其他")]),
            operator="测试员",
            department="县商务局",
        )
    finally:
        db.close()
    r = admin.get(f"/documents/{recorded.document_id}")
    assert r.status_code == 200
    assert SCRIPT not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "原文件已不在" in r.text  # the file is not on this machine: stored clauses only
    assert '<mark data-finding="0" id="finding-0">第五条' in r.text
    gone = admin.get(f"/documents/{recorded.document_id}/original")
    assert gone.status_code == 404 and "原文件" in gone.text
    assert "text/html" in gone.headers["content-type"]  # the error page, not the file


def test_original_download_is_an_attachment_named_as_uploaded(admin):
    r = admin.get(f"/documents/{doc_id(admin, DONGYING)}/original")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote(DONGYING)}"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.content == (SAMPLES / DONGYING).read_bytes()


def test_missing_document_is_404(admin):
    for url in ("/documents/99999", "/documents/99999/original"):
        r = admin.get(url)
        assert r.status_code == 404 and "没有找到该文件" in r.text


@pytest.mark.parametrize(
    "text, spans, expected",
    [
        ("abcdef", [(1, 3)], [Segment("a"), Segment("bc", 0), Segment("def")]),
        ("abcdef", [(0, 2), (1, 4)], [Segment("ab", 0), Segment("cd", 1), Segment("ef")]),
        ("abc", [(1, 9)], [Segment("a"), Segment("bc", 0)]),
        ("abc", [], [Segment("abc")]),
    ],
)
def test_highlight_cuts_text_into_segments(text, spans, expected):
    assert highlight(text, spans) == expected


def test_one_clause_under_two_standards_is_one_highlight():
    doc = make_doc(["甲条款。", "乙条款。"])
    findings = make_findings(
        doc, [("乙条款。", "FCR-21-1", "其他"), ("甲条款。", "FCR-21-3", "其他")]
    )
    findings += make_findings(doc, [("甲条款。", "FCR-14-3", "其他")])
    spans, members = spans_of(findings)
    assert spans == [(findings[1].start, findings[1].end), (findings[0].start, findings[0].end)]
    assert members == {0: [1, 2], 1: [0]}
    segments = clause_segments([], spans, findings)
    assert [s.text for s in segments if s.key is not None] == ["甲条款。", "乙条款。"]
