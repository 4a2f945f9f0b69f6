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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from market_parser.market_data.calendar import (
    MONDAY,
    THURSDAY,
    easter_sunday,
    nth_weekday,
)
from market_parser.planner import lexicon as lx
from market_parser.planner.tokens import DateParts, Token, tokenize

Shape = Literal[
    "day", "weekday", "week", "month", "quarter", "year", "rolling", "sessions", "range"
]
Tokens = Sequence[Token | None]
_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
# "All time" starts before any data; the data layer clips it to what it has.
EARLIEST = date(1970, 1, 1)

# Holidays on the day they fall, not the weekday the exchange observes them:
# the data layer says the market was closed and shows the session before.
_HOLIDAY_DATES: dict[str, Callable[[int], date]] = {
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

_ALIAS_LABELS = {
    "ytd": "year to date",
    "mtd": "month to date",
    "qtd": "quarter to date",
    "wtd": "week to date",
    "ttm": "trailing twelve months",
}


@dataclass(frozen=True)
class Span:
    """The calendar dates a time phrase names, and what kind of phrase it was."""

    start: date
    end: date
    label: str
    shape: Shape
    trading_days: int | None = None

    @property
    def is_day(self) -> bool:
        """Whether the phrase names one day rather than a stretch of days."""
        return self.shape in ("day", "weekday")


@dataclass(frozen=True)
class _Context:
    today: date
    forward: bool


Match = tuple[Span, int]


def match(tokens: Tokens, i: int, today: date, forward: bool = False) -> Match | None:
    """Return the span named by the phrase starting at ``tokens[i]`` and its length.

    A None in ``tokens`` is a word another rule already used; no phrase spans it.
    """
    ctx = _Context(today, forward)
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
    written = _written_date(tokens, i)
    if written is None:
        return None
    if _resolve_date(written[0], _Context(today, forward=False)) is not None:
        return None
    return _label(tokens, i, i + written[1]), written[1]


def previous_weekday(day: date) -> date:
    """Return the last Monday-to-Friday date before ``day``."""
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def next_weekday(day: date) -> date:
    """Return the first Monday-to-Friday date after ``day``."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def weekdays_back(end: date, count: int) -> date:
    """Return the first of the ``count`` weekdays that end on or before ``end``."""
    day = end
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    for _ in range(count - 1):
        day = previous_weekday(day)
    return day


def shift_months(day: date, months: int) -> date:
    """Move ``day`` by whole months, clamping to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _month_end(year, month + 1).day))


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _norm(tokens: Tokens, i: int) -> str | None:
    if 0 <= i < len(tokens) and tokens[i] is not None:
        return tokens[i].norm
    return None


def _int(tokens: Tokens, i: int) -> int | None:
    token = tokens[i] if 0 <= i < len(tokens) else None
    if token is not None and token.is_number and isinstance(token.value, int):
        return token.value
    return None


def _count(tokens: Tokens, i: int, article: bool = False) -> tuple[int, int] | None:
    """Read a count ("5", "five", "a couple of"); ``article`` admits "a" as one."""
    start = i
    if _norm(tokens, i) in ("a", "an") and _norm(tokens, i + 1) in ("couple", "few"):
        i += 1
    value = _int(tokens, i)
    if value is None:
        value = lx.NUMBER_WORDS.get(_norm(tokens, i) or "")
    if value is None and article and _norm(tokens, i) in ("a", "an"):
        value = 1
    if value is None or value < 1:
        return None
    i += 1
    if _norm(tokens, i) == "of":
        i += 1
    return value, i - start


def _label(tokens: Tokens, start: int, end: int) -> str:
    """Spell the words of a phrase back, with calendar names capitalised."""
    words = []
    for token in tokens[start:end]:
        word = token.norm
        if word in lx.WEEKDAYS:
            word = lx.WEEKDAY_NAMES[lx.WEEKDAYS[word]]
        elif word in lx.MONTHS:
            word = lx.MONTH_NAMES[lx.MONTHS[word] - 1]
        words.append(word + ("'s" if token.possessive else ""))
    return " ".join(words)


