"""Epoch numbers in s, ms, us and ns, and ISO strings, turned into UTC times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from market_parser.market_data.timestamps import (
    from_epoch,
    session_day,
    to_utc,
    today_in_new_york,
)

MOMENT = datetime(2024, 3, 15, 19, 59, 58, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        1710532798.123456,
        1710532798123.456,
        1710532798123456,
        1710532798123456789,
    ],
    ids=["seconds", "milliseconds", "microseconds", "nanoseconds"],
)
def test_unit_is_told_apart_by_magnitude(value):
    assert from_epoch(value) == MOMENT


def test_nanoseconds_keep_microsecond_precision():
    assert from_epoch(1651179319310617300) == datetime(
        2022, 4, 28, 20, 55, 19, 310617, tzinfo=UTC
    )


@pytest.mark.parametrize("value", [None, 0, -5, "0", float("nan"), True])
def test_zero_and_missing_mean_no_timestamp(value):
    assert to_utc(value) is None


def test_iso_strings_with_an_offset_are_converted_to_utc():
    assert to_utc("2013-06-10T16:00:00-04:00") == datetime(
        2013, 6, 10, 20, 0, tzinfo=UTC
    )


def test_naive_iso_strings_are_read_as_new_york_time():
    assert to_utc("2024-06-28 14:58:47") == datetime(
        2024, 6, 28, 18, 58, 47, tzinfo=UTC
    )


def test_numeric_strings_are_epochs():
    assert to_utc("1719589861000") == datetime(2024, 6, 28, 15, 51, 1, tzinfo=UTC)


def test_garbage_is_no_timestamp():
    assert to_utc("yesterday") is None


def test_session_day_is_the_new_york_date_of_a_midnight_bar():
    # 04:00 UTC on the 12th is midnight in New York, not the 11th's evening.
    assert session_day(1710216000000) == date(2024, 3, 12)


def test_today_in_new_york_lags_utc_in_the_evening():
    assert today_in_new_york(datetime(2024, 3, 16, 3, 0, tzinfo=UTC)) == date(
        2024, 3, 15
    )
