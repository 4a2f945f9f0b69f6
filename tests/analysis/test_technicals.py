"""Tests for the technical summary built from one list of bars."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from market_parser.analysis.technicals import technical_summary
from market_parser.market_data.models import Bar
from market_parser.market_data.offline import OfflineProvider


def _bars(closes):
    start = date(2012, 1, 2)
    return [
        Bar(start + timedelta(days=i), c, c + 0.5, c - 0.5, c, 1000 + i)
        for i, c in enumerate(closes)
    ]


@pytest.fixture(scope="module")
def apple():
    """A year and two months of AAPL sessions to 2013-03-01."""
    return OfflineProvider().history("AAPL", date(2012, 1, 1), date(2013, 3, 1))


def test_apple_moving_averages(apple):
    """SMA(5) on 2013-03-01 is the mean of the last five AAPL closes, 441.642."""
    summary = technical_summary(apple)
    closes = [bar.close for bar in apple]

    assert summary.as_of == date(2013, 3, 1)
    assert summary.last_close == 430.47
    assert summary.sma[5] == pytest.approx(
        (442.8 + 448.97 + 444.57 + 441.4 + 430.47) / 5
    )
    assert summary.sma[200] == pytest.approx(sum(closes[-200:]) / 200)
    assert set(summary.sma) == set(summary.ema) == {5, 10, 20, 50, 200}
    assert all(value is not None for value in summary.ema.values())


def test_apple_was_falling_on_every_average(apple):
    """AAPL closed below all its averages and with MACD under its signal."""
    summary = technical_summary(apple)

    assert all(value > 430.47 for value in summary.sma.values())
    assert summary.macd < 0
    assert summary.macd_reading == "bearish"
    assert summary.rsi_reading == "neutral"
    assert 30 < summary.rsi < 40


def test_steady_gains_read_overbought_and_bullish():
    """An accelerating rise puts RSI above 70 and MACD above its signal."""
    summary = technical_summary(_bars([100 + 0.01 * n * n for n in range(80)]))

    assert summary.rsi_reading == "overbought"
    assert summary.macd_reading == "bullish"
    assert summary.macd_histogram > 0


def test_steady_losses_read_oversold_and_bearish():
    """An accelerating fall puts RSI below 30 and MACD below its signal."""
    summary = technical_summary(_bars([200 - 0.01 * n * n for n in range(80)]))

    assert summary.rsi_reading == "oversold"
    assert summary.macd_reading == "bearish"


def test_short_history_leaves_long_windows_empty():
    """Thirty bars fill SMA 20 and RSI but not SMA 50, 200 or the MACD signal."""
    summary = technical_summary(_bars([50 + (n % 5) for n in range(30)]))

    assert summary.sma[20] is not None
    assert summary.sma[50] is None and summary.ema[200] is None
    assert summary.rsi is not None
    assert summary.macd_signal is None
    assert summary.macd_reading is None
    assert summary.sessions == 30


def test_to_dict_is_json_ready(apple):
    """Window keys become strings and nested results are plain dicts."""
    result = technical_summary(apple).to_dict()

    assert set(result) == {
        "as_of",
        "last_close",
        "sessions",
        "sma",
        "ema",
        "rsi",
        "rsi_reading",
        "macd",
        "support_resistance",
        "volume",
    }
    assert result["sma"]["5"] == 441.64
    assert set(result["macd"]) == {"macd", "signal", "histogram", "reading"}
    assert result["volume"]["latest_volume"] == 19730300
    json.dumps(result)


def test_no_bars_is_a_caller_error():
    """An empty list is a bug upstream of the analysis."""
    with pytest.raises(ValueError):
        technical_summary([])
