"""The Debian root filesystem every image starts from: ``debootstrap --variant=minbase``,
kept as a tarball in the cache because it is the slowest step (a minute or two)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from conveyor.images.host import SUITE
from conveyor.images.podman import Progress, run_step

VARIANT = "minbase"


def rootfs_key(mirror: str) -> str:
    """What the tarball depends on; a new mirror or suite makes a new one."""
    text = f"debootstrap --variant={VARIANT} {SUITE} {mirror}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rootfs_tarball(cache: Path, mirror: str, progress: Progress) -> Path:
    """The cached tarball for ``mirror``, made first when missing."""
    tarball = cache / f"rootfs-{SUITE}-{VARIANT}-{rootfs_key(mirror)}.tar"
    if tarball.exists():
        progress(f"using the cached {SUITE} root filesystem {tarball.name}")
        return tarball
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    debs = cache / "debootstrap-debs"
    debs.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="rootfs-", dir=cache))
    try:
        progress(
            f"debootstrap --variant={VARIANT} {SUITE} from {mirror} "
            "(downloads and unpacks ~90 packages: a minute or two)"
        )
        run_step(
            "debootstrap",
            [
                *sudo,
                "debootstrap",
                f"--variant={VARIANT}",
                f"--cache-dir={debs}",
                SUITE,
                str(work / "root"),
                mirror,
            ],
            log=cache / "debootstrap.log",
        )
        progress("packing the root filesystem")
        partial = work / "rootfs.tar"
        run_step(
            "tar the root filesystem",
            [
                *sudo,
                "tar",
                "--numeric-owner",
                "--xattrs",
                "-C",
                str(work / "root"),
                # podman provides /dev, /proc, /sys; debootstrap's package cache is not image
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "--exclude=./var/cache/apt/archives/*.deb",
                "--exclude=./var/lib/apt/lists/*_*",
                "-cf",
                str(partial),
                ".",
            ],
        )
        os.replace(partial, tarball)
    finally:
        # debootstrap left root-owned files (and device nodes) behind
        run_rm = [*sudo, "rm", "-rf", "--one-file-system", str(work)]
        if subprocess.run(run_rm, check=False).returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
    for old in cache.glob(f"rootfs-{SUITE}-{VARIANT}-*.tar"):
        if old != tarball:
            old.unlink(missing_ok=True)
    return tarball
