"""Parse any supported file into a Document; the format is detected by content, not by name.

One parser module per format (``docx``, ``pdf``, ``text``, ``html``, ``ofd``, ``legacy``) exposes
``parse(path, sha256, settings, fmt) -> Document`` (``fmt`` is the detected format key, e.g.
``txt``/``md`` or ``doc``/``wps``). This module checks the file up front (exists, size,
type), dispatches, and in batches turns every :class:`~screening.errors.InputError` into a
:class:`~screening.types.Failure` so one bad file never stops the rest.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import (
    BrokenLinkError,
    EmptyDocumentError,
    FileMissingError,
    FileTooLargeError,
    InputError,
    NotAFileError,
    UnsupportedTypeError,
)
from ..types import Document, Failure
from ._build import DocumentBuilder, file_sha256
from .metadata import with_doc_type

# format -> (module, human label). Order is the order shown to users.
FORMATS: dict[str, tuple[str, str]] = {
    "docx": ("docx", "Word 文档 .docx"),
    "pdf": ("pdf", "PDF .pdf"),
    "ofd": ("ofd", "OFD 版式文件 .ofd"),
    "txt": ("text", "纯文本 .txt"),
    "md": ("text", "Markdown .md"),
    "html": ("html", "网页 .html/.htm"),
    "doc": ("legacy", "旧版 Word .doc（需 LibreOffice）"),
    "wps": ("legacy", "WPS 文字 .wps（需 LibreOffice）"),
}

EXTENSIONS = {
    ".docx": "docx",
    ".pdf": "pdf",
    ".ofd": "ofd",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".doc": "doc",
    ".wps": "wps",
}

# Files that show up in real document folders and are never documents.
_JUNK_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def supported_formats_text() -> str:
    return "、".join(label for _, label in FORMATS.values())


@dataclass(frozen=True)
class Detected:
    """What the bytes say a file is; ``format`` None means unsupported (``what`` names it)."""

    format: str | None
    what: str
    mislabelled: bool = False


def zip_kind(path: Path) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return "zip?"  # a truncated ZIP: let the format parser report corruption
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names or any(n.lower() == "ofd.xml" for n in names):
        return "ofd"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    if "content.xml" in names:
        return "odf"
    return "zip"


def ole2_kind(path: Path, ext_format: str | None) -> str:
    """OLE2 holds .doc, .wps, .xls and password-protected OOXML (an EncryptedPackage stream)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if "EncryptedPackage".encode("utf-16-le") in head:
        return "encrypted-ooxml"
    if ext_format in ("doc", "wps"):
        return ext_format
    if "WordDocument".encode("utf-16-le") in head:
        return "doc"
    return "ole2"


def detect_format(path: Path) -> Detected:
    """Decide the format from magic bytes, falling back to the extension for text formats."""
    ext_format = EXTENSIONS.get(path.suffix.lower())
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise EmptyDocumentError(str(path))
    fmt: str | None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in head[:1024]:
        fmt = "pdf"
    elif head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        kind = zip_kind(path)
        if kind == "zip?":
            kind = ext_format if ext_format in ("docx", "ofd") else "zip"
        fmt = kind if kind in FORMATS else None
        if fmt is None:
            return Detected(
                None, {"xlsx": "Excel 表格", "pptx": "PowerPoint 演示文稿"}.get(kind, "ZIP 压缩包")
            )
    elif head.startswith(OLE2_MAGIC):
        kind = ole2_kind(path, ext_format)
        if kind == "encrypted-ooxml":
            fmt = "docx"  # the docx parser reports it as encrypted
        else:
            fmt = kind if kind in FORMATS else None
            if fmt is None:
                return Detected(None, "OLE2 复合文档（可能是 .xls/.ppt）")
    elif head.startswith(b"{\\rtf"):
        return Detected(None, "RTF 富文本")
    elif stripped[:15].lower().startswith((b"<!doctype html", b"<html")) or (
        ext_format == "html" and stripped.startswith(b"<")
    ):
        fmt = "html"
    elif _looks_binary(head):
        return Detected(None, _binary_name(head))
    else:
        fmt = ext_format if ext_format in ("txt", "md") else "txt"
    mislabelled = (
        ext_format is not None and ext_format != fmt and {ext_format, fmt} != {"txt", "md"}
    )
    if ext_format in ("doc", "wps") and fmt in ("doc", "wps"):
        mislabelled = False
    return Detected(fmt, FORMATS[fmt][1], mislabelled)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        # UTF-16 text has NULs; it carries a BOM in practice.
        return not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    return False


