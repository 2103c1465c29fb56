"""Fetching remote actions and reusable workflows with git, cached by commit.

``owner/repo@ref`` is cloned from ``{base_url}/owner/repo`` once; later runs reuse the
commit it resolved to, and ``--offline`` (or an unreachable server) uses the cache only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class FetchError(Exception):
    pass


def _urls(base_url: str, owner: str, repo: str) -> list[str]:
    base = base_url.rstrip("/")
    return [f"{base}/{owner}/{repo}.git", f"{base}/{owner}/{repo}"]


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env=env
    )


def fetch_repo(
    cache: Path,
    base_url: str,
    owner: str,
    repo: str,
    ref: str,
    *,
    offline: bool = False,
    what: str = "action",
) -> Path:
    """A directory holding ``owner/repo`` at ``ref``; raises FetchError with what to do."""
    home = cache / owner.lower() / repo.lower()
    refs_file = home / "refs.json"
    refs: dict[str, str] = {}
    if refs_file.exists():
        refs = json.loads(refs_file.read_text())
    known = refs.get(ref)
    if known and (home / known).is_dir():
        if offline or len(ref) == 40:  # a commit never moves; branches and tags are refreshed
            return home / known
    elif offline:
        raise FetchError(
            f"{what} {owner}/{repo}@{ref} is not in the cache ({home}) and --offline is set. "
            + _vendor_hint(owner, repo, what)
        )
    errors: list[str] = []
    for url in _urls(base_url, owner, repo):
        with tempfile.TemporaryDirectory(prefix="conveyor-fetch-") as tmp:
            work = Path(tmp) / "repo"
            work.mkdir()
            _git(["init", "-q"], work)
            res = _git(["fetch", "-q", "--depth", "1", url, ref], work)
            if res.returncode != 0:
                errors.append(f"{url}: {res.stderr.strip().splitlines()[-1:] or ['failed']}")
                continue
            _git(["checkout", "-q", "FETCH_HEAD"], work)
            sha = _git(["rev-parse", "HEAD"], work).stdout.strip()
            target = home / sha
            if not target.is_dir():
                home.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(work / ".git", ignore_errors=True)
                os.replace(work, target)
            refs[ref] = sha
            refs_file.write_text(json.dumps(refs, indent=1))
            return target
    if known and (home / known).is_dir():
        return home / known  # server unreachable: the cached commit for this ref still serves
    tried = "; ".join(errors)
    raise FetchError(
        f"could not fetch {what} {owner}/{repo}@{ref}. Tried: {tried}. "
        + _vendor_hint(owner, repo, what)
    )


def _vendor_hint(owner: str, repo: str, what: str) -> str:
    if what == "workflow":
        return (
            "To run without the network, copy the workflow into .github/workflows/ and call it "
            "with 'uses: ./.github/workflows/<file>', or point --actions-url at a git mirror."
        )
    return (
        f"To run without the network, vendor it: copy the action into your repository "
        f"(e.g. .github/actions/{repo}) and use 'uses: ./.github/actions/{repo}', "
        "or point --actions-url (CONVEYOR_ACTIONS_URL) at a git mirror holding "
        f"{owner}/{repo}."
    )
