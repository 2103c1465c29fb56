"""From an event to queued runs: the repository's mirror is brought up to date, the
commit is checked out once, its workflows are planned with the event (GitHub's filters
decide), and each triggered workflow becomes a run row in the queue."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from conveyor.server import models as m
from conveyor.server.db import now
from conveyor.server.state import State

_MIRROR_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_LOCK = threading.Lock()


class TriggerError(Exception):
    pass


def mirror_dir(state: State, full_name: str) -> Path:
    return state.data_dir / "repos" / f"{full_name}.git"


def _lock(full_name: str) -> threading.RLock:
    with _LOCKS_LOCK:
        return _MIRROR_LOCKS.setdefault(full_name, threading.RLock())


def sync_mirror(state: State, repo: m.Repo) -> Path:
    from conveyor.server.gitmirror import MirrorError, sync

    path = mirror_dir(state, repo.full_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(repo.full_name):
        try:
            sync(path, repo.clone_url)
        except MirrorError as e:
            raise TriggerError(f"{repo.full_name}: cannot fetch {e}") from None
    return path


def source_dir(state: State, sha: str, branch: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch or "detached")[:80]
    return state.data_dir / "src" / f"{sha}-{slug}"


def checkout(state: State, repo: m.Repo, sha: str, branch: str) -> Path:
    """The commit's files as a git repository (shared by the runs of that commit; the
    engine copies it into each job's workspace, never changes it)."""
    from conveyor.server.gitmirror import export

    dest = source_dir(state, sha, branch)
    with _lock(repo.full_name):  # one export at a time per repository; the rest reuse it
        if (dest / ".git").exists():
            return dest
        tmp = dest.with_name(dest.name + ".tmp")
        if tmp.exists():  # left by a crash
            import shutil

            shutil.rmtree(tmp)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        export(mirror_dir(state, repo.full_name), sha, tmp, branch=branch or None)
        tmp.rename(dest)
    return dest


def create_runs(
    state: State,
    repo_id: int,
    event: str,
    payload: dict[str, Any],
    *,
    sha: str = "",
    ref: str = "",
    head_message: str = "",
    inputs: dict[str, Any] | None = None,
    only_workflow: str | None = None,
    ignore_filters: bool = False,
) -> list[int]:
    """Queue a run for each workflow this event triggers; returns their ids."""
    from conveyor.server.gitmirror import resolve

    with state.db.session() as s:
        repo = s.get(m.Repo, repo_id)
        assert repo is not None
        s.expunge(repo)
    mirror = sync_mirror(state, repo)
    ref = ref or str(payload.get("ref") or f"refs/heads/{repo.default_branch}")
    full_sha = resolve(mirror, sha or ref)
    if full_sha is None:
        raise TriggerError(f"{repo.full_name}: {sha or ref} is not in {repo.clone_url}")
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ""
    if event == "pull_request":
        branch = str(payload.get("pull_request", {}).get("head", {}).get("ref", ""))
    src = checkout(state, repo, full_sha, branch)
    workflows, problems = _load_workflows(src, only_workflow)
    the_event = _event(state, event, payload, src)
    from conveyor.workflow.plan import plan

    planned = plan(workflows, the_event, src, ignore_filters=ignore_filters)
    if event == "workflow_dispatch":  # typed and checked as GitHub does, before queueing
        inputs = _dispatch_inputs(planned.workflows, inputs or {}, the_event.payload)
    ids = []
    with state.db.session() as s:
        for wp in planned.workflows:
            ids.append(
                _add_run(
                    s,
                    repo,
                    wp.workflow.path,
                    wp.workflow.display_name,
                    event,
                    ref,
                    branch,
                    full_sha,
                    head_message,
                    payload,
                    inputs,
                )
            )
        for path, problem in problems:  # a broken workflow file is a failed run, as GitHub
            rid = _add_run(
                s, repo, path, path, event, ref, branch, full_sha, head_message, payload, inputs
            )
            run = s.get(m.Run, rid)
            assert run is not None
            run.status, run.conclusion, run.reason = "completed", "failure", problem
            run.completed_at = now()
    for rid in ids:
        d = state.run_dir(rid)
        d.mkdir(parents=True, exist_ok=True)
        (d / "event.json").write_text(json.dumps(the_event.payload, indent=2), encoding="utf-8")
    state.poke()
    return ids


