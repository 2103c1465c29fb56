"""A local Kubernetes for tests, demos and machines without a cluster: a control plane
and etcd built from the Go module proxy, kwok's fake nodes, all on 127.0.0.1 (see
``conveyor cluster --help``). What the deploy stage needs from it is here."""

from __future__ import annotations

import sys
from pathlib import Path

from conveyor.cluster import build, control


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def helm_binary(major: int = 4) -> Path:
    """Helm ``major`` (3 or 4), built on first use."""
    if major not in (3, 4):
        raise ValueError(f"Helm {major} is not built here: 3 or 4")
    return build.ensure([f"helm{major}"], _say) / f"helm{major}"


def kubectl_binary() -> Path:
    return build.ensure(["kubectl"], _say) / "kubectl"


def kubeconfig_path() -> Path:
    """Where the cluster's kubeconfig is (whether or not the cluster is up)."""
    return control.kubeconfig_path()


def ensure_up() -> Path:
    """The kubeconfig of a running cluster: the one already up, or a new one."""
    if control.status().state == "up":
        return control.kubeconfig_path()
    return control.up(say=_say)
