"""The example monorepo's deploy stage, end to end: images pushed, then Helm to a cluster.

A push to ``main`` of a copy of ``examples/aegis-monorepo`` with ``vars.REGISTRY`` set to
a real registry on 127.0.0.1, ``vars.DEPLOY_STAGING=true`` and ``secrets.KUBE_CONFIG``
holding the session cluster's kubeconfig (``conveyor cluster up``): the whole workflow
runs, the ``image`` matrix pushes ``main-<sha7>`` of risk, dashboard and engine, and the
``deploy`` job installs ``deploy/chart`` (environment ``staging`` in the example's
``.conveyor.yml``) with the three images through azure/setup-helm, setup-kubectl,
k8s-set-context and ``conveyor/deploy@v1``, then checks the rollout with kubectl.

Checked where it shows: the three Deployments in ``aegis-staging`` run the pushed images
and are ready, and ``conveyor deployments staging --json`` holds the deploy (result
``deployed``, the risk image with the digest this run pushed, the commit, the run).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cluster.support import Cluster, get_json
from tests.examples.test_example_images import EXAMPLE, SERVICES, registry  # noqa: F401
from tests.harness import RepoFactory
from tests.images.registry import PASSWORD, Registry

pytestmark = [pytest.mark.slow, pytest.mark.containers, pytest.mark.cluster]

NAMESPACE = "aegis-staging"


def test_push_to_main_deploys_the_three_images_to_staging(
    make_repo: RepoFactory,
    registry: Registry,  # noqa: F811
    cluster: Cluster,  # noqa: F811
) -> None:
    repo = make_repo("aegis")
    shutil.copytree(
        EXAMPLE,
        repo.root,
        ignore=shutil.ignore_patterns(".conveyor", "node_modules", "target", "__pycache__"),
        dirs_exist_ok=True,
    )
    sha = repo.commit("aegis")
    tag = f"main-{sha[:7]}"
    kubeconfig = Path(cluster.kubeconfig).read_text(encoding="utf-8")
    res = repo.run(
        "--var", f"REGISTRY={registry.host}", "--var", "DEPLOY_STAGING=true",
        "--secret", f"REGISTRY_PASSWORD={PASSWORD}", "--secret", f"KUBE_CONFIG={kubeconfig}",
        event="push", commit=False, timeout=30 * 60,
    )  # fmt: skip
    assert res.code == 0, res.output[-6000:]
    assert res.conclusion == "success"
    assert all(j["conclusion"] == "success" for j in res.jobs()), [
        (j["id"], j["conclusion"]) for j in res.jobs()
    ]
    deploy = res.job("deploy")
    assert deploy["conclusion"] == "success"
    assert res.outputs("deploy", "deploy")["result"] == "deployed"
    log = Path(deploy["log"]).read_text(encoding="utf-8")
    for service in SERVICES:
        image = f"{registry.host}/aegis/{service}:{tag}"
        assert f"aegis-{service} runs {image}" in log, log[-4000:]

    # the cluster runs the images the image job pushed, every replica ready
    for service in SERVICES:
        d = get_json(cluster, "deployment", f"aegis-{service}", "-n", NAMESPACE)
        containers = d["spec"]["template"]["spec"]["containers"]
        assert [c["image"] for c in containers] == [f"{registry.host}/aegis/{service}:{tag}"]
        assert d["status"].get("readyReplicas") == d["spec"]["replicas"], d["status"]
        assert d["metadata"]["annotations"]["meta.helm.sh/release-name"] == "aegis"
    services = get_json(cluster, "services", "-n", NAMESPACE)["items"]
    assert sorted(s["metadata"]["name"] for s in services) == [
        f"aegis-{s}" for s in sorted(SERVICES)
    ]

    # and the history has the deploy, with the risk image and the digest this run pushed
    rows = json.loads(repo.cli("deployments", "staging", "--json").out)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["result"] == "deployed"
    assert (row["environment"], row["release"], row["strategy"]) == ("staging", "aegis", "rolling")
    assert row["image"] == f"{registry.host}/aegis/risk:{tag}"
    assert row["digest"] == registry.digest("aegis/risk", tag)
    assert row["commit"] == sha and row["trigger"] == "workflow"
    assert row["run_id"] == res.report["run_id"]

    text = res.all_text()
    assert PASSWORD not in text
    assert "client-certificate-data" not in text and "client-key-data" not in text
