"""The NYSE trading calendar, computed by rule, and modeled option expiration days.

Holidays follow the exchange's rules as they stand since 1998 (when Martin Luther
King Jr. Day was added): a holiday on a Sunday is observed the Monday after, one
on a Saturday the Friday before, except New Year's Day, which the NYSE does not
move back into the old year. Juneteenth counts from 2022, its first year on the
NYSE calendar. Closures no rule predicts are listed in `UNSCHEDULED_CLOSURES`.
Early (1 p.m.) closes are sessions like any other here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

MONDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = 0, 3, 4, 5, 6

# Closures no rule predicts, from the offline data's first year onward.
UNSCHEDULED_CLOSURES: dict[date, str] = {
    date(2001, 9, 11): "September 11 attacks",
    date(2001, 9, 12): "September 11 attacks",
    date(2001, 9, 13): "September 11 attacks",
    date(2001, 9, 14): "September 11 attacks",
    date(2004, 6, 11): "National Day of Mourning for President Reagan",
    date(2007, 1, 2): "National Day of Mourning for President Ford",
    date(2012, 10, 29): "Hurricane Sandy",
    date(2012, 10, 30): "Hurricane Sandy",
    date(2018, 12, 5): "National Day of Mourning for President George H. W. Bush",
    date(2025, 1, 9): "National Day of Mourning for President Carter",
}


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday, by the anonymous Gregorian computus."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)

    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday is 0) of a month; ``n=-1`` is the last one."""
    if n > 0:
        first = date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (n - 1))
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    offset = (last.weekday() - weekday) % 7

    return last - timedelta(days=offset + 7 * (-n - 1))


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month: the standard monthly option expiration."""
    return nth_weekday(year, month, FRIDAY, 3)


def _observed(day: date) -> date:
    """Move a holiday off a weekend: Saturday to Friday, Sunday to Monday."""
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == SUNDAY:
        return day + timedelta(days=1)
    return day


@cache
def nyse_holidays(year: int) -> Mapping[date, str]:
    """The rule-based NYSE full-day holidays of a year, as observed, with names."""
    holidays = {
        nth_weekday(year, 1, MONDAY, 3): "Martin Luther King Jr. Day",
        nth_weekday(year, 2, MONDAY, 3): "Washington's Birthday",
        easter_sunday(year) - timedelta(days=2): "Good Friday",
        nth_weekday(year, 5, MONDAY, -1): "Memorial Day",
        _observed(date(year, 7, 4)): "Independence Day",
        nth_weekday(year, 9, MONDAY, 1): "Labor Day",
        nth_weekday(year, 11, THURSDAY, 4): "Thanksgiving Day",
        _observed(date(year, 12, 25)): "Christmas Day",
    }
    # A Saturday New Year's Day is not observed on the Friday before: that
    # Friday closes the old year's books (NYSE Rule 7.2).
    new_year = date(year, 1, 1)
    if new_year.weekday() != SATURDAY:
        holidays[_observed(new_year)] = "New Year's Day"
    if year >= 2022:
        holidays[_observed(date(year, 6, 19))] = "Juneteenth"

    return MappingProxyType(dict(sorted(holidays.items())))


def closure_reason(day: date) -> str | None:
    """Why the exchange was closed on a weekday, or None when it was open."""
    if day.weekday() >= SATURDAY:
        return None
    return nyse_holidays(day.year).get(day) or UNSCHEDULED_CLOSURES.get(day)


def is_session(day: date) -> bool:
    """Whether the NYSE held a regular trading session on this day."""
    return day.weekday() < SATURDAY and closure_reason(day) is None


def next_session(day: date) -> date:
    """The first session strictly after ``day``."""
    day += timedelta(days=1)
    while not is_session(day):
        day += timedelta(days=1)
    return day


def previous_session(day: date) -> date:
    """The last session strictly before ``day``."""
    day -= timedelta(days=1)
    while not is_session(day):
        day -= timedelta(days=1)
    return day


def sessions_between(start: date, end: date) -> list[date]:
    """Every session in the closed range [start, end]."""
    days = []
    day = start
    while day <= end:
        if is_session(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def expiration_day(friday: date) -> date:
    """The day options nominally expiring on ``friday`` stop trading.

    When the Friday is a holiday (Good Friday, a Christmas or Independence Day
    observed on a Friday) expiration moves to the session before, a Thursday.
    """
    return friday if is_session(friday) else previous_session(friday)


def option_expirations(
    as_of: date,
    *,
    weeks: int = 5,
    months: int = 6,
    leap_years: int = 2,
) -> list[date]:
    """Model the expirations listed after the close of ``as_of``.

    The weekly Fridays of the next ``weeks`` weeks, the next ``months`` monthly
    third Fridays, and the January third Fridays of the next ``leap_years`` years
    (LEAPS), each moved off holidays by `expiration_day`. An expiration on
    ``as_of`` itself has already expired at its close. Until 2015 the official
    date of a monthly was the Saturday after the third Friday; this models the
    Friday, the last day it traded.
    """
    first_friday = as_of + timedelta(days=(FRIDAY - as_of.weekday()) % 7 or 7)
    weeklies = [first_friday + timedelta(weeks=n) for n in range(weeks)]
    leaps = [third_friday(as_of.year + n, 1) for n in range(1, leap_years + 1)]
    fridays = {*weeklies, *_monthlies_after(as_of, months), *leaps}

    return sorted({expiration_day(friday) for friday in fridays})


def _monthlies_after(as_of: date, count: int) -> list[date]:
    """The next ``count`` third Fridays whose expiration falls after ``as_of``."""
    fridays = []
    year, month = as_of.year, as_of.month
    while len(fridays) < count:
        friday = third_friday(year, month)
        if expiration_day(friday) > as_of:
            fridays.append(friday)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return fridays
