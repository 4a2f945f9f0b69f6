"""The `Span` a time phrase names, and the calendar steps and token readers behind it.

Every time rule reads tokens with these and measures from ``today`` with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from market_parser.planner import lexicon as lx
from market_parser.planner.tokens import Token

Shape = Literal[
    "day", "weekday", "week", "month", "quarter", "year", "rolling", "sessions", "range"
]
Tokens = Sequence[Token | None]


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
class Context:
    """When a phrase is read: the data's latest day, and whether it looks ahead."""

    today: date
    forward: bool


Match = tuple[Span, int]
Rule = Callable[[Tokens, int, Context], Match | None]


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
    return date(year, month + 1, min(day.day, month_end(year, month + 1).day))


def month_end(year: int, month: int) -> date:
    """Return the last day of ``month`` in ``year``."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def monday_of(day: date) -> date:
    """Return the Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def norm_at(tokens: Tokens, i: int) -> str | None:
    """Return the word at ``tokens[i]``, or None past either end or where claimed."""
    if 0 <= i < len(tokens) and tokens[i] is not None:
        return tokens[i].norm
    return None


def int_at(tokens: Tokens, i: int) -> int | None:
    """Return the whole number at ``tokens[i]``, if that is one."""
    token = tokens[i] if 0 <= i < len(tokens) else None
    if token is not None and token.is_number and isinstance(token.value, int):
        return token.value
    return None


def count_at(tokens: Tokens, i: int, article: bool = False) -> tuple[int, int] | None:
    """Read a count ("5", "five", "a couple of"); ``article`` admits "a" as one."""
    start = i
    if norm_at(tokens, i) in ("a", "an") and norm_at(tokens, i + 1) in (
        "couple",
        "few",
    ):
        i += 1
    value = int_at(tokens, i)
    if value is None:
        value = lx.NUMBER_WORDS.get(norm_at(tokens, i) or "")
    if value is None and article and norm_at(tokens, i) in ("a", "an"):
        value = 1
    if value is None or value < 1:
        return None
    i += 1
    if norm_at(tokens, i) == "of":
        i += 1
    return value, i - start


def spell(tokens: Tokens, start: int, end: int) -> str:
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


def is_year(number: int) -> bool:
    """Whether ``number`` reads as a year rather than a count."""
    return 1900 <= number <= 2100


def year_at(tokens: Tokens, i: int) -> int | None:
    """Return the year written at ``tokens[i]``, if there is one."""
    number = int_at(tokens, i)
    return number if number is not None and is_year(number) else None


def year_after(tokens: Tokens, i: int) -> tuple[int | None, int]:
    """Read an optional year after a name ("2012", "of 2012"), and where it ends."""
    j = i + 1 if norm_at(tokens, i) == "of" else i
    year = year_at(tokens, j)
    return (year, j + 1) if year is not None else (None, i)
