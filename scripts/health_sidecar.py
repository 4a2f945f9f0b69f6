"""Run the health sidecar beside the Market Parser app.

    python scripts/health_sidecar.py --port 8502 --app-url http://127.0.0.1:8501

Serves ``/health`` (readiness: the app answers, its status file is fresh, its
state is not unhealthy; 200 or 503), ``/livez`` (liveness: 200 while this
process runs), ``/status`` (JSON) and ``/metrics`` (Prometheus text). Flags
``--host``, ``--port``, ``--app-url``, ``--data-dir`` or the variables
SIDECAR_HOST, SIDECAR_PORT, SIDECAR_APP_URL, MARKET_PARSER_DATA_DIR; with
MONITORING_TOKEN set, ``/status`` and ``/metrics`` need
``Authorization: Bearer <token>``. LOG_LEVEL and LOG_FORMAT as for the app.

It imports only the standard library and the app's snapshot and exposition
modules, never the agent stack, so it answers within a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from market_parser.observability.logs import configure_logging
from market_parser.sidecar.config import parse_config
from market_parser.sidecar.server import serve

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def main(argv: list[str] | None = None) -> int:
    config = parse_config(argv)
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    fmt = os.environ.get("LOG_FORMAT", "json").strip().lower() or "json"
    if level not in _LEVELS or fmt not in ("json", "text"):
        print(
            f"LOG_LEVEL={level!r} or LOG_FORMAT={fmt!r} is not allowed. "
            f"Use one of {', '.join(_LEVELS)} and json or text.",
            file=sys.stderr,
        )
        return 2
    configure_logging(level, fmt, secrets=[config.token])
    try:
        return serve(config)
    except OSError as exc:
        print(
            f"health sidecar: cannot listen on {config.host}:{config.port}: "
            f"{exc.strerror or exc}. Pick another --port or SIDECAR_PORT.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
