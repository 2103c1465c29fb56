"""The agent protocol over real HTTP: a server with no local workers, and this test as
the remote agent leasing, heartbeating, logging and completing each job."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.server.conftest import Repo, Server, cli, free_port

WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      version: ${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=1.2.3" >> "$GITHUB_OUTPUT"
  ship:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo shipping ${{ needs.build.outputs.version }}
"""


def lease(srv: Server, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = httpx.post(f"{srv.url}/api/v1/agent/lease", json={"agent": "a1", "ttl": 30},
                       headers=headers)  # fmt: skip
        if r.status_code == 200:
            got: dict[str, Any] = r.json()
            return got
        assert r.status_code == 204, r.text
        time.sleep(0.2)
    raise AssertionError("no job to lease:\n" + srv.log.read_text())


def test_a_remote_agent_runs_every_job(tmp_path: Path, repo: Repo) -> None:
    data = tmp_path / "data"
    srv = Server(data, free_port(), ["--workers", "0"])
    srv.token = cli("tokens", "create", "--scope", "admin", data_dir=data).strip()
    agent = cli("tokens", "create", "--scope", "agent", data_dir=data).strip()
    reader = cli("tokens", "create", "--scope", "read", data_dir=data).strip()
    srv.start()
    try:
        repo.write(".github/workflows/ci.yml", WORKFLOW)
        sha = repo.commit("ci")
        repo.register(srv)
        repo.push()
        r = httpx.post(f"{srv.url}/api/v1/agent/lease", json={"agent": "x"},
                       headers={"Authorization": f"Bearer {reader}"})  # fmt: skip
        assert r.status_code == 403  # a read token cannot take jobs (and their secrets)
        auth = {"Authorization": f"Bearer {agent}"}
        job = lease(srv, auth)
        assert job["request"]["key"] == "build" and job["run"]["sha"] == sha
        assert job["run"]["clone_url"] == str(repo.bare) and job["attempt"] == 1
        base = f"{srv.url}/api/v1/agent/jobs/{job['job_id']}"
        beat = httpx.post(base + "/heartbeat", json={"agent": "a1"}, headers=auth)
        assert beat.json() == {"state": "ok"}
        other = httpx.post(base + "/logs", json={"agent": "a2", "text": "x"}, headers=auth)
        assert other.status_code == 409  # only the lease holder writes
        step = {"agent": "a1", "number": 1, "name": "Run v", "status": "completed",
                "conclusion": "success"}  # fmt: skip
        assert httpx.post(base + "/steps", json=step, headers=auth).status_code == 204
        log = {"agent": "a1", "text": "computing the version"}
        assert httpx.post(base + "/logs", json=log, headers=auth).status_code == 204
        done = {"agent": "a1", "conclusion": "success", "report": {"outputs": {"version": "1.2.3"}}}
        assert httpx.post(base + "/complete", json=done, headers=auth).status_code == 204
        # the scheduler hands out the next job with the first one's outputs
        ship = lease(srv, auth)
        assert ship["request"]["key"] == "ship"
        assert ship["request"]["needs"]["build"]["outputs"] == {"version": "1.2.3"}
        base = f"{srv.url}/api/v1/agent/jobs/{ship['job_id']}"
        done = {"agent": "a1", "conclusion": "success", "report": {}}
        assert httpx.post(base + "/complete", json=done, headers=auth).status_code == 204
        run = srv.wait_run(repo.name, lambda r: r["status"] == "completed")
        assert run["conclusion"] == "success"
        jobs = srv.jobs(repo.name, run["id"])
        assert [j["runner_name"] for j in jobs] == ["agent:a1", "agent:a1"]
        assert jobs[0]["steps"][0]["name"] == "Run v"
        text = srv.api("GET", f"/api/v1/repos/{repo.name}/actions/jobs/{jobs[0]['id']}/logs").text
        assert "computing the version" in text
    finally:
        srv.stop()
