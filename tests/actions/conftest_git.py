"""Helpers for end-to-end `uses:` tests: a throwaway repository (tests.harness) run with
`conveyor run` in-process, bare action repositories served over file:// or a real HTTP git
server.

Not a conftest (pytest does not load it by itself): test modules import what they need and
wrap it in their own fixtures.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Repo, Result, git, isolate, write_files


class Project:
    """The harness's ``Repo`` as these modules use it: ``write`` takes ``{path: text}`` and
    ``run()`` commits, then runs `conveyor run push` in-process."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.root = repo.root

    def write(self, files: dict[str, str]) -> None:
        self.repo.write_files(files)

    def workflow(self, text: str, name: str = "ci.yml") -> None:
        self.repo.workflow(text, name)

    def commit(self) -> str:
        return self.repo.commit()

    def run(self, *args: str, commit: bool = True) -> Result:
        return self.repo.run(*args, event="push", commit=commit)


def make_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """``capsys`` is unused (the harness captures output itself); kept for the callers."""
    isolate(monkeypatch, tmp_path / "cache")
    return Project(Repo(tmp_path / "project", tmp=tmp_path, autocommit="never"))


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
