"""Commit statuses against a real loopback HTTP server standing in for the forge's API."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conveyor.server.statuses import StatusPoster, context_for, state_for

TOKEN = "ghp_s3cretTokenValue"
SHA = "0123456789abcdef0123456789abcdef01234567"


class Forge(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        # (status, headers) for the next requests; then 201
        self.replies: list[tuple[int, dict[str, str]]] = []
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v3"


class _Handler(BaseHTTPRequestHandler):
    server: Forge

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append((self.path, dict(self.headers), body))
        code, headers = self.server.replies.pop(0) if self.server.replies else (201, {})
        # like some proxies, echo the credentials back: the poster must mask them
        reply = json.dumps({"status": code, "auth": self.headers["Authorization"]}).encode()
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def forge() -> Iterator[Forge]:
    server = Forge()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


class Poster:
    """A StatusPoster whose sleeps and errors are recorded rather than waited or logged."""

    def __init__(self, base: str, **options: Any) -> None:
        self.slept: list[float] = []
        self.errors: list[str] = []
        self.poster = StatusPoster(
            base, TOKEN, sleep=self.slept.append, on_error=self.errors.append, **options
        )

    def post(self, state: str = "success", description: str = "All good") -> None:
        self.poster.post("octo", "app", SHA, state, "conveyor/CI", description, "http://ci/r/1")

    def close(self) -> None:
        assert self.poster.close(timeout=30)


@pytest.mark.parametrize(
    ("status", "conclusion", "state"),
    [
        ("queued", None, "pending"),
        ("in_progress", None, "pending"),
        ("waiting", None, "pending"),
        ("completed", "success", "success"),
        ("completed", "skipped", "success"),
        ("completed", "failure", "failure"),
        ("completed", "timed_out", "failure"),
        ("completed", "cancelled", "error"),
    ],
)
def test_state_for(status: str, conclusion: str | None, state: str) -> None:
    assert state_for(status, conclusion) == state


def test_status_goes_to_the_statuses_path_with_json_and_auth(forge: Forge) -> None:
    p = Poster(forge.base)
    p.post("pending", "Running")
    p.close()
    [(path, headers, body)] = forge.requests
    assert path == f"/api/v3/repos/octo/app/statuses/{SHA}"
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "state": "pending",
        "context": "conveyor/CI",
        "description": "Running",
        "target_url": "http://ci/r/1",
    }
    assert p.errors == [] and p.slept == []


def test_statuses_are_sent_in_order(forge: Forge) -> None:
    p = Poster(forge.base)
    for state in ("pending", "success", "failure"):
        p.post(state)
    p.close()
    assert [json.loads(body)["state"] for _, _, body in forge.requests] == [
        "pending",
        "success",
        "failure",
    ]


def test_bad_gateway_is_retried(forge: Forge) -> None:
    forge.replies = [(502, {})]
    p = Poster(forge.base, base_delay=2.0)
    p.post()
    p.close()
    assert len(forge.requests) == 2
    assert forge.requests[0][2] == forge.requests[1][2]
    assert p.slept == [2.0]
    assert p.errors == []


def test_not_found_is_not_retried_and_the_token_is_masked(forge: Forge) -> None:
    forge.replies = [(404, {})]
    p = Poster(forge.base)
    p.post()
    p.close()
    assert len(forge.requests) == 1
    assert p.slept == []
    [error] = p.errors
    assert error.startswith(f"commit status 'conveyor/CI' for octo/app@{SHA[:12]}: HTTP 404:")
    assert error.endswith("(not retried)")
    assert "Bearer ***" in error  # the forge echoed it; masking hid it
    assert TOKEN not in error


def test_rate_limit_honours_retry_after_capped(forge: Forge) -> None:
    forge.replies = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "3600"})]
    p = Poster(forge.base, base_delay=1.0, max_delay=60.0)
    p.post()
    p.close()
    assert len(forge.requests) == 3
    assert p.slept == [7.0, 60.0]
    assert p.errors == []


def test_giving_up_after_attempts_reports_once(forge: Forge) -> None:
    forge.replies = [(500, {})] * 3
    p = Poster(forge.base, attempts=3, base_delay=0.5)
    p.post()
    p.close()
    assert len(forge.requests) == 3
    assert p.slept == [0.5, 1.0]
    [error] = p.errors
    assert "HTTP 500" in error and error.endswith("(after 3 attempts)")


def test_connection_errors_are_retried() -> None:
    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = Poster(f"http://127.0.0.1:{port}", attempts=3, base_delay=1.0)
    p.post()
    p.close()
    assert p.slept == [1.0, 2.0]
    [error] = p.errors
    assert "ConnectError" in error and error.endswith("(after 3 attempts)")


def test_description_is_cut_to_githubs_limit(forge: Forge) -> None:
    p = Poster(forge.base)
    p.post(description="x" * 500)
    p.post(description="y" * 140)
    p.close()
    first, second = (json.loads(body)["description"] for _, _, body in forge.requests)
    assert len(first) == 140 and first.endswith("…")
    assert second == "y" * 140


def test_post_rejects_unknown_states_and_posting_after_close(forge: Forge) -> None:
    p = Poster(forge.base)
    with pytest.raises(ValueError, match="cancelled"):
        p.post("cancelled")
    p.close()
    with pytest.raises(RuntimeError, match="closed"):
        p.post()
    assert forge.requests == []


def test_default_context_names_the_workflow() -> None:
    assert context_for("Build and test") == "conveyor/Build and test"
