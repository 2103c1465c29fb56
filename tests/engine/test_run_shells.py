"""Shells, working-directory, defaults.run, env precedence and the environment files.

Rules: docs "Workflow syntax > jobs.<job_id>.steps[*].shell" (unspecified: `bash -e {0}`,
`bash`: `bash --noprofile --norc -eo pipefail {0}`, `sh -e {0}`, `python {0}`, custom
`command {0}`), github/docs#18933 (pipefail only with explicit `shell: bash`),
"defaults.run" (job defaults override workflow defaults), "Variables" (step env wins
over job env, which wins over workflow env), "Workflow commands > Environment files"
(GITHUB_ENV applies to later steps, GITHUB_PATH prepends, multiline `NAME<<DELIM`,
GITHUB_STEP_SUMMARY).
"""

from __future__ import annotations

import shutil

import pytest

from tests.harness import Repo, RunWorkflow


def test_default_shell_has_no_pipefail(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - id: default
                run: |
                  false | true
                  echo "opts=$-" >> "$GITHUB_OUTPUT"
              - id: explicit
                shell: bash
                continue-on-error: true
                run: |
                  false | true
                  echo reached
        """
    )
    assert r.step("a", "default")["outcome"] == "success"
    assert "e" in r.outputs("a", "default")["opts"]
    assert r.step("a", "explicit")["outcome"] == "failure"
    assert "reached" not in r.out


def test_default_shell_stops_on_first_error(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  false
                  echo after-false
        """
    )
    assert r.code == 1
    assert "after-false" not in r.out


