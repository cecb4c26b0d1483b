"""Working-day deadlines: weekends, the national holidays and 调休 make-up workdays (from
chinese-calendar), and the ledger's own list, which overrides them."""

from __future__ import annotations

import datetime as dt

import pytest

from screening import ledger as lg
from screening.errors import InvalidValueError
from screening.ledger.workdays import WorkCalendar, parse_date

D = dt.date.fromisoformat
# A configured calendar for the tests (a 国庆 week and its make-up Saturday, plus 元旦).
HOLIDAYS = [f"2026-10-0{i}" for i in range(1, 8)] + ["2027-01-01"]
MAKEUP = ["2026-10-10"]
CAL = WorkCalendar.of(HOLIDAYS, MAKEUP)


@pytest.mark.parametrize(
    ("start", "n", "cal", "expected"),
    [
        ("2026-03-02", 3, WorkCalendar(), "2026-03-05"),  # Monday → Thursday
        ("2026-03-05", 3, WorkCalendar(), "2026-03-10"),  # Thursday → skips the weekend
        ("2026-03-06", 3, WorkCalendar(), "2026-03-11"),  # Friday → Wednesday
        ("2026-03-07", 3, WorkCalendar(), "2026-03-11"),  # assigned on Saturday
        ("2026-03-08", 1, WorkCalendar(), "2026-03-09"),  # Sunday → Monday
        ("2026-03-02", 0, WorkCalendar(), "2026-03-02"),
        ("2026-03-02", 10, WorkCalendar(), "2026-03-16"),
        ("2026-09-30", 3, CAL, "2026-10-10"),  # holidays skipped, make-up Saturday counts
        ("2026-09-29", 1, CAL, "2026-09-30"),
        ("2026-09-30", 1, CAL, "2026-10-08"),
        ("2026-10-09", 1, CAL, "2026-10-10"),
        ("2026-10-10", 1, CAL, "2026-10-12"),  # Sunday 10-11 is still a rest day
        ("2026-12-31", 1, CAL, "2027-01-04"),  # 元旦 Friday, then the weekend
        ("2026-12-31", 1, WorkCalendar(), "2027-01-01"),  # without the holiday list
    ],
)
def test_add_workdays(start, n, cal, expected):
    assert cal.add_workdays(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-10-01", False), ("2026-10-10", True), ("2026-10-11", False), ("2026-10-08", True)],
)
def test_is_workday(day, expected):
    assert CAL.is_workday(D(day)) is expected


def test_workdays_between():
    assert CAL.workdays_between(D("2026-09-30"), D("2026-10-10")) == 3
    assert CAL.workdays_between(D("2026-10-10"), D("2026-09-30")) == -3


@pytest.mark.parametrize("bad", ["2026/03/02", "三月二日", "2026-02-30", ""])
def test_bad_dates_are_chinese_errors(bad):
    with pytest.raises(InvalidValueError, match="YYYY-MM-DD"):
        parse_date(bad, "核查期限")


def test_negative_days_refused():
    with pytest.raises(InvalidValueError, match="不小于 0"):
        WorkCalendar().add_workdays(D("2026-03-02"), -1)


def test_assign_uses_ledger_calendar():
    db = lg.open_ledger()
    lg.add_department(db, "县发展和改革局")
    for day in HOLIDAYS:
        lg.set_calendar_day(db, day, workday=False, note="国庆")
    lg.set_calendar_day(db, MAKEUP[0], workday=True, note="调休")
    a = lg.create_case(db, source="效能评估", title="评估发现", operator="甲")
    b = lg.create_case(db, source="效能评估", title="评估发现二", operator="甲")
    case = lg.assign(
        db, a, department="县发展和改革局", assignee="李四", operator="甲", today=D("2026-09-30")
    )
    assert case["verify_deadline"] == "2026-10-10"
    case = lg.assign(
        db,
        b,
        department="县发展和改革局",
        assignee="李四",
        operator="甲",
        today=D("2026-09-30"),
        days=5,
    )
    assert case["verify_deadline"] == "2026-10-13"  # 10-08, 09, 10(调休), 12, 13
    case = lg.assign(
        db, b, department="县发展和改革局", assignee="王五", operator="甲", deadline="2026-10-20"
    )
    assert case["verify_deadline"] == "2026-10-20"


# --- the national arrangement (chinese-calendar) and the ledger's overrides ------------------

