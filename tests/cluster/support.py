"""Helpers for the cluster tests: the cluster command and the built kubectl/helm as
child processes, against a cluster in the session's own state folder."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BUILD_TIMEOUT = 40 * 60.0  # a cold build of everything is about 8 min on 2 cores


@dataclass(frozen=True)
class Cluster:
    env: dict[str, str]  # CONVEYOR_CLUSTER_DIR set to the session's folder
    folder: Path
    kubeconfig: Path
    kubectl: Path
    up_output: str


def cluster_cmd(
    env: dict[str, str], *args: str, timeout: float = 180.0
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conveyor.cli.cluster", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def kubectl(c: Cluster, *args: str, stdin: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(
        [str(c.kubectl), f"--kubeconfig={c.kubeconfig}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"kubectl {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def get_json(c: Cluster, *args: str) -> Any:
    return json.loads(kubectl(c, "get", *args, "-o", "json"))


def eventually(what: str, check: Callable[[], bool], seconds: float = 60.0) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` when it never does."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not so after {seconds:.0f}s")
        time.sleep(0.2)


def deployment(name: str, replicas: int = 3, labels: dict[str, str] | None = None) -> str:
    pod_labels = {"app": name, **(labels or {})}
    return json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": pod_labels},
                    "spec": {"containers": [{"name": "app", "image": "example.local/app:1"}]},
                },
            },
        }
    )
