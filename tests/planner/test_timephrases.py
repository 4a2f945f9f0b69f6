"""Tests for reading time phrases relative to the data's latest trading day."""

from __future__ import annotations

from datetime import date

import pytest

from market_parser.planner import timephrases
from market_parser.planner.tokens import tokenize
from tests.planner.spans import d, span_of

FRIDAY = date(2013, 3, 1)
MONDAY = date(2013, 2, 25)
MONTH_START = date(2013, 4, 1)  # a Monday
YEAR_START = date(2013, 1, 2)  # a Wednesday, the first session of 2013
MONTH_END = date(2013, 5, 31)


@pytest.mark.parametrize(
    ("phrase", "today", "start", "end"),
    [
        ("last week", FRIDAY, "2013-02-18", "2013-02-22"),
        ("previous week", FRIDAY, "2013-02-18", "2013-02-22"),
        ("last week", MONDAY, "2013-02-18", "2013-02-22"),
        ("this week", FRIDAY, "2013-02-25", "2013-03-01"),
        ("this week", MONDAY, "2013-02-25", "2013-02-25"),
        ("past week", FRIDAY, "2013-02-22", "2013-03-01"),
        ("past 7 days", FRIDAY, "2013-02-22", "2013-03-01"),
        ("past 2 weeks", FRIDAY, "2013-02-15", "2013-03-01"),
        ("last two weeks", FRIDAY, "2013-02-15", "2013-03-01"),
        ("past couple of weeks", FRIDAY, "2013-02-15", "2013-03-01"),
        ("past 3 months", FRIDAY, "2012-12-01", "2013-03-01"),
        ("last 3 months", FRIDAY, "2012-12-01", "2013-03-01"),
        ("past 3 months", MONTH_END, "2013-02-28", "2013-05-31"),
        ("past month", FRIDAY, "2013-02-01", "2013-03-01"),
        ("this month", FRIDAY, "2013-03-01", "2013-03-01"),
        ("this month", MONTH_START, "2013-04-01", "2013-04-01"),
        ("last month", FRIDAY, "2013-02-01", "2013-02-28"),
        ("last month", MONTH_START, "2013-03-01", "2013-03-31"),
        ("last month", YEAR_START, "2012-12-01", "2012-12-31"),
        ("year to date", FRIDAY, "2013-01-01", "2013-03-01"),
        ("ytd", YEAR_START, "2013-01-01", "2013-01-02"),
        ("this year", FRIDAY, "2013-01-01", "2013-03-01"),
        ("last year", FRIDAY, "2012-01-01", "2012-12-31"),
        ("last year", YEAR_START, "2012-01-01", "2012-12-31"),
        ("past year", FRIDAY, "2012-03-01", "2013-03-01"),
        ("past 12 months", FRIDAY, "2012-03-01", "2013-03-01"),
        ("last quarter", FRIDAY, "2012-10-01", "2012-12-31"),
        ("this quarter", MONTH_START, "2013-04-01", "2013-04-01"),
        ("since January", FRIDAY, "2013-01-01", "2013-03-01"),
        ("since Feb 15", FRIDAY, "2013-02-15", "2013-03-01"),
        ("since last week", FRIDAY, "2013-02-18", "2013-03-01"),
        ("from 2013-01-02 to 2013-02-01", FRIDAY, "2013-01-02", "2013-02-01"),
        ("between jan 2 and feb 1", FRIDAY, "2013-01-02", "2013-02-01"),
        ("Jan 2 through Jan 31, 2013", FRIDAY, "2013-01-02", "2013-01-31"),
        ("February", FRIDAY, "2013-02-01", "2013-02-28"),
        ("March", FRIDAY, "2013-03-01", "2013-03-01"),
        ("December", FRIDAY, "2012-12-01", "2012-12-31"),
        ("January 2013", FRIDAY, "2013-01-01", "2013-01-31"),
    ],
)
def test_calendar_spans(phrase: str, today: date, start: str, end: str) -> None:
    """Each phrase names the documented inclusive range of calendar dates."""
    span = span_of(phrase, today)
    assert (span.start, span.end, span.trading_days) == (d(start), d(end), None)


@pytest.mark.parametrize(
    ("phrase", "today", "count", "start"),
    [
        ("last 5 trading days", FRIDAY, 5, "2013-02-25"),
        ("last 5 days", FRIDAY, 5, "2013-02-25"),
        ("past 5 sessions", FRIDAY, 5, "2013-02-25"),
        ("past three days", MONDAY, 3, "2013-02-21"),
        ("last 10 trading days", FRIDAY, 10, "2013-02-18"),
        ("past 20 business days", FRIDAY, 20, "2013-02-04"),
    ],
)
def test_session_counts(phrase: str, today: date, count: int, start: str) -> None:
    """Counted sessions end today; ``start`` counts weekdays back as an estimate."""
    span = span_of(phrase, today)
    assert (span.trading_days, span.start, span.end) == (count, d(start), today)


