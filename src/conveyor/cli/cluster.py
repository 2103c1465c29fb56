"""``conveyor cluster up|down|status|kubeconfig|build``: a local Kubernetes on this
machine, for tests, demos and deploys when there is no cluster."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

TAINT = "conveyor.dev/real-node"  # realnode.TAINT, without importing it for --help

if TYPE_CHECKING:
    from conveyor.cluster.control import Status

EPILOG = """\
examples:
  conveyor cluster up                  start it (builds the binaries first, once: 8-20 min)
  export KUBECONFIG=$(conveyor cluster kubeconfig)
  conveyor cluster status              what runs, the API server, the nodes
  conveyor cluster up --nodes 10       ten fake nodes (a running cluster is resized)
  conveyor cluster down                stop it; objects are kept for the next up
  conveyor cluster down --purge        stop it and delete its certificates and data

what it is: etcd, kube-apiserver, kube-controller-manager and kube-scheduler built from
the Go module proxy (no registry or download site needed), with kwok's fake nodes:
pods are scheduled, get an IP and become Ready at once, but no container runs; a
Deployment of 1,000 replicas is Ready in seconds. Everything listens on 127.0.0.1
only, on free ports chosen at 'up'. Client: the built kubectl and helm (3 and 4), in
~/.cache/conveyor/cluster/bin/<key>/ (the key follows the versions).

failing pods on demand: label the pod template with conveyor.dev/fault=
  not-ready   Running, never Ready (like a failing readiness probe)
  crashloop   Running, its container in CrashLoopBackOff with restarts
  failed      phase Failed (Jobs and bare pods)
e.g. helm upgrade --install app ./chart --set-string 'podLabels.conveyor\\.dev/fault=not-ready'

a real node (--real-node, root; Debian's containerd, runc, CNI plugins, busybox-static):
a kubelet with containerd and kube-proxy beside the fake nodes, node conveyor-real-node,
tainted conveyor.dev/real-node=true:NoSchedule. Pods that tolerate it and select
kubernetes.io/hostname: conveyor-real-node really run; images come from registries on
127.0.0.1 (plain HTTP) or from 'ctr --address STATE/realnode/containerd.sock -n k8s.io
images import'; Services are reached from this machine at their cluster IP.

state: ~/.cache/conveyor/cluster/state ($CONVEYOR_CLUSTER_DIR): kubeconfig, pki/,
logs/<component>.log, etcd/, cluster.json (ports and pids). Builds:
$CONVEYOR_CLUSTER_CACHE (default ~/.cache/conveyor/cluster); building needs Go >= 1.26.

exit status: 0 done (status: up), 1 failed (status: some component is not running),
3 no cluster (status, kubeconfig).
"""


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], fmt: type[argparse.HelpFormatter]
) -> None:
    cluster = sub.add_parser(
        "cluster",
        help="a local Kubernetes (control plane + fake nodes) on 127.0.0.1",
        description="Run a local Kubernetes cluster, built from source on first use.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    actions = cluster.add_subparsers(dest="cluster_command", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up",
        help="start the cluster (build first if needed); quick once built",
        description="Start the cluster and wait until it is usable: the API server ready, "
        "the controllers healthy, every node Ready, the default ServiceAccount there.",
        formatter_class=fmt,
    )
    up.add_argument(
        "--nodes",
        type=_count,
        default=1,
        metavar="N",
        help="how many fake nodes (default 1; each takes 2,000 pods)",
    )
    up.add_argument(
        "--fresh", action="store_true", help="start empty: delete the objects a previous run left"
    )
    up.add_argument(
        "--real-node",
        action="store_true",
        help="also one real node (root): kubelet, containerd, runc, kube-proxy; tainted "
        f"{TAINT}=true:NoSchedule so only pods that tolerate it run there",
    )
    down = actions.add_parser(
        "down",
        help="stop the cluster",
        formatter_class=fmt,
        description="Stop the cluster's processes (recorded by pid at 'up').",
    )
    down.add_argument(
        "--purge", action="store_true", help="also delete certificates, kubeconfig and etcd data"
    )
    actions.add_parser(
        "status",
        help="whether it runs: processes, API server, nodes, versions",
        formatter_class=fmt,
    )
    actions.add_parser(
        "kubeconfig", help="print the kubeconfig's path (exit 3 when down)", formatter_class=fmt
    )
    build = actions.add_parser(
        "build", help="build and cache every binary, start nothing", formatter_class=fmt
    )
    build.add_argument(
        "--all",
        action="store_true",
        help="also kubelet and helm 3 (default: what up needs and helm 4)",
    )


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"expected a number of nodes from 1 to 100, got {text!r}")
    return int(text)


def _say(line: str) -> None:
    print(line, flush=True)


def cmd_cluster(args: argparse.Namespace) -> int:
    from conveyor.cluster import build, control, pki, procs, realnode

    action = args.cluster_command
    try:
        if action == "up":
            path = control.up(
                nodes=args.nodes, fresh=args.fresh, say=_say, real_node=args.real_node
            )
            print(f"export KUBECONFIG={path}")
            return 0
        if action == "down":
            control.down(purge=args.purge, say=_say)
            return 0
        if action == "status":
            return _status(control.status())
        if action == "kubeconfig":
            if control.status().state == "down":
                print(
                    "conveyor cluster: no cluster is running; start one with 'conveyor cluster up'",
                    file=sys.stderr,
                )
                return 3
            print(control.kubeconfig_path())
            return 0
        names = build.ALL if args.all else (*build.CORE, "helm4")
        folder = build.ensure(names, _say)
        print(f"binaries in {folder}")
        return 0
    except (
        build.BuildError,
        control.ClusterError,
        pki.PkiError,
        procs.StartError,
        realnode.RealNodeError,
    ) as e:
        print(f"conveyor cluster {action}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"conveyor cluster {action}: interrupted; 'conveyor cluster down' stops what started",
            file=sys.stderr,
        )
        return 130


def _status(st: Status) -> int:
    from conveyor.cluster.control import kubeconfig_path

    print(f"cluster: {st.state}")
    if st.state == "down":
        return 3
    print(f"api server: {st.server}")
    print(f"kubeconfig: {kubeconfig_path()}")
    print(f"nodes: {st.nodes[0]} ({st.nodes[1]} Ready)")
    print(
        "processes: "
        + ", ".join(
            f"{name} {'running' if up else 'NOT RUNNING'}" for name, up in st.running.items()
        )
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in st.versions.items()))
    return 0 if st.state == "up" else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m conveyor.cli.cluster ...``: the command without conveyor's main."""
    parser = argparse.ArgumentParser(prog="conveyor")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub, argparse.RawDescriptionHelpFormatter)
    return cmd_cluster(
        parser.parse_args(["cluster", *(argv if argv is not None else sys.argv[1:])])
    )


if __name__ == "__main__":
    sys.exit(main())
