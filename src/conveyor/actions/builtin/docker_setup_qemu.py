"""docker/setup-qemu-action: installing binfmt handlers needs a privileged container
image that cannot be pulled here. The step reports what this machine can already emulate
(``/proc/sys/fs/binfmt_misc``); a build for a platform outside that list fails at the
build, naming the platform."""

from __future__ import annotations

from conveyor.actions.base import ActionCall
from conveyor.actions.builtin.step import warn
from conveyor.images.build import emulated_platforms, host_platform

INPUTS: dict[str, dict[str, str]] = {
    "image": {"default": "docker.io/tonistiigi/binfmt:latest"},
    "platforms": {"default": "all"},
    "cache-image": {"default": "true"},
}


def main(call: ActionCall) -> None:
    emulated = emulated_platforms()
    if not emulated:
        warn(
            call,
            "QEMU emulation is not available on this machine: images build for "
            f"{host_platform()} only",
        )
    call.outputs["platforms"] = ",".join([host_platform(), *emulated])
