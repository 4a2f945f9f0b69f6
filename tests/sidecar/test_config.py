"""The sidecar's flags and environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from market_parser.sidecar.config import parse_config


def test_defaults():
    """With nothing set: all interfaces, 8502, the app on 8501, ./data."""
    config = parse_config([], {})
    assert (config.host, config.port) == ("0.0.0.0", 8502)
    assert config.app_url == "http://127.0.0.1:8501"
    assert config.data_dir == Path("data")
    assert config.token == ""


def test_environment_then_flags():
    """SIDECAR_* and MARKET_PARSER_DATA_DIR apply; flags override them."""
    env = {
        "SIDECAR_HOST": "127.0.0.1",
        "SIDECAR_PORT": "9000",
        "SIDECAR_APP_URL": "http://app:8501/",
        "MARKET_PARSER_DATA_DIR": "/srv/data",
        "MONITORING_TOKEN": " s3cret ",
    }
    config = parse_config([], env)
    assert (config.host, config.port, config.app_url) == (
        "127.0.0.1",
        9000,
        "http://app:8501",
    )
    assert config.data_dir == Path("/srv/data")
    assert config.token == "s3cret"
    flagged = parse_config(["--port", "9100", "--app-url", "http://x:1"], env)
    assert (flagged.port, flagged.app_url) == (9100, "http://x:1")


def test_token_never_shows_in_repr():
    """The config can be logged without leaking the token."""
    assert "s3cret" not in repr(parse_config([], {"MONITORING_TOKEN": "s3cret"}))


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {"SIDECAR_PORT": "http"}, "SIDECAR_PORT='http' is not a whole number"),
        (["--port", "70000"], {}, "is not a port"),
        (["--app-url", "localhost:8501"], {}, "is not an http(s) URL"),
    ],
)
def test_bad_values_exit_with_a_message(argv, env, message, capsys):
    """A wrong flag or variable stops the sidecar and says which one."""
    with pytest.raises(SystemExit) as exited:
        parse_config(argv, env)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
