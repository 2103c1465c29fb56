"""Is the release serving? Watched through the API server, not polled through Helm.

Done when every workload has rolled out as ``kubectl rollout status`` counts it (the new
replicas updated and available, no old ones left). Failed, at once, when a pod of the new
version crash-loops, cannot pull its image or cannot be created, when a pod fails, or when
a pod whose containers all run is still not Ready ``ready_within`` seconds later (a failing
readiness probe); failed at the deadline otherwise. A watch on the namespace's pods wakes
the check on every change, with a one-second heartbeat for the time-based rules.
"""

from __future__ import annotations

import json
import time
from typing import Any

from conveyor.deploy.kube import Workload, pod_events
from conveyor.deploy.model import Failure, Log

BAD_WAITING = {
    "CrashLoopBackOff": "crashloop",
    "ErrImagePull": "image",
    "ImagePullBackOff": "image",
    "InvalidImageName": "image",
    "ErrImageNeverPull": "image",
    "CreateContainerConfigError": "config",
    "CreateContainerError": "config",
    "RunContainerError": "config",
}
CRASH_RESTARTS = 3  # restarts that count as a crash loop before the kubelet says so
QUIET = 0.3  # seconds without a pod event after which the rollout is looked at again


class Verifier:
    """Watches one namespace's pods while workloads roll out."""

    def __init__(
        self, api: Any, namespace: str, ready_within: float, log: Log, restoring: bool = False
    ) -> None:
        from kubernetes import client

        self.api = api
        self.apps = client.AppsV1Api(api)
        self.core = client.CoreV1Api(api)
        self.namespace = namespace
        self.ready_within = ready_within
        self.log = log
        self.restoring = restoring
        self.pods: dict[str, Any] = {}
        self.running_since: dict[str, float] = {}  # pod -> when first seen with all running
        self.version = ""
        self.checked = 0.0

    def wait(self, workloads: list[Workload], deadline: float) -> Failure | None:
        """None once all have rolled out; the first failure otherwise."""
        if not workloads:
            return None
        self._list()
        last_said = ""
        while True:
            self.checked = time.monotonic()
            states = [self._state(w) for w in workloads]
            failure = next((s for s in states if isinstance(s, Failure)), None)
            if failure is not None:
                if failure.pod:
                    failure.events = pod_events(self.api, self.namespace, failure.pod)
                return failure
            waiting = [s for s in states if isinstance(s, str) and s]
            if not waiting:
                return None
            said = "; ".join(waiting)
            if said != last_said:
                self.log(f"waiting: {said}")
                last_said = said
            if time.monotonic() >= deadline:
                return Failure(f"not rolled out in time: {said}", kind="timeout")
            self._watch(min(1.0, max(0.1, deadline - time.monotonic())))

    # -- the pod cache, kept by a watch ---------------------------------------------------

    def _list(self) -> None:
        """All the namespace's pods, as JSON: the client's model objects cost ~5 ms a pod
        to build (4.7 s for 1,000), the plain JSON a hundredth of that."""
        response = self.core.list_namespaced_pod(
            self.namespace, _preload_content=False, _request_timeout=30
        )
        listed = json.loads(response.data)
        self.pods = {p["metadata"]["name"]: p for p in listed.get("items") or []}
        self.version = (listed.get("metadata") or {}).get("resourceVersion", "")

    def _watch(self, seconds: float) -> None:
        """Apply pod changes as they come: back after a burst (at most 4 looks a second),
        after 0.3 s without news, or after ``seconds``."""
        from kubernetes import watch
        from urllib3.exceptions import HTTPError

        stream = watch.Watch()
        try:
            for event in stream.stream(
                self.core.list_namespaced_pod,
                self.namespace,
                resource_version=self.version,
                timeout_seconds=max(1, int(seconds + 0.999)),
                _request_timeout=(5, QUIET),
                deserialize=False,
            ):
                pod = event.get("object") or {}
                meta = pod.get("metadata") or {}
                if event.get("type") not in ("ADDED", "MODIFIED", "DELETED") or not meta:
                    self._list()  # BOOKMARK/ERROR, e.g. our version expired (410): list again
                    break
                self.version = meta.get("resourceVersion") or self.version
                name = str(meta.get("name"))
                if event["type"] == "DELETED":
                    self.pods.pop(name, None)
                else:
                    self.pods[name] = pod
                if time.monotonic() - self.checked >= 0.25:
                    break
        except HTTPError:  # QUIET seconds without an event: look again now
            pass
        except KeyError:  # the client's own handling of an ERROR event without deserialize
            self._list()
        except Exception as e:
            from kubernetes.client.exceptions import ApiException

            if isinstance(e, ApiException) and e.status == 410:
                self._list()
            else:
                raise
        finally:
            stream.stop()

    # -- one workload ---------------------------------------------------------------------

    def _state(self, w: Workload) -> Failure | str:
        """ "" when rolled out, a Failure, or what it waits for."""
        if w.kind == "Deployment":
            return self._deployment(w)
        if w.kind == "StatefulSet":
            return self._statefulset(w)
        return self._daemonset(w)

    def _deployment(self, w: Workload) -> Failure | str:
        d = self.apps.read_namespaced_deployment(w.name, w.namespace, _request_timeout=30)
        for cond in d.status.conditions or []:
            if cond.type == "Progressing" and cond.reason == "ProgressDeadlineExceeded":
                return Failure(f"{w}: {cond.message}", kind="deadline")
        template_hash = self._new_hash(d)
        if template_hash:
            failed = self._pods_failure(
                d.spec.selector.match_labels or {}, "pod-template-hash", template_hash
            )
            if failed is not None:
                return failed
        want = d.spec.replicas if d.spec.replicas is not None else 1
        s = d.status
        if (s.observed_generation or 0) < (d.metadata.generation or 0):
            return f"{w}: the controller has not seen the new version yet"
        updated = s.updated_replicas or 0
        if updated < want:
            return f"{w}: {updated} of {want} replicas updated"
        if (s.replicas or 0) > updated and not (
            self.restoring and (s.available_replicas or 0) >= want
        ):
            # restoring, the good version serves once all its replicas are available; the
            # failed pods, never Ready, take no traffic while they terminate
            return f"{w}: {(s.replicas or 0) - updated} old replicas still running"
        if (s.available_replicas or 0) < updated:
            return f"{w}: {s.available_replicas or 0} of {updated} updated replicas available"
        return ""

    def _new_hash(self, d: Any) -> str:
        """The pod-template-hash of the Deployment's newest ReplicaSet."""
        revision = (d.metadata.annotations or {}).get("deployment.kubernetes.io/revision", "")
        labels = d.spec.selector.match_labels or {}
        selector = ",".join(f"{k}={v}" for k, v in labels.items())
        sets = self.apps.list_namespaced_replica_set(
            d.metadata.namespace, label_selector=selector, _request_timeout=30
        ).items
        mine = [
            rs for rs in sets
            if any(o.uid == d.metadata.uid for o in rs.metadata.owner_references or [])
        ]  # fmt: skip
        for rs in mine:
            if (rs.metadata.annotations or {}).get("deployment.kubernetes.io/revision") == revision:
                return str((rs.metadata.labels or {}).get("pod-template-hash", ""))
        return ""

    def _statefulset(self, w: Workload) -> Failure | str:
        s = self.apps.read_namespaced_stateful_set(w.name, w.namespace, _request_timeout=30)
        failed = self._pods_failure(
            s.spec.selector.match_labels or {},
            "controller-revision-hash",
            s.status.update_revision or "",
        )
        if failed is not None:
            return failed
        want = s.spec.replicas if s.spec.replicas is not None else 1
        st = s.status
        if (st.observed_generation or 0) < (s.metadata.generation or 0):
            return f"{w}: the controller has not seen the new version yet"
        if (st.updated_replicas or 0) < want or (st.ready_replicas or 0) < want:
            return f"{w}: {st.ready_replicas or 0} of {want} replicas ready on the new version"
        if st.update_revision and st.current_revision != st.update_revision:
            return f"{w}: the update is not complete"
        return ""

    def _daemonset(self, w: Workload) -> Failure | str:
        d = self.apps.read_namespaced_daemon_set(w.name, w.namespace, _request_timeout=30)
        failed = self._pods_failure(
            d.spec.selector.match_labels or {},
            "pod-template-generation",
            str(d.metadata.generation),
        )
        if failed is not None:
            return failed
        st = d.status
        want = st.desired_number_scheduled or 0
        if (st.observed_generation or 0) < (d.metadata.generation or 0):
            return f"{w}: the controller has not seen the new version yet"
        if (st.updated_number_scheduled or 0) < want or (st.number_available or 0) < want:
            return f"{w}: {st.number_available or 0} of {want} pods available"
        return ""

    # -- pods of the new version ----------------------------------------------------------

    def _pods_failure(self, selector: dict[str, str], key: str, value: str) -> Failure | None:
        if not value:
            return None
        now = time.monotonic()
        for name, pod in sorted(self.pods.items()):
            meta = pod.get("metadata") or {}
            labels = meta.get("labels") or {}
            if labels.get(key) != value or any(labels.get(k) != v for k, v in selector.items()):
                continue
            if meta.get("deletionTimestamp"):
                continue
            failure = self._pod_failure(name, pod.get("status") or {}, now)
            if failure is not None:
                return failure
        return None

    def _pod_failure(self, name: str, status: dict[str, Any], now: float) -> Failure | None:
        """``status`` is the pod's status as the API server sends it (JSON)."""
        if status.get("phase") == "Failed":
            why = " ".join(x for x in (status.get("reason"), status.get("message")) if x)
            return Failure(f"pod {name} failed: {why or 'no reason given'}", kind="failed-pod",
                           pod=name)  # fmt: skip
        main = status.get("containerStatuses") or []
        for cs in [*(status.get("initContainerStatuses") or []), *main]:
            state = cs.get("state") or {}
            waiting = state.get("waiting") or {}
            reason = waiting.get("reason", "")
            restarts = int(cs.get("restartCount") or 0)
            if reason in BAD_WAITING:
                count = f" ({restarts} restarts)" if restarts else ""
                detail = f": {waiting['message'].strip()}" if waiting.get("message") else ""
                return Failure(
                    f"pod {name} container {cs.get('name')}: {reason}{count}{detail}",
                    kind=BAD_WAITING[reason], pod=name, container=str(cs.get("name")),
                )  # fmt: skip
            ended = (cs.get("lastState") or {}).get("terminated")
            if restarts >= CRASH_RESTARTS and ended:
                why = f", {ended['reason']}" if ended.get("reason") else ""
                return Failure(
                    f"pod {name} container {cs.get('name')}: restarted {restarts} times "
                    f"(last exit {ended.get('exitCode')}{why})",
                    kind="crashloop", pod=name, container=str(cs.get("name")),
                )  # fmt: skip
        conditions: list[dict[str, Any]] = status.get("conditions") or []
        ready: dict[str, Any] = next((c for c in conditions if c.get("type") == "Ready"), {})
        all_running = bool(main) and all((c.get("state") or {}).get("running") for c in main)
        if status.get("phase") != "Running" or not all_running or ready.get("status") == "True":
            self.running_since.pop(name, None)
            return None
        since = self.running_since.setdefault(name, now)
        if now - since < self.ready_within:
            return None
        stuck = next((c.get("name") for c in main if not c.get("ready")), main[0].get("name"))
        why = f" ({ready['message']})" if ready.get("message") else ""
        return Failure(
            f"pod {name} container {stuck}: running but not Ready after "
            f"{self.ready_within:g}s{why}",
            kind="not-ready", pod=name, container=str(stuck),
        )  # fmt: skip
