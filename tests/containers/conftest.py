"""Real containers with podman: the images ``conveyor images bootstrap`` builds (once per
session; a few minutes cold, under a second when current) and a plain-HTTP registry on
127.0.0.1. Tests here are marked ``containers``: plain ``pytest`` leaves them out,
``scripts/test`` (CI) runs them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.support import BOOTSTRAP_TIMEOUT, conveyor


@pytest.fixture(scope="session", autouse=True)
def images() -> str:
    """Every test here needs the images: build what is missing once, or skip the folder
    when this machine has no podman. Its output (what was built, how long it took)."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed: scripts/bootstrap installs it (apt-get)")
    proc = conveyor("images", "bootstrap", timeout=BOOTSTRAP_TIMEOUT)
    if proc.returncode != 0:
        pytest.fail(
            f"conveyor images bootstrap exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's ``docker-registry`` on 127.0.0.1 over plain HTTP, no auth, storage in a temp
    dir: its ``host:port``."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("docker-registry is not installed: scripts/bootstrap installs it")
    root: Path = tmp_path_factory.mktemp("registry")
    port = _free_port()
    (root / "config.yml").write_text(
        f"""version: 0.1
log: {{level: error}}
storage: {{filesystem: {{rootdirectory: {root / "data"}}}}}
http: {{addr: 127.0.0.1:{port}}}
"""
    )
    proc = subprocess.Popen(
        [binary, "serve", str(root / "config.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                assert proc.poll() is None, "docker-registry exited"
                assert time.monotonic() < deadline, "docker-registry never answered on /v2/"
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
