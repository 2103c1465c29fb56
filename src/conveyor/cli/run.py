"""``conveyor run`` and ``conveyor validate``."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from conveyor.cli.options import (
    DispatchInputs,
    UsageError,
    collect_secrets,
    collect_vars,
    local_repositories,
    pairs,
    read_dotenv,
    resolve_inputs,
)
from conveyor.cli.render import print_dry_run, print_graph, print_list, print_summary
from conveyor.cli.startup import resume_gc

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

__all__ = ["UsageError", "cmd_run", "cmd_validate", "collect_secrets", "read_dotenv"]


def load_workflows(root: Path, selector: str | None) -> list[Any]:
    from conveyor.store.paths import cache_root
    from conveyor.workflow.cache import load_cached
    from conveyor.workflow.errors import WorkflowError, WorkflowErrors
    from conveyor.workflow.files import discover_workflows, workflow_files

    if selector:
        # like `git -C`: a relative path is read from the -C directory first
        target = Path(selector)
        if not target.is_absolute():
            target = root / selector if (root / selector).exists() else Path.cwd() / selector
        if not target.exists():
            raise UsageError(f"workflow path '{selector}' does not exist")
        paths = workflow_files(target) if target.is_dir() else [target]
    else:
        paths = discover_workflows(root)
    if not paths:
        message = (
            f"no workflow files found in {root / '.github' / 'workflows'} "
            "(expected *.yml or *.yaml files)"
        )
        top = _repository_root(root)
        if top is not None and top != root and (top / ".github" / "workflows").is_dir():
            message += (
                f"; this is a subdirectory of the repository {top}: run there, or "
                f"'conveyor run -C {top}'"
            )
        raise UsageError(message)
    workflows: list[Any] = []
    problems: list[str] = []
    cache = cache_root() / "workflows"
    for path in paths:
        try:
            workflows.append(load_cached(path, root, cache))
        except (WorkflowErrors, WorkflowError) as e:
            from conveyor.workflow.validate_util import format_error

            errors = e.errors if isinstance(e, WorkflowErrors) else [e]
            text = path.read_text(encoding="utf-8", errors="replace")
            problems.extend(format_error(err, text) for err in errors)
    if problems:
        raise UsageError("\n".join(problems))
    return workflows


def load_settings(root: Path, explicit: str | None) -> Any:
    """Conveyor's configuration for ``root`` (conveyor.config.load); UsageError listing
    every mistake, each with its line shown."""
    from conveyor.config.load import load_config
    from conveyor.workflow.errors import WorkflowErrors

    if explicit and not Path(explicit).is_file():
        raise UsageError(f"--config {explicit}: no such file")
    try:
        return load_config(root, explicit)
    except WorkflowErrors as e:
        from conveyor.workflow.validate_util import format_error

        problems = []
        for err in e.errors:
            try:
                text = Path(err.pos.file).read_text(encoding="utf-8") if err.pos else ""
            except (OSError, UnicodeDecodeError):
                text = ""
            problems.append(format_error(err, text))
        raise UsageError("\n".join(problems)) from None


def _repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git``."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def cmd_validate(args: argparse.Namespace) -> int:
    root = Path(args.directory).resolve()
    try:
        settings = load_settings(root, args.config)
        workflows = load_workflows(root, args.workflows)
    except UsageError as e:
        print(e, file=sys.stderr)
        return 2
    for file in settings.files:
        print(f"{file}: ok (configuration)")
    for wf in workflows:
        print(f"{wf.path}: ok ({len(wf.jobs)} jobs)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as e:
        print(f"conveyor: {e}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from conveyor.workflow.errors import WorkflowError
    from conveyor.workflow.event import EventError, EventLoad

    root = Path(args.directory).resolve()
    if not root.is_dir():
        raise UsageError(f"-C {args.directory}: not a directory")
    # every option is checked before planning: --list/--graph/--dry-run report bad ones too
    matrix_filter = pairs(args.matrix, ":", "--matrix")
    given_inputs = pairs(args.input, "=", "--input")
    secrets = collect_secrets(args)
    variables = collect_vars(args)
    local_repos = local_repositories(args.local_repository, Path.cwd())
    settings = load_settings(root, args.config)
    args.executor = args.executor or settings.executor
    platforms = {**settings.platforms, **pairs(args.platform, "=", "--platform")}
    if args.executor == "container":
        # GitHub's Ubuntu runners, as the Debian stand-ins `conveyor images bootstrap` makes
        for label in ("ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04"):
            platforms.setdefault(label, f"ubuntu:{label.split('-')[1]}")
    repo_thread = None
    if not (args.list or args.graph or args.dry_run):
        # owner/name and actor cost a git call: overlap it with loading and planning
        repo_thread = _Background(_repo_info, root)
    # the event's git calls run while the workflows load
    loading = EventLoad(args.event, root, Path(args.eventpath) if args.eventpath else None)
    try:
        workflows = load_workflows(root, args.workflows)
    except BaseException:
        loading.abandon()
        raise
    try:
        event = loading.result()
    except EventError as e:
        raise UsageError(str(e)) from None
    from conveyor.workflow.plan import plan

    try:
        the_plan = plan(
            workflows,
            event,
            root,
            only_job=args.job,
            matrix_filter=matrix_filter,
            ignore_filters=args.ignore_filters,
        )
    except WorkflowError as e:
        raise UsageError(str(e)) from None
    if args.job and not the_plan.workflows:
        _unknown_job(args.job, workflows, event, root)
    if not the_plan.workflows:
        _unknown_event(event.name)
    if matrix_filter:
        _check_matrix_filter(matrix_filter, plan(workflows, event, root, only_job=args.job))
    per_file = resolve_inputs(
        event.name, event.payload, given_inputs, [wp.workflow for wp in the_plan.workflows]
    )
    if args.list:
        print_list(the_plan)
        return 0
    if args.graph:
        print_graph(the_plan)
        return 0
    if args.dry_run:
        print_dry_run(the_plan, root)
        return 0
    if not the_plan.workflows:
        listening = {wf.path for wf in workflows if event.name in wf.on}
        for file, reason in the_plan.not_triggered:
            print(f"{file}: not triggered by {event.name}: {reason}", file=sys.stderr)
        print(f"no workflow is triggered by '{event.name}'", file=sys.stderr)
        if any(file in listening for file, _ in the_plan.not_triggered):
            print("to run it anyway, whatever its filters say: --ignore-filters", file=sys.stderr)
        if args.report:  # a report still says what happened: nothing ran, and why
            from conveyor.engine.report import RunReport

            nothing = RunReport(0, event.name, not_triggered=list(the_plan.not_triggered))
            _write_report(args.report, {**nothing.to_dict(), "run_id": None})
        return 0
    if event.name == "workflow_dispatch":
        event.payload.setdefault("inputs", {})
    assert repo_thread is not None
    return _execute(
        args,
        root,
        the_plan,
        secrets,
        variables,
        per_file,
        repo_thread.result(),
        local_repos,
        platforms,
        settings,
    )


def _unknown_event(name: str) -> None:
    """An event GitHub does not have is a mistake, not "nothing triggered"."""
    from conveyor.workflow.validate_schema import EVENTS

    if name not in EVENTS:
        from difflib import get_close_matches

        close = get_close_matches(name, list(EVENTS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(
            f"unknown event '{name}'{hint}; GitHub's events are: {', '.join(sorted(EVENTS))}"
        )


def _check_matrix_filter(wanted: dict[str, str], full: Any) -> None:
    """``--matrix K:V`` must name a key of some job's matrix and a value it takes."""
    from conveyor.expr import to_string

    combos = [c for wp in full.workflows for pj in wp.jobs.values() for c in (pj.matrix or [])]
    dynamic = any(pj.matrix_dynamic for wp in full.workflows for pj in wp.jobs.values())
    for key, value in wanted.items():
        values = sorted({to_string(c[key]) for c in combos if key in c})
        if not values:
            if dynamic:
                continue  # a matrix made by an expression may have it: known at run time
            keys = sorted({k for c in combos for k in c})
            listed = ", ".join(keys) if keys else "none (no job has a matrix)"
            raise UsageError(f"--matrix {key}: no job has a matrix key '{key}'; keys: {listed}")
        if value not in values:
            raise UsageError(
                f"--matrix {key}:{value} matches no combination; {key} is one of: "
                + ", ".join(values)
            )


