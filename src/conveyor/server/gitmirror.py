"""The server's copy of a registered repository: a ``git clone --mirror`` kept up to date,
from which runs get their commit, checkout and push payload.

Everything shells out to git. Callers serialise work on one mirror (one sync at a time).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", "+refs/pull/*:refs/pull/*")
_FIELDS = "%H%x00%T%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%B%x1e"
_ENV = {
    "GIT_TERMINAL_PROMPT": "0",  # a server has nobody to type a password: fail instead
    "GIT_ASKPASS": "",
    "LC_ALL": "C",
}


class MirrorError(Exception):
    """A git command on a mirror failed; the message ends with git's last stderr lines."""


def mask(text: str) -> str:
    """``https://user:token@host/x`` → ``https://***@host/x``: URLs' credentials never reach
    an error message or a log."""
    return _CREDENTIALS.sub(r"\g<scheme>***@", text)


def _git(
    args: list[str], *, cwd: Path | None = None, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **_ENV},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise MirrorError(mask(f"git {args[0]} took longer than {timeout:g} s")) from None
    if check and done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise MirrorError(mask(f"git {' '.join(args)} failed ({done.returncode}):\n{tail}"))
    return done


def sync(mirror_dir: Path, clone_url: str, *, timeout: float = 300) -> None:
    """Clone ``clone_url`` into ``mirror_dir`` the first time, fetch into it afterwards:
    branches, tags and pull-request refs (where the remote has them), pruning what went."""
    if (mirror_dir / "HEAD").is_file():
        _git(["remote", "set-url", "origin", clone_url], cwd=mirror_dir)
        _git(["fetch", "--prune", "--tags", "origin", *_REFSPECS], cwd=mirror_dir, timeout=timeout)
        return
    mirror_dir.parent.mkdir(parents=True, exist_ok=True)
    # clone beside the target and rename: a crash mid-clone never leaves a half mirror
    partial = mirror_dir.with_name(f".{mirror_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _git(["clone", "--mirror", "--", clone_url, str(partial)], timeout=timeout)
        try:
            partial.rename(mirror_dir)
        except OSError as e:
            raise MirrorError(f"{mirror_dir}: cannot put the new mirror there: {e}") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def resolve(mirror_dir: Path, ref_or_sha: str) -> str | None:
    """The full commit sha of a ref, short sha or tag (peeled); None when there is none."""
    if not ref_or_sha or ref_or_sha.startswith("-"):
        return None
    done = _git(
        ["rev-parse", "--verify", "--quiet", f"{ref_or_sha}^{{commit}}"],
        cwd=mirror_dir,
        check=False,
    )
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else None


def export(mirror_dir: Path, sha: str, dest: Path, *, branch: str | None = None) -> None:
    """A full repository at ``dest`` with HEAD at ``sha``: on local branch ``branch`` when
    given (so ``git rev-parse --abbrev-ref HEAD`` names it), detached otherwise."""
    # a local clone hardlinks the objects rather than borrowing them (--shared): a gc of
    # the mirror during a long job cannot pull objects from under the workspace
    _git(["clone", "--quiet", "--no-checkout", "--", str(mirror_dir), str(dest)], timeout=300)
    quiet = ["-c", "advice.detachedHead=false", "checkout", "--quiet"]
    if branch:
        name = branch.removeprefix("refs/heads/")
        _git([*quiet, "-B", name, sha], cwd=dest, timeout=300)
    else:
        _git([*quiet, "--detach", sha], cwd=dest, timeout=300)


def commit_message(mirror_dir: Path, sha: str) -> str:
    return _git(["log", "-1", "--format=%B", sha, "--"], cwd=mirror_dir).stdout.rstrip("\n")


def _commits(mirror_dir: Path, revs: list[str], limit: int) -> list[dict[str, Any]]:
    out = _git(
        ["log", f"--max-count={limit}", "--reverse", f"--format={_FIELDS}", *revs, "--"],
        cwd=mirror_dir,
    ).stdout
    commits = []
    for chunk in out.split("\x1e"):
        chunk = chunk.lstrip("\n")
        if not chunk:
            continue
        sha, tree, an, ae, when, cn, ce, message = chunk.split("\x00", 7)
        commits.append(
            {
                "id": sha,
                "tree_id": tree,
                "distinct": True,
                "message": message.rstrip("\n"),
                "timestamp": when,
                "url": "",
                "author": {"name": an, "email": ae},
                "committer": {"name": cn, "email": ce},
            }
        )
    return commits


def _new_branch_revs(mirror_dir: Path, ref: str, after: str) -> list[str]:
    """``after`` minus everything on the other branches: what a new branch brings."""
    heads = _git(["for-each-ref", "--format=%(refname)", "refs/heads/"], cwd=mirror_dir)
    others = [r for r in heads.stdout.split() if r != ref]
    return [after, "--not", *others] if others else [after]


def _forced(mirror_dir: Path, before: str, after: str) -> bool:
    done = _git(["merge-base", "--is-ancestor", before, after], cwd=mirror_dir, check=False)
    # 1: not an ancestor; other failures (before unknown) also mean history was rewritten
    return done.returncode != 0


def push_payload(
    mirror_dir: Path,
    ref: str,
    before: str,
    after: str,
    *,
    repo_full_name: str,
    clone_url: str,
    max_commits: int = 20,
) -> dict[str, Any]:
    """A GitHub-shaped ``push`` event payload for ``before`` → ``after`` on ``ref``, read from
    the (already synced) mirror. ``commits`` runs oldest to newest, at most ``max_commits``
    of the newest; a tag push lists none, like GitHub's."""
    created, deleted = set(before) == {"0"}, set(after) == {"0"}
    commits: list[dict[str, Any]] = []
    head: dict[str, Any] | None = None
    if not deleted:
        head = _commits(mirror_dir, ["--no-walk", after], 1)[0]
        if not ref.startswith("refs/heads/"):
            pass  # a tag push lists no commits
        elif created:
            commits = _commits(mirror_dir, _new_branch_revs(mirror_dir, ref, after), max_commits)
        elif resolve(mirror_dir, before) is None:
            commits = [head]  # history rewritten before this mirror ever saw ``before``
        else:
            commits = _commits(mirror_dir, [f"{before}..{after}"], max_commits)
    owner, _, name = repo_full_name.partition("/")
    default = _git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=mirror_dir, check=False)
    who = head["committer"] if head else {"name": owner, "email": ""}
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "created": created,
        "deleted": deleted,
        "forced": not created and not deleted and _forced(mirror_dir, before, after),
        "base_ref": None,
        "compare": "",
        "commits": commits,
        "head_commit": head,
        "repository": {
            "full_name": repo_full_name,
            "name": name,
            "owner": {"login": owner, "name": owner},
            "clone_url": mask(clone_url),
            "default_branch": default.stdout.strip() if default.returncode == 0 else "",
        },
        # a plain git remote does not say who pushed: the head commit's committer stands in
        "pusher": {"name": who["name"], "email": who["email"]},
        "sender": {"login": who["name"]},
    }
