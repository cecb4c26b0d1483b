"""Reports without a period (everything up to the report date) and local names from the config.

The ledger is the report test ledger (tests/report_fixtures.py): documents screened from
2025-09-20 to 2026-01-03, cases and complaints in 2025Q4 and later, reports dated 2026-01-05.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import docx
import pytest
import report_fixtures as rf
from click.testing import CliRunner

from screening import reports
from screening.cli import main
from screening.config import default_corpus_dir
from screening.errors import PeriodError
from screening.ledger import open_ledger
from screening.localnames import LocalNames
from screening.reports.queries import OPEN_START

AS_OF = dt.date(2026, 1, 5)
OPEN_LABEL = "截至2026年1月5日"
COUNTY = "襄城县"
OFFICE = "襄城县公平竞争审查工作联席会议办公室"
PREFIX = "襄公审办"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "台账.db"
    return path, rf.build_ledger(path)


@pytest.fixture(scope="module")
def db(built):
    database = open_ledger(built[0])
    yield database
    database.close()


def config_file(folder: Path, **names: str) -> Path:
    """A config file with the given local names (an empty ``[screening]`` table when none)."""
    path = folder / "screening.toml"
    lines = ["[screening]", *(f'{key} = "{value}"' for key, value in names.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cli(built, tmp_path):
    """Runs ``screening report …`` with a config file holding ``names`` (none by default)."""

    def run(*args: str, names: dict[str, str] | None = None):
        config = config_file(tmp_path, **(names or {}))
        return CliRunner().invoke(
            main, ["--config", str(config), "--ledger", str(built[0]), "report", *args]
        )

    return run


def docx_text(path: Path) -> str:
    """Every paragraph, table cell, header and footer of a DOCX (its XML text runs)."""
    d = docx.Document(path)
    parts = [p.text for p in d.paragraphs]
    parts += [cell.text for t in d.tables for row in t.rows for cell in row.cells]
    return "\n".join(parts)


def xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def title_lines(path: Path) -> list[str]:
    """The title's lines (the annex title, in the same style, left out)."""
    lines = [p.text for p in docx.Document(path).paragraphs if p.style.name == "公文标题"]
    return [line for line in lines if not line.startswith("公平竞争审查工作台账")]


# --- parse_period with the report date ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start", "end", "expected"),
    [
        # nothing given: the whole ledger up to the report date
        (None, None, None, (OPEN_START, "2026-01-05", "to_2026-01-05", OPEN_LABEL, True)),
        # only --to: the whole ledger up to that day
        (
            None,
            None,
            "2025-12-31",
            (OPEN_START, "2025-12-31", "to_2025-12-31", "截至2025年12月31日", True),
        ),
        # only --from: from that day to the report date
        (
            None,
            "2025-10-01",
            None,
            (
                "2025-10-01",
                "2026-01-05",
                "2025-10-01_2026-01-05",
                "2025年10月1日至2026年1月5日",
                False,
            ),
        ),
        # explicit periods do not depend on the report date
        ("2025Q4", None, None, ("2025-10-01", "2025-12-31", "2025Q4", "2025年第四季度", False)),
        ("2025", None, None, ("2025-01-01", "2025-12-31", "2025", "2025年", False)),
        (
            None,
            "2025-10-08",
            "2025-11-30",
            (
                "2025-10-08",
                "2025-11-30",
                "2025-10-08_2025-11-30",
                "2025年10月8日至2025年11月30日",
                False,
            ),
        ),
    ],
)
def test_parse_period_up_to_the_report_date(value, start, end, expected):
    p = reports.parse_period(value, start=start, end=end, until=AS_OF)
    first, last, code, label, is_open = expected
    first = first if isinstance(first, dt.date) else dt.date.fromisoformat(first)
    assert (p.start, p.end.isoformat(), p.code, p.label, p.is_open) == (
        first,
        last,
        code,
        label,
        is_open,
    )


@pytest.mark.parametrize(
    ("value", "start", "end", "until"),
    [
        (None, None, None, None),  # no period and no report date: still an error
        (None, "2025-10-01", None, None),
        (None, None, "2025-12-31", None),
        (None, "2026-02-01", None, AS_OF),  # starts after the report date
        ("2025Q5", None, None, AS_OF),
        ("2025Q4", "2025-10-01", None, AS_OF),
    ],
)
def test_parse_period_errors(value, start, end, until):
    with pytest.raises(PeriodError):
        reports.parse_period(value, start=start, end=end, until=until)


