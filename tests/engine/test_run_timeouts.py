"""Step and job timeouts.

Rules: actions/runner StepsRunner.cs: a step whose own timeout fires gets "The action
has timed out." and Result=Failed, and continue-on-error then applies; when the job's
token is cancelled (job timeout) the job is marked Result=Canceled, the running step's
condition is re-evaluated (implicit success() is false, so it is cancelled) and later
steps with always() still run. Fractional minutes here only keep the tests fast.
"""

from __future__ import annotations

from tests.harness import RunWorkflow


def test_step_timeout_fails_step_and_job(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: slow
                timeout-minutes: 0.01
                run: |
                  echo started
                  sleep 30
                  echo finished
              - id: next
                run: echo next
              - id: cleanup
                if: always()
                run: echo cleanup-ran
        """
    )
    assert r.code == 1
    slow = r.step("j", "slow")
    assert (slow["outcome"], slow["conclusion"]) == ("failure", "failure")
    assert "finished" not in r.out
    assert "has timed out" in r.out
    assert r.step("j", "next")["conclusion"] == "skipped"
    assert r.step("j", "cleanup")["conclusion"] == "success"
    assert r.job("j")["conclusion"] == "failure"


def test_step_timeout_with_continue_on_error(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: slow
                timeout-minutes: 0.01
                continue-on-error: true
                run: sleep 30
              - id: next
                run: echo next-ran
        """
    )
    assert r.code == 0
    slow = r.step("j", "slow")
    assert (slow["outcome"], slow["conclusion"]) == ("failure", "success")
    assert r.step("j", "next")["conclusion"] == "success"
    assert r.job("j")["conclusion"] == "success"


def test_step_timeout_expression(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        env:
          LIMIT: "0.01"
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: slow
                timeout-minutes: ${{ fromJSON(env.LIMIT) }}
                run: sleep 30
        """
    )
    assert r.code == 1
    assert r.step("j", "slow")["outcome"] == "failure"


def test_job_timeout_cancels_job_and_runs_always_steps(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            timeout-minutes: 0.01
            steps:
              - id: slow
                run: |
                  echo started
                  sleep 30
                  echo finished
              - id: next
                run: echo next-ran
              - id: cleanup
                if: always()
                run: echo cleanup-ran
              - id: on_cancel
                if: cancelled()
                run: echo cancelled-ran
          dependant:
            needs: j
            runs-on: ubuntu-latest
            steps:
              - run: echo dependant
        """
    )
    assert r.code == 1
    assert r.job("j")["conclusion"] == "cancelled"
    assert "finished" not in r.out
    assert "exceeded the maximum execution time" in r.out
    assert r.step("j", "slow")["outcome"] == "cancelled"
    assert r.step("j", "next")["conclusion"] == "skipped"
    assert r.step("j", "cleanup")["conclusion"] == "success"
    assert r.step("j", "on_cancel")["conclusion"] == "success"
    assert "cleanup-ran" in r.out
    assert r.job("dependant")["conclusion"] == "skipped"
    assert r.conclusion in ("cancelled", "failure")
