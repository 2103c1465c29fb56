"""Ctrl-C on `conveyor run`: running steps stop, `if: always()` steps still run, and the
run is reported `cancelled` — with a real process and a real SIGINT."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conveyor.procinfo import alive
from tests.harness import Repo, RepoFactory

WORKFLOW = """
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - id: wait
        run: |
          echo started > "$MARKER"
          sleep 60
          echo never > "$MARKER.after"
      - id: skipped
        run: echo should-not-run
      - id: cleanup
        if: always()
        run: echo "cleanup ran with ${{ job.status }}"
"""


def _start(repo: Repo, workflow: str) -> tuple[subprocess.Popen[str], Path]:
    """`conveyor run` on a repository with ``workflow``, once its step started."""
    repo.workflow(workflow)
    marker = repo.tmp / "marker"
    proc = repo.start(env={"MARKER": str(marker)})
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.05)
    return proc, marker


@pytest.fixture
def repo(make_repo: RepoFactory) -> Repo:
    return make_repo("repo")


def test_sigint_cancels_the_run(repo: Repo) -> None:
    proc, marker = _start(repo, WORKFLOW)
    proc.send_signal(signal.SIGINT)
    r = repo.finish(proc, timeout=30)
    out = r.out
    assert r.code == 130, out
    data = r.report
    assert data["conclusion"] == "cancelled"
    job = data["workflows"][0]["jobs"][0]
    assert job["conclusion"] == "cancelled"
    steps = {s["id"]: s for s in job["steps"]}
    assert steps["wait"]["outcome"] == "cancelled"
    assert steps["skipped"]["outcome"] == "skipped"
    assert steps["cleanup"]["outcome"] == "success"
    assert "cleanup ran with cancelled" in out
    assert not Path(str(marker) + ".after").exists()


ALWAYS = """
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - id: keep
        if: always()
        run: |
          echo started > "$MARKER"
          sleep 2
          echo finished > "$MARKER.after"
"""


def test_a_running_always_step_survives_cancellation(repo: Repo) -> None:
    # StepsRunner.cs: on job cancellation the running step's condition is evaluated again;
    # a step that should still run (always()) is not stopped
    proc, marker = _start(repo, ALWAYS)
    proc.send_signal(signal.SIGINT)
    r = repo.finish(proc, timeout=30)
    assert Path(str(marker) + ".after").read_text().strip() == "finished", r.out
    data = r.report
    job = data["workflows"][0]["jobs"][0]
    assert job["steps"][0]["outcome"] == "success"
    assert job["conclusion"] == "cancelled"


KILLED = """
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - name: first
        run: echo one
      - name: second
        run: echo two
      - name: waits
        run: |
          echo three
          echo $$ > "$MARKER"
          sleep 600
"""


def test_kill_9_leaves_a_truthful_record(repo: Repo) -> None:
    proc, marker = _start(repo, KILLED)
    step_group = int(marker.read_text().strip() or "0")
    proc.kill()  # SIGKILL: no handler, no clean-up, no final report
    proc.wait(timeout=30)
    os.killpg(step_group, 0)  # the step outlived Conveyor (nothing could stop it)...

    work = repo.root / ".conveyor" / "runs" / "1" / "work"
    assert work.is_dir()  # its scripts are still there (they may hold secrets)...
    listing = repo.cli("runs")
    _gone(step_group)  # ...until the next conveyor found the dead run and swept its jobs
    assert not work.exists()
    assert listing.code == 0, listing.output
    row = listing.out.splitlines()[1].split()
    assert row[0] == "1" and row[4] == "failure", listing.out  # not "in_progress"

    shown = repo.cli("runs", "1")
    assert shown.code == 0, shown.output
    assert "ended before the run finished" in shown.out
    assert "a: failure" in shown.out
    assert "first: success" in shown.out and "second: success" in shown.out
    assert "waits" not in shown.out  # it never finished

    logs = repo.cli("logs", "1")
    words = logs.out.split()
    assert "one" in words and "two" in words
    assert "three" in words  # printed by the step still running when Conveyor was killed


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_cancel_like_ctrl_c(repo: Repo, sig: int, code: int) -> None:
    proc, _ = _start(repo, WORKFLOW)
    proc.send_signal(sig)
    r = repo.finish(proc, timeout=30)
    assert r.code == code, r.out
    assert r.report["conclusion"] == "cancelled"
    steps = {s["id"]: s for s in r.report["workflows"][0]["jobs"][0]["steps"]}
    assert steps["wait"]["outcome"] == "cancelled"
    assert steps["cleanup"]["outcome"] == "success"
    listing = repo.cli("runs")
    assert listing.out.splitlines()[1].split()[4] == "cancelled"


STUBBORN = """
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: |
          trap '' INT TERM
          echo $$ > "$MARKER"
          sleep 600
  b:  # two jobs: they run on threads of their own, not on the main one
    runs-on: ubuntu-latest
    steps:
      - run: |
          trap '' INT TERM
          sleep 600
"""


def test_a_second_signal_aborts_without_orphans(repo: Repo) -> None:
    # the step ignores the first signal's SIGINT, so the run is still cancelling when the
    # second signal aborts it: what the step started must die with the run
    proc, marker = _start(repo, STUBBORN)
    group = int(marker.read_text().strip())
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)  # not a timing assertion: lets the first signal be handled first
    proc.send_signal(signal.SIGINT)
    r = repo.finish(proc, timeout=30)
    assert r.code == 130, r.out
    assert "aborted" in r.out
    _gone(group)


def _gone(group: int) -> None:
    """Wait until process group ``group`` has no process left (SIGKILL is asynchronous)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(group, signal.SIGKILL)
            raise AssertionError(f"process group {group} is still running")
        time.sleep(0.05)


DAEMONS = """
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: |
          setsid sleep 600 & echo $! > "$MARKER.setsid"
          nohup sleep 600 > /dev/null 2>&1 & echo $! > "$MARKER.nohup"
          ( ( sleep 600 & echo $! > "$MARKER.double" ) & )
          RUNNER_TRACKING_ID=0 setsid sleep 600 & echo $! > "$MARKER.kept"
          sleep 0.2
      - run: echo next step
"""


def test_daemons_a_job_leaves_are_killed_at_job_end(repo: Repo) -> None:
    # as GitHub's runner does with RUNNER_TRACKING_ID; one opted out with
    # RUNNER_TRACKING_ID=0 (the runner's documented way) is left running
    repo.workflow(DAEMONS)
    marker = repo.tmp / "marker"
    r = repo.run(env={"MARKER": str(marker)}, how="module")
    assert r.code == 0, r.output
    kinds = ("setsid", "nohup", "double", "kept")
    pids = {kind: int(Path(f"{marker}.{kind}").read_text()) for kind in kinds}
    kept = pids.pop("kept")
    try:
        # a killed orphan may stay a zombie until init reaps it: ask whether it *runs*
        running = {kind: alive(pid, None) for kind, pid in pids.items()}
        assert running == dict.fromkeys(pids, False)
        assert alive(kept, None)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(kept, signal.SIGKILL)
