"""The offline provider: real daily prices from the ``bokeh-sampledata`` package.

The data set holds unadjusted daily OHLCV for AAPL, FB, GOOG, IBM and MSFT, ending
on 2013-03-01, which serves as "today". Prices before a split inside the data
(AAPL 2000 and 2005, MSFT 2003) are divided by its ratio, and volumes multiplied,
so that every session is on the 2013-03-01 share basis, as charting sites show
history; later sessions are the recorded values to the cent. Quotes and history
are the recorded sessions; option expirations and chains are modeled (see `option_chain`), since
the data set has no options. Loading takes tens of milliseconds, so it happens on
first use, once, under a lock; this module avoids pandas to keep cold starts short.
"""

from __future__ import annotations

import logging
import math
import statistics
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from market_parser.analysis.black_scholes import DAYS_PER_YEAR, option_value
from market_parser.analysis.resample import PERIOD_KEYS, resample
from market_parser.errors import NoDataError, UnknownTickerError
from market_parser.market_data import calendar
from market_parser.market_data.models import (
    Bar,
    Interval,
    MarketClock,
    OptionChain,
    OptionContract,
    OptionKind,
    Quote,
    QuoteBatch,
)

logger = logging.getLogger(__name__)

NEW_YORK = ZoneInfo("America/New_York")

COMPANIES = {
    "AAPL": "Apple Inc.",
    "FB": "Facebook, Inc.",
    "GOOG": "Google Inc.",
    "IBM": "International Business Machines Corporation",
    "MSFT": "Microsoft Corporation",
}
# The source files Google's pre-2014 history under GOOGL: Alphabet's class A
# shares carry it today, so a user asking for GOOGL means this series. META is
# deliberately not FB: in 2013 that ticker was not Facebook's.
ALIASES = {"GOOGL": "GOOG"}

# The adjusted-close factor moves this much only on a split: dividends move it
# by a few percent at most.
SPLIT_THRESHOLD = 1.25

# Early 2013 Treasury yields were near zero: about 0.10 % for the 3-month bill,
# 0.15 % for one year and 0.25 % for two. One rate in that band is enough: across
# it a near-month at-the-money price moves by about 2 cents and even a two-year
# at-the-money GOOG LEAPS (over $100) by under a dollar.
RISK_FREE_RATE = 0.0015
VOLATILITY_RETURNS = 30
TRADING_DAYS_PER_YEAR = 252
STRIKE_RANGE = 0.15
# The quoted spread is 4 % of the model mid, but never under 5 cents, which is
# about what liquid large-cap options showed in 2013.
SPREAD_FRACTION = 0.04
MIN_SPREAD = 0.05

# Weekly bars group by ISO week, monthly ones by calendar month.


@dataclass(frozen=True, slots=True)
class _Series:
    """One symbol's sessions, with their days kept apart for bisecting."""

    days: tuple[date, ...]
    bars: tuple[Bar, ...]

    @property
    def coverage(self) -> str:
        return f"{self.days[0]} to {self.days[-1]}"


