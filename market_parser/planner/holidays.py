"""Market holidays by name: the phrases for them and the day each falls on.

A holiday is the day it falls on, not the weekday the exchange observes it:
the data layer says the market was closed and shows the session before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from market_parser.market_data.calendar import (
    MONDAY,
    THURSDAY,
    easter_sunday,
    nth_weekday,
)
from market_parser.planner.tables import Table

# Holidays by name, to the name an answer uses; the dates are computed from it.
HOLIDAYS: Table[str] = Table(
    {
        **dict.fromkeys(("new year's day", "new years day"), "New Year's Day"),
        **dict.fromkeys(
            ("martin luther king day", "martin luther king jr day", "mlk day"),
            "Martin Luther King Jr. Day",
        ),
        **dict.fromkeys(
            ("presidents day", "president's day", "washington's birthday"),
            "Washington's Birthday",
        ),
        "good friday": "Good Friday",
        "memorial day": "Memorial Day",
        **dict.fromkeys(
            ("independence day", "fourth of july", "the fourth of july"),
            "Independence Day",
        ),
        "labor day": "Labor Day",
        **dict.fromkeys(("thanksgiving", "thanksgiving day"), "Thanksgiving Day"),
        **dict.fromkeys(("christmas", "christmas day", "xmas"), "Christmas Day"),
        # Sessions, not holidays, but "Christmas Eve" must not read as Christmas.
        "christmas eve": "Christmas Eve",
        **dict.fromkeys(("new year's eve", "new years eve"), "New Year's Eve"),
    }
)

_DATES: dict[str, Callable[[int], date]] = {
    "New Year's Day": lambda year: date(year, 1, 1),
    "Martin Luther King Jr. Day": lambda year: nth_weekday(year, 1, MONDAY, 3),
    "Washington's Birthday": lambda year: nth_weekday(year, 2, MONDAY, 3),
    "Good Friday": lambda year: easter_sunday(year) - timedelta(days=2),
    "Memorial Day": lambda year: nth_weekday(year, 5, MONDAY, -1),
    "Independence Day": lambda year: date(year, 7, 4),
    "Labor Day": lambda year: nth_weekday(year, 9, MONDAY, 1),
    "Thanksgiving Day": lambda year: nth_weekday(year, 11, THURSDAY, 4),
    "Christmas Eve": lambda year: date(year, 12, 24),
    "Christmas Day": lambda year: date(year, 12, 25),
    "New Year's Eve": lambda year: date(year, 12, 31),
}


def day_of(name: str, year: int) -> date:
    """Return the day the holiday called ``name`` falls on in ``year``."""
    return _DATES[name](year)


def nearest(name: str, today: date, forward: bool) -> date:
    """Return the holiday's latest day on or before ``today``.

    With ``forward`` (a question that looks ahead) it is instead the first
    on or after ``today``.
    """
    year = today.year
    if forward and day_of(name, year) < today:
        year += 1
    elif not forward and day_of(name, year) > today:
        year -= 1

    return day_of(name, year)
