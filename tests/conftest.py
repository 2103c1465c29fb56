"""Fixtures every suite shares: ``make_repo`` builds a ``tests.harness.Repo`` in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.harness import Repo, RepoFactory, isolate

if TYPE_CHECKING:
    from tests.cluster.support import Cluster


@pytest.fixture
def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RepoFactory:
    """``make_repo(name, **options)``: a ``Repo`` at tmp_path/name (reports and event files
    in tmp_path), with the environment isolated for the test."""
    isolate(monkeypatch, tmp_path / "cache")

    def make(name: str = "repo", **options: Any) -> Repo:
        return Repo(tmp_path / name, tmp=tmp_path, **options)

    return make


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One real cluster for the whole session, shared by tests/cluster, tests/deploy and the
    example's deploy test: ``conveyor cluster up`` in a temporary state folder (binaries
    built on first use and cached for later sessions), brought down and purged at the end."""
    from conveyor.cluster import build
    from tests.cluster.support import BUILD_TIMEOUT, Cluster, cluster_cmd

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
