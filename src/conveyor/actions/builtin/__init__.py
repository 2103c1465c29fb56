"""Built-in, offline equivalents of the common GitHub actions.

``uses: actions/checkout@v4`` (any ``@ref``) resolves to a module here instead of a download.
Modules are imported only when an action is looked up, never at import time of this package.

Each module has ``main(call)``, ``INPUTS`` (its action.yml inputs with defaults) and, when the
real action has a post step, ``post(call)`` with ``POST_IF``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from conveyor.actions.base import ActionRef

_PKG = "conveyor.actions.builtin"

BUILTINS: dict[str, str] = {
    "actions/checkout": f"{_PKG}.checkout",
    "actions/setup-python": f"{_PKG}.setup_python",
    "actions/setup-node": f"{_PKG}.setup_node",
    "actions/setup-go": f"{_PKG}.setup_go",
    "actions/cache": f"{_PKG}.cache",
    "actions/cache/restore": f"{_PKG}.cache_restore",
    "actions/cache/save": f"{_PKG}.cache_save",
    "actions/upload-artifact": f"{_PKG}.upload_artifact",
    "actions/download-artifact": f"{_PKG}.download_artifact",
    "docker/metadata-action": f"{_PKG}.docker_metadata",
    "docker/login-action": f"{_PKG}.docker_login",
    "docker/setup-buildx-action": f"{_PKG}.docker_setup_buildx",
    "docker/setup-qemu-action": f"{_PKG}.docker_setup_qemu",
    "docker/build-push-action": f"{_PKG}.docker_build_push",
    "aquasecurity/trivy-action": f"{_PKG}.trivy",
    "conveyor/deploy": f"{_PKG}.conveyor_deploy",
    "azure/setup-helm": f"{_PKG}.azure_setup_helm",
    "azure/setup-kubectl": f"{_PKG}.azure_setup_kubectl",
    "azure/k8s-set-context": f"{_PKG}.azure_k8s_set_context",
}


def _module_path(name: str) -> str | None:
    return BUILTINS.get(name.strip().lower().rstrip("/"))


def lookup(ref: ActionRef) -> ModuleType | None:
    """The built-in module for ``ref`` (any version), or None when it is not built in."""
    if ref.kind != "remote":
        return None
    path = _module_path(ref.name)
    return importlib.import_module(path) if path else None


def inputs_spec(name: str) -> dict[str, dict[str, str]]:
    """Declared inputs of a built-in (``{"input": {"default": "..."}}``); KeyError if unknown.

    Defaults are the action.yml ones, so a few are expressions such as
    ``${{ github.token }}``; the actions treat an unevaluated expression like an empty value.
    """
    path = _module_path(name)
    if path is None:
        raise KeyError(f"'{name}' is not a built-in action")
    module = importlib.import_module(path)
    spec: dict[str, dict[str, str]] = module.INPUTS
    return {key: dict(value) for key, value in spec.items()}
