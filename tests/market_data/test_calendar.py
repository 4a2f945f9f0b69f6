"""Tests for the rule-based NYSE calendar and the modeled expirations."""

from __future__ import annotations

import csv
import gzip
from datetime import date

import bokeh_sampledata
import pytest

from market_parser.market_data import calendar


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2011, date(2011, 4, 24)),
        (2013, date(2013, 3, 31)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday_matches_published_dates(year, easter):
    """The computus gives the published Easter dates, early and late ones included."""
    assert calendar.easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("year", "month", "friday"),
    [
        (2013, 2, date(2013, 2, 15)),
        (2013, 3, date(2013, 3, 15)),
        (2013, 11, date(2013, 11, 15)),
        (2014, 1, date(2014, 1, 17)),
        (2015, 1, date(2015, 1, 16)),
        (2024, 3, date(2024, 3, 15)),
        (2021, 10, date(2021, 10, 15)),
    ],
)
def test_third_friday(year, month, friday):
    """The third Friday is the standard monthly expiration day."""
    assert calendar.third_friday(year, month) == friday


def test_last_weekday_of_month():
    """``n=-1`` picks the last such weekday: Memorial Day 2013 and 2021."""
    assert calendar.nth_weekday(2013, 5, calendar.MONDAY, -1) == date(2013, 5, 27)
    assert calendar.nth_weekday(2021, 5, calendar.MONDAY, -1) == date(2021, 5, 31)


def test_holidays_of_2013():
    """2013's NYSE holidays, Good Friday on March 29 among them."""
    assert list(calendar.nyse_holidays(2013)) == [
        date(2013, 1, 1),
        date(2013, 1, 21),
        date(2013, 2, 18),
        date(2013, 3, 29),
        date(2013, 5, 27),
        date(2013, 7, 4),
        date(2013, 9, 2),
        date(2013, 11, 28),
        date(2013, 12, 25),
    ]
    assert calendar.nyse_holidays(2013)[date(2013, 3, 29)] == "Good Friday"


def test_good_friday_2024():
    """Good Friday 2024 fell on March 29 too, two days before Easter."""
    assert calendar.closure_reason(date(2024, 3, 29)) == "Good Friday"
    assert not calendar.is_session(date(2024, 3, 29))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2015, 7, 3), "Independence Day"),  # July 4 on a Saturday
        (date(2010, 7, 5), "Independence Day"),  # July 4 on a Sunday
        (date(2021, 12, 24), "Christmas Day"),  # December 25 on a Saturday
        (date(2022, 12, 26), "Christmas Day"),  # December 25 on a Sunday
        (date(2012, 1, 2), "New Year's Day"),  # January 1 on a Sunday
        (date(2022, 6, 20), "Juneteenth"),  # June 19 on a Sunday
        (date(2023, 6, 19), "Juneteenth"),
    ],
)
def test_weekend_holidays_are_observed_on_the_nearest_weekday(day, name):
    """A Saturday holiday closes the Friday before, a Sunday one the Monday after."""
    assert calendar.closure_reason(day) == name


def test_saturday_new_year_is_not_moved_into_the_old_year():
    """New Year's Day 2011 and 2022 fell on Saturdays; the Fridays before traded."""
    assert calendar.is_session(date(2010, 12, 31))
    assert calendar.is_session(date(2021, 12, 31))
    assert date(2022, 1, 1) not in calendar.nyse_holidays(2022)


def test_juneteenth_starts_in_2022():
    """Juneteenth 2021 (a Saturday) did not close the exchange on Friday the 18th."""
    assert calendar.is_session(date(2021, 6, 18))


def test_unscheduled_closures_are_not_sessions():
    """Hurricane Sandy and the September 11 closures count as closed days."""
    assert calendar.closure_reason(date(2012, 10, 29)) == "Hurricane Sandy"
    assert not calendar.is_session(date(2001, 9, 14))
    assert calendar.is_session(date(2001, 9, 17))


def test_weekends_have_no_closure_reason_but_no_session():
    """A Saturday is simply not a session; it is not reported as a holiday."""
    assert calendar.closure_reason(date(2013, 3, 2)) is None
    assert not calendar.is_session(date(2013, 3, 2))


def test_next_and_previous_session_skip_weekends_and_holidays():
    """Sessions step over weekends, Good Friday and Washington's Birthday."""
    assert calendar.next_session(date(2013, 3, 1)) == date(2013, 3, 4)
    assert calendar.next_session(date(2013, 3, 28)) == date(2013, 4, 1)
    assert calendar.previous_session(date(2013, 2, 19)) == date(2013, 2, 15)


def test_calendar_matches_every_session_in_the_sample_data():
    """The rule-based calendar reproduces the data set's trading days, 2000 to 2013."""
    path = bokeh_sampledata.package_path("stocks.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        days = [
            date.fromisoformat(row["Date"])
            for row in csv.DictReader(handle)
            if row["Ticker"] == "IBM"
        ]

    assert calendar.sessions_between(days[0], days[-1]) == days


@pytest.mark.parametrize(
    ("friday", "expiration"),
    [
        (date(2013, 3, 29), date(2013, 3, 28)),  # Good Friday
        (date(2024, 3, 29), date(2024, 3, 28)),  # Good Friday
        (date(2015, 7, 3), date(2015, 7, 2)),  # Independence Day observed
        (date(2013, 3, 15), date(2013, 3, 15)),
    ],
)
def test_expiration_moves_to_thursday_when_friday_is_a_holiday(friday, expiration):
    """Options nominally expiring on a holiday Friday expire the Thursday before."""
    assert calendar.expiration_day(friday) == expiration


def test_modeled_expirations_as_of_the_data_end():
    """After 2013-03-01: five weeklies, six monthlies and two January LEAPS."""
    assert calendar.option_expirations(date(2013, 3, 1)) == [
        date(2013, 3, 8),
        date(2013, 3, 15),
        date(2013, 3, 22),
        date(2013, 3, 28),
        date(2013, 4, 5),
        date(2013, 4, 19),
        date(2013, 5, 17),
        date(2013, 6, 21),
        date(2013, 7, 19),
        date(2013, 8, 16),
        date(2014, 1, 17),
        date(2015, 1, 16),
    ]


def test_expiration_on_the_as_of_day_has_already_expired():
    """On a monthly expiration day itself, the next weekly and monthly come first."""
    listed = calendar.option_expirations(date(2013, 3, 15), weeks=1, months=1)

    assert listed == [
        date(2013, 3, 22),
        date(2013, 4, 19),
        date(2014, 1, 17),
        date(2015, 1, 16),
    ]
