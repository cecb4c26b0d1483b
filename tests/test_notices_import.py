"""Importing case notices: splitting, field extraction, dedup, provenance, CLI output."""

from __future__ import annotations

import json
from pathlib import Path

import click
import docgen
import pytest
from click.testing import CliRunner

from screening.cli import main
from screening.cli.cases_import import import_cmd
from screening.config import Settings
from screening.corpus.notices import (
    content_id,
    extract_region,
    import_notice,
    offending_spans,
)
from screening.corpus.schema import Case

NOTICES = Path(__file__).parent / "fixtures" / "notices"


def body(name: str) -> str:
    """Fixture text without its provenance header."""
    return (NOTICES / name).read_text(encoding="utf-8").split("\n\n", 1)[1]


def settings(tmp_path) -> Settings:
    return Settings(corpus=tmp_path / "corpus")


@pytest.fixture(scope="session")
def laid_out(tmp_path_factory):
    """The real excerpts laid out as PDF and DOCX, as they would arrive."""
    d = tmp_path_factory.mktemp("notices")
    out = {}
    for name in ("ndrc-typical-cases-5-excerpt", "beijing-fcr-spot-check-2022-excerpt"):
        blocks = [("para", ln) for ln in body(f"{name}.txt").splitlines() if ln.strip()]
        out[(name, "pdf")] = docgen.write_pdf(d / f"{name}.pdf", blocks)
        out[(name, "docx")] = docgen.write_docx(d / f"{name}.docx", blocks)
    return out


# name, expected case titles (prefix), offending span counts, standards present, rectification present
EXPECTED = {
    "ndrc-typical-cases-5-excerpt.txt": (
        [
            "福建省宁德市福鼎市城市管理局",
            "福建省南平市光泽县国资公司",
            "湖南省怀化市某公司",
            "湖北省十堰市郧阳区",
        ],
        [0, 0, 1, 2],
        [False] * 4,
        [True] * 4,
    ),
    "beijing-fcr-spot-check-2022-excerpt.txt": (
        [
            "在政策措施文件中对经营者设置",
            "在政策措施文件中支持特定的制造业",
            "在政策措施文件中将某公司",
        ],
        [4, 1, 1],
        [True] * 3,
        [False] * 3,
    ),
    "synthetic-yi-headings.txt": (
        ["某市某县住房和城乡建设局", "某市某区人民政府办公室", "某市某县商务局"],
        [1, 1, 1],
        [True, True, False],
        [True] * 3,
    ),
    "synthetic-paren-headings.txt": (
        ["某区发展和改革局", "某县交通运输局"],
        [1, 1],
        [True, True],
        [True, True],
    ),
    "synthetic-dianxing-headings.txt": (
        ["某省某市城市管理局", "某省某县市场主体"],
        [0, 0],
        [False, False],
        [True, True],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_split_and_extract(tmp_path, name):
    titles, n_off, has_std, has_rect = EXPECTED[name]
    r = import_notice(NOTICES / name, settings(tmp_path), dry_run=True)
    assert [c.title[: len(t)] for c, t in zip(r.cases, titles, strict=True)] == titles
    assert [len(c.offending_text) for c in r.cases] == n_off
    assert [bool(c.standards) for c in r.cases] == has_std
    assert [bool(c.rectification) for c in r.cases] == has_rect
    assert r.written == 0 and not (tmp_path / "corpus" / "cases" / "imported.jsonl").exists()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize(
    "name", ["ndrc-typical-cases-5-excerpt", "beijing-fcr-spot-check-2022-excerpt"]
)
def test_laid_out_files_give_the_same_cases(tmp_path, laid_out, name, fmt):
    from_txt = import_notice(NOTICES / f"{name}.txt", settings(tmp_path), dry_run=True)
    from_file = import_notice(laid_out[(name, fmt)], settings(tmp_path), dry_run=True)
    assert [c.id for c in from_file.cases] == [c.id for c in from_txt.cases]
    assert [c.offending_text for c in from_file.cases] == [c.offending_text for c in from_txt.cases]


def test_ndrc_fields(tmp_path):
    r = import_notice(
        NOTICES / "ndrc-typical-cases-5-excerpt.txt", settings(tmp_path), dry_run=True
    )
    first, _, hunan, hubei = r.cases
    assert r.notice_title == "违背市场准入负面清单典型案例及处理情况（第5期）"
    assert first.source == "NDRC" and first.region == "福建省宁德市福鼎市"
    assert first.legal_basis_raw == "违反了市场准入负面清单制度有关要求" and first.standards == ()
    assert first.class_1670 == "隐性壁垒" and "inferred" in first.extra["class_1670_basis"]
    assert first.rectification.startswith("该案例已完成整改。2022年12月")
    assert first.extra["case_origin"] == "地方上报。"
    # The quoted negative-list measure is a legal provision, not offending wording.
    assert hunan.offending_text == ("乡村振兴体验之旅",)
    assert hunan.extra["negative_list_ref"] == {"edition": "2022", "item_no": 71}
    assert hunan.class_1670 == "主体违规"
    assert hubei.offending_text[1] == "竞买人在资质审查截止时间前提供十堰市境内任何银行的履约保函"
    assert first.provenance.source == "ndrc-typical-cases-5-excerpt.txt"
    assert len(first.provenance.sha256) == 64 and first.provenance.imported_at


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("规定“投标人须为本地企业”，违反《实施办法》第十四条的规定。", ["投标人须为本地企业"]),
        ("违反《中华人民共和国反垄断法》第三十九条“行政机关不得滥用行政权力”的规定。", []),
        ("出台《关于印发“十四五”规划的通知》，规定“对本地企业给予奖励”。", ["对本地企业给予奖励"]),
        ("《公平竞争审查制度实施细则》（以下简称“实施细则”）", []),
        (
            "规定“纳入“战略留白”临时绿化任务”，其中关于“战略留白”的规定",
            ["纳入“战略留白”临时绿化任务"],
        ),
        ("要求提供“《营业执照》”", []),
        ("以“转让经营权”名义招租", []),
    ],
)
def test_offending_spans(text, spans):
    assert offending_spans(text) == spans


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("福建省泉州市鲤城区住建局违规增设审批条件", "福建省泉州市鲤城区"),
        ("福建省龙岩市长汀县城市管理局通过招标", "福建省龙岩市长汀县"),
        ("福建省交通厅未按相关规定开展审批", "福建省"),
        ("广西壮族自治区柳州市快递协会违规收费", "广西壮族自治区柳州市"),
        ("广西来宾市主动排查发现", "广西壮族自治区来宾市"),
        ("新疆维吾尔自治区吐鲁番市应急管理局", "新疆维吾尔自治区吐鲁番市"),
        ("天水市麦积区农业农村局指定兽药经营企业", "天水市麦积区"),
        ("中国播音主持网违规从事互联网新闻信息服务", None),
        ("某区2021年出台", None),
    ],
)
def test_region(text, region):
    assert extract_region(text) == region


