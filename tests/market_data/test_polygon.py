"""PolygonProvider over real HTTP against the loopback upstream server."""

from __future__ import annotations

import socket
import traceback
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from market_parser.config.settings import Secret, Settings
from market_parser.errors import (
    NoDataError,
    RateLimitedError,
    UnknownTickerError,
    UpstreamAuthError,
    UpstreamError,
    UpstreamTimeoutError,
)
from market_parser.market_data import polygon
from market_parser.market_data.polygon import PolygonProvider, next_page_path
from tests.upstream_server import RecordedRequest, Reply, UpstreamServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream" / "polygon"
KEY = "polygon-test-key-Wm4t9c"
NOW = datetime(2024, 3, 15, 18, 0, tzinfo=UTC)
AGGS = "/v2/aggs/ticker/MSFT/range/1/day/2024-03-11/2024-03-15"
AGGS_PAGE_2 = "/v2/aggs/ticker/MSFT/range/1/day/1710388800000/2024-03-15"
SNAPSHOT = "/v2/snapshot/locale/us/markets/stocks/tickers/"
PREV = "/v2/aggs/ticker/MSFT/prev"
DETAILS = "/v3/reference/tickers/"
CHAIN = "/v3/snapshot/options/MSFT"
CONTRACTS = "/v3/reference/options/contracts"
STATUS = "/v1/marketstatus/now"


def fixture(name: str, status: int = 200) -> Reply:
    return Reply.file(FIXTURES / name, status)


def make_provider(base_url: str, read_timeout: float = 2.0) -> PolygonProvider:
    settings = Settings(
        polygon_api_key=Secret(KEY),
        polygon_base_url=base_url,
        http_connect_timeout=1.0,
        http_read_timeout=read_timeout,
    )
    return PolygonProvider(settings, clock=lambda: NOW)


@pytest.fixture
def provider(upstream: UpstreamServer) -> Iterator[PolygonProvider]:
    client = make_provider(upstream.url)
    yield client
    client.close()


