"""The six scenarios. Each one times its commands (round-robin, see measure.Timer), stores
the raw timings in ``suite.raw`` and appends its table rows with ``suite.row``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from drivers import IMPORT_RUN_PATH, PARSE_DRIVER, POPEN_DRIVER, run_driver
from measure import act_cmd, log, med, mn, ms, per_unit
from suite import Suite
from workloads import wf_dry50, wf_jobs, wf_large, wf_steps


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
        "act: 43 ms earlier",
        None,
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


# Run in this order, whatever the order given to --only.
SCENARIOS: dict[str, Callable[[Suite], None]] = {
    "steps": steps,
    "jobs": jobs,
    "onestep": onestep,
    "dry50": dry50,
    "large": large,
    "startup": startup,
}
