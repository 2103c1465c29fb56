"""Local composite actions through real workflows.

Rules checked against GitHub's docs ("Creating a composite action", "Metadata syntax for
GitHub Actions": inputs/outputs/runs for composite actions) and actions/runner
(CompositeActionHandler.cs, ActionManifestManager.cs): `shell` is required on `run` steps,
outputs need `value`, `github.action_path` / GITHUB_ACTION_PATH name the action's
directory, `./path` inside a composite is relative to the workspace, a failing inner step
fails the composite step.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.actions.conftest_git import Project, make_project


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    return make_project(tmp_path, monkeypatch, capsys)


GREET_ACTION = """
name: Greet
inputs:
  who:
    description: who to greet
    required: true
  greeting:
    default: Hello
  where:
    default: ${{ github.ref }}
outputs:
  message:
    description: the greeting
    value: ${{ steps.compose.outputs.message }}
  path-seen:
    value: ${{ steps.paths.outputs.same }}
  skipped-outcome:
    value: ${{ steps.never.outcome }}
runs:
  using: composite
  steps:
    - id: compose
      shell: bash
      env:
        INNER_ENV: inner-${{ inputs.who }}
      run: |
        msg="${{ inputs.greeting }}, ${{ inputs.who }} at ${{ inputs.where }}"
        echo "message=$msg" >> "$GITHUB_OUTPUT"
        echo "inner env is $INNER_ENV"
        echo "outer env is $OUTER_ENV"
    - id: paths
      shell: bash
      run: |
        echo "action_path=${{ github.action_path }}"
        echo "env_path=$GITHUB_ACTION_PATH"
        test "${{ github.action_path }}" = "$GITHUB_ACTION_PATH" && echo same=yes >> $GITHUB_OUTPUT
        cat "$GITHUB_ACTION_PATH/data.txt"
    - id: never
      if: inputs.greeting == 'nope'
      shell: bash
      run: echo never-printed
    - shell: bash
      if: steps.never.outcome == 'skipped'
      run: echo "INNER_EXPORT=from-composite" >> "$GITHUB_ENV"
"""

CHECKOUT_THEN = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""


def test_composite_inputs_outputs_paths_env_and_if(project: Project) -> None:
    project.write(
        {
            ".github/actions/greet/action.yml": GREET_ACTION,
            ".github/actions/greet/data.txt": "data-file-contents\n",
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: greet
        uses: ./.github/actions/greet
        env:
          OUTER_ENV: outer-value
        with:
          who: ${{ github.event_name }}-world
      - id: after
        run: |
          echo "got ${{ steps.greet.outputs.message }}"
          echo "exported=$INNER_EXPORT"
          echo "ctx=${{ env.INNER_EXPORT }}"
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    step = r.step("build", "greet")
    assert step["outcome"] == "success"
    outputs = step["outputs"]
    assert outputs["message"] == "Hello, push-world at refs/heads/main"
    assert outputs["path-seen"] == "yes"
    assert outputs["skipped-outcome"] == "skipped"
    action_dir = str(project.root / ".github" / "actions" / "greet")
    logs = r.logs
    assert "inner env is inner-push-world" in logs
    assert "outer env is outer-value" in logs
    assert "data-file-contents" in logs
    assert "never-printed" not in logs
    assert "got Hello, push-world at refs/heads/main" in logs
    assert "exported=from-composite" in logs
    assert "ctx=from-composite" in logs
    # the action runs from the job's workspace checkout, not from the repository itself
    paths = [x for x in logs.splitlines() if "action_path=/" in x and "${{" not in x]
    assert paths and paths[0].endswith("/.github/actions/greet"), paths
    assert action_dir not in paths[0]


def test_composite_run_step_without_shell_fails_the_step(project: Project) -> None:
    project.write(
        {
            "act/action.yml": """
                name: no shell
                runs:
                  using: composite
                  steps:
                    - run: echo hi
            """
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: bad
        uses: ./act
      - if: failure()
        run: echo recovered
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.step("build", "bad")["outcome"] == "failure"
    assert "shell" in r.logs
    assert "recovered" in r.logs


def test_failing_inner_step_fails_outer_step_and_skips_rest(project: Project) -> None:
    project.write(
        {
            "act/action.yml": """
                name: fails
                outputs:
                  first:
                    value: ${{ steps.one.outputs.v }}
                  status:
                    value: ${{ steps.two.outcome }}
                runs:
                  using: composite
                  steps:
                    - id: one
                      shell: bash
                      run: echo "v=1" >> "$GITHUB_OUTPUT"
                    - id: two
                      shell: bash
                      run: |
                        echo about-to-fail
                        exit 7
                    - shell: bash
                      run: echo inner-after-failure
                    - shell: bash
                      if: failure()
                      run: echo inner-failure-handler
                    - shell: bash
                      if: always()
                      run: echo inner-always
            """
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: comp
        uses: ./act
      - run: echo outer-next
      - if: failure()
        run: echo "outer saw ${{ steps.comp.outcome }} first=${{ steps.comp.outputs.first }}"
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.job("build")["conclusion"] == "failure"
    comp = r.step("build", "comp")
    assert comp["outcome"] == "failure"
    assert comp["outputs"].get("status") == "failure"
    logs = r.logs
    assert "about-to-fail" in logs
    assert "exit code 7" in logs
    assert "inner-after-failure" not in logs
    assert "inner-failure-handler" in logs
    assert "inner-always" in logs
    assert "outer-next" not in logs
    assert "outer saw failure first=1" in logs


def test_failing_composite_with_continue_on_error(project: Project) -> None:
    project.write(
        {
            "act/action.yml": """
                name: fails
                runs:
                  using: composite
                  steps:
                    - shell: bash
                      run: exit 1
            """
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: comp
        uses: ./act
        continue-on-error: true
      - run: >-
          echo "next ran outcome=${{ steps.comp.outcome }}
          conclusion=${{ steps.comp.conclusion }}"
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert "next ran outcome=failure conclusion=success" in r.logs


def test_nested_composite_via_workspace_path(project: Project) -> None:
    project.write(
        {
            "actions/inner/action.yml": """
                name: inner
                inputs:
                  n:
                    default: "1"
                outputs:
                  doubled:
                    value: ${{ steps.calc.outputs.doubled }}
                runs:
                  using: composite
                  steps:
                    - id: calc
                      shell: bash
                      run: |
                        echo "inner sees action_path ${{ github.action_path }}"
                        echo "doubled=$(( ${{ inputs.n }} * 2 ))" >> "$GITHUB_OUTPUT"
            """,
            "actions/outer/action.yml": """
                name: outer
                inputs:
                  n:
                    required: true
                outputs:
                  result:
                    value: ${{ steps.in.outputs.doubled }}-${{ steps.after.outputs.path }}
                runs:
                  using: composite
                  steps:
                    - id: in
                      uses: ./actions/inner
                      with:
                        n: ${{ inputs.n }}
                    - id: after
                      shell: sh
                      run: echo "path=$(basename "$GITHUB_ACTION_PATH")" >> "$GITHUB_OUTPUT"
            """,
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: nest
        uses: ./actions/outer
        with:
          n: 21
      - run: echo "nested=${{ steps.nest.outputs.result }}"
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert r.step("build", "nest")["outputs"]["result"] == "42-outer"
    assert "nested=42-outer" in r.logs
    assert "inner sees action_path " in r.logs
    line = next(x for x in r.logs.splitlines() if "inner sees action_path /" in x)
    assert line.endswith("/actions/inner")


def test_local_action_before_checkout_fails_clearly(project: Project) -> None:
    project.write({"act/action.yml": "name: x\nruns:\n  using: composite\n  steps: []\n"})
    project.workflow(
        """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: early
        uses: ./act
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.step("build", "early")["outcome"] == "failure"
    assert "Did you forget to run actions/checkout" in r.logs


