"""Report drafts from a realistic ledger: figures against SQL, 公文 layout, privacy, same bytes, CLI.

The ledger (tests/report_fixtures.py) holds the seven sample documents with their golden
findings and cases worked through the lifecycle in 2025Q4; reports are generated for 2025Q4 as
of 2026-01-05.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import report_fixtures as rf
from click.testing import CliRunner
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

from screening import reports
from screening.cli import main
from screening.config import default_corpus_dir
from screening.errors import CasesNotConfirmedError, OutputFormatError, PeriodError
from screening.ledger import WorkCalendar, open_ledger
from screening.privacy import Redactor
from screening.reports import charts, ledger_table
from screening.reports.layout import title_lines
from screening.reports.queries import doc_type

AS_OF = dt.date(2026, 1, 5)
Q4 = reports.parse_period("2025Q4")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "台账.db"
    ids = rf.build_ledger(path)
    return path, ids


@pytest.fixture(scope="module")
def ids(built):
    return built[1]


@pytest.fixture(scope="module")
def db(built):
    database = open_ledger(built[0])
    yield database
    database.close()


def generate(db, ids, out: Path) -> dict[str, reports.Written]:
    corpus = default_corpus_dir()
    notice_cases = [ids["dongying"], ids["hefei_register"], ids["complaint_hospital"]]
    return {
        "county": reports.write_self_inspection(
            db, out / "县自查.docx", period=Q4, date=AS_OF, corpus_dir=corpus
        ),
        "dept": reports.write_self_inspection(
            db,
            out / "工信自查.docx",
            period=Q4,
            date=AS_OF,
            corpus_dir=corpus,
            department="县工业和信息化局",
        ),
        "notice": reports.write_notice(
            db, out / "通报.docx", case_ids=notice_cases, date=AS_OF, corpus_dir=corpus
        ),
        "xlsx": reports.write_ledger_table(db, out / "台账.xlsx", date=AS_OF, corpus_dir=corpus),
        "csv": reports.write_ledger_table(
            db, out / "csv" / "台账.csv", date=AS_OF, corpus_dir=corpus
        ),
        "stats": reports.write_stats(db, out / "stats", period=Q4, date=AS_OF),
    }


@pytest.fixture(scope="module")
def out(db, ids, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    return folder, generate(db, ids, folder)


def sidecar(written: reports.Written) -> dict:
    return json.loads(written.sidecar.read_text(encoding="utf-8"))


def figure_values(written: reports.Written) -> dict:
    return {f["key"]: f["value"] for f in sidecar(written)["figures"]}


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def body_text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


# --- periods and small helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start", "end", "label"),
    [
        ("2025", "2025-01-01", "2025-12-31", "2025年"),
        ("2025Q4", "2025-10-01", "2025-12-31", "2025年第四季度"),
        ("2025q1", "2025-01-01", "2025-03-31", "2025年第一季度"),
        ("2025-11", "2025-11-01", "2025-11-30", "2025年11月"),
        ("2024-02", "2024-02-01", "2024-02-29", "2024年2月"),
        ("2025-12", "2025-12-01", "2025-12-31", "2025年12月"),
    ],
)
def test_period_forms(value, start, end, label):
    p = reports.parse_period(value)
    assert (p.start.isoformat(), p.end.isoformat(), p.label) == (start, end, label)


def test_period_from_to():
    p = reports.parse_period(start="2025-10-08", end="2025-11-30")
    assert (p.start, p.end) == (dt.date(2025, 10, 8), dt.date(2025, 11, 30))
    assert p.label == "2025年10月8日至2025年11月30日"


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2025Q5", None, None),
        ("25", None, None),
        ("2025-13", None, None),
        ("上半年", None, None),
        (None, "2025-12-31", "2025-10-01"),
        ("2025Q4", "2025-10-01", None),
        (None, None, None),
    ],
)
def test_bad_periods_say_how_to_write_one(value, start, end):
    with pytest.raises(PeriodError, match="请写作 2025（全年）、2025Q4（第四季度）、2025-11"):
        reports.parse_period(value, start=start, end=end)


@pytest.mark.parametrize(
    ("title", "path", "expected"),
    [
        ("关于修订《东营经济技术开发区现代服务业高质量发展扶持办法》的通知", "a.pdf", "办法"),
        ("海南省发展和改革委员会关于印发《充电设施运营管理暂行办法》的通知", "a.html", "办法"),
        ("中共柳河县委 柳河县人民政府关于支持重点产业加快发展的实施意见", "a.docx", "意见"),
        ("关于开展2017年度新经济企业入库工作的通知", "a.docx", "通知"),
        ("平罗县中医医院血液透析机设备项目", "/x/平罗县血液透析机设备采购公告.txt", "公告"),
        (None, "/x/合肥市达产升规与技术改造补贴申报通知.pdf", "通知"),
        ("某县招商引资优惠政策实施细则（试行）", "a.docx", "细则"),
        ("会议材料", "/x/材料.docx", "其他"),
    ],
)
def test_document_type_from_title(title, path, expected):
    assert doc_type(title, path) == expected


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        (
            "××县关于2025年第四季度公平竞争审查自查整改情况的报告",
            ["××县关于2025年第四季度", "公平竞争审查自查整改情况的报告"],
        ),
        (
            "关于三起违反公平竞争审查标准典型案例的通报",
            ["关于三起违反公平竞争审查标准", "典型案例的通报"],
        ),
        ("短标题的报告", ["短标题的报告"]),
    ],
)
def test_long_titles_break_at_words(title, lines):
    assert title_lines(title).split("\n") == lines


# --- figures -------------------------------------------------------------------------------------

COUNTY_FIGURES = [
    ("documents.total", 5),  # 湖南 (September) and 平罗 (January) are outside 2025Q4
    ("documents.by_type.办法", 2),
    ("documents.by_type.意见", 1),
    ("documents.by_type.通知", 2),
    ("findings.total", 45),
    ("findings.by_family.限制市场准入和退出", 2),
    ("findings.by_family.限制商品要素自由流动", 2),
    ("findings.by_family.影响生产经营成本", 41),
    ("cases.total", 48),  # 45 screening cases + 3 complaints received in the quarter
    ("cases.confirmed", 8),
    ("cases.dismissed", 2),
    ("cases.open", 38),
    ("rectify.deployed", 7),
    ("rectify.done", 5),
    ("rectify.on_time", 4),  # 合肥 reward was submitted five days after its deadline
    ("rectify.closed", 4),
    ("rectify.in_progress", 2),
    ("rectify.on_time_rate", 0.6667),  # 4 of 5 done + 1 rectifying past its deadline
    ("overdue.total", 4),
    ("overdue.verify", 3),
    ("overdue.rectify", 1),
    ("complaints.total", 3),
    ("complaints.replied", 2),
    ("complaints.on_time", 2),  # on time only thanks to the 元旦 holidays and 调休 Sunday
    ("complaints.overdue", 1),
    ("complaints.on_time_rate", 0.6667),
    ("dept[县工业和信息化局].documents.total", 1),
    ("dept[县工业和信息化局].findings.total", 4),
    ("dept[县工业和信息化局].cases.confirmed", 2),
    ("dept[县工业和信息化局].rectify.on_time_rate", 0.0),
    ("dept[县工业和信息化局].overdue.total", 2),
    ("dept[县科技局].rectify.on_time_rate", None),  # nothing due yet
    ("dept[县卫生健康局].complaints.on_time_rate", 1.0),
    ("dept[县市场监管局].complaints.on_time_rate", 0.0),
    ("dept[县发展改革局].documents.total", 2),
    ("total.cases.total", 48),
]


@pytest.mark.parametrize(("key", "expected"), COUNTY_FIGURES)
def test_county_figures(out, key, expected):
    assert figure_values(out[1]["county"])[key] == expected


def test_department_report_counts_only_its_rows(out):
    values = figure_values(out[1]["dept"])
    assert (values["documents.total"], values["cases.total"], values["cases.confirmed"]) == (
        1,
        4,
        2,
    )
    assert values["overdue.total"] == 2 and values["complaints.total"] == 0


def test_definitions_of_on_time_are_stated(out):
    data = sidecar(out[1]["county"])
    assert "最近一次提交复核的日期不晚于整改期限" in data["definitions"]["按期整改"]
    assert (
        "按配置项 reply_days 计算，默认受理后15个工作日" in data["definitions"]["投诉举报按期答复"]
    )
    assert data["scope"] == {
        "from": "2025-10-01",
        "to": "2025-12-31",
        "period": "2025Q4",
        "period_label": "2025年第四季度",
        "department": None,
        "date": "2026-01-05",
        "complaint_reply_workdays": 15,
    }


# Independent SQL: each metric written out again against the raw tables.
CAL = WorkCalendar.of(rf.HOLIDAYS, rf.MAKEUP_WORKDAYS)
IN_Q = "date({col}) between '2025-10-01' and '2025-12-31'"
DEPT = "coalesce({col}, '（未指定部门）')"
CASE_STATES = {
    "cases.total": None,
    "cases.confirmed": ("已认定", "整改中", "待复核", "已销号"),
    "cases.dismissed": ("已排除",),
    "cases.open": ("待核查", "核查中"),
    "rectify.deployed": ("整改中", "待复核", "已销号"),
    "rectify.done": ("待复核", "已销号"),
    "rectify.closed": ("已销号",),
    "rectify.in_progress": ("整改中",),
}
DONE_AT = "(select max(at) from actions a where a.case_id = cases.id and a.to_state = '待复核')"
LATE_VERIFY = "status = '核查中' and verify_deadline < '2026-01-05'"
LATE_RECTIFY = "status = '整改中' and rectify_deadline < '2026-01-05'"
FILE_TYPES = {
    "东营": "办法",
    "合肥": "通知",
    "成都": "通知",
    "柳河": "意见",
    "海南": "办法",
    "湖南": "通知",
    "平罗": "公告",
}


def _ids(db, sql, params=()):
    return sorted(r["id"] for r in db.query(sql, list(params)))


def sql_documents(db, dept, rest):
    sql = (
        "select id, path from documents where id in (select document_id from screenings where "
        f"{IN_Q.format(col='at')} and date(at) <= '2026-01-05')"
    )
    rows = [
        r
        for r in db.query(
            sql + (f" and {DEPT.format(col='department')} = ?" if dept else ""),
            [dept] if dept else [],
        )
    ]
    if rest:
        kind = rest.split(".")[-1]
        rows = [r for r in rows if FILE_TYPES[Path(r["path"]).name[:2]] == kind]
    return sorted(r["id"] for r in rows), None


def sql_findings(db, dept, rest):
    sql = (
        "select f.id from findings f join documents d on d.id = f.document_id where "
        + IN_Q.format(col="f.first_seen")
    )
    params = []
    if dept:
        sql += f" and {DEPT.format(col='d.department')} = ?"
        params.append(dept)
    if rest:
        sql += " and json_extract(f.data, '$.family') = ?"
        params.append(rest.split(".")[-1])
    return _ids(db, sql, params), None


def _cases_sql(dept, where):
    sql = f"select id from cases where {IN_Q.format(col='created_at')} and ({where})"
    return (sql + f" and {DEPT.format(col='department')} = ?", [dept]) if dept else (sql, [])


def sql_cases(db, dept, metric):
    if metric in CASE_STATES:
        states = CASE_STATES[metric]
        where = "1" if states is None else "status in (" + ",".join(f"'{s}'" for s in states) + ")"
        return _ids(db, *_cases_sql(dept, where)), None
    on_time = f"status in ('待复核', '已销号') and date({DONE_AT}) <= rectify_deadline"
    wheres = {
        "rectify.on_time": on_time,
        "overdue.total": f"({LATE_VERIFY}) or ({LATE_RECTIFY})",
        "overdue.verify": LATE_VERIFY,
        "overdue.rectify": LATE_RECTIFY,
    }
    if metric == "rectify.on_time_rate":
        due = f"status in ('待复核', '已销号') or ({LATE_RECTIFY})"
        return _ids(db, *_cases_sql(dept, on_time)), _ids(db, *_cases_sql(dept, due))
    return _ids(db, *_cases_sql(dept, wheres[metric])), None


def sql_unreadable(db, dept):
    sql = (
        "select id from unreadable where date(first_seen) <= '2025-12-31' "
        "and date(last_seen) >= '2025-10-01' "
        "and (resolved_at is null or date(resolved_at) > '2026-01-05')"
    )
    if dept:
        return _ids(db, sql + f" and {DEPT.format(col='department')} = ?", [dept]), None
    return _ids(db, sql), None


def sql_complaints(db, dept, metric):
    rows = list(
        db.query(
            "select c.id, c.received_at, coalesce(k.department, '（未指定部门）') as dept, "
            "(select min(f.at) from feedback f where f.complaint_id = c.id) as first "
            "from complaints c left join cases k on k.id = c.case_id where "
            + IN_Q.format(col="c.received_at")
        )
    )
    rows = [r for r in rows if not dept or r["dept"] == dept]
    for r in rows:
        r["due"] = CAL.add_workdays(dt.date.fromisoformat(r["received_at"][:10]), 15)
        r["on_time"] = bool(r["first"]) and dt.date.fromisoformat(r["first"][:10]) <= r["due"]
    pick = {
        "complaints.total": lambda r: True,
        "complaints.replied": lambda r: bool(r["first"]),
        "complaints.on_time": lambda r: r["on_time"],
        "complaints.overdue": lambda r: not r["first"] and r["due"] < AS_OF,
        "complaints.on_time_rate": lambda r: r["on_time"],
    }[metric]
    hits = sorted(r["id"] for r in rows if pick(r))
    if metric.endswith("_rate"):
        return hits, sorted(r["id"] for r in rows if r["first"] or r["due"] < AS_OF)
    return hits, None


def independent(db, key, scope_dept):
    """(table, rows, base rows) for a sidecar key; unprefixed keys are the report's own scope."""
    m = re.fullmatch(r"(dept\[(.+?)\]\.|total\.)?(.+)", key)
    dept = m[2] if m[1] and m[2] else (None if m[1] else scope_dept)
    metric = m[3]
    head = metric.split(".")[0]
    if doc := re.fullmatch(r"document\[(\d+)\]\.findings", metric):
        sql = f"select id from findings where document_id = ? and {IN_Q.format(col='first_seen')}"
        return "findings", _ids(db, sql, [doc[1]]), None
    if metric == "problems.documents":
        states = "','".join(CASE_STATES["cases.confirmed"])
        where = f"status in ('{states}') and document_id is not null"
        sql, params = _cases_sql(dept, where)
        rows = sorted(
            {
                r["document_id"]
                for r in db.query(sql.replace("select id", "select document_id"), params)
            }
        )
        return "documents", rows, None
    if head == "documents":
        return "documents", *sql_documents(db, dept, metric.removeprefix("documents.total"))
    if head == "findings":
        return "findings", *sql_findings(db, dept, metric.removeprefix("findings.total"))
    if head == "complaints":
        return "complaints", *sql_complaints(db, dept, metric)
    if head == "unreadable":
        return "unreadable", *sql_unreadable(db, dept)
    return "cases", *sql_cases(db, dept, metric)


