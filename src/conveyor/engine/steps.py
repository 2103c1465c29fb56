"""Running steps: conditions, env, timeouts, continue-on-error, outcome vs conclusion,
``run:`` scripts, workflow commands and the env files (GITHUB_OUTPUT, GITHUB_ENV, ...)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conveyor.engine.report import StepReport
from conveyor.executors.base import CancelToken, ExitInfo
from conveyor.records import field, record

if TYPE_CHECKING:
    from conveyor.engine.job import JobRunner, Scope
    from conveyor.workflow.model import Step

_NAME_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_FILE_KINDS = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")


@record(slots=True)
class ProcessResult:
    exit: ExitInfo
    outputs: dict[str, str] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    failed: bool = False  # a workflow command failed the step (e.g. ::set-env::)


def condition_holds(runner: JobRunner, condition: str | None, scope: Scope) -> bool:
    if not condition and scope.status == "success" and not runner.cancel.is_set():
        return True  # the common case: no `if:` on a healthy job
    from conveyor.expr import evaluate_condition

    return bool(evaluate_condition(condition or "", runner.eval_ctx(scope)))


def run_steps(
    runner: JobRunner, steps: list[Step], scope: Scope, reports: list[StepReport]
) -> None:
    for step in steps:
        rep = run_step(runner, step, scope)
        reports.append(rep)


def run_step(runner: JobRunner, step: Step, scope: Scope) -> StepReport:
    from conveyor.expr.errors import ExprError

    if runner.cancel.is_set() and scope.status != "cancelled":
        scope.status = "cancelled"
    # github.action / GITHUB_ACTION: set before `if` is evaluated (StepsRunner.cs); the
    # generated names (__run, __run_2, __actions_checkout) count skipped steps too
    runner.github["action"] = step.id or runner.next_action_id(_generated_name(step))
    name = runner.step_name(step, scope)
    rep = StepReport(id=step.id, name=name)
    out = runner.out
    try:
        run_it = condition_holds(runner, step.if_, scope)
    except ExprError as e:
        out.info(f"Error: step '{name}': if: {e}", "31")
        rep.outcome = rep.conclusion = "failure"
        _record(runner, step, scope, rep)
        scope.status = "failure"
        return rep
    if not run_it:
        _record(runner, step, scope, rep)
        return rep
    started = time.monotonic()
    out.step_started()
    out.info(f"⭐ {name}", "1")
    outcome = "success"
    try:
        env = runner.evaluate_env(step.env, scope, runner.env_context(scope))
        step_env = {**scope.env, **env}
        timeout = _step_timeout(runner, step, scope, step_env)
        token = CancelToken()
        stop = _cancel_unless_condition_holds(runner, step, scope, token)
        try:
            if step.run is not None:
                outcome, rep.outputs = run_script(runner, step, scope, step_env, timeout, token)
            else:
                from conveyor.actions.runner import run_action

                outcome, rep.outputs = run_action(runner, step, scope, step_env, timeout, token)
        finally:
            runner.cancel.remove_listener(stop)
    except Exception as e:  # expression errors, missing actions: the step fails, the job goes on
        from conveyor.engine.job import StepFailed

        if not isinstance(e, ExprError | StepFailed | ValueError | OSError):
            raise
        out.info(f"Error: {e}", "31")
        outcome = "failure"
    rep.outcome = outcome  # type: ignore[assignment]
    rep.conclusion = rep.outcome
    if outcome == "failure" and _continue_on_error(runner, step, scope):
        rep.conclusion = "success"
    rep.duration = time.monotonic() - started
    if rep.outcome == "failure":
        out.step_failed()
    colour = {"success": "32", "failure": "31", "cancelled": "33"}.get(rep.outcome, "0")
    note = " (continue-on-error)" if rep.outcome != rep.conclusion else ""
    out.info(
        f"{'✅' if rep.outcome == 'success' else '❌'} {name} [{rep.duration:.3f}s]"
        f" {rep.outcome}{note}",
        colour,
    )
    if rep.conclusion == "failure" and scope.status != "cancelled":
        scope.status = "failure"
    if rep.outcome == "cancelled":
        scope.status = "cancelled"
    _record(runner, step, scope, rep)
    return rep


def _cancel_unless_condition_holds(
    runner: JobRunner, step: Step, scope: Scope, token: CancelToken
) -> Callable[[], None]:
    """When the job is cancelled while this step runs, the runner re-evaluates the step's
    condition with the job cancelled: a step that still should run (``if: always()``,
    ``cancelled()``) goes on; others are stopped (StepsRunner.cs)."""

    def on_cancel() -> None:
        try:
            from conveyor.expr import evaluate_condition

            cancelled = _with_status(scope, "cancelled")
            holds = bool(evaluate_condition(step.if_ or "", runner.eval_ctx(cancelled)))
        except Exception:
            holds = False
        if not holds:
            token.set(runner.cancel.reason or "cancelled")

    if runner.cancel.is_set():
        return on_cancel  # the job is already cancelled: this step runs because it should
    runner.cancel.add_listener(on_cancel)
    return on_cancel


def _with_status(scope: Scope, status: str) -> Scope:
    from conveyor.records import replace

    return replace(scope, status=status)


def _generated_name(step: Step) -> str:
    """GitHub's name for a step without an id: ``__run`` or ``__owner_repo`` of its action."""
    uses = (step.uses or "").strip()
    if step.run is not None or not uses:
        return "__run"
    if uses.startswith("./") or uses == ".":
        return "__self"
    if uses.startswith("docker://"):
        return "__docker"
    owner, _, rest = uses.partition("@")[0].partition("/")
    repo = rest.split("/", 1)[0]
    return "__" + _NAME_SAFE.sub("", f"{owner}_{repo}")


