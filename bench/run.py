#!/usr/bin/env python3
"""Conveyor benchmark suite: Conveyor vs. baselines vs. act, measured in the same run.

Run from the project root:

    .venv/bin/python bench/run.py            # full run (N=7 repeats)
    .venv/bin/python bench/run.py --quick    # N=3, fewer profiles; ~1 minute
    bench/run.sh [options]                   # same, picks the venv interpreter

Standard library only. Workloads are generated into a temporary directory (git repos
with .github/workflows/ci.yml); nothing in the project is touched except
bench/results/ (git-ignored). See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SRC = ROOT / "src"
RESULTS = BENCH / "results"
ACT_VERSION = "v0.2.89"

# Functions whose own time is spent waiting on children or other threads, not computing.
BLOCKING = re.compile(
    r"method 'acquire' of '_thread|method 'poll' of 'select|built-in method select\.|"
    r"posix\.waitpid|posix\.read|time\.sleep|method 'wait' of|_wait_for_tstate_lock|"
    r"method 'recv|method 'control' of 'select"
)


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
        "loadavg_start": _loadavg(),
        "bash": _first_line(["bash", "--version"]),
        "git": _first_line(["git", "--version"]),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _first_line(cmd: list[str]) -> str:
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


# --------------------------------------------------------------------------- workloads

HEADER = "name: ci\non: push\njobs:\n"


def wf_steps(n: int) -> str:
    steps = "".join("      - run: true\n" for _ in range(n))
    return HEADER + f"  build:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"


def wf_jobs(n: int, chain: bool = False) -> str:
    out = [HEADER]
    for i in range(n):
        out.append(f"  j{i:03d}:\n    runs-on: ubuntu-latest\n")
        if chain and i:
            out.append(f"    needs: j{i - 1:03d}\n")
        out.append("    steps:\n      - run: true\n")
    return "".join(out)


def wf_dry50() -> str:
    """50 jobs x 3 steps; five needs-chains of ten jobs; env + expressions like real CI."""
    out = [HEADER.replace("jobs:\n", "env:\n  LEVEL: info\njobs:\n")]
    for i in range(50):
        out.append(f"  job{i:02d}:\n    name: Job {i}\n    runs-on: ubuntu-latest\n")
        if i % 10:
            out.append(f"    needs: job{i - 1:02d}\n")
        out.append("    steps:\n")
        out.append(f"      - name: Prepare {i}\n        run: echo prepare {i}\n")
        out.append(
            "      - name: Build\n        run: |\n          echo build ${{ github.sha }}\n"
            "          echo $LEVEL\n"
        )
        out.append("      - name: Test\n        if: success()\n        run: echo test\n")
    return "".join(out)


def wf_large(jobs: int = 500, steps: int = 10) -> str:
    """``jobs`` x ``steps``: needs-chains of 10, a fan-in every 50 jobs, a 2x2 matrix every 100."""
    out = [HEADER.replace("jobs:\n", 'env:\n  GLOBAL: "1"\njobs:\n')]
    for i in range(jobs):
        out.append(f"  job{i:03d}:\n    name: Job {i}\n    runs-on: ubuntu-latest\n")
        if i % 50 == 49:
            out.append(f"    needs: [job{i - 1:03d}, job{i - 11:03d}, job{i - 21:03d}]\n")
        elif i % 10:
            out.append(f"    needs: job{i - 1:03d}\n")
        if i % 100 == 5:
            out.append(
                "    strategy:\n      matrix:\n        os: [linux, mac]\n"
                "        py: ['3.11', '3.12']\n"
            )
        out.append('    env:\n      JOB_INDEX: "%d"\n    steps:\n' % i)
        for s in range(steps):
            if s % 3 == 0:
                out.append(
                    f"      - name: Step {s}\n        run: echo step {s} ${{{{ github.ref }}}}\n"
                )
            elif s % 3 == 1:
                out.append(
                    f"      - name: Step {s}\n        if: ${{{{ success() }}}}\n"
                    f'        env:\n          S: "{s}"\n        run: echo $S\n'
                )
            else:
                out.append(f"      - run: |\n          echo multi {s}\n          true\n")
    return "".join(out)


def make_repo(path: Path, workflow: str, env: dict[str, str]) -> Path:
    wf = path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(workflow)
    (path / "README.md").write_text("bench workload\n")
    git = [
        "git",
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.com",
        "-c",
        "init.defaultBranch=main",
        "-c",
        "commit.gpgsign=false",
    ]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench workload"]):
        subprocess.run(
            git + args,
            cwd=path,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return path


# --------------------------------------------------------------------------- tools


def source_info(src: Path, live: bool) -> dict[str, Any]:
    """Which code was measured: HEAD (read-only git query) and a hash of the .py files."""
    import hashlib

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
    version = _first_line([act, "--version"])
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


# --------------------------------------------------------------------------- in-process drivers

# Everything a one-step `conveyor run` imports (the lazy imports included).
IMPORT_RUN_PATH = (
    "import conveyor.cli.main, conveyor.cli.run, conveyor.workflow.loader, "
    "conveyor.workflow.plan, conveyor.workflow.event, conveyor.engine.run, "
    "conveyor.engine.job, conveyor.engine.steps, conveyor.store.db"
)

PARSE_DRIVER = textwrap.dedent("""
    import json, statistics, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    repo, repeats = Path(sys.argv[2]), int(sys.argv[3])
    wf_path = repo / ".github" / "workflows" / "ci.yml"
    t0 = time.perf_counter()
    import yaml
    from conveyor.workflow.loader import load_workflow
    from conveyor.workflow.plan import plan
    from conveyor.workflow.event import load_event
    t_import = time.perf_counter() - t0
    text = wf_path.read_text()

    def timed(fn, n):
        fn()  # warm-up
        out = []
        for _ in range(n):
            t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
        return statistics.median(out)

    event = load_event("push", repo, None)
    wf = load_workflow(wf_path, repo)
    res = {
        "import": t_import,
        "yaml_c_safe_load": timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader), repeats),
        "yaml_c_compose": timed(lambda: yaml.compose(text, Loader=yaml.CSafeLoader), repeats),
        "load_workflow": timed(lambda: load_workflow(wf_path, repo), repeats),
        "load_event": timed(lambda: load_event("push", repo, None), repeats),
        "plan": timed(lambda: plan([wf], event, repo), repeats),
        "load_plus_plan": timed(lambda: plan([load_workflow(wf_path, repo)], event, repo), repeats),
    }
    p = plan([wf], event, repo)
    res["planned_jobs"] = sum(len(w.jobs) for w in p.workflows)
    res["yaml_bytes"] = len(text)
    print(json.dumps(res))
