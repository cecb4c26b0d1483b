"""Import, list and look up negative-list editions; the status later stages ask for."""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EditionExistsError, FileMissingError, NoEditionError, NotAFileError
from ..parse import file_sha256
from . import storage
from .importer import detect_format, read_table
from .model import Edition, Item, SourceFile, count_items
from .validate import ERROR, Issue, load_edition_facts, validate_items

IMPORTED = "imported"
UNCHANGED = "unchanged"
REPLACED = "replaced"


@dataclass
class ImportOutcome:
    """What an import did: status, the edition, validation issues and unreadable rows."""

    status: str  # imported | unchanged | replaced
    edition: Edition
    items: list[Item]
    issues: list[Issue] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)
    path: Path | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "edition": self.edition.to_dict(),
            "counts": count_items(self.items),
            "expected": self.expected,
            "issues": [i.to_dict() for i in self.issues],
            "problems": self.problems,
            "notes": self.notes,
            "path": str(self.path) if self.path else None,
        }


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def import_edition(
    corpus_dir: Path,
    path: str | Path,
    edition: str,
    *,
    replace: bool = False,
    name: str | None = None,
    doc_no: str | None = None,
    published: str | None = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Read the official table in ``path`` and store it as ``edition`` (atomic, idempotent)."""
    path = Path(path)
    if not path.exists():
        raise FileMissingError(str(path))
    if not path.is_file():
        raise NotAFileError(str(path))
    storage.check_key(edition)
    sha = file_sha256(path)
    existing = _existing(corpus_dir, edition)
    if existing is not None and existing[0].source and existing[0].source.sha256 == sha:
        old, items = existing
        return ImportOutcome(
            UNCHANGED, old, items, path=storage.editions_root(corpus_dir) / edition
        )
    if existing is not None and not replace and not dry_run:
        src = existing[0].source
        raise EditionExistsError(
            edition=edition,
            old_file=src.file_name if src else "未知文件",
            old_time=src.imported_at if src else "未知时间",
        )
    fmt = detect_format(path)
    parsed = read_table(path, fmt)
    facts = load_edition_facts(corpus_dir, edition) or {}
    expected = facts.get("expected", {})
    issues = validate_items(parsed.items, expected)
    notes = list(parsed.notes)
    meta_name = facts.get("name")
    if parsed.title and meta_name and parsed.title != meta_name and not name:
        notes.append(
            f"文件标题“{parsed.title}”与版本“{edition}”的公布名称“{meta_name}”不同，已按文件标题记录。"
        )
    ed = Edition(
        key=edition,
        name=name or parsed.title or meta_name or f"市场准入负面清单（{edition}）",
        doc_no=doc_no or facts.get("doc_no"),
        published=published or facts.get("published"),
        source=SourceFile(path.name, sha, fmt, _now(), path.stat().st_size),
        counts=count_items(parsed.items),
    )
    status = REPLACED if existing is not None else IMPORTED
    outcome = ImportOutcome(status, ed, parsed.items, issues, parsed.problems, notes, expected)
    if not dry_run:
        report = {k: v for k, v in outcome.to_dict().items() if k != "path"}
        outcome.path = storage.write_edition(corpus_dir, ed, parsed.items, report)
    return outcome


def _existing(corpus_dir: Path, key: str) -> tuple[Edition, list[Item]] | None:
    if key not in storage.list_edition_keys(corpus_dir):
        return None
    return storage.load_edition(corpus_dir, key)


def list_editions(corpus_dir: Path) -> list[Edition]:
    """Imported editions, newest publish date first; undated ones last, latest import first."""
    eds = [storage.load_edition(corpus_dir, k)[0] for k in storage.list_edition_keys(corpus_dir)]

    def newest(e: Edition) -> tuple[str, str, str]:
        return (e.published or "", e.source.imported_at if e.source else "", e.key)

    return sorted(eds, key=newest, reverse=True)


def current_edition(corpus_dir: Path, key: str | None = None) -> tuple[Edition, list[Item]]:
    """The named edition, or the newest one; NoEditionError when none is imported."""
    if key:
        return storage.load_edition(corpus_dir, key)
    eds = list_editions(corpus_dir)
    if not eds:
        raise NoEditionError()
    return storage.load_edition(corpus_dir, eds[0].key)


NO_EDITION_MESSAGE = (
    "尚未导入市场准入负面清单（事项表），事项级的负面清单核对暂不可用。"
    "导入方法：screening list import 清单文件.pdf --edition 2025"
    "（支持官方发布的 PDF、DOCX、XLSX、CSV 表格）。"
)


@dataclass(frozen=True)
class NegativeListStatus:
    """Whether item-level negative-list checks can run, and with which edition."""

    available: bool
    edition: str | None
    name: str | None
    items: int
    message: str
    editions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def negative_list_status(corpus_dir: str | Path) -> NegativeListStatus:
    """For the screening engine: "unavailable" (with how to fix) when no edition is imported."""
    corpus_dir = Path(corpus_dir)
    keys = storage.list_edition_keys(corpus_dir)
    if not keys:
        return NegativeListStatus(False, None, None, 0, NO_EDITION_MESSAGE)
    ed, items = current_edition(corpus_dir)
    msg = f"使用市场准入负面清单版本“{ed.key}”（{ed.name}，{len(items)} 项事项）。"
    return NegativeListStatus(True, ed.key, ed.name, len(items), msg, tuple(keys))
