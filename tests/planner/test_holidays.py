"""Tests for holidays by name and the day each falls on."""

from __future__ import annotations

from datetime import date

import pytest

from market_parser.planner import holidays, timephrases
from market_parser.planner.tokens import tokenize
from tests.planner.spans import d, span_of

FRIDAY = date(2013, 3, 1)


@pytest.mark.parametrize(
    ("phrase", "today", "forward", "day", "label"),
    [
        ("Christmas 2012", FRIDAY, False, "2012-12-25", "Christmas Day 2012"),
        ("Christmas of 2011", FRIDAY, False, "2011-12-25", "Christmas Day 2011"),
        ("Christmas", FRIDAY, False, "2012-12-25", "Christmas Day 2012"),
        ("Christmas", FRIDAY, True, "2013-12-25", "Christmas Day 2013"),
        ("New Year's Day", FRIDAY, False, "2013-01-01", "New Year's Day 2013"),
        ("Independence Day", FRIDAY, False, "2012-07-04", "Independence Day 2012"),
        ("Thanksgiving", FRIDAY, False, "2012-11-22", "Thanksgiving Day 2012"),
        ("Thanksgiving 2013", FRIDAY, False, "2013-11-28", "Thanksgiving Day 2013"),
        ("Good Friday", FRIDAY, False, "2012-04-06", "Good Friday 2012"),
        ("Good Friday", FRIDAY, True, "2013-03-29", "Good Friday 2013"),
        ("Memorial Day 2012", FRIDAY, False, "2012-05-28", "Memorial Day 2012"),
        ("Christmas Eve 2012", FRIDAY, False, "2012-12-24", "Christmas Eve 2012"),
    ],
)
def test_holidays_by_name(
    phrase: str, today: date, forward: bool, day: str, label: str
) -> None:
    """A holiday without a year is the nearest one; the label names the year."""
    span = span_of(phrase, today, forward)
    assert (span.start, span.end, span.is_day) == (d(day), d(day), True)
    assert span.label == label


def test_every_holiday_name_has_a_date_rule() -> None:
    """Each holiday the lexicon names can be placed on the calendar."""
    for name in holidays.HOLIDAYS.values():
        assert timephrases.match(tokenize(name), 0, FRIDAY) is not None, name


@pytest.mark.parametrize(
    ("name", "year", "day"),
    [
        ("Martin Luther King Jr. Day", 2013, "2013-01-21"),
        ("Washington's Birthday", 2013, "2013-02-18"),
        ("Good Friday", 2013, "2013-03-29"),
        ("Memorial Day", 2013, "2013-05-27"),
        ("Labor Day", 2012, "2012-09-03"),
        ("Thanksgiving Day", 2012, "2012-11-22"),
        ("Independence Day", 2010, "2010-07-04"),
    ],
)
def test_day_of_is_the_day_the_holiday_falls_on(name: str, year: int, day: str) -> None:
    """A holiday is the day its rule gives, even a Sunday the exchange moves."""
    assert holidays.day_of(name, year) == d(day)


@pytest.mark.parametrize(
    ("today", "forward", "day"),
    [
        (FRIDAY, False, "2012-12-25"),
        (FRIDAY, True, "2013-12-25"),
        (date(2012, 12, 25), False, "2012-12-25"),
        (date(2012, 12, 25), True, "2012-12-25"),
    ],
)
def test_nearest_counts_today_either_way(today: date, forward: bool, day: str) -> None:
    """The nearest Christmas is on or before today, or looking ahead on or after it."""
    assert holidays.nearest("Christmas Day", today, forward) == d(day)
