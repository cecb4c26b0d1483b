"""Negative-list editions: import in every format, validation, storage, diff, export, status.

All list data here is a small list MADE FOR THE TESTS (tests/neglist_fixtures.py), not the
official 市场准入负面清单.
"""

from __future__ import annotations

import json

import neglist_fixtures as nf
import pytest
from click.testing import CliRunner

from screening.cli import main
from screening.cli.neglist import list_group
from screening.errors import EditionExistsError, NoEditionError
from screening.neglist import (
    current_edition,
    diff_editions,
    export_edition,
    import_edition,
    negative_list_status,
    storage,
)
from screening.neglist.importer import read_table

FORMATS = ["pdf", "docx", "xlsx", "csv"]

if "list" not in main.commands:
    main.add_command(list_group)


def as_dicts(items):
    out = []
    for it in items:
        d = it.content()
        d["measures"] = [dict(m) for m in d["measures"]]
        d["local_measures"] = list(d["local_measures"])
        out.append(d)
    return out


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("neglist")
    out = {fmt: nf.write(fmt, d) for fmt in FORMATS}
    out["variant"] = nf.write("csv", d, nf.variant_items(), stem="variant")
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_items(files, fmt):
    parsed = read_table(files[fmt])
    assert as_dicts(parsed.items) == nf.canonical_items()
    assert parsed.problems == []


def test_pdf_is_multi_page_and_joins_the_split_measure(files):
    import pdfplumber

    with pdfplumber.open(files["pdf"]) as pdf:
        assert len(pdf.pages) >= 2
    parsed = read_table(files["pdf"])
    ding = parsed.items[3]
    assert ding.measures[11].text == nf.SPLIT_HEAD + nf.SPLIT_TAIL
    assert any("续行" in n for n in parsed.notes)
    assert parsed.title == nf.TEST_EDITION_NAME


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path, encoding):
    path = nf.write_csv(tmp_path / "l.csv", nf.canonical_items(), encoding=encoding)
    assert as_dicts(read_table(path).items) == nf.canonical_items()


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda items: items[0].update(code="90001"), "bad_code"),
        (lambda items: items[2].update(code="9001O2"), "bad_code"),
        (lambda items: items.pop(2), "numbering_gap"),
        (lambda items: items[1].update(code="900001"), "duplicate_code"),
    ],
)
def test_validation_catches(tmp_path, mutate, code):
    items = nf.canonical_items()
    mutate(items)
    path = nf.write_csv(tmp_path / "bad.csv", items)
    o = import_edition(tmp_path / "corpus", path, "test-bad", dry_run=True)
    assert code in {i.code for i in o.issues}


@pytest.mark.parametrize("wrapped", [False, True])
def test_counts_checked_against_bundled_edition_facts(tmp_path, files, wrapped):
    meta = tmp_path / "corpus" / "negative_list" / "editions_meta.json"
    meta.parent.mkdir(parents=True)
    facts = {
        "items_total": {"value": 6, "prohibited": 2, "permitted": 4},
        "local_measures": {"value": 1},
    }
    data = {"editions": {"test-a": facts}}
    if wrapped:  # the corpus builder's copy: {"data": <source JSON>, "provenance": …}
        data = {"data": data, "provenance": {"source": "test"}}
    meta.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    o = import_edition(tmp_path / "corpus", files["csv"], "test-a", dry_run=True)
    assert {i.code for i in o.issues} == {"count_items", "count_permitted"}
    assert o.expected == {"items": 6, "prohibited": 2, "permitted": 4, "local_measures": 1}


def test_missing_meta_is_tolerated(tmp_path, files):
    o = import_edition(tmp_path / "corpus", files["csv"], "2025", dry_run=True)
    assert o.expected == {} and o.issues == []


def test_import_is_idempotent_and_replace_is_explicit(tmp_path, files):
    corpus = tmp_path / "corpus"
    first = import_edition(corpus, files["pdf"], "test-a", name=nf.TEST_EDITION_NAME)
    assert first.status == "imported"
    before = (first.path / "items.jsonl").read_bytes()
    again = import_edition(corpus, files["pdf"], "test-a")
    assert again.status == "unchanged"
    assert (first.path / "items.jsonl").read_bytes() == before
    with pytest.raises(EditionExistsError):
        import_edition(corpus, files["docx"], "test-a")
    replaced = import_edition(corpus, files["docx"], "test-a", replace=True)
    assert replaced.status == "replaced"
    ed, items = current_edition(corpus, "test-a")
    assert ed.source.file_name == "test-list.docx" and len(ed.source.sha256) == 64
    assert as_dicts(items) == nf.canonical_items()


