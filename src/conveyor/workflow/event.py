"""The event that starts a run: payload, ``GITHUB_REF``/``GITHUB_SHA``, changed files.

``GITHUB_REF``/``GITHUB_SHA`` follow the table in GitHub's "Events that trigger
workflows". Most events run on the default branch; the exceptions are handled
in ``_ref_and_sha``.

Changed files follow "Git diff comparisons" in the workflow syntax docs:
two-dot diffs for pushes (for a new branch, from the parent of the oldest
commit that no other ref has), three-dot diffs for pull requests. ``None``
means GitHub would not have a diff (more than 1,000 commits, unknown commits,
a deleted branch): path filters then let the workflow run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conveyor.gitfiles import head_commit
from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ZERO_SHA = "0" * 40
PR_EVENTS = ("pull_request", "pull_request_target")
# events whose GITHUB_REF is the PR merge branch
_MERGE_REF_EVENTS = ("pull_request", "pull_request_review", "pull_request_review_comment")


class EventError(Exception):
    """The event cannot be built (bad event file, not a git repository, ...)."""


@record
class Event:
    name: str
    payload: dict[str, Any]
    ref: str
    sha: str
    base_ref: str = ""
    head_ref: str = ""
    # internal: where the event came from, for messages
    source: str = field(default="default payload", repr=False, compare=False)
    # a pull request whose head does not merge cleanly into its base
    merge_conflict: bool = field(default=False, compare=False)


def _git(repo: Path, *args: str, stdin: str | None = None) -> str | None:
    """Run git in ``repo``; stdout on success, ``None`` on failure."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            encoding="utf-8",
            check=False,
        )
    except OSError as exc:
        raise EventError(f"cannot run git: {exc}") from exc
    return proc.stdout if proc.returncode == 0 else None


def _resolve(repo: Path, rev: str) -> str | None:
    if not rev or rev == ZERO_SHA:
        return None
    out = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return out.strip() if out else None


def _current_branch(repo: Path) -> str | None:
    out = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    return out.strip() if out else None


def _ref_exists(repo: Path, ref: str) -> bool:
    return _git(repo, "show-ref", "--verify", "--quiet", ref) is not None


