"""actions/checkout: materialise the local repository (or clone another one) into the workspace.

Default (the workflow's own repository, no ``ref``): HEAD plus the working tree's uncommitted
changes, i.e. tracked and untracked-but-not-ignored files, copied with modes and symlinks
(``.conveyor/`` never). The target is a real git repository sharing the source's objects
(``objects/info/alternates``), on the same branch, so ``git log``/``git rev-parse`` work.

With ``ref``: exactly the tree of that commit. With ``repository`` naming another repository:
``git clone`` from ``{remote_base_url}/{owner}/{repo}.git``.

``fetch-depth`` is honoured (1 = a shallow history of one commit, 0 = all branches and tags).
No-ops, accepted for compatibility: token, ssh-*, persist-credentials, set-safe-directory,
github-server-url, show-progress, reference, filter, sparse-checkout(-cone-mode) (the full tree
is checked out, with a warning), lfs (warning when true), submodules for the local repository
(submodules are updated only for clones).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.procs import git
from conveyor.actions.builtin.step import unset, warn
from conveyor.actions.localtree import copy_listed, copy_plain

INPUTS: dict[str, dict[str, str]] = {
    "repository": {"default": "${{ github.repository }}"},
    "ref": {"default": ""},
    "token": {"default": "${{ github.token }}"},
    "ssh-key": {"default": ""},
    "ssh-known-hosts": {"default": ""},
    "ssh-strict": {"default": "true"},
    "ssh-user": {"default": "git"},
    "persist-credentials": {"default": "true"},
    "path": {"default": ""},
    "clean": {"default": "true"},
    "filter": {"default": ""},
    "sparse-checkout": {"default": ""},
    "sparse-checkout-cone-mode": {"default": "true"},
    "fetch-depth": {"default": "1"},
    "fetch-tags": {"default": "false"},
    "show-progress": {"default": "true"},
    "reference": {"default": ""},
    "lfs": {"default": "false"},
    "submodules": {"default": "false"},
    "set-safe-directory": {"default": "true"},
    "github-server-url": {"default": ""},
}

_SHA = re.compile(r"^[0-9a-fA-F]{40}$")


def main(call: ActionCall) -> None:
    target = _target(call)
    depth = _fetch_depth(call)
    if call.list_input("sparse-checkout"):
        warn(call, "sparse-checkout is not supported by conveyor; the full tree is checked out")
    if call.bool_input("lfs"):
        warn(call, "lfs is not supported by conveyor; LFS pointer files are checked out as is")
    repository = call.input("repository")
    current = str(call.github.get("repository", "") or "")
    ref = "" if unset(call.input("ref")) else call.input("ref").strip()
    _prepare(target, call.bool_input("clean", True))
    if unset(repository) or repository.lower() == current.lower() or not current:
        if not unset(repository) and not current and "/" in repository:
            call.log(f"github.repository is unknown; using the local repository for {repository}")
        commit, out_ref = _local(call, target, ref, depth)
    else:
        commit, out_ref = _clone(call, target, repository, ref, depth)
    call.outputs["ref"] = out_ref
    call.outputs["commit"] = commit


def _target(call: ActionCall) -> Path:
    workspace = call.workspace.resolve()
    rel = call.input("path").strip()
    target = Path(os.path.normpath(workspace / rel))
    if target != workspace and workspace not in target.parents:
        raise ActionFailed(f"Repository path '{target}' is not under '{workspace}'")
    return target


def _fetch_depth(call: ActionCall) -> int:
    raw = call.input("fetch-depth", "1")
    try:
        depth = int(raw)
    except ValueError:
        raise ActionFailed(f"The input 'fetch-depth' must be a number, got '{raw}'") from None
    return max(depth, 0)


def _prepare(target: Path, clean: bool) -> None:
    """Empty the target (clean: everything; not clean: only the old .git)."""
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if clean or child.name == ".git":
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()


# --- the local repository


def _local(call: ActionCall, target: Path, ref: str, depth: int) -> tuple[str, str]:
    root = call.repo_root.resolve()
    info = git(
        call,
        "rev-parse",
        "HEAD",
        "--symbolic-full-name",
        "HEAD",
        "--git-path",
        "objects",
        "--git-path",
        "shallow",
        cwd=root,
        check=False,
    ).splitlines()
    if len(info) != 4 or not _SHA.match(info[0]):
        if ref:
            raise ActionFailed(f"{root} is not a git repository with at least one commit")
        # a plain directory (conveyor run on a folder without git): copy its files
        copy_plain(root, target)
        call.log(f"{root} is not a git repository: copied its files into {target}")
        return "", ""
    head, head_name, objects, shallow = info
    objects_dir = (root / objects).resolve()
    event_commit = "" if ref else _event_commit(call, root, head)
    if ref:
        commit, symbolic = _resolve_local_ref(call, root, ref)
    elif event_commit:
        # checkout's README: "When checking out the repository that triggered a workflow,
        # this defaults to the reference or SHA for that event": an event (--eventpath)
        # whose github.sha is not the local HEAD gets exactly that commit.
        event_ref = str(call.github.get("ref", "") or "")
        commit, symbolic = event_commit, (event_ref if event_ref.startswith("refs/heads/") else "")
    else:
        commit, symbolic = head, (head_name if head_name.startswith("refs/heads/") else "")
    _init_shared(call, target, root, objects_dir)
    branch = symbolic[len("refs/heads/") :] if symbolic.startswith("refs/heads/") else ""
    _set_head(target, commit, branch)
    _set_history(call, target, root, root / shallow, commit, depth, call.bool_input("fetch-tags"))
    if ref or event_commit:
        git(call, "reset", "--hard", "-q", commit, cwd=target)
    else:
        _copy_worktree(call, root, target)
        git(call, "reset", "-q", cwd=target)
    if ref:
        out_ref = "" if _SHA.match(ref) else ref
    else:
        out_ref = str(call.github.get("ref", "") or "") or symbolic
    call.log(f"Checked out {out_ref or commit} ({commit}) into {target}")
    return commit, out_ref


def _event_commit(call: ActionCall, root: Path, head: str) -> str:
    """github.sha when it names a local commit other than HEAD, else ``""``."""
    sha = str(call.github.get("sha", "") or "")
    if not _SHA.match(sha) or sha.lower() == head.lower():
        return ""
    found = git(call, "rev-parse", "--verify", "-q", f"{sha}^{{commit}}", cwd=root, check=False)
    return found.strip() if _SHA.match(found.strip()) else ""


def _resolve_local_ref(call: ActionCall, root: Path, ref: str) -> tuple[str, str]:
    candidates = [ref] if ref.startswith("refs/") or _SHA.match(ref) else []
    candidates += [f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/remotes/origin/{ref}", ref]
    for cand in candidates:
        sha = git(call, "rev-parse", "--verify", "-q", f"{cand}^{{commit}}", cwd=root, check=False)
        if _SHA.match(sha):
            symbolic = cand if cand.startswith("refs/heads/") else ""
            if cand.startswith("refs/remotes/origin/"):
                symbolic = "refs/heads/" + cand[len("refs/remotes/origin/") :]
            return sha, symbolic
    raise ActionFailed(f"A branch or tag with the name '{ref}' could not be found")


def _init_shared(call: ActionCall, target: Path, root: Path, objects_dir: Path) -> None:
    git(call, "init", "-q", str(target), cwd=target)
    gitdir = target / ".git"
    (gitdir / "objects" / "info" / "alternates").write_text(f"{objects_dir}\n")
    with (gitdir / "config").open("a") as config:
        config.write(
            f'[remote "origin"]\n\turl = {root}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
        )


def _set_head(target: Path, commit: str, branch: str) -> None:
    gitdir = target / ".git"
    if branch:
        ref_file = gitdir / "refs" / "heads" / branch
        ref_file.parent.mkdir(parents=True, exist_ok=True)
        ref_file.write_text(commit + "\n")
        remote_file = gitdir / "refs" / "remotes" / "origin" / branch
        remote_file.parent.mkdir(parents=True, exist_ok=True)
        remote_file.write_text(commit + "\n")
        (gitdir / "HEAD").write_text(f"ref: refs/heads/{branch}\n")
    else:
        (gitdir / "HEAD").write_text(commit + "\n")


def _set_history(
    call: ActionCall,
    target: Path,
    root: Path,
    source_shallow: Path,
    commit: str,
    depth: int,
    fetch_tags: bool,
) -> None:
    """fetch-depth 0: every branch (as origin/*) and tag; N: a shallow history of N commits."""
    gitdir = target / ".git"
    if depth == 0 or fetch_tags:
        pattern = ["refs/heads", "refs/tags"] if depth == 0 else ["refs/tags"]
        listing = git(call, "for-each-ref", "--format=%(objectname) %(refname)", *pattern, cwd=root)
        lines = []
        for line in listing.splitlines():
            sha, name = line.split(" ", 1)
            if name.startswith("refs/heads/"):
                name = "refs/remotes/origin/" + name[len("refs/heads/") :]
            lines.append(f"update {name} {sha}\n")
        if lines:
            git(call, "update-ref", "--stdin", cwd=target, stdin="".join(lines))
    boundary: set[str] = set()
    if source_shallow.exists():
        boundary.update(source_shallow.read_text().split())
    if depth > 0:
        boundary.update(_depth_boundary(call, root, commit, depth))
    if boundary:
        (gitdir / "shallow").write_text("".join(f"{sha}\n" for sha in sorted(boundary)))


def _depth_boundary(call: ActionCall, root: Path, commit: str, depth: int) -> set[str]:
    """Commits at distance depth-1 from ``commit`` (git's shallow boundary for --depth)."""
    if depth == 1:
        return {commit}
    listing = git(call, "rev-list", "--parents", commit, cwd=root)
    parents = {line.split()[0]: line.split()[1:] for line in listing.splitlines() if line}
    distance = {commit: 0}
    frontier = [commit]
    boundary: set[str] = set()
    while frontier:
        nxt: list[str] = []
        for sha in frontier:
            if distance[sha] == depth - 1:
                if parents.get(sha):
                    boundary.add(sha)
                continue
            for parent in parents.get(sha, []):
                if parent not in distance:
                    distance[parent] = distance[sha] + 1
                    nxt.append(parent)
        frontier = nxt
    return boundary


def _copy_worktree(call: ActionCall, root: Path, target: Path) -> None:
    listing = git(call, "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=root)
    copy_listed(root, target, listing.split("\0"))


# --- another repository


def _clone(
    call: ActionCall, target: Path, repository: str, ref: str, depth: int
) -> tuple[str, str]:
    parts = repository.strip().split("/")
    if len(parts) != 2 or not all(parts):
        raise ActionFailed(
            f"Invalid repository '{repository}'. Expected format {{owner}}/{{repo}}."
        )
    url = f"{call.remote_base_url.rstrip('/')}/{parts[0]}/{parts[1]}.git"
    call.log(f"Cloning {url} into {target}")
    git(call, "init", "-q", str(target), cwd=target)
    git(call, "remote", "add", "origin", url, cwd=target)
    refs = _ls_remote(call, target, url)
    depth_args = [f"--depth={depth}"] if depth > 0 else []
    if not ref:
        head = refs.get("HEAD-symref", "")
        if not head:
            raise ActionFailed(f"Unable to determine the default branch of {url}")
        ref = head
    if _SHA.match(ref):
        fetch_ref, checkout_ref, branch, out_ref = ref, ref, "", ""
    else:
        for cand in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if cand in refs:
                break
        else:
            raise ActionFailed(f"A branch or tag with the name '{ref}' could not be found")
        if cand.startswith("refs/heads/"):
            name = cand[len("refs/heads/") :]
            remote = f"refs/remotes/origin/{name}"
            fetch_ref, checkout_ref, branch = f"+{cand}:{remote}", remote, name
        else:
            fetch_ref, checkout_ref, branch = f"+{cand}:{cand}", cand, ""
        out_ref = ref if call.input("ref").strip() else cand
    fetch = ["fetch", "-q", "--no-tags", *depth_args, "origin", fetch_ref]
    if depth == 0:
        fetch += ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
    elif call.bool_input("fetch-tags"):
        fetch += ["+refs/tags/*:refs/tags/*"]
    git(call, *fetch, cwd=target)
    if branch:
        git(call, "checkout", "-q", "--force", "-B", branch, checkout_ref, cwd=target)
    else:
        git(call, "checkout", "-q", "--force", "--detach", checkout_ref, cwd=target)
    submodules = call.input("submodules", "false").lower()
    if submodules in ("true", "recursive"):
        recursive = ["--recursive"] if submodules == "recursive" else []
        git(call, "submodule", "update", "--init", *recursive, *depth_args, cwd=target)
    commit = git(call, "rev-parse", "HEAD", cwd=target)
    return commit, out_ref


def _ls_remote(call: ActionCall, cwd: Path, url: str) -> dict[str, str]:
    out = git(call, "ls-remote", "--symref", url, cwd=cwd)
    refs: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            refs["HEAD-symref"] = line[len("ref: ") : -len("\tHEAD")]
            continue
        sha, _, name = line.partition("\t")
        refs[name] = sha
    return refs