def assert_key_hidden(error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    assert KEY not in text
    assert KEY not in repr(error.args)


def test_history_follows_next_url_and_sends_the_key_again(upstream, provider):
    upstream.route(AGGS, fixture("aggs_day_page1.json"))
    upstream.route(AGGS_PAGE_2, fixture("aggs_day_page2.json"))

    bars = provider.history("MSFT", date(2024, 3, 11), date(2024, 3, 15))

    assert [bar.day for bar in bars] == [date(2024, 3, d) for d in range(11, 16)]
    assert [bar.close for bar in bars] == [409.14, 415.28, 415.1, 425.22, 416.42]
    assert bars[0].volume == 21012344
    first, second = upstream.requests
    assert first.query == {
        "adjusted": ["true"],
        "sort": ["asc"],
        "limit": ["50000"],
        "apiKey": [KEY],
    }
    assert second.path == AGGS_PAGE_2
    assert second.query == {"cursor": ["Y3Vyc29yLXBhZ2UtMg"], "apiKey": [KEY]}


def test_pagination_stops_at_the_page_bound(upstream, provider, monkeypatch, caplog):
    monkeypatch.setattr(polygon, "AGGREGATE_PAGES", 3)
    endless = {
        "status": "OK",
        "results": [{"o": 1, "h": 1, "l": 1, "c": 1, "v": 1, "t": 1710129600000}],
        "next_url": f"https://api.polygon.io{AGGS}?cursor=again",
    }
    upstream.route(AGGS, Reply.json(endless))

    bars = provider.history("MSFT", date(2024, 3, 11), date(2024, 3, 15))

    assert len(bars) == 3
    assert len(upstream.requests) == 3
    assert "upstream.pages_truncated" in caplog.text


def test_weekly_bars_are_dated_by_their_new_york_week_start(upstream, provider):
    path = "/v2/aggs/ticker/MSFT/range/1/week/2024-03-03/2024-03-16"
    upstream.route(path, fixture("aggs_week.json"))

    bars = provider.history("MSFT", date(2024, 3, 3), date(2024, 3, 16), "weekly")

    # 2024-03-10 is the day clocks change: its midnight is 05:00 UTC, not 04:00.
    assert [(b.day, b.close) for b in bars] == [
        (date(2024, 3, 3), 406.22),
        (date(2024, 3, 10), 416.42),
    ]


def test_empty_range_of_a_known_ticker_is_no_data(upstream, provider):
    upstream.route(AGGS, fixture("aggs_empty.json"))
    upstream.route(DETAILS + "MSFT", fixture("ticker_details.json"))

    with pytest.raises(NoDataError, match="MSFT"):
        provider.history("MSFT", date(2024, 3, 11), date(2024, 3, 15))

    assert [r.path for r in upstream.requests] == [AGGS, DETAILS + "MSFT"]


def test_empty_range_of_an_unknown_ticker_is_an_unknown_ticker(upstream, provider):
    path = "/v2/aggs/ticker/NOPEQ/range/1/day/2024-03-11/2024-03-15"
    upstream.route(path, fixture("aggs_empty.json"))
    upstream.route(DETAILS + "NOPEQ", fixture("not_found.json", 404))

    with pytest.raises(UnknownTickerError) as caught:
        provider.history("nopeq", date(2024, 3, 11), date(2024, 3, 15))

    assert caught.value.symbols == ("NOPEQ",)
    assert caught.value.source == "Polygon"


def test_delayed_snapshot_is_a_full_quote(upstream, provider):
    upstream.route(SNAPSHOT + "MSFT", fixture("snapshot_ticker_delayed.json"))

    batch = provider.quotes(["msft"])

    (quote,) = batch.quotes
    assert quote.symbol == "MSFT"
    assert (quote.last, quote.prev_close) == (416.44, 425.22)
    assert (quote.change, quote.change_pct) == (-8.78, -2.0648)
    assert (quote.open, quote.high, quote.low) == (424.1, 425.8, 414.1)
    assert (quote.bid, quote.ask) == (416.38, 416.5)
    assert quote.volume == 45049800
    assert quote.as_of == datetime(2024, 3, 15, 19, 59, 58, 123456, tzinfo=UTC)
    assert upstream.requests[0].param("apiKey") == KEY


def test_quotes_ask_per_symbol_and_list_a_404_as_unmatched(upstream, provider):
    upstream.route(SNAPSHOT + "MSFT", fixture("snapshot_ticker_delayed.json"))
    upstream.route(SNAPSHOT + "NOPEQ", fixture("not_found.json", 404))

    batch = provider.quotes(["MSFT", "NOPEQ"])

    assert [q.symbol for q in batch.quotes] == ["MSFT"]
    assert batch.unmatched == ("NOPEQ",)
    assert len(upstream.requests) == 2


def test_premarket_snapshot_with_zero_day_falls_back_to_previous_close(
    upstream, provider
):
    upstream.route(SNAPSHOT + "MSFT", fixture("snapshot_premarket_zero_day.json"))

    (quote,) = provider.quotes(["MSFT"]).quotes

    assert quote.last == 416.42
    assert (quote.open, quote.high, quote.low) == (None, None, None)
    assert (quote.bid, quote.ask) == (None, None)
    assert quote.volume == 0
    assert quote.as_of == datetime(2024, 3, 18, 12, 15, tzinfo=UTC)


def test_plan_without_snapshots_falls_back_to_previous_close_once(upstream, provider):
    upstream.route(SNAPSHOT + "MSFT", fixture("error_not_authorized.json", 403))
    upstream.route(PREV, fixture("prev_close.json"))

    first = provider.quotes(["MSFT"]).quotes[0]
    provider.quotes(["MSFT"])

    assert (first.last, first.open, first.volume) == (416.42, 424.1, 45049800)
    assert first.as_of == datetime(2024, 3, 15, 20, 0, tzinfo=UTC)
    assert len(upstream.requests_to(SNAPSHOT + "MSFT")) == 1
    assert len(upstream.requests_to(PREV)) == 2


def test_refused_key_on_snapshot_is_an_auth_error_without_fallback(upstream, provider):
    upstream.route(SNAPSHOT + "MSFT", fixture("error_unknown_key.json", 401))

    with pytest.raises(UpstreamAuthError) as caught:
        provider.quotes(["MSFT"])

    assert caught.value.status == 401
    assert "Unknown API Key" in str(caught.value)
    assert "POLYGON_API_KEY" in str(caught.value)
    assert upstream.requests_to(PREV) == []
    assert_key_hidden(caught.value)


@pytest.mark.parametrize(
    ("name", "error", "status"),
    [
        ("error_unknown_key.json", UpstreamAuthError, 401),
        ("error_not_authorized.json", UpstreamAuthError, 403),
        ("error_rate_limit.json", RateLimitedError, 429),
        ("error_internal.json", UpstreamError, 200),
    ],
)
def test_errors_reported_in_a_200_body_are_raised(
    upstream, provider, name, error, status
):
    upstream.route(STATUS, fixture(name))

    with pytest.raises(UpstreamError) as caught:
        provider.market_clock()

    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.provider == "polygon"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("12", 12.0),
        (format_datetime(NOW + timedelta(seconds=45), usegmt=True), 45.0),
        (format_datetime(NOW - timedelta(seconds=45), usegmt=True), 0.0),
    ],
    ids=["seconds", "http-date", "http-date-past"],
)
def test_429_reads_retry_after(upstream, provider, header, seconds):
    reply = fixture("error_rate_limit.json", 429)
    upstream.route(STATUS, Reply.raw(reply.body, 429, headers={"Retry-After": header}))

    with pytest.raises(RateLimitedError) as caught:
        provider.market_clock()

    assert caught.value.retry_after == seconds
    assert "exceeded the maximum requests" in str(caught.value)


