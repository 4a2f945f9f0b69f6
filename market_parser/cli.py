"""The terminal entry point: ``python -m market_parser ask "QUESTION"``.

The answer goes to stdout; logs go to stderr so the two never mix. The exit
status is 0 only when the question was answered.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Sequence

from market_parser.errors import ConfigError

EXIT_ANSWERED = 0
EXIT_NOT_ANSWERED = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m market_parser",
        description="Ask stock-market questions in plain English.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one question and exit")
    ask.add_argument("question", help='for example "What is Apple\'s stock price?"')
    ask.add_argument(
        "--json", action="store_true", help="print one JSON object instead of text"
    )
    ask.add_argument(
        "--session",
        help="conversation id; reuse it across runs for follow-up questions",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from market_parser.config.settings import Settings
    from market_parser.observability.logs import configure_logging

    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(
        settings.log_level,
        settings.log_format,
        secrets=settings.secret_values(),
        stream=sys.stderr,
    )
    return _ask(settings, args.question, args.session, as_json=args.json)


def _ask(settings, question: str, session: str | None, *, as_json: bool) -> int:
    from market_parser.service.query import QueryService

    service = QueryService(settings)
    try:
        answer = service.ask(question, session_id=session or f"cli-{uuid.uuid4().hex}")
    finally:
        service.close()
    if as_json:
        print(json.dumps(answer.to_dict(), default=str))
    elif answer.ok:
        print(answer.text)
        print()
        print(answer.footer())
    if not answer.ok:
        first_line = answer.text.splitlines()[0] if answer.text else answer.outcome
        print(f"error: {first_line}", file=sys.stderr)
        return EXIT_NOT_ANSWERED
    if not answer.has_data:
        # A reply, but not an answer from data: help text, an unknown ticker,
        # dates outside the data. Scripts can tell from the status.
        print("error: no market data answered this question", file=sys.stderr)
        return EXIT_NOT_ANSWERED

    return EXIT_ANSWERED
