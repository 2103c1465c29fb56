"""An image's root filesystem to read: ``podman image mount`` (rootful, no copy), else
``podman create`` + ``podman export`` of only the files an inventory reads."""

from __future__ import annotations

import contextlib
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from conveyor.scan.base import Runner, ScanError

# what inventory.py reads; everything else in an exported image stays in the tar
_WANTED = re.compile(
    r"^(?:etc/os-release|usr/lib/os-release|var/lib/dpkg/status(?:\.d/[^/]+)?"
    r"|.*/(?:site|dist)-packages/[^/]+\.(?:dist-info/METADATA|egg-info(?:/PKG-INFO)?)"
    r"|.*node_modules/(?:@[^/]+/)?[^/]+/package\.json)$"
)


def _fail(what: str, ref: str, stderr: str) -> ScanError:
    detail = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
    return ScanError(
        f"cannot {what} image '{ref}': {detail} (images are scanned from the local "
        "store: build or pull it in an earlier step)"
    )


@contextlib.contextmanager
def mounted(runner: Runner, ref: str) -> Iterator[Path]:
    """``podman image mount``: the image's layers, read in place; unmounted after."""
    out = runner.capture(["podman", "image", "mount", ref])
    if out.exit.code != 0:
        raise _fail("mount", ref, out.stderr)
    try:
        yield Path(out.stdout.strip().splitlines()[-1])
    finally:
        runner.capture(["podman", "image", "unmount", ref])


@contextlib.contextmanager
def exported(runner: Runner, ref: str) -> Iterator[Path]:
    """A container created (never started) from the image, exported to a tar, and the
    package metadata files extracted from it into a temporary folder; all removed after."""
    out = runner.capture(["podman", "create", "-q", ref, "true"])
    if out.exit.code != 0:
        raise _fail("create a container from", ref, out.stderr)
    container = out.stdout.strip().splitlines()[-1]
    tmp = Path(tempfile.mkdtemp(prefix="conveyor-scan-"))
    try:
        tar = tmp / "image.tar"
        out = runner.capture(["podman", "export", "-o", str(tar), container])
        if out.exit.code != 0:
            raise _fail("export", ref, out.stderr)
        root = tmp / "root"
        root.mkdir()
        with tarfile.open(tar) as archive:
            members = [
                m for m in archive.getmembers()
                if m.isfile() and _WANTED.match(m.name.lstrip("./"))
            ]  # fmt: skip
            archive.extractall(root, members=members, filter="data")
        tar.unlink()
        yield root
    finally:
        runner.capture(["podman", "rm", "-f", container])
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def image_root(runner: Runner, ref: str, prefer_mount: bool = True) -> Iterator[Path]:
    """The image's root filesystem: mounted when podman can (as root), else exported."""
    if shutil.which("podman") is None:
        raise ScanError(f"scanning image '{ref}' needs podman, which is not on PATH")
    probe = runner.capture(["podman", "image", "exists", ref])
    if probe.exit.code != 0:
        raise _fail("find", ref, probe.stderr or "not in the local image store")
    if prefer_mount:
        mount = runner.capture(["podman", "info", "--format", "{{.Host.Security.Rootless}}"])
        if mount.exit.code == 0 and mount.stdout.strip() == "false":
            with mounted(runner, ref) as root:
                yield root
            return
    with exported(runner, ref) as root:
        yield root
