"""Market Parser: the chat page."""

import uuid

import streamlit as st

from market_parser.ui.bootstrap import app_service, settings_or_stop
from market_parser.ui.chat import EXAMPLES, render_answer

st.set_page_config(page_title="Market Parser", layout="wide")

settings = settings_or_stop()
service = app_service()
state = st.session_state
state.setdefault("session_id", uuid.uuid4().hex)
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
            state["pending"] = example
    if st.button("Clear conversation", type="secondary"):
        state["messages"] = []
        state["session_id"] = uuid.uuid4().hex
        st.rerun()

for index, message in enumerate(state["messages"]):
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(message["text"])
        else:
            render_answer(message["answer"], key=str(index))

typed = st.chat_input("Ask a market question", max_chars=settings.max_question_chars)
question = typed or state.pop("pending", None)
if question:
    state["messages"].append({"role": "user", "text": question})
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        line = st.empty()
        pending = service.submit(question, session_id=state["session_id"])
        with st.spinner("Looking that up…"):
            while not pending.wait(0.25):
                if pending.position:
                    line.caption(
                        f"Many questions right now: you are number "
                        f"{pending.position} in line."
                    )
                elif pending.position == 0:
                    line.empty()
        answer = pending.result()
    state["messages"].append({"role": "assistant", "answer": answer})
    st.rerun()
