"""Settings are read from the environment, then secrets, and validated."""

from pathlib import Path

import pytest

from market_parser.config.settings import Secret, Settings
from market_parser.errors import ConfigError


def test_defaults_with_an_empty_environment():
    """With nothing set the app runs offline with the documented defaults."""
    settings = Settings.load({})
    assert not settings.use_openai
    assert not settings.use_tradier
    assert not settings.use_polygon
    assert settings.query_timeout == 30.0
    assert settings.tradier_base_url == "https://api.tradier.com"
    assert settings.polygon_base_url == "https://api.polygon.io"
    assert settings.data_dir == Path("data")
    assert settings.log_format == "json"


def test_environment_wins_over_secrets():
    """An environment variable overrides the same key in secrets.toml."""
    settings = Settings.load(
        {"TRADIER_API_KEY": "env-key"},
        {"TRADIER_API_KEY": "secret-key", "POLYGON_API_KEY": "poly"},
    )
    assert settings.tradier_api_key.reveal() == "env-key"
    assert settings.polygon_api_key.reveal() == "poly"
    assert settings.use_tradier and settings.use_polygon


def test_offline_flag_overrides_keys():
    """MARKET_PARSER_OFFLINE=1 forces offline data and planner even with keys."""
    settings = Settings.load(
        {"OPENAI_API_KEY": "sk-x", "TRADIER_API_KEY": "t", "MARKET_PARSER_OFFLINE": "1"}
    )
    assert not settings.use_openai
    assert not settings.use_tradier


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MARKET_PARSER_QUERY_TIMEOUT": "soon"}, "MARKET_PARSER_QUERY_TIMEOUT"),
        ({"MARKET_PARSER_QUERY_TIMEOUT": "0"}, "MARKET_PARSER_QUERY_TIMEOUT"),
        ({"MARKET_PARSER_OPENAI_API": "grpc"}, "MARKET_PARSER_OPENAI_API"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"MARKET_PARSER_OFFLINE": "maybe"}, "MARKET_PARSER_OFFLINE"),
        ({"TRADIER_BASE_URL": "api.tradier.com"}, "TRADIER_BASE_URL"),
    ],
)
def test_bad_values_name_the_setting_and_what_is_allowed(environ, named):
    """A wrong value raises ConfigError naming the setting and the allowed values."""
    with pytest.raises(ConfigError) as caught:
        Settings.load(environ)
    message = str(caught.value)
    assert named in message
    assert "Use" in message


def test_secrets_never_show_in_repr():
    """A key's value never appears in the settings' repr."""
    settings = Settings.load({"OPENAI_API_KEY": "sk-very-secret-123"})
    assert "sk-very-secret-123" not in repr(settings)
    assert settings.secret_values() == ["sk-very-secret-123"]
    assert repr(Secret("abc")) == "Secret('***')"


def test_base_url_loses_its_trailing_slash():
    """A base URL is kept without a trailing slash so paths join cleanly."""
    settings = Settings.load({"POLYGON_BASE_URL": "http://127.0.0.1:9999/"})
    assert settings.polygon_base_url == "http://127.0.0.1:9999"
