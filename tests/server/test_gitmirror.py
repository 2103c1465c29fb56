from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conveyor.server import gitmirror
from conveyor.server.gitmirror import MirrorError

ZEROS = "0" * 40


@pytest.fixture(autouse=True)
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Ada Lovelace")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "ada@example.com")
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(work: Path, message: str) -> str:
    with (work / "log.txt").open("a") as f:
        f.write(message + "\n")
    git(work, "add", "log.txt")
    git(work, "commit", "-q", "-m", message)
    return git(work, "rev-parse", "HEAD")


@pytest.fixture
def remote(tmp_path: Path) -> tuple[Path, Path]:
    """A work repository with two commits on main, pushed to a bare "remote"."""
    bare, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(tmp_path, "init", "-q", str(work))
    commit(work, "first")
    commit(work, "second")
    git(work, "remote", "add", "origin", str(bare))
    git(work, "push", "-q", "origin", "main")
    return work, bare


def test_sync_clones_then_fetches_branches_tags_and_pull_refs(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    work, bare = remote
    mirror = tmp_path / "mirrors" / "acme" / "widgets.git"
    gitmirror.sync(mirror, str(bare))
    assert gitmirror.resolve(mirror, "main") == git(work, "rev-parse", "HEAD")
    assert not list(mirror.parent.glob(".*partial*"))

    new = commit(work, "third")
    git(work, "tag", "-a", "v1", "-m", "release one")
    git(work, "push", "-q", "origin", "main", "v1")
    git(work, "checkout", "-q", "-b", "feature")
    pr_head = commit(work, "pr work")
    git(work, "push", "-q", "origin", "feature:refs/pull/5/head", "main:refs/heads/gone")
    gitmirror.sync(mirror, str(bare))
    assert gitmirror.resolve(mirror, "main") == new
    assert gitmirror.resolve(mirror, "v1") == new  # annotated tag peeled to its commit
    assert gitmirror.resolve(mirror, "refs/pull/5/head") == pr_head
    assert gitmirror.resolve(mirror, "gone") == new

    git(work, "push", "-q", "origin", ":refs/heads/gone")
    gitmirror.sync(mirror, str(bare))
    assert gitmirror.resolve(mirror, "refs/heads/gone") is None  # pruned
    assert gitmirror.resolve(mirror, new[:10]) == new
    assert gitmirror.resolve(mirror, "no-such-ref") is None
    assert gitmirror.resolve(mirror, "--all") is None


def test_failed_clone_masks_credentials_and_leaves_nothing(tmp_path: Path) -> None:
    mirror = tmp_path / "m.git"
    url = f"file://alice:hunter2@{tmp_path}/missing.git"
    with pytest.raises(MirrorError) as caught:
        gitmirror.sync(mirror, url)
    message = str(caught.value)
    assert "hunter2" not in message and "alice" not in message
    assert "file://***@" in message
    assert not mirror.exists() and not list(tmp_path.glob(".m.git*"))


def test_mask() -> None:
    assert gitmirror.mask("https://x-access-token:ghs_abc@github.com/a/b.git") == (
        "https://***@github.com/a/b.git"
    )
    assert (
        gitmirror.mask("fatal: https://github.com/a/b.git") == "fatal: https://github.com/a/b.git"
    )


def test_export_on_a_branch_and_detached(tmp_path: Path, remote: tuple[Path, Path]) -> None:
    work, bare = remote
    mirror = tmp_path / "m.git"
    first = git(work, "rev-parse", "HEAD~1")
    gitmirror.sync(mirror, str(bare))

    on_branch = tmp_path / "ws1"
    gitmirror.export(mirror, first, on_branch, branch="refs/heads/main")
    assert git(on_branch, "rev-parse", "HEAD") == first
    assert git(on_branch, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(on_branch, "log", "--format=%s") == "first"
    assert (on_branch / "log.txt").read_text() == "first\n"
    assert git(on_branch, "status", "--porcelain") == ""

    detached = tmp_path / "ws2"
    gitmirror.export(mirror, first, detached)
    assert git(detached, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"
    assert git(detached, "rev-parse", "HEAD") == first


def test_export_of_a_commit_only_a_pull_ref_reaches(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    work, bare = remote
    git(work, "checkout", "-q", "-b", "feature")
    pr_head = commit(work, "pr only")
    git(work, "push", "-q", "origin", "feature:refs/pull/9/head")
    mirror = tmp_path / "m.git"
    gitmirror.sync(mirror, str(bare))
    dest = tmp_path / "ws"
    gitmirror.export(mirror, pr_head, dest, branch="feature")
    assert git(dest, "rev-parse", "feature") == pr_head
    assert "pr only" in (dest / "log.txt").read_text()


def test_commit_message_keeps_the_body(tmp_path: Path, remote: tuple[Path, Path]) -> None:
    work, bare = remote
    git(work, "commit", "-q", "--allow-empty", "-m", "Title", "-m", "Body [skip ci]")
    sha = git(work, "rev-parse", "HEAD")
    git(work, "push", "-q", "origin", "main")
    mirror = tmp_path / "m.git"
    gitmirror.sync(mirror, str(bare))
    assert gitmirror.commit_message(mirror, sha) == "Title\n\nBody [skip ci]"


def payload_for(mirror: Path, ref: str, before: str, after: str, **kw: int) -> dict[str, Any]:
    return gitmirror.push_payload(
        mirror,
        ref,
        before,
        after,
        repo_full_name="acme/widgets",
        clone_url="https://bot:token@git.example/acme/widgets.git",
        **kw,
    )


def test_push_payload_for_an_update(tmp_path: Path, remote: tuple[Path, Path]) -> None:
    work, bare = remote
    before = git(work, "rev-parse", "HEAD")
    shas = [commit(work, f"change {i}") for i in range(3)]
    git(work, "push", "-q", "origin", "main")
    mirror = tmp_path / "m.git"
    gitmirror.sync(mirror, str(bare))

    p = payload_for(mirror, "refs/heads/main", before, shas[-1])
    assert (p["created"], p["deleted"], p["forced"]) == (False, False, False)
    commits = p["commits"]
    assert isinstance(commits, list)
    assert [c["id"] for c in commits] == shas  # oldest first
    assert [c["message"] for c in commits] == ["change 0", "change 1", "change 2"]
    assert commits[0]["author"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert datetime.fromisoformat(commits[0]["timestamp"]).tzinfo is not None
    assert p["head_commit"] == commits[-1]
    repo = p["repository"]
    assert repo == {
        "full_name": "acme/widgets",
        "name": "widgets",
        "owner": {"login": "acme", "name": "acme"},
        "clone_url": "https://***@git.example/acme/widgets.git",
        "default_branch": "main",
    }
    assert p["pusher"] == {"name": "Ada Lovelace", "email": "ada@example.com"}

    capped = payload_for(mirror, "refs/heads/main", before, shas[-1], max_commits=2)
    assert [c["id"] for c in capped["commits"]] == shas[1:]


def test_push_payload_new_branch_lists_only_its_own_commits(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    work, bare = remote
    git(work, "checkout", "-q", "-b", "topic")
    own = [commit(work, "topic 1"), commit(work, "topic 2")]
    git(work, "push", "-q", "origin", "topic")
    mirror = tmp_path / "m.git"
    gitmirror.sync(mirror, str(bare))
    p = payload_for(mirror, "refs/heads/topic", ZEROS, own[-1])
    assert p["created"] is True and p["forced"] is False
    assert [c["id"] for c in p["commits"]] == own


def test_push_payload_force_delete_and_tag(tmp_path: Path, remote: tuple[Path, Path]) -> None:
    work, bare = remote
    old = git(work, "rev-parse", "HEAD")
    git(work, "reset", "-q", "--hard", "HEAD~1")
    rewritten = commit(work, "rewritten")
    git(work, "push", "-q", "-f", "origin", "main")
    git(work, "tag", "v2")
    git(work, "push", "-q", "origin", "v2")
    mirror = tmp_path / "m.git"
    gitmirror.sync(mirror, str(bare))

    forced = payload_for(mirror, "refs/heads/main", old, rewritten)
    assert forced["forced"] is True
    assert [c["id"] for c in forced["commits"]] == [rewritten]

    deleted = payload_for(mirror, "refs/heads/old", old, ZEROS)
    assert (deleted["deleted"], deleted["commits"], deleted["head_commit"]) == (True, [], None)

    tag = payload_for(mirror, "refs/tags/v2", ZEROS, rewritten)
    assert tag["commits"] == [] and tag["head_commit"]["id"] == rewritten


def test_unreachable_remote_fails_with_the_url_masked(tmp_path: Path) -> None:
    # nothing listens on port 9 of localhost
    with pytest.raises(MirrorError, match=r"http://\*\*\*@127.0.0.1:9") as caught:
        gitmirror.sync(tmp_path / "m.git", "http://u:sekrit@127.0.0.1:9/x.git", timeout=60)
    assert "sekrit" not in str(caught.value)


def test_push_payload_when_the_mirror_never_saw_before(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    work, bare = remote
    git(work, "commit", "-q", "--amend", "-m", "second, reworded")
    after = git(work, "rev-parse", "HEAD")
    git(work, "push", "-q", "-f", "origin", "main")
    mirror = tmp_path / "m.git"
    gitmirror.sync(mirror, str(bare))  # first sync after the force push
    p = payload_for(mirror, "refs/heads/main", "e" * 40, after)
    assert p["forced"] is True
    assert [c["id"] for c in p["commits"]] == [after]


def test_sync_refuses_to_overwrite_a_folder_in_the_way(
    tmp_path: Path, remote: tuple[Path, Path]
) -> None:
    _, bare = remote
    in_the_way = tmp_path / "m.git"
    in_the_way.mkdir()
    (in_the_way / "notes.txt").write_text("keep me")
    with pytest.raises(MirrorError, match="cannot put the new mirror there"):
        gitmirror.sync(in_the_way, str(bare))
    assert (in_the_way / "notes.txt").read_text() == "keep me"
