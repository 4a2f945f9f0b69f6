"""The Streamlit target: users as sessions of a live server.

Sessions speak Streamlit's websocket protocol (``--client websocket``, the
default: light enough for many users on a small machine) or are headless
Chromium pages (``--client browser``: rendering included, heavy). Either way
the server is the real app, started here unless ``--url`` names one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psutil

from loadtesting import server
from loadtesting.inprocess import loadtest_settings
from loadtesting.mix import THINK_SECONDS, judge, pick_question
from loadtesting.plan import Plan
from loadtesting.recorder import Recorder

logger = logging.getLogger("market_parser.loadtest")

# A chart and a table, so the server has paid for its first imports of plotly
# and pandas before the users arrive and the figures are of a warm server.
WARM_UP_QUESTIONS = ("RSI and MACD for IBM", "AAPL puts for the nearest expiration")
# Failures after which a session's page no longer matches its count of answers.
RELOAD_AFTER = ("ScriptException", "ProtocolTimeout", "BrowserTimeout")


def client_errors() -> tuple[type[BaseException], ...]:
    """What a client session can fail with: sockets, protocol, browser."""
    from websockets.exceptions import WebSocketException

    errors: tuple[type[BaseException], ...] = (
        OSError,
        RuntimeError,
        TimeoutError,
        WebSocketException,
    )
    try:
        from playwright.async_api import Error as PlaywrightError
    except ImportError:
        return errors
    return (*errors, PlaywrightError)


class StreamlitTarget:
    """Users as sessions of a live Streamlit server."""

    name = "streamlit"

    def __init__(self, plan: Plan, data_dir: str) -> None:
        self.plan = plan
        self.settings = dataclasses.replace(
            loadtest_settings(plan, data_dir), simulated_latency=plan.model_latency
        )
        self.server = None if plan.url else server.StreamlitServer(Path(data_dir), plan)
        self.url = plan.url.rstrip("/") if plan.url else self.server.url
        self.client_errors: Counter = Counter()
        self._me = psutil.Process()

    def start(self) -> None:
        """Start the server (unless given one) and answer one question to warm it."""
        if self.plan.client == "browser":
            from loadtesting.browser import CHROMIUM

            if not Path(CHROMIUM).exists():
                raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
        if self.server is not None:
            self.server.start()
        asyncio.run(self._warm_up())

    async def _warm_up(self) -> None:
        async with self._sessions() as new_session:
            session = new_session()
            await session.open()
            replies = [(await session.ask(q))[0] for q in WARM_UP_QUESTIONS]
            await session.close()
        for reply in replies:
            if reply.outcome != "answered":
                raise SystemExit(f"a warm-up question failed: {reply.text!r}")

    @contextlib.asynccontextmanager
    async def _sessions(self) -> AsyncIterator[Callable[[], Any]]:
        """Yield a factory of client sessions, with a browser running if needed."""
        if self.plan.client != "browser":
            from loadtesting.protocol import ProtocolSession

            yield lambda: ProtocolSession(self.url)
            return
        from playwright.async_api import async_playwright

        from loadtesting.browser import BrowserSession, launch

        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                yield lambda: BrowserSession(browser, self.url)
            finally:
                await browser.close()

    def drive(self, plan: Plan, recorder: Recorder) -> int:
        """Run the users until the run time is up; returns how many started."""
        return asyncio.run(self._drive(plan, recorder))

    async def _drive(self, plan: Plan, recorder: Recorder) -> int:
        stop_at = recorder.started + plan.run_time
        tasks = []
        async with self._sessions() as new_session:
            for index in range(plan.users):
                start_at = recorder.started + index / plan.spawn_rate
                if start_at >= stop_at:
                    break
                await asyncio.sleep(max(0.0, start_at - time.monotonic()))
                user = self._user(new_session, index, plan, recorder, stop_at)
                tasks.append(asyncio.create_task(user))
            await asyncio.gather(*tasks)

        return len(tasks)

    async def _user(
        self,
        new_session: Callable[[], Any],
        index: int,
        plan: Plan,
        recorder: Recorder,
        stop_at: float,
    ) -> None:
        rng = random.Random(plan.seed * 1_000 + index)
        session = new_session()
        recorder.joined(1)
        try:
            await session.open()
            while time.monotonic() < stop_at and recorder.take_ticket():
                question = pick_question(rng)
                reply, elapsed = await session.ask(question.text)
                recorder.add(judge(question, reply, elapsed))
                if reply.error_type in RELOAD_AFTER:
                    # As a person would: reload, which starts a new session.
                    await session.close()
                    session = new_session()
                    await session.open()
                think = rng.uniform(*THINK_SECONDS) * plan.think_scale
                await asyncio.sleep(min(think, max(0.0, stop_at - time.monotonic())))
        except client_errors() as exc:
            self.client_errors[type(exc).__name__] += 1
            logger.warning("loadtest.session_failed", extra={"error": str(exc)[:200]})
        finally:
            recorder.joined(-1)
            await session.close()

    def counters(self) -> dict[str, Any]:
        """Upstream requests and cache lookups from the server's last status file."""
        return server.counters(self.server.snapshot() if self.server else None)

    def app_processes(self) -> list[psutil.Process]:
        if self.server is not None and self.server.process is not None:
            pid = self.server.process.pid
        elif self.plan.app_pid:
            pid = self.plan.app_pid
        else:
            return []
        try:
            return [psutil.Process(pid)]
        except psutil.NoSuchProcess:
            return []

    def client_processes(self) -> list[psutil.Process]:
        """Playwright's driver and Chromium: the load generator's own cost."""
        own = self.server.process.pid if self.server and self.server.process else 0
        return [c for c in self._me.children(recursive=True) if c.pid != own]

    def app_summary(self) -> dict[str, Any]:
        """What the server itself recorded, from its final status file."""
        summary: dict[str, Any] = {
            "url": self.url,
            "client": self.plan.client,
            "client_errors": dict(self.client_errors),
        }
        snapshot = self.server.snapshot() if self.server else None
        if snapshot is not None:
            summary["counters"] = server.counters(snapshot)
            summary.update(server.served(snapshot))
        return summary

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
