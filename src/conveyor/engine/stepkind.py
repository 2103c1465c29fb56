"""The two Protocols of step execution: what a step kind sees of its job, and the shape
of a step kind (pre at job set-up, main in order, post steps registered by main)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from conveyor.engine.output import JobOutput
    from conveyor.engine.report import JobReport, StepReport
    from conveyor.engine.runenv import RunEnv
    from conveyor.engine.scope import PostStep, Scope
    from conveyor.executors.base import CancelToken, Executor, JobPaths
    from conveyor.workflow.model import Job, Step


class JobContext(Protocol):
    """A running job, as its steps see it (``engine.job.JobRunner`` fills it)."""

    run: RunEnv
    job: Job
    cancel: CancelToken
    report: JobReport
    out: JobOutput
    executor: Executor
    paths: JobPaths  # the job's view
    github: dict[str, Any]
    runner_ctx: dict[str, Any]
    defaults: dict[str, str]
    global_env: dict[str, str]  # from GITHUB_ENV
    path_prepend: list[str]  # from GITHUB_PATH, newest first
    post_steps: list[PostStep]
    summary: list[str]
    pre_state: dict[int, dict[str, str]]
    root_scope: Scope | None
    command_paths: dict[str, Path] | None
    shells: dict[tuple[str | None, str], Any]
    scripts: int
    log_name: str

    def evaluate(self, value: Any, scope: Scope, env: dict[str, str] | None = None) -> Any: ...

    def evaluate_str(self, value: Any, scope: Scope, env: dict[str, str] | None = None) -> str: ...

    def evaluate_env(
        self, raw: dict[str, Any] | str, scope: Scope, base: dict[str, str]
    ) -> dict[str, str]: ...

    def env_context(self, scope: Scope) -> dict[str, str]: ...

    def eval_ctx(self, scope: Scope, env: dict[str, str] | None = None) -> Any: ...

    def process_env(
        self, step_env: dict[str, str], extra: dict[str, str] | None = None
    ) -> dict[str, str]: ...

    def process_path(self, step_env: dict[str, str]) -> str: ...

    def step_name(self, step: Step, scope: Scope) -> str: ...

    def next_action_id(self, base: str) -> str: ...

    def run_step(self, step: Step, scope: Scope) -> StepReport: ...


class StepKind(Protocol):
    """One kind of step. ``main`` returns the outcome and the step's outputs; a kind with a
    post step appends a ``PostStep`` to ``job.post_steps`` (run last, in reverse order)."""

    def pre(self, job: JobContext, step: Step, scope: Scope) -> None:
        """Work done when the job is set up, before step 1 (e.g. a JavaScript ``pre``)."""
        ...

    def main(
        self,
        job: JobContext,
        step: Step,
        scope: Scope,
        env: dict[str, str],
        timeout: float | None,
        token: CancelToken,
    ) -> tuple[str, dict[str, str]]: ...
