"""Events from real temporary git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conveyor.workflow import changes as changes_mod
from conveyor.workflow.changes import event_changed_files as changed_files
from conveyor.workflow.event import ZERO_SHA, Event, EventError, load_event


class Repo:
    """A throwaway git repository with helpers to commit files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.path), "-c", "user.name=T", "-c", "user.email=t@e", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    def commit(self, *files: str, msg: str = "change") -> str:
        for f in files:
            p = self.path / f
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(p.read_text() + "x" if p.exists() else f)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", msg)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "repo").mkdir()
    return Repo(tmp_path / "repo")


def write_event(tmp_path: Path, payload: dict[str, Any]) -> Path:
    p = tmp_path / "event.json"
    p.write_text(json.dumps(payload))
    return p


def test_default_push_payload(repo: Repo) -> None:
    first = repo.commit("a.txt", msg="first")
    second = repo.commit("b.txt", msg="second")
    ev = load_event("push", repo.path, None)
    assert (ev.ref, ev.sha) == ("refs/heads/main", second)
    assert ev.payload["before"] == first
    assert ev.payload["after"] == second
    assert ev.payload["head_commit"]["message"] == "second"
    assert ev.payload["repository"]["default_branch"] == "main"
    assert changed_files(ev, repo.path) == ["b.txt"]


def test_default_push_on_first_commit_diffs_against_empty_tree(repo: Repo) -> None:
    repo.commit("a.txt", "d/b.txt")
    ev = load_event("push", repo.path, None)
    assert ev.payload["before"] == ZERO_SHA
    assert ev.payload["created"] is True
    assert changed_files(ev, repo.path) == ["a.txt", "d/b.txt"]


def test_default_pull_request_payload(repo: Repo) -> None:
    base = repo.commit("a.txt")
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("src/x.py")
    ev = load_event("pull_request", repo.path, None)
    assert ev.ref == "refs/pull/1/merge"
    assert ev.sha == head
    assert (ev.base_ref, ev.head_ref) == ("main", "feature")
    assert ev.payload["action"] == "opened"
    assert ev.payload["pull_request"]["base"]["sha"] == base
    assert changed_files(ev, repo.path) == ["src/x.py"]


def test_pull_request_uses_three_dot_diff(repo: Repo, tmp_path: Path) -> None:
    repo.commit("a.txt")
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("feature.txt")
    repo.git("checkout", "-q", "main")
    base = repo.commit("main-only.txt")  # base moved on: not part of the PR's diff
    payload: dict[str, Any] = {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main", "sha": base},
            "head": {"ref": "feature", "sha": head},
        },
    }
    ev = load_event("pull_request", repo.path, write_event(tmp_path, payload))
    # GITHUB_SHA of a pull request: "Last merge commit on the GITHUB_REF branch"
    assert (ev.ref, ev.base_ref, ev.head_ref) == ("refs/pull/7/merge", "main", "feature")
    parents = repo.git("rev-list", "--parents", "-n", "1", ev.sha).split()[1:]
    assert parents == [base, head]
    assert changed_files(ev, repo.path) == ["feature.txt"]
    # refs are used when the payload has no SHAs
    del payload["pull_request"]["base"]["sha"]
    del payload["pull_request"]["head"]["sha"]
    ev = load_event("pull_request", repo.path, write_event(tmp_path, payload))
    assert changed_files(ev, repo.path) == ["feature.txt"]


def test_push_two_dot_diff_and_renames(repo: Repo, tmp_path: Path) -> None:
    before = repo.commit("docs/a.md", "src/b.py")
    repo.commit("docs/a.md")
    (repo.path / "lib").mkdir()
    repo.git("mv", "src/b.py", "lib/b.py")
    repo.git("commit", "-q", "-m", "move")
    after = repo.git("rev-parse", "HEAD")
    payload = {"ref": "refs/heads/main", "before": before, "after": after}
    ev = load_event("push", repo.path, write_event(tmp_path, payload))
    assert (ev.ref, ev.sha) == ("refs/heads/main", after)
    # a move counts as its old and new path
    assert changed_files(ev, repo.path) == ["docs/a.md", "lib/b.py", "src/b.py"]


def test_push_of_new_branch_diffs_from_parent_of_oldest_new_commit(
    repo: Repo, tmp_path: Path
) -> None:
    repo.commit("base.txt")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("one.txt")
    after = repo.commit("two.txt")
    payload = {"ref": "refs/heads/feature", "before": ZERO_SHA, "after": after}
    ev = load_event("push", repo.path, write_event(tmp_path, payload))
    assert changed_files(ev, repo.path) == ["one.txt", "two.txt"]
    # a branch created on an existing commit pushes nothing new
    repo.git("branch", "copy", "main")
    main_sha = repo.git("rev-parse", "main")
    payload = {"ref": "refs/heads/copy", "before": ZERO_SHA, "after": main_sha}
    ev = load_event("push", repo.path, write_event(tmp_path, payload))
    assert changed_files(ev, repo.path) == []


