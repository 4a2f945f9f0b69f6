"""The process's one query service, shared by the server entry and every page.

The server entry (`market_parser.server`) creates it in the main thread before
Streamlit starts, so the agent warms up from server start; the pages reach the
same instance through `market_parser.ui.bootstrap`. Under a plain
``streamlit run`` the first page to ask creates it instead.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from market_parser.observability.runtime import shared

if TYPE_CHECKING:
    from market_parser.config.settings import Settings
    from market_parser.service.query import QueryService

logger = logging.getLogger(__name__)

_service: QueryService | None = None
_lock = threading.Lock()


def shared_service(settings: Settings, *, start: bool = True) -> QueryService:
    """Return this process's query service, creating it on the first call.

    It records into the process's `Observability` (started here if need be).
    With ``start``, a new service builds its agent stack in a background thread
    at once; without, whoever created it calls ``start()`` when it suits (a
    question asked before that builds the stack itself).
    """
    global _service
    with _lock:
        if _service is None:
            from market_parser.service.query import QueryService

            observability = shared(settings)
            _service = QueryService(
                settings, metrics=observability.metrics, recent=observability.recent
            )
            if start:
                _service.start()
                logger.info("service.started")

    return _service


def current_service() -> QueryService | None:
    """The shared service if one was created in this process, else None."""
    return _service
