"""Tests for the volume trend."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from market_parser.analysis.volume import volume_trend
from market_parser.market_data.models import Bar
from market_parser.market_data.offline import OfflineProvider


def _bars(volumes):
    start = date(2013, 1, 2)
    return [
        Bar(start + timedelta(days=i), 10.0, 10.0, 10.0, 10.0, v)
        for i, v in enumerate(volumes)
    ]


def test_apple_last_week_against_the_twenty_sessions_before():
    """AAPL's last five sessions averaged 16,688,520 shares, below the prior 20."""
    bars = OfflineProvider().history("AAPL", date(2012, 12, 1), date(2013, 3, 1))
    volumes = np.array([bar.volume for bar in bars])
    trend = volume_trend(bars)

    assert (
        trend.recent_average
        == (13306400 + 17910700 + 20976800 + 11518400 + 19730300) / 5
    )
    assert trend.recent_average == 16688520
    assert trend.prior_average == pytest.approx(volumes[-25:-5].mean())
    assert trend.change_pct == pytest.approx(
        (16688520 / volumes[-25:-5].mean() - 1) * 100
    )
    assert trend.direction == "falling"
    assert trend.latest_volume == 19730300
    assert trend.average_volume_20 == pytest.approx(volumes[-21:-1].mean())
    assert trend.as_of == date(2013, 3, 1)


@pytest.mark.parametrize(
    ("recent_volume", "direction"),
    [(111, "rising"), (110, "flat"), (90, "flat"), (89, "falling")],
)
def test_direction_threshold_is_ten_percent(recent_volume, direction):
    """More than 10 % either way is a trend; 10 % exactly is still flat."""
    trend = volume_trend(_bars([100] * 20 + [recent_volume] * 5))

    assert trend.direction == direction


def test_latest_day_against_its_twenty_day_average():
    """A 300-share day after twenty 100-share days is 200 % above average."""
    trend = volume_trend(_bars([100] * 20 + [300]))

    assert trend.average_volume_20 == 100
    assert trend.latest_vs_average_pct == pytest.approx(200.0)


def test_windows_shrink_to_the_bars_given():
    """Eight bars give 5 recent and 3 prior sessions, not an error."""
    trend = volume_trend(_bars([100, 100, 100, 200, 200, 200, 200, 200]))

    assert (trend.recent_sessions, trend.prior_sessions) == (5, 3)
    assert trend.prior_average == pytest.approx(100)
    assert trend.direction == "rising"


def test_a_single_bar_has_no_baseline():
    """With one bar there is nothing to compare with; those fields are None."""
    trend = volume_trend(_bars([500]), recent=3)

    assert trend.recent_sessions == 1
    assert trend.prior_average is None
    assert trend.change_pct is None
    assert trend.direction is None
    assert trend.latest_vs_average_pct is None


def test_to_dict_uses_whole_shares():
    """Averages come out as whole shares, percentages to 2 decimals."""
    result = volume_trend(_bars([100] * 20 + [133] * 5)).to_dict()

    assert result["recent_average"] == 133
    assert result["prior_average"] == 100
    assert result["change_pct"] == 33.0
    assert result["direction"] == "rising"
    assert isinstance(result["average_volume_20"], int)


def test_no_bars_is_a_caller_error():
    """An empty list is a bug upstream of the analysis."""
    with pytest.raises(ValueError):
        volume_trend([])


@pytest.mark.parametrize("recent", [1, 2])
def test_one_or_two_sessions_name_no_direction(recent):
    """A 50 % jump over one or two sessions is measured but not called a trend."""
    trend = volume_trend(_bars([100] * 20 + [150] * recent), recent=recent)

    assert trend.change_pct == pytest.approx(50.0)
    assert trend.direction is None


def test_three_sessions_are_enough_for_a_direction():
    """From three sessions on, the same jump is "rising"."""
    trend = volume_trend(_bars([100] * 20 + [150] * 3), recent=3)

    assert trend.direction == "rising"
