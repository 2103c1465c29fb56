"""Bring a local cluster up and down: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok on 127.0.0.1, with fake nodes kwok keeps Ready. Up means the API
server is ready, both controllers are healthy, every node is Ready and the ``default``
ServiceAccount exists (pods cannot be created before it)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conveyor.cluster import build, pki, procs, realnode, stages
from conveyor.cluster.api import Api, call, healthy, ready_nodes
from conveyor.cluster.state import State, choose_ports, load, locked, save
from conveyor.cluster.versions import VERSIONS, cache_key, state_dir

NODE_PREFIX = "kwok-node-"
Say = Callable[[str], None]


class ClusterError(Exception):
    """Up failed; the message says which component and where its log is."""


@dataclass(frozen=True)
class Status:
    state: str  # "up", "down" or "broken" (some processes gone, or the API not answering)
    server: str
    running: dict[str, bool]
    nodes: tuple[int, int]  # (nodes, Ready)
    versions: dict[str, str]


def kubeconfig_path(folder: Path | None = None) -> Path:
    return (folder or state_dir()) / "kubeconfig"


def api_of(folder: Path, st: State) -> Api:
    return Api(st.server, pki.Pki(folder / "pki").token(), folder / "pki" / "ca.crt")


def status(folder: Path | None = None) -> Status:
    folder = folder or state_dir()
    st = load(folder)
    if st is None or not st.procs:
        return Status("down", "", {}, (0, 0), {})
    running = {p.name: p.running() for p in st.procs}
    if not any(running.values()):
        return Status("down", st.server, running, (0, 0), st.versions)
    api = api_of(folder, st)
    answers = call(api, "GET", "/readyz", timeout=3) == (200, "ok")
    nodes = ready_nodes(api) if answers else (0, 0)
    state = "up" if answers and all(running.values()) else "broken"
    return Status(state, st.server, running, nodes, st.versions)


def up(
    nodes: int = 1,
    fresh: bool = False,
    say: Say = print,
    folder: Path | None = None,
    real_node: bool = False,
) -> Path:
    """Start the cluster (build first when needed); its kubeconfig. Already up: only the
    number of nodes is made ``nodes``. Objects survive down/up unless ``fresh``."""
    folder = folder or state_dir()
    if real_node:
        realnode.check()
    bins = build.ensure(build.CORE + (build.REAL_NODE if real_node else ()), say)
    with locked(folder):  # two `up`s at once would start two clusters on one etcd folder
        return _up(folder, bins, nodes, fresh, real_node, say)


def _up(folder: Path, bins: Path, nodes: int, fresh: bool, real_node: bool, say: Say) -> Path:
    now = status(folder)
    previous = load(folder)
    if now.state == "up" and previous is not None and (fresh or real_node != previous.real_node):
        say("stopping the running cluster first")
        _down(folder, say)
        now, previous = status(folder), load(folder)
    if now.state == "up" and previous is not None:
        _nodes(api_of(folder, previous), nodes)
        _wait(
            f"{nodes} node(s) Ready",
            60,
            lambda: ready_nodes(api_of(folder, previous), NODE_PREFIX) == (nodes, nodes),
            folder,
        )
        previous.nodes = nodes
        save(folder, previous)
        say(f"cluster already up: {previous.server}")
        return kubeconfig_path(folder)
    if now.state == "broken" and previous is not None:
        say("stopping what is left of the previous cluster")
        _stop(folder, previous)
    for sub in ("logs",):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    keys = pki.ensure(folder / "pki")
    st = State(
        ports=choose_ports(previous.ports if previous else None),
        key=cache_key(),
        versions=vars(VERSIONS),
        nodes=nodes,
        real_node=real_node,
    )
    pki.write_private(kubeconfig_path(folder), pki.kubeconfig(keys, st.server))
    (folder / "kwok.yaml").write_text(stages.kwok_config((bins / "kwok-stages.yaml").read_text()))
    kept = (folder / "etcd").exists() and not fresh
    if fresh:
        shutil.rmtree(folder / "etcd", ignore_errors=True)
    started = time.monotonic()
    try:
        _start_all(folder, bins, st, keys, kept, say)
        if real_node:
            realnode.start(
                folder,
                bins,
                st.ports,
                api_of(folder, st),
                lambda name, argv: _start(folder, st, name, argv),
                lambda what, secs, check: _wait(what, secs, check, folder),
            )
            say(f"real node {realnode.NODE} Ready (tainted {realnode.TAINT}=true:NoSchedule)")
    except BaseException:
        _stop(folder, st, grace=5)
        st.procs = []
        save(folder, st)
        raise
    say(f"cluster up in {time.monotonic() - started:.1f}s: {st.server}, {nodes} node(s)")
    return kubeconfig_path(folder)


def _start_all(folder: Path, bins: Path, st: State, keys: pki.Pki, kept: bool, say: Say) -> None:
    p = st.ports
    api = api_of(folder, st)
    kubeconfig = str(kubeconfig_path(folder))

    def start(name: str, argv: list[str]) -> None:
        _start(folder, st, name, argv)

    etcd_url = f"http://127.0.0.1:{p['etcd']}"
    peer_url = f"http://127.0.0.1:{p['etcd_peer']}"
    start(
        "etcd",
        [
            str(bins / "etcd"),
            "--name=conveyor",
            f"--data-dir={folder / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=conveyor={peer_url}",
            f"--listen-metrics-urls=http://127.0.0.1:{p['etcd_metrics']}",
            "--quota-backend-bytes=2147483648",
            "--auto-compaction-retention=1",
            "--log-level=warn",
            "--unsafe-no-fsync",  # throwaway data: no fsync is much faster, on shared disks too
        ],
    )
    _wait("etcd", 30, lambda: healthy(f"http://127.0.0.1:{p['etcd_metrics']}/health"), folder)
    start(
        "kube-apiserver",
        [
            str(bins / "kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={p['apiserver']}",
            f"--tls-cert-file={keys.cert}",
            f"--tls-private-key-file={keys.key}",
            f"--client-ca-file={keys.ca}",
            f"--token-auth-file={keys.tokens}",
            # without a requestheader CA the controllers log "missing content for CA bundle"
            f"--requestheader-client-ca-file={keys.ca}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={keys.sa_pub}",
            f"--service-account-signing-key-file={keys.sa_key}",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=Node,RBAC",
            "--allow-privileged=true",
            "--profiling=false",
            # else it publishes 127.0.0.1 as Service kubernetes' endpoint, which is refused
            "--endpoint-reconciler-type=none",
        ],
    )
    _wait("kube-apiserver", 90, lambda: call(api, "GET", "/readyz") == (200, "ok"), folder)
    # default client limits (20 QPS) make 1,000 pods take 50 s instead of 5
    qps = ["--kube-api-qps=500", "--kube-api-burst=1000"]
    auth = [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        "--leader-elect=false",
    ]
    start(
        "kube-controller-manager",
        [
            str(bins / "kube-controller-manager"),
            *auth,
            *qps,
            f"--secure-port={p['controller_manager']}",
            f"--service-account-private-key-file={keys.sa_key}",
            f"--root-ca-file={keys.ca}",
            "--use-service-account-credentials=false",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--cluster-name=conveyor",
        ],
    )
    start(
        "kube-scheduler",
        [str(bins / "kube-scheduler"), *auth, *qps, f"--secure-port={p['scheduler']}"],
    )
    if kept:
        # a new kwok treats nodes as another's until their leases expire (40 s): free them
        _release_leases(api)
    start(
        "kwok",
        [
            str(bins / "kwok"),
            f"--kubeconfig={kubeconfig}",
            f"--config={folder / 'kwok.yaml'}",
            f"--server-address=127.0.0.1:{p['kwok']}",
        ],
    )
    _nodes(api, st.nodes)
    cm = f"https://127.0.0.1:{p['controller_manager']}/healthz"
    _wait("kube-controller-manager", 60, lambda: healthy(cm), folder)
    sched = f"https://127.0.0.1:{p['scheduler']}/healthz"
    _wait("kube-scheduler", 60, lambda: healthy(sched), folder)
    _wait(
        f"{st.nodes} node(s) Ready",
        60,
        lambda: ready_nodes(api, NODE_PREFIX) == (st.nodes, st.nodes),
        folder,
    )
    _wait(
        "the default ServiceAccount",
        60,
        lambda: call(api, "GET", "/api/v1/namespaces/default/serviceaccounts/default")[0] == 200,
        folder,
    )
    say(f"ready: etcd, kube-apiserver, controller-manager, scheduler, kwok ({st.nodes} node(s))")


def _start(folder: Path, st: State, name: str, argv: list[str]) -> None:
    st.procs.append(procs.spawn(name, argv, folder, folder / "logs" / f"{name}.log"))
    save(folder, st)  # recorded at once: a failed or interrupted up can still go down


def _stop(folder: Path, st: State, grace: float = 20.0) -> list[procs.Proc]:
    """Stop ``st``'s processes; a real node's pods first (while kubelet can still stop
    them), and what its containers leave behind after."""
    if st.real_node and any(p.running() for p in st.procs if p.name == "kubelet"):
        realnode.drain(api_of(folder, st))
    killed = procs.stop([p for p in st.procs if p.running()], grace)
    if st.real_node:
        realnode.cleanup(folder)
    return killed


def _wait(what: str, seconds: float, check: Callable[[], bool], folder: Path) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        st = load(folder)
        dead = [p.name for p in st.procs if not p.running()] if st else []
        if dead:
            raise ClusterError(
                f"{dead[0]} exited while waiting for {what}; see "
                f"{folder / 'logs' / (dead[0] + '.log')}"
            )
        if time.monotonic() > deadline:
            raise ClusterError(f"{what} not ready after {seconds:.0f}s; logs: {folder / 'logs'}")
        time.sleep(0.1)


def node(name: str) -> dict[str, object]:
    """A fake node kwok keeps Ready. Not tainted: ordinary charts' pods land here
    without tolerations or node selectors. Room for 1,000 pods and more."""
    room = {"cpu": "1000", "memory": "4Ti", "pods": "2000", "ephemeral-storage": "1Ti"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
        "status": {"allocatable": room, "capacity": room},
    }


def _nodes(api: Api, count: int) -> None:
    """Make the fake nodes kwok-node-0 .. kwok-node-<count-1>, and only those."""
    status, body = call(api, "GET", "/api/v1/nodes")
    if status != 200:
        raise ClusterError(f"listing nodes failed: HTTP {status} {body}")
    have = {
        n["metadata"]["name"]
        for n in body["items"]
        if n["metadata"]["name"].startswith(NODE_PREFIX)
    }
    want = {f"{NODE_PREFIX}{i}" for i in range(count)}
    for name in sorted(want - have):
        status, body = call(api, "POST", "/api/v1/nodes", node(name))
        if status not in (201, 409):
            raise ClusterError(f"creating node {name} failed: HTTP {status} {body}")
    for name in sorted(have - want):
        call(api, "DELETE", f"/api/v1/nodes/{name}")


def _release_leases(api: Api) -> None:
    path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
    status, body = call(api, "GET", path)
    for lease in body.get("items", []) if status == 200 else []:
        name = lease["metadata"]["name"]
        if name.startswith(NODE_PREFIX):
            call(api, "DELETE", f"{path}/{name}")


def down(purge: bool = False, folder: Path | None = None, say: Say = print) -> int:
    """Stop the cluster's processes; how many ran. ``purge`` also deletes the state
    folder (certificates, kubeconfig, etcd data)."""
    folder = folder or state_dir()
    with locked(folder):
        ran = _down(folder, say)
    if purge and folder.exists():
        shutil.rmtree(folder)
        say(f"deleted {folder}")
    return ran


def _down(folder: Path, say: Say) -> int:
    st = load(folder)
    ran = [p for p in st.procs if p.running()] if st else []
    started = time.monotonic()
    killed = _stop(folder, st) if st is not None else []
    if st is not None:
        st.procs = []
        save(folder, st)
    if killed:
        say(f"{', '.join(p.name for p in killed)} ignored SIGTERM: killed")
    if ran:
        say(f"cluster down in {time.monotonic() - started:.1f}s ({len(ran)} processes stopped)")
    else:
        say("no cluster was running")
    return len(ran)
