"""Run one question through the SDK Runner, falling back to the offline planner.

When an OpenAI model fails (its breaker is open, a 5xx, a timeout, output the
SDK cannot use), the same question is answered by the offline planner from the
same data, and the answer says so. Model errors are translated into
`ModelError` here, at one boundary, so the model's breaker counts them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from typing import Any

import openai
from agents import Agent, Runner
from agents.exceptions import MaxTurnsExceeded, ModelBehaviorError

from market_parser.agent.context import AgentContext
from market_parser.errors import BreakerOpenError, ModelError
from market_parser.observability.catalog import AppMetrics
from market_parser.resilience.breakers import Breaker

logger = logging.getLogger(__name__)

MAX_TURNS = 6
# What a model run raises when the model, not our code, is at fault: the
# client's errors, output the SDK cannot use, a body that is not JSON at all.
_MODEL_FAILURES = (openai.OpenAIError, ModelBehaviorError, MaxTurnsExceeded, ValueError)


@dataclass
class AgentStack:
    """What answering needs, built once: provider, agents and the model's breaker."""

    provider: Any
    model_name: str
    agent: Agent[AgentContext]
    fallback: Agent[AgentContext] | None = None
    model_breaker: Breaker | None = None
    client: Any = None
    """The model's HTTP client, if it has one, to close on shutdown."""


@dataclass(frozen=True)
class RunOutcome:
    """The final text, its token usage and the tools' full results."""

    text: str
    as_of: str | None
    tokens_in: int
    tokens_out: int
    tools: list[tuple[str, dict[str, Any], dict[str, Any]]]
    notes: tuple[str, ...] = field(default_factory=tuple)
    model_name: str | None = None


async def answer_question(
    stack: AgentStack, question: str, session: Any, metrics: AppMetrics | None
) -> RunOutcome:
    """Answer with the stack's model, or with the fallback when the model fails."""
    if stack.fallback is None or stack.model_breaker is None:
        return await run_question(
            stack.agent, stack.provider, question, session, metrics
        )
    kept = len(await session.get_items())
    try:
        return await stack.model_breaker.call_async(
            _run_model, stack, question, session, metrics
        )
    except (ModelError, BreakerOpenError) as exc:
        logger.warning(
            "model.fallback",
            extra={"model": stack.model_name, "error_type": type(exc).__name__},
        )
        # The failed run may have stored the question (and some tool calls);
        # the planner's run stores them again.
        while len(await session.get_items()) > kept:
            await session.pop_item()
        outcome = await run_question(
            stack.fallback, stack.provider, question, session, metrics
        )
        note = (
            f"The {stack.model_name} model could not answer ({_reason(exc)}), so "
            "the offline planner answered from the same data."
        )
        return replace(
            outcome, notes=(*outcome.notes, note), model_name="offline-planner"
        )


async def _run_model(
    stack: AgentStack, question: str, session: Any, metrics: AppMetrics | None
) -> RunOutcome:
    try:
        return await run_question(
            stack.agent, stack.provider, question, session, metrics
        )
    except _MODEL_FAILURES as exc:
        status = getattr(exc, "status_code", None)
        raise ModelError(
            f"{stack.model_name} failed: {type(exc).__name__}",
            provider="openai",
            status=status,
        ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BreakerOpenError):
        return "it failed repeatedly and is paused"
    cause = exc.__cause__
    if isinstance(cause, openai.APITimeoutError):
        return "it timed out"
    if isinstance(cause, openai.APIStatusError):
        return f"it answered HTTP {cause.status_code}"
    if isinstance(cause, openai.APIConnectionError):
        return "it could not be reached"
    return "its output could not be used"


async def run_question(
    agent: Agent[AgentContext],
    provider: Any,
    question: str,
    session: Any,
    metrics: AppMetrics | None = None,
) -> RunOutcome:
    today = await asyncio.to_thread(provider.latest_day)
    context = AgentContext(provider=provider, today=today, metrics=metrics)
    result = await Runner.run(
        agent, question, context=context, session=session, max_turns=MAX_TURNS
    )
    usage = result.context_wrapper.usage
    tools = [
        (record["tool"], record["arguments"], record) for record in context.records
    ]
    stamps = [str(r["as_of"]) for r in context.records if r.get("as_of")]

    return RunOutcome(
        text=str(result.final_output or "").strip(),
        as_of=max(stamps)[:10] if stamps else None,
        tokens_in=usage.input_tokens,
        tokens_out=usage.output_tokens,
        tools=tools,
    )
