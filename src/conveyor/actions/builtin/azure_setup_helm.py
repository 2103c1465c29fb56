"""azure/setup-helm (v4): Helm on PATH, output ``helm-path``; see ``kube_tools``."""

from __future__ import annotations

from conveyor.actions.base import ActionCall
from conveyor.actions.builtin.kube_tools import built, check_version, provide

INPUTS: dict[str, dict[str, str]] = {
    "version": {"default": "latest"},
    "token": {"default": "${{ github.token }}"},
    "downloadBaseUrl": {"default": "https://get.helm.sh"},
}


def main(call: ActionCall) -> None:
    wanted = call.input("version", "latest").strip()
    major = 3 if wanted.lstrip("v").startswith("3") else 4
    binary, have = built("helm", major)
    check_version(call, "Helm", wanted, have)
    call.outputs["helm-path"] = str(provide(call, "helm", binary, have))
    call.log(f"Helm {have} is on PATH")
