"""azure/k8s-set-context (v4): a kubeconfig for the job's later steps, in KUBECONFIG.

``method: kubeconfig`` (the default) takes the ``kubeconfig`` input and an optional
``context``; ``method: service-account`` builds one from ``k8s-url`` and ``k8s-secret``
(a ServiceAccount token Secret as YAML or JSON, its ``token`` and ``ca.crt``).
``service-principal`` (Azure Arc) needs Azure and fails naming itself. Unlike the
action, which writes RUNNER_TEMP, the file lives in memory (/dev/shm, mode 0600) and is
removed when the job ends: a kubeconfig holds credentials.
"""

from __future__ import annotations

import base64
import os
import shutil
from typing import Any

import yaml

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.step import memory_folder

INPUTS: dict[str, dict[str, str]] = {
    name: {"default": ""}
    for name in ("kubeconfig", "context", "k8s-url", "k8s-secret", "token", "resource-group",
                 "cluster-name")
}  # fmt: skip
INPUTS["method"] = {"default": "kubeconfig"}
INPUTS["cluster-type"] = {"default": "generic"}
POST_IF = "always()"


def main(call: ActionCall) -> None:
    method = call.input("method", "kubeconfig").strip().lower()
    if call.input("cluster-type", "generic").strip().lower() == "arc":
        raise ActionFailed("cluster-type: arc (Azure Arc) is not supported: it needs Azure")
    if method == "kubeconfig":
        text = call.input("kubeconfig")
        if not text.strip():
            raise ActionFailed("Input required and not supplied: kubeconfig")
        config = _parse(text, "kubeconfig")
    elif method == "service-account":
        config = _from_service_account(call.input("k8s-url").strip(), call.input("k8s-secret"))
    else:
        raise ActionFailed(f"method '{method}' is not supported (kubeconfig, service-account)")
    context = call.input("context").strip()
    if context:
        names = [c.get("name") for c in config.get("contexts") or [] if isinstance(c, dict)]
        if context not in names:
            raise ActionFailed(
                f"context '{context}' is not in the kubeconfig ({', '.join(map(str, names))})"
            )
        config["current-context"] = context
    for user in config.get("users") or []:
        token = (user.get("user") or {}).get("token") if isinstance(user, dict) else None
        if token:
            call.add_mask(str(token))
    path = memory_folder(call, "kube") / "kubeconfig"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle)
    call.env_updates["KUBECONFIG"] = str(path)
    call.state["folder"] = str(path.parent)
    call.log(f"KUBECONFIG is set (context {config.get('current-context') or 'as given'})")


def post(call: ActionCall) -> None:
    folder = call.state.get("folder", "")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _parse(text: str, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        raise ActionFailed(f"{what} is not a YAML or JSON mapping")
    return data


def _from_service_account(url: str, secret_text: str) -> dict[str, Any]:
    if not url:
        raise ActionFailed("Input required and not supplied: k8s-url")
    secret = _parse(secret_text, "k8s-secret")
    data = secret.get("data") or {}
    try:
        token = base64.b64decode(data["token"]).decode()
        ca = data["ca.crt"]
    except (KeyError, ValueError, TypeError):
        raise ActionFailed("k8s-secret has no data.token and data.ca.crt (a ServiceAccount "
                           "token Secret)") from None  # fmt: skip
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "default",
        "clusters": [{"name": "default", "cluster": {"server": url,
                                                     "certificate-authority-data": ca}}],
        "users": [{"name": "default", "user": {"token": token}}],
        "contexts": [{"name": "default", "context": {"cluster": "default", "user": "default"}}],
    }  # fmt: skip
