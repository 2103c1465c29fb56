"""A deploy with the namespaced ServiceAccount docs/deploy.md shows: it deploys into its
own namespace, and a deploy into another namespace is refused, clearly, before Helm runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.cluster.support import Cluster, kubectl
from tests.deploy.chart import write_chart
from tests.harness import Repo, RepoFactory

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def _role_from_docs() -> str:
    """The Role and RoleBinding exactly as the docs print them (namespace shop)."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"```yaml\n(# least-privilege deployer.*?)```", text, re.S)
    assert found, "docs/deploy.md shows the deployer's Role"
    return found.group(1)


@pytest.fixture
def repo(make_repo: RepoFactory, cluster: Cluster) -> Repo:
    repo = make_repo("shop")
    write_chart(repo.root / "chart")
    spec = "chart: chart, release: web, image-value: image"
    repo.write(
        ".conveyor.yml",
        f"environments:\n  staging: {{namespace: shop, {spec}}}\n"
        f"  other: {{namespace: elsewhere, {spec}}}\n",
    )
    return repo


def test_a_namespaced_deployer_deploys_at_home_and_is_refused_elsewhere(
    repo: Repo, cluster: Cluster, tmp_path: Path
) -> None:
    kubectl(cluster, "create", "namespace", "shop")
    kubectl(cluster, "create", "namespace", "elsewhere")
    kubectl(cluster, "apply", "-f", "-", stdin=_role_from_docs())
    token = kubectl(cluster, "create", "token", "conveyor-deployer", "-n", "shop").strip()
    admin = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    server = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "deployer",
        "clusters": [{"name": "local", "cluster": server}],
        "users": [{"name": "deployer", "user": {"token": token}}],
        "contexts": [{"name": "deployer", "context": {"cluster": "local", "user": "deployer"}}],
    }  # fmt: skip
    path = tmp_path / "deployer.kubeconfig"
    path.write_text(json.dumps(config))
    home = repo.cli("deploy", "staging", "--image", "registry.local/shop/web:1",
                    "--kubeconfig", str(path), timeout=300)  # fmt: skip
    assert home.code == 0, home.output
    away = repo.cli("deploy", "other", "--image", "registry.local/shop/web:1",
                    "--kubeconfig", str(path), timeout=300)  # fmt: skip
    assert away.code == 2
    assert "may not deploy into namespace elsewhere" in away.err
    assert kubectl(cluster, "get", "secrets", "-n", "elsewhere", "-o", "name").strip() == ""
