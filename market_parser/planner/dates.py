"""Read dates named on the calendar: written dates, months, years, quarters, holidays.

A date without a year ("February 15"), a month ("February") or a quarter
("Q1") is the latest such one on or before today, or with ``forward``
(options questions, which look ahead) the first on or after today.
"""

from __future__ import annotations

from datetime import date, timedelta

from market_parser.planner import holidays
from market_parser.planner import lexicon as lx
from market_parser.planner.holidays import HOLIDAYS
from market_parser.planner.spans import (
    Context,
    Match,
    Span,
    Tokens,
    int_at,
    is_year,
    month_end,
    norm_at,
    shift_months,
    year_after,
    year_at,
)
from market_parser.planner.tokens import DateParts


def read_quarter(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read "Q4 2012", "the fourth quarter of 2012", "4th qtr", "Q1"."""
    if norm_at(tokens, i) == "q":
        number = int_at(tokens, i + 1)
    elif norm_at(tokens, i + 1) in ("quarter", "qtr"):
        number = lx.QUARTER_ORDINALS.get(norm_at(tokens, i) or "") or int_at(tokens, i)
    else:
        return None
    if number is None or not 1 <= number <= 4:
        return None
    year, j = year_after(tokens, i + 2)
    first = date(year or ctx.today.year, 3 * number - 2, 1)
    if year is None and ctx.forward and shift_months(first, 3) <= ctx.today:
        first = shift_months(first, 12)
    elif year is None and not ctx.forward and first > ctx.today:
        first = shift_months(first, -12)
    end = shift_months(first, 3) - timedelta(days=1)
    if not ctx.forward and first <= ctx.today:
        end = min(end, ctx.today)

    return Span(first, end, f"Q{number} {first.year}", "quarter"), j - i


def read_holiday(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read "Christmas 2012", "Thanksgiving": without a year, the nearest one."""
    found = HOLIDAYS.match(tokens, i)
    if found is None:
        return None
    name, size = found
    year, j = year_after(tokens, i + size)
    if year is None:
        day = holidays.nearest(name, ctx.today, ctx.forward)
    else:
        day = holidays.day_of(name, year)

    return Span(day, day, f"{name} {day.year}", "day"), j - i


def read_date(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read a written date ("Feb 15 2013", "2013-02-15") or a month."""
    written = written_date(tokens, i)
    if written is None:
        return read_month(tokens, i, ctx)
    day = resolve_date(written[0], ctx)
    return (_day_span(day), written[1]) if day else None


def written_date(tokens: Tokens, i: int) -> tuple[DateParts, int] | None:
    """Read a date by its shape, whether or not the calendar has that day.

    The shapes are a numeric date, "Feb 15 2013" and "15th of February 2013".
    """
    token = tokens[i] if 0 <= i < len(tokens) else None
    if token is not None and token.kind == "date":
        return token.value, 1
    month = lx.MONTHS.get(norm_at(tokens, i) or "")
    if month is not None:
        number = _day_number(tokens, i + 1)
        year = year_at(tokens, i + 2)
        return (DateParts(year, month, number), 3 if year else 2) if number else None
    number = _day_number(tokens, i)
    j = i + 2 if norm_at(tokens, i + 1) == "of" else i + 1
    month = lx.MONTHS.get(norm_at(tokens, j) or "")
    if number is None or month is None:
        return None
    year = year_at(tokens, j + 1)

    return DateParts(year, month, number), j + (2 if year else 1) - i


def _day_number(tokens: Tokens, i: int) -> int | None:
    number = int_at(tokens, i)
    return number if number is not None and 1 <= number <= 31 else None


def read_month(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read a month: "February 2013", or "February" in the nearest year."""
    month = lx.MONTHS.get(norm_at(tokens, i) or "")
    if month is None:
        return None
    number = int_at(tokens, i + 1)
    if number is not None and is_year(number):
        return _month_span(number, month, ctx), 2
    if tokens[i].norm == "may" and norm_at(tokens, i - 1) not in lx.MONTH_LEADS:
        return None
    year = _month_year(month, ctx)

    return _month_span(year, month, ctx), 1


def read_year(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read a year after a word that leads one ("in 2012"); a bare 2012 is a number."""
    number = int_at(tokens, i)
    if number is None or not is_year(number):
        return None
    if norm_at(tokens, i - 1) not in lx.YEAR_LEADS:
        return None
    end = date(number, 12, 31)
    if not ctx.forward:
        end = min(end, ctx.today)

    return Span(date(number, 1, 1), end, str(number), "year"), 1


def resolve_date(parts: DateParts, ctx: Context) -> date | None:
    """Return the date, choosing the year by direction when none was written."""
    try:
        if parts.year is not None:
            return date(parts.year, parts.month, parts.day)
        day = date(ctx.today.year, parts.month, parts.day)
        if ctx.forward and day < ctx.today:
            return date(day.year + 1, day.month, day.day)
        if not ctx.forward and day > ctx.today:
            return date(day.year - 1, day.month, day.day)
    except ValueError:  # February 30th, or February 29th in a common year
        return None
    return day


def _day_span(day: date) -> Span:
    return Span(day, day, day.isoformat(), "day")


def _month_year(month: int, ctx: Context) -> int:
    if ctx.forward:
        return ctx.today.year + (month < ctx.today.month)
    return ctx.today.year - (month > ctx.today.month)


def _month_span(year: int, month: int, ctx: Context) -> Span:
    end = month_end(year, month)
    if not ctx.forward:
        end = min(end, ctx.today)
    label = f"{lx.MONTH_NAMES[month - 1]} {year}"

    return Span(date(year, month, 1), end, label, "month")
