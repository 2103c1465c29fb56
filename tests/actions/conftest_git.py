"""Helpers for end-to-end `uses:` tests: a throwaway repository run with `conveyor run`
in-process, bare action repositories served over file:// or a real HTTP git server.

Not a conftest (pytest does not load it by itself): test modules import what they need and
wrap it in their own fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conveyor.cli.main import main

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@dataclass
class Result:
    code: int
    report: dict[str, Any]
    out: str
    err: str
    repo: Path

    @property
    def conclusion(self) -> str:
        return str(self.report.get("conclusion"))

    def all_jobs(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        def walk(jobs: list[dict[str, Any]]) -> None:
            for j in jobs:
                found.append(j)
                walk(j.get("jobs") or [])

        for w in self.report.get("workflows", []):
            walk(w["jobs"])
        return found

    def job(self, job_id: str) -> dict[str, Any]:
        matches = [j for j in self.all_jobs() if j["id"] == job_id]
        assert len(matches) == 1, f"{len(matches)} jobs '{job_id}' in {self.report}"
        return matches[0]

    def step(self, job_id: str, key: str) -> dict[str, Any]:
        steps = self.job(job_id)["steps"]
        matches = [s for s in steps if key in (s.get("id"), s.get("name"))]
        assert matches, f"no step {key!r} in {[(s['id'], s['name']) for s in steps]}"
        return matches[0]  # type: ignore[no-any-return]

    @property
    def run_dir(self) -> Path:
        return self.repo / ".conveyor" / "runs" / str(self.report["run_id"])

    @property
    def logs(self) -> str:
        log_dir = self.run_dir / "logs"
        return "\n".join(p.read_text(encoding="utf-8") for p in sorted(log_dir.glob("*.log")))

    def text(self) -> str:
        return "\n".join([self.out, self.err, self.logs if self.report else ""])


@dataclass
class Project:
    """A git repository with workflows; ``run()`` is `conveyor run push` on it."""

    root: Path
    capsys: pytest.CaptureFixture[str]
    runs: int = field(default=0)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        git(self.root, "init", "-q")

    def write(self, files: dict[str, str]) -> None:
        write_files(self.root, files)

    def workflow(self, text: str, name: str = "ci.yml") -> None:
        self.write({f".github/workflows/{name}": text})

    def commit(self) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", "change")
        return git(self.root, "rev-parse", "HEAD")

    def run(self, *args: str, commit: bool = True) -> Result:
        if commit:
            self.commit()
        self.runs += 1
        report = self.root.parent / f"report-{self.runs}.json"
        self.capsys.readouterr()
        code = main(
            ["run", "push", "-C", str(self.root), "--report", str(report), "--no-color", *args]
        )
        captured = self.capsys.readouterr()
        data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
        return Result(code, data, captured.out, captured.err, self.root)


def make_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    monkeypatch.setenv("CONVEYOR_CACHE_DIR", str(tmp_path / "cache"))
    for name in (
        "CONVEYOR_DATA_DIR",
        "CONVEYOR_ACTIONS_URL",
        "GITHUB_TOKEN",
        "GITHUB_ACTIONS",
        "GITHUB_ENV",
        "GITHUB_OUTPUT",
        "GITHUB_PATH",
        "GITHUB_STATE",
        "CI",
    ):
        monkeypatch.delenv(name, raising=False)
    return Project(tmp_path / "project", capsys)


class ActionServer:
    """Bare repositories at ``srv/owner/repo.git``; ``url`` is what --actions-url takes."""

    def __init__(self, srv: Path) -> None:
        self.srv = srv
        srv.mkdir(parents=True, exist_ok=True)
        self.url = srv.as_uri()

    def publish(
        self,
        name: str,
        files: dict[str, str],
        *,
        tags: tuple[str, ...] = (),
        branch: str = "main",
        work: Path | None = None,
    ) -> str:
        """Commit ``files`` to ``name`` (owner/repo) on ``branch``, tag it; the commit sha."""
        bare = self.srv / f"{name}.git"
        work = work or self.srv.parent / "work" / name
        if not bare.exists():
            bare.mkdir(parents=True)
            git(bare, "init", "-q", "--bare")
            work.mkdir(parents=True, exist_ok=True)
            git(work, "init", "-q")
            git(work, "remote", "add", "origin", str(bare))
        git(work, "checkout", "-q", "-B", branch)
        write_files(work, files)
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "publish")
        sha = git(work, "rev-parse", "HEAD")
        for tag in tags:
            git(work, "tag", "-f", tag)
        git(work, "push", "-q", "-f", "origin", branch, *[f"refs/tags/{t}" for t in tags])
        return sha


class _GitHTTPHandler(BaseHTTPRequestHandler):
    """`git http-backend` as CGI: the smart HTTP protocol, as a real git host serves it."""

    root: Path
    seen: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _cgi(self) -> None:
        path, _, query = self.path.partition("?")
        self.seen.append(path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type") or "",
            "CONTENT_LENGTH": str(length),
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def http_git_server(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve the bare repositories under ``root`` on 127.0.0.1; (base URL, paths requested)."""
    seen: list[str] = []
    handler = type("Handler", (_GitHTTPHandler,), {"root": root, "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