def _unknown_job(job: str, workflows: list[Any], event: Any, root: Path) -> None:
    """``-j JOB`` matched no triggered workflow: say which jobs there are, and raise."""
    from conveyor.workflow.plan import plan

    full = plan(workflows, event, root)
    names = sorted({k for wp in full.workflows for k in wp.jobs})
    listed = ", ".join(names) if names else f"none ('{event.name}' triggers no workflow)"
    message = f"no job '{job}' in the workflows '{event.name}' triggers; jobs are: {listed}"
    for file, reason in full.not_triggered:
        if any(w.path == file and job in w.jobs for w in workflows):
            message += f"\n{file} has a job '{job}' but is not triggered: {reason}"
    raise UsageError(message)


def _execute(
    args: argparse.Namespace,
    root: Path,
    the_plan: Any,
    secrets: dict[str, str],
    variables: dict[str, str],
    inputs: dict[str, DispatchInputs],
    repo: Any,
    local_repos: dict[str, Path],
    platforms: dict[str, str],
    settings: Any,
) -> int:
    from conveyor.cli.console import Console, ConsoleSink
    from conveyor.engine.events import EventBus, RunSink
    from conveyor.engine.masking import Masker
    from conveyor.engine.recording import LogSink, ReportSink, StoreSink
    from conveyor.engine.runenv import RunEnv
    from conveyor.engine.start import RunCrashed, run_to_end, start_run
    from conveyor.store.paths import cache_root, data_dir

    masker = Masker()
    for value in secrets.values():
        masker.add(value.strip())  # the runner masks secrets trimmed
    started = start_run(data_dir(root), repo, the_plan.event)
    colour = False if args.no_color else None
    console = Console(colour=colour, verbose=args.verbose, quiet=args.quiet)
    sinks: list[RunSink] = [LogSink(started.run_dir), ConsoleSink(console)]
    if started.store is not None:
        sinks.insert(0, StoreSink(started.store, started.run_id))
    else:
        print(f"conveyor: warning: {started.problem}", file=sys.stderr)
    if args.report:
        sinks.append(ReportSink(Path(args.report)))
    cache = cache_root()
    data = data_dir(root)
    restore_env = _registries_env(settings, started.run_dir)
    run = RunEnv(
        repo=repo,
        event=the_plan.event,
        event_path=started.event_path,
        run_id=started.run_id,
        run_number=started.run_id,
        run_dir=started.run_dir,
        cache_dir=data / "cache",
        tool_cache=cache / "tool-cache",
        actions_dir=cache / "actions",
        bus=EventBus(sinks),
        masker=masker,
        secrets=secrets,
        vars=variables,
        inputs_by_file={f: i.typed for f, i in inputs.items()},
        event_inputs_by_file={f: i.strings for f, i in inputs.items()},
        remote_base_url=args.actions_url
        or os.environ.get("CONVEYOR_ACTIONS_URL")
        or "https://github.com",
        offline=args.offline,
        local_repos=local_repos,
        base_env=_base_env(secrets),
        executor=args.executor,
        platforms=platforms,
        registry_logins={
            host: (r.username, r.password_secret)
            for host, r in settings.registries.items()
            if r.username
        },
    )
    if args.jobs:
        run.capacity = args.jobs
    previous = _install_interrupt(run, console)
    resume_gc()
    try:
        report = run_to_end(the_plan, run)
    except RunCrashed as e:
        print(f"conveyor: {e}", file=sys.stderr)
        if e.crash_log is None:  # aborted by a second signal
            return 128 + (run.stop_signal or signal.SIGINT)
        return e.exit_code
    finally:
        restore_env()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if started.store is not None:
            started.store.close()
    print_summary(report, console, the_plan.not_triggered)
    if report.conclusion in ("success", "skipped"):
        return 0
    return 128 + (run.stop_signal or signal.SIGINT) if run.cancel.is_set() else 1


