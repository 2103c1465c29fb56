"""One job's output, as events: every line masked first, then handed to the run's sinks.

What a line looks like on a terminal (prefix, colour, folding) is the console sink's
business; what is kept is the store's.
"""

from __future__ import annotations

from pathlib import Path

from conveyor.engine.events import (
    Annotation,
    ArtifactUploaded,
    GroupEnded,
    GroupStarted,
    JobFinished,
    JobStarted,
    LogLine,
    StepFinished,
    StepStarted,
    Summary,
)
from conveyor.records import replace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conveyor.engine.events import EventBus, JobRef
    from conveyor.engine.masking import Masker
    from conveyor.engine.report import JobReport, StepReport


class JobOutput:
    def __init__(self, bus: EventBus, job: JobRef, masker: Masker) -> None:
        self.bus = bus
        self.job = job
        self.masker = masker
        self.log_path = job.log

    def line(self, text: str) -> None:
        """Step output: one line, or several joined by "\\n" (a read's worth)."""
        self.bus.emit(LogLine(self.job, self.masker.mask(text)))

    def info(self, text: str, style: str = "info") -> None:
        """A line from Conveyor itself: "error", "warning", "notice", "debug", "info" ..."""
        self.bus.emit(LogLine(self.job, self.masker.mask(text), style))

    def group(self, title: str) -> None:
        self.bus.emit(GroupStarted(self.job, self.masker.mask(title)))

    def endgroup(self) -> None:
        self.bus.emit(GroupEnded(self.job))

    def annotation(self, level: str, message: str, text: str, file: str, line: str) -> None:
        mask = self.masker.mask
        self.bus.emit(Annotation(self.job, level, mask(message), mask(text), file, line))

    def summary(self, markdown: str) -> None:
        self.bus.emit(Summary(self.job, self.masker.mask(markdown)))

    def artifact(self, name: str, path: Path, size: int) -> None:
        self.bus.emit(ArtifactUploaded(self.job, name, str(path), size))

    def job_started(self) -> None:
        self.bus.emit(JobStarted(self.job))

    def job_finished(self, report: JobReport) -> None:
        mask = self.masker.mask
        shown = replace(
            report,
            name=mask(report.name),
            outputs={k: mask(v) for k, v in report.outputs.items()},
            steps=[self._masked(s) for s in report.steps],
            error=mask(report.error) if report.error else report.error,
        )
        self.bus.emit(JobFinished(self.job, shown))

    def step_started(self, name: str) -> None:
        self.bus.emit(StepStarted(self.job, self.masker.mask(name)))

    def step_finished(self, report: StepReport, nested: bool = False) -> None:
        self.bus.emit(StepFinished(self.job, self._masked(report), nested))

    def _masked(self, report: StepReport) -> StepReport:
        mask = self.masker.mask
        return replace(
            report,
            name=mask(report.name),
            outputs={k: mask(v) for k, v in report.outputs.items()},
        )
