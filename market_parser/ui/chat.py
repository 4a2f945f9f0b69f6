"""Render answers on the chat page: text, a price chart, an options table, a footer.

Plotly is imported only when a chart is drawn, so the page paints its input
before paying for it. An answer is drawn once: Streamlit records the elements a
``st.cache_data`` function emits and replays them on a cache hit, so every later
run of the page sends the recorded chart and table instead of rebuilding them.
A page of 25 answers with charts would otherwise rebuild 25 plotly
figures for every new question.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from market_parser.service.answer import Answer, ToolRun
from market_parser.ui.plotting import graph_objects

_CHAIN_COLUMNS = (
    "symbol",
    "type",
    "strike",
    "bid",
    "ask",
    "last",
    "iv",
    "delta",
    "gamma",
    "theta",
    "vega",
    "volume",
    "open_interest",
)
EXAMPLES = (
    "What is Apple's stock price?",
    "How did MSFT do last week?",
    "RSI and MACD for IBM",
    "Compare AAPL, MSFT and IBM over the past month",
    "AAPL puts for the nearest expiration",
    "Is the market open right now?",
)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def render_question(text: str) -> None:
    """Show what the user typed as plain text: no headings, links or images."""
    st.markdown(_MARKDOWN_SPECIALS.sub(r"\\\1", text))


# Every answer on every open page must fit, or the cache thrashes: each run of
# a page replays its answers oldest first, and a least-recently-used cache
# smaller than all of them misses every time (measured: 20 sessions of 50
# answers against 256 entries spent 80 % of page time rebuilding). 40 pages of
# SHOWN_QUESTIONS answers; an entry is a few to a few tens of kilobytes (a
# year of daily bars), so about 25 MB at most. An entry evicted anyway is
# drawn again, never shown wrong.
_DRAWN_ANSWERS = 1000
_DRAWN_FOR_S = 3600


def render_answer(answer: Answer, message_id: str) -> None:
    """Draw one assistant message, or replay it if it was drawn before.

    ``message_id`` must be unique to this message (a fresh random id): the
    replay cache is shared by every session of the server.
    """
    _draw_once(message_id, answer)


@st.cache_data(max_entries=_DRAWN_ANSWERS, ttl=_DRAWN_FOR_S, show_spinner=False)
def _draw_once(message_id: str, _answer: Answer) -> None:
    # Streamlit keys the cache on message_id alone: the leading underscore
    # keeps the answer out of the hash.
    draw_answer(_answer, message_id)


def draw_answer(answer: Answer, key: str) -> None:
    """Draw one assistant message: text, then charts and tables, then the footer."""
    if answer.ok:
        st.markdown(answer.text)
    elif answer.outcome == "rejected":
        st.warning(answer.text)
    else:
        st.error(answer.text)
    for index, tool in enumerate(answer.tools):
        _render_tool(tool, f"{key}-{index}")
    if answer.ok:
        st.caption(answer.footer())
    else:
        st.caption(f"ref {answer.correlation_id}")


def _render_tool(tool: ToolRun, key: str) -> None:
    result = tool.result
    kind = result.get("kind")
    # One bar is a single giant candle: the text says it better.
    if kind in ("history", "technicals") and len(result.get("bars") or ()) > 1:
        _price_chart(result, key)
    elif kind == "options_chain" and result.get("contracts"):
        _chain_table(result)


def _price_chart(result: dict[str, Any], key: str) -> None:
    go = graph_objects()
    bars = result["bars"]
    days = [bar["day"] for bar in bars]
    figure = go.Figure(
        go.Candlestick(
            x=days,
            open=[bar["open"] for bar in bars],
            high=[bar["high"] for bar in bars],
            low=[bar["low"] for bar in bars],
            close=[bar["close"] for bar in bars],
            name=result["ticker"],
        )
    )
    figure.update_layout(
        title=f"{result['ticker']} {result.get('bar_size', 'daily')} prices to {days[-1]}",
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_rangeslider_visible=False,
        xaxis_type="category" if len(days) <= 10 else "date",
    )
    st.plotly_chart(figure, key=f"chart-{key}", width="stretch")


def _chain_table(result: dict[str, Any]) -> None:
    label = f"All columns: {result['ticker']} options expiring {result['expiration']}"
    if result.get("modeled"):
        label += " (modeled prices, not market quotes)"
    contracts = result["contracts"]
    columns = [
        name
        for name in _CHAIN_COLUMNS
        if any(contract.get(name) is not None for contract in contracts)
    ]
    graph_objects()  # st.dataframe needs pandas; import it safely first
    with st.expander(label):
        rows = [{name: c.get(name) for name in columns} for c in contracts]
        st.dataframe(rows, hide_index=True, width="stretch")
