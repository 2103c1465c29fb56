"""What administrators and reviewers do, shared by the CLI and the API: register
repositories, review deployments, re-run, dispatch, set environments and secrets."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from conveyor.server import models as m
from conveyor.server.db import now
from conveyor.server.state import State

_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def add_repository(
    state: State,
    full_name: str,
    clone_url: str,
    webhook_secret: str,
    *,
    default_branch: str = "main",
    public: bool = False,
) -> bool:
    """Register (or update) a repository; True when it is new."""
    if not _NAME.match(full_name):
        raise ValueError(f"'{full_name}' is not OWNER/NAME")
    if not clone_url:
        raise ValueError("a clone URL is needed (--clone-url)")
    with state.db.session() as s:
        repo = s.scalars(select(m.Repo).where(m.Repo.full_name == full_name)).first()
        new = repo is None
        if repo is None:
            repo = m.Repo(full_name=full_name, created_at=now())
            s.add(repo)
        repo.clone_url, repo.default_branch, repo.public = clone_url, default_branch, public
        if webhook_secret or new:
            repo.webhook_secret = state.sealer.seal(webhook_secret)
    return new


def review(
    state: State, run_id: int, decision: str, user: str, comment: str, environment: str | None
) -> list[str]:
    """Approve or reject the environments run ``run_id`` waits for; their names."""
    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        if run is None:
            raise ValueError(f"no run {run_id}")
        waiting = list(
            s.scalars(select(m.Job).where(m.Job.run_id == run_id, m.Job.status == "waiting"))
        )
        envs = sorted({j.environment for j in waiting if j.environment})
        if environment is not None:
            envs = [e for e in envs if e == environment]
        if not envs:
            raise ValueError(
                f"run {run_id} waits for no review" + (f" of {environment}" if environment else "")
            )
        for env in envs:
            rules = s.scalars(
                select(m.Environment).where(
                    m.Environment.repo_id == run.repo_id, m.Environment.name == env
                )
            ).first()
            if rules is not None:
                allowed = json.loads(rules.reviewers or "[]")
                if allowed and user not in allowed:
                    raise PermissionError(
                        f"{user} is not a reviewer of {env}: {', '.join(allowed)}"
                    )
                if rules.prevent_self_review and user == run.actor:
                    raise PermissionError(f"{user} started this run and may not review it")
            s.add(
                m.Approval(
                    run_id=run_id,
                    environment=env,
                    user=user,
                    state=decision,
                    comment=comment,
                    at=now(),
                )
            )
    state.poke()
    return envs


def rerun_run(state: State, run_id: int, *, failed_only: bool) -> None:
    """Run it again as a new attempt: every job, or only those that did not succeed
    (jobs that succeeded keep their result, as GitHub's "Re-run failed jobs")."""
    with state.db.session() as s:
        run = s.get(m.Run, run_id)
        if run is None:
            raise ValueError(f"no run {run_id}")
        if run.status != "completed":
            raise ValueError(f"run {run_id} has not completed yet")
        for job in s.scalars(select(m.Job).where(m.Job.run_id == run_id)):
            if failed_only and job.conclusion in ("success", "skipped"):
                continue
            s.query(m.Step).filter(m.Step.job_id == job.id).delete()
            s.query(m.LogChunk).filter(m.LogChunk.job_id == job.id).delete()
            s.query(m.Annotation).filter(m.Annotation.job_id == job.id).delete()
            job.log_size, job.summary = 0, ""
            job.status, job.conclusion, job.report, job.reason = "queued", None, "", ""
            job.attempts, job.approved, job.worker, job.completed_at = 0, False, "", None
        if not failed_only:
            s.query(m.Approval).filter(m.Approval.run_id == run_id).delete()
        run.status, run.conclusion, run.reason = "queued", None, ""
        run.owner, run.lease_until, run.cancel_requested = "", 0.0, False
        run.run_attempt += 1
        run.completed_at = None
    state.poke()


def dispatch_workflow(
    state: State, repo_id: int, workflow: str, ref: str, inputs: dict[str, Any], user: str
) -> list[int]:
    from conveyor.server.triggers import create_runs

    full_ref = ref if ref.startswith("refs/") else f"refs/heads/{ref}"
    payload = {
        "ref": full_ref,
        "inputs": inputs,
        "workflow": workflow,
        "sender": {"login": user or "conveyor"},
    }
    ids = create_runs(
        state,
        repo_id,
        "workflow_dispatch",
        payload,
        ref=full_ref,
        inputs=inputs,
        only_workflow=workflow,
    )
    if not ids:
        raise ValueError(f"{workflow} has no workflow_dispatch trigger at {ref}")
    return ids


def set_environment(state: State, repo_id: int, name: str, data: dict[str, Any]) -> None:
    from conveyor.server.protection import check_windows

    windows = check_windows(data.get("windows", []))
    with state.db.session() as s:
        env = s.scalars(
            select(m.Environment).where(
                m.Environment.repo_id == repo_id, m.Environment.name == name
            )
        ).first()
        if env is None:
            env = m.Environment(repo_id=repo_id, name=name)
            s.add(env)
        env.reviewers = json.dumps(list(data.get("reviewers", [])))
        required = data.get("required")
        # not said: reviewers make a review required; a protected name stays protected
        env.required = (
            bool(required)
            if required is not None
            else bool(data.get("reviewers")) or name in state.settings.protected_environments
        )
        env.wait_timer = int(data.get("wait_timer", 0))
        env.branches = json.dumps(list(data.get("branches", [])))
        env.tags = json.dumps(list(data.get("tags", [])))
        env.windows = json.dumps(windows)
        env.variables = json.dumps(dict(data.get("variables", {})))
        env.prevent_self_review = bool(data.get("prevent_self_review", False))


def set_secret(state: State, repo_id: int, name: str, value: str, environment: str = "") -> None:
    with state.db.session() as s:
        row = s.scalars(
            select(m.Secret).where(
                m.Secret.repo_id == repo_id,
                m.Secret.environment == environment,
                m.Secret.name == name,
            )
        ).first()
        if row is None:
            row = m.Secret(repo_id=repo_id, environment=environment, name=name, sealed="")
            s.add(row)
        row.sealed = state.sealer.seal(value)
