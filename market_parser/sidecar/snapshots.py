"""The app's status file, re-read only when the app has replaced it."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from market_parser.observability.snapshot import SNAPSHOT_FILE, read_snapshot


class SnapshotCache:
    """Reads ``<data_dir>/status.json`` and keeps it until the file changes.

    The app replaces the file atomically, so a new inode, size or mtime means a
    new snapshot; a ``stat`` per request is far cheaper than parsing the JSON.
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / SNAPSHOT_FILE
        self._lock = threading.Lock()
        self._key: tuple[int, int, int] | None = None
        self._snapshot: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        """The current snapshot, or None when there is no readable file."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if key != self._key:
                self._snapshot = read_snapshot(self.path)
                self._key = key if self._snapshot is not None else None
            return self._snapshot
