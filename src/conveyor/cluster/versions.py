"""The versions a local cluster is built from, and where each build is cached: the key
names every input of a build, so a machine that built them once never builds again."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Versions:
    kubernetes: str = "v1.34.4"
    etcd: str = "v3.6.16"  # 3.6: kwok's client-go 0.36 informers stall on etcd 3.4's watches
    kwok: str = "v0.8.0"
    helm3: str = "v3.22.0"
    helm4: str = "v4.3.1"

    @property
    def staging(self) -> str:
        """k8s.io/kubernetes v1.Y.Z publishes its staging modules (client-go...) as v0.Y.Z."""
        return "v0." + self.kubernetes.removeprefix("v1.")

    @property
    def minor(self) -> str:
        return self.kubernetes.split(".")[1]


VERSIONS = Versions()
# raise when the way binaries are built changes (flags, wrapper modules): a new cache key
RECIPE = 1


def cache_key(versions: Versions = VERSIONS) -> str:
    text = f"{versions}|recipe={RECIPE}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cache_root() -> Path:
    """Builds, shared by every cluster of this user ($CONVEYOR_CLUSTER_CACHE overrides)."""
    given = os.environ.get("CONVEYOR_CLUSTER_CACHE")
    return Path(given) if given else Path.home() / ".cache" / "conveyor" / "cluster"


def bin_dir(versions: Versions = VERSIONS) -> Path:
    return cache_root() / "bin" / cache_key(versions)


def state_dir() -> Path:
    """One cluster's certificates, kubeconfig, logs, pids and etcd data
    ($CONVEYOR_CLUSTER_DIR overrides, so tests run their own cluster beside a user's)."""
    given = os.environ.get("CONVEYOR_CLUSTER_DIR")
    return Path(given) if given else cache_root() / "state"
