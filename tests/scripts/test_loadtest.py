"""The load-test script: short in-process runs, its report, its verdict, its checks."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import loadtest
import pytest
from loadtesting import localhost, mix, protocol

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "loadtest.py"
CHROMIUM = Path(localhost.CHROMIUM)


def run_script(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.startswith("MARKET_PARSER_")
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_three_users_for_three_seconds_answer_everything(tmp_path):
    """Every answer of a short run is right, and the JSON and HTML carry the figures."""
    out, page = tmp_path / "out.json", tmp_path / "report.html"
    done = run_script(
        *("--users", "3", "--spawn-rate", "10", "--run-time", "3s"),
        *("--think-scale", "0.02", "--json", str(out), "--html", str(page)),
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    totals = report["totals"]
    assert totals["users_started"] == 3
    assert totals["requests"] >= 30
    assert totals["succeeded"] == totals["requests"]
    assert totals["success_rate"] == 1.0
    assert sum(k["requests"] for k in report["by_kind"].values()) == totals["requests"]
    latency = report["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert latency["count"] == totals["requests"]
    assert report["verdict"] == {
        "success_rate_min": 0.95,
        "p95_target_s": None,
        "passed": True,
        "reasons": [],
    }
    assert len(report["timeline"]["windows"]) >= 3
    assert report["resources"]["rss_mb_max"] > 50
    assert "verdict: PASSED" in done.stdout
    assert page.read_text().count('class="plotly-graph-div"') == 8


def test_every_cache_miss_reached_the_provider_or_joined_one_that_did(tmp_path):
    """Upstream requests counted below the cache match the cache's own misses."""
    out = tmp_path / "out.json"
    done = run_script(
        *("--users", "4", "--spawn-rate", "20", "--run-time", "2s"),
        *("--think-scale", "0.02", "--upstream-latency", "0.01", "--json", str(out)),
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    cache, upstream = report["cache"], report["upstream"]
    assert upstream["requests"] > 0
    assert upstream["requests"] + cache.get("coalesced", 0) == cache["miss"]
    assert cache["hit"] + cache["miss"] + cache.get("stale", 0) == cache["lookups"]
    assert sum(upstream["by_method"].values()) == upstream["requests"]


def test_an_impossible_p95_target_fails_the_run(tmp_path):
    """The exit status is 1 and the verdict says why when p95 misses its target."""
    out = tmp_path / "out.json"
    done = run_script(
        *("--users", "1", "--run-time", "1s", "--think-scale", "0.01"),
        *("--p95-target", "0.00001", "--json", str(out)),
    )

    assert done.returncode == 1, done.stdout + done.stderr
    verdict = json.loads(out.read_text())["verdict"]
    assert not verdict["passed"]
    assert verdict["reasons"][0].startswith("p95 ")
    assert "verdict: FAILED: p95" in done.stdout


def test_a_burst_of_identical_questions_makes_one_upstream_request(tmp_path):
    """Ten users asking the same question at once cause one request for its quote."""
    out = tmp_path / "out.json"
    done = run_script(
        *("--burst", "10", "--upstream-latency", "0.2", "--json", str(out)),
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert report["totals"]["requests"] == 10
    assert report["upstream"]["items"] == {"quotes('AAPL',)": 1}


def test_an_answer_naming_another_ticker_fails_the_content_check():
    """The right outcome is not enough: the answer must name the ticker asked about."""
    question = mix.Question("price", "What is Apple's stock price?", "AAPL")
    wrong = mix.Reply("**MSFT** closed at **$27.95**.", "answered")
    right = mix.Reply("**AAPL** closed at **$430.47**.", "answered")

    assert mix.check_answer(question, wrong.text) == "missing ticker AAPL"
    assert mix.judge(question, wrong, 0.01).error_type == "content_check"
    assert mix.judge(question, right, 0.01).ok


def test_content_check_wants_a_number_and_the_words_of_its_kind():
    """An options answer without calls or puts, or any answer without a number, fails."""
    options = mix.Question("options", "AAPL puts", "AAPL")
    health = mix.Question("health", "Is the market open?", None)

    assert mix.check_answer(options, "AAPL expires 2013-03-08") == ("none of call, put")
    assert mix.check_answer(health, "The market is closed.") == "no number"
    assert mix.check_answer(health, "Closed since 2013-03-01 16:00.") == ""


def test_failed_outcomes_keep_their_error_type():
    """A rejected question counts under the service's error type, not as content."""
    question = mix.Question("price", "AAPL price", "AAPL")
    busy = mix.Reply("Market Parser is busy", "rejected", "BusyError")

    result = mix.judge(question, busy, 0.5)

    assert not result.ok
    assert result.error_type == "BusyError"


def test_the_mix_follows_its_weights():
    """Over many draws the kinds come out near 5:3:2:1."""
    rng = random.Random(7)
    kinds = [mix.pick_question(rng).kind for _ in range(11_000)]

    assert abs(kinds.count("price") - 5_000) < 250
    assert abs(kinds.count("options") - 3_000) < 200
    assert abs(kinds.count("technical") - 2_000) < 200
    assert abs(kinds.count("health") - 1_000) < 150


def test_durations_read_like_locust_run_times():
    """ "10m" is 600 s; a bare number is seconds."""
    assert loadtest.parse_duration("10m") == 600
    assert loadtest.parse_duration("45") == 45
    assert loadtest.parse_duration("1.5s") == 1.5


def test_three_protocol_sessions_against_a_live_streamlit_server(tmp_path):
    """Sessions over Streamlit's websocket ask through a real server, which counts them."""
    out = tmp_path / "out.json"
    done = run_script(
        *("--target", "streamlit", "--users", "3", "--spawn-rate", "10"),
        *("--run-time", "4s", "--think-scale", "0.1", "--json", str(out)),
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    requests = report["totals"]["requests"]
    assert requests >= 3
    assert report["totals"]["success_rate"] == 1.0
    # The server also answered the two warm-up questions.
    assert report["app"]["questions"] == {"answered": requests + 2}
    assert report["app"]["client_errors"] == {}
    assert report["resources"]["rss_mb_max"] > 50


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed")
def test_two_chromium_pages_against_a_live_streamlit_server(tmp_path):
    """Two headless Chromium pages ask through a real server and read right answers."""
    out = tmp_path / "out.json"
    done = run_script(
        *("--target", "streamlit", "--client", "browser", "--users", "2"),
        *("--spawn-rate", "10", "--run-time", "12s", "--think-scale", "0.1"),
        *("--json", str(out)),
        timeout=180,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    requests = report["totals"]["requests"]
    assert requests >= 2
    assert report["totals"]["success_rate"] == 1.0
    assert report["app"]["questions"] == {"answered": requests + 2}
    assert report["resources"]["client_cpu_percent_avg"] > 0


def test_only_an_answer_footer_counts_as_the_answer():
    """The footer ends in a reference; the "number N in line" caption does not."""
    footer = (
        "0.18 s · tokens 641 in / 97 out · offline-planner · Offline sample data"
        " · as of 2013-03-01 · ref 874f1ad2ffef4b28"
    )

    assert protocol.FOOTER.search(footer)
    assert protocol.FOOTER.search("ref 0123456789abcdef")
    assert not protocol.FOOTER.search(
        "Many questions right now: you are number 3 in line."
    )
    assert mix.shown_reply("**AAPL** at $1", footer).outcome == "answered"
    busy = mix.shown_reply("Market Parser is busy: try again", "ref 0123456789abcdef")
    assert (busy.outcome, busy.error_type) == ("failed", "BusyError")


def forward_messages(*items: tuple[str, tuple[int, ...], str]) -> list:
    """Streamlit ForwardMsgs: ("new_session"|"finished"|"text"|"caption", path, body)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.Markdown_pb2 import Markdown

    messages = []
    for kind, path, body in items:
        message = ForwardMsg()
        if kind == "new_session":
            message.new_session.SetInParent()
        elif kind == "finished":
            message.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
        else:
            markdown = message.delta.new_element.markdown
            markdown.body = body
            markdown.element_type = (
                Markdown.CAPTION if kind == "caption" else Markdown.NATIVE
            )
            message.metadata.delta_path.extend(path)
        messages.append(message)
    return messages


def test_the_protocol_client_reads_the_answer_past_the_queue_caption():
    """In the run that draws the second footer, the answer is the block's text."""
    footer = "0.02 s · tokens 9 in / 9 out · offline-planner · ref 0123456789abcdef"
    stream = iter(
        forward_messages(
            ("new_session", (), ""),
            ("text", (0, 2, 0), "**AAPL** closed at $430.47"),
            ("caption", (0, 2, 1), footer),
            ("text", (0, 3, 0), "IBM price"),
            (
                "caption",
                (0, 4, 0),
                "Many questions right now: you are number 2 in line.",
            ),
            ("text", (0, 4, 1), "**IBM** closed at $202.91"),
            ("caption", (0, 4, 2), footer.replace("0123", "4567")),
            ("finished", (), ""),
        )
    )
    session = protocol.ProtocolSession("http://127.0.0.1:1")

    async def receive():
        return next(stream)

    session._receive = receive

    reply, _ = asyncio.run(session._answer(2))

    assert (reply.outcome, reply.text) == ("answered", "**IBM** closed at $202.91")
