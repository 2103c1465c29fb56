"""``up --real-node``: a pod really runs an image pulled from a registry on 127.0.0.1,
and the host reaches it through a Service (kube-proxy's rules); down leaves nothing.
Needs root and Debian's containerd, runc, CNI plugins, busybox-static (scripts/bootstrap),
plus docker-registry and skopeo for the registry."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor.cluster import build, images, realnode
from conveyor.cluster.state import load
from tests.cluster.support import BUILD_TIMEOUT, Cluster, cluster_cmd, eventually, kubectl

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

PAGE = b"hello from a real pod\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("docker-registry") is None or shutil.which("skopeo") is None:
        pytest.skip("docker-registry and skopeo are needed: scripts/bootstrap installs them")
    root = tmp_path_factory.mktemp("registry")
    port = _free_port()
    (root / "config.yml").write_text(
        f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen(
        ["docker-registry", "serve", str(root / "config.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        eventually("the registry answers", lambda: _answers(f"http://127.0.0.1:{port}/v2/"), 30)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    try:
        realnode.check()
        build.go_binary()
    except (realnode.RealNodeError, build.BuildError) as e:
        pytest.skip(str(e))
    folder = tmp_path_factory.mktemp("realnode-cluster")
    env = {**os.environ, "CONVEYOR_CLUSTER_DIR": str(folder)}
    up = cluster_cmd(env, "up", "--real-node", timeout=BUILD_TIMEOUT)
    if up.returncode != 0:
        cluster_cmd(env, "down", "--purge")
        pytest.fail(f"up --real-node exited {up.returncode}:\n{up.stdout}{up.stderr}")
    kubectl_bin = build.ensure(["kubectl"], print) / "kubectl"
    try:
        yield Cluster(env, folder, folder / "kubeconfig", kubectl_bin, up.stdout)
    finally:
        cluster_cmd(env, "down", "--purge")


def _hello(registry: str) -> str:
    image = f"{registry}/conveyor-test/hello:1"
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "hello"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "hello"}},
                  "template": {"metadata": {"labels": {"app": "hello"}}, "spec": {
                      "nodeSelector": {"kubernetes.io/hostname": realnode.NODE},
                      "tolerations": [{"key": realnode.TAINT, "operator": "Exists"}],
                      "containers": [{"name": "web", "image": image,
                                      "ports": [{"containerPort": 8080}],
                                      "readinessProbe": {"httpGet": {"path": "/", "port": 8080},
                                                         "periodSeconds": 1}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "hello"},
         "spec": {"selector": {"app": "hello"}, "ports": [{"port": 80, "targetPort": 8080}]}},
    ]})  # fmt: skip


def test_a_pod_from_the_local_registry_serves_through_a_service(
    real: Cluster, registry: str, tmp_path: Path
) -> None:
    archive = images.busybox_archive(
        "conveyor-test/hello:1", tmp_path / "hello.tar",
        ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"], {"www/index.html": PAGE},
    )  # fmt: skip
    subprocess.run(
        ["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"docker-archive:{archive}",
         f"docker://{registry}/conveyor-test/hello:1"], check=True, timeout=120,
    )  # fmt: skip
    kubectl(real, "apply", "-f", "-", stdin=_hello(registry))
    kubectl(real, "rollout", "status", "deployment/hello", "--timeout=120s")
    ip = kubectl(real, "get", "service", "hello", "-o", "jsonpath={.spec.clusterIP}")

    def served() -> bool:
        try:
            with urllib.request.urlopen(f"http://{ip}/", timeout=2) as response:
                return bool(response.read() == PAGE)
        except OSError:
            return False

    eventually(f"the host gets the page through Service hello ({ip})", served)


def test_down_stops_the_node_and_its_containers(real: Cluster) -> None:
    before = load(real.folder)
    assert before is not None
    down = cluster_cmd(real.env, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not [p.name for p in before.procs if p.running()]
    assert subprocess.run(["ip", "link", "show", realnode.BRIDGE], capture_output=True).returncode
    assert not list(Path("/sys/fs/cgroup").glob("*/kubepods"))
