"""``screening catalogue …`` end to end: import, list, show, check (jsonl/xlsx/cases), impact.

Test data only: the SYNTHETIC catalogue of ``catalogue_fixtures`` (“测试用目录（合成数据，非官方）”)
and the test list editions of ``neglist_fixtures`` (“测试用清单（非官方）”), to two of whose items
a sentence naming a real permit is added (marked as test data) so that catalogue items match.
"""

from __future__ import annotations

import json

import catalogue_fixtures as cf
import neglist_fixtures as nf
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from screening.catalogue.model import PROBLEMS
from screening.cli import main
from screening.ledger.db import open_ledger

LINKS = {"900001": "公章刻制业特种行业", "900101": "燃气经营"}


def _linked(items: list[dict]) -> list[dict]:
    for d in items:
        if d["code"] in LINKS:
            permit = LINKS[d["code"]]
            d["measures"][0]["text"] += (
                f"；测试关联：未取得{permit}许可不得从事{permit}（测试数据，非官方）"
            )
    return items


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = {fmt: write(tmp_path / f"目录.{fmt}") for fmt, write in cf.WRITERS.items()}
    base = [
        "--ledger",
        str(tmp_path / "台账.db"),
        "--corpus",
        str(tmp_path / "corpus"),
        "--models",
        str(tmp_path / "models"),
    ]

    def run(*args: str):
        return CliRunner().invoke(main, [*base, *args])

    def lists():
        old = nf.write("csv", tmp_path, _linked(nf.canonical_items()), stem="旧清单")
        new = nf.write("csv", tmp_path, _linked(nf.variant_items()), stem="新清单")
        assert run("list", "import", str(old), "--edition", "测试旧版").exit_code == 0
        assert run("list", "import", str(new), "--edition", "测试新版").exit_code == 0

    return run, files, tmp_path, lists


def test_import_prints_counts_bad_rows_and_label(env):
    run, files, _, _ = env
    r = run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == (
        "已导入许可事项目录“县级-2026-01-01”（县级，2026-01-01）：读到 16 项事项，"
        "涉及 7 个主管部门；2 行未读取。"
    )
    assert "  [未读取] 第 12 行：整行为同一段文字（分组标题行），未作为事项读取" in lines
    assert any(ln.startswith("  [未读取] 第 21 行：事项名称为空") for ln in lines)
    assert f"  表格标题：{cf.TITLE} {cf.SUBTITLE}" in lines
    again = run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    assert again.exit_code == 0
    assert again.output.startswith("该文件（SHA-256 相同）已导入为目录“县级-2026-01-01”")
    assert "未做任何修改" in again.output
    listed = run("catalogue", "list")
    assert listed.output.count("县级-2026-01-01") == 1 and "16 项事项" in listed.output


def test_import_json_and_map(env, tmp_path):
    run, _, _, _ = env
    path = tmp_path / "本地.csv"
    path.write_text(
        "行政审批事项,牵头单位,依据文件\n取水许可,县水利局,《取水许可和水资源费征收管理条例》\n",
        encoding="gbk",
    )
    r = run("catalogue", "import", str(path), "--level", "县", "--as-of", "2026-01-01")
    assert r.exit_code == 1
    assert (
        r.output.startswith("错误：许可事项目录") and "行政审批事项、牵头单位、依据文件" in r.output
    )
    r = run(
        "catalogue",
        "import",
        str(path),
        "--level",
        "市",
        "--as-of",
        "2026-01-01",
        "--edition",
        "市目录",
        "--map",
        "行政审批事项=事项名称",
        "--map",
        "牵头单位=主管部门",
        "--map",
        "依据文件=basis",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert (data["status"], data["items"], data["edition"]["label"]) == ("imported", 1, "市目录")
    shown = run("catalogue", "show", "市目录", "--format", "jsonl")
    (item,) = [json.loads(ln) for ln in shown.output.splitlines()]
    assert (item["name"], item["department"], item["row"]) == ("取水许可", cf.WATER, 2)


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--level", "乡", "--as-of", "2026-01-01"], 2, "'乡' 不在可选值"),
        (["--level", "县", "--as-of", "明年"], 1, "错误：--as-of 的取值“明年”无效"),
        (["--level", "县"], 2, "缺少选项"),
    ],
)
def test_import_option_errors(env, args, code, words):
    run, files, _, _ = env
    r = run("catalogue", "import", str(files["csv"]), *args)
    assert r.exit_code == code and words in r.output, r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("无.xlsx", None, "错误：文件不存在"),
        ("空.csv", b"", "文件为空"),
        ("清单.pdf", b"%PDF-1.7\n", "不支持的文件类型（PDF）"),
    ],
)
def test_import_file_errors(env, tmp_path, name, data, words):
    run, _, _, _ = env
    if data is not None:
        (tmp_path / name).write_bytes(data)
    r = run("catalogue", "import", str(tmp_path / name), "--level", "县", "--as-of", "2026-01-01")
    assert r.exit_code == 1 and words in r.output and "Traceback" not in r.output


def test_label_conflict_is_refused(env):
    run, files, _, _ = env
    run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    r = run("catalogue", "import", str(files["docx"]), "--level", "县", "--as-of", "2026-01-01")
    assert r.exit_code == 1
    assert "错误：目录版本“县级-2026-01-01”已由另一文件（目录.xlsx" in r.output


def test_nothing_imported(env):
    run, _, _, _ = env
    assert "尚未导入许可事项目录" in run("catalogue", "list").output
    for args in (["show"], ["check"]):
        r = run("catalogue", *args)
        assert r.exit_code == 1
        assert r.output.startswith(
            "错误：尚未导入许可事项目录。请先导入：screening catalogue import"
        )


