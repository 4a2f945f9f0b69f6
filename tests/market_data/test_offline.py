"""Tests for the offline provider over the real bokeh-sampledata stock series.

Expected values were read from ``bokeh_sampledata/_data/stocks.csv.gz``; the
references that need whole columns read that file here, apart from the provider.
"""

from __future__ import annotations

import csv
import gzip
import math
import threading
from datetime import UTC, date, datetime

import bokeh_sampledata
import numpy as np
import pytest

from market_parser.errors import NoDataError, UnknownTickerError
from market_parser.market_data import offline
from market_parser.market_data.offline import OfflineProvider

AVAILABLE = ("AAPL", "FB", "GOOG", "IBM", "MSFT")
CLOSE_UTC = datetime(2013, 3, 1, 21, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def provider():
    return OfflineProvider()


def _csv_rows(ticker):
    path = bokeh_sampledata.package_path("stocks.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["Ticker"] == ticker]


def test_names_and_latest_day(provider):
    """The provider names itself and takes the data's last session as today."""
    assert provider.name == "offline"
    assert "bokeh-sampledata" in provider.label
    assert provider.available_symbols == AVAILABLE
    assert provider.latest_day() == date(2013, 3, 1)


def test_quote_for_apple_on_the_last_day(provider):
    """AAPL closed at 430.47 on 2013-03-01, down 10.93 from 441.40."""
    batch = provider.quotes(["AAPL"])
    (quote,) = batch.quotes

    assert batch.unmatched == ()
    assert quote.symbol == "AAPL"
    assert quote.description == "Apple Inc."
    assert (quote.open, quote.high, quote.low, quote.last) == (
        438.0,
        438.1799,
        429.98,
        430.47,
    )
    assert quote.volume == 19730300
    assert quote.prev_close == 441.4
    assert quote.change == pytest.approx(-10.93)
    assert quote.change_pct == pytest.approx(-10.93 / 441.4 * 100, abs=1e-4)
    assert quote.as_of == CLOSE_UTC


def test_quotes_normalize_symbols_and_keep_unknown_ones_apart(provider):
    """Lower case and ``$`` prefixes resolve; TSLA and META are unmatched."""
    batch = provider.quotes(["msft", "$ibm", "TSLA", " meta ", "MSFT"])

    assert [q.symbol for q in batch.quotes] == ["MSFT", "IBM"]
    assert [q.last for q in batch.quotes] == [27.95, 202.91]
    assert batch.quotes[1].prev_close == 200.83
    assert batch.unmatched == ("TSLA", "META")


def test_quotes_with_only_unknown_symbols_return_them_unmatched(provider):
    """The provider leaves the "unknown ticker" answer to its caller."""
    batch = provider.quotes(["TSLA"])

    assert batch.quotes == ()
    assert batch.unmatched == ("TSLA",)


def test_googl_is_googles_pre_2014_series(provider):
    """GOOGL resolves to the GOOG series, which the source filed under GOOGL."""
    (quote,) = provider.quotes(["GOOGL"]).quotes

    assert quote.symbol == "GOOG"
    assert quote.last == 806.19
    assert quote.prev_close == 801.2


def test_daily_history_skips_the_holiday(provider):
    """No bar for Washington's Birthday, 2013-02-18; the bars are the CSV rows."""
    bars = provider.history("AAPL", date(2013, 2, 13), date(2013, 2, 22))

    assert [b.day.day for b in bars] == [13, 14, 15, 19, 20, 21, 22]
    assert bars[2].open == 468.85
    assert bars[2].close == 460.16
    assert bars[2].volume == 13990900


def test_full_history_has_every_csv_row(provider):
    """The whole MSFT series comes back: 3,270 sessions from 2000-03-01."""
    rows = _csv_rows("MSFT")
    bars = provider.history("MSFT", date(1990, 1, 1), date(2020, 1, 1))

    # MSFT split 2:1 on 2003-02-18; earlier closes are halved onto today's basis.
    expected = [
        float(r["Close"]) / (2 if r["Date"] < "2003-02-18" else 1) for r in rows
    ]
    assert len(bars) == len(rows) == 3270
    assert [b.close for b in bars] == pytest.approx(expected, abs=1e-4)
    assert provider.coverage("MSFT") == (date(2000, 3, 1), date(2013, 3, 1))


def test_splits_are_back_adjusted(provider):
    """Across AAPL's 2005 and MSFT's 2003 2:1 splits, prices and volumes line up."""
    aapl = provider.history("AAPL", date(2005, 2, 25), date(2005, 2, 28))
    assert [b.close for b in aapl] == [44.495, 44.86]  # 88.99 / 2, then as traded
    assert aapl[0].volume == 2 * 16_348_400
    msft = provider.history("MSFT", date(2003, 2, 14), date(2003, 2, 18))
    assert [b.close for b in msft] == [24.15, 24.96]
    first = provider.history("AAPL", date(2000, 3, 1), date(2000, 3, 1))[0]
    assert first.close == pytest.approx(130.31 / 4)  # both AAPL splits


def test_split_ratios_come_from_the_adjusted_close():
    """Only the factor jumps of the three real splits are detected, as 2:1."""
    from bokeh_sampledata import stocks

    from market_parser.market_data.offline import split_ratios

    found = {
        symbol: {
            getattr(stocks, symbol)["date"][index]: str(ratio)
            for index, ratio in split_ratios(
                getattr(stocks, symbol)["close"], getattr(stocks, symbol)["adj_close"]
            ).items()
        }
        for symbol in ("AAPL", "FB", "GOOG", "IBM", "MSFT")
    }
    assert found == {
        "AAPL": {"2000-06-21": "2", "2005-02-28": "2"},
        "FB": {},
        "GOOG": {},
        "IBM": {},
        "MSFT": {"2003-02-18": "2"},
    }


def test_weekly_bar_of_a_holiday_week(provider):
    """The week of 2013-02-19 starts on Tuesday and sums four sessions' volume."""
    bars = provider.history("AAPL", date(2013, 2, 11), date(2013, 2, 22), "weekly")
    week = bars[-1]

    assert [b.day for b in bars] == [date(2013, 2, 11), date(2013, 2, 19)]
    assert (week.open, week.high, week.low, week.close) == (
        461.1,
        462.73,
        442.82,
        450.81,
    )
    assert week.volume == 15563700 + 17010800 + 15970800 + 11809100


def test_monthly_bar_of_facebooks_first_month(provider):
    """FB's May 2012 bar opens at the IPO day's 42.05 and closes at 29.60."""
    bars = provider.history("FB", date(2012, 1, 1), date(2012, 6, 30), "monthly")
    may = bars[0]

    assert may.day == date(2012, 5, 18)
    assert (may.open, may.high, may.low, may.close) == (42.05, 45.0, 26.83, 29.6)
    assert may.volume == 1251513200
    assert bars[1].day == date(2012, 6, 1)


def test_weekend_names_the_weekend_and_the_coverage(provider):
    """A weekend right after the data's end is "no session", not "no data"."""
    with pytest.raises(NoDataError) as caught:
        provider.history("AAPL", date(2013, 3, 2), date(2013, 3, 3))

    message = str(caught.value)
    assert "no trading sessions" in message
    assert "weekend" in message
    assert "last AAPL session before was 2013-03-01" in message
    assert "AAPL data covers 2000-03-01 to 2013-03-01" in message


def test_holiday_names_the_holiday(provider):
    """Asking for 2013-02-18 alone explains the Washington's Birthday closure."""
    with pytest.raises(NoDataError, match="Washington's Birthday") as caught:
        provider.history("IBM", date(2013, 2, 18), date(2013, 2, 18))

    assert "last IBM session before was 2013-02-15" in str(caught.value)


def test_range_after_the_data_end_states_the_coverage(provider):
    """The week of 2013-03-04 had sessions, but the data stops before them."""
    with pytest.raises(NoDataError, match="AAPL data covers 2000-03-01 to 2013-03-01"):
        provider.history("AAPL", date(2013, 3, 4), date(2013, 3, 8))


def test_range_before_facebooks_first_day(provider):
    """FB data starts with its IPO session, 2012-05-18."""
    with pytest.raises(NoDataError, match="FB data covers 2012-05-18 to 2013-03-01"):
        provider.history("FB", date(2012, 5, 1), date(2012, 5, 17))


def test_reversed_range_is_refused(provider):
    """A range whose start follows its end says how to fix it."""
    with pytest.raises(NoDataError, match="start date before the end date"):
        provider.history("AAPL", date(2013, 3, 1), date(2013, 2, 1))


@pytest.mark.parametrize("symbol", ["TSLA", "META"])
def test_unknown_ticker_lists_what_is_available(provider, symbol):
    """Tesla and Meta are not in the set; the error names the five that are."""
    with pytest.raises(UnknownTickerError) as caught:
        provider.history(symbol, date(2013, 1, 1), date(2013, 2, 1))

    assert caught.value.symbols == (symbol,)
    assert caught.value.available == AVAILABLE
    assert "Available tickers: AAPL, FB, GOOG, IBM, MSFT" in str(caught.value)


def test_bar_on_or_before_answers_a_holiday_with_the_session_before(provider):
    """2013-02-18 was a holiday; the answer is the 2013-02-15 close, 460.16."""
    bar = provider.bar_on_or_before("AAPL", date(2013, 2, 18))

    assert bar.day == date(2013, 2, 15)
    assert bar.close == 460.16


def test_bar_on_or_before_after_the_end(provider):
    """The Saturday after the end is answered; the Monday after is not known."""
    assert provider.bar_on_or_before("AAPL", date(2013, 3, 3)).close == 430.47
    with pytest.raises(NoDataError, match="nothing for 2013-03-04"):
        provider.bar_on_or_before("AAPL", date(2013, 3, 4))


def test_bar_on_or_before_the_first_day(provider):
    """There is no FB session on or before the day before its IPO."""
    with pytest.raises(NoDataError, match="FB data covers 2012-05-18"):
        provider.bar_on_or_before("FB", date(2012, 5, 17))


def test_coverage_of_each_series(provider):
    """GOOG starts at its 2004 IPO and FB at its 2012 IPO; all end on 2013-03-01."""
    assert provider.coverage("GOOG") == (date(2004, 8, 19), date(2013, 3, 1))
    assert provider.coverage("fb") == (date(2012, 5, 18), date(2013, 3, 1))


def test_expirations_move_good_friday_to_thursday(provider):
    """Weeklies include 2013-03-28, the Thursday before Good Friday."""
    listed = provider.expirations("IBM")

    assert date(2013, 3, 28) in listed
    assert date(2013, 3, 29) not in listed
    assert listed[0] == date(2013, 3, 8)
    assert listed[-1] == date(2015, 1, 16)


def test_expirations_of_an_unknown_ticker(provider):
    """Option questions about unknown tickers fail like every other question."""
    with pytest.raises(UnknownTickerError):
        provider.expirations("TSLA")


def test_option_chain_is_modeled_from_the_last_close(provider):
    """The AAPL March 2013 chain spans 370 to 495 in $5 steps, calls and puts."""
    chain = provider.option_chain("AAPL", date(2013, 3, 15))
    strikes = sorted({c.strike for c in chain.contracts})

    assert chain.modeled is True
    assert chain.underlying_price == 430.47
    assert chain.as_of == CLOSE_UTC
    assert strikes == [370.0 + 5 * n for n in range(26)]
    assert len(chain.contracts) == 2 * len(strikes)
    assert {c.symbol for c in chain.contracts} >= {
        "AAPL130315C00430000",
        "AAPL130315P00430000",
    }


def test_option_chain_volatility_is_30_day_realized(provider):
    """The sigma used is the annualized stdev of the last 30 daily log returns."""
    closes = np.array([float(r["Close"]) for r in _csv_rows("AAPL")[-31:]])
    expected = np.std(np.diff(np.log(closes)), ddof=1) * math.sqrt(252)
    chain = provider.option_chain("AAPL", date(2013, 3, 15))

    assert [c.implied_volatility for c in chain.contracts] == pytest.approx(
        [expected] * len(chain.contracts), rel=1e-12
    )


def test_option_chain_prices_hold_put_call_parity(provider):
    """Call minus put equals S - K e^(-rT) to within the cent rounding."""
    chain = provider.option_chain("IBM", date(2013, 4, 19))
    years = (date(2013, 4, 19) - date(2013, 3, 1)).days / 365
    calls = {c.strike: c for c in chain.contracts if c.kind == "call"}
    puts = {c.strike: c for c in chain.contracts if c.kind == "put"}

    for strike, call in calls.items():
        forward = 202.91 - strike * math.exp(-offline.RISK_FREE_RATE * years)
        assert call.last - puts[strike].last == pytest.approx(forward, abs=0.011)


def test_option_chain_quotes_and_greeks_are_consistent(provider):
    """Bid below mid below ask, spread by the rule, call deltas and thetas sane."""
    chain = provider.option_chain("GOOG", date(2013, 3, 8))
    calls = [c for c in chain.contracts if c.kind == "call"]

    assert [c.strike for c in calls] == [690.0 + 10 * n for n in range(24)]
    for contract in chain.contracts:
        spread = max(offline.MIN_SPREAD, offline.SPREAD_FRACTION * contract.last)
        assert contract.bid <= contract.last <= contract.ask
        assert contract.ask - contract.bid == pytest.approx(spread, abs=0.021)
        assert contract.volume is None and contract.open_interest is None
    deltas = [c.delta for c in calls]
    assert deltas == sorted(deltas, reverse=True)
    # With no dividends a call always loses value with time.
    assert all(c.theta < 0 for c in calls)


@pytest.mark.parametrize(
    ("price", "step"), [(24.99, 1.0), (27.95, 2.5), (202.91, 5.0), (806.19, 10.0)]
)
def test_strike_increments(price, step):
    """$1 under $25, $2.50 under $200, $5 under $500, $10 above."""
    assert offline.strike_increment(price) == step


def test_small_prices_get_few_strikes(provider):
    """MSFT at 27.95 lists 25, 27.50 and 30 within ±15 %."""
    chain = provider.option_chain("MSFT", date(2013, 3, 15))

    assert sorted({c.strike for c in chain.contracts}) == [25.0, 27.5, 30.0]


def test_unlisted_expiration_lists_the_nearest(provider):
    """Good Friday is not an expiration; the error offers the days around it."""
    with pytest.raises(NoDataError) as caught:
        provider.option_chain("AAPL", date(2013, 3, 29))

    assert "2013-03-22, 2013-03-28, 2013-04-05" in str(caught.value)


def test_market_clock_is_the_last_close(provider):
    """Offline the market is closed as of 2013-03-01 and reopens 2013-03-04 09:30 ET."""
    clock = provider.market_clock()

    assert clock.state == "closed"
    assert not clock.is_open
    assert clock.as_of == CLOSE_UTC
    assert clock.next_change == datetime(2013, 3, 4, 14, 30, tzinfo=UTC)
    assert clock.next_state == "open"
    assert "not live" in clock.description
    assert "Tradier or Polygon" in clock.description


def test_data_loads_once_under_concurrent_first_use(monkeypatch):
    """Threads that race to the first call share one load of the data set."""
    calls = []
    real_load = offline._load

    def counting_load():
        calls.append(1)
        return real_load()

    monkeypatch.setattr(offline, "_load", counting_load)
    provider = OfflineProvider()
    barrier = threading.Barrier(8)
    days = []

    def first_use():
        barrier.wait()
        days.append(provider.latest_day())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1
    assert days == [date(2013, 3, 1)] * 8


def test_construction_does_not_load(monkeypatch):
    """Creating the provider reads nothing; the first question does."""
    monkeypatch.setattr(offline, "_load", lambda: pytest.fail("loaded eagerly"))

    OfflineProvider()
