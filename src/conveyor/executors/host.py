"""The host executor: steps run as processes on this machine, like a self-hosted runner.

The job's view and the engine's view of every path are the same here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from conveyor.executors.base import CancelToken, Captured, ExecutorRequest, ExitInfo, JobPaths
from conveyor.executors.watchdog import WATCHDOG
from conveyor.procinfo import TRACKING_VAR, kill_tracked, process_start, tracking_prefix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

# GitHub's runner sends SIGINT, then SIGTERM after 7.5 s, then kills.
_GRACE = 7.5


# every process group a step started and that may still run, across all jobs: what an
# abort (a second Ctrl-C, a crash) must kill so that nothing outlives the run
_LIVE: set[int] = set()


def stop_all() -> None:
    """Kill every process group still running, and every process a job of this process
    left behind (the run is being aborted)."""
    for pgid in list(_LIVE):
        _signal_group(pgid, signal.SIGKILL)
    kill_tracked(_prefix())


_JOBS = itertools.count(1)


_PREFIX: list[str] = []


def _prefix() -> str:
    if not _PREFIX:
        _PREFIX.append(tracking_prefix(os.getpid(), process_start(os.getpid())))
    return _PREFIX[0]


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class HostExecutor:
    """One instance per job: it owns the job's directories and the processes it started."""

    name = "host"
    runtime_node = None  # JavaScript actions use the Nodes of this machine

    def __init__(
        self, job_dir: Path, repo_name: str, tool_cache: Path, env: Mapping[str, str] | None = None
    ) -> None:
        self.paths = JobPaths(
            workspace=job_dir / repo_name, temp=job_dir / "_temp", tool_cache=tool_cache
        )
        self._job_dir = job_dir
        # every process of the job carries this id, as on GitHub: what it leaves running
        # (a daemon in its own session, a double fork) is found and stopped at job end
        self.tracking_id = f"{_prefix()}job{next(_JOBS)}."  # "." ends it: job1 is no job10
        self._env = {**(os.environ if env is None else env), TRACKING_VAR: self.tracking_id}
        self._groups: list[int] = []

    def prepare(self) -> JobPaths:
        for d in (self.paths.workspace, self.paths.temp, self.paths.tool_cache):
            d.mkdir(parents=True, exist_ok=True)
        return self.paths

    def base_env(self) -> dict[str, str]:
        return dict(self._env)

    def context(self) -> dict[str, Any]:
        return {"container": {}, "services": {}}

    def host_path(self, path: Path) -> Path:
        return path

    def job_path(self, path: Path) -> Path:
        return path

    def write_file(self, path: Path, data: bytes, *, mode: int = 0o644) -> None:
        flags = os.O_CREAT | os.O_WRONLY | os.O_TRUNC
        try:
            fd = os.open(path, flags, mode)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags, mode)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def read_file(self, path: Path, *, truncate: bool = False) -> bytes | None:
        try:
            if truncate:
                if os.stat(path).st_size == 0:
                    return b""
                with open(path, "r+b") as f:
                    data = f.read()
                    f.truncate(0)
                    return data
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def remove_file(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def is_dir(self, path: Path) -> bool:
        return os.path.isdir(path)

    def copy_in(self, source: Path, dest: Path) -> None:
        _copy(source, dest)

    def copy_out(self, source: Path, dest: Path) -> None:
        _copy(source, dest)

    def which(self, program: str, path: str) -> str | None:
        return which(program, path)

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
        return stream_process(
            argv, cwd=cwd, env=env, on_output=on_output, timeout=timeout, cancel=cancel,
            groups=self._groups,
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
        return capture_process(
            argv, cwd=cwd, env=env, stdin=stdin, timeout=timeout, cancel=cancel, groups=self._groups
        )

    def teardown(self) -> None:
        # like the runner's orphan clean-up: nothing a step started outlives its job
        for pgid in self._groups:
            _signal_group(pgid, signal.SIGKILL)
            _LIVE.discard(pgid)
        kill_tracked(self.tracking_id)
        remove_tree(self._job_dir)


def stream_process(
    argv: list[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str],
    on_output: Callable[[str], None],
    timeout: float | None,
    cancel: CancelToken,
    groups: list[int],
    send: Callable[[int], None] | None = None,
) -> ExitInfo:
    """Run a process on this machine in its own process group, streaming its output
    (stdout and stderr as one) until it ends; stopped at the timeout or on cancel (see
    ``stopping`` for ``send``); its group is added to ``groups``."""
    if cancel.is_set():
        return ExitInfo(code=-1, cancelled=True)
    # own process group, so a timeout or Ctrl-C stops the whole tree the step started
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as e:  # as in capture: a missing program is exit 127 with a message
        on_output(f"{argv[0]}: {e.strerror}")
        return ExitInfo(code=127)
    with stopping(proc, timeout, cancel, groups, send) as why:
        assert proc.stdout is not None
        try:
            pump(proc, proc.stdout.fileno(), on_output)
            code = proc.wait()
        finally:
            proc.stdout.close()
    return ExitInfo(code=code, timed_out="timeout" in why, cancelled="cancel" in why)


def capture_process(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdin: str | None,
    timeout: float | None,
    cancel: CancelToken,
    groups: list[int],
) -> Captured:
    """Run a process on this machine and keep its output; its group is added to ``groups``
    so the owner can kill what it leaves behind."""
    if cancel.is_set():
        return Captured(ExitInfo(code=-1, cancelled=True), "", "")
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as e:  # like a shell: a missing program is exit 127 with a message
        return Captured(ExitInfo(code=127), "", f"{argv[0]}: {e.strerror}")
    with stopping(proc, timeout, cancel, groups) as why:
        if proc.stdin is not None:
            _feed(proc.stdin, (stdin or "").encode("utf-8"))
        assert proc.stdout is not None and proc.stderr is not None
        try:
            out, err = _drain(proc, proc.stdout.fileno(), proc.stderr.fileno())
        finally:
            proc.stdout.close()
            proc.stderr.close()
    exit = ExitInfo(code=proc.returncode, timed_out="timeout" in why, cancelled="cancel" in why)
    # text-mode pipes would turn \r\n into \n; keep the bytes as written
    return Captured(exit, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write stdin on a thread: a process that reads little must not block us."""
    import threading

    def write() -> None:
        with contextlib.suppress(OSError):
            pipe.write(data)
        with contextlib.suppress(OSError):
            pipe.close()

    threading.Thread(target=write, daemon=True).start()


def _drain(proc: subprocess.Popen[bytes], *fds: int) -> tuple[bytes, bytes]:
    """Both outputs until EOF, or until the process has exited and they are drained (a
    background child may hold the pipes open for ever)."""
    poller = select.poll()
    chunks: dict[int, list[bytes]] = {fd: [] for fd in fds}
    open_fds = set(fds)
    for fd in fds:
        poller.register(fd, select.POLLIN | select.POLLHUP)
    while open_fds:
        ready = poller.poll(100)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        for fd, _ in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                chunks[fd].append(chunk)
            else:
                poller.unregister(fd)
                open_fds.discard(fd)
    proc.wait()
    return b"".join(chunks[fds[0]]), b"".join(chunks[fds[1]])


@contextlib.contextmanager
def stopping(
    proc: subprocess.Popen[str] | subprocess.Popen[bytes],
    timeout: float | None,
    cancel: CancelToken,
    groups: list[int],
    send: Callable[[int], None] | None = None,
) -> Iterator[list[str]]:
    """Stop ``proc`` at the timeout or on cancel: SIGINT, SIGTERM after a grace period,
    then SIGKILL, each to its process group (or through ``send``, e.g. to the processes a
    container runs for it); yields the reasons."""
    groups.append(proc.pid)
    _LIVE.add(proc.pid)
    why: list[str] = []

    def signal_all(sig: int) -> None:
        if send is None:
            _signal_group(proc.pid, sig)
            return
        send(sig)
        if sig == signal.SIGKILL:  # the relay too, if it did not end with what it relays
            _signal_group(proc.pid, sig)

    def stop(reason: str) -> None:
        if proc.poll() is None:
            why.append(reason)
            signal_all(signal.SIGINT)
            WATCHDOG.schedule(_GRACE, lambda: signal_all(signal.SIGTERM))
            WATCHDOG.schedule(2 * _GRACE, lambda: signal_all(signal.SIGKILL))

    def on_cancel() -> None:
        stop("cancel")

    timer = WATCHDOG.schedule(timeout, lambda: stop("timeout")) if timeout else None
    cancel.add_listener(on_cancel)
    if cancel.is_set():  # set after the caller's check, before the listener: not lost
        on_cancel()
    try:
        yield why
    finally:
        if timer is not None:
            WATCHDOG.cancel(timer)
        cancel.remove_listener(on_cancel)
        if proc.poll() is not None and not _group_alive(proc.pid):
            _LIVE.discard(proc.pid)  # nothing of it left to kill (and its pgid may be reused)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def create(request: ExecutorRequest) -> HostExecutor:
    """The registry's factory for ``host``."""
    return HostExecutor(
        request.job_dir, request.repo_name, request.tool_cache, request.base_env or None
    )


def which(program: str, path: str) -> str | None:
    """``shutil.which`` for executables on ``path`` (without importing shutil per run)."""
    candidates = (
        [program]
        if "/" in program
        else [os.path.join(d or ".", program) for d in path.split(os.pathsep)]
    )
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def _copy(source: Path, dest: Path) -> None:
    """Copy a file or a tree (symlinks kept as links), merging into ``dest``."""
    import shutil

    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest, follow_symlinks=False)


def pump(proc: subprocess.Popen[bytes], fd: int, on_output: Callable[[str], None]) -> None:
    """Stream output a read at a time, as whole lines, until EOF, or until the process has
    exited and its output is drained.

    A background child (``server &``) may hold the pipe open for ever; it must not hold
    the step too. A line longer than a read is gathered in pieces (linear, however long).
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    pending: list[bytes] = []  # the start of a line not ended yet
    while True:
        if not poller.poll(100):
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        end = chunk.rfind(b"\n")
        if end < 0:
            pending.append(chunk)
            continue
        head = b"".join((*pending, chunk[:end])) if pending else chunk[:end]
        pending = [chunk[end + 1 :]] if end + 1 < len(chunk) else []
        on_output(_text(head + b"\n"))
    if pending:
        on_output(_text(b"".join(pending)))


def _text(data: bytes) -> str:
    """Whole lines as text: "\\r\\n" made "\\n", without the last newline."""
    # "\n" never occurs inside a UTF-8 sequence: each piece decodes on its own
    text = data.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text[:-1] if text.endswith("\n") else text


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
