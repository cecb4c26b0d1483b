"""PDF parser: page-aware paragraphs, no running headers or page numbers, tables.

Characters come from PDFium (:mod:`.pdf_fast`, several times faster) on pages where its result
equals pdfplumber's; pages with possible table rulings, rotated text, unmapped glyphs or unusual
geometry are read by pdfplumber as before (tables, "(cid:N)" re-reads through PDFium).
pdfplumber also opens every file first: encrypted and corrupt files are reported as before.
"""

from __future__ import annotations

import itertools
import logging
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import CorruptFileError, EncryptedFileError, NoTextLayerError
from ..types import Document
from . import _layout, pdf_fast
from ._build import DocumentBuilder, clean_line
from .metadata import extract_metadata
from .pdf_fast import BOTTOM, PDFIUM_LOCK, SIZE, TEXT, TOP, X0, X1, Char, FastPdf

# pdfminer logs every odd object at WARNING; a batch over real files would drown in it.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def _open(path: Path) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return pdfplumber.open(path)
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedFileError(str(path)) from None
        if isinstance(cause, PSException):
            raise CorruptFileError(str(path), detail=_describe(cause)) from None
        raise CorruptFileError(str(path), detail=_describe(cause)) from None
    except (PSException, ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        raise CorruptFileError(str(path), detail=_describe(exc)) from None


def _describe(exc: BaseException) -> str:
    from pdfminer.pdfdocument import PDFNoValidXRef
    from pdfminer.psexceptions import PSEOF

    if isinstance(exc, PSEOF | EOFError):
        return "PDF 文件不完整，可能下载或复制时被截断"
    if isinstance(exc, PDFNoValidXRef):
        return "PDF 交叉引用表损坏"
    name = type(exc).__name__
    return f"PDF 结构错误：{name}" + (f"：{exc}" if str(exc) else "")


def _as_chars(chars: list[dict[str, Any]]) -> list[Char]:
    """pdfplumber's character dicts as :data:`Char` tuples."""
    return [(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["size"]) for c in chars]


def _outside(char: Char, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (char[X0] + char[X1]) / 2
    cy = (char[TOP] + char[BOTTOM]) / 2
    return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


_BY_BOTTOM_X0 = operator.itemgetter(BOTTOM, X0)
_BY_X0 = operator.itemgetter(X0)


def _page_lines(chars: list[Char], number: int, boxes: list[Any]) -> list[_layout.Line]:
    """Cluster a page's characters (outside its tables) into lines in reading order."""
    # Space characters are kept: they separate words where the producer wrote them.
    chars = [c for c in chars if c[TEXT].strip() or c[TEXT] == " "]
    if boxes:
        chars = [c for c in chars if _outside(c, boxes)]
    chars.sort(key=_BY_BOTTOM_X0)
    groups: list[list[Char]] = []
    total = 0.0  # running sum of the last group's bottoms (same additions, same order as sum())
    for c in chars:
        if groups:
            last = groups[-1]
            base = total / len(last)
            if abs(c[BOTTOM] - base) <= 0.5 * max(c[SIZE], last[0][SIZE], 1.0):
                last.append(c)
                total += c[BOTTOM]
                continue
        groups.append([c])
        total = c[BOTTOM]
    lines = []
    for group in groups:
        inked = [c for c in group if c[TEXT].strip()]
        if not inked:
            continue
        size = sorted(c[SIZE] for c in inked)[len(inked) // 2]
        lines.append(
            _layout.Line(
                page=number,
                x0=min(c[X0] for c in inked),
                x1=max(c[X1] for c in inked),
                top=min(c[TOP] for c in inked),
                bottom=max(c[BOTTOM] for c in inked),
                text=_chars_text(group, size),
                size=size,
            )
        )
    lines.sort(key=lambda ln: (round(ln.bottom / 2), ln.x0))
    return lines


def _garbled(chars: list[Char]) -> bool:
    """pdfminer shows glyphs it cannot map to Unicode as "(cid:123)"."""
    bad = sum(1 for c in chars if c[TEXT].startswith("(cid:"))
    return bad > 0.3 * max(len(chars), 1)


class _Pdfium:
    """Second opinion from PDFium for pages whose text pdfminer cannot decode (seen with
    encrypted PDFs using predefined CJK CMaps)."""

    def __init__(self, path: Path) -> None:
        import pypdfium2

        pdf_fast.setup()  # the same font set-up in every process, whichever path ran first
        with PDFIUM_LOCK:
            self.doc = pypdfium2.PdfDocument(str(path))

    def chars(self, index: int) -> list[Char]:
        import pypdfium2.raw as raw

        with PDFIUM_LOCK:
            page = self.doc[index]
            height = page.get_height()
            tp = page.get_textpage()
            out = []
            for i in range(tp.count_chars()):
                text = tp.get_text_range(i, 1)
                left, bottom, right, top = tp.get_charbox(i, loose=True)
                size = raw.FPDFText_GetFontSize(tp.raw, i) or (top - bottom)
                out.append((text, left, right, height - top, height - bottom, size))
            tp.close()
            page.close()
        return out

    def text_in(self, index: int, bbox: tuple[float, float, float, float]) -> str:
        with PDFIUM_LOCK:
            page = self.doc[index]
            height = page.get_height()
            x0, top, x1, bottom = bbox
            tp = page.get_textpage()
            text = str(tp.get_text_bounded(x0, height - bottom, x1, height - top))
            tp.close()
            page.close()
        return text

    def close(self) -> None:
        with PDFIUM_LOCK:
            self.doc.close()


def _chars_text(chars: list[Char], size: float) -> str:
    """Rebuild a line from its characters: a space only where the gap is a real gap, so justified
    CJK text (with stretched spacing) does not get spaces between characters."""
    chars = sorted(chars, key=_BY_X0)
    out = [chars[0][TEXT]]
    gap = 0.6 * size
    for prev, ch in itertools.pairwise(chars):
        if ch[X0] - prev[X1] > gap and prev[TEXT] != " ":
            out.append(" ")
        out.append(ch[TEXT])
    return clean_line("".join(out))


def _table_rows(table: Any, pdfium: _Pdfium | None = None, index: int = 0) -> list[list[str]]:
    if pdfium is None:
        rows = table.extract()
    else:
        rows = [[pdfium.text_in(index, c) if c else "" for c in row.cells] for row in table.rows]
    return [[clean_line(re.sub(r"\s*\n\s*", "", c or "")) for c in row] for row in rows]


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "pdf") -> Document:
    return _parse(path, sha256, fmt, fast=True)


def _parse(
    path: Path, sha256: str, fmt: str, *, fast: bool, stats: Stats | None = None
) -> Document:
    """``fast``: read pages through PDFium where that is trustworthy (see :mod:`.pdf_fast`);
    False is the pdfplumber-only path, kept as the reference for the equivalence check."""
    from pdfminer.psexceptions import PSException

    # pdfplumber opens first in both paths: it decides encrypted/corrupt exactly as before and
    # gives page geometry and the title without interpreting any page content.
    pdf = _open(path)
    warnings: list[str] = []
    pdfium: _Pdfium | None = None
    quick: FastPdf | None = None
    pages: list[list[_layout.Line]] = []
    heights: list[float] = []
    tables: list[tuple[int, float, list[list[str]]]] = []  # page, top, rows
    textless: list[int] = []
    try:
        plumber_pages = pdf.pages
        if fast:
            quick = _open_fast(path, len(plumber_pages))
        for number, page in enumerate(plumber_pages, 1):
            chars = None
            if quick is not None and _plain_geometry(page) and _streams_decode(page):
                chars = _fast_chars(quick, number - 1, float(page.height))
            if chars is not None:
                found: list[Any] = []
                lines = _page_lines(chars, number, [])
                if stats is not None:
                    stats.fast_pages += 1
            else:
                found = [t for t in page.find_tables() if len(t.rows) >= 2 or len(t.columns) >= 2]
                chars = _as_chars(page.chars)
                use_pdfium = None
                if _garbled(chars):
                    pdfium = pdfium or _Pdfium(path)
                    chars, use_pdfium = pdfium.chars(number - 1), pdfium
                boxes = [t.bbox for t in found]
                lines = _page_lines(chars, number, boxes)
                tables.extend(
                    (number, t.bbox[1], _table_rows(t, use_pdfium, number - 1)) for t in found
                )
                if stats is not None:
                    stats.plumber_pages += 1
                page.close()  # drop pdfminer's layout objects of this page
            if not lines and not found:
                textless.append(number)
            pages.append(lines)
            heights.append(float(page.height))
        title_hint = (pdf.metadata or {}).get("Title")
        n_pages = len(plumber_pages)
    except PSException as exc:
        raise CorruptFileError(str(path), detail=_describe(exc)) from None
    finally:
        pdf.close()
        if pdfium is not None:
            pdfium.close()
        if quick is not None:
            quick.close()
    if n_pages and len(textless) == n_pages:
        raise NoTextLayerError(str(path), fmt="PDF")
    if textless:
        listed = "、".join(str(n) for n in textless[:10])
        warnings.append(f"第 {listed} 页没有文字层（可能是扫描页），这些页的内容未能读取。")
    pages = _layout.drop_running(pages, heights)
    builder = DocumentBuilder()
    paras = _layout.paragraphs(pages)
    _emit(builder, paras, pages, tables)
    meta = extract_metadata(
        [p.text for p in paras], title=title_hint if isinstance(title_hint, str) else None
    )
    return builder.build(
        path=path, sha256=sha256, fmt=fmt, metadata=meta, pages=n_pages, warnings=tuple(warnings)
    )


@dataclass
class Stats:
    """Pages read by each path (for the equivalence check and the benchmark)."""

    fast_pages: int = 0
    plumber_pages: int = 0


def _open_fast(path: Path, n_pages: int) -> FastPdf | None:
    """PDFium's view of the file, or None (then every page goes through pdfplumber) when PDFium
    cannot open it or counts pages differently from pdfminer (a damaged file each repairs in its
    own way)."""
    try:
        quick = FastPdf(path)
    except Exception:
        return None
    if len(quick) != n_pages:
        quick.close()
        return None
    return quick


def _plain_geometry(page: Any) -> bool:
    """Unrotated page whose MediaBox starts at the origin: PDFium's user-space coordinates are
    then pdfplumber's (which rotates and shifts them otherwise)."""
    return bool(page.rotation == 0 and page.mediabox[0] == 0 and page.mediabox[1] == 0)


def _streams_decode(page: Any) -> bool:
    """pdfminer can decode the page's content streams (~0.3 ms a page). Where it cannot, the
    page goes to pdfplumber, which fails (or reads what it can) exactly as before, instead of
    PDFium quietly reading around the damage."""
    try:
        for stream in page.page_obj.contents:
            stream.get_data()
    except Exception:
        return False
    return True


def _fast_chars(quick: FastPdf, index: int, height: float) -> list[Char] | None:
    try:
        return quick.chars(index, height)
    except Exception:  # PDFium could not load the page: pdfplumber reads it
        return None


def _emit(
    builder: DocumentBuilder,
    paras: list[_layout.Para],
    pages: list[list[_layout.Line]],
    tables: list[tuple[int, float, list[list[str]]]],
) -> None:
    """Interleave paragraphs and tables by page and vertical position."""
    keyed: list[tuple[int, float, int, Any]] = [(p.page, p.top, i, p) for i, p in enumerate(paras)]
    for j, (page, top, rows) in enumerate(tables):
        keyed.append((page, top, len(paras) + j, rows))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    for page, _top, _i, item in keyed:
        if isinstance(item, _layout.Para):
            builder.add(item.text, page=page, kind=item.kind)
        else:
            builder.add_table(item, page=page)


# --- equivalence of the two paths (tests/test_parse_pdf.py, benchmarks/parse_bench.py) --------


@dataclass
class Comparison:
    """The pdfplumber-only parse against the default parse of one file."""

    path: Path
    difference: str | None  # None: same text, blocks, offsets, pages, tables, metadata, errors
    stats: Stats
    explained: str | None = None  # a known cause of ``difference``, when it is the only one


def compare_paths(path: Path) -> Comparison:
    """Parse ``path`` with the pdfplumber-only path and the default path and compare them."""
    from ..errors import InputError

    stats = Stats()
    results: list[Any] = []
    for fast in (False, True):
        try:
            results.append(_parse(path, "", "pdf", fast=fast, stats=stats if fast else None))
        except InputError as err:
            results.append((type(err).__name__, err.message))
        except Exception as exc:  # parse_many reports these as internal errors
            results.append((type(exc).__name__, str(exc)))
    difference = _difference(results[0], results[1])
    explained = _unmapped_only(results[0], results[1]) if difference else None
    return Comparison(path, difference, stats, explained)


def _unmapped_only(old: Any, new: Any) -> str | None:
    """The new text only adds characters (or spaces) that pdfminer's UniGB-UCS2-H CMap cannot
    map: pdfminer drops such a code together with its advance (U+00A0, U+00B7, private-use
    characters …), PDFium keeps it. The lost advance also makes pdfminer's line look short,
    so the layout may end a paragraph there: removed line breaks count as the same cause."""
    import difflib

    from pdfminer.cmapdb import CMapDB

    if not isinstance(old, Document) or not isinstance(new, Document):
        return None
    cmap = CMapDB.get_cmap("UniGB-UCS2-H")
    matcher = difflib.SequenceMatcher(None, old.text, new.text, autojunk=False)
    added, joined = "", 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed = old.text[i1:i2]
        if removed.strip("\n"):
            return None
        joined += len(removed)
        added += new.text[j1:j2]
    unmapped = {
        c for c in added if not c.isspace() and not list(cmap.decode(c.encode("utf-16-be")))
    }
    if not added or any(not c.isspace() and c not in unmapped for c in added):
        return None
    shown = "".join(sorted(unmapped)) or "spaces"
    return f"PDFium keeps characters pdfminer's CMap drops: {shown!r} (+{len(added)} chars)" + (
        f"; {joined} paragraph break(s) at the shortened line gone" if joined else ""
    )


def _difference(old: Any, new: Any) -> str | None:
    if not isinstance(old, Document) or not isinstance(new, Document):
        return None if old == new else f"error: {old!r} != {new!r}"
    if old.text != new.text:
        at = next(
            (i for i, (a, b) in enumerate(zip(old.text, new.text, strict=False)) if a != b),
            min(len(old.text), len(new.text)),
        )
        was, now = old.text[at - 20 : at + 30], new.text[at - 20 : at + 30]
        return f"text differs at {at}: {was!r} != {now!r}"
    fields = ("kind", "start", "end", "page", "paragraph", "table", "row")
    for a, b in zip(old.blocks, new.blocks, strict=False):
        if any(getattr(a, f) != getattr(b, f) for f in fields):
            return f"block differs: {a} != {b}"
    if len(old.blocks) != len(new.blocks):
        return f"{len(old.blocks)} blocks != {len(new.blocks)}"
    if old.tables != new.tables:
        return "tables differ"
    for name in ("pages", "warnings", "metadata"):
        if getattr(old, name) != getattr(new, name):
            return f"{name}: {getattr(old, name)!r} != {getattr(new, name)!r}"
    return None
