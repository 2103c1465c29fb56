"""``/metrics``: Prometheus counters and histograms of the queue, runs, jobs, webhooks
and leases, in a registry of the server's own (several servers in one test process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class _Depth(Collector):
    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "conveyor_queue_jobs", "Jobs not yet completed, by status", labels=["status"]
        )
        try:
            counts = self.read()
        except Exception:  # a scrape must not fail while the database is busy
            counts = {}
        for status in ("queued", "waiting", "in_progress"):
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.queue_wait = Histogram(
            "conveyor_queue_wait_seconds", "From queued to leased", registry=r, buckets=_BUCKETS
        )
        self.run_duration = Histogram(
            "conveyor_run_duration_seconds",
            "Workflow run durations",
            ["conclusion"],
            registry=r,
            buckets=_BUCKETS,
        )
        self.job_duration = Histogram(
            "conveyor_job_duration_seconds",
            "Job durations",
            ["conclusion"],
            registry=r,
            buckets=_BUCKETS,
        )
        self.runs = Counter(
            "conveyor_runs", "Completed runs by conclusion", ["conclusion"], registry=r
        )
        self.webhooks = Counter(
            "conveyor_webhook_deliveries", "Webhook deliveries by outcome", ["outcome"], registry=r
        )
        self.lease_expiries = Counter(
            "conveyor_lease_expiries", "Job leases that ran out", registry=r
        )

    def watch_depth(self, read: Callable[[], dict[str, int]]) -> None:
        self.registry.register(_Depth(read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
