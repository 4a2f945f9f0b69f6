"""Choose the model at start: OpenAI when a key is set, else the offline planner."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from agents import (
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    set_tracing_disabled,
)
from agents.models.interface import Model

from market_parser.config.settings import Settings
from market_parser.planner.model import MODEL_NAME, OfflinePlanner

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    """The model to run and the name answers show for it."""

    model: Model
    name: str
    offline: bool
    client: Any = None
    """The model's HTTP client, closed with the service (None offline)."""


def choose_model(settings: Settings) -> ModelChoice:
    """Build the model the settings ask for, and set tracing to match."""
    # Traces export to OpenAI with the same key; with no key the SDK would warn
    # on every run, and with another server's key it would leak traces there.
    set_tracing_disabled(
        not settings.use_openai or settings.openai_base_url is not None
    )
    if not settings.use_openai:
        planner = OfflinePlanner(simulated_latency=settings.simulated_latency)
        return ModelChoice(planner, MODEL_NAME, offline=True)

    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        api_key=settings.openai_api_key.reveal(),
        base_url=settings.openai_base_url,
        # Leave part of the question's deadline for the planner to answer
        # instead; our own fallback replaces the client's retries.
        timeout=min(settings.model_timeout, settings.query_timeout * 0.6),
        max_retries=0,
    )
    if settings.openai_api == "chat_completions":
        model: Model = OpenAIChatCompletionsModel(settings.model, openai_client=client)
    else:
        model = OpenAIResponsesModel(settings.model, openai_client=client)
    logger.info("model.selected", extra={"model": settings.model})

    return ModelChoice(model, settings.model, offline=False, client=client)
