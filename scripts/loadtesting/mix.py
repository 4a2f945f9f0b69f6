"""The questions simulated users ask, and how their answers are judged.

The mix is price 5, options 3, technical analysis 2 and "health check" 1. The
health check is a market-status question asked through the same path as the
others, so that every target measures the same layer. An answer succeeds only
when it was answered, names the ticker asked about and holds a number.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass

WEIGHTS = {"price": 5, "options": 3, "technical": 2, "health": 1}
COMPANIES = (
    ("AAPL", "Apple"),
    ("MSFT", "Microsoft"),
    ("GOOG", "Google"),
    ("IBM", "IBM"),
    ("FB", "Facebook"),
)
TEMPLATES = {
    "price": (
        "What is {name}'s stock price?",
        "{ticker} price",
        "What did {name} close at yesterday?",
        "How did {ticker} do last week?",
    ),
    "options": (
        "Show {ticker} call options expiring Friday",
        "{ticker} puts for the nearest expiration",
        "{name} option chain for next month",
    ),
    "technical": (
        "RSI and MACD for {ticker}",
        "{ticker} support and resistance",
        "Technical analysis of {name}",
    ),
    "health": ("Is the market open right now?", "Is the stock market open today?"),
}
# Words an answer of each kind must contain, besides its ticker and a number.
EXPECTED_WORDS = {
    "price": (),
    "options": ("call", "put"),
    "technical": ("rsi", "support", "resistance", "macd"),
    "health": ("open", "closed"),
}
THINK_SECONDS = (1.0, 3.0)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# A failed answer is shown as a message, not a status: name it by its words.
_FAILURE_WORDS = (
    ("busy", "BusyError"),
    ("took longer than", "QueryTimeoutError"),
    ("faster than", "SessionRateLimited"),
)


@dataclass(frozen=True)
class Question:
    """One question of the mix, with the ticker its answer must name."""

    kind: str
    text: str
    ticker: str | None


@dataclass(frozen=True)
class Reply:
    """What a target saw for one question, before it is judged."""

    text: str
    outcome: str
    error_type: str = ""
    queue_wait_s: float | None = None


@dataclass(frozen=True)
class Result:
    """One judged question: how long it took and whether it succeeded."""

    kind: str
    latency_s: float
    ok: bool
    error_type: str
    queue_wait_s: float | None
    finished_at: float
    excerpt: str = ""


def pick_question(rng: random.Random) -> Question:
    """Draw a question from the weighted mix."""
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    return question_of_kind(kind, rng)


def question_of_kind(kind: str, rng: random.Random) -> Question:
    """Draw a question of one kind, about one of the offline tickers."""
    template = rng.choice(TEMPLATES[kind])
    if kind == "health":
        return Question(kind, template, None)
    ticker, name = rng.choice(COMPANIES)

    return Question(kind, template.format(ticker=ticker, name=name), ticker)


def question_from_text(text: str) -> Question:
    """The `Question` for a given text: its kind and ticker when the mix has it."""
    for kind, templates in TEMPLATES.items():
        for template in templates:
            for ticker, name in COMPANIES:
                if template.format(ticker=ticker, name=name) == text:
                    return Question(kind, text, ticker if kind != "health" else None)
    ticker = next((t for t, _ in COMPANIES if re.search(rf"\b{t}\b", text)), None)

    return Question("price", text, ticker)


def check_answer(question: Question, text: str) -> str:
    """Return why an answer's content is wrong, or "" when it is right."""
    if question.ticker and not re.search(rf"\b{question.ticker}\b", text):
        return f"missing ticker {question.ticker}"
    if not _NUMBER.search(text):
        return "no number"
    words = EXPECTED_WORDS[question.kind]
    if words and not any(word in text.lower() for word in words):
        return f"none of {', '.join(words)}"

    return ""


def judge(question: Question, reply: Reply, latency_s: float) -> Result:
    """Turn a target's reply into a `Result`, checking the answer's content."""
    error_type = reply.error_type or ("" if reply.outcome == "answered" else "failed")
    if not error_type:
        problem = check_answer(question, reply.text)
        error_type = "content_check" if problem else ""
    excerpt = "" if not error_type else f"{question.text!r}: {reply.text[:160]!r}"

    return Result(
        kind=question.kind,
        latency_s=latency_s,
        ok=not error_type,
        error_type=error_type,
        queue_wait_s=reply.queue_wait_s,
        finished_at=time.monotonic(),
        excerpt=excerpt,
    )


def shown_reply(text: str, footer: str) -> Reply:
    """Judge an answer as a page shows it: answered when its footer has token counts."""
    if "tokens" in footer:
        return Reply(text, "answered")
    lowered = text.lower()
    error_type = next(
        (name for word, name in _FAILURE_WORDS if word in lowered), "ErrorShown"
    )
    return Reply(text, "failed", error_type)
