"""The container executor: a job's `container:` and `services:` with podman (else docker).

As GitHub's runner does it (ContainerOperationProvider): one network per job; each
service started on it under its label as hostname, its ports published on 127.0.0.1,
and waited for while its health check says "starting"; the job container started with
``tail -f /dev/null`` as entrypoint and the job's folders mounted where GitHub mounts
them; each step a ``podman exec`` into it. A job with services but no container runs
its steps on this machine, reaching services at ``localhost:<mapped port>``.

Mounts (engine folder -> job's view)::

    <job>/<repo>                  /__w/<repo>/<repo>   GITHUB_WORKSPACE
    <job>/_temp                   /__w/_temp           RUNNER_TEMP, env files, scripts
    <job>/_actions                /__w/_actions        actions copied in on first use
    <tool cache>                  /__t                 RUNNER_TOOL_CACHE
    <job>/_temp/_github_home      /github/home         HOME
    <job>/_temp/_github_workflow  /github/workflow     event.json

Everything the executor creates carries the label ``io.conveyor.owner=<tracking id>``
(the job's ``RUNNER_TRACKING_ID``), so what a killed Conveyor left is found and removed
by the next one (``sweep``). A step's processes carry a tracking id of their own, so a
timeout or a cancel signals exactly them (``podman exec`` relays no signal).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from conveyor.executors.base import (
    CancelToken,
    Captured,
    ExecutorError,
    ExecutorRequest,
    ExitInfo,
    JobPaths,
)
from conveyor.executors.host import HostExecutor, capture_process, stream_process
from conveyor.imageref import is_loopback, registry_of
from conveyor.procinfo import TRACKING_VAR, kill_tracked

OWNER_LABEL = "io.conveyor.owner"
_RUNTIME_NODE = "/__e/node/bin/node"
# the variables podman itself reads: a step's value goes in argv, podman keeps the host's
_ENGINE_VARS = frozenset({"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER", "SHELL"})
_ENGINE_PREFIXES = ("XDG_", "CONTAINERS_", "REGISTRY_AUTH_FILE", "DOCKER_", "BUILDAH_")
# every executable file on $PATH, in PATH order (`command -v` is no help: busybox names
# its applets without a path)
_LIST_PATH = (
    'IFS=:; for d in $PATH; do for f in "${d:-.}"/*; do '
    '[ -f "$f" ] && [ -x "$f" ] && echo "$f"; done; done; exit 0'
)
_EXECS = itertools.count(1)
_NAMES = itertools.count(1)
_LIVE: dict[str, list[str]] = {}  # owner -> containers still up, for stop_all
_LIVE_LOCK = threading.Lock()


class ContainerError(ExecutorError):
    """A container, network or image operation failed (the message says which and why)."""


def engine_binary() -> str | None:
    """``$CONVEYOR_CONTAINER_ENGINE``, else podman, else docker (None: neither)."""
    wanted = os.environ.get("CONVEYOR_CONTAINER_ENGINE")
    if wanted:
        return shutil.which(wanted)
    return shutil.which("podman") or shutil.which("docker")


def _engine_env(
    env: Mapping[str, str], host: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The podman process's environment and its ``--env`` arguments for ``env``.

    Values travel in podman's own environment (``--env NAME`` reads it), never in argv,
    where ``ps`` would show a secret; only the few variables podman reads itself go in
    argv (PATH, HOME...), so that podman keeps the host's.
    """
    proc_env = dict(host)
    args: list[str] = []
    for name, value in env.items():
        if name in _ENGINE_VARS or name.startswith(_ENGINE_PREFIXES):
            args += ["--env", f"{name}={value}"]
        else:
            proc_env[name] = value
            args += ["--env", name]
    return proc_env, args


