"""Shells, from workflow syntax `jobs.<job_id>.steps[*].shell` ("Default shell"):
bash (unspecified) `bash -e {0}`; bash `bash --noprofile --norc -eo pipefail {0}`;
sh `sh -e {0}`; python `python {0}`; custom `command [options] {0}`."""

from __future__ import annotations

from tests.harness import Repo


def test_shell_semantics(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: default_no_pipefail
                run: |
                  false | true
                  echo "flags=$-" >> "$GITHUB_OUTPUT"
                  echo "pf=$(set -o | grep pipefail | tr -s ' \\t' ' ')" >> "$GITHUB_OUTPUT"
              - id: explicit_bash_pipefail
                continue-on-error: true
                shell: bash
                run: |
                  false | true
                  echo "reached=yes" >> "$GITHUB_OUTPUT"
              - id: default_errexit
                continue-on-error: true
                run: |
                  false
                  echo "reached=yes" >> "$GITHUB_OUTPUT"
              - id: sh
                shell: sh
                run: |
                  echo "shell=$0" >> "$GITHUB_OUTPUT"
                  false | true
                  echo "ok=1" >> "$GITHUB_OUTPUT"
              - id: sh_errexit
                continue-on-error: true
                shell: sh
                run: |
                  false
                  echo "reached=yes" >> "$GITHUB_OUTPUT"
              - id: py
                shell: python
                run: |
                  import os, sys
                  with open(os.environ["GITHUB_OUTPUT"], "a") as f:
                      f.write(f"ext={os.path.splitext(sys.argv[0])[1]}\\n")
                      f.write("v=%d\\n" % sys.version_info[0])
              - id: py_fail
                continue-on-error: true
                shell: python
                run: raise SystemExit(4)
              - id: custom
                shell: perl {0}
                run: |
                  open(my $f, '>>', $ENV{GITHUB_OUTPUT}); print $f "perl=yes\\n";
              - id: exit_code
                continue-on-error: true
                run: exit 7
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    out = {s["id"]: s for s in r.job("j")["steps"]}
    d = out["default_no_pipefail"]
    assert d["conclusion"] == "success"
    assert "e" in d["outputs"]["flags"]
    assert d["outputs"]["pf"] == "pipefail off"
    assert out["explicit_bash_pipefail"]["outcome"] == "failure"
    assert out["explicit_bash_pipefail"]["outputs"] == {}
    assert out["default_errexit"]["outcome"] == "failure"
    assert out["default_errexit"]["outputs"] == {}
    assert out["sh"]["outcome"] == "success" and out["sh"]["outputs"]["ok"] == "1"
    assert out["sh_errexit"]["outcome"] == "failure"
    assert out["py"]["outputs"] == {"ext": ".py", "v": "3"}
    assert out["py_fail"]["outcome"] == "failure"
    assert out["custom"]["outputs"] == {"perl": "yes"}
    assert out["exit_code"]["outcome"] == "failure"


def test_defaults_run_shell_and_working_directory(repo: Repo) -> None:
    # Doc defaults.run: "You can use defaults.run to provide default shell and
    # working-directory options for all run steps in a workflow."; job-level overrides.
    repo.write("sub/dir/marker.txt", "x\n")
    repo.workflow(
        """
        on: push
        defaults:
          run:
            shell: bash
        jobs:
          j:
            runs-on: ubuntu-latest
            defaults:
              run:
                working-directory: sub
            steps:
              - uses: actions/checkout@v4
              - id: pf
                continue-on-error: true
                run: false | true
              - id: wd
                run: echo "wd=$(basename "$PWD")" >> "$GITHUB_OUTPUT"
              - id: wd2
                working-directory: sub/dir
                run: echo "wd=$(basename "$PWD")" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    assert r.step("j", "pf")["outcome"] == "failure"  # workflow default bash -> pipefail
    assert r.step("j", "wd")["outputs"] == {"wd": "sub"}
    assert r.step("j", "wd2")["outputs"] == {"wd": "dir"}
