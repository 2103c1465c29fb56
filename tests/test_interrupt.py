"""Ctrl-C on `conveyor run`: running steps stop, `if: always()` steps still run, and the
run is reported `cancelled` — with a real process and a real SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def _start(tmp_path: Path, workflow: str) -> tuple[subprocess.Popen[str], Path, Path]:
    """A repository with ``workflow``, and `conveyor run` on it, once its step started."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(workflow)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"],
        cwd=repo,
        check=True,
    )
    marker = tmp_path / "marker"
    report = tmp_path / "report.json"
    env = {
        **os.environ,
        "MARKER": str(marker),
        "NO_COLOR": "1",
        "CONVEYOR_CACHE_DIR": str(tmp_path / "cache"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "conveyor", "run", "-C", str(repo), "--report", str(report)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.05)
    return proc, marker, report


def test_sigint_cancels_the_run(tmp_path: Path) -> None:
    proc, marker, report = _start(tmp_path, WORKFLOW)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    data = json.loads(report.read_text())
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


def test_a_running_always_step_survives_cancellation(tmp_path: Path) -> None:
    # StepsRunner.cs: on job cancellation the running step's condition is evaluated again;
    # a step that should still run (always()) is not stopped
    proc, marker, report = _start(tmp_path, ALWAYS)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert Path(str(marker) + ".after").read_text().strip() == "finished", out
    data = json.loads(report.read_text())
    job = data["workflows"][0]["jobs"][0]
    assert job["steps"][0]["outcome"] == "success"
    assert job["conclusion"] == "cancelled"
