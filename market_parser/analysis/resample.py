"""Merge daily bars into weekly or monthly ones."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date

from market_parser.market_data.models import Bar

PERIOD_KEYS: dict[str, Callable[[date], Hashable]] = {
    "weekly": lambda day: day.isocalendar()[:2],
    "monthly": lambda day: (day.year, day.month),
}


def resample(bars: Sequence[Bar], interval: str) -> list[Bar]:
    """One bar per ISO week or calendar month, dated by its first session.

    Open of the first bar, highest high, lowest low, close of the last bar and
    the summed volume.
    """
    if interval == "daily":
        return list(bars)
    key = PERIOD_KEYS[interval]
    groups: dict[Hashable, list[Bar]] = {}
    for bar in bars:
        groups.setdefault(key(bar.day), []).append(bar)

    return [
        Bar(
            day=group[0].day,
            open=group[0].open,
            high=max(bar.high for bar in group),
            low=min(bar.low for bar in group),
            close=group[-1].close,
            volume=sum(bar.volume for bar in group),
        )
        for group in groups.values()
    ]


def for_chart(bars: Sequence[Bar], limit: int) -> tuple[str, list[Bar]]:
    """The finest of daily, weekly or monthly bars that fits in ``limit`` bars."""
    for interval in ("daily", "weekly", "monthly"):
        chosen = resample(bars, interval)
        if len(chosen) <= limit:
            return interval, chosen
    return "monthly", chosen[-limit:]
