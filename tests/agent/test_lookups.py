"""Tests for what the tools hand the model."""

from __future__ import annotations

from market_parser.agent.lookups import MAX_BARS_TO_MODEL, compact


def _result(count: int) -> dict:
    bars = [{"day": f"2012-01-{i:02d}", "close": float(i)} for i in range(1, count + 1)]
    return {"kind": "history", "bars": bars}


def test_long_bar_lists_are_trimmed_and_keep_their_count():
    """Forty bars reach the model as the latest thirty, with the total of forty."""
    trimmed = compact(_result(40))

    assert len(trimmed["bars"]) == MAX_BARS_TO_MODEL == 30
    assert trimmed["bars"][0]["day"] == "2012-01-11"
    assert trimmed["bars_total"] == 40
    assert trimmed["bars_note"] == "latest 30 of 40 bars shown"


def test_short_bar_lists_are_left_alone():
    """Thirty bars or fewer pass through unchanged, with no total added."""
    result = _result(30)

    assert compact(result) is result
    assert "bars_total" not in result
