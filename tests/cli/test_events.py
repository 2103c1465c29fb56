"""``--eventpath``: webhook payloads decide what is triggered, as on GitHub."""

from __future__ import annotations

from pathlib import Path

from tests.harness import Repo

ZERO = "0" * 40

SRC_ONLY = """
name: Source
on:
  push:
    paths: ['src/**']
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: touch {marker}
"""


def test_push_changing_only_docs_skips_a_src_paths_workflow(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "built"
    repo.workflow(SRC_ONLY.format(marker=marker), "src.yml")
    repo.write("src/app.py", "print(1)\n")
    before = repo.commit("first")
    repo.write("docs/guide.md", "# guide\n")
    after = repo.commit("docs only")
    event = str(repo.event({"ref": "refs/heads/main", "before": before, "after": after}))
    res = repo.run("-e", event)
    assert res.code == 0, res.output
    assert not marker.exists()
    assert ".github/workflows/src.yml: not triggered by push" in res.err
    assert "src/**" in res.err
    assert "no workflow is triggered by 'push'" in res.err
    # the same payload, but the push touched src/: triggered
    repo.write("src/app.py", "print(2)\n")
    after2 = repo.commit("src change")
    event = str(repo.event({"ref": "refs/heads/main", "before": after, "after": after2}))
    res = repo.run("-e", event, "--list")
    assert res.code == 0
    assert "build" in res.out and "not triggered" not in res.out


def test_tag_push(repo: Repo, tmp_path: Path) -> None:
    repo.workflow(
        "on:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: x\n"
        "    steps: [{run: 'echo ${{ github.ref_name }}'}]\n",
        "release.yml",
    )
    repo.workflow(
        "on:\n  push:\n    branches: [main]\n"
        "jobs:\n  test:\n    runs-on: x\n    steps: [{run: x}]\n",
        "ci.yml",
    )
    head = repo.commit()
    event = str(repo.event({"ref": "refs/tags/v1.2.0", "before": ZERO, "after": head}))
    res = repo.run("-e", event, "--list")
    assert res.code == 0, res.output
    assert "publish" in res.out
    assert "not triggered: .github/workflows/ci.yml" in res.out
    res = repo.run("-e", event, "--dry-run")
    assert "ref: refs/tags/v1.2.0" in res.out
    other = str(repo.event({"ref": "refs/tags/release-1", "before": ZERO, "after": head}))
    res = repo.run("-e", other, "--list")
    assert "not triggered: .github/workflows/release.yml" in res.out


def test_pull_request_base_branch_filter(repo: Repo, tmp_path: Path) -> None:
    repo.workflow(
        "on:\n  pull_request:\n    branches: [main]\njobs:\n  check:\n    runs-on: x\n"
        "    steps: [{run: x}]\n",
        "pr.yml",
    )
    head = repo.commit()

    def pr(base: str) -> str:
        return str(
            repo.event(
                {
                    "action": "opened",
                    "number": 7,
                    "pull_request": {
                        "number": 7,
                        "base": {"ref": base},
                        "head": {"ref": "feature", "sha": head},
                    },
                }
            )
        )

    res = repo.run("pull_request", "-e", pr("main"), "--dry-run")
    assert res.code == 0, res.output
    assert "ref: refs/pull/7/merge" in res.out
    assert "[stage 0] check" in res.out
    res = repo.run("pull_request", "-e", pr("release"), "--list")
    assert res.code == 0
    assert "not triggered: .github/workflows/pr.yml" in res.out
    assert "release" in res.out and "check" not in res.out


def test_bad_event_file(repo: Repo, tmp_path: Path) -> None:
    repo.workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n", "ci.yml")
    repo.commit()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = repo.run("-e", str(bad), "--list")
    assert res.code == 2
    assert "cannot read event file" in res.err
    res = repo.run("-e", str(tmp_path / "absent.json"), "--list")
    assert res.code == 2
    bad.write_text("[1, 2]", encoding="utf-8")
    res = repo.run("-e", str(bad), "--list")
    assert res.code == 2
    assert "must hold a JSON object" in res.err
