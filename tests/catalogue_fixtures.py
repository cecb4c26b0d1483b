"""Synthetic permit catalogues (许可事项目录) MADE FOR THE TESTS, in the usual local layouts.

SYNTHETIC DATA, NOT AN OFFICIAL CATALOGUE. Every file carries the title row
“测试用目录（合成数据，非官方）”. The permit names are real names, taken from local regulations in
/work/shared/corpus-samples/local-regulations and the shared reference notes:

- 建筑工程施工许可: 彭水苗族土家族自治县城乡建设管理条例; 燃气经营许可证: 郑州市燃气管理条例;
  商品房预售许可证: 河南省城市房地产开发经营管理条例; 建设工程规划许可证: 重庆市城市管线条例;
  采矿许可证: 重庆市矿产资源管理条例; 取水许可证: 重庆市水资源管理条例; 河道采砂许可证:
  信阳市河道采砂管理条例; 建筑垃圾处置核准: 商丘市城市市容和环境卫生管理条例; 户外广告设施设置
  许可: 泰安市户外广告设施和招牌设置管理条例; 供热经营许可证: 山东省供热条例; 食品经营许可:
  重庆市食品生产加工小作坊和食品摊贩管理条例; 排污许可证: 河南省建设项目环境保护条例;
  公章刻制: 河南省优化营商环境条例 and the 2025 list news quoted in
  /work/shared/reference/negative_list_editions_meta.json.

Departments, bases, materials, time limits, codes and row layout are made up for the tests;
bases are written the way catalogues cite them, with ×× placeholders where a local rule would be
named. The catalogue is crafted so that each check fires on known rows: 食品经营许可 lacks 审批流程
and 申请材料, 公章刻制 has no basis, 户外广告 rests on a 规范性文件, 建筑垃圾 on a 政府规章, and
燃气经营 appears under two departments.

The same canonical rows are rendered as XLSX (two title rows, 主管部门 and 事项名称 merged down
over sub-item rows, a group heading merged across the table), CSV in GBK with other header names,
and a DOCX table with vertically merged cells under a title paragraph.
"""

from __future__ import annotations

import csv
from pathlib import Path

TITLE = "测试用目录（合成数据，非官方）"
SUBTITLE = "××县市场准入许可事项目录（测试用，2026年）"
FIELDS = (
    "department",
    "name",
    "subitem",
    "code",
    "basis",
    "level",
    "process",
    "materials",
    "conditions",
    "time_limit",
    "fees",
    "remark",
)
# Header names per format (序号 first): each format uses other usual spellings.
HEADERS = {
    "xlsx": (
        "序号",
        "主管部门",
        "事项名称",
        "子项名称",
        "事项编码",
        "设立依据",
        "审批层级",
        "审批流程",
        "申请材料",
        "批准条件",
        "办理时限",
        "收费标准",
        "备注",
    ),
    "csv": (
        "序号",
        "实施主体",
        "许可事项名称",
        "子项",
        "编码",
        "实施依据",
        "管理层级",
        "办理流程",
        "申请材料",
        "许可条件",
        "承诺时限",
        "是否收费",
        "备注",
    ),
    "docx": (
        "序号",
        "审批部门",
        "事项",
        "子项",
        "事项编码",
        "法律依据",
        "行使层级",
        "办理流程",
        "申请材料",
        "审批条件",
        "法定时限",
        "收费",
        "备注",
    ),
}

# One permit named two ways (catalogue wording / list or regulation wording), and thirteen
# different permits (every ordered pair a mismatch): the calibration data of
# ``screening.catalogue.match.CALIBRATION`` (benchmarks/catalogue_bench.py prints the figures).
SAME_PERMIT = [
    ("供热经营许可证核发", "供热经营活动"),
    ("旅行社业务经营许可", "旅行社设立"),
    ("采矿许可证核发", "采矿权"),
    ("司法鉴定机构设立审批", "司法鉴定"),
    ("食品经营许可", "食品销售和餐饮服务"),
]
PERMIT_NAMES = [
    "建筑工程施工许可证核发",
    "燃气经营许可证核发",
    "商品房预售许可证核发",
    "建设工程规划许可证核发",
    "采矿许可证核发",
    "取水许可",
    "河道采砂许可证核发",
    "城市建筑垃圾处置核准",
    "户外广告设施设置许可",
    "供热经营许可证核发",
    "食品经营许可",
    "排污许可证核发",
    "公章刻制业特种行业许可证核发",
]


