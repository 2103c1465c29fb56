"""The API server, through the official Python client: a client from a kubeconfig (checked
before anything is changed), the workloads of a release, namespaces and pod events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conveyor.deploy.model import DeployError
from conveyor.records import record

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


@record(frozen=True, slots=True)
class Workload:
    kind: str
    name: str
    namespace: str

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


def connect(kubeconfig: Path, context: str = "") -> Any:
    """An ApiClient for the kubeconfig's (or ``context``'s) cluster, after one request
    showed it answers; DeployError saying what is wrong otherwise."""
    from kubernetes import client, config

    if not kubeconfig.is_file():
        raise DeployError(f"kubeconfig {kubeconfig}: no such file")
    try:
        api = config.new_client_from_config(config_file=str(kubeconfig), context=context or None)
    except (config.ConfigException, yaml.YAMLError, OSError, TypeError, ValueError) as e:
        raise DeployError(f"kubeconfig {kubeconfig} cannot be used: {_short(e)}") from None
    try:
        client.VersionApi(api).get_code(_request_timeout=10)
    except Exception as e:  # urllib3 and the client raise many kinds; all mean "no cluster"
        raise DeployError(
            f"the cluster of kubeconfig {kubeconfig} does not answer at "
            f"{api.configuration.host}: {_short(e)}"
        ) from None
    return api


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:300] if text else type(e).__name__


def workloads(manifest: str, namespace: str) -> list[Workload]:
    """The Deployments, StatefulSets and DaemonSets a rendered release contains."""
    found: list[Workload] = []
    for doc in yaml.safe_load_all(manifest):
        if isinstance(doc, dict) and doc.get("kind") in WORKLOAD_KINDS:
            meta = doc.get("metadata") or {}
            found.append(
                Workload(doc["kind"], str(meta.get("name")), meta.get("namespace") or namespace)
            )
    return found


def ensure_namespace(api: Any, namespace: str, create: bool) -> str:
    """Make sure the namespace exists; what was done, for the log. An account that may
    not read namespaces (a namespaced deployer) is trusted to deploy into its own."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    core = client.CoreV1Api(api)
    try:
        core.read_namespace(namespace, _request_timeout=10)
        return ""
    except ApiException as e:
        if e.status == 403:
            return ""
        if e.status != 404:
            raise DeployError(f"reading namespace {namespace}: {e.reason}") from None
    if not create:
        raise DeployError(f"namespace {namespace} does not exist (create-namespace is false)")
    body = client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace))
    try:
        core.create_namespace(body, _request_timeout=10)
    except ApiException as e:
        if e.status == 409:
            return ""
        raise DeployError(
            f"namespace {namespace} does not exist and this account may not create it "
            f"({e.status} {e.reason}); create it, or deploy with an account that may"
        ) from None
    return f"created namespace {namespace}"


def pod_events(api: Any, namespace: str, pod: str, limit: int = 5) -> list[str]:
    """The pod's last events, oldest first: "Reason: message"."""
    from kubernetes import client

    try:
        items = (
            client.CoreV1Api(api)
            .list_namespaced_event(
                namespace, field_selector=f"involvedObject.name={pod}", _request_timeout=10
            )
            .items
        )
    except Exception:  # events are a help for the report, never a reason to fail it
        return []

    def when(e: Any) -> Any:
        return e.last_timestamp or e.event_time or e.metadata.creation_timestamp or 0

    items = sorted(items, key=lambda e: str(when(e)))
    return [f"{e.reason}: {(e.message or '').strip()}" for e in items[-limit:]]


# what a Helm deploy needs at least in its namespace: Helm keeps releases in Secrets
NEEDED = (("", "secrets", "create"), ("", "secrets", "list"), ("apps", "deployments", "patch"),
          ("", "pods", "watch"))  # fmt: skip


def check_access(api: Any, namespace: str) -> None:
    """Refuse early, and clearly, when the account may not deploy into ``namespace``."""
    from kubernetes import client

    auth = client.AuthorizationV1Api(api)
    for group, resource, verb in NEEDED:
        review = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    namespace=namespace, group=group, resource=resource, verb=verb
                )
            )
        )
        try:
            answer = auth.create_self_subject_access_review(review, _request_timeout=10)
        except Exception:  # an API server without the review API: Helm will say it
            return
        if not answer.status.allowed:
            what = f"{resource}.{group}" if group else resource
            raise DeployError(
                f"this account may not deploy into namespace {namespace}: it may not "
                f"{verb} {what} there (see docs/deploy.md for the Role a deploy needs)"
            )
