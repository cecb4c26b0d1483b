"""The county portal pages (信息公开): a static site of the negative list, the local permit
catalogue and the notified typical cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlite_utils import Database

from ..domain import CONFIRMED_STATES
from ..errors import PublishFolderError
from ..localnames import PLACEHOLDERS, LocalNames
from ..reports.queries import Period
from .data import Portal, PortalCase, confirmed_in, gather
from .site import Published, previous_manifest, publish

__all__ = [
    "Portal",
    "PortalCase",
    "PublishFolderError",
    "Published",
    "gather",
    "publish",
    "publish_portal",
]


def publish_portal(
    db: Database | None,
    corpus_dir: str | Path,
    out: str | Path,
    *,
    date: dt.date,
    names: LocalNames = PLACEHOLDERS,
    case_ids: list[int] | None = None,
    period: Period | None = None,
    edition: str | None = None,
    catalogue: str | None = None,
    force: bool = False,
) -> Published:
    """Gather the portal's content and publish it into ``out``.

    Cases: ``case_ids`` (each must be confirmed), else the confirmed cases registered in
    ``period``, else the cases the previous publication into ``out`` showed (those still
    confirmed), else none.
    """
    notes: list[str] = []
    previous = previous_manifest(Path(out), force)
    if case_ids is None and period is not None and db is not None:
        case_ids = confirmed_in(db, period)
    if case_ids is None and db is not None:
        case_ids = _still_confirmed(db, (previous or {}).get("case_ids", []), notes)
    portal = gather(
        db, corpus_dir, names=names, case_ids=case_ids, edition=edition, catalogue=catalogue
    )
    done = publish(portal, out, date=date, force=force)
    return dataclasses.replace(done, notes=(*notes, *done.notes))


def _still_confirmed(db: Database, ids: list[int], notes: list[str]) -> list[int]:
    rows = {r["id"]: r["status"] for r in db.query("select id, status from cases")}
    kept = [i for i in ids if rows.get(i) in CONFIRMED_STATES]
    dropped = [str(i) for i in ids if i not in kept]
    if dropped:
        notes.append(
            f"上次发布的案件 {'、'.join(dropped)} 已不是认定违规状态（或已不存在），本次不再公示。"
        )
    return kept
