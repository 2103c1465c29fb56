"""Running one job instance: its steps in order, post steps, outputs, clean-up."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conveyor.engine.context import default_env, runner_context
from conveyor.engine.events import JobRef
from conveyor.engine.output import JobOutput
from conveyor.engine.report import JobReport, StepReport
from conveyor.engine.request import JobRequest
from conveyor.engine.runenv import RunEnv
from conveyor.engine.scope import NotServed, PostStep, Scope, StepFailed
from conveyor.executors import ExecutorUnavailable, create_executor
from conveyor.executors.base import (
    CancelToken,
    Executor,
    ExecutorError,
    ExecutorRequest,
    JobPaths,
)
from conveyor.executors.watchdog import WATCHDOG
from conveyor.workflow.model import Step, holds_expression

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_JOB_TIMEOUT_MINUTES = 360.0


def step_debug(run: RunEnv) -> bool:
    """Step debug logging: the secret or variable ACTIONS_STEP_DEBUG is ``true`` (docs
    "Enabling debug logging"; the secret wins over the variable). The runner reads it with
    ``bool.TryParse``: case-insensitive, surrounding whitespace ignored."""
    value = run.secrets.get("ACTIONS_STEP_DEBUG")
    if value is None:
        value = run.vars.get("ACTIONS_STEP_DEBUG")
    return (value or "").strip().lower() == "true"


class JobRunner:
    def __init__(self, run: RunEnv, spec: JobRequest, cancel: CancelToken) -> None:
        self.run = run
        self.spec = spec
        self.job = spec.job
        self.cancel = cancel
        self.secrets = run.secret_set(spec.secrets_ref)
        self.report = JobReport(id=spec.key, name=spec.name, matrix=spec.matrix)
        self.global_env: dict[str, str] = {}  # from GITHUB_ENV
        self.path_prepend: list[str] = []  # from GITHUB_PATH, newest first
        self.post_steps: list[PostStep] = []
        self.summary: list[str] = []
        self.step_counts: dict[str, int] = {}
        self.timed_out = False
        self.scripts = 0  # step scripts written, for unique names
        self.command_paths: dict[str, Path] | None = None  # GITHUB_OUTPUT & co, made on first use
        self.shells: dict[tuple[str | None, str], Any] = {}  # resolved shells by (name, PATH)
        self.pre_state: dict[int, dict[str, str]] = {}  # pre steps run at job start, by step
        self.root_scope: Scope | None = None
        self._environment_url: Any = None  # environment.url, evaluated when the job ends
        self.log_name = spec.log_name
        # the executor is chosen once runs-on and container are evaluated (run_job)
        self.executor: Executor = _NoExecutor()
        self.paths = JobPaths(Path(), Path(), run.tool_cache)
        self.ref = JobRef(
            key=spec.log_name,
            workflow=spec.workflow,
            job_id=spec.key,
            name=spec.name,
            label=spec.label,
            log=str(run.run_dir / "logs" / f"{spec.log_name}.log"),
            matrix=spec.matrix,
        )
        self.out = JobOutput(run.bus, self.ref, run.masker)
        self.report.log = self.ref.log
        self.runner_ctx: dict[str, Any] = {}
        self.github = dict(spec.github)
        self.github["job"] = spec.key
        self.job_env: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self._base_env: dict[str, str] = {}
        self._fixed_env: dict[str, str] = {}
        self._host_workspace = ""
        self._job_context: dict[str, Any] = {"container": {}, "services": {}}

    def _open_executor(self, scope: Scope) -> None:
        """Choose and prepare the job's executor; the job's paths and base env follow."""
        labels = self._check_runs_on(scope)
        container = self.evaluate(self.job.container, scope) if self.job.container else None
        if isinstance(container, str):
            container = {"image": container}
        services = self.evaluate(self.job.services, scope) if self.job.services else {}
        request = ExecutorRequest(
            job_dir=self.run.run_dir / "work" / self.log_name,
            repo_name=self.run.repo.name,
            tool_cache=self.run.tool_cache,
            labels=tuple(labels),
            container=container if isinstance(container, dict) else None,
            services=services if isinstance(services, dict) else {},
            base_env=self.run.base_env,
            image=_platform_image(self.run.platforms, labels),
            logins=_logins(self.run.registry_logins, self.run.secrets),
        )
        try:
            self.executor = create_executor(request, self.run.executor)
        except ExecutorUnavailable as e:
            raise StepFailed(str(e).replace("<id>", self.spec.key)) from None
        try:
            self.paths = self.executor.prepare()
        except ExecutorError as e:
            raise StepFailed(str(e)) from None
        self._job_context = self.executor.context()
        self.runner_ctx = runner_context(
            self.paths.temp, self.paths.tool_cache, debug=step_debug(self.run)
        )
        self.github["workspace"] = str(self.paths.workspace)
        self._host_workspace = str(self.executor.host_path(self.paths.workspace))
        if self.github.get("event_path"):  # the event file, where the job sees it
            self.github["event_path"] = str(self.executor.job_path(Path(self.github["event_path"])))
        self._base_env = {
            **self.executor.base_env(),
            **default_env(self.github, self.runner_ctx),
        }
        # GITHUB_* and RUNNER_* defaults can't be overridden by a workflow's env
        self._fixed_env = {
            k: v for k, v in self._base_env.items() if k.startswith(("GITHUB_", "RUNNER_"))
        }

    def run_step(self, step: Step, scope: Scope) -> StepReport:
        from conveyor.engine.steps import run_step

        return run_step(self, step, scope)

    # -- contexts ---------------------------------------------------------------------------

    def contexts(self, scope: Scope, env: dict[str, str] | None = None) -> dict[str, Any]:
        job_ctx: dict[str, Any] = {"status": scope.status, **self._job_context}
        github = self.github
        if scope.action_path:
            github = {
                **github,
                "action_path": scope.action_path,
                "action_repository": scope.action_repository,
                "action_ref": scope.action_ref,
            }
        ctx: dict[str, Any] = {
            "github": github,
            "env": self.env_context(scope) if env is None else env,
            "vars": {**self.run.vars, **self.spec.vars} if self.spec.vars else self.run.vars,
            "secrets": self.secrets,
            "inputs": scope.inputs if scope.inputs is not None else self.spec.inputs,
            "matrix": self.spec.matrix or {},
            "strategy": self.spec.strategy,
            "needs": self.spec.needs,
            "steps": scope.steps,
            "job": job_ctx,
            "runner": self.runner_ctx,
        }
        return ctx

    def env_context(self, scope: Scope) -> dict[str, str]:
        return {**self.job_env, **self.global_env, **scope.env}

    def eval_ctx(self, scope: Scope, env: dict[str, str] | None = None) -> Any:
        from conveyor.expr import EvalContext

        return EvalContext(
            contexts=self.contexts(scope, env),
            status=lambda: scope.status,
            workspace=self._host_workspace,  # hashFiles reads on the engine's side
        )

    def evaluate(self, value: Any, scope: Scope, env: dict[str, str] | None = None) -> Any:
        if not holds_expression(value):
            return value
        from conveyor.expr import evaluate_value

        return evaluate_value(value, self.eval_ctx(scope, env))

    def evaluate_str(self, value: Any, scope: Scope, env: dict[str, str] | None = None) -> str:
        value = self.evaluate(value, scope, env)
        if isinstance(value, str):
            return value
        from conveyor.expr import to_string

        return to_string(value)

    def evaluate_env(
        self, raw: dict[str, Any] | str, scope: Scope, base: dict[str, str]
    ) -> dict[str, str]:
        """An `env:` block, evaluated as one mapping against the ``base`` env context.

        Values do not see their siblings: the runner evaluates the whole block, then merges
        it into the env context (StepsRunner.cs, EvaluateStepEnvironment).
        """
        if isinstance(raw, str):  # `env: ${{ fromJSON(...) }}`: one expression, a mapping
            raw = self.evaluate(raw, scope, base)
            if not isinstance(raw, dict):
                raise StepFailed(f"env must evaluate to a mapping, got {type(raw).__name__}")
        result: dict[str, str] = {}
        for k, v in raw.items():
            result[str(k)] = "" if v is None else self.evaluate_str(v, scope, base)
        return result

    def process_env(
        self, step_env: dict[str, str], extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        """The environment a step's process gets."""
        env = {**self._base_env, **self.job_env, **self.global_env, **step_env}
        env.update(self._fixed_env)
        env["GITHUB_ACTION"] = str(self.github.get("action", ""))
        if extra:
            env.update(extra)
        if self.path_prepend:
            env["PATH"] = os.pathsep.join([*self.path_prepend, env.get("PATH", "")])
        return env

    def process_path(self, step_env: dict[str, str]) -> str:
        """PATH as the step's process will see it (see process_env)."""
        base = (
            step_env.get("PATH")
            or self.global_env.get("PATH")
            or self.job_env.get("PATH")
            or self._base_env.get("PATH", "")
        )
        return os.pathsep.join([*self.path_prepend, base]) if self.path_prepend else base

    def next_action_id(self, base: str) -> str:
        """GitHub's generated step ids: __run, __run_2, __actions_checkout ..."""
        n = self.step_counts.get(base, 0) + 1
        self.step_counts[base] = n
        return base if n == 1 else f"{base}_{n}"

    # -- running ----------------------------------------------------------------------------

    def run_job(self) -> JobReport:
        from conveyor.engine.steps import run_steps

        start = time.monotonic()
        scope = Scope(origin=self.spec.origin)
        timer: int | None = None
        self.out.job_started()
        try:
            self._open_executor(scope)
            self._setup(scope)
            minutes = self._timeout_minutes(scope)
            timer = WATCHDOG.schedule(minutes * 60, self._on_timeout)
            defaults = {**self.spec.workflow_defaults, **self.job.defaults_run}
            self.defaults = defaults
            self.root_scope = scope
            if any(st.uses for st in self.job.steps):
                from conveyor.engine.kinds.action import prepare_job

                prepare_job(self, scope)
            run_steps(self, self.job.steps, scope, self.report.steps)
            self._run_post_steps(scope)
            self.report.outputs = self._job_outputs(scope)
            self._finish_environment(scope)
        except NotServed as e:
            # a windows/macos leg of a matrix: not run here, which is no failure of the run
            self.out.info(str(e), "warning")
            self.report.error = self.run.masker.mask(str(e))
            scope.status = "skipped"
        except StepFailed as e:
            # the job failed while being set up: its steps never ran, as on GitHub
            self.out.info(f"Error: {e}", "error")
            self.report.error = self.run.masker.mask(str(e))
            scope.status = "failure"
            if not any(
                s.id is not None or not s.name.startswith("Pre ") for s in self.report.steps
            ):
                for st in self.job.steps:
                    rep = StepReport(id=st.id, name=self.step_name(st, scope))
                    self.report.steps.append(rep)
                    self.out.step_finished(rep)
        finally:
            if timer is not None:
                WATCHDOG.cancel(timer)
            self.executor.teardown()
        self.report.conclusion = scope.status  # type: ignore[assignment]
        if self.timed_out or self.cancel.is_set():
            # StepsRunner: the job's result is Canceled once its cancellation fires
            self.report.conclusion = "cancelled"
        self.report.duration = time.monotonic() - start
        if self.summary:
            self.out.summary("".join(self.summary))
        self.out.job_finished(self.report)
        return self.report

    def _setup(self, scope: Scope) -> None:
        job = self.job
        wf_env = self.evaluate_env(self.spec.workflow_env, scope, {})
        self.job_env = {**wf_env, **self.evaluate_env(job.env, scope, wf_env)}
        if job.environment is not None:
            # the name is known when the job starts; the url is evaluated when it ends, so
            # it can use steps.<id>.outputs (docs "Example: Using output as URL")
            raw = job.environment
            env = {"name": raw} if isinstance(raw, str) else raw
            if isinstance(env, dict):
                name = self.evaluate(env.get("name"), scope)
                if isinstance(name, dict):  # `environment: ${{ fromJSON(...) }}`
                    env, name = name, name.get("name")
                if name:
                    from conveyor.expr import to_string

                    self.report.environment = {"name": to_string(name), "url": ""}
                    self._environment_url = env.get("url")

    def _finish_environment(self, scope: Scope) -> None:
        if self.report.environment is None or self._environment_url is None:
            return
        try:
            self.report.environment["url"] = self.evaluate_str(self._environment_url, scope)
        except Exception as e:  # a bad url expression does not fail the job
            self.out.info(f"Warning: environment url: {e}", "warning")

    def _check_runs_on(self, scope: Scope) -> list[str]:
        value = self.evaluate(self.job.runs_on, scope)
        labels: list[str] = []
        if isinstance(value, str):
            labels = [value]
        elif isinstance(value, list):
            labels = [str(v) for v in value]
        elif isinstance(value, dict):
            raw = value.get("labels", [])
            labels = [raw] if isinstance(raw, str) else [str(v) for v in raw]
        for label in labels:
            low = label.lower()
            if low.startswith(("windows", "macos")) or low in ("windows", "macos", "macOS"):
                raise NotServed(
                    f"not run: runs-on '{label}' needs a {label.split('-')[0]} runner, and "
                    "this machine runs Linux jobs only"
                )
        return labels

    def _timeout_minutes(self, scope: Scope) -> float:
        raw = self.job.timeout_minutes
        if raw is None:
            return DEFAULT_JOB_TIMEOUT_MINUTES
        value = self.evaluate(raw, scope)
        try:
            minutes = float(value)
        except (TypeError, ValueError):
            raise StepFailed(f"timeout-minutes must be a number, got '{value}'") from None
        return minutes if minutes > 0 else DEFAULT_JOB_TIMEOUT_MINUTES

    def _on_timeout(self) -> None:
        self.timed_out = True
        minutes = self._safe_minutes()
        self.out.info(
            f"Error: The job running on runner {self.runner_ctx['name']} has exceeded the "
            f"maximum execution time of {minutes} minutes.",
            "error",
        )
        self.cancel.set("timeout")

    def _safe_minutes(self) -> str:
        raw = self.job.timeout_minutes
        return str(raw if raw is not None else int(DEFAULT_JOB_TIMEOUT_MINUTES))

    def _run_post_steps(self, scope: Scope) -> None:
        from conveyor.engine.process import condition_holds

        while self.post_steps:
            post = self.post_steps.pop()
            if not condition_holds(self, post.condition, scope):
                continue
            rep = post.run()
            if rep is not None:
                self.report.steps.append(rep)
                self.out.step_finished(rep)
                if rep.conclusion == "failure" and scope.status == "success":
                    scope.status = "failure"

    def _job_outputs(self, scope: Scope) -> dict[str, str]:
        outputs: dict[str, str] = {}
        for name, raw in self.job.outputs.items():
            try:
                value = self.evaluate_str(raw, scope)
            except Exception as e:  # an output that fails to evaluate is empty, as on GitHub
                self.out.info(f"Warning: output '{name}': {e}", "warning")
                continue
            if self.run.masker.mask(value) != value:
                self.out.info(
                    f"Warning: Skip output '{name}' since it may contain secret.", "warning"
                )
                continue
            outputs[name] = value
        return outputs

    def step_name(self, step: Step, scope: Scope) -> str:
        if step.name:
            try:
                return self.evaluate_str(step.name, scope)
            except Exception:
                return step.name
        if step.run is not None:
            first = step.run.strip().splitlines()[0] if step.run.strip() else ""
            return f"Run {first}"
        return f"Run {step.uses}"


class _NoExecutor:
    """Stands in until the job's executor is chosen; a job that fails before then
    has nothing to tear down."""

    name = "none"

    def teardown(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise StepFailed("the job's executor is not set up yet")


def _logins(
    logins: dict[str, tuple[str, str]], secrets: dict[str, str]
) -> dict[str, dict[str, str]]:
    """The config's registry logins with their passwords from the run's secrets."""
    out: dict[str, dict[str, str]] = {}
    for host, (username, secret) in logins.items():
        if secret in secrets:
            out[host] = {"username": username, "password": secrets[secret]}
        else:
            out[host] = {"username": username, "secret": secret}
    return out


def _platform_image(platforms: dict[str, str], labels: list[str]) -> str:
    """The image ``--platform`` maps the first matching runs-on label to; act's
    ``-self-hosted`` means this machine (no image)."""
    image = next((platforms[x] for x in labels if x in platforms), "")
    return "" if image == "-self-hosted" else image