def test_ticker_details_are_normalized(upstream, provider):
    upstream.route(DETAILS + "MSFT", fixture("ticker_details.json"))

    details = provider.ticker_details("MSFT")

    assert (details.symbol, details.name, details.exchange) == (
        "MSFT",
        "Microsoft Corp",
        "XNAS",
    )
    assert details.market_cap == 3094512345678.5
    assert details.extra["list_date"] == "1986-03-13"
    assert details.extra["total_employees"] == "221000"


def test_unknown_ticker_details_are_an_unknown_ticker(upstream, provider):
    upstream.route(DETAILS + "NOPEQ", fixture("not_found.json", 404))

    with pytest.raises(UnknownTickerError):
        provider.ticker_details("NOPEQ")


def test_option_chain_pages_are_joined_and_normalized(upstream, provider):
    upstream.route(
        CHAIN,
        lambda request: fixture(
            "chain_page2.json" if request.param("cursor") else "chain_page1.json"
        ),
    )

    chain = provider.option_chain("MSFT", date(2024, 4, 19))

    call, put = chain.contracts
    assert (call.symbol, call.kind, call.strike) == ("MSFT240419C00420000", "call", 420)
    assert (call.bid, call.ask, call.last) == (12.95, 13.2, 13.05)
    assert (call.volume, call.open_interest) == (2210, 11872)
    assert (call.implied_volatility, call.delta, call.vega) == (0.2231, 0.4702, 0.5102)
    assert (put.kind, put.bid, put.ask, put.last) == ("put", None, 0.05, None)
    assert (put.volume, put.open_interest, put.delta) == (None, 0, None)
    assert put.implied_volatility is None
    assert chain.underlying_price == 416.42
    assert chain.as_of == datetime(2024, 3, 15, 19, 59, 58, 123456, tzinfo=UTC)
    first, second = upstream.requests
    assert first.query == {
        "expiration_date": ["2024-04-19"],
        "limit": ["250"],
        "apiKey": [KEY],
    }
    assert second.query == {"cursor": ["b3B0aW9ucy1wYWdlLTI"], "apiKey": [KEY]}


def test_empty_chain_of_a_known_ticker_is_no_data(upstream, provider):
    upstream.route(CHAIN, fixture("chain_empty.json"))
    upstream.route(DETAILS + "MSFT", fixture("ticker_details.json"))

    with pytest.raises(NoDataError, match="2024-04-20"):
        provider.option_chain("MSFT", date(2024, 4, 20))


def test_expirations_collect_distinct_dates_across_pages(upstream, provider):
    def contracts(request: RecordedRequest) -> Reply:
        page = (
            "contracts_page2.json"
            if request.param("cursor")
            else "contracts_page1.json"
        )
        return fixture(page)

    upstream.route(CONTRACTS, contracts)

    dates = provider.expirations("MSFT")

    assert dates == [date(2024, 3, 22), date(2024, 4, 19), date(2025, 1, 17)]
    first, second = upstream.requests
    assert first.param("underlying_ticker") == "MSFT"
    assert first.param("expired") == "false"
    assert first.param("limit") == "1000"
    assert second.param("apiKey") == KEY


def test_no_contracts_for_an_unknown_ticker_is_an_unknown_ticker(upstream, provider):
    upstream.route(CONTRACTS, fixture("contracts_empty.json"))
    upstream.route(DETAILS + "NOPEQ", fixture("not_found.json", 404))

    with pytest.raises(UnknownTickerError):
        provider.expirations("NOPEQ")


