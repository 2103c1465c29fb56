"""actions/cache: restore in main, save in post; the shared code for cache/restore and cache/save.

Entries are tar files in ``call.cache_dir / "entries"`` with a JSON sidecar (key, version,
created). The version hashes the ``path`` input lines like the cache service's version, so the
same key with other paths is another entry. Lookup follows GitHub: the exact key, then the
newest entry whose key starts with the key, then each restore key in order (exact, then the
newest prefix match). ``cache-hit`` is exactly the action's: 'true' on an exact hit, 'false' on
a restore-key (or key-prefix) hit, and NOT SET on a miss (actions/cache#1466). Paths inside the
workspace are stored relative to it, others absolute. No branch scoping: every run sees every
entry. ``enableCrossOsArchive``, ``upload-chunk-size`` and ``save-always`` are accepted no-ops.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.step import warn
from conveyor.fileglob import Globber, GlobError, GlobOptions

INPUTS: dict[str, dict[str, str]] = {
    "path": {"default": ""},
    "key": {"default": ""},
    "restore-keys": {"default": ""},
    "upload-chunk-size": {"default": ""},
    "enableCrossOsArchive": {"default": "false"},
    "fail-on-cache-miss": {"default": "false"},
    "lookup-only": {"default": "false"},
    "save-always": {"default": "false"},
}
POST_IF = "success()"

STATE_PRIMARY_KEY = "CACHE_KEY"
STATE_MATCHED_KEY = "CACHE_RESULT"
_VERSION_SALT = "1.0"
_STALE_RESERVATION = 3600.0


def main(call: ActionCall) -> None:
    if call.bool_input("save-always"):
        warn(call, "save-always does not work as intended and will be removed in a future release.")
    restore(call, restore_only=False)


def post(call: ActionCall) -> None:
    save(call, use_state=True)


# --- shared implementation


def _paths(call: ActionCall) -> list[str]:
    paths = call.list_input("path")
    if not paths:
        raise ActionFailed("Input required and not supplied: path")
    return paths


def _primary_key(call: ActionCall) -> str:
    key = call.input("key").strip()
    if not key:
        raise ActionFailed("Input required and not supplied: key")
    return key


def cache_version(paths: list[str]) -> str:
    return hashlib.sha256("|".join([*paths, "tar", _VERSION_SALT]).encode()).hexdigest()


def check_key(key: str) -> None:
    if len(key) > 512:
        raise ActionFailed(f"Key Validation Error: {key} cannot be larger than 512 characters.")
    if "," in key:
        raise ActionFailed(f"Key Validation Error: {key} cannot contain commas.")


def exact_key_match(key: str, matched: str) -> bool:
    return bool(matched) and matched.casefold() == key.casefold()


def _entries_dir(call: ActionCall) -> Path:
    return call.cache_dir / "entries"


def _entry_stem(key: str, version: str) -> str:
    return hashlib.sha256(f"{version}\0{key}".encode()).hexdigest()


def _load_entries(call: ActionCall, version: str) -> list[dict[str, object]]:
    entries = []
    for meta in _entries_dir(call).glob("*.json"):
        try:
            data = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        if data.get("version") == version and meta.with_suffix(".tar").exists():
            data["archive"] = str(meta.with_suffix(".tar"))
            entries.append(data)
    return entries


def find_entry(call: ActionCall, keys: list[str], version: str) -> dict[str, object] | None:
    entries = _load_entries(call, version)

    def newest(candidates: list[dict[str, object]]) -> dict[str, object] | None:
        return max(candidates, key=lambda e: float(str(e["created"]))) if candidates else None

    for key in keys:
        exact = newest([e for e in entries if e["key"] == key])
        if exact:
            return exact
        prefixed = newest([e for e in entries if str(e["key"]).startswith(key)])
        if prefixed:
            return prefixed
    return None


def restore(call: ActionCall, restore_only: bool) -> None:
    primary = _primary_key(call)
    call.state[STATE_PRIMARY_KEY] = primary
    if restore_only:
        call.outputs["cache-primary-key"] = primary
    restore_keys = call.list_input("restore-keys")
    paths = _paths(call)
    fail_on_miss = call.bool_input("fail-on-cache-miss")
    lookup_only = call.bool_input("lookup-only")
    keys = [primary, *restore_keys]
    if len(keys) > 10:
        raise ActionFailed("Key Validation Error: Keys are limited to a maximum of 10.")
    for key in keys:
        check_key(key)
    entry = find_entry(call, keys, cache_version(paths))
    if entry is None:
        # `cache-hit` is intentionally left unset on a miss, like actions/cache v4
        if fail_on_miss:
            raise ActionFailed(
                "Failed to restore cache entry. Exiting as fail-on-cache-miss is set. "
                f"Input key: {primary}"
            )
        call.log(f"Cache not found for input keys: {', '.join(keys)}")
        return
    matched = str(entry["key"])
    if not lookup_only:
        archive = Path(str(entry["archive"]))
        size = archive.stat().st_size
        call.log(f"Cache Size: ~{round(size / (1024 * 1024))} MB ({size} B)")
        _extract(archive, call.workspace)
        call.log("Cache restored successfully")
    call.state[STATE_MATCHED_KEY] = matched
    if restore_only:
        call.outputs["cache-matched-key"] = matched
    call.outputs["cache-hit"] = "true" if exact_key_match(primary, matched) else "false"
    if lookup_only:
        call.log(f"Cache found and can be restored from key: {matched}")
    else:
        call.log(f"Cache restored from key: {matched}")


def save(call: ActionCall, use_state: bool) -> bool:
    """Save the paths under the key; True when an entry was written. Problems only warn."""
    primary = (call.state.get(STATE_PRIMARY_KEY, "") if use_state else "") or call.input("key")
    if not primary:
        warn(call, "Key is not specified.")
        return False
    restored = call.state.get(STATE_MATCHED_KEY, "") if use_state else ""
    if exact_key_match(primary, restored):
        call.log(f"Cache hit occurred on the primary key {primary}, not saving cache.")
        return False
    try:
        paths = call.list_input("path")
        if not paths:
            raise ActionFailed(
                "Path Validation Error: At least one directory or file path is required"
            )
        check_key(primary)
        return _write_entry(call, primary, paths)
    except (ActionFailed, GlobError, OSError, tarfile.TarError) as exc:
        warn(call, str(exc))
        return False


def _write_entry(call: ActionCall, key: str, paths: list[str]) -> bool:
    workspace = call.workspace.resolve()
    # like @actions/cache's resolvePaths: a matched directory is archived whole
    options = GlobOptions(implicit_descendants=False)
    found = Globber(paths, workspace, home=call.env.get("HOME"), options=options).glob()
    items: list[str] = []
    for item in found:
        if not any(item.startswith(parent.rstrip("/") + "/") for parent in items):
            items.append(item)
    if not items:
        raise ActionFailed(
            "Path Validation Error: Path(s) specified in the action for caching do(es) not "
            "exist, hence no cache is being saved."
        )
    version = cache_version(paths)
    directory = _entries_dir(call)
    directory.mkdir(parents=True, exist_ok=True)
    stem = _entry_stem(key, version)
    meta, archive = directory / f"{stem}.json", directory / f"{stem}.tar"
    reservation = directory / f"{stem}.reserved"
    if meta.exists() or not _reserve(reservation):
        call.log(
            f"Failed to save: Unable to reserve cache with key {key}, another job may be "
            "creating this cache. More details: the key already exists"
        )
        return False
    try:
        partial = directory / f"{stem}.{os.getpid()}.partial"
        with tarfile.open(partial, "w") as tar:
            for item in items:
                tar.add(item, arcname=_arcname(item, str(workspace)))
        os.replace(partial, archive)
        size = archive.stat().st_size
        data = {
            "key": key,
            "version": version,
            "created": time.time(),
            "paths": paths,
            "size": size,
        }
        meta_partial = directory / f"{stem}.{os.getpid()}.meta"
        meta_partial.write_text(json.dumps(data))
        os.replace(meta_partial, meta)
    finally:
        reservation.unlink(missing_ok=True)
    call.log(f"Cache Size: ~{round(size / (1024 * 1024))} MB ({size} B)")
    call.log(f"Cache saved with key: {key}")
    return True


def _reserve(reservation: Path) -> bool:
    try:
        fd = os.open(reservation, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            if time.time() - reservation.stat().st_mtime < _STALE_RESERVATION:
                return False
        except FileNotFoundError:
            pass
        reservation.unlink(missing_ok=True)
        return _reserve(reservation)
    os.close(fd)
    return True


def _arcname(item: str, workspace: str) -> str:
    if item == workspace or item.startswith(workspace.rstrip("/") + "/"):
        return "w/" + (os.path.relpath(item, workspace) if item != workspace else ".")
    return "a" + item  # absolute path, kept as such


def _member_path(name: str) -> tuple[str, str]:
    kind, _, rest = name.partition("/")
    return kind, rest


def _extract(archive: Path, workspace: Path) -> None:
    with tarfile.open(archive, "r") as tar:
        members = tar.getmembers()
        for base, kind in ((str(workspace), "w"), ("/", "a")):
            chosen = []
            for member in members:
                member_kind, rest = _member_path(member.name)
                if member_kind != kind:
                    continue
                member.name = rest
                if member.islnk():
                    member.linkname = _member_path(member.linkname)[1]
                chosen.append(member)
            if chosen:
                Path(base).mkdir(parents=True, exist_ok=True)
                tar.extractall(base, members=chosen, filter="fully_trusted")
