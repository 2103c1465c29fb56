"""A real cluster from ``conveyor cluster up``: nodes, Deployments, the fault labels,
and what ``status`` and ``kubeconfig`` say."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cluster.support import Cluster, cluster_cmd, deployment, eventually, get_json, kubectl

pytestmark = [pytest.mark.slow, pytest.mark.cluster]


def _ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )


def test_nodes_are_ready_and_untainted(cluster: Cluster) -> None:
    nodes = get_json(cluster, "nodes")["items"]
    assert sorted(n["metadata"]["name"] for n in nodes) == ["kwok-node-0", "kwok-node-1"]
    for n in nodes:
        assert _ready(n), n["status"]
        assert not n["spec"].get("taints"), "pods of ordinary charts must land on the nodes"


def test_a_deployment_becomes_ready(cluster: Cluster) -> None:
    kubectl(cluster, "apply", "-f", "-", stdin=deployment("web", 3))
    kubectl(cluster, "rollout", "status", "deployment/web", "--timeout=60s")
    status = get_json(cluster, "deployment", "web")["status"]
    assert status["readyReplicas"] == 3
    pods = get_json(cluster, "pods", "-l", "app=web")["items"]
    assert len(pods) == 3 and all(_ready(p) and p["status"]["podIP"] for p in pods)


def test_fault_not_ready_runs_but_is_never_ready(cluster: Cluster) -> None:
    kubectl(
        cluster,
        "apply",
        "-f",
        "-",
        stdin=deployment("slow", 2, {"conveyor.dev/fault": "not-ready"}),
    )

    def running() -> bool:
        pods = get_json(cluster, "pods", "-l", "app=slow")["items"]
        return len(pods) == 2 and all(p["status"].get("phase") == "Running" for p in pods)

    eventually("both not-ready pods Running", running)
    # a later look still finds them not Ready: no stage ever makes them so
    pods = get_json(cluster, "pods", "-l", "app=slow")["items"]
    for p in pods:
        assert not _ready(p)
        (container,) = p["status"]["containerStatuses"]
        assert "running" in container["state"] and container["ready"] is False
    assert not get_json(cluster, "deployment", "slow")["status"].get("readyReplicas")


def test_fault_crashloop_crash_loops(cluster: Cluster) -> None:
    kubectl(
        cluster,
        "apply",
        "-f",
        "-",
        stdin=deployment("crashy", 1, {"conveyor.dev/fault": "crashloop"}),
    )

    def crash_looping() -> bool:
        pods = get_json(cluster, "pods", "-l", "app=crashy")["items"]
        statuses = [c for p in pods for c in p["status"].get("containerStatuses", [])]
        return any(
            c["state"].get("waiting", {}).get("reason") == "CrashLoopBackOff"
            and c["restartCount"] > 0
            for c in statuses
        )

    eventually("a crashy pod in CrashLoopBackOff with restarts", crash_looping)
    table = kubectl(cluster, "get", "pods", "-l", "app=crashy")
    assert "CrashLoopBackOff" in table


def test_status_says_up(cluster: Cluster) -> None:
    proc = cluster_cmd(cluster.env, "status")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cluster: up" in proc.stdout
    assert "nodes: 2 (2 Ready)" in proc.stdout
    assert "https://127.0.0.1:" in proc.stdout


def test_kubeconfig_prints_its_path(cluster: Cluster) -> None:
    proc = cluster_cmd(cluster.env, "kubeconfig")
    assert proc.returncode == 0
    assert proc.stdout.strip() == str(cluster.folder / "kubeconfig")
    assert "server: https://127.0.0.1:" in cluster.kubeconfig.read_text()
