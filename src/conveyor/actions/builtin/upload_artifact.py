"""actions/upload-artifact (v4): copy matched files into ``run_dir/artifacts/<name>/``.

Files are found like @actions/glob (multi-line ``path``, globs, ``!`` exclusions, symlinks
followed, hidden files excluded unless ``include-hidden-files``) and stored relative to the
root directory upload-artifact v4 computes (``search.ts``): the least common ancestor of the
search paths when there are several, the parent directory for a single plain file, else the one
search path. Like v4's zip, file modes are not kept. Names are unique per run unless
``overwrite``. The run's artifact index is ``run_dir/artifacts.json`` (id, name, digest, size,
created, retention). ``retention-days`` and ``compression-level`` are validated and recorded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.step import warn
from conveyor.fileglob import Globber, GlobError, GlobOptions

INPUTS: dict[str, dict[str, str]] = {
    "name": {"default": "artifact"},
    "path": {"default": ""},
    "if-no-files-found": {"default": "warn"},
    "retention-days": {"default": ""},
    "compression-level": {"default": "6"},
    "overwrite": {"default": "false"},
    "include-hidden-files": {"default": "false"},
}

CONFLICT = (
    "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: "
    "an artifact with this name already exists on the workflow run"
)
_BAD_PATH_CHARS = {
    '"': "Double quote",
    ":": "Colon",
    "<": "Less than",
    ">": "Greater than",
    "|": "Vertical bar",
    "*": "Asterisk",
    "?": "Question mark",
    "\r": "Carriage return",
    "\n": "Line feed",
}
_BAD_NAME_CHARS = {**_BAD_PATH_CHARS, "\\": "Backslash", "/": "Forward slash"}


# --- the run's artifact store, shared with download-artifact


def artifacts_dir(call: ActionCall) -> Path:
    return call.run_dir / "artifacts"


def artifact_folder(call: ActionCall, name: str) -> Path:
    """Where an artifact is kept: its name escaped (``%`` hex, dots included), so that any
    name GitHub accepts — ``.`` and ``..`` among them — is one plain folder in the store."""
    from urllib.parse import quote

    return artifacts_dir(call) / quote(name, safe="-_ ").replace(".", "%2E")


@contextmanager
def locked_index(call: ActionCall) -> Iterator[dict[str, Any]]:
    """The run's artifact index, locked against other jobs; written back on exit."""
    call.run_dir.mkdir(parents=True, exist_ok=True)
    index_path = call.run_dir / "artifacts.json"
    with open(call.run_dir / "artifacts.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            index: dict[str, Any] = (
                json.loads(index_path.read_text()) if index_path.exists() else {}
            )
            index.setdefault("next_id", 1)
            index.setdefault("artifacts", {})
            yield index
            partial = index_path.with_suffix(".partial")
            partial.write_text(json.dumps(index, indent=1))
            os.replace(partial, index_path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def digest_dir(root: Path) -> str:
    """sha256 over the sorted relative paths and contents of every file under ``root``."""
    total = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        total.update(path.relative_to(root).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            total.update(hashlib.file_digest(handle, "sha256").digest())
    return total.hexdigest()


# --- search (search.ts)


def lca(paths: list[str]) -> str:
    split = [os.path.normpath(p).split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if any(part != parts[0] for part in parts):
            break
        common.append(parts[0])
    joined = "/".join(common)
    return joined if joined else "/"


def find_files(call: ActionCall, include_hidden: bool) -> tuple[list[str], str]:
    options = GlobOptions(exclude_hidden_files=not include_hidden)
    try:
        globber = Globber(
            call.list_input("path"),
            call.workspace.resolve(),
            home=call.env.get("HOME"),
            options=options,
        )
        files = [f for f in globber.walk() if not os.path.isdir(f)]
    except (GlobError, OSError) as exc:
        raise ActionFailed(str(exc)) from exc
    search_paths = globber.search_paths
    if len(search_paths) > 1:
        return files, lca(search_paths)
    if len(files) == 1 and search_paths and search_paths[0] == files[0]:
        return files, os.path.dirname(files[0])
    return files, search_paths[0] if search_paths else str(call.workspace)


# --- the action


def _validate_name(name: str) -> None:
    for char, label in _BAD_NAME_CHARS.items():
        if char in name:
            raise ActionFailed(
                f"The artifact name is not valid: {name}. Contains the following character: "
                f" {label} {char.strip() or repr(char)}"
            )


def _int_input(call: ActionCall, name: str, message: str) -> int | None:
    raw = call.input(name).strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ActionFailed(message) from None


def main(call: ActionCall) -> None:
    name = call.input("name", "artifact")
    search_input = call.input("path")
    if not call.list_input("path"):
        raise ActionFailed("Input required and not supplied: path")
    if_none = call.input("if-no-files-found", "warn")
    if if_none not in ("warn", "error", "ignore"):
        raise ActionFailed(
            f"Unrecognized if-no-files-found input. Provided: {if_none}. "
            "Available options: warn,error,ignore"
        )
    retention = _int_input(call, "retention-days", "Invalid retention-days")
    level = _int_input(call, "compression-level", "Invalid compression-level")
    if level is not None and not 0 <= level <= 9:
        raise ActionFailed("Invalid compression-level. Valid values are 0-9")
    overwrite = call.bool_input("overwrite")
    files, root = find_files(call, call.bool_input("include-hidden-files"))
    if not files:
        message = (
            f"No files were found with the provided path: {search_input}. "
            "No artifacts will be uploaded."
        )
        if if_none == "error":
            raise ActionFailed(message)
        if if_none == "warn":
            warn(call, message)
        else:
            call.log(message)
        return
    _validate_name(name)
    max_retention = int(call.env.get("GITHUB_RETENTION_DAYS", "90") or 90)
    if retention is not None and retention > max_retention:
        warn(
            call,
            "Retention days cannot be greater than the maximum allowed retention set within "
            f"the repository. Using {max_retention} instead.",
        )
        retention = max_retention
    relative: list[tuple[str, str]] = []
    for path in files:
        rel = os.path.relpath(path, root)
        if rel.startswith("../") or rel == "..":
            raise ActionFailed(
                f"The rootDirectory: {root} is not a parent directory of the file: {path}"
            )
        for char, label in _BAD_PATH_CHARS.items():
            if char in rel:
                raise ActionFailed(
                    f"The path for one of the files in artifact is not valid: {rel}. "
                    f"Contains the following character:  {label} {char.strip() or repr(char)}"
                )
        relative.append((path, rel))
    s = "" if len(files) == 1 else "s"
    call.log(f"With the provided path, there will be {len(files)} file{s} uploaded")
    with locked_index(call) as index:
        existing = index["artifacts"].get(name)
        target = artifact_folder(call, name)
        if existing is not None and not overwrite:
            raise ActionFailed(CONFLICT)
        if target.exists():
            shutil.rmtree(target)
        size = 0
        for source, rel in relative:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            size += dest.stat().st_size
        target.mkdir(parents=True, exist_ok=True)
        artifact_id = int(index["next_id"])
        index["next_id"] = artifact_id + 1
        digest = digest_dir(target)
        index["artifacts"][name] = {
            "id": artifact_id,
            "name": name,
            "size": size,
            "digest": digest,
            "created": time.time(),
            "retention_days": retention,
            "compression_level": 6 if level is None else level,
            "files": len(relative),
        }
    call.log(
        f"Artifact {name} has been successfully uploaded! Final size is {size} bytes. "
        f"Artifact ID is {artifact_id}"
    )
    url = target.resolve().as_uri()
    call.log(f"Artifact download URL: {url}")
    call.artifact(name, target, size)
    call.outputs["artifact-id"] = str(artifact_id)
    call.outputs["artifact-url"] = url
    call.outputs["artifact-digest"] = digest