def _registries_env(settings: Any, run_dir: Path) -> Any:
    """Point podman, buildah and skopeo (the engine's and the steps') at a registries.conf
    with the configured mirrors, for this run only; the function that undoes it."""
    if not any(r.mirrors or r.insecure for r in settings.registries.values()):
        return lambda: None  # nothing to tell podman (and nothing more to import)
    from conveyor.config.registries import ENV_VAR, write_registries_conf

    path = write_registries_conf(settings.registries.values(), run_dir)
    if path is None:
        return lambda: None
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(path)

    def restore() -> None:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before

    return restore


def _base_env(secrets: dict[str, str]) -> dict[str, str]:
    """The runner's own environment for every step, without the secrets taken from it
    (``--secret NAME``, ``GITHUB_TOKEN``): a step sees a secret only through
    ``${{ secrets.NAME }}``, as on GitHub."""
    return {k: v for k, v in os.environ.items() if secrets.get(k) != v}


def _write_report(path: str, data: dict[str, Any]) -> None:
    from conveyor.engine.recording import write_report

    write_report(Path(path), data)


def _repo_info(root: Path) -> Any:
    from conveyor.engine.context import repo_info

    return repo_info(root)


class _Background:
    """Run ``fn(*args)`` on a thread; ``result()`` waits and re-raises its error."""

    def __init__(self, fn: Any, *args: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, args=(fn, args), daemon=True)
        self._thread.start()

    def _work(self, fn: Any, args: tuple[Any, ...]) -> None:
        try:
            self._value = fn(*args)
        except BaseException as e:
            self._error = e

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


# SIGINT (Ctrl-C), SIGTERM (kill, a service manager) and SIGHUP (the terminal went away)
# all cancel the run as GitHub cancels a workflow; a second one aborts it
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _install_interrupt(run: Any, console: Any) -> dict[int, Any]:
    """Handle the stop signals; returns the previous handlers. ``run.stop_signal`` holds
    the first signal received (the exit status is 128 + its number)."""

    def on_signal(signum: int, frame: Any) -> None:
        if run.cancel.is_set():
            raise KeyboardInterrupt
        run.stop_signal = signum
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        console.write(f"Cancelling the run ({name}; again to abort)...")
        # set() signals process groups and takes locks: not from inside a signal handler
        threading.Thread(target=run.cancel.set, args=("interrupted",), daemon=True).start()

    return {sig: signal.signal(sig, on_signal) for sig in _STOP_SIGNALS}