def default_branch(repo: Path, payload: dict[str, Any] | None = None) -> str:
    """The repository's default branch name, as well as a local clone can tell."""
    repo_info = (payload or {}).get("repository")
    if isinstance(repo_info, dict) and repo_info.get("default_branch"):
        return str(repo_info["default_branch"])
    out = _git(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if out and "/" in out.strip():
        return out.strip().split("/", 1)[1]
    for name in ("main", "master"):
        if _ref_exists(repo, f"refs/heads/{name}"):
            return name
    return _current_branch(repo) or "main"


def _head_ref(repo: Path) -> str:
    """``refs/heads/<current>``; a tag on a detached HEAD; else an error."""
    snap = _snapshot(repo)
    if snap is None:
        raise EventError(f"{repo} is not a git repository with at least one commit")
    return _snapshot_ref(snap)


@record
class _Snapshot:
    """What a default payload needs from git, read with two concurrent git calls."""

    head: str
    parent: str | None
    branch: str | None
    tags: list[str]
    default_branch: str
    commit: dict[str, Any]


_LOG_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%cI%x00%D%x00%B"


_DEFAULT_REFS = ("refs/heads/main", "refs/heads/master", "refs/remotes/origin/HEAD")
Started = list["subprocess.Popen[str] | str"]  # a git call, or its output already read


def _start_snapshot(repo: Path) -> Started:
    log = ["git", "-C", str(repo), "log", "-1", f"--format={_LOG_FORMAT}", "HEAD"]
    refs = ["git", "-C", str(repo), "for-each-ref", "--format=%(refname)%00%(symref)",
            *_DEFAULT_REFS]  # fmt: skip
    try:
        head = head_commit(repo)  # two processes less on every run, when files tell
        started: Started = [_format_log(*head) if head else _popen(log)]
        read = _read_default_refs(repo)
        started.append(read if read is not None else _popen(refs))
        return started
    except OSError as exc:
        raise EventError(f"cannot run git: {exc}") from exc


def _format_log(branch: str, *fields: str) -> str:
    """What ``git log -1 --format=_LOG_FORMAT`` prints for HEAD on ``branch`` (%D: the
    branch alone, tags matter only for a detached HEAD)."""
    sha, parents, author, email, date, body = fields
    return f"{sha}\x00{parents}\x00{author}\x00{email}\x00{date}\x00HEAD -> {branch}\x00{body}\n"


def _popen(argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8"
    )


def _read_default_refs(repo: Path) -> str | None:
    """What ``git for-each-ref --format=%(refname)%00%(symref)`` prints for _DEFAULT_REFS,
    read from the ref files; None for any layout other than a plain files backend (a
    reftable, an unreadable file...): git is asked then."""
    try:
        dot = repo / ".git"
        if dot.is_dir():
            gitdir = dot
        else:
            text = dot.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir: "):
                return None
            gitdir = (repo / text[len("gitdir: ") :]).resolve()
        common = gitdir
        if (gitdir / "commondir").is_file():
            common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        if (common / "reftable").exists() or not (common / "refs").is_dir():
            return None
        packed = common / "packed-refs"
        packed_names = set()
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split(" ", 1)
                if len(parts) == 2 and not line.startswith(("#", "^")):
                    packed_names.add(parts[1].strip())
        lines = []
        for name in _DEFAULT_REFS:
            loose = common / name
            if loose.is_file():
                content = loose.read_text(encoding="utf-8").strip()
                symref = content[len("ref: ") :] if content.startswith("ref: ") else ""
                lines.append(f"{name}\x00{symref}")
            elif loose.exists():
                return None  # a folder where a ref should be: let git say what it is
            elif name in packed_names:
                lines.append(f"{name}\x00")
        return "".join(line + "\n" for line in lines)
    except (OSError, UnicodeDecodeError):
        return None


def _snapshot(repo: Path, started: Started | None = None) -> _Snapshot | None:
    procs = started or _start_snapshot(repo)
    outs = [p if isinstance(p, str) else p.communicate()[0] for p in procs]
    parts = outs[0].split("\x00", 6)
    log = procs[0]
    if (not isinstance(log, str) and log.returncode != 0) or len(parts) < 7:
        return None
    head, parents, author, email, date, decorations, body = parts
    branch, tags = None, []
    for deco in (d.strip() for d in decorations.split(",")):
        if deco.startswith("HEAD -> "):
            branch = deco[len("HEAD -> ") :]
        elif deco.startswith("tag: "):
            tags.append(deco[len("tag: ") :])
    if branch:
        tags = []  # only a detached HEAD looks for its tag (and files do not say them)
    refs = dict(line.split("\x00", 1) for line in outs[1].splitlines() if "\x00" in line)
    origin_head = refs.get("refs/remotes/origin/HEAD", "")
    if origin_head.startswith("refs/remotes/origin/"):
        default = origin_head[len("refs/remotes/origin/") :]
    elif "refs/heads/main" in refs:
        default = "main"
    elif "refs/heads/master" in refs:
        default = "master"
    else:
        default = branch or "main"
    commit = {
        "id": head,
        "message": body.strip(),
        "timestamp": date,
        "author": {"name": author, "email": email},
    }
    parent = parents.split()[0] if parents.split() else None
    return _Snapshot(head, parent, branch, tags, default, commit)


_NO_GIT = "__conveyor_no_git__"


def _plain_payload(name: str, repo: Path) -> dict[str, Any]:
    payload: dict[str, Any] = {
        _NO_GIT: True,
        "repository": {"default_branch": "main", "name": repo.name},
    }
    if name == "push":
        payload.update(ref="refs/heads/main", before=ZERO_SHA, after=ZERO_SHA, created=True)
    elif name in PR_EVENTS or name in _MERGE_REF_EVENTS:
        pr = {"number": 1, "head": {"ref": "main"}, "base": {"ref": "main"}, "merged": False}
        payload.update(action="opened", number=1, pull_request=pr)
    elif name == "workflow_dispatch":
        payload.update(ref="refs/heads/main", inputs={})
    return payload


def _snapshot_ref(snap: _Snapshot) -> str:
    if snap.branch:
        return f"refs/heads/{snap.branch}"
    if snap.tags:
        return f"refs/tags/{snap.tags[0]}"
    raise EventError("HEAD is detached and no tag points at it: pass an event file with a ref")


def _default_payload(name: str, repo: Path, started: Started | None = None) -> dict[str, Any]:
    snap = _snapshot(repo, started)
    if snap is None:
        # not a git repository (or one without commits): run it anyway, like a checkout of
        # an unborn `main` — the sha is all zeros and path filters see no diff
        return _plain_payload(name, repo)
    head = snap.head
    base_branch = snap.default_branch
    payload: dict[str, Any] = {"repository": {"default_branch": base_branch, "name": repo.name}}
    if name == "push":
        before = snap.parent or ZERO_SHA
        payload.update(
            ref=_snapshot_ref(snap),
            before=before,
            after=head,
            created=before == ZERO_SHA,
            deleted=False,
            forced=False,
            head_commit=snap.commit,
        )
    elif name in PR_EVENTS or name in _MERGE_REF_EVENTS:
        branch = snap.branch or head
        base: dict[str, Any] = {"ref": base_branch}
        base_sha = _resolve(repo, f"refs/heads/{base_branch}")
        if base_sha:
            base["sha"] = base_sha
        pr = {"number": 1, "head": {"ref": branch, "sha": head}, "base": base, "merged": False}
        payload.update(action="opened", number=1, pull_request=pr)
    elif name == "workflow_dispatch":
        payload.update(ref=_snapshot_ref(snap), inputs={})
    return payload


def _normalise_ref(repo: Path, ref: str) -> str:
    """Accept ``main``/``v1`` as well as full refs (the dispatch API does)."""
    if ref.startswith("refs/"):
        return ref
    if _ref_exists(repo, f"refs/heads/{ref}"):
        return f"refs/heads/{ref}"
    if _ref_exists(repo, f"refs/tags/{ref}"):
        return f"refs/tags/{ref}"
    return f"refs/heads/{ref}"


def _dig(data: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(k)
    return data


def _ref_and_sha(name: str, payload: dict[str, Any], repo: Path) -> tuple[str, str]:
    default = f"refs/heads/{default_branch(repo, payload)}"

    def sha_of(rev: str, fallback: str = default) -> str:
        return _resolve(repo, rev) or _resolve(repo, fallback) or _resolve(repo, "HEAD") or ""

    if name == "push":
        ref = str(payload.get("ref") or _head_ref(repo))
        after = str(payload.get("after") or "")
        if after and after != ZERO_SHA:
            return ref, after
        # a deleted branch runs on the default branch's last commit
        return ref, sha_of(default)
    if name in _MERGE_REF_EVENTS:
        pr = payload.get("pull_request") or {}
        number = payload.get("number") or _dig(pr, "number") or 0
        base = str(_dig(pr, "base", "ref") or "")
        if payload.get("action") == "closed" and _dig(pr, "merged") and base:
            merge_sha = _dig(pr, "merge_commit_sha")
            return f"refs/heads/{base}", str(merge_sha or sha_of(f"refs/heads/{base}"))
        head_sha = _dig(pr, "head", "sha")
        head_ref = str(_dig(pr, "head", "ref") or "HEAD")
        return f"refs/pull/{number}/merge", str(head_sha or sha_of(head_ref, "HEAD"))
    if name == "pull_request_target":
        # github.com: runs in the context of the default branch
        return default, sha_of(default)
    if name == "workflow_dispatch":
        ref = _normalise_ref(repo, str(payload.get("ref") or _head_ref(repo)))
        return ref, sha_of(ref, "HEAD")
    if name == "release":
        tag = str(_dig(payload, "release", "tag_name") or "")
        if tag:
            return f"refs/tags/{tag}", sha_of(f"refs/tags/{tag}", "HEAD")
    if name == "create" and payload.get("ref"):
        kind = "tags" if payload.get("ref_type") == "tag" else "heads"
        ref = f"refs/{kind}/{payload['ref']}"
        return ref, sha_of(ref, "HEAD")
    if name in ("deployment", "deployment_status"):
        dep_ref = str(_dig(payload, "deployment", "ref") or "")
        dep_sha = str(_dig(payload, "deployment", "sha") or "")
        ref = ""
        if dep_ref and (_resolve(repo, dep_ref) != dep_ref):  # a name, not a commit SHA
            ref = _normalise_ref(repo, dep_ref)
        return ref, dep_sha or sha_of(dep_ref or default)
    if name == "merge_group":
        mg = payload.get("merge_group") or {}
        if mg.get("head_ref"):
            return str(mg["head_ref"]), str(mg.get("head_sha") or sha_of(str(mg["head_ref"])))
    return default, sha_of(default)


CONFLICT = "conflict"


def _pr_merge_commit(repo: Path, pr: dict[str, Any], head: str) -> str | None:
    """The pull request's test merge commit (GITHUB_SHA: "Last merge commit on the
    GITHUB_REF branch", refs/pull/N/merge): ``merge_commit_sha`` when the payload has a
    local one, else head merged into the base, written as a deterministic commit object
    (no ref is changed). ``None`` when there is no base; ``CONFLICT`` when the merge
    conflicts."""
    given = _resolve(repo, str(_dig(pr, "merge_commit_sha") or ""))
    if given:
        return given
    head_sha = _resolve(repo, head)
    base = _resolve(repo, str(_dig(pr, "base", "sha") or "")) or _resolve(
        repo, f"refs/heads/{_dig(pr, 'base', 'ref') or ''}"
    )
    if not head_sha or not base or base == head_sha:
        return None
    try:
        merged = subprocess.run(
            ["git", "-C", str(repo), "merge-tree", "--write-tree", "--no-messages", base, head_sha],
            capture_output=True,
            encoding="utf-8",
            check=False,
        )
    except OSError:
        return None
    tree = merged.stdout.split("\n", 1)[0].strip()
    if merged.returncode == 1 and len(tree) == 40:
        return CONFLICT
    if merged.returncode != 0 or len(tree) != 40:
        return None
    date = (_git(repo, "show", "-s", "--format=%cI", head_sha) or "").strip()
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "GitHub",
        "GIT_AUTHOR_EMAIL": "noreply@github.com",
        "GIT_COMMITTER_NAME": "GitHub",
        "GIT_COMMITTER_EMAIL": "noreply@github.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    try:
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "-c",
                "commit.gpgsign=false",
                "commit-tree",
                tree,
                "-p",
                base,
                "-p",
                head_sha,
                "-m",
                f"Merge {head_sha} into {base}",
            ],
            capture_output=True,
            encoding="utf-8",
            check=False,
            env=env,
        )
    except OSError:
        return None
    sha = proc.stdout.strip()
    return sha if proc.returncode == 0 and len(sha) == 40 else None


