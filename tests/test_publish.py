"""``screening publish``: the portal pages (信息公开) as a static site — structure, privacy, same bytes.

The list is the test list of tests/neglist_fixtures.py ("测试用清单（非官方）"); the catalogue is
SYNTHETIC_CATALOGUE of tests/publish_fixtures.py; the cases come from the report ledger (tests/report_fixtures.py), whose
planted personal data must appear in no file of the site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html.parser
import itertools
import json
import re
import zipfile
from pathlib import Path

import neglist_fixtures as nf
import openpyxl
import pytest
import report_fixtures as rf
from click.testing import CliRunner
from lxml import html as lxml_html
from publish_fixtures import DAY, LATER, NAMES, PAGES, synthetic_catalogue

from screening.catalogue.model import PermitItem
from screening.cli import main
from screening.config import default_corpus_dir
from screening.errors import CasesNotConfirmedError
from screening.ledger import open_ledger
from screening.neglist import import_edition
from screening.publish import PublishFolderError, gather, publish, publish_portal
from screening.publish.data import portal_cases

# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "台账.db"
    ids = rf.build_ledger(path)
    db = open_ledger(path)
    yield db, ids
    db.close()


@pytest.fixture(scope="module")
def list_corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("list")
    corpus = d / "corpus"
    import_edition(
        corpus, nf.write("xlsx", d), "test-a", name=nf.TEST_EDITION_NAME, published="2025-12-01"
    )
    return corpus


@pytest.fixture(scope="module")
def notified(ledger):
    _db, ids = ledger
    return [ids["dongying"], ids["hefei_register"], ids["complaint_hospital"]]


def full_portal(ledger, list_corpus, notified, extra=()):
    db, _ = ledger
    ed, items = synthetic_catalogue(list(extra))
    portal = gather(None, list_corpus, names=NAMES)
    cases = portal_cases(db, notified, default_corpus_dir())
    return dataclasses.replace(portal, catalogue=ed, permits=items, cases=cases)


@pytest.fixture(scope="module")
def site(ledger, list_corpus, notified, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "portal"
    done = publish(full_portal(ledger, list_corpus, notified), out, date=DAY)
    return out, done


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


# --- structure -----------------------------------------------------------------------------------


def test_the_site_has_every_page_css_xlsx_and_manifest(site):
    out, done = site
    names = set(files_of(out))
    assert names == {
        *PAGES,
        "style.css",
        "publish.json",
        "negative-list.xlsx",
        "catalogue.xlsx",
        "changes.xlsx",
        "cases.xlsx",
    }
    assert done.entry["first"] is True
    assert "首次发布" in done.summary


class _Strict(html.parser.HTMLParser):
    """Fails on mismatched end tags of the elements the templates write."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr"})

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> 与 {self.stack[-1:]} 不匹配")
        else:
            self.stack.pop()


@pytest.mark.parametrize("page", PAGES)
def test_page_structure(site, page):
    out, _ = site
    text = (out / page).read_text(encoding="utf-8")
    strict = _Strict()
    strict.feed(text)
    assert strict.errors == [] and strict.stack == []
    doc = lxml_html.fromstring(text.encode("utf-8"))
    assert doc.get("lang") == "zh-CN"
    assert doc.findtext(".//title").strip()
    assert len(doc.findall(".//h1")) == 1
    levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert doc.xpath("//a[@class='skip' and @href='#main']") and doc.xpath("//main[@id='main']")
    for table in doc.iter("table"):
        assert table.find("caption") is not None and table.findtext("caption").strip()
        heads = table.findall(".//th")
        assert heads and all(th.get("scope") in ("col", "row", "rowgroup") for th in heads)
    assert "<script" not in text.lower()
    assert "http://" not in text and "https://" not in text
    assert "数据日期" in text and "数据来源" in text
    ids = set(doc.xpath("//@id"))
    for href in doc.xpath("//a/@href | //link/@href"):
        target, _, anchor = href.partition("#")
        if target:
            assert (out / target).is_file(), href
        if anchor:
            anchor_page = out / (target or page)
            anchor_ids = ids if not target else set(lxml_html.parse(anchor_page).xpath("//@id"))
            assert anchor in anchor_ids, href


