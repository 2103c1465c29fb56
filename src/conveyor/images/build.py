"""Building and pushing images with buildah: what docker/build-push-action and
``conveyor image build|push`` do, daemonless.

Commands run through a ``Tools`` (the built-in action passes its step's, so a timeout or a
cancel stops them; the CLI runs them directly). Registry passwords and build secrets never
reach argv or a disk: passwords go through stdin, secrets through files in ``/dev/shm``
(memory), removed as soon as the build ends.
"""

from __future__ import annotations

import contextlib
import os
import platform
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from conveyor.executors.base import Captured
from conveyor.imageref import is_loopback, registry_of
from conveyor.records import field, record


class ImageError(Exception):
    """A build or a push failed, or asked for something this builder cannot do."""


class Tools(Protocol):
    def stream(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
        """Run a command, its output shown as it comes; the exit code."""
        ...

    def capture(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> Captured:
        """Run a command to completion, output kept."""
        ...


@record
class BuildSpec:
    context: Path
    file: Path | None = None  # default: <context>/Dockerfile
    tags: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    build_args: dict[str, str] = field(default_factory=dict)
    target: str = ""
    secrets: dict[str, str] = field(default_factory=dict)  # id -> value
    platforms: list[str] = field(default_factory=list)
    no_cache: bool = False
    pull: bool = False  # always pull base images (else: when missing)
    extra: list[str] = field(default_factory=list)  # --network, --add-host, --shm-size...


def host_platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm/v7"}.get(machine, machine)
    return f"linux/{arch}"


def emulated_platforms() -> list[str]:
    """Platforms QEMU binfmt handlers let this machine build for (besides its own)."""
    names = {
        "aarch64": "linux/arm64",
        "arm": "linux/arm/v7",
        "ppc64le": "linux/ppc64le",
        "s390x": "linux/s390x",
        "riscv64": "linux/riscv64",
        "x86_64": "linux/amd64",
    }
    found = []
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc/sys/fs/binfmt_misc"):
            if entry.startswith("qemu-") and entry[5:] in names:
                found.append(names[entry[5:]])
    return sorted(set(found) - {host_platform()})


def check_platforms(wanted: Sequence[str]) -> None:
    """Refuse, naming them, platforms this machine can neither run nor emulate."""
    can = {host_platform(), *emulated_platforms()}
    missing = [p for p in wanted if p not in can]
    if missing:
        raise ImageError(
            f"cannot build for {', '.join(missing)}: this machine builds "
            f"{', '.join(sorted(can))} (no QEMU binfmt handler for the others; install "
            "qemu-user-static with binfmt_misc to build them)"
        )


@contextlib.contextmanager
def secret_files(secrets: Mapping[str, str]) -> Iterator[list[str]]:
    """``--secret id=ID,src=FILE`` arguments for build secrets, the files in memory
    (``/dev/shm``) with mode 0600, removed when the build is over."""
    if not secrets:
        yield []
        return
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="conveyor-secrets-", dir=base) as tmp:
        args: list[str] = []
        for n, (name, value) in enumerate(secrets.items()):
            path = Path(tmp) / f"s{n}"
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(value)
            args += ["--secret", f"id={name},src={path}"]
        yield args


def build(tools: Tools, spec: BuildSpec, env: Mapping[str, str] | None = None) -> str:
    """Build ``spec`` with ``buildah bud`` (layers cached between runs); the image id."""
    if spec.platforms:
        check_platforms(spec.platforms)
    dockerfile = spec.file or spec.context / "Dockerfile"
    if not dockerfile.is_file():
        raise ImageError(f"no Dockerfile at {dockerfile}")
    with (
        tempfile.TemporaryDirectory(prefix="conveyor-build-") as tmp,
        secret_files(spec.secrets) as secret_args,
    ):
        iidfile = Path(tmp) / "iid"
        argv = ["buildah", "bud", "--layers", "--iidfile", str(iidfile), "-f", str(dockerfile)]
        for tag in spec.tags:
            argv += ["-t", tag]
        for key, value in spec.labels.items():
            argv += ["--label", f"{key}={value}"]
        for key, value in spec.build_args.items():
            argv += ["--build-arg", f"{key}={value}"]
        if spec.target:
            argv += ["--target", spec.target]
        if spec.no_cache:
            argv.append("--no-cache")
        if spec.pull:
            argv.append("--pull-always")
        if len(spec.platforms) == 1 and spec.platforms[0] != host_platform():
            argv += ["--platform", spec.platforms[0]]
        argv += [*secret_args, *spec.extra, str(spec.context)]
        code = tools.stream(argv, env)
        if code != 0:
            raise ImageError(f"buildah bud failed with exit code {code} (its output is above)")
        return iidfile.read_text().strip()


def push(
    tools: Tools, reference: str, *, authfile: str = "", env: Mapping[str, str] | None = None
) -> str:
    """Push ``reference`` to its registry; the manifest digest the registry stored."""
    with tempfile.TemporaryDirectory(prefix="conveyor-push-") as tmp:
        digestfile = Path(tmp) / "digest"
        argv = ["buildah", "push", "--digestfile", str(digestfile)]
        if authfile:
            argv += ["--authfile", authfile]
        if is_loopback(registry_of(reference)):
            argv.append("--tls-verify=false")
        argv += [reference, f"docker://{reference}"]
        code = tools.stream(argv, env)
        if code != 0:
            raise ImageError(f"buildah push {reference} failed with exit code {code}")
        return digestfile.read_text().strip()


def login(
    tools: Tools,
    registry: str,
    username: str,
    password: str,
    authfile: str,
    env: Mapping[str, str] | None = None,
) -> None:
    """Log in to ``registry`` (the password through stdin, never argv)."""
    argv = ["buildah", "login", "--authfile", authfile, "--username", username]
    argv.append("--password-stdin")
    if is_loopback(registry):
        argv.append("--tls-verify=false")
    out = tools.capture([*argv, registry], env, stdin=password)
    if out.exit.code != 0:
        raise ImageError(f"login to {registry} failed: {out.stderr.strip() or out.stdout.strip()}")


def inspect_config_digest(tools: Tools, image: str) -> str:
    out = tools.capture(["buildah", "inspect", "--format", "{{.FromImageDigest}}", image])
    return out.stdout.strip() if out.exit.code == 0 else ""