def _record(runner: JobRunner, step: Step, scope: Scope, rep: StepReport) -> None:
    if step.id:
        scope.steps[step.id] = {
            "outputs": rep.outputs,
            "outcome": rep.outcome,
            "conclusion": rep.conclusion,
        }


def _continue_on_error(runner: JobRunner, step: Step, scope: Scope) -> bool:
    value = step.continue_on_error
    if isinstance(value, bool):
        return value
    from conveyor.expr import truthy

    return truthy(runner.evaluate(value, scope))


def _step_timeout(runner: JobRunner, step: Step, scope: Scope, env: dict[str, str]) -> float | None:
    if step.timeout_minutes is None:
        return None
    value = runner.evaluate(step.timeout_minutes, scope, {**runner.env_context(scope), **env})
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        from conveyor.engine.job import StepFailed

        raise StepFailed(f"timeout-minutes must be a number, got '{value}'") from None
    return minutes * 60 if minutes > 0 else None


def run_script(
    runner: JobRunner,
    step: Step,
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    from conveyor.engine.shells import script_contents

    envctx = {**runner.env_context(scope), **env}
    script = runner.evaluate_str(step.run or "", scope, envctx)
    shell_name = step.shell or (None if scope.composite else runner.defaults.get("shell"))
    if step.shell:
        shell_name = runner.evaluate_str(step.shell, scope, envctx)
    shell = _shell(runner, shell_name, env)
    wd_raw = step.working_directory
    if wd_raw is None and not scope.composite:
        wd_raw = runner.defaults.get("working-directory")
    cwd = runner.paths.workspace
    if wd_raw:
        cwd = cwd / runner.evaluate_str(wd_raw, scope, envctx)
    runner.scripts += 1
    path = runner.paths.temp / f"step-{runner.scripts}{shell.extension}"
    _write(path, script_contents(script, shell))
    result = exec_process(runner, shell.command(str(path)), cwd, env, timeout, token)
    return outcome_of(runner, result, timeout), result.outputs


def _shell(runner: JobRunner, name: str | None, env: dict[str, str]) -> Any:
    """The step's shell, looked up on the step's PATH (setup-* and GITHUB_PATH change it)."""
    from conveyor.engine.shells import resolve_shell

    path = runner.process_path(env)
    key = (name, path)
    shell = runner.shells.get(key)
    if shell is None:
        shell = resolve_shell(name, which=lambda program: which(program, path))
        runner.shells[key] = shell
    return shell


def which(program: str, path: str) -> str | None:
    """``shutil.which`` for executables on ``path`` (without importing shutil per run)."""
    candidates = (
        [program]
        if "/" in program
        else [os.path.join(d or ".", program) for d in path.split(os.pathsep)]
    )
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def outcome_of(runner: JobRunner, result: ProcessResult, timeout: float | None) -> str:
    exit = result.exit
    if exit.cancelled:
        return "cancelled"
    if exit.timed_out:
        minutes = (timeout or 0) / 60
        runner.out.info(f"Error: The action has timed out after {minutes:g} minutes.", "31")
        return "failure"
    if exit.code != 0:
        runner.out.info(f"Error: Process completed with exit code {exit.code}.", "31")
        return "failure"
    return "failure" if result.failed else "success"


def exec_process(
    runner: JobRunner,
    argv: list[str],
    cwd: Path,
    step_env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
    *,
    extra_env: dict[str, str] | None = None,
    state_in: dict[str, str] | None = None,
) -> ProcessResult:
    """Run one process of a step: files for env/output, commands on stdout, then read back."""
    from conveyor.engine.commands import CommandProcessor

    files = command_files(runner)
    extra = {k: str(v) for k, v in files.items()}
    if extra_env:
        extra.update(extra_env)
    if state_in:
        extra.update({f"STATE_{k}": v for k, v in state_in.items()})
    env = runner.process_env(step_env, extra)
    if not cwd.is_dir():
        from conveyor.engine.job import StepFailed

        raise StepFailed(f"working-directory '{cwd}' does not exist")
    result = ProcessResult(exit=ExitInfo(0))
    debug = bool(runner.runner_ctx.get("debug"))
    processor = CommandProcessor(masker=runner.run.masker, echo=debug)
    out = runner.out

    def on_line(line: str) -> None:
        cmd = processor.feed(line) if "::" in line else None
        if cmd is None:
            out.line(line)
        else:
            _handle_command(runner, cmd, result, debug)

    result.exit = runner.executor.run(
        argv, cwd=cwd, env=env, on_line=on_line, timeout=timeout, cancel=token
    )
    _read_files(runner, files, result)
    return result


def _handle_command(runner: JobRunner, cmd: Any, result: ProcessResult, debug: bool) -> None:
    from conveyor.engine.commands import format_annotation

    out = runner.out
    if cmd.output is not None:
        out.line(cmd.output)
    for warning in cmd.warnings:
        out.info(f"Warning: {warning}", "33")
    for error in cmd.errors:
        out.info(f"Error: {error}", "31")
    if cmd.failed:
        result.failed = True
        return
    name = cmd.name
    if name == "add-mask":
        runner.run.masker.add(cmd.message)
    elif name == "group":
        out.group(cmd.message)
    elif name == "endgroup":
        out.endgroup()
    elif name in ("error", "warning", "notice"):
        colour = {"error": "31", "warning": "33", "notice": "36"}[name]
        out.info(format_annotation(cmd), colour)
    elif name == "debug":
        if debug:
            out.info(f"##[debug]{cmd.message}", "90")
    elif name == "set-output":
        result.outputs[cmd.get("name") or ""] = cmd.message
    elif name == "save-state":
        result.state[cmd.get("name") or ""] = cmd.message


def command_files(runner: JobRunner) -> dict[str, Path]:
    """The job's env/output files, made once: each process starts with them empty.

    The runner makes new files per step; one set per job, emptied after each use, costs a
    stat per file instead of five creations and deletions per step.
    """
    if runner.command_paths is None:
        folder = runner.paths.temp / "_runner_file_commands"
        folder.mkdir(exist_ok=True)
        runner.command_paths = {
            k: folder / f"{k.lower()}_{runner.spec.log_name}" for k in _FILE_KINDS
        }
        for path in runner.command_paths.values():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644))
    return runner.command_paths


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _read_files(runner: JobRunner, files: dict[str, Path], result: ProcessResult) -> None:
    from conveyor.engine.envfiles import EnvFileError, parse_env_file, parse_path_file

    for kind, path in files.items():
        try:
            if os.stat(path).st_size == 0:
                continue
            with open(path, "r+b") as f:
                text = f.read().decode("utf-8", "replace")
                f.truncate(0)
        except FileNotFoundError:  # a step deleted it: make it again for the next one
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
            continue
        if kind == "GITHUB_PATH":
            for p in parse_path_file(text):
                runner.path_prepend.insert(0, p)
            continue
        if kind == "GITHUB_STEP_SUMMARY":
            runner.summary.append(text if text.endswith("\n") else text + "\n")
            continue
        try:
            pairs = parse_env_file(text)
        except EnvFileError as e:
            # what was read before the bad line still applies, as in the runner
            pairs = list(getattr(e, "pairs", []))
            runner.out.info(
                f"Error: Unable to process file command '{kind[7:].lower()}' successfully. {e}",
                "31",
            )
            result.failed = True
        if kind == "GITHUB_OUTPUT":
            result.outputs.update(pairs)
        elif kind == "GITHUB_STATE":
            result.state.update(pairs)
        elif kind == "GITHUB_ENV":
            for k, v in pairs:
                runner.global_env[k] = v
