"""The server's own workers: threads that lease jobs from the queue and run them with
the engine's ``JobRunner``, renewing the lease by heartbeat while they run. A remote
agent does the same over HTTP (docs/agent-protocol.md)."""

from __future__ import annotations

import json
import logging
import threading

from conveyor.engine.job import JobRunner
from conveyor.engine.request import JobRequest
from conveyor.executors.base import CancelToken
from conveyor.records import to_data
from conveyor.server import queue
from conveyor.server.db import now
from conveyor.server.live import Chunk
from conveyor.server.state import State

log = logging.getLogger("conveyor.server")


def start_workers(state: State) -> list[threading.Thread]:
    threads = []
    for i in range(state.settings.worker_count()):
        name = f"{state.instance}/w{i + 1}"
        t = threading.Thread(target=_work, args=(state, name), daemon=True, name=name)
        t.start()
        threads.append(t)
    return threads


def _work(state: State, worker: str) -> None:
    ttl = state.settings.lease_ttl
    while not state.stop.is_set():
        try:
            got = queue.lease(state.db, worker, ttl, runs=list(state.live_runs))
        except Exception as e:  # the database is busy or gone: try again shortly
            log.warning("lease failed: %s", e)
            state.stop.wait(1)
            continue
        if got is None:
            state.wait(0.5)
            continue
        try:
            run_leased(state, worker, got)
        except Exception:
            log.exception("job %s failed in its worker", got.job_id)
            queue.complete(state.db, got.job_id, worker, "failure", "", "internal error")
        state.poke()


def run_leased(state: State, worker: str, got: queue.Lease) -> None:
    from conveyor.server import models as m

    with state.db.session() as s:
        job = s.get(m.Job, got.job_id)
        created = job.created_at if job else now()
    state.metrics.queue_wait.observe(max(0.0, now() - created))
    run = state.live_runs.get(got.run_id)
    if run is None:  # no engine drives that run here any more: it ended or was cancelled
        queue.complete(state.db, got.job_id, worker, "cancelled", "", "its run is not active")
        return
    request = JobRequest.from_json(got.request)
    state.job_ids[(got.run_id, request.log_name)] = got.job_id
    cancel = CancelToken(state.job_tokens.get(got.job_id) or run.cancel)
    done = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(state, worker, got.job_id, cancel, done), daemon=True
    )
    beat.start()
    started = now()
    try:
        report = JobRunner(run, request, cancel).run_job()
    finally:
        done.set()
    state.metrics.job_duration.labels(report.conclusion).observe(now() - started)
    sink = state.sinks.get(got.run_id)
    if sink is not None:
        sink.flush()  # the log is stored before the job is seen as completed
    queue.complete(state.db, got.job_id, worker, report.conclusion, json.dumps(to_data(report)), "")
    state.broker.publish(got.job_id, Chunk(0, "", end=True))


def _heartbeat(
    state: State, worker: str, job_id: int, cancel: CancelToken, done: threading.Event
) -> None:
    ttl = state.settings.lease_ttl
    while not done.wait(ttl / 3):
        try:
            answer = queue.heartbeat(state.db, job_id, worker, ttl)
        except Exception as e:
            log.warning("heartbeat of job %s failed: %s", job_id, e)
            continue
        if answer in ("cancel", "lost"):
            cancel.set()
