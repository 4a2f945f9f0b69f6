"""With OPENAI_API_KEY the agent runs on an OpenAI-compatible model.

The model is a loopback fake (the OpenAI service cannot exist here); everything
else is real: the OpenAI client, the Agents SDK, our tools and the data set.
"""

from __future__ import annotations

import json
import logging

import pytest

from market_parser.config.settings import Settings
from market_parser.service.query import QueryService
from tests.fake_openai import USAGE, FakeOpenAI, Text, ToolCall

FAKE_KEY = "sk-test-fake-key-0123456789"


def quote_script(outputs):
    """Ask for AAPL's quote, then answer with the price the tool returned."""
    if not outputs:
        return ToolCall("get_quotes", {"tickers": ["AAPL"]})
    last = outputs[-1]["quotes"][0]["last"]
    return Text(f"AAPL last closed at ${last:.2f}.")


@pytest.fixture
def service_on(upstream, tmp_path):
    services = []

    def build(api: str, script=quote_script) -> tuple[QueryService, FakeOpenAI]:
        fake = FakeOpenAI(upstream, script)
        settings = Settings.load(
            {
                "OPENAI_API_KEY": FAKE_KEY,
                "OPENAI_BASE_URL": fake.base_url,
                "MARKET_PARSER_MODEL": "gpt-test",
                "MARKET_PARSER_OPENAI_API": api,
                "MARKET_PARSER_DATA_DIR": str(tmp_path),
                "MARKET_PARSER_QUERY_TIMEOUT": "20",
            }
        )
        service = QueryService(settings)
        services.append(service)
        return service, fake

    yield build
    for service in services:
        service.close()


@pytest.mark.parametrize(
    ("api", "path"),
    [("chat_completions", "/v1/chat/completions"), ("responses", "/v1/responses")],
)
def test_model_calls_our_tools_and_answers(service_on, upstream, api, path):
    """The model's tool call reaches our data; its answer and usage come back."""
    service, fake = service_on(api)
    answer = service.ask("What is Apple's stock price?", session_id=f"llm-{api}")
    assert answer.ok, answer.text
    assert answer.text == "AAPL last closed at $430.47."
    assert answer.model == "gpt-test"
    assert [tool.name for tool in answer.tools] == ["get_quotes"]
    assert answer.tokens_in == 2 * USAGE["input"]
    assert answer.tokens_out == 2 * USAGE["output"]
    calls = upstream.requests_to(path)
    assert len(calls) == 2
    assert calls[0].header("authorization") == f"Bearer {FAKE_KEY}"
    sent = json.loads(calls[0].body)
    assert sent["model"] == "gpt-test"
    assert "Today is 2013-03-01" in json.dumps(sent)
    tool_names = {
        t.get("name") or t.get("function", {}).get("name") for t in sent["tools"]
    }
    assert {"get_quotes", "get_price_history", "get_options_chain"} <= tool_names


def test_no_trace_export_and_no_key_in_logs(service_on, upstream, caplog):
    """With a custom base URL tracing stays off, and the key is never logged."""
    caplog.set_level(logging.DEBUG)
    service, _fake = service_on("chat_completions")
    answer = service.ask("What is Apple's stock price?", session_id="llm-logs")
    assert answer.ok
    assert all(r.path.startswith("/v1/chat") for r in upstream.requests)
    assert FAKE_KEY not in caplog.text
    assert "skipping trace export" not in caplog.text
