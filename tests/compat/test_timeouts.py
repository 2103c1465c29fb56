"""Timeouts. Workflow syntax: `jobs.<job_id>.steps[*].timeout-minutes` "The maximum number
of minutes to run the step before killing the process"; `jobs.<job_id>.timeout-minutes` "The
maximum number of minutes to let a job run before GitHub automatically cancels it"."""

from __future__ import annotations

from tests.harness import Repo


def test_step_timeout_fails_step_and_job(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        env:
          time: 0.02
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: slow
                timeout-minutes: ${{ fromJSON(env.time) }}
                run: sleep 30
              - id: after
                run: "true"
              - id: always
                if: always()
                run: "true"
          k:
            runs-on: ubuntu-latest
            steps:
              - id: slow
                continue-on-error: true
                timeout-minutes: 0.02
                run: sleep 30
              - id: after
                run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    slow = r.step("j", "slow")
    assert slow["conclusion"] == "failure"
    assert r.step("j", "after")["conclusion"] == "skipped"
    assert r.step("j", "always")["conclusion"] == "success"
    assert r.job("j")["conclusion"] == "failure"
    # continue-on-error applies to a timed-out step
    k = r.step("k", "slow")
    assert (k["outcome"], k["conclusion"]) == ("failure", "success")
    assert r.step("k", "after")["conclusion"] == "success"
    assert r.job("k")["conclusion"] == "success"


def test_job_timeout_cancels_job(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            timeout-minutes: 0.03
            steps:
              - id: slow
                run: sleep 30
              - id: cleanup
                if: always()
                run: echo "s=${{ job.status }}" >> "$GITHUB_OUTPUT"
          dep:
            needs: j
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=${{ needs.j.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.job("j")["conclusion"] == "cancelled"
    assert r.step("j", "slow")["conclusion"] == "cancelled"
    assert r.step("dep", "s")["outputs"] == {"r": "cancelled"}
    assert r.workflow()["conclusion"] in ("cancelled", "failure")
