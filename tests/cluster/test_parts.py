"""The cluster's parts that need no build: kwok's configuration, ports, processes."""

from __future__ import annotations

import socket
from pathlib import Path

import yaml

from conveyor.cluster import procs, stages
from conveyor.cluster.control import node
from conveyor.cluster.state import PORT_NAMES, choose_ports


def _kwok_module(root: Path) -> Path:
    """kwok's layout: stage/fast lists folders, each listing its stage files."""
    base = root / "kustomize" / "stage"
    for folder, files in {
        "node/fast": ["node-initialize"],
        "pod/fast": ["pod-ready", "pod-delete"],
    }.items():
        (base / folder).mkdir(parents=True)
        (base / folder / "kustomization.yaml").write_text(
            "resources:\n" + "".join(f"- {f}.yaml\n" for f in files)
        )
        for f in files:
            (base / folder / f"{f}.yaml").write_text(f"kind: Stage\nmetadata:\n  name: {f}\n")
    (base / "fast").mkdir()
    (base / "fast" / "kustomization.yaml").write_text("resources:\n- ../node/fast\n- ../pod/fast\n")
    return root


def test_kwok_config_keeps_every_stage_a_document_of_its_own(tmp_path: Path) -> None:
    text = stages.kwok_config(stages.default_stages(_kwok_module(tmp_path)))
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert docs[0]["kind"] == "KwokConfiguration"
    assert docs[0]["options"]["nodeLeaseParallelism"] > 0
    names = [d["metadata"]["name"] for d in docs[1:]]
    assert names == [
        "node-initialize",
        "pod-ready",
        "pod-delete",
        "conveyor-fault-not-ready",
        "conveyor-fault-crashloop",
        "conveyor-fault-failed",
    ]


def test_fault_stages_win_over_pod_ready_by_weight() -> None:
    for doc in yaml.safe_load_all(stages.fault_stages()):
        fault = doc["metadata"]["name"].removeprefix("conveyor-fault-")
        assert fault in stages.FAULTS
        assert doc["spec"]["weight"] > 0  # kwok then drops the weightless pod-ready
        assert doc["spec"]["selector"]["matchLabels"] == {stages.FAULT_LABEL: fault}


def test_fake_nodes_carry_no_taint() -> None:
    made = node("kwok-node-0")
    assert "spec" not in made or not made["spec"].get("taints")  # type: ignore[attr-defined]
    assert made["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"  # type: ignore[index]


def test_ports_are_distinct_and_kept_when_free() -> None:
    first = choose_ports(None)
    assert sorted(first) == sorted(PORT_NAMES) and len(set(first.values())) == len(first)
    assert choose_ports(first) == first
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first["apiserver"]))
        again = choose_ports(first)
    assert again["apiserver"] != first["apiserver"] and again["etcd"] == first["etcd"]


def test_a_spawned_process_outlives_its_launcher_and_stops(tmp_path: Path) -> None:
    p = procs.spawn("sleeper", ["sleep", "60"], tmp_path, tmp_path / "sleeper.log")
    assert p.running()
    assert procs.stop([p], grace=5) == []
    assert not p.running()
