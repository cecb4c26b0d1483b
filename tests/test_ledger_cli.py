"""CLI of the ledger: a whole case lifecycle, refusals as Chinese messages, export and backup."""

from __future__ import annotations

import csv
import sqlite3

import click
import pytest
from click.testing import CliRunner
from ledger_fixtures import CLAUSES, make_doc, make_findings
from openpyxl import load_workbook

from screening import ledger as lg
from screening.cli import ScreeningGroup
from screening.cli.ledger_cmd import COMMANDS
from screening.config import load_settings

DEPT = "县市场监督管理局"
PHONE = "13912345678"


@click.group(cls=ScreeningGroup)
@click.option("--ledger")
@click.pass_context
def root(ctx: click.Context, ledger: str) -> None:
    """测试用的根命令（与 screening 主命令相同的设置解析）。"""
    ctx.obj = load_settings(ledger=ledger)


for _cmd in COMMANDS:
    root.add_command(_cmd)


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "工作台账.db"
    db = lg.open_ledger(path)
    doc = make_doc([c[0] for c in CLAUSES[:2]])
    lg.record_findings(db, doc, make_findings(doc, CLAUSES[:2]), operator="筛查程序")
    lg.add_complaint(
        db,
        content="12345热线反映：某镇招标文件要求投标人在本地设立分支机构。",
        channel="12345",
        complainant="陈某",
        contact=PHONE,
        operator="受理员",
    )
    db.close()
    return path


