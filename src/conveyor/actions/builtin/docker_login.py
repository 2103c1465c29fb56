"""docker/login-action: log in to a container registry, for the build and push steps after.

Credentials go to the job's own auth file, in memory (``/dev/shm``), named by
``REGISTRY_AUTH_FILE`` for the rest of the job (buildah, podman and skopeo read it); the
password reaches ``buildah login`` through stdin only, and is masked. Like the action,
the post step logs out (``logout: true``) and the file is removed. A registry on this
machine (127.0.0.0/8, localhost) is spoken to over plain HTTP, as Docker does. Amazon ECR
(``ecr``) and registry-auth lists are cloud services this builder cannot reach offline:
they fail naming the input.
"""

from __future__ import annotations

import contextlib
import os

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.docker_tools import AUTH_VAR, CallTools, auth_file
from conveyor.images.build import ImageError, login

INPUTS: dict[str, dict[str, str]] = {
    "registry": {"default": ""},
    "username": {"default": ""},
    "password": {"default": ""},
    "scope": {"default": ""},
    "ecr": {"default": "auto"},
    "logout": {"default": "true"},
    "registry-auth": {"default": ""},
}
POST_IF = "always()"


def main(call: ActionCall) -> None:
    if call.input("registry-auth").strip():
        raise ActionFailed("registry-auth is not supported by conveyor's docker/login-action")
    registry = call.input("registry").strip() or "docker.io"
    if call.input("ecr").strip().lower() == "true" or ".ecr." in registry:
        raise ActionFailed("ecr: Amazon ECR login is not supported offline; use username/password")
    username = call.input("username")
    password = call.input("password")
    if not username or not password:
        raise ActionFailed("Username and password required")
    call.add_mask(password)
    path = auth_file(call)
    try:
        login(CallTools(call), registry, username, password, str(path))
    except ImageError as e:
        raise ActionFailed(str(e)) from None
    call.log(f"Login Succeeded! ({registry})")
    call.env_updates[AUTH_VAR] = str(path)
    call.state["registry"] = registry
    call.state["logout"] = call.input("logout")
    call.state["authfile"] = str(path)


def post(call: ActionCall) -> None:
    if call.state.get("logout", "true").strip().lower() != "true":
        return
    path = call.state.get("authfile", "")
    registry = call.state.get("registry", "")
    if path and registry:
        CallTools(call).capture(["buildah", "logout", "--authfile", path, registry])
        call.log(f"Logging out from {registry}")
        with contextlib.suppress(OSError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(path))