def test_open_period_counts_every_row_up_to_the_report_date(db, tmp_path):
    """The open period holds the documents screened before and after 2025Q4 too."""
    corpus = default_corpus_dir()
    open_period = reports.parse_period(until=AS_OF)
    written = reports.write_self_inspection(
        db, tmp_path / "r.docx", period=open_period, date=AS_OF, corpus_dir=corpus
    )
    q4 = reports.write_self_inspection(
        db,
        tmp_path / "q4.docx",
        period=reports.parse_period("2025Q4"),
        date=AS_OF,
        corpus_dir=corpus,
    )
    side = json.loads(written.sidecar.read_text(encoding="utf-8"))
    values = {f["key"]: f["value"] for f in side["figures"]}
    q4_values = {
        f["key"]: f["value"] for f in json.loads(q4.sidecar.read_text(encoding="utf-8"))["figures"]
    }
    assert values["documents.total"] == len(rf.DOCUMENTS) == 7
    assert q4_values["documents.total"] == 5
    assert values["cases.total"] >= q4_values["cases.total"]
    assert side["scope"] == {
        "from": None,
        "to": "2026-01-05",
        "period": "to_2026-01-05",
        "period_label": OPEN_LABEL,
        "department": None,
        "date": "2026-01-05",
        "complaint_reply_workdays": reports.COMPLAINT_REPLY_DAYS,
    }


# --- CLI without a period ---------------------------------------------------------------------------


def test_cli_self_inspection_without_period(cli, tmp_path):
    target = tmp_path / "r.docx"
    result = cli("self-inspection", "--date", "2026-01-05", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert title_lines(target) == ["××县关于公平竞争审查自查整改情况的报告", f"（{OPEN_LABEL}）"]
    text = docx_text(target)
    for fragment in (
        "××县对截至2026年1月5日已制定和审查的涉及经营者经济活动的政策措施开展了自查",
        "本报告统计截至2026年1月5日工作台账中的全部记录，累计审查涉及经营者经济活动的政策文件7件",
        "累计登记核查案件",
        f"公平竞争审查工作台账（{OPEN_LABEL}）",
    ):
        assert fragment in text, fragment
    assert "本期" not in text and "（未指定）" not in text
    side = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    assert (side["scope"]["from"], side["scope"]["to"], side["scope"]["period_label"]) == (
        None,
        "2026-01-05",
        OPEN_LABEL,
    )


def test_cli_department_report_without_period(cli, tmp_path):
    target = tmp_path / "r.docx"
    result = cli(
        "self-inspection", "--department", "县科技局", "--date", "2026-01-05", "--out", str(target)
    )
    assert result.exit_code == 0, result.output
    assert title_lines(target) == [
        "县科技局关于公平竞争审查",
        "自查整改情况的报告",
        f"（{OPEN_LABEL}）",
    ]


def test_cli_stats_without_period(cli, tmp_path):
    folder = tmp_path / "s"
    result = cli("stats", "--date", "2026-01-05", "--out", str(folder))
    assert result.exit_code == 0, result.output
    stem = "效能评估统计_to_2026-01-05"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            f"{stem}.docx",
            f"{stem}.xlsx",
            f"{stem}.json",
            f"{stem}_图1_各部门问题情况.png",
            f"{stem}_图2_各部门按期率.png",
        ]
    )
    d = folder / f"{stem}.docx"
    assert title_lines(d) == ["××县公平竞争审查工作效能评估统计", f"（{OPEN_LABEL}）"]
    assert "本统计涵盖截至2026年1月5日工作台账中的全部记录。" in docx_text(d)
    side = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    assert side["scope"]["period"] == "to_2026-01-05"


def test_cli_stats_up_to_an_earlier_day(cli, tmp_path):
    folder = tmp_path / "s"
    result = cli("stats", "--to", "2025-12-31", "--date", "2026-01-05", "--out", str(folder))
    assert result.exit_code == 0, result.output
    text = docx_text(folder / "效能评估统计_to_2025-12-31.docx")
    assert (
        "本统计涵盖截至2025年12月31日工作台账中的全部记录，按台账截至2026年1月5日的状况统计。"
        in text
    )


