"""The sinks that keep a run: the store (rows and log files, written as the run goes,
so a killed process leaves a truthful record) and the ``--report`` file."""

from __future__ import annotations

import threading
import time
from _queue import SimpleQueue  # queue.py's own, without queue.py's imports
from collections.abc import Callable
from pathlib import Path

from conveyor import jsontext
from conveyor.engine.events import (
    Annotation,
    GroupEnded,
    GroupStarted,
    JobFinished,
    JobStarted,
    LogLine,
    RunFinished,
    StepFinished,
    StepStarted,
    Summary,
    job_result_text,
    step_result_text,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

    from conveyor.engine.events import Event
    from conveyor.store.db import Store


class _Writer:
    """Database writes on a thread of their own, in order: a job's thread hands a row over
    and goes on with its next step while SQLite commits (it takes a tenth of a step)."""

    def __init__(self) -> None:
        self._queue: SimpleQueue[Callable[[], None] | None] = SimpleQueue()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="store-writer", daemon=True)
        self._thread.start()

    def submit(self, write: Callable[[], None]) -> None:
        self._queue.put(write)

    def _work(self) -> None:
        while (write := self._queue.get()) is not None:
            if self.error is None:  # after a failure the rest would only fail too
                try:
                    write()
                except BaseException as e:
                    self.error = e

    def close(self) -> None:
        """Wait until everything submitted is written."""
        self._queue.put(None)
        self._thread.join()


class LogSink:
    """Each job's log file and step summary, written as the output comes: a killed run
    keeps every line it printed."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._logs: dict[str, IO[str]] = {}

    def handle(self, event: Event) -> None:
        if isinstance(event, LogLine):
            if event.job is not None:
                self._log(event.job.key, event.text)
        elif isinstance(event, StepStarted):
            self._log(event.job.key, f"⭐ {event.name}")
        elif isinstance(event, StepFinished):
            if event.report.outcome != "skipped":
                self._log(event.job.key, step_result_text(event.report))
        elif isinstance(event, GroupStarted):
            self._log(event.job.key, f"::group::{event.title}")
        elif isinstance(event, GroupEnded):
            self._log(event.job.key, "::endgroup::")
        elif isinstance(event, Annotation):
            self._log(event.job.key, event.text)
        elif isinstance(event, JobStarted):
            path = Path(event.job.log)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._logs[event.job.key] = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at JobFinished
        elif isinstance(event, JobFinished):
            self._log(event.job.key, job_result_text(event.report))
            log = self._logs.pop(event.job.key, None)
            if log is not None:
                log.close()
        elif isinstance(event, Summary):
            path = self.run_dir / "summaries" / f"{event.job.key}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(event.markdown, encoding="utf-8")

    def _log(self, key: str, text: str) -> None:
        """Lines to the job's log, each stamped; written through at once (one write per
        read of output, not per line)."""
        log = self._logs.get(key)
        if log is None:
            return
        stamp = time.strftime("%H:%M:%S") + " "
        log.write(stamp + text.replace("\n", "\n" + stamp) + "\n")
        log.flush()

    def close(self) -> None:
        for log in self._logs.values():
            log.close()
        self._logs.clear()


class StoreSink:
    """Job and step rows in the run store, as the run goes, written on a thread of their
    own. When the database fails (disk full, locked) the run goes on; the failure is
    raised, once, at ``close``, where the event bus reports it in one line."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self._rows: dict[str, int] = {}  # job key -> jobs row (used by the writer only)
        self._writer = _Writer()

    def handle(self, event: Event) -> None:
        submit = self._writer.submit
        if isinstance(event, StepFinished):
            if not event.nested:
                key, step = event.job.key, event.report.to_dict()

                def step_done() -> None:
                    row = self._rows.get(key)
                    if row is not None:
                        self.store.step_finished(row, step)

                submit(step_done)
        elif isinstance(event, JobStarted):
            job = event.job

            def started() -> None:
                self._rows[job.key] = self.store.job_started(
                    self.run_id, job.workflow, job.job_id, job.name, job.matrix, job.log
                )

            submit(started)
        elif isinstance(event, JobFinished):
            key, data = event.job.key, event.report.to_dict()

            def job_done() -> None:
                row = self._rows.pop(key, 0)
                if row:
                    self.store.job_finished(row, data)

            submit(job_done)
        elif isinstance(event, RunFinished):
            data = event.data
            submit(lambda: self.store.finish_run(self.run_id, data))

    def close(self) -> None:
        self._writer.close()
        if self._writer.error is not None:
            raise self._writer.error


class ReportSink:
    """``--report FILE``: the run as JSON, written when it ends (also when it crashed)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            write_report(self.path, event.data)

    def close(self) -> None:
        pass


def write_report(path: Path, data: dict[str, Any]) -> None:
    path.write_text(jsontext.dumps(data, indent=2) + "\n", encoding="utf-8")
