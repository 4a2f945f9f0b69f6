"""What every tool call of one question can reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from market_parser.market_data.models import MarketDataProvider
from market_parser.observability.catalog import AppMetrics


@dataclass
class AgentContext:
    """Per-question state passed to the SDK Runner as its context.

    ``records`` collects each tool's full result (bars included) for the page's
    charts and tables, while the model gets a compact copy.
    """

    provider: MarketDataProvider
    today: date
    metrics: AppMetrics | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
