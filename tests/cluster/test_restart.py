"""Down and up again (this file's name sorts last: the other tests use the cluster first).
Down leaves no process; status and kubeconfig then say so; up again needs no build."""

from __future__ import annotations

import pytest

from conveyor.cluster.state import load
from tests.cluster.support import Cluster, cluster_cmd, get_json

pytestmark = [pytest.mark.slow, pytest.mark.cluster]


def test_down_then_up_again(cluster: Cluster) -> None:
    before = load(cluster.folder)
    assert before is not None and len(before.procs) == 5

    down = cluster_cmd(cluster.env, "down")
    assert down.returncode == 0, down.stderr
    assert not [p for p in before.procs if p.running()]
    status = cluster_cmd(cluster.env, "status")
    assert status.returncode == 3 and "cluster: down" in status.stdout
    assert cluster_cmd(cluster.env, "kubeconfig").returncode == 3

    up = cluster_cmd(cluster.env, "up", "--nodes", "2")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "building" not in up.stdout  # the binaries came from the cache
    assert cluster_cmd(cluster.env, "status").returncode == 0
    # objects survive a restart, and kwok takes the nodes back at once
    nodes = get_json(cluster, "nodes")["items"]
    assert len(nodes) == 2
    assert get_json(cluster, "deployment", "web")["metadata"]["name"] == "web"
