"""azure/setup-kubectl (v4): kubectl on PATH, output ``kubectl-path``; see ``kube_tools``."""

from __future__ import annotations

from conveyor.actions.base import ActionCall
from conveyor.actions.builtin.kube_tools import built, check_version, provide

INPUTS: dict[str, dict[str, str]] = {
    "version": {"default": "latest"},
    "downloadBaseUrl": {"default": "https://dl.k8s.io"},
}


def main(call: ActionCall) -> None:
    wanted = call.input("version", "latest").strip()
    binary, have = built("kubectl")
    check_version(call, "kubectl", wanted, have)
    call.outputs["kubectl-path"] = str(provide(call, "kubectl", binary, have))
    call.log(f"kubectl {have} is on PATH")