@pytest.mark.parametrize("report", ["county", "dept", "stats"])
def test_every_sidecar_number_matches_independent_sql(out, db, report):
    data = sidecar(out[1][report])
    assert len(data["figures"]) > 20
    for fig in data["figures"]:
        table, rows, base = independent(db, fig["key"], data["scope"]["department"])
        assert fig["rows"] == {table: rows}, fig["key"]
        if base is None:
            assert fig["value"] == len(rows), fig["key"]
        else:
            assert fig["base"] == {table: base}, fig["key"]
            expected = round(len(rows) / len(base), 4) if base else None
            assert fig["value"] == expected, fig["key"]


def test_a_dated_report_does_not_move_with_the_ledger(tmp_path):
    """Cases worked, complaints answered and files swept after the report date change nothing in
    the report for that date; a report dated after them counts them."""
    path = tmp_path / "台账.db"
    ids = rf.build_ledger(path)
    corpus = default_corpus_dir()

    def write(folder: str, date: dt.date) -> dict[str, bytes]:
        db = open_ledger(path)
        try:
            county = reports.write_self_inspection(
                db, tmp_path / folder / "县自查.docx", period=Q4, date=date, corpus_dir=corpus
            )
            stats = reports.write_stats(db, tmp_path / folder / "stats", period=Q4, date=date)
        finally:
            db.close()
        files = [*county.paths, county.sidecar, *stats.paths, stats.sidecar]
        return {f.name: f.read_bytes() for f in files}

    before = write("before", AS_OF)
    with rf.patched_clock() as clock:
        db = open_ledger(path)
        rf.work_after(db, clock, ids)
        db.close()
    after = write("after", AS_OF)
    assert after.keys() == before.keys()
    assert [n for n in before if after[n] != before[n]] == []

    later = write("later", dt.date(2026, 1, 31))
    old, new = (
        {f["key"]: f["value"] for f in json.loads(x["县自查.json"])["figures"]}
        for x in (before, later)
    )
    assert new["rectify.closed"] == old["rectify.closed"] + 1  # 合肥 reward closed on 01-20
    assert new["rectify.in_progress"] == old["rectify.in_progress"] + 1  # 柳河 quality
    assert new["complaints.replied"] == old["complaints.replied"] + 1
    assert (
        new["cases.confirmed"] == old["cases.confirmed"] + 1
    )  # a waiting 柳河 clause, decided 01-22
    assert new["cases.open"] == old["cases.open"] - 1
    assert new["documents.total"] == old["documents.total"]  # January sweeps are not Q4's
    assert new["unreadable.total"] == old["unreadable.total"] - 1  # 卫健局 file read 01-10


