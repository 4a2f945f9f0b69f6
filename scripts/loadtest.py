"""Load-test Market Parser: simulated users asking a weighted mix of questions.

    python scripts/loadtest.py --users 20 --spawn-rate 5 --run-time 60s --json out.json
    python scripts/loadtest.py --users 20 --model-latency 0.8 --p95-target 2.0
    python scripts/loadtest.py --target streamlit --users 20 --run-time 60s
    python scripts/loadtest.py --burst 20 --upstream-latency 0.2

Targets:

- ``inprocess`` (default): the query service in this process, one thread per
  user, as Streamlit runs one thread per session. The data is the offline set,
  behind a wrapper that counts every upstream request and can delay each one
  (``--upstream-latency``) the way a live provider's round trip would; the
  offline planner can wait per model turn (``--model-latency``) as an LLM would.
- ``streamlit``: a live Streamlit server (started here, or ``--url``), one
  session per user, timing a question from sending it to its answer's footer,
  so the figures include what the Streamlit layer adds. Sessions speak
  Streamlit's websocket protocol (``--client websocket``, light enough for 100
  users on two cores) or are headless Chromium pages (``--client browser``,
  rendering included; Chromium's CPU is reported as the client's).

The mix is price 5, options 3, technical analysis 2 and "health check" 1, where
the health check is a market-status question asked through the same path as
the others ("Is the market open right now?"), so both targets measure one
layer. Users think 1 to 3 s between questions (``--think-scale`` shrinks that
for tests). An answer succeeds only when it was answered and names the right
ticker with a number in it. The exit status is 1 when under 95 % succeed or
p95 exceeds ``--p95-target``, 2 when the run could not be set up.

``--burst N`` instead asks one question from N users at the same moment and
reports how many upstream requests each data item took (the target is one).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtesting.inprocess import InProcessTarget  # noqa: E402
from loadtesting.plan import Plan  # noqa: E402
from loadtesting.recorder import Recorder  # noqa: E402
from loadtesting.resources import ResourceWatch  # noqa: E402
from loadtesting.summary import print_summary, summarize  # noqa: E402
from loadtesting.users import run_burst, run_threads  # noqa: E402

from market_parser.config.settings import Settings  # noqa: E402
from market_parser.errors import ConfigError  # noqa: E402

MAX_USERS = 500
MAX_RUN_SECONDS = 4 * 3600


def parse_duration(text: str) -> float:
    """Seconds from "90", "90s", "10m" or "1h"."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; use e.g. 30s, 10m or 1h"
        )
    value = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if not 0 < value <= MAX_RUN_SECONDS:
        raise argparse.ArgumentTypeError(f"run time must be 1 s to {MAX_RUN_SECONDS} s")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Traffic goes only to 127.0.0.1.",
    )
    add = parser.add_argument
    add("--target", choices=("inprocess", "streamlit"), default="inprocess")
    add("--users", type=int, default=20, help=f"simulated users, 1 to {MAX_USERS}")
    add("--spawn-rate", type=float, default=5.0, help="users started per second")
    add("--run-time", type=parse_duration, default=60.0, help="e.g. 60s, 10m")
    add("--think-scale", type=float, default=1.0, help="multiplies the 1-3 s think")
    add("--model-latency", type=float, default=0.0, help="seconds per model turn")
    add("--upstream-latency", type=float, default=0.0, help="seconds per request")
    add("--p95-target", type=float, help="fail when p95 exceeds this many seconds")
    add("--seed", type=int, default=1)
    add("--interval", type=float, help="seconds per timeline point")
    add("--max-requests", type=int, default=200_000, help="stop after this many")
    add("--keep-session-limit", action="store_true", help="keep 10 questions/min")
    add(
        "--session-questions",
        type=int,
        default=0,
        help="inprocess: start a new chat session every N questions (0: never)",
    )
    add("--client", choices=("websocket", "browser"), default="websocket")
    add("--url", help="streamlit: an already running app on 127.0.0.1")
    add("--app-pid", type=int, help="streamlit with --url: the server's pid")
    add("--burst", type=int, default=0, help="N users ask one question at once")
    add("--question", default="What is Apple's stock price?", help="for --burst")
    add("--json", type=Path, help="write the report as JSON here")
    add("--html", type=Path, help="write an HTML report with charts here")
    add("--log-level", default="WARNING")
    return parser.parse_args(argv)