def test_css_has_print_rules_and_no_outside_resources(site):
    css = (site[0] / "style.css").read_text(encoding="utf-8")
    assert "@media print" in css and ":focus-visible" in css
    assert "url(" not in css and "@import" not in css and "http" not in css


def test_catalogue_page_by_department_with_index_and_missing_elements(site):
    doc = lxml_html.parse(site[0] / "catalogue.html")
    toc = [a.text for a in doc.xpath("//ol[@class='toc']//a")]
    assert toc == [
        "县自然资源局",
        "县住房和城乡建设局",
        "县市场监管局",
        "县水利局",
        "县文化广电和旅游局",
        "县城市管理局",
    ]
    assert [h.text for h in doc.xpath("//section/h2")] == toc
    housing = doc.xpath("//section[h2='县住房和城乡建设局']//tbody/tr/th")
    assert [th.text for th in housing] == [
        "建筑工程施工许可证核发",
        "燃气经营许可证核发",
        "商品房预售许可",
    ]
    ad_row = doc.xpath("//tr[th='户外广告设置许可（测试数据）']")[0]
    assert len(ad_row.xpath(".//span[@class='missing']")) == 4  # 层级 流程 材料 条件
    assert "《城镇燃气管理条例》第十五条" in lxml_html.tostring(doc, encoding="unicode")


def test_negative_list_page_shows_the_imported_edition(site):
    text = (site[0] / "negative-list.html").read_text(encoding="utf-8")
    assert nf.TEST_EDITION_NAME in text and "测试事项丁（非官方）" in text
    assert "数据来源：本表根据文件" in text
    book = openpyxl.load_workbook(site[0] / "negative-list.xlsx")
    assert book.active["A1"].value == nf.TEST_EDITION_NAME


def test_cases_page_shows_the_notified_cases(site):
    doc = lxml_html.parse(site[0] / "cases.html")
    headings = [h.text_content() for h in doc.xpath("//article/h2")]
    assert len(headings) == 3 and headings[0].startswith("（一）")
    assert "县卫生健康局" in lxml_html.tostring(doc, encoding="unicode")
    rows = list(openpyxl.load_workbook(site[0] / "cases.xlsx").active.values)
    assert rows[4][:3] == ("序号", "案例", "责任单位") and len(rows) == 5 + 3


# --- privacy and escaping --------------------------------------------------------------------------


def test_no_personal_data_in_any_file(site):
    for name, data in files_of(site[0]).items():
        text = xlsx_text(data) if name.endswith(".xlsx") else data.decode("utf-8")
        for secret in rf.SECRETS:
            assert secret not in text, (name, secret)
    cases = (site[0] / "cases.html").read_text(encoding="utf-8")
    assert "＊＊＊" in cases  # the complaint text named the caller: masked, not dropped silently


