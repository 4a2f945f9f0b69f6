"""The sidecar's settings, from command-line flags and environment variables."""

from __future__ import annotations

import argparse
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The app rewrites its status file every 15 s; three missed writes mean trouble.
DEFAULT_MAX_SNAPSHOT_AGE = 45.0
DEFAULT_PROBE_TTL = 1.5


@dataclass(frozen=True)
class SidecarConfig:
    """Where to listen, which app to probe, where its status file is."""

    host: str = "0.0.0.0"
    port: int = 8502
    app_url: str = "http://127.0.0.1:8501"
    data_dir: Path = Path("data")
    token: str = field(default="", repr=False)
    max_snapshot_age: float = DEFAULT_MAX_SNAPSHOT_AGE
    probe_ttl: float = DEFAULT_PROBE_TTL
    probe_timeout: float = 1.0


def parse_config(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> SidecarConfig:
    """Build the configuration; flags win over the environment.

    Exits with a usage message naming the bad flag or variable.
    """
    env = os.environ if environ is None else environ
    parser = _parser(env)
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65_535:
        parser.error(f"--port / SIDECAR_PORT={args.port} is not a port (0-65535)")
    if urllib.parse.urlsplit(args.app_url).scheme not in ("http", "https"):
        parser.error(
            f"--app-url / SIDECAR_APP_URL={args.app_url!r} is not an http(s) URL; "
            "use one such as http://127.0.0.1:8501"
        )
    if args.max_snapshot_age <= 0 or args.probe_ttl < 0:
        parser.error("--max-snapshot-age must be above 0 and --probe-ttl at least 0")

    return SidecarConfig(
        host=args.host,
        port=args.port,
        app_url=args.app_url.rstrip("/"),
        data_dir=Path(args.data_dir),
        token=env.get("MONITORING_TOKEN", "").strip(),
        max_snapshot_age=args.max_snapshot_age,
        probe_ttl=args.probe_ttl,
    )


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="health_sidecar.py",
        description="Serve /health, /livez, /status and /metrics for Market Parser.",
        epilog="MONITORING_TOKEN, when set, guards /status and /metrics with "
        "'Authorization: Bearer <token>'.",
    )
    parser.add_argument(
        "--host",
        default=env.get("SIDECAR_HOST", SidecarConfig.host),
        help="address to listen on (env SIDECAR_HOST; default %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=_int(env.get("SIDECAR_PORT"), SidecarConfig.port, parser),
        help="port to listen on (env SIDECAR_PORT; default %(default)s)",
    )
    parser.add_argument(
        "--app-url",
        default=env.get("SIDECAR_APP_URL", SidecarConfig.app_url),
        help="the Streamlit app's base URL (env SIDECAR_APP_URL; default %(default)s)",
    )
    parser.add_argument(
        "--data-dir",
        default=env.get("MARKET_PARSER_DATA_DIR") or str(SidecarConfig.data_dir),
        help="the app's data folder, holding status.json "
        "(env MARKET_PARSER_DATA_DIR; default %(default)s)",
    )
    parser.add_argument(
        "--max-snapshot-age",
        type=float,
        default=DEFAULT_MAX_SNAPSHOT_AGE,
        help="seconds after which the status file counts as stale "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--probe-ttl",
        type=float,
        default=DEFAULT_PROBE_TTL,
        help="seconds an app probe result is reused (default %(default)s)",
    )
    return parser


def _int(value: str | None, default: int, parser: argparse.ArgumentParser) -> int:
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        parser.error(f"SIDECAR_PORT={value!r} is not a whole number")
        raise
