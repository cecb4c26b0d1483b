"""Fast PDF text layer: characters from PDFium, shaped like pdfplumber's ``page.chars``.

pdfplumber (pdfminer.six) interprets every content stream in Python and was most of the time
of a PDF parse. PDFium does the same in C. This module reads a page's characters through
PDFium's text page and returns them with pdfminer's geometry (``x0``/``x1``/``top``/
``bottom``/``size`` in points, top-down, measured as pdfminer measures them: the box from
``descent`` to ``descent + size`` around the baseline), so :mod:`screening.parse.pdf` builds
lines and paragraphs from them with the same code and thresholds as before.

A page is read here only when the result can be trusted to equal pdfplumber's; otherwise
:meth:`FastPdf.chars` returns ``None`` and the caller reads the page with pdfplumber:

- the page has vector paths that could form a table grid (pdfplumber's table finder works on
  ruling lines and rectangles; see :func:`_needs_pdfplumber`);
- a text object PDFium's text page would skip (no width: see :func:`setup`);
- a character is rotated, mirrored or skewed (pdfminer's boxes differ then);
- PDFium has no Unicode mapping for a character (pdfminer may have one, or shows "(cid:N)").

The caller checks the rest with pdfplumber, which has it without interpreting page content:
page geometry (rotation, MediaBox origin) and that the page's content streams decode.

Known, deliberate difference: a code that pdfminer's CMap cannot map (with UniGB-UCS2-H:
U+00A0, U+00B7, private-use characters) is dropped by pdfminer together with its advance;
PDFium keeps it (as printed). Zero-width format characters (U+200B …) are dropped here as
pdfminer drops them.
"""

from __future__ import annotations

import ctypes
import struct
import threading
import unicodedata
from pathlib import Path
from typing import Any, Final

_setup_lock = threading.Lock()
# PDFium is not thread-safe and the review console parses uploads on worker threads: every
# PDFium call in this package runs under this lock (held per page, not per document).
PDFIUM_LOCK = threading.RLock()
_font_info: Any = None  # kept alive: PDFium holds a pointer to it for the life of the process


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return int(sum(struct.unpack(f">{len(data) // 4}I", data))) & 0xFFFFFFFF