def _relative(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    relative = lx.RELATIVES.get(_norm(tokens, i) or "")
    if relative is None:
        return None
    j = i + 1
    count = _count(tokens, j)
    if count is not None:
        j += count[1]
    unit = lx.UNITS.match(tokens, j)
    if unit is None:
        return None
    j += unit[1]
    number = count[0] if count else None
    span = _relative_span(relative, number, unit[0], ctx.today)
    weekday = lx.WEEKDAYS.get(_norm(tokens, j) or "")
    if unit[0] == "week" and number is None and weekday is not None:
        day = _monday(span.start) + timedelta(days=weekday)
        return Span(day, day, _label(tokens, i, j + 1), "weekday"), j + 1 - i

    return replace(span, label=_label(tokens, i, j)), j - i


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
        monday = _monday(today) + timedelta(weeks=step)
        end = today if step == 0 else monday + timedelta(days=4)
        return Span(monday, end, "", "week")
    months = _MONTHS_IN[unit]
    first = date(today.year, (today.month - 1) // months * months + 1, 1)
    first = shift_months(first, step * months)
    last = shift_months(first, months) - timedelta(days=1)

    return Span(first, today if step == 0 else last, "", unit)


def _alias(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    found = lx.TIME_ALIASES.match(tokens, i)
    if found is None:
        return None
    (relative, count, unit), size = found
    span = _relative_span(relative, count, unit, ctx.today)
    label = _ALIAS_LABELS.get(_norm(tokens, i) or "") or _label(tokens, i, i + size)

    return replace(span, label=label), size


def _ago(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    count = _count(tokens, i, article=True)
    if count is None:
        return None
    unit = lx.UNITS.match(tokens, i + count[1])
    if unit is None or _norm(tokens, i + count[1] + unit[1]) != "ago":
        return None
    day = _shift(ctx.today, -count[0], unit[0])
    size = count[1] + unit[1] + 1

    return Span(day, day, _label(tokens, i, i + size), "day"), size


def _day_word(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    found = lx.DAY_WORDS.match(tokens, i)
    if found is None:
        return None
    offset, size = found
    day = ctx.today
    step = next_weekday if offset > 0 else previous_weekday
    for _ in range(abs(offset)):
        day = step(day)

    return Span(day, day, _label(tokens, i, i + size), "day"), size


def _quarter(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    """Read "Q4 2012", "the fourth quarter of 2012", "4th qtr", "Q1"."""
    if _norm(tokens, i) == "q":
        number = _int(tokens, i + 1)
    elif _norm(tokens, i + 1) in ("quarter", "qtr"):
        number = lx.QUARTER_ORDINALS.get(_norm(tokens, i) or "") or _int(tokens, i)
    else:
        return None
    if number is None or not 1 <= number <= 4:
        return None
    year, j = _year_after(tokens, i + 2)
    first = date(year or ctx.today.year, 3 * number - 2, 1)
    if year is None and ctx.forward and shift_months(first, 3) <= ctx.today:
        first = shift_months(first, 12)
    elif year is None and not ctx.forward and first > ctx.today:
        first = shift_months(first, -12)
    end = shift_months(first, 3) - timedelta(days=1)
    if not ctx.forward and first <= ctx.today:
        end = min(end, ctx.today)

    return Span(first, end, f"Q{number} {first.year}", "quarter"), j - i


def _holiday(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    """Read "Christmas 2012", "Thanksgiving": without a year, the nearest one.

    The nearest is the latest on or before today, or looking ahead, the first
    on or after today.
    """
    found = lx.HOLIDAYS.match(tokens, i)
    if found is None:
        return None
    name, size = found
    on = _HOLIDAY_DATES[name]
    year, j = _year_after(tokens, i + size)
    if year is None:
        year = ctx.today.year
        if ctx.forward and on(year) < ctx.today:
            year += 1
        elif not ctx.forward and on(year) > ctx.today:
            year -= 1
    day = on(year)

    return Span(day, day, f"{name} {year}", "day"), j - i


def _year_after(tokens: Tokens, i: int) -> tuple[int | None, int]:
    """Read an optional year after a name ("2012", "of 2012"), and where it ends."""
    j = i + 1 if _norm(tokens, i) == "of" else i
    year = _year_at(tokens, j)
    return (year, j + 1) if year is not None else (None, i)


def _all_time(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    found = lx.ALL_TIME.match(tokens, i)
    if found is None:
        return None
    label, size = found
    return Span(EARLIEST, ctx.today, label, "range"), size


def _weekday(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    relative = lx.RELATIVES.get(_norm(tokens, i) or "")
    j = i + 1 if relative else i
    if relative == "this" and _norm(tokens, j) in ("coming", "upcoming"):
        relative, j = "next", j + 1
    weekday = lx.WEEKDAYS.get(_norm(tokens, j) or "")
    if weekday is None:
        return None
    if relative is None and _written_date(tokens, j + 1) is not None:
        # "Friday, February 15, 2013": the date says which Friday; the name
        # only repeats it (and a wrong name must not move the date).
        dated = _explicit(tokens, j + 1, ctx)
        return (dated[0], j + 1 + dated[1] - i) if dated else None
    if relative is None:
        week = _week_after(tokens, j + 1, ctx)
        if week is not None:
            day = _monday(week[0].start) + timedelta(days=weekday)
            return Span(day, day, _label(tokens, i, j + 1 + week[1]), "weekday"), (
                j + 1 + week[1] - i
            )
    day = _resolve_weekday(weekday, relative, ctx)

    return Span(day, day, _label(tokens, i, j + 1), "weekday"), j + 1 - i


def _week_after(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    """Read "of last week" / "last week" after a weekday name."""
    j = i + 1 if _norm(tokens, i) == "of" else i
    j = j + 1 if _norm(tokens, j) == "the" else j
    relative = lx.RELATIVES.get(_norm(tokens, j) or "")
    if relative is None or lx.UNITS.match(tokens, j + 1) != ("week", 1):
        return None
    return _calendar(relative if relative != "past" else "last", "week", ctx.today), (
        j + 2 - i
    )


def _resolve_weekday(weekday: int, relative: str | None, ctx: _Context) -> date:
    today = ctx.today
    if relative == "this":
        return _monday(today) + timedelta(days=weekday)
    if relative == "next":
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if relative in ("last", "past"):
        return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
    if ctx.forward:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _explicit(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    written = _written_date(tokens, i)
    if written is None:
        return _month(tokens, i, ctx)
    day = _resolve_date(written[0], ctx)
    return (_day_span(day), written[1]) if day else None


def _written_date(tokens: Tokens, i: int) -> tuple[DateParts, int] | None:
    """Read a date by its shape, whether or not the calendar has that day.

    The shapes are a numeric date, "Feb 15 2013" and "15th of February 2013".
    """
    token = tokens[i] if 0 <= i < len(tokens) else None
    if token is not None and token.kind == "date":
        return token.value, 1
    month = lx.MONTHS.get(_norm(tokens, i) or "")
    if month is not None:
        number = _day_number(tokens, i + 1)
        year = _year_at(tokens, i + 2)
        return (DateParts(year, month, number), 3 if year else 2) if number else None
    number = _day_number(tokens, i)
    j = i + 2 if _norm(tokens, i + 1) == "of" else i + 1
    month = lx.MONTHS.get(_norm(tokens, j) or "")
    if number is None or month is None:
        return None
    year = _year_at(tokens, j + 1)

    return DateParts(year, month, number), j + (2 if year else 1) - i


def _day_number(tokens: Tokens, i: int) -> int | None:
    number = _int(tokens, i)
    return number if number is not None and 1 <= number <= 31 else None


def _month(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    """Read a month: "February 2013", or "February" in the nearest year."""
    month = lx.MONTHS.get(_norm(tokens, i) or "")
    if month is None:
        return None
    number = _int(tokens, i + 1)
    if number is not None and _is_year(number):
        return _month_span(number, month, ctx), 2
    if tokens[i].norm == "may" and _norm(tokens, i - 1) not in lx.MONTH_LEADS:
        return None
    year = _month_year(month, ctx)

    return _month_span(year, month, ctx), 1


def _year(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    number = _int(tokens, i)
    if number is None or not _is_year(number):
        return None
    if _norm(tokens, i - 1) not in lx.YEAR_LEADS:
        return None
    end = date(number, 12, 31)
    if not ctx.forward:
        end = min(end, ctx.today)

    return Span(date(number, 1, 1), end, str(number), "year"), 1


def _is_year(number: int) -> bool:
    return 1900 <= number <= 2100


def _year_at(tokens: Tokens, i: int) -> int | None:
    number = _int(tokens, i)
    return number if number is not None and _is_year(number) else None


def _resolve_date(parts: DateParts, ctx: _Context) -> date | None:
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


def _month_year(month: int, ctx: _Context) -> int:
    if ctx.forward:
        return ctx.today.year + (month < ctx.today.month)
    return ctx.today.year - (month > ctx.today.month)


def _month_span(year: int, month: int, ctx: _Context) -> Span:
    end = _month_end(year, month)
    if not ctx.forward:
        end = min(end, ctx.today)
    label = f"{lx.MONTH_NAMES[month - 1]} {year}"

    return Span(date(year, month, 1), end, label, "month")


def _point(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    """Read one end of a range: a date, a named day, a month or a relative unit."""
    for rule in _POINT_RULES:
        found = rule(tokens, i, ctx)
        if found is not None:
            return found
    number = _int(tokens, i)
    if number is not None and _is_year(number):
        end = date(number, 12, 31)
        return Span(date(number, 1, 1), end, str(number), "year"), 1
    return None


def _since(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    if _norm(tokens, i) != "since":
        return None
    found = _point(tokens, i + 1, ctx)
    if found is None:
        return None
    span, size = found
    label = f"since {span.label}"

    return Span(span.start, ctx.today, label, "range"), size + 1


def _range(tokens: Tokens, i: int, ctx: _Context) -> Match | None:
    lead = _norm(tokens, i) in lx.RANGE_STARTS
    first = _point(tokens, i + lead, ctx)
    if first is None:
        return None
    j = i + lead + first[1]
    joiner = _norm(tokens, j)
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


Rule = Callable[[Tokens, int, _Context], Match | None]
# Order matters where phrases overlap: "1 quarter ago" is not Q1, and "Good
# Friday" is not a Friday.
_POINT_RULES: tuple[Rule, ...] = (
    _relative,
    _alias,
    _ago,
    _quarter,
    _day_word,
    _holiday,
    _weekday,
    _explicit,
)
_RULES: tuple[Rule, ...] = (_range, _all_time, _since, *_POINT_RULES, _year)
