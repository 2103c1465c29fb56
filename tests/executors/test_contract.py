"""The ``Executor`` contract, one suite for every registered executor plus the fake.

Each test talks to the executor only through the Protocol. A test's process is written in
the fake's script language (``tests/executors/fake.py``); for the real executors
``Dialect.argv`` turns it into an ``sh -c`` script, so a new executor (podman) joins the
suite by being registered, plus a ``DIALECTS`` line when it needs one.
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conveyor.executors import EXECUTORS, create_executor
from conveyor.executors.base import (
    CancelToken,
    Captured,
    Executor,
    ExecutorRequest,
    ExitInfo,
    JobPaths,
)
from conveyor.records import replace
from tests.executors.busybox_image import ensure_busybox_image

# only so that a broken executor fails instead of hanging the suite, never a measurement
GUARD = 60.0
SHORT = 0.3  # a timeout meant to fire
HANG = 5.0  # waits that end at once when the executor works; only a failure pays them


def host_pid_gone(pid: int) -> bool:
    """The process is gone or a zombie nobody reaps (it no longer runs)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def container_pid_gone(pid: int) -> bool:
    """A pid as a job container printed it (its own namespace): gone when no process of
    this machine has that pid in its innermost namespace and runs a conveyor job."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                nspid = next((ln.split()[1:] for ln in f if ln.startswith("NSpid:")), [])
            with open(f"/proc/{entry}/environ", "rb") as f:
                marked = b"RUNNER_TRACKING_ID=conveyor_" in f.read()
        except OSError:
            continue
        if len(nspid) > 1 and nspid[-1] == str(pid) and marked and not host_pid_gone(int(entry)):
            return False
    return True


_SHELL = {
    "echo": "printf '%s\\n' {q}",
    "print": "printf '%s' {q}",
    "err": "printf '%s\\n' {q} >&2",
    "env": "printf '%s\\n' \"${{{rest}-unset}}\"",
    "pwd": "pwd",
    "cat": "cat",
    "mode": "stat -c %a {q}",
    "exit": "exit {rest}",
    "block": "sleep 1000",
    # real processes only
    "background": "sleep 1000 & echo $!",  # a child holding the output pipe
    "daemon": "setsid sleep 1000 & echo $!",  # a new session: out of the job's group
}


def _to_shell(command: str) -> str:
    word, _, rest = command.partition(" ")
    if word == "write":
        path, _, text = rest.partition(" ")
        return f"printf '%s' {shlex.quote(text)} > {shlex.quote(path)}"
    return _SHELL[word].format(q=shlex.quote(rest), rest=rest)


@dataclass(frozen=True)
class Dialect:
    """How a test's script becomes argv for one executor, and what that executor can do."""

    shell: bool = True
    real_processes: bool = True
    pid_gone: Callable[[int], bool] | None = None  # for a pid the job printed
    gaps: Mapping[str, str] = field(default_factory=dict)  # known failures: key -> reason

    def argv(self, *commands: str) -> list[str]:
        if not self.shell:
            return ["fake", *commands]
        return ["sh", "-c", "\n".join(map(_to_shell, commands))]

    def needs_processes(self, what: str) -> None:
        if not self.real_processes:
            pytest.skip(f"needs a real OS process ({what}); the fake only interprets scripts")

    def known_gap(self, request: pytest.FixtureRequest, key: str) -> None:
        if key in self.gaps:
            request.applymarker(pytest.mark.xfail(strict=True, reason=self.gaps[key]))


DIALECTS = {
    "host": Dialect(
        pid_gone=host_pid_gone,
        gaps={},
    ),
    "container": Dialect(pid_gone=container_pid_gone),
    "fake": Dialect(shell=False, real_processes=False),
}
NAMES = [*EXECUTORS, "fake"]


@pytest.fixture(params=NAMES)
def executor(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Executor]:
    monkeypatch.setitem(EXECUTORS, "fake", "tests.executors.fake")
    job = ExecutorRequest(
        job_dir=tmp_path / "job",
        repo_name="repo",
        tool_cache=tmp_path / "tools",
        base_env={**os.environ, "CONVEYOR_BASE_ONLY": "base"},
    )
    if request.param == "container":  # in a job container, not the host mode
        job = replace(job, container={"image": ensure_busybox_image()})
    ex = create_executor(job, request.param)
    yield ex
    ex.teardown()