def _binary_name(head: bytes) -> str:
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "图片"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "压缩包"
    return "二进制文件"


def check_file(path: Path, settings: Settings) -> None:
    """Up-front checks shared by every format: exists, regular file, within the size limit."""
    if not path.exists():
        if path.is_symlink():
            raise BrokenLinkError(str(path), target=os.readlink(path))
        raise FileMissingError(str(path))
    if not path.is_file():
        raise NotAFileError(str(path))
    size = path.stat().st_size
    if size == 0:
        raise EmptyDocumentError(str(path))
    if size > settings.max_file_mb * 1e6:
        raise FileTooLargeError(str(path), size_mb=size / 1e6, limit_mb=settings.max_file_mb)


def parse_file(
    path: str | Path, settings: Settings | None = None, sha256: str | None = None
) -> Document:
    """Parse one file; bad input raises an :class:`InputError` subclass with a Chinese message.

    ``sha256`` is the file's hash when the caller has already computed it (a sweep does, to skip
    unchanged files), so the file is not read twice for it.
    """
    settings = settings or Settings()
    path = Path(path)
    check_file(path, settings)
    detected = detect_format(path)
    if detected.format is None:
        raise UnsupportedTypeError(
            str(path), detected=detected.what, supported=supported_formats_text()
        )
    module = importlib.import_module(f"{__name__}.{FORMATS[detected.format][0]}")
    digest = sha256 or file_sha256(path)
    doc: Document = module.parse(path, digest, settings, detected.format)
    doc = dataclasses.replace(doc, metadata=with_doc_type(doc.metadata, path, doc.text))
    if detected.mislabelled:
        note = f"文件扩展名为 {path.suffix}，实际内容为{detected.what}，已按实际格式读取。"
        doc = _with_warning(doc, note)
    return doc


def _with_warning(doc: Document, note: str) -> Document:
    return dataclasses.replace(doc, warnings=(*doc.warnings, note))


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand folders recursively (sorted, hidden and temp files skipped); files pass through."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if child.name.lower() in _JUNK_NAMES or child.name.startswith("~$"):
                    continue
                if child.is_file() or (child.is_symlink() and not child.exists()):
                    yield child  # a dangling link is reported as unreadable, not skipped
        else:
            yield p  # missing files are reported by parse_file


def parse_many(
    paths: Iterable[str | Path], settings: Settings | None = None
) -> Iterator[Document | Failure]:
    """Parse files and folders; bad files become Failures and the batch goes on."""
    settings = settings or Settings()
    for path in iter_files(paths):
        try:
            yield parse_file(path, settings)
        except InputError as err:
            yield Failure(path=str(path), code=err.code, message=err.message)
        except Exception as exc:  # a parser bug must not stop a batch
            yield Failure(
                path=str(path),
                code="internal",
                message=f"读取时发生内部错误（{type(exc).__name__}: {exc}）：{path}。"
                "请将该文件和此信息反馈给维护人员。",
            )


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "Detected",
    "DocumentBuilder",
    "check_file",
    "detect_format",
    "file_sha256",
    "iter_files",
    "ole2_kind",
    "parse_file",
    "parse_many",
    "supported_formats_text",
    "zip_kind",
]
