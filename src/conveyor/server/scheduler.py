"""`on: schedule`: every minute, each registered repository's default branch is
checked for crons that are due (UTC, as GitHub), and the due ones queue runs."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from conveyor.server.state import State

log = logging.getLogger("conveyor.server")


def start_scheduler(state: State) -> threading.Thread:
    t = threading.Thread(target=_loop, args=(state,), daemon=True, name="schedule")
    t.start()
    return t


def _loop(state: State) -> None:
    while not state.stop.wait(60 - time.time() % 60):
        try:
            tick(state, time.time())
        except Exception:
            log.exception("schedule tick failed")


def tick(state: State, t: float) -> list[int]:
    """Queue the scheduled workflows due at minute ``t``; their run ids."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from conveyor.server import models as m
    from conveyor.server.cron import next_after, parse
    from conveyor.server.triggers import create_runs

    minute = datetime.fromtimestamp(t - t % 60, UTC)
    started: list[int] = []
    with state.db.session() as s:
        repos = [(r.id, r.full_name, r.default_branch) for r in s.scalars(select(m.Repo))]
    for repo_id, full_name, branch in repos:
        src = _default_checkout(state, repo_id)
        if src is None:
            continue
        from conveyor.server.triggers import _load_workflows

        workflows, _ = _load_workflows(src, None)
        for wf in workflows:
            for cron in _crons(wf):
                try:
                    spec = parse(cron)
                except ValueError:
                    continue
                if next_after(spec, minute.replace(second=0) - _MINUTE) != minute:
                    continue
                payload = {
                    "schedule": cron,
                    "ref": f"refs/heads/{branch}",
                    "repository": {"full_name": full_name, "default_branch": branch},
                }
                try:
                    started += create_runs(
                        state,
                        repo_id,
                        "schedule",
                        payload,
                        ref=f"refs/heads/{branch}",
                        only_workflow=wf.path,
                    )
                except Exception:
                    log.exception("%s: scheduled %s failed to start", full_name, wf.path)
    return started


def _crons(wf: object) -> list[str]:
    on = getattr(wf, "on", {}) or {}
    raw = on.get("schedule") if isinstance(on, dict) else None
    # the model normalises it as {"cron": [...], "entries": [{"cron": ...}]}
    entries = raw if isinstance(raw, list) else (raw or {}).get("entries") or []
    return [str(e.get("cron")) for e in entries if isinstance(e, dict) and e.get("cron")]


def _default_checkout(state: State, repo_id: int) -> Path | None:
    from conveyor.server import models as m
    from conveyor.server.gitmirror import resolve
    from conveyor.server.triggers import checkout, sync_mirror

    with state.db.session() as s:
        repo = s.get(m.Repo, repo_id)
        assert repo is not None
        s.expunge(repo)
    try:
        mirror = sync_mirror(state, repo)
        sha = resolve(mirror, f"refs/heads/{repo.default_branch}")
        return checkout(state, repo, sha, repo.default_branch) if sha else None
    except Exception as e:
        log.warning("%s: cannot read its default branch for schedules: %s", repo.full_name, e)
        return None


from datetime import timedelta as _timedelta  # noqa: E402

_MINUTE = _timedelta(minutes=1)
