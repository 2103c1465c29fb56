"""What the docker/* built-ins share: buildah run on the engine's machine under the step's
timeout, and the registry credentials file a login leaves for the steps after it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from conveyor.actions.base import ActionCall
from conveyor.actions.builtin.step import memory_folder
from conveyor.executors.base import Captured

AUTH_VAR = "REGISTRY_AUTH_FILE"  # read by buildah, podman and skopeo alike


class CallTools:
    """``images.build.Tools`` for a built-in: engine-side processes of its step."""

    def __init__(self, call: ActionCall) -> None:
        self.call = call
        self.env = dict(os.environ)
        authfile = call.env.get(AUTH_VAR)
        if authfile:
            self.env[AUTH_VAR] = authfile

    def stream(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
        return self.call.local_stream(list(argv), env=dict(env or self.env))

    def capture(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> Captured:
        return self.call.local(list(argv), env=dict(env or self.env), stdin=stdin)


def auth_file(call: ActionCall) -> Path:
    """The job's registry credentials file, in memory (``/dev/shm``), private to it: a
    login's token never lands on a disk."""
    existing = call.env.get(AUTH_VAR)
    if existing:
        return Path(existing)
    return memory_folder(call, "auth") / "auth.json"


def list_input(call: ActionCall, name: str) -> list[str]:
    """A list input as docker/* actions read them (Util.getInputList): newlines and
    commas separate items, blank items and `#` comment lines are dropped."""
    items: list[str] = []
    for line in call.input(name).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        items += [part.strip() for part in line.split(",") if part.strip()]
    return items


def lines_input(call: ActionCall, name: str) -> list[str]:
    """A list input read by lines only (labels, build-args, secrets: a value may hold a
    comma)."""
    return [ln.strip() for ln in call.input(name).splitlines() if ln.strip()]
