"""JSON log lines with correlation ids, and secrets scrubbed before anything is written.

`configure_logging` is called once by an entry point (the Streamlit page, the CLI,
the sidecar). It puts one handler on the root logger; every library that logs
through `logging` comes out through it, in the same format.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import time
import traceback
import urllib.parse
from collections.abc import Iterable
from typing import IO, Any

from market_parser.observability import correlation

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}

_BASE_KEYS = ("ts", "level", "logger", "event", "correlation_id", "session")

# Libraries that log a line per request at INFO; WARNING keeps their failures only.
_QUIET_LIBRARIES = (
    "openai",
    "openai.agents",
    "httpx",
    "httpcore",
    "urllib3",
    "asyncio",
    "watchdog",
    "websockets",
    "uvicorn",
)

_SECRET_MIN_CHARS = 4
_MAX_DEPTH = 4

_PATTERNS = (
    # Credentials after an auth scheme word, in headers, header reprs and curl lines.
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]{4,}"), r"\1\2***"),
    # Authorization values that carry no scheme word.
    (
        re.compile(
            r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)"
            r"(?!bearer\b|basic\b|\*\*\*)[^\s\"',;}]+"
        ),
        r"\1***",
    ),
    # Credentials in query strings and form bodies (Polygon takes ``apiKey=``).
    (
        re.compile(
            r"(?i)(?<![A-Za-z0-9_])((?:api[_-]?key|access[_-]?token|refresh[_-]?token"
            r"|client[_-]?secret|token|secret|password)=)[^&\s\"'#<>\\]+"
        ),
        r"\1***",
    ),
    # The same names as keys of a JSON object or a dict repr.
    (
        re.compile(
            r"(?i)([\"'](?:api[_-]?key|access[_-]?token|refresh[_-]?token"
            r"|client[_-]?secret|token|secret|password)[\"']\s*:\s*[\"'])[^\"']+"
        ),
        r"\1***",
    ),
    # OpenAI-style keys, wherever they turn up.
    (re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{16,}"), "***"),
)

# Every pattern above needs one of these strings; a line without any skips them
# all. They are as specific as the patterns allow: a plain "token" would match
# every line with a ``tokens_in`` field and run all six substitutions on it.
_TRIGGERS = (
    "bearer",
    "basic",
    "authorization",
    "key=",
    'key"',
    "key'",
    "token=",
    'token"',
    "token'",
    "secret",
    "password",
    "sk-",
)

_handler: logging.Handler | None = None


class Redactor:
    """Replaces credentials in text with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= _SECRET_MIN_CHARS}
        # Keys also travel URL-encoded, inside query strings.
        values |= {_url_quoted(s) for s in values}
        ordered = sorted(values, key=len, reverse=True)
        self._values = tuple(ordered)
        self._secrets = (
            re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None
        )

    def scrub(self, text: str) -> str:
        """Return ``text`` with every known credential shape replaced."""
        if not text:
            return text
        # Substring tests run in C; a case-insensitive regex alternation over a
        # whole log line cost more than the rest of the line's rendering.
        lowered = text.lower()
        if not any(word in lowered for word in _TRIGGERS) and not any(
            value in text for value in self._values
        ):
            return text
        if self._secrets is not None:
            text = self._secrets.sub("***", text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class ContextFilter(logging.Filter):
    """Adds the bound correlation id and session hash to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = correlation.current()
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = bound["correlation_id"]
        if getattr(record, "session", None) is None:
            record.session = bound["session"]

        return True


class _RedactingFormatter(logging.Formatter):
    """Scrubs credentials from the finished line, whatever part carried them.

    One pass over the rendered line covers the message, its arguments, extra
    fields and exception text alike, and costs far less than scrubbing each.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.scrub(self.render(record))

    def render(self, record: logging.LogRecord) -> str:
        raise NotImplementedError


class JsonFormatter(_RedactingFormatter):
    """Renders one JSON object per line; never raises on odd values."""

    def render(self, record: logging.LogRecord) -> str:
        payload = _payload(record)
        try:
            return json.dumps(payload, default=safe_repr, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            # Non-string keys, NaN or a cycle: fall back to a plainer copy.
            return json.dumps(_plain(payload, 0), default=safe_repr)


class TextFormatter(_RedactingFormatter):
    """Renders a readable line for local work, with the fields as ``key=value``."""

    def render(self, record: logging.LogRecord) -> str:
        payload = _payload(record)
        head = (
            f"{payload.pop('ts')} {payload.pop('level'):<7} "
            f"{payload.pop('logger')}: {payload.pop('event')}"
        )
        exception = payload.pop("exception", None)
        stack = payload.pop("stack", None)
        fields = " ".join(
            f"{key}={safe_repr(value) if not isinstance(value, str) else value}"
            for key, value in payload.items()
            if value is not None
        )
        line = f"{head} {fields}" if fields else head
        for block in (exception, stack):
            if block:
                line += "\n" + block.rstrip("\n")

        return line


def configure_logging(
    level: str | int = "INFO",
    fmt: str = "json",
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Route all logging through one redacting handler on the root logger.

    Calling it again replaces the handler it installed before and leaves other
    handlers alone. ``stream`` defaults to the current ``sys.stdout``.
    """
    global _handler
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler is _handler or getattr(handler, "market_parser", False):
            root.removeHandler(handler)

    handler = _StdoutHandler() if stream is None else logging.StreamHandler(stream)
    handler.market_parser = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    redactor = Redactor(secrets)
    handler.setFormatter(
        JsonFormatter(redactor) if fmt == "json" else TextFormatter(redactor)
    )
    root.addHandler(handler)
    root.setLevel(level)
    # Process names and ids, and the caller's file and line, are never rendered;
    # skip looking them up per record. Setting ``_srcfile`` to None is the
    # logging module's own documented way to skip the stack walk.
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    _handler = handler

    library_level = max(logging.WARNING, root.level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(library_level)
    _adopt_streamlit_loggers()
    logging.captureWarnings(True)

    return handler


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when a record arrives.

    Test runners and some hosts swap ``sys.stdout``; a handler holding the old one
    would write to a closed file from an ``atexit`` hook.
    """

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stdout

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        """Ignored: the stream is always the current ``sys.stdout``."""


def adopt_uvicorn_logging() -> None:
    """Make the uvicorn server inside Streamlit log through our handler.

    uvicorn applies its own ``LOGGING_CONFIG`` (plain-text handlers that do not
    propagate) when Streamlit starts it. That dict is the default argument of
    ``uvicorn.Config``, so it is changed in place: no handlers, propagate to the
    root logger, WARNING and up. Call before the server starts.
    """
    import uvicorn.config

    quiet = {"handlers": [], "level": "WARNING", "propagate": True}
    config = uvicorn.config.LOGGING_CONFIG
    # uvicorn sets options on its own formatters, so they stay (unused).
    formatters = config.get("formatters", {})
    config.clear()
    config.update(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": formatters,
            "loggers": {name: dict(quiet) for name in _UVICORN_LOGGERS},
        }
    )


_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _adopt_streamlit_loggers() -> None:
    """Send Streamlit's loggers through the root handler instead of their own.

    Streamlit gives each of its loggers a private console handler and turns off
    propagation; loggers it creates later keep that, which is why this runs at
    every `configure_logging` call.
    """
    for logger in list(logging.root.manager.loggerDict.values()):
        own = getattr(logger, "streamlit_console_handler", None)
        if isinstance(logger, logging.Logger) and own is not None:
            logger.removeHandler(own)
            logger.propagate = True


def safe_repr(value: Any) -> str:
    """Return ``repr(value)``, or a placeholder when the object's repr fails."""
    try:
        return repr(value)
    except Exception:  # noqa: BLE001 - a log line must come out whatever the value
        return f"<unrepresentable {type(value).__name__}>"


def _url_quoted(secret: str) -> str:
    return urllib.parse.quote(secret, safe="")


def _payload(record: logging.LogRecord) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ts": _timestamp(record.created),
        "level": record.levelname,
        "logger": record.name,
        "event": _message(record),
        "correlation_id": getattr(record, "correlation_id", None),
        "session": getattr(record, "session", None),
    }
    for key in _extra_keys(record):
        name = f"{key}_" if key in _BASE_KEYS else key
        payload[name] = getattr(record, key)
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info))
    if record.exc_text:
        payload["exception"] = record.exc_text
    if record.stack_info:
        payload["stack"] = record.stack_info

    return payload


def _extra_keys(record: logging.LogRecord) -> list[str]:
    return [
        key
        for key in record.__dict__
        if key not in _RECORD_ATTRS
        and key not in ("correlation_id", "session")
        and not key.startswith("_")
    ]


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        # A format string and its args that do not match; keep both for the reader.
        return f"{record.msg!s} {safe_repr(record.args)}"


def _timestamp(created: float) -> str:
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _plain(value: Any, depth: int) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if depth < _MAX_DEPTH and isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if depth < _MAX_DEPTH and isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return safe_repr(value)
