"""Measuring: timed runs (warm-up, then round-robin repeats), machine and source info, and
finding (or installing) act. Also the paths and formatting helpers the other modules share.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SRC = ROOT / "src"
RESULTS = BENCH / "results"
ACT_VERSION = "v0.2.89"


# --------------------------------------------------------------------------- utilities


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    value = seconds * 1000
    return (
        f"{value:.0f} ms"
        if value >= 100
        else f"{value:.1f} ms"
        if value >= 1
        else f"{value:.2f} ms"
    )


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "loadavg_start": loadavg(),
        "bash": first_line(["bash", "--version"]),
        "git": first_line(["git", "--version"]),
    }


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "missing"


class Timer:
    """Runs commands with a warm-up, then N timed repeats; reports the median.

    Each run is reaped with ``os.wait4``, which also gives its CPU time. Not its peak RSS:
    a child forked by this process starts with this process's pages, so its ``ru_maxrss``
    is never below the bench's own (see ``RssProbe`` for that).
    """

    def __init__(self, env: dict[str, str], repeats: int, warmup: int) -> None:
        self.env = env
        self.repeats = repeats
        self.warmup = warmup
        self.failures: list[str] = []

    def measure(
        self,
        cmd: list[str],
        cwd: Path | None = None,
        label: str = "",
        repeats: int | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> dict[str, Any]:
        return self.group([(label, cmd, cwd)], repeats=repeats, ok_codes=ok_codes)[label]

    def group(
        self,
        items: list[Any],
        repeats: int | None = None,
        ok_codes: tuple[int, ...] = (0,),
        timeout: float | None = None,
        sample: bool = False,
    ) -> dict[str, dict[str, Any]]:
        """Time several commands round-robin (A B C, A B C, ...), so drift in machine load
        hits every command of a comparison alike. Items: (label, cmd, cwd[, env[, before]]),
        where ``before()`` runs untimed ahead of every run (e.g. to empty a cache); falsy
        items are skipped. Returns {label: result}.

        ``timeout``: a run taking longer is killed (its whole process group) and the command
        gets ``{"error": ..., "timeout": timeout}``; it is not run again. ``sample``: poll
        the command's process every 50 ms for its thread count and open file descriptors.
        """
        n = repeats or self.repeats
        live = []
        results: dict[str, dict[str, Any]] = {}
        for it in items:
            if not it:
                continue
            label, cmd, cwd = it[0], it[1], it[2]
            env = it[3] if len(it) > 3 and it[3] else self.env
            before = it[4] if len(it) > 4 else None
            error = None
            for _ in range(self.warmup):
                if before:
                    before()
                run = run_once(cmd, cwd, env, timeout=timeout, capture_stderr=True)
                if run["timed_out"] or run["code"] not in ok_codes:
                    error = self._fail(label, cmd, run, results, timeout)
                    break
            if error is None:
                live.append((label, cmd, cwd, env, before))
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label, *_ in live}
        for _ in range(n):
            for label, cmd, cwd, env, before in live:
                if label in results:
                    continue
                if before:
                    before()
                run = run_once(cmd, cwd, env, timeout=timeout, sample=sample)
                if run["timed_out"] or run["code"] not in ok_codes:
                    self._fail(label, cmd, run, results, timeout, timed=True)
                    results[label]["times"] = [r["wall"] for r in runs[label]]
                    continue
                runs[label].append(run)
        for label, cmd, *_ in live:
            if label in results:
                continue
            t = [r["wall"] for r in runs[label]]
            res = results[label] = {
                "cmd": [str(c) for c in cmd],
                "median": statistics.median(t),
                "min": min(t),
                "max": max(t),
                "n": n,
                "times": t,
                "cpu_s": [r["cpu"] for r in runs[label]],
            }
            extra = ""
            if sample:
                res["peak_threads"] = max(r["peak_threads"] for r in runs[label])
                res["peak_fds"] = max(r["peak_fds"] for r in runs[label])
                extra = f"; {res['peak_threads']} threads, {res['peak_fds']} fds"
            log(
                f"  {label:<44} median {ms(res['median']):>9}  (min {ms(res['min'])}, "
                f"max {ms(res['max'])}, n={n}{extra})"
            )
        return results

    def _fail(
        self,
        label: str,
        cmd: list[Any],
        run: dict[str, Any],
        results: dict[str, dict[str, Any]],
        timeout: float | None,
        timed: bool = False,
    ) -> str:
        when = " on a timed run" if timed else ""
        error = f"timed out after {timeout:.0f} s" if run["timed_out"] else f"exit {run['code']}"
        stderr = run.get("stderr", "")
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        log(f"  ! {label}: {error}{when}: {stderr.strip()[-800:]}")
        self.failures.append(f"{label}: {error}{when}{': ' + last if last else ''}")
        results[label] = {"cmd": [str(c) for c in cmd], "error": error, "stderr": stderr}
        if run["timed_out"]:
            results[label]["timeout"] = timeout
        return error


def run_once(
    cmd: list[Any],
    cwd: Path | None,
    env: dict[str, str],
    timeout: float | None = None,
    capture_stderr: bool = False,
    sample: bool = False,
) -> dict[str, Any]:
    """Run ``cmd`` once, stdout to /dev/null: wall time, exit code and CPU time (``os.wait4``
    of this child alone), optionally its peak thread and fd counts; with
    ``capture_stderr``, the tail of its stderr (through a file: a pipe could be held open by
    leftover grandchildren)."""
    if not capture_stderr:
        return _run(cmd, cwd, env, timeout, sample, subprocess.DEVNULL)
    with tempfile.TemporaryFile() as err:
        run = _run(cmd, cwd, env, timeout, sample, err)
        err.seek(0)
        run["stderr"] = err.read()[-4000:].decode(errors="replace")
    return run


def _run(
    cmd: list[Any],
    cwd: Path | None,
    env: dict[str, str],
    timeout: float | None,
    sample: bool,
    stderr: Any,
) -> dict[str, Any]:
    killer = sampler = None
    fired = threading.Event()
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=timeout is not None,
    )
    if timeout is not None:
        killer = threading.Timer(timeout, _kill_group, (p.pid, fired))
        killer.daemon = True
        killer.start()
    if sample:
        sampler = ProcSampler(p.pid)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if killer is not None:
        killer.cancel()
    run: dict[str, Any] = {
        "wall": wall,
        "code": p.returncode,
        "timed_out": fired.is_set(),
        "cpu": usage.ru_utime + usage.ru_stime,
    }
    if sampler is not None:
        run["peak_threads"], run["peak_fds"] = sampler.stop()
    return run


def _kill_group(pid: int, fired: threading.Event) -> None:
    """Kill the process group of a run that took too long (it was started in a new session,
    so the group holds that run's processes only)."""
    fired.set()
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


class ProcSampler:
    """Polls /proc/<pid> every ``interval`` s: the peak thread count and open fds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.threads = self.fds = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        status, fd_dir = f"/proc/{self.pid}/status", f"/proc/{self.pid}/fd"
        while True:
            try:
                with open(status) as f:
                    for line in f:
                        if line.startswith("Threads:"):
                            self.threads = max(self.threads, int(line.split()[1]))
                            break
                self.fds = max(self.fds, len(os.listdir(fd_dir)))
            except (OSError, ValueError):
                pass  # exited (a zombie has no fd dir), or not started yet
            if self._done.wait(self.interval):
                return

    def stop(self) -> tuple[int, int]:
        self._done.set()
        self._thread.join()
        return self.threads, self.fds


# A launcher in a fresh, small interpreter: runs the command as its child and appends the
# child's ru_maxrss (KB) to a file. Used when GNU time is missing.
RSS_LAUNCHER = """
import os, sys
out, cmd = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(out, "a") as f:
    f.write(f"{usage.ru_maxrss}\\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


class RssProbe:
    """Peak RSS of a command: the ``ru_maxrss`` of its process tree's largest process.

    A forked child starts with its parent's pages, and exec keeps that high-water mark in
    ``ru_maxrss``, so the command must be started by a small process: GNU time
    (``/usr/bin/time -f %M``, ~1.5 MB floor) when present, else a fresh ``python -I -S``
    launcher (~7 MB floor: smaller values read as the floor). Each run appends one line
    to the label's file; ``wrap`` the command, time it as usual, then ``read`` the values.
    """

    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "rss"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.gnu_time = "GNU" in first_line(["/usr/bin/time", "--version"])
        self.kind = "GNU time" if self.gnu_time else "python launcher"
        self.launcher = self.dir / "launcher.py"
        self.launcher.write_text(RSS_LAUNCHER)
        self._n = 0

    def wrap(self, cmd: list[Any]) -> tuple[list[Any], Path]:
        self._n += 1
        out = self.dir / f"cmd{self._n}.txt"
        if self.gnu_time:
            return ["/usr/bin/time", "-f", "%M", "-a", "-o", str(out), *cmd], out
        return [sys.executable, "-I", "-S", str(self.launcher), str(out), *cmd], out

    @staticmethod
    def read(out: Path, skip: int) -> list[int]:
        """The KB values of the timed runs (``skip``: the warm-up runs first)."""
        try:
            lines = out.read_text().split()
        except OSError:
            return []
        return [int(x) for x in lines if x.isdigit()][skip:]


def med(result: dict[str, Any] | None) -> float | None:
    return None if not result or "median" not in result else result["median"]


def per_unit(
    big: dict[str, Any] | None, small: dict[str, Any] | None, units: int, stat: str = "median"
) -> float | None:
    b, s = (big or {}).get(stat), (small or {}).get(stat)
    return None if b is None or s is None else (b - s) / units


def mn(result: dict[str, Any] | None) -> float | None:
    return None if not result else result.get("min")


# --------------------------------------------------------------------------- tools


def source_info(src: Path, live: bool) -> dict[str, Any]:
    """Which code was measured: HEAD (read-only git query) and a hash of the .py files."""
    digest = hashlib.sha256()
    for f in sorted(src.rglob("*.py")):
        digest.update(str(f.relative_to(src)).encode() + b"\0" + f.read_bytes())
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "path": str(src),
        "snapshot": not live,
        "git_head": head or None,
        "src_sha256": digest.hexdigest()[:16],
    }


def conveyor_cmd() -> list[str]:
    script = Path(sys.executable).parent / "conveyor"
    if script.exists():
        return [str(script)]
    venv = ROOT / ".venv" / "bin" / "conveyor"
    if venv.exists():
        return [str(venv)]
    return [sys.executable, "-m", "conveyor"]


def find_act(notes: list[str], allow_install: bool) -> str | None:
    candidates = [
        os.environ.get("ACT"),
        shutil.which("act"),
        str(Path.home() / "go" / "bin" / "act"),
    ]
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )
    if go:
        gopath = subprocess.run([go, "env", "GOPATH"], capture_output=True, text=True).stdout
        if gopath.strip():
            candidates.append(str(Path(gopath.strip().split(os.pathsep)[0]) / "bin" / "act"))
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return _check_act_version(c, notes)
    if not allow_install:
        notes.append("act: not found and --no-act-install given; act columns skipped")
        return None
    if not go:
        notes.append(
            "act: not found and no `go` toolchain to install it; act columns skipped "
            f"(install with `go install github.com/nektos/act@{ACT_VERSION}`)"
        )
        return None
    log(f"act not found; installing with go install github.com/nektos/act@{ACT_VERSION} ...")
    r = subprocess.run(
        [go, "install", f"github.com/nektos/act@{ACT_VERSION}"], capture_output=True, text=True
    )
    if r.returncode != 0:
        notes.append(f"act: `go install` failed ({r.stderr.strip()[-300:]}); act columns skipped")
        return None
    gopath = subprocess.run([go, "env", "GOPATH"], capture_output=True, text=True).stdout.strip()
    act = Path(gopath.split(os.pathsep)[0]) / "bin" / "act"
    if act.exists():
        notes.append(f"act: installed {ACT_VERSION} with go install")
        return _check_act_version(str(act), notes)
    notes.append("act: go install succeeded but binary not found; act columns skipped")
    return None


def _check_act_version(act: str, notes: list[str]) -> str:
    version = first_line([act, "--version"])
    if ACT_VERSION.lstrip("v") not in version:
        notes.append(f"act: found '{version}' at {act}, expected {ACT_VERSION}")
    return act


def act_cmd(act: str, cache: Path, *extra: str) -> list[str]:
    # Host mode ("-self-hosted"), never pull or fetch; caches in the temp dir, not ~/.cache.
    return [
        act,
        "push",
        "-P",
        "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--pull=false",
        "--action-cache-path",
        str(cache),
        "--cache-server-path",
        str(cache / "server"),
        "-W",
        ".github/workflows/ci.yml",
        *extra,
    ]
