# ruff: noqa: E501
"""Reusable workflows ("Reuse workflows"): `on.workflow_call` inputs/secrets/outputs,
`jobs.<id>.uses`, `with`, `secrets: inherit` ("Use the inherit keyword to pass all the
calling workflow's secrets to the called workflow"), "Using outputs from a reusable workflow"."""

from __future__ import annotations

import json

from tests.harness import Repo


def _called(repo: Repo) -> None:
    repo.workflow(
        """
        name: Reusable workflow
        on:
          workflow_call:
            inputs:
              config-path:
                required: true
                type: string
              flag:
                type: boolean
                default: true
              num:
                type: number
                default: 3
            secrets:
              personal_access_token:
                required: false
            outputs:
              firstword:
                description: "The first output string"
                value: ${{ jobs.example_job.outputs.output1 }}
              secondword:
                description: "The second output string"
                value: ${{ jobs.example_job.outputs.output2 }}
        jobs:
          example_job:
            name: Generate output
            runs-on: ubuntu-latest
            outputs:
              output1: ${{ steps.step1.outputs.firstword }}
              output2: ${{ steps.step2.outputs.secondword }}
            steps:
              - id: step1
                run: echo "firstword=hello" >> $GITHUB_OUTPUT
              - id: step2
                run: echo "secondword=world" >> $GITHUB_OUTPUT
              - id: inputs
                env:
                  TOK: ${{ secrets.personal_access_token }}
                  OTHER: ${{ secrets.OTHER_SECRET }}
                run: |
                  echo "cfg=${{ inputs.config-path }}" >> "$GITHUB_OUTPUT"
                  echo "types=${{ inputs.flag == true }},${{ inputs.num == 3 }}" >> "$GITHUB_OUTPUT"
                  echo "tok=${#TOK}" >> "$GITHUB_OUTPUT"
                  echo "other=${#OTHER}" >> "$GITHUB_OUTPUT"
                  echo "event=${{ github.event_name }}" >> "$GITHUB_OUTPUT"
        """,
        "reusable.yml",
    )


def test_reusable_outputs_inputs_and_secrets(repo: Repo) -> None:
    _called(repo)
    repo.workflow(
        """
        name: Call a reusable workflow and use its outputs
        on: push
        jobs:
          job1:
            uses: ./.github/workflows/reusable.yml
            with:
              config-path: .github/labeler.yml
            secrets:
              personal_access_token: ${{ secrets.token }}
          job2:
            runs-on: ubuntu-latest
            needs: job1
            steps:
              - id: s
                run: echo "words=${{ needs.job1.outputs.firstword }} ${{ needs.job1.outputs.secondword }}" >> "$GITHUB_OUTPUT"
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run("push", "--secret", "token=abcdef", "--secret", "OTHER_SECRET=zz")
    assert r.code == 0, r.output
    # the called workflow is not triggered on its own by push
    wf = r.workflow("caller.yml")
    assert wf["name"] == "Call a reusable workflow and use its outputs"
    job1 = r.job("job1", "caller.yml")
    assert job1["conclusion"] == "success"
    assert job1["outputs"] == {"firstword": "hello", "secondword": "world"}
    nested = job1["jobs"]
    assert [j["id"] for j in nested] == ["example_job"]
    inner = {s["id"]: s for s in nested[0]["steps"]}
    assert inner["inputs"]["outputs"] == {
        "cfg": ".github/labeler.yml",
        "types": "true,true",
        "tok": "6",
        "other": "0",  # not passed: only explicitly mapped secrets reach the called workflow
        "event": "push",  # "github context ... associated with the caller workflow"
    }
    assert r.step("job2", "s", "caller.yml")["outputs"] == {"words": "hello world"}
    assert "abcdef" not in json.dumps(r.report)


def test_reusable_secrets_inherit_and_matrix_caller(repo: Repo) -> None:
    _called(repo)
    repo.workflow(
        """
        on: push
        jobs:
          call:
            strategy:
              matrix:
                cfg: [a, b]
            uses: ./.github/workflows/reusable.yml
            with:
              config-path: ${{ matrix.cfg }}
              flag: false
            secrets: inherit
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run("push", "--secret", "OTHER_SECRET=zz", "--secret", "personal_access_token=1234")
    assert r.code == 0, r.output
    calls = [j for j in r.jobs(wf="caller.yml") if j["id"] == "call"]
    assert len(calls) == 2
    for call, cfg in zip(calls, ["a", "b"], strict=True):
        inner = {s["id"]: s for s in call["jobs"][0]["steps"]}
        assert inner["inputs"]["outputs"]["cfg"] == cfg
        assert inner["inputs"]["outputs"]["types"] == "false,true"
        assert inner["inputs"]["outputs"]["other"] == "2"
        assert inner["inputs"]["outputs"]["tok"] == "4"


def test_reusable_failure_propagates(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          workflow_call:
        jobs:
          inner:
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
        """,
        "failing.yml",
    )
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/failing.yml
          after:
            needs: call
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=${{ needs.call.result }}" >> "$GITHUB_OUTPUT"
        """,
        "caller.yml",
    )
    repo.commit()
    r = repo.run()
    assert r.code == 1, r.output
    assert r.job("call", "caller.yml")["conclusion"] == "failure"
    assert r.step("after", "s", "caller.yml")["outputs"] == {"r": "failure"}
