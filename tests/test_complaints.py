"""Complaints and clues: hotline exports (XLSX, XLS, CSV in UTF-8 and GBK), duplicates, replies.

The complaint texts are written in the way hotline work orders describe barriers; the files are
built per test in the layouts county exports use (title rows above the header, varied names).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from screening import ledger as lg
from screening.cli import main
from screening.config import Settings
from screening.errors import HotlineColumnsError, HotlineFileError
from screening.ledger.complaints import complaint_rows, import_export
from screening.ledger.hotline import parse_time, read_export

BRANCH = (
    "我公司是外地注册的建筑企业，参加县里一个道路项目投标时，招标文件要求投标人必须在本县设立"
    "分公司并缴纳税款，这对外地企业不公平。"
)
BRANCH_AGAIN = (
    "我公司是外地注册的建筑企业，参加县里道路项目投标时，招标文件要求投标人必须在本县设立分公司"
    "并缴纳税款，对外地企业不公平。"
)
ELEVATOR = (
    "县住建局规定本地新建小区的电梯只能从指定的三家企业采购，其他品牌的电梯不能进入本县市场。"
)
SUBSIDY = "县商务局的招商政策规定，只有在本县纳税满三年的企业才能申请物流补贴，新来的企业申请不了。"
NAME, PHONE = "王建国", "13912345678"

STANDARD = ["工单编号", "来电时间", "诉求人", "联系方式", "诉求内容", "承办单位"]
ROWS = [
    ["GD2025110001", "2025-11-03 09:12:00", NAME, PHONE, BRANCH, "县住建局"],
    ["GD2025110002", "2025/11/4 10:20", "李女士", "13800000002", ELEVATOR, "县住建局"],
    ["GD2025110003", "2025年11月5日", "赵先生", "13700000003", SUBSIDY, "县商务局"],
]


def write_xlsx(path, header, rows, title_rows=1):
    wb = Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"某县12345政务服务便民热线工单导出（第{i + 1}行说明）"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path, header, rows, encoding):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --- reading exports -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (STANDARD, {"external_id": "工单编号", "received_at": "来电时间", "content": "诉求内容"}),
        (
            ["受理编号", "受理时间", "来电人", "来电号码", "来电内容", "办理单位"],
            {"external_id": "受理编号", "received_at": "受理时间", "complainant": "来电人"},
        ),
        (
            ["序号", "工单号", "登记时间", "反映人", "联系电话", "反映内容*", "责任单位"],
            {"contact": "联系电话", "content": "反映内容*", "department": "责任单位"},
        ),
        (
            ["件号", "投诉时间（受理）", "投诉人", "手机", "投诉内容", "被投诉单位"],
            {"received_at": "投诉时间（受理）", "respondent": "被投诉单位"},
        ),
    ],
    ids=["12345-standard", "hotline-variant", "starred-and-serial", "complaint-box"],
)
def test_header_variants_are_recognised(tmp_path, header, expected):
    rows = [[i + 1, *r] if header[0] == "序号" else r for i, r in enumerate(ROWS)]
    path = write_xlsx(tmp_path / "export.xlsx", header, rows)
    export = read_export(path)
    for field, column in expected.items():
        assert export.mapping[field] == column
    assert len(export.orders) == 3 and not export.bad


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk"])
def test_csv_in_utf8_and_gbk(tmp_path, encoding):
    path = write_csv(tmp_path / "export.csv", STANDARD, ROWS, encoding)
    export = read_export(path)
    assert [o.content for o in export.orders] == [BRANCH, ELEVATOR, SUBSIDY]
    assert export.orders[0].received_at == "2025-11-03 09:12:00"
    assert export.orders[1].received_at == "2025-11-04 10:20:00"
    assert export.orders[2].received_at == "2025-11-05"


def test_real_xls_export(tmp_path):
    """A BIFF8 .xls as older hotline systems export it: a merged title row, date-formatted
    cells, work-order numbers and phone numbers stored as numbers."""
    import xlwt  # dev dependency: the suite must not skip this silently

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工单")
    sheet.write_merge(0, 0, 0, 5, "某县12345政务服务便民热线工单导出")
    for col, name in enumerate(
        ["工单编号", "受理时间", "诉求人", "联系电话", "诉求内容", "承办单位"]
    ):
        sheet.write(1, col, name)
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    day = xlwt.easyxf(num_format_str="yyyy/m/d")
    rows = [
        (2025110001, dt.datetime(2025, 11, 3, 9, 12), when, NAME, 13912345678, BRANCH, "县住建局"),
        (2025110002, dt.date(2025, 11, 4), day, "李女士", 13800000002, ELEVATOR, "县住建局"),
        (2025110003, "2025年11月5日", None, "赵先生", "0571-8888888", SUBSIDY, "县商务局"),
    ]
    for r, (wid, stamp, style, who, phone, text, dept) in enumerate(rows, start=2):
        sheet.write(r, 0, wid)
        if style is None:
            sheet.write(r, 1, stamp)
        else:
            sheet.write(r, 1, stamp, style)
        for col, value in enumerate((who, phone, text, dept), start=2):
            sheet.write(r, col, value)
    path = tmp_path / "工单导出.xls"
    book.save(str(path))

    export = read_export(path)
    assert not export.bad
    assert [o.external_id for o in export.orders] == ["2025110001", "2025110002", "2025110003"]
    assert [o.received_at for o in export.orders] == [
        "2025-11-03 09:12:00",
        "2025-11-04",
        "2025-11-05",
    ]
    assert [o.contact for o in export.orders] == ["13912345678", "13800000002", "0571-8888888"]
    assert [o.content for o in export.orders] == [BRANCH, ELEVATOR, SUBSIDY]
    assert export.orders[0].department == "县住建局"


def test_bad_rows_are_reported_and_the_rest_imported(tmp_path):
    rows = [
        *ROWS,
        ["GD2025110004", "不详", "孙", "137", "反映县里招标排斥外地企业", "县商务局"],
        ["GD2025110005", "2025-11-06", "钱", "136", "", "县商务局"],
        ["GD2025110001", "2025-11-07", "周", "135", "重复的工单编号内容", "县商务局"],
        [None, None, None, None, None, None],
        ["GD2025110006", "2025-02-30", "吴", "134", "日期不存在的工单内容", "县商务局"],
    ]
    export = read_export(write_xlsx(tmp_path / "e.xlsx", STANDARD, rows, title_rows=2))
    assert len(export.orders) == 3
    assert [(b.row, b.reason) for b in export.bad] == [
        (7, "受理时间“不详”无法识别，应为日期或日期时间"),
        (8, "诉求内容为空或过短"),
        (9, "工单编号 GD2025110001 与第 4 行重复"),
        (11, "受理时间“2025-02-30”无法识别，应为日期或日期时间"),
    ]


def test_custom_column_map_from_option_and_config(tmp_path):
    header = ["单号", "日期", "事项描述", "处置单位"]
    rows = [["A1", "2025-11-03", BRANCH, "县住建局"]]
    path = write_xlsx(tmp_path / "e.xlsx", header, rows)
    with pytest.raises(HotlineColumnsError) as err:
        read_export(path)
    assert "找不到“诉求内容”列" in str(err.value) and "事项描述" in str(err.value)
    assert "--map 列名=content" in str(err.value)
    export = read_export(path, columns=["事项描述=诉求内容", "单号=external_id"])
    assert export.orders[0].content == BRANCH and export.orders[0].external_id == "A1"
    settings = Settings(complaint_columns={"事项描述": "content", "处置单位": "承办单位"})
    export = read_export(path, settings)
    assert export.orders[0].department == "县住建局"


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("export.xlsx", b"", HotlineFileError, "（文件为空）"),
        ("export.xlsx", b"PK\x03\x04 not really a zip", HotlineFileError, "XLSX 文件损坏或已加密"),
        ("export.csv", bytes(range(256)) * 2, HotlineFileError, "（无法识别文字编码）"),
        # A UTF-16 byte-order mark before junk decodes as text: there is then no such column.
        (
            "export.xlsx",
            b"\xff\xfe\x00\xd8\x00\xdc" * 50,
            HotlineColumnsError,
            "中找不到“诉求内容”列",
        ),
        (
            "export.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            HotlineFileError,
            "XLS 文件损坏或已加密",
        ),
    ],
    ids=["empty", "corrupt-xlsx", "binary", "utf16-junk", "damaged-or-encrypted-xls"],
)
def test_unreadable_files_say_why(tmp_path, name, content, error, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as err:
        read_export(path)
    assert type(err.value) is error and message in str(err.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2025, 11, 3, 9, 12, 30, 500), "2025-11-03 09:12:30"),
        (dt.date(2025, 11, 3), "2025-11-03"),
        (45964.5, "2025-11-03 12:00:00"),
        ("2025.11.3", "2025-11-03"),
        ("2025年11月3日 9时5分", "2025-11-03 09:05:00"),
        ("2025-11-03T09:05", "2025-11-03 09:05:00"),
        ("11/03/2025", None),
        ("", None),
    ],
)
def test_parse_time(value, expected):
    assert parse_time(value) == expected


# --- into the ledger ---------------------------------------------------------------------------


def _import(db, path, **kw):
    return import_export(db, read_export(path), operator="李科员", **kw)


def test_import_opens_joins_flags_and_is_idempotent(tmp_path):
    db = lg.open_ledger()
    lg.set_calendar_day(db, "2025-11-10", workday=False, note="测试假日")
    rows = [*ROWS, ["GD2025110009", "2025-11-06 08:00", "周", "136", BRANCH_AGAIN, "县住建局"]]
    path = write_xlsx(tmp_path / "e.xlsx", STANDARD, rows)
    result = _import(db, path)
    assert [o.action for o in result.outcomes] == ["new", "new", "new", "joined"]
    first = result.outcomes[0].case_id
    assert result.outcomes[3].case_id == first
    case = lg.get_case(db, first)
    assert case["source"] == "投诉举报" and case["department"] == "县住建局"
    assert db["complaints"].count == 4 and db["cases"].count == 3
    trail = [a["note"] for a in lg.case_actions(db, first)]
    assert any("合并同一事项的投诉举报（12345、工单 GD2025110009）" in n for n in trail)
    due = {r["external_id"]: r["reply_due"] for r in db["complaints"].rows}
    # 15 working days after 2025-11-03 skipping weekends and the 2025-11-10 holiday
    assert due["GD2025110001"] == "2025-11-25"

    again = _import(db, path)
    assert [o.action for o in again.outcomes] == ["skipped"] * 4
    assert db["complaints"].count == 4 and db["cases"].count == 3


def test_similar_but_not_identical_complaint_is_flagged(tmp_path):
    db = lg.open_ledger()
    _import(db, write_xlsx(tmp_path / "a.xlsx", STANDARD, ROWS[:1]))
    similar = "参加道路项目投标，招标文件要求投标人在本县设立分公司，外地企业不公平，希望调查。"
    result = _import(
        db, write_xlsx(tmp_path / "b.xlsx", STANDARD, [["X2", "2025-11-20", "", "", similar, ""]])
    )
    o = result.outcomes[0]
    assert o.action == "new" and o.similar_case == 1 and 0.4 <= o.similarity < 0.8
    assert "可能与案件 1 重复" in o.label
    assert (
        next(db.query("select duplicate_of from complaints where external_id = 'X2'"))[
            "duplicate_of"
        ]
        == 1
    )


def test_exports_without_ids_are_not_imported_twice(tmp_path):
    db = lg.open_ledger()
    rows = [r[1:] for r in ROWS]
    path = write_csv(tmp_path / "e.csv", STANDARD[1:], rows, "gbk")
    assert [o.action for o in _import(db, path).outcomes] == ["new"] * 3
    assert [o.action for o in _import(db, path).outcomes] == ["skipped"] * 3


def test_suggestions_are_stored_and_standards_set_above_threshold(tmp_path):
    db = lg.open_ledger()

    def fake_suggest(text):
        score = 0.9 if "分公司" in text else 0.1
        return {"score": score, "sentence": text[:10], "family": None,
                "standards": [{"code": "FCR-10-1", "score": 0.5}], "precedents": []}  # fmt: skip

    result = _import(db, write_xlsx(tmp_path / "e.xlsx", STANDARD, ROWS), suggest=fake_suggest,
                     threshold=0.5)  # fmt: skip
    cases = [lg.get_case(db, o.case_id) for o in result.outcomes]
    assert [c["standards"] for c in cases] == [["FCR-10-1"], [], []]
    stored = json.loads(
        next(db.query("select screening from complaints where id = 1"))["screening"]
    )
    assert stored["score"] == 0.9


def test_reply_tracking_on_time_and_overdue(tmp_path):
    db = lg.open_ledger()
    _import(db, write_xlsx(tmp_path / "e.xlsx", STANDARD, ROWS))
    lg.add_feedback(db, 1, content="已转办", operator="李科员", channel="电话", complaint_id=1)
    rows = {r["id"]: r for r in complaint_rows(db)}
    assert rows[1]["replied_at"] and rows[2]["replied_at"] is None
    assert [r["id"] for r in complaint_rows(db, unanswered=True)] == [2, 3]
    assert [r["id"] for r in complaint_rows(db, overdue_on="2025-11-26")] == [2]
    assert complaint_rows(db, overdue_on="2025-11-01") == []


# --- personal data --------------------------------------------------------------------------------


def _cli(ledger, *args):
    result = CliRunner().invoke(main, ["--ledger", str(ledger), *args])
    assert result.exit_code == 0, result.output
    return result


def test_cli_import_list_reply_show_and_export_hide_contacts(tmp_path):
    ledger = tmp_path / "l.db"
    path = write_xlsx(tmp_path / "e.xlsx", STANDARD, ROWS)
    out = _cli(ledger, "complaints", "import", "--no-screen", str(path))
    assert "导入完成：新建案件 3 件" in out.stderr
    assert "列对应：工单编号←“工单编号”、受理时间←“来电时间”" in out.stderr
    listed = _cli(ledger, "complaints", "list").stdout
    assert "GD2025110001" in listed and NAME not in listed and PHONE not in listed
    assert NAME in _cli(ledger, "complaints", "list", "--show-contacts").stdout
    for fmt in ("json",):
        assert PHONE not in _cli(ledger, "complaints", "list", "--format", fmt).stdout
    shown = _cli(ledger, "ledger", "show", "1").stdout
    assert BRANCH in shown and NAME not in shown and PHONE not in shown
    assert PHONE in _cli(ledger, "ledger", "show", "1", "--show-contacts").stdout
    listed_cases = _cli(ledger, "ledger", "list").stdout
    assert NAME not in listed_cases and PHONE not in listed_cases
    export = tmp_path / "台账.xlsx"
    _cli(ledger, "ledger", "export", "--output", str(export))
    cells = [
        str(c) for row in load_workbook(export).active.iter_rows(values_only=True) for c in row
    ]
    assert not any(NAME in c or PHONE in c for c in cells)

    reply = _cli(ledger, "complaints", "reply", "1", "--content", "已转县住建局核查，将书面答复")
    assert "已登记对投诉举报 1 的反馈" in reply.stdout
    assert "反馈 " in _cli(ledger, "ledger", "show", "1").stdout


def test_cli_add_and_attach(tmp_path):
    ledger = tmp_path / "l.db"
    out = _cli(ledger, "complaints", "add", "--no-screen", "--channel", "信访",
               "--received", "2025-11-03", "--content", ELEVATOR)  # fmt: skip
    assert "新建案件 1" in out.stdout
    evidence = tmp_path / "核查意见书.txt"
    evidence.write_text("经核查，情况属实。", encoding="utf-8")
    _cli(ledger, "ledger", "attach", "1", str(evidence), "--note", "核查意见书")
    shown = _cli(ledger, "ledger", "show", "1").stdout
    assert "核查意见书.txt" in shown and "添加附件" in shown


def test_cli_import_with_suggestions(tmp_path, fake_settings, fake_model):
    ledger = tmp_path / "l.db"
    path = write_xlsx(tmp_path / "e.xlsx", STANDARD, ROWS)
    result = CliRunner().invoke(
        main,
        ["--ledger", str(ledger), "--models", str(fake_settings.models), "complaints", "import",
         str(path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.count("研判：") == 3
    db = lg.open_ledger(ledger)
    stored = [json.loads(r["screening"]) for r in db["complaints"].rows]
    assert all(s["standards"] and s["precedents"] for s in stored)
    db.close()


def test_cli_ledger_add_screens_and_flags_duplicates(tmp_path, fake_settings, fake_model):
    ledger = tmp_path / "l.db"
    base = ["--ledger", str(ledger), "--models", str(fake_settings.models)]
    runner = CliRunner()
    first = runner.invoke(main, [*base, "complaints", "add", "--content", BRANCH, "--no-screen"])
    assert first.exit_code == 0, first.output
    result = runner.invoke(
        main, [*base, "ledger", "add", "--source", "上级交办", "--content", BRANCH_AGAIN]
    )
    assert result.exit_code == 0, result.output
    assert "研判：" in result.stdout
    assert "提示：可能与案件 1 重复" in result.stdout
    db = lg.open_ledger(ledger)
    case = lg.get_case(db, 2)
    notes = [a["note"] for a in lg.case_actions(db, 2)]
    db.close()
    assert case["source"] == "上级交办"
    assert any(n.startswith("可能与案件 1 重复") for n in notes)
    assert any(n.startswith("研判：") for n in notes)
    suggested = "研判：评分" in result.stdout and "建议对照" in result.stdout
    # the suggested standards become the case's only when the score reaches the threshold
    assert bool(case["standards"]) == suggested


def test_cli_bad_file_message(tmp_path):
    path = tmp_path / "e.csv"
    write_csv(path, ["单号", "日期", "备注"], [["1", "2025-11-03", "x"]], "utf-8")
    result = CliRunner().invoke(
        main, ["--ledger", str(tmp_path / "l.db"), "complaints", "import", str(path)]
    )
    assert result.exit_code == 1
    assert "找不到“诉求内容”列" in result.output and "单号、日期、备注" in result.output
