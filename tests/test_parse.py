"""Parsers: each format keeps the real wording, layout artefacts are removed, offsets are exact."""

from __future__ import annotations

import re
from pathlib import Path

import docgen
import pdfplumber
import pytest
from conftest import (
    BEILUN_BODY,
    DOCX_FOOTER,
    DOCX_HEADER,
    DONGYING_BODY,
    LIUHE_BODY,
    LIUHE_HEADER,
    RUNNING_HEADER,
    TABLE_ROWS,
)

from screening.parse import parse_file
from screening.types import HEADING, PARAGRAPH, TABLE_ROW, Document


def texts(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks]


def assert_offsets(doc: Document) -> None:
    for b in doc.blocks:
        assert doc.text[b.start : b.end] == b.text
    for t in doc.tables:
        assert doc.text[t.start : t.end].count("\n") == len(t.rows) - 1


# --- every format keeps the wording of a real document ------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "pages"),
    [
        ("liuhe.docx", "docx", None),
        ("liuhe.pdf", "pdf", 6),
        ("liuhe.ofd", "ofd", 6),
        ("liuhe-chanye.txt", "txt", None),
    ],
)
def test_real_text_survives_every_format(gen, name, fmt, pages):
    doc = parse_file(gen[name])
    assert doc.format == fmt
    assert texts(doc) == LIUHE_BODY
    assert doc.pages == pages
    assert doc.warnings == ()
    assert_offsets(doc)
    assert doc.blocks[0].kind == HEADING and doc.blocks[0].text == "一、财政支持"


def test_markdown_regulation(gen):
    doc = parse_file(gen["beijing-fakuan-xiane.md"])
    assert doc.format == "md"
    assert texts(doc)[0] == "北京市规章设定罚款限额规定"
    assert doc.blocks[0].kind == HEADING
    assert "INFO END" not in doc.text and "<!--" not in doc.text
    assert texts(doc)[-1] == "第五条 本规定自1996年10月1日起施行。"
    assert doc.metadata.title == "北京市规章设定罚款限额规定"
    assert_offsets(doc)


@pytest.mark.parametrize("name", ["dongying.docx", "dongying.pdf", "dongying.ofd"])
def test_metadata_from_generated_notice(gen, name):
    doc = parse_file(gen[name])
    meta = doc.metadata
    assert meta.title == DONGYING_BODY[0] + DONGYING_BODY[1]
    assert meta.doc_number == "东开管发〔2023〕5号"
    assert meta.issuer == "东营经济技术开发区管理委员会"
    if name.endswith(".docx"):  # two title paragraphs stay two paragraphs
        assert texts(doc) == DONGYING_BODY
    else:  # two centred title lines of one size are one title
        assert texts(doc) == [DONGYING_BODY[0] + DONGYING_BODY[1], *DONGYING_BODY[2:]]


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_drops_page_numbers_and_running_header(gen):
    doc = parse_file(gen["liuhe.pdf"])
    assert RUNNING_HEADER not in doc.text
    assert not re.search(r"—\s*\d+\s*—", doc.text)
    with pdfplumber.open(gen["liuhe.pdf"]) as pdf:  # the layout really has them
        raw = pdf.pages[1].extract_text()
    assert RUNNING_HEADER in raw and "— 2 —" in raw


def test_pdf_joins_lines_and_records_pages(gen):
    doc = parse_file(gen["liuhe.pdf"])
    with pdfplumber.open(gen["liuhe.pdf"]) as pdf:
        raw = [p.extract_text().replace("\n", "") for p in pdf.pages]
    # Layout breaks long paragraphs into many lines; every paragraph came back whole.
    assert max(len(t) for t in texts(doc)) > 200
    spanning = 0
    for b in doc.blocks:
        assert b.text[:12] in raw[b.page - 1], (b.page, b.text[:20])
        if b.text[-12:] not in raw[b.page - 1]:
            spanning += 1
            assert b.text[-12:] in raw[b.page]
    assert spanning >= 1  # at least one paragraph continues on the next page
    assert [b.page for b in doc.blocks] == sorted(b.page for b in doc.blocks)


