"""Job-level semantics: needs, job `if`, needs context, job continue-on-error, outputs.

Rules: docs "Using conditions to control job execution" and "workflow syntax >
jobs.<job_id>.needs" (a failed or skipped need skips the dependant unless its `if`
uses a status function such as always()); "Contexts > needs context" (result is
success, failure, cancelled or skipped); actions/toolkit#581 and actions/runner#1161
(a job with continue-on-error that fails is seen as 'success' by its dependants);
docs "Defining outputs for jobs" (outputs containing secrets are redacted and not sent).
"""

from __future__ import annotations

from tests.harness import RunWorkflow


def test_failed_need_skips_dependants_unless_status_function(run_wf: RunWorkflow) -> None:
    r = run_wf(
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
              - run: echo b
          c:
            needs: a
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "a=${{ needs.a.result }}" >> "$GITHUB_OUTPUT"
          d:
            needs: a
            if: failure()
            runs-on: ubuntu-latest
            steps:
              - run: echo d
          e:
            needs: a
            if: success()
            runs-on: ubuntu-latest
            steps:
              - run: echo e
          f:
            needs: b
            runs-on: ubuntu-latest
            steps:
              - run: echo f
        """
    )
    assert r.code == 1
    assert r.conclusion == "failure"
    got = {j["id"]: j["conclusion"] for j in r.jobs()}
    assert got == {
        "a": "failure",
        "b": "skipped",
        "c": "success",
        "d": "success",
        "e": "skipped",
        "f": "skipped",  # a skipped need skips the dependant too
    }
    assert r.outputs("c", "r") == {"a": "failure"}


def test_skipped_need_with_always_sees_skipped(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            if: false
            runs-on: ubuntu-latest
            steps:
              - run: echo a
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - run: echo b
          c:
            needs: a
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "a=${{ needs.a.result }}" >> "$GITHUB_OUTPUT"
          d:
            needs: a
            if: failure()
            runs-on: ubuntu-latest
            steps:
              - run: echo d
        """
    )
    assert r.code == 0
    got = {j["id"]: j["conclusion"] for j in r.jobs()}
    assert got == {"a": "skipped", "b": "skipped", "c": "success", "d": "skipped"}
    assert r.outputs("c", "r") == {"a": "skipped"}


def test_job_if_false_is_skipped_and_workflow_succeeds(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          deploy:
            if: github.ref == 'refs/heads/release'
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo ok
        """
    )
    assert r.code == 0
    assert r.job("deploy")["conclusion"] == "skipped"
    assert r.job("deploy")["steps"] == []
    assert r.conclusion == "success"


def test_needs_outputs_and_result(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          setup:
            runs-on: ubuntu-latest
            outputs:
              version: ${{ steps.v.outputs.version }}
              literal: fixed
            steps:
              - id: v
                run: echo "version=1.2.3" >> "$GITHUB_OUTPUT"
          use:
            needs: [setup]
            runs-on: ubuntu-latest
            steps:
              - id: show
                run: |
                  echo "v=${{ needs.setup.outputs.version }}" >> "$GITHUB_OUTPUT"
                  echo "l=${{ needs.setup.outputs.literal }}" >> "$GITHUB_OUTPUT"
                  echo "res=${{ needs.setup.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    assert r.job("setup")["outputs"] == {"version": "1.2.3", "literal": "fixed"}
    assert r.outputs("use", "show") == {"v": "1.2.3", "l": "fixed", "res": "success"}


def test_job_continue_on_error(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          flaky:
            continue-on-error: true
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          after:
            needs: flaky
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "res=${{ needs.flaky.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    assert r.conclusion == "success"
    assert r.workflow()["conclusion"] == "success"
    # the job itself still failed (the UI shows it red) ...
    assert r.job("flaky")["conclusion"] == "failure"
    # ... but dependants run and see 'success' (actions/toolkit#581, actions/runner#1161)
    assert r.job("after")["conclusion"] == "success"
    assert r.outputs("after", "r") == {"res": "success"}


def test_job_continue_on_error_expression(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        env:
          TOLERATE: "no"
        jobs:
          strict:
            continue-on-error: ${{ github.event_name != 'push' }}
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
        """
    )
    assert r.code == 1
    assert r.job("strict")["conclusion"] == "failure"


