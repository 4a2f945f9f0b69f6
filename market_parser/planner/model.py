"""The offline planner behind the SDK's `Model` interface.

It is stateless: each call re-reads the conversation the Runner passes in. On
the first turn of a question it parses the latest user message (earlier ones
give follow-ups their ticker) and answers with function calls; once the tool
outputs are in the input, it writes the answer from them. "Today" comes from
the agent's instructions, the same line an LLM reads.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from agents import ModelResponse, Usage
from agents.models.interface import Model
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)

from market_parser.planner.calls import plan_calls
from market_parser.planner.parser import parse
from market_parser.planner.plan import Intent, Plan
from market_parser.planner.writer import write_answer

MODEL_NAME = "offline-planner"
# Follow-ups rarely reach further back; this bounds the replay on long chats.
MAX_REPLAYED_QUESTIONS = 12
_TODAY = re.compile(r"Today is (\d{4}-\d{2}-\d{2})")


@dataclass
class Conversation:
    """The user's questions so far and the tool results of the current one."""

    questions: list[str] = field(default_factory=list)
    calls: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    results: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(
        default_factory=list
    )
    answered_tools: bool = False

    @classmethod
    def read(cls, items: str | list[Any]) -> Conversation:
        conversation = cls()
        if isinstance(items, str):
            conversation.questions.append(items)
            return conversation
        for item in items:
            conversation._add(_as_dict(item))

        return conversation

    def _add(self, item: dict[str, Any]) -> None:
        kind = item.get("type")
        if item.get("role") == "user" and kind in (None, "message"):
            self.questions.append(_text_of(item.get("content")))
            self.calls.clear()
            self.results.clear()
            self.answered_tools = False
        elif kind == "function_call":
            arguments = _json_object(item.get("arguments"))
            self.calls[item["call_id"]] = (item["name"], arguments)
        elif kind == "function_call_output":
            self.answered_tools = True
            name, arguments = self.calls.get(item["call_id"], ("", {}))
            self.results.append((name, arguments, _json_object(item.get("output"))))


def _as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    return item.model_dump(exclude_unset=True)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") for part in content if isinstance(part, dict)
        )
    return ""


def _json_object(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {"kind": "error", "error": "unreadable", "message": str(text)[:200]}
    return value if isinstance(value, dict) else {"value": value}


def today_from(instructions: str | None) -> date:
    """The "Today is YYYY-MM-DD" date in the instructions, else the real date."""
    match = _TODAY.search(instructions or "")
    return date.fromisoformat(match.group(1)) if match else date.today()


def plan_for(questions: list[str], today: date) -> Plan:
    """Parse the latest question in the light of the ones before it."""
    previous: Plan | None = None
    for question in questions[-MAX_REPLAYED_QUESTIONS:-1]:
        plan = parse(question, today, previous)
        if Intent.HELP not in plan.intents:
            previous = plan

    return parse(questions[-1] if questions else "", today, previous)


class OfflinePlanner(Model):
    """A deterministic model: grammar in, tool calls out, answer from results."""

    def __init__(self, simulated_latency: float = 0.0) -> None:
        # Seconds to wait per turn, as a remote model would: load tests and
        # shutdown tests use it to keep questions in flight.
        self.simulated_latency = simulated_latency

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[Any],
        model_settings: Any,
        tools: list[Any],
        output_schema: Any,
        handoffs: list[Any],
        tracing: Any,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> ModelResponse:
        if self.simulated_latency:
            await asyncio.sleep(self.simulated_latency)
        today = today_from(system_instructions)
        conversation = Conversation.read(input)
        plan = plan_for(conversation.questions, today)
        if not conversation.answered_tools:
            calls = plan_calls(plan, today)
            if calls:
                return _response([_function_call(n, a) for n, a in calls])
        text = write_answer(plan, conversation.results, today)

        return _response([_message(text)])

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("The offline planner does not stream.")


def _function_call(name: str, arguments: dict[str, Any]) -> ResponseFunctionToolCall:
    # Call ids must be unique for the whole stored conversation, not only this
    # run: the SDK matches outputs to calls by id when it replays a session.
    call_id = f"call_{uuid.uuid4().hex[:24]}"
    return ResponseFunctionToolCall(
        type="function_call",
        id=f"fc_{call_id[5:]}",
        call_id=call_id,
        name=name,
        arguments=json.dumps(arguments),
        status="completed",
    )


def _message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=f"msg_{uuid.uuid4().hex[:24]}",
        type="message",
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[])],
    )


def _response(output: list[Any]) -> ModelResponse:
    # No language model runs, so no tokens are used: the footer says 0, not an
    # estimate of what an LLM would have read.
    usage = Usage(requests=1, input_tokens=0, output_tokens=0, total_tokens=0)
    return ModelResponse(output=output, usage=usage, response_id=None)
