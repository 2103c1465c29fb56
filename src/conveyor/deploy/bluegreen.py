"""Blue-green: two Helm releases of the chart, ``<release>-blue`` and ``<release>-green``,
and one Service Conveyor owns (``blue-green.service``, default the release's name) whose
selector points at one colour.

A deploy installs the idle colour beside the serving one, verifies it (rollout, then the
pre-switch checks against the colour's own Service), switches the Service's selector,
and runs the post-switch checks against the Service; when they fail the selector is
switched straight back. The old colour stays installed, so a rollback is a selector
switch, until a deploy after ``keep`` seconds replaces it (``keep: 0``: removed at once).
"""

from __future__ import annotations

import time
from typing import Any

from conveyor.deploy import helm
from conveyor.deploy.kube import workloads
from conveyor.deploy.model import DeployError, Failure, Log, Outcome, Target
from conveyor.deploy.rolling import check, verify_release

COLORS = ("blue", "green")
COLOR = "conveyor.dev/color"
PREVIOUS = "conveyor.dev/previous-color"
SWITCHED = "conveyor.dev/switched-at"


class BlueGreen:
    name = "blue-green"

    def deploy(self, target: Target, log: Log) -> Outcome:
        started = time.monotonic()
        deadline = started + target.timeout
        service = _service_name(target)
        current = _read_service(target, service)
        serving = _annotation(current, COLOR)
        new = "green" if serving == "blue" else "blue"
        release = f"{target.release}-{new}"
        _retire_expired(target, current, log)
        log(f"blue-green: {serving or 'nothing'} serves; installing {release}")
        revision = helm.upgrade(target, release)
        colour_service = _release_service(target, release, revision)
        target.checks_env["CONVEYOR_COLOR"] = new
        target.checks_env["CONVEYOR_SERVICE"] = colour_service["metadata"]["name"]
        failure = verify_release(target, revision, deadline, log, release) or check(
            target, revision, deadline, log, "pre-switch"
        )
        if failure is not None:  # nothing was switched: the serving colour serves on
            now = time.monotonic()
            log(f"{release} failed before the switch: {failure.reason}")
            return Outcome(
                "rolled-back" if serving else "failed", revision, _revision(current),
                _revision(current), f"pre-switch: {failure.reason}", failure, serving,
                now - started, now - started, 0.0,
            )  # fmt: skip
        switch_at = time.monotonic()
        _switch(target, service, colour_service, new, serving, revision)
        log(f"switched service {service} to {new} (revision {revision})")
        target.checks_env["CONVEYOR_SERVICE"] = service
        failure = check(target, revision, deadline, log, "post-switch")
        if failure is None:
            if target.env.blue_green.keep == 0 and serving:
                helm.uninstall(target, f"{target.release}-{serving}")
                log(f"removed {target.release}-{serving} (keep: 0)")
            return Outcome("deployed", revision, revision, color=new,
                           deploy_seconds=time.monotonic() - started,
                           details={"switch_seconds": time.monotonic() - switch_at})  # fmt: skip
        return self._switch_back(target, service, current, revision, failure, started, log)

    def _switch_back(
        self, target: Target, service: str, before: Any, revision: int, failure: Failure,
        started: float, log: Log,
    ) -> Outcome:  # fmt: skip
        detected = time.monotonic()
        serving = _annotation(before, COLOR)
        log(f"post-switch check failed: {failure.reason}")
        outcome = Outcome("failed", revision, revision, reason=f"post-switch: {failure.reason}",
                          failure=failure, deploy_seconds=detected - started,
                          detect_seconds=detected - started)  # fmt: skip
        if not serving:
            log("no earlier colour to switch back to")
            return outcome
        old = _release_service(target, f"{target.release}-{serving}", 0)
        _switch(target, service, old, serving, "", _revision(before))
        outcome.restore_seconds = time.monotonic() - detected
        outcome.result, outcome.color = "rolled-back", serving
        outcome.serving = outcome.rolled_back_to = _revision(before)
        log(f"switched service {service} back to {serving} in {outcome.restore_seconds:.2f}s")
        return outcome

    def rollback(self, target: Target, to: int | None, log: Log) -> Outcome:
        started = time.monotonic()
        service = _service_name(target)
        current = _read_service(target, service)
        serving = _annotation(current, COLOR)
        if not serving:
            return Outcome("failed", reason=f"service {service} is not switched by Conveyor yet")
        idle = _annotation(current, PREVIOUS)  # set by a good switch only, not a switch back
        if not idle:
            why = "the last deploy was switched back, or the old colour was removed"
            return Outcome("failed", reason=f"no earlier colour to switch {service} to ({why})")
        release = f"{target.release}-{idle}"
        revisions = helm.history(target, release)
        if not revisions:
            return Outcome("failed", reason=f"{release} is gone: nothing to switch back to")
        revision = int(revisions[-1]["revision"])
        if to and to != revision:
            raise DeployError(f"blue-green rolls back to the idle colour ({release} revision "
                              f"{revision}), not to revision {to}")  # fmt: skip
        failure = verify_release(target, revision, started + target.timeout, log, release)
        if failure is not None:
            return Outcome("failed", revision, _revision(current), reason=failure.reason,
                           failure=failure, color=serving)  # fmt: skip
        _switch(target, service, _release_service(target, release, revision), idle, serving,
                revision)  # fmt: skip
        took = time.monotonic() - started
        log(f"switched service {service} back to {idle} (revision {revision}) in {took:.2f}s")
        return Outcome("rolled-back", revision, revision, revision,
                       f"rolled back from {serving}", color=idle, restore_seconds=took,
                       details={"rolled_back_from": _revision(current)})  # fmt: skip


