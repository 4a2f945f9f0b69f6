"""Tests for SMA, EMA, RSI and MACD against references computed another way."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from market_parser.analysis.indicators import ema, macd, rsi, sma
from market_parser.market_data.offline import OfflineProvider

# A textbook RSI example series (StockCharts' ChartSchool, 14-day RSI).
TEXTBOOK = [
    44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89,
    46.03, 45.61, 46.28, 46.28, 46.00, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25,
    45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13,
]  # fmt: skip


@pytest.fixture(scope="module")
def closes():
    bars = OfflineProvider().history("AAPL", date(2011, 1, 1), date(2013, 3, 1))
    return [bar.close for bar in bars]


def _assert_aligned(actual, expected, rel=1e-10, abs=1e-12):
    """The same None places, and the numbers equal within tolerance."""
    assert [v is None for v in actual] == [v is None for v in expected]
    numbers = [(a, e) for a, e in zip(actual, expected, strict=True) if e is not None]
    assert [a for a, _ in numbers] == pytest.approx(
        [e for _, e in numbers], rel=rel, abs=abs
    )


def _as_list(series):
    return [None if np.isnan(v) else float(v) for v in series]


def _seeded_ewm(values, window):
    """An EMA from pandas, seeded with the SMA of the first ``window`` values."""
    seed = sum(values[:window]) / window
    tail = pd.Series([seed, *values[window:]]).ewm(span=window, adjust=False).mean()
    return [None] * (window - 1) + [float(v) for v in tail]


def test_sma_small_example():
    """A 3-value SMA of 1..5 is 2, 3, 4 after two empty places."""
    assert sma([1, 2, 3, 4, 5], 3) == [None, None, 2, 3, 4]


@pytest.mark.parametrize("window", [1, 5, 20, 200])
def test_sma_matches_pandas_rolling_mean(closes, window):
    """The running-sum SMA equals pandas' rolling mean on AAPL closes."""
    expected = _as_list(pd.Series(closes).rolling(window).mean())

    _assert_aligned(sma(closes, window), expected)


def test_ema_small_example():
    """Seed 4 (mean of 2, 4, 6), then 8 and 12 at smoothing 0.5 give 6 and 9."""
    assert ema([2, 4, 6, 8, 12], 3) == [None, None, 4, 6, 9]


@pytest.mark.parametrize("window", [5, 12, 26, 50, 200])
def test_ema_matches_pandas_ewm_seeded_with_the_sma(closes, window):
    """The EMA equals pandas' ``ewm(adjust=False)`` started from the same SMA seed."""
    _assert_aligned(ema(closes, window), _seeded_ewm(closes, window))


def test_short_inputs_give_no_values():
    """With fewer values than the window, every place is None."""
    assert sma([1.0, 2.0], 3) == [None, None]
    assert ema([1.0, 2.0], 3) == [None, None]
    assert rsi([1.0] * 14) == [None] * 14
    assert macd([1.0] * 25).macd == [None] * 25


def test_windows_below_one_are_refused():
    """A zero window is a programming error, not an empty answer."""
    with pytest.raises(ValueError):
        sma([1.0], 0)
    with pytest.raises(ValueError):
        rsi([1.0], 0)


def test_rsi_small_example_by_hand():
    """Period 2 over +1, -0.5, +1: averages 0.5/0.25 then 0.75/0.125."""
    result = rsi([1.0, 2.0, 1.5, 2.5], period=2)

    assert result[:2] == [None, None]
    assert result[2] == pytest.approx(100 - 100 / (1 + 0.5 / 0.25))
    assert result[3] == pytest.approx(100 - 100 / (1 + 0.75 / 0.125))


def _wilder_reference(values, period):
    """Wilder's RSI from pandas: ewm with alpha 1/period, seeded with the mean."""
    changes = pd.Series(values).diff().iloc[1:]
    gains, losses = changes.clip(lower=0), (-changes).clip(lower=0)

    def smoothed(series):
        start = series.iloc[:period].mean()
        tail = pd.Series([start, *series.iloc[period:]])
        return tail.ewm(alpha=1 / period, adjust=False).mean()

    strength = smoothed(gains) / smoothed(losses)
    return [None] * period + [float(v) for v in 100 - 100 / (1 + strength)]


def test_rsi_textbook_series():
    """The textbook series' first 14-day RSI is 70.46 and agrees with pandas."""
    result = rsi(TEXTBOOK)

    assert result[14] == pytest.approx(70.46, abs=0.005)
    _assert_aligned(result, _wilder_reference(TEXTBOOK, 14))


def test_rsi_matches_wilder_reference_on_real_closes(closes):
    """Wilder's smoothing over two years of AAPL closes agrees with pandas."""
    _assert_aligned(rsi(closes), _wilder_reference(closes, 14))


def test_rsi_extremes():
    """Only gains read 100; no movement at all reads 50."""
    assert rsi([float(n) for n in range(20)])[-1] == 100.0
    assert rsi([5.0] * 20)[-1] == 50.0
    assert rsi([float(-n) for n in range(20)])[-1] == 0.0


def test_macd_matches_pandas(closes):
    """MACD(12, 26, 9) equals the same lines built from seeded pandas EMAs."""
    fast, slow = _seeded_ewm(closes, 12), _seeded_ewm(closes, 26)
    line = [None] * 25 + [f - s for f, s in zip(fast[25:], slow[25:], strict=True)]
    signal = [None] * 25 + _seeded_ewm(line[25:], 9)
    result = macd(closes)

    _assert_aligned(result.macd, line, rel=1e-9, abs=1e-9)
    _assert_aligned(result.signal, signal, rel=1e-9, abs=1e-9)
    assert result.signal[32] is None and result.signal[33] is not None
    histogram = [None] * 33 + [
        m - s for m, s in zip(line[33:], signal[33:], strict=True)
    ]
    _assert_aligned(result.histogram, histogram, rel=1e-6, abs=1e-9)


def test_macd_to_dict_rounds_to_four_places():
    """The JSON form keeps the Nones and rounds values to 4 decimals."""
    values = [100 + (n % 7) * 1.234567 for n in range(40)]
    result = macd(values).to_dict()

    assert result["macd"][:25] == [None] * 25
    assert all(round(v, 4) == v for v in result["histogram"] if v is not None)
    assert len(result["signal"]) == 40


def test_macd_needs_fast_below_slow():
    """Swapped windows are refused rather than producing an inverted line."""
    with pytest.raises(ValueError):
        macd([1.0] * 50, fast=26, slow=12)
