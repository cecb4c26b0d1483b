"""Working-day arithmetic for ledger deadlines: weekends, public holidays and 调休 make-up days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class WorkCalendar:
    """Weekends are rest days except listed make-up workdays; listed holidays are rest days."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # 调休上班的周末

    @classmethod
    def of(
        cls, holidays: Iterable[str | dt.date] = (), workdays: Iterable[str | dt.date] = ()
    ) -> WorkCalendar:
        return cls(
            frozenset(parse_date(d) for d in holidays), frozenset(parse_date(d) for d in workdays)
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
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
