"""Tests for JSON log lines, correlation fields, library loggers and redaction."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from market_parser.observability import correlation
from market_parser.observability.logs import Redactor, configure_logging

pytestmark = pytest.mark.usefixtures("clean_logging")

OPENAI_KEY = "sk-proj-FAKEfake0123456789abcdefXYZ"
TRADIER_KEY = "TrAdIeRfAkEkEy0123456789"
POLYGON_KEY = "PoLyGoNfAkE_kEy-987654321"
KEYS = (OPENAI_KEY, TRADIER_KEY, POLYGON_KEY)

log = logging.getLogger("market_parser.tests.logs")


def capture(fmt: str = "json", secrets=KEYS, level="INFO") -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level, fmt, secrets=secrets, stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_has_exactly_the_agreed_keys():
    """A line holds ts, level, logger, event, correlation_id, session and the extras."""
    stream = capture()
    with correlation.bind(correlation_id="cid-1", session="raw-session-id"):
        log.info(
            "question.answered",
            extra={"duration_ms": 1234, "status": "answered", "ticker": "AAPL"},
        )
    (line,) = lines(stream)
    assert list(line) == [
        "ts",
        "level",
        "logger",
        "event",
        "correlation_id",
        "session",
        "duration_ms",
        "status",
        "ticker",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])
    assert line["level"] == "INFO"
    assert line["logger"] == "market_parser.tests.logs"
    assert line["event"] == "question.answered"
    assert line["correlation_id"] == "cid-1"
    assert line["session"] == correlation.session_hash("raw-session-id")
    assert line["duration_ms"] == 1234
    assert "raw-session-id" not in stream.getvalue()


def test_unbound_fields_are_null():
    """Outside any question correlation_id and session are present and null."""
    stream = capture()
    log.warning("cache.evicted")
    (line,) = lines(stream)
    assert line["correlation_id"] is None and line["session"] is None


def test_exception_goes_in_its_own_field_with_the_traceback():
    """logger.exception puts the traceback text in ``exception``."""
    stream = capture()
    try:
        raise ValueError("bad bar")
    except ValueError:
        log.exception("question.failed", extra={"error_type": "ValueError"})
    (line,) = lines(stream)
    assert line["event"] == "question.failed"
    assert line["exception"].startswith("Traceback (most recent call last)")
    assert "ValueError: bad bar" in line["exception"]


def test_worker_thread_lines_share_the_question_id():
    """Work carried into a plain executor logs with the question's correlation id."""
    stream = capture()
    with correlation.bind(correlation_id="cid-worker"), ThreadPoolExecutor(2) as pool:
        pool.submit(correlation.carry(lambda: log.info("tool.called"))).result()
    (line,) = lines(stream)
    assert line["correlation_id"] == "cid-worker"


def test_odd_values_never_break_a_line():
    """Objects, cycles, NaN, bytes and failing reprs all come out as valid JSON."""

    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    cycle: list = []
    cycle.append(cycle)
    stream = capture()
    log.info("odd.values", extra={"obj": object(), "nan": float("nan")})
    log.info("odd.cycle", extra={"cycle": cycle, "keys": {(1, 2): "tuple key"}})
    log.info("odd.broken", extra={"broken": Broken(), "raw": b"\x00\xff"})
    parsed = lines(stream)
    assert [p["event"] for p in parsed[:3]] == ["odd.values", "odd.cycle", "odd.broken"]
    assert parsed[0]["obj"].startswith("<object object")
    assert parsed[2]["broken"] == "<unrepresentable Broken>"


def test_mismatched_args_still_give_a_line():
    """A format string with too few args is logged as text instead of raising."""
    stream = io.StringIO()
    handler = configure_logging("INFO", "json", stream=stream)
    # Straight to our handler: pytest's own capture handler raises on such records.
    record = log.makeRecord(
        log.name, logging.INFO, __file__, 1, "odd %s %s", ("x",), None
    )
    handler.handle(record)
    (line,) = lines(stream)
    assert line["event"] == "odd %s %s ('x',)"


def test_text_format_is_one_readable_line():
    """LOG_FORMAT=text gives ts, level, logger, event and key=value fields."""
    stream = capture("text")
    with correlation.bind(correlation_id="cid-t"):
        log.info("question.answered", extra={"duration_ms": 12})
    text = stream.getvalue()
    assert text.count("\n") == 1
    assert re.fullmatch(
        r"\S+Z INFO    market_parser\.tests\.logs: question\.answered "
        r"correlation_id=cid-t duration_ms=12\n",
        text,
    )


