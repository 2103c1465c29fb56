"""Where Conveyor keeps things on disk."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir(repo: Path) -> Path:
    """Run history, logs, artifacts and caches of one repository: ``<repo>/.conveyor``,
    or the user data dir when the repository is not writable (override: CONVEYOR_DATA_DIR)."""
    override = os.environ.get("CONVEYOR_DATA_DIR")
    if override:
        return Path(override)
    local = repo / ".conveyor"
    if os.access(repo, os.W_OK):
        return local
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    import hashlib

    digest = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()[:16]
    return base / "conveyor" / digest


def cache_root() -> Path:
    """Shared by every repository: fetched actions and the tool cache (CONVEYOR_CACHE_DIR)."""
    override = os.environ.get("CONVEYOR_CACHE_DIR")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "conveyor"