def test_interrupted_import_keeps_the_old_edition(tmp_path, files, monkeypatch):
    corpus = tmp_path / "corpus"
    import_edition(corpus, files["csv"], "test-a")
    real = storage._write_text

    def failing(path, text):
        if path.name == storage.ITEMS_FILE:
            raise OSError("disk full (simulated)")
        real(path, text)

    monkeypatch.setattr(storage, "_write_text", failing)
    with pytest.raises(OSError):
        import_edition(corpus, files["variant"], "test-a", replace=True)
    ed, items = current_edition(corpus, "test-a")
    assert ed.source.file_name == "test-list.csv" and len(items) == 5
    leftovers = [p.name for p in storage.editions_root(corpus).iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_status_without_edition(tmp_path):
    st = negative_list_status(tmp_path / "corpus")
    assert not st.available and st.edition is None
    assert "尚未导入" in st.message and "screening list import" in st.message
    with pytest.raises(NoEditionError):
        current_edition(tmp_path / "corpus")


def test_status_with_edition(tmp_path, files):
    import_edition(tmp_path / "c", files["csv"], "test-a", name=nf.TEST_EDITION_NAME)
    st = negative_list_status(tmp_path / "c")
    assert st.available and st.edition == "test-a" and st.items == 5


def test_diff_between_two_test_editions(tmp_path, files):
    corpus = tmp_path / "corpus"
    import_edition(corpus, files["csv"], "test-a")
    import_edition(corpus, files["variant"], "test-b")
    d = diff_editions(corpus, "test-a", "test-b")
    assert [i["name"] for i in d.added] == ["测试事项己（非官方）"]
    assert [i["name"] for i in d.removed] == ["测试事项乙（非官方）"]
    changed = {c.key: c for c in d.changed}
    assert set(changed) == {"900101", "900103"}
    assert len(changed["900101"].measures_changed) == 1
    assert changed["900101"].measures_added == ["测试措施丙-4：新增的测试措施（测试数据）"]
    assert changed["900103"].fields["name"] == [
        "测试事项戊（非官方）",
        "测试事项戊（非官方，已更名）",
    ]
    assert changed["900103"].local_removed
    assert d.unchanged == 2  # 甲, and 丁 which was only renumbered


def test_diff_falls_back_to_names(tmp_path):
    from screening.neglist import diff_items
    from screening.neglist.model import Item, Measure

    a = [Item(1, "许可准入类", "测试事项甲（非官方）", "", (Measure("测试措施一"),))]
    b = [Item(1, "许可准入类", "测试事项甲（非官方）", "900001", (Measure("测试措施一"),))]
    d = diff_items(a, b)
    assert d.changed[0].matched_by == "name" and d.changed[0].fields["code"] == ["", "900001"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reads_back(tmp_path, files, fmt):
    corpus = tmp_path / "corpus"
    import_edition(
        corpus,
        files["pdf"],
        "test-a",
        name=nf.TEST_EDITION_NAME,
        doc_no=nf.TEST_DOC_NO,
        published="2000-01-01",
    )
    ed, items = current_edition(corpus)
    out = export_edition(ed, items, fmt, tmp_path / f"out.{fmt}")
    back = read_table(out)
    assert as_dicts(back.items) == nf.canonical_items()
    assert back.title == nf.TEST_EDITION_NAME


def test_export_html_is_self_contained(tmp_path, files):
    corpus = tmp_path / "corpus"
    import_edition(
        corpus,
        files["pdf"],
        "test-a",
        name=nf.TEST_EDITION_NAME,
        doc_no=nf.TEST_DOC_NO,
        published="2000-01-01",
    )
    ed, items = current_edition(corpus)
    html = export_edition(ed, items, "html", tmp_path / "out.html").read_text(encoding="utf-8")
    for text in (
        nf.TEST_EDITION_NAME,
        nf.TEST_DOC_NO,
        "2000-01-01",
        "禁止或许可准入措施描述",
        "主管部门",
        "数据来源",
        "test-list.pdf",
        ed.source.sha256,
        "一、禁止准入类",
        nf.SPLIT_HEAD + nf.SPLIT_TAIL,
    ):
        assert text in html
    assert "<style>" in html
    for external in ("http://", "https://", "<link", "src="):
        assert external not in html


def run(corpus, *args):
    return CliRunner().invoke(main, ["--corpus", str(corpus), "list", *args])


def test_cli_flow(tmp_path, files):
    corpus = tmp_path / "corpus"
    r = run(corpus, "show")
    assert r.exit_code == 0 and "尚未导入市场准入负面清单" in r.output
    r = run(corpus, "editions")
    assert r.exit_code == 0 and "事项级的负面清单核对暂不可用" in r.output
    r = run(corpus, "import", str(files["pdf"]), "--edition", "test-a")
    assert r.exit_code == 0, r.output
    assert "已导入清单版本“test-a”：测试用清单（非官方）" in r.output
    r = run(corpus, "import", str(files["pdf"]), "--edition", "test-a")
    assert "内容未变，未做任何修改" in r.output
    r = run(corpus, "import", str(files["docx"]), "--edition", "test-a")
    assert r.exit_code == 1 and "--replace" in r.output
    r = run(corpus, "import", str(files["variant"]), "--edition", "test-b")
    r = run(corpus, "diff", "test-a", "test-b", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.output)["summary"]["added"] == 1
    r = run(corpus, "diff", "test-a", "test-b")
    assert "新增事项 1 项，删除事项 1 项，修改事项 2 项" in r.output
    r = run(
        corpus,
        "export",
        "--edition",
        "test-a",
        "--format",
        "html",
        "--out",
        str(tmp_path / "x.html"),
    )
    assert r.exit_code == 0 and (tmp_path / "x.html").is_file()
    r = run(corpus, "show", "--edition", "nope")
    assert r.exit_code == 1 and "未找到清单版本“nope”" in r.output
