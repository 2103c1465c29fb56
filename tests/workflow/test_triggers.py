"""Trigger filters against real temporary git repositories and event files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conveyor.workflow import triggers as triggers_mod
from conveyor.workflow.event import ZERO_SHA, Event, load_event
from conveyor.workflow.triggers import match_trigger


class Repo:
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

    def commit(self, *files: str) -> str:
        for f in files:
            p = self.path / f
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(p.read_text() + "x" if p.exists() else f)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "c")
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "repo").mkdir()
    r = Repo(tmp_path / "repo")
    r.commit("README.md")
    return r


def event_from(repo: Repo, name: str, payload: dict[str, Any]) -> Event:
    path = repo.path.parent / f"{name}.json"
    path.write_text(json.dumps(payload))
    return load_event(name, repo.path, path)


def push(repo: Repo, ref: str, *files: str) -> Event:
    """Commit ``files`` and build a push event for them on ``ref``."""
    before = repo.git("rev-parse", "HEAD")
    after = repo.commit(*files) if files else before
    return event_from(repo, "push", {"ref": ref, "before": before, "after": after})


# (on.push config, ref, changed files, triggered, text in reason)
PUSH_CASES: list[tuple[dict[str, Any], str, list[str], bool, str]] = [
    ({}, "refs/heads/dev", ["a.txt"], True, "push to branch 'dev'"),
    ({}, "refs/tags/v1", ["a.txt"], True, "push to tag 'v1'"),
    ({"branches": ["main"]}, "refs/heads/dev", ["a"], False, "branch 'dev' not in branches [main]"),
    ({"branches": ["main", "releases/**"]}, "refs/heads/releases/1/x", ["a"], True, ""),
    (
        {"branches": ["releases/**", "!releases/**-alpha"]},
        "refs/heads/releases/10",
        ["a"],
        True,
        "",
    ),
    (
        {"branches": ["releases/**", "!releases/**-alpha"]},
        "refs/heads/releases/beta/3-alpha",
        ["a"],
        False,
        "not in branches",
    ),
    ({"branches-ignore": ["canary"]}, "refs/heads/canary", ["a"], False, "matches branches-ignore"),
    ({"branches-ignore": ["canary"]}, "refs/heads/main", ["a"], True, ""),
    # only branch filters: tag pushes don't trigger, and vice versa
    ({"branches": ["**"]}, "refs/tags/v1", ["a"], False, "only branches filters"),
    ({"branches-ignore": ["x"]}, "refs/tags/v1", ["a"], False, "tag pushes don't trigger"),
    ({"tags": ["v1.**"]}, "refs/heads/main", ["a"], False, "only tags filters"),
    ({"tags": ["v1.**"]}, "refs/tags/v1.2.3", ["a"], True, ""),
    ({"tags": ["v1.**"]}, "refs/tags/v2.0", ["a"], False, "tag 'v2.0' not in tags"),
    ({"tags-ignore": ["v*-rc"]}, "refs/tags/v1-rc", ["a"], False, "matches tags-ignore"),
    ({"branches": ["main"], "tags": ["v*"]}, "refs/tags/v9", ["a"], True, ""),
    ({"branches": ["main"], "tags": ["v*"]}, "refs/heads/main", ["a"], True, ""),
    # paths
    ({"paths": ["**.js"]}, "refs/heads/main", ["src/app.js"], True, "'src/app.js' matches paths"),
    ({"paths": ["**.js"]}, "refs/heads/main", ["README.txt"], False, "no changed file matches"),
    (
        {"paths": ["sub-project/**", "!sub-project/docs/**"]},
        "refs/heads/main",
        ["sub-project/docs/readme.md"],
        False,
        "no changed file matches",
    ),
    (
        {"paths": ["sub-project/**", "!sub-project/docs/**"]},
        "refs/heads/main",
        ["sub-project/docs/readme.md", "sub-project/src/index.js"],
        True,
        "",
    ),
    ({"paths-ignore": ["docs/**"]}, "refs/heads/main", ["docs/a.md"], False, "every changed"),
    ({"paths-ignore": ["docs/**"]}, "refs/heads/main", ["docs/a.md", "x.py"], True, "'x.py'"),
    ({"paths": ["**"]}, "refs/heads/main", [], False, "no files changed"),
    # branches AND paths must both pass
    ({"branches": ["releases/**"], "paths": ["**.js"]}, "refs/heads/main", ["a.js"], False, ""),
    (
        {"branches": ["releases/**"], "paths": ["**.js"]},
        "refs/heads/releases/1",
        ["a.md"],
        False,
        "",
    ),
    (
        {"branches": ["releases/**"], "paths": ["**.js"]},
        "refs/heads/releases/1",
        ["a.js"],
        True,
        "",
    ),
    # path filters are not evaluated for pushes of tags
    ({"tags": ["v*"], "paths": ["**.js"]}, "refs/tags/v1", ["a.md"], True, ""),
    ({"paths": ["**.js"]}, "refs/tags/v1", ["a.md"], True, ""),
    # misconfigurations GitHub rejects
    ({"branches": ["a"], "branches-ignore": ["b"]}, "refs/heads/a", ["x"], False, "cannot both"),
    ({"paths": ["a"], "paths-ignore": ["b"]}, "refs/heads/a", ["a"], False, "cannot both"),
    ({"branches": ["main"]}, "refs/notes/x", ["a"], False, "neither a branch nor a tag"),
]


@pytest.mark.parametrize(("cfg", "ref", "files", "triggered", "reason"), PUSH_CASES)
def test_push(
    repo: Repo, cfg: dict[str, Any], ref: str, files: list[str], triggered: bool, reason: str
) -> None:
    ev = push(repo, ref, *files)
    decision = match_trigger({"push": cfg}, ev, repo.path)
    assert decision.triggered is triggered, decision.reason
    assert reason in decision.reason


def test_push_paths_only_first_300_files(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triggers_mod, "MAX_DIFF_FILES", 2)
    ev = push(repo, "refs/heads/main", "a.md", "b.md", "c.js")
    assert not match_trigger({"push": {"paths": ["**.js"]}}, ev, repo.path).triggered
    assert match_trigger({"push": {"paths": ["**.md"]}}, ev, repo.path).triggered


def test_push_without_diff_always_runs(repo: Repo) -> None:
    after = repo.commit("a.md")
    ev = event_from(repo, "push", {"ref": "refs/heads/main", "before": "f" * 40, "after": after})
    decision = match_trigger({"push": {"paths": ["**.js"]}}, ev, repo.path)
    assert decision.triggered
    assert "changed files unknown" in decision.reason


def test_push_new_branch_paths(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("src/a.js")
    after = repo.commit("docs/b.md")
    ev = event_from(repo, "push", {"ref": "refs/heads/feature", "before": ZERO_SHA, "after": after})
    assert match_trigger({"push": {"paths": ["src/**"]}}, ev, repo.path).triggered
    assert not match_trigger({"push": {"paths": ["lib/**"]}}, ev, repo.path).triggered


def pr_event(repo: Repo, action: str | None, base: str = "main", **extra: Any) -> Event:
    """A feature branch off ``base`` changing the given files, as an event file."""
    base_sha = repo.git("rev-parse", base)
    repo.git("checkout", "-q", "-b", f"topic-{action}-{len(extra)}", base)
    head_sha = repo.commit(*extra.pop("files", ["src/app.js"]))
    payload: dict[str, Any] = {
        "number": 5,
        "pull_request": {
            "number": 5,
            "base": {"ref": base, "sha": base_sha},
            "head": {"ref": "topic", "sha": head_sha},
        },
    }
    if action is not None:
        payload["action"] = action
    return event_from(repo, extra.pop("name", "pull_request"), payload)


PR_CASES: list[tuple[dict[str, Any], str | None, str, list[str], bool, str]] = [
    ({}, "opened", "main", ["a.js"], True, "pull_request 'opened' into 'main'"),
    ({}, "synchronize", "main", ["a.js"], True, ""),
    ({}, "reopened", "main", ["a.js"], True, ""),
    (
        {},
        "closed",
        "main",
        ["a.js"],
        False,
        "'closed' not in types [opened, synchronize, reopened]",
    ),
    ({}, "labeled", "main", ["a.js"], False, "not in types"),
    ({}, None, "main", ["a.js"], True, "'opened'"),  # no action: treated as opened
    ({"types": ["closed"]}, "closed", "main", ["a.js"], True, ""),
    ({"types": "review_requested"}, "opened", "main", ["a.js"], False, "not in types"),
    ({"branches": ["releases/**"]}, "opened", "main", ["a.js"], False, "base branch 'main'"),
    ({"branches": ["releases/**"]}, "opened", "releases/1", ["a.js"], True, ""),
    ({"branches-ignore": ["releases/**"]}, "opened", "releases/1", ["a"], False, "ignore"),
    ({"paths": ["**.js"]}, "opened", "main", ["a.md"], False, "no changed file matches"),
    ({"paths": ["**.js"]}, "opened", "main", ["x/a.js"], True, "'x/a.js' matches"),
    ({"paths-ignore": ["**.md"]}, "opened", "main", ["a.md"], False, "every changed file"),
    (
        {"types": ["opened"], "branches": ["releases/**"], "paths": ["**.js"]},
        "opened",
        "releases/2",
        ["a.js"],
        True,
        "",
    ),
]


@pytest.mark.parametrize("name", ["pull_request", "pull_request_target"])
@pytest.mark.parametrize(("cfg", "action", "base", "files", "triggered", "reason"), PR_CASES)
def test_pull_request(
    repo: Repo,
    name: str,
    cfg: dict[str, Any],
    action: str | None,
    base: str,
    files: list[str],
    triggered: bool,
    reason: str,
) -> None:
    if base != "main":
        repo.git("branch", base)
    ev = pr_event(repo, action, base, files=files, name=name)
    decision = match_trigger({name: cfg}, ev, repo.path)
    assert decision.triggered is triggered, decision.reason
    assert reason.replace("pull_request", name) in decision.reason


def test_pull_request_paths_ignore_base_branch_changes(repo: Repo) -> None:
    ev = pr_event(repo, "synchronize", files=["src/a.js"])
    repo.git("checkout", "-q", "main")
    new_base = repo.commit("docs/only-on-main.md")
    ev.payload["pull_request"]["base"]["sha"] = new_base
    # three-dot diff: the base branch's own change is not part of the PR
    assert not match_trigger({"pull_request": {"paths": ["docs/**"]}}, ev, repo.path).triggered
    assert match_trigger({"pull_request": {"paths": ["src/**"]}}, ev, repo.path).triggered


def run_event(action: str, workflow: str, branch: str) -> Event:
    payload = {
        "action": action,
        "workflow": {"name": workflow},
        "workflow_run": {"name": workflow, "head_branch": branch, "conclusion": "success"},
    }
    return Event("workflow_run", payload, "refs/heads/main", "0" * 40)


@pytest.mark.parametrize(
    ("cfg", "event", "triggered", "reason"),
    [
        ({"workflows": ["Build"]}, run_event("completed", "Build", "main"), True, ""),
        ({"workflows": ["Build"]}, run_event("in_progress", "Build", "main"), True, ""),
        ({"workflows": ["Staging", "Lab"]}, run_event("completed", "Lab", "x"), True, ""),
        ({"workflows": ["Build"]}, run_event("completed", "Test", "main"), False, "'Test' not in"),
        (
            {"workflows": ["Build"], "types": ["requested"]},
            run_event("completed", "Build", "main"),
            False,
            "not in types",
        ),
        (
            {"workflows": ["Build"], "types": ["requested"], "branches": ["releases/**"]},
            run_event("requested", "Build", "releases/1"),
            True,
            "",
        ),
        (
            {"workflows": ["Build"], "branches": ["releases/**", "!releases/**-alpha"]},
            run_event("requested", "Build", "releases/10-alpha"),
            False,
            "branch 'releases/10-alpha' not in branches",
        ),
        (
            {"workflows": ["Build"], "branches-ignore": ["canary"]},
            run_event("requested", "Build", "canary"),
            False,
            "branches-ignore",
        ),
        ({}, run_event("completed", "Build", "main"), False, "needs a 'workflows' list"),
    ],
)
def test_workflow_run(cfg: dict[str, Any], event: Event, triggered: bool, reason: str) -> None:
    decision = match_trigger({"workflow_run": cfg}, event, Path("."))
    assert decision.triggered is triggered, decision.reason
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("on", "event", "triggered", "reason"),
    [
        ({"push": {}}, Event("issues", {"action": "opened"}, "", ""), False, "not triggered by"),
        ({"workflow_dispatch": {}}, Event("workflow_dispatch", {}, "", ""), True, ""),
        ({"workflow_call": {}}, Event("workflow_call", {}, "", ""), False, "another calls"),
        (
            {"schedule": [{"cron": "0 0 * * *"}, {"cron": "15 4,5 * * *"}]},
            Event("schedule", {"schedule": "15 4,5 * * *"}, "", ""),
            True,
            "",
        ),
        (
            {"schedule": [{"cron": "0 0 * * *"}]},
            Event("schedule", {"schedule": "1 1 * * *"}, "", ""),
            False,
            "not in [0 0 * * *]",
        ),
        ({"schedule": [{"cron": "0 0 * * *"}]}, Event("schedule", {}, "", ""), True, ""),
        ({"issues": {}}, Event("issues", {"action": "deleted"}, "", ""), True, "'deleted'"),
        (
            {"issues": {"types": ["opened", "edited"]}},
            Event("issues", {"action": "deleted"}, "", ""),
            False,
            "'deleted' not in types [opened, edited]",
        ),
        (
            {"release": {"types": ["published"]}},
            Event("release", {"action": "published"}, "", ""),
            True,
            "",
        ),
        (
            {"release": {"types": ["published"]}},
            Event("release", {}, "", ""),
            True,
            "types not checked",
        ),
        (
            {"repository_dispatch": {"types": ["test_result"]}},
            Event("repository_dispatch", {"action": "test_result"}, "", ""),
            True,
            "",
        ),
        (
            {"repository_dispatch": {"types": ["test_result"]}},
            Event("repository_dispatch", {"event_type": "deploy"}, "", ""),
            False,
            "'deploy' not in types",
        ),
        ({"create": {}}, Event("create", {"ref": "x"}, "", ""), True, "create"),
        ({"fork": None}, Event("fork", {}, "", ""), True, "fork"),
    ],
)
def test_other_events(on: dict[str, Any], event: Event, triggered: bool, reason: str) -> None:
    decision = match_trigger(on, event, Path("."))
    assert decision.triggered is triggered, decision.reason
    assert reason in decision.reason


def test_default_local_payloads_trigger(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("src/x.py")
    pr = load_event("pull_request", repo.path, None)
    on = {"pull_request": {"branches": ["main"], "paths": ["src/**"]}}
    assert match_trigger(on, pr, repo.path).triggered
    ev = load_event("push", repo.path, None)
    assert match_trigger(
        {"push": {"branches": ["feature"], "paths": ["**.py"]}}, ev, repo.path
    ).triggered
    assert not match_trigger({"push": {"paths": ["docs/**"]}}, ev, repo.path).triggered


def test_schedule_filter_on_a_loaded_workflow(tmp_path: Path) -> None:
    # the loader's normal form of `schedule` is {"cron": [...], "entries": [...]}
    from conveyor.workflow.loader import parse_workflow

    wf = parse_workflow(
        "on:\n  schedule:\n    - cron: '30 5 * * 1'\njobs:\n  a:\n    runs-on: x\n"
        "    steps: [{run: 'true'}]\n",
        "w.yml",
    )
    other = match_trigger(wf.on, Event("schedule", {"schedule": "0 0 * * *"}, "", ""), tmp_path)
    mine = match_trigger(wf.on, Event("schedule", {"schedule": "30 5 * * 1"}, "", ""), tmp_path)
    assert (other.triggered, mine.triggered) == (False, True)
