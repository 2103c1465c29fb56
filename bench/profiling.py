"""Profile summaries: cProfile hotspots (all threads merged) and `python -X importtime`."""

from __future__ import annotations

import pstats
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers import PROFILE_DRIVER, run_driver
from measure import RESULTS, ROOT, log, ms
from workloads import wf_large, wf_steps

# Functions whose own time is spent waiting on children or other threads, not computing.
BLOCKING = re.compile(
    r"method 'acquire' of '_thread|method 'poll' of 'select|built-in method select\.|"
    r"posix\.waitpid|posix\.read|time\.sleep|method 'wait' of|_wait_for_tstate_lock|"
    r"method 'recv|method 'control' of 'select"
)


def profile_hotspots(prof_file: Path, top: int) -> dict[str, Any]:
    stats = pstats.Stats(str(prof_file))
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in entries.items():
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


def run_profiles(
    repo: Callable[[str, str], Path], src: Path, env: dict[str, str], tmp: Path, top: int
) -> dict[str, Any]:
    """cProfile the three targets in-process and `-X importtime` two CLI runs.

    ``repo(name, workflow)`` returns the (possibly already generated) workload repo.
    The .prof files are copied to bench/results/.
    """
    profiles: dict[str, Any] = {}
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
        hs = profile_hotspots(out, top)
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
        top,
    )
    profiles["importtime_version"] = importtime(
        [sys.executable, "-X", "importtime", "-m", "conveyor", "--version"], r1, env, 5
    )
    return profiles
