"""Other deliveries: pull requests, tag pushes, Gitea's signature header; and what a
graceful stop leaves behind."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import httpx

from tests.server.conftest import Repo, Server, cli, free_port, git

WORKFLOW = """\
name: CI
on:
  push:
    tags: ["v*"]
  pull_request:
    branches: [main]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: >-
          echo "event=${{ github.event_name }} ref=${{ github.ref }}
          pr=${{ github.event.number }}"
"""


def post(srv: Server, event: str, payload: dict, secret: str, gitea: bool = False) -> int:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if gitea:  # Gitea signs with bare hex under its own header names
        headers = {"X-Gitea-Event": event, "X-Gitea-Delivery": str(uuid.uuid4()),
                   "X-Gitea-Signature": digest}  # fmt: skip
    else:
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
                   "X-Hub-Signature-256": "sha256=" + digest}  # fmt: skip
    r = httpx.post(srv.url + "/webhooks/github", content=body, headers=headers, timeout=30)
    return r.status_code


def job_log(srv: Server, repo: str, run_id: int) -> str:
    [job] = srv.jobs(repo, run_id)
    return srv.api("GET", f"/api/v1/repos/{repo}/actions/jobs/{job['id']}/logs").text


def test_pull_request_and_tag_deliveries(server: Server, repo: Repo) -> None:
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    repo.commit("ci")
    repo.register(server, secret="k", hook=False)
    repo.push()
    git(repo.work, "checkout", "-q", "-b", "feature")
    head = repo.commit("feature work")
    repo.push("feature")
    pr = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": head, "ref": "feature"},
            "base": {"ref": "main", "sha": git(repo.work, "rev-parse", "main").strip()},
        },
        "repository": {"full_name": repo.name, "default_branch": "main"},
        "sender": {"login": "octocat"},
    }
    assert post(server, "pull_request", pr, "k") == 202
    run = server.wait_run(
        repo.name, lambda r: r["event"] == "pull_request" and r["status"] == "completed"
    )
    assert run["conclusion"] == "success" and run["head_sha"] == head
    assert "event=pull_request ref=refs/pull/7/merge pr=7" in job_log(server, repo.name, run["id"])
    # a tag push, from Gitea (bare-hex signature)
    git(repo.work, "tag", "v1.0.0")
    repo.push("v1.0.0")
    tag = {
        "ref": "refs/tags/v1.0.0",
        "before": "0" * 40,
        "after": head,
        "commits": [],
        "repository": {"full_name": repo.name, "default_branch": "main"},
    }
    assert post(server, "push", tag, "wrong", gitea=True) == 401
    assert post(server, "push", tag, "k", gitea=True) == 202
    run = server.wait_run(repo.name, lambda r: r["event"] == "push" and r["status"] == "completed")
    assert "event=push ref=refs/tags/v1.0.0" in job_log(server, repo.name, run["id"])
    # a push to a branch the workflow does not listen to starts nothing
    other = dict(tag, ref="refs/heads/feature")
    assert post(server, "push", other, "k") == 202
    time.sleep(2)
    assert len(server.runs(repo.name)) == 2


def test_sigterm_cancels_running_jobs_and_records_them(tmp_path: Path, repo: Repo) -> None:
    data = tmp_path / "data"
    srv = Server(data, free_port())
    srv.token = cli("tokens", "create", "--scope", "admin", data_dir=data).strip()
    srv.start()
    repo.write(
        ".github/workflows/long.yml",
        "on: push\njobs:\n  long:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo started; sleep 120\n"
        "      - if: always()\n        run: echo cleaned up\n",
    )
    repo.commit("long")
    repo.register(srv)
    repo.push()
    run = srv.wait_run(repo.name, lambda r: r["status"] == "in_progress")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs = srv.jobs(repo.name, run["id"])
        if jobs and "started" in job_log(srv, repo.name, run["id"]):
            break
        time.sleep(0.1)
    srv.stop()  # SIGTERM: a graceful stop
    # uvicorn ends by re-raising the signal once shut down: the exit says SIGTERM
    assert srv.proc is not None and srv.proc.returncode in (0, -15), srv.log.read_text()
    srv.start()
    try:
        [done] = srv.runs(repo.name)
        assert (done["status"], done["conclusion"]) == ("completed", "cancelled")
        [job] = srv.jobs(repo.name, run["id"])
        assert (job["status"], job["conclusion"]) == ("completed", "cancelled")
        assert "cleaned up" in job_log(srv, repo.name, run["id"])
    finally:
        srv.stop()
