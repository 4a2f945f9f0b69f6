"""Tests for resource sampling with psutil and the cgroup memory limit."""

from __future__ import annotations

import contextlib
import logging
import time
from types import SimpleNamespace

import psutil
import pytest

from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.resources import ResourceSampler, cgroup_memory_limit


def burn_cpu(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


class DeniedProcess:
    """A process whose sockets the OS will not show, as on some hosts."""

    def __init__(self):
        self.cpu_calls = 0

    def oneshot(self):
        return contextlib.nullcontext()

    def cpu_percent(self, interval=None):
        self.cpu_calls += 1
        return 12.5

    def memory_info(self):
        return SimpleNamespace(rss=123_456_789)

    def num_threads(self):
        return 7

    def net_connections(self, kind="inet"):
        raise psutil.AccessDenied(pid=1)


def test_first_cpu_reading_is_primed(clock, tmp_path):
    """The first sample shows the CPU burnt since the sampler started, not 0.0."""
    sampler = ResourceSampler(MetricsCollector(clock=clock), disk_path=tmp_path)
    burn_cpu(0.05)
    sampler.sample_once()
    assert sampler.metrics.process_cpu_percent.series[()].value > 0.0


def test_unprimed_psutil_reads_zero_first():
    """The trap being avoided: a new Process object's first reading is 0.0."""
    burn_cpu(0.02)
    assert psutil.Process().cpu_percent(None) == 0.0


def test_sample_sets_every_gauge(clock, tmp_path):
    """RSS, threads, sockets, memory and disk all get plausible values."""
    collector = MetricsCollector(clock=clock)
    sampler = ResourceSampler(collector, disk_path=tmp_path, cgroup_root=tmp_path)
    sampler.sample_once()
    value = collector.value
    assert value("process_resident_memory_bytes") > 10_000_000
    assert value("process_threads") >= 1
    assert value("process_open_connections") >= 0
    assert 0 < value("system_memory_percent") <= 100
    assert 0 < value("system_disk_percent") <= 100
    assert value("container_memory_limit_bytes") == 0
    assert collector.summary("system_memory_percent", window_seconds=60).count == 1


def test_hidden_sockets_are_skipped_and_reported_once(clock, tmp_path, caplog):
    """AccessDenied on net_connections leaves that gauge unset and logs one line."""
    collector = MetricsCollector(clock=clock)
    process = DeniedProcess()
    sampler = ResourceSampler(
        collector, disk_path=tmp_path, cgroup_root=tmp_path, process=process
    )
    with caplog.at_level(logging.INFO, "market_parser.observability.resources"):
        sampler.sample_once()
        sampler.sample_once()
    assert [r.message for r in caplog.records] == ["resources.connections_unavailable"]
    assert collector.summary("process_open_connections", window_seconds=60).count == 0
    assert collector.value("process_cpu_percent") == 12.5
    assert collector.value("process_threads") == 7
    assert process.cpu_calls == 3  # one to prime, one per sample


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("memory.max", "max\n", None),
        ("memory.max", "536870912\n", 536_870_912),
        ("memory/memory.limit_in_bytes", "9223372036854771712\n", None),
        ("memory/memory.limit_in_bytes", "1073741824\n", 1_073_741_824),
    ],
)
def test_cgroup_limit_v1_and_v2(tmp_path, relative, text, expected):
    """cgroup v2 "max" and v1's huge number both mean no limit."""
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert cgroup_memory_limit(tmp_path) == expected


def test_no_cgroup_files_means_no_limit(tmp_path):
    """Outside a container there is nothing to read and no limit."""
    assert cgroup_memory_limit(tmp_path) is None


def test_container_limit_reaches_the_gauge(clock, tmp_path):
    """A cgroup limit is published in bytes."""
    (tmp_path / "memory.max").write_text("268435456\n")
    collector = MetricsCollector(clock=clock)
    ResourceSampler(
        collector, disk_path=tmp_path, cgroup_root=tmp_path, process=DeniedProcess()
    ).sample_once()
    assert collector.value("container_memory_limit_bytes") == 268_435_456


def test_thread_samples_until_stopped(clock, tmp_path):
    """start samples in the background; stop ends the thread."""
    collector = MetricsCollector(clock=clock)
    sampler = ResourceSampler(
        collector, 0.01, disk_path=tmp_path, process=DeniedProcess()
    )
    sampler.start()
    deadline = time.monotonic() + 5
    while collector.value("process_threads") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    sampler.stop()
    assert collector.value("process_threads") == 7
    assert not sampler._thread.is_alive()
