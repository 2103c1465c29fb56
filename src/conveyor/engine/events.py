"""The engine's one event stream: what happens in a run, as typed records, in order.

The engine emits; sinks receive. The console printer, the store (written as the run
goes) and the ``--report`` writer are sinks; the server's live logs and metrics are
the next ones. Text in events is already masked. Presentation (colours, folding,
prefixes) belongs to the console sink alone.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from conveyor.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    from conveyor.engine.report import JobReport, RunReport, StepReport
else:
    Protocol = object


@record(frozen=True, slots=True)
class JobRef:
    """Which job instance an event belongs to (plain data)."""

    key: str  # unique in the run; names its log and work directory
    workflow: str  # the workflow file
    job_id: str  # the job's id in the YAML
    name: str  # display name, e.g. "test (3.11)"
    label: str  # the prefix a console shows, e.g. "call / greet"
    log: str = ""  # where the run's store keeps the job's log
    matrix: dict[str, Any] | None = None


@record(frozen=True, slots=True)
class RunStarted:
    run_id: int
    run_dir: Path
    event: str
    ref: str
    sha: str


@record(frozen=True, slots=True)
class RunFinished:
    """The run ended: ``data`` is its report as JSON data, masked (after a crash, only
    ``conclusion`` and ``error``); ``report`` is the record when there is one."""

    data: dict[str, Any]
    report: RunReport | None = None


@record(frozen=True, slots=True)
class JobStarted:
    job: JobRef


@record(frozen=True, slots=True)
class JobFinished:
    job: JobRef
    report: JobReport


@record(frozen=True, slots=True)
class StepStarted:
    job: JobRef
    name: str


@record(frozen=True, slots=True)
class StepFinished:
    job: JobRef
    report: StepReport  # outcome, conclusion, outputs, duration
    nested: bool = False  # a step inside a composite action, not one of the job's own


class LogLine:
    """Lines of a job's log. ``style`` is "" for a step's own output — then ``text`` may
    hold several lines joined by "\\n", as many as one read of the process brought;
    otherwise it is one line from Conveyor: "title" (a step starts), "error", "warning",
    "notice", "debug", "success", "failure", "cancelled", "skipped" or "info"."""

    # a hand-written class: one is made per read of output, so it must be cheap
    __slots__ = ("job", "style", "text")

    def __init__(self, job: JobRef | None, text: str, style: str = "") -> None:
        self.job = job  # None: a message about the run, not one job
        self.text = text
        self.style = style

    def __repr__(self) -> str:
        return f"LogLine({self.job and self.job.key!r}, {self.text!r}, {self.style!r})"


@record(frozen=True, slots=True)
class GroupStarted:
    job: JobRef
    title: str


@record(frozen=True, slots=True)
class GroupEnded:
    job: JobRef


@record(frozen=True, slots=True)
class Annotation:
    """``::error``/``::warning``/``::notice`` (``text`` is formatted as the runner logs it)."""

    job: JobRef
    level: str
    message: str
    text: str
    file: str = ""
    line: str = ""


@record(frozen=True, slots=True)
class Summary:
    """A job's ``GITHUB_STEP_SUMMARY`` Markdown, once the job has ended."""

    job: JobRef
    markdown: str


@record(frozen=True, slots=True)
class ArtifactUploaded:
    job: JobRef
    name: str
    path: str  # where the run keeps it
    size: int


Event = (
    RunStarted
    | RunFinished
    | JobStarted
    | JobFinished
    | StepStarted
    | StepFinished
    | LogLine
    | GroupStarted
    | GroupEnded
    | Annotation
    | Summary
    | ArtifactUploaded
)


def step_result_text(report: StepReport) -> str:
    """The line that ends a step in a log or on a terminal (without colour)."""
    note = " (continue-on-error)" if report.outcome != report.conclusion else ""
    mark = "✅" if report.outcome == "success" else "❌"
    return f"{mark} {report.name} [{report.duration:.3f}s] {report.outcome}{note}"


def job_result_text(report: JobReport) -> str:
    return f"Job {report.conclusion} in {report.duration:.2f}s"


class RunSink(Protocol):
    """Receives every event of a run, in order, one at a time."""

    def handle(self, event: Event) -> None: ...

    def close(self) -> None:
        """The run is over (or the process is going): flush and release."""
        ...


class EventBus:
    """Hands each event to every sink in turn, one event at a time (sinks need no locks).

    A sink that fails is dropped with one line to the sinks that remain, so a full disk
    under the store never stops the console or the run.
    """

    def __init__(self, sinks: list[RunSink] | None = None) -> None:
        self.sinks: list[RunSink] = list(sinks or [])
        self._lock = threading.Lock()

    def add(self, sink: RunSink) -> None:
        with self._lock:
            self.sinks.append(sink)

    def emit(self, event: Event) -> None:
        with self._lock:
            failed = None
            for sink in self.sinks:
                try:
                    sink.handle(event)
                except Exception as e:  # a broken sink must not break the run
                    failed = (sink, e)
            if failed is not None:
                self._drop(*failed)

    def _drop(self, sink: RunSink, error: Exception) -> None:
        self.sinks.remove(sink)
        note = LogLine(None, f"Warning: {type(sink).__name__} stopped: {error}", "warning")
        for other in self.sinks:
            with contextlib.suppress(Exception):
                other.handle(note)

    def close(self) -> None:
        """Close every sink; one that fails to finish is named to the others."""
        with self._lock:
            failed = []
            for sink in self.sinks:
                try:
                    sink.close()
                except Exception as e:
                    failed.append((sink, e))
            for sink, error in failed:
                self.sinks.remove(sink)
                note = LogLine(None, f"Warning: {type(sink).__name__} failed: {error}", "warning")
                for other in self.sinks:
                    with contextlib.suppress(Exception):
                        other.handle(note)