def test_case_trail_replays_fields_as_of_a_day():
    from screening import ledger as lg
    from screening.ledger.cases import cases_as_of

    db = open_ledger(":memory:")
    lg.add_department(db, "县商务局")
    with rf.patched_clock() as clock:
        with clock.at("2025-11-03"):
            cid = lg.create_case(db, source="自查", title="某条款", operator="甲")
        with clock.at("2025-11-04"):
            lg.assign(db, cid, department="县商务局", assignee="乙", operator="甲",
                      deadline="2025-11-07")  # fmt: skip
        with clock.at("2025-11-06"):
            lg.decide(db, cid, confirmed=True, reason="限定本地", operator="乙",
                      standards=["FCR-9-2"])  # fmt: skip
        with clock.at("2025-11-10"):
            lg.rectify(db, cid, measures="删除", responsible="丙", deadline="2025-11-30",
                       operator="甲")  # fmt: skip
    case = lg.get_case(db, cid)

    def on(day: str) -> dict:
        found = cases_as_of(db, [case], dt.date.fromisoformat(day))
        return found[0] if found else {}

    assert on("2025-11-02") == {}
    assert (on("2025-11-03")["status"], on("2025-11-03")["assignee"]) == ("待核查", None)
    assert on("2025-11-05")["verify_deadline"] == "2025-11-07"
    assert (on("2025-11-06")["standards"], on("2025-11-06")["rectify_deadline"]) == (
        ["FCR-9-2"],
        None,
    )
    assert on("2025-11-10") == {**case, "updated_at": case["updated_at"]}
    db.close()