HOUSING = "县住房和城乡建设局"
LAND = "县自然资源局"
WATER = "县水利局"
URBAN = "县城市管理局"
MARKET = "县市场监督管理局"
POLICE = "县公安局"
ECOLOGY = "县生态环境局"
PROCESS = "受理—审查—决定—送达"
MATERIALS = "1.申请表\n2.营业执照\n3.相关证明材料"


def _row(
    dept,
    name,
    sub,
    code,
    basis,
    level="县级",
    process=PROCESS,
    materials=MATERIALS,
    conditions="符合法定条件（测试数据）",
    time_limit="10个工作日",
    fees="不收费",
    remark="",
):
    return dict(
        zip(
            FIELDS,
            (
                dept,
                name,
                sub,
                code,
                basis,
                level,
                process,
                materials,
                conditions,
                time_limit,
                fees,
                remark,
            ),
            strict=True,
        )
    )


# The canonical rows, in file order; SECTION is a group heading row, BAD a row without a name.
SECTION = "以下为县级初审、市级审批的事项（测试分组行）"
ROWS: list[dict[str, str] | str] = [
    _row(HOUSING, "建筑工程施工许可证核发", "", "T-0001", "《中华人民共和国建筑法》第七条"),
    _row(HOUSING, "燃气经营许可证核发", "新申请", "T-0002", "《城镇燃气管理条例》第十五条"),
    _row(HOUSING, "燃气经营许可证核发", "变更", "T-0002", "《城镇燃气管理条例》第十五条"),
    _row(
        HOUSING,
        "商品房预售许可证核发",
        "",
        "T-0003",
        "《中华人民共和国城市房地产管理法》第四十五条",
    ),
    _row(LAND, "建设工程规划许可证核发", "", "T-0004", "《中华人民共和国城乡规划法》第四十条"),
    _row(
        LAND,
        "采矿许可证核发",
        "",
        "T-0005",
        "《中华人民共和国矿产资源法》第三条；《矿产资源开采登记管理办法》（国务院令第241号）",
    ),
    _row(WATER, "取水许可", "", "T-0006", "《取水许可和水资源费征收管理条例》第二条"),
    _row(WATER, "河道采砂许可证核发", "", "T-0007", "《信阳市河道采砂管理条例》第八条"),
    SECTION,
    _row(URBAN, "燃气经营许可", "", "T-0008", "《城镇燃气管理条例》第十五条", level="市级"),
    _row(
        URBAN,
        "城市建筑垃圾处置核准",
        "",
        "T-0009",
        "《××市城市建筑垃圾管理办法》（××市人民政府令第×号）第八条",
        level="市级",
    ),
    _row(
        URBAN,
        "户外广告设施设置许可",
        "",
        "T-0010",
        "《××县户外广告设置管理办法》（×政办〔2021〕×号）",
    ),
    _row(URBAN, "供热经营许可证核发", "", "T-0011", "《山东省供热条例》第十五条"),
    _row(
        MARKET,
        "食品经营许可",
        "食品销售",
        "T-0012",
        "《中华人民共和国食品安全法》第三十五条",
        process="",
        materials="",
    ),
    _row(
        MARKET,
        "食品经营许可",
        "餐饮服务",
        "T-0012",
        "《中华人民共和国食品安全法》第三十五条",
        process="",
        materials="",
    ),
    _row(POLICE, "公章刻制业特种行业许可证核发", "", "T-0013", ""),
    _row(ECOLOGY, "排污许可证核发", "", "T-0014", "《排污许可管理条例》第二条"),
    "BAD",
]
BAD_ROW = _row(ECOLOGY, "", "", "", "", remark="事项名称漏填（测试坏行）")
N_ITEMS = sum(1 for r in ROWS if isinstance(r, dict))  # 16
N_BAD = 2  # the group heading and the row without a name


