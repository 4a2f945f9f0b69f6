"""One settings object, read from the environment and Streamlit secrets.

Values come from environment variables first, then from ``.streamlit/secrets.toml``
(passed in as a mapping so this module never imports Streamlit). `Settings.load`
validates everything at start and raises `ConfigError` naming the setting, the
value it got and what is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from market_parser.errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Secret:
    """A credential that never shows itself in a repr, a log or a page."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything the app can be told from outside; see the README's table."""

    openai_api_key: Secret = field(default_factory=lambda: Secret(""))
    openai_base_url: str | None = None
    model: str = "gpt-4.1-mini"
    openai_api: str = "responses"
    tradier_api_key: Secret = field(default_factory=lambda: Secret(""))
    tradier_base_url: str = "https://api.tradier.com"
    polygon_api_key: Secret = field(default_factory=lambda: Secret(""))
    polygon_base_url: str = "https://api.polygon.io"
    offline: bool = False
    data_dir: Path = Path("data")
    query_timeout: float = 30.0
    max_question_chars: int = 2000
    http_connect_timeout: float = 3.05
    http_read_timeout: float = 10.0
    log_level: str = "INFO"
    log_format: str = "json"
    alert_latency_seconds: float = 10.0
    alert_error_rate_percent: float = 10.0
    alert_cpu_percent: float = 85.0
    alert_memory_percent: float = 90.0
    alert_webhook_url: Secret = field(default_factory=lambda: Secret(""))
    # Resilience knobs; docs/performance_tuning_guide.md says when to change them.
    breaker_fail_max: int = 5
    breaker_reset_timeout: float = 30.0
    retry_max_tries: int = 3
    retry_base_wait: float = 0.5
    retry_max_wait: float = 8.0
    retry_min_attempt: float = 0.5
    tradier_rate_limit: int = 120
    tradier_rate_window: float = 60.0
    polygon_rate_limit: int = 5
    polygon_rate_window: float = 60.0
    session_questions_per_minute: int = 10
    max_running_questions: int = 32
    # Each model request's timeout; shorter than the question's deadline so a
    # stalled model leaves time for the offline planner to answer instead.
    model_timeout: float = 15.0
    max_queued_questions: int = 100
    cache_max_entries: int = 1000
    cache_ttl_quote: float = 60.0
    cache_ttl_options: float = 30.0
    cache_ttl_history: float = 86_400.0
    cache_ttl_reference: float = 604_800.0
    cache_ttl_clock: float = 30.0
    cache_max_stale_quote: float = 3_600.0
    cache_max_stale_options: float = 900.0
    cache_max_stale_history: float = 604_800.0
    cache_max_stale_reference: float = 2_592_000.0
    cache_max_stale_clock: float = 300.0
    # Seconds the offline planner waits per model turn, so a test can keep a
    # question in flight; 0 in production.
    simulated_latency: float = 0.0

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        secrets: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Build settings from ``environ`` (default ``os.environ``) and ``secrets``."""
        source = _Source(os.environ if environ is None else environ, secrets or {})
        settings = cls(
            openai_api_key=Secret(source.text("OPENAI_API_KEY")),
            openai_base_url=source.text("OPENAI_BASE_URL") or None,
            model=source.text("MARKET_PARSER_MODEL") or cls.model,
            openai_api=source.choice(
                "MARKET_PARSER_OPENAI_API", ("responses", "chat_completions")
            ),
            tradier_api_key=Secret(source.text("TRADIER_API_KEY")),
            tradier_base_url=source.url("TRADIER_BASE_URL", cls.tradier_base_url),
            polygon_api_key=Secret(source.text("POLYGON_API_KEY")),
            polygon_base_url=source.url("POLYGON_BASE_URL", cls.polygon_base_url),
            offline=source.flag("MARKET_PARSER_OFFLINE"),
            data_dir=Path(source.text("MARKET_PARSER_DATA_DIR") or cls.data_dir),
            query_timeout=source.number(
                "MARKET_PARSER_QUERY_TIMEOUT", cls.query_timeout, low=1, high=600
            ),
            max_question_chars=int(
                source.number(
                    "MARKET_PARSER_MAX_QUESTION_CHARS",
                    cls.max_question_chars,
                    low=20,
                    high=100_000,
                )
            ),
            http_connect_timeout=source.number(
                "MARKET_PARSER_HTTP_CONNECT_TIMEOUT",
                cls.http_connect_timeout,
                low=0.1,
                high=60,
            ),
            http_read_timeout=source.number(
                "MARKET_PARSER_HTTP_READ_TIMEOUT",
                cls.http_read_timeout,
                low=0.1,
                high=300,
            ),
            log_level=source.choice(
                "LOG_LEVEL", ("INFO", "DEBUG", "WARNING", "ERROR", "CRITICAL")
            ),
            log_format=source.choice("LOG_FORMAT", ("json", "text")),
            alert_latency_seconds=source.number(
                "ALERT_LATENCY_SECONDS", cls.alert_latency_seconds, low=0.1, high=600
            ),
            alert_error_rate_percent=source.number(
                "ALERT_ERROR_RATE_PERCENT",
                cls.alert_error_rate_percent,
                low=0,
                high=100,
            ),
            alert_cpu_percent=source.number(
                "ALERT_CPU_PERCENT", cls.alert_cpu_percent, low=1, high=10_000
            ),
            alert_memory_percent=source.number(
                "ALERT_MEMORY_PERCENT", cls.alert_memory_percent, low=1, high=100
            ),
            alert_webhook_url=Secret(source.url("ALERT_WEBHOOK_URL", "")),
            simulated_latency=source.number(
                "MARKET_PARSER_SIMULATED_LATENCY", 0.0, low=0, high=60
            ),
            **_resilience_knobs(source),
        )
        return settings

    @property
    def use_openai(self) -> bool:
        return bool(self.openai_api_key) and not self.offline

    @property
    def use_tradier(self) -> bool:
        return bool(self.tradier_api_key) and not self.offline

    @property
    def use_polygon(self) -> bool:
        return bool(self.polygon_api_key) and not self.offline

    def secret_values(self) -> list[str]:
        """Every configured credential, for redaction."""
        return [
            getattr(self, f.name).reveal()
            for f in fields(self)
            if isinstance(getattr(self, f.name), Secret) and getattr(self, f.name)
        ]


class _Source:
    """Reads one setting at a time from the environment, then the secrets."""

    def __init__(self, environ: Mapping[str, str], secrets: Mapping[str, Any]):
        self._environ = environ
        self._secrets = secrets

    def text(self, name: str) -> str:
        value = self._environ.get(name)
        if value is None:
            value = self._secrets.get(name)
        return "" if value is None else str(value).strip()

    def flag(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(
            f"{name}={value!r} is not a yes/no value. Use 1 or 0 (true/false also work)."
        )

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name)
        if not value:
            return allowed[0]
        normalized = value.upper() if allowed[0].isupper() else value.lower()
        if normalized not in allowed:
            raise ConfigError(
                f"{name}={value!r} is not allowed. Use one of: {', '.join(allowed)}."
            )
        return normalized

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        value = self.text(name)
        if not value:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(
                f"{name}={value!r} is not a number. Use a value from {low:g} to {high:g}."
            ) from None
        if not low <= number <= high:
            raise ConfigError(
                f"{name}={value!r} is out of range. Use a value from {low:g} to {high:g}."
            )
        return number

    def url(self, name: str, default: str) -> str:
        value = self.text(name)
        if not value:
            return default
        if not value.startswith(("http://", "https://")):
            raise ConfigError(
                f"{name}={value!r} is not an http(s) URL. "
                "Use a full base URL such as https://api.example.com."
            )
        return value.rstrip("/")


_DAY = 86_400
# (field, environment variable, lowest, highest) for each resilience knob.
_RESILIENCE_KNOBS = (
    ("breaker_fail_max", "MARKET_PARSER_BREAKER_FAIL_MAX", 1, 100),
    ("breaker_reset_timeout", "MARKET_PARSER_BREAKER_RESET_TIMEOUT", 1, 3600),
    ("retry_max_tries", "MARKET_PARSER_RETRY_MAX_TRIES", 1, 10),
    ("retry_base_wait", "MARKET_PARSER_RETRY_BASE_WAIT", 0.01, 60),
    ("retry_max_wait", "MARKET_PARSER_RETRY_MAX_WAIT", 0.01, 300),
    ("retry_min_attempt", "MARKET_PARSER_RETRY_MIN_ATTEMPT", 0, 60),
    ("tradier_rate_limit", "TRADIER_RATE_LIMIT", 1, 100_000),
    ("tradier_rate_window", "TRADIER_RATE_WINDOW", 0.1, 3600),
    ("polygon_rate_limit", "POLYGON_RATE_LIMIT", 1, 100_000),
    ("polygon_rate_window", "POLYGON_RATE_WINDOW", 0.1, 3600),
    (
        "session_questions_per_minute",
        "MARKET_PARSER_SESSION_QUESTIONS_PER_MINUTE",
        1,
        10_000,
    ),
    ("max_running_questions", "MARKET_PARSER_MAX_RUNNING_QUESTIONS", 1, 1000),
    ("model_timeout", "MARKET_PARSER_MODEL_TIMEOUT", 0.5, 600),
    ("max_queued_questions", "MARKET_PARSER_MAX_QUEUED_QUESTIONS", 0, 100_000),
    ("cache_max_entries", "MARKET_PARSER_CACHE_MAX_ENTRIES", 1, 1_000_000),
    ("cache_ttl_quote", "MARKET_PARSER_CACHE_TTL_QUOTE", 0, 30 * _DAY),
    ("cache_ttl_options", "MARKET_PARSER_CACHE_TTL_OPTIONS", 0, 30 * _DAY),
    ("cache_ttl_history", "MARKET_PARSER_CACHE_TTL_HISTORY", 0, 30 * _DAY),
    ("cache_ttl_reference", "MARKET_PARSER_CACHE_TTL_REFERENCE", 0, 30 * _DAY),
    ("cache_ttl_clock", "MARKET_PARSER_CACHE_TTL_CLOCK", 0, 30 * _DAY),
    ("cache_max_stale_quote", "MARKET_PARSER_CACHE_MAX_STALE_QUOTE", 0, 90 * _DAY),
    ("cache_max_stale_options", "MARKET_PARSER_CACHE_MAX_STALE_OPTIONS", 0, 90 * _DAY),
    ("cache_max_stale_history", "MARKET_PARSER_CACHE_MAX_STALE_HISTORY", 0, 90 * _DAY),
    (
        "cache_max_stale_reference",
        "MARKET_PARSER_CACHE_MAX_STALE_REFERENCE",
        0,
        90 * _DAY,
    ),
    ("cache_max_stale_clock", "MARKET_PARSER_CACHE_MAX_STALE_CLOCK", 0, 90 * _DAY),
)


def _resilience_knobs(source: _Source) -> dict[str, float]:
    """The breaker, retry, rate-limit, admission and cache settings, validated."""
    values: dict[str, float] = {}
    for name, variable, low, high in _RESILIENCE_KNOBS:
        default = getattr(Settings, name)
        number = source.number(variable, default, low=low, high=high)
        values[name] = int(number) if isinstance(default, int) else number

    return values