def test_markup_in_an_item_name_is_escaped(ledger, list_corpus, notified, tmp_path):
    evil = PermitItem(name="<script>alert(1)</script>", department="<b>县某局</b>", row=20)
    publish(full_portal(ledger, list_corpus, notified, [evil]), tmp_path / "s", date=DAY)
    for name, data in files_of(tmp_path / "s").items():
        if name.endswith(".html"):
            text = data.decode("utf-8")
            assert "<script" not in text and "<b>" not in text, name
    text = (tmp_path / "s" / "catalogue.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- same bytes, changes -------------------------------------------------------------------------


def test_publishing_again_with_nothing_changed_gives_the_same_bytes(
    ledger, list_corpus, notified, tmp_path
):
    out = tmp_path / "portal"
    publish(full_portal(ledger, list_corpus, notified), out, date=DAY)
    first = files_of(out)
    again = publish(full_portal(ledger, list_corpus, notified), out, date=LATER)
    assert files_of(out) == first
    assert again.written == () and again.entry is None
    assert "没有变化" in again.summary
    today = dt.date.today().isoformat()
    for name in first:
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(out / name) as z:
                (stamp,) = {i.date_time for i in z.infolist()}  # one date: the data's
                assert stamp[:3] <= (2026, 1, 5), name
                core = z.read("docProps/core.xml").decode()
                assert core.count(dt.date(*stamp[:3]).isoformat()) == 2, name
                assert today not in core, name
    # and into a fresh folder on the same date: identical too
    other = tmp_path / "other"
    publish(full_portal(ledger, list_corpus, notified), other, date=DAY)
    assert files_of(other) == first


def test_xlsx_dates_come_from_the_data(site):
    with zipfile.ZipFile(site[0] / "catalogue.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2026-01-01T00:00:00Z") == 2


def test_changes_after_a_catalogue_change(ledger, list_corpus, notified, tmp_path):
    out = tmp_path / "portal"
    base = full_portal(ledger, list_corpus, notified)
    publish(base, out, date=DAY)
    items = list(base.permits)
    gone = items.pop(5)  # 取水许可 cancelled
    items[0] = dataclasses.replace(items[0], materials="申请书；建设工程设计方案（测试数据）")
    items.append(PermitItem(name="排污许可（测试数据）", department="县生态环境局", row=30))
    changed = dataclasses.replace(base, permits=items, cases=base.cases[:2])
    done = publish(changed, out, date=LATER)
    assert done.entry is not None and not done.entry["first"]
    kinds = {(r[1], r[2]) for r in done.entry["rows"]}
    assert kinds == {
        ("新增事项", "排污许可（测试数据）"),
        ("取消事项", gone.name),
        ("信息要素变更", "建设工程规划许可证核发"),
        ("撤下案例", base.cases[2].heading),
    }
    detail = next(r[3] for r in done.entry["rows"] if r[1] == "信息要素变更")
    assert detail == "县自然资源局：申请材料有变化"
    doc = lxml_html.parse(out / "changes.html")
    titles = [h.text for h in doc.xpath("//section/h2")]
    assert titles == ["2026-02-10　本次发布与上次发布相比", "2026-01-05　首次发布"]
    manifest = json.loads((out / "publish.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["catalogue"]["changed"] == "2026-02-10"
    assert manifest["tables"]["negative-list"]["changed"] == "2026-01-05"
    assert "本页内容最近更新：2026-02-10" in (out / "catalogue.html").read_text(encoding="utf-8")
    assert "本页内容最近更新：2026-01-05" in (out / "negative-list.html").read_text(
        encoding="utf-8"
    )
    rows = list(openpyxl.load_workbook(out / "changes.xlsx").active.values)
    assert rows[4] == ("序号", "日期", "栏目", "变更", "事项", "说明")
    assert len(rows) == 5 + 4 + len(
        json.loads((out / "publish.json").read_text())["history"][1]["rows"]
    )


# --- without list, catalogue or ledger -------------------------------------------------------------


def test_without_a_list_the_page_says_where_the_official_file_is(tmp_path):
    portal = gather(None, default_corpus_dir(), names=NAMES)
    assert portal.edition is None and portal.bundled["doc_no"] == "发改体改规〔2025〕466号"
    done = publish(portal, tmp_path / "s", date=DAY)
    text = (tmp_path / "s" / "negative-list.html").read_text(encoding="utf-8")
    for words in (
        "106 项事项表不随本软件附带",
        "发改体改规〔2025〕466号",
        "www.ndrc.gov.cn",
        "2025-04-24",
    ):
        assert words in text
    assert "<table" not in text  # no invented table
    assert not (tmp_path / "s" / "negative-list.xlsx").exists()
    cat = (tmp_path / "s" / "catalogue.html").read_text(encoding="utf-8")
    assert "尚未导入本县市场准入许可事项目录" in cat
    assert "负面清单未导入" in done.summary


def test_a_folder_with_other_files_is_refused(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.docx").write_bytes(b"x")
    portal = gather(None, default_corpus_dir())
    with pytest.raises(PublishFolderError, match="不是此前由 screening publish 生成"):
        publish(portal, out, date=DAY)
    assert sorted(p.name for p in out.iterdir()) == ["report.docx"]
    publish(portal, out, date=DAY, force=True)
    assert (out / "index.html").is_file() and (out / "report.docx").is_file()
    (tmp_path / "file").write_text("x")
    with pytest.raises(PublishFolderError, match="是一个文件"):
        publish(portal, tmp_path / "file", date=DAY)


def test_files_no_longer_produced_are_removed(ledger, list_corpus, notified, tmp_path):
    out = tmp_path / "portal"
    base = full_portal(ledger, list_corpus, notified)
    publish(base, out, date=DAY)
    done = publish(dataclasses.replace(base, cases=[]), out, date=LATER)
    assert done.removed == ("cases.xlsx",) and not (out / "cases.xlsx").exists()
    assert "暂无公示的典型案例" in (out / "cases.html").read_text(encoding="utf-8")


def test_unconfirmed_cases_are_refused(ledger):
    db, ids = ledger
    with pytest.raises(CasesNotConfirmedError):
        portal_cases(db, [ids["hefei_platform"]], default_corpus_dir())


# --- through the catalogue storage and the CLI -------------------------------------------------------


def test_publish_portal_reads_the_stored_catalogue(tmp_path, list_corpus):
    from screening.catalogue import storage

    db = open_ledger(tmp_path / "l.db")
    ed, items = synthetic_catalogue()
    storage.store_edition(db, ed, items)
    done = publish_portal(db, list_corpus, tmp_path / "s", date=DAY, names=NAMES)
    db.close()
    assert f"许可事项目录 {len(items)} 项" in done.summary
    assert "县水利局" in (tmp_path / "s" / "catalogue.html").read_text(encoding="utf-8")


def test_cli_publish_and_refusal(tmp_path):
    runner = CliRunner()
    base = ["--ledger", str(tmp_path / "none.db"), "publish", "--date", "2026-01-05"]
    r = runner.invoke(main, [*base, "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    assert "已发布到" in r.stdout and "首次发布" in r.stdout
    r = runner.invoke(main, [*base, "--out", str(tmp_path / "s")])
    assert r.exit_code == 0 and "写入 0 个文件" in r.stdout and "没有变化" in r.stdout
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.txt").write_text("x")
    r = runner.invoke(main, [*base, "--out", str(tmp_path / "other")])
    assert r.exit_code == 1
    assert r.stderr.startswith("错误：无法发布到") and "--force" in r.stderr
    r = runner.invoke(main, [*base, "--out", str(tmp_path / "x"), "--cases", "3,a"])
    assert r.exit_code == 2 and "不是案件编号" in r.output


def test_readme_documents_the_command():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "### 信息公开（门户网站页面）" in readme
    assert re.search(r"screening publish --out", readme)


def test_cli_cases_of_a_period_then_reused(tmp_path):
    from screening.publish.data import confirmed_in
    from screening.reports import parse_period

    ledger_path = tmp_path / "台账.db"
    rf.build_ledger(ledger_path)
    db = open_ledger(ledger_path)
    expected = confirmed_in(db, parse_period("2025Q4"))
    db.close()
    assert len(expected) >= 3
    runner = CliRunner()
    base = ["--ledger", str(ledger_path), "publish", "--out", str(tmp_path / "s")]
    r = runner.invoke(main, [*base, "--period", "2025Q4", "--date", "2026-01-05"])
    assert r.exit_code == 0, r.output
    page = lxml_html.parse(tmp_path / "s" / "cases.html")
    assert len(page.xpath("//article")) == len(expected)
    before = files_of(tmp_path / "s")
    r = runner.invoke(main, [*base, "--date", "2026-03-01"])  # no case option: the same cases
    assert r.exit_code == 0 and "没有变化" in r.stdout
    assert files_of(tmp_path / "s") == before
    for data in before.values():
        text = data.decode("utf-8", "replace")
        assert not any(s in text for s in rf.SECRETS)
