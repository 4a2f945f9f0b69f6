"""TradierProvider over real HTTP against the loopback upstream server."""

from __future__ import annotations

import socket
import time
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
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.market_data.http import RequestOutcome
from market_parser.market_data.tradier import TradierProvider
from tests.upstream_server import Reply, UpstreamServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream" / "tradier"
KEY = "tradier-test-key-Zq81xv"
NOW = datetime(2024, 3, 15, 18, 0, tzinfo=UTC)
QUOTES = "/v1/markets/quotes"
HISTORY = "/v1/markets/history"
EXPIRATIONS = "/v1/markets/options/expirations"
CHAINS = "/v1/markets/options/chains"
CLOCK = "/v1/markets/clock"


def fixture(name: str, status: int = 200) -> Reply:
    return Reply.file(FIXTURES / name, status)


def make_provider(base_url: str, read_timeout: float = 2.0) -> TradierProvider:
    settings = Settings(
        tradier_api_key=Secret(KEY),
        tradier_base_url=base_url,
        http_connect_timeout=1.0,
        http_read_timeout=read_timeout,
    )
    return TradierProvider(settings, clock=lambda: NOW)


@pytest.fixture
def tradier(upstream: UpstreamServer) -> Iterator[TradierProvider]:
    provider = make_provider(upstream.url)
    yield provider
    provider.close()


def test_one_symbol_quote_object_becomes_one_normalized_quote(upstream, tradier):
    upstream.route(QUOTES, fixture("quotes_single_object.json"))

    batch = tradier.quotes(["msft"])

    (quote,) = batch.quotes
    assert batch.unmatched == ()
    assert quote.symbol == "MSFT"
    assert quote.last == 421.35
    assert quote.prev_close == 424.57
    assert quote.change == -3.22
    assert quote.change_pct == -0.76
    assert (quote.open, quote.high, quote.low) == (424.1, 425.8, 419.97)
    assert (quote.bid, quote.ask) == (421.3, 421.38)
    assert quote.volume == 22184036
    assert quote.description == "Microsoft Corp"
    assert quote.as_of == datetime(2024, 3, 15, 19, 59, 58, 250000, tzinfo=UTC)


def test_quotes_send_bearer_key_json_accept_and_no_greeks(upstream, tradier):
    upstream.route(QUOTES, fixture("quotes_single_object.json"))

    tradier.quotes(["MSFT"])

    (request,) = upstream.requests
    assert request.header("Authorization") == f"Bearer {KEY}"
    assert request.header("Accept") == "application/json"
    assert request.param("symbols") == "MSFT"
    assert request.param("greeks") == "false"


def test_several_symbols_share_one_request_and_unmatched_list_is_kept(
    upstream, tradier
):
    upstream.route(QUOTES, fixture("quotes_list_with_unmatched.json"))

    batch = tradier.quotes(["AMD", "intc", "ZZZQ", "XXYYQ", "AMD"])

    assert [q.symbol for q in batch.quotes] == ["AMD", "INTC"]
    assert [q.last for q in batch.quotes] == [191.06, 42.68]
    assert batch.unmatched == ("ZZZQ", "XXYYQ")
    (request,) = upstream.requests
    assert request.param("symbols") == "AMD,INTC,ZZZQ,XXYYQ"


def test_unmatched_symbol_as_a_bare_string_is_one_unmatched(upstream, tradier):
    upstream.route(QUOTES, fixture("quotes_object_with_unmatched_string.json"))

    batch = tradier.quotes(["F", "NOPEQ"])

    assert [q.symbol for q in batch.quotes] == ["F"]
    assert batch.quotes[0].last == 12.41
    assert batch.unmatched == ("NOPEQ",)


def test_all_symbols_unmatched_gives_an_empty_batch(upstream, tradier):
    upstream.route(QUOTES, fixture("quotes_all_unmatched.json"))

    batch = tradier.quotes(["NOPEQ"])

    assert batch.quotes == ()
    assert batch.unmatched == ("NOPEQ",)


def test_symbol_missing_from_both_lists_counts_as_unmatched(upstream, tradier):
    upstream.route(QUOTES, fixture("quotes_single_object.json"))

    batch = tradier.quotes(["MSFT", "GE"])

    assert [q.symbol for q in batch.quotes] == ["MSFT"]
    assert batch.unmatched == ("GE",)


def test_no_symbols_sends_no_request(upstream, tradier):
    assert tradier.quotes([" "]).quotes == ()
    assert upstream.requests == []


