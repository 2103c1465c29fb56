"""The images a run pushed, recorded with it: ``run_dir/images.jsonl``, one JSON object per
pushed tag (image, digest, image id, job), appended as each push ends so a run that fails
later still says what it published. The report and ``conveyor runs RUN`` show them."""

from __future__ import annotations

import json
import os
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FILE = "images.jsonl"


def record_push(run_dir: Path, entry: dict[str, str]) -> None:
    """Append one push; a single short write with O_APPEND, so parallel jobs never mix."""
    run_dir.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True) + "\n").encode()
    fd = os.open(run_dir / FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def pushed_images(run_dir: Path) -> list[dict[str, Any]]:
    """What ``record_push`` recorded for the run, oldest first (a torn last line is skipped)."""
    try:
        text = (run_dir / FILE).read_text(encoding="utf-8")
    except OSError:
        return []
    found: list[dict[str, Any]] = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            found.append(item)
    return found
