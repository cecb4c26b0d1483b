"""Plain text and Markdown parser: encoding detection (UTF-8, UTF-16, GB18030), markup stripped."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..config import Settings
from ..errors import DecodeError
from ..types import HEADING, Document
from ._build import DocumentBuilder
from ._layout import NUMBERED, guess_kind
from .metadata import clean_header_value, extract_metadata

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", None),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def _plausible_chinese(text: str) -> bool:
    """GB18030 decodes many byte strings; real Chinese text is almost all GB2312 characters."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return True
    common = 0
    for c in wide:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.9 * len(wide)


def decode(data: bytes, path: Path) -> tuple[str, str | None]:
    """(text, encoding label when it was not UTF-8). Raises DecodeError when nothing fits."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError:
                raise DecodeError(str(path)) from None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _plausible_chinese(text):
            return text, "GB18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding and best.chaos < 0.2:
        text = str(best)
        if "\ufffd" not in text and _plausible_chinese(text):
            return text, best.encoding.upper().replace("_", "-")
    raise DecodeError(str(path))


# --- provenance header and front matter ------------------------------------------------------

_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_\-]{0,30})\s*:\s?(.*)$")


def split_header(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split off a leading block of ``key: value`` lines ended by a blank line (the provenance
    header of curated samples) or a ``---`` YAML front matter block."""
    if lines and lines[0].strip() == "---":
        for i in range(1, min(len(lines), 60)):
            if lines[i].strip() == "---":
                fields = _fields(lines[1:i])
                if fields is not None:
                    return fields, lines[i + 1 :]
                break
    end = next((i for i, ln in enumerate(lines) if not ln.strip()), len(lines))
    if end >= 2 and end < len(lines):
        fields = _fields(lines[:end])
        if fields is not None:
            return fields, lines[end + 1 :]
    return {}, lines


def _fields(lines: list[str]) -> dict[str, str] | None:
    fields: dict[str, str] = {}
    for ln in lines:
        m = _HEADER_LINE.match(ln.strip())
        if not m:
            return None
        fields[m[1]] = m[2].strip()
    return fields or None


# --- markdown ----------------------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"<(?:br|BR)\s*/?>"), " "),
    (re.compile(r"</?(?:span|font|b|strong|i|em|u|p|div)\b[^>]*>", re.I), ""),
)


def _inline(text: str) -> str:
    for rx, repl in _MD_INLINE:
        text = rx.sub(repl, text)
    return text


def _table_cells(line: str) -> list[str]:
    return [_inline(c.strip()) for c in line.strip().strip("|").split("|")]


def _add_markdown(lines: list[str], builder: DocumentBuilder) -> None:
    i = 0
    while i < len(lines):
        line = lines[i]
        if (
            line.strip().startswith("|")
            and i + 1 < len(lines)
            and _MD_TABLE_SEP.match(lines[i + 1])
        ):
            rows = [_table_cells(line)]
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_table_cells(lines[i]))
                i += 1
            builder.add_table(rows)
            continue
        i += 1
        if _MD_RULE.match(line) or line.strip().startswith("```"):
            continue
        m = _MD_HEADING.match(line)
        if m:
            builder.add(_inline(m[2]), kind=HEADING, style=f"h{len(m[1])}")
            continue
        text = _inline(_MD_BULLET.sub("", _MD_QUOTE.sub("", line)))
        builder.add(text, kind=guess_kind(text.strip()))


# --- plain text -------------------------------------------------------------------------------

_TERMINAL = tuple("。；：！？;:!?…”」』）)")


def _unwrap(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped text (fixed-width lines, e.g. copied from a PDF viewer)."""
    lengths = [len(ln.strip()) for ln in lines if len(ln.strip()) >= 20]
    if len(lengths) < 5:
        return lines
    width, count = Counter(lengths).most_common(1)[0]
    near = sum(1 for n in lengths if abs(n - width) <= 1)
    if near < 0.3 * len(lengths) or count < 3:
        return lines
    out: list[str] = []
    joining = False
    for ln in lines:
        s = ln.strip()
        if joining and s and not NUMBERED.match(s):
            out[-1] += s
        else:
            out.append(ln)
        joining = bool(s) and len(s) >= width - 1 and not s.endswith(_TERMINAL)
    return out


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "txt") -> Document:
    text, encoding = decode(path.read_bytes(), path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    warnings = (f"文本编码识别为 {encoding}。",) if encoding else ()
    if fmt == "md" or "<!--" in text:
        text = _COMMENT.sub("", text)
    header, lines = split_header(text.split("\n"))
    builder = DocumentBuilder()
    if fmt == "md":
        _add_markdown(lines, builder)
    else:
        for line in _unwrap(lines):
            builder.add(line, kind=guess_kind(line.strip()))
    hints = {k: clean_header_value(header.get(k, "")) for k in ("title", "issuer", "date")}
    meta = extract_metadata(builder.texts(), extra=header, **hints)
    return builder.build(path=path, sha256=sha256, fmt=fmt, metadata=meta, warnings=warnings)
