"""Tests for swing-point support and resistance levels."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from market_parser.analysis.levels import support_resistance
from market_parser.market_data.models import Bar
from market_parser.market_data.offline import OfflineProvider

START = date(2012, 1, 2)
ZIGZAG = [100, 102, 104, 106, 108, 110, 108, 106, 104, 102]


def _bars(closes, spread=0.5):
    """Bars whose high and low sit ``spread`` either side of each close."""
    return [
        Bar(START + timedelta(days=i), c, c + spread, c - spread, c, 1000)
        for i, c in enumerate(closes)
    ]


def test_zigzag_finds_its_floor_and_ceiling():
    """Four peaks at 110 and troughs at 100 make one resistance and one support."""
    bars = _bars(ZIGZAG * 4 + [100, 102, 104, 105])
    levels = support_resistance(bars)

    (support,) = levels.supports
    (resistance,) = levels.resistances
    assert support.price == pytest.approx(99.5)
    # Troughs on days 10, 20, 30 and 40, plus the window's low on day 0.
    assert support.touches == 5
    assert support.last_touch == START + timedelta(days=40)
    assert resistance.price == pytest.approx(110.5)
    assert resistance.touches == 4
    assert levels.last_close == 105
    assert levels.sessions == 44


def test_nearby_swings_merge_within_the_tolerance():
    """Peaks at 110 and 110.8 (0.7 % apart) are one level at their mean."""
    closes = ZIGZAG * 2 + [100, 102, 104, 106, 108, 110.8, 108, 106, 104, 105]
    levels = support_resistance(_bars(closes))

    (resistance,) = levels.resistances
    assert resistance.touches == 3
    assert resistance.price == pytest.approx((110.5 * 2 + 111.3) / 3)


def test_swings_further_apart_stay_separate():
    """Peaks at 110 and 120 are two resistances, the nearer listed first."""
    high_wave = [110, 112, 114, 116, 118, 120, 118, 116, 114, 112]
    closes = ZIGZAG + [100] + high_wave + ZIGZAG + [100, 102, 104, 105]
    levels = support_resistance(_bars(closes))

    assert [round(r.price, 1) for r in levels.resistances] == [110.5, 120.5]


def test_at_most_three_per_side_preferring_repeated_touches():
    """Of five single-touch peaks and one double, the double and the nearest win."""
    peaks = [111, 114, 117, 120, 123]
    closes = []
    for peak in peaks:
        closes += [100, 102, 104, 106, 108, peak, 108, 106, 104, 102]
    closes += [100, 102, 104, 106, 108, 123, 108, 106, 104, 105]
    levels = support_resistance(_bars(closes), tolerance=0.005)

    assert [round(r.price, 1) for r in levels.resistances] == [111.5, 114.5, 123.5]
    assert levels.resistances[-1].touches == 2


def test_close_at_the_low_falls_back_to_the_low_itself():
    """A steady fall leaves no swing below the close; the period low is offered."""
    bars = _bars([200 - n for n in range(60)])
    levels = support_resistance(bars)

    (support,) = levels.supports
    assert support.price == pytest.approx(140.5)
    assert support.touches == 1


def test_real_apple_levels_sit_either_side_of_the_close():
    """AAPL closed 2013-03-01 at its six-month low; its low that day is the support."""
    bars = OfflineProvider().history("AAPL", date(2012, 3, 1), date(2013, 3, 1))
    levels = support_resistance(bars, lookback=120)

    assert levels.as_of == date(2013, 3, 1)
    assert levels.last_close == 430.47
    assert min(bar.low for bar in bars[-120:]) == 429.98
    assert [s.price for s in levels.supports] == [429.98]
    assert 1 <= len(levels.resistances) <= 3
    assert all(r.price > 430.47 for r in levels.resistances)
    distances = [r.price - 430.47 for r in levels.resistances]
    assert distances == sorted(distances)


def test_to_dict_is_json_friendly():
    """Levels carry prices to cents and days as ISO strings."""
    result = support_resistance(_bars(ZIGZAG * 4 + [100, 102, 104, 105])).to_dict()

    assert result["supports"] == [
        {"price": 99.5, "touches": 5, "last_touch": "2012-02-11"}
    ]
    assert result["as_of"] == "2012-02-14"
    assert set(result) == {"as_of", "last_close", "supports", "resistances", "sessions"}


def test_no_bars_is_a_caller_error():
    """Callers fetch bars first; an empty list is a bug, not an answer."""
    with pytest.raises(ValueError):
        support_resistance([])