@pytest.mark.parametrize(
    ("phrase", "today", "day"),
    [
        ("today", FRIDAY, "2013-03-01"),
        ("yesterday", FRIDAY, "2013-02-28"),
        ("yesterday", MONDAY, "2013-02-22"),
        ("yesterday", YEAR_START, "2013-01-01"),
        ("last Friday", FRIDAY, "2013-02-22"),
        ("last Friday", MONDAY, "2013-02-22"),
        ("previous week's Friday", FRIDAY, "2013-02-22"),
        ("last week's Monday", FRIDAY, "2013-02-18"),
        ("Friday of last week", FRIDAY, "2013-02-22"),
        ("Tuesday", FRIDAY, "2013-02-26"),
        ("Friday", FRIDAY, "2013-03-01"),
        ("Wednesday", MONDAY, "2013-02-20"),
        ("this Monday", FRIDAY, "2013-02-25"),
        ("2013-02-15", FRIDAY, "2013-02-15"),
        ("Feb 15, 2013", FRIDAY, "2013-02-15"),
        ("February 15", FRIDAY, "2013-02-15"),
        ("15 Feb 2013", FRIDAY, "2013-02-15"),
        ("the 15th of February", FRIDAY, "2013-02-15"),
        ("2/15/2013", FRIDAY, "2013-02-15"),
        ("December 31", YEAR_START, "2012-12-31"),
        ("a week ago", FRIDAY, "2013-02-22"),
        ("3 days ago", FRIDAY, "2013-02-26"),
    ],
)
def test_single_days(phrase: str, today: date, day: str) -> None:
    """Named days look back from today unless the phrase says otherwise."""
    tokens = tokenize(phrase)
    start = 1 if tokens[0].norm == "the" else 0
    span, _ = timephrases.match(tokens, start, today)
    assert (span.start, span.end, span.is_day) == (d(day), d(day), True)


@pytest.mark.parametrize(
    ("phrase", "today", "day"),
    [
        ("next Friday", FRIDAY, "2013-03-08"),
        ("next Friday", MONDAY, "2013-03-01"),
        ("this Friday", MONDAY, "2013-03-01"),
        ("this coming Friday", FRIDAY, "2013-03-08"),
        ("Friday", MONDAY, "2013-03-01"),
        ("Friday", FRIDAY, "2013-03-01"),
        ("March 15", FRIDAY, "2013-03-15"),
        ("February 15", FRIDAY, "2014-02-15"),
        ("tomorrow", FRIDAY, "2013-03-04"),
    ],
)
def test_forward_days(phrase: str, today: date, day: str) -> None:
    """Looking ahead (options), a weekday or date is the first on or after today."""
    span = span_of(phrase, today, forward=True)
    assert span.start == d(day)


def test_forward_month_is_the_whole_coming_month() -> None:
    """'April' ahead of a March today is all of April 2013."""
    span = span_of("April", FRIDAY, forward=True)
    assert (span.start, span.end, span.shape) == (
        d("2013-04-01"),
        d("2013-04-30"),
        "month",
    )


def test_next_week_is_its_monday_to_friday() -> None:
    """'next week' is the whole calendar week after this one."""
    span = span_of("next week", FRIDAY, forward=True)
    assert (span.start, span.end, span.shape) == (
        d("2013-03-04"),
        d("2013-03-08"),
        "week",
    )


def test_year_needs_a_leading_word() -> None:
    """'in 2012' is the year 2012, a bare 2012 is just a number."""
    tokens = tokenize("in 2012")
    span, size = timephrases.match(tokens, 1, FRIDAY)
    assert (span.start, span.end, size) == (d("2012-01-01"), d("2012-12-31"), 1)
    assert timephrases.match(tokenize("2012"), 0, FRIDAY) is None


@pytest.mark.parametrize(
    "phrase", ["may", "last", "the price", "50 day", "over the", "Feb 30"]
)
def test_non_time_words_are_not_spans(phrase: str) -> None:
    """Words that only look like time ('may' the verb, '50 day' a window) are left."""
    assert timephrases.match(tokenize(phrase), 0, FRIDAY) is None


def test_may_is_a_month_after_in() -> None:
    """'in May' is the month; the lead word is what makes 'may' a month."""
    tokens = tokenize("in May")
    span, _ = timephrases.match(tokens, 1, MONTH_END)
    assert (span.start, span.end) == (d("2013-05-01"), d("2013-05-31"))