def test_push_without_a_usable_diff_is_unknown(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = repo.commit("a")
    repo.commit("b")
    after = repo.commit("c")
    cases = [
        {"ref": "refs/heads/main", "before": "1" * 40, "after": after},  # unknown commit
        {"ref": "refs/heads/gone", "before": first, "after": ZERO_SHA},  # deleted branch
    ]
    for payload in cases:
        ev = load_event("push", repo.path, write_event(tmp_path, payload))
        assert changed_files(ev, repo.path) is None
    monkeypatch.setattr(changes_mod, "MAX_DIFF_COMMITS", 1)  # GitHub: more than 1,000
    payload = {"ref": "refs/heads/main", "before": first, "after": after}
    ev = load_event("push", repo.path, write_event(tmp_path, payload))
    assert changed_files(ev, repo.path) is None


def test_deleted_branch_runs_on_default_branch_sha(repo: Repo, tmp_path: Path) -> None:
    sha = repo.commit("a")
    payload = {"ref": "refs/heads/gone", "before": sha, "after": ZERO_SHA, "deleted": True}
    ev = load_event("push", repo.path, write_event(tmp_path, payload))
    assert (ev.ref, ev.sha) == ("refs/heads/gone", sha)


@pytest.mark.parametrize(
    ("name", "payload", "ref"),
    [
        ("push", {"ref": "refs/tags/v1.0", "after": "TAG"}, "refs/tags/v1.0"),
        ("release", {"action": "published", "release": {"tag_name": "v1.0"}}, "refs/tags/v1.0"),
        ("workflow_dispatch", {"ref": "v1.0"}, "refs/tags/v1.0"),
        ("workflow_dispatch", {"ref": "dev"}, "refs/heads/dev"),
        ("workflow_dispatch", {"ref": "refs/heads/dev"}, "refs/heads/dev"),
        ("workflow_dispatch", {}, "refs/heads/main"),
        ("create", {"ref": "v1.0", "ref_type": "tag"}, "refs/tags/v1.0"),
        ("create", {"ref": "dev", "ref_type": "branch"}, "refs/heads/dev"),
        ("issues", {"action": "opened"}, "refs/heads/main"),
        ("schedule", {"schedule": "0 0 * * *"}, "refs/heads/main"),
        ("workflow_run", {"action": "completed"}, "refs/heads/main"),
        ("pull_request_target", {"pull_request": {"base": {"ref": "dev"}}}, "refs/heads/main"),
        (
            "pull_request",
            {
                "action": "closed",
                "number": 3,
                "pull_request": {"merged": True, "base": {"ref": "dev"}},
            },
            "refs/heads/dev",
        ),
        (
            "pull_request",
            {"action": "closed", "number": 3, "pull_request": {"merged": False}},
            "refs/pull/3/merge",
        ),
        ("pull_request_review", {"action": "submitted", "number": 4}, "refs/pull/4/merge"),
        ("deployment", {"deployment": {"ref": "dev", "sha": "abc"}}, "refs/heads/dev"),
        (
            "merge_group",
            {"merge_group": {"head_ref": "refs/heads/gh-readonly-queue/main/x"}},
            "refs/heads/gh-readonly-queue/main/x",
        ),
    ],
)
def test_ref_per_event(
    repo: Repo, tmp_path: Path, name: str, payload: dict[str, Any], ref: str
) -> None:
    repo.commit("a")
    dev = repo.commit("b")
    repo.git("branch", "dev")
    repo.git("tag", "v1.0", "HEAD~1")
    tag_sha = repo.git("rev-parse", "v1.0^{commit}")
    if payload.get("after") == "TAG":
        payload["after"] = tag_sha
    ev = load_event(name, repo.path, write_event(tmp_path, payload))
    assert ev.ref == ref
    assert ev.sha
    if ref == "refs/tags/v1.0":
        assert ev.sha == tag_sha
    if ref == "refs/heads/dev" and name != "deployment":
        assert ev.sha == dev


def test_pr_refs_only_for_pull_request_events(repo: Repo, tmp_path: Path) -> None:
    repo.commit("a")
    pr = {"pull_request": {"base": {"ref": "main"}, "head": {"ref": "f"}}, "number": 2}
    target = load_event("pull_request_target", repo.path, write_event(tmp_path, pr))
    assert (target.base_ref, target.head_ref) == ("main", "f")
    review = load_event("pull_request_review", repo.path, write_event(tmp_path, pr))
    assert (review.base_ref, review.head_ref) == ("", "")


def test_default_branch_from_payload(repo: Repo, tmp_path: Path) -> None:
    repo.commit("a")
    repo.git("branch", "trunk")
    payload = {"action": "opened", "repository": {"default_branch": "trunk"}}
    ev = load_event("issues", repo.path, write_event(tmp_path, payload))
    assert ev.ref == "refs/heads/trunk"


def test_detached_head(repo: Repo) -> None:
    repo.commit("a")
    repo.git("tag", "v2")
    repo.git("checkout", "-q", "--detach")
    assert load_event("push", repo.path, None).ref == "refs/tags/v2"
    repo.git("tag", "-d", "v2")
    with pytest.raises(EventError, match="detached"):
        load_event("push", repo.path, None)


def test_errors(repo: Repo, tmp_path: Path) -> None:
    # a repository without commits runs as an unborn main (like a plain folder)
    unborn = load_event("push", repo.path, None)
    assert (unborn.ref, unborn.sha) == ("refs/heads/main", ZERO_SHA)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(EventError, match="cannot read"):
        load_event("push", repo.path, bad)
    bad.write_text("[1]")
    with pytest.raises(EventError, match="JSON object"):
        load_event("push", repo.path, bad)


def test_changed_files_is_none_for_other_events(repo: Repo) -> None:
    repo.commit("a")
    ev = Event("issues", {}, "refs/heads/main", repo.git("rev-parse", "HEAD"))
    assert changed_files(ev, repo.path) is None
