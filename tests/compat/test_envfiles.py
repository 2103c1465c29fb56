"""Environment files, from "Workflow commands" (Setting an environment variable, Multiline
strings `{name}<<{delimiter}`, Setting an output parameter, Adding a system path, job
summaries) and "Store information in variables"."""

from __future__ import annotations

from tests.harness import Repo


def test_github_env_output_path_multiline(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        env:
          WF: workflow
          OVERRIDE: from-workflow
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              JOBV: job
            outputs:
              multi: ${{ steps.out.outputs.multi }}
              single: ${{ steps.out.outputs.single }}
            steps:
              - id: set
                run: |
                  echo "ACTION_STATE=yellow" >> "$GITHUB_ENV"
                  echo "OVERRIDE=from-env-file" >> "$GITHUB_ENV"
                  {
                    echo 'JSON_RESPONSE<<EOF'
                    printf 'line1\\nline2 = x\\n'
                    echo EOF
                  } >> "$GITHUB_ENV"
                  mkdir -p "$RUNNER_TEMP/bin"
                  printf '#!/bin/sh\\necho hi-from-path\\n' > "$RUNNER_TEMP/bin/mytool"
                  chmod +x "$RUNNER_TEMP/bin/mytool"
                  echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
                  echo "not-yet=${ACTION_STATE:-unset}" >> "$GITHUB_OUTPUT"
              - id: read
                env:
                  STEPV: step
                run: |
                  echo "state=$ACTION_STATE" >> "$GITHUB_OUTPUT"
                  echo "ctx=${{ env.ACTION_STATE }}" >> "$GITHUB_OUTPUT"
                  echo "override=$OVERRIDE" >> "$GITHUB_OUTPUT"
                  echo "levels=$WF/$JOBV/$STEPV" >> "$GITHUB_OUTPUT"
                  echo "tool=$(mytool)" >> "$GITHUB_OUTPUT"
                  {
                    echo "json<<XYZ"
                    echo "$JSON_RESPONSE"
                    echo "XYZ"
                  } >> "$GITHUB_OUTPUT"
              - id: out
                run: |
                  echo "single=a=b=c" >> "$GITHUB_OUTPUT"
                  {
                    echo "multi<<ghadelimiter_123"
                    echo "first"
                    echo ""
                    echo "third"
                    echo "ghadelimiter_123"
                  } >> "$GITHUB_OUTPUT"
              - id: step_env_wins
                env:
                  OVERRIDE: from-step
                run: echo "o=$OVERRIDE" >> "$GITHUB_OUTPUT"
          k:
            needs: j
            runs-on: ubuntu-latest
            steps:
              - id: s
                env:
                  M: ${{ needs.j.outputs.multi }}
                run: |
                  echo "single=${{ needs.j.outputs.single }}" >> "$GITHUB_OUTPUT"
                  echo "lines=$(printf '%s' "$M" | wc -l | tr -d ' ')" >> "$GITHUB_OUTPUT"
                  echo "st=${ACTION_STATE:-unset}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    # "The step that creates or updates the environment variable does not have access to
    # the new value, but all subsequent steps in a job will have access."
    assert r.step("j", "set")["outputs"] == {"not-yet": "unset"}
    read = r.step("j", "read")["outputs"]
    assert read["state"] == "yellow"
    assert read["ctx"] == "yellow"
    # GITHUB_ENV overrides the workflow-level env for later steps
    assert read["override"] == "from-env-file"
    assert read["levels"] == "workflow/job/step"
    assert read["tool"] == "hi-from-path"
    assert read["json"] == "line1\nline2 = x"
    out = r.step("j", "out")["outputs"]
    assert out == {"single": "a=b=c", "multi": "first\n\nthird"}
    # a step's own env: wins over GITHUB_ENV? GitHub: GITHUB_ENV values are overridden by step env
    assert r.step("j", "step_env_wins")["outputs"] == {"o": "from-step"}
    assert r.job("j")["outputs"] == {"multi": "first\n\nthird", "single": "a=b=c"}
    assert r.step("k", "s")["outputs"] == {"single": "a=b=c", "lines": "2", "st": "unset"}


def test_output_number_formatting_through_github_output(repo: Repo) -> None:
    # Expressions: Number cast to string "Decimal format, exponential for large numbers";
    # values interpolated into a run script and written to $GITHUB_OUTPUT are strings.
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            outputs:
              one: ${{ steps.n.outputs.one }}
              cmp: ${{ steps.n.outputs.tenth == 0.1 }}
            steps:
              - id: n
                run: |
                  echo "one=${{ 1.0 }}" >> "$GITHUB_OUTPUT"
                  echo "tenth=${{ 0.1 }}" >> "$GITHUB_OUTPUT"
                  echo "big=${{ 1e21 }}" >> "$GITHUB_OUTPUT"
                  echo "small=${{ 0.00001 }}" >> "$GITHUB_OUTPUT"
                  echo "int=${{ 100000000000000 }}" >> "$GITHUB_OUTPUT"
                  echo "sum=${{ fromJSON('[1.50]')[0] }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    out = r.step("j", "n")["outputs"]
    assert out["one"] == "1"
    assert out["tenth"] == "0.1"
    assert out["big"] == "1E+21"
    assert out["int"] == "100000000000000"
    assert out["sum"] == "1.5"
    # steps outputs are strings; '0.1' == 0.1 coerces the string to a number
    assert r.job("j")["outputs"] == {"one": "1", "cmp": "true"}


def test_step_summary_and_state(repo: Repo) -> None:
    # GITHUB_STEP_SUMMARY is per step; errors in env file syntax fail the step? (not tested)
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "### Hello" >> "$GITHUB_STEP_SUMMARY"
                  test -f "$GITHUB_STEP_SUMMARY" && echo "ok=1" >> "$GITHUB_OUTPUT"
                  echo "::set-output name=legacy::old-style"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("j", "s")["outputs"] == {"ok": "1", "legacy": "old-style"}