def test_cli_period_default_is_the_report_date_today(cli, tmp_path):
    result = cli("stats", "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / f"效能评估统计_to_{dt.date.today().isoformat()}.docx").is_file()


# --- local names from the config ---------------------------------------------------------------------

HINT = "提示：草稿中的"


@pytest.mark.parametrize(
    ("args", "names", "present", "absent", "hint"),
    [
        # county-level self-inspection: the county names the reporting unit and signs
        (
            ["self-inspection", "--period", "2025Q4"],
            {"county": COUNTY},
            [f"{COUNTY}关于2025年第四季度", f"{COUNTY}人民政府", f"{COUNTY}对2025年第四季度"],
            ["××县"],
            None,
        ),
        (
            ["self-inspection", "--period", "2025Q4"],
            {},
            ["××县关于2025年第四季度", "××县人民政府"],
            [COUNTY],
            ["“××县”是占位符", 'county = "县名"'],
        ),
        # a department's report goes to the county's joint office
        (
            ["self-inspection", "--department", "县科技局"],
            {"county": COUNTY},
            [f"{OFFICE}："],
            ["××县"],
            None,
        ),
        (
            ["self-inspection", "--department", "县科技局"],
            {"issuing_office": "襄城县联席办"},
            ["襄城县联席办："],
            ["××县"],
            None,
        ),
        (
            ["self-inspection", "--department", "县科技局"],
            {},
            ["县公平竞争审查工作联席会议办公室："],
            ["××县", COUNTY],
            None,  # nothing to fill in
        ),
        # the notice: 文号 prefix, issuing office in the text and the signature
        (
            ["notice", "--cases", "1"],
            {"county": COUNTY, "doc_number_prefix": PREFIX},
            [f"{PREFIX}〔2026〕×号", f"报送{OFFICE}。", f"全国统一大市场，{OFFICE}对各地", OFFICE],
            ["××县", "××〔"],
            None,
        ),
        (
            ["notice", "--cases", "1"],
            {"issuing_office": "襄城县联席办", "doc_number_prefix": PREFIX},
            [f"{PREFIX}〔2026〕×号", "报送襄城县联席办。", "襄城县联席办对各地"],
            ["××县", "××〔"],
            None,
        ),
        (
            ["notice", "--cases", "1"],
            {"county": COUNTY},
            ["××〔2026〕×号", OFFICE],
            ["××县"],
            ["“××〔2026〕×号”是占位符", 'doc_number_prefix = "发文字号前缀"'],
        ),
        (
            ["notice", "--cases", "1"],
            {},
            [
                "××〔2026〕×号",
                "××县公平竞争审查工作联席会议办公室",
                "报送县公平竞争审查工作联席会议办公室。",
            ],
            [COUNTY, PREFIX],
            ["“××县”“××〔2026〕×号”是占位符", 'county = "县名"', "doc_number_prefix"],
        ),
        # statistics: county in the title, the joint office signs
        (
            ["stats", "--period", "2025Q4"],
            {"county": COUNTY},
            [f"{COUNTY}2025年第四季度", OFFICE],
            ["××县"],
            None,
        ),
        (
            ["stats", "--period", "2025Q4"],
            {},
            ["××县2025年第四季度", "××县公平竞争审查工作联席会议办公室"],
            [COUNTY],
            ["“××县”是占位符", 'county = "县名"'],
        ),
    ],
)
def test_local_names_from_config(cli, tmp_path, args, names, present, absent, hint):
    out = tmp_path / ("s" if args[0] == "stats" else "r.docx")
    result = cli(*args, "--date", "2026-01-05", "--out", str(out), names=names)
    assert result.exit_code == 0, result.output
    path = next(out.glob("*.docx")) if out.is_dir() else out
    text = docx_text(path)
    for fragment in present:
        assert fragment in text, fragment
    everything = xml_text(path) + path.with_suffix(".json").read_text(encoding="utf-8")
    for fragment in absent:
        assert fragment not in everything, fragment
    hints = [line for line in result.stderr.splitlines() if line.startswith(HINT)]
    if hint is None:
        assert hints == []
    else:
        assert len(hints) == 1
        assert all(part in hints[0] for part in hint), hints[0]
        assert str(tmp_path / "screening.toml") in hints[0] and "[screening]" in hints[0]


def test_default_names_are_the_placeholders(db, tmp_path):
    """Passing unset names writes the same bytes as not passing any."""
    corpus = default_corpus_dir()
    q4 = reports.parse_period("2025Q4")
    a = reports.write_notice(db, tmp_path / "a.docx", case_ids=[1], date=AS_OF, corpus_dir=corpus)
    b = reports.write_notice(
        db, tmp_path / "b.docx", case_ids=[1], date=AS_OF, corpus_dir=corpus, names=LocalNames()
    )
    assert a.paths[0].read_bytes() == b.paths[0].read_bytes()
    c = reports.write_stats(db, tmp_path / "c", period=q4, date=AS_OF)
    d = reports.write_stats(db, tmp_path / "d", period=q4, date=AS_OF, names=LocalNames())
    assert c.paths[0].read_bytes() == d.paths[0].read_bytes()


def test_blank_names_count_as_unset(cli, tmp_path):
    result = cli(
        "stats",
        "--period",
        "2025Q4",
        "--date",
        "2026-01-05",
        "--out",
        str(tmp_path / "s"),
        names={"county": "  "},
    )
    assert result.exit_code == 0, result.output
    assert "××县2025年第四季度" in docx_text(tmp_path / "s" / "效能评估统计_2025Q4.docx")
    assert HINT in result.stderr


def test_chart_font_installed_after_matplotlib_cached_its_font_list(monkeypatch):
    """A CJK font installed after matplotlib's first run is still found (no boxes in charts)."""
    from matplotlib import font_manager

    from screening.reports import charts

    cjk_files = [p for p in font_manager.findSystemFonts() if "CJK" in p or "wqy" in p.lower()]
    if not cjk_files:
        pytest.skip("这台机器没有中文字体文件")
    # The list as cached before the Chinese font files were installed: none of their faces.
    stale = [f for f in font_manager.fontManager.ttflist if f.fname not in set(cjk_files)]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    charts.cjk_font.cache_clear()
    try:
        font, warning = charts.cjk_font()
    finally:
        charts.cjk_font.cache_clear()
    assert font in charts.CJK_CANDIDATES and warning is None
