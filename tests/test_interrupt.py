"""Ctrl-C on `conveyor run`: running steps stop, `if: always()` steps still run, and the
run is reported `cancelled` — with a real process and a real SIGINT."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

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
