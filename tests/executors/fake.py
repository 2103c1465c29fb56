"""An in-memory executor for tests: the job's files live in dicts, its processes are scripts.

``run``/``capture`` interpret ``["fake", *commands]``, one command per argv item:

    echo TEXT        TEXT and a newline on stdout (print TEXT: without the newline)
    err TEXT         TEXT and a newline on stderr
    env NAME         the variable's value, or "unset"
    pwd              the working directory
    cat              stdin to stdout
    mode PATH        a file's permission bits, in octal
    write PATH TEXT  create or replace a file (relative to the working directory)
    exit N           end with exit code N
    block            wait for the cancel token or the timeout

Any other program is missing (exit 127, like a shell). No process is started; only copy_in,
copy_out and teardown touch the engine's disk. Registered as "tests.executors.fake".
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conveyor.executors.base import CancelToken, Captured, ExecutorRequest, ExitInfo, JobPaths

if TYPE_CHECKING:
    from conveyor.executors.base import Executor

# the job's view differs from the engine's, so code that mixes the two views shows up
JOB_ROOT = Path("/__w/job")
TOOLS_ROOT = Path("/__t")


class FakeExecutor:
    name = "fake"
    runtime_node = None

    def __init__(self, request: ExecutorRequest) -> None:
        self.request = request
        self.paths = JobPaths(
            workspace=JOB_ROOT / request.repo_name, temp=JOB_ROOT / "_temp", tool_cache=TOOLS_ROOT
        )
        self.files: dict[Path, tuple[bytes, int]] = {}  # job path -> (data, mode)
        self.links: dict[Path, str] = {}  # job path -> symlink target
        self.dirs: set[Path] = set()
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self._env = dict(request.base_env) or {"PATH": "/usr/bin:/bin", "HOME": "/github/home"}
        self._roots = ((JOB_ROOT, request.job_dir), (TOOLS_ROOT, request.tool_cache))

    def _record(self, method: str, *args: object) -> None:
        self.calls.append((method, args))

    def prepare(self) -> JobPaths:
        self._record("prepare")
        for d in (self.paths.workspace, self.paths.temp, self.paths.tool_cache):
            self.dirs.update((d, *d.parents))
        return self.paths

    def base_env(self) -> dict[str, str]:
        self._record("base_env")
        return dict(self._env)

    def context(self) -> dict[str, Any]:
        return {"container": {}, "services": {}}

    def host_path(self, path: Path) -> Path:
        self._record("host_path", path)
        return _rebase(path, self._roots)

    def job_path(self, path: Path) -> Path:
        self._record("job_path", path)
        return _rebase(path, tuple((engine, job) for job, engine in self._roots))

    def write_file(self, path: Path, data: bytes, *, mode: int = 0o644) -> None:
        self._record("write_file", path, data, mode)
        self._write(path, data, mode)

    def _write(self, path: Path, data: bytes, mode: int = 0o644) -> None:
        path = self._resolve(path)
        # like O_CREAT: the mode counts for a new file only
        self.files[path] = (data, self.files.get(path, (b"", mode))[1])
        self.dirs.update(path.parents)

    def read_file(self, path: Path, *, truncate: bool = False) -> bytes | None:
        self._record("read_file", path, truncate)
        path = self._resolve(path)
        data, mode = self.files.get(path, (None, 0))
        if truncate and data is not None:
            self.files[path] = (b"", mode)
        return data

    def remove_file(self, path: Path) -> None:
        self._record("remove_file", path)
        if self.links.pop(path, None) is None:
            self.files.pop(path, None)

    def is_dir(self, path: Path) -> bool:
        self._record("is_dir", path)
        return self._resolve(path) in self.dirs

    def copy_in(self, source: Path, dest: Path) -> None:
        self._record("copy_in", source, dest)
        if not source.is_dir() or source.is_symlink():
            self._copy_in_one(source, dest)
            return
        for root, dirnames, filenames in os.walk(source):
            here = dest / Path(root).relative_to(source)
            self.dirs.update((here, *here.parents))
            for name in (*dirnames, *filenames):
                self._copy_in_one(Path(root, name), here / name)

    def _copy_in_one(self, source: Path, dest: Path) -> None:
        if source.is_symlink():
            self.links[dest] = os.readlink(source)
        elif source.is_file():
            self.files[dest] = (source.read_bytes(), source.stat().st_mode & 0o777)
        self.dirs.update(dest.parents)  # a real folder itself comes from os.walk

    def copy_out(self, source: Path, dest: Path) -> None:
        self._record("copy_out", source, dest)
        everything = (*self.dirs, *self.files, *self.links)
        for p in sorted(q for q in everything if q.is_relative_to(source)):
            target = dest / p.relative_to(source)
            if p in self.dirs:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            if p in self.links:
                target.symlink_to(self.links[p])
            else:
                target.write_bytes(self.files[p][0])
                target.chmod(self.files[p][1])

    def which(self, program: str, path: str) -> str | None:
        self._record("which", program, path)
        dirs = [""] if "/" in program else path.split(os.pathsep)
        for candidate in (Path(d or ".", program) for d in dirs):
            entry = self.files.get(self._resolve(candidate))
            if entry is not None and entry[1] & 0o111:
                return str(candidate)
        return None

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
        self._record("run", list(argv), cwd, dict(env), timeout)
        pending = [""]  # split into lines as the host's pump does; stderr joins stdout

        def write(text: str) -> None:
            *lines, pending[0] = (pending[0] + text).split("\n")
            if lines:
                on_output("\n".join(line.rstrip("\r") for line in lines))

        exit = self._interpret(argv, cwd, env, "", timeout, cancel, write, write)
        write("\n" if pending[0] else "")  # the last line, without a newline
        return exit

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
        self._record("capture", list(argv), cwd, dict(env), stdin, timeout)
        out, err = [""], [""]
        exit = self._interpret(argv, cwd, env, stdin or "", timeout, cancel, out.append, err.append)
        return Captured(exit, "".join(out), "".join(err))

    def teardown(self) -> None:
        self._record("teardown")
        self.files, self.links, self.dirs = {}, {}, set()
        shutil.rmtree(self.request.job_dir, ignore_errors=True)

    def _interpret(
        self,
        argv: list[str],
        cwd: Path,
        env: Mapping[str, str],
        stdin: str,
        timeout: float | None,
        cancel: CancelToken,
        out: Callable[[str], None],
        err: Callable[[str], None],
    ) -> ExitInfo:
        if cancel.is_set():
            return ExitInfo(code=-1, cancelled=True)
        if argv[:1] != ["fake"]:
            err(f"{argv[0] if argv else '(empty argv)'}: No such file or directory\n")
            return ExitInfo(code=127)
        for command in argv[1:]:
            word, _, rest = command.partition(" ")
            match word:
                case "echo" | "print":
                    out(rest + "\n" if word == "echo" else rest)
                case "err":
                    err(rest + "\n")
                case "env":
                    out(env.get(rest, "unset") + "\n")
                case "pwd":
                    out(f"{cwd}\n")
                case "cat":
                    out(stdin)
                case "mode" if entry := self.files.get(self._resolve(cwd / rest)):
                    out(f"{entry[1]:o}\n")
                case "mode":
                    err(f"mode: {rest}: No such file or directory\n")
                    return ExitInfo(code=1)
                case "write":
                    target, _, text = rest.partition(" ")
                    self._write(cwd / target, text.encode())
                case "exit":
                    return ExitInfo(code=int(rest))
                case "block":
                    cancelled = cancel.wait(timeout)
                    return ExitInfo(code=-1, cancelled=cancelled, timed_out=not cancelled)
                case _:
                    err(f"fake: {word}: unknown command\n")
                    return ExitInfo(code=2)
        return ExitInfo(code=0)

    def _resolve(self, path: Path) -> Path:
        for _ in range(40):  # follow symlinks in the last component
            if path not in self.links:
                return path
            path = Path(os.path.normpath(path.parent / self.links[path]))
        raise OSError(f"{path}: Too many levels of symbolic links")


def _rebase(path: Path, roots: tuple[tuple[Path, Path], ...]) -> Path:
    for old, new in roots:
        if path.is_relative_to(old):
            return new / path.relative_to(old)
    return path


def create(request: ExecutorRequest) -> Executor:
    """The registry's factory for ``fake``."""
    return FakeExecutor(request)
