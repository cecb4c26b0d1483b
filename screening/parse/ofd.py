"""OFD parser (GB/T 33190): OFD.xml → Document.xml → page Content.xml text objects → paragraphs."""

from __future__ import annotations

import itertools
import posixpath
import zipfile
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import CorruptFileError, NoTextLayerError
from ..types import Document
from . import _layout
from ._build import DocumentBuilder, clean_line, open_zip_guarded, read_zip_member
from .metadata import extract_metadata

_A4 = (210.0, 297.0)


def _xml(zf: zipfile.ZipFile, name: str, path: Path) -> Any:
    from lxml import etree

    data = read_zip_member(zf, name, path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CorruptFileError(str(path), detail=f"{name} 不是有效的 XML：{exc}") from None


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(el: Any, *names: str) -> Any:
    """First descendant reached by following local names (namespace-agnostic)."""
    for name in names:
        el = next((c for c in el if _local(c) == name), None)
        if el is None:
            return None
    return el


def _resolve(base_file: str, ref: str, names: set[str]) -> str:
    """Resolve a BaseLoc/DocRoot reference against the referring file, tolerating absolute paths,
    backslashes and case differences that real producers emit."""
    ref = ref.strip().replace("\\", "/")
    if ref.startswith("/"):
        target = posixpath.normpath(ref.lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(base_file), ref))
    if target in names:
        return target
    lowered = {n.lower(): n for n in names}
    return lowered.get(target.lower(), target)


def _floats(s: str | None) -> list[float]:
    try:
        return [float(v) for v in (s or "").split()]
    except ValueError:
        return []


def _delta_sum(delta: str | None, n: int) -> float:
    """Total advance of the first ``n - 1`` gaps in a DeltaX list ("g 3 5.6" repeats 5.6 thrice)."""
    tokens = (delta or "").split()
    values: list[float] = []
    i = 0
    try:
        while i < len(tokens):
            if tokens[i] == "g" and i + 2 < len(tokens):
                values.extend([float(tokens[i + 2])] * int(float(tokens[i + 1])))
                i += 3
            else:
                values.append(float(tokens[i]))
                i += 1
    except ValueError:
        return 0.0
    return sum(values[: max(n - 1, 0)])


Run = tuple[float, float, float, float, str]  # x0, x1, baseline y, size, text


def _page_runs(root: Any) -> list[Run]:
    """(x0, x1, baseline y, size, text) for each TextCode of a page content."""
    runs = []
    for obj in root.iter():
        if _local(obj) != "TextObject":
            continue
        box = _floats(obj.get("Boundary"))
        bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = (_floats(obj.get("Size")) or [3.5])[0]
        ctm = _floats(obj.get("CTM"))
        if len(ctm) == 6 and ctm[0] > 0:
            size *= ctm[0]
        x = y = 0.0
        for code in obj:
            if _local(code) != "TextCode":
                continue
            text = code.text or ""
            x = (_floats(code.get("X")) or [x])[0]
            y = (_floats(code.get("Y")) or [y])[0]
            if not text.strip():
                continue
            width = _delta_sum(code.get("DeltaX"), len(text)) if code.get("DeltaX") else 0.0
            if not width:
                width = (len(text) - 1) * size
            runs.append((bx + x, bx + x + width + size, by + y, size, text))
    return runs


def _lines(runs: list[Run], page: int) -> list[_layout.Line]:
    """Group runs into visual lines by baseline, then order each line left to right."""
    runs = sorted(runs, key=lambda r: (r[2], r[0]))
    groups: list[list[Run]] = []
    for run in runs:
        if groups and abs(run[2] - groups[-1][0][2]) <= 0.4 * max(run[3], groups[-1][0][3]):
            groups[-1].append(run)
        else:
            groups.append([run])
    lines = []
    for group in groups:
        group.sort(key=lambda r: r[0])
        size = max(r[3] for r in group)
        parts = [group[0][4]]
        for prev, run in itertools.pairwise(group):
            if run[0] - prev[1] > 0.6 * size:
                parts.append(" ")
            parts.append(run[4])
        text = clean_line("".join(parts))
        if text:
            base = group[0][2]
            lines.append(
                _layout.Line(
                    page=page,
                    x0=group[0][0],
                    x1=max(r[1] for r in group),
                    top=base - size,
                    bottom=base,
                    text=text,
                    size=size,
                )
            )
    return lines


def parse(path: Path, sha256: str, settings: Settings, fmt: str = "ofd") -> Document:
    zf = open_zip_guarded(path, settings.max_unzipped_mb)
    with zf:
        names = set(zf.namelist())
        entry = next((n for n in names if n.lower() == "ofd.xml"), "OFD.xml")
        ofd = _xml(zf, entry, path)
        body = _find(ofd, "DocBody")
        root_ref = _find(body, "DocRoot") if body is not None else None
        if root_ref is None or not (root_ref.text or "").strip():
            raise CorruptFileError(str(path), detail="OFD.xml 缺少 DocRoot")
        doc_name = _resolve(entry, root_ref.text, names)
        title_el = _find(body, "DocInfo", "Title")
        document = _xml(zf, doc_name, path)
        default_box = _floats(
            getattr(_find(document, "CommonData", "PageArea", "PhysicalBox"), "text", "")
        )
        pages_el = _find(document, "Pages")
        page_refs = [p for p in (pages_el if pages_el is not None else []) if _local(p) == "Page"]
        pages: list[list[_layout.Line]] = []
        has_images = False
        heights: list[float] = []
        for number, ref in enumerate(page_refs, 1):
            name = _resolve(doc_name, ref.get("BaseLoc", ""), names)
            content = _xml(zf, name, path)
            box = _floats(getattr(_find(content, "Area", "PhysicalBox"), "text", "")) or default_box
            heights.append(box[3] if len(box) == 4 else _A4[1])
            pages.append(_lines(_page_runs(content), number))
            has_images = has_images or any(_local(el) == "ImageObject" for el in content.iter())
    pages = _layout.drop_running(pages, heights)
    paras = _layout.paragraphs(pages)
    builder = DocumentBuilder()
    for p in paras:
        builder.add(p.text, page=p.page, kind=p.kind)
    if builder.empty and has_images:
        # Images but no text object: a scanned OFD (common for signed paper originals).
        raise NoTextLayerError(str(path), fmt="OFD")
    title = title_el.text if title_el is not None and title_el.text else None
    meta = extract_metadata([p.text for p in paras], title=title)
    return builder.build(path=path, sha256=sha256, fmt=fmt, metadata=meta, pages=len(page_refs))
