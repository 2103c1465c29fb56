"""The scenarios. Each one times its commands (round-robin, see measure.Timer), stores
the raw timings in ``suite.raw`` and appends its table rows with ``suite.row``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deploy_bench import deploy
from drivers import IMPORT_RUN_PATH, PARSE_DRIVER, POPEN_DRIVER, run_driver
from measure import RssProbe, Timer, act_cmd, log, med, mn, ms, per_unit
from queue_bench import queue_scenario
from server_bench import server_scenario
from suite import Suite
from workloads import (
    ENGINE_BINARY,
    EXAMPLE,
    EXAMPLE_IMAGES,
    log_command,
    make_example_repo,
    wf_container_steps,
    wf_dry50,
    wf_images,
    wf_jobs,
    wf_large,
    wf_log,
    wf_steps,
)


def steps(s: Suite) -> None:
    """Scenario 1: per-step overhead, 101 vs 1 steps, against shell and Popen baselines."""
    log("\n[1] per-step overhead: 1 vs 101 `run: true` steps in one job")
    r1, r101 = s.repo("steps1", wf_steps(1)), s.repo("steps101", wf_steps(101))
    scripts = s.tmp / "scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "empty.sh").write_text("#!/bin/bash\n")
    (scripts / "bash_c_100.sh").write_text("#!/bin/bash\n" + "bash -c true\n" * 100)
    # GitHub's default `bash` shell: write the step to a file, run
    # `bash --noprofile --norc -eo pipefail FILE`.
    (scripts / "bash_file_100.sh").write_text(
        "#!/bin/bash\nd=$(mktemp -d)\n"
        + "".join(
            f"printf 'true\\n' > $d/step{i}.sh; "
            f"bash --noprofile --norc -eo pipefail $d/step{i}.sh\n"
            for i in range(100)
        )
        + "rm -rf $d\n"
    )
    (scripts / "bash_file_0.sh").write_text("#!/bin/bash\nd=$(mktemp -d)\nrm -rf $d\n")
    g = s.timer.group(
        [
            ("bash empty script", ["bash", str(scripts / "empty.sh")], None),
            ("bash: 100x bash -c true", ["bash", str(scripts / "bash_c_100.sh")], None),
            ("bash: mktemp only", ["bash", str(scripts / "bash_file_0.sh")], None),
            (
                "bash: 100x write+bash -eo pipefail file",
                ["bash", str(scripts / "bash_file_100.sh")],
                None,
            ),
            ("conveyor run, 1 step", s.conv_cmd(r1), r1),
            ("conveyor run, 101 steps", s.conv_cmd(r101), r101),
            s.act and ("act, 1 step", act_cmd(s.act, s.act_cache), r1),
            s.act and ("act, 101 steps", act_cmd(s.act, s.act_cache), r101),
        ]
    )
    popen = run_driver(POPEN_DRIVER, ["100", str(s.repeats)], s.env, s.tmp)
    log(f"  {'python Popen+pipe+wait of bash, per step':<44} {ms(popen.get('per_step'))}")
    b0, bc = g["bash empty script"], g["bash: 100x bash -c true"]
    bf0, bf = g["bash: mktemp only"], g["bash: 100x write+bash -eo pipefail file"]
    c1, c101 = g["conveyor run, 1 step"], g["conveyor run, 101 steps"]
    a1, a101 = g.get("act, 1 step"), g.get("act, 101 steps")
    s.raw["steps"] = {
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
    met = None if c_step is None or base_c is None else (c_step <= 2 * base_c and c_step < 0.005)
    cm, am = per_unit(c101, c1, 100, "min"), per_unit(a101, a1, 100, "min")
    baselines = [
        (base_c, "bash -c true", "<= 2x raw shell and < 5 ms", met),
        (base_f, "write file + bash -eo pipefail", "", None),
        (popen.get("per_step"), "python Popen(bash -c true)+pipe", "", None),
    ]
    for base, what, target, ok in baselines:
        s.row("1 per-step overhead", "per step", base, what, c_step, a_step, target, ok, cm, am)
    s.row(
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


def jobs(s: Suite) -> None:
    """Scenario 2: per-job overhead, 21 independent jobs and a 20-job chain vs 1 job."""
    log("\n[2] per-job overhead: 1 vs 21 independent jobs, and a 20-job needs chain")
    j1, j21 = s.repo("steps1", wf_steps(1)), s.repo("jobs21", wf_jobs(21))
    jc = s.repo("chain20", wf_jobs(20, chain=True))
    g = s.timer.group(
        [
            ("conveyor run, 1 job", s.conv_cmd(j1), j1),
            ("conveyor run, 21 independent jobs", s.conv_cmd(j21), j21),
            ("conveyor run, 20-job chain", s.conv_cmd(jc), jc),
            s.act and ("act, 1 job", act_cmd(s.act, s.act_cache), j1),
            s.act and ("act, 21 independent jobs", act_cmd(s.act, s.act_cache), j21),
            s.act and ("act, 20-job chain", act_cmd(s.act, s.act_cache), jc),
        ]
    )
    c1, c21 = g["conveyor run, 1 job"], g["conveyor run, 21 independent jobs"]
    cch = g["conveyor run, 20-job chain"]
    a1, a21, ach = (
        g.get("act, 1 job"),
        g.get("act, 21 independent jobs"),
        g.get("act, 20-job chain"),
    )
    s.raw["jobs"] = {
        "conveyor_1": c1,
        "conveyor_21": c21,
        "conveyor_chain20": cch,
        "act_1": a1,
        "act_21": a21,
        "act_chain20": ach,
    }
    cj = per_unit(c21, c1, 20)
    cc = per_unit(cch, c1, 19)
    s.row(
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
    s.row(
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


def _at_most(value: float | None, limit: float | None) -> bool | None:
    return None if value is None or limit is None else value <= limit


def onestep(s: Suite) -> None:
    """Scenario 3: wall time of a one-step run, with and without cached bytecode."""
    log("\n[3] one-step workflow, full run (wall)")
    r1 = s.repo("steps1", wf_steps(1))
    g = s.timer.group(
        [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("conveyor run, 1 step", s.conv_cmd(r1), r1),
            ("conveyor run, 1 step, no .pyc cache", s.conv_cmd(r1), r1, s.env_nopyc),
            s.act and ("act, 1 step", act_cmd(s.act, s.act_cache), r1),
        ]
    )
    py, c1, cnp = (
        g["python -c pass"],
        g["conveyor run, 1 step"],
        g["conveyor run, 1 step, no .pyc cache"],
    )
    a1 = g.get("act, 1 step")
    s.raw["onestep"] = {"python": py, "conveyor": c1, "act": a1, "conveyor_no_pyc": cnp}
    s.row(
        "3 one-step run",
        "wall",
        med(py),
        "python -c pass",
        med(c1),
        med(a1),
        "<= act",
        _at_most(med(c1), med(a1)),
        mn(c1),
        mn(a1),
    )
    s.row(
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


def dry50(s: Suite) -> None:
    """Scenario 4: `--dry-run` and `--list` of 50 jobs x 3 steps."""
    log("\n[4] dry-run of 50 jobs x 3 steps")
    r = s.repo("dry50", wf_dry50())
    g = s.timer.group(
        [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("conveyor run --dry-run, 50 jobs", s.conv_cmd(r, "--dry-run"), r),
            ("conveyor run --list, 50 jobs", s.conv_cmd(r, "--list"), r),
            s.act and ("act --dryrun, 50 jobs", act_cmd(s.act, s.act_cache, "--dryrun"), r),
            s.act and ("act --list, 50 jobs", act_cmd(s.act, s.act_cache, "--list"), r),
        ]
    )
    py = g["python -c pass"]
    cd, cl = g["conveyor run --dry-run, 50 jobs"], g["conveyor run --list, 50 jobs"]
    ad, al = g.get("act --dryrun, 50 jobs"), g.get("act --list, 50 jobs")
    s.raw["dry50"] = {
        "python": py,
        "conveyor_dry": cd,
        "conveyor_list": cl,
        "act_dry": ad,
        "act_list": al,
    }
    s.row(
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
    s.row(
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


def large(s: Suite) -> None:
    """Scenario 5: parse + plan of 500 jobs x 10 steps, CLI wall and in-process."""
    log("\n[5] parse+plan: 500 jobs x 10 steps (needs chains, fan-ins, 2x2 matrices)")
    r = s.repo("large", wf_large())
    g = s.timer.group(
        [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("conveyor run --dry-run, 500 jobs", s.conv_cmd(r, "--dry-run"), r),
            ("conveyor run --list, 500 jobs", s.conv_cmd(r, "--list"), r),
            s.act and ("act --list, 500 jobs", act_cmd(s.act, s.act_cache, "--list"), r),
        ]
    )
    py = g["python -c pass"]
    cd, cl = g["conveyor run --dry-run, 500 jobs"], g["conveyor run --list, 500 jobs"]
    al = g.get("act --list, 500 jobs")
    inproc = run_driver(PARSE_DRIVER, [str(s.src), str(r), str(s.repeats)], s.env, s.tmp)
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
    s.raw["large"] = {
        "python": py,
        "conveyor_dry": cd,
        "conveyor_list": cl,
        "act_list": al,
        "in_process": inproc,
    }
    lp = inproc.get("load_plus_plan")
    s.row(
        "5 parse+plan 500x10",
        "load_workflow+plan (in-proc)",
        inproc.get("yaml_c_safe_load"),
        "yaml.load CSafeLoader",
        lp,
        None,
        "< 1 s",
        None if lp is None else lp < 1.0,
    )
    s.row("5 parse+plan 500x10", "  of which plan()", None, "", inproc.get("plan"), None)
    s.row(
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
    s.row(
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


def startup(s: Suite) -> None:
    """Scenario 6: `--version` wall time and the import time of the modules `run` uses."""
    log("\n[6] startup")
    g = s.timer.group(
        [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("conveyor --version", [*s.conveyor, "--version"], None),
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
            s.act and ("act --version", [s.act, "--version"], None),
        ]
    )
    py, cv = g["python -c pass"], g["conveyor --version"]
    imp, imp_run = (
        g["python -c 'import conveyor.cli.main'"],
        g["python -c 'import <modules run uses>'"],
    )
    av = g.get("act --version")
    s.raw["startup"] = {
        "python": py,
        "conveyor_version": cv,
        "import_cli_main": imp,
        "act_version": av,
        "import_run_path": imp_run,
    }
    s.row(
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
    s.row(
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


# --------------------------------------------------------------------------- heavy scenarios

SECRET_NAME, SECRET_VALUE = "BENCH_TOKEN", "s3cr3t-bench-value"
# A 1,000-job run of act took ~40 s on a 2-core machine; past this it's reported as timed out.
WIDE_TIMEOUT = 120.0

Item = tuple[Any, ...]


def _keyed(
    s: Suite, items: dict[str, Item | None], repeats: int, **kw: Any
) -> dict[str, dict[str, Any] | None]:
    """``s.timer.group`` over ``{key: item}``; returns ``{key: result}`` (None: not run)."""
    return _keyed_timer(s.timer, items, repeats, **kw)


def _keyed_timer(
    timer: Timer, items: dict[str, Item | None], repeats: int, **kw: Any
) -> dict[str, dict[str, Any] | None]:
    g = timer.group([it for it in items.values() if it], repeats=repeats, **kw)
    return {k: (g.get(it[0]) if it else None) for k, it in items.items()}


def _act(s: Suite, label: str, repo: Path, *extra: str) -> Item | None:
    """A timer item running act in ``repo`` (None when act is skipped)."""
    return (label, act_cmd(s.act, s.act_cache, *extra), repo) if s.act else None


def _failed(result: dict[str, Any] | None) -> str | None:
    """Table text for a command without timings: ">120 s (timed out)", "failed: exit 1"."""
    if not result or "median" in result:
        return None
    if "timeout" in result:
        return f">{result['timeout']:.0f} s (timed out)"
    return f"failed: {result.get('error', '?')}"


def _log_size(s: Suite) -> int:
    return 20_000_000 if s.quick else 100_000_000


def _log_items(s: Suite) -> dict[str, Item | None]:
    """The log-throughput commands: shell baselines, conveyor and act, plain and masked."""
    size = _log_size(s)
    mb = f"{size // 1_000_000} MB"
    plain = s.repo(f"log{mb[:-3]}", wf_log(size, SECRET_VALUE))
    masked = s.repo(
        f"log{mb[:-3]}_secret", wf_log(size, SECRET_VALUE, f"${{{{ secrets.{SECRET_NAME} }}}}")
    )
    cmd, out = log_command(size, SECRET_VALUE), s.tmp / "shell-step.log"
    secret = f"{SECRET_NAME}={SECRET_VALUE}"
    return {
        "shell_cat": (
            f"bash: {mb} | cat > /dev/null",
            ["bash", "-c", f"{cmd} | cat >/dev/null"],
            None,
        ),
        "shell_tee": (
            f"bash: {mb} | tee FILE > /dev/null",
            ["bash", "-c", f"{cmd} | tee {out} >/dev/null"],
            None,
        ),
        "shell_sed_tee": (
            f"bash: {mb} | sed mask | tee FILE",
            ["bash", "-c", f"{cmd} | sed 's/{SECRET_VALUE}/***/g' | tee {out} >/dev/null"],
            None,
        ),
        "conveyor": (f"conveyor run, {mb} log", s.conv_cmd(plain), plain),
        "conveyor_secret": (
            f"conveyor run, {mb} log, masked secret",
            s.conv_cmd(masked, "--secret", secret),
            masked,
        ),
        "act": _act(s, f"act, {mb} log", plain),
        "act_secret": _act(s, f"act, {mb} log, masked secret", masked, "-s", secret),
    }


def logs(s: Suite) -> None:
    """Scenario 7: log throughput of one step printing 100 MB, without and with a secret."""
    size = _log_size(s)
    mb = f"{size // 1_000_000} MB"
    log(f"\n[7] log throughput: one step printing {mb} (80-byte lines), plain and masked")
    g = _keyed(s, _log_items(s), s.heavy_repeats)
    s.raw["logs"] = {"bytes": size, **g}
    for k, r in g.items():
        t = med(r)
        if t:
            log(f"  {k:<20} {size / 1e6 / t:7.0f} MB/s")
    name = f"7 log throughput {mb}"
    for metric, conv, act, bases in (
        (
            "no secret (wall)",
            g["conveyor"],
            g["act"],
            [("shell_cat", "| cat > /dev/null"), ("shell_tee", "| tee FILE (log file)")],
        ),
        (
            "masked secret (wall)",
            g["conveyor_secret"],
            g["act_secret"],
            [("shell_cat", "| cat > /dev/null"), ("shell_sed_tee", "| sed mask | tee FILE")],
        ),
    ):
        for key, what in bases:
            s.row(
                name,
                metric,
                med(g[key]),
                f"shell: {what}",
                med(conv),
                med(act),
                "",
                None,
                mn(conv),
                mn(act),
                act_text=_failed(act),
            )


def has_jobs_option(s: Suite) -> bool:
    """Whether the measured Conveyor has `conveyor run --jobs N`."""
    r = subprocess.run(
        [*s.conveyor, "run", "--help"], env=s.env, capture_output=True, text=True, timeout=60
    )
    return "--jobs" in r.stdout


def _wide_n(s: Suite) -> int:
    return 200 if s.quick else 1000


def _wide_items(s: Suite, variants: bool = True) -> dict[str, Item | None]:
    """n independent one-step jobs: conveyor (and its --jobs variants), act, and the shell."""
    n = _wide_n(s)
    r = s.repo(f"wide{n}", wf_jobs(n))
    script = s.tmp / "scripts" / f"bash_c_{n}.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"#!/bin/bash\nfor i in $(seq {n}); do bash -c true; done\n")
    items: dict[str, Item | None] = {
        "shell_seq": (f"bash: {n}x bash -c true, sequential", ["bash", str(script)], None),
        "shell_xargs": (
            f"bash: {n}x bash -c true, xargs -P nproc",
            ["bash", "-c", f'seq {n} | xargs -P "$(nproc)" -n 1 bash -c true'],
            None,
        ),
        "conveyor": (f"conveyor run, {n} jobs", s.conv_cmd(r), r),
        "act": _act(s, f"act, {n} jobs", r),
    }
    if variants and has_jobs_option(s):
        items["conveyor_j1"] = (
            f"conveyor run, {n} jobs, --jobs 1",
            s.conv_cmd(r, "--jobs", "1"),
            r,
        )
        items["conveyor_j64"] = (
            f"conveyor run, {n} jobs, --jobs 64",
            s.conv_cmd(r, "--jobs", "64"),
            r,
        )
    return items


def wide(s: Suite) -> None:
    """Scenario 8: 1,000 independent one-step jobs, wall time, threads and open fds."""
    n = _wide_n(s)
    log(f"\n[8] {n} independent one-step jobs (act timeout {WIDE_TIMEOUT:.0f} s)")
    items = _wide_items(s)
    if "conveyor_j1" not in items:
        s.notes.append("wide: `conveyor run --jobs` not available; only the default measured")
    g = _keyed(s, items, s.heavy_repeats, timeout=WIDE_TIMEOUT, sample=True)
    s.raw["wide"] = {"jobs": n, **g}
    name = f"8 {n} parallel jobs"
    a = g["act"]
    for key, metric in (
        ("conveyor", "wall"),
        ("conveyor_j1", "wall, --jobs 1"),
        ("conveyor_j64", "wall, --jobs 64"),
    ):
        if key not in g:
            continue
        bases = [("shell_seq", "bash -c true, sequential")]
        if key == "conveyor":
            bases.append(("shell_xargs", "bash -c true, xargs -P nproc"))
        c = g[key]
        for base, what in bases:
            s.row(
                name,
                metric,
                med(g[base]),
                what,
                med(c),
                med(a),
                "",
                None,
                mn(c),
                mn(a),
                act_text=_failed(a),
            )
    c, act_run = g["conveyor"] or {}, a or {}
    for key, metric, target, limit in (
        ("peak_threads", "peak threads (sampled 50 ms)", "< 100", 100),
        ("peak_fds", "peak open fds (sampled 50 ms)", "< 256", 256),
    ):
        value = c.get(key)
        s.row(
            name,
            metric,
            None,
            "",
            value,
            act_run.get(key),
            target,
            None if value is None else value < limit,
            unit="",
            act_text=_failed(a),
        )
    for key in ("conveyor_j1", "conveyor_j64"):
        if g.get(key):
            r = g[key] or {}
            log(f"  {key}: peak {r.get('peak_threads')} threads, {r.get('peak_fds')} fds")


def memory(s: Suite) -> None:
    """Scenario 9: peak RSS of the 100 MB log run, the 1,000-job run and a 500-job --list."""
    probe = RssProbe(s.tmp)
    log(f"\n[9] memory high-water: peak RSS of each command (ru_maxrss, via {probe.kind})")
    # The heavy commands: a warm-up only when the logs/wide scenarios haven't run them yet.
    warm = "logs" in s.raw and "wide" in s.raw
    heavy_timer = Timer(s.env, s.repeats, 0 if warm else s.timer.warmup)
    list_timer = Timer(s.env, s.repeats, s.timer.warmup)
    logs_items, wide_items = _log_items(s), _wide_items(s, variants=False)
    r = s.repo("large", wf_large())
    groups: dict[str, dict[str, Item | None]] = {
        "log_run": {k: logs_items[k] for k in ("shell_cat", "conveyor", "act")},
        "wide_run": {k: wide_items[k] for k in ("shell_seq", "conveyor", "act")},
        "list_500": {
            "conveyor": ("conveyor run --list, 500 jobs", s.conv_cmd(r, "--list"), r),
            "act": _act(s, "act --list, 500 jobs", r, "--list"),
        },
    }
    groups["list_500"]["python"] = ("python -c pass", [sys.executable, "-c", "pass"], None)
    mb: dict[str, dict[str, list[int] | None]] = {}
    fails: dict[str, dict[str, str | None]] = {}
    for name, items in groups.items():
        wrapped: dict[str, Item | None] = {}
        files: dict[str, Path] = {}
        for k, it in items.items():
            if it:
                cmd, files[k] = probe.wrap(it[1])
                wrapped[k] = (f"{it[0]} [rss]", cmd, *it[2:])
            else:
                wrapped[k] = None
        # The heavy runs once (peak RSS barely varies), the --list N times.
        heavy = name != "list_500"
        timer = heavy_timer if heavy else list_timer
        g = _keyed_timer(
            timer, wrapped, 1 if heavy else s.repeats, timeout=WIDE_TIMEOUT if heavy else None
        )
        mb[name] = {k: probe.read(f, timer.warmup) or None for k, f in files.items()}
        fails[name] = {k: _failed(v) for k, v in g.items()}
        for k, kb in mb[name].items():
            log(f"  {name:<9} {k:<10} peak RSS {_mb(kb):>6.1f} MB" if kb else f"  {name} {k}: -")
    s.timer.failures.extend(heavy_timer.failures + list_timer.failures)
    s.raw["memory"] = {"method": probe.kind, "kb": mb, "failed": fails, "warm_reused": warm}
    py = mb["list_500"].get("python")
    size, n = f"{_log_size(s) // 1_000_000} MB", _wide_n(s)
    rows = (
        (f"{size} log run", "log_run", "shell_cat", "shell: | cat (largest proc)"),
        (f"{size} log run", "log_run", None, "python -c pass"),
        (f"{n}-job run", "wide_run", "shell_seq", "shell: bash -c true loop"),
        (f"{n}-job run", "wide_run", None, "python -c pass"),
        ("--list 500 jobs", "list_500", None, "python -c pass"),
    )
    for metric, name, base_key, base_what in rows:
        base = py if base_key is None else mb[name].get(base_key)
        c, a = mb[name].get("conveyor"), mb[name].get("act")
        s.row(
            "9 peak RSS",
            metric,
            _mb(base),
            base_what,
            _mb(c),
            _mb(a),
            "",
            None,
            _mb(c, min),
            _mb(a, min),
            unit="MB",
            act_text=fails[name].get("act"),
        )


def _mb(
    kb: list[int] | None, stat: Callable[[list[int]], float] = statistics.median
) -> float | None:
    return None if not kb else stat(kb) / 1024


def list_cache(s: Suite) -> None:
    """Scenario 10: `--list` of the 50-job workflow, workflow cache emptied vs present."""
    log("\n[10] --list of 50 jobs: workflow cache cold (emptied before each run) and warm")
    r = s.repo("dry50", wf_dry50())
    cold_cache = s.tmp / "cache-cold"
    cold_env = dict(s.env, CONVEYOR_CACHE_DIR=str(cold_cache))

    def empty() -> None:
        shutil.rmtree(cold_cache / "workflows", ignore_errors=True)

    g = s.timer.group(
        [
            ("sh -c true", ["sh", "-c", "true"], None),
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            (
                "conveyor run --list, 50 jobs, cold cache",
                s.conv_cmd(r, "--list"),
                r,
                cold_env,
                empty,
            ),
            ("conveyor run --list, 50 jobs, warm cache", s.conv_cmd(r, "--list"), r),
            s.act and ("act --list, 50 jobs", act_cmd(s.act, s.act_cache, "--list"), r),
        ]
    )
    sh, py = g["sh -c true"], g["python -c pass"]
    cold = g["conveyor run --list, 50 jobs, cold cache"]
    warm = g["conveyor run --list, 50 jobs, warm cache"]
    a = g.get("act --list, 50 jobs")
    warm_cache = Path(s.env["CONVEYOR_CACHE_DIR"]) / "workflows"
    if not (warm_cache.is_dir() and any(warm_cache.iterdir())):
        s.notes.append(f"list: no workflow cache found in {warm_cache}: warm may equal cold")
    s.raw["list"] = {"sh": sh, "python": py, "conveyor_cold": cold, "conveyor_warm": warm, "act": a}
    mw, ma = med(warm), med(a)
    ok = None if mw is None or ma is None else mw <= 2.5 * ma
    for metric, c, target, met in (
        ("cold (cache emptied)", cold, "", None),
        ("warm (cache present)", warm, "<= 2.5x act", ok),
    ):
        for base, what in ((sh, "sh -c true"), (py, "python -c pass")):
            s.row(
                "10 --list 50 jobs",
                metric,
                med(base),
                what,
                med(c),
                med(a),
                target,
                met,
                mn(c),
                mn(a),
                act_text=_failed(a),
            )


# Run in this order, whatever the order given to --only.
def _container_image() -> str | None:
    """An image for container jobs: the bootstrapped Debian one, else the tests' busybox."""
    podman = shutil.which("podman")
    if podman is None:
        return None
    for image in ("debian:bookworm", "localhost/conveyor-test-busybox:1"):
        if subprocess.run([podman, "image", "exists", image], check=False).returncode == 0:
            return image
    return None


