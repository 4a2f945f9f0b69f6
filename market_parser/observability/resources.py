"""Process and machine resources, sampled with psutil into the collector's gauges."""

from __future__ import annotations

import logging
from pathlib import Path

import psutil

from market_parser.observability.catalog import AppMetrics, register_app_metrics
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.workers import DaemonWorker

logger = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
# cgroup v1 writes "no limit" as a huge page-aligned number rather than "max".
_NO_LIMIT_FROM = 1 << 60


class ResourceSampler(DaemonWorker):
    """Samples CPU, memory, threads, sockets and disk every ``interval`` seconds.

    One `psutil.Process` lives as long as the sampler and its CPU counter is read
    once at construction: psutil's first ``cpu_percent()`` per Process object is
    always 0.0, so without that the first sample would claim an idle process.
    """

    def __init__(
        self,
        collector: MetricsCollector,
        interval: float = 5.0,
        *,
        disk_path: str | Path = "/",
        cgroup_root: Path = CGROUP_ROOT,
        process: psutil.Process | None = None,
    ) -> None:
        super().__init__("resource-sampler")
        self.metrics: AppMetrics = register_app_metrics(collector)
        self.interval = interval
        self.disk_path = Path(disk_path)
        self.cgroup_root = cgroup_root
        self.process = process or psutil.Process()
        self.process.cpu_percent(None)
        self._connections_denied = False

    def sample_once(self) -> None:
        """Read every resource once and set the gauges."""
        m = self.metrics
        with self.process.oneshot():
            m.process_cpu_percent.set(self.process.cpu_percent(None))
            m.process_resident_memory_bytes.set(self.process.memory_info().rss)
            m.process_threads.set(self.process.num_threads())
        connections = self._open_connections()
        if connections is not None:
            m.process_open_connections.set(connections)
        m.system_memory_percent.set(psutil.virtual_memory().percent)
        m.system_disk_percent.set(psutil.disk_usage(str(self.disk_path)).percent)
        m.container_memory_limit_bytes.set(cgroup_memory_limit(self.cgroup_root) or 0)

    def _open_connections(self) -> int | None:
        if self._connections_denied:
            return None
        try:
            return len(self.process.net_connections(kind="inet"))
        except psutil.AccessDenied:
            # Some hosts hide sockets from unprivileged processes; say so once.
            self._connections_denied = True
            logger.info("resources.connections_unavailable")
            return None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample_once()
            except (psutil.Error, OSError):
                logger.warning("resources.sample_failed", exc_info=True)
            self._stop.wait(self.interval)


def cgroup_memory_limit(root: Path = CGROUP_ROOT) -> int | None:
    """Return the container's memory limit in bytes, or None when there is none.

    Reads cgroup v2's ``memory.max`` ("max" means none), then cgroup v1's
    ``memory/memory.limit_in_bytes``.
    """
    for relative in ("memory.max", "memory/memory.limit_in_bytes"):
        try:
            text = (root / relative).read_text().strip()
        except OSError:
            continue
        if text == "max":
            return None
        try:
            limit = int(text)
        except ValueError:
            continue
        return None if limit >= _NO_LIMIT_FROM else limit

    return None
