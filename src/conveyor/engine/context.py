"""The ``github`` and ``runner`` contexts and the default environment of every step.

Everything comes from the local repository, the event and the run store; see
GitHub's "Contexts" and "Default environment variables" pages.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from conveyor.gitfiles import config_output
from conveyor.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.workflow.event import Event

# compiled on first use (re caches it), not by every start-up's import
_REMOTE_URL = r"(?:[:/])([^/:]+)/([^/]+?)(?:\.git)?/?$"


@record(frozen=True, slots=True)
class RepoInfo:
    """Facts about the repository ``conveyor run`` was started on."""

    root: Path
    owner: str
    name: str
    actor: str
    server_url: str = "https://github.com"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def repo_info(root: Path) -> RepoInfo:
    """owner/name from the ``origin`` URL (else the folder name), actor from git config."""
    owner, name, actor = "local", root.resolve().name, ""
    # the config files read directly, a git process less per run; git for anything unusual
    out = config_output(root, ("remote.origin.url", "user.name"))
    if out is None:
        try:
            out = subprocess.run(
                ["git", "config", "--get-regexp", r"^(remote\.origin\.url|user\.name)$"],
                cwd=root,
                capture_output=True,
                encoding="utf-8",
                check=False,
            ).stdout
        except OSError:
            out = ""
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key == "remote.origin.url":
            m = re.search(_REMOTE_URL, value.strip())
            if m:
                owner, name = m.group(1), m.group(2)
        elif key == "user.name":
            actor = value.strip()
    return RepoInfo(root=root, owner=owner, name=name, actor=actor or os.environ.get("USER", "you"))


def ref_type_and_name(ref: str) -> tuple[str, str]:
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix):
            return kind, ref[len(prefix) :]
    if ref.startswith("refs/pull/"):
        return "branch", ref[len("refs/") :]  # GitHub: "<pr_number>/merge"
    return "branch", ref


def github_context(
    repo: RepoInfo,
    event: Event,
    *,
    workflow_name: str,
    workflow_file: str,
    run_id: int,
    run_number: int,
    event_path: Path,
    workspace: str = "",
    job: str = "",
    token: str = "",
) -> dict[str, Any]:
    ref_type, ref_name = ref_type_and_name(event.ref)
    if event.name.startswith("pull_request"):
        ref_name = event.ref.removeprefix("refs/pull/").rstrip("/")
    server = repo.server_url.rstrip("/")
    return {
        "action": "",
        "action_path": "",
        "action_ref": "",
        "action_repository": "",
        "action_status": "",
        "actor": repo.actor,
        "actor_id": "0",
        "api_url": "https://api.github.com",
        "base_ref": event.base_ref,
        "env": "",
        "event": event.payload,
        "event_name": event.name,
        "event_path": str(event_path),
        "graphql_url": "https://api.github.com/graphql",
        "head_ref": event.head_ref,
        "job": job,
        "path": "",
        "ref": event.ref,
        "ref_name": ref_name,
        "ref_protected": False,
        "ref_type": ref_type,
        "repository": repo.full_name,
        "repository_id": "0",
        "repository_owner": repo.owner,
        "repository_owner_id": "0",
        "repositoryUrl": f"git://{server.split('://', 1)[-1]}/{repo.full_name}.git",
        "retention_days": "90",
        "run_id": str(run_id),
        "run_number": str(run_number),
        "run_attempt": "1",
        "secret_source": "Actions",
        "server_url": server,
        "sha": event.sha,
        "token": token,
        "triggering_actor": repo.actor,
        "workflow": workflow_name,
        "workflow_ref": f"{repo.full_name}/{workflow_file}@{event.ref}",
        "workflow_sha": event.sha,
        "workspace": workspace,
    }


def runner_context(temp: Path, tool_cache: Path, debug: bool = False) -> dict[str, Any]:
    uname = os.uname()  # platform costs an import on every run
    machine = uname.machine.lower()
    arch = {"x86_64": "X64", "amd64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}.get(
        machine, machine.upper()
    )
    return {
        "name": f"conveyor-{uname.nodename}",
        "os": "Linux",
        "arch": arch,
        "temp": str(temp),
        "tool_cache": str(tool_cache),
        "debug": "1" if debug else "",
        "environment": "self-hosted",
    }


def default_env(github: dict[str, Any], runner: dict[str, Any]) -> dict[str, str]:
    """The GITHUB_* and RUNNER_* variables every step gets (per-step files are added later)."""
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "RUNNER_OS": runner["os"],
        "RUNNER_ARCH": runner["arch"],
        "RUNNER_NAME": runner["name"],
        "RUNNER_TEMP": runner["temp"],
        "RUNNER_TOOL_CACHE": runner["tool_cache"],
        "RUNNER_ENVIRONMENT": runner["environment"],
    }
    if runner["debug"]:
        env["RUNNER_DEBUG"] = "1"
    for key in (
        "actor",
        "actor_id",
        "api_url",
        "base_ref",
        "event_name",
        "event_path",
        "graphql_url",
        "head_ref",
        "job",
        "ref",
        "ref_name",
        "ref_type",
        "repository",
        "repository_id",
        "repository_owner",
        "repository_owner_id",
        "retention_days",
        "run_attempt",
        "run_id",
        "run_number",
        "server_url",
        "sha",
        "triggering_actor",
        "workflow",
        "workflow_ref",
        "workflow_sha",
        "workspace",
    ):
        env["GITHUB_" + key.upper()] = str(github.get(key, ""))
    env["GITHUB_REF_PROTECTED"] = "true" if github.get("ref_protected") else "false"
    return env
