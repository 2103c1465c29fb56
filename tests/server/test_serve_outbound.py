"""What the server sends and takes besides pushes: commit statuses and notifications to
real HTTP receivers on loopback, environment secrets and variables, workflow_dispatch,
workflow_run chaining, schedules, branch rules."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Repo, Server, cli, free_port


class Receiver:
    """A real HTTP server on loopback that records every POST."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((self.path, dict(self.headers), json.loads(body or b"{}")))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def wait(self, pred: Any, timeout: float = 60) -> list[tuple[str, dict[str, str], Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.requests if pred(r)]
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no matching request in {self.requests}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.http.shutdown()


def start(tmp_path: Path, *extra: str) -> Server:
    data = tmp_path / "data"
    srv = Server(data, free_port(), list(extra))
    srv.token = cli("tokens", "create", "--scope", "admin", data_dir=data).strip()
    srv.start()
    return srv


def test_commit_statuses_and_notifications(
    tmp_path: Path, repo: Repo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_STATUS_TOKEN", "ghp_statustoken")
    srv = start(
        tmp_path,
        "--statuses-api", receiver.url + "/api/v3",
        "--slack-webhook", receiver.url + "/slack",
    )  # fmt: skip
    try:
        repo.write(
            ".github/workflows/ci.yml",
            "name: CI\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      - run: test -f ok\n",
        )
        bad = repo.commit("broken")
        repo.register(srv)
        repo.push()
        srv.wait_run(repo.name, lambda r: r["status"] == "completed")
        path = f"/api/v3/repos/{repo.name}/statuses/{bad}"
        states = receiver.wait(lambda r: r[0] == path and r[2]["state"] == "failure")
        first = receiver.wait(lambda r: r[0] == path)[0]
        assert first[2]["state"] == "pending" and first[2]["context"] == "conveyor/CI"
        assert states[0][1]["Authorization"] == "Bearer ghp_statustoken"
        [failure] = receiver.wait(lambda r: r[0] == "/slack")
        assert "failed" in failure[2]["text"] and repo.name in failure[2]["text"]
        repo.write("ok", "")
        good = repo.commit("fixed")
        repo.push()
        srv.wait_run(repo.name, lambda r: r["head_sha"] == good and r["status"] == "completed")
        receiver.wait(lambda r: r[0].endswith(good) and r[2]["state"] == "success")
        slack = receiver.wait(lambda r: r[0] == "/slack" and r[2] is not failure[2])
        assert any("fixed" in s[2]["text"] or "recover" in s[2]["text"].lower() for s in slack)
    finally:
        srv.stop()


def test_environment_secrets_variables_and_branch_rules(server: Server, repo: Repo) -> None:
    repo.write(
        ".github/workflows/deploy.yml",
        "on: [push, workflow_dispatch]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
        "    environment: staging\n    steps:\n"
        '      - run: echo "key=${{ secrets.API_KEY }} region=${{ vars.REGION }}"\n'
        '      - run: test "${{ secrets.API_KEY }}" = "s3cr3t-value"\n',
    )
    repo.commit("deploy")
    repo.register(server)
    base = f"/api/v1/repos/{repo.name}"
    rules = {"branches": ["main", "release/*"], "variables": {"REGION": "eu-west"}}
    r = server.api("PUT", f"{base}/environments/staging", json=rules)
    assert r.status_code == 200, r.text
    r = server.api("PUT", f"{base}/actions/secrets/API_KEY",
                   json={"value": "s3cr3t-value", "environment": "staging"})  # fmt: skip
    assert r.status_code == 204, r.text
    db = (server.data_dir / "server.db").read_bytes()
    assert b"s3cr3t-value" not in db  # sealed at rest
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert run["conclusion"] == "success", run
    [job] = server.jobs(repo.name, run["id"])
    log = server.api("GET", f"{base}/actions/jobs/{job['id']}/logs").text
    assert "key=*** region=eu-west" in log and "s3cr3t-value" not in log
    # a branch the environment does not allow: refused as GitHub words it
    from tests.server.conftest import git

    git(repo.work, "checkout", "-q", "-b", "feature/x")
    repo.commit("feature")
    repo.push("feature/x")
    run = server.wait_run(
        repo.name, lambda r: r["head_branch"] == "feature/x" and r["status"] == "completed"
    )
    [job] = server.jobs(repo.name, run["id"])
    assert job["conclusion"] == "failure"
    assert job["reason"] == (
        'Branch "feature/x" is not allowed to deploy to staging due to environment '
        "protection rules."
    )


def test_dispatch_and_workflow_run_chain(server: Server, repo: Repo) -> None:
    repo.write(
        ".github/workflows/build.yml",
        "name: Build\non:\n  workflow_dispatch:\n    inputs:\n      level:\n        default: low\n"
        "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo level=${{ inputs.level }}\n",
    )
    repo.write(
        ".github/workflows/after.yml",
        "name: After\non:\n  workflow_run:\n    workflows: [Build]\n    types: [completed]\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo after ${{ github.event.workflow_run.name }} "
        "${{ github.event.workflow_run.conclusion }}\n",
    )
    repo.commit("two workflows")
    repo.register(server)
    repo.push()
    r = server.api("POST", f"/api/v1/repos/{repo.name}/actions/workflows/build.yml/dispatches",
                   json={"ref": "main", "inputs": {"level": "high"}})  # fmt: skip
    assert r.status_code == 204, r.text
    build = server.wait_run(
        repo.name, lambda r: r["name"] == "Build" and r["status"] == "completed"
    )
    assert build["event"] == "workflow_dispatch" and build["conclusion"] == "success"
    [job] = server.jobs(repo.name, build["id"])
    log = server.api("GET", f"/api/v1/repos/{repo.name}/actions/jobs/{job['id']}/logs").text
    assert "level=high" in log
    after = server.wait_run(
        repo.name, lambda r: r["name"] == "After" and r["status"] == "completed"
    )
    assert after["event"] == "workflow_run"
    [job] = server.jobs(repo.name, after["id"])
    log = server.api("GET", f"/api/v1/repos/{repo.name}/actions/jobs/{job['id']}/logs").text
    assert "after Build success" in log


def test_schedule_tick_queues_due_crons(tmp_path: Path, repo: Repo) -> None:
    """The scheduler's minute tick on a real database and mirror (no server process)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from conveyor.server import models as m
    from conveyor.server.admin import add_repository
    from conveyor.server.app import open_state
    from conveyor.server.scheduler import tick
    from conveyor.server.state import Settings

    repo.write(
        ".github/workflows/nightly.yml",
        "on:\n  schedule:\n    - cron: '30 2 * * *'\njobs:\n  n:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo nightly\n",
    )
    repo.commit("nightly")
    repo.push()
    state = open_state(Settings(tmp_path / "data"))
    try:
        add_repository(state, repo.name, str(repo.bare), "")
        at = datetime(2026, 12, 1, 2, 30, 20, tzinfo=UTC).timestamp()
        assert tick(state, at - 60) == []  # 02:29: not due
        [run_id] = tick(state, at)
        with state.db.session() as s:
            run = s.get(m.Run, run_id)
            assert run is not None
            assert (run.event, run.head_branch, run.status) == ("schedule", "main", "queued")
            assert json.loads(run.payload)["schedule"] == "30 2 * * *"
            assert len(list(s.scalars(select(m.Run)))) == 1
    finally:
        state.db.close()


def test_log_retention_drops_old_logs_only(tmp_path: Path) -> None:
    from conveyor.server import models as m
    from conveyor.server.app import open_state
    from conveyor.server.runner import prune_logs
    from conveyor.server.state import Settings

    state = open_state(Settings(tmp_path / "data", log_retention_days=7))
    day = 86400.0
    try:
        with state.db.session() as s:
            repo = m.Repo(full_name="a/b", clone_url="x", created_at=0)
            s.add(repo)
            s.flush()
            for age in (10, 3):  # days since each run completed
                run = m.Run(repo_id=repo.id, workflow_file="ci.yml", workflow_name="CI",
                            run_number=age, event="push", ref="refs/heads/main", head_sha="0",
                            payload="{}", status="completed", conclusion="success",
                            created_at=0, completed_at=100 * day - age * day)  # fmt: skip
                s.add(run)
                s.flush()
                job = m.Job(run_id=run.id, key=f"k{age}", name="j", job_id="j", request="{}",
                            status="completed", created_at=0)  # fmt: skip
                s.add(job)
                s.flush()
                s.add(m.LogChunk(job_id=job.id, seq=0, offset=0, text=f"old {age}\n", created_at=0))
                (state.run_dir(run.id) / "logs").mkdir(parents=True)
        assert prune_logs(state, at=100 * day) == 1
        with state.db.session() as s:
            left = [c.text for c in s.query(m.LogChunk)]
            reasons = sorted(r.reason for r in s.query(m.Run))
        assert left == ["old 3\n"] and reasons == ["", "logs pruned"]
        assert not (state.run_dir(1) / "logs").exists() and (state.run_dir(2) / "logs").exists()
        assert prune_logs(state, at=100 * day) == 0  # done once
    finally:
        state.db.close()


def test_dispatch_inputs_are_typed_and_checked(server: Server, repo: Repo) -> None:
    repo.write(
        ".github/workflows/ops.yml",
        "on:\n  workflow_dispatch:\n    inputs:\n      dry:\n        type: boolean\n"
        "        default: true\n      count:\n        type: number\n        default: 2\n"
        "jobs:\n  o:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - if: ${{ inputs.dry }}\n        run: echo dry run\n"
        "      - run: echo count=${{ inputs.count }} raw=${{ github.event.inputs.dry }}\n",
    )
    repo.commit("ops")
    repo.register(server, hook=False)
    repo.push()
    url = f"/api/v1/repos/{repo.name}/actions/workflows/ops.yml/dispatches"
    for bad in ({"nope": "1"}, {"count": "many"}):
        r = server.api("POST", url, json={"ref": "main", "inputs": bad})
        assert r.status_code == 422, r.text
    r = server.api("POST", url, json={"ref": "no-such-branch", "inputs": {}})
    assert r.status_code == 422 and "no-such-branch" in r.text
    r = server.api("POST", url, json={"ref": "main", "inputs": {"dry": "false"}})
    assert r.status_code == 204, r.text
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    [job] = server.jobs(repo.name, run["id"])
    log = server.api("GET", f"/api/v1/repos/{repo.name}/actions/jobs/{job['id']}/logs").text
    assert "count=2 raw=false" in log and "dry run\n" not in log.replace("echo dry run", "")


def test_per_repository_limit_and_rerun_of_failed_jobs(tmp_path: Path, repo: Repo) -> None:
    flag = tmp_path / "fixed"
    srv = start(tmp_path, "--max-runs-per-repo", "1")
    try:
        repo.write(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  ok:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: sleep 2\n"
            "  flaky:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: test -f {flag}\n",
        )
        first = repo.commit("one")
        repo.register(srv)
        repo.push()
        srv.wait_run(repo.name, lambda r: r["head_sha"] == first and r["status"] == "in_progress")
        second = repo.commit("two")
        repo.push()
        later = srv.wait_run(repo.name, lambda r: r["head_sha"] == second)
        assert later["status"] == "queued"  # the repository's one run slot is taken
        done = srv.wait_run(
            repo.name, lambda r: r["head_sha"] == first and r["status"] == "completed"
        )
        assert done["conclusion"] == "failure"
        srv.wait_run(repo.name, lambda r: r["head_sha"] == second and r["status"] == "completed")
        before = {j["name"]: j for j in srv.jobs(repo.name, done["id"])}
        flag.write_text("")
        r = srv.api(
            "POST", f"/api/v1/repos/{repo.name}/actions/runs/{done['id']}/rerun-failed-jobs"
        )
        assert r.status_code == 201, r.text
        again = srv.wait_run(
            repo.name, lambda r: r["id"] == done["id"] and r["run_attempt"] == 2
            and r["status"] == "completed",
        )  # fmt: skip
        assert again["conclusion"] == "success"
        after = {j["name"]: j for j in srv.jobs(repo.name, done["id"])}
        assert after["ok"]["completed_at"] == before["ok"]["completed_at"]  # kept, not re-run
        assert after["flaky"]["conclusion"] == "success"
    finally:
        srv.stop()
