"""Catalogue editions in the ledger: import a file once, keep editions side by side, load them.

An edition is one imported file under a label (default ``县级-2026-01-01``). Importing the same
file again (same SHA-256) stores nothing and returns the edition already there; a different
file under a label already used is refused, so an edition never changes once imported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import (
    CatalogueFormatError,
    CatalogueLabelExistsError,
    CatalogueNotFoundError,
    CatalogueOptionError,
    FileMissingError,
    FileTooLargeError,
    NoCatalogueError,
    NotAFileError,
)
from ..ledger.db import dumps, insert_row, now
from ..parse import file_sha256
from .importer import parse_mapping, read_catalogue
from .model import LEVELS, CatalogueEdition, PermitItem

IMPORTED = "imported"
UNCHANGED = "unchanged"


@dataclass
class ImportResult:
    """What ``import_catalogue`` did: ``imported`` a new edition, or found it ``unchanged``."""

    status: str
    edition: CatalogueEdition
    items: list[PermitItem]
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    sheet_titles: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "edition": self.edition.to_dict(),
            "items": len(self.items),
            "bad_rows": [{"row": r, "reason": why} for r, why in self.bad_rows],
            "sheet_titles": self.sheet_titles,
            "mapping": self.mapping,
            "notes": self.notes,
        }


def _edition(row: dict[str, Any]) -> CatalogueEdition:
    names = {f.name for f in dataclasses.fields(CatalogueEdition)}
    return CatalogueEdition(**{k: v for k, v in row.items() if k in names})


def _one(db: Database, where: str, args: list[Any]) -> CatalogueEdition | None:
    rows = list(db.query(f"select * from catalogue_editions where {where} limit 1", args))
    return _edition(rows[0]) if rows else None


def store_edition(
    db: Database,
    edition: CatalogueEdition,
    items: list[PermitItem],
    *,
    report: Mapping[str, Any] | None = None,
) -> CatalogueEdition:
    """Store ``edition`` with its ``items`` in one transaction; returns it with its ``id``.

    The same file (SHA-256) stored before: the existing edition is returned and nothing is
    written. A different file under a label already used: ``CatalogueLabelExistsError``.
    """
    with db.atomic():
        same = _one(db, "sha256 = ?", [edition.sha256])
        if same is not None:
            return same
        taken = _one(db, "label = ?", [edition.label])
        if taken is not None:
            raise CatalogueLabelExistsError(
                label=edition.label, old_file=taken.file_name, old_time=taken.imported_at
            )
        stored = dataclasses.replace(edition, item_count=len(items), id=None)
        values = {k: v for k, v in stored.to_dict().items() if k != "id"}
        edition_id = insert_row(db, "catalogue_editions", {**values, "report": dumps(report or {})})
        for seq, item in enumerate(items):
            insert_row(
                db,
                "catalogue_items",
                {
                    "edition_id": edition_id,
                    "seq": seq,
                    "name": item.name,
                    "department": item.department,
                    "content": item.to_json(),
                },
            )
    return dataclasses.replace(stored, id=edition_id)


def list_catalogues(db: Database) -> list[CatalogueEdition]:
    """Every imported edition, oldest first (by as-of date, then import order)."""
    return [_edition(r) for r in db.query("select * from catalogue_editions order by as_of, id")]


def load_report(db: Database, label: str) -> dict[str, Any]:
    """What the import of ``label`` reported (rows not read, sheets, column mapping)."""
    rows = list(db.query("select report from catalogue_editions where label = ?", [label]))
    return json.loads(rows[0]["report"] or "{}") if rows else {}


def load_catalogue(
    db: Database, label: str | None = None
) -> tuple[CatalogueEdition, list[PermitItem]]:
    """The edition named ``label`` with its items in file order; None = the latest edition."""
    editions = list_catalogues(db)
    if not editions:
        raise NoCatalogueError()
    if label is None:
        edition = max(editions, key=lambda e: (e.as_of, e.id or 0))
    else:
        found = [e for e in editions if e.label == label]
        if not found:
            raise CatalogueNotFoundError(
                label=label, available="、".join(e.label for e in editions)
            )
        edition = found[0]
    rows = db.query(
        "select content from catalogue_items where edition_id = ? order by seq", [edition.id]
    )
    return edition, [PermitItem.from_dict(json.loads(r["content"])) for r in rows]


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise CatalogueOptionError(
            option="--level", value=level, hint=f"目录层级应为 {'、'.join(LEVELS)} 之一。"
        )
    return level


def check_date(as_of: str) -> str:
    """An ISO date (2026-01-01); 2026/1/1 and 2026年1月1日 are accepted and normalised."""
    text = (as_of or "").strip()
    parts = [p for p in re.split(r"[-/.年月日]", text) if p]
    try:
        if len(parts) != 3:
            raise ValueError(text)
        return dt.date(*(int(p) for p in parts)).isoformat()
    except ValueError:
        raise CatalogueOptionError(
            option="--as-of",
            value=as_of,
            hint="请写作日期，例如 2026-01-01（目录公布或施行的日期）。",
        ) from None


def default_label(level: str, as_of: str) -> str:
    return f"{level}级-{as_of}"


def import_catalogue(
    db: Database,
    path: str | Path,
    *,
    level: str,
    as_of: str,
    label: str | None = None,
    columns: Mapping[str, str] | Iterable[str] | None = None,
    max_file_mb: float | None = None,
) -> ImportResult:
    """Read ``path`` and store it as an edition (see ``store_edition`` for re-imports).

    A file larger than ``max_file_mb`` (the config's limit for every input) is refused unread.
    """
    path = Path(path)
    level, as_of = check_level(level), check_date(as_of)
    label = (label or "").strip() or default_label(level, as_of)
    if not path.exists():
        raise FileMissingError(str(path))
    if not path.is_file():
        raise NotAFileError(str(path))
    size = path.stat().st_size
    if max_file_mb is not None and size > max_file_mb * 1e6:
        raise FileTooLargeError(str(path), size_mb=size / 1e6, limit_mb=max_file_mb)
    sha = file_sha256(path)
    same = _one(db, "sha256 = ?", [sha])
    if same is not None:
        _, items = load_catalogue(db, same.label)
        report = load_report(db, same.label)
        bad = [(b["row"], b["reason"]) for b in report.get("bad_rows", [])]
        return ImportResult(UNCHANGED, same, items, bad, report.get("sheet_titles", []))
    outcome = read_catalogue(path, columns=parse_mapping(columns))
    if not outcome.items:
        raise CatalogueFormatError(
            path=str(path),
            detail=f"表头下没有可读取的事项（{len(outcome.bad_rows)} 行事项名称为空或无法读取）",
            hint="请确认“事项名称”列已填写，或用 --map 指定事项名称所在的列。",
        )
    edition = CatalogueEdition(
        label=label,
        level=level,
        as_of=as_of,
        file_name=path.name,
        sha256=sha,
        imported_at=now(),
    )
    report = {
        "bad_rows": [{"row": r, "reason": why} for r, why in outcome.bad_rows],
        "sheet_titles": outcome.sheet_titles,
        "sheets": outcome.sheets,
        "mapping": outcome.mapping,
        "notes": outcome.notes,
        "format": outcome.format,
    }
    stored = store_edition(db, edition, outcome.items, report=report)
    return ImportResult(
        IMPORTED,
        stored,
        outcome.items,
        outcome.bad_rows,
        outcome.sheet_titles,
        outcome.mapping,
        outcome.notes,
    )
