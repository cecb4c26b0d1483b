"""Working-day arithmetic for ledger deadlines: weekends, public holidays and 调休 make-up days.

The public holidays and make-up working days are those the State Council publishes each year
(国务院办公厅关于部分节假日安排的通知), as packaged by ``chinese-calendar`` for the years it
covers (2004 to the last year it was released for). Days listed in the ledger's calendar
(``screening ledger holidays add``) override it — a local arrangement, a correction, or a year
the package does not cover yet; in such a year only weekends and the listed days count.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar

from ..errors import InvalidValueError

DEFAULT_VERIFY_DAYS = 3  # 核查期限：默认 3 个工作日


def parse_date(value: str | dt.date, field_name: str = "日期") -> dt.date:
    """An ISO ``YYYY-MM-DD`` date, or a Chinese error saying how to write one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidValueError(
            field=field_name, value=value, hint="请使用 YYYY-MM-DD 格式，例如 2026-03-31。"
        ) from None


@functools.lru_cache(maxsize=8192)
def official_workday(day: dt.date) -> bool | None:
    """Whether ``day`` is a working day under the published national arrangement (public
    holidays rest, 调休 weekend days work); None for a year ``chinese-calendar`` does not cover."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year outside the package's data
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """Listed make-up workdays work and listed holidays rest; other days follow the national
    arrangement (``official``, for the years it covers), else Monday–Friday work."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # 调休上班的周末
    official: bool = True  # False: weekends and the listed days only

    @classmethod
    def of(
        cls,
        holidays: Iterable[str | dt.date] = (),
        workdays: Iterable[str | dt.date] = (),
        *,
        official: bool = True,
    ) -> WorkCalendar:
        return cls(
            frozenset(parse_date(d) for d in holidays),
            frozenset(parse_date(d) for d in workdays),
            official,
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if self.official:
            ruled = official_workday(day)
            if ruled is not None:
                return ruled
        return day.weekday() < 5

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 0:
            raise InvalidValueError(field="工作日天数", value=n, hint="请填写不小于 0 的整数。")
        day = start
        remaining = n
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count