@pytest.fixture
def lang(executor: Executor) -> Dialect:
    return DIALECTS.get(executor.name, Dialect())


@pytest.fixture
def paths(executor: Executor) -> JobPaths:
    return executor.prepare()


@dataclass
class Ran:
    exit: ExitInfo
    lines: list[str]


def run(
    ex: Executor,
    argv: list[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float | None = GUARD,
    cancel: CancelToken | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Ran:
    lines: list[str] = []

    def batch(text: str) -> None:
        texts = text.split("\n")
        lines.extend(texts)
        if on_line is not None:
            for text in texts:
                on_line(text)

    exit = ex.run(
        argv,
        cwd=cwd,
        env=ex.base_env() if env is None else env,
        on_output=batch,
        timeout=timeout,
        cancel=cancel or CancelToken(),
    )
    return Ran(exit, lines)


def eventually(check: Callable[[], bool], within: float = HANG) -> bool:
    """Poll ``check`` (a kill is not instantaneous); False once ``within`` has passed."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# --- prepare, files, paths ---------------------------------------------------------------


def test_prepare_makes_the_job_directories(executor: Executor) -> None:
    paths = executor.prepare()
    for d in (paths.workspace, paths.temp, paths.tool_cache):
        assert executor.is_dir(d), d
    assert not executor.is_dir(paths.temp / "nothing-here")


def test_write_then_read_returns_the_bytes(executor: Executor, paths: JobPaths) -> None:
    f = paths.temp / "data.bin"
    assert executor.read_file(f) is None
    executor.write_file(f, b"one\r\n\x00two")
    assert executor.read_file(f) == b"one\r\n\x00two"
    executor.write_file(f, b"short")  # replaced, not overwritten in place
    assert executor.read_file(f) == b"short"
    assert not executor.is_dir(f)


def test_read_file_truncate_empties_the_file(executor: Executor, paths: JobPaths) -> None:
    f = paths.temp / "GITHUB_ENV"
    executor.write_file(f, b"A=1\n")
    assert executor.read_file(f, truncate=True) == b"A=1\n"
    assert executor.read_file(f) == b""
    assert executor.read_file(f, truncate=True) == b""
    assert executor.read_file(paths.temp / "missing", truncate=True) is None


def test_remove_file(executor: Executor, paths: JobPaths) -> None:
    f = paths.temp / "gone.txt"
    executor.write_file(f, b"x")
    executor.remove_file(f)
    assert executor.read_file(f) is None
    executor.remove_file(f)  # missing: not an error


def test_write_file_creates_missing_parent_folders(executor: Executor, paths: JobPaths) -> None:
    f = paths.temp / "a" / "b" / "c.txt"
    executor.write_file(f, b"deep")
    assert executor.is_dir(paths.temp / "a" / "b")
    assert executor.read_file(f) == b"deep"


@pytest.mark.parametrize("mode", [0o600, 0o700])
def test_write_file_honours_mode(
    executor: Executor, paths: JobPaths, lang: Dialect, mode: int
) -> None:
    executor.write_file(paths.temp / "script.sh", b"echo hi\n", mode=mode)
    out = executor.capture(
        lang.argv("mode script.sh"),
        cwd=paths.temp,
        env=executor.base_env(),
        timeout=GUARD,
        cancel=CancelToken(),
    )
    assert (out.exit.code, out.stdout) == (0, f"{mode:o}\n")


def test_path_views_round_trip(executor: Executor, paths: JobPaths, tmp_path: Path) -> None:
    for job_side in (paths.workspace / "src" / "a.py", paths.temp, paths.tool_cache / "node"):
        assert executor.job_path(executor.host_path(job_side)) == job_side
    for engine_side in (executor.host_path(paths.workspace) / "x", tmp_path / "elsewhere"):
        assert executor.host_path(executor.job_path(engine_side)) == engine_side


def test_job_files_are_seen_from_the_engine_side(
    executor: Executor, paths: JobPaths, lang: Dialect
) -> None:
    if executor.name == "fake":
        pytest.skip("the fake keeps the job's files in memory: the engine side has none")
    f = paths.workspace / "sub" / "hash-me.txt"
    executor.write_file(f, b"content")
    assert executor.host_path(f).read_bytes() == b"content"  # hashFiles, built-ins


def test_copy_in_and_out_keep_a_tree_with_a_symlink(
    executor: Executor, paths: JobPaths, tmp_path: Path
) -> None:
    src = tmp_path / "action"
    (src / "dist").mkdir(parents=True)
    (src / "action.yml").write_bytes(b"name: x\n")
    (src / "dist" / "index.js").write_bytes(b"console.log(1)\n")
    (src / "link.yml").symlink_to("action.yml")
    inside = paths.temp / "_actions" / "x"
    executor.copy_in(src, inside)
    assert executor.is_dir(inside / "dist")
    assert executor.read_file(inside / "dist" / "index.js") == b"console.log(1)\n"
    assert executor.read_file(inside / "link.yml") == b"name: x\n"  # through the link

    back = tmp_path / "back"
    executor.copy_out(inside, back)
    assert (back / "dist" / "index.js").read_bytes() == b"console.log(1)\n"
    assert (back / "link.yml").is_symlink()
    assert os.readlink(back / "link.yml") == "action.yml"
    assert (back / "action.yml").read_bytes() == b"name: x\n"


def test_copy_in_and_out_a_single_file(executor: Executor, paths: JobPaths, tmp_path: Path) -> None:
    (tmp_path / "event.json").write_bytes(b"{}")
    executor.copy_in(tmp_path / "event.json", paths.temp / "_github_workflow" / "event.json")
    assert executor.read_file(paths.temp / "_github_workflow" / "event.json") == b"{}"
    executor.copy_out(paths.temp / "_github_workflow" / "event.json", tmp_path / "out" / "e.json")
    assert (tmp_path / "out" / "e.json").read_bytes() == b"{}"


def test_which_finds_executables_on_the_given_path(executor: Executor, paths: JobPaths) -> None:
    bin_dir = paths.temp / "bin"
    executor.write_file(bin_dir / "mytool", b"#!/bin/sh\n", mode=0o755)
    executor.write_file(bin_dir / "plain", b"not a program", mode=0o644)
    executor.write_file(bin_dir / "folder" / "x", b"")
    search = f"{paths.temp / 'nonexistent'}:{bin_dir}"
    assert executor.which("mytool", search) == str(bin_dir / "mytool")
    assert executor.which("plain", search) is None
    assert executor.which("folder", search) is None
    assert executor.which("mytool", str(paths.temp)) is None  # only on the given PATH
    assert executor.which(str(bin_dir / "mytool"), "") == str(bin_dir / "mytool")
    assert executor.which(str(bin_dir / "plain"), "") is None


def test_base_env_has_path(executor: Executor) -> None:
    env = executor.base_env()
    assert env.get("PATH")
    env["PATH"] = "changed"  # a copy: a step's env must not leak into the next
    assert executor.base_env()["PATH"] != "changed"


# --- run ---------------------------------------------------------------------------------


def test_run_streams_lines_in_order(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    argv = lang.argv("echo one", "print two\r\n\nthree\n", "err four", "print five")
    got = run(executor, argv, paths.workspace)
    assert got.exit == ExitInfo(0)
    assert got.lines == ["one", "two", "", "three", "four", "five"]


@pytest.mark.parametrize("code", [0, 3, 255])
def test_run_returns_the_exit_code(
    executor: Executor, paths: JobPaths, lang: Dialect, code: int
) -> None:
    got = run(executor, lang.argv("echo before", f"exit {code}", "echo never"), paths.temp)
    assert got.exit == ExitInfo(code)
    assert not got.exit.stopped
    assert got.lines == ["before"]


def test_run_honours_cwd(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    sub = paths.workspace / "sub"
    executor.write_file(sub / ".keep", b"")
    got = run(executor, lang.argv("write out.txt written", "pwd"), sub)
    assert got.exit.code == 0
    assert executor.read_file(sub / "out.txt") == b"written"  # what a step writes, read back
    assert got.lines == [str(sub)]


def test_run_passes_exactly_env(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    env = {k: v for k, v in executor.base_env().items() if k != "CONVEYOR_BASE_ONLY"}
    env["CONVEYOR_TEST"] = "hello world"
    got = run(
        executor, lang.argv("env CONVEYOR_TEST", "env CONVEYOR_BASE_ONLY"), paths.temp, env=env
    )
    assert got.lines == ["hello world", "unset"]


def test_run_stdin_is_empty(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    got = run(executor, lang.argv("cat", "echo done"), paths.temp)
    assert got.exit == ExitInfo(0)  # not stopped by the guard timeout
    assert got.lines == ["done"]


def test_run_timeout_stops_it(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    got = run(executor, lang.argv("echo started", "block", "echo never"), paths.temp, timeout=SHORT)
    assert got.exit.timed_out and not got.exit.cancelled
    assert got.exit.stopped and got.exit.code != 0
    assert got.lines == ["started"]


def test_run_cancel_stops_it(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    token = CancelToken()

    def on_line(line: str) -> None:
        if line == "started":  # the process runs: cancel it from another thread
            threading.Thread(target=token.set, args=("cancelled by test",)).start()

    got = run(
        executor, lang.argv("echo started", "block"), paths.temp, cancel=token, on_line=on_line
    )
    assert got.exit.cancelled and not got.exit.timed_out
    assert got.exit.stopped and got.exit.code != 0


class LateToken(CancelToken):
    """Cancelled at the executor's first look, which still answers "not set": a cancel
    landing between the executor's check and the start of the process."""

    def __init__(self) -> None:
        super().__init__()
        self._untouched = True

    def _touch(self) -> bool:
        first, self._untouched = self._untouched, False
        if first:
            self.set("late")
        return first

    def is_set(self) -> bool:
        return False if self._touch() else super().is_set()

    def add_listener(self, cb: Callable[[], None]) -> None:
        self._touch()
        super().add_listener(cb)

    def wait(self, timeout: float | None = None) -> bool:
        self._touch()
        return super().wait(timeout)


def test_run_cancel_arriving_as_it_starts_stops_it(
    executor: Executor, paths: JobPaths, lang: Dialect
) -> None:
    got = run(executor, lang.argv("block"), paths.temp, cancel=LateToken(), timeout=GUARD / 2)
    assert got.exit.cancelled and not got.exit.timed_out


def test_run_cancelled_before_start_does_not_run(
    executor: Executor, paths: JobPaths, lang: Dialect
) -> None:
    token = CancelToken()
    token.set("job cancelled")
    got = run(executor, lang.argv("write ran.txt yes", "echo ran"), paths.temp, cancel=token)
    assert got.exit.cancelled and got.exit.stopped
    assert got.lines == []
    assert executor.read_file(paths.temp / "ran.txt") is None


def test_run_is_not_held_by_a_background_child(
    executor: Executor, paths: JobPaths, lang: Dialect
) -> None:
    lang.needs_processes("a background child holding the output pipe")
    got = run(executor, lang.argv("background", "echo main done"), paths.temp)
    assert got.exit == ExitInfo(0)  # returned without the guard timeout
    assert got.lines[1:] == ["main done"]


def test_run_missing_program_is_an_exit_code(executor: Executor, paths: JobPaths) -> None:
    got = run(executor, ["conveyor-no-such-program"], paths.temp)
    assert got.exit.code != 0 and not got.exit.stopped
    assert any("conveyor-no-such-program" in line for line in got.lines), got.lines


# --- capture -----------------------------------------------------------------------------


def capture(
    ex: Executor,
    argv: list[str],
    cwd: Path,
    stdin: str | None = None,
    *,
    timeout: float = GUARD,
    cancel: CancelToken | None = None,
) -> tuple[int, str, str, ExitInfo]:
    out = ex.capture(
        argv,
        cwd=cwd,
        env=ex.base_env(),
        stdin=stdin,
        timeout=timeout,
        cancel=cancel or CancelToken(),
    )
    return out.exit.code, out.stdout, out.stderr, out.exit


def test_capture_keeps_stdout_and_stderr_apart(
    executor: Executor, paths: JobPaths, lang: Dialect
) -> None:
    argv = lang.argv("echo out 1", "err err 1", "echo out 2", "exit 4")
    code, out, err, _ = capture(executor, argv, paths.temp)
    assert (code, out, err) == (4, "out 1\nout 2\n", "err 1\n")


def test_capture_passes_stdin(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    # no "\r" here: the host's text pipes turn "\r\n" into "\n" (universal newlines)
    code, out, err, _ = capture(executor, lang.argv("cat"), paths.temp, stdin="a\n\nb c")
    assert (code, out, err) == (0, "a\n\nb c", "")
    code, out, _, _ = capture(executor, lang.argv("cat", "echo end"), paths.temp)
    assert (code, out) == (0, "end\n")  # no stdin given: empty, not inherited


def test_capture_timeout_and_cancel(executor: Executor, paths: JobPaths, lang: Dialect) -> None:
    *_, exit = capture(executor, lang.argv("block"), paths.temp, timeout=SHORT)
    assert exit.timed_out and exit.code != 0
    token = CancelToken()
    token.set()
    *_, exit = capture(executor, lang.argv("write ran.txt yes"), paths.temp, cancel=token)
    assert exit.cancelled
    assert executor.read_file(paths.temp / "ran.txt") is None


def test_capture_missing_program_is_an_exit_code(executor: Executor, paths: JobPaths) -> None:
    code, out, err, exit = capture(executor, ["conveyor-no-such-program", "x"], paths.temp)
    assert code != 0 and not exit.stopped
    assert "conveyor-no-such-program" in out + err


def test_capture_is_not_held_by_a_background_child(
    executor: Executor, paths: JobPaths, lang: Dialect, request: pytest.FixtureRequest
) -> None:
    lang.needs_processes("a background child holding the output pipes")
    lang.known_gap(request, "capture-background")
    done: list[Captured] = []
    argv = lang.argv("background", "echo main done")

    def probe() -> None:
        env = executor.base_env()
        done.append(executor.capture(argv, cwd=paths.temp, env=env, cancel=CancelToken()))

    # a thread: the timeout cannot help once the main process has exited; if it hangs,
    # the fixture's teardown kills the child and so frees the thread
    threading.Thread(target=probe, daemon=True).start()
    assert eventually(lambda: bool(done)), "capture still waits for the background child"
    assert done[0].exit == ExitInfo(0)
    assert done[0].stdout.endswith("main done\n")


# --- teardown ----------------------------------------------------------------------------


def _left_running(executor: Executor, paths: JobPaths, lang: Dialect, command: str) -> int:
    if lang.pid_gone is None:
        pytest.skip(f"no way to look at {executor.name}'s processes after teardown")
    got = run(executor, lang.argv(command), paths.temp)
    assert got.exit == ExitInfo(0)
    pid = int(got.lines[0])
    assert not lang.pid_gone(pid)
    return pid


def test_teardown_kills_what_the_job_left_running(
    executor: Executor, paths: JobPaths, lang: Dialect
) -> None:
    lang.needs_processes("a background process outliving its step")
    pid = _left_running(executor, paths, lang, "background")
    pid_gone = lang.pid_gone
    assert pid_gone is not None
    executor.teardown()
    assert eventually(lambda: pid_gone(pid))


def test_teardown_kills_a_setsid_daemon(
    executor: Executor, paths: JobPaths, lang: Dialect, request: pytest.FixtureRequest
) -> None:
    lang.needs_processes("setsid: a daemon in its own session")
    lang.known_gap(request, "setsid")
    pid = _left_running(executor, paths, lang, "daemon")
    pid_gone = lang.pid_gone
    assert pid_gone is not None
    try:
        executor.teardown()
        assert eventually(lambda: pid_gone(pid))
    finally:
        if not pid_gone(pid) and executor.name == "host":  # the test started it: no leak
            os.kill(pid, signal.SIGKILL)


def test_teardown_removes_the_job_directory(executor: Executor, paths: JobPaths) -> None:
    executor.write_file(paths.workspace / "src" / "main.c", b"int main;")
    executor.write_file(paths.temp / "script.sh", b"true", mode=0o700)
    engine_side = [executor.host_path(p) for p in (paths.workspace, paths.temp)]
    executor.teardown()
    assert not executor.is_dir(paths.workspace)
    assert not executor.is_dir(paths.temp)
    assert not any(p.exists() for p in engine_side)
    executor.teardown()  # twice: nothing left to do, no error
