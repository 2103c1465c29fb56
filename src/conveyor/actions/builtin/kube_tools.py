"""azure/setup-helm and azure/setup-kubectl: the Helm and kubectl ``conveyor cluster
build`` makes from source (nothing can be downloaded here), put on PATH as the actions
do: ``RUNNER_TOOL_CACHE/<tool>/<version>/x64/<tool>``, outputs ``helm-path`` and
``kubectl-path``. ``version: latest`` or any ``v4.x`` gives Helm 4, ``v3.x`` Helm 3;
another exact version than the one built is said in the log, never silently swapped."""

from __future__ import annotations

import os
from pathlib import Path

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.step import warn


def provide(call: ActionCall, tool: str, binary: Path, version: str) -> Path:
    """Link ``binary`` into the tool cache under its version and put it on PATH."""
    folder = call.tool_cache / tool / version.lstrip("v") / "x64"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / tool
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(binary, link)
    if str(folder) not in call.path_updates:
        call.path_updates.append(str(folder))
    return link


def built(what: str, major: int = 0) -> tuple[Path, str]:
    """(binary, version) of the cluster's build of ``what`` (built now if missing)."""
    from conveyor.cluster import build, helm_binary, kubectl_binary
    from conveyor.cluster.versions import VERSIONS

    try:
        if what == "helm":
            path = helm_binary(major)
            return path, VERSIONS.helm4 if major == 4 else VERSIONS.helm3
        return kubectl_binary(), VERSIONS.kubernetes
    except build.BuildError as e:
        raise ActionFailed(f"{what} could not be built from source here: {e}") from None


def check_version(call: ActionCall, tool: str, wanted: str, have: str) -> None:
    exact = wanted.strip().lstrip("v")
    if exact and exact != "latest" and exact.count(".") == 2 and exact != have.lstrip("v"):
        warn(call, f"{tool} {wanted} was asked for; {have} (the version built here) is used")
