"""`conveyor serve --database-url postgresql://…` end to end on a real PostgreSQL:
the same push, approval and kill -9 recovery as on SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.pg import Postgres
from tests.server.conftest import Repo, Server, cli, free_port

DEPLOY = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built on postgres
  release:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo released
"""


def test_push_approve_and_restart_on_postgresql(
    tmp_path: Path, repo: Repo, postgres: Postgres
) -> None:
    url = postgres.create_database(f"serve_{uuid.uuid4().hex[:10]}")
    data = tmp_path / "data"
    srv = Server(data, free_port(), ["--database-url", url])
    srv.token = cli("tokens", "create", "--scope", "admin", "--database-url", url,
                    data_dir=data).strip()  # fmt: skip
    srv.start()
    try:
        repo.write(".github/workflows/deploy.yml", DEPLOY)
        repo.commit("deploy")
        cli("repos", "add", repo.name, "--clone-url", str(repo.bare), "--webhook-secret", "k",
            "--database-url", url, data_dir=data)  # fmt: skip
        cli("hooks", "install", str(repo.bare), "--server", srv.url, "--repo", repo.name)
        repo.push()
        run = srv.wait_run(repo.name, lambda r: r["status"] == "waiting")
        assert not (data / "server.db").exists()  # everything went to PostgreSQL
        srv.kill()  # kill -9 while a job waits for its review
        srv.start()
        waiting = srv.wait_run(repo.name, lambda r: r["status"] == "waiting")
        assert waiting["id"] == run["id"]
        r = srv.api("POST", f"/api/v1/repos/{repo.name}/actions/runs/{run['id']}/approve")
        assert r.status_code == 200, r.text
        done = srv.wait_run(repo.name, lambda r: r["status"] == "completed")
        assert done["conclusion"] == "success"
        jobs = {j["name"]: j for j in srv.jobs(repo.name, run["id"])}
        assert jobs["build"]["run_attempt"] == 1 and jobs["release"]["conclusion"] == "success"
        log = srv.api("GET", f"/api/v1/repos/{repo.name}/actions/jobs/{jobs['build']['id']}/logs")
        assert "built on postgres" in log.text
    finally:
        srv.stop()
