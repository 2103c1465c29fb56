"""A real OCI registry for tests: Debian's ``docker-registry`` on 127.0.0.1, with
htpasswd (bcrypt) authentication, storage in a temp dir, stopped at the end."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
import warnings
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

USER = "ci"
PASSWORD = "s3cret-registry-pw"


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT

    def get(self, path: str, accept: str = "") -> tuple[dict[str, str], Any]:
        """GET /v2/... with the test credentials; (headers, parsed JSON body)."""
        request = urllib.request.Request(f"http://{self.host}{path}")
        token = b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if accept:
            request.add_header("Accept", accept)
        with urllib.request.urlopen(request, timeout=10) as response:
            return dict(response.headers), json.loads(response.read() or b"null")

    def tags(self, name: str) -> list[str]:
        return sorted(self.get(f"/v2/{name}/tags/list")[1].get("tags") or [])

    def config(self, name: str, tag: str) -> dict[str, Any]:
        """The image config of ``name:tag`` (labels under ``config.Labels``)."""
        accept = "application/vnd.oci.image.manifest.v1+json,"
        accept += "application/vnd.docker.distribution.manifest.v2+json"
        _, manifest = self.get(f"/v2/{name}/manifests/{tag}", accept)
        digest = manifest["config"]["digest"]
        return dict(self.get(f"/v2/{name}/blobs/{digest}")[1])

    def digest(self, name: str, tag: str) -> str:
        accept = "application/vnd.oci.image.manifest.v1+json,"
        accept += "application/vnd.docker.distribution.manifest.v2+json"
        headers, _ = self.get(f"/v2/{name}/manifests/{tag}", accept)
        return headers.get("Docker-Content-Digest", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _htpasswd(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # libxcrypt's bcrypt; the module is gone in Python 3.13

    path.write_text(f"{USER}:{crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))}\n")


@contextlib.contextmanager
def running_registry(root: Path, auth: bool = True) -> Iterator[Registry]:
    """docker-registry on a free loopback port, with htpasswd user ``ci`` unless ``auth``
    is false (an open registry, as a mirror usually is)."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("docker-registry is not installed (scripts/bootstrap installs it)")
    port = _free_port()
    _htpasswd(root / "htpasswd")
    (root / "config.yml").write_text(
        f"""
version: 0.1
log: {{level: error}}
storage: {{filesystem: {{rootdirectory: {root / "data"}}}, delete: {{enabled: true}}}}
http: {{addr: 127.0.0.1:{port}}}
"""
        + (
            f"auth: {{htpasswd: {{realm: conveyor-tests, path: {root / 'htpasswd'}}}}}\n"
            if auth
            else ""
        )
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
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # 401: it answers, and wants credentials
            except OSError:
                assert proc.poll() is None, "docker-registry exited"
                assert time.monotonic() < deadline, "docker-registry never answered"
                time.sleep(0.1)
        yield Registry(f"127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
