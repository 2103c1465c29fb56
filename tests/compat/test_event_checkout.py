"""What an `--eventpath` event checks out and which commit GITHUB_SHA names.

Docs: "Events that trigger workflows": push GITHUB_SHA "Tip commit pushed to the ref";
pull_request GITHUB_SHA "Last merge commit on the GITHUB_REF branch", GITHUB_REF "PR merge
branch refs/pull/PULL_REQUEST_NUMBER/merge"; "Workflows will not run on pull_request
activity if the pull request has a merge conflict."  actions/checkout README `ref`: "When
checking out the repository that triggered a workflow, this defaults to the reference or
SHA for that event"."""

from __future__ import annotations

from pathlib import Path

from tests.harness import Repo

WF = """
on: [push, pull_request]
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: s
        run: |
          echo "sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
          echo "head=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"
          echo "files=$(ls | sort | tr '\\n' ' ')" >> "$GITHUB_OUTPUT"
          echo "is_head=${{ github.sha == github.event.pull_request.head.sha }}" >> "$GITHUB_OUTPUT"
"""


def test_push_event_checks_out_after_commit(repo: Repo) -> None:
    repo.workflow(WF)
    repo.write("one.txt", "1\n")
    c1 = repo.commit("one")
    repo.write("two.txt", "2\n")
    c2 = repo.commit("two")
    ev = repo.event({"ref": "refs/heads/main", "before": c1 + "", "after": c1})
    del c2
    r = repo.run("push", "--eventpath", str(ev))
    assert r.code == 0, r.output
    out = r.step("j", "s")["outputs"]
    assert out["sha"] == c1 and out["head"] == c1
    assert "two.txt" not in out["files"].split()


def test_pull_request_runs_on_test_merge_commit(repo: Repo) -> None:
    repo.workflow(WF)
    repo.write("base.txt", "1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.txt", "1\n")
    head = repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("main-later.txt", "1\n")
    base = repo.commit("main moved on")
    ev = repo.event(
        {
            "action": "opened",
            "number": 3,
            "pull_request": {
                "number": 3,
                "base": {"ref": "main", "sha": base},
                "head": {"ref": "feature", "sha": head},
            },
        }
    )
    r = repo.run("pull_request", "--eventpath", str(ev))
    assert r.code == 0, r.output
    out = r.step("j", "s")["outputs"]
    assert out["is_head"] == "false"  # github.sha is the merge commit, not the head
    assert out["sha"] == out["head"]  # and that is what checkout checks out
    # the merge of head into base has both sides' files
    assert {"base.txt", "feature.txt", "main-later.txt"} <= set(out["files"].split())
    parents = repo.git("log", "-1", "--format=%P", out["sha"]).split()
    assert parents == [base, head]


def test_pull_request_with_merge_conflict_does_not_run(repo: Repo) -> None:
    repo.workflow(WF)
    repo.write("f.txt", "base\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("f.txt", "feature\n")
    head = repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("f.txt", "main\n")
    base = repo.commit("main")
    ev = repo.event(
        {
            "action": "synchronize",
            "number": 4,
            "pull_request": {
                "number": 4,
                "base": {"ref": "main", "sha": base},
                "head": {"ref": "feature", "sha": head},
            },
        }
    )
    r = repo.run("pull_request", "--eventpath", str(ev))
    assert r.code == 0, r.output
    assert not r.workflows
    assert "merge conflict" in r.output


def test_report_written_when_nothing_is_triggered(repo: Repo) -> None:
    # README: "--report FILE writes the run as JSON"; exit status 0 "(or none is triggered)"
    repo.workflow(
        """
        on:
          push:
            branches: [release]
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: "true"
        """
    )
    repo.commit()
    stale = repo.tmp / "report.json"
    r = repo.run()
    assert r.code == 0
    assert Path(stale).exists(), "no report file"
    assert r.report.get("workflows") == []
