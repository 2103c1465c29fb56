"""Users' deploy steps unchanged: azure/setup-helm, setup-kubectl and k8s-set-context, then
`uses: conveyor/deploy@v1`, in a workflow run by `conveyor run` against the real cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cluster.support import Cluster, get_json
from tests.deploy.chart import write_chart
from tests.harness import Repo, RepoFactory

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

WORKFLOW = """
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: azure/setup-helm@v4
        id: helm
      - uses: azure/setup-kubectl@v4
      - uses: azure/k8s-set-context@v4
        with:
          kubeconfig: ${{ secrets.KUBE_CONFIG }}
      - run: |
          kubectl get namespaces >/dev/null && echo "kubectl reaches the cluster"
          helm version --short
          echo "helm at ${{ steps.helm.outputs.helm-path }}"
      - uses: conveyor/deploy@v1
        id: deploy
        with:
          environment: staging
          chart: chart
          release: web
          image: registry.local/shop/web:${{ github.sha }}
          image-value: image
          set: |
            fault=${{ vars.FAULT }}
      - if: always()
        env:
          RESULT: ${{ steps.deploy.outputs.result }}
          REVISION: ${{ steps.deploy.outputs.revision }}
        run: echo "result=$RESULT revision=$REVISION"
"""


@pytest.fixture
def repo(make_repo: RepoFactory, cluster: Cluster) -> Repo:
    repo = make_repo("shop")
    write_chart(repo.root / "chart")
    repo.write(".conveyor.yml", "environments:\n  staging:\n    namespace: wf-deploy\n"
               "    verify: {ready-within: 3}\n")  # fmt: skip
    repo.workflow(WORKFLOW)
    return repo


def test_a_workflow_deploys_and_a_failing_release_fails_its_step(
    repo: Repo, cluster: Cluster
) -> None:
    kubeconfig = Path(cluster.kubeconfig).read_text()
    sha = repo.commit("first")
    res = repo.run("--secret", f"KUBE_CONFIG={kubeconfig}", "--var", "FAULT=", timeout=600)
    assert res.code == 0, res.output
    assert "kubectl reaches the cluster" in res.logs and "v4." in res.logs
    assert "result=deployed revision=1" in res.logs
    d = get_json(cluster, "deployment", "web", "-n", "wf-deploy")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"].endswith(sha)
    repo.commit("second")
    res = repo.run("--secret", f"KUBE_CONFIG={kubeconfig}", "--var", "FAULT=crashloop", timeout=600)
    assert res.code == 1
    assert "result=rolled-back revision=2" in res.logs
    assert "CrashLoopBackOff" in res.logs
    rows = json.loads(repo.cli("deployments", "staging", "--json").out)
    assert [r["result"] for r in rows] == ["rolled-back", "deployed"]
    assert rows[0]["trigger"] == "workflow" and rows[0]["run_id"] == res.report["run_id"]
    assert rows[0]["commit"] != rows[1]["commit"] and rows[1]["commit"] == sha
    assert "client-certificate-data" not in res.logs and "token:" not in res.logs
