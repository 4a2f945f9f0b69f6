"""Fixtures shared by the observability tests: a settable clock, a clean root logger."""

from __future__ import annotations

import logging

import pytest

# 2024-03-01T12:00:00Z: a whole minute, so tests can reason in minutes.
START = 1_709_294_400.0


class FakeClock:
    """A clock that moves only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clean_logging():
    """Restore the root logger and library loggers after a test configures logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {
        name: (logger.level, logger.propagate, list(logger.handlers))
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, (old_level, propagate, old_handlers) in named.items():
        logger = logging.getLogger(name)
        logger.setLevel(old_level)
        logger.propagate = propagate
        logger.handlers[:] = old_handlers
    logging.captureWarnings(False)
