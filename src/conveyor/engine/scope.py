"""The small records a job's steps share: where they run (``Scope``), deferred post
steps, a process's result, and the error for a step that fails outside its process."""

from __future__ import annotations

from collections.abc import Callable

from conveyor.executors.base import ExitInfo
from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.engine.report import StepReport


class StepFailed(Exception):
    """A step failed before or outside its process (bad expression, missing action...)."""


class NotServed(StepFailed):
    """No runner here can take the job (``runs-on: windows-latest`` on Linux): the job is
    not run, and says why, rather than failing."""


@record(frozen=True, slots=True)
class Origin:
    """The repository a workflow or action file comes from: what ``$/`` in its ``uses:``
    names. ``repository`` "" is the run's own repository (at the running commit); otherwise
    ``owner/repo`` at commit ``sha``, fetched like a remote action."""

    repository: str = ""
    sha: str = ""


@record(slots=True)
class Scope:
    """Where steps run: the job itself, or a composite action inside it."""

    steps: dict[str, dict[str, Any]] = field(default_factory=dict)  # the `steps` context
    status: str = "success"  # what success()/failure()/cancelled() see
    inputs: dict[str, Any] | None = None  # a composite action's `inputs`
    action_path: str = ""
    action_repository: str = ""
    action_ref: str = ""
    env: dict[str, str] = field(default_factory=dict)  # env declared by the scope (job or action)
    composite: bool = False
    origin: Origin = field(default_factory=Origin)  # the file these steps are written in


@record(slots=True)
class PostStep:
    name: str
    condition: str  # e.g. "success()" or "always()"
    run: Callable[[], StepReport | None]


@record(slots=True)
class ProcessResult:
    exit: ExitInfo
    outputs: dict[str, str] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    failed: bool = False  # a workflow command failed the step (e.g. ::set-env::)
