"""What Linux says about processes (``/proc``): when one started, whether it still lives,
and which carry a given ``RUNNER_TRACKING_ID`` — the mark GitHub's runner puts on every
process of a job so that what a job leaves behind can be found and stopped."""

from __future__ import annotations

import os
import signal

TRACKING_VAR = "RUNNER_TRACKING_ID"


def _stat(pid: int) -> list[bytes]:
    """The fields of /proc/<pid>/stat after the name ([] elsewhere or if gone)."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return []
    # the name (field 2) may hold spaces and parentheses: count from its closing one
    return stat[stat.rfind(b")") + 2 :].split()


def _read(path: str) -> bytes | None:
    """A file's bytes, None if it cannot be read. os.read, not open(): a scan of /proc
    reads every process's file, and a file object per read costs more than the read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return b"".join(chunks)


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), to tell it from a later
    process that got the same pid."""
    fields = _stat(pid)
    return fields[19].decode() if len(fields) > 19 else None


def alive(pid: int, started: str | None) -> bool:
    """Process ``pid`` runs, and is the one that started at ``started`` (when given)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    fields = _stat(pid)
    if fields and fields[0] in (b"Z", b"X"):
        return False  # killed, not yet reaped by its parent
    now = fields[19].decode() if len(fields) > 19 else None
    return started is None or now is None or now == started


def tracking_prefix(pid: int, started: str | None) -> str:
    """The tracking ids of the jobs run by Conveyor process ``pid`` start with this."""
    return f"conveyor_{pid}_{started or 0}_"


def kill_tracked(prefix: str, sig: int = signal.SIGKILL) -> int:
    """Send ``sig`` to every process (but this one) whose tracking id starts with
    ``prefix``; how many. Like the runner's orphan clean-up, a process that set its
    tracking id to something else (``RUNNER_TRACKING_ID=0``) is left alone. Processes in
    containers are found too: they are this machine's processes."""
    wanted = f"{TRACKING_VAR}={prefix}".encode()
    me = os.getpid()
    killed = 0
    try:
        names = os.listdir("/proc")
    except OSError:
        return 0
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        environ = _read(f"/proc/{name}/environ")
        if environ is None:
            continue  # gone, or not ours to read
        if wanted not in environ:
            continue
        if any(item.startswith(wanted) for item in environ.split(b"\0")):
            try:
                os.kill(int(name), sig)
                killed += 1
            except OSError:
                pass
    return killed