def test_zero_bid_ask_and_trade_date_of_an_untraded_contract_become_none(
    upstream, tradier
):
    upstream.route(QUOTES, fixture("quotes_no_market.json"))

    (quote,) = tradier.quotes(["AMD240419P00120000"]).quotes

    assert (quote.bid, quote.ask, quote.last, quote.as_of) == (None, None, None, None)
    assert quote.volume == 0


def test_daily_history_parses_every_day_and_sends_the_range(upstream, tradier):
    upstream.route(HISTORY, fixture("history_daily.json"))

    bars = tradier.history("amd", date(2024, 3, 11), date(2024, 3, 15))

    assert [bar.day for bar in bars] == [date(2024, 3, d) for d in range(11, 16)]
    by_day = {bar.day: bar for bar in bars}
    assert by_day[date(2024, 3, 13)].close == 195.81
    assert by_day[date(2024, 3, 11)].open == 210.1
    assert by_day[date(2024, 3, 15)].volume == 60114002
    (request,) = upstream.requests
    assert request.query == {
        "symbol": ["AMD"],
        "interval": ["daily"],
        "start": ["2024-03-11"],
        "end": ["2024-03-15"],
    }


def test_single_day_history_object_becomes_one_bar(upstream, tradier):
    upstream.route(HISTORY, fixture("history_single_day.json"))

    (bar,) = tradier.history("AMD", date(2024, 3, 15), date(2024, 3, 15))

    assert (bar.day, bar.close, bar.high) == (date(2024, 3, 15), 191.06, 195.22)


def test_weekly_history_asks_for_the_weekly_interval(upstream, tradier):
    upstream.route(HISTORY, fixture("history_weekly.json"))

    bars = tradier.history("AMD", date(2024, 3, 4), date(2024, 3, 15), "weekly")

    assert [(b.day, b.close) for b in bars] == [
        (date(2024, 3, 4), 215.98),
        (date(2024, 3, 11), 191.06),
    ]
    assert upstream.requests[0].param("interval") == "weekly"


def test_null_history_for_a_known_symbol_is_no_data(upstream, tradier):
    upstream.route(HISTORY, fixture("history_null.json"))
    upstream.route(QUOTES, fixture("quotes_single_object.json"))

    with pytest.raises(NoDataError, match="MSFT"):
        tradier.history("MSFT", date(2024, 3, 16), date(2024, 3, 17))

    assert [r.path for r in upstream.requests] == [HISTORY, QUOTES]


def test_null_history_for_an_unmatched_symbol_is_an_unknown_ticker(upstream, tradier):
    upstream.route(HISTORY, fixture("history_null.json"))
    upstream.route(QUOTES, fixture("quotes_all_unmatched.json"))

    with pytest.raises(UnknownTickerError) as caught:
        tradier.history("NOPEQ", date(2024, 3, 11), date(2024, 3, 15))

    assert caught.value.symbols == ("NOPEQ",)
    assert caught.value.source == "Tradier"


def test_expirations_list_includes_all_roots_and_comes_back_sorted(upstream, tradier):
    upstream.route(EXPIRATIONS, fixture("expirations_list.json"))

    dates = tradier.expirations("AMD")

    assert len(dates) == 7
    assert (dates[0], dates[-1]) == (date(2024, 3, 22), date(2025, 1, 17))
    (request,) = upstream.requests
    assert request.param("symbol") == "AMD"
    assert request.param("includeAllRoots") == "true"


def test_single_expiration_string_becomes_a_one_item_list(upstream, tradier):
    upstream.route(EXPIRATIONS, fixture("expirations_single_string.json"))

    assert tradier.expirations("F") == [date(2024, 4, 19)]


def test_null_expirations_for_a_known_symbol_is_an_empty_list(upstream, tradier):
    upstream.route(EXPIRATIONS, fixture("expirations_null.json"))
    upstream.route(QUOTES, fixture("quotes_single_object.json"))

    assert tradier.expirations("MSFT") == []


def test_null_expirations_for_an_unmatched_symbol_is_an_unknown_ticker(
    upstream, tradier
):
    upstream.route(EXPIRATIONS, fixture("expirations_null.json"))
    upstream.route(QUOTES, fixture("quotes_all_unmatched.json"))

    with pytest.raises(UnknownTickerError):
        tradier.expirations("NOPEQ")