# --- the self-inspection report ------------------------------------------------------------------


@pytest.fixture(scope="module")
def county_doc(out):
    return docx.Document(out[1]["county"].paths[0])


def test_self_inspection_outline(county_doc):
    titles = [p.text for p in county_doc.paragraphs if p.style.name == "公文标题"]
    assert titles[:2] == ["××县关于2025年第四季度", "公平竞争审查自查整改情况的报告"]
    assert headings(county_doc, 1) == [
        "一、基本情况",
        "二、存在的问题",
        "三、整改措施及成效",
        "四、下一步工作安排",
    ]
    assert headings(county_doc, 2)[0].startswith("（一）《东营经济技术开发区管理委员会关于修订〈")
    assert "（五）投诉举报等渠道反映的问题" in headings(county_doc, 2)
    assert titles[-1] == "公平竞争审查工作台账（2025年第四季度）"


@pytest.mark.parametrize(
    "fragment",
    [
        "共审查涉及经营者经济活动的政策文件5件，其中办法2件、意见1件、通知2件。另有2件文件因扫描件"
        "无文字层、加密或损坏等原因未能自动筛查，已登记待人工审查。经筛查，",
        "发现疑似违反公平竞争审查标准的条款45处，其中限制市场准入和退出2处、限制商品要素自由流动2处、"
        "影响生产经营成本41处。",
        "经核查认定违规8件，排除2件，尚在核查38件。",
        "完成整改5件（其中按期完成4件，按期整改率66.7%）",
        "截至2026年1月5日，逾期未办结4件（核查逾期3件、整改逾期1件）。",
        "受理投诉举报3件，已答复2件，其中按期答复2件，按期答复率66.7%；逾期未答复1件。",
        # a confirmed case: clause quoted, standard cited verbatim, the reviewer's reason
        "第三条规定：“对新注册、新迁入企业,在本办法有效期内实现统计新增的",
        "该条款涉嫌违反《公平竞争审查条例实施办法》第十九条第（四）项的规定：“起草涉及经营者经济活动的"
        "政策措施，没有法律、行政法规依据或者未经国务院批准，不得含有下列给予特定经营者选择性、差异化的"
        "财政奖励或者补贴的内容：采取列收列支",
        "核查认定：以对地方经济发展的贡献为标准给予特定经营者奖励。",
        "第一部分第（1）项规定：“（1）企业在成都高新区内注册，具有独立企业法人资格”",
        "删除“在本市行政区域范围内注册纳税”的申报条件（责任人：整改责任人丙；整改时限：2025-12-20；"
        "正在整改，已逾期）",
        "附件：公平竞争审查工作台账",
    ],
)
def test_self_inspection_text(county_doc, fragment):
    assert fragment in body_text(county_doc)