class OfflineProvider:
    """Market data from the bundled sample set; needs no key and no network."""

    name = "offline"
    label = (
        "Offline sample data (bokeh-sampledata, daily OHLCV to 2013-03-01, "
        "split-adjusted)"
    )
    available_symbols: tuple[str, ...] = tuple(COMPANIES)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[str, _Series] | None = None

    def latest_day(self) -> date:
        """The data's last session, 2013-03-01, which stands in for today."""
        return max(series.days[-1] for series in self._data().values())

    def coverage(self, symbol: str) -> tuple[date, date]:
        """The first and last session the data holds for ``symbol``."""
        series = self._data()[self.resolve(symbol)]
        return series.days[0], series.days[-1]

    def resolve(self, symbol: str) -> str:
        """The data set's name for ``symbol``, or `UnknownTickerError`."""
        canonical = _normalize(symbol)
        canonical = ALIASES.get(canonical, canonical)
        if canonical not in COMPANIES:
            raise UnknownTickerError(
                [canonical], source=self.label, available=self.available_symbols
            )
        return canonical

    def quotes(self, symbols: Sequence[str]) -> QuoteBatch:
        """The latest session of each symbol; unknown symbols go to ``unmatched``."""
        quotes, unmatched = [], []
        for symbol in dict.fromkeys(_normalize(s) for s in symbols if s.strip()):
            try:
                canonical = self.resolve(symbol)
            except UnknownTickerError:
                unmatched.append(symbol)
                continue
            quotes.append(self._quote(canonical))

        return QuoteBatch(quotes=tuple(quotes), unmatched=tuple(unmatched))

    def _quote(self, symbol: str) -> Quote:
        bars = self._data()[symbol].bars
        bar, previous = bars[-1], bars[-2]
        change = bar.close - previous.close

        return Quote(
            symbol=symbol,
            last=bar.close,
            prev_close=previous.close,
            change=change,
            change_pct=change / previous.close * 100,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            volume=bar.volume,
            description=COMPANIES[symbol],
            as_of=_at(bar.day, 16),
        )

    def history(
        self,
        symbol: str,
        start: date,
        end: date,
        interval: Interval = "daily",
    ) -> list[Bar]:
        """Bars in [start, end]; weekly and monthly ones aggregate the daily bars.

        A weekly or monthly bar is dated by its first session in the range, so
        a range that starts mid-week begins with a partial week.
        """
        canonical = self.resolve(symbol)
        series = self._data()[canonical]
        if start > end:
            raise NoDataError(
                f"The range starts on {start}, after it ends on {end}; "
                "ask for a start date before the end date."
            )
        if interval != "daily" and interval not in PERIOD_KEYS:
            raise ValueError(f"interval must be daily, weekly or monthly: {interval!r}")

        bars = series.bars[
            bisect_left(series.days, start) : bisect_right(series.days, end)
        ]
        if not bars:
            raise NoDataError(_empty_range_message(canonical, series, start, end))
        if interval == "daily":
            return list(bars)

        return resample(bars, interval)

    def bar_on_or_before(self, symbol: str, day: date) -> Bar:
        """The session on ``day``, or the last one before it (for holidays).

        Past the data's end this answers only when no session could have come
        in between (a weekend right after 2013-03-01); otherwise the data
        simply does not know, and `NoDataError` says so.
        """
        canonical = self.resolve(symbol)
        series = self._data()[canonical]
        index = bisect_right(series.days, day)
        if index == 0:
            raise NoDataError(
                f"{canonical} data covers {series.coverage}; "
                f"there is no session on or before {day}."
            )
        last = series.days[-1]
        if day > last and calendar.next_session(last) <= day:
            raise NoDataError(
                f"{canonical} data covers {series.coverage}, so it has nothing "
                f"for {day}. Ask about a date in that range."
            )

        return series.bars[index - 1]

    def expirations(self, symbol: str) -> list[date]:
        """Modeled expirations as of the data's last day: weeklies, monthlies, LEAPS.

        See `calendar.option_expirations`; the data set itself has no options.
        """
        self.resolve(symbol)
        return calendar.option_expirations(self.latest_day())

    def option_chain(self, symbol: str, expiration: date) -> OptionChain:
        """A Black-Scholes chain from the last close and 30-day realized volatility.

        Strikes span about ±15 % of the close in steps of $1 under $25, $2.50
        under $200, $5 under $500 and $10 above. ``last`` is the model price,
        bid and ask sit half the spread rule (`SPREAD_FRACTION`, `MIN_SPREAD`)
        either side of it, ``implied_volatility`` is the volatility used, and
        there is no volume or open interest.
        """
        canonical = self.resolve(symbol)
        listed = self.expirations(canonical)
        if expiration not in listed:
            raise NoDataError(_unlisted_message(canonical, expiration, listed))

        bars = self._data()[canonical].bars
        spot, today = bars[-1].close, bars[-1].day
        sigma = realized_volatility(
            [bar.close for bar in bars[-VOLATILITY_RETURNS - 1 :]]
        )
        years = (expiration - today).days / DAYS_PER_YEAR
        contracts = tuple(
            _model_contract(canonical, kind, strike, expiration, spot, years, sigma)
            for kind in ("call", "put")
            for strike in strike_grid(spot)
        )

        return OptionChain(
            underlying=canonical,
            expiration=expiration,
            contracts=contracts,
            underlying_price=spot,
            modeled=True,
            as_of=_at(today, 16),
        )

    def market_clock(self) -> MarketClock:
        """The market as of the data's last close; the offline set has no live clock."""
        today = self.latest_day()
        reopen = calendar.next_session(today)

        return MarketClock(
            state="closed",
            as_of=_at(today, 16),
            description=(
                "The offline sample data is not live: this is the market as of the "
                f"close of its last session, {today:%A} {today}; the next session "
                f"opened {reopen:%A} {reopen} at 9:30 ET. Set a Tradier or Polygon "
                "API key for live market status."
            ),
            next_change=_at(reopen, 9, 30),
            next_state="open",
        )

    def _data(self) -> dict[str, _Series]:
        series = self._series
        if series is None:
            with self._lock:
                if self._series is None:
                    self._series = _load()
                series = self._series
        return series


def _normalize(symbol: str) -> str:
    return symbol.strip().lstrip("$").upper()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A New York wall-clock time on ``day``, as UTC."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)
    return local.astimezone(UTC)


