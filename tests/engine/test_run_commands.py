"""Workflow commands on stdout, seen end to end.

Rules: docs "Workflow commands for GitHub Actions" (add-mask, group/endgroup,
error/warning/notice annotations with file/line, stop-commands, the disabled
set-env/add-path commands) and actions/runner ActionCommandManager.cs (a disabled
command fails the step: "Unable to process command ... successfully").
"""

from __future__ import annotations

from tests.harness import RunWorkflow


def test_add_mask_hides_value_everywhere(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  V="p4ss-$((6*7))-word"
                  echo "::add-mask::$V"
                  echo "the value is $V"
                  echo "out=$V" >> "$GITHUB_OUTPUT"
                  echo "summary $V" >> "$GITHUB_STEP_SUMMARY"
              - run: echo "later p4ss-42-word"
        """
    )
    assert r.code == 0
    assert "p4ss-42-word" not in r.all_text()
    assert "the value is ***" in r.out
    assert "later ***" in r.logs


def test_group_and_endgroup(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - name: grouped
                run: |
                  echo "::group::My Group Title"
                  echo inside-group
                  echo "::endgroup::"
                  echo outside-group
        """
    )
    assert r.code == 0
    assert "My Group Title" in r.out
    assert "::group::" not in r.out
    assert "outside-group" in r.out
    # folded on screen, but every line reaches the log file
    assert "inside-group" in r.logs


def test_failed_step_unfolds_group(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "::group::details"
                  echo context-of-failure
                  exit 1
        """
    )
    assert r.code == 1
    assert "context-of-failure" in r.out


def test_error_annotation(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - name: annotate
                run: |
                  echo "::error file=a.py,line=3::something broke"
                  echo "::warning title=Careful::watch out"
                  echo "::notice::fyi"
        """
    )
    # an error annotation alone does not fail the step
    assert r.code == 0
    assert "Error: a.py:3: something broke" in r.out
    assert "Warning: Careful: watch out" in r.out
    assert "Notice: fyi" in r.out
    assert "::error" not in r.out


def test_stop_commands(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "::stop-commands::pause-token-123"
                  echo "::add-mask::notmasked"
                  echo "::error::not-an-annotation"
                  echo "visible notmasked"
                  echo "::pause-token-123::"
                  echo "::error::real-annotation"
        """
    )
    assert r.code == 0
    assert "visible notmasked" in r.out
    assert "::error::not-an-annotation" in r.out
    assert "Error: not-an-annotation" not in r.out
    assert "Error: real-annotation" in r.out


def test_set_env_command_fails_step(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "::set-env name=FOO::bar"
                  echo still-running
              - id: t
                if: always()
                run: echo "foo=[${FOO:-}]" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 1
    assert r.step("j", "s")["outcome"] == "failure"
    assert "still-running" in r.out  # the process runs on; the step fails at the end
    assert "Unable to process command '::set-env name=FOO::bar' successfully." in r.out
    assert "The `set-env` command is disabled." in r.out
    assert r.outputs("j", "t") == {"foo": "[]"}


def test_add_path_command_fails_step(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "::add-path::/opt/x"
        """
    )
    assert r.code == 1
    assert "The `add-path` command is disabled." in r.out


def test_set_output_command_still_works(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "::set-output name=legacy::value1"
        """
    )
    assert r.code == 0
    assert r.outputs("j", "s") == {"legacy": "value1"}
    assert "The `set-output` command is deprecated" in r.out
