"""The query service: the one way in for the chat page, the CLI and the scripts.

It owns the background event loop, the per-question deadline, correlation ids,
conversation memory per session and the footer data. The agent stack (the SDK,
the model client, the provider) is built on first use or by `start`, off the
path of whoever constructs the service, so a page can paint before it is ready.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from market_parser.config.settings import Settings
from market_parser.errors import MarketParserError, UpstreamError
from market_parser.observability.correlation import bind, current, new_correlation_id
from market_parser.service.answer import Answer, ToolRun
from market_parser.service.loop import BackgroundLoop

logger = logging.getLogger(__name__)

# Sessions kept open at once; the oldest is closed (its history stays on disk).
MAX_OPEN_SESSIONS = 256

# How long past the deadline a caller waits for the loop to report a timeout.
DEADLINE_GRACE_SECONDS = 2.0


@dataclass
class _Stack:
    """What answering needs, built once: provider, model and agent."""

    provider: Any
    model_name: str
    agent: Any
    offline_model: bool


class QueryService:
    """Answers questions; safe to share between threads and sessions."""

    def __init__(
        self,
        settings: Settings,
        *,
        provider: Any = None,
        model: Any = None,
    ) -> None:
        self.settings = settings
        self._provider = provider
        self._model = model
        self._loop = BackgroundLoop()
        self._stack: _Stack | None = None
        self._stack_lock = threading.Lock()
        self._sessions: OrderedDict[str, Any] = OrderedDict()
        self._sessions_lock = threading.Lock()

    def start(self) -> None:
        """Start the loop and build the agent stack in the background."""
        self._loop.start()
        threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        started = time.perf_counter()
        self.stack()
        logger.info(
            "service.warmed_up",
            extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)},
        )

    @property
    def ready(self) -> bool:
        return self._stack is not None

    def stack(self) -> _Stack:
        """The agent stack, built on first call; blocks while another builds it."""
        if self._stack is not None:
            return self._stack
        with self._stack_lock:
            if self._stack is None:
                self._stack = self._build_stack()
        return self._stack

    def _build_stack(self) -> _Stack:
        from market_parser.agent.definition import build_agent
        from market_parser.agent.models import choose_model
        from market_parser.market_data.sources import build_provider

        provider = self._provider or build_provider(self.settings)
        if self._model is not None:
            model, name, offline = (
                self._model,
                getattr(self._model, "name", "custom"),
                False,
            )
        else:
            choice = choose_model(self.settings)
            model, name, offline = choice.model, choice.name, choice.offline

        return _Stack(provider, name, build_agent(model), offline)

    def ask(self, question: str, session_id: str = "terminal") -> Answer:
        """Answer one question within the deadline; never raises for bad input."""
        correlation_id = new_correlation_id()
        with bind(correlation_id=correlation_id, session=session_id):
            rejection = self._check(question, correlation_id)
            if rejection is not None:
                return rejection
            future = self._loop.submit(self._answer(question.strip(), session_id))
            try:
                return future.result(
                    self.settings.query_timeout + DEADLINE_GRACE_SECONDS
                )
            except concurrent.futures.TimeoutError:
                future.cancel()
                return self._timed_out(correlation_id, time.perf_counter())

    def _check(self, question: str, correlation_id: str) -> Answer | None:
        text = (question or "").strip()
        if not text:
            message = (
                "Please type a question, for example: What is Apple's stock price?"
            )
            return self._rejected(message, "empty_question", correlation_id)
        limit = self.settings.max_question_chars
        if len(text) > limit:
            message = (
                f"That question is {len(text):,} characters long; the limit is "
                f"{limit:,}. Please shorten it and ask again."
            )
            return self._rejected(message, "question_too_long", correlation_id)
        return None

    def _rejected(self, message: str, error_type: str, correlation_id: str) -> Answer:
        logger.info("question.rejected", extra={"error_type": error_type})
        return Answer(
            text=message,
            outcome="rejected",
            correlation_id=correlation_id,
            model="",
            source="",
            error_type=error_type,
        )

    async def _answer(self, question: str, session_id: str) -> Answer:
        from market_parser.service.runner import run_question

        started = time.perf_counter()
        stack = await asyncio.to_thread(self.stack)
        session = self._session(session_id)
        try:
            async with asyncio.timeout(self.settings.query_timeout):
                outcome = await run_question(
                    stack.agent, stack.provider, question, session
                )
        except TimeoutError:
            return self._timed_out(_current_id(), started)
        except UpstreamError as exc:
            return self._failed(stack, started, exc, str(exc))
        except MarketParserError as exc:
            return self._failed(stack, started, exc, str(exc))
        except Exception as exc:
            logger.exception(
                "question.failed", extra={"error_type": type(exc).__name__}
            )
            return self._failed(
                stack, started, exc, "Something went wrong while answering."
            )
        duration_ms = (time.perf_counter() - started) * 1000
        answer = Answer(
            text=outcome.text,
            outcome="answered",
            correlation_id=_current_id(),
            model=stack.model_name,
            source=stack.provider.label,
            as_of=outcome.as_of,
            duration_ms=round(duration_ms, 1),
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            tools=tuple(ToolRun(*record) for record in outcome.tools),
        )
        logger.info(
            "question.answered",
            extra={
                "duration_ms": answer.duration_ms,
                "model": answer.model,
                "tools": [tool.name for tool in answer.tools],
            },
        )

        return answer

    def _failed(
        self, stack: _Stack, started: float, exc: BaseException, message: str
    ) -> Answer:
        correlation_id = _current_id()
        if not isinstance(exc, MarketParserError) or isinstance(exc, UpstreamError):
            logger.warning("question.failed", extra={"error_type": type(exc).__name__})
        return Answer(
            text=f"{message} If it keeps happening, quote reference {correlation_id}.",
            outcome="failed",
            correlation_id=correlation_id,
            model=stack.model_name,
            source=stack.provider.label,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            error_type=type(exc).__name__,
        )

    def _timed_out(self, correlation_id: str, started: float) -> Answer:
        limit = self.settings.query_timeout
        logger.warning("question.timeout", extra={"timeout_s": limit})
        return Answer(
            text=(
                f"That took longer than {limit:g} s, so it was stopped. Please try "
                f"again, or ask something narrower. Reference: {correlation_id}."
            ),
            outcome="timeout",
            correlation_id=correlation_id,
            model=self._stack.model_name if self._stack else "",
            source=self._stack.provider.label if self._stack else "",
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            error_type="QueryTimeoutError",
        )

    def _session(self, session_id: str) -> Any:
        """The conversation memory for ``session_id``; kept per browser session."""
        from agents import SQLiteSession

        with self._sessions_lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._sessions.move_to_end(session_id)
                return session
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            path = self.settings.data_dir / "sessions.sqlite3"
            session = SQLiteSession(session_id, db_path=path)
            self._sessions[session_id] = session
            if len(self._sessions) > MAX_OPEN_SESSIONS:
                _, oldest = self._sessions.popitem(last=False)
                oldest.close()

        return session

    def close(self) -> None:
        """Close sessions and stop the loop."""
        with self._sessions_lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
        self._loop.stop()


def _current_id() -> str:
    return current()["correlation_id"] or ""
