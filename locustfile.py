"""Locust in front of the query service, for people who prefer Locust's UI and CSVs.

    LOCUST_SKIP_MONKEY_PATCH=1 locust -f locustfile.py --headless -u 20 -r 5 -t 60s

Users ask the query service in this process with the mix, think time and
content checks of ``scripts/loadtest.py`` (price 5, options 3, technical
analysis 2, market status 1; 1 to 3 s between questions). Environment knobs:
``LOADTEST_MODEL_LATENCY`` and ``LOADTEST_UPSTREAM_LATENCY`` in seconds.

Gevent's monkey patching must stay off: the service runs its own asyncio loop
in a real thread, and each question is asked from a real thread of gevent's
pool so one user's wait never blocks the others. Locust is optional and not in
the requirements: ``pip install locust``.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

if not os.getenv("LOCUST_SKIP_MONKEY_PATCH"):
    raise SystemExit(
        "Run with LOCUST_SKIP_MONKEY_PATCH=1: gevent's patching breaks the query "
        "service's event-loop thread."
    )

import gevent
from locust import User, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))

from loadtesting.inprocess import InProcessTarget
from loadtesting.mix import THINK_SECONDS, WEIGHTS, judge, question_of_kind
from loadtesting.plan import Plan

_state: dict[str, Any] = {}


@events.test_start.add_listener
def _start_service(environment: Any, **_: Any) -> None:
    scratch = tempfile.TemporaryDirectory(prefix="locust-")
    plan = Plan(
        target="inprocess",
        users=1,
        spawn_rate=1,
        run_time=1,
        think_scale=1,
        model_latency=float(os.getenv("LOADTEST_MODEL_LATENCY", "0")),
        upstream_latency=float(os.getenv("LOADTEST_UPSTREAM_LATENCY", "0")),
        p95_target=None,
        seed=1,
        interval=1,
        max_requests=0,
        keep_session_limit=False,
    )
    target = InProcessTarget(plan, scratch.name)
    target.start()
    users = getattr(environment.parsed_options, "num_users", None) or 100
    gevent.get_hub().threadpool.maxsize = max(10, users)
    _state.update(target=target, scratch=scratch)


@events.test_stop.add_listener
def _stop_service(**_: Any) -> None:
    target = _state.pop("target", None)
    if target is not None:
        target.close()
        _state.pop("scratch").cleanup()


class MarketParserUser(User):
    """One chat session asking questions of the weighted mix."""

    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.session_id = f"locust-{uuid.uuid4().hex[:12]}"

    def _ask(self, kind: str) -> None:
        question = question_of_kind(kind, self.rng)
        pool = gevent.get_hub().threadpool
        reply, elapsed = pool.apply(_state["target"].ask, (question, self.session_id))
        result = judge(question, reply, elapsed)
        self.environment.events.request.fire(
            request_type="ask",
            name=kind,
            response_time=elapsed * 1000,
            response_length=len(reply.text),
            exception=None if result.ok else AssertionError(result.error_type),
            context={"queue_wait_s": reply.queue_wait_s},
        )

    @task(WEIGHTS["price"])
    def price(self) -> None:
        self._ask("price")

    @task(WEIGHTS["options"])
    def options(self) -> None:
        self._ask("options")

    @task(WEIGHTS["technical"])
    def technical(self) -> None:
        self._ask("technical")

    @task(WEIGHTS["health"])
    def health(self) -> None:
        self._ask("health")
