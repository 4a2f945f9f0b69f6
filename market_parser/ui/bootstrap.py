"""Start-up shared by every page: settings, logging and the query service.

Pages call `app_service()` through ``st.cache_resource`` so every session of the
server shares one service, and sessions arriving at the same moment still get
the same instance (Streamlit serializes the first call per cache key). The
service and the observability runtime are process-wide singletons: under the
server entry (`market_parser.server`) they already run before any page does,
and these getters return them.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from market_parser.config.settings import Settings
from market_parser.errors import ConfigError
from market_parser.observability.logs import configure_logging

logger = logging.getLogger(__name__)


def _secrets() -> dict[str, Any]:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def load_settings() -> Settings:
    """Load and validate the settings, then route logging as they say."""
    settings = Settings.load(secrets=_secrets())
    configure_logging(
        settings.log_level, settings.log_format, secrets=settings.secret_values()
    )
    return settings


@st.cache_resource(show_spinner=False)
def app_settings() -> Settings:
    """The settings, loaded and validated once per server."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def app_observability() -> Any:
    """This process's metrics, history, alerts and status file, started once."""
    from market_parser.observability.runtime import shared

    return shared(app_settings())


@st.cache_resource(show_spinner=False)
def app_service() -> Any:
    """The one query service of this process, warming up in the background."""
    from market_parser.service.shared import shared_service

    return shared_service(app_settings())


def settings_or_stop() -> Settings:
    """The settings, or an error on the page naming the fix, then stop."""
    try:
        return app_settings()
    except ConfigError as exc:
        st.error(f"Market Parser cannot start: {exc}")
        st.info(
            "Fix the setting in the environment or in .streamlit/secrets.toml, "
            "then restart the app. The README lists every setting."
        )
        st.stop()
        raise
