"""The processes built-ins start, always through the call so the step's timeout and
cancellation stop them (``ActionStopped`` propagates; nothing here catches it).

``run`` is job-side (``call.capture``): probing an interpreter or a tool the job will use.
``git`` is engine-side (``call.local``): the user's repository and the workspace copy that
actions/checkout builds are both files on the engine's machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.executors.base import Captured


def run(
    call: ActionCall,
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Captured:
    """Run a command in the job, output kept (never raises on a non-zero exit)."""
    return call.capture([str(a) for a in argv], cwd=cwd, env=dict(env) if env else None)


def git(
    call: ActionCall, *args: str | Path, cwd: Path, check: bool = True, stdin: str | None = None
) -> str:
    """Run git on the engine's machine; stdout without its final newline; ActionFailed on a
    non-zero exit when ``check``."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    out = call.local(["git", *(str(a) for a in args)], cwd=cwd, env=env, stdin=stdin)
    if check and out.exit.code != 0:
        shown = " ".join(str(a) for a in args)
        raise ActionFailed(f"git {shown} failed: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout.rstrip("\n")
