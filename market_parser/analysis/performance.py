"""How a symbol did over a period: open, close, range and change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from market_parser.market_data.models import Bar

ChangeBase = Literal["prior_close", "open"]


@dataclass(frozen=True, slots=True)
class Performance:
    """A period's summary; ``change`` is measured from ``base_price``.

    ``base`` says what that price is: the close of the session before the
    period ("prior_close", as quote screens measure a day's change) or, when
    that is unknown, the period's first open ("open").

    ``high`` and ``low`` are intraday extremes; ``high_close`` and
    ``low_close`` are the highest and lowest closes, which is what "the
    highest close" asks for. A tie goes to the earlier session.
    """

    start_day: date
    end_day: date
    open: float
    close: float
    high: float
    high_day: date
    low: float
    low_day: date
    high_close: float
    high_close_day: date
    low_close: float
    low_close_day: date
    change: float
    change_pct: float
    base: ChangeBase
    base_price: float
    sessions: int
    volume: int

    def to_dict(self) -> dict[str, Any]:
        """Prices to cents, the percentage to 2 decimals, days as ISO strings."""
        return {
            "start_day": self.start_day.isoformat(),
            "end_day": self.end_day.isoformat(),
            "open": round(self.open, 2),
            "close": round(self.close, 2),
            "high": round(self.high, 2),
            "high_day": self.high_day.isoformat(),
            "low": round(self.low, 2),
            "low_day": self.low_day.isoformat(),
            "high_close": round(self.high_close, 2),
            "high_close_day": self.high_close_day.isoformat(),
            "low_close": round(self.low_close, 2),
            "low_close_day": self.low_close_day.isoformat(),
            "change": round(self.change, 2),
            "change_pct": round(self.change_pct, 2),
            "base": self.base,
            "base_price": round(self.base_price, 2),
            "sessions": self.sessions,
            "volume": self.volume,
        }


def performance(bars: Sequence[Bar], prior_close: float | None = None) -> Performance:
    """Summarize ``bars``; pass the close before the first bar when there is one.

    Without ``prior_close`` the change runs from the first bar's open, which
    leaves out the gap into the period. ``sessions`` counts the bars.
    """
    if not bars:
        raise ValueError("performance needs at least one bar")
    highest = max(bars, key=lambda bar: bar.high)
    lowest = min(bars, key=lambda bar: bar.low)
    highest_close = max(bars, key=lambda bar: bar.close)
    lowest_close = min(bars, key=lambda bar: bar.close)
    base: ChangeBase = "prior_close" if prior_close else "open"
    base_price = prior_close or bars[0].open
    change = bars[-1].close - base_price

    return Performance(
        start_day=bars[0].day,
        end_day=bars[-1].day,
        open=bars[0].open,
        close=bars[-1].close,
        high=highest.high,
        high_day=highest.day,
        low=lowest.low,
        low_day=lowest.day,
        high_close=highest_close.close,
        high_close_day=highest_close.day,
        low_close=lowest_close.close,
        low_close_day=lowest_close.day,
        change=change,
        change_pct=change / base_price * 100.0,
        base=base,
        base_price=base_price,
        sessions=len(bars),
        volume=sum(bar.volume for bar in bars),
    )
