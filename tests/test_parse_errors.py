"""Bad input: every class of broken file gives its exact Chinese message, and batches go on."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docgen
import pytest
from conftest import LIUHE_BODY

from screening.config import Settings
from screening.errors import (
    ConversionFailedError,
    ConverterMissingError,
    CorruptFileError,
    DecodeError,
    EmptyDocumentError,
    EncryptedFileError,
    FileMissingError,
    FileTooLargeError,
    NoTextLayerError,
    UnsupportedTypeError,
    ZipBombError,
)
from screening.parse import parse_file, parse_many
from screening.types import Document, Failure

SUPPORTED = (
    "Word 文档 .docx、PDF .pdf、OFD 版式文件 .ofd、纯文本 .txt、Markdown .md、网页 .html/.htm、"
    "旧版 Word .doc（需 LibreOffice）、WPS 文字 .wps（需 LibreOffice）"
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def raises(exc_type, path: Path, settings: Settings | None = None) -> str:
    with pytest.raises(exc_type) as info:
        parse_file(path, settings)
    return str(info.value)


def test_missing_file(tmp_path):
    path = tmp_path / "不存在的文件.docx"
    assert raises(FileMissingError, path) == (
        f"文件不存在：{path}。请检查路径是否正确，或文件是否已被移动、删除。"
    )


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片"),
        ("photo.pdf", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "图片"),
        ("notice.rtf", b"{\\rtf1\\ansi \\u20851?}", "RTF 富文本"),
    ],
)
def test_unsupported_type(tmp_path, name, data, what):
    path = tmp_path / name
    path.write_bytes(data)
    assert raises(UnsupportedTypeError, path) == (
        f"不支持的文件类型（{what}）：{path}。支持的格式：{SUPPORTED}。请另存为上述格式之一后重试。"
    )


def test_unsupported_xlsx(tmp_path):
    import openpyxl

    path = tmp_path / "清单.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目号"
    wb.save(path)
    assert raises(UnsupportedTypeError, path) == (
        f"不支持的文件类型（Excel 表格）：{path}。支持的格式：{SUPPORTED}。请另存为上述格式之一后重试。"
    )


def corrupt_message(detail: str, path: Path) -> str:
    return (
        f"文件已损坏或不完整，无法读取（{detail}）：{path}。"
        "请重新获取原始文件，或用办公软件打开后另存一份再试。"
    )


def test_truncated_docx(gen, tmp_path):
    data = gen["liuhe.docx"].read_bytes()
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    assert raises(CorruptFileError, path) == corrupt_message(
        "ZIP 结构损坏：File is not a zip file", path
    )


def test_docx_without_document_xml(tmp_path):
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/other.xml", "<x/>")
    # Detected as a plain ZIP by content, so it is refused as unsupported.
    assert "ZIP 压缩包" in raises(UnsupportedTypeError, path)


def test_docx_with_broken_xml(gen, tmp_path):
    path = tmp_path / "badxml.docx"
    with zipfile.ZipFile(gen["table.docx"]) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    message = raises(CorruptFileError, path)
    assert message.startswith("文件已损坏或不完整，无法读取（DOCX 结构错误：")
    assert message.endswith(f"）：{path}。请重新获取原始文件，或用办公软件打开后另存一份再试。")


@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_truncated_pdf(gen, tmp_path, keep):
    data = gen["liuhe.pdf"].read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    assert raises(CorruptFileError, path) == corrupt_message(
        "PDF 文件不完整，可能下载或复制时被截断", path
    )


ENCRYPTED = "文件已加密或设有打开密码，无法读取：{}。请向发文单位索取未加密版本，或用密码打开后另存为未加密文件再试。"


def test_encrypted_pdf(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption("user-secret", "owner-secret")
    path = docgen.write_pdf(tmp_path / "secret.pdf", [("para", LIUHE_BODY[1])], encrypt=enc)
    assert raises(EncryptedFileError, path) == ENCRYPTED.format(path)


@pytest.mark.parametrize("name", ["secret.docx", "secret.doc"])
def test_encrypted_ooxml(tmp_path, name):
    # Word saves a password-protected DOCX as an OLE2 file holding an EncryptedPackage stream.
    path = tmp_path / name
    path.write_bytes(OLE2 + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    assert raises(EncryptedFileError, path) == ENCRYPTED.format(path)


def test_scanned_pdf(gen):
    path = gen["scan.pdf"]
    assert raises(NoTextLayerError, path) == (
        f"PDF 没有文字层（可能是扫描件或图片）：{path}。"
        "需要先进行 OCR 文字识别，或向发文单位索取可复制文字的电子版（DOCX/PDF/OFD）。"
    )


def test_scanned_ofd(tmp_path):
    """An OFD whose pages carry no text object (only images) is a scan, not an empty file."""
    path = docgen.write_ofd(tmp_path / "scan.ofd", [("para", "占位")], page_numbers=False)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    scan = tmp_path / "扫描件.ofd"
    with zipfile.ZipFile(scan, "w") as zf:
        for name, data in members.items():
            if name.endswith("Content.xml"):
                image = b'<ofd:ImageObject ID="900" Boundary="0 0 210 297" ResourceID="901"/>'
                data = re.sub(rb"<ofd:TextObject.*?</ofd:TextObject>", b"", data, flags=re.S)
                data = data.replace(b"</ofd:Layer>", image + b"</ofd:Layer>", 1)
            zf.writestr(name, data)
    assert raises(NoTextLayerError, scan) == (
        f"OFD 没有文字层（可能是扫描件或图片）：{scan}。"
        "需要先进行 OCR 文字识别，或向发文单位索取可复制文字的电子版（DOCX/PDF/OFD）。"
    )


EMPTY = "文件内容为空，没有可审查的文字：{}。请确认文件是否完整。"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    assert raises(EmptyDocumentError, path) == EMPTY.format(path)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("blank.docx", lambda p: docgen.write_docx(p, [("para", "　 ")])),
        ("blank.txt", lambda p: p.write_text("\n\n　\n", encoding="utf-8")),
        ("blank.ofd", lambda p: docgen.write_ofd(p, [], page_numbers=False)),
        ("blank.html", lambda p: p.write_text("<html><body><div> </div></body></html>")),
    ],
)
def test_document_without_text(tmp_path, name, make):
    path = tmp_path / name
    make(path)
    assert raises(EmptyDocumentError, path) == EMPTY.format(path)


def test_file_over_size_limit(gen):
    path = gen["liuhe.docx"]
    size = path.stat().st_size / 1e6
    assert raises(FileTooLargeError, path, Settings(max_file_mb=0.001)) == (
        f"文件过大（{size:.1f} MB，上限 0.001 MB）：{path}。请拆分文件，或在配置中调大 max_file_mb 后重试。"
    )


def test_zip_bomb_total_size(gen):
    path = gen["liuhe.docx"]
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist()) / 1e6
    assert raises(ZipBombError, path, Settings(max_unzipped_mb=0.01)) == (
        f"压缩包解压后过大（约 {total:.0f} MB，上限 0.01 MB），疑似异常文件：{path}。"
        "请核实文件来源；确属正常文件的，可在配置中调大 max_unzipped_mb。"
    )


def test_zip_bomb_compression_ratio(gen, tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(gen["table.docx"].read_bytes())
    # A real high-ratio entry: 60 MB of zeros deflate to about 60 KB.
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as dst,
        dst.open("word/media/zeros.bin", "w", force_zip64=True) as fh,
    ):
        chunk = b"\x00" * (1 << 20)
        for _ in range(60):
            fh.write(chunk)
    assert path.stat().st_size < 1_000_000
    message = raises(ZipBombError, path)  # default limit 500 MB: the ratio rule fires
    assert message.startswith("压缩包解压后过大（约 ")
    assert "上限 500 MB），疑似异常文件：" in message


def test_undecodable_text(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(
        "本规定自发布之日起施行。".encode() + "测试文本".encode("gbk") + b"\xff\xfe\xfd\x80"
    )
    assert raises(DecodeError, path) == (
        f"无法识别文本编码（已尝试 UTF-8、GB18030 等）：{path}。请用文本编辑器另存为 UTF-8 编码后重试。"
    )


def test_mislabelled_docx_named_pdf(gen, tmp_path):
    path = tmp_path / "actually-word.pdf"
    path.write_bytes(gen["table.docx"].read_bytes())
    doc = parse_file(path)
    assert doc.format == "docx"
    assert doc.warnings == ("文件扩展名为 .pdf，实际内容为Word 文档 .docx，已按实际格式读取。",)


def test_converter_missing(tmp_path):
    path = tmp_path / "old.doc"
    path.write_bytes(OLE2 + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 512)
    message = raises(ConverterMissingError, path, Settings(soffice="/nonexistent/soffice"))
    assert message == (
        f"读取 DOC 文件需要 LibreOffice，但本机未安装：{path}。"
        "请安装 LibreOffice（Debian/Ubuntu：sudo apt-get install libreoffice-writer；"
        "Windows：安装 LibreOffice 并将其 program 目录加入 PATH），"
        "或用办公软件将文件另存为 DOCX 后重试。"
    )


def test_converter_missing_on_path(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "old.wps"
    path.write_bytes(OLE2 + b"\x00" * 1024)
    assert raises(ConverterMissingError, path).startswith("读取 WPS 文件需要 LibreOffice")


@pytest.mark.soffice
def test_conversion_timeout(soffice, tmp_path):
    path = tmp_path / "slow.doc"
    path.write_bytes(OLE2 + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 512)
    settings = Settings(conversion_timeout_s=0.01)
    assert raises(ConversionFailedError, path, settings) == (
        f"LibreOffice 转换 DOC 文件失败（超过 0 秒未完成）：{path}。"
        "请用办公软件打开该文件并另存为 DOCX 后重试。"
    )


def test_parse_many_records_failures_and_goes_on(gen, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("liuhe.docx", "table.pdf", "beilun.html", "liuhe-chanye.txt", "scan.pdf"):
        (folder / name).write_bytes(gen[name].read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (folder / "cut.pdf").write_bytes(gen["liuhe.pdf"].read_bytes()[:2000])
    (folder / "~$liuhe.docx").write_bytes(b"lock file")  # Word's lock file is skipped
    (folder / "sub").mkdir()
    (folder / "sub" / "notice.md").write_bytes(gen["beijing-fakuan-xiane.md"].read_bytes())
    results = list(parse_many([folder, tmp_path / "missing.pdf"]))
    by_name = {Path(r.path).name: r for r in results}
    assert sorted(by_name) == sorted(
        ["beilun.html", "cut.pdf", "empty.txt", "liuhe-chanye.txt", "liuhe.docx", "missing.pdf",
         "notice.md", "picture.png", "scan.pdf", "table.pdf"]
    )  # fmt: skip
    failures = {n: r.code for n, r in by_name.items() if isinstance(r, Failure)}
    assert failures == {
        "cut.pdf": "corrupt",
        "empty.txt": "empty",
        "missing.pdf": "missing",
        "picture.png": "unsupported",
        "scan.pdf": "no_text",
    }
    assert all(isinstance(r, Document) for n, r in by_name.items() if n not in failures)
