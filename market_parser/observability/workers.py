"""The start and stop of an object that works in one daemon thread of its own."""

from __future__ import annotations

import threading


class DaemonWorker:
    """Runs the subclass's ``_run`` in a daemon thread between `start` and `stop`.

    ``_run`` should return soon after ``self._stop`` is set, for instance by
    waiting on that event between passes rather than sleeping.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, waiting up to ``timeout`` seconds for it to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError
