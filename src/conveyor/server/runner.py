"""Driving runs: the coordinator claims queued runs (a lease on the run row, renewed
while this process drives it), runs the engine on each with the queue as its job
dispatcher, and records how it ended.

After a crash or ``kill -9`` the run's lease runs out; the next server start claims it
again and the engine replans it: jobs that completed keep their stored result, jobs
that were running are re-queued once their lease has expired too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select

from conveyor.server import models as m
from conveyor.server import queue
from conveyor.server.db import now
from conveyor.server.state import State

log = logging.getLogger("conveyor.server")
_TICK = 0.5


def start_coordinator(state: State) -> threading.Thread:
    t = threading.Thread(target=_loop, args=(state,), daemon=True, name="coordinator")
    t.start()
    return t


def _loop(state: State) -> None:
    ttl = state.settings.lease_ttl
    next_prune = 0.0
    while not state.stop.is_set():
        try:
            expired = queue.expire(state.db)
            if expired:
                state.metrics.lease_expiries.inc(len(expired))
                state.poke()
            for run_id in _claim(state, ttl):
                threading.Thread(
                    target=drive, args=(state, run_id), daemon=True, name=f"run-{run_id}"
                ).start()
            _renew_and_cancel(state, ttl)
            if now() >= next_prune:
                prune_logs(state)
                next_prune = now() + 3600
        except Exception:
            log.exception("coordinator tick failed")
        state.wait(_TICK)  # a new run pokes: it is claimed at once, not at the next tick


def _claim(state: State, ttl: float) -> list[int]:
    """Runs not completed whose lease is free or has expired, within the run limits."""
    t = now()
    limit = state.settings.max_runs
    per_repo = state.settings.max_runs_per_repo
    claimed: list[int] = []
    with state.db.session() as s:
        q = (
            select(m.Run)
            .where(m.Run.status != "completed", m.Run.lease_until < t)
            .order_by(m.Run.id)
            .limit(50)
        )
        if state.db.is_postgres:
            q = q.with_for_update(skip_locked=True)
        active = [
            r
            for r in s.scalars(
                select(m.Run).where(m.Run.owner == state.instance, m.Run.status != "completed")
            )
        ]
        by_repo: dict[int, int] = {}
        for r in active:
            by_repo[r.repo_id] = by_repo.get(r.repo_id, 0) + 1
        for run in s.scalars(q):
            if limit and len(active) + len(claimed) >= limit:
                break
            if per_repo and by_repo.get(run.repo_id, 0) >= per_repo:
                continue
            if run.owner and run.owner != state.instance:
                _note(state, run, f"run re-claimed: its server ({run.owner}) stopped answering")
            run.owner, run.lease_until = state.instance, t + ttl
            by_repo[run.repo_id] = by_repo.get(run.repo_id, 0) + 1
            claimed.append(run.id)
    return claimed


def _note(state: State, run: m.Run, text: str) -> None:
    log.warning("run %s: %s", run.id, text)
    run.reason = text


def _renew_and_cancel(state: State, ttl: float) -> None:
    with state.db.session() as s:
        for run in s.scalars(
            select(m.Run).where(m.Run.owner == state.instance, m.Run.status != "completed")
        ):
            run.lease_until = now() + ttl
            engine_run = state.live_runs.get(run.id)
            if run.cancel_requested and engine_run is not None and not engine_run.cancel.is_set():
                engine_run.cancel.set()
                state.poke()


def drive(state: State, run_id: int) -> None:
    """Run the engine on one run, to its end."""
    try:
        conclusion, reason = _drive(state, run_id)
    except Exception as e:
        log.exception("run %s crashed", run_id)
        conclusion, reason = "failure", f"internal error: {e!r}"
    finally:
        state.live_runs.pop(run_id, None)
        sink = state.sinks.pop(run_id, None)
        if sink is not None:
            sink.close()
    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        if run is None:
            return
        run.status, run.conclusion, run.completed_at = "completed", conclusion, now()
        run.reason = reason or run.reason
        for job in s.scalars(
            select(m.Job).where(m.Job.run_id == run_id, m.Job.status != "completed")
        ):  # nothing is left in limbo
            job.status, job.conclusion, job.completed_at = "completed", "cancelled", now()
            job.reason = job.reason or "its run ended"
        started = run.started_at or run.created_at
    state.metrics.runs.labels(conclusion).inc()
    state.metrics.run_duration.labels(conclusion).observe(now() - started)
    state.poke()
    from conveyor.server.hooksout import run_completed

    run_completed(state, run_id)


def _drive(state: State, run_id: int) -> tuple[str, str]:
    from conveyor.engine.events import EventBus
    from conveyor.engine.masking import Masker
    from conveyor.engine.recording import LogSink
    from conveyor.engine.runenv import RunEnv
    from conveyor.engine.start import RunCrashed, run_to_end
    from conveyor.server.dispatch import QueueDispatcher
    from conveyor.server.sink import ServerSink
    from conveyor.server.triggers import load_plan, repo_secrets
    from conveyor.store.paths import cache_root

    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        assert run is not None
        repo = s.get(m.Repo, run.repo_id)
        assert repo is not None
        if run.cancel_requested:
            return "cancelled", "cancelled before it started"
        run.status = "in_progress"
        run.started_at = run.started_at or now()
        run_number, ref, repo_id, full_name = run.run_number, run.ref, repo.id, repo.full_name
        inputs = json.loads(run.inputs or "{}")
        event_inputs = json.loads(run.payload).get("inputs") or {}
    from conveyor.server.hooksout import post_status

    post_status(state, run_id)  # pending
    run_dir = state.run_dir(run_id)
    plan, repo_info = load_plan(state, run_id)
    if not plan.workflows:
        return "skipped", "the workflow is not triggered by this event"
    secrets = repo_secrets(state, repo_id)
    masker = Masker()
    for value in secrets.values():
        masker.add(value.strip())
    sink = ServerSink(state, run_id)
    state.sinks[run_id] = sink
    cache = cache_root()
    wf = plan.workflows[0].workflow
    engine_run = RunEnv(
        repo=repo_info,
        event=plan.event,
        event_path=run_dir / "event.json",
        run_id=run_id,
        run_number=run_number,
        run_dir=run_dir,
        cache_dir=state.data_dir / "cache" / full_name,
        tool_cache=cache / "tool-cache",
        actions_dir=cache / "actions",
        bus=EventBus([sink, LogSink(run_dir)]),
        masker=masker,
        secrets=secrets,
        inputs_by_file={wf.path: inputs} if inputs else {},
        event_inputs_by_file={wf.path: event_inputs} if inputs else {},
        remote_base_url=os.environ.get("CONVEYOR_ACTIONS_URL") or "https://github.com",
        base_env={k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")},
        capacity=10_000,  # the workers are the limit
        dispatcher=QueueDispatcher(state, run_id, repo_id, ref),
        groups=state.groups_for(repo_id),
    )
    state.live_runs[run_id] = engine_run
    try:
        report = run_to_end(plan, engine_run)
    except RunCrashed as e:
        return "failure", str(e)
    if engine_run.cancel.is_set():
        return "cancelled", "cancelled"
    return report.conclusion, ""


def run_src(state: State, run_id: int) -> Path:
    return state.run_dir(run_id) / "src"


def jobs_of(state: State, run_id: int) -> list[dict[str, Any]]:
    with state.db.session() as s:
        return [
            {"id": j.id, "name": j.name, "status": j.status, "conclusion": j.conclusion}
            for j in s.scalars(select(m.Job).where(m.Job.run_id == run_id).order_by(m.Job.id))
        ]


def recover(state: State) -> list[str]:
    """At start: stop what earlier server processes on this data directory left running
    when they died (found by their tracking ids, as ``conveyor run`` does), and remove
    their job folders (step scripts may hold secrets). Their runs are claimed again once
    their leases expire. Returns what was done, one line each."""
    from conveyor.procinfo import alive, kill_tracked, process_start, tracking_prefix

    folder = state.data_dir / "servers"
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for path in folder.glob("*.json"):
        try:
            info = json.loads(path.read_text())
            pid, started = int(info["pid"]), info.get("started")
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)
            continue
        if alive(pid, started):
            continue
        prefix = tracking_prefix(pid, started)
        killed = kill_tracked(prefix)
        from conveyor.executors import sweep

        sweep(prefix)
        for run_id in info.get("runs", []):
            _remove_work(state, int(run_id))
        path.unlink(missing_ok=True)
        done.append(f"server {pid} had stopped: {killed} process(es) it left were stopped")
    me = os.getpid()
    (folder / f"{me}.json").write_text(
        json.dumps({"pid": me, "started": process_start(me), "instance": state.instance})
    )
    with state.db.session() as s:  # runs a dead server drove: their leases may be cut short
        for run in s.scalars(select(m.Run).where(m.Run.status != "completed")):
            if run.owner and run.owner != state.instance and not _owner_alive(folder, run.owner):
                run.lease_until = 0.0
                for job in s.scalars(
                    select(m.Job).where(m.Job.run_id == run.id, m.Job.status == "in_progress")
                ):
                    job.lease_until = 0.0  # its worker died with the server
                    _remove_work(state, run.id)
    return done


def _owner_alive(folder: Path, instance: str) -> bool:
    for path in folder.glob("*.json"):
        try:
            if json.loads(path.read_text()).get("instance") == instance:
                return True
        except (OSError, ValueError):
            continue
    return False


def _remove_work(state: State, run_id: int) -> None:
    from conveyor.executors.host import remove_tree

    remove_tree(state.run_dir(run_id) / "work")


def forget(state: State) -> None:
    """A clean stop: this server's record goes."""
    (state.data_dir / "servers" / f"{os.getpid()}.json").unlink(missing_ok=True)


def prune_logs(state: State, at: float | None = None) -> int:
    """Drop the logs of runs that completed more than ``log_retention_days`` ago (their
    rows, results and summaries stay); how many runs were pruned."""
    days = state.settings.log_retention_days
    if days <= 0:
        return 0
    import shutil

    cutoff = (now() if at is None else at) - days * 86400
    with state.db.session() as s:
        runs = list(
            s.scalars(
                select(m.Run.id).where(
                    m.Run.status == "completed",
                    m.Run.completed_at < cutoff,
                    m.Run.reason != "logs pruned",
                )
            )
        )
        for run_id in runs:
            job_ids = select(m.Job.id).where(m.Job.run_id == run_id)
            s.query(m.LogChunk).filter(m.LogChunk.job_id.in_(job_ids)).delete(
                synchronize_session=False
            )
            run = s.get(m.Run, run_id)
            assert run is not None
            run.reason = run.reason or "logs pruned"
    for run_id in runs:
        shutil.rmtree(state.run_dir(run_id) / "logs", ignore_errors=True)
    return len(runs)
