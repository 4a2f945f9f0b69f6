"""Support and resistance levels found from swing highs and lows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from market_parser.market_data.models import Bar


@dataclass(frozen=True, slots=True)
class Level:
    """A price the market turned at ``touches`` times, most recently on ``last_touch``."""

    price: float
    touches: int
    last_touch: date

    def to_dict(self) -> dict[str, Any]:
        """The level to cents, with its touch count and last touch day."""
        return {
            "price": round(self.price, 2),
            "touches": self.touches,
            "last_touch": self.last_touch.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Levels:
    """Supports below and resistances above the last close, nearest first."""

    as_of: date
    last_close: float
    supports: tuple[Level, ...]
    resistances: tuple[Level, ...]
    sessions: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly levels; ``sessions`` is how many bars were examined."""
        return {
            "as_of": self.as_of.isoformat(),
            "last_close": round(self.last_close, 2),
            "supports": [level.to_dict() for level in self.supports],
            "resistances": [level.to_dict() for level in self.resistances],
            "sessions": self.sessions,
        }


def support_resistance(
    bars: Sequence[Bar],
    *,
    lookback: int = 120,
    span: int = 3,
    tolerance: float = 0.015,
    count: int = 3,
) -> Levels:
    """Find up to ``count`` supports and resistances in the last ``lookback`` bars.

    A swing high is a bar whose high is above the ``span`` highs before it and
    not below the ``span`` after it; a swing low mirrors that with lows. The
    period's highest high and lowest low join them, since the last few bars
    cannot be confirmed as swings yet. Swing prices within ``tolerance`` (a
    fraction of price) of a cluster's mean join that cluster: its mean is the
    level and its size the touches, so a level the price turned at from either
    side counts every time. Levels below the last close are supports, above it
    resistances. Of each side the nearest ``count`` touched at least twice are
    kept, single touches filling any places left, nearest first. When a side
    has none, because the close is at the period's low (or high), that
    extreme itself is the one level offered if it lies on that side.
    """
    if not bars:
        raise ValueError("support and resistance need at least one bar")
    window = list(bars[-lookback:])
    last_close = window[-1].close
    clusters = _cluster(_swings(window, span), tolerance)
    supports = [level for level in clusters if level.price < last_close]
    resistances = [level for level in clusters if level.price > last_close]
    lowest = min(window, key=lambda bar: bar.low)
    highest = max(window, key=lambda bar: bar.high)
    if not supports and lowest.low < last_close:
        supports = [Level(lowest.low, 1, lowest.day)]
    if not resistances and highest.high > last_close:
        resistances = [Level(highest.high, 1, highest.day)]

    return Levels(
        as_of=window[-1].day,
        last_close=last_close,
        supports=_nearest(supports, last_close, count),
        resistances=_nearest(resistances, last_close, count),
        sessions=len(window),
    )


def _swings(bars: list[Bar], span: int) -> list[tuple[float, date]]:
    """Swing highs and lows as (price, day), plus the window's extremes."""
    points = []
    for i in range(span, len(bars) - span):
        before, after = bars[i - span : i], bars[i + 1 : i + span + 1]
        bar = bars[i]
        if bar.high > max(b.high for b in before) and bar.high >= max(
            b.high for b in after
        ):
            points.append((bar.high, bar.day))
        if bar.low < min(b.low for b in before) and bar.low <= min(
            b.low for b in after
        ):
            points.append((bar.low, bar.day))

    highest = max(bars, key=lambda b: b.high)
    lowest = min(bars, key=lambda b: b.low)
    for extreme in ((highest.high, highest.day), (lowest.low, lowest.day)):
        if extreme not in points:
            points.append(extreme)
    return points


def _cluster(points: list[tuple[float, date]], tolerance: float) -> list[Level]:
    """Group prices that lie within ``tolerance`` of a running cluster mean."""
    groups: list[list[tuple[float, date]]] = []
    for price, day in sorted(points):
        if groups:
            mean = sum(p for p, _ in groups[-1]) / len(groups[-1])
            if price - mean <= tolerance * mean:
                groups[-1].append((price, day))
                continue
        groups.append([(price, day)])

    return [
        Level(
            price=sum(p for p, _ in group) / len(group),
            touches=len(group),
            last_touch=max(d for _, d in group),
        )
        for group in groups
    ]


def _nearest(levels: list[Level], close: float, count: int) -> tuple[Level, ...]:
    """The nearest ``count`` levels, preferring those touched at least twice."""
    ranked = sorted(levels, key=lambda lv: (lv.touches < 2, abs(lv.price - close)))

    return tuple(sorted(ranked[:count], key=lambda lv: abs(lv.price - close)))
