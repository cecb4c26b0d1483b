"""Market-access negative-list editions: import the official table, validate, diff, export."""

from __future__ import annotations

from pathlib import Path

from .diff import EditionDiff, diff_items, format_diff
from .editions import (
    NO_EDITION_MESSAGE,
    ImportOutcome,
    NegativeListStatus,
    current_edition,
    import_edition,
    list_editions,
    negative_list_status,
)
from .export import export_edition
from .model import CATEGORIES, Edition, Item, Measure, count_items
from .storage import load_edition, load_report

__all__ = [
    "CATEGORIES",
    "NO_EDITION_MESSAGE",
    "Edition",
    "EditionDiff",
    "ImportOutcome",
    "Item",
    "Measure",
    "NegativeListStatus",
    "count_items",
    "current_edition",
    "diff_editions",
    "diff_items",
    "export_edition",
    "format_diff",
    "import_edition",
    "list_editions",
    "load_edition",
    "load_report",
    "negative_list_status",
]


def diff_editions(corpus_dir: Path, old: str, new: str) -> EditionDiff:
    """Diff two imported editions by key."""
    _, a = load_edition(corpus_dir, old)
    _, b = load_edition(corpus_dir, new)
    return diff_items(a, b, old, new)