def test_unreadable_files_only_where_some_remain(out):
    assert figure_values(out[1]["county"])["unreadable.total"] == 2
    stats = figure_values(out[1]["stats"])
    assert stats["dept[县科技局].unreadable.total"] == 1
    assert stats["dept[县商务局].unreadable.total"] == 0  # read again within the quarter
    dept = docx.Document(out[1]["dept"].paths[0])  # 县工业和信息化局: none
    assert figure_values(out[1]["dept"])["unreadable.total"] == 0
    assert "未能自动筛查" not in body_text(dept)


def test_self_inspection_scorecard_table_matches_figures(county_doc, out):
    values = figure_values(out[1]["county"])
    table = county_doc.tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows}
    assert rows["部门"][1:] == [
        "审查\n文件",
        "疑似问\n题条款",
        "认定\n违规",
        "按期\n整改率",
        "逾期\n未办结",
        "投诉举报\n按期答复率",
    ]
    assert rows["县工业和信息化局"] == ["县工业和信息化局", "1", "4", "2", "0.0%", "2", "—"]
    assert rows["合计"][1:4] == [str(values["documents.total"]), "45", "8"]
    assert len(table.rows) == 1 + len(rf.DEPARTMENTS) + 1


def test_self_inspection_annex_is_the_ledger(county_doc, out, ids):
    annex = county_doc.tables[-1]
    assert [c.text for c in annex.rows[0].cells] == ledger_table.HEADER
    assert len(annex.rows) == 1 + 48
    row = {h: c.text for h, c in zip(ledger_table.HEADER, annex.rows[1].cells, strict=True)}
    assert row == {
        "序号": "1",
        "问题来源": "筛查发现",
        "发现时间": "2025-10-09",
        "责任单位": "县商务局",
        "文件名称": "东营经济技术开发区管理委员会关于修订《东营经济技术开发区现代服务业高质量发展扶持办法》的通知",
        "文号": "东开管发〔2023〕5号",
        "问题条款": row["问题条款"],
        "问题类型": "影响生产经营成本",
        "违反标准": "《实施办法》第十九条第（四）项（FCR-19-4）",
        "核查结论": "认定违规：以对地方经济发展的贡献为标准给予特定经营者奖励",
        "整改措施": "修订扶持办法，删除按地方经济发展贡献给予奖励的条款",
        "整改时限": "2025-11-30",
        "责任人": "整改责任人丙",
        "整改状态": "已销号",
        "销号时间": "2025-11-25",
    }
    assert row["问题条款"].startswith("第三条：对新注册、新迁入企业")
    assert sidecar(out[1]["county"])["annex_rows"][0] == {"case_id": ids["dongying"], "序号": 1}


def test_page_setup_is_gbt_9704(county_doc):
    first, annex = county_doc.sections[0], county_doc.sections[-1]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    margins = [
        round(m.mm)
        for m in (first.top_margin, first.bottom_margin, first.left_margin, first.right_margin)
    ]
    assert margins == [37, 35, 28, 26]
    assert annex.orientation == WD_ORIENT.LANDSCAPE
    assert (round(annex.page_width.mm), round(annex.page_height.mm)) == (297, 210)
    assert county_doc.settings.odd_and_even_pages_header_footer


@pytest.mark.parametrize(
    ("style", "east_asia", "size", "bold", "line"),
    [
        ("Normal", "仿宋_GB2312", 16, False, 29),
        ("公文标题", "方正小标宋简体", 22, False, 36),
        ("Heading 1", "黑体", 16, False, 29),
        ("Heading 2", "楷体_GB2312", 16, False, 29),
        ("Heading 3", "仿宋_GB2312", 16, True, 29),
        ("页码", "宋体", 14, False, 1.0),
        ("台账表格文字", "仿宋_GB2312", 9, False, 1.0),
    ],
)
def test_styles_name_their_fonts(county_doc, style, east_asia, size, bold, line):
    s = county_doc.styles[style]
    fonts = s.element.rPr.rFonts
    assert fonts.get(f"{W}eastAsia") == east_asia
    assert fonts.get(f"{W}ascii") == "Times New Roman"
    assert fonts.get(f"{W}asciiTheme") is None
    assert s.font.size == Pt(size) and bool(s.font.bold) == bold
    assert s.paragraph_format.line_spacing == (Pt(line) if line > 1 else line)


