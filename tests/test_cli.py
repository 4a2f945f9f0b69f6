"""The terminal entry point, run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_API_KEY") and not key.startswith("MARKET_PARSER_")
    }
    environ.update({"MARKET_PARSER_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "market_parser", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ask_prints_the_answer_and_footer(tmp_path):
    """`ask` prints the answer and a footer on stdout, JSON logs on stderr, exit 0."""
    done = run_cli("ask", "What did Microsoft close at yesterday?", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "$27.80" in done.stdout
    assert "offline-planner" in done.stdout
    assert "as of 2013-02-28" in done.stdout
    answered = next(
        json.loads(line)
        for line in done.stderr.splitlines()
        if '"question.answered"' in line
    )
    assert f"ref {answered['correlation_id']}" in done.stdout
    log_lines = [json.loads(line) for line in done.stderr.splitlines() if line]
    assert any(line["event"] == "question.answered" for line in log_lines)
    assert "question.answered" not in done.stdout
    assert "OPENAI_API_KEY" not in done.stderr
    assert "trace" not in done.stderr.lower()


def test_ask_json_prints_one_object(tmp_path):
    """`--json` prints one object with answer, model, source, tokens and id."""
    done = run_cli("ask", "RSI and MACD for IBM", "--json", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["outcome"] == "answered"
    assert payload["model"] == "offline-planner"
    assert payload["tools"] == ["get_technical_analysis"]
    assert payload["tokens"] == {"in": 0, "out": 0}
    assert payload["has_data"] is True
    assert len(payload["correlation_id"]) == 16
    assert payload["duration_ms"] > 0
    assert "RSI(14)" in payload["answer"]


def test_unanswered_question_exits_non_zero_with_one_line(tmp_path):
    """An empty question exits 1 with a one-line error on stderr."""
    done = run_cli("ask", "  ", tmp_path=tmp_path, LOG_LEVEL="ERROR")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: Please type a question")
    assert done.stderr.count("\n") == 1


def test_bad_setting_exits_2_naming_it(tmp_path):
    """A malformed setting is reported in one line naming it; exit status 2."""
    done = run_cli(
        "ask", "AAPL price", tmp_path=tmp_path, MARKET_PARSER_QUERY_TIMEOUT="soon"
    )
    assert done.returncode == 2
    assert "MARKET_PARSER_QUERY_TIMEOUT" in done.stderr
    assert "Traceback" not in done.stderr


def test_replies_without_data_exit_1(tmp_path):
    """A non-market question or an unknown ticker prints a reply but exits 1."""
    for question in ("What's the weather in Paris?", "TSLA price"):
        done = run_cli("ask", question, tmp_path=tmp_path, LOG_LEVEL="ERROR")
        assert done.returncode == 1, question
        assert done.stdout.strip()
        assert done.stderr.strip() == "error: no market data answered this question"
