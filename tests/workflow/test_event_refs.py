"""The default branch's refs read from files say what ``git for-each-ref`` says."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conveyor.workflow.event import _DEFAULT_REFS, _read_default_refs
from tests.harness import git


def _git_says(repo: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), "for-each-ref", "--format=%(refname)%00%(symref)",
         *_DEFAULT_REFS],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return "".join(sorted(out.splitlines(keepends=True)))


def _files_say(repo: Path) -> str:
    read = _read_default_refs(repo)
    assert read is not None
    return "".join(sorted(read.splitlines(keepends=True)))


def test_loose_packed_symbolic_and_worktree_refs(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "master")
    (origin / "f").write_text("x")
    git(origin, "add", "f")
    git(origin, "commit", "-qm", "one")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert _files_say(clone) == _git_says(clone)  # origin/HEAD -> master, loose master
    git(clone, "branch", "main")
    git(clone, "pack-refs", "--all")
    assert "refs/heads/main\x00\n" in _files_say(clone)
    assert _files_say(clone) == _git_says(clone)
    git(clone, "remote", "set-head", "origin", "-d")
    assert _files_say(clone) == _git_says(clone)
    tree = tmp_path / "tree"
    git(clone, "worktree", "add", "-q", str(tree), "-b", "feature")
    assert _files_say(tree) == _git_says(tree)
    assert _read_default_refs(tmp_path) is None  # not a repository: git decides