def test_import_writes_dedups_and_is_stable(tmp_path):
    s = settings(tmp_path)
    first = import_notice(NOTICES / "synthetic-dianxing-headings.txt", s)
    assert first.written == 2
    assert [k.code for k in first.skipped] == ["duplicate_in_file"]
    target = tmp_path / "corpus" / "cases" / "imported.jsonl"
    lines = target.read_text(encoding="utf-8").splitlines()
    cases = [Case.from_dict(json.loads(ln)) for ln in lines]
    assert [c.id for c in cases] == [c.id for c in first.cases]
    assert all(c.id.startswith("imp-") and len(c.id) == 16 for c in cases)
    assert cases[0].id == content_id(cases[0].title, cases[0].description)
    again = import_notice(NOTICES / "synthetic-dianxing-headings.txt", s)
    assert again.written == 0 and again.cases == []
    assert [k.code for k in again.skipped] == ["duplicate_in_corpus"] * 3
    assert target.read_text(encoding="utf-8").splitlines() == lines
    other = import_notice(NOTICES / "synthetic-yi-headings.txt", s)
    assert other.written == 3
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5


def test_dedup_against_existing_corpus_case_with_small_differences(tmp_path):
    s = settings(tmp_path)
    r = import_notice(NOTICES / "synthetic-paren-headings.txt", s, dry_run=True)
    case = r.cases[0]
    existing = {
        "id": "dev-1",
        "title": case.title,
        "description": case.description.replace("，", ",") + " ",
    }
    path = tmp_path / "corpus" / "cases" / "cases.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(existing, ensure_ascii=False) + "\n", encoding="utf-8")
    r = import_notice(NOTICES / "synthetic-paren-headings.txt", s, dry_run=True)
    assert [k.duplicate_of for k in r.skipped] == ["dev-1"]
    assert len(r.cases) == 1


def test_jsonl_import(tmp_path):
    rows = [
        {
            "title": "某县某局指定特定企业提供服务（测试）",
            "description": "某县某局规定“由某公司独家提供服务”，违反《公平竞争审查条例实施办法》第十条第（一）项的规定。",
            "legal_basis": "《公平竞争审查条例实施办法》第十条第（一）项",
            "source_type": "provincial",
        },
        {"region": "某省"},
        "not json {",
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows),
        encoding="utf-8",
    )
    r = import_notice(path, settings(tmp_path), dry_run=True)
    assert [c.standards for c in r.cases] == [("FCR-10-1",)]
    assert r.cases[0].offending_text == ("由某公司独家提供服务",)
    assert [k.code for k in r.skipped] == ["no_text", "bad_json"]


def test_no_cases_is_a_clear_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("这是一份普通的工作通知。\n请各单位按时报送材料。\n", encoding="utf-8")
    r = CliRunner().invoke(_cli(), ["--corpus", str(tmp_path / "c"), "cases", "import", str(path)])
    assert r.exit_code == 1 and "未能从通报中识别出案例" in r.output


def _cli() -> click.Group:
    if "cases" not in main.commands:
        group = click.Group("cases")
        group.add_command(import_cmd)
        main.add_command(group)
    return main


def test_cli_json_and_text(tmp_path):
    cli = _cli()
    base = ["--corpus", str(tmp_path / "c"), "cases", "import"]
    f = str(NOTICES / "ndrc-typical-cases-5-excerpt.txt")
    r = CliRunner().invoke(cli, [*base, f, "--dry-run", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert set(data) >= {"cases", "skipped"} and len(data["cases"]) == 4
    assert all(c["unclassified"] for c in data["cases"])
    r = CliRunner().invoke(cli, [*base, f])
    assert "新案例 4 个" in r.output and "未分类（无法对应到审查标准编码，已导入）4 个" in r.output
    r = CliRunner().invoke(cli, [*base, f])
    assert "该通报的案例均已在知识库中，本次未新增任何案例。" in r.output
