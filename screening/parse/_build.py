"""Shared helpers for parsers: assemble a Document from blocks with exact offsets, guard ZIPs."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from ..errors import CorruptFileError, EmptyDocumentError, ZipBombError
from ..types import CELL_SEP, HEADING, PARAGRAPH, TABLE_ROW, Block, Document, Metadata, Table

_WS = re.compile(r"[ \t\u00a0\u3000\r\f\v]+")


def clean_line(text: str) -> str:
    """Collapse runs of spaces (ASCII, NBSP, full-width) and strip; keep CJK untouched."""
    return _WS.sub(" ", text).strip()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class DocumentBuilder:
    """Collects blocks in reading order and joins them with newlines into ``Document.text``.

    Each block's ``start``/``end`` are its exact offsets in the final text, so later stages can
    point a reviewer at the original wording.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._blocks: list[Block] = []
        self._tables: list[Table] = []
        self._pos = 0

    def _append(self, kind: str, text: str, page: int | None, **extra: object) -> Block:
        if self._parts:
            self._parts.append("\n")
            self._pos += 1
        start = self._pos
        self._parts.append(text)
        self._pos += len(text)
        block = Block(
            kind=kind,
            text=text,
            start=start,
            end=self._pos,
            page=page,
            paragraph=len(self._blocks),
            **extra,  # type: ignore[arg-type]
        )
        self._blocks.append(block)
        return block

    def add(
        self, text: str, *, page: int | None = None, kind: str = PARAGRAPH, style: str | None = None
    ) -> Block | None:
        """Add a paragraph or heading; blank text is skipped and returns None."""
        text = clean_line(text)
        if not text:
            return None
        return self._append(kind, text, page, style=style)

    def heading(self, text: str, *, page: int | None = None, style: str | None = None) -> None:
        self.add(text, page=page, kind=HEADING, style=style)

    def add_table(self, rows: list[list[str]], *, page: int | None = None) -> None:
        """Add a table: one TABLE_ROW block per non-empty row, cells joined by CELL_SEP."""
        clean_rows = []
        for row in rows:
            cells = tuple(clean_line(c or "").replace("\n", " ") for c in row)
            if any(cells):
                clean_rows.append(cells)
        if not clean_rows:
            return
        index = len(self._tables)
        first = None
        last = None
        for r, cells in enumerate(clean_rows):
            block = self._append(TABLE_ROW, CELL_SEP.join(cells), page, table=index, row=r)
            first = first or block
            last = block
        assert first is not None and last is not None
        self._tables.append(
            Table(index=index, rows=tuple(clean_rows), start=first.start, end=last.end, page=page)
        )

    def texts(self, *, tables: bool = False) -> list[str]:
        """Texts of the blocks added so far (table rows only when ``tables``), for metadata."""
        return [b.text for b in self._blocks if tables or b.kind != TABLE_ROW]

    @property
    def empty(self) -> bool:
        return not self._blocks

    def build(
        self,
        *,
        path: Path,
        sha256: str,
        fmt: str,
        metadata: Metadata | None = None,
        pages: int | None = None,
        warnings: tuple[str, ...] = (),
    ) -> Document:
        if self.empty:
            raise EmptyDocumentError(str(path))
        return Document(
            path=str(path),
            sha256=sha256,
            format=fmt,
            text="".join(self._parts),
            blocks=tuple(self._blocks),
            tables=tuple(self._tables),
            metadata=metadata or Metadata(),
            pages=pages,
            warnings=warnings,
        )


def open_zip_guarded(path: Path, limit_mb: float) -> zipfile.ZipFile:
    """Open a ZIP container (DOCX, OFD, XLSX), refusing corrupt archives and zip bombs.

    The declared uncompressed sizes are summed before anything is extracted; an entry whose
    compression ratio is absurd also counts as a bomb even if the total is small.
    """
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise CorruptFileError(str(path), detail=f"ZIP 结构损坏：{exc}") from None
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if (
            info.compress_size
            and info.file_size / info.compress_size > 1000
            and info.file_size > 50e6
        ):
            zf.close()
            raise ZipBombError(str(path), size_mb=total / 1e6, limit_mb=limit_mb)
    if total > limit_mb * 1e6:
        zf.close()
        raise ZipBombError(str(path), size_mb=total / 1e6, limit_mb=limit_mb)
    return zf


def read_zip_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """Read one member, turning CRC errors and truncation into CorruptFileError."""
    try:
        return zf.read(name)
    except KeyError:
        raise CorruptFileError(str(path), detail=f"缺少 {name}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CorruptFileError(str(path), detail=f"读取 {name} 失败：{exc}") from None


__all__ = [
    "HEADING",
    "PARAGRAPH",
    "TABLE_ROW",
    "DocumentBuilder",
    "clean_line",
    "file_sha256",
    "open_zip_guarded",
    "read_zip_member",
]
