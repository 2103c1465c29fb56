"""A real ``conveyor serve`` on a loopback port, with a data directory, an admin token and
bare git repositories wired with the post-receive hook."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pg import Postgres, start_postgres

CONVEYOR = [sys.executable, "-m", "conveyor"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli(*args: str, data_dir: Path | None = None, stdin: str | None = None) -> str:
    argv = [*CONVEYOR, *args]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    proc = subprocess.run(argv, capture_output=True, text=True, input=stdin, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class Server:
    """One server process; ``kill()`` is a ``kill -9``, ``start()`` starts it again on
    the same port and data directory."""

    def __init__(self, data_dir: Path, port: int, extra: list[str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"serve-{port}.log"
        self.token = ""

    def start(self) -> None:
        argv = [*CONVEYOR, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--data-dir", str(self.data_dir), "--lease-ttl", "3", *self.extra]
        out = open(self.log, "ab")  # noqa: SIM115 - the process keeps it
        self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server not ready:\n" + self.log.read_text())

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def runs(self, repo: str, **params: str) -> list[dict[str, Any]]:
        r = self.api("GET", f"/api/v1/repos/{repo}/actions/runs", params=params)
        assert r.status_code == 200, r.text
        runs: list[dict[str, Any]] = r.json()["workflow_runs"]
        return runs

    def wait_run(
        self, repo: str, pred: Any, timeout: float = 90, what: str = "a run"
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            last = self.runs(repo)
            for run in last:
                if pred(run):
                    return run
            time.sleep(0.2)
        raise AssertionError(f"no {what} in {json.dumps(last, indent=1)}\n{self.log.read_text()}")

    def jobs(self, repo: str, run_id: int) -> list[dict[str, Any]]:
        r = self.api("GET", f"/api/v1/repos/{repo}/actions/runs/{run_id}/jobs")
        assert r.status_code == 200, r.text
        jobs: list[dict[str, Any]] = r.json()["jobs"]
        return jobs


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "data"
    srv = Server(data, free_port())
    srv.token = cli("tokens", "create", "--scope", "admin", data_dir=data).strip()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


class Repo:
    """A bare repository (the remote) and a clone to commit and push from."""

    def __init__(self, root: Path, name: str = "acme/app") -> None:
        self.name = name
        self.bare = root / "remote.git"
        self.work = root / "work"
        git(root, "init", "-q", "--bare", "-b", "main", str(self.bare))
        git(root, "clone", "-q", str(self.bare), str(self.work))
        git(self.work, "checkout", "-q", "-B", "main")

    def write(self, path: str, text: str) -> None:
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str) -> str:
        git(self.work, "add", "-A")
        git(self.work, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.work, "rev-parse", "HEAD").strip()

    def push(self, *args: str) -> str:
        env = {**os.environ, **GIT_ENV}
        proc = subprocess.run(
            ["git", "push", "-q", "origin", *(args or ("main",))],
            cwd=self.work,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    def register(self, srv: Server, secret: str = "s3cret", hook: bool = True) -> None:
        cli("repos", "add", self.name, "--clone-url", str(self.bare),
            "--webhook-secret", secret, data_dir=srv.data_dir)  # fmt: skip
        if hook:
            cli("hooks", "install", str(self.bare), "--server", srv.url, "--repo", self.name)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL 15 for the session (tests/pg.py); a database per test."""
    with start_postgres() as pg:
        yield pg