def containers(s: Suite) -> None:
    """Scenario 11: a job in a container: start (created -> first step running -> removed)
    and per-step overhead, against podman itself doing the same (act cannot run container
    jobs without a Docker daemon, so it has no column here)."""
    log("\n[11] container jobs (podman)")
    image = _container_image()
    podman = shutil.which("podman")
    if image is None or podman is None:
        s.notes.append(
            "containers: skipped (no podman, or no image: run conveyor images bootstrap)"
        )
        return
    r1 = s.repo("ctr1", wf_container_steps(1, image))
    r21 = s.repo("ctr21", wf_container_steps(21, image))
    name = "conveyor-bench-exec"
    subprocess.run([podman, "rm", "-f", "-t", "0", name], capture_output=True, check=False)
    subprocess.run(
        [podman, "run", "-d", "--name", name, "--entrypoint", "tail", image, "-f", "/dev/null"],
        capture_output=True, check=True,
    )  # fmt: skip
    try:
        g = s.timer.group(
            [
                ("podman run --rm true", [podman, "run", "--rm", image, "true"], None),
                ("podman exec true", [podman, "exec", name, "true"], None),
                ("conveyor run, container, 1 step", s.conv_cmd(r1), r1),
                ("conveyor run, container, 21 steps", s.conv_cmd(r21), r21),
            ]
        )
    finally:
        subprocess.run([podman, "rm", "-f", "-t", "0", name], capture_output=True, check=False)
    prun, pexec = g["podman run --rm true"], g["podman exec true"]
    c1, c21 = g["conveyor run, container, 1 step"], g["conveyor run, container, 21 steps"]
    s.raw["containers"] = {"podman_run": prun, "podman_exec": pexec, "c1": c1, "c21": c21}
    s.row("11 container job", "1-step job, whole run", med(prun), "podman run --rm true",
          med(c1), None, "", None, mn(c1), None, act_text="n/a (needs Docker)")  # fmt: skip
    s.row("11 container job", "per step", med(pexec), "podman exec true",
          per_unit(c21, c1, 20), None, "", None, per_unit(c21, c1, 20, "min"), None,
          act_text="n/a (needs Docker)")  # fmt: skip


