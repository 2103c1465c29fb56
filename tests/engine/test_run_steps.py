"""Step status functions, implicit success(), step continue-on-error, exit status.

Rules: docs "Expressions > Status check functions" (success() is implied when an `if`
has no status function), "Contexts > steps context" (outcome is before
continue-on-error, conclusion after), actions/runner StepsRunner.cs (a failed step
with continue-on-error gets Outcome=Failed, Result=Succeeded).
"""

from __future__ import annotations

from tests.harness import RunWorkflow

STATUS_WF = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: bad
        run: exit 3
      - id: implicit
        run: echo should-not-run
      - id: on_failure
        if: failure()
        run: echo failure-ran
      - id: on_always
        if: always()
        run: echo always-ran
      - id: either
        if: success() || failure()
        run: echo either-ran
      - id: on_cancel
        if: cancelled()
        run: echo cancel-ran
      - id: not_success
        if: "!success()"
        run: echo not-success-ran
      - id: expr_only
        if: github.event_name == 'push'
        run: echo expr-only-ran
"""


def test_failing_step_skips_later_steps_but_status_functions_run(run_wf: RunWorkflow) -> None:
    r = run_wf(STATUS_WF)
    assert r.code == 1
    assert r.conclusion == "failure"
    assert r.job("build")["conclusion"] == "failure"
    outcomes = {s["id"]: s["outcome"] for s in r.job("build")["steps"]}
    assert outcomes == {
        "bad": "failure",
        "implicit": "skipped",
        "on_failure": "success",
        "on_always": "success",
        "either": "success",
        "on_cancel": "skipped",
        "not_success": "success",
        # an `if` without a status function gets an implicit `success() &&`
        "expr_only": "skipped",
    }
    assert "should-not-run" not in r.out
    assert "failure-ran" in r.out and "always-ran" in r.out


def test_success_path_skips_failure_steps(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: ok
                run: echo hi
              - id: f
                if: failure()
                run: echo no
              - id: a
                if: always()
                run: echo yes
              - id: e
                if: github.event_name == 'push'
                run: echo yes
        """
    )
    assert r.code == 0 and r.conclusion == "success"
    got = {s["id"]: s["conclusion"] for s in r.job("build")["steps"]}
    assert got == {"ok": "success", "f": "skipped", "a": "success", "e": "success"}


def test_step_continue_on_error(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: flaky
                continue-on-error: true
                run: exit 1
              - id: next
                run: |
                  echo "outcome=${{ steps.flaky.outcome }}" >> "$GITHUB_OUTPUT"
                  echo "conclusion=${{ steps.flaky.conclusion }}" >> "$GITHUB_OUTPUT"
              - id: fail_fn
                if: failure()
                run: echo failure-should-not-run
        """
    )
    assert r.code == 0
    assert r.conclusion == "success"
    assert r.job("build")["conclusion"] == "success"
    flaky = r.step("build", "flaky")
    assert (flaky["outcome"], flaky["conclusion"]) == ("failure", "success")
    assert r.outputs("build", "next") == {"outcome": "failure", "conclusion": "success"}
    # continue-on-error keeps the job healthy, so failure() is false afterwards
    assert r.step("build", "fail_fn")["conclusion"] == "skipped"


def test_step_continue_on_error_expression(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        env:
          ALLOW: "yes"
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: tolerated
                continue-on-error: ${{ env.ALLOW == 'yes' }}
                run: exit 1
              - id: still_runs
                run: echo ok
              - id: fatal
                continue-on-error: ${{ env.ALLOW == 'no' }}
                run: exit 1
              - id: skipped
                run: echo never
        """
    )
    assert r.code == 1
    assert r.step("build", "tolerated")["conclusion"] == "success"
    assert r.step("build", "still_runs")["conclusion"] == "success"
    fatal = r.step("build", "fatal")
    assert (fatal["outcome"], fatal["conclusion"]) == ("failure", "failure")
    assert r.step("build", "skipped")["conclusion"] == "skipped"
    assert r.job("build")["conclusion"] == "failure"


def test_steps_context_outcome_of_skipped_step(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: never
                if: false
                run: echo no
              - id: check
                run: |
                  echo "r=${{ steps.never.outcome }}/${{ steps.never.conclusion }}" \
                    >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    assert r.outputs("build", "check") == {"r": "skipped/skipped"}


def test_step_outputs_via_github_output(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: a
                run: echo "x=1" >> "$GITHUB_OUTPUT"
              - id: b
                run: echo "y=${{ steps.a.outputs.x }}2" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.outputs("build", "b") == {"y": "12"}


def test_if_expression_error_fails_step(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - id: bad
                if: fromJSON('{')
                run: echo no
              - id: after
                if: always()
                run: echo yes
        """
    )
    assert r.code == 1
    assert r.step("build", "bad")["conclusion"] == "failure"
    assert r.step("build", "after")["conclusion"] == "success"


def test_exit_status_success_is_zero(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    assert r.code == 0
    assert r.conclusion == "success"
    assert r.workflow()["conclusion"] == "success"


def test_exit_status_failure_is_one(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: "false"
          b:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    assert r.code == 1
    assert r.conclusion == "failure"
    assert r.job("b")["conclusion"] == "success"


def test_job_status_context(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: before
                run: echo "s=${{ job.status }}" >> "$GITHUB_OUTPUT"
              - run: exit 1
              - id: after
                if: always()
                run: echo "s=${{ job.status }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.outputs("j", "before") == {"s": "success"}
    assert r.outputs("j", "after") == {"s": "failure"}
