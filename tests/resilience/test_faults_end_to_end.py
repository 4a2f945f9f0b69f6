"""Upstream faults through the real clients and the query service.

A loopback server plays Tradier (or an OpenAI-compatible model) and misbehaves
on demand; each test asserts what the user reads, the counters, and how many
requests the server received.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from market_parser.config.settings import Settings
from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.metrics import MetricsCollector
from market_parser.service.query import QueryService
from tests.fake_openai import FakeOpenAI, Text, ToolCall
from tests.upstream_server import Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream" / "tradier"
QUOTES = "/v1/markets/quotes"
KEY = "tradier-fault-key-77"


def quote_body(symbol: str, last: float) -> dict:
    return {
        "quotes": {
            "quote": {
                "symbol": symbol,
                "description": symbol,
                "last": last,
                "change": 1.0,
                "change_percentage": 0.5,
                "prevclose": last - 1.0,
                "open": last,
                "high": last,
                "low": last,
                "volume": 1000,
                "trade_date": 1710532798250,
            }
        }
    }


@pytest.fixture
def build(upstream, tmp_path):
    services = []

    def make(**overrides: str) -> QueryService:
        environ = {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "TRADIER_API_KEY": KEY,
            "TRADIER_BASE_URL": upstream.url,
            "MARKET_PARSER_RETRY_BASE_WAIT": "0.01",
            "MARKET_PARSER_RETRY_MAX_WAIT": "0.02",
            "MARKET_PARSER_HTTP_READ_TIMEOUT": "2",
            **overrides,
        }
        collector = MetricsCollector()
        service = QueryService(
            Settings.load(environ), metrics=register_app_metrics(collector)
        )
        service.collector = collector
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


def test_ten_identical_questions_make_one_upstream_request(build, upstream):
    """Ten sessions asking the same price at once share one Tradier request."""
    upstream.route(QUOTES, Reply.json(quote_body("MSFT", 421.35), delay=0.3))
    service = build()
    service.stack()
    with ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(
                lambda i: service.ask("What is MSFT trading at?", session_id=f"s{i}"),
                range(10),
            )
        )
    assert all(a.ok and "$421.35" in a.text for a in answers)
    assert len(upstream.requests_to(QUOTES)) == 1


def test_half_open_breaker_lets_one_request_through(build, upstream):
    """After the breaker opens, a half-open breaker lets exactly 1 request through."""
    upstream.route(QUOTES, Reply.text("down", status=503))
    service = build(
        MARKET_PARSER_BREAKER_FAIL_MAX="2",
        MARKET_PARSER_BREAKER_RESET_TIMEOUT="1",
        MARKET_PARSER_RETRY_MAX_TRIES="1",
    )
    for symbol in ("AAPL", "IBM"):
        answer = service.ask(f"What is {symbol} trading at?", session_id=symbol)
        assert "503" in answer.text or "Tradier" in answer.text
    assert len(upstream.requests_to(QUOTES)) == 2
    refused = service.ask("What is GOOG trading at?", session_id="goog")
    assert "stopped calling it" in refused.text
    assert len(upstream.requests_to(QUOTES)) == 2

    time.sleep(1.1)
    upstream.route(
        QUOTES,
        lambda request: Reply.json(
            quote_body(request.param("symbols"), 50.0), delay=0.5
        ),
    )
    symbols = ("MSFT", "FB", "NVDA", "AMD", "INTC")
    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(
                lambda s: service.ask(f"What is {s} trading at?", session_id=s),
                symbols,
            )
        )
    assert len(upstream.requests_to(QUOTES)) == 3
    assert sum("$50.00" in a.text for a in answers) == 1
    assert sum("recovering" in a.text for a in answers) == 4


def test_retry_after_is_honoured(build, upstream):
    """A 429 with Retry-After: 2 is retried no sooner than 2 s later."""
    upstream.route(
        QUOTES,
        [
            Reply.json(
                {"fault": "slow down"}, status=429, headers={"Retry-After": "2"}
            ),
            Reply.json(quote_body("MSFT", 421.35)),
        ],
    )
    service = build()
    answer = service.ask("What is MSFT trading at?", session_id="r")
    assert answer.ok and "$421.35" in answer.text
    first, second = upstream.requests_to(QUOTES)
    assert second.received_at - first.received_at >= 2.0
    assert service.collector.value("upstream_retries_total") == 1
    assert (
        service.collector.value("upstream_requests_total", {"status": "rate_limited"})
        == 1
    )


def test_deadline_ends_a_question_against_a_stalled_server(build, upstream):
    """A 3 s deadline ends a question against a server that takes 3.5 s."""
    upstream.route(QUOTES, Reply.json(quote_body("MSFT", 1.0), delay=3.5))
    service = build(
        MARKET_PARSER_QUERY_TIMEOUT="3", MARKET_PARSER_HTTP_READ_TIMEOUT="10"
    )
    service.stack()
    started = time.monotonic()
    answer = service.ask("What is MSFT trading at?", session_id="d")
    elapsed = time.monotonic() - started
    assert 2.9 <= elapsed < 4.5
    assert answer.outcome == "timeout"
    assert answer.correlation_id in answer.text
    assert service.collector.value("questions_total", {"status": "timeout"}) == 1
    assert "Traceback" not in answer.text
    time.sleep(1.0)
    assert len(upstream.requests_to(QUOTES)) == 1


FAULTS = {
    "500": Reply.text("Internal Server Error", status=500),
    "502 html": Reply.html("<html><h1>502 Bad Gateway</h1></html>", status=502),
    "503": Reply.json({"fault": "unavailable"}, status=503),
    "429 without Retry-After": Reply.json({"fault": "rate"}, status=429),
    "reset": Reply(reset=True),
    "truncated json": Reply.raw(
        b'{"quotes": {"quote": {"symbol": "MS', 200, "application/json"
    ),
    "html with 200": Reply.html("<html>maintenance</html>"),
    "empty body": Reply.raw(b"", 200, "application/json"),
    "slower than the read timeout": Reply.json(quote_body("MSFT", 1.0), delay=2.5),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_gets_a_clear_message(build, upstream, fault):
    """For each fault the user reads a message with a reference, never a traceback."""
    upstream.route(QUOTES, FAULTS[fault])
    service = build(MARKET_PARSER_RETRY_MAX_TRIES="2")
    answer = service.ask("What is MSFT trading at?", session_id=fault)
    assert "Traceback" not in answer.text
    assert KEY not in answer.text
    assert "Tradier" in answer.text
    assert "try again" in answer.text.lower()


def test_unmatched_and_single_object_shapes_are_answers(build, upstream):
    """A single quote object plus an unmatched symbol answers both parts."""
    body = quote_body("MSFT", 421.35)
    body["quotes"]["unmatched_symbols"] = {"symbol": "ZZZZ"}
    upstream.route(QUOTES, Reply.json(body))
    service = build()
    answer = service.ask("Price of $MSFT and $ZZZZ", session_id="u")
    assert "$421.35" in answer.text
    assert "ZZZZ" in answer.text


def test_stale_value_is_served_when_the_upstream_fails(build, upstream):
    """Past its TTL, a cached quote is served when Tradier fails, with its age."""
    upstream.route(QUOTES, Reply.json(quote_body("MSFT", 421.35)))
    service = build(
        MARKET_PARSER_CACHE_TTL_QUOTE="0.2", MARKET_PARSER_RETRY_MAX_TRIES="1"
    )
    assert "$421.35" in service.ask("What is MSFT trading at?", session_id="a").text
    time.sleep(0.3)
    upstream.route(QUOTES, Reply.text("down", status=500))
    answer = service.ask("What is MSFT trading at?", session_id="b")
    assert "$421.35" in answer.text
    assert "is not answering" in answer.text
    assert "seconds ago" in answer.text
    assert any("not answering" in note for note in answer.notes)


def test_busy_and_queue(tmp_path):
    """With 1 running and 1 queued allowed, a third concurrent question is refused."""
    settings = Settings.load(
        {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "MARKET_PARSER_MAX_RUNNING_QUESTIONS": "1",
            "MARKET_PARSER_MAX_QUEUED_QUESTIONS": "1",
            "MARKET_PARSER_SIMULATED_LATENCY": "0.4",
        }
    )
    service = QueryService(settings)
    service.stack()
    try:
        first = service.submit("What is AAPL trading at?", "one")
        time.sleep(0.1)
        second = service.submit("What is IBM trading at?", "two")
        time.sleep(0.1)
        assert second.position == 1
        third = service.ask("What is MSFT trading at?", "three")
        assert third.outcome == "rejected"
        assert "busy" in third.text.lower()
        assert first.result().ok
        queued = second.result()
        assert queued.ok and queued.queue_wait_ms > 300
    finally:
        service.close()


def test_session_rate_limit(tmp_path):
    """The eleventh question in a minute from one session is asked to slow down."""
    service = QueryService(Settings.load({"MARKET_PARSER_DATA_DIR": str(tmp_path)}))
    try:
        answers = [service.ask("What is AAPL trading at?", "eager") for _ in range(11)]
        assert all(a.ok for a in answers[:10])
        assert answers[10].outcome == "invalid"
        assert "slow down" in answers[10].text and "try again in" in answers[10].text
        assert service.ask("What is AAPL trading at?", "someone-else").ok
    finally:
        service.close()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply.json({"error": {"message": "overloaded"}}, status=500), "HTTP 500"),
        (Reply.raw(b"this is not json", 200, "application/json"), "could not be used"),
        (Reply.json({"id": "x", "choices": []}, delay=2.0), "timed out"),
    ],
    ids=["500", "garbage", "stall"],
)
def test_model_failure_falls_back_to_the_planner(upstream, tmp_path, reply, reason):
    """When the model fails, the offline planner answers from the same data."""
    upstream.route("/v1/chat/completions", reply, method="POST")
    settings = Settings.load(
        {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "OPENAI_API_KEY": "sk-fake-model-key-0000000000",
            "OPENAI_BASE_URL": f"{upstream.url}/v1",
            "MARKET_PARSER_OPENAI_API": "chat_completions",
            "MARKET_PARSER_MODEL_TIMEOUT": "1",
        }
    )
    service = QueryService(settings)
    try:
        answer = service.ask("What is Apple's stock price?", "m")
        assert answer.ok, answer.text
        assert "$430.47" in answer.text
        assert answer.model == "offline-planner"
        assert reason in answer.text
        assert "offline planner answered" in answer.text
    finally:
        service.close()


def test_model_breaker_opens_and_skips_the_model(upstream, tmp_path):
    """After repeated model failures the model is skipped until its breaker resets."""
    upstream.route(
        "/v1/chat/completions", Reply.json({"error": {}}, status=503), method="POST"
    )
    settings = Settings.load(
        {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "OPENAI_API_KEY": "sk-fake-model-key-0000000000",
            "OPENAI_BASE_URL": f"{upstream.url}/v1",
            "MARKET_PARSER_OPENAI_API": "chat_completions",
            "MARKET_PARSER_BREAKER_FAIL_MAX": "2",
        }
    )
    service = QueryService(settings)
    try:
        for index in range(4):
            answer = service.ask("What is Apple's stock price?", f"b{index}")
            assert answer.ok and "$430.47" in answer.text
        assert len(upstream.requests_to("/v1/chat/completions")) == 2
        assert "paused" in answer.text
    finally:
        service.close()


def test_working_model_after_fallback_is_used_again(upstream, tmp_path):
    """A model that answers is used; its tool call reaches our data."""

    def script(outputs):
        if not outputs:
            return ToolCall("get_quotes", {"tickers": ["AAPL"]})
        return Text(f"AAPL: {outputs[-1]['quotes'][0]['last']}")

    FakeOpenAI(upstream, script)
    settings = Settings.load(
        {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "OPENAI_API_KEY": "sk-fake-model-key-0000000000",
            "OPENAI_BASE_URL": f"{upstream.url}/v1",
            "MARKET_PARSER_OPENAI_API": "chat_completions",
        }
    )
    service = QueryService(settings)
    try:
        answer = service.ask("What is Apple's stock price?", "ok")
        assert answer.text == "AAPL: 430.47"
        assert answer.model == "gpt-4.1-mini"
    finally:
        service.close()


def test_concurrent_pending_positions_are_reported(tmp_path):
    """Queued questions see their place in line change as others finish."""
    settings = Settings.load(
        {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "MARKET_PARSER_MAX_RUNNING_QUESTIONS": "1",
            "MARKET_PARSER_SIMULATED_LATENCY": "0.3",
        }
    )
    service = QueryService(settings)
    service.stack()
    seen: list[int | None] = []
    try:
        first = service.submit("What is AAPL trading at?", "p1")
        time.sleep(0.05)
        second = service.submit("What is IBM trading at?", "p2")
        time.sleep(0.05)
        third = service.submit("What is MSFT trading at?", "p3")
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                seen.append(third.position)
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        assert all(p.result().ok for p in (first, second, third))
        stop.set()
        watcher.join()
        assert 2 in seen and 1 in seen and seen[-1] == 0
    finally:
        service.close()
