# ruff: noqa: E501
"""Round 2: events.

Docs: "Events that trigger workflows" (workflow_dispatch inputs: "The workflow will also
receive the inputs in the github.event.inputs context"; the inputs context "preserves
Boolean values as Booleans"; schedule; pull_request activity types; release
`types: [published]`; workflow_run), workflow syntax `on.<push>.<paths>`: "Path filters
are not evaluated for pushes of tags"."""

from __future__ import annotations

from tests.harness import Repo

DISPATCH = """
on:
  workflow_dispatch:
    inputs:
      logLevel:
        description: Log level
        required: true
        default: warning
        type: choice
        options: [info, warning, debug]
      print_tags:
        description: True to print to STDOUT
        required: true
        type: boolean
      count:
        type: number
        default: 3
      environment:
        description: Environment to run tests against
        type: environment
        required: true
      label:
        type: string
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: s
        run: |
          echo "level=${{ inputs.logLevel }}|${{ github.event.inputs.logLevel }}" >> "$GITHUB_OUTPUT"
          echo "tags_bool=${{ inputs.print_tags == true }}|${{ github.event.inputs.print_tags == 'true' }}" >> "$GITHUB_OUTPUT"
          echo "count=${{ inputs.count == 3 }}|${{ inputs.count }}|${{ github.event.inputs.count == '3' }}" >> "$GITHUB_OUTPUT"
          echo "env=${{ inputs.environment }}" >> "$GITHUB_OUTPUT"
          echo "label=[${{ inputs.label }}]" >> "$GITHUB_OUTPUT"
"""


def test_workflow_dispatch_typed_inputs_and_defaults(repo: Repo) -> None:
    repo.workflow(DISPATCH)
    repo.commit()
    r = repo.run(
        "workflow_dispatch", "--input", "print_tags=true", "--input", "environment=staging"
    )
    assert r.code == 0, r.output
    assert r.step("j", "s")["outputs"] == {
        "level": "warning|warning",
        "tags_bool": "true|true",
        "count": "true|3|true",  # inputs.* typed, github.event.inputs.* strings
        "env": "staging",
        "label": "[]",
    }


def test_workflow_dispatch_choice_rejects_unknown_option(repo: Repo) -> None:
    repo.workflow(DISPATCH)
    repo.commit()
    r = repo.run(
        "workflow_dispatch",
        "--input", "print_tags=false",
        "--input", "environment=staging",
        "--input", "logLevel=verbose",
    )  # fmt: skip
    # a choice input only accepts one of its options
    assert r.code != 0, r.output
    assert "logLevel" in r.output


def test_schedule_event(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          schedule:
            - cron: '30 5 * * 1,3'
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "e=${{ github.event_name }}|${{ github.event.schedule }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run("schedule")
    assert r.code == 0, r.output
    # "github.event.schedule": the cron string that triggered the run
    assert r.step("j", "s")["outputs"] == {"e": "schedule|30 5 * * 1,3"}


def test_pull_request_labeled_type(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          pull_request:
            types: [labeled]
        jobs:
          j:
            if: github.event.label.name == 'bug'
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "a=${{ github.event.action }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.write("f.txt", "1\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("g.txt", "1\n")
    head = repo.commit("feature")

    def payload(action: str) -> dict[str, object]:
        return {
            "action": action,
            "number": 7,
            "label": {"name": "bug"},
            "pull_request": {
                "number": 7,
                "base": {"ref": "main", "sha": base},
                "head": {"ref": "feature", "sha": head},
            },
        }

    r = repo.run("pull_request", "--eventpath", str(repo.event(payload("labeled"))))
    assert r.code == 0, r.output
    assert r.step("j", "s")["outputs"] == {"a": "labeled"}
    r = repo.run("pull_request", "--eventpath", str(repo.event(payload("opened"))))
    assert r.code == 0, r.output
    assert r.workflows == [] and len(r.report["not_triggered"]) == 1


def test_tag_push_ignores_paths_filter(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          push:
            tags: ['v*']
            paths: ['docs/**']
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    repo.write("src.txt", "1\n")
    c1 = repo.commit("one")
    repo.write("src.txt", "2\n")
    c2 = repo.commit("two")
    repo.git("tag", "v1.0.0")
    ev = repo.event({"ref": "refs/tags/v1.0.0", "before": c1, "after": c2})
    r = repo.run("push", "--eventpath", str(ev))
    assert r.code == 0, r.output
    assert r.job("j")["conclusion"] == "success"


def test_release_published_type(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          release:
            types: [published]
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "t=${{ github.event.release.tag_name }}|${{ github.event.action }}|$GITHUB_REF|$GITHUB_SHA" >> "$GITHUB_OUTPUT"
        """
    )
    sha = repo.commit()
    repo.git("tag", "v2.0.0")
    repo.commit("after the tag")
    release = {"tag_name": "v2.0.0", "target_commitish": "main", "name": "v2"}
    ev = repo.event({"action": "published", "release": release})
    r = repo.run("release", "--eventpath", str(ev))
    assert r.code == 0, r.output
    # release: GITHUB_REF "refs/tags/<tag_name>", GITHUB_SHA "Last commit in the tagged release"
    assert r.step("j", "s")["outputs"] == {"t": f"v2.0.0|published|refs/tags/v2.0.0|{sha}"}
    ev = repo.event({"action": "created", "release": release}, "created.json")
    r = repo.run("release", "--eventpath", str(ev))
    assert r.code == 0, r.output
    assert r.workflows == []


def test_workflow_run_completed(repo: Repo) -> None:
    repo.workflow(
        """
        on:
          workflow_run:
            workflows: [Build]
            types: [completed]
            branches: [main]
        jobs:
          j:
            if: github.event.workflow_run.conclusion == 'success'
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: echo "n=${{ github.event.workflow_run.name }}" >> "$GITHUB_OUTPUT"
        """
    )
    sha = repo.commit()
    run = {"name": "Build", "conclusion": "success", "head_branch": "main", "head_sha": sha}
    r = repo.run(
        "workflow_run",
        "--eventpath",
        str(repo.event({"action": "completed", "workflow_run": run})),
    )
    assert r.code == 0, r.output
    assert r.step("j", "s")["outputs"] == {"n": "Build"}
    other = {**run, "name": "Lint"}
    r = repo.run(
        "workflow_run",
        "--eventpath",
        str(repo.event({"action": "completed", "workflow_run": other}, "other.json")),
    )
    assert r.code == 0, r.output
    assert r.workflows == []
