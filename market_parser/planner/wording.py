"""Numbers and dates as a reader of an answer expects them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")


def money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def signed_money(value: float | None) -> str:
    if value is None:
        return "n/a"
    sign = "+" if value >= 0 else "−"
    return f"{sign}${abs(value):,.2f}"


def signed(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{'+' if value >= 0 else '−'}{abs(value):.2f}"


def percent(value: float | None) -> str:
    if value is None:
        return "n/a"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{abs(value):.2f}%"


def unsigned_percent(value: float | None) -> str:
    """A percentage without its sign, for after a word that gives the direction."""
    return "n/a" if value is None else f"{abs(value):.2f}%"


def shares(value: float | None) -> str:
    if value is None:
        return "n/a"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{value / size:.2f}{suffix}"
    return f"{value:,.0f}"


def weekday(iso_day: str | None) -> str:
    if not iso_day:
        return "n/a"
    day = date.fromisoformat(iso_day[:10])
    return f"{day:%a} {day.isoformat()}"


def eastern(iso_time: str) -> str:
    """An ISO timestamp as New York market time: "Mon 2013-03-04 09:30 ET"."""
    moment = datetime.fromisoformat(iso_time).astimezone(NEW_YORK)
    return f"{moment:%a %Y-%m-%d %H:%M} ET"


def direction(change: float | None) -> str:
    if change is None:
        return "unchanged"
    return "up" if change > 0 else "down" if change < 0 else "unchanged"


def touches(count: int) -> str:
    return "1 touch" if count == 1 else f"{count} touches"


def sessions(count: int) -> str:
    return "1 session" if count == 1 else f"{count} sessions"


def above_below(change_pct: float) -> str:
    """How a figure stands against a baseline: "5.84% below", "level with"."""
    if round(change_pct, 2) == 0:
        return "level with"
    side = "above" if change_pct > 0 else "below"
    return f"{unsigned_percent(change_pct)} {side}"
