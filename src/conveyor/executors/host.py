"""The host executor: steps run as processes on this machine, like a self-hosted runner."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from conveyor.executors.base import CancelToken, ExitInfo, JobPaths
from conveyor.executors.watchdog import WATCHDOG

# GitHub's runner sends SIGINT, then SIGTERM after 7.5 s, then kills.
_GRACE = 7.5


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class HostExecutor:
    """One instance per job: it owns the job's directories and the processes it started."""

    name = "host"

    def __init__(self, job_dir: Path, repo_name: str, tool_cache: Path) -> None:
        self.paths = JobPaths(
            workspace=job_dir / repo_name, temp=job_dir / "_temp", tool_cache=tool_cache
        )
        self._job_dir = job_dir
        self._groups: list[int] = []

    def prepare(self) -> JobPaths:
        for d in (self.paths.workspace, self.paths.temp, self.paths.tool_cache):
            d.mkdir(parents=True, exist_ok=True)
        return self.paths

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
        if cancel.is_set():
            return ExitInfo(code=-1, cancelled=True)
        # own process group, so a timeout or Ctrl-C stops the whole tree the step started
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._groups.append(proc.pid)
        why: list[str] = []

        def stop(reason: str) -> None:
            if proc.poll() is None:
                why.append(reason)
                _signal_group(proc.pid, signal.SIGINT)
                WATCHDOG.schedule(_GRACE, lambda: _signal_group(proc.pid, signal.SIGTERM))
                WATCHDOG.schedule(2 * _GRACE, lambda: _signal_group(proc.pid, signal.SIGKILL))

        def on_cancel() -> None:
            stop("cancel")

        timer = WATCHDOG.schedule(timeout, lambda: stop("timeout")) if timeout else None
        cancel.add_listener(on_cancel)
        try:
            assert proc.stdout is not None
            _pump(proc, proc.stdout.fileno(), on_line)
            code = proc.wait()
        finally:
            if timer is not None:
                WATCHDOG.cancel(timer)
            cancel.remove_listener(on_cancel)
            proc.stdout.close()  # type: ignore[union-attr]
        return ExitInfo(code=code, timed_out="timeout" in why, cancelled="cancel" in why)

    def teardown(self) -> None:
        # like the runner's orphan clean-up: nothing a step started outlives its job
        for pgid in self._groups:
            _signal_group(pgid, signal.SIGKILL)
        remove_tree(self._job_dir)


def _pump(proc: subprocess.Popen[bytes], fd: int, on_line: Callable[[str], None]) -> None:
    """Stream lines until EOF, or until the process has exited and its output is drained.

    A background child (``server &``) may hold the pipe open for ever; it must not
    hold the step too.
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    pending = b""
    while True:
        if not poller.poll(100):
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            on_line(line.decode("utf-8", "replace").rstrip("\r"))
    if pending:
        on_line(pending.decode("utf-8", "replace").rstrip("\r"))


def remove_tree(top: Path) -> None:
    """``shutil.rmtree(top, ignore_errors=True)`` without importing shutil on every run."""
    for root, dirs, files in os.walk(top, topdown=False):
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(root, name))
        for name in dirs:
            path = os.path.join(root, name)
            with contextlib.suppress(OSError):
                if os.path.islink(path):
                    os.unlink(path)
                else:
                    os.rmdir(path)
    with contextlib.suppress(OSError):
        os.rmdir(top)
