"""Every recorded upstream response in ../shared/fixtures/upstream, read by our code.

Files for endpoints we call are served through the loopback server to the
provider method that calls them; files for endpoints we do not call (indicators,
last trade) go to the parse function or timestamp helper that would read them.
Cassettes (``*.cassette*.json``) hold the status, headers and body of a
response, and are served as such.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from market_parser.config.settings import Secret, Settings
from market_parser.errors import UpstreamAuthError
from market_parser.market_data.http import RequestSpec
from market_parser.market_data.polygon import (
    PolygonProvider,
    next_page_path,
    parse_bars,
    parse_option_contract,
    parse_snapshot_quote,
)
from market_parser.market_data.timestamps import from_epoch, session_day
from market_parser.market_data.tradier import TradierProvider
from tests.upstream_server import RecordedRequest, Reply, UpstreamServer

RECORDED = (
    Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "upstream"
)
FILES = sorted(p.relative_to(RECORDED).as_posix() for p in RECORDED.rglob("*.json"))
KEY = "recorded-fixture-key-P0q"
# Hop-by-hop headers describe the recorded connection, not the response.
HOP_HEADERS = {"connection", "content-length", "transfer-encoding"}

pytestmark = pytest.mark.skipif(
    not RECORDED.is_dir(), reason=f"no recorded fixtures at {RECORDED}"
)


@dataclass
class Upstream:
    """The loopback server and both providers pointed at it."""

    server: UpstreamServer
    tradier: TradierProvider
    polygon: PolygonProvider


Check = Callable[[Path, Upstream], None]
CHECKS: dict[str, Check] = {}


def check(*names: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for name in names:
            CHECKS[name] = function
        return function

    return register


@pytest.fixture
def live(upstream: UpstreamServer) -> Iterator[Upstream]:
    settings = Settings(
        tradier_api_key=Secret(KEY),
        tradier_base_url=upstream.url,
        polygon_api_key=Secret(KEY),
        polygon_base_url=upstream.url,
        http_read_timeout=2.0,
    )
    providers = Upstream(upstream, TradierProvider(settings), PolygonProvider(settings))
    yield providers
    providers.tradier.close()
    providers.polygon.close()


def test_every_recorded_file_has_a_check():
    assert FILES, "the recorded fixtures folder is empty"
    assert sorted(set(FILES) - set(CHECKS)) == []


@pytest.mark.parametrize("name", FILES)
def test_recorded_file_is_read_to_its_real_values(name, live):
    CHECKS[name](RECORDED / name, live)


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def cassette(path: Path) -> Reply:
    """The recorded response of a vcrpy-style cassette's first interaction."""
    response = load(path)["interactions"][0]["response"]
    headers = {
        name: values[0]
        for name, values in response["headers"].items()
        if name.lower() not in HOP_HEADERS
    }
    body = response["body"]["string"].encode()
    return Reply(status=response["status"]["code"], body=body, headers=headers)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Polygon: endpoints we call.


@check("polygon/aggs_AAPL_1_day_2005-04-01_2005-04-04.json")
def aapl_2005_daily_aggregates_give_the_recorded_bars(path, live):
    live.server.route(
        "/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04", Reply.file(path)
    )

    bars = live.polygon.history("AAPL", date(2005, 4, 1), date(2005, 4, 4))

    assert [(b.day, b.close) for b in bars] == [
        (date(2005, 4, 1), 1.4604),
        (date(2005, 4, 4), 1.4675),
    ]
    assert (bars[0].open, bars[0].high, bars[0].low) == (1.5032, 1.5064, 1.4489)
    assert bars[0].volume == 642646396


@check("polygon/aggs_prev_AAPL.json")
def aapl_previous_close_is_the_recorded_bar(path, live):
    live.server.route("/v2/aggs/ticker/AAPL/prev", Reply.file(path))

    quote = live.polygon.previous_close("AAPL")

    assert (quote.symbol, quote.last, quote.open) == ("AAPL", 156.8, 162.25)
    assert quote.volume == 95595226
    assert quote.as_of == utc(2022, 4, 26, 20, 0)


@check("polygon/docs_example_aggs_AAPL_with_next_url.json")
def docs_example_next_url_is_followed_on_our_host_with_the_key(path, live):
    live.server.route(
        "/v2/aggs/ticker/AAPL/range/1/day/2020-01-02/2020-01-10", Reply.file(path)
    )
    page_2 = "/v2/aggs/ticker/AAPL/range/1/day/1578114000000/2020-01-10"
    live.server.route(page_2, Reply.json({"status": "OK", "resultsCount": 0}))

    bars = live.polygon.history("AAPL", date(2020, 1, 2), date(2020, 1, 10))

    assert [(b.day, b.close) for b in bars] == [
        (date(2020, 1, 2), 75.0875),
        (date(2020, 1, 3), 74.3575),
    ]
    (follow_up,) = live.server.requests_to(page_2)
    assert follow_up.query == {"cursor": ["bGltaXQ9MiZzb3J0PWFzYw"], "apiKey": [KEY]}


