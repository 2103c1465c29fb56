"""The cluster's processes: started to outlive the command that starts them, recorded
by pid and start time in the state folder, stopped by those records only (never by
name: another cluster, or someone else's etcd, may run on this machine)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from conveyor.procinfo import alive, process_start


@dataclass(frozen=True)
class Proc:
    name: str
    pid: int
    started: str | None  # /proc start time: tells our process from a later one with its pid

    def running(self) -> bool:
        return alive(self.pid, self.started)


class StartError(Exception):
    pass


# sh starts the command in the background and exits at once: the command is reparented
# away from us (nothing to reap, no child left in a test process), in sh's new session, so
# a terminal's hang-up or Ctrl-C does not reach it
_LAUNCH = 'log=$1; shift; "$@" </dev/null >"$log" 2>&1 & echo $!'


def spawn(
    name: str, argv: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None
) -> Proc:
    out = subprocess.run(
        ["sh", "-c", _LAUNCH, "sh", str(log), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        start_new_session=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout.strip().isdigit():
        raise StartError(f"could not start {name}: {out.stderr.strip() or out.stdout.strip()}")
    pid = int(out.stdout.strip())
    return Proc(name, pid, process_start(pid))


def stop(procs: list[Proc], grace: float = 20.0) -> list[Proc]:
    """SIGTERM to all at once (each takes 1-3 s to finish; one after another that added
    up to 10 s), SIGKILL to those still there after ``grace`` seconds; those killed so."""
    live = [p for p in procs if p.running()]
    for p in live:
        _signal(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while live and time.monotonic() < deadline:
        time.sleep(0.05)
        live = [p for p in live if p.running()]
    for p in live:
        _signal(p.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while any(p.running() for p in live) and time.monotonic() < deadline:
        time.sleep(0.05)
    return live


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
