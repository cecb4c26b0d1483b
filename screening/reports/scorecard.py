"""Per-department scorecard for 效能评估 and 激励 spot checks: one row of figures per department."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlite_utils import Database

from .charts import bar_chart
from .queries import Figures, Snapshot, figures

# (column header, DOCX width in mm, figure key, DOCX header with its line break)
SCORE_COLUMNS = (
    ("部门", 40, "", "部门"),
    ("审查文件", 18, "documents.total", "审查\n文件"),
    ("疑似问题条款", 20, "findings.total", "疑似问\n题条款"),
    ("认定违规", 18, "cases.confirmed", "认定\n违规"),
    ("按期整改率", 20, "rectify.on_time_rate", "按期\n整改率"),
    ("逾期未办结", 18, "overdue.total", "逾期\n未办结"),
    ("投诉举报按期答复率", 22, "complaints.on_time_rate", "投诉举报\n按期答复率"),
)
TOTAL = "合计"


def dept_prefix(name: str) -> str:
    return f"dept[{name}]."


def scorecard_table(rows: list[list[str]]) -> tuple[list[list[str]], list[float]]:
    """The DOCX table: two-line headers, then the rows; and the column widths in mm."""
    return [[c[3] for c in SCORE_COLUMNS], *rows], [c[1] for c in SCORE_COLUMNS]


def scorecard(db: Database, snap: Snapshot) -> tuple[list[list[str]], Figures]:
    """Rows (department, then the printed figures) with a 合计 row, and all their figures."""
    all_figs = Figures()
    rows = []
    for name in [*snap.departments(db), TOTAL]:
        prefix = "total." if name == TOTAL else dept_prefix(name)
        figs = figures(snap, None if name == TOTAL else name, prefix)
        all_figs.merge(figs)
        rows.append([name, *(figs[prefix + key].text() for _, _, key, _ in SCORE_COLUMNS[1:])])
    return rows, all_figs


def _series(
    names: Sequence[str], figs: Figures, columns: Sequence[int]
) -> dict[str, list[float | None]]:
    return {
        SCORE_COLUMNS[i][0]: [figs[dept_prefix(n) + SCORE_COLUMNS[i][2]].value for n in names]
        for i in columns
    }


def scorecard_chart(path: Path, names: Sequence[str], figs: Figures) -> tuple[Path, str | None]:
    """Counts per department: findings, confirmed, overdue."""
    series = _series(names, figs, (2, 3, 5))
    return bar_chart(path, names, series, title="各部门问题发现、认定和逾期情况")


def rates_chart(path: Path, names: Sequence[str], figs: Figures) -> tuple[Path, str | None]:
    """On-time rates per department (— where nothing was due)."""
    series = _series(names, figs, (4, 6))
    title = "各部门按期整改率和投诉举报按期答复率"
    return bar_chart(path, names, series, title=title, percent=True)
