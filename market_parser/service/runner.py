"""Run one question through the SDK Runner and collect what the page needs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from agents import Agent, Runner

from market_parser.agent.context import AgentContext
from market_parser.observability.catalog import AppMetrics

MAX_TURNS = 6


@dataclass(frozen=True)
class RunOutcome:
    """The final text, its token usage and the tools' full results."""

    text: str
    as_of: str | None
    tokens_in: int
    tokens_out: int
    tools: list[tuple[str, dict[str, Any], dict[str, Any]]]


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