def test_unexpected_input_warns_and_missing_required_input_is_empty(project: Project) -> None:
    project.write(
        {
            "act/action.yml": """
                name: x
                inputs:
                  needed:
                    required: true
                runs:
                  using: composite
                  steps:
                    - shell: bash
                      run: echo "needed=[${{ inputs.needed }}]"
            """
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - uses: ./act
        with:
          bogus: 1
"""
    )
    r = project.run()
    assert r.code == 0, r.text()
    assert "Unexpected input(s) 'bogus'" in r.logs
    assert "needed=[]" in r.logs


def test_composite_timeout_fails_the_step_not_the_job_token(project: Project) -> None:
    project.write(
        {
            "slow/action.yml": """
                name: slow
                runs:
                  using: composite
                  steps:
                    - shell: bash
                      run: |
                        echo slow-started
                        sleep 30
                        echo slow-finished
            """
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: slow
        uses: ./slow
        timeout-minutes: 0.02
      - if: failure()
        run: echo "after-timeout outcome=${{ steps.slow.outcome }} job=${{ job.status }}"
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.job("build")["conclusion"] == "failure"
    assert r.step("build", "slow")["outcome"] == "failure"
    logs = r.logs
    assert "slow-started" in logs
    assert "slow-finished" not in logs
    assert "The action has timed out after 0.02 minutes" in logs
    # the job was not cancelled: only the step failed
    assert "after-timeout outcome=failure job=failure" in logs


def test_recursive_composite_stops_at_max_depth(project: Project) -> None:
    project.write(
        {
            "loop/action.yml": """
                name: loop
                runs:
                  using: composite
                  steps:
                    - shell: bash
                      run: echo loop-level
                    - uses: ./loop
            """
        }
    )
    project.workflow(
        CHECKOUT_THEN
        + """
      - id: loop
        uses: ./loop
"""
    )
    r = project.run()
    assert r.code == 1
    assert r.step("build", "loop")["outcome"] == "failure"
    assert "composite action depth exceeded max depth 9" in r.logs
    printed = [x for x in r.logs.splitlines() if x.endswith(" loop-level") and "Run " not in x]
    assert len(printed) == 9
