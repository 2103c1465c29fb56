"""docker/build-push-action: build with buildah, daemonless, and push to any registry.

Same inputs and outputs as the action (``imageid``, ``digest``, ``metadata``). The build
context defaults to the job's workspace (the action's default is the commit's git
context: the same files once actions/checkout ran). Layers are cached between runs in
the local image store, whatever ``cache-from``/``cache-to`` say. A registry on this
machine is pushed to over plain HTTP, as Docker treats 127.0.0.0/8. Inputs that need
BuildKit (``ssh``, ``build-contexts``, attestations...) fail naming themselves.
"""

from __future__ import annotations

import json

from conveyor.actions.base import ActionCall, ActionFailed
from conveyor.actions.builtin.docker_tools import CallTools, lines_input, list_input
from conveyor.actions.builtin.pushed import record_push
from conveyor.images.build import BuildSpec, ImageError, build, push

_NAMES = [
    "add-hosts",
    "allow",
    "annotations",
    "attests",
    "build-args",
    "build-contexts",
    "builder",
    "cache-from",
    "cache-to",
    "call",
    "cgroup-parent",
    "context",
    "file",
    "labels",
    "load",
    "network",
    "no-cache",
    "no-cache-filters",
    "outputs",
    "platforms",
    "provenance",
    "pull",
    "push",
    "sbom",
    "secrets",
    "secret-envs",
    "secret-files",
    "shm-size",
    "ssh",
    "tags",
    "target",
    "ulimit",
    "github-token",
]
INPUTS: dict[str, dict[str, str]] = {name: {"default": ""} for name in _NAMES}
INPUTS["load"] = {"default": "false"}
INPUTS["no-cache"] = {"default": "false"}
INPUTS["pull"] = {"default": "false"}
INPUTS["push"] = {"default": "false"}

# BuildKit features buildah has no equivalent for: refused, naming the input
_UNSUPPORTED = ("allow", "build-contexts", "call", "cgroup-parent", "no-cache-filters", "ssh",
                "annotations")  # fmt: skip


def _pairs(items: list[str], what: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ActionFailed(f"{what}: '{item}' must look like KEY=VALUE")
        result[key.strip()] = value
    return result


def _secrets(call: ActionCall) -> dict[str, str]:
    secrets = _pairs(lines_input(call, "secrets"), "secrets")
    for name, path in _pairs(lines_input(call, "secret-files"), "secret-files").items():
        try:
            secrets[name] = (call.workspace / path).read_text()
        except OSError as e:
            raise ActionFailed(f"secret-files: cannot read {path}: {e.strerror}") from None
    for name, var in _pairs(lines_input(call, "secret-envs"), "secret-envs").items():
        secrets[name] = call.env.get(var, "")
    return secrets


def _check(call: ActionCall) -> None:
    for name in _UNSUPPORTED:
        if call.input(name).strip():
            raise ActionFailed(f"{name} is not supported by conveyor's buildah builder")
    for name in ("provenance", "sbom", "attests"):
        value = call.input(name).strip().lower()
        if value and value not in ("false", "mode=min") and name != "attests":
            raise ActionFailed(f"{name}: attestations are not produced by conveyor's builder")
        if name == "attests" and value:
            raise ActionFailed("attests: attestations are not produced by conveyor's builder")
    for output in list_input(call, "outputs"):
        kind = dict(p.split("=", 1) for p in output.split(",") if "=" in p).get("type", output)
        if kind not in ("registry", "docker", "image"):
            raise ActionFailed(f"outputs: type={kind} is not supported (registry, docker, image)")


def main(call: ActionCall) -> None:
    _check(call)
    context_in = call.input("context").strip()
    if "://" in context_in or context_in.startswith("git@"):
        raise ActionFailed("context: a remote (git/URL) context is not supported; check out first")
    context = (call.workspace / context_in).resolve() if context_in else call.workspace
    file_in = call.input("file").strip()
    dockerfile = (call.workspace / file_in).resolve() if file_in else context / "Dockerfile"
    tags = list_input(call, "tags")
    outputs = list_input(call, "outputs")
    pushing = call.bool_input("push") or any("type=registry" in o for o in outputs)
    if pushing and not tags:
        raise ActionFailed("tag is needed when pushing to registry")
    extra: list[str] = []
    if call.input("network").strip():
        extra += ["--network", call.input("network").strip()]
    for host in list_input(call, "add-hosts"):
        extra += ["--add-host", host]
    if call.input("shm-size").strip():
        extra += ["--shm-size", call.input("shm-size").strip()]
    for limit in lines_input(call, "ulimit"):
        extra += ["--ulimit", limit]
    for name in ("cache-from", "cache-to"):
        if call.input(name).strip():
            call.log(f"{name}: buildah's local layer cache is used instead")
    spec = BuildSpec(
        context=context,
        file=dockerfile,
        tags=tags,
        labels=_pairs(lines_input(call, "labels"), "labels"),
        build_args=_pairs(lines_input(call, "build-args"), "build-args"),
        target=call.input("target").strip(),
        secrets=_secrets(call),
        platforms=list_input(call, "platforms"),
        no_cache=call.bool_input("no-cache"),
        pull=call.bool_input("pull"),
        extra=extra,
    )
    # values written in `secrets:` are masked; a secret-files file's content is not (as
    # with the real action: a 200 KB CA bundle would mask its every line, slowly)
    for value in _pairs(lines_input(call, "secrets"), "secrets").values():
        call.add_mask(value)
    tools = CallTools(call)
    try:
        image_id = build(tools, spec, tools.env)
        image_id = image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"
        digest = ""
        for tag in tags if pushing else []:
            digest = push(tools, tag, authfile=tools.env.get("REGISTRY_AUTH_FILE", ""))
            call.log(f"pushed {tag}@{digest}")
            record_push(
                call.run_dir,
                {"image": tag, "digest": digest, "imageid": image_id,
                 "job": call.env.get("GITHUB_JOB", "")},
            )  # fmt: skip
    except ImageError as e:
        raise ActionFailed(str(e)) from None
    metadata: dict[str, str] = {"containerimage.config.digest": image_id}
    if tags:
        metadata["image.name"] = ",".join(tags)
    if digest:
        metadata["containerimage.digest"] = digest
    call.outputs["imageid"] = image_id
    call.outputs["digest"] = digest
    call.outputs["metadata"] = json.dumps(metadata, indent=2)