@check("polygon/error_ERROR_api_key_not_provided.json")
def missing_key_error_is_an_auth_error_as_401_or_in_a_200_body(path, live):
    for status in (401, 200):
        live.server.route("/v1/marketstatus/now", Reply.file(path, status))

        with pytest.raises(UpstreamAuthError) as caught:
            live.polygon.market_clock()

        assert caught.value.status == 401
        assert "API Key was not provided" in str(caught.value)


@check("polygon/marketstatus_now.json")
def after_hours_market_status_is_postmarket(path, live):
    live.server.route("/v1/marketstatus/now", Reply.file(path))

    clock = live.polygon.market_clock()

    assert clock.state == "postmarket"
    assert clock.as_of == utc(2022, 4, 28, 20, 48, 8)


@check("polygon/options_chain_snapshot_AAPL.json")
def aapl_chain_snapshot_gives_the_recorded_contract(path, live):
    live.server.route("/v3/snapshot/options/AAPL", Reply.file(path))

    chain = live.polygon.option_chain("AAPL", date(2023, 6, 16))

    (contract,) = chain.contracts
    assert_recorded_aapl_call(contract)
    assert chain.underlying_price == 159.9606
    assert chain.as_of == utc(2022, 4, 29, 17, 44, 20, 800059)


@check("polygon/snapshot_stocks_ticker_AAPL.json")
def aapl_ticker_snapshot_gives_the_recorded_quote(path, live):
    path_ = "/v2/snapshot/locale/us/markets/stocks/tickers/AAPL"
    live.server.route(path_, Reply.file(path))

    (quote,) = live.polygon.quotes(["AAPL"]).quotes

    assert (quote.last, quote.prev_close) == (159.99, 163.64)
    assert (quote.change, quote.change_pct) == (-3.65, -2.231)
    assert (quote.bid, quote.ask, quote.volume) == (159.98, 159.99, 68840127)
    assert quote.as_of == utc(2022, 4, 29, 17, 5, 48, 294080)


@check("polygon/ticker_details_AAPL.json")
def aapl_ticker_details_are_read(path, live):
    live.server.route("/v3/reference/tickers/AAPL", Reply.file(path))

    details = live.polygon.ticker_details("AAPL")

    assert (details.name, details.exchange) == ("Apple Inc.", "XNAS")
    assert details.market_cap == 2488795282370
    assert details.extra["list_date"] == "1980-12-12"
    assert details.description.startswith("Apple designs")


@check("polygon/reference_markets_v2_vcr_cassette_with_headers.json")
def markets_cassette_is_served_and_parsed_through_the_http_layer(path, live):
    live.server.route("/v2/reference/markets", cassette(path))

    payload = live.polygon.http.get_json(
        RequestSpec("reference_markets", "/v2/reference/markets")
    )

    assert [m["market"] for m in payload["results"]][:2] == ["STOCKS", "INDICES"]
    assert len(payload["results"]) == 7
    assert live.server.requests[0].param("apiKey") == KEY


@check(
    "polygon/quotes_AAPL_page1_with_next_url.json",
    "polygon/reference_tickers_page1_with_next_url.json",
)
def recorded_first_page_leads_to_a_second_request_with_cursor_and_key(path, live):
    first_page = load(path)
    urlpath, _, query = next_page_path(first_page["next_url"]).partition("?")

    def pages(request: RecordedRequest) -> Reply:
        if request.param("cursor"):
            return Reply.json({"status": "OK", "results": []})
        return Reply.file(path)

    live.server.route(urlpath, pages)

    payloads = list(live.polygon.pages(RequestSpec("recorded", urlpath), max_pages=5))

    assert len(payloads) == 2
    assert payloads[0] == first_page
    second = live.server.requests[1]
    assert second.query == {"cursor": [query.removeprefix("cursor=")], "apiKey": [KEY]}


# Polygon: endpoints we do not call, read by the parsers and timestamp helper.


@check("polygon/options_contract_snapshot_AAPL230616C00150000.json")
def single_contract_snapshot_parses_like_a_chain_entry(path, live):
    assert_recorded_aapl_call(parse_option_contract(load(path)["results"], "AAPL"))


