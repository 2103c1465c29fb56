"""`uses: $/path`: the workflow's own repository at the commit that is running, no checkout.

Docs: GitHub changelog 2026-07-30 "Reference same-repository actions with self-repository
syntax" (steps, composite steps, nested composition, reusable workflow calls; runner
2.336.0); "Reuse workflows": "A `$/` reference must not include an `@{ref}` suffix";
actions/runner#4457: "The containing YAML file determines which repo and SHA" — `$/` in a
remote action names that action's repository, not the caller's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.actions.conftest_git import ActionServer
from tests.harness import Repo

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

SAY = """
name: say
inputs:
  who: {default: world}
outputs:
  said: {value: "${{ steps.s.outputs.said }}"}
  repo: {value: "${{ steps.s.outputs.repo }}"}
  ref: {value: "${{ steps.s.outputs.ref }}"}
runs:
  using: composite
  steps:
    - id: s
      shell: bash
      run: |
        v=$(cat "$GITHUB_ACTION_PATH/VERSION")
        echo "said=hello ${{ inputs.who }} v$v" >> "$GITHUB_OUTPUT"
        echo "repo=${{ github.action_repository }}" >> "$GITHUB_OUTPUT"
        echo "ref=${{ github.action_ref }}" >> "$GITHUB_OUTPUT"
"""

NO_CHECKOUT = """
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: say
        uses: $/.github/actions/say
        with: {who: you}
      - uses: $/.github/actions/say
      - id: show
        run: |
          echo "said=${{ steps.say.outputs.said }}" >> "$GITHUB_OUTPUT"
          echo "workspace=$(ls -A | wc -l | tr -d ' ')" >> "$GITHUB_OUTPUT"
"""


def test_composite_without_checkout(repo: Repo) -> None:
    repo.set_remote("https://github.com/octo/self.git")
    repo.write_files({".github/actions/say/action.yml": SAY, ".github/actions/say/VERSION": "1\n"})
    repo.workflow(NO_CHECKOUT)
    head = repo.commit("one")
    r = repo.run()
    assert r.code == 0, r.text()
    assert r.outputs("j", "say") == {
        "said": "hello you v1",
        "repo": "octo/self",  # github.action_repository / action_ref: the resolved repository
        "ref": head,
    }
    # nothing was checked out
    assert r.outputs("j", "show") == {"said": "hello you v1", "workspace": "0"}


def test_working_tree_and_event_commit_like_checkout(repo: Repo) -> None:
    """The tree checkout would give: uncommitted files by default, the event's commit when
    --eventpath names another one."""
    repo.write_files({".github/actions/say/action.yml": SAY, ".github/actions/say/VERSION": "1\n"})
    repo.workflow(NO_CHECKOUT)
    first = repo.commit("one")
    repo.write(".github/actions/say/VERSION", "2\n")
    repo.commit("two")
    repo.write(".github/actions/say/VERSION", "3\n")  # not committed
    r = repo.run()
    assert r.code == 0, r.text()
    assert r.outputs("j", "say")["said"] == "hello you v3"
    event = repo.event({"ref": "refs/heads/main", "after": first})
    r = repo.run("--eventpath", str(event), event="push")
    assert r.code == 0, r.text()
    assert r.outputs("j", "say")["said"] == "hello you v1"
    assert r.outputs("j", "say")["ref"] == first
    # the repository itself is left as it was
    assert (repo.root / ".github/actions/say/VERSION").read_text() == "3\n"


def test_nested_composites(repo: Repo) -> None:
    repo.write_files(
        {
            "actions/outer/action.yml": """
                name: outer
                outputs:
                  said: {value: "${{ steps.inner.outputs.said }}"}
                runs:
                  using: composite
                  steps:
                    - id: inner
                      uses: $/actions/inner
                      with: {who: nested}
            """,
            "actions/inner/action.yml": """
                name: inner
                inputs:
                  who: {required: true}
                outputs:
                  said: {value: "${{ steps.s.outputs.said }}"}
                runs:
                  using: composite
                  steps:
                    - id: s
                      uses: $/./actions/leaf/../say
                      with: {who: "${{ inputs.who }}"}
            """,
            "actions/say/action.yml": SAY,
            "actions/say/VERSION": "7\n",
        }
    )
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: o
                uses: $/actions/outer
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.text()
    assert r.outputs("j", "o") == {"said": "hello nested v7"}


@needs_node
def test_javascript_action_with_pre_and_post(repo: Repo) -> None:
    repo.write_files(
        {
            "js/action.yml": """
                name: js
                inputs:
                  word: {default: none}
                outputs:
                  got: {description: x}
                runs:
                  using: node20
                  pre: pre.js
                  main: main.js
                  post: post.js
            """,
            "js/pre.js": """
                const fs = require("fs");
                fs.appendFileSync(process.env.GITHUB_STATE, "from_pre=yes\\n");
            """,
            "js/main.js": """
                const fs = require("fs");
                const got = [
                  process.env.INPUT_WORD,
                  process.env.STATE_from_pre,
                  process.env.GITHUB_ACTION_REPOSITORY,
                ].join(",");
                fs.appendFileSync(process.env.GITHUB_OUTPUT, `got=${got}\\n`);
                console.log("main of " + process.env.GITHUB_ACTION);
            """,
            "js/post.js": """
                console.log("post ran for " + process.env.GITHUB_ACTION_REF);
            """,
        }
    )
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: js
                name: js step
                uses: $/js
                with: {word: hi}
              - uses: $/js
        """
    )
    repo.set_remote("git@github.com:octo/self.git")
    head = repo.commit()
    r = repo.run()
    assert r.code == 0, r.text()
    # `pre` runs at job set-up, as for a remote action: nothing needs checking out first
    names = [s["name"] for s in r.job("j")["steps"]]
    assert names[:2] == ["Pre js step", "Pre Run $/js"], names
    assert names[-2:] == ["Post Run $/js", "Post js step"], names
    assert r.outputs("j", "js") == {"got": "hi,yes,octo/self"}
    assert f"post ran for {head}" in r.logs
    # a step without an id is named `__self`, as for `./`
    assert "main of js" in r.logs and "main of __self" in r.logs