@pytest.mark.parametrize("footer", ["footer", "even_page_footer"])
def test_page_numbers_are_dashed_page_fields(county_doc, footer):
    p = getattr(county_doc.sections[0], footer).paragraphs[0]
    xml = p._p.xml
    assert p.text.startswith("— ") and p.text.endswith(" —")
    assert '<w:instrText xml:space="preserve"> PAGE </w:instrText>' in xml
    assert p.style.name == "页码"


def test_chart_is_embedded_and_written_beside(out, county_doc):
    written = out[1]["county"]
    png = [p for p in written.paths if p.suffix == ".png"]
    assert [p.name for p in png] == ["县自查_图1_各部门情况.png"]
    blobs = [r.target_part.blob for r in county_doc.part.rels.values() if "image" in r.reltype]
    assert blobs == [png[0].read_bytes()]


def test_department_report(out):
    d = docx.Document(out[1]["dept"].paths[0])
    assert [p.text for p in d.paragraphs if p.style.name == "公文标题"][:2] == [
        "县工业和信息化局关于2025年第四季度",
        "公平竞争审查自查整改情况的报告",
    ]
    assert [c.text for c in d.tables[0].rows[1].cells] == [
        "1",
        "合肥市达产升规与技术改造补贴申报通知",
        "",
        "通知",
        "4",
    ]
    assert len(d.tables[-1].rows) == 1 + 4
    assert "本期未受理投诉举报。" in body_text(d)
    assert [p.text for p in d.paragraphs if p.style.name == "公文落款"] == [
        "县工业和信息化局",
        "2026年1月5日",
    ]


# --- the notice --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notice_doc(out):
    return docx.Document(out[1]["notice"].paths[0])


def test_notice_outline(notice_doc, out, ids):
    cases = [ids["dongying"], ids["hefei_register"], ids["complaint_hospital"]]
    assert figure_values(out[1]["notice"]) == {"notice.cases": 3}
    assert [c["case_id"] for c in sidecar(out[1]["notice"])["cases"]] == cases
    assert notice_doc.paragraphs[0].text == "××〔2026〕×号"
    assert notice_doc.paragraphs[0].style.name == "公文发文字号"
    titles = [p.text for p in notice_doc.paragraphs if p.style.name == "公文标题"]
    assert "".join(titles) == "关于三起违反公平竞争审查标准典型案例的通报"
    assert headings(notice_doc, 1) == ["一、典型案例", "二、有关要求"]
    assert headings(notice_doc, 2) == [
        "（一）东营经济技术开发区管理委员会以对地方经济发展的贡献为标准给予特定经营者奖励问题",
        "（二）县工业和信息化局以在本行政区域注册纳税作为申报条件问题",
        "（三）县卫生健康局将在本地设立分支机构作为参与政府采购的条件问题",
        "（一）对照自查自纠",
        "（二）严格落实公平竞争审查制度",
        "（三）畅通投诉举报渠道",
    ]


@pytest.mark.parametrize(
    "fragment",
    [
        "现将核查认定的三起典型案例通报如下。",
        "东营经济技术开发区管理委员会于2023年1月28日印发的《东营经济技术开发区管理委员会关于修订"
        "〈东营经济技术开发区现代服务业高质量发展扶持办法〉的通知》（东开管发〔2023〕5号）第三条规定"
        "“对新注册、新迁入企业",
        "上述规定违反了《公平竞争审查条例实施办法》第十九条第（四）项“起草涉及经营者经济活动的政策措施",
        "整改情况：县商务局已完成整改，修订扶持办法，删除按地方经济发展贡献给予奖励的条款，经复核已于"
        "2025年11月25日销号。",
        "整改情况：县工业和信息化局已部署整改，删除“在本市行政区域范围内注册纳税”的申报条件，整改时限为"
        "2025-12-20。",
        "2025年11月3日，有群众通过12345投诉举报，反映“＊＊＊反映：县卫生健康局设备采购公告要求投标人"
        "在本县设立分支机构，联系电话＊＊＊”。",
        "上述规定违反了《公平竞争审查条例实施办法》第十四条第（三）项",
        "各乡（镇）、各部门要对照上述典型案例，举一反三",
    ],
)
def test_notice_text(notice_doc, fragment):
    assert fragment in body_text(notice_doc)


@pytest.mark.parametrize(
    ("case", "listed"),
    [
        ("hefei_platform", "（已排除）"),
        ("hefei_subsidy", "（核查中）"),
        ("liuhe_preamble", "（已排除）"),
    ],
)
def test_notice_refuses_cases_not_confirmed(db, ids, tmp_path, case, listed):
    with pytest.raises(CasesNotConfirmedError) as err:
        reports.write_notice(
            db,
            tmp_path / "n.docx",
            case_ids=[ids["dongying"], ids[case]],
            date=AS_OF,
            corpus_dir=default_corpus_dir(),
        )
    assert f"{ids[case]}{listed}" in str(err.value)
    assert "不能写入典型案例通报" in str(err.value)
    assert not (tmp_path / "n.docx").exists()


# --- the ledger table ----------------------------------------------------------------------------