@check("polygon/snapshot_stocks_all_tickers.json")
def all_tickers_snapshot_entry_parses_as_a_quote(path, live):
    quote = parse_snapshot_quote(load(path)["tickers"][0])

    assert (quote.symbol, quote.last, quote.prev_close) == ("BCAT", 20.506, 20.63)
    assert (quote.bid, quote.ask, quote.change) == (20.5, 20.6, -0.124)
    assert quote.as_of == utc(2020, 11, 12, 14, 54, 54, 630916)


@check("polygon/last_trade_AAPL.json")
def last_trade_nanosecond_time_is_read(path, live):
    results = load(path)["results"]

    assert results["p"] == 166.25
    assert from_epoch(results["t"]) == utc(2022, 4, 28, 20, 55, 19, 310617)


@check("polygon/last_nbbo_AAPL.json")
def last_nbbo_nanosecond_time_is_read(path, live):
    results = load(path)["results"]

    assert (results["p"], results["P"]) == (155.65, 155.66)
    assert from_epoch(results["t"]) == utc(2022, 5, 10, 14, 25, 54, 171838)


@check("polygon/indicator_ema_AAPL_window5.json")
def ema_values_are_dated_by_their_millisecond_timestamps(path, live):
    values = load(path)["results"]["values"]

    first = values[0]
    assert session_day(first["timestamp"]) == date(2016, 11, 4)
    assert first["value"] == 110.96883950617286
    assert session_day(values[-1]["timestamp"]) == date(2016, 11, 1)


@check("polygon/indicator_macd_SPY.json")
def macd_values_are_dated_by_their_millisecond_timestamps(path, live):
    values = load(path)["results"]["values"]

    assert len(values) == 8
    assert session_day(values[0]["timestamp"]) == date(2022, 8, 19)
    assert values[0]["histogram"] == -42.59162765160919


@check("polygon/indicator_rsi_AAPL_window20_minute.json")
def minute_rsi_values_are_fifteen_minutes_apart(path, live):
    stamps = [from_epoch(v["timestamp"]) for v in load(path)["results"]["values"]]

    assert len(stamps) == 37
    assert stamps[0] == utc(2022, 8, 19, 17, 0)
    assert (stamps[0] - stamps[1]).total_seconds() == 900


@check("polygon/indicator_sma_AAPL_window30_expand_underlying.json")
def sma_second_timestamps_match_the_millisecond_aggregates(path, live):
    payload = load(path)
    values = payload["results"]["values"]
    bars = parse_bars(payload["results"]["underlying"]["aggregates"])

    # The values are in seconds, the aggregates in ms: the same instant either way.
    assert from_epoch(values[0]["timestamp"]) == from_epoch(1578027600000)
    assert [(b.day, b.close) for b in bars] == [
        (date(2020, 1, 2), 75.0875),
        (date(2020, 1, 3), 74.3575),
    ]
    assert next_page_path(payload["next_url"]).startswith(
        "/v1/indicators/sma/AAPL?cursor="
    )


def assert_recorded_aapl_call(contract: Any) -> None:
    assert (contract.symbol, contract.underlying) == ("AAPL230616C00150000", "AAPL")
    assert (contract.kind, contract.strike) == ("call", 150.0)
    assert contract.expiration == date(2023, 6, 16)
    assert (contract.bid, contract.ask, contract.last) == (28.9, 29.25, 29.25)
    assert (contract.volume, contract.open_interest) == (8, 8133)
    assert contract.implied_volatility == 0.3570277203465058
    assert contract.delta == 0.6436614934293701


# Tradier: every file is an endpoint we call.


@check("tradier/error_401_invalid_access_token_plaintext.cassette.json")
def plaintext_401_cassette_is_an_auth_error(path, live):
    live.server.route("/v1/markets/history", cassette(path))

    with pytest.raises(UpstreamAuthError) as caught:
        live.tradier.history("AAPL", date(2024, 2, 1), date(2024, 2, 29))

    assert caught.value.status == 401
    assert "Invalid Access Token" in str(caught.value)


@check("tradier/history_AAPL_daily_2024-02.json")
def aapl_february_2024_history_gives_twenty_sessions(path, live):
    live.server.route("/v1/markets/history", Reply.file(path))

    bars = live.tradier.history("AAPL", date(2024, 2, 1), date(2024, 2, 29))

    assert len(bars) == 20
    assert (bars[0].day, bars[0].open) == (date(2024, 2, 1), 183.985)
    assert (bars[-1].day, bars[-1].close) == (date(2024, 2, 29), 180.75)
    assert bars[-1].volume == 136682600


@check("tradier/legacy2013_history_AAPL_daily.json")
def legacy_history_reads_a_year_of_seventeen_digit_floats(path, live):
    live.server.route("/v1/markets/history", Reply.file(path))

    bars = live.tradier.history("AAPL", date(2012, 5, 25), date(2013, 6, 10))

    assert len(bars) == 260
    assert (bars[0].day, bars[0].close) == (date(2012, 5, 25), 562.29)
    assert (bars[-1].day, bars[-1].close) == (date(2013, 6, 10), 438.89)


