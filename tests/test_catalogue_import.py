"""Reading permit catalogues (XLSX, XLS, CSV, DOCX) and storing their editions in the ledger.

All catalogues here are SYNTHETIC test data (``catalogue_fixtures``, title row
“测试用目录（合成数据，非官方）”), built from real permit names.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import catalogue_fixtures as cf
import pytest

from screening.catalogue import storage
from screening.catalogue.importer import OLE2, parse_mapping, read_catalogue
from screening.catalogue.model import PermitItem
from screening.config import load_settings
from screening.errors import (
    CatalogueColumnsError,
    CatalogueFormatError,
    CatalogueIsListError,
    CatalogueLabelExistsError,
    CatalogueMapError,
    CatalogueNotFoundError,
    CatalogueOptionError,
    ConfigError,
    CorruptFileError,
    EncryptedFileError,
    FileMissingError,
    FileTooLargeError,
    NoCatalogueError,
    UnsupportedTypeError,
)
from screening.ledger.db import open_ledger


def fields_of(items: list[PermitItem]) -> list[dict[str, str]]:
    return [{k: v for k, v in i.content().items() if k != "extra"} for i in items]


@pytest.fixture
def db():
    return open_ledger(":memory:")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("catalogues")
    return {fmt: write(d / f"目录.{fmt}") for fmt, write in cf.WRITERS.items()}


# --- reading -------------------------------------------------------------------------------


# format → (first item row, bad rows, title expected in sheet_titles)
LAYOUT = {
    "xlsx": (4, [12, 21], cf.SUBTITLE),
    "csv": (3, [11, 20], cf.TITLE),
    "docx": (2, [10, 19], cf.SUBTITLE),
}


@pytest.mark.parametrize("fmt", sorted(LAYOUT))
def test_every_format_gives_the_same_items(files, fmt):
    out = read_catalogue(files[fmt])
    first, bad, title = LAYOUT[fmt]
    assert out.format == fmt
    assert fields_of(out.items) == cf.expected_items()
    assert len(out.items) == cf.N_ITEMS == 16
    assert out.items[0].row == first
    assert [r for r, _ in out.bad_rows] == bad
    assert any(title in t for t in out.sheet_titles)
    assert cf.TITLE in " ".join(out.sheet_titles) or fmt == "docx"
    assert out.items[0].extra == {"序号": "1"}  # unmapped columns are kept by their header


def test_xlsx_merged_cells_are_filled_down_and_title_rows_skipped(files):
    out = read_catalogue(files["xlsx"])
    assert [i.row for i in out.items] == cf.xlsx_rows()
    gas = [i for i in out.items if i.name == "燃气经营许可证核发"]
    # 主管部门 and 事项名称 are merged over the two sub-item rows
    assert [(i.row, i.department, i.subitem) for i in gas] == [
        (5, cf.HOUSING, "新申请"),
        (6, cf.HOUSING, "变更"),
    ]
    assert out.items[0].materials == "1.申请表\n2.营业执照\n3.相关证明材料"  # lines kept
    assert out.items[0].sheet == "许可事项目录"
    assert out.mapping["level"] == "审批层级"
    reasons = dict(out.bad_rows)
    assert reasons[12] == "整行为同一段文字（分组标题行），未作为事项读取"
    assert reasons[21].startswith("事项名称为空（该行内容：17；县生态环境局")


def test_docx_vertical_merges_and_title_paragraphs(files):
    out = read_catalogue(files["docx"])
    food = [(i.department, i.name, i.subitem) for i in out.items if i.name == "食品经营许可"]
    assert food == [
        (cf.MARKET, "食品经营许可", "食品销售"),
        (cf.MARKET, "食品经营许可", "餐饮服务"),
    ]
    assert out.sheet_titles == [f"{cf.TITLE} {cf.SUBTITLE}"]
    assert out.items[0].sheet == "表1"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    out = read_catalogue(cf.write_csv(tmp_path / "目录.csv", encoding=encoding))
    assert fields_of(out.items) == cf.expected_items()


def test_xls_through_libreoffice(tmp_path, files, soffice):
    src = shutil.copy(files["xlsx"], tmp_path / "目录.xlsx")
    subprocess.run(
        [soffice, "--headless", "--convert-to", "xls", "--outdir", str(tmp_path), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = read_catalogue(tmp_path / "目录.xls")
    assert out.format == "xls"
    assert fields_of(out.items) == cf.expected_items()
    assert [r for r, _ in out.bad_rows] == [12, 21]


def test_several_sheets_skip_those_without_a_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["本表为测试用目录（合成数据，非官方）的填表说明"])
    for title, rows in (
        ("县住建局", [["燃气经营许可证核发", cf.HOUSING]]),
        ("县水利局", [["", cf.WATER]]),
    ):
        ws = wb.create_sheet(title)
        ws.append(["事项名称", "实施机关", "设立依据"])
        for r in rows:
            ws.append([*r, "《城镇燃气管理条例》"])
    wb.save(tmp_path / "多表.xlsx")
    out = read_catalogue(tmp_path / "多表.xlsx")
    assert out.sheets == ["县住建局", "县水利局"]
    assert [(i.name, i.sheet, i.row) for i in out.items] == [("燃气经营许可证核发", "县住建局", 2)]
    assert out.bad_rows == [
        (2, "“县水利局”：事项名称为空（该行内容：县水利局；《城镇燃气管理条例》）")
    ]
    assert out.notes == ["“填表说明”中未找到目录表头，已跳过。"]


def _csv(tmp_path: Path, header: list[str], rows: list[list[str]], name="目录.csv") -> Path:
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    return path


def test_column_map_names_local_headers(tmp_path):
    path = _csv(
        tmp_path,
        ["行政审批事项", "牵头单位", "依据文件"],
        [["取水许可", cf.WATER, "《取水许可和水资源费征收管理条例》第二条"]],
    )
    with pytest.raises(CatalogueColumnsError) as err:
        read_catalogue(path)
    assert "行政审批事项、牵头单位、依据文件" in str(err.value)
    assert "--map 列名=字段" in str(err.value)
    columns = {"行政审批事项": "事项名称", "牵头单位": "department", "依据文件": "设立依据"}
    out = read_catalogue(path, columns=columns)
    assert [(i.name, i.department, i.basis) for i in out.items] == [
        ("取水许可", cf.WATER, "《取水许可和水资源费征收管理条例》第二条")
    ]
    assert out.mapping == {"name": "行政审批事项", "department": "牵头单位", "basis": "依据文件"}


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (["行政审批事项=事项名称"], {"行政审批事项": "name"}),
        (["牵头 单位 = department"], {"牵头单位": "department"}),
        (["依据文件=实施依据"], {"依据文件": "basis"}),  # a usual column name names its field
        ({"时限": "办理时限"}, {"时限": "time_limit"}),
    ],
)
def test_parse_mapping(pairs, expected):
    assert parse_mapping(pairs) == expected


@pytest.mark.parametrize(
    ("pairs", "words"), [(["行政审批事项"], "缺少“=”"), (["甲=不存在的字段"], "没有这个字段")]
)
def test_bad_mapping(pairs, words):
    with pytest.raises(CatalogueMapError) as err:
        parse_mapping(pairs)
    assert words in str(err.value) and "事项名称" in str(err.value)


def _zip(path: Path, member: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, "测试")
    return path


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda d: d / "没有这个文件.xlsx", FileMissingError, "文件不存在"),
        (lambda d: _write(d / "空.xlsx", b""), CatalogueFormatError, "文件为空"),
        (lambda d: _write(d / "空.csv", b""), CatalogueFormatError, "文件为空"),
        (lambda d: _write(d / "目录.pdf", b"%PDF-1.7\n"), UnsupportedTypeError, "PDF"),
        (lambda d: _write(d / "改名.xlsx", "事项名称\n".encode()), CorruptFileError, ".xlsx"),
        (lambda d: _zip(d / "压缩包.zip", "a.txt"), UnsupportedTypeError, "ZIP"),
        (lambda d: _write(d / "坏.xlsx", b"PK\x03\x04broken"), CorruptFileError, "ZIP"),
        (lambda d: _write(d / "图.png", b"\x89PNG\r\n\x1a\n\x00\x00"), UnsupportedTypeError, "CSV"),
        (lambda d: _encrypted(d / "加密.xlsx"), EncryptedFileError, "设有打开密码"),
        (lambda d: _write(d / "旧表.xls", OLE2 + b"\x00" * 600), CatalogueFormatError, "XLS"),
    ],
)
def test_bad_files_have_clear_errors(tmp_path, make, error, words):
    with pytest.raises(error) as err:
        read_catalogue(make(tmp_path))
    assert words in str(err.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _encrypted(path: Path) -> Path:
    """What Excel writes for a password-protected workbook: an OLE2 file with an
    EncryptedPackage stream (only the parts the importer looks at)."""
    return _write(path, OLE2 + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le"))


def test_too_large_file_is_refused_unread(db, files):
    with pytest.raises(FileTooLargeError) as err:
        storage.import_catalogue(
            db, files["xlsx"], level="县", as_of="2026-01-01", max_file_mb=0.001
        )
    assert "文件过大" in str(err.value) and "max_file_mb" in str(err.value)
    assert storage.list_catalogues(db) == []


def test_two_known_columns_are_enough(tmp_path):
    path = _csv(
        tmp_path,
        ["××县许可事项目录（测试用，合成数据，非官方）"] + [""] * 2,
        [["序号", "事项名称", "设定依据"], ["1", "取水许可", "《取水许可和水资源费征收管理条例》"]],
    )
    out = read_catalogue(path)
    assert [(i.row, i.name, i.basis) for i in out.items] == [
        (3, "取水许可", "《取水许可和水资源费征收管理条例》")
    ]
    assert out.sheet_titles == ["××县许可事项目录（测试用，合成数据，非官方）"]


def test_no_header_names_what_was_seen(tmp_path):
    path = _csv(tmp_path, ["序号", "单位", "金额"], [["1", "县财政局", "100"]])
    with pytest.raises(CatalogueColumnsError) as err:
        read_catalogue(path)
    assert "序号、单位、金额" in str(err.value)


# --- storage ---------------------------------------------------------------------------------


def test_migration_creates_the_tables(db):
    for table in ("catalogue_editions", "catalogue_items", "catalogue_case_keys"):
        assert db[table].exists()
    assert {"label", "level", "as_of", "sha256", "report"} <= set(
        db["catalogue_editions"].columns_dict
    )
    assert {"name", "department", "content"} <= set(db["catalogue_items"].columns_dict)


def test_import_stores_and_loads_back(db, files):
    result = storage.import_catalogue(db, files["xlsx"], level="县", as_of="2026-01-01")
    assert result.status == storage.IMPORTED
    ed = result.edition
    assert (ed.label, ed.level, ed.as_of, ed.item_count) == (
        "县级-2026-01-01",
        "县",
        "2026-01-01",
        16,
    )
    assert ed.id is not None and ed.file_name == "目录.xlsx" and len(ed.sha256) == 64
    loaded, items = storage.load_catalogue(db, "县级-2026-01-01")
    assert loaded == ed
    assert items == result.items  # rows, sheets and extra columns too
    assert (
        db.execute(
            "select count(*) from catalogue_items where department = ?", [cf.HOUSING]
        ).fetchone()[0]
        == 4
    )
    report = storage.load_report(db, ed.label)
    assert [b["row"] for b in report["bad_rows"]] == [12, 21]


def test_same_file_again_changes_nothing(db, files):
    first = storage.import_catalogue(db, files["csv"], level="县", as_of="2026-01-01")
    again = storage.import_catalogue(
        db, files["csv"], level="市", as_of="2026-02-01", label="另一个"
    )
    assert again.status == storage.UNCHANGED
    assert again.edition == first.edition
    assert [r for r, _ in again.bad_rows] == [11, 20]
    assert len(storage.list_catalogues(db)) == 1
    assert db["catalogue_items"].count == 16
    # store_edition itself is idempotent by file hash
    assert storage.store_edition(db, first.edition, first.items) == first.edition
    assert db["catalogue_items"].count == 16


def test_another_file_under_a_used_label_is_refused(db, files):
    storage.import_catalogue(db, files["xlsx"], level="县", as_of="2026-01-01")
    with pytest.raises(CatalogueLabelExistsError) as err:
        storage.import_catalogue(db, files["docx"], level="县", as_of="2026-01-01")
    assert "县级-2026-01-01" in str(err.value) and "目录.xlsx" in str(err.value)
    assert "--edition" in str(err.value)
    assert db["catalogue_items"].count == 16  # nothing of the refused file stored


def test_editions_side_by_side_and_the_latest(db, files):
    with pytest.raises(NoCatalogueError) as err:
        storage.load_catalogue(db)
    assert "screening catalogue import" in str(err.value)
    assert storage.list_catalogues(db) == []
    storage.import_catalogue(db, files["docx"], level="县", as_of="2026-06-30")
    storage.import_catalogue(db, files["xlsx"], level="县", as_of="2026-01-01")
    storage.import_catalogue(db, files["csv"], level="市", as_of="2026/3/1", label="市目录")
    assert [e.label for e in storage.list_catalogues(db)] == [
        "县级-2026-01-01",
        "市目录",
        "县级-2026-06-30",
    ]
    latest, items = storage.load_catalogue(db)
    assert latest.label == "县级-2026-06-30" and items[0].sheet == "表1"
    with pytest.raises(CatalogueNotFoundError) as err:
        storage.load_catalogue(db, "县级-2025-01-01")
    assert "县级-2026-01-01、市目录、县级-2026-06-30" in str(err.value)


@pytest.mark.parametrize(
    ("level", "as_of", "words"),
    [
        ("乡", "2026-01-01", "--level"),
        ("县", "明年", "--as-of"),
        ("县", "2026-02-30", "--as-of"),
        ("县", "2026-01", "--as-of"),
    ],
)
def test_bad_options(db, files, level, as_of, words):
    with pytest.raises(CatalogueOptionError) as err:
        storage.import_catalogue(db, files["csv"], level=level, as_of=as_of)
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2026-01-01", "2026-01-01"), ("2026/3/1", "2026-03-01"), ("2026年3月1日", "2026-03-01")],
)
def test_dates(text, iso):
    assert storage.check_date(text) == iso


def test_a_header_without_items_is_refused(db, tmp_path):
    path = _csv(tmp_path, ["事项名称", "设立依据", "主管部门"], [["", "", cf.WATER]])
    with pytest.raises(CatalogueFormatError) as err:
        storage.import_catalogue(db, path, level="县", as_of="2026-01-01")
    assert "表头下没有可读取的事项" in str(err.value)
    assert storage.list_catalogues(db) == []


def test_catalogue_columns_in_the_config_file(tmp_path):
    cfg = tmp_path / "screening.toml"
    cfg.write_text('[screening.catalogue_columns]\n"行政审批事项" = "name"\n', encoding="utf-8")
    assert load_settings(config=cfg).catalogue_columns == {"行政审批事项": "name"}
    cfg.write_text('catalogue_columns = "行政审批事项"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(config=cfg)
    assert "catalogue_columns 应为“列名 = 字段名”的表" in str(err.value)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_negative_list_file_is_refused_with_the_right_command(db, tmp_path, fmt):
    import neglist_fixtures as nf

    path = nf.write(fmt, tmp_path)
    with pytest.raises(CatalogueIsListError) as err:
        storage.import_catalogue(db, path, level="县", as_of="2026-01-01")
    assert "是市场准入负面清单表格" in str(err.value)
    assert "screening list import" in str(err.value)
    assert storage.list_catalogues(db) == []