def test_ledger_xlsx(out, ids):
    path = out[1]["xlsx"].paths[0]
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ledger_table.HEADER
    assert len(rows) == 1 + 49  # every case, including the September complaint
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O50"
    assert ws.column_dimensions["G"].width == 50 and ws.column_dimensions["A"].width == 6
    by_no = {r[0]: r for r in rows[1:]}
    hefei = by_no[str(ids["hefei_register"])]
    assert hefei[3] == "县工业和信息化局" and hefei[7] == "隐性壁垒（注册地限制）"
    assert hefei[13] == "整改中（已逾期）"
    subsidy = by_no[str(ids["hefei_subsidy"])]
    assert subsidy[9] == "核查中（期限 2025-12-25，已逾期）" and subsidy[13] == "—"
    assert by_no[str(ids["hefei_platform"])][13] == "无需整改"
    assert by_no[str(ids["liuhe_quality"])][13] == "待部署整改"


def test_found_on_is_the_complaint_received_date(tmp_path):
    """A hotline order imported weeks after the call was found on the day it came in."""
    from screening import ledger as lg

    db = open_ledger(":memory:")
    late = lg.add_complaint(
        db,
        content="反映县住建局招标要求投标人在本县设立分公司。",
        operator="审查员甲",
        channel="12345",
        received_at="2025-11-03 09:12:00",
    )
    written = reports.write_ledger_table(
        db, tmp_path / "t.csv", date=AS_OF, corpus_dir=default_corpus_dir()
    )
    rows = list(csv.reader(io.StringIO(written.paths[0].read_text(encoding="utf-8-sig"))))
    found = dict(zip(rows[0], rows[1], strict=True))
    registered = lg.get_case(db, late)["created_at"][:10]
    assert registered > "2025-11-03"  # added today, not on the day of the call
    assert (found["问题来源"], found["发现时间"]) == ("投诉举报", "2025-11-03")


def test_ledger_csv_has_bom_and_same_rows(out):
    raw = out[1]["csv"].paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    ws = openpyxl.load_workbook(out[1]["xlsx"].paths[0]).active
    assert rows == [[c or "" for c in r] for r in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ({"department": "县发展改革局"}, 40),
        ({"status": "已销号"}, 4),
        ({"status": "待核查"}, 36),
        ({"department": "县科技局", "status": "整改中"}, 1),
    ],
)
def test_ledger_filters(db, tmp_path, filters, count):
    written = reports.write_ledger_table(
        db, tmp_path / "t.xlsx", date=AS_OF, corpus_dir=default_corpus_dir(), **filters
    )
    ws = openpyxl.load_workbook(written.paths[0]).active
    assert ws.max_row == 1 + count
    assert len(sidecar(written)["rows"]) == count


@pytest.mark.parametrize("name", ["台账.docx", "台账.txt", "台账"])
def test_ledger_refuses_other_formats(db, tmp_path, name):
    with pytest.raises(OutputFormatError, match=r"请以 \.xlsx 或 \.csv 结尾"):
        reports.write_ledger_table(db, tmp_path / name, date=AS_OF, corpus_dir=default_corpus_dir())


# --- statistics ------------------------------------------------------------------------------


def test_stats_outputs(out):
    written = out[1]["stats"]
    names = sorted(p.name for p in written.paths)
    assert names == sorted(
        [
            "效能评估统计_2025Q4.docx",
            "效能评估统计_2025Q4.xlsx",
            "效能评估统计_2025Q4_图1_各部门问题情况.png",
            "效能评估统计_2025Q4_图2_各部门按期率.png",
        ]
    )
    assert written.sidecar.name == "效能评估统计_2025Q4.json"
    d = docx.Document(written.paths[0])
    assert headings(d, 1) == ["一、各部门统计", "二、统计口径", "三、统计图", "四、评估意见"]
    assert len(d.inline_shapes) == 2 and all(
        abs(s.width - Mm(150)) < Mm(1) for s in d.inline_shapes
    )
    ws = openpyxl.load_workbook(written.paths[1]).active
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    assert table[0] == [
        "部门",
        "审查文件",
        "疑似问题条款",
        "认定违规",
        "按期整改率",
        "逾期未办结",
        "投诉举报按期答复率",
    ]
    assert table[1] == ["县发展改革局", "2", "39", "3", "100.0%", "1", "100.0%"]
    assert table[-1] == ["合计", "5", "45", "8", "66.7%", "4", "66.7%"]


def test_chart_png_has_no_software_stamp(out):
    for png in (p for p in out[1]["stats"].paths if p.suffix == ".png"):
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG") and b"Software" not in data and b"matplotlib" not in data


def test_missing_cjk_font_gives_chinese_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "CJK_CANDIDATES", ("没有这种字体",))
    charts.cjk_font.cache_clear()
    try:
        path, warning = charts.bar_chart(
            tmp_path / "c.png", ["县商务局"], {"认定违规": [1]}, title="t"
        )
    finally:
        charts.cjk_font.cache_clear()
    assert path.is_file()
    assert warning.startswith("未找到中文字体") and "重新生成" in warning


# --- privacy and reproducibility ---------------------------------------------------------------


def _all_text(path: Path) -> str:
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as zf:
            return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def _outputs(written: dict[str, reports.Written]) -> list[Path]:
    return sorted({p for w in written.values() for p in (*w.paths, w.sidecar)})


