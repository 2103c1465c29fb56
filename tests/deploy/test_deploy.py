"""`conveyor deploy`, `rollback` and `deployments` against a real API server and
controllers (kwok nodes), with real Helm 4: Deployments really roll out, ReplicaSets
really change, and a failing release is rolled back by Conveyor itself."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from tests.cluster.support import Cluster, get_json
from tests.deploy.chart import write_chart
from tests.harness import Repo, RepoFactory

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

IMAGE = "registry.local/shop/web"
_names = itertools.count(1)

CONFIG = """
environments:
  staging:
    namespace: {ns}
    chart: chart
    release: web
    image-value: image
    timeout: 90
    verify: {{ready-within: 3}}
  production:
    namespace: {ns}
    chart: chart
    release: shop
    image-value: image
    strategy: blue-green
    timeout: 90
    verify: {{ready-within: 3}}
    blue-green:
      post-switch: {{smoke: 'test "$CONVEYOR_IMAGE" != "{image}:bad"'}}
"""


@pytest.fixture
def ns() -> str:
    return f"deploy-{next(_names)}"


@pytest.fixture
def repo(make_repo: RepoFactory, cluster: Cluster, ns: str) -> Repo:
    repo = make_repo("shop")
    write_chart(repo.root / "chart")
    repo.write(".conveyor.yml", CONFIG.format(ns=ns, image=IMAGE))
    return repo


def _deploy(repo: Repo, cluster: Cluster, env: str, tag: str, *extra: str) -> Any:
    return repo.cli("deploy", env, "--image", f"{IMAGE}:{tag}", "--kubeconfig",
                    str(cluster.kubeconfig), *extra, timeout=300)  # fmt: skip


def _history(repo: Repo, env: str) -> list[dict[str, Any]]:
    res = repo.cli("deployments", env, "--json")
    assert res.code == 0, res.output
    return list(json.loads(res.out))


def _serving_image(cluster: Cluster, ns: str, name: str) -> str:
    d = get_json(cluster, "deployment", name, "-n", ns)
    assert d["status"].get("availableReplicas") == d["spec"]["replicas"], d["status"]
    return str(d["spec"]["template"]["spec"]["containers"][0]["image"])


def test_install_upgrade_and_a_not_ready_release_rolled_back(
    repo: Repo, cluster: Cluster, ns: str
) -> None:
    first = _deploy(repo, cluster, "staging", "1")
    assert first.code == 0, first.output
    assert "staging: deployed, revision 1" in first.out
    second = _deploy(repo, cluster, "staging", "2")
    assert second.code == 0, second.output
    assert _serving_image(cluster, ns, "web") == f"{IMAGE}:2"
    bad = _deploy(repo, cluster, "staging", "3", "--set", "fault=not-ready")
    assert bad.code == 1, bad.output
    assert "staging: rolled-back, revision 3" in bad.out
    assert "not Ready" in bad.out
    assert _serving_image(cluster, ns, "web") == f"{IMAGE}:2"  # the previous version again
    sets = get_json(cluster, "replicasets", "-n", ns)["items"]
    ready = {
        rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["status"].get(
            "readyReplicas", 0
        )
        for rs in sets
    }
    assert ready[f"{IMAGE}:2"] == 2 and ready[f"{IMAGE}:3"] == 0
    rows = _history(repo, "staging")
    assert [r["result"] for r in rows] == ["rolled-back", "deployed", "deployed"]
    newest = rows[0]
    assert newest["revision"] == 3 and newest["rolled_back_to"] == 2
    assert newest["image"] == f"{IMAGE}:3" and newest["strategy"] == "rolling"
    assert "not Ready" in newest["reason"] and newest["detect_seconds"] > 0
    assert newest["restore_seconds"] > 0 and newest["environment"] == "staging"
    assert newest["release"] == "web" and newest["started_at"].endswith("Z")


def test_a_crash_looping_release_is_rolled_back_with_the_reason(
    repo: Repo, cluster: Cluster, ns: str
) -> None:
    assert _deploy(repo, cluster, "staging", "1").code == 0
    bad = _deploy(repo, cluster, "staging", "2", "--set", "fault=crashloop")
    assert bad.code == 1, bad.output
    assert "CrashLoopBackOff" in bad.out and "container web" in bad.out
    assert _serving_image(cluster, ns, "web") == f"{IMAGE}:1"
    assert _history(repo, "staging")[0]["details"]["failure"]["kind"] == "crashloop"


def test_manual_rollback_to_a_revision(repo: Repo, cluster: Cluster, ns: str) -> None:
    for tag in ("1", "2"):
        assert _deploy(repo, cluster, "staging", tag).code == 0
    back = repo.cli("rollback", "staging", "--to", "1", "--kubeconfig", str(cluster.kubeconfig))
    assert back.code == 0, back.output
    assert _serving_image(cluster, ns, "web") == f"{IMAGE}:1"
    newest = _history(repo, "staging")[0]
    assert newest["trigger"] == "rollback" and newest["rolled_back_to"] == 1
    assert newest["rolled_back_from"] == 2


def test_blue_green_switches_and_switches_back_on_a_failed_post_switch_check(
    repo: Repo, cluster: Cluster, ns: str
) -> None:
    def selector() -> tuple[str, str]:
        svc = get_json(cluster, "service", "shop", "-n", ns)
        return (svc["spec"]["selector"]["app.kubernetes.io/instance"],
                svc["metadata"]["annotations"]["conveyor.dev/color"])  # fmt: skip

    assert _deploy(repo, cluster, "production", "1").code == 0
    assert selector() == ("shop-blue", "blue")
    assert _deploy(repo, cluster, "production", "2").code == 0
    assert selector() == ("shop-green", "green")
    back = repo.cli("rollback", "production", "--kubeconfig", str(cluster.kubeconfig))
    assert back.code == 0, back.output  # a selector switch: blue still runs version 1
    assert selector() == ("shop-blue", "blue")
    assert _serving_image(cluster, ns, "shop-blue") == f"{IMAGE}:1"
    bad = _deploy(repo, cluster, "production", "bad")
    assert bad.code == 1, bad.output
    assert "switched service shop back to blue" in bad.out
    assert selector() == ("shop-blue", "blue")
    newest = _history(repo, "production")[0]
    assert newest["result"] == "rolled-back" and newest["color"] == "blue"
    assert newest["reason"].startswith("post-switch:")
    again = repo.cli("rollback", "production", "--kubeconfig", str(cluster.kubeconfig))
    assert again.code == 1 and "no earlier colour" in again.out  # green holds the failed one


def test_an_unknown_environment_is_refused_naming_the_known_ones(
    repo: Repo, cluster: Cluster, ns: str
) -> None:
    res = _deploy(repo, cluster, "qa", "1")
    assert res.code == 2
    assert "unknown environment 'qa'" in res.err and "production, staging" in res.err


def test_a_missing_or_broken_kubeconfig_deploys_nothing(
    repo: Repo, cluster: Cluster, ns: str
) -> None:
    missing = repo.cli("deploy", "staging", "--image", f"{IMAGE}:1", "--kubeconfig",
                       str(repo.root / "nope.yaml"))  # fmt: skip
    assert missing.code == 2 and "nope.yaml: no such file" in missing.err
    broken = repo.root / "broken.yaml"
    broken.write_text("apiVersion: v1\nclusters: 3\n")
    res = repo.cli("deploy", "staging", "--image", f"{IMAGE}:1", "--kubeconfig", str(broken))
    assert res.code == 2 and "broken.yaml cannot be used" in res.err
    assert _history(repo, "staging") == []


def test_without_a_configuration_the_command_line_says_it_all_with_helm_3(
    make_repo: RepoFactory, cluster: Cluster, ns: str
) -> None:
    repo = make_repo("bare")
    write_chart(repo.root / "chart")
    nothing = repo.cli(
        "deploy", "dev", "--image", f"{IMAGE}:1", "--kubeconfig", str(cluster.kubeconfig)
    )
    assert nothing.code == 2 and "names no chart" in nothing.err
    repo.write(".conveyor.yml", f"environments:\n  dev: {{helm: 3, namespace: {ns}}}\n")
    res = repo.cli("deploy", "dev", "--image", f"{IMAGE}:1", "--chart", "chart", "--release",
                   "api", "--image-value", "image", "--set", "replicas=1", "--kubeconfig",
                   str(cluster.kubeconfig), timeout=300)  # fmt: skip
    assert res.code == 0, res.output
    assert _serving_image(cluster, ns, "api") == f"{IMAGE}:1"
    assert "with Helm 3 (" in res.out