def plan_from(args: argparse.Namespace) -> Plan:
    """Validate the arguments into a `Plan`; raises SystemExit with the fix."""
    if not 1 <= args.users <= MAX_USERS:
        raise SystemExit(f"--users must be 1 to {MAX_USERS}")
    if args.spawn_rate <= 0 or args.think_scale < 0:
        raise SystemExit("--spawn-rate must be > 0 and --think-scale >= 0")
    if args.burst and args.target != "inprocess":
        raise SystemExit("--burst runs against --target inprocess only")
    if args.target == "streamlit" and args.upstream_latency:
        raise SystemExit(
            "--upstream-latency needs --target inprocess: the server's provider "
            "cannot be wrapped from outside"
        )
    if args.url and not re.match(
        r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/?", args.url
    ):
        raise SystemExit(
            "--url must point at 127.0.0.1 (traffic stays on this machine)"
        )
    interval = args.interval or (
        1.0 if args.run_time <= 120 else 5.0 if args.run_time <= 900 else 15.0
    )
    return Plan(
        target=args.target,
        users=args.burst or args.users,
        spawn_rate=args.spawn_rate,
        run_time=args.run_time,
        think_scale=args.think_scale,
        model_latency=args.model_latency,
        upstream_latency=args.upstream_latency,
        p95_target=args.p95_target,
        seed=args.seed,
        interval=interval,
        max_requests=args.max_requests,
        keep_session_limit=args.keep_session_limit,
        session_questions=max(0, args.session_questions),
        client=args.client,
        url=args.url,
        app_pid=args.app_pid,
        burst=args.burst,
        question=args.question,
    )


def make_target(plan: Plan, data_dir: str) -> Any:
    if plan.target == "streamlit":
        from loadtesting.live import StreamlitTarget

        return StreamlitTarget(plan, data_dir)
    return InProcessTarget(plan, data_dir)


def run(plan: Plan, command: str) -> dict[str, Any]:
    """Set up the target, drive the users, and return the report."""
    with tempfile.TemporaryDirectory(prefix="loadtest-") as data_dir:
        target = make_target(plan, data_dir)
        try:
            target.start()
            recorder = Recorder(plan.interval, plan.max_requests)
            watch = ResourceWatch(target, plan.interval, lambda: recorder.active)
            started_at = datetime.now(UTC).isoformat(timespec="seconds")
            watch.start()
            if plan.burst:
                users = run_burst(target, plan, recorder)
            elif plan.target == "streamlit":
                users = target.drive(plan, recorder)
            else:
                users = run_threads(target, plan, recorder)
            watch.stop()
            duration = time.monotonic() - recorder.started
        finally:
            target.close()
        run_info = {
            "command": command,
            "started_at": started_at,
            "duration_s": duration,
            "users_started": users,
            "provider": getattr(target, "provider", None),
            "settings": _knobs(getattr(target, "settings", None)),
            "app": target.app_summary(),
        }
        return summarize(plan, recorder, watch, run_info)


def _knobs(settings: Settings | None) -> dict[str, Any]:
    names = (
        "query_timeout",
        "max_running_questions",
        "max_queued_questions",
        "session_questions_per_minute",
        "cache_max_entries",
        "simulated_latency",
    )
    if settings is None:
        return {}
    return {name: getattr(settings, name) for name in names if hasattr(settings, name)}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = plan_from(args)
    from market_parser.observability.logs import configure_logging

    configure_logging(args.log_level.upper(), "text", stream=sys.stderr)
    command = shlex.join(["python", "scripts/loadtest.py", *(argv or sys.argv[1:])])
    try:
        report = run(plan, command)
    except ConfigError as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        return 2
    print_summary(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"JSON report: {args.json}")
    if args.html:
        from loadtesting.report import write_html

        write_html(report, args.html)
        print(f"HTML report: {args.html}")

    return 0 if report["verdict"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
