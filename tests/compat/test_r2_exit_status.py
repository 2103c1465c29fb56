"""Round 2: exit status and report across workflows and job set-up failures.

Docs: each triggered workflow is its own workflow run with its own conclusion ("Events
that trigger workflows"); "Finding and customizing actions": a job whose action cannot be
resolved fails before its steps run (runner "Set up job": "Unable to resolve action")."""

from __future__ import annotations

from tests.harness import Repo


def test_one_of_two_workflows_fails(repo: Repo) -> None:
    repo.workflow(
        """
        name: Good
        on: push
        jobs:
          ok:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """,
        "good.yml",
    )
    repo.workflow(
        """
        name: Bad
        on: push
        jobs:
          broken:
            runs-on: ubuntu-latest
            steps:
              - run: exit 3
        """,
        "bad.yml",
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.report["conclusion"] == "failure"
    assert r.workflow("good.yml")["conclusion"] == "success"
    assert r.workflow("bad.yml")["conclusion"] == "failure"
    assert r.job("broken", "bad.yml")["conclusion"] == "failure"


def test_job_failing_at_set_up_runs_no_step(repo: Repo) -> None:
    marker = repo.tmp / "ran"
    repo.workflow(
        f"""
        on: push
        jobs:
          setup_fails:
            runs-on: ubuntu-latest
            steps:
              - run: touch "{marker}"
              - uses: no-such-owner-zz/no-such-action-zz@v1
          dependant:
            needs: setup_fails
            runs-on: ubuntu-latest
            steps:
              - run: "true"
          independent:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run("push", "--offline")
    assert r.code == 1, r.output
    assert r.job("setup_fails")["conclusion"] == "failure"
    # actions are resolved in "Set up job": the first step never ran
    assert not marker.exists()
    assert all(s["conclusion"] != "success" for s in r.job("setup_fails")["steps"])
    assert r.job("dependant")["conclusion"] == "skipped"
    assert r.job("independent")["conclusion"] == "success"
    assert r.workflow()["conclusion"] == "failure"
