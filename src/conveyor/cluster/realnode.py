"""``up --real-node``: one node whose pods really run, beside the fake ones: Debian's
containerd and runc under a kubelet, kube-proxy for Services, a CNI bridge. Root only.

What this machine kind forces (RECIPE.md): no registry for registry.k8s.io, so the pause
image is made here from static busybox; no CAP_SYS_RESOURCE, so runc cannot lower
oom_score_adj as kubelet asks (-998): containerd's ``restrict_oom_score_adj`` keeps it
at containerd's own; cgroup v1 without systemd: cgroupfs, v1 allowed.

The node is tainted ``conveyor.dev/real-node=true:NoSchedule``: ordinary pods stay on
the fake nodes; a pod that should really run tolerates the taint and selects the node."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from conveyor.cluster import images
from conveyor.cluster.api import Api, call
from conveyor.cluster.versions import bin_dir

NODE = "conveyor-real-node"
TAINT = "conveyor.dev/real-node"
BRIDGE = "cvbr0"
SUBNET = "10.245.0.0/24"
CNI_BIN = "/usr/lib/cni"  # Debian's containernetworking-plugins
NEEDS = {
    "containerd": "containerd",
    "ctr": "containerd",
    "runc": "runc",
    f"{CNI_BIN}/bridge": "containernetworking-plugins",
    str(images.BUSYBOX): "busybox-static",
    "iptables": "iptables",
}

Start = Callable[[str, list[str]], None]


class RealNodeError(Exception):
    pass


def check() -> None:
    if os.geteuid() != 0:
        raise RealNodeError("--real-node needs root (containerd, kubelet, a network bridge)")
    lacking = sorted({pkg for tool, pkg in NEEDS.items() if not _have(tool)})
    if lacking:
        raise RealNodeError(
            f"--real-node needs: apt-get install {' '.join(lacking)} (or scripts/bootstrap)"
        )


def _have(tool: str) -> bool:
    return os.path.exists(tool) if tool.startswith("/") else shutil.which(tool) is not None


def _write_config(rn: Path, kubeconfig: Path, ca: Path, ports: dict[str, int]) -> None:
    for sub in (
        "cni",
        "containerd-root",
        "containerd-state",
        "kubelet",
        "pod-logs",
        "manifests",
        "ipam",
        "images",
    ):
        (rn / sub).mkdir(parents=True, exist_ok=True)
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    (rn / "containerd.toml").write_text(f"""\
version = 2
root = "{rn}/containerd-root"
state = "{rn}/containerd-state"
[grpc]
  address = "{rn}/containerd.sock"