def test_pdf_table_rows_kept_in_place(gen):
    doc = parse_file(gen["table.pdf"])
    kinds = [b.kind for b in doc.blocks]
    assert kinds == [PARAGRAPH, PARAGRAPH, TABLE_ROW, TABLE_ROW, TABLE_ROW, PARAGRAPH]
    assert [list(r) for r in doc.tables[0].rows] == TABLE_ROWS
    assert doc.blocks[3].text == "1 | 北仑区(开发区)工业企业“龙腾”工程实施意见 | 修订"
    # Table words are not repeated in the running text.
    assert doc.text.count("北仑区促进总部经济发展若干意见") == 1
    assert_offsets(doc)


def test_pdf_owner_password_only_is_readable(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption("", "owner-secret", canPrint=0, canCopy=0, canModify=0)
    path = docgen.write_pdf(tmp_path / "owner.pdf", [("para", LIUHE_BODY[1])], encrypt=enc)
    # pdfminer shows this encrypted CJK font as "(cid:N)"; the PDFium fallback reads it.
    assert texts(parse_file(path)) == [LIUHE_BODY[1]]


def test_pdf_partly_scanned_warns(tmp_path):
    blocks = [("para", LIUHE_BODY[1]), ("pagebreak", None)]
    path = docgen.write_pdf(tmp_path / "mixed.pdf", blocks, page_numbers=False)
    doc = parse_file(path)
    assert doc.pages == 2
    assert doc.warnings == ("第 2 页没有文字层（可能是扫描页），这些页的内容未能读取。",)


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_automatic_numbering_rendered(gen):
    doc = parse_file(gen["liuhe.docx"])
    headings = [b.text for b in doc.blocks if b.kind == HEADING]
    assert headings == [
        "一、财政支持",
        "二、支持范围",
        "三、政策兑现",
        "四、组织保障",
        "五、其他规定",
    ]
    numbered = [t for t in texts(doc) if re.match(r"^\d\.", t)]
    assert [t[:2] for t in numbered] == ["1.", "2.", "3.", "4."]
    # The typed numbers were removed by the writer, so these labels come from numbering.xml.
    assert "<w:t>一、财政支持" not in Path(gen["liuhe.docx"]).read_bytes().decode("latin-1")


def test_docx_header_footer_excluded(gen):
    doc = parse_file(gen["liuhe.docx"])
    assert DOCX_HEADER not in doc.text and DOCX_FOOTER not in doc.text


def test_docx_table_in_body_order(gen):
    doc = parse_file(gen["table.docx"])
    assert [b.kind for b in doc.blocks] == [HEADING, PARAGRAPH, *[TABLE_ROW] * 3, PARAGRAPH]
    assert [list(r) for r in doc.tables[0].rows] == TABLE_ROWS
    assert doc.blocks[-1].text == "本通知自印发之日起施行。"
    assert all(b.page is None for b in doc.blocks)
    assert_offsets(doc)


def test_docx_core_title_used_when_text_has_none(tmp_path):
    path = docgen.write_docx(
        tmp_path / "t.docx", LIUHE_BODY[:3], title="柳河县加快重点产业实施意见"
    )
    assert parse_file(path).metadata.title == "柳河县加快重点产业实施意见"


@pytest.mark.parametrize(
    ("fmt", "n", "expected"),
    [
        ("chineseCounting", 1, "一"),
        ("chineseCounting", 10, "十"),
        ("chineseCounting", 12, "十二"),
        ("chineseCounting", 21, "二十一"),
        ("taiwaneseCountingThousand", 3, "三"),
        ("chineseLegalSimplified", 2, "贰"),
        ("ideographTraditional", 3, "丙"),
        ("decimalEnclosedCircle", 4, "④"),
        ("decimal", 7, "7"),
        ("lowerLetter", 2, "b"),
        ("upperRoman", 4, "IV"),
    ],
)
def test_number_formats(fmt, n, expected):
    from screening.parse.docx import format_number

    assert format_number(n, fmt) == expected


# --- OFD --------------------------------------------------------------------------------------


def test_ofd_objects_out_of_order_are_sorted(gen):
    import zipfile

    with zipfile.ZipFile(gen["liuhe.ofd"]) as zf:
        content = zf.read("Doc_0/Pages/Page_0/Content.xml").decode("utf-8")
    # The writer shuffles objects: the first text in the file is not the first line of the page.
    first = re.search(r"<ofd:TextCode[^>]*>([^<]+)<", content)[1]
    assert not LIUHE_BODY[0].startswith(first)
    doc = parse_file(gen["liuhe.ofd"])
    assert texts(doc) == LIUHE_BODY
    assert doc.blocks[0].page == 1 and doc.blocks[-1].page == 6


# --- text and HTML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "warning"),
    [
        ("utf-8", b"", ()),
        ("utf-8", b"\xef\xbb\xbf", ()),
        ("utf-16-le", b"\xff\xfe", ("文本编码识别为 UTF-16。",)),
        ("utf-16-be", b"\xfe\xff", ("文本编码识别为 UTF-16。",)),
        ("gb18030", b"", ("文本编码识别为 GB18030。",)),
        ("gbk", b"", ("文本编码识别为 GB18030。",)),
    ],
)
def test_text_encodings(tmp_path, encoding, bom, warning):
    body = "\n".join(BEILUN_BODY[:4])
    path = tmp_path / "notice.txt"
    path.write_bytes(bom + body.replace("\n", "\r\n").encode(encoding))
    doc = parse_file(path)
    assert texts(doc) == BEILUN_BODY[:4]
    assert doc.warnings == warning


