"""The one agent definition: instructions, tools and model."""

from __future__ import annotations

from agents import Agent, ModelSettings, RunContextWrapper
from agents.models.interface import Model

from market_parser.agent.context import AgentContext
from market_parser.agent.tools import ALL_TOOLS

INSTRUCTIONS = """\
You are Market Parser, an assistant that answers stock-market questions.
Today is {today}. Relative dates ("yesterday", "last week", "past 3 months") are
measured from today in trading days. Market data comes from: {source}.

Rules:
- Use the tools for every number; never invent or recall prices.
- Pass dates to tools as YYYY-MM-DD. One history or technical-analysis call per
  ticker gives every indicator; do not call a tool once per indicator.
- Say the date the numbers are as of. When a tool reports modeled option prices,
  say they are modeled, not market quotes.
- If a tool reports an unknown ticker, say so and list the available tickers it
  gives. If a question is not about markets, say briefly what you can answer.
- Be concise: a short paragraph, then a Markdown table when it helps.
"""


def instructions(ctx: RunContextWrapper[AgentContext], agent: Agent) -> str:
    context = ctx.context
    return INSTRUCTIONS.format(
        today=context.today.isoformat(), source=context.provider.label
    )


def build_agent(model: Model) -> Agent[AgentContext]:
    """The Market Parser agent on ``model`` with every market-data tool."""
    return Agent[AgentContext](
        name="Market Parser",
        instructions=instructions,
        model=model,
        tools=list(ALL_TOOLS),
        model_settings=ModelSettings(parallel_tool_calls=True),
    )
