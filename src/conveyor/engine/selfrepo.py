"""Where ``$/path`` points: the repository of the file that holds the ``uses:``, at the
commit that is running, with no checkout needed.

The rule (GitHub changelog 2026-07-30 "Reference same-repository actions with
self-repository syntax"; actions/runner#4457: "The containing YAML file determines which
repo and SHA"):

- in a workflow of the local repository, and in the actions it reaches through ``./`` or
  ``$/``: the local repository, as ``actions/checkout`` would check it out — the event's
  commit when ``github.sha`` names a local commit other than HEAD, else the working tree
  with its uncommitted (not ignored) files;
- in a remote action or reusable workflow (``owner/repo...@ref``), and in what it reaches
  through ``$/``: that repository at the commit ``@ref`` resolved to.

The local tree is copied once per run into ``<run dir>/self/<sha or "worktree">`` so that
an action cannot change the repository it came from.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from conveyor.actions.localtree import copy_listed, copy_plain
from conveyor.engine.scope import Origin

if TYPE_CHECKING:
    from conveyor.engine.runenv import RunEnv

_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_LOCK = threading.Lock()  # jobs of a run may ask for the tree at the same time


class SelfRefError(Exception):
    """The repository of a ``$/`` reference could not be made available."""


def origin_of_remote(owner: str, repo: str, root: Path) -> Origin:
    """The origin of files fetched by ``actions.remote.fetch_repo``, whose directory is
    named after the commit it holds."""
    return Origin(repository=f"{owner}/{repo}", sha=root.name)


def origin_name(run: RunEnv, origin: Origin) -> tuple[str, str]:
    """``owner/repo`` and commit of an origin (github.action_repository and action_ref)."""
    if origin.repository:
        return origin.repository, origin.sha
    return run.repo.full_name, run.event.sha


def self_root(run: RunEnv, origin: Origin, warn: Callable[[str], None] | None = None) -> Path:
    """The directory holding the origin's repository at its commit (the engine's view)."""
    if origin.repository:
        from conveyor.actions.remote import FetchError

        owner, _, name = origin.repository.partition("/")
        try:
            return run.fetch(owner, name, origin.sha, warn=warn)
        except FetchError as e:
            raise SelfRefError(str(e)) from None
    return local_tree(run)


def local_tree(run: RunEnv) -> Path:
    root = run.repo.root.resolve()
    commit = _event_commit(root, run.event.sha)
    target = run.run_dir / "self" / (commit or "worktree")
    with _LOCK:
        if target.is_dir():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".make-", dir=target.parent) as tmp:
            tree = Path(tmp) / "tree"
            tree.mkdir()
            if commit:
                _extract_commit(root, commit, Path(tmp) / "index", tree)
            elif _git(root, "rev-parse", "--is-inside-work-tree").returncode == 0:
                _copy_worktree(root, tree)
            else:
                copy_plain(root, tree)
            os.replace(tree, target)
    return target


def _git(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        encoding="utf-8",
        errors="surrogateescape",
        check=False,
        env={**os.environ, **env} if env else None,
    )


def _event_commit(root: Path, sha: str) -> str:
    """The event's commit when it is a local commit other than HEAD (what actions/checkout
    checks out then), else "" for the working tree."""
    head = _git(root, "rev-parse", "-q", "--verify", "HEAD").stdout.strip()
    if not _SHA.match(sha) or not _SHA.match(head) or sha.lower() == head.lower():
        return ""
    found = _git(root, "rev-parse", "-q", "--verify", f"{sha}^{{commit}}").stdout.strip()
    return found if _SHA.match(found) else ""


def _extract_commit(root: Path, commit: str, index: Path, tree: Path) -> None:
    # a private index: the repository's own index and working tree stay untouched
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    env = {"GIT_INDEX_FILE": str(index)}
    for args in (
        ("read-tree", f"{commit}:{prefix}" if prefix else commit),
        ("checkout-index", "-a", "-f", f"--prefix={tree}/"),
    ):
        res = _git(root, *args, env=env)
        if res.returncode != 0:
            raise SelfRefError(f"could not extract commit {commit} of {root}: {res.stderr.strip()}")


def _copy_worktree(root: Path, tree: Path) -> None:
    """Tracked and untracked-but-not-ignored files, as the working tree has them."""
    res = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if res.returncode != 0:
        raise SelfRefError(f"could not list the files of {root}: {res.stderr.strip()}")
    copy_listed(root, tree, sorted(set(res.stdout.split("\0"))))
