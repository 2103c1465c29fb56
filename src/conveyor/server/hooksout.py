"""What follows a run's end: `workflow_run` chaining (CI → CD), commit statuses to the
forge, and notifications on failure and recovery."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select

from conveyor.server import models as m
from conveyor.server.state import State
from conveyor.server.views import run_json

log = logging.getLogger("conveyor.server")


def run_completed(state: State, run_id: int) -> None:
    threading.Thread(target=_after, args=(state, run_id), daemon=True).start()


_POSTERS: dict[int, Any] = {}
_POSTERS_LOCK = threading.Lock()


def post_status(state: State, run_id: int) -> None:
    """The run's state as a commit status on the forge (GitHub's statuses API at the
    configured base URL), posted in the background with retries."""
    settings = state.settings
    if not settings.statuses_api:
        return
    import os

    from conveyor.server.statuses import StatusPoster, context_for, state_for

    with _POSTERS_LOCK:
        poster = _POSTERS.get(id(state))
        if poster is None:
            token = os.environ.get(settings.statuses_token_env, "")
            poster = StatusPoster(
                settings.statuses_api, token, on_error=lambda text: log.warning("%s", text)
            )
            _POSTERS[id(state)] = poster
    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        assert run is not None
        repo = s.get(m.Repo, run.repo_id)
        assert repo is not None
        owner, _, name = repo.full_name.partition("/")
        value = state_for(run.status, run.conclusion)
        words = {
            "pending": "running",
            "success": "passed",
            "failure": "failed",
            "error": "cancelled",
        }
        poster.post(
            owner, name, run.head_sha, value, context_for(run.workflow_name),
            f"{run.workflow_name} #{run.run_number} {words.get(value, value)}",
            f"{settings.url()}/ui/{repo.full_name}/runs/{run.id}",
        )  # fmt: skip


def close_posters(state: State, timeout: float = 10) -> None:
    with _POSTERS_LOCK:
        poster = _POSTERS.pop(id(state), None)
    if poster is not None:
        poster.close(timeout)


def _after(state: State, run_id: int) -> None:
    try:
        post_status(state, run_id)
    except Exception:
        log.exception("the commit status of run %s was not posted", run_id)
    try:
        _chain(state, run_id)
    except Exception:
        log.exception("workflow_run after run %s failed", run_id)
    try:
        _notify(state, run_id)
    except Exception:
        log.exception("notifications after run %s failed", run_id)


def run_payload(run: m.Run, repo: m.Repo, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "workflow_run": run_json(run, repo),
        "workflow": {"name": run.workflow_name, "path": run.workflow_file},
        "repository": {"full_name": repo.full_name, "default_branch": repo.default_branch},
        "sender": {"login": "conveyor"},
    }


def _chain(state: State, run_id: int) -> None:
    """``on: workflow_run`` workflows of the same repository, at its default branch (as
    GitHub runs them), see the completed run in ``github.event.workflow_run``."""
    from conveyor.server.triggers import create_runs

    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        if run is None or (run.event == "workflow_run" and run.reason.startswith("chain depth")):
            return
        repo = s.get(m.Repo, run.repo_id)
        assert repo is not None
        payload = run_payload(run, repo, "completed")
        depth = _depth(s, run)
        repo_id, branch = repo.id, repo.default_branch
    if depth >= 3:  # GitHub: a chain of workflow_run triggers stops after three levels
        return
    create_runs(state, repo_id, "workflow_run", payload, ref=f"refs/heads/{branch}")


def _depth(s: Any, run: m.Run) -> int:
    import json

    depth = 0
    while run.event == "workflow_run" and depth < 5:
        parent_id = json.loads(run.payload).get("workflow_run", {}).get("id")
        parent = s.get(m.Run, parent_id) if parent_id else None
        if parent is None:
            break
        run, depth = parent, depth + 1
    return depth


def _notify(state: State, run_id: int) -> None:
    """Notifications on failure and recovery, and the commit status."""
    settings = state.settings
    if not (settings.slack_webhook or settings.smtp):
        return
    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        assert run is not None
        repo = s.get(m.Repo, run.repo_id)
        assert repo is not None
        previous = s.scalars(
            select(m.Run.conclusion)
            .where(
                m.Run.repo_id == run.repo_id,
                m.Run.workflow_file == run.workflow_file,
                m.Run.head_branch == run.head_branch,
                m.Run.status == "completed",
                m.Run.id < run.id,
            )
            .order_by(m.Run.id.desc())
        ).first()
        s.expunge(run)
        s.expunge(repo)
    deliver_outcome(state, run, repo, previous)


def deliver_outcome(state: State, run: m.Run, repo: m.Repo, previous: str | None) -> None:
    settings = state.settings
    url = f"{settings.url()}/ui/{repo.full_name}/runs/{run.id}"
    from conveyor.server import notify

    kind = notify.should_notify(run.conclusion or "", previous)
    if kind is not None:
        notifiers: list[Any] = []
        if settings.slack_webhook:
            notifiers.append(notify.SlackWebhook(settings.slack_webhook))
        if settings.smtp:
            notifiers.append(notify.Email(**settings.smtp))
        notice = notify.Notice(
            repo=repo.full_name,
            workflow=run.workflow_name,
            branch=run.head_branch,
            run_id=run.id,
            run_number=run.run_number,
            conclusion=run.conclusion or "",
            previous=previous,
            url=url,
            sha=run.head_sha,
        )
        for problem in notify.deliver(notifiers, notice):
            log.warning("notification: %s", problem)
