"""Read time phrases ("last week", "past 3 months", "Feb 15") as calendar spans.

Everything is measured from ``today``, the data's latest trading day. The
choices, where English is ambiguous:

- "last week", "last month", "last year" name the previous calendar unit (last
  week is its Monday to Friday); "past week", "past month" and any phrase with a
  count ("last 3 months") name a rolling stretch that ends today.
- "this week/month/year" runs from the unit's first day to today.
- A count of days under a week ("last 5 days") and any count of sessions or
  trading days counts trading sessions (``trading_days``); "past 7 days" and
  longer counts are calendar days, as people use them for weeks and months.
- "yesterday" is the previous weekday, "the day before yesterday" the one
  before that, and "tomorrow" the next weekday; holidays are left to the data
  layer.
- "Q4 2012" and "the fourth quarter of 2012" are that calendar quarter; "Q1"
  with no year is the latest one that has started, cut off at today.
- "all time", "since IPO" run from `EARLIEST` to today; the data layer clips
  the start to its first day.
- A holiday by name ("Christmas 2012", "Thanksgiving") is the day it falls on,
  not the day the exchange observes it.
- "last Friday" is the latest Friday before today, "next Friday" the first
  Friday after today (on Friday 2013-03-01: 2013-02-22 and 2013-03-08), "this
  Friday" the Friday of the current week, "previous week's Friday" the Friday of
  last week.
- A bare weekday ("on Tuesday") or a date without a year ("February 15") is the
  latest such day on or before today, or with ``forward`` (options questions,
  which look ahead) the first on or after today.

Dates named on the calendar are read in `dates`; the `Span` type and the
calendar steps are in `spans`, and stay importable from here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from market_parser.planner import lexicon as lx
from market_parser.planner.dates import (
    read_date,
    read_holiday,
    read_quarter,
    read_year,
    resolve_date,
    written_date,
)
from market_parser.planner.spans import (
    Context,
    Match,
    Rule,
    Span,
    Tokens,
    count_at,
    int_at,
    is_year,
    monday_of,
    next_weekday,
    norm_at,
    previous_weekday,
    shift_months,
    spell,
    weekdays_back,
)
from market_parser.planner.tokens import tokenize

_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
# "All time" starts before any data; the data layer clips it to what it has.
EARLIEST = date(1970, 1, 1)

_ALIAS_LABELS = {
    "ytd": "year to date",
    "mtd": "month to date",
    "qtd": "quarter to date",
    "wtd": "week to date",
    "ttm": "trailing twelve months",
}


def match(tokens: Tokens, i: int, today: date, forward: bool = False) -> Match | None:
    """Return the span named by the phrase starting at ``tokens[i]`` and its length.

    A None in ``tokens`` is a word another rule already used; no phrase spans it.
    """
    ctx = Context(today, forward)
    for rule in _RULES:
        found = rule(tokens, i, ctx)
        if found is not None:
            return found
    return None


def named(phrase: str, today: date) -> Span:
    """Return the span a whole time phrase names ("past 52 weeks")."""
    found = match(tokenize(phrase), 0, today)
    if found is None:
        raise ValueError(f"{phrase!r} is not a time phrase")
    return found[0]


def impossible_date(tokens: Tokens, i: int, today: date) -> tuple[str, int] | None:
    """Return a written date the calendar does not have, as written, and its length.

    "2013-02-30" and "February 30" are dates by their shape, so they are
    reported to the user instead of being read as no date at all.
    """
    written = written_date(tokens, i)
    if written is None:
        return None
    if resolve_date(written[0], Context(today, forward=False)) is not None:
        return None
    return spell(tokens, i, i + written[1]), written[1]


def _relative(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    relative = lx.RELATIVES.get(norm_at(tokens, i) or "")
    if relative is None:
        return None
    j = i + 1
    count = count_at(tokens, j)
    if count is not None:
        j += count[1]
    unit = lx.UNITS.match(tokens, j)
    if unit is None:
        return None
    j += unit[1]
    number = count[0] if count else None
    span = _relative_span(relative, number, unit[0], ctx.today)
    weekday = lx.WEEKDAYS.get(norm_at(tokens, j) or "")
    if unit[0] == "week" and number is None and weekday is not None:
        day = monday_of(span.start) + timedelta(days=weekday)
        return Span(day, day, spell(tokens, i, j + 1), "weekday"), j + 1 - i

    return replace(span, label=spell(tokens, i, j)), j - i


def _relative_span(relative: str, count: int | None, unit: str, today: date) -> Span:
    if count is None and relative != "past":
        return _calendar(relative, unit, today)
    count = count or 1
    if relative == "next":
        return Span(today, _shift(today, count, unit), "", "rolling")
    if unit == "session" or (unit == "day" and count < 7):
        return Span(weekdays_back(today, count), today, "", "sessions", count)

    return Span(_shift(today, -count, unit), today, "", "rolling")


def _shift(day: date, count: int, unit: str) -> date:
    if unit in ("day", "session"):
        return day + timedelta(days=count)
    if unit == "week":
        return day + timedelta(weeks=count)
    return shift_months(day, count * _MONTHS_IN[unit])


def _calendar(relative: str, unit: str, today: date) -> Span:
    """Return the calendar unit before, containing or after today."""
    step = {"last": -1, "this": 0, "next": 1}[relative]
    if unit in ("day", "session"):
        if step == 0:
            return Span(today, today, "", "day")
        if step > 0:
            return Span(next_weekday(today), next_weekday(today), "", "day")
        return Span(weekdays_back(today, 1), today, "", "sessions", 1)
    if unit == "week":
        monday = monday_of(today) + timedelta(weeks=step)
        end = today if step == 0 else monday + timedelta(days=4)
        return Span(monday, end, "", "week")
    months = _MONTHS_IN[unit]
    first = date(today.year, (today.month - 1) // months * months + 1, 1)
    first = shift_months(first, step * months)
    last = shift_months(first, months) - timedelta(days=1)

    return Span(first, today if step == 0 else last, "", unit)


def _alias(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    found = lx.TIME_ALIASES.match(tokens, i)
    if found is None:
        return None
    (relative, count, unit), size = found
    span = _relative_span(relative, count, unit, ctx.today)
    label = _ALIAS_LABELS.get(norm_at(tokens, i) or "") or spell(tokens, i, i + size)

    return replace(span, label=label), size


def _ago(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    count = count_at(tokens, i, article=True)
    if count is None:
        return None
    unit = lx.UNITS.match(tokens, i + count[1])
    if unit is None or norm_at(tokens, i + count[1] + unit[1]) != "ago":
        return None
    day = _shift(ctx.today, -count[0], unit[0])
    size = count[1] + unit[1] + 1

    return Span(day, day, spell(tokens, i, i + size), "day"), size


def _day_word(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    found = lx.DAY_WORDS.match(tokens, i)
    if found is None:
        return None
    offset, size = found
    day = ctx.today
    step = next_weekday if offset > 0 else previous_weekday
    for _ in range(abs(offset)):
        day = step(day)

    return Span(day, day, spell(tokens, i, i + size), "day"), size


def _all_time(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    found = lx.ALL_TIME.match(tokens, i)
    if found is None:
        return None
    label, size = found
    return Span(EARLIEST, ctx.today, label, "range"), size


def _weekday(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    relative = lx.RELATIVES.get(norm_at(tokens, i) or "")
    j = i + 1 if relative else i
    if relative == "this" and norm_at(tokens, j) in ("coming", "upcoming"):
        relative, j = "next", j + 1
    weekday = lx.WEEKDAYS.get(norm_at(tokens, j) or "")
    if weekday is None:
        return None
    if relative is None and written_date(tokens, j + 1) is not None:
        # "Friday, February 15, 2013": the date says which Friday; the name
        # only repeats it (and a wrong name must not move the date).
        dated = read_date(tokens, j + 1, ctx)
        return (dated[0], j + 1 + dated[1] - i) if dated else None
    if relative is None:
        week = _week_after(tokens, j + 1, ctx)
        if week is not None:
            day = monday_of(week[0].start) + timedelta(days=weekday)
            return Span(day, day, spell(tokens, i, j + 1 + week[1]), "weekday"), (
                j + 1 + week[1] - i
            )
    day = _resolve_weekday(weekday, relative, ctx)

    return Span(day, day, spell(tokens, i, j + 1), "weekday"), j + 1 - i


def _week_after(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read "of last week" / "last week" after a weekday name."""
    j = i + 1 if norm_at(tokens, i) == "of" else i
    j = j + 1 if norm_at(tokens, j) == "the" else j
    relative = lx.RELATIVES.get(norm_at(tokens, j) or "")
    if relative is None or lx.UNITS.match(tokens, j + 1) != ("week", 1):
        return None
    return _calendar(relative if relative != "past" else "last", "week", ctx.today), (
        j + 2 - i
    )


