"""Where a job's steps run. One module per executor fills the ``Executor`` Protocol.

The executor is the only way a job touches its environment: the engine never writes a
file, reads an env file, looks up a program or starts a process on its own. Two views
of every path exist: the *job's* (what a step's process sees, e.g. ``/__w/repo/repo``
in a container) and the *engine's* (where the same file is on the machine running
Conveyor, for built-in actions and ``hashFiles``). ``JobPaths`` are in the job's view;
``host_path``/``job_path`` convert.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object


class CancelToken:
    """A cancel flag that can also call back whoever is waiting on a process."""

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self.reason = ""
        if parent is not None:
            parent.add_listener(lambda: self.set(parent.reason))
            if parent.is_set():
                self.set(parent.reason)

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self, reason: str = "cancelled") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            listeners = list(self._listeners)
        for cb in listeners:
            cb()

    def add_listener(self, cb: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(cb)

    def remove_listener(self, cb: Callable[[], None]) -> None:
        with self._lock:
            if cb in self._listeners:
                self._listeners.remove(cb)

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


@record(frozen=True, slots=True)
class JobPaths:
    """The directories a job sees (GITHUB_WORKSPACE, RUNNER_TEMP, RUNNER_TOOL_CACHE), in the
    job's view."""

    workspace: Path
    temp: Path
    tool_cache: Path


@record(frozen=True, slots=True)
class ExitInfo:
    code: int
    timed_out: bool = False
    cancelled: bool = False

    @property
    def stopped(self) -> bool:
        """The process was stopped by a timeout or a cancellation, not by itself."""
        return self.timed_out or self.cancelled


@record(frozen=True, slots=True)
class Captured:
    """A process run to completion with its output kept, not streamed."""

    exit: ExitInfo
    stdout: str
    stderr: str


@record(frozen=True, slots=True)
class ExecutorRequest:
    """What an executor factory needs to know about the job it will serve (plain data)."""

    job_dir: Path  # the engine's folder for this job (work tree, temp)
    repo_name: str  # GITHUB_WORKSPACE ends in <repo>/<repo>, as on GitHub
    tool_cache: Path
    labels: tuple[str, ...] = ()  # runs-on, evaluated
    container: dict[str, Any] | None = None  # jobs.<id>.container, evaluated
    services: dict[str, Any] = field(default_factory=dict)
    base_env: dict[str, str] = field(default_factory=dict)  # the runner's own environment
    image: str = ""  # the image `--platform` maps runs-on to: the job runs in a container
    # registry host -> {"username", "password"} from Conveyor's config, for pulls without
    # `credentials:`; "secret" instead of "password" names a secret the run was not given
    logins: dict[str, dict[str, str]] = field(default_factory=dict)


class ExecutorError(Exception):
    """The job's environment could not be set up (an image, a service, a network): the
    job fails with this message."""


class Executor(Protocol):
    """One instance serves one job, from ``prepare`` to ``teardown``."""

    name: str
    # the runner's own Node for JavaScript actions, in the job's view, when the job's
    # environment is not the engine's machine (GitHub mounts it at /__e in containers)
    runtime_node: str | None

    def prepare(self) -> JobPaths:
        """Create the job's fresh environment and return its directories (job's view)."""
        ...

    def base_env(self) -> dict[str, str]:
        """The environment every process of the job starts from (PATH, HOME, ...)."""
        ...

    def context(self) -> dict[str, Any]:
        """The ``job`` context's ``container`` and ``services`` (ids, network, ports)."""
        ...

    def host_path(self, path: Path) -> Path:
        """A job-view path as the engine sees it (for built-ins and ``hashFiles``)."""
        ...

    def job_path(self, path: Path) -> Path:
        """An engine-view path as the job sees it (action folders, event file)."""
        ...

    def write_file(self, path: Path, data: bytes, *, mode: int = 0o644) -> None:
        """Create or replace a file (job's view), e.g. a step script or an env file."""
        ...

    def read_file(self, path: Path, *, truncate: bool = False) -> bytes | None:
        """A file's bytes (job's view), None when missing; ``truncate`` empties it after."""
        ...

    def remove_file(self, path: Path) -> None:
        """Remove a file (job's view); a missing file is not an error."""
        ...

    def is_dir(self, path: Path) -> bool: ...

    def copy_in(self, source: Path, dest: Path) -> None:
        """Copy an engine-side tree or file into the job (``dest`` in the job's view)."""
        ...

    def copy_out(self, source: Path, dest: Path) -> None:
        """Copy a job tree or file (``source`` in the job's view) to the engine side."""
        ...

    def which(self, program: str, path: str) -> str | None:
        """``program`` looked up on the job's ``path`` (a PATH value), as the job sees it."""
        ...

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
        """Run one process to completion, streaming its output (stdout and stderr as one)
        to ``on_output`` in order: each call one or more whole lines joined by "\\n",
        without the last newline and with "\\r\\n" made "\\n"."""
        ...

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
        """Run one process to completion and keep its output (a probe, ``git rev-parse``)."""
        ...

    def teardown(self) -> None:
        """Stop what the job left running and remove its environment."""
        ...


ExecutorFactory = Callable[[ExecutorRequest], Executor]
