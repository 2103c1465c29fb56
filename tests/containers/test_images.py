"""The images ``conveyor images bootstrap`` builds, used the way workflows use them: by
short name with no registry, as job containers and as services reached by name."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

import pytest

from tests.containers.support import conveyor, podman, unique

pytestmark = pytest.mark.containers

PRIMARY = ["debian:bookworm", "python:3.11", "python:3.12", "python:3.13"]
PRIMARY += ["postgres:16", "redis:7"]


def _wait(what: str, check: list[str], seconds: float = 60.0) -> None:
    """Run ``podman CHECK`` until it succeeds, at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        proc = subprocess.run(["podman", *check], capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready after {seconds:.0f} s: {proc.stdout}{proc.stderr}")
        time.sleep(0.5)


def test_debian_runs_by_short_name_without_pulling() -> None:
    out = podman("run", "--rm", "--pull=never", "debian:bookworm", "cat", "/etc/debian_version")
    assert out.startswith("12.")
    # the default pull policy (missing) finds the local image too: no registry is asked
    assert podman("run", "--rm", "ubuntu:22.04", "cat", "/etc/debian_version") == out
    tools = "bash --version >/dev/null && git --version && curl --version >/dev/null && ps -p 1"
    assert "git version" in podman("run", "--rm", "debian:12", "sh", "-c", tools)


@pytest.mark.parametrize("minor", ["3.11", "3.12", "3.13"])
def test_python_gives_its_version_and_a_working_venv(minor: str) -> None:
    script = "python --version && python -m venv /tmp/v && /tmp/v/bin/pip --version"
    out = podman("run", "--rm", f"python:{minor}", "sh", "-c", script)
    assert out.startswith(f"Python {minor}.")
    assert f"/tmp/v/lib/python{minor}/site-packages/pip" in out


def test_postgres_service_answers_by_name_with_a_password() -> None:
    net, server = unique("net"), unique("pg")
    podman("network", "create", net)
    try:
        podman(
            "run", "-d", "--name", server, "--network", net, "--network-alias", "db",
            "-e", "POSTGRES_PASSWORD=s3cret", "-e", "POSTGRES_USER=app",
            "-e", "POSTGRES_DB=shop", "postgres:16",
        )  # fmt: skip
        _wait("postgres", ["exec", server, "pg_isready", "-h", "localhost", "-U", "app"])

        def psql(password: str) -> subprocess.CompletedProcess[str]:
            argv = ["podman", "run", "--rm", "--network", net, "-e", f"PGPASSWORD={password}"]
            argv += ["postgres:16", "psql", "-h", "db", "-U", "app", "-d", "shop"]
            return subprocess.run(
                [*argv, "-tAc", "SELECT 1"], capture_output=True, text=True, check=False
            )

        assert psql("s3cret").stdout.strip() == "1"
        wrong = psql("wrong")
        assert wrong.returncode != 0
        assert "password authentication failed" in wrong.stderr
        assert podman("exec", server, "ps", "-o", "user=", "-p", "1").strip() == "postgres"
        # SIGTERM is a smart shutdown: postgres exits 0 well before podman would kill it
        podman("kill", "--signal", "TERM", server)
        assert podman("wait", server, timeout=30).strip() == "0"
    finally:
        podman("rm", "-f", "-v", server, check=False)
        podman("network", "rm", "-f", net, check=False)


def test_postgres_without_a_password_refuses_to_start() -> None:
    proc = subprocess.run(
        ["podman", "run", "--rm", "postgres:16"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "POSTGRES_PASSWORD" in proc.stderr


def test_redis_service_answers_pong_by_name() -> None:
    net, server = unique("net"), unique("redis")
    podman("network", "create", net)
    try:
        podman("run", "-d", "--name", server, "--network", net, "--network-alias", "cache",
               "redis:7")  # fmt: skip
        ping = ["run", "--rm", "--network", net, "redis:7", "redis-cli", "-h", "cache", "ping"]
        _wait("redis", ping)
        assert podman(*ping).strip() == "PONG"
    finally:
        podman("rm", "-f", "-v", server, check=False)
        podman("network", "rm", "-f", net, check=False)


def test_node_runs_with_npm() -> None:
    names = podman("images", "--format", "{{.Repository}}:{{.Tag}}", "docker.io/library/node")
    majors = sorted({n.split(":")[1] for n in names.split() if n.split(":")[1].isdigit()})
    assert majors, "no node:MAJOR image was built"
    script = "node -e 'console.log(process.version)' && npm --version"
    out = podman("run", "--rm", f"node:{majors[0]}", "sh", "-c", script)
    assert out.startswith(f"v{majors[0]}.")


def _ids() -> dict[str, str]:
    found = json.loads(podman("images", "--format", "json"))
    return {
        name: image["Id"]
        for image in found
        for name in image.get("Names") or ()
        if name.removeprefix("docker.io/library/") in PRIMARY
    }


def test_a_second_bootstrap_rebuilds_nothing() -> None:
    before = _ids()
    assert len(before) == len(PRIMARY)
    proc = conveyor("images", "bootstrap")
    assert proc.returncode == 0, proc.stderr
    assert all(line.endswith(": up to date") for line in proc.stdout.splitlines()), proc.stdout
    assert _ids() == before


def test_list_says_what_the_stand_ins_really_are() -> None:
    proc = conveyor("images", "list")
    assert proc.returncode == 0, proc.stderr
    assert "stand-in for: ubuntu:22.04 ubuntu:24.04 ubuntu:latest (Debian, not Ubuntu)" in (
        proc.stdout
    )
    assert "PostgreSQL 15 (not 16)" in proc.stdout
    assert "not built" not in proc.stdout


def test_an_image_copies_to_a_registry_over_plain_http(registry: str) -> None:
    # skopeo reads podman's storage directly, as a user's `docker push` would its own
    subprocess.run(
        [
            "skopeo", "copy", "--quiet", "--dest-tls-verify=false",
            "containers-storage:docker.io/library/redis:7",
            f"docker://{registry}/library/redis:7",
        ],
        check=True,
        timeout=300,
    )  # fmt: skip
    with urllib.request.urlopen(f"http://{registry}/v2/library/redis/tags/list") as response:
        assert json.loads(response.read())["tags"] == ["7"]