def _resolve_weekday(weekday: int, relative: str | None, ctx: Context) -> date:
    today = ctx.today
    if relative == "this":
        return monday_of(today) + timedelta(days=weekday)
    if relative == "next":
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if relative in ("last", "past"):
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    if ctx.forward:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _point(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    """Read one end of a range: a date, a named day, a month or a relative unit."""
    for rule in _POINT_RULES:
        found = rule(tokens, i, ctx)
        if found is not None:
            return found
    number = int_at(tokens, i)
    if number is not None and is_year(number):
        end = date(number, 12, 31)
        return Span(date(number, 1, 1), end, str(number), "year"), 1
    return None


def _since(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    if norm_at(tokens, i) != "since":
        return None
    found = _point(tokens, i + 1, ctx)
    if found is None:
        return None
    span, size = found
    label = f"since {span.label}"

    return Span(span.start, ctx.today, label, "range"), size + 1


def _range(tokens: Tokens, i: int, ctx: Context) -> Match | None:
    lead = norm_at(tokens, i) in lx.RANGE_STARTS
    first = _point(tokens, i + lead, ctx)
    if first is None:
        return None
    j = i + lead + first[1]
    joiner = norm_at(tokens, j)
    if joiner not in lx.RANGE_JOINERS or (joiner == "and" and not lead):
        return None
    second = _point(tokens, j + 1, ctx)
    if second is None:
        return None
    start, end = first[0], second[0]
    label = f"{start.label} to {end.label}"
    size = j + 1 + second[1] - i

    last = end.end if ctx.forward else min(end.end, ctx.today)

    return Span(start.start, last, label, "range"), size


# Order matters where phrases overlap: "1 quarter ago" is not Q1, and "Good
# Friday" is not a Friday.
_POINT_RULES: tuple[Rule, ...] = (
    _relative,
    _alias,
    _ago,
    read_quarter,
    _day_word,
    read_holiday,
    _weekday,
    read_date,
)
_RULES: tuple[Rule, ...] = (_range, _all_time, _since, *_POINT_RULES, read_year)