def test_sh_python_and_custom_shells(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - id: sh
                shell: sh
                run: echo "kind=sh" >> "$GITHUB_OUTPUT"
              - id: py
                shell: python
                run: |
                  import os, sys
                  with open(os.environ["GITHUB_OUTPUT"], "a") as f:
                      f.write(f"ext={os.path.splitext(sys.argv[0])[1]}\\n")
              - id: xtrace
                shell: bash -x {0}
                run: echo traced-line
              - id: nofail
                shell: bash {0}
                run: |
                  false
                  echo "went-on=yes" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0, r.out
    assert r.outputs("a", "sh") == {"kind": "sh"}
    assert r.outputs("a", "py") == {"ext": ".py"}
    assert "+ echo traced-line" in r.out
    # a custom template replaces the default -e: the script goes on after `false`
    assert r.outputs("a", "nofail") == {"went-on": "yes"}


@pytest.mark.skipif(shutil.which("perl") is None, reason="perl is not installed")
def test_custom_perl_shell(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - shell: perl {0}
                run: print "perl says " . (2 * 21) . "\\n";
        """
    )
    assert r.code == 0
    assert "perl says 42" in r.out


def test_python_shell_failure(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - shell: python
                run: raise SystemExit(4)
        """
    )
    assert r.code == 1
    assert "exit code 4" in r.out


def test_workspace_is_cwd_and_working_directory(repo: Repo) -> None:
    repo.write("sub/dir/marker.txt", "x")
    repo.workflow(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: ws
                run: |
                  echo "pwd=$(pwd)" >> "$GITHUB_OUTPUT"
                  echo "ws=$GITHUB_WORKSPACE" >> "$GITHUB_OUTPUT"
              - id: wd
                working-directory: sub/dir
                run: |
                  test -f marker.txt
                  echo "pwd=$(pwd)" >> "$GITHUB_OUTPUT"
              - id: missing
                continue-on-error: true
                working-directory: does/not/exist
                run: echo no
        """
    )
    r = repo.run()
    assert r.code == 0, r.out
    ws = r.outputs("a", "ws")
    assert ws["pwd"] == ws["ws"]
    assert r.outputs("a", "wd")["pwd"] == ws["ws"] + "/sub/dir"
    assert r.step("a", "missing")["outcome"] == "failure"


def test_defaults_run_job_wins_over_workflow(repo: Repo) -> None:
    repo.write("w/x.txt", "")
    repo.write("j/x.txt", "")
    repo.workflow(
        """
        on: push
        defaults:
          run:
            shell: sh
            working-directory: w
        jobs:
          wf_level:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: s
                run: echo "dir=$(basename "$(pwd)")" >> "$GITHUB_OUTPUT"
          job_level:
            runs-on: ubuntu-latest
            defaults:
              run:
                shell: bash
                working-directory: j
            steps:
              - uses: actions/checkout@v4
              - id: s
                continue-on-error: true
                run: |
                  echo "dir=$(basename "$(pwd)")" >> "$GITHUB_OUTPUT"
                  false | true
              - id: step_wins
                shell: sh
                working-directory: .
                run: echo "dir=$(basename "$(pwd)")" >> "$GITHUB_OUTPUT"
        """
    )
    r = repo.run()
    assert r.outputs("wf_level", "s") == {"dir": "w"}
    assert r.outputs("job_level", "s") == {"dir": "j"}
    # the job's `shell: bash` (pipefail) replaced the workflow's `sh`
    assert r.step("job_level", "s")["outcome"] == "failure"
    assert r.outputs("job_level", "step_wins") == {"dir": "widgets"}


def test_env_precedence(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        env:
          A: wf
          B: wf
          C: wf
          D: wf
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              B: job
              C: job
              D: job
            steps:
              - run: echo "D=from-env-file" >> "$GITHUB_ENV"
              - id: s
                env:
                  C: step
                run: |
                  echo "a=$A" >> "$GITHUB_OUTPUT"
                  echo "b=$B" >> "$GITHUB_OUTPUT"
                  echo "c=$C" >> "$GITHUB_OUTPUT"
                  echo "d=$D" >> "$GITHUB_OUTPUT"
                  echo "ctx=${{ env.D }}" >> "$GITHUB_OUTPUT"
              - id: step_over_file
                env:
                  D: step
                run: echo "d=$D/${{ env.D }}" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0
    # GITHUB_ENV overrides job env for later steps; the env context sees it too
    assert r.outputs("j", "s") == {
        "a": "wf",
        "b": "job",
        "c": "step",
        "d": "from-env-file",
        "ctx": "from-env-file",
    }
    # a step's own env wins over GITHUB_ENV
    assert r.outputs("j", "step_over_file") == {"d": "step/step"}


def test_github_env_not_visible_in_same_step(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: |
                  echo "NEWVAR=1" >> "$GITHUB_ENV"
                  echo "same=[${NEWVAR:-}]" >> "$GITHUB_OUTPUT"
              - id: t
                run: echo "next=[$NEWVAR]" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.outputs("j", "s") == {"same": "[]"}
    assert r.outputs("j", "t") == {"next": "[1]"}


def test_github_path_prepends(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  mkdir -p "$RUNNER_TEMP/bin"
                  printf '#!/bin/sh\\necho my-tool-ran\\n' > "$RUNNER_TEMP/bin/mytool"
                  chmod +x "$RUNNER_TEMP/bin/mytool"
                  echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
              - id: s
                run: |
                  mytool
                  echo "first=${PATH%%:*}" >> "$GITHUB_OUTPUT"
                  echo "tmp=$RUNNER_TEMP" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0, r.out
    out = r.outputs("j", "s")
    assert out["first"] == out["tmp"] + "/bin"
    assert "my-tool-ran" in r.out


def test_multiline_output_and_env(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: m
                run: |
                  {
                    echo "text<<EOF_1"
                    echo "line one"
                    echo "line two"
                    echo "EOF_1"
                  } >> "$GITHUB_OUTPUT"
                  {
                    echo "MULTI<<ZZZ"
                    printf 'a\\nb=c\\n'
                    echo "ZZZ"
                  } >> "$GITHUB_ENV"
              - id: use
                env:
                  TEXT: ${{ steps.m.outputs.text }}
                run: |
                  test "$TEXT" = "$(printf 'line one\\nline two')"
                  test "$MULTI" = "$(printf 'a\\nb=c')"
                  echo "ok=yes" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.code == 0, r.out
    assert r.outputs("j", "m") == {"text": "line one\nline two"}
    assert r.outputs("j", "use") == {"ok": "yes"}


def test_step_summary_written(run_wf: RunWorkflow) -> None:
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "### Hello summary" >> "$GITHUB_STEP_SUMMARY"
              - run: echo "- second step" >> "$GITHUB_STEP_SUMMARY"
        """
    )
    assert r.code == 0
    files = list((r.run_dir / "summaries").glob("*.md"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "### Hello summary" in text and "- second step" in text
    assert text.index("Hello") < text.index("second")


def test_step_env_sees_outer_levels_but_not_siblings(run_wf: RunWorkflow) -> None:
    # StepsRunner.cs evaluates the step's env mapping as a whole against the env
    # context of the outer levels, then merges it: siblings are not visible.
    r = run_wf(
        """
        on: push
        env:
          BASE: base
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              JOBV: job
            steps:
              - id: s
                env:
                  MORE: ${{ env.BASE }}-${{ env.JOBV }}-step
                  SIBLING: "[${{ env.MORE }}]"
                run: |
                  echo "v=$MORE" >> "$GITHUB_OUTPUT"
                  echo "sib=$SIBLING" >> "$GITHUB_OUTPUT"
        """
    )
    assert r.outputs("j", "s") == {"v": "base-job-step", "sib": "[]"}


def test_default_env_vars_cannot_be_overridden(run_wf: RunWorkflow) -> None:
    # docs "Variables": GITHUB_* and RUNNER_* cannot be overwritten; CI currently can.
    r = run_wf(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              GITHUB_SHA: fake
              CI: custom
            steps:
              - run: echo "RUNNER_OS=Plan9" >> "$GITHUB_ENV"
              - id: s
                env:
                  GITHUB_REF: refs/heads/fake
                run: |
                  echo "sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
                  echo "ref=$GITHUB_REF" >> "$GITHUB_OUTPUT"
                  echo "os=$RUNNER_OS" >> "$GITHUB_OUTPUT"
                  echo "ci=$CI" >> "$GITHUB_OUTPUT"
        """
    )
    out = r.outputs("j", "s")
    assert out["sha"] != "fake" and len(out["sha"]) == 40
    assert out["ref"] == "refs/heads/main"
    assert out["os"] == "Linux"
    assert out["ci"] == "custom"
