"""docker/metadata-action (v5): Docker tags, OCI labels and annotations for the event, offline.

Every input of the action is read as the action reads it (``context``, ``images``, ``tags``,
``flavor``, ``labels``, ``annotations``, ``sep-tags``, ``sep-labels``, ``sep-annotations``,
``bake-target``; ``github-token`` is accepted and unused). Outputs: ``version``, ``tags``,
``tag-names``, ``labels``, ``annotations``, ``json``, ``bake-file-tags``,
``bake-file-labels``, ``bake-file-annotations`` and ``bake-file`` (JSON files in a
``docker-actions-toolkit-*`` folder under RUNNER_TEMP), each also exported as
``DOCKER_METADATA_OUTPUT_<NAME>`` unless ``DOCKER_METADATA_SET_OUTPUT_ENV`` is false. The
action's other variables work too: ``DOCKER_METADATA_PR_HEAD_SHA``,
``DOCKER_METADATA_SHORT_SHA_LENGTH``, ``DOCKER_METADATA_ANNOTATIONS_LEVELS``.

Offline, the repository facts the action asks GitHub's API for come from what Conveyor
knows: ``title`` is the name in ``github.repository``; ``url``/``source`` are
``github.event.repository.html_url``, else ``{server_url}/{owner}/{name}`` (empty when the
repository has no ``origin`` remote, whose owner Conveyor calls ``local``);
``description`` and ``licenses`` (the SPDX id) come from ``github.event.repository`` and are
empty, yet present, without it, as the action prints a field the API leaves out; the
default branch (``type=edge``) is the event's, else the local repository's. A commit date
the payload lacks comes from ``git show`` in the local repository, else now.

With ``context: git``, the ref and commit are read from git in the workspace (a detached
HEAD must carry a tag, a ``pull/N/merge`` ref or a remote branch; otherwise it fails).

As in v5, a tag has its invalid characters replaced by ``-`` but is not cut to Docker's 128
characters; unlike v5, a list entry that is blank once trimmed is skipped (v5 crashes), and
``{{...}}`` blocks or sub-expressions fail with a message (v5 never documents them).
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.docker_metadata import outputs as out
from conveyor.actions.builtin.docker_metadata import rules
from conveyor.actions.builtin.docker_metadata.js import input_list, js_number
from conveyor.actions.builtin.procs import git
from conveyor.actions.builtin.step import warn
from conveyor.workflow.event import default_branch

INPUTS: dict[str, dict[str, str]] = {
    "context": {"default": "workflow"},
    "images": {"default": ""},
    "tags": {"default": ""},
    "flavor": {"default": ""},
    "labels": {"default": ""},
    "annotations": {"default": ""},
    "sep-tags": {"default": ""},
    "sep-labels": {"default": ""},
    "sep-annotations": {"default": ""},
    "bake-target": {"default": ""},
    "github-token": {"default": "${{ github.token }}"},
}

_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


def _payload(call: ActionCall) -> dict[str, Any]:
    event = call.github.get("event")
    return event if isinstance(event, dict) else {}


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _parse_date(text: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(text).strip().strip('"'))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _commit_date(call: ActionCall, payload: dict[str, Any], sha: str) -> datetime:
    commits = payload.get("commits")
    if isinstance(commits, list):
        for commit in commits:
            if isinstance(commit, dict) and commit.get("id") == sha and commit.get("timestamp"):
                return _parse_date(commit["timestamp"]) or datetime.now(UTC)
    head = payload.get("head_commit")
    if isinstance(head, dict) and head.get("id") == sha:
        return _parse_date(head.get("timestamp")) or datetime.now(UTC)
    # where the action asks the API, the local repository has the commit
    if sha and (call.repo_root / ".git").exists():
        out = git(call, "show", "-s", "--format=%cI", sha, cwd=call.repo_root, check=False)
        found = _parse_date(out) if out.strip() else None
        if found:
            return found
    return datetime.now(UTC)


def workflow_context(call: ActionCall) -> rules.Context:
    payload = _payload(call)
    event_name = str(call.github.get("event_name") or "")
    ref = str(call.github.get("ref") or "")
    sha = str(call.github.get("sha") or "")
    if "pull_request_target" in event_name:
        number = payload.get("number")
        ref = f"refs/pull/{'undefined' if number is None else number}/merge"
    if re.search("true", call.env.get("DOCKER_METADATA_PR_HEAD_SHA", ""), re.IGNORECASE):
        head_sha = _dig(payload, "pull_request", "head", "sha")
        if "pull_request" in event_name and head_sha is not None:
            sha = str(head_sha)
    return rules.Context(event_name, ref, sha, payload, _commit_date(call, payload, sha))


def _job_git(call: ActionCall, *args: str) -> str:
    out = call.capture(["git", *args], cwd=call.workspace)
    if out.exit.code != 0:
        raise ActionFailed(f"context: git: git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def _detached_ref(call: ActionCall) -> str:
    decorations = _job_git(call, "show", "-s", "--pretty=%D")
    m = re.fullmatch(r"(?:grafted, )?HEAD, (.*)", decorations)
    if not m:
        raise ActionFailed(
            f"context: git: cannot find a ref for the detached HEAD in '{decorations}' "
            "(check out a branch or a tag)"
        )
    ref = m.group(1).strip()
    if ref.startswith("tag: "):
        return "refs/tags/" + ref.removeprefix("tag: ").split(", ")[0].strip()
    if re.fullmatch(r"pull/\d+/(?:head|merge)", ref):
        return f"refs/{ref}"
    branch = re.fullmatch(r"[^/]+/[^/]+, (.+)", ref) or re.fullmatch(r"[^/]+/(.+)", ref)
    if branch:
        return f"refs/heads/{branch.group(1).strip()}"
    raise ActionFailed(f"context: git: unsupported detached HEAD ref in '{decorations}'")


def git_context(call: ActionCall) -> rules.Context:
    payload = _payload(call)
    detached = not _job_git(call, "branch", "--show-current")
    ref = _detached_ref(call) if detached else _job_git(call, "symbolic-ref", "HEAD")
    sha = _job_git(call, "show", "--format=%H", "HEAD", "--quiet", "--")
    date = _parse_date(_job_git(call, "show", "-s", "--format=%cI", sha)) or datetime.now(UTC)
    return rules.Context(str(call.github.get("event_name") or ""), ref, sha, payload, date)


def repo_data(call: ActionCall, payload: dict[str, Any]) -> rules.Repo:
    info = payload.get("repository")
    info = info if isinstance(info, dict) else {}
    full_name = str(call.github.get("repository") or "")
    server = str(call.github.get("server_url") or "https://github.com").rstrip("/")
    known = "/" in full_name and not full_name.startswith("local/")
    html_url = str(info.get("html_url") or (f"{server}/{full_name}" if known else ""))
    license_ = info.get("license")
    return rules.Repo(
        name=full_name.rsplit("/", 1)[-1] or str(info.get("name") or ""),
        description=str(info.get("description") or ""),
        html_url=html_url,
        license=str(license_.get("spdx_id") or "") if isinstance(license_, dict) else "",
        default_branch=default_branch(call.repo_root, payload),
    )


def _short_sha_length(call: ActionCall) -> int:
    raw = call.env.get("DOCKER_METADATA_SHORT_SHA_LENGTH", "")
    if not raw:
        return 7
    number = js_number(raw)
    if math.isnan(number):
        raise ActionFailed(f"DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: {raw}")
    return max(0, int(min(number, 1 << 16)))


def _output_env(call: ActionCall) -> bool:
    raw = call.env.get("DOCKER_METADATA_SET_OUTPUT_ENV", "")
    if not raw or raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ActionFailed(f"DOCKER_METADATA_SET_OUTPUT_ENV: parseBool syntax error: {raw}")


def _bake_files(
    call: ActionCall, meta: rules.Meta, target: str, levels: list[str]
) -> dict[str, str]:
    """Write the bake definitions; their paths as the job sees them, by output name."""
    folder = Path(tempfile.mkdtemp(prefix="docker-actions-toolkit-", dir=call.temp))
    job_temp = call.env.get("RUNNER_TEMP") or str(call.temp)
    paths = {}
    for suffix, body in out.bake_definitions(meta, target, levels).items():
        name = f"docker-metadata-action-bake{'-' + suffix if suffix else ''}.json"
        (folder / name).write_text(json.dumps(body, indent=2, ensure_ascii=False), "utf-8")
        output = f"bake-file-{suffix}" if suffix else "bake-file"
        paths[output] = str(Path(job_temp) / folder.name / name)
    return paths


def main(call: ActionCall) -> None:
    with_env = _output_env(call)
    now = datetime.now(UTC)
    source = call.input("context").strip() or "workflow"
    if source == "workflow":
        context = workflow_context(call)
    elif source == "git":
        context = git_context(call)
    else:
        raise ActionFailed(f"Invalid context source: {source}")
    meta = rules.build(
        context,
        repo_data(call, context.payload),
        images=input_list(call.input("images")),
        tags=input_list(call.input("tags")),
        flavor=input_list(call.input("flavor")),
        labels=input_list(call.input("labels")),
        annotations=input_list(call.input("annotations")),
        date=now.replace(microsecond=now.microsecond // 1000 * 1000),  # JavaScript's precision
        warn=lambda message: warn(call, message),
        short_sha_length=_short_sha_length(call),
    )
    call.log("Context info")
    for key, value in (
        ("eventName", context.event_name),
        ("sha", context.sha),
        ("ref", context.ref),
        ("commitDate", context.commit_date.isoformat()),
    ):
        call.log(f"  {key}: {value}")
    outputs: dict[str, str] = {}
    version = meta.version.main or ""
    if not version:
        warn(call, "No Docker image version has been generated. Check tags input.")
    outputs["version"] = version
    tags = out.tags(meta)
    if not tags:
        warn(call, "No Docker tag has been generated. Check tags input.")
    sep_tags = call.inputs.get("sep-tags") or "\n"
    outputs["tags"] = sep_tags.join(tags)
    outputs["tag-names"] = sep_tags.join(out.tags(meta, names_only=True))
    outputs["labels"] = (call.inputs.get("sep-labels") or "\n").join(out.labels(meta))
    levels = (call.env.get("DOCKER_METADATA_ANNOTATIONS_LEVELS") or "manifest").split(",")
    sep_annotations = call.inputs.get("sep-annotations") or "\n"
    outputs["annotations"] = sep_annotations.join(out.leveled(meta, levels))
    json_out = out.json_output(meta, levels)
    outputs["json"] = json.dumps(json_out, ensure_ascii=False, separators=(",", ":"))
    target = call.input("bake-target").strip() or "docker-metadata-action"
    outputs.update(_bake_files(call, meta, target, levels))
    for title, lines in (("Docker tags", tags), ("Docker labels", out.labels(meta))):
        call.log(title)
        for line in lines:
            call.log(f"  {line}")
    for name, value in outputs.items():
        call.outputs[name] = value
        if with_env:
            env_name = re.sub(r"\W", "_", name).upper()
            call.env_updates[f"DOCKER_METADATA_OUTPUT_{env_name}"] = value