def _service_name(target: Target) -> str:
    return target.env.blue_green.service or target.release


def _core(target: Target) -> Any:
    from kubernetes import client

    return client.CoreV1Api(target.api)


def _read_service(target: Target, name: str) -> Any:
    from kubernetes.client.exceptions import ApiException

    try:
        return _core(target).read_namespaced_service(name, target.namespace, _request_timeout=10)
    except ApiException as e:
        if e.status == 404:
            return None
        raise DeployError(f"reading service {name}: {e.status} {e.reason}") from None


def _annotation(service: Any, key: str) -> str:
    if service is None:
        return ""
    return str((service.metadata.annotations or {}).get(key, ""))


def _revision(service: Any) -> int:
    try:
        return int(_annotation(service, "conveyor.dev/revision") or 0)
    except ValueError:
        return 0


def _release_service(target: Target, release: str, revision: int) -> dict[str, Any]:
    """The colour release's own Service (the first one in its manifest)."""
    import yaml

    manifest = helm.manifest(target, release, revision)
    for doc in yaml.safe_load_all(manifest):
        if isinstance(doc, dict) and doc.get("kind") == "Service":
            return doc
    kinds = ", ".join(str(w) for w in workloads(manifest, ""))
    raise DeployError(
        f"blue-green needs a Service in the chart to copy (release {release} has {kinds or 'none'})"
    )


def _switch(
    target: Target, name: str, source: dict[str, Any], color: str, previous: str, revision: int
) -> None:
    """Point Service ``name`` at ``source``'s selector and ports (create it if missing)."""
    spec = source.get("spec") or {}
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/managed-by": "conveyor"},
            "annotations": {
                COLOR: color,
                PREVIOUS: previous,
                SWITCHED: f"{time.time():.3f}",
                "conveyor.dev/revision": str(revision),
            },
        },
        "spec": {
            "type": spec.get("type", "ClusterIP"),
            "selector": spec.get("selector") or {},
            "ports": [
                {k: p[k] for k in ("name", "port", "targetPort", "protocol") if k in p}
                for p in spec.get("ports") or []
            ],
        },
    }
    core = _core(target)
    if _read_service(target, name) is None:
        core.create_namespaced_service(target.namespace, body, _request_timeout=10)
    else:
        core.patch_namespaced_service(name, target.namespace, body, _request_timeout=10)


def _retire_expired(target: Target, service: Any, log: Log) -> None:
    """The idle colour is removed once ``keep`` seconds have passed since the switch."""
    previous = _annotation(service, PREVIOUS)
    try:
        switched = float(_annotation(service, SWITCHED) or 0)
    except ValueError:
        switched = 0.0
    if not previous or not switched or time.time() - switched < target.env.blue_green.keep:
        return
    release = f"{target.release}-{previous}"
    if helm.history(target, release):
        helm.uninstall(target, release)
        log(f"removed {release}: idle for more than {target.env.blue_green.keep}s")