""")

POPEN_DRIVER = textwrap.dedent("""
    import json, os, statistics, subprocess, sys, time
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    def batch():
        t = time.perf_counter()
        for _ in range(n):
            p = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "true"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            p.stdout.read(); p.stdout.close(); p.wait()
        return (time.perf_counter() - t) / n
    batch()
    print(json.dumps({"per_step": statistics.median(batch() for _ in range(repeats))}))
""")

PROFILE_DRIVER = textwrap.dedent("""
    # cProfile of an in-process conveyor.cli.main.main(argv), covering every thread:
    # Thread.run is wrapped so each thread (job threads, the pool's workers) gets its own
    # profiler; the stats are merged with the main thread's at the end.
    import cProfile, json, os, pstats, sys, threading, time
    sys.path.insert(0, sys.argv[1])
    out, argv = sys.argv[2], sys.argv[3:]
    finished = []
    _orig_run = threading.Thread.run
    def _profiled_run(self):
        prof = cProfile.Profile()
        prof.enable()
        try:
            _orig_run(self)
        finally:
            prof.disable()
            finished.append(prof)
    threading.Thread.run = _profiled_run
    from conveyor.cli.main import main
    devnull = open(os.devnull, "w")
    real_stdout, sys.stdout = sys.stdout, devnull
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    try:
        code = main(argv)
    finally:
        prof.disable()
    wall = time.perf_counter() - t0
    sys.stdout = real_stdout
    stats = pstats.Stats(prof)
    for p in list(finished):
        stats.add(p)
    stats.dump_stats(out)
    print(json.dumps({"wall": wall, "exit": code, "threads_profiled": len(finished)}))
