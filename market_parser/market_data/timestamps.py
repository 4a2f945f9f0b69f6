"""Upstream timestamps turned into timezone-aware UTC datetimes and trading days.

Providers mix units: Tradier sends milliseconds (quotes) and seconds (the clock),
Polygon milliseconds (bars), nanoseconds (snapshots, trades) and, in places,
seconds. The unit is told apart by magnitude, which is safe for any date
between 1973 and 5138.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")

# Epoch values below each bound are read in that unit. 1e11 seconds is the year
# 5138; 1e11 milliseconds is 1973, so no real market timestamp is ambiguous.
_UNITS = (
    (1e11, 1.0),
    (1e14, 1e3),
    (1e17, 1e6),
)
_NANOSECONDS = 1e9


def from_epoch(value: float | int | str | None) -> datetime | None:
    """A UTC datetime from an epoch number in s, ms, us or ns; None for 0 or None.

    Tradier writes ``0`` for "never traded", so zero and negative values mean
    "no timestamp" rather than 1970.
    """
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        return None
    if number >= 1e17:
        # Split before dividing: a float holds ns epochs only to ~100 ns.
        whole = value if isinstance(value, int) else int(number)
        seconds, nanos = divmod(whole, int(_NANOSECONDS))
        return datetime.fromtimestamp(seconds, UTC) + timedelta(
            microseconds=nanos // 1000
        )
    divisor = next(div for bound, div in _UNITS if number < bound)

    return datetime.fromtimestamp(number / divisor, UTC)


def to_utc(value: object) -> datetime | None:
    """A UTC datetime from an epoch number, a numeric string or an ISO 8601 string.

    Naive ISO strings are taken as New York time, the zone both providers use
    for market times written without an offset.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return from_epoch(value)
    text = str(value).strip()
    try:
        return from_epoch(float(text))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NEW_YORK)

    return parsed.astimezone(UTC)


def session_day(value: float | int) -> date:
    """The New York trading day an epoch timestamp falls on."""
    moment = from_epoch(value)
    if moment is None:
        raise ValueError(f"{value!r} is not a timestamp")

    return moment.astimezone(NEW_YORK).date()


def today_in_new_york(now: datetime | None = None) -> date:
    """Today's date on the US equity market's calendar."""
    moment = now or datetime.now(UTC)

    return moment.astimezone(NEW_YORK).date()