class ContainerExecutor:
    """One job's containers, network and folders; steps in the job container if it has
    one, else on this machine."""

    name = "container"
    runtime_node: str | None = None

    def __init__(self, request: ExecutorRequest, engine: str) -> None:
        self.request = request
        self.engine = engine
        self.host = HostExecutor(
            request.job_dir, request.repo_name, request.tool_cache, request.base_env or None
        )
        self.owner = self.host.tracking_id
        self._host_env = dict(os.environ)
        spec = dict(request.container or {})
        self.image = str(spec.get("image") or request.image or "")
        self.spec = spec
        tag = hashlib.sha1(self.owner.encode()).hexdigest()[:10]
        self.network = f"conveyor-{tag}"
        self.container = f"conveyor-{tag}-job" if self.image else ""
        self._created: list[str] = []
        self._network_made = False
        self.services: dict[str, dict[str, Any]] = {}
        self.container_id = ""
        self._image_env: dict[str, str] = {}
        self._programs: dict[str, dict[str, str]] = {}  # PATH -> {name: first on it}
        self._copied: dict[Path, Path] = {}
        job_dir = request.job_dir
        repo = request.repo_name
        self._mounts: list[tuple[Path, Path]] = [  # (engine, job), most specific first
            (job_dir / "_temp" / "_github_home", Path("/github/home")),
            (job_dir / "_temp" / "_github_workflow", Path("/github/workflow")),
            (job_dir / repo, Path("/__w") / repo / repo),
            (job_dir / "_temp", Path("/__w/_temp")),
            (job_dir / "_actions", Path("/__w/_actions")),
            (request.tool_cache, Path("/__t")),
        ]
        if self.image:
            self.paths = JobPaths(
                workspace=Path("/__w") / repo / repo,
                temp=Path("/__w/_temp"),
                tool_cache=Path("/__t"),
            )
        else:
            self.paths = self.host.paths

    # -- the engine's commands ------------------------------------------------------------

    def _podman(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run the engine to completion; its stdout, or ContainerError with its stderr."""
        proc = subprocess.run(
            [self.engine, *args],
            env=dict(env) if env is not None else self._host_env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if proc.returncode != 0:
            what = " ".join(args[:2])
            raise ContainerError(f"{Path(self.engine).name} {what} failed: {proc.stderr.strip()}")
        return proc.stdout

    def _ensure_image(self, image: str, credentials: Any = None) -> None:
        """The image in local storage, pulled if missing (with the job's ``credentials``:
        a login into an auth file in memory, the password through stdin)."""
        probe = subprocess.run(
            [self.engine, "image", "exists", image],
            env=self._host_env,
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return
        if not credentials:  # none in the workflow: the login of Conveyor's config, if any
            credentials = self.request.logins.get(registry_of(image))
            if credentials and "secret" in credentials:
                raise ContainerError(
                    f"pulling '{image}' needs the login that Conveyor's configuration gives "
                    f"for {registry_of(image)}, whose password is secret "
                    f"{credentials['secret']}, which this run was not given: pass "
                    f"--secret {credentials['secret']} (or --secret-file)"
                )
        import tempfile

        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        with tempfile.TemporaryDirectory(prefix="conveyor-pull-", dir=base) as tmp:
            # a registry on this machine speaks plain HTTP, as Docker assumes for loopback
            auth = ["--tls-verify=false"] if is_loopback(registry_of(image)) else []
            if isinstance(credentials, dict) and credentials.get("username"):
                auth += ["--authfile", f"{tmp}/auth.json"]
                registry = registry_of(image)
                login = subprocess.run(
                    [self.engine, "login", *auth, "--username", str(credentials["username"]),
                     "--password-stdin", registry],
                    input=str(credentials.get("password") or ""), env=self._host_env,
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                if login.returncode != 0:
                    raise ContainerError(
                        f"login to {registry} for image '{image}' failed: {login.stderr.strip()}"
                    )
            try:
                self._podman("pull", "-q", *auth, image)
            except ContainerError as e:
                raise ContainerError(
                    f"image '{image}' is not on this machine and could not be pulled ({e}). "
                    "Build the base images with 'conveyor images bootstrap', or make it "
                    "available to the container engine"
                ) from None

    # -- Executor --------------------------------------------------------------------------

    def prepare(self) -> JobPaths:
        self.host.prepare()
        for engine_dir, _ in self._mounts:
            engine_dir.mkdir(parents=True, exist_ok=True)
        with _LIVE_LOCK:
            _LIVE[self.owner] = self._created
        self._podman("network", "create", "--label", f"{OWNER_LABEL}={self.owner}", self.network)
        self._network_made = True
        for label, service in self.request.services.items():
            self._start_service(str(label), service if isinstance(service, dict) else {})
        if self.image:
            self._start_job_container()
        return self.paths

    def _run_args(
        self, name: str, spec: Mapping[str, Any], alias: str
    ) -> tuple[list[str], dict[str, str]]:
        """Options shared by services and the job container: name, network, labels, env,
        ports, volumes and the user's ``options`` (passed on, as GitHub does)."""
        args = [
            "--name", name,
            "--network", self.network,
            "--network-alias", alias,
            "--label", f"{OWNER_LABEL}={self.owner}",
        ]  # fmt: skip
        env = {str(k): "" if v is None else str(v) for k, v in (spec.get("env") or {}).items()}
        proc_env, env_args = _engine_env(env, self._host_env)
        args += env_args
        for port in spec.get("ports") or []:
            args += ["-p", _publish(str(port))]
        for volume in spec.get("volumes") or []:
            args += ["-v", str(volume)]
        options = spec.get("options")
        if options:
            args += shlex.split(str(options))
        return args, proc_env

    def _start_service(self, label: str, spec: dict[str, Any]) -> None:
        image = str(spec.get("image") or "")
        if not image:
            return  # GitHub skips a service whose image evaluates to empty
        self._ensure_image(image, spec.get("credentials"))
        name = f"{self.network}-{label}-{next(_NAMES)}"
        args, proc_env = self._run_args(name, spec, label)
        if spec.get("entrypoint"):
            args += ["--entrypoint", str(spec["entrypoint"])]
        command = shlex.split(str(spec["command"])) if spec.get("command") else []
        self._created.append(name)
        cid = self._podman("run", "-d", *args, image, *command, env=proc_env).strip()
        self._wait_healthy(label, name)
        ports: dict[str, str] = {}
        for line in self._podman("port", name).splitlines():
            # "5432/tcp -> 127.0.0.1:49153"
            inside, _, outside = line.partition(" -> ")
            if outside:
                ports[inside.split("/")[0]] = outside.rsplit(":", 1)[-1]
        self.services[label] = {"id": cid, "network": self.network, "ports": ports}

    def _wait_healthy(self, label: str, name: str) -> None:
        """Wait while the service's health check has not passed, as the runner does.

        Podman runs health checks from systemd timers, which a CI machine may not have:
        the checks are run from here, for as long as the container's own settings allow
        (start period + interval x retries)."""
        raw = self._podman(
            "inspect", "--format",
            "{{if .Config.Healthcheck}}{{json .Config.Healthcheck}}{{end}}|{{.State.Status}}",
            name,
        )  # fmt: skip
        check, _, _ = raw.strip().partition("|")
        if not check or '"NONE"' in check:
            return
        import json

        cfg = json.loads(check)
        second = 1_000_000_000
        interval = (cfg.get("Interval") or 30 * second) / second
        start = (cfg.get("StartPeriod") or 0) / second
        retries = cfg.get("Retries") or 3
        deadline = time.monotonic() + start + interval * retries + 5
        while True:
            probe = subprocess.run(
                [self.engine, "healthcheck", "run", name],
                env=self._host_env,
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0:
                return
            state = self._podman("inspect", "--format", "{{.State.Status}}", name).strip()
            if state not in ("running", "created") or time.monotonic() > deadline:
                logs = self._logs(name)
                raise ContainerError(
                    f"service '{label}' is unhealthy (state {state}); its last output:\n{logs}"
                )
            time.sleep(min(1.0, interval))

    def _logs(self, name: str) -> str:
        out = subprocess.run(
            [self.engine, "logs", "--tail", "20", name],
            env=self._host_env,
            capture_output=True,
            text=True,
            check=False,
        )
        return (out.stdout + out.stderr).strip()

    def _start_job_container(self) -> None:
        self._ensure_image(self.image, self.spec.get("credentials"))
        args, proc_env = self._run_args(self.container, self.spec, "job")
        for engine_dir, job_dir in self._mounts:
            args += ["-v", f"{engine_dir}:{job_dir}"]
        node = shutil.which("node")
        if node:  # the runner's Node for JavaScript actions, as GitHub mounts /__e
            args += ["-v", f"{os.path.realpath(node)}:{_RUNTIME_NODE}:ro"]
            self.runtime_node = _RUNTIME_NODE
        args += ["--workdir", str(self.paths.workspace), "--entrypoint", "tail"]
        self._created.append(self.container)
        self.container_id = self._podman(
            "run", "-d", *args, self.image, "-f", "/dev/null", env=proc_env
        ).strip()
        # the image's own PATH: steps see it, with GITHUB_PATH entries put in front
        env_lines = self._podman("exec", self.container, "env")
        for line in env_lines.splitlines():
            key, sep, value = line.partition("=")
            if sep and key in ("PATH",):
                self._image_env[key] = value

    def context(self) -> dict[str, Any]:
        """``job.container`` and ``job.services``, as GitHub fills them."""
        container = {"id": self.container_id, "network": self.network} if self.image else {}
        return {"container": container, "services": dict(self.services)}

    def base_env(self) -> dict[str, str]:
        if not self.image:
            return self.host.base_env()
        return {
            "PATH": self._image_env.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                        "/usr/bin:/sbin:/bin"),
            "HOME": "/github/home",
            TRACKING_VAR: self.owner,
        }  # fmt: skip

    def host_path(self, path: Path) -> Path:
        if not self.image:
            return path
        for original, copy in self._copied.items():  # what job_path copied in: its origin
            if path == copy or path.is_relative_to(copy):
                return original / path.relative_to(copy)
        for engine_dir, job_dir in self._mounts:
            if path == job_dir or path.is_relative_to(job_dir):
                return engine_dir / path.relative_to(job_dir)
        return path

    def job_path(self, path: Path) -> Path:
        """Where the job sees an engine-side path; one outside the mounts (an action in
        the cache, the event file) is copied into ``/__w/_actions`` once."""
        if not self.image:
            return path
        for engine_dir, job_dir in self._mounts:
            if path == engine_dir or path.is_relative_to(engine_dir):
                return job_dir / path.relative_to(engine_dir)
        if path not in self._copied:
            digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
            engine_copy = self.request.job_dir / "_actions" / digest / path.name
            if path.exists():
                self.host.copy_in(path, engine_copy)
            self._copied[path] = Path("/__w/_actions") / digest / path.name
        return self._copied[path]

    def write_file(self, path: Path, data: bytes, *, mode: int = 0o644) -> None:
        self.host.write_file(self.host_path(path), data, mode=mode)

    def read_file(self, path: Path, *, truncate: bool = False) -> bytes | None:
        return self.host.read_file(self.host_path(path), truncate=truncate)

    def remove_file(self, path: Path) -> None:
        self.host.remove_file(self.host_path(path))

    def is_dir(self, path: Path) -> bool:
        if not self.image:
            return self.host.is_dir(path)
        engine = self.host_path(path)
        if engine != path:
            return engine.is_dir()
        probe = self._exec_capture(["test", "-d", str(path)], Path("/"), {}, None, None)
        return probe.exit.code == 0

    def copy_in(self, source: Path, dest: Path) -> None:
        self.host.copy_in(source, self.host_path(dest))

    def copy_out(self, source: Path, dest: Path) -> None:
        self.host.copy_out(self.host_path(source), dest)

    def which(self, program: str, path: str) -> str | None:
        if not self.image:
            return self.host.which(program, path)
        if "/" in program:
            probe = self._exec_capture(
                ["/bin/sh", "-c", '[ -f "$1" ] && [ -x "$1" ]', "sh", program],
                Path("/"),
                {},
                None,
                None,
            )
            return program if probe.exit.code == 0 else None
        if path not in self._programs:
            # one exec lists every program on this PATH: later look-ups cost nothing
            listing = self._exec_capture(
                ["/bin/sh", "-c", _LIST_PATH], Path("/"), {"PATH": path}, None, None
            )
            found: dict[str, str] = {}
            for line in listing.stdout.splitlines():
                found.setdefault(line.rsplit("/", 1)[-1], line)
            self._programs[path] = found
        return self._programs[path].get(program)

    def _exec_argv(
        self, argv: list[str], cwd: Path, env: Mapping[str, str], stdin: bool
    ) -> tuple[list[str], dict[str, str], str]:
        """``podman exec`` of ``argv`` in the job container, and the tracking id that marks
        the processes it starts there."""
        tracking = f"{self.owner}x{next(_EXECS)}."
        proc_env, env_args = _engine_env({**env, TRACKING_VAR: tracking}, self._host_env)
        cmd = [self.engine, "exec", *(["-i"] if stdin else []), "--workdir", str(cwd)]
        return [*cmd, *env_args, self.container, *argv], proc_env, tracking

    def run(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_output: Callable[[str], None],
        timeout: float | None,
        cancel: CancelToken,
    ) -> ExitInfo:
        if not self.image:
            return self.host.run(
                argv, cwd=cwd, env=env, on_output=on_output, timeout=timeout, cancel=cancel
            )
        # one stream, merged where the process writes it: podman relays stdout and stderr
        # apart, and their order would be lost on the way
        merged = ["/bin/sh", "-c", 'exec "$@" 2>&1', "sh", *argv]
        full, proc_env, tracking = self._exec_argv(merged, cwd, env, stdin=False)
        self._programs.clear()  # the step may install programs: look again next time
        return stream_process(
            full, cwd=None, env=proc_env, on_output=on_output, timeout=timeout, cancel=cancel,
            groups=self.host._groups, send=_sender(tracking),
        )  # fmt: skip

    def capture(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        stdin: str | None = None,
        timeout: float | None = None,
        cancel: CancelToken,
    ) -> Captured:
        if not self.image:
            return self.host.capture(
                argv, cwd=cwd, env=env, stdin=stdin, timeout=timeout, cancel=cancel
            )
        return self._exec_capture(argv, cwd, env, stdin, timeout, cancel)

    def _exec_capture(
        self,
        argv: list[str],
        cwd: Path,
        env: Mapping[str, str],
        stdin: str | None,
        timeout: float | None,
        cancel: CancelToken | None = None,
    ) -> Captured:
        full, proc_env, _ = self._exec_argv(argv, cwd, env, stdin=stdin is not None)
        return capture_process(
            full,
            cwd=self.request.job_dir,
            env=proc_env,
            stdin=stdin,
            timeout=timeout,
            cancel=cancel or CancelToken(),
            groups=self.host._groups,
        )

    def teardown(self) -> None:
        """Remove the job's containers and network, then its processes and folders."""
        try:
            if self._created:
                _remove(self.engine, self._created, self._host_env)
            if self._network_made:
                subprocess.run(
                    [self.engine, "network", "rm", "-f", self.network],
                    env=self._host_env,
                    capture_output=True,
                    check=False,
                )
        finally:
            with _LIVE_LOCK:
                _LIVE.pop(self.owner, None)
            self.host.teardown()


def _publish(port: str) -> str:
    """A ``ports:`` entry as ``-p``, published on loopback only (a service is the job's,
    not the network's): ``5432`` gets a free host port, ``8080:80`` host port 8080."""
    if port.count(":") >= 2:
        return port  # the user chose the address too
    if ":" in port:
        return f"127.0.0.1:{port}"
    return f"127.0.0.1::{port}"


def _sender(tracking: str) -> Callable[[int], None]:
    def send(sig: int) -> None:
        kill_tracked(tracking, sig)

    return send


def _remove(engine: str, names: list[str], env: Mapping[str, str]) -> None:
    subprocess.run(
        [engine, "rm", "-f", "-t", "0", "--ignore", *names],
        env=dict(env),
        capture_output=True,
        check=False,
    )


def stop_all() -> None:
    """The run is being aborted: remove every container a job of this process made."""
    engine = engine_binary()
    with _LIVE_LOCK:
        names = [n for created in _LIVE.values() for n in created]
    if engine and names:
        _remove(engine, names, os.environ)


def sweep(prefix: str) -> int:
    """Remove the containers and networks of jobs whose tracking id starts with ``prefix``
    (a Conveyor process that died); how many. Quiet when no engine is installed."""
    engine = engine_binary()
    if engine is None:
        return 0
    import re

    # containers list labels as a map, networks as "k=v" text: read the owner from either
    owner = re.compile(re.escape(OWNER_LABEL) + r"[=:]([^\s,\]]+)")
    removed = 0
    for kind, args, key in (
        ("containers", ["ps", "-a"], "ID"),
        ("networks", ["network", "ls"], "Name"),
    ):
        listing = subprocess.run(
            [engine, *args, "--filter", f"label={OWNER_LABEL}",
             "--format", f"{{{{.{key}}}}}\t{{{{.Labels}}}}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        doomed = []
        for line in listing.stdout.splitlines():
            name, _, labels = line.partition("\t")
            found = owner.search(labels)
            if found and found.group(1).startswith(prefix):
                doomed.append(name)
        if not doomed:
            continue
        if kind == "containers":
            _remove(engine, doomed, os.environ)
        else:
            subprocess.run(
                [engine, "network", "rm", "-f", *doomed], capture_output=True, check=False
            )
        removed += len(doomed)
    return removed


def create(request: ExecutorRequest) -> ContainerExecutor:
    """The registry's factory for ``container``."""
    engine = engine_binary()
    if engine is None:
        from conveyor.executors import ExecutorUnavailable

        raise ExecutorUnavailable(
            "jobs.<id>.container and services need a container engine: install podman "
            "(or docker), or set CONVEYOR_CONTAINER_ENGINE"
        )
    return ContainerExecutor(request, engine)
