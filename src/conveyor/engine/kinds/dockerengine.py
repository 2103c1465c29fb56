"""The container engine's side of a Docker container action: its image (pulled, or built
from the action's Dockerfile and cached by the folder's content) and the ``run`` of one
entrypoint as a sibling of the job, never inside the job container.

As GitHub's runner does it (ContainerActionHandler.cs, DockerCommandManager.DockerRun):
``run --rm --workdir /github/workspace`` with every variable passed as ``--env NAME``
(the value travels in the engine's own environment, not in argv where ``ps`` shows it),
the workspace at ``/github/workspace``, ``_github_home`` at ``/github/home`` and the event
file at ``/github/workflow/event.json``. The job's temp folder is mounted where the job
sees it, so GITHUB_OUTPUT, GITHUB_ENV... name the same files inside.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from conveyor.engine.scope import StepFailed
from conveyor.executors.base import CancelToken, ExitInfo
from conveyor.executors.container import OWNER_LABEL
from conveyor.executors.host import stream_process

BUILT_PREFIX = "localhost/conveyor-action"
# the variables the engine reads itself: their value goes in argv, the engine keeps ours
_ENGINE_VARS = frozenset({"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER", "SHELL"})
_ENGINE_PREFIXES = ("XDG_", "CONTAINERS_", "REGISTRY_AUTH_FILE", "DOCKER_", "BUILDAH_")
_BUILD_TAIL = 15  # lines of a failed build's output in the step's error
_BUILD_LOCKS: dict[str, threading.Lock] = {}  # one build per image at a time
_LOCKS_LOCK = threading.Lock()


def engine_env(env: Mapping[str, str], host: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The engine process's environment and the ``--env`` arguments that pass ``env`` on.

    ``--env NAME`` reads the value from the engine's environment, so a secret never shows
    in argv; only the few variables the engine reads itself (PATH, HOME...) go in argv
    as ``NAME=value``, so that it keeps this machine's."""
    proc_env = dict(host)
    args: list[str] = []
    for name, value in env.items():
        if name in _ENGINE_VARS or name.startswith(_ENGINE_PREFIXES):
            args += ["--env", f"{name}={value}"]
        else:
            proc_env[name] = value
            args += ["--env", name]
    return proc_env, args


def _engine(engine: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [engine, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def ensure_image(engine: str, image: str) -> None:
    """``image`` on this machine, pulled if it is not; StepFailed saying what to do."""
    if _engine(engine, "image", "inspect", "--format", "{{.Id}}", image).returncode == 0:
        return
    pulled = _engine(engine, "pull", "-q", image)
    if pulled.returncode != 0:
        raise StepFailed(
            f"image '{image}' is not on this machine and could not be pulled "
            f"({Path(engine).name} pull: {pulled.stderr.strip()}). Build the base images "
            "with 'conveyor images bootstrap', or make it available to the container engine"
        )


def image_id(engine: str, image: str) -> str:
    """The engine's id of ``image`` ("" when it does not exist)."""
    found = _engine(engine, "image", "inspect", "--format", "{{.Id}}", image)
    return found.stdout.strip() if found.returncode == 0 else ""


def content_hash(folder: Path) -> str:
    """A digest of every file under ``folder`` (names, executable bits, bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if ".git" not in p.relative_to(folder).parts):
        if path.is_symlink():
            kind, data = b"l", os.readlink(path).encode()
        elif path.is_file():
            kind = b"x" if os.access(path, os.X_OK) else b"f"
            data = path.read_bytes()
        else:
            continue
        name = path.relative_to(folder).as_posix().encode()
        digest.update(b"%s %d %s %d\0" % (kind, len(name), name, len(data)))
        digest.update(data)
    return digest.hexdigest()[:32]


def build_image(
    engine: str,
    action_dir: Path,
    dockerfile: Path,
    on_output: Callable[[str], None],
    cancel: CancelToken,
) -> str:
    """The action's image, built from ``dockerfile`` unless an image of this exact folder
    content exists already; its name. A failed build is StepFailed with its last lines."""
    tag = f"{BUILT_PREFIX}/{content_hash(action_dir)}:latest"
    with _LOCKS_LOCK:
        lock = _BUILD_LOCKS.setdefault(tag, threading.Lock())
    with lock:
        if image_id(engine, tag):
            on_output(f"Using the image built before for this action: {tag}")
            return tag
        on_output(f"Building the image {tag}")
        lines: list[str] = []

        def collect(text: str) -> None:
            lines.extend(text.split("\n"))
            del lines[:-_BUILD_TAIL]
            on_output(text)

        # the runner builds with the Dockerfile's folder as the context
        argv = [engine, "build", "-t", tag, "-f", str(dockerfile), str(dockerfile.parent)]
        done = stream_process(
            argv,
            cwd=action_dir,
            env=os.environ,
            on_output=collect,
            timeout=None,
            cancel=cancel,
            groups=[],
        )
    if done.code != 0:
        tail = "\n".join(lines)
        raise StepFailed(
            f"{Path(engine).name} build of '{dockerfile}' failed with exit code {done.code}; "
            f"its last lines:\n{tail}"
        )
    return tag


def remove_container(engine: str, name: str) -> None:
    """Remove a container now, running or not; quiet when it is gone already."""
    wait = ["-t", "0"] if Path(engine).name.startswith("podman") else []
    _engine(engine, "rm", "-f", *wait, name)


def run_container(
    engine: str,
    image: str,
    args: list[str],
    *,
    name: str,
    owner: str,
    env: Mapping[str, str],
    mounts: list[tuple[Path, str]],
    network: str,
    entrypoint: str,
    on_output: Callable[[str], None],
    timeout: float | None,
    cancel: CancelToken,
) -> ExitInfo:
    """``run --rm`` of ``image`` with ``args``, its output streamed; the container is
    removed however the run ends (a timeout, a cancel, a killed engine process)."""
    proc_env, argv = run_argv(
        engine, image, args, name=name, owner=owner, env=env, mounts=mounts,
        network=network, entrypoint=entrypoint,
    )  # fmt: skip
    try:
        return stream_process(
            argv, cwd=None, env=proc_env, on_output=on_output, timeout=timeout,
            cancel=cancel, groups=[],
        )  # fmt: skip
    finally:
        remove_container(engine, name)


def run_argv(
    engine: str,
    image: str,
    args: list[str],
    *,
    name: str,
    owner: str,
    env: Mapping[str, str],
    mounts: list[tuple[Path, str]],
    network: str,
    entrypoint: str,
) -> tuple[dict[str, str], list[str]]:
    """The engine's environment and argv for ``run_container`` (no value of ``env`` in it,
    but for the few the engine reads itself)."""
    proc_env, env_args = engine_env(env, os.environ)
    argv = [
        engine, "run", "--rm",
        "--name", name,
        "--label", f"{OWNER_LABEL}={owner}",
        "--workdir", "/github/workspace",
    ]  # fmt: skip
    argv += env_args
    for source, target in mounts:
        argv += ["-v", f"{source}:{target}"]
    if network:
        argv += ["--network", network]
    if entrypoint:
        argv += ["--entrypoint", entrypoint]
    return proc_env, [*argv, image, *args]
