"""Complainants' personal data in free text: masked in every default view, export and report.

A 12345 work order's 诉求内容 routinely carries the caller's name and numbers ("我叫…，电话…").
The masker recognises phones, ID numbers and addresses by their shape and every registered
complainant name; it must leave figures, dates, 文号 and article numbers alone. End to end, the
CLI's default listings, exports and reports never print them, the show/include flags print them,
and the ledger keeps the text as it was registered.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlite_utils import Database

from screening.cli import main
from screening.ledger import open_ledger
from screening.ledger.complaints import complaint_rows
from screening.ledger.export import export_rows
from screening.ledger.views import case_detail, case_list
from screening.privacy import MASK, Redactor

# --- the masker ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # mobiles: plain, grouped, +86, full-width, as a QQ mail address
        ("联系电话13912345678。", "联系电话＊＊＊。"),
        ("手机：139 1234 5678，请回电", "手机：＊＊＊，请回电"),
        ("手机139-1234-5678", "手机＊＊＊"),
        ("来电号码 +86 139 1234 5678", "来电号码 ＊＊＊"),
        ("（+86）15812345678", "＊＊＊"),
        ("8618612345678", "＊＊＊"),
        ("我的手机是１３９１２３４５６７８", "我的手机是＊＊＊"),
        ("本人18912345678，反映如下", "本人＊＊＊，反映如下"),
        # landlines: hyphen, brackets, spaces, extension, +86, bare local numbers after a keyword
        ("座机0431-85551234", "座机＊＊＊"),
        ("联系电话（0431）85551234", "联系电话＊＊＊"),
        ("(010)62345678", "＊＊＊"),
        ("010-6234 5678", "＊＊＊"),
        ("0546-8123456", "＊＊＊"),
        ("0431-85551234转8001", "＊＊＊"),
        ("+86 431 8555 1234", "＊＊＊"),
        ("电话85551234", "电话＊＊＊"),
        ("联系方式：8555-1234。", "联系方式：＊＊＊。"),
        ("座机号码为 6234567", "座机号码为 ＊＊＊"),
        ("Tel: 62345678", "Tel: ＊＊＊"),
        # ID numbers: 18 digits (X check digit, spaced), old 15 digits, after a keyword
        ("身份证220102199001011234", "身份证＊＊＊"),
        ("身份证号：22010219900101123X，", "身份证号：＊＊＊，"),
        ("公民身份号码 220102 19900101 1234", "公民身份号码 ＊＊＊"),
        ("证件号码220102900101123", "证件号码＊＊＊"),
        ("其身份证为320106197312250412", "其身份证为＊＊＊"),
        ("证件号1234567890123", "证件号＊＊＊"),  # mistyped, but after the keyword
        # e-mail, QQ, WeChat
        ("邮箱wxm@example.com", "邮箱＊＊＊"),
        ("Email: wang.xm+tip@mail.gov.cn 已发送", "Email: ＊＊＊ 已发送"),
        ("13912345678@qq.com", "＊＊＊"),
        ("ＱＱ：12345678", "ＱＱ：＊＊＊"),
        ("微信号：wxm_1990", "微信号：＊＊＊"),
        # case titles are excerpts: a number or address cut by the ellipsis is masked too
        ("我叫张某，电话1391234…", "我叫张某，电话＊＊＊…"),
        ("座机0431-85551234，身份证2201…", "座机＊＊＊，身份证＊＊＊…"),
        ("邮箱wxm@exam…", "邮箱＊＊＊…"),
        # everything in one work order
        (
            "我叫某某，电话13912345678，座机0431-85551234，身份证220102199001011234，"
            "邮箱wxm@example.com，反映县住建局指定电梯品牌。",
            "我叫某某，电话＊＊＊，座机＊＊＊，身份证＊＊＊，邮箱＊＊＊，反映县住建局指定电梯品牌。",
        ),
    ],
)
def test_personal_data_is_masked(text, expected):
    assert Redactor()(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "奖励资金1000万元，对年纳税额超过500万元的企业给予奖励",
        "总投资 13912345678 元",
        "面积12345678平方米",
        "截至2025年12月31日共受理投诉举报1234567件",
        "注册资本5000万元人民币，比例为10.5%",
        "自2025年3月1日起施行",
        "受理时间 2025-03-01 09:00:00，反馈期限 2025-03-21",
        "2025-10-01—2025-12-31",
        "发改体改〔2021〕1670号",
        "鲁政办字〔2025〕12号、县政发〔2024〕3号",
        "违反《公平竞争审查条例》第十四条第（三）项、第3条、第二十一条",
        "第3条奖励50万元",
        "通过12345政务服务便民热线反映",
        "服务热线400-123-4567，客服95588",
        "工单编号GD2025110001，受理编号20251103000123",
        "统一社会信用代码：91370500MA3C12345X",
        "统一社会信用代码110105199001011234（申请人单位）",
        "文件SHA-256 3f1391234567890ab13912345678cd…",
        "电话费1234567元已列入预算",
        "身份证复印件一份，电话联系2次",
        "Q4共处理1391件，投诉举报13件",
        "坐标 0.1234567，权重0.43185551234",
        "项目编号：ZB2025-0431-12345678",
    ],
)
def test_figures_dates_and_document_numbers_are_left_alone(text):
    assert Redactor()(text) == text


def test_registered_names_and_contacts_every_occurrence():
    redact = Redactor(["王小明", "李女士", "0431-88886666"])
    text = "王小明反映：……王小明再次来电；李女士附议，座机 0431 8888 6666。"
    assert redact(text) == "＊＊＊反映：……＊＊＊再次来电；＊＊＊附议，座机 ＊＊＊。"


def test_redactor_off_and_values():
    text = "我叫王小明，电话13912345678"
    assert Redactor.off()(text) == text
    redact = Redactor(["王小明"])
    assert redact.value(None) is None and redact.value(3) == 3
    assert redact(None) == ""
    row = {"id": 1, "content": text, "title": None, "channel": "12345"}
    assert redact.fields(row, ("content", "title")) == {
        "id": 1,
        "content": f"我叫{MASK}，电话{MASK}",
        "title": None,
        "channel": "12345",
    }
    assert Redactor(["王小明"], patterns=False)(text) == f"我叫{MASK}，电话13912345678"


# --- end to end ------------------------------------------------------------------------------------

NAME, MOBILE, LANDLINE = "王小明", "13912345678", "0431-85551234"
ID_CARD, EMAIL = "220102199001011234", "wxm@example.com"
SECRETS = (NAME, MOBILE, LANDLINE, ID_CARD, EMAIL)
CONTENT = (
    f"我叫{NAME}，电话{MOBILE}，座机{LANDLINE}，身份证{ID_CARD}，邮箱{EMAIL}。"
    "县住建局规定本地新建小区的电梯只能从指定的三家企业采购，其他品牌的电梯不能进入本县市场。"
)
REPLY = f"已电话联系{NAME}（{MOBILE}），告知正在核查。"
NOTE = f"{NAME}补充提供身份证号{ID_CARD}和邮箱{EMAIL}。"
# What a case title (the first 40 characters of the complaint) can show.
IN_TITLE = (NAME, MOBILE, LANDLINE)


def _cli(ledger: Path, *args: str):
    result = CliRunner().invoke(main, ["--ledger", str(ledger), *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def ledger(tmp_path) -> Path:
    path = tmp_path / "工作台账.db"
    _cli(path, "complaints", "add", "--no-screen", "--channel", "12345",
         "--complainant", NAME, "--contact", MOBILE, "--content", CONTENT)  # fmt: skip
    _cli(path, "complaints", "reply", "1", "--content", REPLY)
    _cli(path, "ledger", "note", "1", "--text", NOTE)
    return path


def _absent(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (where, secret)


def _present(text: str, secrets: tuple[str, ...], where: str) -> None:
    for secret in secrets:
        assert secret in text, (where, secret)


def _stored(ledger: Path) -> None:
    """The ledger itself keeps every word as registered."""
    db = Database(ledger)
    try:
        assert next(db.query("select content, complainant, contact from complaints")) == {
            "content": CONTENT,
            "complainant": NAME,
            "contact": MOBILE,
        }
        case = next(db.query("select title, summary from cases"))
        assert case["summary"] == CONTENT and case["title"].startswith(f"我叫{NAME}，电话{MOBILE}")
        assert next(db.query("select content from feedback"))["content"] == REPLY
        notes = [r["note"] for r in db.query("select note from actions")]
        assert NOTE in notes and f"反馈投诉举报人：{REPLY}" in notes
    finally:
        db.close()


def test_ledger_list_and_show_mask_by_default(ledger):
    table = _cli(ledger, "ledger", "list").stdout
    assert table.startswith("[1] 待核查 投诉举报") and f"我叫{MASK}，电话{MASK}" in table
    _absent(table, "ledger list")
    _absent(_cli(ledger, "ledger", "list", "--format", "json").stdout, "ledger list json")
    shown = _cli(ledger, "ledger", "show", "1").stdout
    assert "县住建局规定本地新建小区的电梯" in shown and "反馈 " in shown
    _absent(shown, "ledger show")
    detail = json.loads(_cli(ledger, "ledger", "show", "1", "--format", "json").stdout)
    _absent(json.dumps(detail, ensure_ascii=False), "ledger show json")
    assert "complainant" not in detail["complaints"][0]
    assert detail["case"]["summary"].startswith(f"我叫{MASK}，电话{MASK}，座机{MASK}")
    _stored(ledger)


def test_ledger_list_and_show_in_full_when_asked(ledger):
    table = _cli(ledger, "ledger", "list", "--show-contacts").stdout
    _present(table, IN_TITLE, "ledger list --show-contacts")
    full = _cli(ledger, "ledger", "list", "--show-contacts", "--format", "json").stdout
    assert json.loads(full)["summary"] == CONTENT
    shown = _cli(ledger, "ledger", "show", "1", "--show-contacts").stdout
    _present(shown, SECRETS, "ledger show --show-contacts")
    assert REPLY in shown and NOTE in shown
    full = _cli(ledger, "ledger", "show", "1", "--show-contacts", "--format", "json").stdout
    detail = json.loads(full)
    assert detail["complaints"][0]["content"] == CONTENT
    assert detail["complaints"][0]["complainant"] == NAME
    _stored(ledger)


def test_complaints_list_masks_by_default(ledger):
    table = _cli(ledger, "complaints", "list").stdout
    assert table.startswith("[1] 案件 1 12345") and f"我叫{MASK}" in table
    _absent(table, "complaints list")
    rows = _cli(ledger, "complaints", "list", "--format", "json").stdout
    _absent(rows, "complaints list json")
    assert json.loads(rows)["content"].endswith("其他品牌的电梯不能进入本县市场。")

    table = _cli(ledger, "complaints", "list", "--show-contacts").stdout
    _present(table, IN_TITLE, "complaints list --show-contacts")
    rows = _cli(ledger, "complaints", "list", "--show-contacts", "--format", "json").stdout
    assert json.loads(rows)["content"] == CONTENT
    _stored(ledger)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_export_masks_unless_contacts_included(ledger, tmp_path, fmt):
    def cells(path: Path) -> str:
        if fmt == "csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh))
        else:
            rows = list(load_workbook(path).active.iter_rows(values_only=True))
        return "\n".join(str(c) for row in rows for c in row if c is not None)

    hidden = tmp_path / f"台账.{fmt}"
    out = _cli(ledger, "ledger", "export", "--format", fmt, "-o", str(hidden)).stdout
    assert "个人信息已隐去" in out
    text = cells(hidden)
    assert f"我叫{MASK}，电话{MASK}" in text
    _absent(text, f"ledger export {fmt}")

    full = tmp_path / f"台账（含个人信息）.{fmt}"
    _cli(ledger, "ledger", "export", "--format", fmt, "-o", str(full), "--include-contacts")
    _present(cells(full), IN_TITLE, f"ledger export {fmt} --include-contacts")
    _stored(ledger)


def _docx_text(path: Path) -> str:
    """Every paragraph and table cell of a DOCX (python-docx), then its raw XML parts."""
    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    with zipfile.ZipFile(path) as zf:
        parts += [zf.read(n).decode("utf-8", "replace") for n in zf.namelist()]
    return "\n".join(parts)


def test_reports_mask_numbers_ids_and_addresses(ledger, tmp_path):
    today = dt.date.today()
    _cli(ledger, "departments", "add", "县住建局")
    _cli(ledger, "ledger", "assign", "1", "--department", "县住建局", "--assignee", "张科员")
    _cli(ledger, "ledger", "decide", "1", "--confirm", "--reason", "指定电梯品牌，排斥外地经营者")
    span = ["--from", (today - dt.timedelta(days=30)).isoformat(), "--to", today.isoformat()]
    drafts = tmp_path / "报告"
    written: list[Path] = []
    for args, out in (
        (["self-inspection", *span], drafts / "自查整改报告.docx"),
        (["notice", "--cases", "1"], drafts / "典型案例通报.docx"),
        (["ledger"], drafts / "工作台账.xlsx"),
        (["ledger"], drafts / "工作台账.csv"),
        (["stats", *span], drafts / "统计"),
    ):
        _cli(ledger, "report", *args, "--date", today.isoformat(), "--out", str(out))
        written += sorted(out.iterdir()) if out.is_dir() else sorted(drafts.glob(f"{out.stem}*"))
    notice = _docx_text(drafts / "典型案例通报.docx")
    assert f"我叫{MASK}，电话{MASK}，座机{MASK}，身份证{MASK}，邮箱{MASK}" in notice
    sheet = load_workbook(drafts / "工作台账.xlsx").active
    table = "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "县住建局规定本地新建小区的电梯" in table
    for path in sorted(set(written)):
        if path.suffix == ".docx":
            text = _docx_text(path)
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                text = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        _absent(text, path.name)
    _stored(ledger)


# --- the library the CLI (and a web console) call -----------------------------------------------


def test_library_views_mask_unless_contacts_included(ledger):
    db = open_ledger(ledger)
    try:
        masked = json.dumps(
            [
                case_list(db),
                case_detail(db, 1),
                complaint_rows(db),
                export_rows(db),
            ],
            ensure_ascii=False,
        )
        _absent(masked, "library default")
        assert case_detail(db, 1, include_contacts=True)["complaints"][0]["content"] == CONTENT
        assert case_list(db, include_contacts=True)[0]["summary"] == CONTENT
        assert complaint_rows(db, include_contacts=True)[0]["content"] == CONTENT
        header, rows = export_rows(db, include_contacts=True)
        assert rows[0][header.index("投诉举报人")] == NAME
    finally:
        db.close()
    _stored(ledger)
