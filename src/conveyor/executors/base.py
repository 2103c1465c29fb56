"""Where a job's steps run. One module per executor fills this Protocol."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from conveyor.records import record


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
    """The directories a job sees (GITHUB_WORKSPACE, RUNNER_TEMP, RUNNER_TOOL_CACHE)."""

    workspace: Path
    temp: Path
    tool_cache: Path


@record(frozen=True, slots=True)
class ExitInfo:
    code: int
    timed_out: bool = False
    cancelled: bool = False


class Executor(Protocol):
    name: str

    def prepare(self) -> JobPaths:
        """Create the job's fresh environment; an executor instance serves one job."""
        ...

    def run(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_line: Callable[[str], None],
        timeout: float | None,
        cancel: CancelToken,
    ) -> ExitInfo:
        """Run one process to completion, streaming each output line to ``on_line``."""
        ...

    def teardown(self) -> None:
        """Stop what the job left running and remove its environment."""
        ...
