"""Measuring: timed runs (warm-up, then round-robin repeats), machine and source info, and
finding (or installing) act. Also the paths and formatting helpers the other modules share.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
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
    """Runs commands with a warm-up, then N timed repeats; reports the median."""

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
        items: list[tuple[Any, ...]],
        repeats: int | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> dict[str, dict[str, Any]]:
        """Time several commands round-robin (A B C, A B C, ...), so drift in machine load
        hits every command of a comparison alike. Items: (label, cmd, cwd[, env]).
        Returns {label: result}."""
        n = repeats or self.repeats
        items = [
            (it[0], it[1], it[2], it[3] if len(it) > 3 and it[3] else self.env)
            for it in items
            if it is not None
        ]
        results: dict[str, dict[str, Any]] = {}
        live = []
        for label, cmd, cwd, env in items:
            error = None
            for _ in range(self.warmup):
                r = subprocess.run(
                    cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
                if r.returncode not in ok_codes:
                    error = r.stderr.decode(errors="replace")[-800:]
                    log(f"  ! {label}: exit {r.returncode}: {error.strip()}")
                    last = error.strip().splitlines()[-1] if error.strip() else ""
                    self.failures.append(f"{label}: exit {r.returncode}: {last}")
                    results[label] = {
                        "cmd": [str(c) for c in cmd],
                        "error": f"exit {r.returncode}",
                        "stderr": error,
                    }
                    break
            if error is None:
                live.append((label, cmd, cwd, env))
        times: dict[str, list[float]] = {label: [] for label, *_ in live}
        for _ in range(n):
            for label, cmd, cwd, env in live:
                if label in results:
                    continue
                t0 = time.perf_counter()
                r = subprocess.run(
                    cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                times[label].append(time.perf_counter() - t0)
                if r.returncode not in ok_codes:
                    self.failures.append(f"{label}: exit {r.returncode} on a timed run")
                    results[label] = {
                        "cmd": [str(c) for c in cmd],
                        "error": f"exit {r.returncode}",
                        "times": times[label],
                    }
        for label, cmd, *_ in live:
            if label in results:
                continue
            t = times[label]
            results[label] = {
                "cmd": [str(c) for c in cmd],
                "median": statistics.median(t),
                "min": min(t),
                "max": max(t),
                "n": n,
                "times": t,
            }
            res = results[label]
            log(
                f"  {label:<44} median {ms(res['median']):>9}  (min {ms(res['min'])}, "
                f"max {ms(res['max'])}, n={n})"
            )
        return results


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
