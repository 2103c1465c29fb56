"""``run:`` steps: the script written to a file in RUNNER_TEMP and run by its shell."""

from __future__ import annotations

from conveyor.engine.process import exec_process, outcome_of
from conveyor.executors.base import CancelToken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
    from conveyor.workflow.model import Step


def pre(runner: JobContext, step: Step, scope: Scope) -> None:
    """A script has nothing to set up."""


def main(
    runner: JobContext,
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
    # the script may hold secrets: only its owner reads it, and it goes when it has run
    runner.executor.write_file(path, script_contents(script, shell).encode("utf-8"), mode=0o600)
    try:
        result = exec_process(runner, shell.command(str(path)), cwd, env, timeout, token)
    finally:
        runner.executor.remove_file(path)
    return outcome_of(runner, result, timeout), result.outputs


def _shell(runner: JobContext, name: str | None, env: dict[str, str]) -> Any:
    """The step's shell, looked up on the step's PATH (setup-* and GITHUB_PATH change it)."""
    from conveyor.engine.shells import resolve_shell

    path = runner.process_path(env)
    key = (name, path)
    shell = runner.shells.get(key)
    if shell is None:
        shell = resolve_shell(name, which=lambda program: runner.executor.which(program, path))
        runner.shells[key] = shell
    return shell
