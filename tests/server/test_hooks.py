from __future__ import annotations

import shutil
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conveyor.records import record
from conveyor.server import hooks

OLD = "1" * 40
NEW = "2" * 40


@record(slots=True)
class Received:
    path: str
    body: str
    content_type: str
    authorization: str | None


@record(slots=True)
class Server:
    url: str
    received: list[Received]


@pytest.fixture
def server() -> Iterator[Server]:
    """A stdlib HTTP server on 127.0.0.1 that records every POST and answers 204."""
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            received.append(
                Received(
                    self.path,
                    body,
                    self.headers.get("Content-Type", ""),
                    self.headers.get("Authorization"),
                )
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", received)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Ada")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "ada@example.com")
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    path = tmp_path / "widgets.git"
    git(tmp_path, "init", "-q", "--bare", str(path))
    return path


@pytest.fixture
def work(tmp_path: Path, bare: Path) -> Path:
    path = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(path))
    return path


def commit_and_push(work: Path, *refspecs: str) -> tuple[str, str]:
    """A new commit on main pushed with ``refspecs``; (new sha, git push's stderr)."""
    git(work, "commit", "-q", "--allow-empty", "-m", "change")
    sha = git(work, "rev-parse", "HEAD").stdout.strip()
    pushed = git(work, "push", "origin", *(refspecs or ("main",)))
    return sha, pushed.stderr


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_push_notifies_the_server(bare: Path, work: Path, server: Server) -> None:
    hook = hooks.install(bare, server.url + "/", "acme/widgets", token="t0ken")
    assert hook == bare / "hooks" / "post-receive"
    assert stat.S_IMODE(hook.stat().st_mode) == 0o755
    sha, _ = commit_and_push(work, "main", "main:refs/tags/v1")
    [request] = server.received
    assert request.path == "/hooks/git/acme/widgets"
    assert request.content_type == "text/plain"
    assert request.authorization == "Bearer t0ken"
    zeros = "0" * 40
    assert sorted(hooks.parse_hook_body(request.body)) == [
        (zeros, sha, "refs/heads/main"),
        (zeros, sha, "refs/tags/v1"),
    ]


def test_no_token_sends_no_authorization(bare: Path, work: Path, server: Server) -> None:
    hooks.install(bare, server.url, "acme/widgets")
    commit_and_push(work)
    assert [r.authorization for r in server.received] == [None]


def test_push_succeeds_when_the_server_is_down(bare: Path, work: Path) -> None:
    down = f"http://127.0.0.1:{closed_port()}"
    hooks.install(bare, down, "acme/widgets")
    sha, stderr = commit_and_push(work)  # check=True: the push itself succeeded
    assert git(bare, "rev-parse", "main").stdout.strip() == sha
    lines = [line for line in stderr.splitlines() if "conveyor:" in line]
    assert len(lines) == 1
    assert lines[0].startswith(f"remote: conveyor: could not notify {down}: ")