""")


def run_driver(code: str, args: list[str], env: dict[str, str], tmp: Path) -> dict[str, Any]:
    script = tmp / "driver.py"
    script.write_text(code)
    r = subprocess.run(
        [sys.executable, str(script), *args], env=env, capture_output=True, text=True
    )
    if r.returncode != 0:
        log(f"  ! driver failed: {r.stderr.strip()[-1500:]}")
        return {"error": r.stderr.strip()[-1500:]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def profile_hotspots(prof_file: Path, top: int) -> dict[str, Any]:
    stats = pstats.Stats(str(prof_file))
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = _short(file, line, func)
        rows.append(
            {
                "where": where,
                "ncalls": nc,
                "tottime_ms": tt * 1000,
                "cumtime_ms": ct * 1000,
                "conveyor": "/conveyor/" in file,
                "blocking": bool(BLOCKING.search(func)),
            }
        )
    by_self = sorted((r for r in rows if not r["blocking"]), key=lambda r: -r["tottime_ms"])
    waits = sorted((r for r in rows if r["blocking"]), key=lambda r: -r["tottime_ms"])
    conv_cum = sorted((r for r in rows if r["conveyor"]), key=lambda r: -r["cumtime_ms"])
    conv_self = sorted((r for r in rows if r["conveyor"]), key=lambda r: -r["tottime_ms"])
    total_cpu = sum(r["tottime_ms"] for r in rows if not r["blocking"])
    return {
        "total_self_ms_non_blocking": total_cpu,
        "total_self_ms_blocking": sum(r["tottime_ms"] for r in waits),
        "top_self": by_self[:top],
        "top_blocking": waits[:5],
        "conveyor_cumulative": conv_cum[: top * 3],
        "conveyor_self": conv_self[:top],
    }


def _short(file: str, line: int, func: str) -> str:
    if file == "~":
        return func
    marker = "/src/conveyor/"
    if marker in file:
        file = "conveyor/" + file.split(marker, 1)[1]
    elif "site-packages/" in file:
        file = file.split("site-packages/", 1)[1]
    elif "/lib/python" in file:
        file = "stdlib/" + file.split("/lib/python", 1)[1].split("/", 1)[-1]
    return f"{file}:{line}:{func}"


def importtime(cmd: list[str], cwd: Path, env: dict[str, str], top: int) -> dict[str, Any]:
    r = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    rows = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append(
                {
                    "module": m.group(4),
                    "self_us": int(m.group(1)),
                    "cumulative_us": int(m.group(2)),
                    "depth": len(m.group(3)) // 2,
                }
            )
    total = sum(r["self_us"] for r in rows)
    top_level = [r for r in rows if r["depth"] == 0]
    conv_self = sum(r["self_us"] for r in rows if r["module"].startswith("conveyor"))
    return {
        "total_ms": total / 1000,
        "conveyor_self_ms": conv_self / 1000,
        "modules": len(rows),
        "top_cumulative": sorted(top_level, key=lambda r: -r["cumulative_us"])[:top],
        "top_self": sorted(rows, key=lambda r: -r["self_us"])[:top],
    }


# --------------------------------------------------------------------------- the suite


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N=3, smaller profile output")
    ap.add_argument(
        "-n",
        "--repeats",
        type=int,
        help="timed runs per measurement (default 7, --quick 3); the median is reported",
    )
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    ap.add_argument("--no-act", action="store_true", help="skip act")
    ap.add_argument(
        "--no-act-install", action="store_true", help="do not `go install` act when it is missing"
    )
    ap.add_argument("--no-profile", action="store_true", help="skip cProfile / importtime")
    ap.add_argument(
        "--only",
        metavar="S,S",
        help="scenarios to run: steps,jobs,onestep,dry50,large,startup (default all)",
    )
    ap.add_argument("--top", type=int, default=12, help="rows per profile listing")
    ap.add_argument(
        "--live",
        action="store_true",
        help="run src/ in place instead of a snapshot copied at start",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (prints its path)")
    ap.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    opts = ap.parse_args()
    repeats = opts.repeats or (3 if opts.quick else 7)
    only = (
        set(opts.only.split(","))
        if opts.only
        else {"steps", "jobs", "onestep", "dry50", "large", "startup"}
    )

    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="conveyor-bench-"))
    env = dict(os.environ)
    env.update(
        {
            "NO_COLOR": "1",
            "CONVEYOR_CACHE_DIR": str(tmp / "cache"),
            "CONVEYOR_DATA_DIR": str(tmp / "data"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    env.pop("FORCE_COLOR", None)
    env.pop("GITHUB_TOKEN", None)
    # Measure what an installed Conveyor costs: bytecode cached (.pyc), as after any normal
    # install. The .pyc files go to the temp dir, so src/ is never written to.
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        notes.append(
            "PYTHONDONTWRITEBYTECODE was set in the environment; the bench unsets it "
            "(pyc cache in the temp dir) and reports the no-.pyc cost as separate rows"
        )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    # Benchmark a snapshot of src/ taken now, so edits made to the tree while the bench runs
    # cannot mix versions within one run. PYTHONPATH puts it ahead of the editable install.
    src = SRC
    if not opts.live:
        src = tmp / "src"
        shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env_nopyc = dict(env, PYTHONDONTWRITEBYTECODE="1")
    env_nopyc.pop("PYTHONPYCACHEPREFIX")
    timer = Timer(env, repeats, opts.warmup)
    timer_nopyc = Timer(env_nopyc, repeats, opts.warmup)
    conveyor = conveyor_cmd()
    act = None if opts.no_act else find_act(notes, not opts.no_act_install)
    if opts.no_act:
        notes.append("act: skipped (--no-act)")
    act_cache = tmp / "act-cache"

    info = machine_info()
    info["conveyor_cmd"] = conveyor
    info["conveyor_version"] = _first_line([*conveyor, "--version"])
    info["act"] = act
    info["act_version"] = _first_line([act, "--version"]) if act else None
    info["repeats"], info["warmup"] = repeats, opts.warmup
    info["source"] = source_info(src, live=opts.live)
    log(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}")
    log(f"conveyor: {' '.join(conveyor)} ({info['conveyor_version']}); act: {act or 'skipped'}")
    log(f"workloads in {tmp}; N={repeats} (median), warm-up {opts.warmup}")

    repos: dict[str, Path] = {}

    def repo(name: str, text: str) -> Path:
        if name not in repos:
            repos[name] = make_repo(tmp / "repos" / name, text, env)
        return repos[name]

    def conv_cmd(r: Path, *extra: str) -> list[str]:
        return [*conveyor, "run", "-C", str(r), *extra]

    raw: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []

    def row(
        scenario: str,
        metric: str,
        baseline: float | None,
        baseline_what: str,
        conveyor_v: float | None,
        act_v: float | None,
        target: str = "",
        met: bool | None = None,
        conveyor_min: float | None = None,
        act_min: float | None = None,
    ) -> None:
        rows.append(
            {
                "scenario": scenario,
                "metric": metric,
                "baseline_s": baseline,
                "baseline": baseline_what,
                "conveyor_s": conveyor_v,
                "act_s": act_v,
                "conveyor_min_s": conveyor_min,
                "act_min_s": act_min,
                "conveyor_vs_baseline": None
                if not baseline or conveyor_v is None
                else conveyor_v / baseline,
                "conveyor_vs_act": None if not act_v or conveyor_v is None else conveyor_v / act_v,
                "target": target,
                "target_met": met,
            }
        )

    # ---- 1. per-step overhead
    if "steps" in only:
        log("\n[1] per-step overhead: 1 vs 101 `run: true` steps in one job")
        r1, r101 = repo("steps1", wf_steps(1)), repo("steps101", wf_steps(101))
        scripts = tmp / "scripts"
        scripts.mkdir(exist_ok=True)
        (scripts / "empty.sh").write_text("#!/bin/bash\n")
        (scripts / "bash_c_100.sh").write_text("#!/bin/bash\n" + "bash -c true\n" * 100)
        # GitHub's default `bash` shell: write the step to a file, run
        # `bash --noprofile --norc -eo pipefail FILE`.
        (scripts / "bash_file_100.sh").write_text(
            "#!/bin/bash\nd=$(mktemp -d)\n"
            + "".join(
                f"printf 'true\\n' > $d/step{i}.sh; bash --noprofile --norc -eo pipefail $d/step{i}.sh\n"
                for i in range(100)
            )
            + "rm -rf $d\n"
        )
        (scripts / "bash_file_0.sh").write_text("#!/bin/bash\nd=$(mktemp -d)\nrm -rf $d\n")
        g = timer.group(
            [
                ("bash empty script", ["bash", str(scripts / "empty.sh")], None),
                ("bash: 100x bash -c true", ["bash", str(scripts / "bash_c_100.sh")], None),
                ("bash: mktemp only", ["bash", str(scripts / "bash_file_0.sh")], None),
                (
                    "bash: 100x write+bash -eo pipefail file",
                    ["bash", str(scripts / "bash_file_100.sh")],
                    None,
                ),
                ("conveyor run, 1 step", conv_cmd(r1), r1),
                ("conveyor run, 101 steps", conv_cmd(r101), r101),
                act and ("act, 1 step", act_cmd(act, act_cache), r1),
                act and ("act, 101 steps", act_cmd(act, act_cache), r101),
            ]
        )
        popen = run_driver(POPEN_DRIVER, ["100", str(repeats)], env, tmp)
        log(f"  {'python Popen+pipe+wait of bash, per step':<44} {ms(popen.get('per_step'))}")
        b0, bc = g["bash empty script"], g["bash: 100x bash -c true"]
        bf0, bf = g["bash: mktemp only"], g["bash: 100x write+bash -eo pipefail file"]
        c1, c101 = g["conveyor run, 1 step"], g["conveyor run, 101 steps"]
        a1, a101 = g.get("act, 1 step"), g.get("act, 101 steps")
        raw["steps"] = {
            "bash_empty": b0,
            "bash_c_100": bc,
            "bash_file_0": bf0,
            "bash_file_100": bf,
            "python_popen": popen,
            "conveyor_1": c1,
            "conveyor_101": c101,
            "act_1": a1,
            "act_101": a101,
        }
        base_c = per_unit(bc, b0, 100)
        base_f = per_unit(bf, bf0, 100)
        c_step = per_unit(c101, c1, 100)
        a_step = per_unit(a101, a1, 100)
        met = (
            None if c_step is None or base_c is None else (c_step <= 2 * base_c and c_step < 0.005)
        )
        cm, am = per_unit(c101, c1, 100, "min"), per_unit(a101, a1, 100, "min")
        row(
            "1 per-step overhead",
            "per step",
            base_c,
            "bash -c true",
            c_step,
            a_step,
            "<= 2x raw shell and < 5 ms",
            met,
            cm,
            am,
        )
        row(
            "1 per-step overhead",
            "per step",
            base_f,
            "write file + bash -eo pipefail",
            c_step,
            a_step,
            "",
            None,
            cm,
            am,
        )
        row(
            "1 per-step overhead",
            "per step",
            popen.get("per_step"),
            "python Popen(bash -c true)+pipe",
            c_step,
            a_step,
            "",
            None,
            cm,
            am,
        )
        row(
            "1 per-step overhead",
            "101-step run (wall)",
            None,
            "",
            med(c101),
            med(a101),
            "",
            None,
            mn(c101),
            mn(a101),
        )

    # ---- 2. per-job overhead
    if "jobs" in only:
        log("\n[2] per-job overhead: 1 vs 21 independent jobs, and a 20-job needs chain")
        j1, j21 = repo("steps1", wf_steps(1)), repo("jobs21", wf_jobs(21))
        jc = repo("chain20", wf_jobs(20, chain=True))
        g = timer.group(
            [
                ("conveyor run, 1 job", conv_cmd(j1), j1),
                ("conveyor run, 21 independent jobs", conv_cmd(j21), j21),
                ("conveyor run, 20-job chain", conv_cmd(jc), jc),
                act and ("act, 1 job", act_cmd(act, act_cache), j1),
                act and ("act, 21 independent jobs", act_cmd(act, act_cache), j21),
                act and ("act, 20-job chain", act_cmd(act, act_cache), jc),
            ]
        )
        c1, c21 = g["conveyor run, 1 job"], g["conveyor run, 21 independent jobs"]
        cch = g["conveyor run, 20-job chain"]
        a1, a21, ach = (
            g.get("act, 1 job"),
            g.get("act, 21 independent jobs"),
            g.get("act, 20-job chain"),
        )
        raw["jobs"] = {
            "conveyor_1": c1,
            "conveyor_21": c21,
            "conveyor_chain20": cch,
            "act_1": a1,
            "act_21": a21,
            "act_chain20": ach,
        }
        cj = per_unit(c21, c1, 20)
        cc = per_unit(cch, c1, 19)
        row(
            "2 per-job overhead",
            "per job, 21 parallel",
            None,
            "",
            cj,
            per_unit(a21, a1, 20),
            "< 50 ms",
            None if cj is None else cj < 0.050,
            per_unit(c21, c1, 20, "min"),
            per_unit(a21, a1, 20, "min"),
        )
        row(
            "2 per-job overhead",
            "per job, 20-job chain",
            None,
            "",
            cc,
            per_unit(ach, a1, 19),
            "< 50 ms",
            None if cc is None else cc < 0.050,
            per_unit(cch, c1, 19, "min"),
            per_unit(ach, a1, 19, "min"),
        )

    # ---- 3. one-step run
    if "onestep" in only:
        log("\n[3] one-step workflow, full run (wall)")
        r1 = repo("steps1", wf_steps(1))
        g = timer.group(
            [
                ("python -c pass", [sys.executable, "-c", "pass"], None),
                ("conveyor run, 1 step", conv_cmd(r1), r1),
                ("conveyor run, 1 step, no .pyc cache", conv_cmd(r1), r1, env_nopyc),
                act and ("act, 1 step", act_cmd(act, act_cache), r1),
            ]
        )
        py, c1, cnp = (
            g["python -c pass"],
            g["conveyor run, 1 step"],
            g["conveyor run, 1 step, no .pyc cache"],
        )
        a1 = g.get("act, 1 step")
        raw["onestep"] = {"python": py, "conveyor": c1, "act": a1, "conveyor_no_pyc": cnp}
        row(
            "3 one-step run",
            "wall",
            med(py),
            "python -c pass",
            med(c1),
            med(a1),
            "act: 43 ms earlier",
            None,
            mn(c1),
            mn(a1),
        )
        row(
            "3 one-step run",
            "wall, no .pyc (compiles src)",
            med(py),
            "python -c pass",
            med(cnp),
            med(a1),
            "",
            None,
            mn(cnp),
            mn(a1),
        )

    # ---- 4. dry-run of 50 jobs
    if "dry50" in only:
        log("\n[4] dry-run of 50 jobs x 3 steps")
        r = repo("dry50", wf_dry50())
        g = timer.group(
            [
                ("python -c pass", [sys.executable, "-c", "pass"], None),
                ("conveyor run --dry-run, 50 jobs", conv_cmd(r, "--dry-run"), r),
                ("conveyor run --list, 50 jobs", conv_cmd(r, "--list"), r),
                act and ("act --dryrun, 50 jobs", act_cmd(act, act_cache, "--dryrun"), r),
                act and ("act --list, 50 jobs", act_cmd(act, act_cache, "--list"), r),
            ]
        )
        py = g["python -c pass"]
        cd, cl = g["conveyor run --dry-run, 50 jobs"], g["conveyor run --list, 50 jobs"]
        ad, al = g.get("act --dryrun, 50 jobs"), g.get("act --list, 50 jobs")
        raw["dry50"] = {
            "python": py,
            "conveyor_dry": cd,
            "conveyor_list": cl,
            "act_dry": ad,
            "act_list": al,
        }
        row(
            "4 dry-run 50 jobs",
            "--dry-run wall",
            med(py),
            "python -c pass",
            med(cd),
            med(ad),
            "act: 0.95 s earlier",
            None,
            mn(cd),
            mn(ad),
        )
        row(
            "4 dry-run 50 jobs",
            "--list wall",
            med(py),
            "python -c pass",
            med(cl),
            med(al),
            "",
            None,
            mn(cl),
            mn(al),
        )

    # ---- 5. parse + plan of a large workflow
    if "large" in only:
        log("\n[5] parse+plan: 500 jobs x 10 steps (needs chains, fan-ins, 2x2 matrices)")
        r = repo("large", wf_large())
        g = timer.group(
            [
                ("python -c pass", [sys.executable, "-c", "pass"], None),
                ("conveyor run --dry-run, 500 jobs", conv_cmd(r, "--dry-run"), r),
                ("conveyor run --list, 500 jobs", conv_cmd(r, "--list"), r),
                act and ("act --list, 500 jobs", act_cmd(act, act_cache, "--list"), r),
            ]
        )
        py = g["python -c pass"]
        cd, cl = g["conveyor run --dry-run, 500 jobs"], g["conveyor run --list, 500 jobs"]
        al = g.get("act --list, 500 jobs")
        inproc = run_driver(PARSE_DRIVER, [str(src), str(r), str(repeats)], env, tmp)
        for k in (
            "import",
            "yaml_c_safe_load",
            "yaml_c_compose",
            "load_workflow",
            "load_event",
            "plan",
            "load_plus_plan",
        ):
            log(f"  in-process {k:<33} median {ms(inproc.get(k)):>9}")
        raw["large"] = {
            "python": py,
            "conveyor_dry": cd,
            "conveyor_list": cl,
            "act_list": al,
            "in_process": inproc,
        }
        lp = inproc.get("load_plus_plan")
        row(
            "5 parse+plan 500x10",
            "load_workflow+plan (in-proc)",
            inproc.get("yaml_c_safe_load"),
            "yaml.load CSafeLoader",
            lp,
            None,
            "< 1 s",
            None if lp is None else lp < 1.0,
        )
        row("5 parse+plan 500x10", "  of which plan()", None, "", inproc.get("plan"), None)
        row(
            "5 parse+plan 500x10",
            "--list wall",
            med(py),
            "python -c pass",
            med(cl),
            med(al),
            "< 1 s",
            None if med(cl) is None else med(cl) < 1.0,
            mn(cl),
            mn(al),
        )
        row(
            "5 parse+plan 500x10",
            "--dry-run wall",
            med(py),
            "python -c pass",
            med(cd),
            None,
            "< 1 s",
            None if med(cd) is None else med(cd) < 1.0,
            mn(cd),
        )

    # ---- 6. startup
    if "startup" in only:
        log("\n[6] startup")
        g = timer.group(
            [
                ("python -c pass", [sys.executable, "-c", "pass"], None),
                ("conveyor --version", [*conveyor, "--version"], None),
                (
                    "python -c 'import conveyor.cli.main'",
                    [sys.executable, "-c", "import conveyor.cli.main"],
                    None,
                ),
                (
                    "python -c 'import <modules run uses>'",
                    [sys.executable, "-c", IMPORT_RUN_PATH],
                    None,
                ),
                act and ("act --version", [act, "--version"], None),
            ]
        )
        py, cv = g["python -c pass"], g["conveyor --version"]
        imp, imp_run = (
            g["python -c 'import conveyor.cli.main'"],
            g["python -c 'import <modules run uses>'"],
        )
        av = g.get("act --version")
        raw["startup"] = {
            "python": py,
            "conveyor_version": cv,
            "import_cli_main": imp,
            "act_version": av,
            "import_run_path": imp_run,
        }
        row(
            "6 startup",
            "--version wall",
            med(py),
            "python -c pass",
            med(cv),
            med(av),
            "",
            None,
            mn(cv),
            mn(av),
        )
        row(
            "6 startup",
            "import modules `run` uses",
            med(py),
            "python -c pass",
            med(imp_run),
            None,
            "",
            None,
            mn(imp_run),
        )

    # ---- profiles
    profiles: dict[str, Any] = {}
    if not opts.no_profile:
        log("\n[profile] cProfile of in-process conveyor.cli.main.main(...), all threads")
        pdir = tmp / "profiles"
        pdir.mkdir()
        targets = [
            ("run_1_step", repo("steps1", wf_steps(1)), []),
            ("run_101_steps", repo("steps101", wf_steps(101)), []),
            ("dry_run_500_jobs", repo("large", wf_large()), ["--dry-run"]),
        ]
        for name, r, extra in targets:
            out = pdir / f"{name}.prof"
            meta = run_driver(
                PROFILE_DRIVER, [str(src), str(out), "run", "-C", str(r), *extra], env, tmp
            )
            if "error" in meta:
                profiles[name] = meta
                continue
            hs = profile_hotspots(out, opts.top)
            hs.update(meta)
            kept = RESULTS / f"{name}.prof"
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(out, kept)
            hs["prof_file"] = str(kept.relative_to(ROOT))
            profiles[name] = hs
            log(
                f"  {name}: wall under profiler {ms(meta['wall'])}, "
                f"{meta['threads_profiled']} threads merged -> {hs['prof_file']}"
            )
        log("[profile] python -X importtime, conveyor run of a one-step workflow")
        r1 = repo("steps1", wf_steps(1))
        profiles["importtime_run_1_step"] = importtime(
            [sys.executable, "-X", "importtime", "-m", "conveyor", "run", "-C", str(r1)],
            r1,
            env,
            opts.top,
        )
        profiles["importtime_version"] = importtime(
            [sys.executable, "-X", "importtime", "-m", "conveyor", "--version"], r1, env, 5
        )

    # ---- report
    info["loadavg_end"] = _loadavg()
    busy = max((info["loadavg_start"] or [0])[0], (info["loadavg_end"] or [0])[0])
    if busy > 0.5 * (info["usable_cores"] or 1):
        notes.append(
            f"machine was busy (1-min load average up to {busy} on "
            f"{info['usable_cores']} cores): numbers are noisy, re-run on an idle machine"
        )
    for t in (timer, timer_nopyc):
        notes.extend(f"FAILED {f}" for f in t.failures)
    result = {
        "machine": info,
        "notes": notes,
        "rows": rows,
        "raw": raw,
        "profiles": profiles,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "workloads": {k: str(v) for k, v in repos.items()},
    }
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(result, indent=2, default=str))
    print_report(result, opts.top)
    print(f"\nJSON: {opts.out}")
    if opts.keep:
        print(f"workloads kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def print_report(result: dict[str, Any], top: int) -> None:
    info = result["machine"]
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), "
        f"Python {info['python']}, {info['bash']}, load avg {info['loadavg_start']} -> "
        f"{info['loadavg_end']}"
    )
    src = info["source"]
    print(
        f"Source: {'snapshot of' if src['snapshot'] else 'live'} src/ at HEAD "
        f"{src['git_head']} (+ working tree), .py sha256 {src['src_sha256']}"
    )
    print(
        f"Conveyor: {info['conveyor_version']}   act: {info['act_version'] or 'skipped'}   "
        f"N={info['repeats']} (median), warm-up {info['warmup']}"
    )
    header = [
        "scenario",
        "metric",
        "baseline",
        "base",
        "conveyor",
        "act",
        "conv/base",
        "conv/act",
        "conv min",
        "act min",
        "target",
        "ok",
    ]
    table = [header]
    for r in result["rows"]:
        ok = "" if r["target_met"] is None else ("yes" if r["target_met"] else "NO")
        table.append(
            [
                r["scenario"],
                r["metric"],
                r["baseline"] or "-",
                ms(r["baseline_s"]),
                ms(r["conveyor_s"]),
                ms(r["act_s"]),
                ratio(r["conveyor_s"], r["baseline_s"]),
                ratio(r["conveyor_s"], r["act_s"]),
                ms(r.get("conveyor_min_s")),
                ms(r.get("act_min_s")),
                r["target"],
                ok,
            ]
        )
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    print()
    for n, row in enumerate(table):
        print(
            "  ".join(
                str(c).ljust(w) if i < 3 or i >= 10 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths))
            ).rstrip()
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for note in result["notes"]:
        print(f"note: {note}")

    profiles = result["profiles"]
    for name in ("run_1_step", "run_101_steps", "dry_run_500_jobs"):
        p = profiles.get(name)
        if not p or "error" in p:
            continue
        print(
            f"\nProfile {name}: {ms(p['wall'])} wall under cProfile, "
            f"{p['threads_profiled']} worker threads merged; "
            f"non-blocking self time {p['total_self_ms_non_blocking']:.0f} ms, "
            f"blocking {p['total_self_ms_blocking']:.0f} ms ({p['prof_file']})"
        )
        print("  top self time (excluding waits on children/threads):")
        for r in p["top_self"][:top]:
            print(f"    {r['tottime_ms']:8.1f} ms  {r['ncalls']:>7}x  {r['where']}")
        print("  top conveyor functions by cumulative time (single-call entry chain omitted):")
        chain = [
            r
            for r in p["conveyor_cumulative"]
            if not (r["ncalls"] == 1 and r["cumtime_ms"] > 0.5 * p["wall"] * 1000)
        ]
        for r in chain[:top]:
            print(f"    {r['cumtime_ms']:8.1f} ms  {r['ncalls']:>7}x  {r['where']}")
        print("  blocking (waiting on child processes / other threads):")
        for r in p["top_blocking"][:3]:
            print(f"    {r['tottime_ms']:8.1f} ms  {r['ncalls']:>7}x  {r['where']}")
    imp = profiles.get("importtime_run_1_step")
    if imp:
        print(
            f"\nImport time, `conveyor run` of a one-step workflow: {imp['total_ms']:.0f} ms over "
            f"{imp['modules']} modules (conveyor's own modules: {imp['conveyor_self_ms']:.0f} ms self)"
        )
        print("  top-level imports by cumulative time:")
        for r in imp["top_cumulative"][:top]:
            print(f"    {r['cumulative_us'] / 1000:7.1f} ms  {r['module']}")
        print("  modules by self time:")
        for r in imp["top_self"][:top]:
            print(f"    {r['self_us'] / 1000:7.1f} ms  {r['module']}")
    imp = profiles.get("importtime_version")
    if imp:
        print(
            f"Import time, `conveyor --version`: {imp['total_ms']:.0f} ms over "
            f"{imp['modules']} modules"
        )


if __name__ == "__main__":
    sys.exit(main())
