# ruff: noqa: E501
"""Round 2: reusable workflows, advanced.

Docs: "Reuse workflows" (nesting: "connect a maximum of ten levels"; "Passing secrets to
nested workflows": secrets: inherit at each level; "Using a matrix strategy with a
reusable workflow"; "Using outputs from a reusable workflow": with a matrix, "the output
will be the output set by the last successful completing reusable workflow of the matrix
which actually sets a value"); workflow syntax `on.workflow_call.inputs.<id>.required`."""

from __future__ import annotations

import json

from tests.harness import Repo

LEAF = """
on:
  workflow_call:
    inputs:
      flag:
        type: boolean
        required: true
      word:
        type: string
        default: ""
    outputs:
      said:
        value: ${{ jobs.leaf.outputs.said }}
jobs:
  leaf:
    runs-on: ubuntu-latest
    outputs:
      said: ${{ steps.s.outputs.said }}
    steps:
      - id: s
        env:
          SEC: ${{ secrets.DEEP }}
        run: |
          echo "said=${{ inputs.word }}" >> "$GITHUB_OUTPUT"
          echo "flag=${{ inputs.flag == true }}|${{ inputs.flag }}" >> "$GITHUB_OUTPUT"
          echo "sec=${#SEC}" >> "$GITHUB_OUTPUT"
          echo "event=${{ github.event_name }}" >> "$GITHUB_OUTPUT"
"""

MIDDLE = """
on:
  workflow_call:
    outputs:
      said:
        value: ${{ jobs.inner.outputs.said }}
jobs:
  inner:
    uses: ./.github/workflows/leaf.yml
    with:
      flag: ${{ github.event_name == 'push' }}
      word: deep
    secrets: inherit
"""


def test_nested_two_levels_inherit_boolean_expression_and_needs_outputs(repo: Repo) -> None:
    repo.workflow(LEAF, "leaf.yml")
    repo.workflow(MIDDLE, "middle.yml")
    repo.workflow(
        """
        on: push
        jobs:
          outer:
            uses: ./.github/workflows/middle.yml
            secrets: inherit
          after:
            needs: outer
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "got=${{ needs.outer.outputs.said }}|${{ needs.outer.result }}" >> "$GITHUB_OUTPUT"
          skipped_call:
            if: false
            uses: ./.github/workflows/middle.yml
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run("push", "--secret", "DEEP=abcdefg")
    assert r.code == 0, r.output
    outer = r.job("outer", "caller.yml")
    assert outer["conclusion"] == "success"
    assert outer["outputs"] == {"said": "deep"}
    inner = outer["jobs"][0]
    assert inner["id"] == "inner" and inner["conclusion"] == "success"
    leaf = inner["jobs"][0]
    steps = {s["id"]: s for s in leaf["steps"]}
    assert steps["s"]["outputs"] == {
        "said": "deep",
        "flag": "true|true",  # a boolean input given as an expression stays a boolean
        "sec": "7",  # secrets: inherit through both levels
        "event": "push",  # the github context is the caller's
    }
    assert r.step("after", "s", "caller.yml")["outputs"] == {"got": "deep|success"}
    # jobs.<id>.if false on a calling job: the job is skipped
    assert r.job("skipped_call", "caller.yml")["conclusion"] == "skipped"
    assert r.workflow("caller.yml")["conclusion"] == "success"
    assert "abcdefg" not in json.dumps(r.report)


def test_missing_required_input_fails(repo: Repo) -> None:
    repo.workflow(LEAF, "leaf.yml")
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/leaf.yml
            with:
              word: hi
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run()
    # GitHub rejects the run: "Input flag is required, but not provided while calling."
    assert r.code == 1, r.output
    assert r.workflow("caller.yml")["conclusion"] == "failure"
    assert "flag" in r.output and "required" in r.output


def test_matrix_caller_output_is_last_one_that_sets_a_value(repo: Repo) -> None:
    repo.workflow(LEAF, "leaf.yml")
    repo.workflow(
        """
        on: push
        jobs:
          call:
            strategy:
              matrix:
                word: [first, ""]
            uses: ./.github/workflows/leaf.yml
            with:
              flag: false
              word: ${{ matrix.word }}
          after:
            needs: call
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "got=${{ needs.call.outputs.said }}" >> "$GITHUB_OUTPUT"
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert len([j for j in r.jobs(wf="caller.yml") if j["id"] == "call"]) == 2
    # only one combination "actually sets a value": whatever the finishing order, it wins
    assert r.step("after", "s", "caller.yml")["outputs"] == {"got": "first"}


def test_workflow_call_output_from_matrix_job(repo: Repo) -> None:
    # "Using Job Outputs in a Matrix Job": "job outputs will be combined from all jobs
    # inside the matrix"
    repo.workflow(
        """
        on:
          workflow_call:
            outputs:
              all:
                value: ${{ jobs.m.outputs.out_1 }}-${{ jobs.m.outputs.out_2 }}
        jobs:
          m:
            strategy:
              matrix:
                v: [1, 2]
            runs-on: ubuntu-latest
            outputs:
              out_1: ${{ steps.g.outputs.out_1 }}
              out_2: ${{ steps.g.outputs.out_2 }}
            steps:
              - id: g
                run: echo "out_${{ matrix.v }}=v${{ matrix.v }}" >> "$GITHUB_OUTPUT"
        """,
        "called.yml",
    )
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/called.yml
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.job("call", "caller.yml")["outputs"] == {"all": "v1-v2"}
