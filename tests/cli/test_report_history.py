"""``--report`` JSON, ``conveyor runs`` and ``conveyor logs``."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Repo, RepoFactory, child_command, child_env

CI = """
name: CI
on: push
jobs:
  build:
    name: Build it
    runs-on: ubuntu-latest
    outputs:
      version: ${{ steps.v.outputs.version }}
    steps:
      - id: v
        name: Version
        run: echo "version=1.0" >> "$GITHUB_OUTPUT"
      - name: Flaky
        continue-on-error: true
        run: exit 3
      - name: Never
        if: false
        run: echo never
  test:
    needs: build
    strategy:
      matrix:
        py: ["3.11", "3.12"]
    runs-on: ubuntu-latest
    steps:
      - run: echo "testing ${{ matrix.py }}"
  broken:
    runs-on: ubuntu-latest
    steps:
      - run: echo "about to fail"; exit 1
  after-broken:
    needs: broken
    runs-on: ubuntu-latest
    steps:
      - run: echo unreachable
  call:
    needs: build
    uses: ./.github/workflows/reusable.yml
"""

REUSABLE = """
on: workflow_call
jobs:
  inner:
    runs-on: ubuntu-latest
    steps:
      - run: echo "inside the call"
"""

CONCLUSIONS = {"success", "failure", "cancelled", "skipped"}
RUN_KEYS = {
    "run_id", "event", "conclusion", "workflows", "not_triggered", "started", "duration", "images",
}  # fmt: skip
WORKFLOW_KEYS = {"name", "file", "conclusion", "jobs", "duration"}
JOB_KEYS = {
    "id", "name", "matrix", "conclusion", "outputs", "steps", "jobs", "duration",
    "environment", "log", "error",
}  # fmt: skip
STEP_KEYS = {"id", "name", "outcome", "conclusion", "outputs", "duration"}


@pytest.fixture
def ran(repo: Repo) -> tuple[Repo, dict[str, Any]]:
    repo.workflow(CI, "ci.yml")
    repo.workflow(REUSABLE, "reusable.yml")
    repo.commit()
    res = repo.run()
    assert res.report, res.output  # the report was written
    report = res.report
    assert res.code == 1, res.output
    return repo, report


def _all_jobs(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for job in jobs:
        out.append(job)
        out.extend(_all_jobs(job["jobs"]))
    return out


def test_report_schema(ran: tuple[Repo, dict[str, Any]]) -> None:
    _, report = ran
    assert set(report) == RUN_KEYS
    assert report["event"] == "push" and report["conclusion"] == "failure"
    assert isinstance(report["run_id"], int) and isinstance(report["started"], float)
    [wf] = report["workflows"]
    assert set(wf) == WORKFLOW_KEYS
    assert (wf["name"], wf["file"]) == ("CI", ".github/workflows/ci.yml")
    for job in _all_jobs(wf["jobs"]):
        assert set(job) == JOB_KEYS, job["id"]
        assert job["conclusion"] in CONCLUSIONS
        for step in job["steps"]:
            assert set(step) == STEP_KEYS
            assert step["outcome"] in CONCLUSIONS and step["conclusion"] in CONCLUSIONS
    jobs = {(j["id"], j["name"]): j for j in _all_jobs(wf["jobs"])}
    build = jobs[("build", "Build it")]
    assert build["conclusion"] == "success" and build["outputs"] == {"version": "1.0"}
    version, flaky, never = build["steps"]
    assert version["id"] == "v" and version["outputs"] == {"version": "1.0"}
    assert (flaky["outcome"], flaky["conclusion"]) == ("failure", "success")
    assert never["conclusion"] == "skipped"
    tests = [j for j in wf["jobs"] if j["id"] == "test"]
    assert sorted(t["matrix"]["py"] for t in tests) == ["3.11", "3.12"]
    assert all(t["name"].startswith("test (") for t in tests)
    assert jobs[("broken", "broken")]["conclusion"] == "failure"
    assert jobs[("after-broken", "after-broken")]["conclusion"] == "skipped"
    [call] = [j for j in wf["jobs"] if j["id"] == "call"]
    assert [j["id"] for j in call["jobs"]] == ["inner"]
    assert call["conclusion"] == call["jobs"][0]["conclusion"] == "success"
    assert Path(build["log"]).is_file()


def test_runs_lists_newest_first(ran: tuple[Repo, dict[str, Any]]) -> None:
    repo, first = ran
    repo.workflow("on: push\njobs:\n  ok:\n    runs-on: x\n    steps: [{run: 'true'}]\n", "ci.yml")
    repo.commit()
    res = repo.run()
    assert res.report, res.output  # the report was written
    second = res.report
    assert res.code == 0, res.output
    assert "run {}: success".format(second["run_id"]) in res.out
    assert "not triggered: .github/workflows/reusable.yml" in res.out  # in the summary
    listing = repo.cli("runs")
    assert listing.code == 0
    lines = listing.out.splitlines()
    assert lines[0].split() == ["RUN", "EVENT", "REF", "SHA", "RESULT", "STARTED", "DURATION"]
    rows = [line.split() for line in lines[1:]]
    assert [(r[0], r[4]) for r in rows] == [
        (str(second["run_id"]), "success"),
        (str(first["run_id"]), "failure"),
    ]
    assert rows[0][1:3] == ["push", "refs/heads/main"]
    limited = repo.cli("runs", "-n", "1")
    assert len(limited.out.splitlines()) == 2


def test_runs_when_empty(repo: Repo) -> None:
    res = repo.cli("runs")
    assert res.code == 0
    assert res.out == ""
    assert "no runs recorded yet" in res.err and "conveyor run" in res.err


def test_logs(ran: tuple[Repo, dict[str, Any]]) -> None:
    repo, report = ran
    run_id = str(report["run_id"])
    everything = repo.cli("logs", run_id)
    assert everything.code == 0
    assert "=== Build it (success" in everything.out
    assert "about to fail" in everything.out
    assert "inside the call" in everything.out  # nested reusable-workflow job
    assert repo.cli("logs", "last").out == everything.out
    by_id = repo.cli("logs", run_id, "broken")
    assert by_id.code == 0
    assert "about to fail" in by_id.out and "Build it" not in by_id.out
    by_name = repo.cli("logs", "last", "Build it")
    assert by_name.code == 0 and "=== Build it" in by_name.out
    assert "about to fail" not in by_name.out
    matrix = repo.cli("logs", run_id, "test")  # a matrix job id: every combination
    assert "testing 3.11" in matrix.out and "testing 3.12" in matrix.out
    one = repo.cli("logs", run_id, "test (3.12)")
    assert "testing 3.12" in one.out and "testing 3.11" not in one.out
    skipped = repo.cli("logs", run_id, "after-broken")
    assert "(no log)" in skipped.out


def test_logs_errors(ran: tuple[Repo, dict[str, Any]]) -> None:
    repo, report = ran
    res = repo.cli("logs", "999")
    assert res.code == 1 and "no run 999" in res.err
    res = repo.cli("logs", "abc")
    assert res.code == 2 and "RUN must be a number or 'last'" in res.err
    res = repo.cli("logs", str(report["run_id"]), "nojob")
    assert res.code == 1
    assert "has no job 'nojob'" in res.err and "Build it" in res.err


def test_logs_without_history(repo: Repo) -> None:
    res = repo.cli("logs", "last")
    assert res.code == 1
    assert "no runs recorded yet" in res.err


def test_run_history_is_ignored_by_git(ran: tuple[Repo, dict[str, Any]]) -> None:
    repo, _ = ran
    status = repo.git("status", "--porcelain", "--untracked-files=all")
    assert ".conveyor" not in status


def test_a_crash_is_recorded_with_a_masked_traceback(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import conveyor.engine.run as engine_run

    def boom(*_: object) -> None:
        raise RuntimeError("engine exploded near s3cr3t-value")

    monkeypatch.setattr(engine_run, "execute", boom)
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: 'true'}]\n", "ci.yml")
    repo.commit()
    res = repo.run("--secret", "TOKEN=s3cr3t-value")
    assert res.code == 70
    assert "internal error in run" in res.err and "s3cr3t-value" not in res.err
    [run_dir] = (repo.root / ".conveyor" / "runs").iterdir()
    crash = (run_dir / "crash.log").read_text()
    assert "RuntimeError" in crash and "s3cr3t-value" not in crash and "***" in crash
    res = repo.cli("runs")
    assert "failure" in res.out


def test_logs_into_a_closed_pipe_stops_quietly(make_repo: RepoFactory) -> None:
    repo = make_repo()
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: 'seq 1 200000'}]\n")
    assert repo.run().code == 0
    # `conveyor logs 1 | head -1`: head leaves after one line
    cmd = [*child_command("module"), "logs", "1", "-C", str(repo.root)]
    proc = subprocess.run(
        " ".join(shlex.quote(c) for c in cmd) + " | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert proc.stdout.startswith("=== a (success")
    assert proc.stderr == ""  # no BrokenPipeError traceback


def test_a_broken_store_does_not_lose_the_run(make_repo: RepoFactory) -> None:
    repo = make_repo()
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo hello}]\n")
    store = repo.root / ".conveyor" / "conveyor.db"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"this is not a database" * 100)
    r = repo.run()
    assert r.code == 0, r.output
    assert r.report["conclusion"] == "success"  # the report is still written
    (warning,) = [line for line in r.err.splitlines() if "run store" in line]
    assert "cannot be used" in warning and "Traceback" not in r.err
    assert "hello" in r.logs  # and the job's log