def test_configuring_twice_replaces_only_its_own_handler():
    """A second call swaps our handler and keeps handlers others installed."""
    other = logging.NullHandler()
    logging.getLogger().addHandler(other)
    first = io.StringIO()
    configure_logging("INFO", "json", stream=first)
    second = capture()
    log.info("only.once")
    root_handlers = logging.getLogger().handlers
    assert other in root_handlers
    assert sum(getattr(h, "market_parser", False) for h in root_handlers) == 1
    assert first.getvalue() == ""
    assert len(lines(second)) == 1


def test_library_loggers_come_out_in_the_same_format_at_warning():
    """httpx, openai and the agents SDK are quiet at INFO and JSON at WARNING."""
    stream = capture()
    logging.getLogger("httpx").info("HTTP Request: GET https://x 200")
    logging.getLogger("openai.agents").info("Running agent")
    logging.getLogger("openai.agents").warning("Tracing export failed")
    logging.getLogger("urllib3.connectionpool").warning("Retrying")
    parsed = lines(stream)
    assert [(p["logger"], p["event"]) for p in parsed] == [
        ("openai.agents", "Tracing export failed"),
        ("urllib3.connectionpool", "Retrying"),
    ]


def test_streamlit_loggers_are_routed_through_the_root_handler():
    """A logger set up the way Streamlit does it ends up in our stream, once."""
    fake = logging.getLogger("streamlit.fake_module")
    own = logging.StreamHandler(io.StringIO())
    fake.streamlit_console_handler = own
    fake.addHandler(own)
    fake.propagate = False
    stream = capture()
    fake.warning("streamlit.something")
    assert [p["event"] for p in lines(stream)] == ["streamlit.something"]
    assert own.stream.getvalue() == ""


def test_python_warnings_are_logged():
    """warnings.warn comes out as a log line rather than bare stderr text."""
    stream = capture()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("deprecated thing", DeprecationWarning, stacklevel=1)
    (line,) = lines(stream)
    assert line["logger"] == "py.warnings"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_keys_never_reach_the_output(fmt):
    """Keys sent through messages, args, extras and exceptions are all redacted."""
    stream = capture(fmt)
    url = f"https://api.polygon.io/v2/aggs/ticker/AAPL?apiKey={POLYGON_KEY}&limit=5"
    log.info("upstream.request %s", url)
    log.info("client.created key=%s", OPENAI_KEY)
    log.warning(
        "upstream.failed",
        extra={
            "headers": {"Authorization": f"Bearer {TRADIER_KEY}"},
            "params": [("apiKey", POLYGON_KEY)],
            "url": url,
        },
    )
    log.info("auth %s", {"Authorization": f"Bearer {TRADIER_KEY}"})
    try:
        raise ConnectionError(f"Max retries exceeded with url: {url}")
    except ConnectionError:
        log.exception("upstream.error")
    try:
        raise RuntimeError(f"bad key {OPENAI_KEY} with header Bearer {TRADIER_KEY}")
    except RuntimeError as exc:
        log.exception("agent.failed", extra={"error": exc})
    output = stream.getvalue()
    for key in KEYS:
        assert key not in output
    assert output.count("***") >= 8
    assert "Max retries exceeded" in output
    assert "limit=5" in output


def test_pattern_redaction_without_configured_secrets():
    """Bearer tokens, credential query params and sk- keys go even when not configured."""
    redactor = Redactor()
    text = (
        "GET /v1/markets?symbols=AAPL&token=tok123456&access_token=acc987654 "
        "Authorization: Bearer abc.def-ghi "
        f"key {OPENAI_KEY} "
        '{"api_key": "json-secret-value"} '
        "Authorization=raw-credential-999"
    )
    scrubbed = redactor.scrub(text)
    for secret in (
        "tok123456",
        "acc987654",
        "abc.def-ghi",
        OPENAI_KEY,
        "json-secret-value",
        "raw-credential-999",
    ):
        assert secret not in scrubbed
    assert "symbols=AAPL" in scrubbed
    assert "max_tokens=512" in redactor.scrub("max_tokens=512")


def test_url_encoded_secret_is_redacted():
    """A configured key that travels URL-encoded is redacted too."""
    redactor = Redactor(["pa ss/word+42"])
    assert redactor.scrub("q=pa%20ss%2Fword%2B42") == "q=***"


def test_short_secrets_are_ignored():
    """A one-letter "secret" would garble every line, so it is not treated as one."""
    assert Redactor(["a"]).scrub("a banana") == "a banana"


def test_logging_from_many_threads_keeps_lines_whole():
    """Lines from concurrent threads stay one JSON object per line."""
    stream = capture()

    def work(n):
        with correlation.bind(correlation_id=f"cid-{n}"):
            for _ in range(50):
                log.info("load.line", extra={"n": n})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    parsed = lines(stream)
    assert len(parsed) == 400
    assert all(p["correlation_id"] == f"cid-{p['n']}" for p in parsed)