def _load() -> dict[str, _Series]:
    """Read the five series from the package, which parses its CSV on import."""
    started = time.perf_counter()
    from bokeh_sampledata import stocks

    columns = ("date", "open", "high", "low", "close", "volume")
    loaded = {}
    for symbol in COMPANIES:
        raw = getattr(stocks, symbol)
        bars = [
            Bar(date.fromisoformat(day), o, h, lo, c, int(v))
            for day, o, h, lo, c, v in zip(*(raw[k] for k in columns), strict=True)
        ]
        splits = split_ratios(raw["close"], raw["adj_close"])
        adjusted = tuple(adjust_for_splits(bars, splits))
        loaded[symbol] = _Series(days=tuple(bar.day for bar in adjusted), bars=adjusted)
    logger.info(
        "offline.loaded",
        extra={
            "provider": "offline",
            "bars": sum(len(s.bars) for s in loaded.values()),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )

    return loaded


def split_ratios(
    closes: Sequence[float], adjusted: Sequence[float]
) -> dict[int, Fraction]:
    """Splits in the data: the index of each split's first session and its ratio.

    The source's adjusted close divided by its close moves by a fraction of a
    percent on a dividend and by the split ratio (2, 3/2, 7...) on a split.
    """
    factors = [a / c for a, c in zip(adjusted, closes, strict=True)]
    splits = {}
    for index in range(1, len(factors)):
        ratio = factors[index] / factors[index - 1]
        if ratio > SPLIT_THRESHOLD:
            splits[index] = Fraction(ratio).limit_denominator(10)
    return splits


def adjust_for_splits(bars: Sequence[Bar], splits: dict[int, Fraction]) -> list[Bar]:
    """Bars on the share basis of the last session: earlier prices divided by
    each later split's ratio, volumes multiplied, so periods across a split
    compare like with like.
    """
    adjusted: list[Bar] = []
    ratio = Fraction(1)
    for index in range(len(bars) - 1, -1, -1):
        bar = bars[index]
        if ratio != 1:
            factor = float(ratio)
            bar = Bar(
                bar.day,
                round(bar.open / factor, 4),
                round(bar.high / factor, 4),
                round(bar.low / factor, 4),
                round(bar.close / factor, 4),
                round(bar.volume * factor),
            )
        adjusted.append(bar)
        ratio *= splits.get(index, 1)
    adjusted.reverse()

    return adjusted


def _empty_range_message(symbol: str, series: _Series, start: date, end: date) -> str:
    """Why [start, end] holds no session, and what the data does cover."""
    coverage = f"{symbol} data covers {series.coverage}."
    if calendar.next_session(start - timedelta(days=1)) <= end:
        span = f"on {start}" if start == end else f"from {start} to {end}"
        return f"No {symbol} data {span}: {coverage} Ask about dates in that range."

    if start == end:
        why = calendar.closure_reason(start) or f"a {start:%A}"
        message = f"There was no trading session on {start} ({why})."
    else:
        why = " and ".join(_closures(start, end))
        message = f"There were no trading sessions from {start} to {end} ({why})."
    before = calendar.previous_session(start)
    if before in series.days:
        message += f" The last {symbol} session before was {before}."

    return f"{message} {coverage}"


def _closures(start: date, end: date) -> list[str]:
    """Why the market was shut on each day of a range: weekends and named closures."""
    reasons = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        reason = "a weekend" if day.weekday() >= 5 else calendar.closure_reason(day)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


def _unlisted_message(symbol: str, expiration: date, listed: list[date]) -> str:
    nearest = sorted(sorted(listed, key=lambda day: abs(day - expiration))[:3])
    names = ", ".join(day.isoformat() for day in nearest)
    return (
        f"No modeled {symbol} options expire on {expiration}. "
        f"Nearest expirations: {names}."
    )


def realized_volatility(closes: Sequence[float]) -> float:
    """Annualized sample standard deviation of the daily log returns of ``closes``."""
    if len(closes) < 3:
        raise ValueError("realized volatility needs at least three closes")
    returns = [math.log(b / a) for a, b in zip(closes, closes[1:], strict=False)]

    return statistics.stdev(returns) * math.sqrt(TRADING_DAYS_PER_YEAR)


def strike_increment(price: float) -> float:
    """The strike step listed around ``price``."""
    if price < 25:
        return 1.0
    if price < 200:
        return 2.5
    if price < 500:
        return 5.0
    return 10.0


def strike_grid(price: float) -> list[float]:
    """Strikes at the standard increment within ±`STRIKE_RANGE` of ``price``."""
    step = strike_increment(price)
    low = math.ceil(price * (1 - STRIKE_RANGE) / step)
    high = math.floor(price * (1 + STRIKE_RANGE) / step)

    return [n * step for n in range(low, high + 1)]


def occ_symbol(
    underlying: str, expiration: date, kind: OptionKind, strike: float
) -> str:
    """The OCC option symbol, e.g. ``AAPL130315C00430000``."""
    side = "C" if kind == "call" else "P"
    return f"{underlying}{expiration:%y%m%d}{side}{round(strike * 1000):08d}"


def _model_contract(
    underlying: str,
    kind: OptionKind,
    strike: float,
    expiration: date,
    spot: float,
    years: float,
    sigma: float,
) -> OptionContract:
    value = option_value(
        kind, spot=spot, strike=strike, years=years, rate=RISK_FREE_RATE, sigma=sigma
    )
    half_spread = max(MIN_SPREAD, SPREAD_FRACTION * value.price) / 2

    return OptionContract(
        symbol=occ_symbol(underlying, expiration, kind, strike),
        underlying=underlying,
        kind=kind,
        strike=strike,
        expiration=expiration,
        bid=max(0.0, round(value.price - half_spread, 2)),
        ask=round(value.price + half_spread, 2),
        last=round(value.price, 2),
        implied_volatility=sigma,
        delta=value.delta,
        gamma=value.gamma,
        theta=value.theta,
        vega=value.vega,
    )
