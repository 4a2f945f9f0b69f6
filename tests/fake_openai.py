"""A loopback stand-in for an OpenAI-compatible server, scripted per test.

It speaks just enough of ``POST /v1/chat/completions`` and ``POST /v1/responses``
(non-streaming) for the OpenAI SDK and the Agents SDK: a turn either calls one
tool or answers with text. The script sees the tool outputs sent back, so a
final answer can quote numbers that really came from our tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.upstream_server import RecordedRequest, Reply, UpstreamServer


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Text:
    text: str


Turn = ToolCall | Text
# Given the tool outputs so far (parsed JSON), the next turn.
Script = Callable[[list[dict[str, Any]]], Turn]

USAGE = {"input": 120, "output": 30}


class FakeOpenAI:
    """Routes the two APIs on ``server`` and answers each turn from ``script``."""

    def __init__(self, server: UpstreamServer, script: Script) -> None:
        self.server = server
        self.script = script
        self.turns = 0
        server.route("/v1/chat/completions", self._chat, method="POST")
        server.route("/v1/responses", self._responses, method="POST")

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"

    def _chat(self, request: RecordedRequest) -> Reply:
        body = json.loads(request.body)
        outputs = [
            _parse(m["content"]) for m in body["messages"] if m.get("role") == "tool"
        ]
        turn = self._next(outputs)
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if isinstance(turn, Text):
            message["content"] = turn.text
            finish = "stop"
        else:
            message["tool_calls"] = [
                {
                    "id": f"call_{self.turns}",
                    "type": "function",
                    "function": {
                        "name": turn.name,
                        "arguments": json.dumps(turn.arguments),
                    },
                }
            ]
            finish = "tool_calls"
        return Reply.json(
            {
                "id": f"chatcmpl-{self.turns}",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": USAGE["input"],
                    "completion_tokens": USAGE["output"],
                    "total_tokens": USAGE["input"] + USAGE["output"],
                },
            }
        )

    def _responses(self, request: RecordedRequest) -> Reply:
        body = json.loads(request.body)
        items = body["input"] if isinstance(body["input"], list) else []
        outputs = [
            _parse(i["output"])
            for i in items
            if i.get("type") == "function_call_output"
        ]
        turn = self._next(outputs)
        if isinstance(turn, Text):
            output = {
                "type": "message",
                "id": f"msg_{self.turns}",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": turn.text, "annotations": []}
                ],
            }
        else:
            output = {
                "type": "function_call",
                "id": f"fc_{self.turns}",
                "call_id": f"call_{self.turns}",
                "name": turn.name,
                "arguments": json.dumps(turn.arguments),
                "status": "completed",
            }
        return Reply.json(
            {
                "id": f"resp_{self.turns}",
                "object": "response",
                "created_at": 0,
                "status": "completed",
                "model": body["model"],
                "output": [output],
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
                "usage": {
                    "input_tokens": USAGE["input"],
                    "output_tokens": USAGE["output"],
                    "total_tokens": USAGE["input"] + USAGE["output"],
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens_details": {"reasoning_tokens": 0},
                },
            }
        )

    def _next(self, outputs: list[dict[str, Any]]) -> Turn:
        self.turns += 1
        return self.script(outputs)


def _parse(content: Any) -> dict[str, Any]:
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content)
    try:
        value = json.loads(content)
    except (TypeError, ValueError):
        return {"raw": content}
    return value if isinstance(value, dict) else {"value": value}
