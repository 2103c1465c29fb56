"""The durable job queue: a job row is leased by one worker at a time, with an expiry the
worker renews by heartbeat. A worker that stops heartbeating loses its lease, and the
job goes back to the queue (``expire``). The same calls serve the server's own workers
and, over HTTP, remote agents (docs/agent-protocol.md).

PostgreSQL takes the next job with ``FOR UPDATE SKIP LOCKED``; SQLite's writers are
serialised by ``BEGIN IMMEDIATE`` (server.db), which makes the same select-then-update
atomic.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update

from conveyor.records import record
from conveyor.server import models as m
from conveyor.server.db import Database, now

# a job whose lease expired this many times is ended instead of re-queued: something
# in it kills its worker
MAX_ATTEMPTS = 3


@record(frozen=True, slots=True)
class Lease:
    job_id: int
    run_id: int
    request: str  # engine.request.JobRequest as JSON
    attempt: int
    until: float


def lease(
    db: Database, worker: str, ttl: float, runs: Collection[int] | None = None
) -> Lease | None:
    """The oldest queued job whose wait timer has passed, now leased to ``worker``;
    ``runs``: only jobs of these runs (the server's own workers take the jobs of the runs
    its engine drives, whose live state they share)."""
    t = now()
    with db.session() as s:
        q = select(m.Job).where(m.Job.status == "queued", m.Job.not_before <= t)
        if runs is not None:
            if not runs:
                return None
            q = q.where(m.Job.run_id.in_(list(runs)))
        q = q.order_by(m.Job.id).limit(1)
        if db.is_postgres:
            q = q.with_for_update(skip_locked=True)
        job = s.scalars(q).first()
        if job is None:
            return None
        job.status, job.worker, job.lease_until = "in_progress", worker, t + ttl
        job.attempts += 1
        job.started_at = job.started_at or t
        return Lease(job.id, job.run_id, job.request, job.attempts, job.lease_until)


def heartbeat(db: Database, job_id: int, worker: str, ttl: float) -> str:
    """Renew the lease: "ok", "cancel" (the run is being cancelled: stop the job) or
    "lost" (the lease expired and the job went to someone else, or it ended)."""
    t = now()
    with db.session() as s:
        # conditional, like complete(): a renewal racing expire() must not revive the job
        renewed = s.execute(
            update(m.Job)
            .where(m.Job.id == job_id, m.Job.worker == worker, m.Job.status == "in_progress")
            .values(lease_until=t + ttl)
        )
        if not renewed.rowcount:  # type: ignore[attr-defined]
            return "lost"
        job = s.get(m.Job, job_id)
        run = s.get(m.Run, job.run_id) if job is not None else None
        return "cancel" if run is not None and run.cancel_requested else "ok"


def complete(
    db: Database, job_id: int, worker: str, conclusion: str, report: str, reason: str = ""
) -> bool:
    """Record the job's end; False when the worker no longer held the lease (its result
    is dropped: the job was re-queued to another worker)."""
    t = now()
    with db.session() as s:
        done = s.execute(
            update(m.Job)
            .where(m.Job.id == job_id, m.Job.worker == worker, m.Job.status == "in_progress")
            .values(
                status="completed",
                conclusion=conclusion,
                report=report,
                reason=reason,
                completed_at=t,
                lease_until=0.0,
            )
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


def expire(db: Database) -> list[int]:
    """Re-queue the jobs whose lease ran out (ending those that ran out too often);
    returns their ids."""
    t = now()
    with db.session() as s:
        q = select(m.Job).where(m.Job.status == "in_progress", m.Job.lease_until < t)
        if db.is_postgres:
            q = q.with_for_update(skip_locked=True)
        jobs = list(s.scalars(q))
        for job in jobs:
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.conclusion = "completed", "failure"
                job.reason = f"its worker stopped answering {job.attempts} times; not retried"
                job.completed_at = t
            else:
                job.status, job.worker, job.lease_until = "queued", "", 0.0
                job.reason = f"re-queued: worker stopped answering (attempt {job.attempts})"
        return [job.id for job in jobs]


def depth(db: Database) -> dict[str, int]:
    """How many jobs are queued, waiting and in progress (for /metrics)."""
    from sqlalchemy import func

    with db.session() as s:
        rows = s.execute(
            select(m.Job.status, func.count())
            .where(m.Job.status != "completed")
            .group_by(m.Job.status)
        )
        return {status: count for status, count in rows}
