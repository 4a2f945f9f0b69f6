"""With provider keys the tools use live data, here from a loopback server.

The planner answers (no OpenAI key); Tradier and Polygon base URLs point at the
local server, which serves responses in the providers' recorded shapes.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from market_parser.config.settings import Settings
from market_parser.observability.logs import configure_logging
from market_parser.service.query import QueryService
from tests.upstream_server import Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream"
TRADIER_KEY = "tradier-fake-token-42"
POLYGON_KEY = "polygon-fake-key-42"
POLYGON_SNAPSHOT = "/v2/snapshot/locale/us/markets/stocks/tickers/MSFT"


@pytest.fixture
def live_service(upstream, tmp_path):
    services = []

    def build(**keys: str) -> QueryService:
        environ = {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "MARKET_PARSER_RETRY_BASE_WAIT": "0.01",
            "MARKET_PARSER_RETRY_MAX_WAIT": "0.02",
            **keys,
        }
        environ["TRADIER_BASE_URL"] = upstream.url
        environ["POLYGON_BASE_URL"] = upstream.url
        service = QueryService(Settings.load(environ))
        services.append(service)
        return service

    yield build
    for service in services:
        service.close()


def test_tradier_quote_answers_the_price(live_service, upstream):
    """A price question makes one Tradier quotes request and answers from it."""
    upstream.route(
        "/v1/markets/quotes",
        Reply.file(FIXTURES / "tradier" / "quotes_single_object.json"),
    )
    service = live_service(TRADIER_API_KEY=TRADIER_KEY)
    answer = service.ask("What is Microsoft's stock price?", session_id="t1")
    assert answer.ok, answer.text
    assert answer.source == "Tradier"
    assert "**MSFT** last traded at **$421.35**" in answer.text
    assert "down $3.22 (0.76%)" in answer.text
    sent = upstream.requests_to("/v1/markets/quotes")
    assert len(sent) == 1
    assert sent[0].param("symbols") == "MSFT"
    assert sent[0].header("authorization") == f"Bearer {TRADIER_KEY}"


def test_polygon_snapshot_answers_the_price(live_service, upstream):
    """With only a Polygon key, the price comes from its ticker snapshot."""
    upstream.route(
        POLYGON_SNAPSHOT,
        Reply.file(FIXTURES / "polygon" / "snapshot_ticker_delayed.json"),
    )
    service = live_service(POLYGON_API_KEY=POLYGON_KEY)
    answer = service.ask("What is Microsoft's stock price?", session_id="p1")
    assert answer.ok, answer.text
    assert answer.source == "Polygon"
    assert "$416.44" in answer.text
    assert upstream.requests_to(POLYGON_SNAPSHOT)[0].param("apiKey") == POLYGON_KEY


@pytest.fixture
def app_logs():
    """The app's own log handler at DEBUG, urllib3's URL lines included."""
    stream = io.StringIO()
    handler = configure_logging(
        "DEBUG", "json", secrets=[TRADIER_KEY, POLYGON_KEY], stream=stream
    )
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_tradier_fault_falls_back_to_polygon(live_service, upstream, app_logs):
    """A Tradier 502, retried twice, sends the question to Polygon; no key leaks."""
    upstream.route(
        "/v1/markets/quotes", Reply.html("<h1>502 Bad Gateway</h1>", status=502)
    )
    upstream.route(
        POLYGON_SNAPSHOT,
        Reply.file(FIXTURES / "polygon" / "snapshot_ticker_delayed.json"),
    )
    service = live_service(TRADIER_API_KEY=TRADIER_KEY, POLYGON_API_KEY=POLYGON_KEY)
    answer = service.ask("What is Microsoft's stock price?", session_id="f1")
    assert answer.ok, answer.text
    assert "$416.44" in answer.text
    assert len(upstream.requests_to("/v1/markets/quotes")) == 3
    assert len(upstream.requests_to(POLYGON_SNAPSHOT)) == 1
    written = app_logs.getvalue()
    assert "/v2/snapshot/locale/us/markets/stocks/tickers/MSFT" in written
    assert TRADIER_KEY not in written and POLYGON_KEY not in written
    assert TRADIER_KEY not in answer.text


def test_upstream_failure_is_a_clear_answer(live_service, upstream):
    """When the only provider fails, the user reads what happened, not a traceback."""
    upstream.route("/v1/markets/quotes", Reply.text("Internal error", status=500))
    service = live_service(TRADIER_API_KEY=TRADIER_KEY)
    answer = service.ask("What is Microsoft's stock price?", session_id="e1")
    assert "Traceback" not in answer.text
    assert "Tradier" in answer.text
    assert "try again" in answer.text.lower()
    assert TRADIER_KEY not in answer.text