def test_a_foreign_hook_is_chained_and_still_runs(
    bare: Path, work: Path, server: Server, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.txt"
    foreign = bare / "hooks" / "post-receive"
    foreign.write_text(f"#!/bin/sh\ncat > '{seen}'\n")
    foreign.chmod(0o755)
    hooks.install(bare, server.url, "acme/widgets")
    assert (bare / "hooks" / hooks.CHAINED).read_text().startswith("#!/bin/sh\ncat >")

    sha, _ = commit_and_push(work)
    assert seen.read_text().split() == ["0" * 40, sha, "refs/heads/main"]
    assert len(server.received) == 1


def test_reinstall_replaces_only_our_hook(bare: Path, work: Path, server: Server) -> None:
    foreign = bare / "hooks" / "post-receive"
    foreign.write_text("#!/bin/sh\nexit 0\n")
    foreign.chmod(0o755)
    hooks.install(bare, server.url, "acme/widgets", token="old")
    hooks.install(bare, server.url, "acme/widgets", token="new")
    assert (bare / "hooks" / hooks.CHAINED).read_text() == "#!/bin/sh\nexit 0\n"
    assert sorted(p.name for p in (bare / "hooks").glob("post-receive*")) == [
        "post-receive",
        hooks.CHAINED,
    ]
    commit_and_push(work)
    assert [r.authorization for r in server.received] == ["Bearer new"]


def test_a_second_foreign_hook_is_not_overwritten(bare: Path, server: Server) -> None:
    hooks_dir = bare / "hooks"
    (hooks_dir / hooks.CHAINED).write_text("#!/bin/sh\n# first\n")
    (hooks_dir / "post-receive").write_text("#!/bin/sh\n# second\n")
    with pytest.raises(FileExistsError, match="merge the two"):
        hooks.install(bare, server.url, "acme/widgets")
    assert (hooks_dir / "post-receive").read_text() == "#!/bin/sh\n# second\n"


def run_hook_with(tools: list[str], hook: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the hook directly with only ``tools`` on PATH (as found on this machine)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        found = sys.executable if tool == "python3" else shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return subprocess.run(
        ["/bin/sh", str(hook)],
        input=f"{OLD} {NEW} refs/heads/main\n",
        cwd=hook.parent.parent,
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_python3_stands_in_for_curl(bare: Path, server: Server, tmp_path: Path) -> None:
    hook = hooks.install(bare, server.url, "acme/widgets", token="py")
    done = run_hook_with(["cat", "dirname", "tr", "python3"], hook, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    [request] = server.received
    assert request.authorization == "Bearer py"
    assert hooks.parse_hook_body(request.body) == [(OLD, NEW, "refs/heads/main")]


def test_without_curl_or_python3_the_hook_says_so(bare: Path, tmp_path: Path) -> None:
    hook = hooks.install(bare, "http://ci.example", "acme/widgets")
    done = run_hook_with(["cat", "dirname", "tr"], hook, tmp_path)
    assert done.returncode == 0
    assert done.stderr == (
        "conveyor: could not notify http://ci.example: neither curl nor python3 is installed\n"
    )


def test_install_validates_its_arguments(bare: Path, work: Path) -> None:
    with pytest.raises(ValueError, match="not a bare git repository"):
        hooks.install(work, "http://ci.example", "acme/widgets")
    with pytest.raises(ValueError, match="not a bare git repository"):
        hooks.install(bare / "missing", "http://ci.example", "acme/widgets")
    for repo in ("widgets", "acme/widgets/x", "acme/..", "acme/wid gets"):
        with pytest.raises(ValueError, match="OWNER/NAME"):
            hooks.install(bare, "http://ci.example", repo)
    with pytest.raises(ValueError, match="server URL"):
        hooks.install(bare, "ci.example", "acme/widgets")
    with pytest.raises(ValueError, match="token"):
        hooks.install(bare, "http://ci.example", "acme/widgets", token="a b")
    assert not (bare / "hooks" / "post-receive").exists()


def test_values_are_quoted_for_the_shell(bare: Path, tmp_path: Path) -> None:
    hook = hooks.install(bare, "http://ci.example", "acme/widgets", token="it's$(touch${IFS}x)")
    assert "token='it'\\''s$(touch${IFS}x)'" in hook.read_text()
    done = run_hook_with(["cat", "dirname", "tr"], hook, tmp_path)
    assert done.returncode == 0 and not (bare / "x").exists()


def test_parse_hook_body() -> None:
    sha256 = "a" * 64
    text = f"\n{OLD} {NEW} refs/heads/main\r\n\n{'0' * 64} {sha256} refs/tags/v1.0\n"
    assert hooks.parse_hook_body(text) == [
        (OLD, NEW, "refs/heads/main"),
        ("0" * 64, sha256, "refs/tags/v1.0"),
    ]
    assert hooks.parse_hook_body("") == []


@pytest.mark.parametrize(
    "line",
    [
        f"{OLD} {NEW}",
        f"{OLD} {NEW} refs/heads/main extra",
        f"{OLD[:-1]} {NEW} refs/heads/main",
        f"{'A' * 40} {NEW} refs/heads/main",
        f"{OLD} {'b' * 64} refs/heads/main",
        f"{OLD} {NEW} main",
        f"{OLD} {NEW} refs/heads/../x",
        f"{OLD} {NEW} refs/heads/x.lock",
        "GET / HTTP/1.1",
    ],
)
def test_parse_hook_body_rejects_garbage(line: str) -> None:
    with pytest.raises(ValueError, match="line 2"):
        hooks.parse_hook_body(f"{OLD} {NEW} refs/heads/ok\n{line}\n")