def test_no_contracts_for_a_known_ticker_is_an_empty_list(upstream, provider):
    upstream.route(CONTRACTS, fixture("contracts_empty.json"))
    upstream.route(DETAILS + "MSFT", fixture("ticker_details.json"))

    assert provider.expirations("MSFT") == []


@pytest.mark.parametrize(
    ("name", "state", "as_of"),
    [
        ("marketstatus_open.json", "open", datetime(2024, 3, 15, 14, 30, tzinfo=UTC)),
        (
            "marketstatus_early_hours.json",
            "premarket",
            datetime(2024, 3, 18, 12, 15, tzinfo=UTC),
        ),
        (
            "marketstatus_closed.json",
            "closed",
            datetime(2024, 3, 16, 16, 0, tzinfo=UTC),
        ),
    ],
)
def test_market_status_maps_to_a_clock(upstream, provider, name, state, as_of):
    upstream.route(STATUS, fixture(name))

    clock = provider.market_clock()

    assert (clock.state, clock.as_of) == (state, as_of)
    assert clock.next_change is None


def test_latest_day_is_the_new_york_date():
    client = make_provider("http://127.0.0.1:9")
    client._clock = lambda: datetime(2024, 3, 16, 3, 59, tzinfo=UTC)

    assert client.latest_day() == date(2024, 3, 15)


def test_next_url_loses_its_host_and_any_api_key_but_keeps_the_cursor():
    url = "https://api.massive.com/v3/quotes/AAPL?cursor=YXA9MT&apiKey=leaked"

    assert next_page_path(url) == "/v3/quotes/AAPL?cursor=YXA9MT"


def test_follow_up_goes_to_our_base_url_not_the_next_url_host(upstream, provider):
    page_1 = {
        "status": "OK",
        "results": [{"expiration_date": "2024-04-19"}],
        "next_url": f"https://elsewhere.example{CONTRACTS}?cursor=c2&apiKey=theirs",
    }
    page_2 = {"status": "OK", "results": [{"expiration_date": "2024-05-17"}]}
    upstream.route(CONTRACTS, [Reply.json(page_1), Reply.json(page_2)])

    assert provider.expirations("MSFT") == [date(2024, 4, 19), date(2024, 5, 17)]
    assert upstream.requests[1].query == {"cursor": ["c2"], "apiKey": [KEY]}


def test_error_page_that_echoes_the_url_does_not_leak_the_key(upstream, provider):
    def echo(request: RecordedRequest) -> Reply:
        return Reply.html(
            f"<html>Bad gateway for {request.path}?apiKey={KEY}</html>", 502
        )

    upstream.route(STATUS, echo)
    upstream.route(DETAILS + "MSFT", lambda r: Reply.text(f"bad apiKey={KEY}", 400))

    with pytest.raises(UpstreamError) as gateway:
        provider.market_clock()
    with pytest.raises(UpstreamError) as bad_request:
        provider.ticker_details("MSFT")

    assert gateway.value.status == 502
    assert bad_request.value.status == 400
    assert_key_hidden(gateway.value)
    assert_key_hidden(bad_request.value)


def test_connection_errors_do_not_leak_the_key_in_message_or_traceback():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_provider(f"http://127.0.0.1:{port}")

    with pytest.raises(UpstreamError) as caught:
        client.history("MSFT", date(2024, 3, 11), date(2024, 3, 15))

    assert "Max retries exceeded" in str(caught.value)
    assert "apiKey=REDACTED" in str(caught.value)
    assert_key_hidden(caught.value)
    client.close()


def test_timeouts_do_not_leak_the_key(upstream):
    upstream.route(STATUS, Reply(delay=2.0))
    client = make_provider(upstream.url, read_timeout=0.2)

    with pytest.raises(UpstreamTimeoutError) as caught:
        client.market_clock()

    assert_key_hidden(caught.value)
    client.close()


def test_our_logs_never_hold_the_key(upstream, provider, caplog):
    """urllib3's own DEBUG lines do show the URL; observability.logs scrubs those."""
    caplog.set_level("DEBUG", logger="market_parser")
    upstream.route(SNAPSHOT + "MSFT", fixture("snapshot_ticker_delayed.json"))
    upstream.route(STATUS, Reply.text("nope", 500))

    provider.quotes(["MSFT"])
    with pytest.raises(UpstreamError):
        provider.market_clock()

    ours = "\n".join(
        record.getMessage() + repr(record.__dict__)
        for record in caplog.records
        if record.name.startswith("market_parser")
    )
    assert "upstream.request" in ours
    assert KEY not in ours
