"""Turn the plain-text/Markdown samples of ../shared into docgen blocks (used by build and bench).

The shared samples come in two shapes: policy documents with a ``key: value`` provenance header
ended by a blank line, and Markdown local regulations (``# title``, ``## 第一章``, an
``<!-- INFO END -->`` marker after the adoption history). Both become a header dict plus a list
of ``(kind, text)`` blocks that ``docgen`` (tests/docgen.py) can write as DOCX, PDF or OFD.
"""

from __future__ import annotations

import re
from pathlib import Path

HEADER_LINE = re.compile(r"^([a-z_]+):\s?(.*)$")


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split a leading ``key: value`` provenance header from the body."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and (m := HEADER_LINE.match(lines[i])):
        header[m.group(1)] = m.group(2).strip()
        i += 1
    if header and (i == len(lines) or not lines[i].strip()):
        return header, "\n".join(lines[i + 1 :])
    return {}, text


def text_to_blocks(body: str) -> list[tuple[str, str]]:
    """Markdown-ish text → blocks: first line a title, ``#`` lines headings, the rest paragraphs."""
    blocks: list[tuple[str, str]] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("#"):
            kind = "title" if line.startswith("# ") and not blocks else "heading"
            blocks.append((kind, line.lstrip("#").strip()))
        else:
            blocks.append(("para", line))
    if blocks and blocks[0][0] == "para" and len(blocks[0][1]) <= 60:
        blocks[0] = ("title", blocks[0][1])
    return blocks


def read_sample(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    header, body = split_header(path.read_text(encoding="utf-8"))
    return header, text_to_blocks(body)
