"""Report drafts from the ledger: 自查整改报告, 典型案例通报, 工作台账, 效能评估 statistics."""

from .ledger_table import write_ledger_table
from .notice import write_notice
from .queries import COMPLAINT_REPLY_DAYS, DEFINITIONS, Period, Scope, Written, parse_period
from .selfcheck import write_self_inspection
from .stats import write_stats

__all__ = [
    "COMPLAINT_REPLY_DAYS",
    "DEFINITIONS",
    "Period",
    "Scope",
    "Written",
    "parse_period",
    "write_ledger_table",
    "write_notice",
    "write_self_inspection",
    "write_stats",
]