@pytest.fixture
def cli(ledger):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(root, ["--ledger", str(ledger), *args])

    return invoke


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def test_full_lifecycle(cli, ledger):
    ok(cli("departments", "add", DEPT, "--contact", "0546-1234567"))
    out = ok(cli("ledger", "list"))
    assert out.count("待核查") == 3 and "共 3 件" in out
    out = ok(
        cli(
            "ledger",
            "assign",
            "1",
            "--department",
            DEPT,
            "--assignee",
            "李四",
            "--operator",
            "张三",
        )
    )
    assert "案件 1：待核查 → 核查中（第 2 版）" in out and "核查期限" in out
    out = ok(
        cli(
            "ledger",
            "decide",
            "1",
            "--confirm",
            "--reason",
            "以注册地为享受奖励条件",
            "--class-1670",
            "隐性壁垒",
            "--standard",
            "FCR-21-1",
        )
    )
    assert "核查中 → 已认定" in out
    out = ok(
        cli(
            "ledger",
            "rectify",
            "1",
            "--measures",
            "删除第一条注册地限定",
            "--responsible",
            "王五",
            "--deadline",
            "2026-04-30",
        )
    )
    assert "已认定 → 整改中" in out and "2026-04-30" in out
    ok(cli("ledger", "review", "1", "--note", "已印发修订稿"))
    ok(cli("ledger", "close", "1", "--note", "复核通过"))
    ok(cli("ledger", "note", "1", "--text", "修订稿已在政府网站公开"))
    out = ok(cli("ledger", "reopen", "1", "--reason", "群众再次反映"))
    assert "已销号 → 待核查" in out
    out = ok(cli("ledger", "show", "1"))
    for text in (
        "状态：待核查",
        "版本：7",
        "FCR-21-1",
        "第一条本办法适用于注册地",
        "张三",
        "审查员",
        "重新打开 已销号 → 待核查 群众再次反映",
        "修订稿已在政府网站公开",
    ):
        assert text in out, text
    db = lg.open_ledger(ledger)
    steps = [a["action"] for a in lg.case_actions(db, 1)]
    db.close()
    assert steps == ["create", "assign", "decide", "rectify", "review", "close", "note", "reopen"]
    out = ok(cli("departments", "list"))
    assert f"{DEPT}  未办结 1 件" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["ledger", "decide", "1", "--dismiss", "--reason", "不构成"],
            1,
            "案件 1 当前状态为“待核查”，不能执行“认定或排除”。当前可执行的操作：交办核查（screening ledger assign）→ 核查中。",
        ),
        (["ledger", "close", "2"], 1, "当前状态为“待核查”，不能执行“复核销号”"),
        (
            ["ledger", "assign", "1", "--department", "县教育局", "--assignee", "李四"],
            1,
            "台账中没有名为“县教育局”的部门",
        ),
        (["ledger", "show", "99"], 1, "台账中没有编号为 99 的案件"),
        (["ledger", "reopen", "1", "--reason", "再查"], 1, "当前状态为“待核查”"),
        (
            ["ledger", "reopen", "1"],
            1,
            "“重新打开”必须填写重新打开的理由。请用 --reason 提供后重试。",
        ),
        (["ledger", "note", "1"], 1, "“添加备注”必须填写备注内容。请用 --text 提供后重试。"),
        (
            [
                "ledger",
                "assign",
                "1",
                "--department",
                DEPT,
                "--assignee",
                "李四",
                "--deadline",
                "月底",
            ],
            1,
            "核查期限的取值“月底”无效。请使用 YYYY-MM-DD 格式",
        ),
        (["ledger", "list", "--status", "处理中"], 2, "不在可选值"),
    ],
)
def test_refusals_are_chinese(cli, args, code, message):
    ok(cli("departments", "add", DEPT))
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("source", "extra", "standards"),
    [
        ("上级交办", ["--standard", "fcr-14-3"], ["FCR-14-3"]),
        ("公开信息搜集", ["--standard", "FCR-9-2", "--standard", "FCR-9-2"], ["FCR-9-2"]),
        ("自查", ["--class-1670", "隐性壁垒", "--subtype", "注册地限制"], []),
        ("效能评估", [], []),
    ],
)
def test_add_case_from_other_sources(cli, ledger, source, extra, standards):
    content = "市政府转来线索：某局入库通知要求企业在本区注册。"
    result = cli("ledger", "add", "--source", source, "--content", content, "--no-screen",
                 "--department", DEPT, "--operator", "联席办", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    case_id = int(result.output.split("已登记案件 ")[1].split("（")[0])
    assert f"来源：{source}，状态：待核查" in result.output
    db = lg.open_ledger(ledger)
    case = lg.get_case(db, case_id)
    assert (case["source"], case["status"], case["department"]) == (source, "待核查", DEPT)
    assert case["standards"] == standards and case["summary"] == content
    assert case["title"] == content[:40] + "…" if len(content) > 40 else content
    trail = lg.case_actions(db, case_id)
    assert [(a["action"], a["operator"], a["note"]) for a in trail] == [
        ("create", "联席办", f"来源：{source}")
    ]
    db.close()
    assert f"[{case_id}] 待核查 {source}" in cli("ledger", "list", "--source", source).output


def test_add_case_linked_to_a_scanned_document(cli, ledger):
    missing = cli("ledger", "add", "--source", "自查", "--content", "第三条限定本地企业",
                  "--document", "/政策/未筛查.docx", "--no-screen")  # fmt: skip
    assert missing.exit_code == 1
    assert "文件 /政策/未筛查.docx 尚未登记到台账。请先运行 screening scan" in missing.output
    result = cli("ledger", "add", "--source", "自查", "--content", "第三条限定本地企业",
                 "--document", "/政策/东营服务业扶持办法.docx", "--no-screen")  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = cli("ledger", "show", result.output.split("已登记案件 ")[1].split("（")[0]).output
    assert "东营" in shown


@pytest.mark.parametrize("command", ["add", "decide"])
def test_unknown_standard_codes_are_refused(cli, ledger, command):
    ok(cli("departments", "add", DEPT))
    ok(cli("ledger", "assign", "1", "--department", DEPT, "--assignee", "李四"))
    args = {
        "add": ["add", "--source", "自查", "--content", "某条款", "--no-screen"],
        "decide": ["decide", "1", "--confirm", "--reason", "限定本地企业"],
    }[command]
    result = cli("ledger", *args, "--standard", "FCR-14-3", "--standard", "FCR-14-33")
    assert result.exit_code == 1
    assert "审查标准编号的取值“FCR-14-33”无效" in result.output
    assert "screening standards list" in result.output
    db = lg.open_ledger(ledger)
    assert db["cases"].count == 3 and lg.get_case(db, 1)["status"] == "核查中"  # nothing written
    db.close()


def test_decide_normalises_standard_codes(cli, ledger):
    ok(cli("departments", "add", DEPT))
    ok(cli("ledger", "assign", "1", "--department", DEPT, "--assignee", "李四"))
    ok(cli("ledger", "decide", "1", "--confirm", "--reason", "限定本地", "--standard", " fcr-19-4"))
    db = lg.open_ledger(ledger)
    assert lg.get_case(db, 1)["standards"] == ["FCR-19-4"]
    db.close()


def test_decide_requires_reason_and_outcome(cli):
    ok(cli("departments", "add", DEPT))
    ok(cli("ledger", "assign", "1", "--department", DEPT, "--assignee", "李四"))
    result = cli("ledger", "decide", "1", "--dismiss")
    assert result.exit_code == 1
    assert "“认定或排除”必须填写认定/排除理由。请用 --reason 提供后重试。" in result.output
    result = cli("ledger", "decide", "1", "--reason", "不构成")
    assert result.exit_code == 2 and "--confirm" in result.output


def test_stale_version_via_cli(cli):
    ok(cli("departments", "add", DEPT))
    ok(
        cli(
            "ledger",
            "assign",
            "1",
            "--department",
            DEPT,
            "--assignee",
            "李四",
            "--expect-version",
            "1",
        )
    )
    result = cli(
        "ledger", "decide", "1", "--dismiss", "--reason", "不构成", "--expect-version", "1"
    )
    assert result.exit_code == 1
    assert "案件 1 已被他人修改（您依据的是第 1 版，当前为第 2 版）" in result.output
    assert "screening ledger show 1" in result.output


def test_list_filters(cli):
    ok(cli("departments", "add", DEPT))
    ok(
        cli(
            "ledger",
            "assign",
            "3",
            "--department",
            DEPT,
            "--assignee",
            "李四",
            "--deadline",
            "2020-01-01",
        )
    )
    out = ok(cli("ledger", "list", "--overdue"))
    assert out.startswith("[3] 核查中 投诉举报") and "（已逾期）" in out and "[1]" not in out
    out = ok(cli("ledger", "list", "--source", "筛查发现"))
    assert "[1]" in out and "[2]" in out and "[3]" not in out
    out = ok(cli("ledger", "list", "--standard", "FCR-21-3"))
    assert "[2]" in out and "[1]" not in out
    out = ok(cli("ledger", "list", "--department", DEPT, "--status", "核查中"))
    assert out.startswith("[3]") and "[1]" not in out
    out = ok(cli("ledger", "list", "--format", "json", "--status", "待核查"))
    assert len(out.strip().splitlines()) == 2


@pytest.mark.parametrize("include", [False, True])
def test_export_csv_hides_contacts(cli, tmp_path, include):
    out_file = tmp_path / "台账.csv"
    args = ["ledger", "export", "--format", "csv", "-o", str(out_file)]
    out = ok(cli(*args, *(["--include-contacts"] if include else [])))
    assert "已导出 3 件案件" in out
    with out_file.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["案件编号", "来源", "状态"] and len(body) == 3
    text = out_file.read_text(encoding="utf-8-sig")
    assert (PHONE in text) is include
    assert ("联系方式" in header) is include
    assert "本地设立分支机构" in text  # the complaint itself is always exported


def test_export_xlsx(cli, tmp_path):
    out_file = tmp_path / "工作台账.xlsx"
    ok(cli("ledger", "export", "--format", "xlsx", "-o", str(out_file), "--source", "筛查发现"))
    ws = load_workbook(out_file).active
    assert ws.title == "工作台账"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and len(rows) == 3
    assert "第一条本办法适用于注册地" in rows[1][5]
    assert PHONE not in str(rows)


def test_backup(cli, tmp_path):
    dest = tmp_path / "备份.db"
    out = ok(cli("ledger", "backup", str(dest)))
    assert "已备份" in out
    conn = sqlite3.connect(dest)
    assert conn.execute("select count(*) from cases").fetchone()[0] == 3
    conn.close()
    result = cli("ledger", "backup", str(dest))
    assert result.exit_code == 1 and "已存在" in result.output and "--force" in result.output
    ok(cli("ledger", "backup", str(dest), "--force"))


def test_holidays(cli):
    ok(cli("departments", "add", DEPT))
    ok(cli("ledger", "holidays", "add", "2026-10-01", "2026-10-02", "--note", "国庆"))
    ok(cli("ledger", "holidays", "add", "2026-10-10", "--workday"))
    out = ok(cli("ledger", "holidays", "list"))
    assert out.splitlines() == ["2026-10-01 节假日", "2026-10-02 节假日", "2026-10-10 调休上班"]


def test_help_is_chinese(cli):
    for path in (["ledger"], ["ledger", "assign"], ["ledger", "export"], ["departments", "add"]):
        out = ok(cli(*path, "--help"))
        assert out.startswith("用法：") and "Usage" not in out and "Options" not in out
        assert "选项" in out and "显示本帮助并退出。" in out
    assert "认定或排除" in ok(cli("ledger", "decide", "--help"))