def load_event(name: str, repo: Path, eventpath: Path | None) -> Event:
    """Build the event from ``eventpath`` (a webhook-style JSON payload) or from git."""
    return EventLoad(name, repo, eventpath).result()


class EventLoad:
    """``load_event`` in two halves: the git calls of a default payload start at once,
    ``result()`` waits for them and builds the event; the caller works in between."""

    def __init__(self, name: str, repo: Path, eventpath: Path | None) -> None:
        self._args = (name, repo, eventpath)
        self._started: Started | None = None
        self._error: EventError | None = None  # raised by result(), as load_event would
        if eventpath is None:
            try:
                self._started = _start_snapshot(repo)
            except EventError as e:
                self._error = e

    def result(self) -> Event:
        started, self._started = self._started, None
        if self._error is not None:
            raise self._error
        return _load_event(*self._args, started)

    def abandon(self) -> None:
        """The event is not needed after all: wait for its git calls to end."""
        started, self._started = self._started, None
        for proc in started or []:
            if not isinstance(proc, str):
                proc.communicate()


def _load_event(name: str, repo: Path, eventpath: Path | None, started: Started | None) -> Event:
    if eventpath is not None:
        import json  # only an event file needs it: --list of a push does not

        try:
            payload = json.loads(Path(eventpath).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EventError(f"cannot read event file {eventpath}: {exc}") from exc
        if not isinstance(payload, dict):
            raise EventError(f"event file {eventpath} must hold a JSON object")
        source = str(eventpath)
    else:
        payload = _default_payload(name, repo, started)
        source = "default payload"
        if payload.get(_NO_GIT):
            del payload[_NO_GIT]
            return Event(name, payload, "refs/heads/main", ZERO_SHA, source="plain directory")
    ref, sha = _ref_and_sha(name, payload, repo)
    conflict = False
    if eventpath is not None and ref.startswith("refs/pull/") and ref.endswith("/merge"):
        # a given pull request runs on its test merge commit; the default payload keeps
        # HEAD so that checkout copies the working tree with uncommitted changes
        merge = _pr_merge_commit(repo, payload.get("pull_request") or {}, sha)
        if merge == CONFLICT:
            conflict = True
        elif merge:
            sha = merge
    base_ref = head_ref = ""
    if name in PR_EVENTS:
        base_ref = str(_dig(payload, "pull_request", "base", "ref") or "")
        head_ref = str(_dig(payload, "pull_request", "head", "ref") or "")
    return Event(name, payload, ref, sha, base_ref, head_ref, source, conflict)
