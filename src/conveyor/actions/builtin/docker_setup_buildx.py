"""docker/setup-buildx-action: conveyor builds images with buildah, daemonless; there is
no buildx builder to create. The step succeeds and reports the builder as the action's
outputs name it, so later steps reading them keep working: driver ``buildah``, the
platforms this machine can build (its own, plus any QEMU emulates)."""

from __future__ import annotations

import json

from conveyor.actions.base import ActionCall
from conveyor.images.build import emulated_platforms, host_platform

INPUTS: dict[str, dict[str, str]] = {
    name: {"default": default}
    for name, default in (
        ("version", ""), ("name", ""), ("driver", "docker-container"), ("driver-opts", ""),
        ("buildkitd-flags", ""), ("buildkitd-config", ""), ("buildkitd-config-inline", ""),
        ("install", "false"), ("use", "true"), ("endpoint", ""), ("platforms", ""),
        ("append", ""), ("keep-state", "false"), ("cache-binary", "true"),
        ("cleanup", "true"), ("github-token", ""),
    )
}  # fmt: skip


def main(call: ActionCall) -> None:
    name = call.input("name").strip() or "conveyor-buildah"
    platforms = ",".join([host_platform(), *emulated_platforms()])
    call.log(f"conveyor builds images with buildah (daemonless): builder {name}, {platforms}")
    node = {"name": f"{name}0", "endpoint": "buildah", "status": "running",
            "platforms": platforms}  # fmt: skip
    call.outputs.update(
        {
            "name": name,
            "driver": "buildah",
            "platforms": platforms,
            "nodes": json.dumps([node]),
            "endpoint": "buildah",
            "status": "running",
            "flags": "",
        }
    )
