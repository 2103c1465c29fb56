"""What every built-in does with its step: warning lines and reading input values."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from conveyor.actions.base import ActionCall


def warn(call: ActionCall, message: str) -> None:
    """A warning line, as the runner prints ``core.warning`` in the raw log."""
    call.log(f"Warning: {message}")


def expand_user(path: str, call: ActionCall) -> str:
    """Basic ``~`` expansion, using HOME from the step environment when there is one."""
    if path == "~" or path.startswith("~/"):
        home = call.env.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


def memory_folder(call: ActionCall, kind: str) -> Path:
    """A folder private to the job (mode 0700), in memory (``/dev/shm``) where there is
    one, for credentials that must never land on a disk; the same folder on every call."""
    base = Path("/dev/shm") if os.path.isdir("/dev/shm") else Path(tempfile.gettempdir())
    key = hashlib.sha256(str(call.temp).encode()).hexdigest()[:16]
    folder = base / f"conveyor-{kind}-{key}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def unset(value: str) -> bool:
    """True for an empty input, or an action.yml default expression nobody evaluated."""
    return value.strip() == "" or value.strip().startswith("${{")
