"""Reusable workflows called with `jobs.<id>.uses: ./.github/workflows/x.yml`.

Rules: docs "Reusing workflows" (typed `with` inputs with defaults, `secrets:` mapping or
`secrets: inherit`, outputs mapped from `jobs.<job_id>.outputs`, the caller's result
follows the called workflow's jobs, `needs.<caller>.outputs` in later jobs).
"""

from __future__ import annotations

from tests.harness import Repo

CALLED = """
on:
  workflow_call:
    inputs:
      who:
        type: string
        required: true
      count:
        type: number
        default: 3
      loud:
        type: boolean
        default: false
    secrets:
      token:
        required: true
    outputs:
      greeting:
        value: ${{ jobs.greet.outputs.text }}
jobs:
  greet:
    runs-on: ubuntu-latest
    outputs:
      text: ${{ steps.g.outputs.text }}
    steps:
      - id: g
        env:
          TOK: ${{ secrets.token }}
        run: |
          T="hello ${{ inputs.who }} x${{ inputs.count }} loud=${{ inputs.loud }}"
          echo "text=$T" >> "$GITHUB_OUTPUT"
          echo "typed=${{ inputs.count == 3 }}/${{ inputs.loud == false }}" >> "$GITHUB_OUTPUT"
          echo "toklen=${#TOK}" >> "$GITHUB_OUTPUT"
          echo "token is $TOK"
"""


def test_call_with_inputs_secrets_outputs(repo: Repo) -> None:
    repo.workflow(CALLED, name="called.yml")
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/called.yml
            with:
              who: world
            secrets:
              token: ${{ secrets.MY_TOKEN }}
          after:
            needs: call
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "g=${{ needs.call.outputs.greeting }}" >> "$GITHUB_OUTPUT"
                  echo "r=${{ needs.call.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    r = repo.run("-W", ".github/workflows/ci.yml", "--secret", "MY_TOKEN=tok-value-12345")
    assert r.code == 0, r.out + r.err
    call = r.job("call")
    assert call["conclusion"] == "success"
    assert call["outputs"] == {"greeting": "hello world x3 loud=false"}
    nested = call["jobs"]
    assert [j["id"] for j in nested] == ["greet"]
    assert nested[0]["steps"][0]["outputs"]["typed"] == "true/true"
    assert nested[0]["steps"][0]["outputs"]["toklen"] == str(len("tok-value-12345"))
    assert r.outputs("after", "s") == {"g": "hello world x3 loud=false", "r": "success"}
    assert "tok-value-12345" not in r.all_text()


def test_call_with_secrets_inherit(repo: Repo) -> None:
    repo.workflow(
        """
        on: workflow_call
        jobs:
          inner:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "has=${{ secrets.DEPLOY_KEY != '' }}" >> "$GITHUB_OUTPUT"
        """,
        name="inherit.yml",
    )
    repo.workflow(
        """
        on: push
        jobs:
          inherit:
            uses: ./.github/workflows/inherit.yml
            secrets: inherit
          explicit_none:
            uses: ./.github/workflows/inherit.yml
        """
    )
    r = repo.run("-W", ".github/workflows/ci.yml", "--secret", "DEPLOY_KEY=k-999-secret")
    assert r.code == 0, r.out
    assert r.job("inherit")["jobs"][0]["steps"][0]["outputs"] == {"has": "true"}
    # without `secrets:` the called workflow sees no secrets
    assert r.job("explicit_none")["jobs"][0]["steps"][0]["outputs"] == {"has": "false"}


def test_failing_called_job_fails_caller(repo: Repo) -> None:
    repo.workflow(
        """
        on: workflow_call
        jobs:
          boom:
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          fine:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """,
        name="boom.yml",
    )
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/boom.yml
          next:
            needs: call
            runs-on: ubuntu-latest
            steps:
              - run: echo next
          report:
            needs: call
            if: always()
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "r=${{ needs.call.result }}" >> "$GITHUB_OUTPUT"
        """
    )
    r = repo.run("-W", ".github/workflows/ci.yml")
    assert r.code == 1
    assert r.job("call")["conclusion"] == "failure"
    nested = {j["id"]: j["conclusion"] for j in r.job("call")["jobs"]}
    assert nested == {"boom": "failure", "fine": "success"}
    assert r.job("next")["conclusion"] == "skipped"
    assert r.outputs("report", "s") == {"r": "failure"}


def test_call_missing_required_input_fails(repo: Repo) -> None:
    repo.workflow(CALLED, name="called.yml")
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/called.yml
            secrets:
              token: x
        """
    )
    r = repo.run("-W", ".github/workflows/ci.yml")
    assert r.code in (1, 2)
    if r.code == 1:
        assert r.job("call")["conclusion"] == "failure"


def test_call_with_matrix_strategy(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          workflow_call:
            inputs:
              v:
                type: string
                required: true
        jobs:
          inner:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "v=${{ inputs.v }}" >> "$GITHUB_OUTPUT"
        """,
        name="m.yml",
    )
    repo.workflow(
        """
        on: push
        jobs:
          call:
            strategy:
              matrix:
                v: [a, b]
            uses: ./.github/workflows/m.yml
            with:
              v: ${{ matrix.v }}
        """
    )
    r = repo.run("-W", ".github/workflows/ci.yml")
    assert r.code == 0, r.out
    calls = r.jobs("call")
    assert [c["matrix"] for c in calls] == [{"v": "a"}, {"v": "b"}]
    assert [c["jobs"][0]["steps"][0]["outputs"]["v"] for c in calls] == ["a", "b"]
