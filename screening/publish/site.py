"""``screening publish``: render the portal pages and their XLSX tables into a folder.

``publish(portal, out, date=…)`` writes index.html, one page per section, style.css, an XLSX
per table and the manifest publish.json. Each file is written atomically (temp file, then
replace) and only when its bytes change; files an earlier publication wrote that are no longer
produced are removed. A folder that holds other files is refused unless ``force``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PublishFolderError
from ..tables import output_file
from . import changes
from .data import CURRENT_OFFICIAL, Portal
from .pages import render

MANIFEST = "publish.json"


@dataclass(frozen=True)
class Published:
    """What one publication did: the folder, files written, unchanged and removed, the entry."""

    out: Path
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    entry: dict[str, Any] | None
    summary: str
    notes: tuple[str, ...] = field(default=())


# --- the output folder -------------------------------------------------------------------------


def previous_manifest(out: Path, force: bool = False) -> dict[str, Any] | None:
    """The manifest of an earlier publication into ``out``; refuses a folder that is not one."""
    if out.exists() and not out.is_dir():
        raise PublishFolderError(
            path=str(out), detail="这是一个文件，不是文件夹。请为 --out 指定一个文件夹。"
        )
    if not out.exists() or not any(out.iterdir()):
        return None
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("generator") == changes.GENERATOR:
        return data
    if force:
        return None
    raise PublishFolderError(
        path=str(out),
        detail="该文件夹不是空的，也不是此前由 screening publish 生成的网站文件夹（未找到有效的 "
        f"{MANIFEST}）。为免覆盖其他文件，未写入任何内容。请换一个空文件夹或新文件夹；"
        "确认要写入该文件夹时加 --force。",
    )


def _write_atomic(path: Path, data: bytes) -> None:
    with output_file(path) as dest:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)  # a web server must read it; mkstemp makes it private
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


# --- publish -----------------------------------------------------------------------------------


def publish(
    portal: Portal,
    out: str | Path,
    *,
    date: dt.date,
    force: bool = False,
) -> Published:
    """Write the portal into ``out``; ``date`` is recorded only for tables whose content changed.

    Same content, same bytes: publishing again with nothing changed rewrites nothing.
    """
    folder = Path(out)
    previous = previous_manifest(folder, force)
    bundled_text = json.dumps(portal.bundled, ensure_ascii=False, sort_keys=True, default=str)
    case_ids = [c.case_id for c in portal.cases]
    manifest, entry = changes.manifest(previous, portal, bundled_text, date.isoformat(), case_ids)
    files = render(portal, manifest)
    manifest["files"] = sorted([*files, MANIFEST])
    files[MANIFEST] = (
        json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    ).encode("utf-8")
    written, unchanged = [], []
    for name, data in sorted(files.items()):
        path = folder / name
        if path.is_file() and path.read_bytes() == data:
            unchanged.append(name)
            continue
        _write_atomic(path, data)
        written.append(name)
    removed = []
    for name in (previous or {}).get("files", []):
        if name not in files and "/" not in name and (folder / name).is_file():
            (folder / name).unlink()
            removed.append(name)
    return Published(
        folder,
        tuple(written),
        tuple(unchanged),
        tuple(removed),
        entry,
        _summary(portal, entry),
        tuple(_hints(portal)),
    )


def _hints(portal: Portal) -> list[str]:
    """What the operator can do about an empty section (the public pages do not say it)."""
    out = []
    if portal.edition is None:
        out.append(
            "负面清单页只说明了正式文本的出处；导入正式文本（screening list import 清单文件 "
            f"--edition {CURRENT_OFFICIAL}）后重新发布，即列出全部事项。"
        )
    if portal.catalogue is None:
        out.append(
            "许可事项目录页暂无内容；导入目录（screening catalogue import 目录文件.xlsx "
            "--level 县 --as-of 日期）后重新发布。"
        )
    return out


def _summary(portal: Portal, entry: dict[str, Any] | None) -> str:
    parts = [
        f"负面清单 {len(portal.list_items)} 项"
        if portal.edition
        else "负面清单未导入（页面已说明）",
        f"许可事项目录 {len(portal.permits)} 项" if portal.catalogue else "许可事项目录未导入",
        f"典型案例 {len(portal.cases)} 起",
    ]
    if entry is None:
        change = "与上次发布相比没有变化"
    elif entry["first"]:
        change = "首次发布"
    else:
        change = f"与上次发布相比 {len(entry['rows'])} 处变更"
    return "；".join(parts) + f"；{change}"
