"""The review ledger (工作台账): documents, findings, cases, their lifecycle and audit trail."""

from ..domain import CLASSES_1670, SOURCES, STATES
from .cases import (
    add_note,
    assign,
    case_actions,
    close,
    create_case,
    decide,
    get_case,
    list_cases,
    rectify,
    reopen,
    submit_review,
)
from .db import backup, damage, open_ledger, schema_version, set_calendar_day
from .departments import add_department, list_departments
from .intake import add_attachment, add_complaint, add_feedback
from .record import RecordResult, document_unchanged, record_findings
from .workdays import DEFAULT_VERIFY_DAYS, WorkCalendar

__all__ = [
    "CLASSES_1670",
    "DEFAULT_VERIFY_DAYS",
    "SOURCES",
    "STATES",
    "RecordResult",
    "WorkCalendar",
    "add_attachment",
    "add_complaint",
    "add_department",
    "add_feedback",
    "add_note",
    "assign",
    "backup",
    "case_actions",
    "close",
    "create_case",
    "damage",
    "decide",
    "document_unchanged",
    "get_case",
    "list_cases",
    "list_departments",
    "open_ledger",
    "record_findings",
    "rectify",
    "reopen",
    "schema_version",
    "set_calendar_day",
    "submit_review",
]
