"""A tiny image for container tests: busybox-static with every applet, made with buildah
(nothing can be pulled here). Built once per machine, reused while it exists."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

IMAGE = "localhost/conveyor-test-busybox:1"


def container_engine() -> str:
    """podman's path, or skip: containers need it (scripts/bootstrap installs it)."""
    engine = shutil.which("podman")
    if engine is None:
        pytest.skip("podman is not installed (scripts/bootstrap installs it)")
    return engine


def ensure_busybox_image() -> str:
    engine = container_engine()
    if subprocess.run([engine, "image", "exists", IMAGE], check=False).returncode == 0:
        return IMAGE
    busybox = shutil.which("busybox")
    if busybox is None or shutil.which("buildah") is None:
        pytest.skip("busybox-static and buildah are needed to build the test image")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for d in ("bin", "tmp", "www"):
            (root / d).mkdir()
        shutil.copy(busybox, root / "bin" / "busybox")
        applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True)
        for name in applets.stdout.split():
            if name != "busybox":
                (root / "bin" / name).symlink_to("busybox")
        (root / "www" / "index.html").write_text("hello-www\n")

        def buildah(*args: str) -> str:
            out = subprocess.run(["buildah", *args], capture_output=True, text=True, check=True)
            return out.stdout.strip()

        ctr = buildah("from", "scratch")
        try:
            buildah("copy", ctr, f"{root}/", "/")
            buildah("config", "--env", "PATH=/bin", ctr)
            buildah("commit", "-q", ctr, IMAGE)
        finally:
            buildah("rm", ctr)
    return IMAGE
