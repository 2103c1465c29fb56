"""One real cluster for the session (``conveyor cluster up`` in a temporary state folder;
the binaries are built on first use and cached for every later session), brought down
and purged at the end. Tests here are marked ``slow`` and ``cluster``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor.cluster import build
from tests.cluster.support import BUILD_TIMEOUT, Cluster, cluster_cmd


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        build.go_binary()
    except build.BuildError as e:
        pytest.skip(str(e))
    folder: Path = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "CONVEYOR_CLUSTER_DIR": str(folder)}
    up = cluster_cmd(env, "up", "--nodes", "2", timeout=BUILD_TIMEOUT)
    if up.returncode != 0:
        cluster_cmd(env, "down", "--purge")
        pytest.fail(f"conveyor cluster up exited {up.returncode}:\n{up.stdout}{up.stderr}")
    path = cluster_cmd(env, "kubeconfig").stdout.strip()
    kubectl = build.ensure(["kubectl"], print) / "kubectl"
    try:
        yield Cluster(env, folder, Path(path), kubectl, up.stdout)
    finally:
        cluster_cmd(env, "down", "--purge")
