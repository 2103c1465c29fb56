"""The workflows of a repository, as GitHub's ``GET .../actions/workflows`` lists them,
read from its default branch; each ``on: workflow_dispatch`` one also says which inputs
a dispatch takes (``dispatch_inputs``), for the CLI and the web UI's "Run workflow"."""

from __future__ import annotations

import zlib
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from conveyor.server import models as m
from conveyor.server.api import Caller, _repo, caller, need, state_of
from conveyor.server.state import State

router = APIRouter(prefix="/api/v1")


def _text(value: Any) -> str:
    from conveyor.workflow.loader import text

    return text(value)


def dispatch_inputs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``on.workflow_dispatch.inputs`` in one shape: every key present, types defaulted."""
    spec = config.get("inputs")
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(spec, dict):
        return out
    for name, raw in spec.items():
        d = raw if isinstance(raw, dict) else {}
        kind = str(d.get("type") or "string")
        default = d.get("default")
        if kind == "boolean" and default in ("true", "false"):
            default = default == "true"
        options = d.get("options")
        out[str(name)] = {
            "description": str(d.get("description") or ""),
            "required": d.get("required") in (True, "true"),
            "default": default,
            "type": kind,
            "options": [_text(o) for o in options]
            if kind == "choice" and isinstance(options, list)
            else [],
        }
    return out


def repo_workflows(state: State, repo_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The default branch and its workflows (sorted by path), each as the API shows it;
    raises ``TriggerError`` when the repository cannot be fetched."""
    from conveyor.server.gitmirror import resolve
    from conveyor.server.triggers import checkout, load_workflows, sync_mirror

    with state.db.session() as s:
        repo = s.get(m.Repo, repo_id)
        assert repo is not None
        s.expunge(repo)
    mirror = sync_mirror(state, repo)
    branch = repo.default_branch
    sha = resolve(mirror, f"refs/heads/{branch}")
    if sha is None:  # an empty repository, or a default branch not pushed yet
        return branch, []
    src = checkout(state, repo, sha, branch)
    workflows, problems = load_workflows(src, None)
    base = state.settings.public_url.rstrip("/")
    listed: list[dict[str, Any]] = []
    entries = [(wf.path, wf.display_name, wf.on) for wf in workflows]
    entries += [(path, path, {}) for path, _ in problems]  # listed, as GitHub lists them
    for path, title, on in sorted(entries):
        file = path.rsplit("/", 1)[-1]
        item: dict[str, Any] = {
            "id": zlib.crc32(path.encode()),  # stable: the same path, the same id
            "name": title,
            "path": path,
            "state": "active",
            "badge_url": f"{base}/badge/{repo.full_name}/{file}.svg",
        }
        if "workflow_dispatch" in on:
            item["dispatch_inputs"] = dispatch_inputs(on["workflow_dispatch"])
        listed.append(item)
    return branch, listed


def dispatchable(state: State, repo_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The default branch and the workflows a dispatch can start."""
    branch, listed = repo_workflows(state, repo_id)
    return branch, [w for w in listed if "dispatch_inputs" in w]


@router.get("/repos/{owner}/{name}/actions/workflows", tags=["triggers"])
def list_workflows(
    owner: str, name: str, request: Request, who: Caller = Depends(caller)
) -> dict[str, Any]:
    """The workflows of the default branch; ``dispatch_inputs`` (name -> description,
    required, default, type, options) on those with ``on: workflow_dispatch``."""
    from conveyor.server.triggers import TriggerError

    state = state_of(request)
    with state.db.session() as s:
        repo = _repo(s, owner, name)
        need(who, "read", repo)
        repo_id = repo.id
    try:
        _, listed = repo_workflows(state, repo_id)
    except TriggerError as e:
        raise HTTPException(502, str(e)) from None
    return {"total_count": len(listed), "workflows": listed}
