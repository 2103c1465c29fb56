"""What a ``uses:`` step resolves to, and what a built-in action gets to work with.

Built-in actions are plain modules in ``conveyor.actions.builtin`` with a
``main(call)`` function and, when they need one, a ``post(call)`` function that
the engine runs at the end of the job (in reverse order, like GitHub's post steps).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from conveyor.executors.base import Captured
from conveyor.records import field, record
from conveyor.workflow.selfref import is_self_ref, self_ref_path, uses_climbs_out


class ActionFailed(Exception):
    """The action failed; the message is shown as an error annotation on the step."""


class ActionStopped(ActionFailed):
    """A process of the action was stopped by the step's timeout or a cancellation."""


@record(frozen=True, slots=True)
class ActionRef:
    """A parsed ``uses:`` value."""

    raw: str
    # "local" (./path), "self" ($/path), "remote" (owner/repo[/path]@ref), "docker" (docker://image)
    kind: str
    owner: str = ""
    repo: str = ""
    path: str = ""  # sub-directory inside the repository ("" for the root)
    # for "self", owner/repo/ref are filled in once resolved (the repository and its commit)
    ref: str = ""

    @property
    def name(self) -> str:
        """``owner/repo[/path]`` lower-cased, the key built-ins are registered under."""
        base = f"{self.owner}/{self.repo}".lower()
        return f"{base}/{self.path.lower()}" if self.path else base


_REMOTE = re.compile(r"^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)((?:/[^@]+)?)@(.+)$")


def parse_uses(uses: str) -> ActionRef:
    """Parse ``./path``, ``$/path``, ``docker://image`` or ``owner/repo[/path]@ref``;
    ValueError if none."""
    uses = uses.strip()
    if uses_climbs_out(uses):
        raise ValueError(f"'{uses}' climbs out of its folder with '..'")
    if uses.startswith("./") or uses == ".":
        return ActionRef(raw=uses, kind="local", path=uses)
    if is_self_ref(uses):
        try:
            return ActionRef(raw=uses, kind="self", path=self_ref_path(uses))
        except ValueError as e:
            raise ValueError(f"'{uses}' is not a valid action reference: {e}") from None
    if uses.startswith("docker://"):
        return ActionRef(raw=uses, kind="docker", path=uses[len("docker://") :])
    m = _REMOTE.match(uses)
    if not m:
        raise ValueError(
            f"'{uses}' is not a valid action reference: use './path/to/action', "
            "'$/path/to/action', 'owner/repo@ref', 'owner/repo/path@ref' or 'docker://image'"
        )
    return ActionRef(
        raw=uses,
        kind="remote",
        owner=m.group(1),
        repo=m.group(2),
        path=m.group(3).lstrip("/"),
        ref=m.group(4),
    )


@record(slots=True)
class ActionCall:
    """Everything one built-in action step sees, and what it hands back."""

    ref: ActionRef
    inputs: dict[str, str]  # `with:` evaluated; keys lower-cased (input names are case-insensitive)
    env: dict[str, str]  # the step's full environment
    workspace: Path  # GITHUB_WORKSPACE of the job
    temp: Path  # RUNNER_TEMP of the job
    tool_cache: Path  # RUNNER_TOOL_CACHE
    repo_root: Path  # the local repository conveyor was started on (-C)
    run_dir: Path  # per-run data (artifacts live in run_dir / "artifacts")
    cache_dir: Path  # actions/cache storage, shared across runs
    github: Mapping[str, Any]  # the github context
    remote_base_url: str  # where owner/repo is cloned from, e.g. https://github.com
    log: Callable[[str], None]  # print one line (masked by the engine)
    # Processes go through the job's executor, under the step's timeout and cancellation
    # (both raise ActionStopped once the step is stopped):
    exec: Callable[..., int]  # exec(argv, cwd=None, env=None) -> exit code, output streamed to log
    capture: Callable[..., Captured]  # capture(argv, cwd=None, env=None, stdin=None), in the job
    local: Callable[..., Captured]  # the same on the engine's machine (git on the repository)
    add_mask: Callable[[str], None]
    # local_stream(argv, cwd=None, env=None) -> exit code: on the engine's machine, output
    # streamed to the log (an image build)
    local_stream: Callable[..., int] = field(default=lambda *_a, **_k: 127)
    # tell the run an artifact was stored: artifact(name, path, size) (an event for sinks)
    artifact: Callable[[str, Path, int], None] = field(default=lambda _n, _p, _s: None)
    job_status: str = "success"  # for post(): success | failure | cancelled
    outputs: dict[str, str] = field(default_factory=dict)
    env_updates: dict[str, str] = field(default_factory=dict)  # like writing to GITHUB_ENV
    path_updates: list[str] = field(default_factory=list)  # like writing to GITHUB_PATH (prepended)
    state: dict[str, str] = field(default_factory=dict)  # kept from main() for post()

    def input(self, name: str, default: str = "") -> str:
        value = self.inputs.get(name.lower())
        return default if value is None or value == "" else value

    def bool_input(self, name: str, default: bool = False) -> bool:
        value = self.input(name, "")
        if value == "":
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ActionFailed(f"Input '{name}' must be 'true' or 'false', got '{value}'")

    def list_input(self, name: str) -> list[str]:
        """Multi-line input, one item a line, blank lines dropped."""
        return [line.strip() for line in self.input(name, "").splitlines() if line.strip()]


class BuiltinAction(Protocol):
    """The shape of a built-in action module (``post`` is optional)."""

    def main(self, call: ActionCall) -> None: ...
