"""Console page: 工作台 — open cases, overdue items, complaints awaiting a reply, sweeps, unreadable
files, and (for the 发展改革局 / leaders) the 效能评估 figures of ``screening report stats``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from ...ledger.departments import list_departments
from ...ledger.overview import (
    OPEN_CASE_STATES,
    awaiting_reply,
    fingerprint,
    open_case_counts,
    overdue_cases,
)
from ...ledger.sweeps import STATUS_LABELS, list_sweeps, unreadable_files
from ...ledger.users import REVIEWER
from ...reports import Scope, parse_period
from ...reports.queries import snapshot
from ...reports.scorecard import SCORE_COLUMNS, TOTAL, dept_prefix, scorecard
from ..core import ALL, WORKERS, Ctx, page
from ..jobs import ACTIVE, KIND_LABELS

SHOWN_SWEEPS = 5
SHOWN_UNREADABLE = 20
SHOWN_OVERDUE = 30
# The scorecard columns drawn as bars: (column index in SCORE_COLUMNS, is a rate)
CHART_COLUMNS = ((2, False), (3, False), (5, False), (4, True), (6, True))


def stats_panel(db: Any, today: dt.date) -> dict[str, Any]:
    """The figures ``screening report stats`` prints for the open period up to ``today``:
    the same library calls (period, scope, snapshot, scorecard), shaped for HTML bars."""
    period = parse_period(None, until=today)
    snap = snapshot(db, Scope(period, today))
    rows, figs = scorecard(db, snap)
    departments = [r[0] for r in rows[:-1]]
    charts = []
    for index, is_rate in CHART_COLUMNS:
        label, _, key, _ = SCORE_COLUMNS[index]
        bars = []
        for name in departments:
            fig = figs[dept_prefix(name) + key]
            bars.append({"name": name, "value": fig.value, "text": fig.text()})
        top = 1.0 if is_rate else max([b["value"] or 0 for b in bars] + [1])
        total = figs["total." + key]
        charts.append(
            {"label": label, "rate": is_rate, "max": top, "bars": bars, "total": total.text()}
        )
    header = [c[0] for c in SCORE_COLUMNS]
    return {"label": period.label, "header": header, "rows": rows, "charts": charts, "total": TOTAL}


def cached_stats(ctx: Ctx, today: dt.date) -> dict[str, Any]:
    """``stats_panel`` of today, recomputed only when the rows it reads have changed (reading
    100,000 findings takes about a second; the fingerprint a few milliseconds)."""
    key = (today.isoformat(), fingerprint(ctx.db))
    cached = ctx.console.services.get("dashboard_stats")
    if cached is not None and cached[0] == key:
        return dict(cached[1])
    stats = stats_panel(ctx.db, today)
    ctx.console.services["dashboard_stats"] = (key, stats)
    return stats


def _recent_jobs(ctx: Ctx) -> list[dict[str, Any]]:
    """Jobs still queued or running (a reviewer sees the ones they submitted)."""
    sql = (
        "select id, kind, status, operator, total, done, created_at from jobs "
        "where status in (?, ?)"
    )
    args: list[Any] = list(ACTIVE)
    if ctx.user["role"] == REVIEWER:
        sql += " and user_id = ?"
        args.append(ctx.user["id"])
    rows = [dict(r) for r in ctx.db.query(sql + " order by id desc limit 10", args)]
    for r in rows:
        r["kind_label"] = KIND_LABELS.get(r["kind"], r["kind"])
    return rows


@page("/", roles=ALL)
def dashboard(ctx: Ctx) -> Response:
    today = dt.date.today()
    mine = ctx.departments
    counts = open_case_counts(ctx.db, mine)
    if mine is not None:
        departments = list(mine)
    else:
        registered = [d["name"] for d in list_departments(ctx.db)]
        departments = registered + sorted(n for n in counts if n not in registered)
    for name in departments:
        counts.setdefault(name, {})
    table = [
        {
            "name": name,
            "counts": [counts[name].get(s, 0) for s in OPEN_CASE_STATES],
            "total": sum(counts[name].values()),
        }
        for name in departments
    ]
    column_totals = [sum(row["counts"][i] for row in table) for i in range(len(OPEN_CASE_STATES))]
    overdue = overdue_cases(ctx.db, today, mine)
    sweeps = list_sweeps(ctx.db, limit=SHOWN_SWEEPS if mine is None else 50)
    unreadable = unreadable_files(ctx.db)
    if mine is not None:
        sweeps = [s for s in sweeps if s["department"] in mine][:SHOWN_SWEEPS]
        unreadable = [u for u in unreadable if u["department"] in mine]
    stats = cached_stats(ctx, today) if mine is None else None
    return ctx.render(
        "dashboard.html",
        title="工作台",
        today=today.isoformat(),
        states=OPEN_CASE_STATES,
        table=table,
        column_totals=column_totals,
        open_total=sum(column_totals),
        overdue=overdue[:SHOWN_OVERDUE],
        overdue_count=len(overdue),
        replies=awaiting_reply(ctx.db, mine),
        sweeps=sweeps,
        sweep_labels=STATUS_LABELS,
        unreadable=unreadable[:SHOWN_UNREADABLE],
        unreadable_count=len(unreadable),
        stats=stats,
        jobs=_recent_jobs(ctx),
        can_work=ctx.user["role"] in WORKERS,
    )
