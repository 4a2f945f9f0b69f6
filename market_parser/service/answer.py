"""What the query service hands back for one question."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# "invalid": refused for the user's own input or pace (empty, too long, over the
# per-session limit); "rejected": the app could not take it (busy, shutting down).
Outcome = Literal["answered", "failed", "timeout", "rejected", "invalid"]


@dataclass(frozen=True)
class ToolRun:
    """One tool call made while answering, with its structured result."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """The reply to one question, ready for the chat page, the CLI or a script.

    ``text`` is Markdown. When ``outcome`` is not "answered", ``text`` is the
    message to show the user and ``error_type`` names the failure.
    """

    text: str
    outcome: Outcome
    correlation_id: str
    model: str
    source: str
    as_of: str | None = None
    duration_ms: float = 0.0
    queue_wait_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    tools: tuple[ToolRun, ...] = field(default_factory=tuple)
    error_type: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == "answered"

    @property
    def has_data(self) -> bool:
        """Whether some tool returned market data (not only errors or help)."""
        return any(tool.result.get("kind") != "error" for tool in self.tools)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view, as ``ask --json`` prints it."""
        data = asdict(self)
        data["tools"] = [tool.name for tool in self.tools]
        data["tool_results"] = [asdict(tool) for tool in self.tools]
        data["answer"] = data.pop("text")
        data["tokens"] = {"in": self.tokens_in, "out": self.tokens_out}
        data["has_data"] = self.has_data
        return data

    def footer(self) -> str:
        """The line under an answer: time, tokens, model, source, reference id."""
        parts = [
            f"{self.duration_ms / 1000:.2f} s",
            f"tokens {self.tokens_in} in / {self.tokens_out} out",
            self.model,
            self.source,
        ]
        if self.as_of:
            parts.append(f"as of {self.as_of}")
        parts.append(f"ref {self.correlation_id}")
        return " · ".join(parts)