def test_provenance_header_goes_to_metadata(gen):
    doc = parse_file(gen["liuhe-chanye.txt"])
    assert "source:" not in doc.text and "label:" not in doc.text
    assert doc.metadata.extra["source"] == LIUHE_HEADER["source"]
    assert doc.metadata.extra["doc_type"] == "招商引资/产业扶持政策"
    # Editorial notes in the header title are dropped; "unknown" dates are not kept.
    assert doc.metadata.title == "柳河县加快重点产业实施意见"
    assert doc.metadata.date is None


def test_hard_wrapped_text_is_rejoined(tmp_path):
    para = LIUHE_BODY[3]  # a long paragraph
    wrapped = "\n".join(para[i : i + 30] for i in range(0, len(para), 30))
    path = tmp_path / "wrapped.txt"
    path.write_text(f"{LIUHE_BODY[0]}\n{wrapped}\n{LIUHE_BODY[1]}\n{wrapped}\n", encoding="utf-8")
    assert texts(parse_file(path)) == [LIUHE_BODY[0], para, LIUHE_BODY[1], para]


def test_html_main_text_only(gen):
    doc = parse_file(gen["beilun.html"])
    assert texts(doc) == [re.sub(r"\s+", " ", t) for t in BEILUN_BODY]
    for chrome in (
        "当前位置",
        "首页",
        "政务公开",
        "分享到",
        "打印本页",
        "关闭窗口",
        "版权所有",
        "脚本",
    ):
        assert chrome not in doc.text
    assert doc.warnings == ("网页编码识别为 GB18030。",)
    assert doc.metadata.title == BEILUN_BODY[0]
    assert doc.metadata.issuer == "宁波市北仑区人民政府、宁波经济技术开发区管委会"
    assert doc.metadata.date == "2023-06-19"
    assert "信息来源：北仑区发展和改革局" in doc.metadata.extra["page_info"]


def test_html_table_rows(tmp_path):
    rows = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in r)}</tr>" for r in TABLE_ROWS)
    html = f"<html><body><div><p>{BEILUN_BODY[3]}</p><table>{rows}</table></div></body></html>"
    path = tmp_path / "t.html"
    path.write_text(html, encoding="utf-8")
    doc = parse_file(path)
    assert [list(r) for r in doc.tables[0].rows] == TABLE_ROWS
    assert doc.warnings == ()


# --- DOC / WPS via LibreOffice ------------------------------------------------------------------


@pytest.mark.soffice
def test_doc_converted_by_libreoffice(gen, soffice, tmp_path):
    import subprocess

    src = tmp_path / "liuhe.docx"
    src.write_bytes(gen["liuhe.docx"].read_bytes())
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "doc",
         "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    doc = parse_file(tmp_path / "liuhe.doc")
    assert doc.format == "doc"
    assert doc.path == str(tmp_path / "liuhe.doc")
    assert texts(doc) == LIUHE_BODY
    assert doc.warnings == ("已通过 LibreOffice 将 DOC 文件转换为 DOCX 后读取。",)


def test_pdf_keeps_spaces_between_latin_words(tmp_path):
    line = "项目编号：SXHRZC-2015-004 Medical Device Procurement 联系人：李楠"
    path = docgen.write_pdf(tmp_path / "latin.pdf", [("para", line)], title="untitled")
    doc = parse_file(path)
    assert texts(doc) == [line]
    assert doc.metadata.title is None  # reportlab's "untitled" is a placeholder