[{cri}]
  sandbox_image = "{images.PAUSE}"
  # kubelet asks -998 for sandboxes; lowering it needs CAP_SYS_RESOURCE, absent here
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [{cri}.cni]
    bin_dir = "{CNI_BIN}"
    conf_dir = "{rn}/cni"
  [{cri}.containerd]
    default_runtime_name = "runc"
    [{cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [{cri}.registry]
    config_path = "{rn}/certs.d"
""")
    # the bridge is the pods' gateway: the host reaches pods (and Services through
    # kube-proxy's rules); nothing is masqueraded to the outside
    (rn / "cni" / "10-conveyor.conflist").write_text(f"""\
{{"cniVersion": "1.0.0", "name": "conveyor-pods", "plugins": [
  {{"type": "bridge", "bridge": "{BRIDGE}", "isGateway": true, "ipMasq": false,
   "ipam": {{"type": "host-local", "dataDir": "{rn}/ipam",
            "ranges": [[{{"subnet": "{SUBNET}"}}]]}}}},
  {{"type": "portmap", "capabilities": {{"portMappings": true}}}},
  {{"type": "loopback"}}]}}
""")
    (rn / "kubelet.yaml").write_text(f"""\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: {ports["kubelet"]}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: {ports["kubelet_healthz"]}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://{rn}/containerd.sock
podLogsDir: {rn}/pod-logs
staticPodPath: {rn}/manifests
clusterDomain: cluster.local
registerWithTaints:
- {{key: {TAINT}, value: "true", effect: NoSchedule}}
authentication:
  anonymous: {{enabled: false}}
  webhook: {{enabled: true}}
  x509: {{clientCAFile: {ca}}}
authorization: {{mode: Webhook}}
""")


def start(
    folder: Path,
    bins: Path,
    ports: dict[str, int],
    api: Api,
    start_proc: Start,
    wait: Callable[[str, float, Callable[[], bool]], None],
) -> None:
    """containerd, the pause image, kubelet and kube-proxy; returns once the node is Ready."""
    check()
    rn = folder / "realnode"
    kubeconfig = folder / "kubeconfig"
    _write_config(rn, kubeconfig, folder / "pki" / "ca.crt", ports)
    start_proc("containerd", ["containerd", f"--config={rn / 'containerd.toml'}"])
    ctr = ["ctr", f"--address={rn / 'containerd.sock'}", "--namespace=k8s.io"]
    wait("containerd", 30, lambda: _quiet([*ctr, "version"]))
    pause = images.pause_archive(rn / "images" / "pause.tar")
    if not _quiet([*ctr, "images", "import", str(pause)]):
        raise RealNodeError(f"could not import the pause image: {' '.join(ctr)} images import")
    start_proc(
        "kubelet",
        [
            str(bins / "kubelet"),
            f"--config={rn / 'kubelet.yaml'}",
            f"--kubeconfig={kubeconfig}",
            f"--root-dir={rn / 'kubelet'}",
            f"--hostname-override={NODE}",
        ],
    )
    start_proc(
        "kube-proxy",
        [
            str(bins / "kube-proxy"),
            f"--kubeconfig={kubeconfig}",
            f"--hostname-override={NODE}",
            "--proxy-mode=iptables",
            f"--cluster-cidr={SUBNET}",
            "--bind-address=127.0.0.1",
            f"--healthz-bind-address=127.0.0.1:{ports['proxy_healthz']}",
            f"--metrics-bind-address=127.0.0.1:{ports['proxy_metrics']}",
            # leave the host's settings alone: conntrack table and timeouts, route_localnet
            "--conntrack-max-per-core=0",
            "--conntrack-tcp-timeout-established=0",
            "--conntrack-tcp-timeout-close-wait=0",
            "--iptables-localhost-nodeports=false",
            "--nodeport-addresses=primary",
        ],
    )
    wait(f"node {NODE} Ready", 90, lambda: _ready(api))


def import_image(folder: Path, archive: Path) -> None:
    """Put a docker-archive into the node's containerd (pods then use it without a pull)."""
    ctr = ["ctr", f"--address={folder / 'realnode' / 'containerd.sock'}", "--namespace=k8s.io"]
    out = subprocess.run(
        [*ctr, "images", "import", str(archive)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RealNodeError(f"ctr images import {archive}: {out.stderr.strip()}")


def _quiet(argv: list[str]) -> bool:
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def _ready(api: Api) -> bool:
    status, body = call(api, "GET", f"/api/v1/nodes/{NODE}")
    return status == 200 and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in body.get("status", {}).get("conditions", [])
    )


def drain(api: Api, seconds: float = 30) -> None:
    """Cordon the node and delete its pods while kubelet still runs, so it stops their
    containers and takes their network down; then the node object."""
    status, node = call(api, "GET", f"/api/v1/nodes/{NODE}")
    if status == 200:  # else a ReplicaSet's replacements land here again at once
        node.setdefault("spec", {})["unschedulable"] = True
        call(api, "PUT", f"/api/v1/nodes/{NODE}", node)
    path = f"/api/v1/pods?fieldSelector=spec.nodeName%3D{NODE}"
    status, body = call(api, "GET", path)
    doomed = set()
    for pod in body.get("items", []) if status == 200 else []:
        meta = pod["metadata"]
        doomed.add(meta["uid"])
        # a second to stop: kubelet then kills what ignores SIGTERM (a shell as PID 1)
        url = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
        call(api, "DELETE", url, {"gracePeriodSeconds": 1})
    deadline = time.monotonic() + seconds
    while doomed and time.monotonic() < deadline:
        status, body = call(api, "GET", path)
        if status != 200:
            break
        doomed &= {p["metadata"]["uid"] for p in body.get("items", [])}
        time.sleep(0.3)
    call(api, "DELETE", f"/api/v1/nodes/{NODE}")


def cleanup(folder: Path) -> None:
    """After kubelet and containerd stopped: shims still running our containers, mounts
    under our folder, the bridge, the pod cgroups."""
    rn = folder / "realnode"
    proxy = bin_dir() / "kube-proxy"
    if proxy.exists():  # its Service rules stay in iptables after it stops
        subprocess.run([str(proxy), "--cleanup"], capture_output=True, check=False)
    marker = str(rn / "containerd.sock").encode()
    for pid in _pids_with(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    for mount in sorted(_mounts_under(rn), key=len, reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True, check=False)
    subprocess.run(["ip", "link", "delete", BRIDGE], capture_output=True, check=False)
    _empty_pod_cgroups()
    # kubelet's own chains (kube-proxy --cleanup removed the Service ones)
    for table, chain, parents in (
        ("filter", "KUBE-FIREWALL", ("INPUT", "OUTPUT")),
        ("filter", "KUBE-KUBELET-CANARY", ()),
        ("nat", "KUBE-KUBELET-CANARY", ()),
        ("mangle", "KUBE-KUBELET-CANARY", ()),
        ("mangle", "KUBE-IPTABLES-HINT", ()),
    ):
        for parent in parents:
            _quiet(["iptables", "-t", table, "-D", parent, "-j", chain])
        _quiet(["iptables", "-t", table, "-F", chain])
        _quiet(["iptables", "-t", table, "-X", chain])


def _empty_pod_cgroups() -> None:
    """Containers whose shim was killed keep running in kubelet's pod cgroups: kill what
    is left there, then remove the cgroups, deepest first."""
    for hierarchy in Path("/sys/fs/cgroup").glob("*/kubepods"):
        groups = sorted(
            (d for d in hierarchy.rglob("*") if d.is_dir()),
            key=lambda p: len(p.parts),
            reverse=True,
        )
        for group in [*groups, hierarchy]:
            for _ in range(50):
                pids = _text(group / "cgroup.procs").split()
                if not pids:
                    break
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), 9)
                time.sleep(0.1)
            with contextlib.suppress(OSError):
                group.rmdir()


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _pids_with(marker: bytes) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline and b"containerd-shim" in cmdline:
                found.append(int(name))
    return found


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root) + "/"
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point.startswith(prefix) or point == str(root):
            mounts.append(point)
    return mounts
