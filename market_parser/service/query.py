"""The query service: the one way in for the chat page, the CLI and the scripts.

It owns the background event loop, the per-question deadline, correlation ids,
conversation memory per session, metrics and the footer data. The agent stack
(the SDK, the model client, the provider) is built on first use or by `start`,
off the path of whoever constructs the service, so a page can paint before it is
ready.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from market_parser.config.settings import Settings
from market_parser.errors import MarketParserError, UpstreamError
from market_parser.observability.catalog import AppMetrics, register_app_metrics
from market_parser.observability.correlation import bind, current, new_correlation_id
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.recent import QuestionRecord, RecentQuestions
from market_parser.service.answer import Answer, Outcome, ToolRun
from market_parser.service.loop import BackgroundLoop
from market_parser.service.sessions import SessionStore

logger = logging.getLogger(__name__)

# How long past the deadline a caller waits for the loop to report a timeout.
DEADLINE_GRACE_SECONDS = 2.0


@dataclass
class _Stack:
    """What answering needs, built once: provider, model and agent."""

    provider: Any
    model_name: str
    agent: Any


class QueryService:
    """Answers questions; safe to share between threads and sessions."""

    def __init__(
        self,
        settings: Settings,
        *,
        provider: Any = None,
        model: Any = None,
        metrics: AppMetrics | None = None,
        recent: RecentQuestions | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or register_app_metrics(MetricsCollector())
        self.recent = recent or RecentQuestions()
        self._provider = provider
        self._model = model
        self._loop = BackgroundLoop()
        self._stack: _Stack | None = None
        self._stack_lock = threading.Lock()
        self._sessions = SessionStore(settings.data_dir, self.metrics)
        self._in_flight = 0
        self._idle = threading.Condition()
        self._accepting = True

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
        from market_parser.observability.subscribers import UpstreamRecorder

        provider = self._provider or build_provider(
            self.settings, on_request=UpstreamRecorder(self.metrics)
        )
        if self._model is not None:
            model, name = self._model, getattr(self._model, "name", "custom")
        else:
            choice = choose_model(self.settings)
            model, name = choice.model, choice.name

        return _Stack(provider, name, build_agent(model))

    def touch(self, session_id: str) -> None:
        """Note that a browser session is active (it loaded or used a page)."""
        self._sessions.touch(session_id)

    def ask(self, question: str, session_id: str = "terminal") -> Answer:
        """Answer one question within the deadline; never raises for bad input."""
        correlation_id = new_correlation_id()
        with bind(correlation_id=correlation_id, session=session_id):
            answer = self._check(question, correlation_id)
            if answer is None:
                self._enter()
                try:
                    answer = self._run(question.strip(), session_id, correlation_id)
                finally:
                    self._leave()
            self._record(question, answer)

        return answer

    def _run(self, question: str, session_id: str, correlation_id: str) -> Answer:
        self._sessions.touch(session_id)
        future = self._loop.submit(self._answer(question, session_id))
        try:
            return future.result(self.settings.query_timeout + DEADLINE_GRACE_SECONDS)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return self._timed_out(correlation_id, time.perf_counter())

    def _check(self, question: str, correlation_id: str) -> Answer | None:
        text = (question or "").strip()
        if not self._accepting:
            message = "The app is restarting. Please ask again in a moment."
            return self._refused(message, "ShuttingDown", correlation_id, "rejected")
        if not text:
            message = (
                "Please type a question, for example: What is Apple's stock price?"
            )
            return self._refused(message, "empty_question", correlation_id)
        limit = self.settings.max_question_chars
        if len(text) > limit:
            message = (
                f"That question is {len(text):,} characters long; the limit is "
                f"{limit:,}. Please shorten it and ask again."
            )
            return self._refused(message, "question_too_long", correlation_id)
        return None

    def _refused(
        self,
        message: str,
        error_type: str,
        correlation_id: str,
        outcome: Outcome = "invalid",
    ) -> Answer:
        return Answer(
            text=message,
            outcome=outcome,
            correlation_id=correlation_id,
            model="",
            source="",
            error_type=error_type,
        )

    async def _answer(self, question: str, session_id: str) -> Answer:
        from market_parser.service.runner import run_question

        started = time.perf_counter()
        stack = await asyncio.to_thread(self.stack)
        session = self._sessions.get(session_id)
        try:
            async with asyncio.timeout(self.settings.query_timeout):
                outcome = await run_question(
                    stack.agent, stack.provider, question, session, self.metrics
                )
        except TimeoutError:
            return self._timed_out(_current_id(), started)
        except MarketParserError as exc:
            return self._failed(stack, started, exc, str(exc))
        except Exception as exc:
            logger.exception(
                "question.failed", extra={"error_type": type(exc).__name__}
            )
            return self._failed(
                stack, started, exc, "Something went wrong while answering."
            )

        return Answer(
            text=outcome.text,
            outcome="answered",
            correlation_id=_current_id(),
            model=stack.model_name,
            source=stack.provider.label,
            as_of=outcome.as_of,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            tools=tuple(ToolRun(*record) for record in outcome.tools),
        )

    def _failed(
        self, stack: _Stack, started: float, exc: BaseException, message: str
    ) -> Answer:
        correlation_id = _current_id()
        if isinstance(exc, UpstreamError) or not isinstance(exc, MarketParserError):
            message = message.rstrip(".") + ". Please try again in a moment."
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

    def _enter(self) -> None:
        with self._idle:
            self._in_flight += 1
            self.metrics.questions_in_flight.set(self._in_flight)

    def _leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self.metrics.questions_in_flight.set(self._in_flight)
            self._idle.notify_all()

    def _record(self, question: str, answer: Answer) -> None:
        """Count, time and log one finished question."""
        m = self.metrics
        error_type = "" if answer.ok else answer.error_type or "unknown"
        m.questions.labels(status=answer.outcome, error_type=error_type).inc()
        if answer.outcome != "invalid":
            m.question_duration.labels(
                model=answer.model, source=answer.source
            ).observe(answer.duration_ms / 1000)
        if answer.tokens_in or answer.tokens_out:
            m.question_tokens.labels(direction="input", model=answer.model).inc(
                answer.tokens_in
            )
            m.question_tokens.labels(direction="output", model=answer.model).inc(
                answer.tokens_out
            )
        self.recent.add(
            QuestionRecord(
                at=time.time(),
                question=question.strip(),
                outcome=answer.outcome,
                duration_ms=answer.duration_ms,
                model=answer.model,
                correlation_id=answer.correlation_id,
                error_type=error_type,
            )
        )
        level = (
            logging.INFO
            if answer.ok or answer.outcome == "invalid"
            else logging.WARNING
        )
        logger.log(
            level,
            "question.%s",
            answer.outcome,
            extra={
                "duration_ms": answer.duration_ms,
                "model": answer.model,
                "status": answer.outcome,
                "error_type": error_type or None,
                "tools": [tool.name for tool in answer.tools],
                "tokens_in": answer.tokens_in,
                "tokens_out": answer.tokens_out,
            },
        )

    def drain(self, timeout: float) -> bool:
        """Refuse new questions and wait for those in flight; True if all finished."""
        self._accepting = False
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(left)
            finished = self._in_flight == 0
        logger.info("service.drained", extra={"in_flight": self._in_flight})

        return finished

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def close(self) -> None:
        """Close sessions and stop the loop."""
        self._sessions.close()
        self._loop.stop()


def _current_id() -> str:
    return current()["correlation_id"] or ""
