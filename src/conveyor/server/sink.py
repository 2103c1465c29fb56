"""The server's sink on a run's event stream: steps, annotations, summaries and
artifacts become rows, and log text becomes stored chunks that are then published to
the browsers watching (``live``). A writer thread batches the rows, so a job's output
never waits for the database."""

from __future__ import annotations

import queue
import threading
from typing import Any

from conveyor.engine.events import (
    Annotation,
    ArtifactUploaded,
    Event,
    GroupEnded,
    GroupStarted,
    JobFinished,
    JobRef,
    JobStarted,
    LogLine,
    StepFinished,
    StepStarted,
    Summary,
    job_result_text,
    step_result_text,
)
from conveyor.server import models as m
from conveyor.server.db import now
from conveyor.server.live import Chunk
from conveyor.server.state import State


class ServerSink:
    def __init__(self, state: State, run_id: int) -> None:
        self.state = state
        self.run_id = run_id
        self._queue: queue.SimpleQueue[tuple[str, int, Any] | None] = queue.SimpleQueue()
        self._steps: dict[int, int] = {}  # job id -> steps started
        self._thread = threading.Thread(target=self._write, daemon=True, name=f"sink-{run_id}")
        self._thread.start()

    def _job(self, ref: JobRef | None) -> int | None:
        if ref is None:
            return None
        return self.state.job_ids.get((self.run_id, ref.key))

    def handle(self, event: Event) -> None:
        if isinstance(event, LogLine):
            job = self._job(event.job)
            if job is not None:
                self._queue.put(("log", job, event.text))
            return
        job = self._job(getattr(event, "job", None))
        if job is None:
            return
        put = self._queue.put
        if isinstance(event, StepStarted):
            self._steps[job] = number = self._steps.get(job, 0) + 1
            put(("step", job, (number, event.name)))
            put(("log", job, f"⭐ {event.name}"))
        elif isinstance(event, StepFinished):
            if not event.nested:
                put(("step-end", job, (self._steps.get(job, 0), event.report)))
            if event.report.outcome != "skipped":
                put(("log", job, step_result_text(event.report)))
        elif isinstance(event, GroupStarted):
            put(("log", job, f"::group::{event.title}"))
        elif isinstance(event, GroupEnded):
            put(("log", job, "::endgroup::"))
        elif isinstance(event, Annotation):
            put(("annotation", job, event))
            put(("log", job, event.text))
        elif isinstance(event, Summary):
            put(("summary", job, event.markdown))
        elif isinstance(event, ArtifactUploaded):
            put(("artifact", job, event))
        elif isinstance(event, JobStarted):
            put(("log", job, f"Job {event.job.name} started on {self.state.instance}"))
        elif isinstance(event, JobFinished):
            put(("log", job, job_result_text(event.report)))
            put(("flush", job, None))

    def flush(self) -> None:
        """Wait until everything handled so far is stored and published."""
        done = threading.Event()
        self._queue.put(("barrier", 0, done))
        done.wait(30)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def _write(self) -> None:
        closing = False
        while not closing:
            items = [self._queue.get()]
            # what queued up meanwhile goes in the same transaction: no waiting for more,
            # so a lone line is stored and streamed at once and a flood is batched
            while items[-1] is not None and items[-1][0] not in ("flush", "barrier"):
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if items[-1] is None:
                closing = True
                items.pop()
            try:
                self._store([i for i in items if i is not None])
            except Exception as e:  # the run goes on; its log says what was lost
                import logging

                logging.getLogger("conveyor.server").error("storing run events failed: %s", e)

    def _store(self, items: list[tuple[str, int, Any]]) -> None:
        published: list[tuple[int, Chunk]] = []
        barriers: list[threading.Event] = []
        t = now()
        with self.state.db.session() as s:
            texts: dict[int, list[str]] = {}
            for kind, job_id, data in items:
                if kind == "log":
                    texts.setdefault(job_id, []).append(stamp(t, data))
                elif kind == "step":
                    number, name = data
                    s.merge(_step_row(s, job_id, number, name, t))
                elif kind == "step-end":
                    number, report = data
                    row = _find_step(s, job_id, number)
                    if row is not None:
                        row.status, row.conclusion, row.completed_at = (
                            "completed",
                            report.conclusion,
                            t,
                        )
                elif kind == "annotation":
                    s.add(
                        m.Annotation(
                            job_id=job_id,
                            level=data.level,
                            message=data.message,
                            file=data.file,
                            line=str(data.line),
                        )
                    )
                elif kind == "summary":
                    job = s.get(m.Job, job_id)
                    if job is not None:
                        job.summary = data
                elif kind == "artifact":
                    s.add(
                        m.Artifact(
                            run_id=self.run_id,
                            job_id=job_id,
                            name=data.name,
                            path=data.path,
                            size=data.size,
                        )
                    )
                elif kind == "barrier":
                    barriers.append(data)
            for job_id, parts in texts.items():
                job = s.get(m.Job, job_id)
                if job is None:
                    continue
                published.append((job_id, append_log(s, job, "".join(parts), t)))
        for job_id, chunk in published:  # after the commit: a reader never misses a chunk
            self.state.broker.publish(job_id, chunk)
        for barrier in barriers:
            barrier.set()


def append_log(s: Any, job: m.Job, text: str, t: float) -> Chunk:
    """Store ``text`` as the job's next log chunk (the caller publishes it after the
    commit). The next number comes from the (job, seq) index, not a count of the chunks:
    a long log costs the same per chunk as a short one."""
    from sqlalchemy import func, select

    last = s.scalar(select(func.max(m.LogChunk.seq)).where(m.LogChunk.job_id == job.id))
    offset = job.log_size
    s.add(m.LogChunk(job_id=job.id, seq=(last + 1 if last is not None else 0), offset=offset,
                     text=text, created_at=t))  # fmt: skip
    job.log_size = offset + len(text.encode())
    return Chunk(offset, text)


def stamp(t: float, text: str) -> str:
    """Lines as a job's log file holds them: each with the time it was written (UTC)."""
    import time

    prefix = time.strftime("%H:%M:%S ", time.gmtime(t))
    return prefix + text.replace("\n", "\n" + prefix) + "\n"


def _find_step(s: Any, job_id: int, number: int) -> m.Step | None:
    from sqlalchemy import select

    q = select(m.Step).where(m.Step.job_id == job_id, m.Step.number == number)
    row: m.Step | None = s.scalars(q).first()
    return row


def _step_row(s: Any, job_id: int, number: int, name: str, t: float) -> m.Step:
    row = _find_step(s, job_id, number)
    if row is None:
        row = m.Step(job_id=job_id, number=number, name=name, status="in_progress", started_at=t)
    else:  # the job runs again (re-queued): its steps start over
        row.name, row.status, row.conclusion, row.started_at = name, "in_progress", None, t
        row.completed_at = None
    return row
