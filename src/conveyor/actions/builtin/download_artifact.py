"""actions/download-artifact (v4): copy artifacts of the current run into ``path``.

``name`` downloads one artifact straight into ``path``; otherwise all artifacts (filtered by
``pattern``, a minimatch glob on names, or ``artifact-ids``) each go to ``path/<name>/``, or all
into ``path`` with ``merge-multiple``. ``path`` defaults to the workspace, ``~`` is expanded.
Only the current run is available: ``github-token`` with another ``run-id``/``repository`` fails.
There is no ``names`` input in the action (one ``name``, or ``pattern``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.step import expand_user, unset, warn
from conveyor.actions.builtin.upload_artifact import (
    artifact_folder,
    digest_dir,
    locked_index,
)
from conveyor.fileglob import name_matches

INPUTS: dict[str, dict[str, str]] = {
    "name": {"default": ""},
    "artifact-ids": {"default": ""},
    "path": {"default": ""},
    "pattern": {"default": ""},
    "merge-multiple": {"default": "false"},
    "github-token": {"default": ""},
    "repository": {"default": "${{ github.repository }}"},
    "run-id": {"default": "${{ github.run_id }}"},
}


def _failed(message: str) -> ActionFailed:
    return ActionFailed(f"Unable to download artifact(s): {message}")


def main(call: ActionCall) -> None:
    name = call.input("name").strip()
    ids_input = call.input("artifact-ids").strip()
    pattern = call.input("pattern").strip()
    merge = call.bool_input("merge-multiple")
    _check_source(call)
    if name and ids_input:
        raise _failed(
            "Inputs `name` and `artifact-ids` cannot be used together. Please specify only one."
        )
    raw_path = call.input("path").strip() or str(call.workspace)
    resolved = (call.workspace / expand_user(raw_path, call)).resolve()
    with locked_index(call) as index:
        known: dict[str, dict[str, Any]] = dict(index["artifacts"])
    single = bool(name)
    if single:
        if name not in known:
            raise _failed(f"Artifact not found for name: {name}")
        chosen = [known[name]]
        call.log("Downloading single artifact")
    else:
        chosen = sorted(known.values(), key=lambda a: int(a["id"]))
        if ids_input:
            wanted = {part.strip() for part in ids_input.split(",") if part.strip()}
            bad = [w for w in wanted if not w.isdigit()]
            if bad:
                raise _failed(f"Invalid artifact ID: '{bad[0]}'. Must be a number.")
            chosen = [a for a in chosen if str(a["id"]) in wanted]
            if not chosen:
                raise _failed(f"None of the provided artifact IDs were found: {ids_input}")
        if pattern:
            call.log(f"Filtering artifacts by pattern '{pattern}'")
            chosen = [a for a in chosen if name_matches(pattern, str(a["name"]))]
        elif not ids_input:
            call.log("No input name or pattern filtered specified, downloading all artifacts")
            if not merge:
                call.log(
                    "An extra directory with the artifact name will be created for each download"
                )
    if chosen:
        call.log("Preparing to download the following artifacts:")
        for artifact in chosen:
            call.log(f"- {artifact['name']} (ID: {artifact['id']}, Size: {artifact['size']})")
    for artifact in chosen:
        artifact_name = str(artifact["name"])
        source = artifact_folder(call, artifact_name)
        if not source.is_dir():
            raise _failed(f"Artifact not found for name: {artifact_name}")
        if digest_dir(source) != artifact["digest"]:
            warn(
                call,
                f"Artifact '{artifact_name}' digest validation failed. "
                "Please verify the integrity of the artifact.",
            )
        dest = resolved if single or merge else resolved / artifact_name
        _copy_tree(source, dest)
    if chosen:
        call.log(f"Total of {len(chosen)} artifact(s) downloaded")
        call.outputs["download-path"] = str(resolved)
        call.log("Download artifact has finished successfully")
    else:
        call.log("Total of 0 artifact(s) downloaded")


def _check_source(call: ActionCall) -> None:
    token = call.input("github-token")
    if unset(token):
        return  # like the action: without a token, run-id and repository are not used
    current_repo = str(call.github.get("repository", "") or "")
    current_run = str(call.github.get("run_id", "") or "")
    repository, run_id = call.input("repository").strip(), call.input("run-id").strip()
    if not unset(repository) and current_repo and repository.lower() != current_repo.lower():
        raise _failed(
            f"downloading from another repository ({repository}) is not supported by conveyor; "
            "only the current run's artifacts are available"
        )
    if not unset(run_id) and current_run and run_id != current_run:
        raise _failed(
            f"downloading from another workflow run ({run_id}) is not supported by conveyor; "
            "only the current run's artifacts are available"
        )


def _copy_tree(source: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        target = dest / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.is_dir():
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    target.unlink()
            shutil.copyfile(path, target)
