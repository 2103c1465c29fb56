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
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The bench modules sit next to this script; make them importable however it is started
# (`python bench/run.py`, bench/run.sh, or `python -m bench.run` from the project root).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (
    RESULTS,
    SRC,
    Timer,
    conveyor_cmd,
    find_act,
    first_line,
    loadavg,
    log,
    machine_info,
    source_info,
)
from profiling import run_profiles
from report import print_report, write_json
from scenarios import SCENARIOS
from suite import Suite, bench_env, no_pyc_env, snapshot_src


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="N=3, smaller heavy workloads and profile output"
    )
    ap.add_argument(
        "-n",
        "--repeats",
        type=int,
        help="timed runs per measurement (default 7, --quick 3); the median is reported",
    )
    ap.add_argument(
        "--heavy-n",
        type=int,
        help="timed runs for the heavy scenarios logs, wide, memory (default: min(N, 3))",
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
        help="scenarios to run: " + ",".join(SCENARIOS) + " (default all)",
    )
    ap.add_argument("--top", type=int, default=12, help="rows per profile listing")
    ap.add_argument(
        "--live",
        action="store_true",
        help="run src/ in place instead of a snapshot copied at start",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (prints its path)")
    ap.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return ap.parse_args()


def main() -> int:
    opts = parse_args()
    repeats = opts.repeats or (3 if opts.quick else 7)
    only = set(opts.only.split(",")) if opts.only else set(SCENARIOS)
    unknown = only - set(SCENARIOS)
    if unknown:
        sys.exit(
            f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}"
        )

    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="conveyor-bench-"))
    env = bench_env(tmp, notes)
    # Benchmark a snapshot of src/ taken now (unless --live).
    src = SRC if opts.live else snapshot_src(tmp, env)
    env_nopyc = no_pyc_env(env)
    timer = Timer(env, repeats, opts.warmup)
    timer_nopyc = Timer(env_nopyc, repeats, opts.warmup)
    conveyor = conveyor_cmd()
    act = None if opts.no_act else find_act(notes, not opts.no_act_install)
    if opts.no_act:
        notes.append("act: skipped (--no-act)")

    info = machine_info()
    info["conveyor_cmd"] = conveyor
    info["conveyor_version"] = first_line([*conveyor, "--version"])
    info["act"] = act
    info["act_version"] = first_line([act, "--version"]) if act else None
    info["repeats"], info["warmup"] = repeats, opts.warmup
    info["source"] = source_info(src, live=opts.live)
    log(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}")
    log(f"conveyor: {' '.join(conveyor)} ({info['conveyor_version']}); act: {act or 'skipped'}")
    log(f"workloads in {tmp}; N={repeats} (median), warm-up {opts.warmup}")
    info["heavy_repeats"] = opts.heavy_n or min(repeats, 3)

    suite = Suite(
        tmp=tmp,
        env=env,
        env_nopyc=env_nopyc,
        src=src,
        repeats=repeats,
        timer=timer,
        conveyor=conveyor,
        act=act,
        act_cache=tmp / "act-cache",
        quick=opts.quick,
        heavy_repeats=opts.heavy_n or min(repeats, 3),
    )
    for name, scenario in SCENARIOS.items():
        if name in only:
            scenario(suite)
    profiles: dict[str, Any] = (
        {} if opts.no_profile else run_profiles(suite.repo, src, env, tmp, opts.top)
    )

    # ---- report
    info["loadavg_end"] = loadavg()
    busy = max((info["loadavg_start"] or [0])[0], (info["loadavg_end"] or [0])[0])
    if busy > 0.5 * (info["usable_cores"] or 1):
        notes.append(
            f"machine was busy (1-min load average up to {busy} on "
            f"{info['usable_cores']} cores): numbers are noisy, re-run on an idle machine"
        )
    notes.extend(suite.notes)
    for t in (timer, timer_nopyc):
        notes.extend(f"FAILED {f}" for f in t.failures)
    result = {
        "machine": info,
        "notes": notes,
        "rows": suite.rows,
        "raw": suite.raw,
        "profiles": profiles,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "workloads": {k: str(v) for k, v in suite.repos.items()},
    }
    write_json(result, opts.out)
    print_report(result, opts.top)
    print(f"\nJSON: {opts.out}")
    if opts.keep:
        print(f"workloads kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
