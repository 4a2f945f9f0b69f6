"""One technical picture of a symbol from a single list of daily bars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from market_parser.analysis.indicators import ema, macd, rsi, sma
from market_parser.analysis.levels import Levels, support_resistance
from market_parser.analysis.volume import VolumeTrend, volume_trend
from market_parser.market_data.models import Bar

MOVING_AVERAGE_WINDOWS = (5, 10, 20, 50, 200)
RSI_PERIOD = 14
OVERBOUGHT = 70.0
OVERSOLD = 30.0

RsiReading = Literal["overbought", "oversold", "neutral"]
MacdReading = Literal["bullish", "bearish", "neutral"]


@dataclass(frozen=True, slots=True)
class TechnicalSummary:
    """The latest indicator values as of ``as_of``; ``None`` where bars ran short.

    ``sma`` and ``ema`` map a window (in sessions) to its latest average. The
    MACD reading is bullish while the MACD line is above its signal line.
    """

    as_of: date
    last_close: float
    sessions: int
    sma: dict[int, float | None]
    ema: dict[int, float | None]
    rsi: float | None
    rsi_reading: RsiReading | None
    macd: float | None
    macd_signal: float | None
    macd_histogram: float | None
    macd_reading: MacdReading | None
    levels: Levels
    volume: VolumeTrend

    def to_dict(self) -> dict[str, Any]:
        """Averages to cents, RSI to 2 decimals, MACD values to 4."""
        return {
            "as_of": self.as_of.isoformat(),
            "last_close": round(self.last_close, 2),
            "sessions": self.sessions,
            "sma": {str(w): _round(v, 2) for w, v in self.sma.items()},
            "ema": {str(w): _round(v, 2) for w, v in self.ema.items()},
            "rsi": _round(self.rsi, 2),
            "rsi_reading": self.rsi_reading,
            "macd": {
                "macd": _round(self.macd, 4),
                "signal": _round(self.macd_signal, 4),
                "histogram": _round(self.macd_histogram, 4),
                "reading": self.macd_reading,
            },
            "support_resistance": self.levels.to_dict(),
            "volume": self.volume.to_dict(),
        }


def technical_summary(bars: Sequence[Bar]) -> TechnicalSummary:
    """Moving averages, RSI(14), MACD(12,26,9), levels and volume from ``bars``.

    Pass daily bars oldest first; about a year of them (250 sessions) fills
    every window, including the 200-session averages.
    """
    if not bars:
        raise ValueError("a technical summary needs at least one bar")
    closes = [bar.close for bar in bars]
    strength = rsi(closes, RSI_PERIOD)[-1]
    lines = macd(closes)
    histogram = lines.histogram[-1]

    return TechnicalSummary(
        as_of=bars[-1].day,
        last_close=closes[-1],
        sessions=len(bars),
        sma={w: sma(closes, w)[-1] for w in MOVING_AVERAGE_WINDOWS},
        ema={w: ema(closes, w)[-1] for w in MOVING_AVERAGE_WINDOWS},
        rsi=strength,
        rsi_reading=_rsi_reading(strength),
        macd=lines.macd[-1],
        macd_signal=lines.signal[-1],
        macd_histogram=histogram,
        macd_reading=_macd_reading(histogram),
        levels=support_resistance(bars),
        volume=volume_trend(bars),
    )


def _rsi_reading(value: float | None) -> RsiReading | None:
    if value is None:
        return None
    if value > OVERBOUGHT:
        return "overbought"
    if value < OVERSOLD:
        return "oversold"
    return "neutral"


def _macd_reading(histogram: float | None) -> MacdReading | None:
    if histogram is None:
        return None
    if histogram > 0:
        return "bullish"
    if histogram < 0:
        return "bearish"
    return "neutral"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
