"""Market Parser: the chat page.

A question costs one run of this script: the run that receives it draws the
conversation, waits for the answer in place and draws it. Earlier answers are
replayed from Streamlit's element cache instead of being rebuilt (see
`market_parser.ui.chat.render_answer`).
"""

import uuid

import streamlit as st

from market_parser.ui.bootstrap import app_service, settings_or_stop
from market_parser.ui.chat import EXAMPLES, render_answer, render_question
from market_parser.ui.limits import SHOWN_QUESTIONS

st.set_page_config(page_title="Market Parser", layout="wide")
# First, so the browser gets the input before anything else on the page.
typed = st.chat_input("Ask a market question")

settings = settings_or_stop()
service = app_service()
state = st.session_state
state.setdefault("session_id", uuid.uuid4().hex)
# The browser's own id: the per-session question limit follows it, so clearing
# the conversation (a new session id) does not reset the limit.
state.setdefault("client_id", uuid.uuid4().hex)
state.setdefault("messages", [])
service.touch(state["session_id"])

st.title("Market Parser")
st.caption(
    "Ask about prices, performance, indicators, support and resistance, volume, "
    "options and market status."
)

with st.sidebar:
    st.subheader("Try asking")
    for example in EXAMPLES:
        if st.button(example, key=f"example-{example}", width="stretch"):
            state["asked"] = example
    if st.button("Clear conversation", type="secondary"):
        state["messages"] = []
        state["hidden"] = 0
        state["session_id"] = uuid.uuid4().hex
        st.rerun()


def wait_for(message: dict) -> None:
    """Show the place in line until the answer comes, then keep the answer."""
    pending = message["pending"]
    line = st.empty()
    with st.spinner("Looking that up…"):
        while not pending.wait(0.25):
            if pending.position:
                line.caption(
                    f"Many questions right now: you are number {pending.position} "
                    "in line."
                )
    line.empty()
    message["answer"] = pending.result()
    del message["pending"]


question = typed or state.pop("asked", None)
if question and question.strip():
    state["messages"].append({"role": "user", "text": question})
    pending = service.submit(
        question, session_id=state["session_id"], client_id=state["client_id"]
    )
    state["messages"].append(
        {"role": "assistant", "pending": pending, "id": uuid.uuid4().hex}
    )
    # A tab left open all day would otherwise keep every answer in memory.
    if len(state["messages"]) > 2 * SHOWN_QUESTIONS:
        del state["messages"][:2]
        state["hidden"] = state.get("hidden", 0) + 1

if hidden := state.get("hidden"):
    st.caption(
        f"{hidden} earlier question{'s' if hidden > 1 else ''} of this conversation "
        f"{'are' if hidden > 1 else 'is'} no longer shown; the page keeps the "
        f"last {SHOWN_QUESTIONS}."
    )

# A pending answer is kept in the session, not in a local variable: a question
# typed while another runs starts a new run of this script, and the earlier
# answer is still waited for and drawn there.
for message in state["messages"]:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            render_question(message["text"])
            continue
        if "pending" in message:
            wait_for(message)
        render_answer(message["answer"], message["id"])
