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
import contextlib
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from market_parser.config.settings import Settings
from market_parser.errors import BusyError, MarketParserError, UpstreamError
from market_parser.market_data.cached import collect_notes
from market_parser.observability.catalog import AppMetrics, register_app_metrics
from market_parser.observability.correlation import bind, current, new_correlation_id
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.recent import QuestionRecord, RecentQuestions
from market_parser.observability.subscribers import ResilienceRecorder
from market_parser.resilience.admission import Admission
from market_parser.resilience.deadline import bind_deadline
from market_parser.resilience.events import EventBus
from market_parser.resilience.ratelimits import SessionLimiter
from market_parser.service.answer import Answer, Outcome, ToolRun
from market_parser.service.loop import BackgroundLoop
from market_parser.service.pending import Pending
from market_parser.service.sessions import SessionStore

if TYPE_CHECKING:
    from market_parser.service.runner import AgentStack

logger = logging.getLogger(__name__)


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
        self.bus = EventBus()
        self._unsubscribe = self.bus.subscribe(ResilienceRecorder(self.metrics))
        self._admission = Admission(
            max_running=settings.max_running_questions,
            max_waiting=settings.max_queued_questions,
            bus=self.bus,
        )
        self._session_limits = SessionLimiter(
            limit=settings.session_questions_per_minute, bus=self.bus
        )
        self._stack: AgentStack | None = None
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

    def stack(self) -> AgentStack:
        """The agent stack, built on first call; blocks while another builds it."""
        if self._stack is not None:
            return self._stack
        with self._stack_lock:
            if self._stack is None:
                self._stack = self._build_stack()
        return self._stack

    def _build_stack(self) -> AgentStack:
        from market_parser.agent.definition import build_agent
        from market_parser.agent.models import choose_model
        from market_parser.market_data.cached import CachedProvider
        from market_parser.market_data.sources import build_provider
        from market_parser.observability.subscribers import UpstreamRecorder
        from market_parser.planner.model import OfflinePlanner
        from market_parser.resilience.breakers import Breaker
        from market_parser.resilience.cache import TtlCache, policies_from_settings
        from market_parser.service.runner import AgentStack

        settings = self.settings
        if self._provider is None:
            provider = build_provider(
                settings, on_request=UpstreamRecorder(self.metrics), bus=self.bus
            )
        else:
            cache = TtlCache(
                policies_from_settings(settings),
                max_entries=settings.cache_max_entries,
                bus=self.bus,
            )
            provider = CachedProvider(self._provider, cache)
        if self._model is not None:
            model, name, offline = (
                self._model,
                getattr(self._model, "name", "custom"),
                False,
            )
        else:
            choice = choose_model(settings)
            model, name, offline = choice.model, choice.name, choice.offline
        if offline:
            return AgentStack(provider, name, build_agent(model))
        planner = OfflinePlanner(simulated_latency=settings.simulated_latency)
        breaker = Breaker(
            "openai",
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_timeout,
            bus=self.bus,
        )
        return AgentStack(
            provider, name, build_agent(model), build_agent(planner), breaker
        )

    def touch(self, session_id: str) -> None:
        """Note that a browser session is active (it loaded or used a page)."""
        self._sessions.touch(session_id)

    def ask(self, question: str, session_id: str = "terminal") -> Answer:
        """Answer one question within the deadline; never raises for bad input."""
        return self.submit(question, session_id).result()

    def submit(
        self,
        question: str,
        session_id: str = "terminal",
        client_id: str | None = None,
    ) -> Pending:
        """Start answering; the returned `Pending` reports its place in line.

        ``client_id`` names the browser for the per-session question limit; a
        cleared conversation gets a new ``session_id`` but keeps its browser.
        """
        correlation_id = new_correlation_id()
        pending = Pending(correlation_id, session_id)
        with bind(correlation_id=correlation_id, session=session_id):
            refusal = self._check(question, client_id or session_id, correlation_id)
            if refusal is not None:
                self._record(question, refusal)
                pending.finish(refusal)
                return pending
            self._enter()
            self._sessions.touch(session_id)
            future = self._loop.submit(
                self._answer(question.strip(), session_id, pending)
            )
        pending.attach(future, self, question)

        return pending

    def _check(
        self, question: str, client_id: str, correlation_id: str
    ) -> Answer | None:
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
        wait = self._session_limits.check(client_id)
        if wait is not None:
            message = (
                "You are asking faster than "
                f"{self.settings.session_questions_per_minute} questions a minute. "
                f"Please slow down and try again in {math.ceil(wait)} s."
            )
            # The user's own pace, like a malformed question: not an app error.
            return self._refused(message, "SessionRateLimited", correlation_id)
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

    async def _answer(self, question: str, session_id: str, pending: Pending) -> Answer:
        from market_parser.service.runner import answer_question

        started = time.perf_counter()
        timeout = self.settings.query_timeout
        stack: AgentStack | None = None
        with bind_deadline(timeout), collect_notes() as notes:
            try:
                async with asyncio.timeout(timeout):
                    async with self._admission.slot(pending.set_position) as waited:
                        pending.set_position(0)
                        stack = await asyncio.to_thread(self.stack)
                        with self._sessions.borrow(session_id) as session:
                            outcome = await answer_question(
                                stack, question, session, self.metrics
                            )
            except TimeoutError:
                return self._timed_out(_current_id(), started)
            except BusyError as exc:
                return self._busy(exc, started)
            except MarketParserError as exc:
                return self._failed(stack, started, exc, str(exc))
            except Exception as exc:
                logger.exception(
                    "question.failed", extra={"error_type": type(exc).__name__}
                )
                return self._failed(
                    stack, started, exc, "Something went wrong while answering."
                )
        notes = [*notes, *outcome.notes]
        text = "\n\n".join([outcome.text, *(f"_{note}_" for note in notes)])

        return Answer(
            text=text,
            outcome="answered",
            correlation_id=_current_id(),
            model=outcome.model_name or stack.model_name,
            source=stack.provider.label,
            as_of=outcome.as_of,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            queue_wait_ms=round(waited * 1000, 1),
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            tools=tuple(ToolRun(*record) for record in outcome.tools),
            notes=tuple(notes),
        )

    def _busy(self, exc: BusyError, started: float) -> Answer:
        return Answer(
            text=f"{exc} Reference: {_current_id()}.",
            outcome="rejected",
            correlation_id=_current_id(),
            model="",
            source="",
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            error_type="BusyError",
        )

    def _failed(
        self,
        stack: AgentStack | None,
        started: float | None,
        exc: BaseException,
        message: str,
    ) -> Answer:
        correlation_id = _current_id()
        if isinstance(exc, UpstreamError) or not isinstance(exc, MarketParserError):
            message = message.rstrip(".") + ". Please try again in a moment."
        return Answer(
            text=f"{message} If it keeps happening, quote reference {correlation_id}.",
            outcome="failed",
            correlation_id=correlation_id,
            model=stack.model_name if stack else "",
            source=stack.provider.label if stack else "",
            duration_ms=_elapsed_ms(started, 0.0),
            error_type=type(exc).__name__,
        )

    def _timed_out(self, correlation_id: str, started: float | None) -> Answer:
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
            duration_ms=_elapsed_ms(started, limit),
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
        """Close sessions and the model's client, then stop the loop."""
        self._sessions.close()
        client = self._stack.client if self._stack else None
        if client is not None:
            # On the loop that opened its connections, before that loop stops.
            with contextlib.suppress(concurrent.futures.TimeoutError):
                self._loop.submit(client.close()).result(timeout=2)
        self._loop.stop()


def _elapsed_ms(started: float | None, otherwise_s: float) -> float:
    if started is None:
        return round(otherwise_s * 1000, 1)
    return round((time.perf_counter() - started) * 1000, 1)


def _current_id() -> str:
    return current()["correlation_id"] or ""
