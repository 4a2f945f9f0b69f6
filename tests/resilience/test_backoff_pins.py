"""What backoff 2.2.1 does, pinned, because `retries.RetryPolicy` relies on it."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import backoff
import pytest


class _FlakyError(Exception):
    """Stands for a transient fault."""


def _always_failing(calls: list[int]) -> Any:
    def target() -> None:
        calls.append(1)
        raise _FlakyError(f"attempt {len(calls)}")

    return target


def test_pinned_version() -> None:
    """These pins describe backoff 2.2.1; a different version needs a re-read."""
    assert backoff.__version__ == "2.2.1"


def test_wait_generator_receives_each_exception_and_its_end_gives_up() -> None:
    """Each failure is sent into the generator; when it returns, on_giveup runs and the error is raised."""
    received: list[str] = []
    gave_up: list[int] = []
    calls: list[int] = []

    def waits() -> Generator[float, BaseException, None]:
        exc = yield 0.0
        while len(received) < 2:
            received.append(str(exc))
            exc = yield 0.0
        received.append(str(exc))

    target = backoff.on_exception(
        waits,
        _FlakyError,
        jitter=None,
        on_giveup=lambda d: gave_up.append(d["tries"]),
        logger=None,
    )(_always_failing(calls))
    with pytest.raises(_FlakyError, match="attempt 3"):
        target()

    assert received == ["attempt 1", "attempt 2", "attempt 3"]
    assert gave_up == [3]
    assert len(calls) == 3


def test_giveup_is_asked_before_the_wait_generator() -> None:
    """A give-up exception never reaches the generator: one try, one on_giveup."""
    sent: list[BaseException] = []
    gave_up: list[dict[str, Any]] = []
    calls: list[int] = []

    def waits() -> Generator[float, BaseException, None]:
        while True:
            sent.append((yield 0.0))

    target = backoff.on_exception(
        waits,
        _FlakyError,
        giveup=lambda exc: True,
        on_giveup=gave_up.append,
        logger=None,
    )(_always_failing(calls))
    with pytest.raises(_FlakyError):
        target()

    assert sent == []
    assert len(calls) == 1
    assert gave_up[0]["tries"] == 1
    assert isinstance(gave_up[0]["exception"], _FlakyError)


def test_max_tries_counts_attempts_and_on_backoff_sees_each_wait() -> None:
    """max_tries=3 means three calls; on_backoff runs twice with tries 1 and 2."""
    backoffs: list[tuple[int, float]] = []
    calls: list[int] = []

    target = backoff.on_exception(
        backoff.constant,
        _FlakyError,
        max_tries=3,
        jitter=None,
        interval=0,
        on_backoff=lambda d: backoffs.append((d["tries"], d["wait"])),
        logger=None,
    )(_always_failing(calls))
    with pytest.raises(_FlakyError):
        target()

    assert len(calls) == 3
    assert backoffs == [(1, 0), (2, 0)]


def test_logger_none_keeps_backoff_silent(caplog: pytest.LogCaptureFixture) -> None:
    """With logger=None backoff writes no log records of its own."""
    caplog.set_level(logging.DEBUG)
    calls: list[int] = []

    target = backoff.on_exception(
        backoff.constant, _FlakyError, max_tries=2, interval=0, logger=None
    )(_always_failing(calls))
    with pytest.raises(_FlakyError):
        target()

    assert [r for r in caplog.records if r.name == "backoff"] == []


def test_expo_doubles_from_factor_and_caps() -> None:
    """expo(factor=0.5, max_value=3) yields 0.5, 1, 2, 3, 3 after priming."""
    steps = backoff.expo(factor=0.5, max_value=3)
    next(steps)

    assert [next(steps) for _ in range(5)] == [0.5, 1, 2, 3, 3]
