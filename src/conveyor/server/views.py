"""Records as the API shows them (GitHub's Actions API shapes), shared by the API and by
the payloads the server builds (``workflow_run`` carries the same run object)."""

from __future__ import annotations

from typing import Any

from conveyor.server import models as m


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def run_json(run: m.Run, repo: m.Repo) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.workflow_name,
        "path": run.workflow_file,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "run_number": run.run_number,
        "run_attempt": run.run_attempt,
        "display_title": (run.head_message.splitlines() or [run.workflow_name])[0],
        "actor": {"login": run.actor},
        "created_at": iso(run.created_at),
        "run_started_at": iso(run.started_at),
        "updated_at": iso(run.completed_at or run.started_at or run.created_at),
        "reason": run.reason,
        "repository": {"full_name": repo.full_name},
        "html_url": f"/ui/{repo.full_name}/runs/{run.id}",
        "jobs_url": f"/api/v1/repos/{repo.full_name}/actions/runs/{run.id}/jobs",
    }
