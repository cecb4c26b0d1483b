"""What the portal shows, gathered from the library: the list edition, the catalogue, the cases.

Everything here is read-only and returns plain values; personal data is removed from the case
texts before they leave this module (complainants' names and contacts registered in the ledger,
and phone, ID and e-mail shapes, through ``screening.privacy.Redactor``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..catalogue.model import CatalogueEdition, PermitItem
from ..domain import CONFIRMED_STATES
from ..errors import NoEditionError
from ..ledger.cases import list_cases
from ..localnames import PLACEHOLDERS, LocalNames
from ..neglist import current_edition
from ..neglist.model import Edition, Item
from ..neglist.validate import META_PATH, load_edition_facts
from ..privacy import Redactor
from ..reports.citations import Citations
from ..reports.notice import case_account, select_cases
from ..reports.queries import Period, case_facts

# The edition a county is expected to publish; its table is not bundled (never invented).
CURRENT_OFFICIAL = "2025"


@dataclass(frozen=True)
class PortalCase:
    """One notified typical case as the public sees it: texts already stripped of personal data."""

    case_id: int
    heading: str
    department: str
    status: str
    paragraphs: tuple[str, ...]
    standards: tuple[str, ...]
    refs: str  # the standards cited: 《实施办法》第十九条第（四）项（FCR-19-4）；…
    date: str  # the day the case last changed in the ledger (its data date)

    def content(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "department": self.department,
            "status": self.status,
            "paragraphs": list(self.paragraphs),
            "standards": list(self.standards),
            "refs": self.refs,
        }


@dataclass(frozen=True)
class Portal:
    """Everything one publication shows."""

    names: LocalNames = PLACEHOLDERS
    edition: Edition | None = None
    list_items: list[Item] = field(default_factory=list)
    bundled: dict[str, Any] | None = None  # announced facts of the official edition (no table)
    catalogue: CatalogueEdition | None = None
    permits: list[PermitItem] = field(default_factory=list)
    cases: list[PortalCase] = field(default_factory=list)


def bundled_facts(corpus_dir: str | Path, key: str = CURRENT_OFFICIAL) -> dict[str, Any] | None:
    """Announced facts of an official edition from corpus/negative_list/editions_meta.json."""
    facts = load_edition_facts(Path(corpus_dir), key)
    if facts is None:
        return None
    try:
        raw = json.loads((Path(corpus_dir) / META_PATH).read_text(encoding="utf-8"))
        raw = raw.get("data", raw).get("editions", {}).get(key, {})
    except (OSError, ValueError, AttributeError):
        raw = {}
    for extra in ("issued", "supersedes"):
        value = raw.get(extra) if isinstance(raw, dict) else None
        facts[extra] = value.get("value") if isinstance(value, dict) else value
    return facts


def load_list(corpus_dir: str | Path, key: str | None = None) -> tuple[Edition | None, list[Item]]:
    """The named or newest imported edition, or (None, []) when none is imported."""
    try:
        return current_edition(Path(corpus_dir), key)
    except NoEditionError:
        if key:
            raise
        return None, []


def load_catalogue(
    db: Database, label: str | None = None
) -> tuple[CatalogueEdition | None, list[PermitItem]]:
    """The named or current catalogue edition, or (None, []) when none is imported."""
    from ..catalogue import storage

    if label is None and not storage.list_catalogues(db):
        return None, []
    edition, items = storage.load_catalogue(db, label)
    return edition, list(items)


def confirmed_in(db: Database, period: Period) -> list[int]:
    """Ids of the cases registered in ``period`` that are confirmed violations today."""
    return [
        c["id"]
        for c in list_cases(db)
        if c["status"] in CONFIRMED_STATES and period.contains(c["created_at"])
    ]


def portal_cases(db: Database, case_ids: list[int], corpus_dir: str | Path) -> list[PortalCase]:
    """The cases worded as the 典型案例通报 words them, personal data masked; all confirmed."""
    if not case_ids:
        return []
    cases = select_cases(db, case_ids)
    cites = Citations(corpus_dir)
    redact = Redactor.from_ledger(db)
    out = []
    for case in cases:
        heading, texts = case_account(case, case_facts(db, case), cites)
        out.append(
            PortalCase(
                case_id=case["id"],
                heading=redact(heading),
                department=redact(case["department"] or "（未指定）"),
                status=case["status"],
                paragraphs=tuple(redact(t) for t in texts),
                standards=tuple(case["standards"]),
                refs=cites.refs(case["standards"]),
                date=str(case["updated_at"] or case["created_at"] or "")[:10],
            )
        )
    return out


def gather(
    db: Database | None,
    corpus_dir: str | Path,
    *,
    names: LocalNames = PLACEHOLDERS,
    case_ids: list[int] | None = None,
    edition: str | None = None,
    catalogue: str | None = None,
) -> Portal:
    """Read the list edition, the catalogue and the cases for one publication.

    ``db`` is the ledger (None: no catalogue and no cases); ``edition``/``catalogue`` name the
    list edition and catalogue to show (default: the newest); ``case_ids`` the notified cases.
    """
    ed, items = load_list(corpus_dir, edition)
    cat: CatalogueEdition | None = None
    permits: list[PermitItem] = []
    cases: list[PortalCase] = []
    if db is not None:
        cat, permits = load_catalogue(db, catalogue)
        cases = portal_cases(db, list(case_ids or []), corpus_dir)
    return Portal(
        names=names,
        edition=ed,
        list_items=items,
        bundled=None if ed else bundled_facts(corpus_dir),
        catalogue=cat,
        permits=permits,
        cases=cases,
    )
