"""PDF fast path (PDFium text) against the pdfplumber-only reference path.

The default parser reads characters through PDFium where that gives pdfplumber's result and
leaves the other pages to pdfplumber. Every PDF fixture must parse to the same Document (text,
blocks, offsets, pages, tables, metadata, warnings) or fail with the same error either way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docgen
import pytest
from conftest import LIUHE_BODY, TABLE_BLOCKS, liuhe_blocks

from screening.parse import parse_file
from screening.parse.pdf import compare_paths

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "docs").glob("*.pdf"))
CORPUS = ROOT / "benchmarks" / "out" / "corpus" / "pdf"


def same(path: Path):
    result = compare_paths(path)
    assert result.difference is None, result.difference
    return result.stats


# --- the fixtures of the other parser tests ------------------------------------------------


@pytest.mark.parametrize("name", ["liuhe.pdf", "dongying.pdf", "table.pdf", "scan.pdf"])
def test_generated_fixtures_parse_the_same(gen, name):
    same(gen[name])


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_documents_parse_the_same(path):
    same(path)


@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_truncated_pdf_same_error(gen, tmp_path, keep):
    data = gen["liuhe.pdf"].read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    same(path)


def test_damaged_content_stream_same_result(gen, tmp_path):
    """A content stream pdfminer cannot decode: the page goes to pdfplumber, which fails as it
    always did, rather than PDFium quietly reading around the damage."""
    data = bytearray(gen["liuhe.pdf"].read_bytes())
    at = data.index(b"stream", data.index(b"ASCII85Decode")) + 40
    data[at] = 0x81  # not an ASCII85 digit
    path = tmp_path / "damaged.pdf"
    path.write_bytes(bytes(data))
    same(path)


def test_encrypted_pdfs_same_result(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption

    secret = StandardEncryption("user-secret", "owner-secret")
    owner = StandardEncryption("", "owner-secret", canPrint=0, canCopy=0, canModify=0)
    blocks = [("para", LIUHE_BODY[1])]
    same(docgen.write_pdf(tmp_path / "secret.pdf", blocks, encrypt=secret))
    stats = same(docgen.write_pdf(tmp_path / "owner.pdf", blocks, encrypt=owner))
    # pdfminer reads this font as "(cid:N)" (the reference path re-reads it with PDFium).
    assert stats.fast_pages == 1


def test_partly_scanned_and_latin_pdfs_same(tmp_path):
    blocks = [("para", LIUHE_BODY[1]), ("pagebreak", None)]
    same(docgen.write_pdf(tmp_path / "mixed.pdf", blocks, page_numbers=False))
    line = "项目编号：SXHRZC-2015-004 Medical Device Procurement 联系人：李楠"
    same(docgen.write_pdf(tmp_path / "latin.pdf", [("para", line)], title="untitled"))


# --- which pages take which path -------------------------------------------------------------


def test_plain_text_pages_use_pdfium(gen):
    """A running header with its underline (a horizontal rule) and page numbers: fast path."""
    stats = same(gen["liuhe.pdf"])
    assert stats.plumber_pages == 0 and stats.fast_pages == 6


def test_table_page_left_to_pdfplumber(gen, tmp_path):
    stats = same(gen["table.pdf"])
    assert stats.plumber_pages == 1 and stats.fast_pages == 0
    # Only the page with the table: text pages around it stay on the fast path.
    blocks = [*liuhe_blocks(), ("pagebreak", None), *TABLE_BLOCKS]
    stats = same(docgen.write_pdf(tmp_path / "long.pdf", blocks))
    assert stats.fast_pages >= 5 and stats.plumber_pages == 1


def test_scanned_pages_with_shapes_left_to_pdfplumber(gen):
    stats = same(gen["scan.pdf"])  # filled rectangles could be table cells
    assert stats.fast_pages == 0 and stats.plumber_pages == 2


def test_lone_character_line_kept(tmp_path):
    """A paragraph whose last line is one character: one glyph in its own text object. With a
    substitute font lacking the glyph PDFium would drop it; the box font keeps it."""
    docgen._register_font()
    width = docgen._PAGE_W - docgen._MARGIN_L - docgen._MARGIN_R
    text = "申报企业须在本县注册并纳税，" * 3
    while len(docgen._wrap(text, width, 16, 32)[-1]) != 1:
        text += "本"
    path = docgen.write_pdf(tmp_path / "lone.pdf", [("para", text)], page_numbers=False)
    stats = same(path)
    assert stats.fast_pages == 1
    assert [b.text for b in parse_file(path).blocks] == [text]


def test_rotated_text_left_to_pdfplumber(tmp_path):
    from reportlab.pdfgen import canvas

    docgen._register_font()
    path = tmp_path / "rotated.pdf"
    c = canvas.Canvas(str(path), pagesize=(docgen._PAGE_W, docgen._PAGE_H), invariant=1)
    c.setFont(docgen._PDF_FONT, 16)
    c.drawString(79, 700, "第一条 为了规范市场秩序，制定本办法。")
    c.saveState()
    c.translate(560, 300)
    c.rotate(90)
    c.drawString(0, 0, "此件公开发布")
    c.restoreState()
    c.showPage()
    c.save()
    stats = same(path)
    assert stats.plumber_pages == 1


def test_zero_width_characters_dropped_like_pdfminer(tmp_path):
    """U+200B from the writer has no CID in the UCS-2 CMap: pdfminer drops it; so does the fast
    path (PDFium would otherwise show it on a line of its own)."""
    blocks = [("para", "第一条 本办法适用于全市。"), ("para", "\u200b"), ("para", "第二条 附则。")]
    path = docgen.write_pdf(tmp_path / "zwsp.pdf", blocks, page_numbers=False)
    stats = same(path)
    assert stats.fast_pages == 1
    assert "\u200b" not in parse_file(path).text


def test_unmapped_characters_kept_by_pdfium(tmp_path):
    """The one known difference: pdfminer's UniGB-UCS2-H CMap has no NBSP or U+00B7, so it
    drops them with their advance ("第二章道路运输经营"); PDFium keeps them, as printed."""
    blocks = [("heading", "第二章\u00a0道路运输经营"), ("para", "实现“一窗受理·一次办好”。")]
    path = docgen.write_pdf(tmp_path / "nbsp.pdf", blocks, page_numbers=False)
    result = compare_paths(path)
    assert result.difference and result.explained
    assert "·" in result.explained
    assert [b.text for b in parse_file(path).blocks] == ["第二章 道路运输经营", blocks[1][1]]


def test_fast_path_reports_nothing_new(gen):
    doc = parse_file(gen["liuhe.pdf"])
    assert [b.text for b in doc.blocks] == LIUHE_BODY
    assert doc.warnings == ()


# --- the converted regulations (benchmarks/parse_bench.py makes them) -------------------------


@pytest.mark.slow
def test_converted_regulations_parse_the_same():
    """Every 10th converted regulation; `parse_bench.py --compare` runs all of them. The only
    difference allowed: characters pdfminer's CMap cannot map (and drops), which PDFium keeps."""
    if not CORPUS.is_dir():
        pytest.skip("run benchmarks/parse_bench.py --formats pdf first")
    files = sorted(CORPUS.glob("*.pdf"))[::10]
    results = [compare_paths(p) for p in files]
    differ = [(r.path.name, r.difference) for r in results if r.difference and not r.explained]
    assert not differ, differ[:5]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
