"""Formula injection: no export writes outside text (clauses, titles, complaints, reviewers'
fields, negative-list cells) as a live spreadsheet formula.

XLSX: every text is a string cell, never ``<f>``. CSV: a text cell that starts like a formula
(= + - @ TAB CR …) gets a leading ``'`` as OWASP recommends. Normal text is written as before.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import zipfile
from pathlib import Path

import neglist_fixtures as nf
import openpyxl
import pytest
from click.testing import CliRunner
from ledger_fixtures import CLAUSES, make_doc, make_findings

from screening import ledger as lg
from screening import tables
from screening.cli import main
from screening.cli.neglist import list_group
from screening.types import Metadata

if "list" not in main.commands:
    main.add_command(list_group)

DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://example.invalid/leak","点此查看")'

# --- the neutraliser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 139 0000 0000", "'+86 139 0000 0000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("\n=x", "'\n=x"),
        (DDE, "'" + DDE),
        (LINK, "'" + LINK),
        ("＝1+1", "'＝1+1"),  # fullwidth, as a Chinese input method types it
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        (" =1+1", "' =1+1"),  # a spreadsheet may trim the space first
        ("\u3000=1+1", "'\u3000=1+1"),
        ("第一条本办法适用于注册地在本区的企业。", "第一条本办法适用于注册地在本区的企业。"),
        ("1+1", "1+1"),
        ("a=b", "a=b"),
        ("—", "—"),  # the dash shown for "not applicable" is no minus sign
        ("'=1+1", "'=1+1"),  # already text: not quoted twice
        ("", ""),
        (None, None),
        (-5, -5),
        (3.5, 3.5),
        (0, 0),
    ],
)
def test_csv_cell(value, expected):
    assert tables.csv_cell(value) == expected


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_keeps_bom_quoting_and_numbers(tmp_path):
    path = tables.write_csv(
        tmp_path / "t.csv", ["编号", "文本"], [[1, 'a,"b"\nc'], [-5, DDE], [2.5, None]]
    )
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n-5,'=cmd" in data
    assert _csv_rows(path) == [["编号", "文本"], ["1", 'a,"b"\nc'], ["-5", "'" + DDE], ["2.5", ""]]


def _sheets(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        return [z.read(n).decode("utf-8") for n in names]


def _assert_xlsx_safe(path: Path, payloads: list[str]) -> None:
    """No formula element anywhere; each payload is in a string cell, verbatim."""
    sheets = _sheets(path)
    assert sheets
    for xml in sheets:
        assert "<f>" not in xml and "<f " not in xml
    cells = [c for ws in openpyxl.load_workbook(path) for row in ws.iter_rows() for c in row]
    for payload in payloads:
        hits = [c for c in cells if isinstance(c.value, str) and payload in c.value]
        assert hits, payload
        assert all(c.data_type == "s" for c in hits), payload


@pytest.mark.parametrize(
    "value", ["=1+1", DDE, LINK, "#N/A", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1+1", "普通文本"]
)
def test_xlsx_text_is_a_string_cell(tmp_path, value):
    path = tables.write_xlsx(tmp_path / "t.xlsx", ["文本"], [[value]])
    _assert_xlsx_safe(path, [value])
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].value == value and ws["A2"].data_type == "s"
    assert ws["A2"].quotePrefix is tables.looks_like_formula(value)  # Excel keeps it text on edit


def test_xlsx_keeps_numbers_and_dates_typed(tmp_path):
    day = dt.datetime(2025, 12, 31)
    path = tables.write_xlsx(tmp_path / "t.xlsx", ["数", "负数", "日期"], [[3, -5, day]])
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[2]] == [3, -5, day]
    assert [c.data_type for c in ws[2]] == ["n", "n", "d"]


# --- every export, end to end ---------------------------------------------------------------

TAB = "\t=2+3 第二条对外地企业另行收取保证金。"
PLUS = "+1+1 投诉：某镇招标文件要求投标人在本地设立分支机构"
DEPT = "=1+2县商务局"
ASSIGNEE = "-1+1核查人"
REASON = "@SUM(1+1) 认定理由"
MEASURES = '＝HYPERLINK("http://example.invalid") 废止该条款'
RESPONSIBLE = "+SUM(1)责任人"
DOC_NO = "\r=3+4 东开管发〔2023〕5号"
# What ``ledger export`` shows; ``report ledger`` leaves out the assignee and puts a verdict
# before the reason, so those two are not at the start of a cell there.
LEDGER_PAYLOADS = [DDE, TAB, LINK, PLUS, DEPT, ASSIGNEE, REASON, MEASURES, RESPONSIBLE]
REPORT_PAYLOADS = [DDE, TAB, LINK, PLUS, DEPT, MEASURES, RESPONSIBLE, DOC_NO]


@pytest.fixture
def crafted(tmp_path):
    """A ledger built from one crafted document and one complaint, payloads in every field."""
    path = tmp_path / "台账.db"
    db = lg.open_ledger(path)
    doc = make_doc([DDE, TAB, CLAUSES[0][0]])
    doc = dataclasses.replace(doc, metadata=Metadata(title=LINK, doc_number=DOC_NO))
    picks = [(DDE, "FCR-21-1", "隐性壁垒"), (TAB, "FCR-21-3", "其他")]
    lg.record_findings(db, doc, make_findings(doc, picks), operator="筛查程序")
    lg.add_complaint(db, content=PLUS, channel="12345", complainant="陈某", operator="受理员")
    lg.add_department(db, DEPT)
    for case in lg.list_cases(db):
        lg.assign(db, case["id"], department=DEPT, assignee=ASSIGNEE, operator="经办人")
        lg.decide(db, case["id"], confirmed=True, reason=REASON, operator="经办人")
        lg.rectify(
            db,
            case["id"],
            measures=MEASURES,
            responsible=RESPONSIBLE,
            deadline="2099-12-31",
            operator="经办人",
        )
    db.close()
    return path


def _run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def _assert_csv_safe(path: Path, payloads: list[str]) -> None:
    """No cell starts like a formula; each payload is there, behind a single quote."""
    cells = [c for row in _csv_rows(path) for c in row]
    assert not [c for c in cells if tables.looks_like_formula(c)]
    for payload in payloads:
        assert any(c.startswith("'" + payload) for c in cells), payload


def test_ledger_export_xlsx(crafted, tmp_path):
    out = tmp_path / "台账.xlsx"
    _run("--ledger", str(crafted), "ledger", "export", "--format", "xlsx", "-o", str(out))
    _assert_xlsx_safe(out, LEDGER_PAYLOADS)


def test_ledger_export_csv(crafted, tmp_path):
    out = tmp_path / "台账.csv"
    _run("--ledger", str(crafted), "ledger", "export", "--format", "csv", "-o", str(out))
    _assert_csv_safe(out, LEDGER_PAYLOADS)


def test_report_ledger_xlsx(crafted, tmp_path):
    out = tmp_path / "工作台账.xlsx"
    _run("--ledger", str(crafted), "report", "ledger", "--out", str(out))
    _assert_xlsx_safe(out, REPORT_PAYLOADS)


def test_report_ledger_csv(crafted, tmp_path):
    out = tmp_path / "工作台账.csv"
    _run("--ledger", str(crafted), "report", "ledger", "--out", str(out))
    _assert_csv_safe(out, REPORT_PAYLOADS)


def test_report_stats_xlsx(crafted, tmp_path):
    today = dt.date.today()
    period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    args = ["report", "stats", "--period", period, "--date", today.isoformat()]
    _run("--ledger", str(crafted), *args, "--out", str(tmp_path / "s"))
    (xlsx,) = (tmp_path / "s").glob("*.xlsx")
    _assert_xlsx_safe(xlsx, [DEPT])


NEG_NAME = "=1+1 测试用清单（非官方）"
NEG_PAYLOADS = [NEG_NAME, DDE, "@SUM(A1)测试部门", "-1+2 测试措施", "+1 测试省"]


@pytest.fixture(scope="module")
def neg_corpus(tmp_path_factory):
    """A corpus holding a test negative list whose name, measures and departments are payloads."""
    folder = tmp_path_factory.mktemp("neglist-payloads")
    items = copy.deepcopy(nf.canonical_items())
    items[0]["measures"][0] = {"text": DDE, "departments": "@SUM(A1)测试部门"}
    items[1]["measures"][0]["text"] = "-1+2 测试措施（测试数据）"
    items[4]["local_measures"] = ["+1 测试省：测试数据"]
    source = nf.write_csv(folder / "payloads.csv", items)
    corpus = folder / "corpus"
    _run(
        "--corpus", str(corpus), "list", "import", str(source), "--edition", "t", "--name", NEG_NAME
    )
    return corpus


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_list_export(neg_corpus, tmp_path, fmt):
    out = tmp_path / f"清单.{fmt}"
    _run("--corpus", str(neg_corpus), "list", "export", "--format", fmt, "--out", str(out))
    if fmt == "xlsx":
        _assert_xlsx_safe(out, NEG_PAYLOADS)
    else:
        _assert_csv_safe(out, NEG_PAYLOADS)