def _box_font() -> bytes:
    """A TrueType font of one glyph that every code point maps to (cmap format 13, the "last
    resort" mapping), built in memory (~500 bytes, no file to ship or find).

    The glyph is a bar 1/100 em wide: wide enough that a text object of one character has a
    width (PDFium skips objects narrower than 0.01 pt), narrow enough to stay inside every
    character's advance, because PDFium's "loose" character box reaches to the right edge of
    the glyph when that is further than the advance (pdfminer's box ends at the advance).
    """
    upm, asc, desc, right = 1000, 880, -120, 10
    # version, revision, checksum adjustment, magic, flags, unitsPerEm, created, modified,
    # bbox, macStyle, lowestRecPPEM, direction hint, short loca, glyph data format
    head = struct.pack(">IIIIHHqqhhhhHHhhh", 0x10000, 0x10000, 0, 0x5F0F3CF5, 0x000B, upm,
                       0, 0, 0, desc, right, asc, 0, 8, 2, 0, 0)  # fmt: skip
    # ascender, descender, line gap, max advance, min lsb/rsb, max extent, caret, 2 metrics
    hhea = struct.pack(">IhhhHhhhhhhhhhhhH", 0x10000, asc, desc, 0, upm, 0, upm - right, right,
                       1, 0, 0, 0, 0, 0, 0, 0, 2)  # fmt: skip
    maxp = struct.pack(">IHHHHHHHHHHHHHH", 0x10000, 2, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)
    hmtx = struct.pack(">HhHh", upm, 0, upm, 0)
    # One contour of four on-curve points: the bar (0, desc)–(right, asc).
    glyph = struct.pack(">hhhhhHH4B4h4h", 1, 0, desc, right, asc, 3, 0, 1, 1, 1, 1,
                        0, right, 0, -right, desc, 0, asc - desc, 0)  # fmt: skip
    glyf = glyph + glyph  # .notdef and the square
    loca = struct.pack(">HHH", 0, len(glyph) // 2, len(glyf) // 2)
    # cmap: one (3, 10) subtable of format 13 mapping U+0000..U+10FFFF to glyph 1.
    cmap = struct.pack(">HHHHIHHIIIIII", 0, 1, 3, 10, 12, 13, 0, 28, 0, 1, 0, 0x10FFFF, 1)
    family = "ScreeningBox".encode("utf-16-be")
    records = [(3, 1, 0x409, nid, len(family), 0) for nid in (1, 4, 6)]
    name = struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
    name += b"".join(struct.pack(">HHHHHH", *r) for r in records) + family
    post = struct.pack(">IIhhIIIII", 0x30000, 0, 0, 0, 1, 0, 0, 0, 0)
    tables = {b"cmap": cmap, b"glyf": glyf, b"head": head, b"hhea": hhea, b"hmtx": hmtx,
              b"loca": loca, b"maxp": maxp, b"name": name, b"post": post}  # fmt: skip
    n = len(tables)
    entry = n.bit_length() - 1
    out = struct.pack(">IHHHH", 0x10000, n, 16 << entry, entry, n * 16 - (16 << entry))
    offset = 12 + 16 * n
    body = b""
    for tag, data in sorted(tables.items()):
        out += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    return out + body


def setup() -> None:
    """Give PDFium one tiny TrueType font for every font that is not embedded.

    Text extraction needs the PDF's own data only (ToUnicode/CMaps for the characters,
    /Widths and /W for the advances, the font descriptor for the descent). For a font that is
    not embedded (common in Chinese government PDFs: 仿宋_GB2312, STSong-Light …) PDFium
    otherwise substitutes a system CJK font (an OpenType/CFF collection) and runs FreeType's CFF
    interpreter on every glyph for boxes we never use: ~25 ms per page, ten times the rest of
    the work. The substitute's glyph boxes matter in one way: PDFium's text page skips a text
    object whose box has no width, e.g. a line of one character the font has no glyph for. So
    the substitute is not "no font" (PDFium's built-in Latin fonts: lone CJK characters vanish)
    but :func:`_box_font`, where every code point is a thin bar. Pages where an object would still
    be skipped (an embedded font with an empty glyph) are left to pdfplumber (:func:`_scan`).

    This is process-wide. PDFium is used in this package for text only; code that ever renders
    pages must not do it in a process that parsed PDFs.
    """
    global _font_info
    with _setup_lock:
        if _font_info is not None:
            return
        import pypdfium2.raw as raw

        data = _box_font()
        face = b"ScreeningBox"
        buffer = ctypes.create_string_buffer(data, len(data))
        info = raw.FPDF_SYSFONTINFO()
        info.version = 1
        fields = dict(raw.FPDF_SYSFONTINFO._fields_)

        def map_font(this: Any, weight: int, italic: int, charset: int, pitch: int,
                     name: Any, exact: Any) -> int:  # fmt: skip
            return 1

        def get_font_data(this: Any, handle: Any, table: int, buf: Any, size: int) -> int:
            if table != 0:  # whole file only; PDFium then reads the tables itself
                return 0
            if buf and size >= len(data):
                ctypes.memmove(buf, buffer, len(data))
            return len(data)

        def get_face_name(this: Any, handle: Any, buf: Any, size: int) -> int:
            if buf and size > len(face):
                ctypes.memmove(buf, face + b"\0", len(face) + 1)
            return len(face) + 1

        callbacks = {
            "Release": lambda this: None,
            "EnumFonts": lambda this, mapper: None,
            "MapFont": map_font,
            "GetFont": lambda this, name: 1,
            "GetFontData": get_font_data,
            "GetFaceName": get_face_name,
            "GetFontCharset": lambda this, handle: 0,
            "DeleteFont": lambda this, handle: None,
        }
        keep = {}
        for name, fn in callbacks.items():
            keep[name] = fields[name](fn)
            setattr(info, name, keep[name])
        raw.FPDF_SetSystemFontInfo(info)
        _font_info = (info, keep, buffer)


# A character as the layout code reads it: (text, x0, x1, top, bottom, size) in pdfplumber's
# page coordinates (top-down). Plain tuples rather than pdfplumber's dicts: a sweep builds
# millions of them, and a tuple costs less to build and to read.
Char = tuple[str, float, float, float, float, float]
TEXT: Final = 0
X0: Final = 1
X1: Final = 2
TOP: Final = 3
BOTTOM: Final = 4
SIZE: Final = 5


class FastPdf:
    """One open PDFium document; pages are loaded one at a time and closed after use."""

    def __init__(self, path: Path) -> None:
        import pypdfium2

        setup()
        with PDFIUM_LOCK:
            try:
                self.doc = pypdfium2.PdfDocument(str(path))
            except pypdfium2.PdfiumError:
                if str(path).isascii():
                    raise
                # PDFium opens paths with the C library's narrow-character fopen; a Chinese
                # file name may not survive that on Windows. The bytes always do.
                self.doc = pypdfium2.PdfDocument(path.read_bytes())
            self.n_pages = len(self.doc)

    def __len__(self) -> int:
        return self.n_pages

    def close(self) -> None:
        with PDFIUM_LOCK:
            self.doc.close()

    def chars(self, index: int, height: float) -> list[Char] | None:
        """The characters of page ``index`` (0-based) as pdfplumber places them, or None when
        this page must be read by pdfplumber. ``height`` is pdfplumber's page height (MediaBox
        height)."""
        import pypdfium2.raw as raw

        with PDFIUM_LOCK:
            # The raw API: pypdfium2's page/text-page wrappers cost as much as PDFium's work.
            page = raw.FPDF_LoadPage(self.doc.raw, index)
            if not page:
                return None
            try:
                if _needs_pdfplumber(page):
                    return None
                tp = raw.FPDFText_LoadPage(page)
                if not tp:
                    return None
                try:
                    return _chars(raw, tp, height)
                finally:
                    raw.FPDFText_ClosePage(tp)
            finally:
                raw.FPDF_ClosePage(page)


_plain_calls: _PlainCalls | None = None
_INVISIBLE = frozenset("\x00\ufffe\uffff")


class _PlainCalls:
    """The per-character PDFium text functions as prototypes over plain addresses.

    pypdfium2's bindings check and convert every argument (the text page, each pointer) on
    every call, and a page of Chinese text makes four calls per character (the char origin:
    1.5 µs through the binding, 0.9 µs over a plain address). These take the text page and
    the output structures as integer addresses, converted once per page; ``text_object``
    returns a plain int, usable as a dict key without a cast."""

    def __init__(self, raw: Any) -> None:
        def plain(name: str, restype: Any, *argtypes: Any) -> Any:
            address = ctypes.cast(getattr(raw, name), ctypes.c_void_p).value
            assert address, f"{name} missing from the PDFium build"
            return ctypes.CFUNCTYPE(restype, *argtypes)(address)

        ptr, idx, out = ctypes.c_void_p, ctypes.c_int, ctypes.c_int
        self.text_object = plain("FPDFText_GetTextObject", ptr, ptr, idx)
        self.is_generated = plain("FPDFText_IsGenerated", out, ptr, idx)
        self.map_error = plain("FPDFText_HasUnicodeMapError", out, ptr, idx)
        self.origin = plain("FPDFText_GetCharOrigin", out, ptr, idx, ptr, ptr)
        self.loose_box = plain("FPDFText_GetLooseCharBox", out, ptr, idx, ptr)


def _calls(raw: Any) -> _PlainCalls:
    global _plain_calls
    if _plain_calls is None:
        _plain_calls = _PlainCalls(raw)
    return _plain_calls


def _dropped(text: str) -> frozenset[str]:
    """The characters of ``text`` that are zero-width format characters (U+200B, U+FEFF,
    U+00AD …) or invisible codes: pdfminer drops a code its CMap cannot map (how U+200B from an
    UCS-2 writer arrives) and PDFium with a real font drops a lone empty glyph; the
    substitute's bar glyph would keep it. Decided once per distinct character of a page."""
    return frozenset(
        ch
        for ch in set(text)
        if ch in _INVISIBLE or (ch > "\x7f" and unicodedata.category(ch) == "Cf")
    )


def _chars(raw: Any, tp: Any, height: float) -> list[Char] | None:
    n = raw.FPDFText_CountChars(tp)
    if n <= 0:
        return [] if n == 0 else None
    # All code points in one call; one UTF-16 unit per character unless there are surrogates.
    units = (ctypes.c_ushort * (n + 1))()
    got = raw.FPDFText_GetText(tp, 0, n, units)
    text = bytes(units)[: max(got - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(text) != n:
        text = "".join(chr(raw.FPDFText_GetUnicode(tp, i)) for i in range(n))
    calls = _calls(raw)
    is_generated, map_error, text_object = calls.is_generated, calls.map_error, calls.text_object
    origin, loose_box = calls.origin, calls.loose_box
    page = ctypes.cast(tp, ctypes.c_void_p).value
    obj_type = raw.FPDFText_GetTextObject.restype
    x, y = ctypes.c_double(), ctypes.c_double()
    rect = raw.FS_RECTF()
    at_x, at_y, at_rect = ctypes.addressof(x), ctypes.addressof(y), ctypes.addressof(rect)
    matrix = raw.FS_MATRIX()
    fsize = ctypes.c_float()
    descent = ctypes.c_float()
    dropped = _dropped(text)
    by_object: dict[int, tuple[float, float] | None] = {}
    out: list[Char] = []
    append = out.append
    for i, ch in enumerate(text):
        # PDFium makes up spaces and line breaks between runs; pdfminer does not.
        if ch in " \r\n" and is_generated(page, i):
            continue
        if ch in dropped:
            continue
        if map_error(page, i) == 1:
            return None
        key = text_object(page, i) or 0
        if key not in by_object:
            shape = None  # (font size on the page, descent as a fraction of the size)
            obj = ctypes.cast(ctypes.c_void_p(key), obj_type)
            if (
                key
                and raw.FPDFText_GetMatrix(tp, i, matrix)
                and raw.FPDFTextObj_GetFontSize(obj, fsize)
            ):
                a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
                font = raw.FPDFTextObj_GetFont(obj)
                if abs(b) < 1e-6 and abs(c) < 1e-6 and a > 0 and d > 0 and font:
                    desc = 0.0
                    if raw.FPDFFont_GetDescent(font, ctypes.c_float(1.0), descent):
                        desc = descent.value
                    shape = (d * fsize.value, min(desc, -desc))
            by_object[key] = shape
        shape = by_object[key]
        if shape is None:
            return None  # rotated/skewed text, or PDFium could not say: pdfplumber decides
        size, desc = shape
        origin(page, i, at_x, at_y)
        loose_box(page, i, at_rect)
        x0 = x.value
        y0 = y.value + desc * size  # pdfminer: baseline + descent · size
        right = rect.right
        # x1 is max(right, x0), with a NaN kept as max() keeps it
        append((ch, x0, x0 if x0 > right else right, height - (y0 + size), height - y0, size))
    return out


def _needs_pdfplumber(page: Any) -> bool:
    """True when the page has vector paths that could be ruling lines of a table, or a text
    object PDFium's text page would skip.

    pdfplumber finds tables from horizontal and vertical edges of lines, rectangles and curves;
    a table needs both. A path counts as a possible vertical (horizontal) edge when its extent
    (without the stroke) is at least half a point in that direction, so horizontal rules
    (the red line of a 红头 document, a header underline) and nothing else leave the page on
    the fast path. Paths inside Form XObjects are measured in page space. Nothing is lost by
    a false alarm but time: the page is read by pdfplumber, as every page was before.

    PDFium's text page leaves out a text object whose box has no width, which happens for a
    single glyph with an empty outline in the font used (a lone space; a lone CJK character of
    a font that is not embedded, as the substitute font has no CJK glyphs). pdfminer keeps it.
    """
    import pypdfium2.raw as raw

    found = [False, False, False]  # vertical edge, horizontal edge, skipped text
    _scan(raw, page, None, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), found, 0)
    return (found[0] and found[1]) or found[2]


_PAGE_OBJ_TEXT = 1
_PAGE_OBJ_PATH = 2
_PAGE_OBJ_FORM = 5
_SKIPPED_WIDTH = 0.02  # PDFium skips text objects narrower than 0.01 (kSizeEpsilon)


def _scan(
    raw: Any,
    page: Any,
    form: Any,
    m: tuple[float, float, float, float, float, float],
    found: list[bool],
    depth: int,
) -> None:
    count = raw.FPDFFormObj_CountObjects(form) if form else raw.FPDFPage_CountObjects(page)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    width = ctypes.c_float()
    fill_mode, stroked = ctypes.c_int(), ctypes.c_int()
    fm = raw.FS_MATRIX()
    for j in range(count):
        obj = raw.FPDFFormObj_GetObject(form, j) if form else raw.FPDFPage_GetObject(page, j)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == _PAGE_OBJ_TEXT:
            if (
                not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
                or right.value - left.value < _SKIPPED_WIDTH
            ):
                found[2] = True
                return
        elif kind == _PAGE_OBJ_FORM:
            if depth >= 8 or not raw.FPDFPageObj_GetMatrix(obj, fm):
                found[2] = True  # cannot look inside: let pdfplumber read the page
                return
            _scan(raw, page, obj, _mul((fm.a, fm.b, fm.c, fm.d, fm.e, fm.f), m), found, depth + 1)
        elif kind == _PAGE_OBJ_PATH:
            if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                found[0] = found[1] = True
                return
            corners = [
                _apply(m, px, py)
                for px in (left.value, right.value)
                for py in (bottom.value, top.value)
            ]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            # PDFium pads a stroked path's bounds by the stroke width on every side.
            pad = 0.0
            if (
                raw.FPDFPath_GetDrawMode(obj, fill_mode, stroked)
                and stroked.value
                and raw.FPDFPageObj_GetStrokeWidth(obj, width)
            ):
                pad = 2 * width.value * max(abs(m[0]), abs(m[3]), abs(m[1]), abs(m[2]))
            if max(ys) - min(ys) - pad >= 0.5:
                found[0] = True
            if max(xs) - min(xs) - pad >= 0.5:
                found[1] = True
        if (found[0] and found[1]) or found[2]:
            return


def _mul(
    a: tuple[float, float, float, float, float, float],
    b: tuple[float, float, float, float, float, float],
) -> tuple[float, float, float, float, float, float]:
    """Matrix product a × b (PDF row-vector convention: apply a, then b)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _apply(
    m: tuple[float, float, float, float, float, float], x: float, y: float
) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


__all__ = ["BOTTOM", "PDFIUM_LOCK", "SIZE", "TEXT", "TOP", "X0", "X1", "Char", "FastPdf", "setup"]