@pytest.mark.parametrize(
    ("phrase", "label"),
    [
        ("last week", "last week"),
        ("past 3 months", "past 3 months"),
        ("ytd", "year to date"),
        ("previous week's friday", "previous week's Friday"),
        ("next friday", "next Friday"),
        ("Feb 15, 2013", "2013-02-15"),
        ("since january", "since January 2013"),
    ],
)
def test_labels_name_the_phrase(phrase: str, label: str) -> None:
    """Labels repeat the phrase the way an answer should say it."""
    assert span_of(phrase, FRIDAY).label == label


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2013-05-31", -3, "2013-02-28"),
        ("2012-02-29", -12, "2011-02-28"),
        ("2013-01-31", 1, "2013-02-28"),
        ("2013-03-01", -1, "2013-02-01"),
        ("2013-01-15", -1, "2012-12-15"),
    ],
)
def test_shift_months_clamps_month_ends(day: str, months: int, expected: str) -> None:
    """Shifting by months keeps the day of the month, or the month's last day."""
    assert timephrases.shift_months(d(day), months) == d(expected)


def test_weekday_helpers_skip_weekends() -> None:
    """Weekday steps skip Saturday and Sunday."""
    assert timephrases.previous_weekday(MONDAY) == d("2013-02-22")
    assert timephrases.next_weekday(FRIDAY) == d("2013-03-04")
    assert timephrases.weekdays_back(d("2013-03-03"), 1) == FRIDAY


@pytest.mark.parametrize(
    ("phrase", "today", "start", "end", "label"),
    [
        ("Q4 2012", FRIDAY, "2012-10-01", "2012-12-31", "Q4 2012"),
        ("q4 of 2012", FRIDAY, "2012-10-01", "2012-12-31", "Q4 2012"),
        ("fourth quarter of 2012", FRIDAY, "2012-10-01", "2012-12-31", "Q4 2012"),
        ("4th quarter 2012", FRIDAY, "2012-10-01", "2012-12-31", "Q4 2012"),
        ("Q1", FRIDAY, "2013-01-01", "2013-03-01", "Q1 2013"),
        ("first quarter", FRIDAY, "2013-01-01", "2013-03-01", "Q1 2013"),
        ("Q2", FRIDAY, "2012-04-01", "2012-06-30", "Q2 2012"),
        ("Q2", MONTH_START, "2013-04-01", "2013-04-01", "Q2 2013"),
        ("all time", FRIDAY, "1970-01-01", "2013-03-01", "all time"),
        ("since IPO", FRIDAY, "1970-01-01", "2013-03-01", "all time"),
        ("since its inception", FRIDAY, "1970-01-01", "2013-03-01", "all time"),
    ],
)
def test_quarters_and_all_time(
    phrase: str, today: date, start: str, end: str, label: str
) -> None:
    """A quarter is its three months, cut off at today; 'all time' starts early."""
    span = span_of(phrase, today)
    assert (span.start, span.end, span.label) == (d(start), d(end), label)


def test_forward_quarter_without_year_is_the_next_one() -> None:
    """Looking ahead, 'Q4' on 2013-03-01 is the fourth quarter of 2013."""
    span = span_of("Q4", FRIDAY, forward=True)
    assert (span.start, span.end) == (d("2013-10-01"), d("2013-12-31"))


@pytest.mark.parametrize(
    ("phrase", "today", "forward", "day", "label"),
    [
        ("the day before yesterday", FRIDAY, False, "2013-02-27", None),
        ("day before yesterday", MONDAY, False, "2013-02-21", None),
        ("day after tomorrow", FRIDAY, True, "2013-03-05", None),
    ],
)
def test_named_days(
    phrase: str, today: date, forward: bool, day: str, label: str | None
) -> None:
    """Day words count weekdays, back from today or ahead of it."""
    span = span_of(phrase, today, forward)
    assert (span.start, span.end, span.is_day) == (d(day), d(day), True)
    assert span.label == (label or phrase.lower())


@pytest.mark.parametrize(
    ("phrase", "written", "size"),
    [
        ("2013-02-30", "2013-02-30", 1),
        ("2013-13-01", "2013-13-01", 1),
        ("2/30/2013", "2/30/2013", 1),
        ("February 30", "February 30", 2),
        ("Feb 29 2013", "February 29 2013", 3),
        ("31st of April", "31 of April", 3),
    ],
)
def test_impossible_dates_are_reported_as_written(
    phrase: str, written: str, size: int
) -> None:
    """A date-shaped phrase the calendar lacks is no span, but is read for a message."""
    tokens = tokenize(phrase)
    assert timephrases.match(tokens, 0, FRIDAY) is None
    assert timephrases.impossible_date(tokens, 0, FRIDAY) == (written, size)


@pytest.mark.parametrize("phrase", ["2013-02-15", "February 15", "February", "50"])
def test_real_dates_are_not_impossible(phrase: str) -> None:
    """Real dates, months and plain numbers yield no complaint."""
    assert timephrases.impossible_date(tokenize(phrase), 0, FRIDAY) is None


def test_named_rejects_a_phrase_that_is_not_time() -> None:
    """The lexicon's time phrases are checked when read, not silently dropped."""
    with pytest.raises(ValueError, match="not a time phrase"):
        timephrases.named("the price", FRIDAY)
