"""Logs of real questions: one correlation id per question, and never a key.

Questions go through the query service with fake keys for every provider and
the model, over loopback servers that answer, fail, refuse or stall; the app's
own log handler writes at DEBUG into a buffer that is then searched.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from market_parser.config.settings import Settings
from market_parser.observability.logs import configure_logging
from market_parser.service.query import QueryService
from tests.upstream_server import Reply

KEYS = {
    "OPENAI_API_KEY": "sk-e2e-openai-key-1234567890abcdef",
    "TRADIER_API_KEY": "e2e-tradier-token-98765",
    "POLYGON_API_KEY": "e2e-polygon-key-ABCDE",
}
QUOTE = {
    "quotes": {
        "quote": {
            "symbol": "MSFT",
            "last": 421.35,
            "change": -3.22,
            "change_percentage": -0.76,
            "prevclose": 424.57,
            "trade_date": 1710532798250,
        }
    }
}


@pytest.fixture
def captured():
    """The app's log handler at DEBUG, every library included, into a buffer."""
    stream = io.StringIO()
    handler = configure_logging("DEBUG", "json", secrets=KEYS.values(), stream=stream)
    for name in ("urllib3", "openai", "httpx", "openai.agents"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def service_for(upstream, tmp_path, **extra: str) -> QueryService:
    environ = {
        "MARKET_PARSER_DATA_DIR": str(tmp_path),
        "TRADIER_BASE_URL": upstream.url,
        "POLYGON_BASE_URL": upstream.url,
        "OPENAI_BASE_URL": f"{upstream.url}/v1",
        "MARKET_PARSER_OPENAI_API": "chat_completions",
        "MARKET_PARSER_RETRY_BASE_WAIT": "0.01",
        "MARKET_PARSER_RETRY_MAX_WAIT": "0.02",
        "MARKET_PARSER_MODEL_TIMEOUT": "1",
        **extra,
    }
    return QueryService(Settings.load(environ))


def test_every_line_of_a_question_shares_its_correlation_id(
    upstream, tmp_path, captured
):
    """Lines from the HTTP layer, tools and the service carry the question's id."""
    upstream.route("/v1/markets/quotes", Reply.json(QUOTE))
    service = service_for(upstream, tmp_path, TRADIER_API_KEY=KEYS["TRADIER_API_KEY"])
    try:
        answer = service.ask("What is MSFT trading at?", session_id="raw-session-id")
    finally:
        service.close()
    assert answer.ok
    mine = [line for line in lines(captured) if line["correlation_id"]]
    events = {line["event"] for line in mine}
    assert {"upstream.request", "tool.called", "question.answered"} <= events
    assert {line["correlation_id"] for line in mine} == {answer.correlation_id}
    assert {line["session"] for line in mine} == {mine[0]["session"]}
    assert "raw-session-id" not in captured.getvalue()
    request = next(line for line in mine if line["event"] == "upstream.request")
    assert request["provider"] == "tradier" and request["status"] == 200


FAULTS = {
    "ok": Reply.json(QUOTE),
    "500": Reply.text("Internal error", status=500),
    "401 plain text": Reply.text("Invalid Access Token", status=401),
    "reset": Reply(reset=True),
    "slow": Reply.json(QUOTE, delay=2.0),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_no_key_in_logs_or_answers_on_any_path(upstream, tmp_path, captured, fault):
    """With every key set and the upstreams misbehaving, no key value is written."""
    upstream.route("/v1/markets/quotes", FAULTS[fault])
    upstream.route(
        "/v2/snapshot/locale/us/markets/stocks/tickers/MSFT",
        Reply.json({"status": "ERROR", "error": "Unknown API Key"}, status=401),
    )
    upstream.route(
        "/v1/chat/completions",
        Reply.json({"error": {"message": "server error"}}, status=500),
        method="POST",
    )
    service = service_for(
        upstream, tmp_path, MARKET_PARSER_HTTP_READ_TIMEOUT="1", **KEYS
    )
    try:
        answer = service.ask("What is MSFT trading at?", session_id=fault)
    finally:
        service.close()
    written = (
        captured.getvalue() + answer.text + json.dumps(answer.to_dict(), default=str)
    )
    assert "upstream.request" in written
    for name, value in KEYS.items():
        assert value not in written, name
    assert "Traceback" not in answer.text