def test_option_chain_normalizes_traded_untraded_and_one_sided_contracts(
    upstream, tradier
):
    upstream.route(CHAINS, fixture("chain_list.json"))

    chain = tradier.option_chain("AMD", date(2024, 4, 19))

    call, untraded, one_sided = chain.contracts
    assert (call.symbol, call.kind, call.strike) == ("AMD240419C00190000", "call", 190)
    assert (call.bid, call.ask, call.last) == (9.8, 9.95, 9.85)
    assert (call.volume, call.open_interest) == (4211, 15231)
    assert (call.implied_volatility, call.delta) == (0.4951, 0.5412)
    assert (untraded.kind, untraded.strike) == ("put", 120.0)
    assert (untraded.bid, untraded.ask, untraded.last) == (None, None, None)
    assert (untraded.volume, untraded.open_interest) == (0, 0)
    assert untraded.delta is None and untraded.implied_volatility is None
    assert (one_sided.bid, one_sided.ask) == (None, 0.44)
    assert one_sided.implied_volatility == 0.602
    assert chain.underlying == "AMD"
    assert chain.as_of == datetime(2024, 3, 15, 19, 59, 59, tzinfo=UTC)
    assert not chain.modeled
    (request,) = upstream.requests
    assert request.param("expiration") == "2024-04-19"
    assert request.param("greeks") == "true"


def test_single_option_object_becomes_a_one_contract_chain(upstream, tradier):
    upstream.route(CHAINS, fixture("chain_single_object.json"))

    (contract,) = tradier.option_chain("F", date(2024, 4, 19)).contracts

    assert (contract.strike, contract.bid, contract.ask) == (12.5, 0.35, 0.37)


def test_null_options_for_a_known_symbol_is_no_data(upstream, tradier):
    upstream.route(CHAINS, fixture("chain_null.json"))
    upstream.route(QUOTES, fixture("quotes_single_object.json"))

    with pytest.raises(NoDataError, match="2024-04-20"):
        tradier.option_chain("MSFT", date(2024, 4, 20))


def test_open_clock_gives_state_time_and_next_change(upstream, tradier):
    upstream.route(CLOCK, fixture("clock_open.json"))

    clock = tradier.market_clock()

    assert clock.is_open
    assert clock.as_of == datetime(2024, 3, 15, 14, 30, tzinfo=UTC)
    assert clock.next_change == datetime(2024, 3, 15, 20, 0, tzinfo=UTC)
    assert clock.next_state == "postmarket"
    assert clock.description == "Market is open from 09:30 to 16:00"


def test_evening_clock_puts_the_next_change_on_the_next_morning(upstream, tradier):
    upstream.route(CLOCK, fixture("clock_closed_evening.json"))

    clock = tradier.market_clock()

    assert clock.state == "closed"
    assert clock.next_change == datetime(2024, 3, 13, 11, 0, tzinfo=UTC)
    assert clock.next_state == "premarket"


def test_postmarket_clock_next_change_is_eight_pm_new_york(upstream, tradier):
    upstream.route(CLOCK, fixture("clock_postmarket.json"))

    clock = tradier.market_clock()

    assert clock.state == "postmarket"
    assert clock.next_change == datetime(2024, 3, 16, 0, 0, tzinfo=UTC)


def test_latest_day_is_the_new_york_date():
    provider = make_provider("http://127.0.0.1:9")
    provider._clock = lambda: datetime(2024, 3, 16, 2, 0, tzinfo=UTC)

    assert provider.latest_day() == date(2024, 3, 15)


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (Reply.text("Invalid Access Token", 401, "plain/text"), UpstreamAuthError, 401),
        (fixture("error_fault_invalid_token.json", 401), UpstreamAuthError, 401),
        (Reply.json({"fault": {"faultstring": "no"}}, 403), UpstreamAuthError, 403),
        (Reply.html("<html><h1>Bad Gateway</h1></html>", 502), UpstreamError, 502),
        (Reply.text("", 503), UpstreamError, 503),
        (Reply.html("<html>Not Found</html>", 404), UpstreamError, 404),
        (Reply.html("<html><body>Maintenance</body></html>"), UpstreamFormatError, 200),
        (Reply.text("Invalid Access Token"), UpstreamFormatError, 200),
        (Reply.raw(b""), UpstreamFormatError, 200),
        (Reply.raw(b'{"quotes": {"quote": {"symb'), UpstreamFormatError, 200),
        (Reply.json({"quotes": ["not", "a", "map"]}), UpstreamFormatError, None),
    ],
    ids=[
        "401-plaintext",
        "401-json-fault",
        "403",
        "502-html",
        "503-empty",
        "404-html",
        "200-html",
        "200-plaintext",
        "200-empty",
        "200-truncated-json",
        "200-wrong-shape",
    ],
)
def test_unusable_answers_become_the_matching_error(
    upstream, tradier, reply, error, status
):
    upstream.route(QUOTES, reply)

    with pytest.raises(UpstreamError) as caught:
        tradier.quotes(["MSFT"])

    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.provider == "tradier"
    assert KEY not in str(caught.value)