def test_job_outputs_with_secret_are_dropped(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            outputs:
              leaked: ${{ secrets.TOKEN }}
              fine: ${{ steps.s.outputs.fine }}
            steps:
              - id: s
                run: echo "fine=ok" >> "$GITHUB_OUTPUT"
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "leaked=[${{ needs.a.outputs.leaked }}]" >> "$GITHUB_OUTPUT"
        """,
        "--secret",
        "TOKEN=hunter2-very-secret",
    )
    assert r.code == 0
    assert r.job("a")["outputs"] == {"fine": "ok"}
    assert r.outputs("b", "r") == {"leaked": "[]"}
    assert "Skip output 'leaked' since it may contain secret" in r.out
    assert "hunter2-very-secret" not in r.all_text()


def test_job_outputs_evaluated_after_failure(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            outputs:
              early: ${{ steps.s.outputs.early }}
            steps:
              - id: s
                run: echo "early=yes" >> "$GITHUB_OUTPUT"
              - run: exit 1
          b:
            needs: a
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "early=${{ needs.a.outputs.early }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 1
    # job outputs are evaluated at the end of the job whatever its result
    assert r.outputs("b", "r") == {"early": "yes"}


def test_needs_chain_runs_in_order(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          one:
            runs-on: ubuntu-latest
            outputs:
              n: ${{ steps.s.outputs.n }}
            steps:
              - id: s
                run: echo "n=1" >> "$GITHUB_OUTPUT"
          two:
            needs: one
            runs-on: ubuntu-latest
            outputs:
              n: ${{ steps.s.outputs.n }}
            steps:
              - id: s
                run: echo "n=${{ needs.one.outputs.n }}2" >> "$GITHUB_OUTPUT"
          three:
            needs: [one, two]
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "n=${{ needs.two.outputs.n }}3" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    assert r.outputs("three", "s") == {"n": "123"}


def test_status_functions_consider_all_ancestors(run_wf: RunWorkflow) -> None:
    # docs "Expressions > failure": "If you have a chain of dependent jobs, failure()
    # returns true if any ancestor job fails"; the implicit success() likewise looks at
    # every ancestor, not only direct needs (actions/runner#2205, #491).
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          b:
            needs: a
            if: always()
            runs-on: ubuntu-latest
            steps:
              - run: echo b
          c:
            needs: b
            runs-on: ubuntu-latest
            steps:
              - run: echo c
          d:
            needs: b
            if: failure()
            runs-on: ubuntu-latest
            steps:
              - id: r
                run: echo "b=${{ needs.b.result }}/a=${{ needs.a.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    got = {j["id"]: j["conclusion"] for j in r.jobs()}
    assert got == {"a": "failure", "b": "success", "c": "skipped", "d": "success"}
    # the needs context still holds direct needs only
    assert r.outputs("d", "r") == {"b": "success/a="}


def test_skipped_ancestor_skips_grandchild(run_wf: RunWorkflow) -> None:
    # actions/runner#2205: a skipped ancestor makes the implicit success() false even
    # when the direct need ran and succeeded.
    r = run_wf(
        """
        on: push
        jobs:
          a:
            if: false
            runs-on: ubuntu-latest
            steps:
              - run: echo a
          b:
            needs: a
            if: always()
            runs-on: ubuntu-latest
            steps:
              - run: echo b
          c:
            needs: b
            runs-on: ubuntu-latest
            steps:
              - run: echo c
          d:
            needs: b
            if: "!cancelled() && !failure()"
            runs-on: ubuntu-latest
            steps:
              - run: echo d
        """
    )
    assert r.code == 0
    got = {j["id"]: j["conclusion"] for j in r.jobs()}
    assert got == {"a": "skipped", "b": "success", "c": "skipped", "d": "success"}


def test_failure_function_false_after_continue_on_error_job(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          flaky:
            continue-on-error: true
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          on_fail:
            needs: flaky
            if: failure()
            runs-on: ubuntu-latest
            steps:
              - run: echo no
        """
    )
    assert r.code == 0
    assert r.job("on_fail")["conclusion"] == "skipped"


def test_legs_for_other_operating_systems_are_not_run_and_say_why(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          t:
            strategy:
              matrix:
                os: [ubuntu-latest, windows-latest, macos-14]
            runs-on: ${{ matrix.os }}
            steps:
              - run: echo hi
        """
    )
    assert r.code == 0, r.output
    assert r.conclusion == "success"
    assert r.job("t", os="ubuntu-latest")["conclusion"] == "success"
    for os_label in ("windows-latest", "macos-14"):
        job = r.job("t", os=os_label)
        assert job["conclusion"] == "skipped"
        assert f"not run: runs-on '{os_label}'" in job["error"]
        assert all(s["conclusion"] == "skipped" for s in job["steps"])
