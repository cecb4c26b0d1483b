"""Store editions under corpus/negative_list/editions/<edition>/, swapped in atomically."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import CorpusError, EditionNotFoundError
from .model import Edition, Item

EDITIONS_DIR = Path("negative_list") / "editions"
EDITION_FILE = "edition.json"
ITEMS_FILE = "items.jsonl"
REPORT_FILE = "import_report.json"
_KEY_RE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff._-]{0,63}$")


def editions_root(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / EDITIONS_DIR


def check_key(key: str) -> str:
    """Edition keys become directory names: letters, digits, Chinese, '.', '_', '-'."""
    if not _KEY_RE.match(key or ""):
        raise CorpusError(
            detail=f"清单版本名“{key}”无效：只能由字母、数字、汉字、“.”“_”“-”组成，例如 2025。"
        )
    return key


def _recover(root: Path, key: str) -> None:
    """Finish a swap interrupted between its two renames: the old copy comes back."""
    final = root / key
    if final.exists():
        return
    for old in sorted(root.glob(f".{key}.old-*")):
        os.replace(old, final)
        return


def write_edition(
    corpus_dir: Path, edition: Edition, items: list[Item], report: dict[str, Any]
) -> Path:
    """Write all files into a temp dir, then swap it in; readers never see a half edition."""
    root = editions_root(corpus_dir)
    root.mkdir(parents=True, exist_ok=True)
    key = check_key(edition.key)
    _recover(root, key)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.tmp-", dir=root))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; editions are shared data
    try:
        _write_text(tmp / EDITION_FILE, _dumps(edition.to_dict(), indent=1))
        _write_text(tmp / ITEMS_FILE, "".join(it.to_json() + "\n" for it in items))
        _write_text(tmp / REPORT_FILE, _dumps(report, indent=1))
        final = root / key
        old = None
        if final.exists():
            old = root / f".{key}.old-{os.getpid()}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return root / key


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _dumps(obj: Any, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=indent) + "\n"


def list_edition_keys(corpus_dir: Path) -> list[str]:
    root = editions_root(corpus_dir)
    if not root.is_dir():
        return []
    for old in root.glob(".*.old-*"):
        _recover(root, old.name[1:].split(".old-")[0])
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / EDITION_FILE).is_file()
    )


def load_edition(corpus_dir: Path, key: str) -> tuple[Edition, list[Item]]:
    path = editions_root(corpus_dir) / key
    if not (path / EDITION_FILE).is_file():
        available = "、".join(list_edition_keys(corpus_dir)) or "无"
        raise EditionNotFoundError(edition=key, available=available)
    try:
        edition = Edition.from_dict(json.loads((path / EDITION_FILE).read_text(encoding="utf-8")))
        lines = (path / ITEMS_FILE).read_text(encoding="utf-8").splitlines()
        items = [Item.from_dict(json.loads(ln)) for ln in lines if ln.strip()]
    except (OSError, ValueError, TypeError) as exc:
        raise CorpusError(
            detail=f"清单版本“{key}”的数据文件已损坏（{type(exc).__name__}）：{path}。"
            f"请用 screening list import 原文件 --edition {key} --replace 重新导入。"
        ) from None
    return edition, items


def load_report(corpus_dir: Path, key: str) -> dict[str, Any] | None:
    path = editions_root(corpus_dir) / key / REPORT_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