def test_show_table(env):
    run, files, _, _ = env
    run("catalogue", "import", str(files["docx"]), "--level", "县", "--as-of", "2026-01-01")
    out = run("catalogue", "show").output.splitlines()
    assert out[0].startswith("许可事项目录“县级-2026-01-01”（县级，2026-01-01，16 项事项")
    assert out[1] == "第2行 建筑工程施工许可证核发【县住房和城乡建设局】"
    assert "    申请材料：1.申请表 2.营业执照 3.相关证明材料" in out
    assert "    审批流程：（未填写）" in out  # 食品经营许可


def _jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_check_jsonl_without_a_list(env):
    run, files, _, _ = env
    run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    r = run("catalogue", "check", "--format", "jsonl")
    assert r.exit_code == 0, r.output
    records = _jsonl(r.stdout)  # every stdout line is one JSON object
    assert [(x["row"], x["problem"]) for x in records] == [
        (13, "duplicate"),
        (14, "basis_rule_permanent"),
        (15, "basis_normative_doc"),
        (17, "missing_elements"),
        (18, "missing_elements"),
        (19, "missing_elements"),
        (19, "basis_missing"),
    ]
    for x in records:
        assert {"item", "department", "problem", "detail", "row"} <= set(x)
        assert x["problem"] in PROBLEMS and x["detail"]
    assert records[0]["item"] == "燃气经营许可" and records[0]["department"] == cf.URBAN
    assert "软件不附带清单的 106 项事项表" in r.stderr
    assert "screening list import" in r.stderr


def test_check_against_a_list_edition(env):
    run, files, _, lists = env
    run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    lists()
    r = run(
        "catalogue", "check", "--edition", "测试旧版", "--format", "jsonl", "--embedder", "fake.v1"
    )
    assert r.exit_code == 0, r.output
    records = _jsonl(r.stdout)
    assert r.stderr == ""
    banned = [
        (x["row"], x["related"]["code"]) for x in records if x["problem"] == "banned_item_granted"
    ]
    assert banned == [(19, "900001")]
    not_in = {x["row"] for x in records if x["problem"] == "not_in_list"}
    assert {5, 6, 13, 19}.isdisjoint(not_in)  # 燃气经营 and 公章刻制 match list items
    assert 4 in not_in  # 建筑工程施工许可 matches nothing in the test list
    # --edition naming the catalogue checks it against the latest list edition
    r2 = run(
        "catalogue",
        "check",
        "--edition",
        "县级-2026-01-01",
        "--list-edition",
        "测试旧版",
        "--format",
        "jsonl",
        "--embedder",
        "fake.v1",
    )
    assert _jsonl(r2.stdout) == records
    bad = run("catalogue", "check", "--edition", "2099")
    assert bad.exit_code == 1
    assert (
        "未找到许可事项目录“2099”。已导入的目录：县级-2026-01-01；已导入的负面清单版本：测试新版、测试旧版"
        in bad.output
    )


def test_check_table_xlsx_and_cases(env, tmp_path):
    run, files, _, _ = env
    run("catalogue", "import", str(files["csv"]), "--level", "县", "--as-of", "2026-01-01")
    table = run("catalogue", "check")
    assert (
        table.stdout.splitlines()[0]
        == "目录核查：目录“县级-2026-01-01”（16 项事项），未对照负面清单"
    )
    assert "共 7 条问题" in table.stdout
    r = run(
        "catalogue",
        "check",
        "--format",
        "xlsx",
        "-o",
        "out/核查.xlsx",
        "--open-cases",
        "--operator",
        "张三",
    )
    assert r.exit_code == 0, r.output
    ws = load_workbook(tmp_path / "out" / "核查.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("行号", "工作表", "主管部门", "事项名称", "问题")
    assert len(rows) == 1 + 7
    assert "已在工作台账建立 7 件案件（来源“自查”）：1、2、3、4、5、6、7。" in r.stderr
    again = run("catalogue", "check", "--format", "jsonl", "--open-cases")
    assert (
        "已在工作台账建立 0 件案件（来源“自查”）；7 条此前已建立案件，未重复建立。" in again.stderr
    )
    assert len(_jsonl(again.stdout)) == 7
    db = open_ledger(tmp_path / "台账.db")
    cases = list(db.query("select source, title from cases order by id"))
    assert len(cases) == 7 and {c["source"] for c in cases} == {"自查"}


def test_impact(env, tmp_path):
    run, files, _, lists = env
    run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    lists()
    r = run("catalogue", "impact", "测试旧版", "测试新版", "--embedder", "fake.v1", "--open-cases")
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    assert out[0].startswith("负面清单“测试旧版”→“测试新版”：新增 1 项、删除 1 项、修改 2 项。")
    assert f"  {cf.HOUSING}：2 条（修改 2 条）" in out
    assert f"  {cf.URBAN}：1 条（修改 1 条）" in out
    assert (tmp_path / "影响清单.xlsx").is_file()
    assert "已在工作台账建立 3 件案件" in r.stderr
    again = run(
        "catalogue", "impact", "测试旧版", "测试新版", "--embedder", "fake.v1", "--open-cases"
    )
    assert "已在工作台账建立 0 件案件" in again.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["测试旧版", "测试旧版"], "请给出两个不同的负面清单版本名"),
        (["测试旧版", "2099"], "未找到清单版本“2099”"),
    ],
)
def test_impact_errors(env, args, words):
    run, files, _, lists = env
    run("catalogue", "import", str(files["xlsx"]), "--level", "县", "--as-of", "2026-01-01")
    lists()
    r = run("catalogue", "impact", *args)
    assert r.exit_code == 1 and r.output.startswith("错误：") and words in r.output, r.output
