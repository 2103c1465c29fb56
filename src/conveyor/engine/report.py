"""What a run produced: plain records, printable, storable and comparable.

The JSON form (``to_dict``) is the ``--report`` file format and what the store keeps.
"""

from __future__ import annotations

from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    Conclusion = Literal["success", "failure", "cancelled", "skipped"]
else:
    Conclusion = str  # at run time only casts name it


@record(slots=True)
class StepReport:
    id: str | None  # as in the YAML; None when the step has no id
    name: str
    outcome: Conclusion = "skipped"  # before continue-on-error
    conclusion: Conclusion = "skipped"  # after continue-on-error
    outputs: dict[str, str] = field(default_factory=dict)
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "outcome": self.outcome,
            "conclusion": self.conclusion,
            "outputs": dict(self.outputs),
            "duration": round(self.duration, 4),
        }


@record(slots=True)
class JobReport:
    id: str  # the job id in the YAML
    name: str  # display name, e.g. "test (3.11)"
    matrix: dict[str, Any] | None = None
    conclusion: Conclusion = "skipped"
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepReport] = field(default_factory=list)
    jobs: list[JobReport] = field(default_factory=list)  # jobs of a called reusable workflow
    duration: float = 0.0
    environment: dict[str, str] | None = None  # {"name", "url"} for deploy history
    log: str | None = None  # path of the job's log file
    error: str | None = None  # why the job failed before or outside its steps

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "matrix": self.matrix,
            "conclusion": self.conclusion,
            "outputs": dict(self.outputs),
            "steps": [s.to_dict() for s in self.steps],
            "jobs": [j.to_dict() for j in self.jobs],
            "duration": round(self.duration, 4),
            "environment": self.environment,
            "log": self.log,
            "error": self.error,
        }


@record(slots=True)
class WorkflowReport:
    name: str
    file: str
    conclusion: Conclusion = "skipped"
    jobs: list[JobReport] = field(default_factory=list)
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "conclusion": self.conclusion,
            "jobs": [j.to_dict() for j in self.jobs],
            "duration": round(self.duration, 4),
        }


@record(slots=True)
class RunReport:
    run_id: int
    event: str
    conclusion: Conclusion = "skipped"
    workflows: list[WorkflowReport] = field(default_factory=list)
    started: float = 0.0  # unix time
    duration: float = 0.0
    not_triggered: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    images: list[dict[str, Any]] = field(default_factory=list)  # pushed: image, digest, ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "event": self.event,
            "conclusion": self.conclusion,
            "workflows": [w.to_dict() for w in self.workflows],
            "not_triggered": [{"file": f, "reason": r} for f, r in self.not_triggered],
            "started": self.started,
            "duration": round(self.duration, 4),
            "images": list(self.images),
        }


def combine(conclusions: list[Conclusion]) -> Conclusion:
    """A parent's conclusion from its children's: any failure wins, then cancellation."""
    if "failure" in conclusions:
        return "failure"
    if "cancelled" in conclusions:
        return "cancelled"
    if not conclusions or all(c == "skipped" for c in conclusions):
        return "skipped" if conclusions else "success"
    return "success"
