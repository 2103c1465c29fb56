"""``conveyor runs`` and ``conveyor logs``: the recorded history of a repository."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conveyor.store.db import Store


def _store(directory: str) -> Store | None:
    from conveyor.store.db import Store
    from conveyor.store.paths import data_dir

    path = data_dir(Path(directory).resolve()) / "conveyor.db"
    if not path.exists():
        return None
    return Store(path)


def _nothing_yet(directory: str) -> str:
    return f"no runs recorded yet for {Path(directory).resolve()}; start one with 'conveyor run'"


def _run_id(store: Store, given: str, directory: str) -> int | None:
    """``RUN`` as a number ('last': the newest); None after saying what is wrong."""
    if given == "last":
        latest = store.runs(1)
        if not latest:
            print(_nothing_yet(directory), file=sys.stderr)
            return None
        return latest[0].id
    try:
        return int(given)
    except ValueError:
        print(f"RUN must be a number or 'last', got '{given}'", file=sys.stderr)
        return None


def cmd_runs(args: argparse.Namespace) -> int:
    store = _store(args.directory)
    if store is not None:
        from conveyor.engine.start import end_dead_runs

        end_dead_runs(store)  # a run whose process died is not "in progress"
    if args.run_id is not None:
        return _show_run(store, args)
    recorded = store.runs(args.limit) if store is not None else []
    if not recorded:
        print(_nothing_yet(args.directory), file=sys.stderr)
        return 0
    rows = [["RUN", "EVENT", "REF", "SHA", "RESULT", "STARTED", "DURATION"]]
    for r in recorded:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started))
        rows.append(
            [
                str(r.id),
                r.event,
                r.ref,
                r.sha[:7],
                r.conclusion or r.status,
                started,
                f"{r.duration:.2f}s" if r.duration is not None else "-",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _show_run(store: Store | None, args: argparse.Namespace) -> int:
    if store is None:
        print(_nothing_yet(args.directory), file=sys.stderr)
        return 1
    run_id = _run_id(store, args.run_id, args.directory)
    if run_id is None:
        return 2
    run = store.run(run_id)
    if run is None:
        print(f"no run {run_id}; see 'conveyor runs'", file=sys.stderr)
        return 1
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
    took = f" in {run.duration:.2f}s" if run.duration is not None else ""
    print(f"run {run.id}: {run.conclusion or run.status}{took} ({run.event} {run.ref}, {started})")
    if run.error:
        print(f"  {run.error}")
    steps = store.steps(run_id)
    for job in store.jobs(run_id):
        print(f"  {job.name}: {job.conclusion} ({job.duration:.2f}s)")
        for row, step in steps:
            if row == job.row:
                print(f"    {step.name}: {step.conclusion} ({step.duration:.2f}s)")
    from conveyor.actions.builtin.pushed import pushed_images
    from conveyor.store.paths import data_dir

    for image in pushed_images(data_dir(Path(args.directory).resolve()) / "runs" / str(run_id)):
        print(f"  pushed {image.get('image')}@{image.get('digest')} ({image.get('job')})")
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    store = _store(args.directory)
    if store is None:
        print(_nothing_yet(args.directory), file=sys.stderr)
        return 1
    from conveyor.engine.start import end_dead_runs

    end_dead_runs(store)
    run_id = _run_id(store, args.run_id, args.directory)
    if run_id is None:
        return 1 if args.run_id == "last" else 2
    if store.run(run_id) is None:
        print(f"no run {run_id}; see 'conveyor runs'", file=sys.stderr)
        return 1
    jobs = store.jobs(run_id)
    if args.job:
        wanted = [j for j in jobs if args.job in (j.job_id, j.name)]
        if not wanted:
            names = ", ".join(sorted({j.name for j in jobs}))
            print(f"run {run_id} has no job '{args.job}'; jobs: {names}", file=sys.stderr)
            return 1
        jobs = wanted
    for job in jobs:
        print(f"=== {job.name} ({job.conclusion}, {job.duration:.2f}s)")
        if job.log and Path(job.log).is_file():
            sys.stdout.write(Path(job.log).read_text(encoding="utf-8", errors="replace"))
        else:
            print("(no log)")
    return 0