REUSABLE = """
on:
  workflow_call:
    inputs:
      who: {type: string, required: true}
    outputs:
      said:
        value: ${{ jobs.inner.outputs.said }}
jobs:
  inner:
    runs-on: ubuntu-latest
    outputs:
      said: ${{ steps.s.outputs.said }}
    steps:
      - id: s
        uses: $/.github/actions/say
        with: {who: "${{ inputs.who }}"}
"""


def test_reusable_workflow_with_inputs_and_outputs(repo: Repo) -> None:
    repo.write_files({".github/actions/say/action.yml": SAY, ".github/actions/say/VERSION": "4\n"})
    repo.workflow(REUSABLE, "reusable.yml")
    repo.workflow(
        """
        on: push
        jobs:
          call:
            uses: $/.github/workflows/reusable.yml
            with: {who: caller}
          after:
            needs: call
            runs-on: ubuntu-latest
            steps:
              - id: a
                run: echo "got=${{ needs.call.outputs.said }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.text()
    assert r.job("inner")["outputs"] == {"said": "hello caller v4"}
    assert r.outputs("after", "a") == {"got": "hello caller v4"}


def test_self_ref_inside_remote_action_and_workflow_names_that_repository(
    repo: Repo, tmp_path: Path
) -> None:
    server = ActionServer(tmp_path / "srv")
    kit = server.publish(
        "acme/kit",
        {
            "greet/action.yml": """
                name: greet
                outputs:
                  said: {value: "${{ steps.s.outputs.said }}"}
                runs:
                  using: composite
                  steps:
                    - id: s
                      uses: $/lib/say
            """,
            "lib/say/action.yml": SAY,
            "lib/say/VERSION": "kit\n",
            ".github/workflows/shared.yml": """
                on:
                  workflow_call:
                    outputs:
                      said: {value: "${{ jobs.w.outputs.said }}"}
                jobs:
                  w:
                    runs-on: ubuntu-latest
                    outputs:
                      said: ${{ steps.s.outputs.said }}
                    steps:
                      - id: s
                        uses: $/lib/say
            """,
        },
        tags=("v1",),
    )
    # the local repository has a lib/say of its own, which the remote files must not see
    repo.write_files({"lib/say/action.yml": SAY, "lib/say/VERSION": "local\n"})
    repo.workflow(
        """
        on: push
        jobs:
          steps:
            runs-on: ubuntu-latest
            steps:
              - id: remote
                uses: acme/kit/greet@v1
              - id: mine
                uses: $/lib/say
          call:
            uses: acme/kit/.github/workflows/shared.yml@v1
        """
    )
    repo.commit()
    r = repo.run("--actions-url", server.url)
    assert r.code == 0, r.text()
    assert r.outputs("steps", "remote") == {"said": "hello world vkit"}
    assert r.outputs("steps", "mine")["said"] == "hello world vlocal"
    assert r.job("w")["outputs"] == {"said": "hello world vkit"}
    assert r.outputs("w", "s")["repo"] == "acme/kit" and r.outputs("w", "s")["ref"] == kit


def test_missing_self_action_fails_the_step(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: $/.github/actions/nowhere
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code != 0
    assert "$/.github/actions/nowhere" in r.text()


def test_validate_reports_bad_self_refs_with_their_position(repo: Repo) -> None:
    repo.workflow(
        """
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: $/.github/actions/x@v1
              - uses: $/
              - uses: $/../elsewhere
              - uses: $/.github/actions/fine
          b:
            uses: $/.github/workflows/r.yml@main
          c:
            uses: $/tools/r.yml
          d:
            uses: $/.github/workflows/r.yml
        """
    )
    res = repo.cli("validate")
    assert res.code == 2, res.output
    lines = [line for line in res.err.splitlines() if line.startswith(".github/workflows/ci.yml:")]
    at = {line.split(": ", 1)[0].rsplit(":", 2)[1]: line for line in lines}
    assert sorted(at, key=int) == ["6", "7", "8", "11", "13"], lines
    assert at["6"].startswith(".github/workflows/ci.yml:6:15: ")
    assert "no '@v1'; write '$/.github/actions/x'" in at["6"] and at["6"].endswith("[step]")
    assert ".github/workflows/ci.yml:7:15:" in at["7"] and "needs a path" in at["7"]
    assert "stay inside the repository" in at["8"]
    assert ".github/workflows/ci.yml:11:11:" in at["11"] and "no '@main'" in at["11"]
    assert "directly in .github/workflows" in at["13"]
