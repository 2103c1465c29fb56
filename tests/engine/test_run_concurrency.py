"""Job-level concurrency groups.

Rules: docs "Control the concurrency of workflows and jobs" (at most one running and
one pending job in a group; a newly queued job replaces the pending one, which is
cancelled; with cancel-in-progress the running job is cancelled instead).
"""

from __future__ import annotations

from tests.harness import Repo


def test_same_group_runs_serially(repo: Repo) -> None:
    stamps = repo.root.parent / "stamps"
    stamps.mkdir()
    repo.workflow(
        f"""
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            concurrency: shared-group
            strategy:
              matrix:
                n: [1, 2]
            steps:
              - run: |
                  date +%s%N > {stamps}/${{{{ matrix.n }}}}.start
                  sleep 0.3
                  date +%s%N > {stamps}/${{{{ matrix.n }}}}.end
        """
    )
    r = repo.run()
    assert r.code == 0, r.out
    assert [j["conclusion"] for j in r.jobs("test")] == ["success", "success"]
    spans = sorted(
        (int((stamps / f"{n}.start").read_text()), int((stamps / f"{n}.end").read_text()))
        for n in (1, 2)
    )
    assert spans[1][0] >= spans[0][1]  # the second started after the first ended


def test_different_groups_both_run(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            concurrency: group-${{ matrix.n }}
            strategy:
              matrix:
                n: [1, 2]
            steps:
              - run: "true"
        """
    )
    r = repo.run()
    assert [j["conclusion"] for j in r.jobs("test")] == ["success", "success"]


def test_cancel_in_progress_cancels_running_job(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          first:
            runs-on: ubuntu-latest
            concurrency:
              group: deploy
              cancel-in-progress: true
            steps:
              - run: |
                  echo first-started
                  sleep 30
                  echo first-finished
          second:
            runs-on: ubuntu-latest
            steps:
              - run: sleep 0.5
          third:
            needs: second
            runs-on: ubuntu-latest
            concurrency:
              group: deploy
              cancel-in-progress: true
            steps:
              - run: echo third-ran
        """
    )
    r = repo.run()
    assert r.job("first")["conclusion"] == "cancelled"
    assert r.job("third")["conclusion"] == "success"
    assert "first-started" in r.out
    assert "first-finished" not in r.out
    assert "third-ran" in r.out
    assert r.code == 1  # a cancelled job makes the run unsuccessful


def test_newer_pending_job_replaces_older_pending(repo: Repo) -> None:
    # docs: "any previously pending job or workflow in the concurrency group will be
    # canceled" -- with three arrivals, one runs, one is replaced, one runs after.
    repo.workflow(
        """
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            concurrency: one-at-a-time
            strategy:
              matrix:
                n: [1, 2, 3]
            steps:
              - run: sleep 0.4
        """
    )
    r = repo.run()
    got = sorted(j["conclusion"] for j in r.jobs("test"))
    assert got == ["cancelled", "success", "success"]


def test_workflow_level_group_runs_workflows_one_after_another(repo: Repo) -> None:
    # workflow-level `concurrency` shares the group namespace with jobs
    stamps = repo.root.parent / "wf-stamps"
    stamps.mkdir()
    for name in ("one", "two"):
        repo.workflow(
            f"""
            on: push
            concurrency: deploy-${{{{ github.ref }}}}
            jobs:
              deploy:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      date +%s%N > {stamps}/{name}.start
                      sleep 0.3
                      date +%s%N > {stamps}/{name}.end
            """,
            name=f"{name}.yml",
        )
    r = repo.run()
    assert r.code == 0, r.out
    assert [w["conclusion"] for w in r.report["workflows"]] == ["success", "success"]
    spans = sorted(
        (int((stamps / f"{n}.start").read_text()), int((stamps / f"{n}.end").read_text()))
        for n in ("one", "two")
    )
    assert spans[1][0] >= spans[0][1]
