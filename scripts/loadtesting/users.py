"""Simulated users as threads: a steady run with think time, or a burst at once."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from loadtesting.mix import THINK_SECONDS, judge, pick_question, question_from_text
from loadtesting.plan import Plan
from loadtesting.recorder import Recorder

BARRIER_TIMEOUT_S = 30.0


def run_threads(target: Any, plan: Plan, recorder: Recorder) -> int:
    """Run the users as threads until the run time is up; returns users started."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    stop_at = recorder.started + plan.run_time
    for index in range(plan.users):
        start_at = recorder.started + index / plan.spawn_rate
        if stop.wait(max(0.0, start_at - time.monotonic())) or start_at >= stop_at:
            break
        thread = threading.Thread(
            target=_user,
            args=(target, index, plan, recorder, stop),
            name=f"user-{index}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    stop.wait(max(0.0, stop_at - time.monotonic()))
    stop.set()
    # Questions in flight at the end finish (or time out) and are counted.
    grace_until = time.monotonic() + grace_seconds(target)
    for thread in threads:
        thread.join(max(0.1, grace_until - time.monotonic()))

    return len(threads)


def grace_seconds(target: Any) -> float:
    """How long a question in flight may still take: its deadline and a margin."""
    settings = getattr(target, "settings", None)
    return (settings.query_timeout if settings else 30.0) + 5.0


def _user(
    target: Any, index: int, plan: Plan, recorder: Recorder, stop: threading.Event
) -> None:
    rng = random.Random(plan.seed * 1_000 + index)
    recorder.joined(1)
    asked = 0
    try:
        while not stop.is_set() and recorder.take_ticket():
            question = pick_question(rng)
            reply, elapsed = target.ask(question, session_id(plan, index, asked))
            asked += 1
            recorder.add(judge(question, reply, elapsed))
            stop.wait(rng.uniform(*THINK_SECONDS) * plan.think_scale)
    finally:
        recorder.joined(-1)


def session_id(plan: Plan, user: int, asked: int) -> str:
    """The user's chat session; a new one every ``session_questions`` questions."""
    if plan.session_questions:
        return f"loadtest-{plan.seed}-{user}-{asked // plan.session_questions}"
    return f"loadtest-{plan.seed}-{user}"


def run_burst(target: Any, plan: Plan, recorder: Recorder) -> int:
    """Ask one question from ``plan.burst`` users, each in its own session, at once."""
    question = question_from_text(plan.question)
    barrier = threading.Barrier(plan.burst)

    def one(index: int) -> None:
        barrier.wait(timeout=BARRIER_TIMEOUT_S)
        reply, elapsed = target.ask(question, f"burst-{plan.seed}-{index}")
        recorder.add(judge(question, reply, elapsed))

    threads = [
        threading.Thread(target=one, args=(i,), daemon=True) for i in range(plan.burst)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(grace_seconds(target) + BARRIER_TIMEOUT_S)

    return plan.burst
