from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin import checkout

from .conftest import MakeCall, git


@pytest.fixture
def repo(dirs: dict[str, Path]) -> Path:
    root = dirs["repo"]
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("*.log\n")
    (root / "README.md").write_text("v1\n")
    (root / "gone.txt").write_text("to be deleted\n")
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('v1')\n")
    os.symlink("src/app.py", root / "link.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "v1")
    (root / "README.md").write_text("v2\n")
    git(root, "commit", "-q", "-am", "second")
    # uncommitted state
    (root / "README.md").write_text("v3 dirty\n")
    (root / "new.txt").write_text("untracked\n")
    (root / "debug.log").write_text("ignored\n")
    (root / "gone.txt").unlink()
    (root / ".conveyor").mkdir()
    (root / ".conveyor" / "state.db").write_text("x")
    return root


def test_default_copies_head_plus_working_tree(make_call: MakeCall, repo: Path, dirs) -> None:
    call = make_call("actions/checkout@v4")
    checkout.main(call)
    ws = dirs["workspace"]
    assert (ws / "README.md").read_text() == "v3 dirty\n"
    assert (ws / "new.txt").read_text() == "untracked\n"
    assert not (ws / "debug.log").exists()
    assert not (ws / "gone.txt").exists()
    assert not (ws / ".conveyor").exists()
    assert os.access(ws / "run.sh", os.X_OK)
    assert (ws / "link.py").is_symlink() and os.readlink(ws / "link.py") == "src/app.py"
    head = git(repo, "rev-parse", "HEAD")
    assert git(ws, "rev-parse", "HEAD") == head
    assert git(ws, "branch", "--show-current") == "main"
    assert git(ws, "log", "--format=%s") == "second"  # fetch-depth 1: one commit of history
    status = {line.strip() for line in git(ws, "status", "--porcelain").splitlines()}
    assert status == {"M README.md", "D gone.txt", "?? new.txt"}  # the same dirt as the source
    assert call.outputs == {"ref": "refs/heads/main", "commit": head}


def test_fetch_depth_zero_has_history_and_tags(make_call: MakeCall, repo: Path, dirs) -> None:
    checkout.main(make_call("actions/checkout@v4", {"fetch-depth": "0"}))
    ws = dirs["workspace"]
    assert git(ws, "rev-list", "--count", "HEAD") == "2"
    assert git(ws, "tag") == "v1"
    assert git(ws, "rev-parse", "origin/main") == git(repo, "rev-parse", "HEAD")


def test_ref_checks_out_exact_tree(make_call: MakeCall, repo: Path, dirs) -> None:
    call = make_call("actions/checkout@v3", {"ref": "v1", "path": "sub"})
    checkout.main(call)
    target = dirs["workspace"] / "sub"
    assert (target / "README.md").read_text() == "v1\n"
    assert (target / "gone.txt").exists()  # in the commit, deleted only in the working tree
    assert not (target / "new.txt").exists()
    assert git(target, "status", "--porcelain") == ""
    assert call.outputs == {"ref": "v1", "commit": git(repo, "rev-parse", "v1^{commit}")}


def test_unknown_ref_fails(make_call: MakeCall, repo: Path) -> None:
    with pytest.raises(ActionFailed, match="could not be found"):
        checkout.main(make_call("actions/checkout@v4", {"ref": "nope"}))


def test_clean_removes_stale_files(make_call: MakeCall, repo: Path, dirs) -> None:
    (dirs["workspace"] / "stale.txt").write_text("old")
    checkout.main(make_call("actions/checkout@v4"))
    assert not (dirs["workspace"] / "stale.txt").exists()
    (dirs["workspace"] / "stale.txt").write_text("old")
    checkout.main(make_call("actions/checkout@v4", {"clean": "false"}))
    assert (dirs["workspace"] / "stale.txt").exists()


def test_path_outside_workspace_fails(make_call: MakeCall, repo: Path) -> None:
    with pytest.raises(ActionFailed, match="is not under"):
        checkout.main(make_call("actions/checkout@v4", {"path": "../elsewhere"}))


def test_other_repository_is_cloned(make_call: MakeCall, tmp_path: Path, dirs) -> None:
    src = tmp_path / "lib-src"
    src.mkdir()
    git(src, "init", "-q", "-b", "trunk")
    (src / "lib.txt").write_text("lib v1\n")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "lib one")
    git(src, "tag", "v1.0")
    (src / "lib.txt").write_text("lib v2\n")
    git(src, "commit", "-q", "-am", "lib two")
    remote = tmp_path / "remote" / "other"
    remote.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(remote / "lib.git")], check=True)
    base = (tmp_path / "remote").as_uri()

    call = make_call(
        "actions/checkout@v4", {"repository": "other/lib", "path": "lib"}, remote_base_url=base
    )
    checkout.main(call)
    target = dirs["workspace"] / "lib"
    assert (target / "lib.txt").read_text() == "lib v2\n"
    assert git(target, "branch", "--show-current") == "trunk"
    assert call.outputs["ref"] == "refs/heads/trunk"
    assert call.outputs["commit"] == git(src, "rev-parse", "HEAD")

    call = make_call(
        "actions/checkout@v4",
        {"repository": "other/lib", "path": "lib", "ref": "v1.0"},
        remote_base_url=base,
    )
    checkout.main(call)
    assert (target / "lib.txt").read_text() == "lib v1\n"
    assert call.outputs["ref"] == "v1.0"
    assert call.outputs["commit"] == git(src, "rev-parse", "v1.0^{commit}")