OFFICIAL = WorkCalendar()  # nothing listed in the ledger: the published arrangement


@pytest.mark.parametrize(
    ("day", "expected", "why"),
    [
        ("2026-10-01", False, "国庆节"),
        ("2026-10-07", False, "国庆节假期最后一天（周三）"),
        ("2026-10-08", True, "节后第一个工作日"),
        ("2026-10-10", True, "国庆调休上班的周六"),
        ("2026-09-20", True, "国庆调休上班的周日"),
        ("2026-10-11", False, "普通周日"),
        ("2025-10-08", False, "2025 年国庆中秋连休"),
        ("2025-09-28", True, "2025 年国庆调休上班的周日"),
        ("2025-10-11", True, "2025 年国庆调休上班的周六"),
        ("2026-01-01", False, "元旦"),
        ("2026-01-04", True, "元旦调休上班的周日"),
        ("2026-03-02", True, "普通周一"),
        ("2026-03-07", False, "普通周六"),
    ],
)
def test_official_holidays_and_makeup_days(day, expected, why):
    assert OFFICIAL.is_workday(D(day)) is expected, why


@pytest.mark.parametrize(
    ("cal", "day", "expected"),
    [
        (WorkCalendar.of(holidays=["2026-10-10"]), "2026-10-10", False),  # ledger: rest after all
        (WorkCalendar.of(workdays=["2026-10-03"]), "2026-10-03", True),  # ledger: work on 国庆
        (WorkCalendar.of(holidays=["2026-03-02"]), "2026-03-02", False),  # a local holiday
        (WorkCalendar.of(holidays=["2026-03-02"]), "2026-03-03", True),
        # a year chinese-calendar does not cover: weekends and the ledger's days only
        (OFFICIAL, "2027-01-01", True),  # a Friday; 2027's arrangement is not in the package
        (OFFICIAL, "2027-01-02", False),
        (WorkCalendar.of(holidays=["2027-01-01"]), "2027-01-01", False),
        (WorkCalendar.of(workdays=["2027-01-02"]), "2027-01-02", True),
        (OFFICIAL, "2003-10-01", True),  # before the package's first year: a plain Wednesday
        # official=False: weekends and the listed days only, as before
        (WorkCalendar(official=False), "2026-10-01", True),
        (WorkCalendar(official=False), "2026-10-10", False),
    ],
)
def test_ledger_days_override_and_uncovered_years_fall_back(cal, day, expected):
    assert cal.is_workday(D(day)) is expected


def test_official_workday_says_when_a_year_is_not_covered():
    from screening.ledger.workdays import official_workday

    assert official_workday(D("2026-10-01")) is False
    assert official_workday(D("2026-10-10")) is True
    assert official_workday(D("2027-06-01")) is None


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-09-30", 3, "2026-10-10"),  # the 国庆 week skipped, the make-up Saturday counts
        ("2026-09-18", 1, "2026-09-20"),  # Friday → the make-up Sunday
        ("2025-09-30", 1, "2025-10-09"),  # 2025 国庆中秋: eight days off
        ("2025-12-31", 1, "2026-01-04"),  # 元旦 then the make-up Sunday
        ("2026-12-31", 1, "2027-01-01"),  # into a year not covered: weekends only
    ],
)
def test_deadlines_follow_the_official_arrangement_by_default(start, n, expected):
    assert OFFICIAL.add_workdays(D(start), n) == D(expected)


def test_assign_on_an_empty_ledger_calendar_skips_national_holidays():
    """No day registered with ``ledger holidays add``: the 国庆 week still does not count."""
    db = lg.open_ledger()
    lg.add_department(db, "县发展和改革局")
    a = lg.create_case(db, source="效能评估", title="评估发现", operator="甲")
    case = lg.assign(
        db, a, department="县发展和改革局", assignee="李四", operator="甲", today=D("2026-09-30")
    )
    assert case["verify_deadline"] == "2026-10-10"  # weekends only would give 2026-10-05
    lg.set_calendar_day(db, "2026-10-10", workday=False, note="本地安排：不调休")
    b = lg.create_case(db, source="效能评估", title="评估发现二", operator="甲")
    case = lg.assign(
        db, b, department="县发展和改革局", assignee="李四", operator="甲", today=D("2026-09-30")
    )
    assert case["verify_deadline"] == "2026-10-12"  # the ledger's entry wins
