# ruff: noqa: E501
"""Round 2: env and context precedence, default contexts.

Docs: "Store information in variables" (GITHUB_ENV: "available to any subsequent steps";
most specific env wins), workflow commands "Setting an environment variable", contexts
("env context", "runner context", "github context", "job context", "steps context")."""

from __future__ import annotations

from tests.harness import Repo


def test_github_env_in_expressions_and_precedence(repo: Repo) -> None:
    repo.write(
        "echoer/action.yml",
        """
        name: echoer
        inputs:
          value:
            required: true
        outputs:
          got:
            value: ${{ steps.e.outputs.got }}
        runs:
          using: composite
          steps:
            - id: e
              shell: bash
              run: echo "got=${{ inputs.value }}" >> "$GITHUB_OUTPUT"
        """,
    )
    repo.workflow(
        """
        on: push
        env:
          LEVEL: workflow
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              LEVEL: job
              JOBONLY: j
            steps:
              - uses: actions/checkout@v4
              - run: |
                  echo "FROMFILE=file-value" >> "$GITHUB_ENV"
                  echo "JOBONLY=overridden-by-file" >> "$GITHUB_ENV"
              - id: with
                uses: ./echoer
                with:
                  value: ${{ env.FROMFILE }}
              - id: cond
                if: env.FROMFILE == 'file-value'
                run: echo "ran=yes" >> "$GITHUB_OUTPUT"
              - id: prec
                env:
                  FROMFILE: step-wins
                run: |
                  echo "proc=$FROMFILE" >> "$GITHUB_OUTPUT"
                  echo "ctx=${{ env.FROMFILE }}" >> "$GITHUB_OUTPUT"
                  echo "job=$JOBONLY|${{ env.JOBONLY }}" >> "$GITHUB_OUTPUT"
                  echo "level=$LEVEL|${{ env.LEVEL }}" >> "$GITHUB_OUTPUT"
              - id: after
                run: echo "proc=$FROMFILE" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("j", "with")["outputs"] == {"got": "file-value"}
    assert r.step("j", "cond")["outputs"] == {"ran": "yes"}
    assert r.step("j", "prec")["outputs"] == {
        # a step's env is the most specific: it wins over GITHUB_ENV for that step only
        "proc": "step-wins",
        "ctx": "step-wins",
        # GITHUB_ENV updates the variable for all subsequent steps, over the job's env
        "job": "overridden-by-file|overridden-by-file",
        # "the most specific variable": job over workflow
        "level": "job|job",
    }
    assert r.step("j", "after")["outputs"] == {"proc": "file-value"}


def test_default_contexts_match_environment(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          the_job:
            runs-on: ubuntu-latest
            steps:
              - id: ctx
                run: |
                  echo "temp=${{ runner.temp == env.RUNNER_TEMP }}" >> "$GITHUB_OUTPUT"
                  echo "temp_proc=$([ "${{ runner.temp }}" = "$RUNNER_TEMP" ] && [ -d "$RUNNER_TEMP" ] && echo ok)" >> "$GITHUB_OUTPUT"
                  echo "os=${{ runner.os }}|$RUNNER_OS" >> "$GITHUB_OUTPUT"
                  echo "ws=$([ "${{ github.workspace }}" = "$GITHUB_WORKSPACE" ] && [ "$PWD" = "$GITHUB_WORKSPACE" ] && echo ok)" >> "$GITHUB_OUTPUT"
                  echo "action=${{ github.action }}|$GITHUB_ACTION" >> "$GITHUB_OUTPUT"
                  echo "job=${{ github.job }}|$GITHUB_JOB" >> "$GITHUB_OUTPUT"
                  echo "attempt=${{ github.run_attempt }}|$GITHUB_RUN_ATTEMPT" >> "$GITHUB_OUTPUT"
              - id: anon_probe
                run: echo "action=$GITHUB_ACTION" >> "$GITHUB_OUTPUT"
              - run: exit 1
              - id: post_like
                if: always()
                run: echo "status=${{ job.status }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.step("the_job", "ctx")["outputs"] == {
        "temp": "false",  # env context holds only env: keys and GITHUB_ENV, not RUNNER_TEMP
        "temp_proc": "ok",
        "os": "Linux|Linux",
        "ws": "ok",  # run steps start in github.workspace
        "action": "ctx|ctx",  # github.action: "the id of the current step"
        "job": "the_job|the_job",  # github.job: "The job_id of the current job"
        "attempt": "1|1",  # run_attempt "begins with 1"
    }
    assert r.step("the_job", "anon_probe")["outputs"] == {"action": "anon_probe"}
    # job.status: "The current status of the job" -- failure after a failed step
    assert r.step("the_job", "post_like")["outputs"] == {"status": "failure"}


def test_working_directory_missing_fails_step(repo: Repo) -> None:
    # jobs.<id>.steps[*].working-directory; the runner fails the step when the directory
    # does not exist ("No such file or directory"); later always() steps still run.
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: bad
                working-directory: does/not/exist
                run: echo hi
              - id: never
                run: echo no
              - id: always
                if: always()
                run: echo "o=${{ steps.bad.outcome }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.step("j", "bad")["conclusion"] == "failure"
    assert r.step("j", "never")["conclusion"] == "skipped"
    assert r.step("j", "always")["outputs"] == {"o": "failure"}


def test_job_defaults_working_directory_from_matrix(repo: Repo) -> None:
    # jobs.<job_id>.defaults.run may use the matrix context (docs "Context availability")
    repo.write("a/marker.txt", "A\n")
    repo.write("b/marker.txt", "B\n")
    repo.workflow(
        """
        on: push
        jobs:
          j:
            strategy:
              matrix:
                dir: [a, b]
            defaults:
              run:
                working-directory: ${{ matrix.dir }}
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: s
                run: echo "m=$(cat marker.txt)" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("j", "s", dir="a")["outputs"] == {"m": "A"}
    assert r.step("j", "s", dir="b")["outputs"] == {"m": "B"}