def expected_items() -> list[dict[str, str]]:
    """The items every reader must produce (fields only; row numbers differ per format)."""
    return [dict(r) for r in ROWS if isinstance(r, dict)]


def _cells(r: dict[str, str], no: int) -> list[str]:
    return [str(no)] + [r[f] for f in FIELDS]


def _table(rows: list[dict[str, str] | str] | None = None) -> list[list[str] | str]:
    out: list[list[str] | str] = []
    no = 0
    for r in ROWS if rows is None else rows:
        if r == "BAD":
            no += 1
            out.append(_cells(BAD_ROW, no))
        elif isinstance(r, str):
            out.append(r)
        else:
            no += 1
            out.append(_cells(r, no))
    return out


def _runs(
    table: list[list[str] | str], col: int, key_cols: tuple[int, ...]
) -> list[tuple[int, int]]:
    """(first, last) indexes of runs of rows with the same values in ``key_cols`` (≥ 2 rows)."""
    runs, start = [], 0
    for i in range(1, len(table) + 1):
        prev = table[i - 1]
        cur = table[i] if i < len(table) else None
        same = (
            isinstance(prev, list)
            and isinstance(cur, list)
            and all(prev[c] == cur[c] and prev[c] for c in key_cols)
        )
        if not same:
            if i - 1 > start:
                runs.append((start, i - 1))
            start = i
    return runs


DEPT_COL, NAME_COL = 1, 2


def write_xlsx(path: Path, rows: list[dict[str, str] | str] | None = None) -> Path:
    """Two title rows, the header on row 3, 主管部门/事项名称 merged down, a merged group row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "许可事项目录"
    header = HEADERS["xlsx"]
    width = len(header)
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append([SUBTITLE])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(list(header))
    table = _table(rows)
    first = 4
    for i, r in enumerate(table):
        excel_row = first + i
        if isinstance(r, str):
            ws.append([r])
            ws.merge_cells(start_row=excel_row, start_column=1, end_row=excel_row, end_column=width)
        else:
            ws.append([int(r[0]), *r[1:]])
    for col, keys in ((DEPT_COL, (DEPT_COL,)), (NAME_COL, (DEPT_COL, NAME_COL))):
        for a, b in _runs(table, col, keys):
            for j in range(a + 1, b + 1):
                ws.cell(first + j, col + 1).value = None
            ws.merge_cells(
                start_row=first + a, start_column=col + 1, end_row=first + b, end_column=col + 1
            )
    wb.save(path)
    return path


def xlsx_rows() -> list[int]:
    """Spreadsheet row of each expected item in the XLSX."""
    out, r = [], 4
    for row in ROWS:
        if isinstance(row, dict):
            out.append(r)
        r += 1
    return out


def write_csv(path: Path, encoding: str = "gbk") -> Path:
    """A title row, then the header with other usual names; every cell filled (no merges)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([TITLE])
        w.writerow(HEADERS["csv"])
        for r in _table():
            w.writerow([r] if isinstance(r, str) else r)
    return path


def write_docx(path: Path) -> Path:
    """A title paragraph, then one table: header row, 审批部门/事项 merged down, a merged row."""
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph(SUBTITLE)
    table_rows = _table()
    header = HEADERS["docx"]
    table = document.add_table(rows=1 + len(table_rows), cols=len(header))
    for j, h in enumerate(header):
        table.cell(0, j).text = h
    runs = {
        col: _runs(table_rows, col, keys)
        for col, keys in ((DEPT_COL, (DEPT_COL,)), (NAME_COL, (DEPT_COL, NAME_COL)))
    }
    covered = {(i, col) for col, rs in runs.items() for a, b in rs for i in range(a + 1, b + 1)}
    for i, r in enumerate(table_rows, start=1):
        if isinstance(r, str):
            table.cell(i, 0).text = r
            table.cell(i, 0).merge(table.cell(i, len(header) - 1))
            continue
        for j, value in enumerate(r):
            if (i - 1, j) not in covered:
                table.cell(i, j).text = value
    for col, rs in runs.items():
        for a, b in rs:
            table.cell(a + 1, col).merge(table.cell(b + 1, col))
    document.save(str(path))
    return path


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "docx": write_docx}
