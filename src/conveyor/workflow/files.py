"""Finding workflow files (kept apart from the loader so listing them imports nothing)."""

from __future__ import annotations

from pathlib import Path


def workflow_files(folder: Path) -> list[Path]:
    """``*.yml`` and ``*.yaml`` directly in ``folder`` (not subfolders, as on GitHub), sorted."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def discover_workflows(root: Path) -> list[Path]:
    """A repository's ``.github/workflows`` files."""
    return workflow_files(root / ".github" / "workflows")
