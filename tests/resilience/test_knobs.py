"""The resilience settings: defaults, environment variables and validation."""

from __future__ import annotations

import pytest

from market_parser.config.settings import Settings
from market_parser.errors import ConfigError


def test_defaults_match_the_documented_limits() -> None:
    """Without variables the knobs hold the issue's and providers' defaults."""
    settings = Settings.load(environ={})

    assert (settings.breaker_fail_max, settings.breaker_reset_timeout) == (5, 30.0)
    assert (settings.polygon_rate_limit, settings.polygon_rate_window) == (5, 60.0)
    assert (settings.tradier_rate_limit, settings.tradier_rate_window) == (120, 60.0)
    assert settings.session_questions_per_minute == 10
    assert (settings.max_running_questions, settings.max_queued_questions) == (32, 100)
    assert settings.cache_ttl_history == 86_400


def test_variables_set_knobs_with_their_types() -> None:
    """Counts come back as int, durations as float."""
    settings = Settings.load(
        environ={
            "POLYGON_RATE_LIMIT": "100",
            "POLYGON_RATE_WINDOW": "1",
            "MARKET_PARSER_RETRY_MAX_TRIES": "5",
            "MARKET_PARSER_CACHE_TTL_QUOTE": "15",
        }
    )

    assert settings.polygon_rate_limit == 100
    assert isinstance(settings.polygon_rate_limit, int)
    assert settings.polygon_rate_window == 1.0
    assert settings.retry_max_tries == 5
    assert settings.cache_ttl_quote == 15.0


def test_secrets_file_values_work_too() -> None:
    """A knob in .streamlit/secrets.toml is read like an environment variable."""
    settings = Settings.load(
        environ={}, secrets={"MARKET_PARSER_MAX_RUNNING_QUESTIONS": 4}
    )

    assert settings.max_running_questions == 4


def test_out_of_range_names_the_variable() -> None:
    """A zero breaker threshold is refused with the variable and the allowed range."""
    with pytest.raises(
        ConfigError, match="MARKET_PARSER_BREAKER_FAIL_MAX='0'.*1 to 100"
    ):
        Settings.load(environ={"MARKET_PARSER_BREAKER_FAIL_MAX": "0"})
