"""Tests for period performance."""

from __future__ import annotations

from datetime import date

import pytest

from market_parser.analysis.performance import performance
from market_parser.market_data.offline import OfflineProvider


@pytest.fixture(scope="module")
def msft_week():
    """MSFT's sessions of 2013-02-25 to 2013-03-01."""
    return OfflineProvider().history("MSFT", date(2013, 2, 25), date(2013, 3, 1))


def test_week_measured_from_the_prior_close(msft_week):
    """MSFT rose 0.19 (0.68 %) from 27.76 on 2013-02-22 to 27.95 on 2013-03-01."""
    result = performance(msft_week, prior_close=27.76)

    assert (result.start_day, result.end_day) == (date(2013, 2, 25), date(2013, 3, 1))
    assert (result.open, result.close) == (27.97, 27.95)
    assert (result.high, result.high_day) == (28.05, date(2013, 2, 25))
    assert (result.low, result.low_day) == (27.33, date(2013, 2, 27))
    assert result.change == pytest.approx(0.19)
    assert result.change_pct == pytest.approx(0.19 / 27.76 * 100)
    assert result.base == "prior_close"
    assert result.sessions == 5
    assert result.volume == 48011800 + 49923300 + 36394700 + 35840200 + 34849700


def test_without_a_prior_close_the_change_runs_from_the_first_open(msft_week):
    """From the 27.97 open the same week is down 0.02."""
    result = performance(msft_week)

    assert result.base == "open"
    assert result.base_price == 27.97
    assert result.change == pytest.approx(-0.02)
    assert result.change_pct == pytest.approx(-0.02 / 27.97 * 100)


def test_one_session(msft_week):
    """A single day's performance is that bar, measured from the day before."""
    result = performance(msft_week[-1:], prior_close=27.8)

    assert result.sessions == 1
    assert (result.open, result.high, result.low, result.close) == (
        27.72,
        27.98,
        27.52,
        27.95,
    )
    assert result.change == pytest.approx(0.15)


def test_closing_extremes_are_closes_not_intraday_prices(msft_week):
    """MSFT's highest close that week is 27.95 (03-01), not the 28.05 intraday high.

    The lowest close, 27.37, came on 02-25 and again on 02-26: the earlier
    session is the one reported.
    """
    result = performance(msft_week, prior_close=27.76)

    assert (result.high_close, result.high_close_day) == (27.95, date(2013, 3, 1))
    assert (result.low_close, result.low_close_day) == (27.37, date(2013, 2, 25))
    assert (result.high, result.low) == (28.05, 27.33)


def test_to_dict_rounds_prices_and_percentages(msft_week):
    """Prices to cents, the percentage to 2 decimals, days as ISO strings."""
    result = performance(msft_week, prior_close=27.76).to_dict()

    assert result == {
        "start_day": "2013-02-25",
        "end_day": "2013-03-01",
        "open": 27.97,
        "close": 27.95,
        "high": 28.05,
        "high_day": "2013-02-25",
        "low": 27.33,
        "low_day": "2013-02-27",
        "high_close": 27.95,
        "high_close_day": "2013-03-01",
        "low_close": 27.37,
        "low_close_day": "2013-02-25",
        "change": 0.19,
        "change_pct": 0.68,
        "base": "prior_close",
        "base_price": 27.76,
        "sessions": 5,
        "volume": 205019700,
    }


def test_no_bars_is_a_caller_error():
    """An empty period never reaches the analysis; the provider reports it."""
    with pytest.raises(ValueError):
        performance([])
