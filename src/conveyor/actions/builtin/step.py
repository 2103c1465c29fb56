"""What every built-in does with its step: warning lines and reading input values."""

from __future__ import annotations

import os

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


def unset(value: str) -> bool:
    """True for an empty input, or an action.yml default expression nobody evaluated."""
    return value.strip() == "" or value.strip().startswith("${{")