# What the example's Dockerfiles start FROM: made by `conveyor images bootstrap`, never removed.
IMAGE_BASES = ("python:3.12", "node:20", "debian:bookworm")
CA_FILE = "/etc/ssl/certs/ca-certificates.crt"  # the workflow's `secret-files: extra_ca=...`
IMAGE_TAG = "localhost/conveyor-bench/{service}:{tool}"
NO_DOCKER = "n/a (needs Docker)"


class ImageStore:
    """A containers storage of the bench's own (``CONTAINERS_STORAGE_CONF``): the bootstrapped
    base images are read from podman's store, as a read-only additional image store, and
    everything the builds make (layers, intermediate images, tags) lands here. Emptying it
    gives a cold layer cache without touching podman's store (other users' images and build
    caches, the base images); ``close`` deletes it."""

    def __init__(self, root: Path, podman: str) -> None:
        self.root, self.podman = root, podman
        main = subprocess.run(
            [podman, "info", "--format", "{{.Store.GraphDriverName}} {{.Store.GraphRoot}}"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        root.mkdir(parents=True)
        self.conf = root / "storage.conf"
        self.conf.write_text(
            f'[storage]\ndriver = "{main[0]}"\ngraphroot = "{root / "graph"}"\n'
            f'runroot = "{root / "run"}"\n\n[storage.options]\n'
            f'additionalimagestores = ["{main[1]}"]\n'
        )

    def env(self, env: dict[str, str]) -> dict[str, str]:
        return dict(env, CONTAINERS_STORAGE_CONF=str(self.conf))

    def empty(self) -> None:
        """Remove every image of this store (not the read-only ones), children first."""
        env = self.env(dict(os.environ))
        for _ in range(10):
            listing = subprocess.run(
                [self.podman, "images", "-a", "--no-trunc", "--format", "{{.ID}} {{.ReadOnly}}"],
                env=env, capture_output=True, text=True, check=False,
            ).stdout.split("\n")  # fmt: skip
            ids = sorted({ln.split()[0] for ln in listing if ln.endswith(" false")})
            if not ids:
                return
            subprocess.run(
                [self.podman, "rmi", "-f", "-i", *ids], env=env, capture_output=True, check=False
            )
        log(f"  ! images: could not empty the bench's image store {self.root}")

    def close(self) -> None:
        self.empty()
        shutil.rmtree(self.root, ignore_errors=True)


def _engine_binary(s: Suite) -> Path | None:
    """The engine's release binary (its Dockerfile copies it in): the example's, else built
    here with cargo as the workflow does (untimed)."""
    built = EXAMPLE / ENGINE_BINARY
    if built.is_file():
        return built
    if shutil.which("cargo") is None:
        return None
    src = s.tmp / "engine-build"
    shutil.copytree(EXAMPLE / "engine", src, ignore=shutil.ignore_patterns("target"))
    log("  building the engine's binary (cargo build --release --locked, untimed)")
    r = subprocess.run(
        ["cargo", "build", "--release", "--locked"], cwd=src, env=s.env,
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    binary = src / "target" / "release" / "aegis-engine"
    if r.returncode != 0 or not binary.is_file():
        log(f"  ! cargo build failed: {r.stderr.strip()[-800:]}")
        return None
    return binary


def images(s: Suite) -> None:
    """Scenario 12: build time of the example monorepo's three images, cold (no layer cache)
    and cached (a rebuild, nothing changed): Conveyor running the example workflow's build
    step (docker/build-push-action, built with buildah) against plain `buildah bud --layers`
    of the same Dockerfile and context."""
    log("\n[12] example images (examples/aegis-monorepo): cold and cached builds")
    podman, buildah = shutil.which("podman"), shutil.which("buildah")
    if podman is None or buildah is None:
        s.notes.append("images: skipped (no podman or buildah)")
        return
    missing = [
        b for b in IMAGE_BASES
        if subprocess.run([podman, "image", "exists", b], check=False).returncode != 0
    ]  # fmt: skip
    if missing:
        s.notes.append(f"images: skipped (no {', '.join(missing)}: run conveyor images bootstrap)")
        return
    engine = _engine_binary(s)
    services = [sv for sv in EXAMPLE_IMAGES if sv != "engine" or engine is not None]
    if engine is None:
        s.notes.append("images: engine left out (no release binary, and cargo failed or missing)")
    ca = CA_FILE if Path(CA_FILE).is_file() else None
    if ca is None:
        s.notes.append(f"images: no {CA_FILE}, so no extra_ca build secret")
    tag = IMAGE_TAG.replace("{tool}", "conveyor")
    repo = make_example_repo(
        s.tmp / "repos" / "aegis-images", wf_images(services, tag, ca), s.env, engine
    )
    store = ImageStore(s.tmp / "image-store", podman)
    env = store.env(s.env)

    def items(cold: bool) -> dict[str, Item | None]:
        out: dict[str, Item | None] = {}
        what = "cold" if cold else "cached"
        for sv in services:
            context = repo / EXAMPLE_IMAGES[sv]
            bud = [buildah, "bud", "--layers", *(["--no-cache"] if cold else [])]
            bud += [
                "-f",
                str(context / "Dockerfile"),
                "-t",
                IMAGE_TAG.format(service=sv, tool="buildah"),
            ]
            bud += ["--secret", f"id=extra_ca,src={ca}"] if ca else []
            conv = s.conv_cmd(repo, "-j", sv, *(["--var", "NO_CACHE=true"] if cold else []))
            before = store.empty if cold else None
            out[f"buildah_{sv}"] = (
                f"buildah bud, {sv}, {what}",
                [*bud, str(context)],
                repo,
                env,
                before,
            )
            out[f"conveyor_{sv}"] = (f"conveyor run, {sv} image, {what}", conv, repo, env, before)
            if ca and not cold:  # what the build secret costs Conveyor (see the README)
                plain = s.conv_cmd(repo, "-j", f"{sv}-no-secret")
                label = f"conveyor run, {sv} image, {what}, no extra_ca"
                out[f"conveyor_plain_{sv}"] = (label, plain, repo, env)
        return out

    try:
        # cold: one run each, the store emptied before it (no warm-up: it would be a build)
        cold_timer = Timer(env, 1, 0)
        cold = _keyed_timer(cold_timer, items(True), 1)
        s.timer.failures.extend(cold_timer.failures)
        # cached: the warm-up builds (again) what the last cold run's emptying removed
        cached_timer = Timer(env, s.repeats, max(1, s.timer.warmup))
        cached = _keyed_timer(cached_timer, items(False), s.repeats)
        s.timer.failures.extend(cached_timer.failures)
    finally:
        store.close()
    s.raw["images"] = {"services": services, "cold": cold, "cached": cached}
    for what, g in (("cold (no layer cache)", cold), ("cached (rebuild, no change)", cached)):
        base_what = "buildah bud --layers" + (" --no-cache" if g is cold else "")
        for sv in services:
            b, c = g[f"buildah_{sv}"], g[f"conveyor_{sv}"]
            s.row(f"12 image build {sv}", what, med(b), base_what, med(c), None, "", None,
                  mn(c), None, act_text=_failed(c) or NO_DOCKER)  # fmt: skip
        bs = [med(g[f"buildah_{sv}"]) for sv in services]
        cs = [med(g[f"conveyor_{sv}"]) for sv in services]
        cmins = [mn(g[f"conveyor_{sv}"]) for sv in services]
        if len(services) > 1:
            total = f"12 image build, {len(services)} images"
            s.row(total, what + ", sum", _sum(bs), base_what, _sum(cs), None, "", None,
                  _sum(cmins), None, act_text=NO_DOCKER)  # fmt: skip
    for sv in services if ca else []:
        b, c = cached[f"buildah_{sv}"], cached.get(f"conveyor_plain_{sv}")
        s.row(f"12 image build {sv}", "cached, Conveyor without extra_ca", med(b),
              "buildah bud --layers", med(c), None, "", None, mn(c), None,
              act_text=_failed(c) or NO_DOCKER)  # fmt: skip


def _sum(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


SCENARIOS: dict[str, Callable[[Suite], None]] = {
    "steps": steps,
    "jobs": jobs,
    "onestep": onestep,
    "dry50": dry50,
    "large": large,
    "startup": startup,
    "logs": logs,
    "wide": wide,
    "memory": memory,
    "list": list_cache,
    "containers": containers,
    "images": images,
    "deploy": deploy,
    "queue": queue_scenario,
    "server": server_scenario,
}
