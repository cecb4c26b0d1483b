"""What the ledger shows a user: cases and their details, with complainants' personal data masked.

Every view takes ``include_contacts``: off (the default), complaint contact columns are left out
and every free-text field — complaint wording, case titles and summaries (which repeat it), trail
notes, replies, reasons, measures, clauses — passes through a ``Redactor`` built from the
ledger's complainants (``screening.privacy``). On, everything is shown as stored. The stored
text is never changed. The CLI (``ledger list/show``, ``complaints list``, ``ledger export``)
and any other front end only pass the flag.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlite_utils import Database

from ..privacy import Redactor
from .cases import case_actions, get_case, list_cases

# Free-text columns, per table, that can carry a complainant's words or data.
CASE_TEXT = (
    "title",
    "summary",
    "subtype",
    "assignee",
    "decision_reason",
    "measures",
    "responsible",
)
COMPLAINT_TEXT = ("content", "title", "respondent", "screening")
CONTACT_FIELDS = ("complainant", "contact")
FINDING_TEXT = ("clause", "data")
ACTION_TEXT = ("note", "data")
FEEDBACK_TEXT = ("content",)
ATTACHMENT_TEXT = ("path", "note")


def redactor(db: Database, include_contacts: bool = False) -> Redactor:
    """The redactor of a view: masks the ledger's complainants, or nothing when asked."""
    return Redactor.from_ledger(db, include_contacts=include_contacts)


def shown_complaint(
    row: dict[str, Any], redact: Redactor, include_contacts: bool = False
) -> dict[str, Any]:
    """A complaint row as shown: contacts only with ``include_contacts``, free text masked."""
    out = redact.fields(row, COMPLAINT_TEXT)
    if not include_contacts:
        for key in CONTACT_FIELDS:
            out.pop(key, None)
    return out


def case_list(
    db: Database,
    *,
    include_contacts: bool = False,
    today: dt.date | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """``list_cases`` (same filters) with the cases' free text masked unless asked."""
    redact = redactor(db, include_contacts)
    return [redact.fields(c, CASE_TEXT) for c in list_cases(db, today=today, **filters)]


def case_detail(db: Database, case_id: int, *, include_contacts: bool = False) -> dict[str, Any]:
    """One case with its document, findings, complaints, replies, attachments and trail.

    Keys: case, document (id, title, path, doc_number; or None), findings, complaints,
    feedback, attachments, actions — each a list of rows in the order they were made.
    """
    redact = redactor(db, include_contacts)
    case = get_case(db, case_id)
    document = None
    if case["document_id"]:
        doc = db.table("documents").get(case["document_id"])
        document = {
            "id": doc["id"],
            "title": redact.value(doc["title"]),
            "path": doc["path"],
            "doc_number": json.loads(doc["metadata"] or "{}").get("doc_number"),
        }

    def rows(table: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        sql = f"select * from {table} where case_id = ? order by id"
        return [redact.fields(r, keys) for r in db.query(sql, [case_id])]

    complaints = list(db.query("select * from complaints where case_id = ? order by id", [case_id]))
    return {
        "case": redact.fields(case, CASE_TEXT),
        "document": document,
        "findings": rows("findings", FINDING_TEXT),
        "complaints": [shown_complaint(c, redact, include_contacts) for c in complaints],
        "feedback": rows("feedback", FEEDBACK_TEXT),
        "attachments": rows("attachments", ATTACHMENT_TEXT),
        "actions": [redact.fields(a, ACTION_TEXT) for a in case_actions(db, case_id)],
    }
