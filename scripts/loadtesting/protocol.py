"""A chat session over Streamlit's own websocket protocol, without a browser.

It speaks what the page's JavaScript speaks: protobuf ``BackMsg`` frames up
(a script rerun carrying the chat input's value) and ``ForwardMsg`` frames down
(the script's elements as deltas, a marker per run). A question's time runs
from sending it to receiving its answer's footer: the websocket, both script
runs (the one that asks, then the rerun that draws the history) and the
serialization, which is the server's share of what Streamlit adds. Rendering
in a browser comes on top; the Chromium client measures that.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from loadtesting.mix import Reply, shown_reply
from market_parser.ui.limits import SHOWN_QUESTIONS

ANSWER_TIMEOUT_S = 60.0
# An answer's footer ends in "ref <correlation id>"; the "you are number N in
# line" caption shown while a question waits is a caption too, but not this.
FOOTER = re.compile(r"\bref [0-9a-f]{16}$")


class ProtocolSession:
    """One browser session's worth of Streamlit protocol over one websocket.

    After a failed or lost answer the page's history no longer matches the
    count of answers, so the caller starts a new session (`broken`).
    """

    def __init__(self, url: str) -> None:
        self.uri = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.asked = 0
        self._socket: Any = None
        self._chat_input_id = ""

    async def open(self) -> None:
        """Connect and run the page once, as a browser does on load."""
        import websockets

        self._socket = await websockets.connect(
            self.uri, subprotocols=["streamlit"], max_size=None
        )
        await self._send_rerun(None)
        await asyncio.wait_for(self._until_finished(), ANSWER_TIMEOUT_S)
        if not self._chat_input_id:
            raise RuntimeError("the page drew no chat input; is this Home.py?")

    async def ask(self, text: str) -> tuple[Reply, float]:
        """Ask one question; time sending it to its answer's footer."""
        self.asked += 1
        started = time.perf_counter()
        await self._send_rerun(text)
        try:
            reply, seen_at = await asyncio.wait_for(
                # The page keeps the last SHOWN_QUESTIONS; ours is the last.
                self._answer(min(self.asked, SHOWN_QUESTIONS)),
                ANSWER_TIMEOUT_S,
            )
        except TimeoutError:
            return Reply("", "timeout", "ProtocolTimeout"), ANSWER_TIMEOUT_S

        return reply, seen_at - started

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def _send_rerun(self, question: str | None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        rerun = message.rerun_script
        rerun.page_script_hash = ""
        if question is not None:
            widget = rerun.widget_states.widgets.add()
            widget.id = self._chat_input_id
            widget.chat_input_value.data = question
        await self._socket.send(message.SerializeToString())

    async def _receive(self) -> Any:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.ParseFromString(await self._socket.recv())
        return message

    async def _until_finished(self) -> None:
        while True:
            message = await self._receive()
            if message.WhichOneof("type") == "script_finished":
                return
            self._note_chat_input(_element(message))

    async def _answer(self, number: int) -> tuple[Reply, float]:
        """The reply and when its footer came; returns once that run has finished.

        The next question then starts from a page at rest, as a person's does.
        """
        reply, seen_at = await self._footer(number)
        await self._until_finished()

        return reply, seen_at

    async def _footer(self, number: int) -> tuple[Reply, float]:
        """Read runs until one draws ``number`` footers; the last is ours."""
        footers, first_text = 0, {}
        while True:
            message = await self._receive()
            if message.WhichOneof("type") == "new_session":
                footers, first_text = 0, {}  # every run redraws the whole chat
                continue
            element = _element(message)
            self._note_chat_input(element)
            if element is not None and element.WhichOneof("type") == "exception":
                # The page script crashed: the user sees a red box, no answer.
                failed = Reply(element.exception.message, "failed", "ScriptException")
                return failed, time.perf_counter()
            body = _text(element)
            if not body:
                continue
            block = tuple(message.metadata.delta_path[:-1])
            if _is_caption(element) and FOOTER.search(body.strip()):
                footers += 1
                if footers == number:
                    seen_at = time.perf_counter()
                    return shown_reply(first_text.get(block, ""), body), seen_at
            elif not _is_caption(element):
                # Not the "number N in line" caption that precedes the answer.
                first_text.setdefault(block, body)

    def _note_chat_input(self, element: Any) -> None:
        if element is not None and element.WhichOneof("type") == "chat_input":
            self._chat_input_id = element.chat_input.id


def _element(message: Any) -> Any:
    if message.WhichOneof("type") != "delta":
        return None
    if message.delta.WhichOneof("type") != "new_element":
        return None
    return message.delta.new_element


def _text(element: Any) -> str:
    if element is None:
        return ""
    kind = element.WhichOneof("type")
    if kind == "markdown":
        return element.markdown.body
    if kind == "alert":
        return element.alert.body
    return ""


def _is_caption(element: Any) -> bool:
    from streamlit.proto.Markdown_pb2 import Markdown

    kind = element.WhichOneof("type")
    return kind == "markdown" and element.markdown.element_type == Markdown.CAPTION