@check("tradier/legacy2013_clock.json")
def legacy_closed_clock_points_at_eight_am_premarket(path, live):
    live.server.route("/v1/markets/clock", Reply.file(path))

    clock = live.tradier.market_clock()

    assert (clock.state, clock.description) == ("closed", "Market is closed.")
    assert clock.as_of == utc(2013, 6, 11, 2, 39, 13)
    assert clock.next_change == utc(2013, 6, 11, 12, 0)
    assert clock.next_state == "premarket"


@check("tradier/legacy2013_options_chain_AAPL_2015-01-17.json")
def legacy_chain_takes_kind_and_expiry_from_the_occ_symbols(path, live):
    live.server.route("/v1/markets/options/chains", Reply.file(path))

    chain = live.tradier.option_chain("AAPL", date(2015, 1, 17))

    assert len(chain.contracts) == 330
    by_symbol = {c.symbol: c for c in chain.contracts}
    call = by_symbol["AAPL150117C01000000"]
    assert (call.kind, call.strike, call.bid, call.ask) == ("call", 1000.0, 1.86, 2.25)
    assert (call.last, call.open_interest, call.volume) == (1.9, 5444, None)
    adjusted = by_symbol["AAPL7150117P00660000"]
    assert (adjusted.kind, adjusted.strike, adjusted.last) == ("put", 660.0, None)
    assert sum(c.kind == "put" for c in chain.contracts) == 165


@check("tradier/legacy2013_options_expirations_AAPL.json")
def legacy_expirations_are_twelve_dates(path, live):
    live.server.route("/v1/markets/options/expirations", Reply.file(path))

    dates = live.tradier.expirations("AAPL")

    assert len(dates) == 12
    assert (dates[0], dates[-1]) == (date(2013, 6, 7), date(2015, 1, 17))


@check("tradier/options_expirations_PLTR_includeAllRoots.json")
def pltr_expirations_are_nineteen_dates(path, live):
    live.server.route("/v1/markets/options/expirations", Reply.file(path))

    dates = live.tradier.expirations("PLTR")

    assert len(dates) == 19
    assert (dates[0], dates[-1]) == (date(2024, 6, 28), date(2026, 12, 18))
    assert live.server.requests[0].param("includeAllRoots") == "true"


@check("tradier/legacy2013_quote_single_AAPL_object.json")
def legacy_single_quote_reads_its_iso_trade_date(path, live):
    live.server.route("/v1/markets/quotes", Reply.file(path))

    (quote,) = live.tradier.quotes(["AAPL"]).quotes

    assert (quote.last, quote.change, quote.description) == (438.89, -2.921, "APPLE")
    assert quote.as_of == utc(2013, 6, 10, 20, 0)


@check("tradier/legacy2013_quotes_AAPL_MSFT_list.json")
def legacy_quote_list_gives_both_symbols(path, live):
    live.server.route("/v1/markets/quotes", Reply.file(path))

    batch = live.tradier.quotes(["AAPL", "MSFT"])

    assert [(q.symbol, q.last) for q in batch.quotes] == [
        ("AAPL", 438.89),
        ("MSFT", 35.47),
    ]
    assert batch.quotes[1].bid == 35.43
    assert batch.unmatched == ()


@check("tradier/quote_single_PLTR_object_not_list.json")
def pltr_single_quote_object_is_read(path, live):
    live.server.route("/v1/markets/quotes", Reply.file(path))

    (quote,) = live.tradier.quotes(["PLTR"]).quotes

    assert (quote.last, quote.prev_close, quote.change_pct) == (25.5, 25.22, 1.11)
    assert (quote.bid, quote.ask, quote.volume) == (25.49, 25.5, 12860810)
    assert quote.as_of == utc(2024, 6, 28, 15, 51, 1, 696000)


@check(
    "tradier/quotes_SPY_and_SPY251219P00450000_greeks_list.json",
    "tradier/quotes_SPY_and_SPY251219P00450000_greeks.cassette_with_ratelimit_headers.json",
)
def spy_and_spy_put_quotes_are_read(path, live):
    reply = cassette(path) if ".cassette" in path.name else Reply.file(path)
    live.server.route("/v1/markets/quotes", reply)

    spy, put = live.tradier.quotes(["SPY", "SPY251219P00450000"]).quotes

    assert (spy.last, spy.prev_close, spy.volume) == (547.94, 546.37, 16616657)
    assert (put.last, put.prev_close, put.bid, put.ask) == (10.05, 10.54, 10.2, 10.36)
    assert put.description == "SPY Dec 19 2025 $450.00 Put"
