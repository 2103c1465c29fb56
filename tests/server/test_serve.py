"""`conveyor serve` end to end: real HTTP on loopback, real `git push` to a bare
repository wired with the hook, real signed webhook deliveries, approvals, cancel,
re-run and recovery after `kill -9`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Repo, Server, cli

CI = """\
name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo "hello from ${{ github.ref_name }} at ${{ github.sha }}"
"""

DEPLOY = """\
name: Deploy
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
  release:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "released by ${{ github.actor }}"
"""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(srv: Server, event: str, payload: dict, secret: str | None) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "Content-Type": "application/json",
    }
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    return httpx.post(srv.url + "/webhooks/github", content=body, headers=headers, timeout=30)


def push_payload(repo: Repo, sha: str, message: str) -> dict:
    return {
        "ref": "refs/heads/main",
        "before": "0" * 40,
        "after": sha,
        "head_commit": {"id": sha, "message": message},
        "commits": [{"id": sha, "message": message}],
        "repository": {"full_name": repo.name, "default_branch": "main"},
        "sender": {"login": "octocat"},
    }


def log_of(srv: Server, repo: str, job_id: int) -> str:
    r = srv.api("GET", f"/api/v1/repos/{repo}/actions/jobs/{job_id}/logs")
    assert r.status_code == 200, r.text
    return r.text


def test_git_push_through_the_hook_runs_the_workflow(server: Server, repo: Repo) -> None:
    repo.write(".github/workflows/ci.yml", CI)
    sha = repo.commit("add CI")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed", what="completed run")
    assert run["conclusion"] == "success", run
    assert (run["event"], run["head_branch"], run["head_sha"]) == ("push", "main", sha)
    assert run["name"] == "CI" and run["run_number"] == 1
    [job] = server.jobs(repo.name, run["id"])
    assert job["status"] == "completed" and job["conclusion"] == "success"
    assert f"hello from main at {sha}" in log_of(server, repo.name, job["id"])


def test_signed_webhook_starts_a_run_and_bad_signatures_start_none(
    server: Server, repo: Repo
) -> None:
    repo.write(".github/workflows/ci.yml", CI)
    sha = repo.commit("add CI")
    repo.register(server, secret="topsecret", hook=False)
    repo.push()
    payload = push_payload(repo, sha, "add CI")
    for secret in (None, "wrong"):
        r = deliver(server, "push", payload, secret)
        assert r.status_code == 401, r.text
    time.sleep(1)
    assert server.runs(repo.name) == []
    r = deliver(server, "ping", {"zen": "hi", "repository": {"full_name": repo.name}}, "topsecret")
    assert (r.status_code, r.json()["message"]) == (200, "pong")
    # one delivery, sent twice: the replay starts nothing
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "delivery-1",
        "X-Hub-Signature-256": sign("topsecret", body),
    }
    first = httpx.post(server.url + "/webhooks/github", content=body, headers=headers)
    again = httpx.post(server.url + "/webhooks/github", content=body, headers=headers)
    assert first.status_code == 202 and again.status_code == 200, (first.text, again.text)
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert run["conclusion"] == "success" and run["head_sha"] == sha
    assert run["actor"]["login"] == "octocat"
    time.sleep(1)
    assert len(server.runs(repo.name)) == 1
    metrics = httpx.get(server.url + "/metrics").text
    assert 'conveyor_webhook_deliveries_total{outcome="bad-signature"} 2.0' in metrics
    assert 'conveyor_webhook_deliveries_total{outcome="replayed"} 1.0' in metrics


@pytest.mark.parametrize("marker", ["[skip ci]", "[ci skip]", "[no ci]", "[skip actions]"])
def test_skip_ci_in_the_head_commit_starts_no_run(server: Server, repo: Repo, marker: str) -> None:
    repo.write(".github/workflows/ci.yml", CI)
    repo.commit("add CI")
    repo.register(server, secret="k")
    sha = repo.commit(f"docs only {marker}")
    repo.push()
    r = deliver(server, "push", push_payload(repo, sha, f"docs only {marker}"), "k")
    assert r.status_code == 200 and "skipped" in r.json()["message"]
    time.sleep(2)  # the hook's note is handled on a thread: give it time to (not) start
    assert server.runs(repo.name) == []
    repo.commit("now build")
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert run["display_title"] == "now build"


def test_production_waits_for_approval(server: Server, repo: Repo) -> None:
    repo.write(".github/workflows/deploy.yml", DEPLOY)
    repo.commit("deploy")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "waiting", what="waiting run")
    jobs = {j["name"]: j for j in server.jobs(repo.name, run["id"])}
    assert jobs["build"]["conclusion"] == "success"
    assert jobs["release"]["status"] == "waiting" and jobs["release"]["environment"] == "production"
    pending = server.api(
        "GET", f"/api/v1/repos/{repo.name}/actions/runs/{run['id']}/pending_deployments"
    )
    assert [p["environment"]["name"] for p in pending.json()] == ["production"]
    time.sleep(1.5)  # it keeps waiting: nothing but a review moves it
    assert server.jobs(repo.name, run["id"])[1]["status"] == "waiting"
    # a read-only token may look but not approve
    reader = cli("tokens", "create", "--scope", "read", data_dir=server.data_dir).strip()
    url = f"{server.url}/api/v1/repos/{repo.name}/actions/runs/{run['id']}/approve"
    r = httpx.post(url, headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 403
    assert httpx.post(url).status_code == 401
    r = server.api("POST", f"/api/v1/repos/{repo.name}/actions/runs/{run['id']}/approve")
    assert r.status_code == 200 and r.json()["environments"] == ["production"], r.text
    done = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert done["conclusion"] == "success"
    release = server.jobs(repo.name, run["id"])[1]
    assert "released by" in log_of(server, repo.name, release["id"])


def test_rejection_with_the_cli_fails_the_deployment(server: Server, repo: Repo) -> None:
    repo.write(".github/workflows/deploy.yml", DEPLOY)
    repo.commit("deploy")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "waiting")
    out = cli("approve", str(run["id"]), "--reject", "--comment", "not today",
              "--user", "carol", data_dir=server.data_dir)  # fmt: skip
    assert "production rejected" in out
    done = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert done["conclusion"] == "failure"
    release = server.jobs(repo.name, run["id"])[1]
    assert release["conclusion"] == "failure"
    assert release["reason"] == "deployment to production rejected by carol: not today"


def test_cancel_and_rerun(server: Server, repo: Repo) -> None:
    repo.write(
        ".github/workflows/slow.yml",
        "on: push\njobs:\n  slow:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo begin; sleep 60\n      - if: always()\n        run: echo cleanup\n",
    )
    repo.commit("slow")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "in_progress")
    deadline = time.monotonic() + 30
    while "begin" not in (jobs := server.jobs(repo.name, run["id"]) or [{}])[0].get(
        "name", ""
    ) and (time.monotonic() < deadline):
        if jobs and "begin" in log_of(server, repo.name, jobs[0]["id"]):
            break
        time.sleep(0.2)
    r = server.api("POST", f"/api/v1/repos/{repo.name}/actions/runs/{run['id']}/cancel")
    assert r.status_code == 202, r.text
    done = server.wait_run(repo.name, lambda r: r["status"] == "completed", timeout=40)
    assert done["conclusion"] == "cancelled"
    [job] = server.jobs(repo.name, run["id"])
    assert job["conclusion"] == "cancelled"
    assert "cleanup" in log_of(server, repo.name, job["id"])  # if: always() ran
    r = server.api("POST", f"/api/v1/repos/{repo.name}/actions/runs/{run['id']}/rerun")
    assert r.status_code == 201, r.text
    again = server.wait_run(repo.name, lambda r: r["run_attempt"] == 2)
    assert again["id"] == run["id"]
    server.api("POST", f"/api/v1/repos/{repo.name}/actions/runs/{run['id']}/cancel")
    server.wait_run(repo.name, lambda r: r["status"] == "completed", timeout=40)


def test_kill_9_mid_run_loses_nothing(tmp_path: Path, server: Server, repo: Repo) -> None:
    pids = tmp_path / "pids"
    repo.write(
        ".github/workflows/long.yml",
        "on: push\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo quick\n"
        "  long:\n    needs: first\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: echo $$ >> {pids}; echo attempt; sleep 4; echo finished\n",
    )
    repo.commit("long")
    repo.register(server)
    repo.push()
    deadline = time.monotonic() + 60
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pids.exists(), server.log.read_text()
    run = server.wait_run(repo.name, lambda r: r["status"] == "in_progress")
    long = next(j for j in server.jobs(repo.name, run["id"]) if j["name"] == "long")
    while "attempt\n" not in log_of(server, repo.name, long["id"]):
        time.sleep(0.05)  # the line is stored: the crash must not lose it
    server.kill()
    orphan = int(pids.read_text().split()[0])
    server.start()
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed", timeout=90)
    assert run["conclusion"] == "success", run
    jobs = {j["name"]: j for j in server.jobs(repo.name, run["id"])}
    assert {j["status"] for j in jobs.values()} == {"completed"}
    assert jobs["first"]["run_attempt"] == 1  # it had completed: not run again
    assert jobs["long"]["run_attempt"] == 2  # re-queued after the crash
    log = log_of(server, repo.name, jobs["long"]["id"])
    lines = [line.split(" ", 1)[-1] for line in log.splitlines()]
    assert lines.count("attempt") == 2 and lines.count("finished") == 1, log
    assert not os.path.exists(f"/proc/{orphan}") or _zombie(orphan)  # stopped at restart


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] in "ZX"
    except OSError:
        return True


def test_badge_health_and_openapi(server: Server, repo: Repo) -> None:
    repo.write(".github/workflows/ci.yml", CI)
    repo.commit("add CI")
    repo.register(server)
    badge = httpx.get(f"{server.url}/badge/{repo.name}/ci.yml.svg?branch=main")
    assert badge.headers["content-type"].startswith("image/svg+xml")
    assert "no status" in badge.text
    repo.push()
    server.wait_run(repo.name, lambda r: r["status"] == "completed")
    badge = httpx.get(f"{server.url}/badge/{repo.name}/ci.yml.svg?branch=main")
    assert "passing" in badge.text and "CI" in badge.text
    assert httpx.get(server.url + "/healthz").status_code == 200
    spec = httpx.get(server.url + "/openapi.json").json()
    assert "/api/v1/repos/{owner}/{name}/actions/runs" in spec["paths"]
    metrics = httpx.get(server.url + "/metrics").text
    assert 'conveyor_runs_total{conclusion="success"} 1.0' in metrics
    assert "conveyor_queue_wait_seconds_bucket" in metrics


def test_concurrency_group_cancels_the_older_run(server: Server, repo: Repo) -> None:
    repo.write(
        ".github/workflows/ci.yml",
        "on: push\nconcurrency:\n  group: ci-${{ github.ref }}\n  cancel-in-progress: true\n"
        "jobs:\n  slow:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: sleep ${{ github.event.head_commit.message == 'second' && '0' || '60' }}\n",
    )
    first = repo.commit("first")
    repo.register(server)
    repo.push()
    server.wait_run(repo.name, lambda r: r["head_sha"] == first and r["status"] == "in_progress")
    second = repo.commit("second")
    repo.push()
    done = server.wait_run(
        repo.name, lambda r: r["head_sha"] == second and r["status"] == "completed"
    )
    assert done["conclusion"] == "success"
    old = server.wait_run(
        repo.name, lambda r: r["head_sha"] == first and r["status"] == "completed", timeout=30
    )
    assert old["conclusion"] == "cancelled"


def test_cli_approves_through_the_server_without_naming_the_repository(
    server: Server, repo: Repo
) -> None:
    repo.write(".github/workflows/deploy.yml", DEPLOY)
    repo.commit("deploy")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "waiting")
    out = cli("approve", str(run["id"]), "--server", server.url, "--token", server.token)
    assert out.strip() == f"run {run['id']}: production approved"
    done = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert done["conclusion"] == "success"
