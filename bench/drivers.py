"""Helper scripts run in a fresh interpreter against the measured src/ (in-process timings
and cProfile), and the function that runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from measure import log

# Everything a one-step `conveyor run` imports (the lazy imports included).
IMPORT_RUN_PATH = (
    "import conveyor.cli.main, conveyor.cli.run, conveyor.workflow.cache, "
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