def test_complainants_never_appear(out):
    files = _outputs(out[1])
    assert len(files) >= 12
    for path in files:
        text = _all_text(path)
        for secret in rf.SECRETS:
            assert secret not in text, (path.name, secret)
    # the complaint itself is reported, with the name and number masked
    assert "＊＊＊反映：县卫生健康局设备采购公告" in _all_text(out[1]["county"].paths[0])


def test_same_ledger_same_bytes(out, db, ids, tmp_path):
    again = generate(db, ids, tmp_path)
    first, second = _outputs(out[1]), _outputs(again)
    assert [p.relative_to(out[0]) for p in first] == [p.relative_to(tmp_path) for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_printed_date_changes_only_the_date(db, tmp_path):
    corpus = default_corpus_dir()
    a = reports.write_notice(db, tmp_path / "a.docx", case_ids=[1], date=AS_OF, corpus_dir=corpus)
    b = reports.write_notice(
        db, tmp_path / "b.docx", case_ids=[1], date=dt.date(2026, 2, 1), corpus_dir=corpus
    )
    pa, pb = (docx.Document(w.paths[0]) for w in (a, b))
    assert pa.paragraphs[-1].text == "2026年1月5日" and pb.paragraphs[-1].text == "2026年2月1日"
    assert pb.core_properties.created.date() == dt.date(2026, 2, 1)


# --- CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def cli(built):
    def run(*args):
        return CliRunner().invoke(main, ["--ledger", str(built[0]), "report", *args])

    return run


@pytest.mark.parametrize(
    ("args", "files"),
    [
        (["self-inspection", "--period", "2025Q4"], ["r.docx", "r.json", "r_图1_各部门情况.png"]),
        (
            [
                "self-inspection",
                "--department",
                "县科技局",
                "--from",
                "2025-10-01",
                "--to",
                "2025-12-31",
            ],
            ["r.docx", "r.json"],
        ),
        (["notice", "--cases", "1,3", "--cases", "47"], ["r.docx", "r.json"]),
        (["ledger", "--status", "已销号"], ["r.xlsx", "r.json"]),
    ],
)
def test_cli_writes_drafts(cli, tmp_path, args, files):
    target = tmp_path / files[0]
    result = cli(*args, "--date", "2026-01-05", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    assert f"已生成：{target}" in result.stdout
    assert f"数据来源说明：{target.with_suffix('.json')}" in result.stdout
    assert "这是草稿，请核改后使用。" in result.stderr


def test_cli_ledger_csv_and_stats(cli, tmp_path):
    result = cli("ledger", "--department", "县商务局", "--out", str(tmp_path / "t.csv"))
    assert result.exit_code == 0 and "工作台账 1 件" in result.stderr
    result = cli(
        "stats", "--period", "2025Q4", "--date", "2026-01-05", "--out", str(tmp_path / "s")
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "s").iterdir())) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--period", "2025Q5"], "错误：统计期间“2025Q5”无法识别。"),
        (
            ["self-inspection", "--from", "2025-12-31", "--to", "2025-10-01"],
            "错误：统计期间“2025-12-31 至 2025-10-01”无法识别。",
        ),
        (
            ["self-inspection", "--period", "2025", "--date", "2026/01/05"],
            "错误：报告日期的取值“2026/01/05”无效。",
        ),
        (
            ["notice", "--cases", "1,4,5"],
            "错误：以下案件尚未认定为违规，不能写入典型案例通报：4（已排除）、5（核查中）。",
        ),
        (["notice", "--cases", "999"], "错误：台账中没有编号为 999 的案件。"),
    ],
)
def test_cli_errors_are_one_chinese_line(cli, tmp_path, args, message):
    suffix = ".docx" if args[0] != "stats" else ""
    result = cli(*args, "--out", str(tmp_path / f"r{suffix}"))
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.output


def test_cli_wrong_suffix_and_bad_case_ids(cli, tmp_path):
    result = cli("self-inspection", "--period", "2025Q4", "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 1 and "自查整改报告请以 .docx 结尾" in result.stderr
    result = cli("notice", "--cases", "1,abc", "--out", str(tmp_path / "r.docx"))
    assert result.exit_code == 2 and "“abc”不是案件编号" in result.output


def test_cli_needs_an_existing_ledger(tmp_path):
    missing = tmp_path / "无此台账.db"
    result = CliRunner().invoke(
        main, ["--ledger", str(missing), "report", "ledger", "--out", str(tmp_path / "t.xlsx")]
    )
    assert result.exit_code == 1
    assert f"工作台账文件不存在：{missing}。" in result.stderr
    assert not missing.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王小明反映：联系电话139 1234 5678。", "＊＊＊反映：联系电话＊＊＊。"),
        ("电话 139-1234-5678，另有金额1390万元", "电话 ＊＊＊，另有金额1390万元"),
        ("邮箱 lisiniang@example.com", "邮箱 ＊＊＊"),
        ("张三、李四联名反映", "＊＊＊、＊＊＊联名反映"),
        ("第3条奖励50万元", "第3条奖励50万元"),  # short numbers in a contact field are left alone
    ],
)
def test_redactor_masks_names_and_numbers_in_any_spelling(text, expected):
    redact = Redactor(
        ["王小明", "13912345678", "lisiniang@example.com", "张三；李四", "张三", "李四", "50"]
    )
    assert redact(text) == expected