def test_auth_error_quotes_the_provider_and_names_the_setting(upstream, tradier):
    upstream.route(HISTORY, Reply.text("Invalid Access Token", 401, "plain/text"))

    with pytest.raises(UpstreamAuthError) as caught:
        tradier.history("AAPL", date(2024, 2, 1), date(2024, 2, 29))

    assert "Invalid Access Token" in str(caught.value)
    assert "TRADIER_API_KEY" in str(caught.value)


def test_rate_limit_reads_retry_after_in_seconds(upstream, tradier):
    upstream.route(
        QUOTES, Reply.text("Too Many Requests", 429, headers={"Retry-After": "7"})
    )

    with pytest.raises(RateLimitedError) as caught:
        tradier.quotes(["MSFT"])

    assert caught.value.retry_after == 7.0
    assert caught.value.status == 429


def test_rate_limit_reads_retry_after_as_an_http_date(upstream, tradier):
    later = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    upstream.route(QUOTES, Reply.text("slow down", 429, headers={"Retry-After": later}))

    with pytest.raises(RateLimitedError) as caught:
        tradier.quotes(["MSFT"])

    assert caught.value.retry_after == 90.0


def test_rate_limit_without_retry_after_has_none(upstream, tradier):
    upstream.route(QUOTES, Reply.json({"fault": {"faultstring": "quota"}}, 429))

    with pytest.raises(RateLimitedError) as caught:
        tradier.quotes(["MSFT"])

    assert caught.value.retry_after is None


def test_slow_answer_past_the_read_timeout_is_a_timeout(upstream):
    upstream.route(QUOTES, Reply(delay=2.0))
    provider = make_provider(upstream.url, read_timeout=0.2)
    started = time.perf_counter()

    with pytest.raises(UpstreamTimeoutError):
        provider.quotes(["MSFT"])

    assert time.perf_counter() - started < 1.5
    provider.close()


def test_reset_connection_is_an_upstream_error(upstream, tradier):
    upstream.route(QUOTES, Reply(reset=True))

    with pytest.raises(UpstreamError) as caught:
        tradier.quotes(["MSFT"])

    assert type(caught.value) is UpstreamError
    assert caught.value.status is None


def test_body_cut_short_of_its_length_is_an_upstream_error(upstream, tradier):
    cut = Reply.file(FIXTURES / "quotes_single_object.json", truncate_at=40)
    upstream.route(QUOTES, cut)

    with pytest.raises(UpstreamError) as caught:
        tradier.quotes(["MSFT"])

    assert type(caught.value) is UpstreamError


def test_refused_connection_is_an_upstream_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = make_provider(f"http://127.0.0.1:{port}")

    with pytest.raises(UpstreamError, match="Could not reach Tradier") as caught:
        provider.market_clock()

    assert type(caught.value) is UpstreamError
    provider.close()


def test_each_request_is_reported_to_listeners(upstream, tradier):
    outcomes: list[RequestOutcome] = []
    tradier.http.add_listener(outcomes.append)
    upstream.route(CLOCK, [fixture("clock_open.json"), Reply.text("down", 503)])

    tradier.market_clock()
    with pytest.raises(UpstreamError):
        tradier.market_clock()

    ok, failed = outcomes
    assert (ok.provider, ok.endpoint, ok.status, ok.error) == (
        "tradier",
        "clock",
        200,
        None,
    )
    assert ok.duration_s > 0
    assert failed.status == 503
    assert isinstance(failed.error, UpstreamError)


def test_one_info_log_line_per_request_without_the_key(upstream, tradier, caplog):
    upstream.route(QUOTES, fixture("quotes_single_object.json"))
    caplog.set_level("INFO", logger="market_parser")

    tradier.quotes(["MSFT"])

    (record,) = [r for r in caplog.records if r.msg.startswith("upstream.request")]
    assert record.levelname == "INFO"
    assert (record.provider, record.endpoint, record.status) == (
        "tradier",
        "quotes",
        200,
    )
    assert record.duration_ms >= 0
    assert KEY not in caplog.text
