"""Starting and finishing a run: its store row, its directory, its event file, and what
happens when it crashes. The CLI and the server both start runs here."""

from __future__ import annotations

import os
from pathlib import Path

from conveyor import jsontext
from conveyor.engine.events import RunFinished, RunStarted
from conveyor.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.engine.context import RepoInfo
    from conveyor.engine.masking import Masker
    from conveyor.engine.report import RunReport
    from conveyor.engine.runenv import RunEnv
    from conveyor.store.db import Store
    from conveyor.workflow.event import Event
    from conveyor.workflow.plan import Plan


@record(slots=True)
class StartedRun:
    """A run that has a number, a directory and a row in the store."""

    run_id: int
    run_dir: Path
    event_path: Path  # GITHUB_EVENT_PATH
    store: Store | None  # None: the store could not be used; the run goes on unrecorded
    problem: str = ""  # why there is no store, in one line


class RunCrashed(Exception):
    """The run ended by an error of Conveyor's or an abort; it is recorded as ended."""

    def __init__(self, run_id: int, message: str, crash_log: Path | None) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.crash_log = crash_log  # None: aborted (a second Ctrl-C)

    @property
    def exit_code(self) -> int:
        return 130 if self.crash_log is None else 70


def start_run(data: Path, repo: RepoInfo, event: Event) -> StartedRun:
    """Open the store under ``data`` (ending runs whose process died), and start a run.

    A store that cannot be used (corrupt, locked too long, disk full) does not stop the
    run: it goes on unrecorded, with its logs, summaries and report still written, and
    ``problem`` says why in one line.
    """
    from _sqlite3 import Error as SqliteError  # sqlite3's, without its imports (store.db)

    from conveyor.store.db import Store

    data.mkdir(parents=True, exist_ok=True)
    ignore = data / ".gitignore"
    if not ignore.exists():  # run history is not part of the repository: git ignores it
        ignore.write_text("*\n", encoding="utf-8")
    path = data / "conveyor.db"
    store: Store | None = None
    problem = ""
    try:
        store = Store(path)
        end_dead_runs(store)
        run_id = store.start_run(
            repo.full_name, event.name, event.ref, event.sha, data / "runs", pid=os.getpid()
        )
    except (SqliteError, OSError) as e:
        if store is not None:
            store.close()
        store = None
        problem = (
            f"the run store {path} cannot be used ({e}): this run is not recorded in the "
            "history; move the file aside to start a new one"
        )
        run_id = _next_unrecorded(data / "runs")
    run_dir = data / "runs" / str(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    event_path = run_dir / "event.json"
    event_path.write_text(jsontext.dumps(event.payload, indent=2), encoding="utf-8")
    return StartedRun(run_id, run_dir, event_path, store, problem)


def _next_unrecorded(runs: Path) -> int:
    """A run number for a run the store could not record: after every run folder."""
    taken = [int(p.name) for p in runs.iterdir() if p.name.isdigit()] if runs.is_dir() else []
    return max(taken, default=0) + 1


def end_dead_runs(store: Store) -> list[int]:
    """End the runs whose Conveyor process died (``Store.reconcile``), and stop what their
    jobs left running (found by their tracking ids). Returns their ids."""
    from conveyor.procinfo import kill_tracked, tracking_prefix

    ended = store.reconcile()
    for run_id, pid, started in ended:
        if pid:
            kill_tracked(tracking_prefix(pid, started))
            from conveyor.executors import sweep

            sweep(tracking_prefix(pid, started))  # its containers and networks
        row = store.run(run_id)
        if row is not None and row.run_dir:
            _remove_work(Path(row.run_dir))
    return [run_id for run_id, _, _ in ended]


def _remove_work(run_dir: Path) -> None:
    """A dead run's job folders go: its step scripts may hold secrets."""
    from conveyor.executors.host import remove_tree

    remove_tree(run_dir / "work")


def run_to_end(plan: Plan, run: RunEnv) -> RunReport:
    """Execute the plan with its events going to the run's sinks; on a crash or an abort
    the run is still recorded as ended (with a masked traceback) and RunCrashed raised."""
    from conveyor.engine.run import execute

    event = plan.event
    run.bus.emit(RunStarted(run.run_id, run.run_dir, event.name, event.ref, event.sha))
    try:
        report = execute(plan, run)
    except BaseException as e:
        raise _crashed(e, run) from e
    else:
        if (run.run_dir / "images.jsonl").exists():  # a push happened: read what it recorded
            from conveyor.actions.builtin.pushed import pushed_images

            report.images = pushed_images(run.run_dir)
        run.bus.emit(RunFinished(run.masker.mask_obj(report.to_dict()), report))
        return report
    finally:
        run.bus.close()


def _crashed(e: BaseException, run: RunEnv) -> RunCrashed:
    from conveyor.executors import stop_all

    stop_all()  # the jobs' threads will not tear down: nothing they started may outlive us
    _remove_work(run.run_dir)
    masker: Masker = run.masker
    interrupted = isinstance(e, KeyboardInterrupt)
    data: dict[str, Any] = {
        "run_id": run.run_id,
        "conclusion": "cancelled" if interrupted else "failure",
        "error": masker.mask(repr(e)),
    }
    run.bus.emit(RunFinished(data))
    if interrupted:
        return RunCrashed(run.run_id, f"run {run.run_id} aborted", None)
    import traceback

    crash = run.run_dir / "crash.log"
    crash.write_text(masker.mask(traceback.format_exc()), encoding="utf-8")
    message = (
        f"internal error in run {run.run_id}: {masker.mask(repr(e))}\n"
        f"the traceback is in {crash}; job logs are in {run.run_dir / 'logs'}"
    )
    return RunCrashed(run.run_id, message, crash)
