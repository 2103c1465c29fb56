"""What ``up`` leaves in the state folder for ``status``, ``down`` and the next ``up``:
the ports, the processes and the versions, in ``cluster.json``."""

from __future__ import annotations

import contextlib
import fcntl
import json
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from conveyor.cluster.procs import Proc

PORT_NAMES = (
    "etcd",
    "etcd_peer",
    "etcd_metrics",
    "apiserver",
    "controller_manager",
    "scheduler",
    "kwok",
    "kubelet",
    "kubelet_healthz",
    "proxy_healthz",
    "proxy_metrics",
)


@dataclass
class State:
    ports: dict[str, int]
    procs: list[Proc] = field(default_factory=list)
    key: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    nodes: int = 0
    real_node: bool = False

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.ports['apiserver']}"


def load(folder: Path) -> State | None:
    try:
        raw = json.loads((folder / "cluster.json").read_text())
        return State(
            ports={k: int(v) for k, v in raw["ports"].items()},
            procs=[Proc(p["name"], int(p["pid"]), p.get("started")) for p in raw["procs"]],
            key=raw.get("key", ""),
            versions=raw.get("versions", {}),
            nodes=int(raw.get("nodes", 0)),
            real_node=bool(raw.get("real_node", False)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(folder: Path, state: State) -> None:
    tmp = folder / "cluster.json.tmp"
    tmp.write_text(json.dumps(asdict(state), indent=1) + "\n")
    tmp.replace(folder / "cluster.json")


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the state folder's lock (``up`` and ``down`` of one cluster take turns)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def choose_ports(previous: dict[str, int] | None) -> dict[str, int]:
    """A free loopback port for each component: the one used last time when it is still
    free (a kubeconfig copied elsewhere keeps working), else one the kernel picks. All are
    held until all are chosen, so two are never the same."""
    held: list[socket.socket] = []
    ports: dict[str, int] = {}
    try:
        for name in PORT_NAMES:
            s = socket.socket()
            held.append(s)
            want = (previous or {}).get(name, 0)
            try:
                s.bind(("127.0.0.1", want))
            except OSError:
                s.bind(("127.0.0.1", 0))
            ports[name] = int(s.getsockname()[1])
    finally:
        for s in held:
            s.close()
    return ports
