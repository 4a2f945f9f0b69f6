"""The shared HTTP layer: its hooks, its helpers and its pooled session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from market_parser.errors import RateLimitedError, UnknownTickerError, UpstreamError
from market_parser.market_data.http import (
    DEFAULT_POOL_SIZE,
    HttpClient,
    RequestOutcome,
    RequestSpec,
    Send,
    new_session,
    parse_retry_after,
    redact,
)
from tests.upstream_server import Reply, UpstreamServer

NOW = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
SECRET = "s3cret-Value-99"


@pytest.fixture
def client(upstream: UpstreamServer) -> Iterator[HttpClient]:
    http = HttpClient(
        "example",
        label="Example",
        base_url=upstream.url + "/",
        key_setting="EXAMPLE_API_KEY",
        timeout=(1.0, 2.0),
        headers={"Authorization": f"Bearer {SECRET}"},
        params={"apiKey": SECRET},
        secrets=[SECRET],
        clock=lambda: NOW,
    )
    yield http
    http.close()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:29:00 GMT", 60.0),
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/v2/x?apiKey=abc&cursor=9", "/v2/x?apiKey=REDACTED&cursor=9"),
        ("GET /q?api_key=abc HTTP/1.1", "GET /q?api_key=REDACTED HTTP/1.1"),
        ("?access_token=abc&token=def", "?access_token=REDACTED&token=REDACTED"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer REDACTED"),
        (f"the key {SECRET} leaked", "the key REDACTED leaked"),
    ],
)
def test_redact_removes_keys_tokens_and_known_secrets(text, expected):
    assert redact(text, [SECRET]) == expected


def test_get_json_joins_base_url_path_and_default_params(upstream, client):
    upstream.route("/v1/thing", Reply.json({"answer": 42}))

    payload = client.get_json(RequestSpec("thing", "/v1/thing", {"q": "1"}))

    assert payload == {"answer": 42}
    (request,) = upstream.requests
    assert request.query == {"q": ["1"], "apiKey": [SECRET]}
    assert request.header("Authorization") == f"Bearer {SECRET}"


def test_json_404_about_symbols_is_an_unknown_ticker(upstream, client):
    upstream.route("/v1/thing", Reply.json({"message": "not found"}, 404))

    with pytest.raises(UnknownTickerError) as caught:
        client.get_json(RequestSpec("thing", "/v1/thing", symbols=("ZZZ",)))

    assert caught.value.symbols == ("ZZZ",)
    assert caught.value.source == "Example"


def test_json_404_about_nothing_in_particular_is_a_fault(upstream, client):
    upstream.route("/v1/thing", Reply.json({"message": "not found"}, 404))

    with pytest.raises(UpstreamError) as caught:
        client.get_json(RequestSpec("thing", "/v1/thing"))

    assert caught.value.status == 404


def test_wrappers_run_last_wrapped_first_around_the_send(upstream, client):
    calls: list[str] = []

    def named(name: str):
        def wrapper(send: Send) -> Send:
            def wrapped(spec: RequestSpec):
                calls.append(name)
                return send(spec)

            return wrapped

        return wrapper

    client.wrap(named("retry"))
    client.wrap(named("breaker"))
    upstream.route("/v1/thing", Reply.json([1]))

    assert client.get_json(RequestSpec("thing", "/v1/thing")) == [1]
    assert calls == ["breaker", "retry"]


def test_a_wrapper_can_retry_and_listeners_see_every_attempt(upstream, client):
    outcomes: list[RequestOutcome] = []
    client.add_listener(outcomes.append)

    def retry_once(send: Send) -> Send:
        def wrapped(spec: RequestSpec):
            try:
                return send(spec)
            except RateLimitedError:
                return send(spec)

        return wrapped

    client.wrap(retry_once)
    busy = Reply.text("busy", 429, headers={"Retry-After": "1"})
    upstream.route("/v1/thing", [busy, Reply.json({"ok": True})])

    assert client.get_json(RequestSpec("thing", "/v1/thing")) == {"ok": True}
    assert [o.status for o in outcomes] == [429, 200]
    assert isinstance(outcomes[0].error, RateLimitedError)
    assert outcomes[1].ok
    assert len(upstream.requests) == 2


def test_removed_listener_hears_nothing_more(upstream, client):
    outcomes: list[RequestOutcome] = []
    client.add_listener(outcomes.append)
    upstream.route("/v1/thing", Reply.json({}))

    client.get_json(RequestSpec("thing", "/v1/thing"))
    client.remove_listener(outcomes.append)
    client.get_json(RequestSpec("thing", "/v1/thing"))

    assert len(outcomes) == 1


def test_outcome_of_a_request_that_got_no_answer_has_no_status(upstream, client):
    outcomes: list[RequestOutcome] = []
    client.add_listener(outcomes.append)
    upstream.route("/v1/thing", Reply(reset=True))

    with pytest.raises(UpstreamError):
        client.get_json(RequestSpec("thing", "/v1/thing"))

    (outcome,) = outcomes
    assert outcome.status is None
    assert type(outcome.error) is UpstreamError


def test_body_check_sees_each_2xx_json_body(upstream):
    seen = []

    def check(spec: RequestSpec, status: int, payload: object) -> None:
        seen.append((spec.endpoint, status, payload))

    http = HttpClient(
        "example",
        label="Example",
        base_url=upstream.url,
        key_setting="EXAMPLE_API_KEY",
        timeout=(1.0, 1.0),
        check_body=check,
    )
    upstream.route("/v1/thing", Reply.json({"status": "OK"}, 201))

    http.get_json(RequestSpec("thing", "/v1/thing"))

    assert seen == [("thing", 201, {"status": "OK"})]
    http.close()


def test_connections_are_reused_across_requests(upstream, client):
    upstream.route("/v1/thing", Reply.json({}))

    for _ in range(3):
        client.get_json(RequestSpec("thing", "/v1/thing"))

    assert len({request.peer for request in upstream.requests}) == 1
    adapter = client._session.get_adapter("https://api.example.com")
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == DEFAULT_POOL_SIZE


def test_new_session_never_retries_on_its_own():
    session = new_session(pool_size=4)

    adapter = session.get_adapter("https://api.example.com")

    assert adapter.max_retries.total == 0
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 4
    session.close()


def test_a_session_passed_in_is_used_and_left_open(upstream):
    session = requests.Session()
    http = HttpClient(
        "example",
        label="Example",
        base_url=upstream.url,
        key_setting="EXAMPLE_API_KEY",
        timeout=(1.0, 1.0),
        session=session,
        headers={"X-Probe": "yes"},
    )
    upstream.route("/v1/thing", Reply.json({}))

    http.get_json(RequestSpec("thing", "/v1/thing"))
    http.close()

    assert upstream.requests[0].header("X-Probe") == "yes"
    assert session.adapters  # still usable: close() left it alone
    session.get(upstream.url + "/v1/thing", timeout=1)
    session.close()
