"""Whether trading volume is rising or falling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from market_parser.market_data.models import Bar

VolumeDirection = Literal["rising", "falling", "flat"]

# Daily volume routinely swings by a few percent; only a move of more than
# this many percent between the two averages is called a trend.
FLAT_BAND_PCT = 10.0
# One or two sessions are a day's news, not a trend: below this many recent
# sessions no direction is named.
MIN_TREND_SESSIONS = 3
LATEST_BASELINE = 20


@dataclass(frozen=True, slots=True)
class VolumeTrend:
    """Recent average volume against the average of the sessions before it.

    ``average_volume_20`` is the mean of the (up to) 20 bars before the latest,
    the baseline ``latest_volume`` is compared with. Fields that need earlier
    bars than were given are ``None``.
    """

    as_of: date
    recent_sessions: int
    recent_average: float
    prior_sessions: int
    prior_average: float | None
    change_pct: float | None
    direction: VolumeDirection | None
    latest_volume: int
    average_volume_20: float | None
    latest_vs_average_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        """Volumes as whole shares, percentages to 2 decimals."""
        return {
            "as_of": self.as_of.isoformat(),
            "recent_sessions": self.recent_sessions,
            "recent_average": round(self.recent_average),
            "prior_sessions": self.prior_sessions,
            "prior_average": _whole(self.prior_average),
            "change_pct": _round(self.change_pct),
            "direction": self.direction,
            "latest_volume": self.latest_volume,
            "average_volume_20": _whole(self.average_volume_20),
            "latest_vs_average_pct": _round(self.latest_vs_average_pct),
        }


def volume_trend(
    bars: Sequence[Bar], *, recent: int = 5, prior: int = 20
) -> VolumeTrend:
    """Compare the last ``recent`` bars' average volume with the ``prior`` before.

    The direction is "rising" or "falling" when the recent average differs
    from the prior one by more than `FLAT_BAND_PCT` percent, else "flat", and
    None with fewer than `MIN_TREND_SESSIONS` recent bars or no prior ones.
    With fewer bars than asked for, the windows shrink to what there is.
    """
    if not bars:
        raise ValueError("a volume trend needs at least one bar")
    if recent < 1 or prior < 1:
        raise ValueError(f"recent and prior must be positive, got {recent}, {prior}")
    recent = min(recent, len(bars))
    recent_bars = bars[len(bars) - recent :]
    prior_bars = bars[max(0, len(bars) - recent - prior) : len(bars) - recent]
    recent_average = _mean([b.volume for b in recent_bars])
    prior_average = _mean([b.volume for b in prior_bars]) if prior_bars else None
    change_pct = _pct_change(recent_average, prior_average)
    baseline_bars = bars[max(0, len(bars) - 1 - LATEST_BASELINE) : len(bars) - 1]
    baseline = _mean([b.volume for b in baseline_bars]) if baseline_bars else None

    return VolumeTrend(
        as_of=bars[-1].day,
        recent_sessions=recent,
        recent_average=recent_average,
        prior_sessions=len(prior_bars),
        prior_average=prior_average,
        change_pct=change_pct,
        direction=_direction(change_pct) if recent >= MIN_TREND_SESSIONS else None,
        latest_volume=bars[-1].volume,
        average_volume_20=baseline,
        latest_vs_average_pct=_pct_change(bars[-1].volume, baseline),
    )


def _direction(change_pct: float | None) -> VolumeDirection | None:
    if change_pct is None:
        return None
    if change_pct > FLAT_BAND_PCT:
        return "rising"
    if change_pct < -FLAT_BAND_PCT:
        return "falling"
    return "flat"


def _pct_change(value: float, base: float | None) -> float | None:
    if not base:
        return None
    return (value - base) / base * 100.0


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
