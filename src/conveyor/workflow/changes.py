"""Which files an event changed, as GitHub's path filters see them.

"Git diff comparisons" in the workflow syntax docs: two-dot diffs for pushes (for a new
branch, from the parent of the oldest commit that no other ref has), three-dot diffs for
pull requests. ``None`` means GitHub would not have a diff (more than 1,000 commits,
unknown commits, a deleted branch): path filters then let the workflow run.
"""

from __future__ import annotations

from pathlib import Path

from conveyor.workflow.event import (
    PR_EVENTS,
    ZERO_SHA,
    Event,
    _dig,
    _git,
    _resolve,
)

MAX_DIFF_COMMITS = 1000  # GitHub: "more than 1,000 commits" => no diff, filters pass


def _names(out: str | None) -> list[str]:
    return [p for p in (out or "").split("\0") if p]


def _diff(repo: Path, old: str, new: str) -> list[str] | None:
    # --no-renames: a moved file counts as both its old and its new path
    out = _git(repo, "diff", "--name-only", "-z", "--no-renames", old, new, "--")
    return None if out is None else _names(out)


def _empty_tree(repo: Path) -> str | None:
    out = _git(repo, "hash-object", "-t", "tree", "--stdin", stdin="")
    return out.strip() if out else None


def _new_ref_base(repo: Path, ref: str, after: str) -> tuple[str | None, int]:
    """The parent of the oldest commit only ``ref`` has, and how many such commits."""
    short = ref.split("/", 2)[-1]
    refs = (_git(repo, "for-each-ref", "--format=%(refname)") or "").splitlines()
    # the pushed ref and its remote-tracking copies do not count as "other refs"
    others = [
        r
        for r in refs
        if r != ref and not (r.startswith("refs/remotes/") and r.split("/", 3)[3:] == [short])
    ]
    stdin = after + "\n" + "".join(f"^{r}\n" for r in others)
    out = _git(repo, "rev-list", "--reverse", "--stdin", stdin=stdin)
    commits = (out or "").split()
    if not commits:
        return None, 0
    return _resolve(repo, f"{commits[0]}~1") or _empty_tree(repo), len(commits)


def _push_files(event: Event, repo: Path) -> list[str] | None:
    after = str(event.payload.get("after") or event.sha)
    if after == ZERO_SHA or _resolve(repo, after) is None:
        return None
    before = str(event.payload.get("before") or ZERO_SHA)
    if before == ZERO_SHA:
        base, count = _new_ref_base(repo, event.ref, after)
        if count == 0:
            return []  # nothing new was pushed, so nothing changed
        if base is None or count > MAX_DIFF_COMMITS:
            return None
        return _diff(repo, base, after)
    if _resolve(repo, before) is None:
        return None
    pushed = _git(repo, "rev-list", "--count", f"{before}..{after}")
    if pushed is None or int(pushed.strip() or 0) > MAX_DIFF_COMMITS:
        return None
    return _diff(repo, before, after)


def _pr_files(event: Event, repo: Path) -> list[str] | None:
    pr = event.payload.get("pull_request") or {}
    base = _dig(pr, "base", "sha") or _resolve(repo, str(_dig(pr, "base", "ref") or ""))
    head = _dig(pr, "head", "sha") or _resolve(repo, str(_dig(pr, "head", "ref") or ""))
    if not base or not head or not _resolve(repo, str(base)) or not _resolve(repo, str(head)):
        return None
    merge_base = _git(repo, "merge-base", str(base), str(head))
    if merge_base is None:
        return None
    return _diff(repo, merge_base.strip(), str(head))


def event_changed_files(event: Event, repo: Path) -> list[str] | None:
    """Files the event changed, as GitHub's path filters see them; ``None`` = unknown."""
    if event.name == "push":
        return _push_files(event, repo)
    if event.name in PR_EVENTS:
        return _pr_files(event, repo)
    return None
