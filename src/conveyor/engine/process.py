"""One process of a step, through the job's executor: the env/output files it gets
(GITHUB_OUTPUT, GITHUB_ENV, ...), workflow commands on its output, and what it left."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from conveyor.engine.scope import ProcessResult, StepFailed
from conveyor.executors.base import CancelToken, ExitInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    from conveyor.engine.commands import CommandProcessor
    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
else:
    Protocol = object


class Launch(Protocol):
    """Starts a step's process instead of the job's executor (``Executor.run``'s shape):
    a Docker action's container runs beside the job, not inside it."""

    def __call__(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_output: Callable[[str], None],
        timeout: float | None,
        cancel: CancelToken,
    ) -> ExitInfo: ...


_FILE_KINDS = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")


def condition_holds(runner: JobContext, condition: str | None, scope: Scope) -> bool:
    if not condition and scope.status == "success" and not runner.cancel.is_set():
        return True  # the common case: no `if:` on a healthy job
    from conveyor.expr import evaluate_condition

    return bool(evaluate_condition(condition or "", runner.eval_ctx(scope)))


def outcome_of(runner: JobContext, result: ProcessResult, timeout: float | None) -> str:
    exit = result.exit
    if exit.cancelled:
        return "cancelled"
    if exit.timed_out:
        minutes = (timeout or 0) / 60
        runner.out.info(f"Error: The action has timed out after {minutes:g} minutes.", "error")
        return "failure"
    if exit.code != 0:
        runner.out.info(f"Error: Process completed with exit code {exit.code}.", "error")
        return "failure"
    return "failure" if result.failed else "success"


def exec_process(
    runner: JobContext,
    argv: list[str],
    cwd: Path,
    step_env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
    *,
    extra_env: dict[str, str] | None = None,
    state_in: dict[str, str] | None = None,
    launch: Launch | None = None,
) -> ProcessResult:
    """Run one process of a step: files for env/output, commands on stdout, then read back.
    ``launch`` starts the process instead of the executor (see ``Launch``)."""
    files = command_files(runner)
    extra = {k: str(v) for k, v in files.items()}
    if extra_env:
        extra.update(extra_env)
    if state_in:
        extra.update({f"STATE_{k}": v for k, v in state_in.items()})
    env = runner.process_env(step_env, extra)
    if not runner.executor.is_dir(cwd):
        raise StepFailed(f"working-directory '{cwd}' does not exist")
    result = ProcessResult(exit=ExitInfo(0))
    debug = bool(runner.runner_ctx.get("debug"))
    processor: CommandProcessor | None = None  # made at the first "::": most steps print none
    out = runner.out

    def on_output(text: str) -> None:
        nonlocal processor
        if "::" not in text:  # the common case: plain output, one event for the batch
            out.line(text)
            return
        if processor is None:
            from conveyor.engine.commands import CommandProcessor

            processor = CommandProcessor(masker=runner.run.masker, echo=debug)
        plain: list[str] = []  # output between commands, kept in order
        for line in text.split("\n"):
            cmd = processor.feed(line) if "::" in line else None
            if cmd is None:
                plain.append(line)
                continue
            if plain:
                out.line("\n".join(plain))
                plain.clear()
            _handle_command(runner, cmd, result, debug)
        if plain:
            out.line("\n".join(plain))

    start = launch or runner.executor.run
    result.exit = start(argv, cwd=cwd, env=env, on_output=on_output, timeout=timeout, cancel=token)
    _read_files(runner, files, result)
    return result


def _handle_command(runner: JobContext, cmd: Any, result: ProcessResult, debug: bool) -> None:
    from conveyor.engine.commands import format_annotation

    out = runner.out
    if cmd.output is not None:
        out.line(cmd.output)
    for warning in cmd.warnings:
        out.info(f"Warning: {warning}", "warning")
    for error in cmd.errors:
        out.info(f"Error: {error}", "error")
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
        out.annotation(
            name, cmd.message, format_annotation(cmd), cmd.get("file") or "", cmd.get("line") or ""
        )
    elif name == "debug":
        if debug:
            out.info(f"##[debug]{cmd.message}", "debug")
    elif name == "set-output":
        result.outputs[cmd.get("name") or ""] = cmd.message
    elif name == "save-state":
        result.state[cmd.get("name") or ""] = cmd.message


def command_files(runner: JobContext) -> dict[str, Path]:
    """The job's env/output files, made once: each process starts with them empty.

    The runner makes new files per step; one set per job, emptied after each use, costs a
    read per file instead of five creations and deletions per step.
    """
    if runner.command_paths is None:
        folder = runner.paths.temp / "_runner_file_commands"
        runner.command_paths = {k: folder / f"{k.lower()}_{runner.log_name}" for k in _FILE_KINDS}
        for path in runner.command_paths.values():
            runner.executor.write_file(path, b"")
    return runner.command_paths


def _read_files(runner: JobContext, files: dict[str, Path], result: ProcessResult) -> None:
    for kind, path in files.items():
        data = runner.executor.read_file(path, truncate=True)
        if data is None:  # a step deleted it: make it again for the next one
            runner.executor.write_file(path, b"")
            continue
        if not data:
            continue  # what most steps leave: nothing to parse (nor to import for it)
        from conveyor.engine.envfiles import EnvFileError, parse_env_file, parse_path_file

        text = data.decode("utf-8", "replace")
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
                "error",
            )
            result.failed = True
        if kind == "GITHUB_OUTPUT":
            result.outputs.update(pairs)
        elif kind == "GITHUB_STATE":
            result.state.update(pairs)
        elif kind == "GITHUB_ENV":
            for k, v in pairs:
                runner.global_env[k] = v
