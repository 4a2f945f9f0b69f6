"""Moving averages, RSI and MACD over a list of values (usually closes).

Every function returns a list aligned with its input: element ``i`` is the
indicator as of value ``i``, and ``None`` until there are enough values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Macd:
    """The MACD line, its signal line and their difference, aligned with the input."""

    macd: list[float | None]
    signal: list[float | None]
    histogram: list[float | None]

    def to_dict(self) -> dict[str, list[float | None]]:
        """The three lines, rounded to 4 decimals."""
        return {
            "macd": _rounded(self.macd),
            "signal": _rounded(self.signal),
            "histogram": _rounded(self.histogram),
        }


def sma(values: Sequence[float], window: int) -> list[float | None]:
    """The simple moving average of the last ``window`` values."""
    _check_window(window)
    result: list[float | None] = [None] * len(values)
    total = 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        if i >= window - 1:
            result[i] = total / window
    return result


def ema(values: Sequence[float], window: int) -> list[float | None]:
    """The exponential moving average with smoothing ``2 / (window + 1)``.

    It starts at value ``window - 1`` from the simple average of the first
    ``window`` values, the usual seed, so its first value equals the SMA's.
    """
    _check_window(window)
    return _ema_from(list(values), window)


def rsi(values: Sequence[float], period: int = 14) -> list[float | None]:
    """Wilder's relative strength index, 0 to 100.

    The first average gain and loss are plain means of the first ``period``
    changes; later ones use Wilder's smoothing, ``(prev * (period - 1) + x) /
    period``. A stretch with no losses reads 100, one with no moves at all 50.
    """
    _check_window(period)
    result: list[float | None] = [None] * len(values)
    if len(values) <= period:
        return result
    changes = [b - a for a, b in zip(values, values[1:], strict=False)]
    gain = sum(max(c, 0.0) for c in changes[:period]) / period
    loss = sum(max(-c, 0.0) for c in changes[:period]) / period
    result[period] = _rsi_value(gain, loss)
    for i in range(period, len(changes)):
        gain = (gain * (period - 1) + max(changes[i], 0.0)) / period
        loss = (loss * (period - 1) + max(-changes[i], 0.0)) / period
        result[i + 1] = _rsi_value(gain, loss)
    return result


def macd(
    values: Sequence[float], fast: int = 12, slow: int = 26, signal: int = 9
) -> Macd:
    """MACD: the fast EMA minus the slow EMA, and an EMA of that as the signal.

    The signal line is seeded like `ema`, from the first ``signal`` MACD
    values, so it starts ``signal - 1`` values after the MACD line.
    """
    if not 0 < fast < slow:
        raise ValueError(f"fast must be below slow, got {fast} and {slow}")
    _check_window(signal)
    fast_line, slow_line = ema(values, fast), ema(values, slow)
    line = [
        None if f is None or s is None else f - s
        for f, s in zip(fast_line, slow_line, strict=True)
    ]
    start = slow - 1
    signal_line = [None] * min(start, len(values)) + _ema_from(
        [v for v in line[start:] if v is not None], signal
    )
    histogram = [
        None if m is None or s is None else m - s
        for m, s in zip(line, signal_line, strict=True)
    ]

    return Macd(macd=line, signal=signal_line, histogram=histogram)


def _ema_from(values: list[float], window: int) -> list[float | None]:
    result: list[float | None] = [None] * len(values)
    if len(values) < window:
        return result
    alpha = 2.0 / (window + 1)
    current = sum(values[:window]) / window
    result[window - 1] = current
    for i in range(window, len(values)):
        current = alpha * values[i] + (1 - alpha) * current
        result[i] = current
    return result


def _rsi_value(gain: float, loss: float) -> float:
    if loss == 0:
        return 50.0 if gain == 0 else 100.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


def _check_window(window: int) -> None:
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")


def _rounded(values: list[float | None], digits: int = 4) -> list[float | None]:
    return [None if v is None else round(v, digits) for v in values]
