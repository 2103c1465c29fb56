"""What the server's parts share while it runs: settings, the database, the live log
broker, metrics, and the runs this process drives."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from pathlib import Path
from typing import Any

from conveyor.records import field, record
from conveyor.server.db import Database
from conveyor.server.live import Broker
from conveyor.server.metrics import Metrics
from conveyor.server.seal import Sealer


@record(slots=True)
class Settings:
    data_dir: Path
    database_url: str | None = None  # None: SQLite under data_dir
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int | None = None  # local workers; None: the CPU count (at least 2); 0: none

    lease_ttl: float = 30.0  # seconds a job lease lasts without a heartbeat
    public_url: str = ""  # how browsers reach the server (links in statuses, mails)
    max_runs: int = 0  # runs driven at once across repositories; 0: no limit
    max_runs_per_repo: int = 0
    log_retention_days: int = 0  # 0: keep logs forever
    trusted_user_header: str = ""  # e.g. X-Forwarded-User behind an authenticating proxy
    protected_environments: tuple[str, ...] = ("production",)  # need approval by default
    statuses_api: str = ""  # e.g. https://api.github.com; "" posts no commit statuses
    statuses_token_env: str = "CONVEYOR_STATUS_TOKEN"
    slack_webhook: str = ""
    smtp: dict[str, Any] = field(default_factory=dict)

    def worker_count(self) -> int:
        return max(2, os.cpu_count() or 1) if self.workers is None else self.workers

    def url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"


@record(slots=True)
class State:
    settings: Settings
    db: Database
    sealer: Sealer
    broker: Broker
    metrics: Metrics
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}")
    live_runs: dict[int, Any] = field(default_factory=dict)  # run id -> engine RunEnv
    sinks: dict[int, Any] = field(default_factory=dict)  # run id -> its ServerSink
    job_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # (run, log name) -> job
    groups: dict[int, Any] = field(default_factory=dict)  # repo id -> ConcurrencyGroups
    # job id -> the scheduler's cancel token for it: a local worker runs the job under it,
    # so cancel-in-progress, fail-fast and a run's cancel reach the job as in `conveyor run`
    job_tokens: dict[int, Any] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    work: threading.Condition = field(default_factory=threading.Condition)  # queue changed
    ready: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def groups_for(self, repo_id: int) -> Any:
        """The concurrency groups of a repository's runs (GitHub scopes them so)."""
        from conveyor.engine.concurrency import ConcurrencyGroups

        with self.lock:
            return self.groups.setdefault(repo_id, ConcurrencyGroups())

    def poke(self) -> None:
        """Wake workers and waiting dispatchers: the queue changed."""
        with self.work:
            self.work.notify_all()

    def wait(self, timeout: float) -> None:
        with self.work:
            self.work.wait(timeout)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def run_dir(self, run_id: int) -> Path:
        return self.settings.data_dir / "runs" / str(run_id)
