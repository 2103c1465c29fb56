"""What kwok does to fake nodes and pods: kwok's own default stages (nodes become Ready
and keep a lease; pods become Ready, Jobs' pods complete, deleted pods go), and ours that
fail a pod on demand, chosen by the label ``conveyor.dev/fault`` on the pod (template):

- ``not-ready``: Running, its container running, but never Ready (a failing probe);
- ``crashloop``: Running, the container waiting in CrashLoopBackOff after restarts;
- ``failed``: phase Failed (for Jobs and bare pods: a ReplicaSet replaces Failed pods).

kwok picks among the stages whose selectors match a pod at random, weighted by
``weight``, and leaves out weight-0 stages when one has a weight: kwok's ``pod-ready``
has none, ours have one, so a labelled pod always takes ours."""

from __future__ import annotations

import re
from pathlib import Path

FAULT_LABEL = "conveyor.dev/fault"
FAULTS = ("not-ready", "crashloop", "failed")

# standalone kwok applies no defaults to a configuration file: a parallelism of 0 makes it
# exit ("node leases parallelism must be greater than 0"), so each is set
_CONFIG = """\
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  cidr: 10.0.0.1/16
  nodeIP: 10.0.0.1
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 4
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  podsOnNodeSyncParallelism: 1
"""

_POD_IPS = (
    '{{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) '
    '( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}'
)


def _fault(name: str, delay_ms: int, conditions: str, container: str, phase: str) -> str:
    """A Stage for pending, undeleted pods labelled ``conveyor.dev/fault: <name>``."""
    delay = f"  delay:\n    durationMilliseconds: {delay_ms}\n" if delay_ms else ""
    return f"""\
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: conveyor-fault-{name}
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchLabels:
      {FAULT_LABEL}: {name}
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
  weight: 10
{delay}  next:
    statusTemplate: |
      {{{{ $now := Now }}}}
      phase: {phase}
      startTime: {{{{ $now | Quote }}}}
      hostIP: {{{{ NodeIPWith .spec.nodeName | Quote }}}}
      podIP: {_POD_IPS}
      conditions:
{_indent(conditions, 6)}
      containerStatuses:
      {{{{ range .spec.containers }}}}
      - name: {{{{ .name | Quote }}}}
        image: {{{{ .image | Quote }}}}
{_indent(container, 8)}
      {{{{ end }}}}
"""


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.strip("\n").splitlines())


def _conditions(ready_reason: str, message: str) -> str:
    now = "{{ $now | Quote }}"
    return f"""\
- {{type: PodScheduled, status: "True", lastTransitionTime: {now}}}
- {{type: Initialized, status: "True", lastTransitionTime: {now}}}
- {{type: ContainersReady, status: "False", reason: {ready_reason}, lastTransitionTime: {now}}}
- {{type: Ready, status: "False", reason: {ready_reason}, message: "{message}", \
lastTransitionTime: {now}}}
"""


def fault_stages() -> str:
    now = "{{ $now | Quote }}"
    not_ready = _fault(
        "not-ready",
        0,
        _conditions("ContainersNotReady", "readiness probe failed (fault)"),
        f"ready: false\nstarted: true\nrestartCount: 0\nstate:\n  running: {{startedAt: {now}}}",
        "Running",
    )
    crashloop = _fault(
        "crashloop",
        0,
        _conditions("ContainersNotReady", "containers with unready status"),
        "ready: false\nstarted: false\nrestartCount: 4\n"
        f"lastState:\n  terminated: {{exitCode: 1, reason: Error, startedAt: {now}, "
        f"finishedAt: {now}}}\n"
        "state:\n  waiting:\n    reason: CrashLoopBackOff\n"
        "    message: back-off 1m20s restarting failed container (conveyor fault)",
        "Running",
    )
    failed = _fault(
        "failed",
        1000,
        _conditions("PodFailed", "container exited 1 (conveyor fault)"),
        f"ready: false\nrestartCount: 0\nstate:\n  terminated: {{exitCode: 1, reason: Error, "
        f"startedAt: {now}, finishedAt: {now}}}",
        "Failed",
    )
    return "---\n".join([not_ready, crashloop, failed])


def default_stages(kwok_module: Path) -> str:
    """kwok's default ("fast") node and pod stages, read from its module source through the
    kustomizations that list them (kustomize/stage/fast), in their order."""
    docs = [_read(p) for p in _resources(kwok_module / "kustomize" / "stage" / "fast")]
    if not docs:
        raise ValueError(f"no kwok stages under {kwok_module}/kustomize/stage/fast")
    return "---\n".join(docs)


def _resources(folder: Path) -> list[Path]:
    text = (folder / "kustomization.yaml").read_text()
    listed = re.findall(r"^- (\S+)\s*$", text.split("resources:", 1)[-1], re.M)
    found: list[Path] = []
    for entry in listed:
        target = (folder / entry).resolve()
        found += _resources(target) if target.is_dir() else [target]
    return found


def _read(path: Path) -> str:
    text = path.read_text()
    return text if text.endswith("\n") else text + "\n"


def kwok_config(default: str) -> str:
    """The file given to ``kwok --config``: the options, kwok's stages, then ours. Each a
    separate YAML document: merged documents silently lose all but the last stage."""
    return "---\n".join([_CONFIG, default, fault_stages()])