def _add_run(
    s: Any,
    repo: m.Repo,
    path: str,
    name: str,
    event: str,
    ref: str,
    branch: str,
    sha: str,
    message: str,
    payload: dict[str, Any],
    inputs: dict[str, Any] | None,
) -> int:
    number = (
        s.scalar(
            select(func.max(m.Run.run_number)).where(
                m.Run.repo_id == repo.id, m.Run.workflow_file == path
            )
        )
        or 0
    ) + 1
    actor = str(
        (payload.get("sender") or {}).get("login")
        or (payload.get("pusher") or {}).get("name")
        or ""
    )
    run = m.Run(
        repo_id=repo.id,
        workflow_file=path,
        workflow_name=name,
        run_number=number,
        event=event,
        ref=ref,
        head_branch=branch,
        head_sha=sha,
        head_message=message,
        actor=actor,
        payload=json.dumps(payload),
        inputs=json.dumps(inputs or {}),
        status="queued",
        created_at=now(),
    )
    s.add(run)
    s.flush()
    rid: int = run.id
    return rid


def _load_workflows(src: Path, only: str | None) -> tuple[list[Any], list[tuple[str, str]]]:
    from conveyor.store.paths import cache_root
    from conveyor.workflow.cache import load_cached
    from conveyor.workflow.errors import WorkflowError, WorkflowErrors
    from conveyor.workflow.files import discover_workflows

    workflows, problems = [], []
    for path in discover_workflows(src):
        rel = path.relative_to(src).as_posix()
        if only and rel != only and path.name != only:
            continue
        try:
            workflows.append(load_cached(path, src, cache_root() / "workflows"))
        except (WorkflowErrors, WorkflowError) as e:
            from conveyor.workflow.validate_util import format_error

            errors = e.errors if isinstance(e, WorkflowErrors) else [e]
            text = path.read_text(encoding="utf-8", errors="replace")
            problems.append((rel, "\n".join(format_error(err, text) for err in errors)))
    return workflows, problems


load_workflows = _load_workflows  # the workflows of a checkout, and the files that fail


def _event(state: State, name: str, payload: dict[str, Any], src: Path) -> Any:
    import tempfile

    from conveyor.workflow.event import load_event

    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=state.data_dir, delete=False) as f:
        json.dump(payload, f)
    try:
        return load_event(name, src, Path(f.name))
    finally:
        Path(f.name).unlink()


def load_plan(state: State, run_id: int) -> tuple[Any, Any]:
    """The run's plan, made again from its checkout and event (after a restart too)."""
    from conveyor.engine.context import RepoInfo
    from conveyor.workflow.event import load_event
    from conveyor.workflow.plan import plan

    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        assert run is not None
        repo = s.get(m.Repo, run.repo_id)
        assert repo is not None
        src = source_dir(state, run.head_sha, run.head_branch)
        if not (src / ".git").exists():
            s.expunge(repo)
            sync_mirror(state, repo)
            src = checkout(state, repo, run.head_sha, run.head_branch)
        workflows, problems = _load_workflows(src, run.workflow_file)
        if problems:
            raise TriggerError(problems[0][1])
        event = load_event(run.event, src, state.run_dir(run_id) / "event.json")
        owner, _, name = repo.full_name.partition("/")
        info = RepoInfo(root=src, owner=owner, name=name, actor=run.actor or "conveyor")
    return plan(workflows, event, src, ignore_filters=True), info


def repo_secrets(state: State, repo_id: int) -> dict[str, str]:
    with state.db.session() as s:
        rows = s.scalars(
            select(m.Secret).where(m.Secret.repo_id == repo_id, m.Secret.environment == "")
        )
        return {r.name: state.sealer.open(r.sealed) for r in rows}


def _dispatch_inputs(
    planned: list[Any], given: dict[str, Any], payload: dict[str, Any]
) -> dict[str, Any]:
    """The dispatched workflow's ``inputs``: defaults applied, types checked (``"false"``
    is the boolean false), unknown names refused; ``github.event.inputs`` gets the same
    values as strings. TriggerError says what is wrong."""
    from conveyor.workflow.inputs import InputError, dispatch_event_inputs
    from conveyor.workflow.inputs import resolve_dispatch_inputs as resolve

    if not planned:
        return given
    on = planned[0].workflow.on
    section = on.get("workflow_dispatch") if isinstance(on, dict) else None
    spec = section.get("inputs") if isinstance(section, dict) else None
    strings = {k: v if isinstance(v, str) else json.dumps(v) for k, v in given.items()}
    for key, value in given.items():
        if isinstance(value, bool):  # a JSON true/false, as the API may send it
            strings[key] = "true" if value else "false"
    try:
        typed = resolve(spec, strings)
        payload["inputs"] = dispatch_event_inputs(spec, strings)
    except InputError as e:
        raise TriggerError(f"{planned[0].workflow.path}: {e}") from None
    return typed
