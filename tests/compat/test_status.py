# ruff: noqa: E501
"""Status check functions and continue-on-error (steps and jobs).

Docs: expressions "Status check functions"; workflow syntax `jobs.<id>.steps[*].continue-on-error`
("Prevents a job from failing when a step fails"), `jobs.<id>.continue-on-error`;
contexts "steps context" (outcome "before continue-on-error is applied", conclusion after)
and "needs context" (result: success, failure, cancelled, or skipped)."""

from __future__ import annotations

from tests.harness import Repo


def test_failure_success_always_cancelled_in_steps(repo: Repo) -> None:
    # Doc "failure with conditions": if: ${{ failure() && steps.demo.conclusion == 'failure' }}
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: ok
                run: "true"
              - name: Failing step
                id: demo
                run: exit 1
              - id: skipped_by_default
                run: echo never
              - id: on_failure
                if: ${{ failure() && steps.demo.conclusion == 'failure' }}
                run: "true"
              - id: on_success
                if: ${{ success() }}
                run: "true"
              - id: on_always
                if: ${{ always() }}
                run: "true"
              - id: on_not_cancelled
                if: ${{ !cancelled() }}
                run: "true"
              - id: on_cancelled
                if: ${{ cancelled() }}
                run: "true"
              - id: without_status_fn
                if: steps.demo.outcome == 'failure'
                run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.report["conclusion"] == "failure"
    steps = {s["id"]: s["conclusion"] for s in r.job("j")["steps"]}
    assert steps == {
        "ok": "success",
        "demo": "failure",
        "skipped_by_default": "skipped",
        "on_failure": "success",
        "on_success": "skipped",
        "on_always": "success",
        "on_not_cancelled": "success",
        "on_cancelled": "skipped",
        # "A default status check of success() is applied unless you include one of these functions."
        "without_status_fn": "skipped",
    }
    assert r.job("j")["conclusion"] == "failure"


def test_step_continue_on_error_outcome_vs_conclusion(repo: Repo) -> None:
    # Contexts: "When a continue-on-error step fails, the outcome is failure, but the final
    # conclusion is success."
    repo.workflow(
        """
        on: push
        env:
          continue: true
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: flaky
                continue-on-error: true
                run: exit 3
              - id: after
                run: |
                  echo "o=${{ steps.flaky.outcome }}" >> "$GITHUB_OUTPUT"
                  echo "c=${{ steps.flaky.conclusion }}" >> "$GITHUB_OUTPUT"
                  echo "s=${{ job.status }}" >> "$GITHUB_OUTPUT"
              - id: expr_coe
                continue-on-error: ${{ fromJSON(env.continue) }}
                run: exit 1
              - id: fail_check
                if: failure()
                run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    flaky = r.step("j", "flaky")
    assert (flaky["outcome"], flaky["conclusion"]) == ("failure", "success")
    assert r.step("j", "after")["outputs"] == {"o": "failure", "c": "success", "s": "success"}
    coe = r.step("j", "expr_coe")
    assert (coe["outcome"], coe["conclusion"]) == ("failure", "success")
    assert r.step("j", "fail_check")["conclusion"] == "skipped"
    assert r.job("j")["conclusion"] == "success"


def test_job_needs_failure_skips_dependants_and_status_functions(repo: Repo) -> None:
    # Doc failure(): "If you have a chain of dependent jobs, failure() returns true if any
    # ancestor job fails." Workflow syntax needs: "If a job fails or is skipped, all jobs
    # that need it are skipped unless the jobs use a conditional expression that causes the
    # job to continue."
    repo.workflow(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - run: "true"
          c:
            needs: b
            if: ${{ failure() }}
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "a=${{ needs.b.result }}" >> "$GITHUB_OUTPUT"
          d:
            needs: [a, b]
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=${{ needs.a.result }},${{ needs.b.result }}" >> "$GITHUB_OUTPUT"
          e:
            needs: a
            if: success()
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.job("a")["conclusion"] == "failure"
    assert r.job("b")["conclusion"] == "skipped"
    assert r.job("c")["conclusion"] == "success"  # grandparent a failed
    assert r.job("c")["steps"][0]["outputs"] == {"a": "skipped"}
    assert r.job("d")["steps"][0]["outputs"] == {"r": "failure,skipped"}
    assert r.job("e")["conclusion"] == "skipped"


def test_job_continue_on_error_workflow_succeeds(repo: Repo) -> None:
    # Workflow syntax jobs.<job_id>.continue-on-error: "Prevents a workflow run from failing
    # when a job fails. Set to true to allow a workflow run to pass when this job fails."
    repo.workflow(
        """
        on: push
        jobs:
          experimental:
            runs-on: ubuntu-latest
            continue-on-error: true
            steps:
              - run: exit 1
          after:
            needs: experimental
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=${{ needs.experimental.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.workflow()["conclusion"] == "success"
    assert r.report["conclusion"] == "success"
    assert r.job("after")["conclusion"] == "success"
    assert r.job("after")["steps"][0]["outputs"] == {"r": "success"}


def test_job_if_false_is_skipped_and_success_overall(repo: Repo) -> None:
    # Workflow syntax jobs.<job_id>.if: "the job will not run unless the condition is met"
    # A skipped job "reports its status as Success" and does not fail the run.
    repo.workflow(
        """
        on: push
        jobs:
          never:
            if: github.event_name == 'pull_request'
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          dep:
            needs: never
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.job("never")["conclusion"] == "skipped"
    assert r.job("dep")["conclusion"] == "skipped"
    assert r.workflow()["conclusion"] == "success"
