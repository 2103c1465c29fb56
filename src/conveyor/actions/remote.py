"""Fetching remote actions and reusable workflows with git, cached by commit.

``owner/repo@ref`` is cloned from ``{base_url}/owner/repo`` once; later runs reuse the
commit it resolved to, and ``--offline`` (or an unreachable server) uses the cache only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


class FetchError(Exception):
    pass


_NAME = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*$")
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_LOCK = threading.Lock()  # one fetch at a time in this process (matrix jobs share actions)


def _urls(base_url: str, owner: str, repo: str) -> list[str]:
    base = base_url.rstrip("/")
    return [f"{base}/{owner}/{repo}.git", f"{base}/{owner}/{repo}"]


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    return subprocess.run(
        ["git", "-c", "advice.detachedHead=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def _reason(stderr: str) -> str:
    """The line of git's error output that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else "git fetch failed"


def _unreachable(reason: str) -> bool:
    return any(
        s in reason
        for s in ("unable to access", "Could not resolve host", "Connection refused", "timed out")
    )


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialise fetches of one repository, across threads and conveyor processes."""
    home.mkdir(parents=True, exist_ok=True)
    with _LOCK, open(home / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_refs(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_refs(path: Path, refs: dict[str, str]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(refs, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def fetch_repo(
    cache: Path,
    base_url: str,
    owner: str,
    repo: str,
    ref: str,
    *,
    offline: bool = False,
    what: str = "action",
    warn: Callable[[str], None] | None = None,
) -> Path:
    """A directory holding ``owner/repo`` at ``ref``; raises FetchError with what to do."""
    label = f"{what} {owner}/{repo}@{ref}"
    if not all(_NAME.match(n) and n not in (".", "..") for n in (owner, repo)):
        raise FetchError(f"{label}: '{owner}/{repo}' is not a valid repository name")
    if not ref or ref.startswith("-") or any(c.isspace() or c in "~^:?*[\\" for c in ref):
        raise FetchError(f"{label}: '{ref}' is not a valid git ref")
    home = cache / owner.lower() / repo.lower()
    with _locked(home):
        return _fetch_locked(home, base_url, owner, repo, ref, offline, what, label, warn)


def _fetch_locked(
    home: Path,
    base_url: str,
    owner: str,
    repo: str,
    ref: str,
    offline: bool,
    what: str,
    label: str,
    warn: Callable[[str], None] | None,
) -> Path:
    refs_file = home / "refs.json"
    refs = _read_refs(refs_file)
    known = refs.get(ref)
    cached = home / known if known and (home / known).is_dir() else None
    if cached is not None and (offline or _SHA.match(ref)):
        return cached  # a commit never moves; branches and tags are refreshed when online
    if offline:
        raise FetchError(
            f"{label} is not in the cache ({home}) and --offline is set. "
            + _vendor_hint(owner, repo, what)
        )
    errors: list[str] = []
    for url in _urls(base_url, owner, repo):
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=home) as tmp:
            work = Path(tmp) / "repo"
            work.mkdir()
            _git(["init", "-q"], work)
            res = _git(["fetch", "-q", "--depth", "1", "--", url, ref], work)
            if res.returncode != 0:
                reason = _reason(res.stderr)
                errors.append(f"{url} ({reason})")
                if _unreachable(reason):
                    break  # the same server would not answer for the other spelling either
                continue
            _git(["checkout", "-q", "FETCH_HEAD"], work)
            sha = _git(["rev-parse", "HEAD"], work).stdout.strip()
            target = home / sha
            if not target.is_dir():
                shutil.rmtree(work / ".git", ignore_errors=True)
                os.replace(work, target)
            refs[ref] = sha
            _write_refs(refs_file, refs)
            return target
    tried = "; ".join(errors)
    if cached is not None:
        if warn is not None:
            warn(f"Warning: could not refresh {label} ({tried}); using the cached commit {known}")
        return cached  # server unreachable: the cached commit for this ref still serves
    raise FetchError(f"could not fetch {label}. Tried: {tried}. " + _vendor_hint(owner, repo, what))


def _vendor_hint(owner: str, repo: str, what: str) -> str:
    if what == "workflow":
        return (
            "To run without the network, copy the workflow into .github/workflows/ and call it "
            "with 'uses: ./.github/workflows/<file>', or point --actions-url "
            f"(CONVEYOR_ACTIONS_URL) at a git mirror holding {owner}/{repo}."
        )
    return (
        f"To run without the network, vendor it: copy the action into your repository "
        f"(e.g. .github/actions/{repo}) and use 'uses: ./.github/actions/{repo}', "
        "or point --actions-url (CONVEYOR_ACTIONS_URL) at a git mirror holding "
        f"{owner}/{repo}."
    )
